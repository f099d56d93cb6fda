//! What the batcher and proposer are configured with.

use crate::da::DataAvailability;
use alloy_primitives::Address;
use rollup_batch::Compression;
use std::time::Duration;

/// Fee limits of the batcher's and proposer's L1 transactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeLimits {
    /// Highest `maxFeePerGas` ever signed, in wei.
    pub max_fee_per_gas: u128,
    /// Highest `maxFeePerBlobGas` ever signed, in wei.
    pub max_fee_per_blob_gas: u128,
}

impl Default for FeeLimits {
    fn default() -> Self {
        Self { max_fee_per_gas: 500_000_000_000, max_fee_per_blob_gas: 500_000_000_000 }
    }
}

/// Configuration of a batcher (and its proposer).
#[derive(Clone, Debug)]
pub struct BatcherConfig {
    /// L1 JSON-RPC URL.
    pub l1_rpc_url: String,
    /// The BatchInbox contract.
    pub batch_inbox: Address,
    /// The OutputOracle contract.
    pub output_oracle: Address,
    /// Chain id of the L2 (batches leave it out of every transaction).
    pub l2_chain_id: u64,
    /// Where batches go.
    pub data_availability: DataAvailability,
    /// How channels are compressed.
    pub compression: Compression,
    /// A channel closes once its blocks' transactions reach this many bytes.
    pub max_channel_bytes: usize,
    /// A channel closes once its first block is this old, however small it is.
    pub max_channel_age: Duration,
    /// Blobs per blob transaction (1–6).
    pub blobs_per_tx: usize,
    /// Most unconfirmed L1 transactions at once.
    pub max_in_flight: usize,
    /// An unincluded transaction is re-signed with higher fees after this long.
    pub resubmit_after: Duration,
    /// Fee limits.
    pub fees: FeeLimits,
    /// L1 blocks on top of (and including) the one with a transaction before it counts as
    /// confirmed.
    pub confirmations: u64,
    /// How often the batcher looks at the L2 database and L1.
    pub poll_interval: Duration,
    /// Propose an output every this many L2 blocks; `None` turns the proposer off.
    pub proposal_interval: Option<u64>,
}

impl BatcherConfig {
    /// Defaults for everything but the endpoints and contracts.
    pub fn new(l1_rpc_url: String, batch_inbox: Address, output_oracle: Address, l2_chain_id: u64) -> Self {
        Self {
            l1_rpc_url,
            batch_inbox,
            output_oracle,
            l2_chain_id,
            data_availability: DataAvailability::Auto,
            compression: Compression::default(),
            max_channel_bytes: 1_000_000,
            max_channel_age: Duration::from_secs(12),
            blobs_per_tx: 6,
            max_in_flight: 8,
            resubmit_after: Duration::from_secs(48),
            fees: FeeLimits::default(),
            confirmations: 3,
            poll_interval: Duration::from_millis(500),
            proposal_interval: Some(60),
        }
    }
}
