//! `rollup deploy`: deploy (or find) the L1 contracts and write the deployment file.

use crate::keys::KeyArgs;
use alloy::{network::EthereumWallet, providers::ProviderBuilder};
use alloy_primitives::{Address, U256};
use anyhow::Context as _;
use clap::Args;
use rollup_core::fees::SystemConfig;
use rollup_l1::{DeployConfig, deploy};
use std::path::PathBuf;

/// Options of `rollup deploy`.
#[derive(Debug, Args)]
pub(crate) struct DeployArgs {
    /// L1 JSON-RPC URL.
    #[arg(long, env = "ROLLUP_L1_RPC_URL", default_value = "http://127.0.0.1:8545")]
    l1_rpc_url: String,
    #[command(flatten)]
    key: KeyArgs,
    /// Chain id of the L2 these contracts serve.
    #[arg(long, env = "ROLLUP_CHAIN_ID", default_value_t = 42069)]
    l2_chain_id: u64,
    /// Owner, who may rotate the roles [default: the deployer].
    #[arg(long, env = "ROLLUP_OWNER")]
    owner: Option<Address>,
    /// The only account allowed to submit batches [default: the deployer].
    #[arg(long, env = "ROLLUP_BATCHER_ADDRESS")]
    batcher: Option<Address>,
    /// The only account allowed to propose outputs [default: the deployer].
    #[arg(long, env = "ROLLUP_PROPOSER_ADDRESS")]
    proposer: Option<Address>,
    /// Challenge window of outputs, in seconds (7 days by default; a few seconds on a devnet).
    #[arg(long, env = "ROLLUP_CHALLENGE_WINDOW", default_value_t = 7 * 24 * 3600)]
    challenge_window: u64,
    /// Bond of each output proposal, in wei [default: 0.1 ETH].
    #[arg(long, env = "ROLLUP_OUTPUT_BOND", default_value = "100000000000000000")]
    bond: U256,
    /// Initial weight of the L1 base fee in the L1 data fee, 6 decimals (`SystemConfig`; its
    /// owner may change it later).
    #[arg(long, env = "ROLLUP_BASE_FEE_SCALAR", default_value_t = SystemConfig::DEFAULT_BASE_FEE_SCALAR)]
    base_fee_scalar: u32,
    /// Initial weight of the L1 blob base fee in the L1 data fee, 6 decimals.
    #[arg(long, env = "ROLLUP_BLOB_BASE_FEE_SCALAR", default_value_t = SystemConfig::DEFAULT_BLOB_BASE_FEE_SCALAR)]
    blob_base_fee_scalar: u32,
    /// The L1 account the L2's fee vaults pay out to [default: the owner]. It must accept plain
    /// ETH.
    #[arg(long, env = "ROLLUP_FEE_VAULT_RECIPIENT")]
    fee_vault_recipient: Option<Address>,
    /// The smallest balance a fee vault withdraws, in wei [default: 0.01 ETH].
    #[arg(long, env = "ROLLUP_FEE_VAULT_MIN_WITHDRAWAL", default_value = "10000000000000000")]
    fee_vault_min_withdrawal: U256,
    /// Where to write the deployment file that the services read.
    #[arg(long, env = "ROLLUP_DEPLOYMENT", default_value = ".devnet/deployment.json")]
    out: PathBuf,
}

/// Runs `rollup deploy`.
pub(crate) async fn run(args: DeployArgs) -> anyhow::Result<()> {
    let signer = args.key.signer()?;
    let deployer = signer.address();
    let url = args.l1_rpc_url.parse().with_context(|| format!("invalid --l1-rpc-url {}", args.l1_rpc_url))?;
    let provider = ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect_http(url);
    let config = DeployConfig {
        l2_chain_id: args.l2_chain_id,
        owner: args.owner.unwrap_or(deployer),
        batcher: args.batcher.unwrap_or(deployer),
        proposer: args.proposer.unwrap_or(deployer),
        challenge_window: args.challenge_window,
        bond: args.bond,
        base_fee_scalar: args.base_fee_scalar,
        blob_base_fee_scalar: args.blob_base_fee_scalar,
        fee_vault_recipient: args.fee_vault_recipient,
        fee_vault_min_withdrawal: args.fee_vault_min_withdrawal,
    };
    let deployment = deploy(&provider, deployer, &config)
        .await
        .with_context(|| format!("deploying to {} as {deployer}", args.l1_rpc_url))?;
    if let Some(dir) = args.out.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    deployment.write(&args.out).with_context(|| format!("writing {}", args.out.display()))?;
    println!("BatchInbox:   {}", deployment.batch_inbox);
    println!("OutputOracle: {}", deployment.output_oracle);
    println!("Portal:       {}", deployment.portal);
    println!("SystemConfig: {}", deployment.system_config);
    println!("L1 start:     block {} ({})", deployment.l1_start_block, deployment.l1_start_hash);
    println!("Deployment written to {}", args.out.display());
    Ok(())
}
