//! The verifier service: derive, then judge every output on L1.

use crate::{error::VerifierError, metrics::VerifierMetrics};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy_primitives::{B256, U256};
use rollup_core::{BlockExecutor, Genesis};
use rollup_derive::{DerivationConfig, Deriver, ExecutingChain, L1Reader, L2Chain};
use rollup_l1::{Deployment, OutputOracle};
use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use storage::verifier::{DropRecord, Verdict, VerifierStore};
use tokio::sync::watch;
use tracing::{error, info, warn};

/// Settings of a verifier.
#[derive(Clone, Debug)]
pub struct VerifierConfig {
    /// L1 JSON-RPC URL.
    pub l1_rpc_url: String,
    /// The rollup's L1 contracts.
    pub deployment: Deployment,
    /// The L2 genesis (its L1 origin is where derivation starts).
    pub genesis: Genesis,
    /// Engine that executes derived blocks.
    pub executor: Arc<dyn BlockExecutor>,
    /// Pause between steps when L1 has nothing new.
    pub poll_interval: Duration,
    /// L1 blocks derived per step at most (so outputs are checked while catching up).
    pub max_l1_blocks_per_step: u64,
}

impl VerifierConfig {
    /// Settings with defaults: 1 s polling, 100 L1 blocks per step.
    pub fn new(l1_rpc_url: String, deployment: Deployment, genesis: Genesis, executor: Arc<dyn BlockExecutor>) -> Self {
        Self {
            l1_rpc_url,
            deployment,
            genesis,
            executor,
            poll_interval: Duration::from_secs(1),
            max_l1_blocks_per_step: 100,
        }
    }
}

/// A claim on L1 as last read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Claim {
    root: B256,
    l2_block: u64,
}

/// Derives the L2 chain from L1 and checks every output.
#[derive(Debug)]
pub struct Verifier {
    deriver: Deriver<DynProvider, ExecutingChain>,
    oracle: OutputOracle::OutputOracleInstance<DynProvider>,
    store: VerifierStore,
    metrics: VerifierMetrics,
    judged: BTreeMap<u64, Claim>,
    poll_interval: Duration,
    max_l1_blocks_per_step: u64,
}

impl Verifier {
    /// Connects to L1 and starts derivation at the genesis origin. Derivation starts over, so
    /// the verdicts and drops in the store are cleared and made again as it catches up.
    pub async fn new(
        config: VerifierConfig,
        store: VerifierStore,
        metrics: VerifierMetrics,
    ) -> Result<Self, VerifierError> {
        let url = config.l1_rpc_url.parse().map_err(|err| VerifierError::Invalid(format!("L1 RPC URL: {err}")))?;
        let provider = ProviderBuilder::new().connect_http(url).erased();
        let deployment = &config.deployment;
        let reader =
            L1Reader::new(provider.clone(), deployment.batch_inbox, deployment.portal, deployment.system_config);
        let chain = ExecutingChain::new(config.genesis.clone(), config.executor.clone());
        let deriver = Deriver::new(reader, DerivationConfig::new(&config.genesis), chain).await?;
        let oracle = OutputOracle::new(deployment.output_oracle, provider);
        store.clear().await?;
        Ok(Self {
            deriver,
            oracle,
            store,
            metrics,
            judged: BTreeMap::new(),
            poll_interval: config.poll_interval,
            max_l1_blocks_per_step: config.max_l1_blocks_per_step,
        })
    }

    /// The derived chain.
    pub fn chain(&self) -> &ExecutingChain {
        self.deriver.chain()
    }

    /// The store.
    pub fn store(&self) -> &VerifierStore {
        &self.store
    }

    /// Derives what L1 has and judges every output whose block is derived. Returns the L1
    /// blocks processed.
    pub async fn step(&mut self) -> Result<u64, VerifierError> {
        let report = self.deriver.step(self.max_l1_blocks_per_step).await?;
        if report.reorged {
            warn!("L1 reorganised: verdicts are cleared and every output is judged again");
            self.metrics.reorgs.inc();
            self.store.clear().await?;
            self.judged.clear();
            self.metrics.dispute_candidates.set(0);
        }
        for drop in &report.dropped {
            warn!(l1_block = drop.l1_block, l1_tx = %drop.l1_tx, rule = drop.reason.kind(), reason = %drop.reason, "derivation dropped L1 data");
            self.metrics.drops.with_label_values(&[drop.reason.kind()]).inc();
        }
        let drops: Vec<DropRecord> = report
            .dropped
            .iter()
            .map(|drop| DropRecord {
                l1_block: drop.l1_block,
                l1_tx: drop.l1_tx,
                kind: drop.reason.kind().to_owned(),
                reason: drop.reason.to_string(),
            })
            .collect();
        self.store.record_drops(&drops).await?;
        if let (Some(first), Some(last)) = (report.forced.first(), report.forced.last()) {
            warn!(first, last, "the sequencing window ran out: derived deposit-only blocks without the sequencer");
            self.metrics.forced_blocks.inc_by(report.forced.len() as u64);
        }
        let head = self.deriver.chain().head().number();
        self.metrics.l1_block.set(self.deriver.derivation().last_l1().number as i64);
        self.metrics.safe_head.set(head as i64);
        if let Some((finalized, _)) = self.deriver.finalized_head().await? {
            self.metrics.finalized_head.set(finalized as i64);
        }
        self.judge_outputs(head).await?;
        Ok(report.l1_blocks)
    }

