//! Following L1: a watcher task caches the headers and Portal deposits of the L1 blocks after
//! the current origin; the block producer picks each L2 block's origin from that cache, so it
//! never waits on L1.
//!
//! The origin rules (which derivation enforces): an L2 block's origin is its parent's origin or
//! the next L1 block; the sequencer advances when the next L1 block is `confirmations` deep and
//! not newer than the L2 block; the L2 timestamp is at least the parent's and the origin's; an L2
//! block more than `max_sequencer_drift` seconds ahead of its origin carries no user
//! transactions. The deposits of L1 block `b` open the first L2 block whose origin is `b`.

use super::Chain;
use alloy::{
    eips::BlockNumberOrTag,
    providers::{Provider, ProviderBuilder},
    transports::{TransportError, http::reqwest::Url},
};
use alloy_primitives::{Address, B256};
use parking_lot::Mutex;
use rollup_core::{
    L1Origin,
    deposit::TxDeposit,
    fees::{L1Attributes, L1BlobSchedule, SystemConfig},
};
use rollup_l1::{DepositError, SystemConfigUpdate, portal_deposits, system_config_updates};
use std::{collections::BTreeMap, sync::Arc, time::Duration};
use tokio::sync::watch;
use tracing::{debug, info, warn};

/// How many L1 blocks past the current origin the watcher keeps cached.
const LOOKAHEAD: u64 = 64;

/// How a sequencer follows L1.
#[derive(Clone, Debug)]
pub struct L1Follow {
    /// L1 JSON-RPC URL.
    pub rpc_url: String,
    /// The Portal whose deposits the L2 includes.
    pub portal: Address,
    /// The BatchInbox, read to derive the safe head.
    pub batch_inbox: Address,
    /// The SystemConfig, whose changes to the fee configuration the L2 follows.
    pub system_config: Address,
    /// The OutputOracle, read for the status page.
    pub output_oracle: Address,
    /// How deep an L1 block must be (blocks on top of it) before it becomes an origin.
    pub confirmations: u64,
    /// How often the watcher polls L1.
    pub poll_interval: Duration,
    /// Tests only: leaves deposits out, to prove derivation catches it.
    pub skip_deposits: bool,
}

/// An L1 block as the sequencer needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct L1Block {
    /// Number and hash.
    pub(crate) origin: L1Origin,
    /// Parent hash.
    pub(crate) parent_hash: B256,
    /// Timestamp in seconds.
    pub(crate) timestamp: u64,
    /// Base fee, in wei.
    pub(crate) base_fee: u128,
    /// Excess blob gas.
    pub(crate) excess_blob_gas: u64,
    /// Portal deposits, in log order.
    pub(crate) deposits: Vec<TxDeposit>,
    /// Changes to the fee configuration, in log order.
    pub(crate) config_updates: Vec<SystemConfigUpdate>,
}

/// The origin, timestamp and deposits of the next L2 block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OriginPlan {
    /// The L1 origin.
    pub(crate) origin: L1Origin,
    /// The L2 timestamp.
    pub(crate) timestamp: u64,
    /// Deposits to open the block with (those of a new origin).
    pub(crate) deposits: Vec<TxDeposit>,
    /// Whether the block may carry user transactions (false beyond the sequencer drift, or when
    /// the origin's timestamp is not known yet).
    pub(crate) user_txs: bool,
    /// Whether the origin moved to the next L1 block.
    pub(crate) advanced: bool,
    /// The origin's timestamp and fees, when its block is cached.
    pub(crate) origin_fees: Option<OriginFees>,
    /// The changes to the fee configuration that a new origin makes.
    pub(crate) config_updates: Vec<SystemConfigUpdate>,
}

/// The timestamp and fees of an L1 origin: its part of the L1 attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OriginFees {
    /// Timestamp in seconds.
    pub(crate) timestamp: u64,
    /// Base fee, in wei.
    pub(crate) base_fee: u128,
    /// Excess blob gas.
    pub(crate) excess_blob_gas: u64,
}

impl OriginFees {
    /// The L1 attributes of an origin with these fees under fee configuration `system`, on an
    /// L1 with blob schedule `blobs`.
    pub(crate) fn with(self, system: SystemConfig, blobs: &L1BlobSchedule) -> L1Attributes {
        let blob_base_fee = blobs.blob_base_fee(self.timestamp, self.excess_blob_gas);
        L1Attributes { timestamp: self.timestamp, base_fee: self.base_fee, blob_base_fee, system }
    }
}

/// L1 blocks from the current origin on, as far as the watcher has fetched them.
#[derive(Debug, Default)]
pub(crate) struct L1Cache {
    inner: Mutex<CacheState>,
}

#[derive(Debug, Default)]
struct CacheState {
    /// The origin of the head L2 block: where the watcher continues from.
    cursor: L1Origin,
    /// Cached blocks by number, starting at the cursor.
    blocks: BTreeMap<u64, L1Block>,
}

