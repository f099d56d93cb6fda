//! `rollup batcher`: post sealed L2 blocks to L1 and propose outputs.

use crate::config::ConfigFile;
use alloy_primitives::Address;
use anyhow::Context as _;
use batcher::{Batcher, BatcherConfig, BatcherMetrics, DataAvailability, FeeLimits, KeySource, load_signer};
use clap::Args;
use rollup_batch::Compression;
use rollup_l1::Deployment;
use std::{net::SocketAddr, path::PathBuf, time::Duration};
use storage::Store;

/// Options of `rollup batcher`. Every option can also come from the `--config` TOML file
/// (same names with underscores).
#[derive(Debug, Args)]
pub(crate) struct BatcherArgs {
    #[command(flatten)]
    config: ConfigFile,
    /// L1 JSON-RPC URL.
    #[arg(long, env = "ROLLUP_L1_RPC_URL", default_value = "http://127.0.0.1:8545")]
    l1_rpc_url: String,
    /// The L2 chain database (the sequencer's).
    #[arg(long, env = "ROLLUP_DATABASE_URL", default_value = "sqlite://.devnet/l2.db?mode=rwc")]
    database_url: String,
    /// Deployment file written by `rollup deploy`.
    #[arg(long, env = "ROLLUP_DEPLOYMENT", default_value = ".devnet/deployment.json")]
    deployment: PathBuf,
    /// Batcher key file (hex); without it the key comes from the keystore or ROLLUP_BATCHER_KEY.
    #[arg(long, env = "ROLLUP_BATCHER_KEY_FILE", conflicts_with = "batcher_keystore")]
    batcher_key_file: Option<PathBuf>,
    /// Encrypted JSON keystore of the batcher key; password in ROLLUP_BATCHER_KEYSTORE_PASSWORD.
    #[arg(long, env = "ROLLUP_BATCHER_KEYSTORE")]
    batcher_keystore: Option<PathBuf>,
    /// Proposer key file (hex); without it, ROLLUP_PROPOSER_KEY, else the batcher key.
    #[arg(long, env = "ROLLUP_PROPOSER_KEY_FILE")]
    proposer_key_file: Option<PathBuf>,
    /// Where batches go: calldata, blob or auto (the cheaper at current fees).
    #[arg(long, env = "ROLLUP_DATA_AVAILABILITY", default_value = "auto")]
    data_availability: DataAvailability,
    /// Channel compression: brotli-0..11, zstd-1..22 or zlib-0..9.
    #[arg(long, env = "ROLLUP_COMPRESSION", default_value_t = Compression::default())]
    compression: Compression,
    /// A channel closes at this many bytes of transactions.
    #[arg(long, env = "ROLLUP_MAX_CHANNEL_BYTES", default_value_t = 1_000_000)]
    max_channel_bytes: usize,
    /// A channel closes when its first block is this many seconds old.
    #[arg(long, env = "ROLLUP_MAX_CHANNEL_AGE", default_value_t = 12)]
    max_channel_age_secs: u64,
    /// Blobs per blob transaction (1-6).
    #[arg(long, env = "ROLLUP_BLOBS_PER_TX", default_value_t = 6)]
    blobs_per_tx: usize,
    /// Most unconfirmed L1 transactions.
    #[arg(long, env = "ROLLUP_MAX_IN_FLIGHT", default_value_t = 8)]
    max_in_flight: usize,
    /// Seconds without inclusion before a transaction is re-signed with higher fees.
    #[arg(long, env = "ROLLUP_RESUBMIT_AFTER", default_value_t = 48)]
    resubmit_after_secs: u64,
    /// Highest maxFeePerGas, in gwei.
    #[arg(long, env = "ROLLUP_MAX_FEE_PER_GAS_GWEI", default_value_t = 500)]
    max_fee_per_gas_gwei: u64,
    /// Highest maxFeePerBlobGas, in gwei.
    #[arg(long, env = "ROLLUP_MAX_FEE_PER_BLOB_GAS_GWEI", default_value_t = 500)]
    max_fee_per_blob_gas_gwei: u64,
    /// L1 confirmations before a transaction counts as landed.
    #[arg(long, env = "ROLLUP_CONFIRMATIONS", default_value_t = 3)]
    confirmations: u64,
    /// Milliseconds between rounds.
    #[arg(long, env = "ROLLUP_POLL_INTERVAL_MS", default_value_t = 500)]
    poll_interval_ms: u64,
    /// Propose an output every this many L2 blocks (0: no proposals).
    #[arg(long, env = "ROLLUP_PROPOSAL_INTERVAL", default_value_t = 60)]
    proposal_interval: u64,
    /// Address of the `/metrics` and `/health` server.
    #[arg(long, env = "ROLLUP_BATCHER_METRICS", default_value = "127.0.0.1:7300")]
    metrics_listen: SocketAddr,
}

