//! The batcher service: checks its configuration against L1, then loops: track L1
//! transactions, build channels, send frames, propose outputs.

use crate::{
    config::BatcherConfig,
    da::DaChooser,
    error::BatcherError,
    l1::{self, L1Provider},
    metrics::BatcherMetrics,
    proposer::Proposer,
    txmgr::{Candidate, TxManager, TxManagerConfig},
};
use alloy::{providers::Provider, signers::local::PrivateKeySigner, sol_types::SolCall};
use alloy_primitives::{Address, U256};
use rollup_batch::frame_to_sidecar;
use rollup_l1::{BatchInbox, OutputOracle};
use std::{net::SocketAddr, sync::Arc};
use storage::Store;
use storage::batcher::{BatcherStore, Payload};
use tokio::sync::watch;
use tracing::{error, info, warn};

/// Gas limit of a blob batch transaction (blob hashes, two storage slots, two events).
const BLOB_BATCH_GAS: u64 = 200_000;

/// Most channels built in one step (catching up after downtime goes channel by channel).
const CHANNELS_PER_STEP: usize = 4;

/// A running batcher (and proposer).
#[derive(Debug)]
pub struct Batcher {
    config: BatcherConfig,
    chain: Store,
    store: BatcherStore,
    provider: L1Provider,
    txmgr: Arc<TxManager>,
    /// The proposer's manager when it signs with another key than the batcher.
    proposer_txmgr: Option<Arc<TxManager>>,
    proposer: Option<Proposer>,
    da: DaChooser,
    metrics: BatcherMetrics,
}

impl Batcher {
    /// Checks the configuration against L1 (contracts deployed, keys authorised) and returns a
    /// batcher ready to run. `proposer_key` defaults to the batcher key.
    pub async fn new(
        config: BatcherConfig,
        chain: Store,
        batcher_key: PrivateKeySigner,
        proposer_key: Option<PrivateKeySigner>,
        metrics: BatcherMetrics,
    ) -> Result<Self, BatcherError> {
        if !(1..=6).contains(&config.blobs_per_tx) {
            return Err(BatcherError::Config(format!(
                "blobs per transaction must be 1 to 6, not {}",
                config.blobs_per_tx
            )));
        }
        if config.max_in_flight == 0 {
            return Err(BatcherError::Config("at least one L1 transaction must be allowed in flight".into()));
        }
        let provider = l1::connect(&config.l1_rpc_url)?;
        let l1_chain = provider
            .get_chain_id()
            .await
            .map_err(|source| BatcherError::Unreachable { url: config.l1_rpc_url.clone(), source })?;
        for (name, address) in [("BatchInbox", config.batch_inbox), ("OutputOracle", config.output_oracle)] {
            let code = provider.get_code_at(address).await?;
            if code.is_empty() {
                return Err(BatcherError::Config(format!(
                    "no {name} contract at {address} on L1 chain {l1_chain}: is the deployment file from this L1?"
                )));
            }
        }
        let inbox_batcher = BatchInbox::new(config.batch_inbox, &provider).batcher().call().await?;
        check_role("batcher", "BatchInbox", "setBatcher", batcher_key.address(), inbox_batcher)?;

        let store = chain.batcher();
        let tx_config = TxManagerConfig {
            fees: config.fees,
            resubmit_after: config.resubmit_after,
            confirmations: config.confirmations,
        };
        let txmgr =
            Arc::new(TxManager::new(provider.clone(), batcher_key, store.clone(), tx_config, metrics.clone()).await?);
        let (proposer, proposer_txmgr) = match config.proposal_interval {
            None => (None, None),
            Some(interval) => {
                let oracle_proposer = OutputOracle::new(config.output_oracle, &provider).proposer().call().await?;
                let (manager, separate) = match proposer_key {
                    Some(key) if key.address() != txmgr.address() => {
                        let manager =
                            TxManager::new(provider.clone(), key, store.clone(), tx_config, metrics.clone()).await?;
                        let manager = Arc::new(manager);
                        (manager.clone(), Some(manager))
                    }
                    _ => (txmgr.clone(), None),
                };
                check_role("proposer", "OutputOracle", "setProposer", manager.address(), oracle_proposer)?;
                let proposer =
                    Proposer::new(manager, provider.clone(), config.output_oracle, interval, metrics.clone()).await?;
                (Some(proposer), separate)
            }
        };
        for manager in std::iter::once(&txmgr).chain(&proposer_txmgr) {
            let balance = provider.get_balance(manager.address()).await?;
            if balance.is_zero() {
                warn!(account = %manager.address(), "the account has no ETH on L1: its transactions wait until it is funded");
            }
        }
        let da = DaChooser::new(config.data_availability, config.blobs_per_tx);
        Ok(Self { config, chain, store, provider, txmgr, proposer_txmgr, proposer, da, metrics })
    }

    /// The batcher's L1 address.
    pub fn address(&self) -> Address {
        self.txmgr.address()
    }

    /// The batcher's tables.
    pub fn store(&self) -> &BatcherStore {
        &self.store
    }

