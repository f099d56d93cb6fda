//! Deterministic, idempotent deployment of the L1 contracts through the standard CREATE2
//! deployer: the addresses follow from the settings, so a second run finds the first one.

use super::{BatchInbox, DeployConfig, Deployment, OutputOracle, Portal, SystemConfig};
use alloy::{
    network::TransactionBuilder, providers::Provider, rpc::types::TransactionRequest, sol_types::SolConstructor,
};
use alloy_primitives::{Address, B256, Bytes, address, keccak256};
use tracing::info;

/// The CREATE2 deployer ("deterministic deployment proxy") present on Anvil and most chains.
pub const CREATE2_DEPLOYER: Address = address!("0x4e59b44847b379578588920ca78fbf26c0b4956c");

/// Why a deployment failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The L1 node failed or refused a request (e.g. the deployer cannot pay for gas).
    #[error("L1 request failed: {0}")]
    Rpc(#[from] alloy::transports::TransportError),
    /// Waiting for a deployment transaction failed.
    #[error("L1 transaction failed: {0}")]
    Pending(#[from] alloy::providers::PendingTransactionError),
    /// The deploying account cannot pay for anything.
    #[error("deployer {0} has no ETH on the L1: fund it before deploying")]
    Unfunded(Address),
    /// The L1 lacks the CREATE2 deployer.
    #[error("the L1 has no CREATE2 deployer at {CREATE2_DEPLOYER}: deploy it first (Anvil has it by default)")]
    NoCreate2Deployer,
    /// A contract did not appear at its address.
    #[error("deploying {name} failed: {reason}")]
    Failed {
        /// Contract name.
        name: &'static str,
        /// What went wrong.
        reason: String,
    },
}

/// Creation code of every contract for `config`, in deployment order, with its address.
fn plan(config: &DeployConfig) -> ([(&'static str, Bytes, Address); 4], B256) {
    let salt = keccak256(format!("rollup/l1/v1/{}", config.l2_chain_id));
    let with_args = |code: &Bytes, args: Vec<u8>| -> Bytes { [code.as_ref(), &args].concat().into() };
    let inbox = with_args(
        &BatchInbox::BYTECODE,
        BatchInbox::constructorCall { initialOwner: config.owner, initialBatcher: config.batcher }.abi_encode(),
    );
    let oracle = with_args(
        &OutputOracle::BYTECODE,
        OutputOracle::constructorCall {
            initialOwner: config.owner,
            initialProposer: config.proposer,
            challengeWindow_: alloy_primitives::U256::from(config.challenge_window),
            bond_: config.bond,
        }
        .abi_encode(),
    );
    let oracle_address = CREATE2_DEPLOYER.create2_from_code(salt, &oracle);
    let portal = with_args(
        &Portal::BYTECODE,
        Portal::constructorCall { initialOwner: config.owner, oracle_: oracle_address }.abi_encode(),
    );
    let system_config = with_args(
        &SystemConfig::BYTECODE,
        SystemConfig::constructorCall {
            initialOwner: config.owner,
            batcherHash_: config.batcher.into_word(),
            basefeeScalar_: config.base_fee_scalar,
            blobbasefeeScalar_: config.blob_base_fee_scalar,
        }
        .abi_encode(),
    );
    let entry = |name, code: Bytes| {
        let address = CREATE2_DEPLOYER.create2_from_code(salt, &code);
        (name, code, address)
    };
    // The Portal last: the L2 starts at the block in which it appears, so that no deposit is
    // made before the L2's first origin.
    let contracts = [
        entry("BatchInbox", inbox),
        entry("OutputOracle", oracle),
        entry("SystemConfig", system_config),
        entry("Portal", portal),
    ];
    (contracts, salt)
}

/// Deploys (or finds) the L1 contracts for `config`, sending from `deployer` (the provider's
/// wallet).
pub async fn deploy<P: Provider>(
    provider: &P,
    deployer: Address,
    config: &DeployConfig,
) -> Result<Deployment, DeployError> {
    if provider.get_code_at(CREATE2_DEPLOYER).await?.is_empty() {
        return Err(DeployError::NoCreate2Deployer);
    }
    let (contracts, salt) = plan(config);
    for (name, code, address) in &contracts {
        if !provider.get_code_at(*address).await?.is_empty() {
            info!(name, %address, "found existing deployment");
            continue;
        }
        if provider.get_balance(deployer).await?.is_zero() {
            return Err(DeployError::Unfunded(deployer));
        }
        let input: Bytes = [salt.as_slice(), code.as_ref()].concat().into();
        let tx = TransactionRequest::default().with_to(CREATE2_DEPLOYER).with_input(input);
        let receipt = provider.send_transaction(tx).await?.get_receipt().await?;
        if !receipt.status() || provider.get_code_at(*address).await?.is_empty() {
            let reason = format!("transaction {} left no code at {address}", receipt.transaction_hash);
            return Err(DeployError::Failed { name, reason });
        }
        info!(name, %address, tx = %receipt.transaction_hash, "deployed");
    }
    let last = contracts[3].2;
    let l1_start_block = first_block_with_code(provider, last).await?;
    let start = provider.get_block_by_number(l1_start_block.into()).await?.ok_or_else(|| DeployError::Failed {
        name: "Portal",
        reason: format!("L1 block {l1_start_block} disappeared"),
    })?;
    Ok(Deployment {
        l1_chain_id: provider.get_chain_id().await?,
        config: config.clone(),
        batch_inbox: contracts[0].2,
        output_oracle: contracts[1].2,
        system_config: contracts[2].2,
        portal: last,
        l1_start_block,
        l1_start_hash: start.header.hash,
        l1_start_timestamp: start.header.timestamp,
        l1_start_base_fee: start.header.base_fee_per_gas.unwrap_or_default().into(),
        l1_start_excess_blob_gas: start.header.excess_blob_gas.unwrap_or_default(),
    })
}

/// The first L1 block whose state has code at `address` (binary search over history).
async fn first_block_with_code<P: Provider>(provider: &P, address: Address) -> Result<u64, DeployError> {
    let (mut low, mut high) = (0, provider.get_block_number().await?);
    while low < high {
        let mid = low + (high - low) / 2;
        if provider.get_code_at(address).block_id(mid.into()).await?.is_empty() {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    Ok(high)
}
