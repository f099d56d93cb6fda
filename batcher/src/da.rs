//! Data availability: calldata or blobs, and the `auto` choice between them.

use rollup_batch::BLOB_CAPACITY;
use std::{fmt, str::FromStr};

/// Largest frame posted as calldata: under the 128 KiB transaction size limit of L1 pools.
pub const MAX_CALLDATA_FRAME: usize = 120_000;

/// Blob gas of one blob (EIP-4844).
const GAS_PER_BLOB: u128 = 131_072;

/// Gas of a batch transaction besides its data (base cost, storage, event), roughly.
const TX_OVERHEAD_GAS: u128 = 21_000 + 100_000;

/// Calldata gas per (mostly non-zero) compressed byte: the EIP-7623 floor of 10 gas per token,
/// 4 tokens per non-zero byte.
const CALLDATA_GAS_PER_BYTE: u128 = 40;

/// A switch of `auto` needs the other medium to be this many percent cheaper.
const HYSTERESIS_PERCENT: u128 = 20;

/// Where batches are posted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataAvailability {
    /// Transaction input of `BatchInbox.submitBatch`.
    Calldata,
    /// EIP-4844 blobs of a `BatchInbox.submitBlobBatch` transaction.
    Blob,
    /// Whichever is cheaper at current L1 fees, with hysteresis.
    Auto,
}

impl fmt::Display for DataAvailability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Calldata => "calldata",
            Self::Blob => "blob",
            Self::Auto => "auto",
        })
    }
}

impl FromStr for DataAvailability {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "calldata" => Ok(Self::Calldata),
            "blob" | "blobs" => Ok(Self::Blob),
            "auto" => Ok(Self::Auto),
            other => Err(format!("unknown data availability {other:?}: expected calldata, blob or auto")),
        }
    }
}

/// Largest frame one blob transaction with `blobs_per_tx` blobs carries.
pub fn max_blob_frame(blobs_per_tx: usize) -> usize {
    // The blob coder spends one 31-byte field element on the length.
    blobs_per_tx * BLOB_CAPACITY - 31
}

/// Estimated L1 cost in wei of posting `bytes` as calldata.
pub fn calldata_cost(bytes: usize, base_fee: u128) -> u128 {
    let txs = bytes.div_ceil(MAX_CALLDATA_FRAME).max(1) as u128;
    (txs * TX_OVERHEAD_GAS + bytes as u128 * CALLDATA_GAS_PER_BYTE) * base_fee
}

/// Estimated L1 cost in wei of posting `bytes` in blobs.
pub fn blob_cost(bytes: usize, blobs_per_tx: usize, base_fee: u128, blob_base_fee: u128) -> u128 {
    let blobs = bytes.div_ceil(BLOB_CAPACITY).max(1);
    let txs = blobs.div_ceil(blobs_per_tx) as u128;
    txs * TX_OVERHEAD_GAS * base_fee + blobs as u128 * GAS_PER_BLOB * blob_base_fee
}

/// Decides calldata or blobs channel by channel; `auto` remembers its last choice and only
/// switches when the other medium is clearly cheaper, so it does not flip-flop on noise.
#[derive(Clone, Debug)]
pub struct DaChooser {
    mode: DataAvailability,
    blobs_per_tx: usize,
    last_blob: Option<bool>,
}

impl DaChooser {
    /// A chooser for `mode`.
    pub fn new(mode: DataAvailability, blobs_per_tx: usize) -> Self {
        Self { mode, blobs_per_tx, last_blob: None }
    }

    /// Whether a channel of `bytes` goes in blobs at these fees.
    pub fn use_blobs(&mut self, bytes: usize, base_fee: u128, blob_base_fee: u128) -> bool {
        let blob = match self.mode {
            DataAvailability::Calldata => false,
            DataAvailability::Blob => true,
            DataAvailability::Auto => {
                let calldata = calldata_cost(bytes, base_fee);
                let blobs = blob_cost(bytes, self.blobs_per_tx, base_fee, blob_base_fee);
                let clearly_cheaper = |a: u128, b: u128| a * 100 < b * (100 - HYSTERESIS_PERCENT);
                match self.last_blob {
                    None => blobs < calldata,
                    Some(true) => !clearly_cheaper(calldata, blobs),
                    Some(false) => clearly_cheaper(blobs, calldata),
                }
            }
        };
        self.last_blob = Some(blob);
        blob
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_picks_the_cheaper_and_does_not_flip_flop() {
        let mut chooser = DaChooser::new(DataAvailability::Auto, 6);
        let bytes = 100_000;
        // Cheap blobs: blobs.
        assert!(chooser.use_blobs(bytes, 10_000_000_000, 1));
        // Blob fees rise until blobs cost a little more than calldata: stay on blobs.
        let calldata = calldata_cost(bytes, 10_000_000_000);
        let even = calldata / GAS_PER_BLOB;
        assert!(chooser.use_blobs(bytes, 10_000_000_000, even * 11 / 10));
        // Clearly more: switch to calldata, and stay there when blobs are only a bit cheaper.
        assert!(!chooser.use_blobs(bytes, 10_000_000_000, even * 2));
        assert!(!chooser.use_blobs(bytes, 10_000_000_000, even * 9 / 10));
        assert!(chooser.use_blobs(bytes, 10_000_000_000, even / 2));
    }

    #[test]
    fn fixed_modes_and_parsing() {
        assert!(!DaChooser::new(DataAvailability::Calldata, 6).use_blobs(1, 1, 1_000_000));
        assert!(DaChooser::new(DataAvailability::Blob, 6).use_blobs(1, 1, 1_000_000));
        assert_eq!("blob".parse::<DataAvailability>().unwrap(), DataAvailability::Blob);
        assert!("ipfs".parse::<DataAvailability>().unwrap_err().contains("expected calldata, blob or auto"));
        assert_eq!(max_blob_frame(1), 126_945);
    }
}
