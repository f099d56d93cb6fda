//! `rollup`: the command-line entry point that wires the service crates together.

mod batcher;
mod config;
mod config_file;
mod deploy;
mod devnet;
mod fraud_prover;
mod keys;
mod stepper;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use config::SequencerArgs;
use rollup_core::SequentialExecutor;
use sequencer::{Sequencer, replay_chain};
use storage::Store;
use tracing_subscriber::EnvFilter;

/// An optimistic rollup: sequencer, batcher and fraud-prover in one binary.
#[derive(Debug, Parser)]
#[command(name = "rollup", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the L2 sequencer: mempool, block production and the JSON-RPC server.
    Sequencer(SequencerArgs),
    /// Start a whole local rollup: its own Anvil L1 with the contracts deployed (unless
    /// `--l1-rpc` is given), the sequencer following it, the batcher/proposer and the
    /// verifier, with its data under `.devnet/` (kept across restarts).
    Devnet(devnet::DevnetArgs),
    /// Post sealed L2 blocks to L1 (calldata or blobs) and propose output roots.
    Batcher(batcher::BatcherArgs),
    /// Deploy the L1 contracts (or find an earlier deployment with the same settings) and
    /// write the deployment file the services read.
    Deploy(deploy::DeployArgs),
    /// Derive the L2 chain from L1 and check every output root on L1 against it
    /// (`replay --output N` re-executes a disputed range).
    FraudProver(fraud_prover::FraudProverArgs),
    /// Re-execute every stored block from genesis and check it against what is stored.
    Replay {
        /// Database URL of the chain to check.
        #[arg(long, env = "ROLLUP_DATABASE_URL")]
        database_url: String,
    },
    /// Print the development genesis as JSON.
    Genesis(SequencerArgs),
    /// The dispute game's EVM stepper: `state-tests <DIR>...` checks it step by step against
    /// revm on Ethereum state tests, `block --l2-rpc-url URL --block N` on a real L2 block.
    Stepper(stepper::StepperArgs),
}

/// mimalloc: the parallel executor allocates on worker threads and frees on another, which
/// glibc's allocator handles poorly.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    match config_file::parse::<Cli>(std::env::args_os().collect())?.command {
        Command::Sequencer(args) => run_sequencer(args.resolve()?).await,
        Command::Devnet(args) => devnet::run(args).await,
        Command::Deploy(args) => deploy::run(args).await,
        Command::Batcher(args) => batcher::run(args).await,
        Command::FraudProver(args) => fraud_prover::run(args).await,
        Command::Replay { database_url } => {
            let store = Store::connect(&database_url).await.context("opening the database")?;
            let root = replay_chain(&store, &SequentialExecutor).await?;
            let head = store.head_number().await?.unwrap_or_default();
            println!("replayed blocks 1..={head}: every block matches; state root {root}");
            Ok(())
        }
        Command::Stepper(args) => stepper::run(args).await,
        Command::Genesis(args) => {
            let settings = args.resolve()?;
            println!("{}", serde_json::to_string_pretty(&settings.node.genesis)?);
            Ok(())
        }
    }
}

/// Prints the funded development accounts (the same keys Anvil prints).
pub(crate) fn print_dev_accounts() {
    println!("Funded dev accounts (10000 ETH each, mnemonic \"{}\"):", rollup_core::DEV_MNEMONIC);
    for (index, signer) in rollup_core::dev_signers().iter().enumerate() {
        println!("  ({index}) {} key 0x{}", signer.address(), alloy_primitives::hex::encode(signer.to_bytes()));
    }
}

async fn run_sequencer(settings: config::Settings) -> anyhow::Result<()> {
    let listen = settings.listen;
    let mut handle = Sequencer::start(settings.node, settings.rpc, listen).await.context("starting the sequencer")?;
    println!("L2 JSON-RPC: {} (WebSocket: {})", handle.http_url(), handle.ws_url());
    println!("Metrics:     {}/metrics", handle.http_url());
    tokio::select! {
        result = handle.wait() => {
            result.context("block production stopped")?;
        }
        _ = tokio::signal::ctrl_c() => {
            tracing::info!("shutting down");
            handle.stop().await;
        }
    }
    Ok(())
}
