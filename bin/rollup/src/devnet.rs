//! `rollup devnet`: a local development chain. Unless `--l1-rpc` is given, it starts its own
//! Anvil L1 (a block every second), deploys the contracts with dev key 0, writes
//! `.devnet/deployment.json`, and the sequencer follows that L1.

use crate::config::SequencerArgs;
use alloy::{
    network::EthereumWallet,
    node_bindings::{Anvil, AnvilInstance},
    providers::ProviderBuilder,
};
use alloy_primitives::U256;
use anyhow::Context as _;
use rollup_core::{
    ChainConfig, dev_signers,
    l1::{DeployConfig, deploy},
};
use std::path::{Path, PathBuf};

/// Where the devnet writes its deployment file.
const DEPLOYMENT_FILE: &str = ".devnet/deployment.json";
/// The devnet's default L2 database (the sequencer's default).
const DEFAULT_DATABASE: &str = ".devnet/l2.db";
/// Port of the devnet's Anvil.
const ANVIL_PORT: u16 = 8545;

/// Starts the devnet's own L1 unless `args` names one, and points `args` at it. The returned
/// Anvil stops when dropped.
pub(crate) async fn prepare_l1(args: &mut SequencerArgs) -> anyhow::Result<Option<AnvilInstance>> {
    if args.l1_rpc.is_some() {
        return Ok(None);
    }
    std::fs::create_dir_all(".devnet").context("creating .devnet")?;
    let anvil = Anvil::new()
        .path(anvil_binary())
        .port(ANVIL_PORT)
        .args(["--hardfork", "osaka", "--block-time", "1"])
        .try_spawn()
        .with_context(|| format!("starting Anvil on port {ANVIL_PORT} (set ROLLUP_ANVIL to its path)"))?;
    let signer = dev_signers()[0].clone();
    let deployer = signer.address();
    let provider = ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect_http(anvil.endpoint_url());
    let config = DeployConfig {
        l2_chain_id: args.chain_id.unwrap_or(ChainConfig::default().chain_id),
        owner: deployer,
        batcher: deployer,
        proposer: deployer,
        challenge_window: 60,
        bond: U256::from(100_000_000_000_000_000u64),
    };
    let deployment = deploy(&provider, deployer, &config).await.context("deploying the L1 contracts")?;
    deployment.write(Path::new(DEPLOYMENT_FILE)).with_context(|| format!("writing {DEPLOYMENT_FILE}"))?;
    // The L2 of an earlier devnet was built on an L1 that is gone: start a fresh one.
    if args.database_url.is_none() {
        for suffix in ["", "-wal", "-shm"] {
            let file = format!("{DEFAULT_DATABASE}{suffix}");
            if Path::new(&file).exists() {
                std::fs::remove_file(&file).with_context(|| format!("removing the old devnet database {file}"))?;
            }
        }
    }
    println!("L1 (Anvil):  {} — contracts in {DEPLOYMENT_FILE}", anvil.endpoint());
    args.l1_rpc = Some(anvil.endpoint());
    args.deployment = Some(DEPLOYMENT_FILE.into());
    Ok(Some(anvil))
}

/// The Anvil binary: `$ROLLUP_ANVIL`, else the pinned one in `.tools-bin/`, else `anvil` on
/// the `PATH`.
fn anvil_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("ROLLUP_ANVIL") {
        return path.into();
    }
    let pinned = Path::new(".tools-bin/anvil");
    if pinned.exists() { pinned.into() } else { "anvil".into() }
}