    /// Judges every output on L1 not judged yet: against the derived root once its block is
    /// derived, or as wrong once derivation is past the proposal without reaching its block.
    async fn judge_outputs(&mut self, head: u64) -> Result<(), VerifierError> {
        let count: u64 = self
            .oracle
            .nextOutputIndex()
            .call()
            .await
            .map_err(VerifierError::contract("nextOutputIndex"))?
            .saturating_to();
        // Outputs deleted (a dispute was won) and maybe proposed again since the last step:
        // forget the verdicts from the first index whose claim is gone or changed.
        let mut first_changed = count;
        for (&index, claim) in self.judged.range(..count).rev() {
            let output = self.output(index).await?;
            if output.root == claim.root && output.l2_block == claim.l2_block {
                break;
            }
            first_changed = index;
        }
        if self.judged.range(first_changed..).next().is_some() {
            self.judged.retain(|index, _| *index < first_changed);
            self.store.forget_outputs_from(first_changed).await?;
        }
        let first_unjudged = (0..count).find(|index| !self.judged.contains_key(index)).unwrap_or(count);
        for index in first_unjudged..count {
            if self.judged.contains_key(&index) {
                continue;
            }
            let output =
                self.oracle.getOutput(U256::from(index)).call().await.map_err(VerifierError::contract("getOutput"))?;
            let claim = Claim { root: output.outputRoot, l2_block: output.l2BlockNumber };
            let derived = if claim.l2_block <= head {
                Some(self.deriver.chain().output(claim.l2_block).expect("blocks up to the head are derived").root())
            } else if self.deriver.derivation().safe_number_at_time(output.timestamp).is_some() {
                // Derivation is past the proposal, and L1 up to it does not hold the block: an
                // honest proposer only proposes blocks whose batches are on L1 already.
                None
            } else {
                continue;
            };
            let verdict = Verdict {
                output_index: index,
                l2_block: claim.l2_block,
                claimed_root: claim.root,
                derived_root: derived.unwrap_or_default(),
                agrees: derived == Some(claim.root),
                l1_block: self.deriver.derivation().last_l1().number,
                checked_at_ms: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or_default(),
            };
            self.store.record_verdict(&verdict).await?;
            self.judged.insert(index, claim);
            self.metrics.last_checked_output.set(index as i64);
            if verdict.agrees {
                self.metrics.outputs_checked.with_label_values(&["agree"]).inc();
                info!(index, l2_block = claim.l2_block, root = %claim.root, "output agrees with derivation");
            } else {
                self.metrics.outputs_checked.with_label_values(&["disagree"]).inc();
                self.metrics.dispute_candidates.inc();
                match derived {
                    Some(derived) => error!(
                        index,
                        l2_block = claim.l2_block,
                        claimed = %claim.root,
                        %derived,
                        "DISPUTE CANDIDATE: the output on L1 differs from the root derived from L1"
                    ),
                    None => error!(
                        index,
                        l2_block = claim.l2_block,
                        claimed = %claim.root,
                        "DISPUTE CANDIDATE: the output's block is not derivable from L1 up to the proposal"
                    ),
                }
            }
        }
        Ok(())
    }

    /// The claim of output `index` on L1.
    async fn output(&self, index: u64) -> Result<Claim, VerifierError> {
        let output =
            self.oracle.getOutput(U256::from(index)).call().await.map_err(VerifierError::contract("getOutput"))?;
        Ok(Claim { root: output.outputRoot, l2_block: output.l2BlockNumber })
    }

    /// Runs steps until `shutdown` turns true. L1 errors are logged and retried.
    pub async fn run(mut self, mut shutdown: watch::Receiver<bool>) -> Result<(), VerifierError> {
        loop {
            let processed = match self.step().await {
                Ok(processed) => processed,
                Err(err) if err.is_temporary() => {
                    warn!(error = %err, "L1 unavailable; retrying");
                    0
                }
                Err(err) => return Err(err),
            };
            if processed < self.max_l1_blocks_per_step {
                tokio::select! {
                    _ = shutdown.changed() => return Ok(()),
                    _ = tokio::time::sleep(self.poll_interval) => {}
                }
            } else if *shutdown.borrow() {
                return Ok(());
            }
        }
    }
}
