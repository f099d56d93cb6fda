//! `rollup devnet`: a whole local rollup in one process. Unless `--l1-rpc` is given it starts
//! its own Anvil L1 (a block every second, state kept in the data folder), deploys the
//! contracts with dev key 0, and runs the sequencer following that L1, the batcher/proposer and
//! the fraud-prover's verifier; Ctrl-C stops them all and keeps the data, so running it again
//! resumes the same chains.

use crate::config::{SequencerArgs, sqlite_dir};
use alloy::{network::EthereumWallet, providers::ProviderBuilder};
use alloy_primitives::U256;
use anyhow::Context as _;
use batcher::{Batcher, BatcherConfig, BatcherMetrics};
use clap::Args;
use fraud_prover::{Verifier, VerifierConfig, VerifierMetrics, serve};
use rollup_core::{ChainConfig, dev_signers};
use rollup_l1::{DeployConfig, Deployment, deploy};
use sequencer::{HeadReader as _, Sequencer};
use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    os::unix::process::CommandExt,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::Arc,
    time::Duration,
};
use tokio::{
    sync::watch,
    task::{JoinError, JoinHandle},
};

/// Options of `rollup devnet` (besides every sequencer option).
#[derive(Debug, Args)]
pub(crate) struct DevnetArgs {
    #[command(flatten)]
    sequencer: SequencerArgs,
    /// Folder of the devnet's data: L1 state, deployment file, L2 database.
    #[arg(long, env = "ROLLUP_DEVNET_DIR", default_value = ".devnet")]
    data_dir: PathBuf,
    /// Port of the devnet's Anvil.
    #[arg(long, default_value_t = 8545)]
    l1_port: u16,
    /// Address of the verifier's `/metrics` and `rollup_` JSON-RPC API.
    #[arg(long, default_value = "127.0.0.1:9547")]
    verifier_listen: SocketAddr,
    /// Address of the batcher's `/metrics` and `/health`.
    #[arg(long, default_value = "127.0.0.1:7300")]
    batcher_metrics: SocketAddr,
    /// The proposer posts an output root every this many L2 blocks.
    #[arg(long, default_value_t = 10)]
    proposal_interval: u64,
    /// Seconds an output can be challenged before it finalizes (set at the first deployment).
    #[arg(long, default_value_t = 60)]
    challenge_window: u64,
}