    /// Runs until `shutdown` turns true. Only configuration errors end it; L1 and database
    /// failures are logged and retried.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) -> Result<(), BatcherError> {
        info!(batcher = %self.address(), da = %self.config.data_availability, compression = %self.config.compression, "batcher running");
        loop {
            match self.step().await {
                Ok(()) => {}
                Err(err) if err.is_fatal() => return Err(err),
                Err(err) => error!(error = %err, "batcher step failed; retrying"),
            }
            tokio::select! {
                _ = shutdown.changed() => return Ok(()),
                _ = tokio::time::sleep(self.config.poll_interval) => {}
            }
        }
    }

    /// One round: track L1 transactions, build channels, send frames, propose.
    pub async fn step(&mut self) -> Result<(), BatcherError> {
        self.txmgr.poll().await?;
        if let Some(manager) = &self.proposer_txmgr {
            manager.poll().await?;
        }
        let (base_fee, blob_base_fee) = self.l1_fees().await?;
        for _ in 0..CHANNELS_PER_STEP {
            let da = &mut self.da;
            let built =
                crate::channel::build_next_channel(&self.chain, &self.store, &self.config, &self.metrics, |bytes| {
                    da.use_blobs(bytes, base_fee, blob_base_fee)
                })
                .await?;
            if built.is_none() {
                break;
            }
        }
        self.send_frames().await?;
        self.metrics.last_posted_block.set(self.store.covered_through(false).await? as i64);
        let confirmed = self.store.covered_through(true).await?;
        self.metrics.last_confirmed_block.set(confirmed as i64);
        if let Some(proposer) = &self.proposer {
            proposer.step(&self.chain, &self.store, confirmed).await?;
        }
        Ok(())
    }

    async fn l1_fees(&self) -> Result<(u128, u128), BatcherError> {
        if self.config.data_availability != crate::DataAvailability::Auto {
            return Ok((0, 0));
        }
        let head = l1::head(&self.provider).await?;
        let blob_base_fee = self.provider.get_blob_base_fee().await?;
        Ok((head.base_fee, blob_base_fee))
    }

    async fn send_frames(&self) -> Result<(), BatcherError> {
        let in_flight = self.txmgr.in_flight().await?.len();
        let room = self.config.max_in_flight.saturating_sub(in_flight);
        if room == 0 {
            return Ok(());
        }
        for frame in self.store.queued_frames(room).await? {
            let payload = Payload::Frame { channel_id: frame.channel_id, index: frame.index };
            let candidate = if frame.blob {
                let sidecar = tokio::task::spawn_blocking(move || frame_to_sidecar(&frame.data)).await??;
                Candidate {
                    payload,
                    to: self.config.batch_inbox,
                    input: BatchInbox::submitBlobBatchCall {}.abi_encode().into(),
                    value: U256::ZERO,
                    gas_limit: BLOB_BATCH_GAS,
                    sidecar: Some(sidecar),
                }
            } else {
                let input = BatchInbox::submitBatchCall { data: frame.data.into() }.abi_encode();
                Candidate {
                    payload,
                    to: self.config.batch_inbox,
                    gas_limit: calldata_gas_limit(&input),
                    input: input.into(),
                    value: U256::ZERO,
                    sidecar: None,
                }
            };
            let medium = if candidate.sidecar.is_some() { "blob" } else { "calldata" };
            self.txmgr.send(candidate).await?;
            self.metrics.frames_posted.with_label_values(&[medium]).inc();
        }
        Ok(())
    }
}

/// Gas limit of `submitBatch` with this input: intrinsic gas (EIP-7623 floor included), then
/// hashing, copying and memory for the data, two new storage slots and an event.
fn calldata_gas_limit(input: &[u8]) -> u64 {
    let zeros = input.iter().filter(|byte| **byte == 0).count() as u64;
    let tokens = zeros + 4 * (input.len() as u64 - zeros);
    let words = (input.len() as u64).div_ceil(32);
    let execution = 150_000 + 12 * words + words * words / 512;
    21_000 + (4 * tokens + execution).max(10 * tokens)
}

fn check_role(role: &str, contract: &str, setter: &str, key: Address, expected: Address) -> Result<(), BatcherError> {
    if key == expected {
        return Ok(());
    }
    Err(BatcherError::Config(format!(
        "the {role} key belongs to {key}, but the {contract}'s {role} is {expected}: use that account's key, or \
         have the {contract}'s owner call {setter}({key})"
    )))
}

/// Serves `/metrics` and `/health` on `listen` until the process ends; returns the bound
/// address.
pub async fn serve_metrics(metrics: BatcherMetrics, listen: SocketAddr) -> std::io::Result<SocketAddr> {
    use axum::{Router, routing::get};
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let address = listener.local_addr()?;
    let app = Router::new()
        .route("/metrics", get(move || std::future::ready(metrics.render())))
        .route("/health", get(|| std::future::ready("ok")));
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).await {
            error!(error = %err, "metrics server stopped");
        }
    });
    Ok(address)
}
