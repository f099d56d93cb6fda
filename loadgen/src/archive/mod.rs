//! `loadgen archive`: the cost of keeping every block's state.
//!
//! Starts the sequencer on a fresh SQLite file, builds a chain of `--blocks` blocks with the
//! load's workloads (a few transactions per block, the workloads alternating every
//! `--checkpoint` blocks), measures the database (file and per-table sizes) at every
//! checkpoint, then times `eth_getBalance`, `eth_call` and `eth_getProof` at uniformly random
//! old blocks and, in the same run and interleaved with them, at `latest`. Prints Markdown
//! tables; see `docs/benchmarks/archive-state.md`.

mod build;
mod query;
mod report;
mod size;

use crate::{
    procs,
    workload::{Target, Workload},
};
use anyhow::{Context as _, ensure};
use std::{path::PathBuf, time::Instant};

/// Options of the archive benchmark.
#[derive(Debug, clap::Args)]
pub(crate) struct ArchiveArgs {
    /// Blocks of the chain to build.
    #[arg(long, default_value_t = 100_000)]
    blocks: u64,
    /// Blocks between two measurements of the database; the workloads alternate per segment.
    #[arg(long, default_value_t = 10_000)]
    checkpoint: u64,
    /// Workloads building the chain, comma separated (the ERC-20 is deployed either way: the
    /// queries read it).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "eth,erc20")]
    workloads: Vec<Workload>,
    /// Sender accounts (fresh keys, funded from the dev accounts).
    #[arg(long, default_value_t = 64)]
    senders: usize,
    /// Concurrent `eth_sendRawTransaction` requests while building; with `--block-time-ms 0`
    /// a block holds about this many transactions or fewer.
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// The sequencer's `--block-time-ms` (0: a block as soon as transactions are pending).
    #[arg(long, default_value_t = 0)]
    block_time_ms: u64,
    /// Pass `--state-history <BLOCKS>` to the sequencer (prune older state); the old-block
    /// queries then only ask for blocks whose state is kept.
    #[arg(long)]
    state_history: Option<u64>,
    /// Queries per method and block kind (old, latest).
    #[arg(long, default_value_t = 2000)]
    queries: usize,
    /// Concurrent query workers.
    #[arg(long, default_value_t = 4)]
    query_workers: usize,
    /// Seed of the random old blocks and accounts.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The `sqlite3` command-line shell, for the per-table sizes (`dbstat`).
    #[arg(long, default_value = "sqlite3")]
    sqlite3_bin: PathBuf,
    /// The `rollup` binary (build it with `cargo build --release -p rollup`).
    #[arg(long, default_value_os_t = crate::repo_path("target/release/rollup"))]
    rollup_bin: PathBuf,
    /// Keep the sequencer's log and database in this folder (default: a temporary folder,
    /// deleted at the end).
    #[arg(long)]
    work_dir: Option<PathBuf>,
}

/// Builds the chain, measures it, queries it, prints the report.
pub(crate) async fn run(args: ArchiveArgs) -> anyhow::Result<()> {
    ensure!(args.blocks > 0 && args.checkpoint > 0, "--blocks and --checkpoint must be positive");
    ensure!(args.senders > 0 && args.concurrency > 0, "--senders and --concurrency must be positive");
    ensure!(args.concurrency <= args.senders, "--concurrency must not exceed --senders");
    ensure!(args.query_workers > 0 && !args.workloads.is_empty(), "--query-workers and --workloads must not be empty");
    let (dir, _temp) = procs::work_dir(&args.work_dir, "loadgen-archive-")?;
    let db = procs::sequencer_db(&dir);
    ensure!(!db.exists(), "{} exists: the benchmark needs a fresh database", db.display());
    let initcode = crate::erc20_initcode()?;
    let mut extra = vec!["--block-time-ms".to_owned(), args.block_time_ms.to_string()];
    if let Some(keep) = args.state_history {
        extra.extend(["--state-history".to_owned(), keep.to_string()]);
    }
    let mut sequencer = procs::start_sequencer_with(&args.rollup_bin, &dir, &extra).await?;
    eprintln!("sequencer at {}; log and database in {}", sequencer.url, dir.display());
    let mut target = Target::setup("sequencer", &sequencer.url, args.senders, args.concurrency)
        .await
        .context("funding the senders")?;
    target.setup_token(&initcode).await.context("deploying the ERC-20")?;
    let sizer = size::Sizer::new(&args.sqlite3_bin, &db)?;

    let started = Instant::now();
    let built = build::build(&mut target, &sizer, &args).await;
    sequencer.ensure_running()?;
    let built = built?;
    let build_time = started.elapsed();
    eprintln!("built {} blocks in {:.0} s", built.head, build_time.as_secs_f64());

    // With --state-history, the pruner may still be moving the floor: ask only for blocks
    // it keeps, with a margin of a pruning step.
    let oldest = match args.state_history {
        Some(keep) => built.setup_head.max(built.head.saturating_sub(keep) + keep / 8 + 1),
        None => built.setup_head,
    };
    let token = target.token.context("the ERC-20 is not deployed")?;
    let addresses: Vec<_> = target.senders.iter().map(|s| s.address()).collect();
    let plan = query::Plan { oldest, head: built.head, token, addresses: &addresses, per_kind: args.queries };
    let queries = query::run(&target.rpc, &plan, args.query_workers, args.seed).await;
    sequencer.ensure_running()?;
    let queries = queries?;

    println!(
        "{} blocks ({} built by the workloads), sequencer with --block-time-ms {}{}, {} concurrent sends, \
         {} CPUs; queries at blocks {}..={} and at latest, {} workers\n",
        built.head,
        built.head - built.setup_head,
        args.block_time_ms,
        args.state_history.map(|k| format!(" --state-history {k}")).unwrap_or_default(),
        args.concurrency,
        std::thread::available_parallelism().map_or(0, usize::from),
        oldest,
        built.head,
        args.query_workers,
    );
    print!("{}", report::markdown(&built, build_time, &queries));
    Ok(())
}
