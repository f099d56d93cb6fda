//! What a deployment is configured with and what it produced (the file services read).

use alloy_primitives::{Address, B256, U256};
use rollup_core::{
    ChainConfig, FeeVaultConfig, Genesis, L1Origin,
    fees::{L1Attributes, L1BlobSchedule, SystemConfig},
};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Settings of an L1 deployment. Together with the L2 chain id they determine the contract
/// addresses (CREATE2), so deploying twice with the same settings finds the first deployment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeployConfig {
    /// Chain id of the L2 the contracts serve (part of the CREATE2 salt).
    pub l2_chain_id: u64,
    /// May rotate the other roles.
    pub owner: Address,
    /// The only account that may submit batches.
    pub batcher: Address,
    /// The only account that may propose outputs.
    pub proposer: Address,
    /// Seconds an output can be challenged before it finalizes.
    pub challenge_window: u64,
    /// Bond posted with every output proposal, in wei.
    pub bond: U256,
    /// Initial weight of the L1 base fee in the L1 data fee (`SystemConfig`, 6 decimals).
    #[serde(default = "default_base_fee_scalar")]
    pub base_fee_scalar: u32,
    /// Initial weight of the L1 blob base fee in the L1 data fee (`SystemConfig`, 6 decimals).
    #[serde(default = "default_blob_base_fee_scalar")]
    pub blob_base_fee_scalar: u32,
    /// The L1 account the L2's fee vaults pay out to (the L2 genesis's; `None`: the owner). It
    /// must accept plain ETH: a withdrawal to a contract that reverts is finalized as failed and
    /// its ETH stays in the Portal.
    #[serde(default)]
    pub fee_vault_recipient: Option<Address>,
    /// The smallest balance a fee vault withdraws, in wei.
    #[serde(default = "default_min_withdrawal")]
    pub fee_vault_min_withdrawal: U256,
}

fn default_min_withdrawal() -> U256 {
    FeeVaultConfig::dev().min_withdrawal_amount
}

impl DeployConfig {
    /// Dev settings: chain 42069, the zero address in every role (to be replaced), a 12-second
    /// challenge window, no bond, the default fee scalars.
    pub fn dev() -> Self {
        Self {
            l2_chain_id: ChainConfig::default().chain_id,
            owner: Address::ZERO,
            batcher: Address::ZERO,
            proposer: Address::ZERO,
            challenge_window: 12,
            bond: U256::ZERO,
            base_fee_scalar: default_base_fee_scalar(),
            blob_base_fee_scalar: default_blob_base_fee_scalar(),
            fee_vault_recipient: None,
            fee_vault_min_withdrawal: default_min_withdrawal(),
        }
    }
}

fn default_base_fee_scalar() -> u32 {
    SystemConfig::DEFAULT_BASE_FEE_SCALAR
}

fn default_blob_base_fee_scalar() -> u32 {
    SystemConfig::DEFAULT_BLOB_BASE_FEE_SCALAR
}

/// Addresses and metadata of deployed L1 contracts, written as JSON for the services.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    /// Chain id of the L1.
    pub l1_chain_id: u64,
    /// The settings used.
    pub config: DeployConfig,
    /// BatchInbox address.
    pub batch_inbox: Address,
    /// OutputOracle address.
    pub output_oracle: Address,
    /// Portal address.
    pub portal: Address,
    /// SystemConfig address.
    pub system_config: Address,
    /// First L1 block in which all contracts exist (derivation starts here).
    pub l1_start_block: u64,
    /// Hash of that block.
    pub l1_start_hash: B256,
    /// Timestamp of that block.
    pub l1_start_timestamp: u64,
    /// Base fee of that block, in wei.
    pub l1_start_base_fee: u128,
    /// Excess blob gas of that block.
    pub l1_start_excess_blob_gas: u64,
}

impl Deployment {
    /// The L2 genesis's L1 origin: the start block.
    pub fn l1_origin(&self) -> L1Origin {
        L1Origin { number: self.l1_start_block, hash: self.l1_start_hash }
    }

    /// The L2 genesis's L1 attributes on an L1 with blob schedule `blobs`: the start block's
    /// timestamp and fees, and the fee configuration `SystemConfig` was deployed with.
    pub fn l1_attributes(&self, blobs: &L1BlobSchedule) -> L1Attributes {
        L1Attributes {
            timestamp: self.l1_start_timestamp,
            base_fee: self.l1_start_base_fee,
            blob_base_fee: blobs.blob_base_fee(self.l1_start_timestamp, self.l1_start_excess_blob_gas),
            system: SystemConfig {
                batcher: self.config.batcher,
                base_fee_scalar: self.config.base_fee_scalar,
                blob_base_fee_scalar: self.config.blob_base_fee_scalar,
            },
        }
    }

    /// The development genesis of the L2 these contracts serve, with chain parameters `chain`:
    /// its origin is the start block, and the fee vaults pay out as the settings say.
    pub fn dev_genesis(&self, chain: ChainConfig) -> Genesis {
        let vaults = FeeVaultConfig {
            recipient: self.config.fee_vault_recipient.unwrap_or(self.config.owner),
            min_withdrawal_amount: self.config.fee_vault_min_withdrawal,
        };
        let l1 = self.l1_attributes(&chain.l1_blob_schedule);
        Genesis::dev_with_fees(chain, 0, self.l1_origin(), l1, vaults)
    }

    /// Reads a deployment file.
    pub fn read(path: &Path) -> std::io::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        serde_json::from_str(&text).map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))
    }

    /// Writes the deployment file atomically (temporary file, then rename).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)? + "\n";
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(tmp, path)
    }
}
