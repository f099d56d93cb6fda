//! Sequencer configuration from flags, environment variables and a TOML file (`--config`,
//! merged by [`crate::config_file`]).

use anyhow::Context as _;
use clap::Args;
use rollup_core::{
    ChainConfig, Genesis, L1Origin,
    fees::{BlobFeeStep, L1BlobSchedule},
};
use rollup_l1::Deployment;
use sequencer::{L1Follow, NodeConfig, PoolConfig, RpcConfig};
use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

/// `--config`: a TOML file with any option of the subcommand; [`crate::config_file`] reads it
/// before the subcommand's options are built.
#[derive(Debug, Default, Clone, Args)]
pub(crate) struct ConfigFile {
    /// TOML file with any of these options, named as the flags with `_` for `-` (flags and
    /// environment variables override it).
    #[arg(id = "config", long = "config", env = "ROLLUP_CONFIG")]
    _path: Option<PathBuf>,
}

/// Options of `rollup sequencer`. Every option can also come from the `--config` TOML file
/// (same names with underscores) or from its `ROLLUP_*` environment variable.
#[derive(Debug, Default, Clone, Args)]
pub(crate) struct SequencerArgs {
    #[command(flatten)]
    config: ConfigFile,
    /// Database URL: `sqlite://FILE?mode=rwc` (default `sqlite://.devnet/l2.db?mode=rwc`),
    /// `sqlite::memory:`, or `postgres://USER:PASS@HOST/DB`.
    #[arg(long, env = "ROLLUP_DATABASE_URL")]
    pub(crate) database_url: Option<String>,
    /// Address of the JSON-RPC, `/health` and `/metrics` server [default: 127.0.0.1:9545].
    #[arg(long, env = "ROLLUP_LISTEN")]
    listen: Option<SocketAddr>,
    /// Block interval in milliseconds; 0 seals a block as soon as transactions are pending
    /// [default: 1000].
    #[arg(long, env = "ROLLUP_BLOCK_TIME_MS")]
    block_time_ms: Option<u64>,
    /// Chain id of a new chain [default: 42069].
    #[arg(long, env = "ROLLUP_CHAIN_ID")]
    pub(crate) chain_id: Option<u64>,
    /// Gas limit of each block of a new chain [default: 60000000].
    #[arg(long, env = "ROLLUP_BLOCK_GAS_LIMIT")]
    block_gas_limit: Option<u64>,
    /// The L1's blob fee schedule for a new chain, as `TIMESTAMP:UPDATE_FRACTION` steps in
    /// timestamp order, comma-separated (Ethereum mainnet: its BPO1 and BPO2 forks); before the
    /// first step, Prague's fraction [default: none, Prague's throughout, as on Anvil].
    #[arg(long, env = "ROLLUP_L1_BLOB_SCHEDULE", value_parser = parse_blob_schedule)]
    l1_blob_schedule: Option<L1BlobSchedule>,
    /// L1 JSON-RPC URL to follow (origins and deposits); needs `--deployment`. Without it
    /// the chain stays on its genesis origin and includes no deposits.
    #[arg(long, env = "ROLLUP_L1_RPC_URL")]
    pub(crate) l1_rpc: Option<String>,
    /// Deployment file of the L1 contracts (written by `rollup deploy`): the Portal whose
    /// deposits are included and the L1 start block, the genesis origin of a new chain.
    #[arg(long, env = "ROLLUP_DEPLOYMENT")]
    pub(crate) deployment: Option<PathBuf>,
    /// Blocks on top of an L1 block before it becomes an L1 origin [default: 2].
    #[arg(long, env = "ROLLUP_L1_CONFIRMATIONS")]
    l1_confirmations: Option<u64>,
    /// Interval between polls of L1, in milliseconds [default: 1000].
    #[arg(long, env = "ROLLUP_L1_POLL_INTERVAL_MS")]
    l1_poll_interval_ms: Option<u64>,
    /// Most transactions in the pool [default: 50000].
    #[arg(long, env = "ROLLUP_POOL_MAX_TXS")]
    pool_max_txs: Option<usize>,
    /// Most pool transactions per sender [default: 1024].
    #[arg(long, env = "ROLLUP_POOL_MAX_PER_SENDER")]
    pool_max_per_sender: Option<usize>,
    /// Fee bump in percent a replacement transaction must pay [default: 10].
    #[arg(long, env = "ROLLUP_POOL_PRICE_BUMP")]
    pool_price_bump: Option<u64>,
    /// Largest JSON-RPC request body in bytes [default: 5242880].
    #[arg(long, env = "ROLLUP_RPC_MAX_REQUEST_BYTES")]
    rpc_max_request_bytes: Option<u32>,
    /// Most calls in one JSON-RPC batch [default: 1000].
    #[arg(long, env = "ROLLUP_RPC_MAX_BATCH")]
    rpc_max_batch: Option<u32>,
    /// Most concurrent JSON-RPC connections [default: 1000].
    #[arg(long, env = "ROLLUP_RPC_MAX_CONNECTIONS")]
    rpc_max_connections: Option<u32>,
    /// Most logs one eth_getLogs call returns [default: 10000].
    #[arg(long, env = "ROLLUP_RPC_MAX_LOGS")]
    rpc_max_logs: Option<usize>,
    /// Most eth_call/eth_estimateGas/eth_createAccessList/debug_trace* executions at once; the
    /// others wait, so calls never take every core from block production [default: 1].
    #[arg(long, env = "ROLLUP_RPC_COMPUTE_THREADS")]
    rpc_compute_threads: Option<usize>,
    /// Most storage keys in one eth_getProof [default: 1024].
    #[arg(long, env = "ROLLUP_RPC_MAX_PROOF_KEYS")]
    rpc_max_proof_keys: Option<usize>,
    /// Longest time one debug_trace* request may run, in seconds [default: 30].
    #[arg(long, env = "ROLLUP_RPC_TRACE_TIMEOUT_SECS")]
    rpc_trace_timeout_secs: Option<u64>,
    /// Keep the state (balances, storage, proofs, calls, traces) of this many blocks behind the
    /// head and prune older state; never prunes past the latest output finalized on L1
    /// [default: keep every block's state, an archive node].
    #[arg(long, env = "ROLLUP_STATE_HISTORY", value_parser = clap::value_parser!(u64).range(1..))]
    state_history: Option<u64>,
    /// Block execution engine: `parallel` (Block-STM on every core) or `sequential`
    /// [default: parallel].
    #[arg(long, env = "ROLLUP_EXECUTOR")]
    executor: Option<ExecutorKind>,
}