impl L1Cache {
    /// A cache whose cursor is the head block's origin.
    pub(crate) fn new(cursor: L1Origin) -> Self {
        Self { inner: Mutex::new(CacheState { cursor, blocks: BTreeMap::new() }) }
    }

    /// The origin of the head L2 block.
    pub(crate) fn cursor(&self) -> L1Origin {
        self.inner.lock().cursor
    }

    /// Records that a block with origin `origin` was committed; forgets older L1 blocks.
    pub(crate) fn set_cursor(&self, origin: L1Origin) {
        let mut state = self.inner.lock();
        state.cursor = origin;
        state.blocks = state.blocks.split_off(&origin.number);
    }

    /// The number after the last cached block (or after the cursor).
    fn next_number(&self) -> u64 {
        let state = self.inner.lock();
        state.blocks.keys().next_back().copied().unwrap_or(state.cursor.number).max(state.cursor.number) + 1
    }

    /// Whether the cursor's own block is cached.
    fn has_cursor_block(&self) -> bool {
        let state = self.inner.lock();
        state.blocks.get(&state.cursor.number).is_some_and(|block| block.origin == state.cursor)
    }

    /// Adds `block` if it extends the cached chain. A block whose parent is not the cached
    /// block before it means L1 reorganised: the stale blocks after the cursor are dropped and
    /// `false` returned (they are fetched again on the next poll).
    fn insert(&self, block: L1Block) -> bool {
        let mut state = self.inner.lock();
        let number = block.origin.number;
        let parent = number.checked_sub(1).and_then(|parent| state.blocks.get(&parent));
        if let Some(parent) = parent.filter(|parent| parent.origin.hash != block.parent_hash) {
            let stale = parent.origin.number.max(state.cursor.number + 1);
            warn!(number, "L1 reorganised below the cached blocks; fetching them again");
            state.blocks.split_off(&stale);
            return false;
        }
        state.blocks.insert(number, block);
        true
    }

    /// What the next L2 block after a parent with `parent_origin` and `parent_timestamp` looks
    /// like at wall-clock time `now`.
    pub(crate) fn plan(
        &self,
        parent_origin: L1Origin,
        parent_timestamp: u64,
        now: u64,
        max_drift: u64,
        skip_deposits: bool,
    ) -> OriginPlan {
        let state = self.inner.lock();
        let timestamp = now.max(parent_timestamp);
        let current = state.blocks.get(&parent_origin.number).filter(|block| block.origin == parent_origin);
        let next = state
            .blocks
            .get(&(parent_origin.number + 1))
            .filter(|next| next.parent_hash == parent_origin.hash && next.timestamp <= timestamp);
        let (origin, origin_block, deposits, config_updates, advanced) = match (next, current) {
            (Some(next), _) => {
                let deposits = if skip_deposits { Vec::new() } else { next.deposits.clone() };
                (next.origin, Some(next), deposits, next.config_updates.clone(), true)
            }
            (None, current) => (parent_origin, current, Vec::new(), Vec::new(), false),
        };
        let origin_timestamp = origin_block.map(|block| block.timestamp);
        let timestamp = timestamp.max(origin_timestamp.unwrap_or_default());
        let user_txs = origin_timestamp.is_some_and(|origin| timestamp <= origin + max_drift);
        let origin_fees = origin_block.map(|block| OriginFees {
            timestamp: block.timestamp,
            base_fee: block.base_fee,
            excess_blob_gas: block.excess_blob_gas,
        });
        OriginPlan { origin, timestamp, deposits, user_txs, advanced, origin_fees, config_updates }
    }
}