impl BatcherArgs {
    fn batcher_key(&self) -> KeySource {
        match (&self.batcher_key_file, &self.batcher_keystore) {
            (Some(path), _) => KeySource::File(path.clone()),
            (None, Some(path)) => {
                KeySource::Keystore { path: path.clone(), password_env: "ROLLUP_BATCHER_KEYSTORE_PASSWORD".into() }
            }
            (None, None) => KeySource::Env("ROLLUP_BATCHER_KEY".into()),
        }
    }

    fn proposer_key(&self) -> Option<KeySource> {
        match &self.proposer_key_file {
            Some(path) => Some(KeySource::File(path.clone())),
            None => std::env::var_os("ROLLUP_PROPOSER_KEY").map(|_| KeySource::Env("ROLLUP_PROPOSER_KEY".into())),
        }
    }
}

/// Runs `rollup batcher` until Ctrl-C.
pub(crate) async fn run(args: BatcherArgs) -> anyhow::Result<()> {
    let deployment = Deployment::read(&args.deployment)
        .with_context(|| format!("reading the deployment file {}", args.deployment.display()))?;
    let batcher_key = load_signer(&args.batcher_key()).context("loading the batcher key")?;
    let proposer_key =
        args.proposer_key().map(|source| load_signer(&source)).transpose().context("loading the proposer key")?;
    let chain = Store::connect(&args.database_url).await.context("opening the L2 database")?;
    let genesis = chain.genesis().await?.context("the L2 database has no chain yet: start the sequencer first")?;
    let mut config = BatcherConfig::new(
        args.l1_rpc_url.clone(),
        deployment.batch_inbox,
        deployment.output_oracle,
        genesis.config.chain_id,
    );
    config.data_availability = args.data_availability;
    config.compression = args.compression;
    config.max_channel_bytes = args.max_channel_bytes;
    config.max_channel_age = Duration::from_secs(args.max_channel_age_secs);
    config.blobs_per_tx = args.blobs_per_tx;
    config.max_in_flight = args.max_in_flight;
    config.resubmit_after = Duration::from_secs(args.resubmit_after_secs);
    config.fees = FeeLimits {
        max_fee_per_gas: u128::from(args.max_fee_per_gas_gwei) * 1_000_000_000,
        max_fee_per_blob_gas: u128::from(args.max_fee_per_blob_gas_gwei) * 1_000_000_000,
    };
    config.confirmations = args.confirmations;
    config.poll_interval = Duration::from_millis(args.poll_interval_ms);
    config.proposal_interval = (args.proposal_interval > 0).then_some(args.proposal_interval);

    let metrics = BatcherMetrics::new();
    let service = Batcher::new(config, chain, batcher_key, proposer_key, metrics.clone()).await?;
    let address: Address = service.address();
    let listen = batcher::service::serve_metrics(metrics, args.metrics_listen)
        .await
        .with_context(|| format!("binding the metrics server to {}", args.metrics_listen))?;
    println!("Batcher {address} posting to {} (metrics: http://{listen}/metrics)", deployment.batch_inbox);
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop.send(true);
    });
    service.run(shutdown).await?;
    Ok(())
}