/// Runs the devnet until Ctrl-C.
pub(crate) async fn run(mut args: DevnetArgs) -> anyhow::Result<()> {
    let dir = args.data_dir.clone();
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let database_url = args
        .sequencer
        .database_url
        .get_or_insert_with(|| format!("sqlite://{}?mode=rwc", dir.join("l2.db").display()))
        .clone();
    // Dropped last (or on any early error), which stops Anvil after everything that uses it.
    let mut anvil = None;
    if args.sequencer.l1_rpc.is_none() {
        let (started, deployment) = start_l1(&args, &database_url).await?;
        args.sequencer.l1_rpc = Some(started.endpoint.clone());
        args.sequencer.deployment = Some(deployment);
        anvil = Some(started);
    }
    let l1_url = args.sequencer.l1_rpc.clone().expect("set by start_l1 or given");
    let deployment_path = args.sequencer.deployment.clone().context("following an L1 needs --deployment")?;
    let deployment = Deployment::read(&deployment_path)
        .with_context(|| format!("reading the deployment {}", deployment_path.display()))?;
    if let Some(dir) = sqlite_dir(&database_url) {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }

    let settings = args.sequencer.resolve()?;
    let sequencer =
        Sequencer::start(settings.node, settings.rpc, settings.listen).await.context("starting the sequencer")?;
    let chain = sequencer.chain.clone();
    let (stop, stopped) = watch::channel(false);

    let mut batcher_config =
        BatcherConfig::new(l1_url.clone(), deployment.batch_inbox, deployment.output_oracle, chain.chain_id());
    batcher_config.max_channel_age = Duration::from_secs(4);
    batcher_config.proposal_interval = Some(args.proposal_interval);
    let operator = dev_signers()[0].clone();
    let batcher_metrics = BatcherMetrics::new();
    let batcher = Batcher::new(batcher_config, chain.store().clone(), operator, None, batcher_metrics.clone())
        .await
        .context("starting the batcher")?;
    let batcher_metrics = batcher::service::serve_metrics(batcher_metrics, args.batcher_metrics)
        .await
        .with_context(|| format!("binding the batcher's metrics on {}", args.batcher_metrics))?;
    let batcher = tokio::spawn(batcher.run(stopped.clone()));

    let verifier_store = chain.store().verifier();
    let verifier_metrics = VerifierMetrics::new();
    let executor = Arc::new(executor::ParallelExecutor::default());
    let verifier_config = VerifierConfig::new(l1_url.clone(), deployment.clone(), chain.genesis().clone(), executor);
    let verifier = Verifier::new(verifier_config, verifier_store.clone(), verifier_metrics.clone())
        .await
        .context("starting the verifier")?;
    let verifier_api = serve(verifier_store, verifier_metrics, args.verifier_listen)
        .await
        .with_context(|| format!("binding the verifier API on {}", args.verifier_listen))?;
    let verifier = tokio::spawn(verifier.run(stopped));

    crate::print_dev_accounts();
    println!("L1 RPC:        {l1_url}");
    println!("L2 RPC:        {} (WebSocket: {})", sequencer.http_url(), sequencer.ws_url());
    println!("Status page:   {}/status", sequencer.http_url());
    println!("Metrics:       {}/metrics", sequencer.http_url());
    println!("Verifier API:  http://{verifier_api} (metrics on /metrics)");
    println!("Batcher:       http://{batcher_metrics}/metrics");
    println!(
        "Contracts:     BatchInbox {}, OutputOracle {}, Portal {} ({})",
        deployment.batch_inbox,
        deployment.output_oracle,
        deployment.portal,
        deployment_path.display()
    );
    println!("Devnet ready: Ctrl-C stops it and keeps the data in {}", dir.display());

    // Until Ctrl-C, or until a service stops by itself (which is a failure): then stop the rest,
    // Anvil last.
    let mut sequencer = sequencer;
    let (mut batcher, mut verifier) = (Some(batcher), Some(verifier));
    let mut producing = true;
    let outcome = tokio::select! {
        result = sequencer.wait() => {
            producing = false;
            Err(match result {
                Ok(()) => anyhow::anyhow!("block production stopped"),
                Err(err) => anyhow::Error::from(err).context("block production stopped"),
            })
        }
        result = batcher.as_mut().expect("running") => {
            batcher = None;
            Err(stopped_early("batcher", result))
        }
        result = verifier.as_mut().expect("running") => {
            verifier = None;
            Err(stopped_early("verifier", result))
        }
        result = tokio::signal::ctrl_c() => result.context("waiting for Ctrl-C"),
    };
    tracing::info!("shutting down the devnet");
    let _ = stop.send(true);
    join_after_stop("batcher", batcher).await;
    join_after_stop("verifier", verifier).await;
    if producing {
        sequencer.stop().await;
    }
    drop(anvil.take());
    outcome
}

/// The error of a service task that ended before the devnet was asked to stop.
fn stopped_early<E: Into<anyhow::Error>>(name: &str, result: Result<Result<(), E>, JoinError>) -> anyhow::Error {
    match result {
        Ok(Ok(())) => anyhow::anyhow!("the {name} stopped"),
        Ok(Err(err)) => err.into().context(format!("the {name} failed")),
        Err(join) => anyhow::anyhow!("the {name} panicked: {join}"),
    }
}

