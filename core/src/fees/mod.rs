//! Fees that pay for L1 (docs/fees.md): the L1 attributes every block records, the L1 data fee
//! of user transactions, and the fee vaults that collect what users pay.

mod flz;
mod l1_block;
mod l1_fee;

pub use flz::flz_compressed_len;
pub use l1_block::{L1_ATTRIBUTES_GAS, L1Attributes, L1BlockValues, SystemConfig};
pub use l1_fee::{
    L1Cost, MIN_SIZE, SIGNATURE_SIZE, SIZE_INTERCEPT, SIZE_SLOPE, l1_cost, l1_cost_of_compressed, signing_payload,
    transaction_l1_cost,
};

use alloy::eips::eip7840::BlobParams;
use alloy_primitives::{Address, address};
use serde::{Deserialize, Serialize};

/// From when the L1's blob base fee follows an update fraction (a fork of the L1 that changes
/// its blob schedule, EIP-7840).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BlobFeeStep {
    /// The first L1 timestamp of the fork.
    pub from_timestamp: u64,
    /// `BLOB_BASE_FEE_UPDATE_FRACTION` from then on.
    pub update_fraction: u128,
}

/// The L1's blob base fee update fractions over time, in timestamp order; before the first
/// step (and with none) Prague's, the fraction of an Osaka L1 without BPO forks such as Anvil.
/// Ethereum mainnet's BPO1 and BPO2 forks are two steps.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct L1BlobSchedule(pub Vec<BlobFeeStep>);

impl L1BlobSchedule {
    /// The blob base fee of an L1 block with `timestamp` and `excess_blob_gas`.
    pub fn blob_base_fee(&self, timestamp: u64, excess_blob_gas: u64) -> u128 {
        let prague = BlobParams::prague();
        let update_fraction = self
            .0
            .iter()
            .rev()
            .find(|step| step.from_timestamp <= timestamp)
            .map_or(prague.update_fraction, |step| step.update_fraction);
        BlobParams { update_fraction, ..prague }.calc_blob_fee(excess_blob_gas)
    }
}

/// Sender of the L1 attributes deposit; the only account that may write `L1Block`.
pub const DEPOSITOR_ACCOUNT: Address = address!("0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001");

/// The `L1Block` predeploy: the L1 attributes of the current block.
pub const L1_BLOCK_ADDRESS: Address = address!("0x4200000000000000000000000000000000000015");

/// The `GasPriceOracle` predeploy: the L1 data fee as contracts and wallets compute it.
pub const GAS_PRICE_ORACLE_ADDRESS: Address = address!("0x420000000000000000000000000000000000000F");

/// Receives the priority fees (the OP Stack's `SequencerFeeVault`).
pub const SEQUENCER_FEE_VAULT: Address = address!("0x4200000000000000000000000000000000000011");

/// Receives the base fees (the OP Stack's `BaseFeeVault`).
pub const BASE_FEE_VAULT: Address = address!("0x4200000000000000000000000000000000000019");

/// Receives the L1 data fees (the OP Stack's `L1FeeVault`).
pub const L1_FEE_VAULT: Address = address!("0x420000000000000000000000000000000000001A");

/// The three fee vaults.
pub const FEE_VAULTS: [Address; 3] = [SEQUENCER_FEE_VAULT, BASE_FEE_VAULT, L1_FEE_VAULT];

#[cfg(test)]
mod tests {
    use super::*;

    /// The fraction in force is the last step's at or before the block.
    #[test]
    fn the_blob_schedule_follows_the_l1_forks() {
        let excess = 100_000_000;
        let prague = BlobParams::prague().calc_blob_fee(excess);
        let bpo1 = BlobFeeStep { from_timestamp: 1_000, update_fraction: 8_346_193 };
        let bpo2 = BlobFeeStep { from_timestamp: 2_000, update_fraction: 11_684_671 };
        let schedule = L1BlobSchedule(vec![bpo1, bpo2]);
        assert_eq!(L1BlobSchedule::default().blob_base_fee(5_000, excess), prague);
        assert_eq!(schedule.blob_base_fee(999, excess), prague);
        let fee = |fraction| BlobParams { update_fraction: fraction, ..BlobParams::prague() }.calc_blob_fee(excess);
        assert_eq!(schedule.blob_base_fee(1_000, excess), fee(8_346_193));
        assert_eq!(schedule.blob_base_fee(2_500, excess), fee(11_684_671));
        assert!(fee(11_684_671) < fee(8_346_193) && fee(8_346_193) < prague);
    }
}
