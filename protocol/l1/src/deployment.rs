//! What a deployment is configured with and what it produced (the file services read).

use alloy_primitives::{Address, B256, U256};
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
    /// First L1 block in which all contracts exist (derivation starts here).
    pub l1_start_block: u64,
    /// Hash of that block.
    pub l1_start_hash: B256,
}

impl Deployment {
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
