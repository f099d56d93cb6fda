//! An Anvil L1 for tests: the pinned binary, the same EVM fork as the L2, a free port, and
//! killed when dropped; and the rollup's contracts deployed on it.

use super::tool;
use alloy::{
    network::EthereumWallet,
    node_bindings::{Anvil, AnvilInstance},
    providers::ProviderBuilder,
};
use alloy_primitives::{Address, U256, address};
use rollup_core::{
    dev_signers,
    l1::{DeployConfig, Deployment, deploy},
};

/// Dev account 0: deploys the contracts and is their owner, batcher and proposer in tests.
pub const OPERATOR: Address = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

/// Wei each output proposal bonds in tests.
pub const BOND: u64 = 1_000_000_000_000_000;

/// Starts Anvil with the L2's hardfork on a free port (auto-mining each transaction).
pub fn anvil() -> AnvilInstance {
    Anvil::new().path(tool("anvil")).args(["--hardfork", "osaka"]).spawn()
}

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
    }
}

/// Deploys the rollup's L1 contracts with [`deploy_config`].
pub async fn deploy_rollup(l1: &AnvilInstance) -> Deployment {
    let provider =
        ProviderBuilder::new().wallet(EthereumWallet::from(dev_signers()[0].clone())).connect_http(l1.endpoint_url());
    deploy(&provider, OPERATOR, &deploy_config()).await.expect("deploy")
}