/// The block execution engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ExecutorKind {
    /// Block-STM over all available cores; identical results to sequential.
    Parallel,
    /// One transaction after another.
    Sequential,
}

impl ExecutorKind {
    pub(crate) fn build(self) -> Arc<dyn rollup_core::BlockExecutor> {
        match self {
            Self::Parallel => Arc::new(executor::ParallelExecutor::default()),
            Self::Sequential => Arc::new(rollup_core::SequentialExecutor),
        }
    }
}

/// Resolved settings.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) node: NodeConfig,
    pub(crate) rpc: RpcConfig,
    pub(crate) listen: SocketAddr,
}

/// Folder of a file-backed SQLite database URL, to create before opening it.
pub(crate) fn sqlite_dir(database_url: &str) -> Option<PathBuf> {
    let path = database_url.strip_prefix("sqlite://")?.split('?').next()?;
    PathBuf::from(path).parent().map(PathBuf::from).filter(|dir| !dir.as_os_str().is_empty())
}

impl SequencerArgs {
    /// Applies defaults to unset options.
    pub(crate) fn resolve(self) -> anyhow::Result<Settings> {
        let args = self;
        let defaults = ChainConfig::default();
        let chain = ChainConfig {
            chain_id: args.chain_id.unwrap_or(defaults.chain_id),
            block_gas_limit: args.block_gas_limit.unwrap_or(defaults.block_gas_limit),
            l1_blob_schedule: args.l1_blob_schedule.unwrap_or_default(),
            ..defaults
        };
        let (l1, genesis) = match (args.l1_rpc, args.deployment) {
            (Some(rpc_url), Some(path)) => {
                let deployment =
                    Deployment::read(&path).with_context(|| format!("reading the deployment {}", path.display()))?;
                let follow = L1Follow {
                    rpc_url,
                    portal: deployment.portal,
                    batch_inbox: deployment.batch_inbox,
                    system_config: deployment.system_config,
                    output_oracle: deployment.output_oracle,
                    confirmations: args.l1_confirmations.unwrap_or(2),
                    poll_interval: Duration::from_millis(args.l1_poll_interval_ms.unwrap_or(1000)),
                    skip_deposits: false,
                };
                (Some(follow), deployment.dev_genesis(chain.clone()))
            }
            (None, None) => (None, Genesis::dev(chain.clone(), 0, L1Origin::default())),
            _ => anyhow::bail!("following L1 needs both --l1-rpc and --deployment"),
        };
        // Every block holds the L1 attributes deposit and room for a transfer; following L1, also
        // the deposits one L1 block may buy, which all go into one L2 block.
        let deposits = if l1.is_some() { rollup_l1::DEPOSIT_GAS_PER_L1_BLOCK } else { 21_000 };
        let least = rollup_core::fees::L1_ATTRIBUTES_GAS + deposits;
        anyhow::ensure!(
            chain.block_gas_limit >= least,
            "block gas limit must be at least {least}: the L1 attributes deposit ({} gas) and {}",
            rollup_core::fees::L1_ATTRIBUTES_GAS,
            if l1.is_some() { "the deposits one L1 block may buy go into one L2 block" } else { "a transfer" }
        );
        let pool_defaults = PoolConfig::default();
        let rpc_defaults = RpcConfig::default();
        Ok(Settings {
            node: NodeConfig {
                database_url: args.database_url.unwrap_or_else(|| "sqlite://.devnet/l2.db?mode=rwc".into()),
                genesis,
                block_time: Duration::from_millis(args.block_time_ms.unwrap_or(1000)),
                pool: PoolConfig {
                    max_transactions: args.pool_max_txs.unwrap_or(pool_defaults.max_transactions),
                    max_per_sender: args.pool_max_per_sender.unwrap_or(pool_defaults.max_per_sender),
                    price_bump_percent: args.pool_price_bump.unwrap_or(pool_defaults.price_bump_percent),
                },
                executor: args.executor.unwrap_or(ExecutorKind::Parallel).build(),
                l1,
                state_history: args.state_history,
            },
            rpc: RpcConfig {
                max_request_bytes: args.rpc_max_request_bytes.unwrap_or(rpc_defaults.max_request_bytes),
                max_batch_len: args.rpc_max_batch.unwrap_or(rpc_defaults.max_batch_len),
                max_connections: args.rpc_max_connections.unwrap_or(rpc_defaults.max_connections),
                max_logs: args.rpc_max_logs.unwrap_or(rpc_defaults.max_logs),
                compute_threads: args.rpc_compute_threads.unwrap_or(rpc_defaults.compute_threads).max(1),
                max_proof_keys: args.rpc_max_proof_keys.unwrap_or(rpc_defaults.max_proof_keys),
                trace_timeout: args.rpc_trace_timeout_secs.map_or(rpc_defaults.trace_timeout, Duration::from_secs),
                ..rpc_defaults
            },
            listen: args.listen.unwrap_or_else(|| "127.0.0.1:9545".parse().expect("valid address")),
        })
    }
}

/// Parses `--l1-blob-schedule`: `TIMESTAMP:UPDATE_FRACTION` steps, comma-separated, in
/// timestamp order.
fn parse_blob_schedule(text: &str) -> Result<L1BlobSchedule, String> {
    let steps = text
        .split(',')
        .map(|step| {
            let (timestamp, fraction) =
                step.trim().split_once(':').ok_or_else(|| format!("{step:?} is not TIMESTAMP:UPDATE_FRACTION"))?;
            let number = |what: &str, text: &str| text.parse::<u128>().map_err(|err| format!("{what} {text:?}: {err}"));
            let from_timestamp = u64::try_from(number("timestamp", timestamp)?).map_err(|err| err.to_string())?;
            Ok(BlobFeeStep { from_timestamp, update_fraction: number("update fraction", fraction)? })
        })
        .collect::<Result<Vec<_>, String>>()?;
    if !steps.is_sorted_by_key(|step| step.from_timestamp) {
        return Err("the steps must be in timestamp order".into());
    }
    Ok(L1BlobSchedule(steps))
}