/// Waits for a service task after the stop signal; an error it ends with then is only logged.
async fn join_after_stop<E: std::fmt::Display>(name: &str, task: Option<JoinHandle<Result<(), E>>>) {
    if let Some(task) = task
        && let Ok(Err(err)) = task.await
    {
        tracing::warn!(service = name, error = %err, "stopped with an error during shutdown");
    }
}

/// Starts Anvil on `--l1-port` with its state in the data folder (loaded if present, saved
/// every second and on exit, historical states included), deploys the contracts unless the
/// resumed L1 has them already, and returns it with the deployment file. A fresh L1 means a
/// fresh L2: an old L2 database built on a vanished L1 is removed.
async fn start_l1(args: &DevnetArgs, database_url: &str) -> anyhow::Result<(L1Node, PathBuf)> {
    let dir = &args.data_dir;
    let state = dir.join("anvil-state.json");
    let resumed = state.exists();
    let state_arg = state.to_str().context("the data folder path is not UTF-8")?;
    let anvil = L1Node::start(args.l1_port, state_arg)?;
    if !resumed {
        remove_sqlite(database_url)?;
    }
    let path = dir.join("deployment.json");
    if !(resumed && path.exists()) {
        let signer = dev_signers()[0].clone();
        let deployer = signer.address();
        let provider =
            ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect_http(anvil.endpoint.parse()?);
        let config = DeployConfig {
            l2_chain_id: args.sequencer.chain_id.unwrap_or(ChainConfig::default().chain_id),
            owner: deployer,
            batcher: deployer,
            proposer: deployer,
            challenge_window: args.challenge_window,
            bond: U256::from(100_000_000_000_000_000u64),
            ..DeployConfig::dev()
        };
        let deployment = deploy(&provider, deployer, &config).await.context("deploying the L1 contracts")?;
        deployment.write(&path).with_context(|| format!("writing {}", path.display()))?;
    }
    println!("L1 (Anvil) {}: {}", if resumed { "resumed" } else { "started" }, anvil.endpoint);
    Ok((anvil, path))
}

/// Removes a SQLite database and its WAL files, if the URL names a file.
fn remove_sqlite(database_url: &str) -> anyhow::Result<()> {
    let Some(path) = database_url.strip_prefix("sqlite://").and_then(|rest| rest.split('?').next()) else {
        return Ok(());
    };
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{path}{suffix}");
        if Path::new(&file).exists() {
            std::fs::remove_file(&file).with_context(|| format!("removing the old devnet database {file}"))?;
        }
    }
    Ok(())
}

/// The devnet's Anvil, in its own process group: Ctrl-C in the terminal reaches only the devnet,
/// which stops Anvil last (with SIGINT, so that it saves its state) when it is dropped.
#[derive(Debug)]
struct L1Node {
    child: Child,
    endpoint: String,
}

impl L1Node {
    /// Starts Anvil on `port` with its state in `state` and waits until it listens. Blocks
    /// every second; finality two blocks behind the head (an epoch of one slot).
    fn start(port: u16, state: &str) -> anyhow::Result<Self> {
        let binary = anvil_binary();
        let mut child = Command::new(&binary)
            .args(["--hardfork", "osaka", "--block-time", "1", "--slots-in-an-epoch", "1"])
            .args(["--port", &port.to_string(), "--state", state, "--state-interval", "1"])
            .arg("--preserve-historical-states")
            .stdout(Stdio::piped())
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {} (set ROLLUP_ANVIL to its path)", binary.display()))?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let mut output = Vec::new();
        loop {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("Listening on") => break,
                Some(Ok(line)) => output.push(line),
                _ => {
                    let _ = child.kill();
                    anyhow::bail!("Anvil did not start on port {port}:\n{}", output.join("\n"));
                }
            }
        }
        // Anvil logs every request; drain its output so that it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Self { child, endpoint: format!("http://127.0.0.1:{port}") })
    }
}

impl Drop for L1Node {
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let interrupted = Command::new("kill").args(["-INT", &pid]).status().is_ok_and(|s| s.success());
        if !interrupted {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
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
