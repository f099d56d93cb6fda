//! `loadgen`: an on-demand benchmark of the sequencer against Anvil.
//!
//! Starts Anvil and the sequencer on free loopback ports, runs the same load (pre-signed
//! EIP-1559 ETH transfers and ERC-20 transfers from many senders, a fixed number of
//! concurrent `eth_sendRawTransaction` requests) against each, and prints sustained tx/s,
//! gas/s and send latency percentiles as a Markdown table. See
//! `docs/benchmarks/sequencer-load.md`.
//!
//! `loadgen archive` is a second benchmark: it builds a long chain with the same workloads and
//! measures the growth of the database and the latency of state reads at old blocks. See
//! `docs/benchmarks/archive-state.md`.

mod archive;
mod procs;
mod rpc;
mod stats;
mod workload;

use anyhow::{Context as _, bail, ensure};
use clap::{Parser, Subcommand};
use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};
use workload::{LoadConfig, Target, Workload};

/// Measures sustained throughput and RPC latency of the sequencer and of Anvil under the
/// same load, in one run.
#[derive(Debug, Parser)]
#[command(name = "loadgen", about, long_about = None)]
struct Args {
    /// Transactions per workload and node.
    #[arg(long, default_value_t = 5000)]
    txs: usize,
    /// Times to repeat the whole measurement (workloads alternate between the nodes); the
    /// report gives medians over rounds.
    #[arg(long, default_value_t = 1)]
    rounds: usize,
    /// Sender accounts (fresh keys, funded from the dev accounts).
    #[arg(long, default_value_t = 64)]
    senders: usize,
    /// Concurrent `eth_sendRawTransaction` requests (at most --senders: each sender's
    /// transactions are sent in nonce order by one worker).
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Time limit of one workload on one node (sending and inclusion), in seconds.
    #[arg(long, default_value_t = 120)]
    timeout_secs: u64,
    /// Workloads to run, comma separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "eth,erc20")]
    workloads: Vec<Workload>,
    /// The `rollup` binary (build it with `cargo build --release -p rollup`).
    #[arg(long, default_value_os_t = repo_path("target/release/rollup"))]
    rollup_bin: PathBuf,
    /// The `anvil` binary (install it with `bash tools/install-l1-tools.sh`).
    #[arg(long, default_value_os_t = repo_path(".tools-bin/anvil"))]
    anvil_bin: PathBuf,
    /// Anvil's block time in seconds; 0 = automine (one block per arrival), which stalls
    /// once transactions arrive faster than it mines (see the benchmark notes).
    #[arg(long, default_value_t = 0.1)]
    anvil_block_time: f64,
    /// An extra Anvil argument (repeatable), e.g. `--anvil-arg=--prune-history`.
    #[arg(long = "anvil-arg", allow_hyphen_values = true)]
    anvil_args: Vec<String>,
    /// Keep the nodes' logs and the sequencer database in this folder (default: a temporary
    /// folder, deleted at the end).
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// Another benchmark instead of the load one.
    #[command(subcommand)]
    mode: Option<Mode>,
}

/// The benchmarks besides the default (load) one.
#[derive(Debug, Subcommand)]
enum Mode {
    /// Archive state: database growth per 1,000 blocks over a long chain, and the latency of
    /// eth_getBalance / eth_call / eth_getProof at random old blocks against `latest`.
    Archive(archive::ArchiveArgs),
}

/// `relative` inside the repository this crate belongs to.
fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new(".")).join(relative)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    // Returning (also on Ctrl-C) drops the process guards, which stop both nodes.
    tokio::select! {
        result = async {
            match args.mode.take() {
                Some(Mode::Archive(archive)) => archive::run(archive).await,
                None => run(args).await,
            }
        } => result,
        _ = tokio::signal::ctrl_c() => bail!("interrupted"),
    }
}

/// Starts both nodes, runs every workload on each, prints the report.
async fn run(args: Args) -> anyhow::Result<()> {
    ensure!(
        args.txs > 0 && args.senders > 0 && args.concurrency > 0 && args.rounds > 0,
        "--txs, --senders, --concurrency and --rounds must be positive"
    );
    ensure!(args.concurrency <= args.senders, "--concurrency must not exceed --senders");
    ensure!(
        args.anvil_block_time.is_finite() && args.anvil_block_time >= 0.0,
        "--anvil-block-time must be a number of seconds"
    );
    let (dir, _temp) = procs::work_dir(&args.work_dir, "loadgen-")?;
    let initcode = if args.workloads.contains(&Workload::Erc20) { Some(erc20_initcode()?) } else { None };
    let config =
        LoadConfig { txs: args.txs, concurrency: args.concurrency, timeout: Duration::from_secs(args.timeout_secs) };

    let mut sequencer = procs::start_sequencer(&args.rollup_bin, &dir).await?;
    let mut anvil = procs::start_anvil(&args.anvil_bin, &dir, args.anvil_block_time, &args.anvil_args).await?;
    eprintln!("sequencer at {}, anvil at {}; logs in {}", sequencer.url, anvil.url, dir.display());
    let mut targets = Vec::new();
    for (name, proc) in [("sequencer", &sequencer), ("anvil", &anvil)] {
        eprintln!("{name}: funding {} senders", args.senders);
        let target = Target::setup(name, &proc.url, args.senders, args.concurrency).await;
        targets.push(target.with_context(|| format!("setting up {name}"))?);
    }

    let mut outcomes = Vec::new();
    for round in 1..=args.rounds {
        for &workload in &args.workloads {
            for (target, proc) in targets.iter_mut().zip([&mut sequencer, &mut anvil]) {
                if workload == Workload::Erc20 && !target.has_token() {
                    eprintln!("{}: deploying the ERC-20", target.name);
                    let code = initcode.as_deref().unwrap_or_default();
                    target
                        .setup_token(code)
                        .await
                        .with_context(|| format!("deploying the ERC-20 on {}", target.name))?;
                }
                eprintln!("round {round}, {}: {} x {}", target.name, args.txs, workload.name());
                let outcome = target.run(workload, config).await;
                let outcome = outcome.with_context(|| format!("{} on {}", workload.name(), target.name));
                proc.ensure_running()?;
                let outcome = outcome?;
                eprintln!(
                    "{}: {} included in {:.2} s",
                    target.name,
                    outcome.included,
                    outcome.total_time.as_secs_f64()
                );
                outcomes.push(outcome);
            }
        }
    }

    let anvil_mode = match args.anvil_block_time {
        0.0 => "automine".to_owned(),
        seconds => format!("a block every {seconds} s"),
    };
    println!(
        "{} rounds of {} transactions per workload and node, {} senders, {} concurrent requests, {} CPUs; \
         sequencer with --block-time-ms 0, anvil with {anvil_mode}\n",
        args.rounds,
        args.txs,
        args.senders,
        args.concurrency,
        std::thread::available_parallelism().map_or(0, usize::from)
    );
    print!("{}", stats::markdown(&outcomes));
    Ok(())
}

/// Creation code of the test ERC-20, compiled with `tools/compile.js` (solcjs).
fn erc20_initcode() -> anyhow::Result<Vec<u8>> {
    let root = repo_path("");
    let output = Command::new("node")
        .current_dir(&root)
        .args(["tools/compile.js", "contracts/test/fixtures/TestERC20.sol", "TestERC20"])
        .output()
        .context("running node tools/compile.js")?;
    ensure!(output.status.success(), "compiling TestERC20 failed: {}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let code = json["bytecode"].as_str().context("no bytecode")?;
    Ok(alloy::primitives::hex::decode(code)?)
}
