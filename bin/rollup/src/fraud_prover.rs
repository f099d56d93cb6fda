//! `rollup fraud-prover`: verify every output on L1 against the chain derived from L1, and
//! `rollup fraud-prover replay --output N` to re-execute a disputed range.

use crate::config::{ConfigFile, ExecutorKind, sqlite_dir};
use anyhow::Context as _;
use clap::{Args, Subcommand};
use fraud_prover::{Verifier, VerifierConfig, VerifierMetrics, replay_output, serve};
use rollup_core::ChainConfig;
use rollup_l1::Deployment;
use std::{net::SocketAddr, path::PathBuf, time::Duration};
use storage::Store;

/// Options of `rollup fraud-prover`. Every option of the verifier can also come from the
/// `--config` TOML file (same names with underscores).
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct FraudProverArgs {
    #[command(subcommand)]
    command: Option<FraudProverCommand>,
    #[command(flatten)]
    config: ConfigFile,
    #[command(flatten)]
    chain: ChainArgs,
    #[command(flatten)]
    run: RunArgs,
}

#[derive(Debug, Subcommand)]
enum FraudProverCommand {
    /// Re-execute from the last agreed output to output N; print the state root after every
    /// block and every transaction, and the first transaction where the chain derived from L1
    /// and the claim part ways.
    Replay {
        #[command(flatten)]
        chain: ChainArgs,
        /// Index of the output in the OutputOracle.
        #[arg(long)]
        output: u64,
        /// L2 JSON-RPC of the node whose chain the proposer posted (to find the first
        /// diverging transaction); without it only the derived roots are printed.
        #[arg(long, env = "ROLLUP_L2_RPC_URL")]
        l2_rpc_url: Option<String>,
    },
}

/// Where the chain is: L1, contracts, genesis.
#[derive(Debug, Args)]
struct ChainArgs {
    /// L1 JSON-RPC URL.
    #[arg(long, env = "ROLLUP_L1_RPC_URL", default_value = "http://127.0.0.1:8545")]
    l1_rpc_url: String,
    /// Deployment file written by `rollup deploy`.
    #[arg(long, env = "ROLLUP_DEPLOYMENT", default_value = ".devnet/deployment.json")]
    deployment: PathBuf,
    /// Genesis JSON (as printed by `rollup genesis`); default: the development genesis of the
    /// deployment's chain id, starting at the deployment's L1 block.
    #[arg(long, env = "ROLLUP_GENESIS")]
    genesis: Option<PathBuf>,
    /// Engine that executes derived blocks.
    #[arg(long, env = "ROLLUP_EXECUTOR", default_value = "parallel")]
    executor: ExecutorKind,
}

/// Options of the verifier service.
#[derive(Debug, Args)]
struct RunArgs {
    /// The verifier's database (verdicts and drops).
    #[arg(long, env = "ROLLUP_VERIFIER_DATABASE_URL", default_value = "sqlite://.devnet/verifier.db?mode=rwc")]
    database_url: String,
    /// Address of `/metrics`, `/health` and the `rollup_` JSON-RPC methods.
    #[arg(long, env = "ROLLUP_VERIFIER_LISTEN", default_value = "127.0.0.1:9547")]
    listen: SocketAddr,
    /// Milliseconds between L1 polls.
    #[arg(long, env = "ROLLUP_VERIFIER_POLL_MS", default_value_t = 1000)]
    poll_interval_ms: u64,
}

impl ChainArgs {
    fn config(&self) -> anyhow::Result<VerifierConfig> {
        let deployment = Deployment::read(&self.deployment)
            .with_context(|| format!("reading the deployment file {}", self.deployment.display()))?;
        let genesis = match &self.genesis {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
                serde_json::from_str(&text).with_context(|| format!("parsing the genesis {}", path.display()))?
            }
            None => deployment
                .dev_genesis(ChainConfig { chain_id: deployment.config.l2_chain_id, ..ChainConfig::default() }),
        };
        Ok(VerifierConfig::new(self.l1_rpc_url.clone(), deployment, genesis, self.executor.build()))
    }
}

/// Runs `rollup fraud-prover`.
pub(crate) async fn run(args: FraudProverArgs) -> anyhow::Result<()> {
    match args.command {
        Some(FraudProverCommand::Replay { chain, output, l2_rpc_url }) => {
            let config = chain.config()?;
            let mut stdout = std::io::stdout();
            let report = replay_output(&config, output, l2_rpc_url.as_deref(), &mut stdout).await?;
            if report.claimed_root == report.derived_root {
                println!("output {output} agrees with the chain derived from L1");
            }
            Ok(())
        }
        None => serve_verifier(args.chain, args.run).await,
    }
}

async fn serve_verifier(chain: ChainArgs, run: RunArgs) -> anyhow::Result<()> {
    let mut config = chain.config()?;
    config.poll_interval = Duration::from_millis(run.poll_interval_ms);
    if let Some(dir) = sqlite_dir(&run.database_url) {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let store = Store::connect(&run.database_url).await.context("opening the verifier database")?;
    let store = store.verifier();
    let metrics = VerifierMetrics::new();
    let verifier = Verifier::new(config, store.clone(), metrics.clone()).await.context("starting the verifier")?;
    let address = serve(store, metrics, run.listen).await.context("binding the verifier API")?;
    println!("Verifier API: http://{address} (metrics on /metrics)");
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut task = tokio::spawn(verifier.run(stopped));
    tokio::select! {
        result = &mut task => return result.context("verifier task")?.context("the verifier stopped"),
        result = tokio::signal::ctrl_c() => result.context("waiting for Ctrl-C")?,
    }
    tracing::info!("shutting down");
    let _ = stop.send(true);
    task.await.context("verifier task")??;
    Ok(())
}
