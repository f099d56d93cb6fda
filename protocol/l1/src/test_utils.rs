//! The rollup's contracts deployed on a test L1 (an Anvil from `test-support`), with
//! [`OPERATOR`] in every role. Only built for tests (`test-utils` feature).

use crate::{DeployConfig, Deployment, deploy};
use alloy::{network::EthereumWallet, node_bindings::AnvilInstance, providers::ProviderBuilder};
use alloy_primitives::{Address, U256, address};
use rollup_core::dev_signers;

/// Dev account 0: deploys the contracts and is their owner, batcher and proposer in tests.
pub const OPERATOR: Address = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

/// Wei each output proposal bonds in tests.
pub const BOND: u64 = 1_000_000_000_000_000;

/// Deployment settings of tests: L2 chain 42069, [`OPERATOR`] in every role, a 12-second
/// challenge window and a [`BOND`].
pub fn deploy_config() -> DeployConfig {
    DeployConfig {
        l2_chain_id: 42069,
        owner: OPERATOR,
        batcher: OPERATOR,
        proposer: OPERATOR,
        challenge_window: 12,
        bond: U256::from(BOND),
        ..DeployConfig::dev()
    }
}

/// Deploys the rollup's L1 contracts with [`deploy_config`].
pub async fn deploy_rollup(l1: &AnvilInstance) -> Deployment {
    let provider =
        ProviderBuilder::new().wallet(EthereumWallet::from(dev_signers()[0].clone())).connect_http(l1.endpoint_url());
    deploy(&provider, OPERATOR, &deploy_config()).await.expect("deploy")
}
