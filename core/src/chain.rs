//! Chain parameters shared by every component that executes or validates L2 blocks.

use crate::fees::{L1Attributes, L1BlobSchedule};
use alloy::eips::eip1559::BaseFeeParams;
use alloy_primitives::{Address, B256, address};
use revm::primitives::hardfork::SpecId;
use serde::{Deserialize, Serialize};

/// The EVM specification of the L2 (and of the L1 it settles on): the newest fork that both
/// revm and Anvil support, so every L2 precompile also exists on L1.
pub const SPEC: SpecId = SpecId::OSAKA;

/// Gas cap of a single L2 transaction: 2^23, half the L1's EIP-7825 cap, so that any single
/// step of a dispute fits in one L1 transaction.
pub const TX_GAS_CAP: u64 = 1 << 23;

/// Largest encoded L2 transaction the sequencer accepts (128 KiB, as geth's pool).
pub const MAX_TX_SIZE: usize = 128 * 1024;

/// Receives the priority fees of every L2 block (the header's beneficiary): the sequencer fee
/// vault, fixed by the protocol so that derivation reproduces blocks without configuration.
pub const FEE_RECIPIENT: Address = crate::fees::SEQUENCER_FEE_VAULT;

/// Address of the L2→L1 message passer predeploy (as in the OP Stack); its storage root is the
/// withdrawal root of every output.
pub const MESSAGE_PASSER_ADDRESS: Address = address!("0x4200000000000000000000000000000000000016");

/// Default of [`ChainConfig::max_sequencer_drift`]: 30 minutes, as on OP Mainnet.
const DEFAULT_MAX_SEQUENCER_DRIFT: u64 = 1800;

fn default_max_sequencer_drift() -> u64 {
    DEFAULT_MAX_SEQUENCER_DRIFT
}

/// Default of [`ChainConfig::sequencing_window`]: 3600 L1 blocks (12 hours), as on OP Mainnet.
const DEFAULT_SEQUENCING_WINDOW: u64 = 3600;

fn default_sequencing_window() -> u64 {
    DEFAULT_SEQUENCING_WINDOW
}

/// Static parameters of an L2 chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChainConfig {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Gas limit of every L2 block.
    pub block_gas_limit: u64,
    /// EIP-1559 base fee parameters (max change denominator, elasticity multiplier).
    pub base_fee_params: BaseFeeParams,
    /// Base fee of the first block after genesis, in wei.
    pub initial_base_fee: u64,
    /// Seconds an L2 block's timestamp may run ahead of its L1 origin's timestamp while still
    /// carrying user transactions; beyond that only deposits are allowed.
    #[serde(default = "default_max_sequencer_drift")]
    pub max_sequencer_drift: u64,
    /// L1 blocks within which the sequencer must post the L2 blocks of an L1 origin. Once L1
    /// is further ahead of the derived head's origin, derivation itself builds the next block:
    /// deposits of the next origin only (forced inclusion, even if the sequencer stops).
    #[serde(default = "default_sequencing_window")]
    pub sequencing_window: u64,
    /// The L1's blob fee schedule, from which every L2 block's L1 blob base fee is computed.
    #[serde(default)]
    pub l1_blob_schedule: L1BlobSchedule,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            chain_id: 42069,
            block_gas_limit: 60_000_000,
            base_fee_params: BaseFeeParams::ethereum(),
            initial_base_fee: 1_000_000_000,
            max_sequencer_drift: DEFAULT_MAX_SEQUENCER_DRIFT,
            sequencing_window: DEFAULT_SEQUENCING_WINDOW,
            l1_blob_schedule: L1BlobSchedule::default(),
        }
    }
}

impl ChainConfig {
    /// The base fee of the block after a parent with the given gas figures (EIP-1559).
    pub fn next_base_fee(&self, parent_gas_used: u64, parent_gas_limit: u64, parent_base_fee: u64) -> u64 {
        alloy::eips::eip1559::calc_next_block_base_fee(
            parent_gas_used,
            parent_gas_limit,
            parent_base_fee,
            self.base_fee_params,
        )
    }
}

/// The L1 block an L2 block was built on: deposits of that L1 block are included in the first
/// L2 block with this origin, and derivation checks the origin against L1.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct L1Origin {
    /// L1 block number.
    pub number: u64,
    /// L1 block hash.
    pub hash: B256,
}

/// Inputs of one L2 block that are not transactions: everything the sequencer chooses and
/// derivation must reproduce.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockAttributes {
    /// Block number.
    pub number: u64,
    /// Hash of the parent block.
    pub parent_hash: B256,
    /// Block timestamp in seconds.
    pub timestamp: u64,
    /// The L1 block this L2 block was built on.
    pub l1_origin: L1Origin,
    /// The rest of the L1 attributes: the origin's timestamp and fees, and the fee
    /// configuration (written into `L1Block` by the block's first transaction).
    pub l1: L1Attributes,
    /// Receives priority fees: [`FEE_RECIPIENT`] in every block after genesis.
    pub fee_recipient: Address,
    /// EIP-1559 base fee of this block.
    pub base_fee: u64,
    /// Gas limit of this block.
    pub gas_limit: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_configs_without_a_sequencer_drift_get_the_default() {
        let mut json = serde_json::to_value(ChainConfig::default()).unwrap();
        json.as_object_mut().unwrap().remove("maxSequencerDrift");
        let config: ChainConfig = serde_json::from_value(json).unwrap();
        assert_eq!(config.max_sequencer_drift, 1800);
        assert_eq!(config, ChainConfig::default());
    }
}
