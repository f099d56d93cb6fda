//! Block production: select from the pool, execute, commit, then publish.

use super::HeadReader as _;
use super::{Chain, Head, l1::OriginPlan};
use alloy_primitives::B256;
use rollup_core::{
    BlockAttributes, ExecutionError, FEE_RECIPIENT, L2Transaction, SealedBlock, apply_block,
    fees::{L1_ATTRIBUTES_GAS, L1BlockValues},
};
use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use storage::StoreError;
use tokio::sync::watch;
use tracing::{debug, info, warn};

/// Seals blocks on an interval, or on demand when the interval is zero.
#[derive(Debug, Clone)]
pub struct BlockProducer {
    chain: Arc<Chain>,
}

impl BlockProducer {
    /// A producer for `chain`.
    pub fn new(chain: Arc<Chain>) -> Self {
        Self { chain }
    }

    /// Produces blocks until `shutdown` turns true. Returns an error only if a block could
    /// not be committed, after which the node must restart from the database.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> Result<(), StoreError> {
        let block_time = self.chain.config.block_time;
        let mut ticker =
            tokio::time::interval(if block_time.is_zero() { Duration::from_secs(3600) } else { block_time });
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.changed() => return Ok(()),
                _ = ticker.tick(), if !block_time.is_zero() => {
                    self.produce(false).await?;
                }
                _ = self.chain.pool_changed.notified(), if block_time.is_zero() => {
                    while self.produce(true).await?.is_some() {}
                }
                _ = self.chain.l1_changed.notified(), if block_time.is_zero() => {
                    while self.produce(true).await?.is_some() {}
                }
            }
        }
    }

    /// Builds, executes and commits one block. With `only_if_pending`, returns `None` instead
    /// of sealing a block that neither includes a transaction nor moves the L1 origin.
    pub async fn produce(&self, only_if_pending: bool) -> Result<Option<Arc<SealedBlock>>, StoreError> {
        let chain = &self.chain;
        let started = Instant::now();
        let mut state = chain.state.write().await;
        let parent = state.head.header.clone();
        let plan = self.plan(&state.head);
        // The fee configuration is the parent's with the changes a new origin makes; the
        // origin's fees are the parent's too while its block is not cached (the origin is then
        // the parent's).
        let parent_l1 = L1BlockValues::read(&state.world).l1;
        let system = plan.config_updates.iter().fold(parent_l1.system, |config, update| update.apply(config));
        let blobs = &chain.genesis.config.l1_blob_schedule;
        let l1 = plan.origin_fees.map_or(parent_l1, |fees| fees.with(system, blobs));
        let attrs = BlockAttributes {
            number: parent.number + 1,
            parent_hash: state.head.hash,
            timestamp: plan.timestamp,
            l1_origin: plan.origin,
            l1,
            fee_recipient: FEE_RECIPIENT,
            base_fee: chain.next_base_fee(&parent),
            gas_limit: chain.genesis.config.block_gas_limit,
        };
        let mut candidates = if plan.user_txs {
            // Deposits come first (the L1 attributes deposit before them) and may use up to their
            // gas limits.
            let deposit_gas: u64 =
                L1_ATTRIBUTES_GAS + plan.deposits.iter().map(|deposit| deposit.gas_limit).sum::<u64>();
            chain.pool.lock().best(&state.world, attrs.base_fee, &attrs.l1, attrs.gas_limit.saturating_sub(deposit_gas))
        } else {
            Vec::new()
        };
        if only_if_pending && candidates.is_empty() && !plan.advanced {
            return Ok(None);
        }
        let mut dropped: Vec<B256> = Vec::new();
        let applied = loop {
            let txs: Vec<L2Transaction> = candidates.iter().map(|p| p.tx.clone()).collect();
            let result = tokio::task::block_in_place(|| {
                let deposits = plan.deposits.clone();
                apply_block(&mut state.world, chain.config.executor.as_ref(), chain.chain_id(), &attrs, deposits, txs)
            });
            match result {
                Ok(applied) => break applied,
                Err(ExecutionError::InvalidTransaction { index, reason }) => {
                    let tx = candidates.remove(index);
                    warn!(hash = %tx.hash, %reason, "dropping transaction that is invalid in the block");
                    dropped.push(tx.hash);
                }
                Err(ExecutionError::Internal(reason)) => {
                    return Err(StoreError::Corrupt(format!("block {} failed to execute: {reason}", attrs.number)));
                }
            }
        };
        let block = applied.block;
        let trie_nodes = state.world.take_trie_nodes();
        let outcomes = &applied.output.outcomes;
        chain.store.commit_block(&block, outcomes, &applied.diff, &trie_nodes, attrs.l1_origin, &dropped).await?;
        state.head = Head { hash: block.hash, header: block.header.clone(), l1_origin: attrs.l1_origin };
        chain.l1.set_cursor(attrs.l1_origin);
        {
            let mut pool = chain.pool.lock();
            for hash in dropped.iter().chain(block.transactions.iter().map(|tx| tx.inner().tx_hash())) {
                pool.remove(hash);
            }
            let stale = pool.prune(&state.world);
            if !stale.is_empty() {
                debug!(count = stale.len(), "pruned stale pool transactions");
            }
        }
        chain.update_pool_metrics(&state.world);
        drop(state);

        let metrics = &chain.metrics;
        metrics.head.set(block.header.number as i64);
        metrics.l1_origin.set(attrs.l1_origin.number as i64);
        // Deposits from L1, after the block's L1 attributes deposit.
        let l1_deposits = block.deposits.len().saturating_sub(1);
        metrics.deposits_included.inc_by(l1_deposits as u64);
        metrics.txs_included.inc_by(block.transactions.len() as u64);
        metrics.gas_used.inc_by(block.header.gas_used);
        metrics.block_txs.observe(block.transactions.len() as f64);
        metrics.block_build_seconds.observe(started.elapsed().as_secs_f64());
        if !block.transactions.is_empty() || l1_deposits > 0 {
            info!(number = block.header.number, deposits = l1_deposits, txs = block.transactions.len(), gas = block.header.gas_used, hash = %block.hash, "sealed block");
        }
        let block = Arc::new(block);
        let _ = chain.blocks.send(block.clone());
        Ok(Some(block))
    }
}

impl BlockProducer {
    /// Origin, timestamp and deposits of the block after `head`: from the L1 cache when
    /// following L1 (never waiting on L1), else the head's origin with no deposits.
    fn plan(&self, head: &Head) -> OriginPlan {
        let now = unix_now();
        match &self.chain.config.l1 {
            Some(follow) => self.chain.l1.plan(
                head.l1_origin,
                head.header.timestamp,
                now,
                self.chain.genesis.config.max_sequencer_drift,
                follow.skip_deposits,
            ),
            None => OriginPlan {
                origin: head.l1_origin,
                timestamp: now.max(head.header.timestamp),
                deposits: Vec::new(),
                user_txs: true,
                advanced: false,
                origin_fees: None,
                config_updates: Vec::new(),
            },
        }
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}