/// Why one poll of L1 failed (it is retried on the next one).
#[derive(Debug, thiserror::Error)]
enum PollError {
    /// The L1 node did not answer.
    #[error("L1 request failed: {0}")]
    Rpc(#[from] TransportError),
    /// Deposits could not be read.
    #[error(transparent)]
    Deposits(#[from] DepositError),
    /// The L1 node does not know a block it should have.
    #[error("L1 block {0} is missing")]
    MissingBlock(String),
}

/// Polls L1 every `follow.poll_interval` until `shutdown` turns true, caching the blocks
/// after the current origin. Wakes the producer when new blocks arrive. Failures are logged
/// and counted, and the producer keeps building on its current origin.
pub(crate) async fn watch_l1(chain: Arc<Chain>, follow: L1Follow, url: Url, mut shutdown: watch::Receiver<bool>) {
    let provider = ProviderBuilder::new().connect_http(url);
    info!(url = %follow.rpc_url, portal = %follow.portal, confirmations = follow.confirmations, "following L1");
    let mut failing = false;
    loop {
        match poll(&provider, &chain.l1, &follow).await {
            Ok(added) => {
                if failing {
                    info!("L1 reachable again");
                    failing = false;
                }
                if added > 0 {
                    debug!(added, "cached L1 blocks");
                    chain.l1_changed.notify_one();
                }
            }
            Err(err) => {
                chain.metrics.l1_poll_errors.inc();
                if !failing {
                    warn!(%err, "cannot read L1; producing blocks on the current origin");
                }
                failing = true;
            }
        }
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tokio::time::sleep(follow.poll_interval) => {}
        }
    }
}

/// Fetches the cursor's block if missing and the confirmed blocks after the cached ones.
/// Returns how many blocks were added.
async fn poll(provider: &impl Provider, cache: &L1Cache, follow: &L1Follow) -> Result<usize, PollError> {
    let latest = provider.get_block_number().await?;
    let cursor = cache.cursor();
    if !cache.has_cursor_block() {
        let block = provider.get_block_by_hash(cursor.hash).await?;
        let block = block.ok_or_else(|| PollError::MissingBlock(cursor.hash.to_string()))?;
        // The cursor's deposits and configuration changes are already in the chain.
        cache.insert(l1_block(&block.header, Vec::new(), Vec::new()));
    }
    let confirmed = latest.saturating_sub(follow.confirmations);
    let last = confirmed.min(cursor.number + LOOKAHEAD);
    let mut added = 0;
    for number in cache.next_number()..=last {
        let block = provider.get_block_by_number(BlockNumberOrTag::Number(number)).await?;
        let block = block.ok_or_else(|| PollError::MissingBlock(number.to_string()))?;
        let deposits = portal_deposits(provider, follow.portal, block.header.hash).await?;
        let updates = system_config_updates(provider, follow.system_config, block.header.hash).await?;
        if !cache.insert(l1_block(&block.header, deposits, updates)) {
            break;
        }
        added += 1;
    }
    Ok(added)
}

fn l1_block(
    header: &alloy::rpc::types::Header,
    deposits: Vec<TxDeposit>,
    config_updates: Vec<SystemConfigUpdate>,
) -> L1Block {
    L1Block {
        origin: L1Origin { number: header.number, hash: header.hash },
        parent_hash: header.parent_hash,
        timestamp: header.timestamp,
        base_fee: header.base_fee_per_gas.unwrap_or_default().into(),
        excess_blob_gas: header.excess_blob_gas.unwrap_or_default(),
        deposits,
        config_updates,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(number: u64, timestamp: u64, deposits: usize) -> L1Block {
        L1Block {
            origin: L1Origin { number, hash: B256::with_last_byte(number as u8) },
            parent_hash: B256::with_last_byte(number.wrapping_sub(1) as u8),
            timestamp,
            base_fee: 7,
            excess_blob_gas: 0,
            config_updates: Vec::new(),
            deposits: (0..deposits).map(|i| TxDeposit { mint: i as u128, ..Default::default() }).collect(),
        }
    }

    fn cache(blocks: &[L1Block]) -> L1Cache {
        let cache = L1Cache::new(blocks[0].origin);
        for block in blocks {
            assert!(cache.insert(block.clone()));
        }
        cache
    }

    #[test]
    fn advances_by_one_block_once_it_is_not_newer_than_the_l2_block() {
        let cache = cache(&[block(10, 100, 0), block(11, 112, 2), block(12, 124, 1)]);
        let origin = block(10, 100, 0).origin;
        // Too new: stay, with user transactions allowed.
        let plan = cache.plan(origin, 105, 111, 1800, false);
        assert_eq!((plan.origin, plan.timestamp, plan.advanced, plan.user_txs), (origin, 111, false, true));
        assert!(plan.deposits.is_empty());
        // Old enough: one step, with its deposits, even if the one after is old enough too.
        let plan = cache.plan(origin, 105, 130, 1800, false);
        assert_eq!((plan.origin, plan.advanced, plan.deposits.len()), (block(11, 112, 2).origin, true, 2));
        assert!(cache.plan(origin, 105, 130, 1800, true).deposits.is_empty());
    }

    #[test]
    fn respects_the_origin_timestamp_and_the_drift() {
        let cache = cache(&[block(10, 100, 0)]);
        let origin = block(10, 100, 0).origin;
        // The L2 timestamp never falls below the origin's or the parent's.
        assert_eq!(cache.plan(origin, 50, 60, 1800, false).timestamp, 100);
        assert_eq!(cache.plan(origin, 150, 60, 1800, false).timestamp, 150);
        // Beyond the drift: no user transactions.
        assert!(cache.plan(origin, 100, 1900, 1800, false).user_txs);
        assert!(!cache.plan(origin, 100, 1901, 1800, false).user_txs);
        // An origin whose timestamp is unknown: no user transactions either.
        let unknown = L1Cache::new(origin);
        assert!(!unknown.plan(origin, 100, 150, 1800, false).user_txs);
    }

    #[test]
    fn a_reorganised_block_is_dropped_and_not_followed() {
        let cache = cache(&[block(10, 100, 0), block(11, 112, 0)]);
        let orphan = L1Block { parent_hash: B256::repeat_byte(0xEE), ..block(12, 124, 0) };
        assert!(!cache.insert(orphan));
        assert_eq!(cache.next_number(), 11, "block 11 is fetched again");
        cache.set_cursor(block(11, 112, 0).origin);
        assert_eq!(cache.cursor(), block(11, 112, 0).origin);
    }
}
