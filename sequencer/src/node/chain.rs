//! The chain a sequencer owns: its state, pool and storage, opened from the database, and
//! transactions accepted into it.

use super::{ChainState, Head, HeadReader, NodeConfig, l1::L1Cache};
use crate::{
    metrics::Metrics,
    pool::{Mempool, PoolError, PooledTx, decode_transaction},
};
use alloy::consensus::{Header, Transaction as _};
use alloy_primitives::{B256, Bytes};
use parking_lot::{Mutex, MutexGuard};
use rollup_core::{Genesis, SealedBlock, StateReader as _, WorldState};
use std::sync::{Arc, atomic::AtomicU64};
use storage::{Store, StoreError};
use tokio::sync::{Notify, RwLock, RwLockReadGuard, broadcast};
use tracing::{debug, info, warn};

/// Why a chain could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Following L1 needs a genesis built on a real L1 block.
    #[error("following L1 needs a genesis whose L1 origin is a real L1 block (the deployment's start block)")]
    NoGenesisOrigin,
    /// The stored state does not match the stored head.
    #[error(
        "stored state root {computed} does not match head block {number}'s state root {expected}: the database is damaged"
    )]
    StateMismatch {
        /// Head number.
        number: u64,
        /// Root in the header.
        expected: alloy_primitives::B256,
        /// Root of the loaded state.
        computed: alloy_primitives::B256,
    },
}

/// Why `eth_sendRawTransaction` failed.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The pool refused the transaction.
    #[error(transparent)]
    Rejected(#[from] PoolError),
    /// It could not be made durable.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A transaction the pool accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Submitted {
    /// Its hash.
    pub(crate) hash: B256,
    /// Its nonce.
    pub(crate) nonce: u64,
    /// The sender's next nonce past its executable run: the first missing nonce.
    pub(crate) next_nonce: u64,
    /// Whether it can go into the next block; `false` while it waits behind a nonce gap.
    pub(crate) executable: bool,
}

/// Everything a running sequencer shares between its block producer, its L1 followers and its
/// RPC server. Its fields belong to the node; the RPC server and the status page read it
/// through the accessors below and the reader traits ([`super::reader`]).
#[derive(Debug)]
pub struct Chain {
    /// Durable storage.
    pub(super) store: Store,
    /// The chain's genesis (from the database).
    pub(super) genesis: Genesis,
    /// Latest state; the producer holds the write lock while it builds and commits a block,
    /// so readers never see a block that is not committed.
    pub(super) state: RwLock<ChainState>,
    /// Pending transactions.
    pub(super) pool: Mutex<Mempool>,
    /// Woken when a transaction enters the pool.
    pub(super) pool_changed: Notify,
    /// L1 blocks after the head's origin, cached by the L1 watcher.
    pub(super) l1: L1Cache,
    /// Woken when the L1 watcher cached new blocks.
    pub(super) l1_changed: Notify,
    /// Last block derived from L1 batches that matches the sealed one (the `safe` tag).
    pub(super) safe_head: AtomicU64,
    /// The safe head as of L1's finalized block (the `finalized` tag).
    pub(super) finalized_head: AtomicU64,
    /// The oldest block whose state is kept (`--state-history`; 0 for an archive).
    pub(super) state_floor: AtomicU64,
    /// Every committed block, for subscriptions.
    pub(super) blocks: broadcast::Sender<Arc<SealedBlock>>,
    /// Metrics.
    pub(super) metrics: Metrics,
    /// Node configuration.
    pub(super) config: NodeConfig,
    pub(super) arrivals: AtomicU64,
}

impl Chain {
    /// Opens the chain in `config.database_url`, creating it from `config.genesis` if the
    /// database is empty, and reloads pending transactions.
    pub async fn open(config: NodeConfig) -> Result<Arc<Self>, OpenError> {
        let store = Store::connect(&config.database_url).await?;
        let genesis = match store.genesis().await? {
            Some(stored) => {
                if stored != config.genesis {
                    warn!("the database holds a different genesis than configured; using the stored one");
                }
                stored
            }
            None => {
                let (_, block) = config.genesis.build();
                store.init_genesis(&config.genesis, &block).await?;
                info!(hash = %block.hash, state_root = %block.header.state_root, "initialised chain from genesis");
                config.genesis.clone()
            }
        };
        let number = store.head_number().await?.ok_or_else(|| StoreError::Corrupt("no blocks".into()))?;
        let (hash, header) = store.header(number).await?.ok_or_else(|| StoreError::Corrupt("no head".into()))?;
        let l1_origin = store.l1_origin(number).await?.ok_or_else(|| StoreError::Corrupt("no head origin".into()))?;
        if config.l1.is_some() && genesis.l1_origin.hash.is_zero() {
            return Err(OpenError::NoGenesisOrigin);
        }
        let mut world = WorldState::new();
        world.record_trie_nodes();
        let computed = world.apply(&store.latest_state().await?);
        if computed != header.state_root {
            return Err(OpenError::StateMismatch { number, expected: header.state_root, computed });
        }
        // Every block stores the trie nodes it made; a new chain (or one from before the trie
        // archive) gets the head's from the state just rebuilt.
        let head_nodes = world.take_trie_nodes();
        if !store.has_trie_node(computed).await? {
            store.put_trie_nodes(number, &head_nodes).await?;
        }
        let state_floor = store.state_floor().await?;
        for (n, h) in store.block_hashes(number.saturating_sub(255), number).await? {
            world.record_block_hash(n, h);
        }
        info!(number, %hash, state_root = %computed, "resumed chain");
        let chain = Arc::new(Self {
            store,
            genesis,
            state: RwLock::new(ChainState { world, head: Head { hash, header, l1_origin } }),
            pool: Mutex::new(Mempool::new(config.pool.clone())),
            pool_changed: Notify::new(),
            l1: L1Cache::new(l1_origin),
            l1_changed: Notify::new(),
            blocks: broadcast::channel(1024).0,
            metrics: Metrics::new(),
            config,
            arrivals: AtomicU64::new(0),
            safe_head: AtomicU64::new(0),
            finalized_head: AtomicU64::new(0),
            state_floor: AtomicU64::new(state_floor),
        });
        chain.metrics.head.set(number as i64);
        chain.metrics.state_floor.set(state_floor as i64);
        chain.metrics.l1_origin.set(l1_origin.number as i64);
        chain.reload_pending().await?;
        Ok(chain)
    }

    /// Puts the stored pending transactions back into the pool; drops those no longer valid.
    async fn reload_pending(&self) -> Result<(), StoreError> {
        let raws = self.store.pending().await?;
        let state = self.state.read().await;
        let base_fee = self.next_base_fee(&state.head.header);
        let mut invalid = Vec::new();
        let mut restored = 0usize;
        for raw in raws {
            let decoded = decode_transaction(&raw, self.chain_id(), self.genesis.config.block_gas_limit);
            let Ok((tx, hash)) = decoded else { continue };
            let arrival = self.next_arrival();
            let pooled = PooledTx::new(tx, hash, raw, arrival);
            match self.pool.lock().add(pooled, &state.world, base_fee) {
                Ok(added) => {
                    restored += 1;
                    invalid.extend(added.removed);
                }
                Err(err) => {
                    warn!(%hash, %err, "dropping stored pending transaction");
                    invalid.push(hash);
                }
            }
        }
        self.store.delete_pending(&invalid).await?;
        self.update_pool_metrics(&state.world);
        if restored > 0 {
            info!(restored, "restored pending transactions");
            self.pool_changed.notify_one();
        }
        Ok(())
    }

    fn next_arrival(&self) -> u64 {
        self.arrivals.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// Validates and accepts a raw transaction. When this returns `Ok`, the transaction is
    /// committed to the database and survives a crash.
    pub async fn submit(&self, raw: Bytes) -> Result<B256, SubmitError> {
        Ok(self.submit_transaction(raw).await?.hash)
    }

    /// [`Self::submit`], also saying whether the transaction can go into the next block or waits
    /// behind a nonce gap. Transactions that become executable are announced to
    /// pending-transaction listeners once they are durable.
    pub(crate) async fn submit_transaction(&self, raw: Bytes) -> Result<Submitted, SubmitError> {
        let rejected = |err: PoolError| {
            self.metrics.txs_rejected.inc();
            err
        };
        let (tx, hash) =
            decode_transaction(&raw, self.chain_id(), self.genesis.config.block_gas_limit).map_err(rejected)?;
        let sender = tx.signer();
        let nonce = tx.inner().nonce();
        // Re-sending a pending transaction is answered with its hash (a mined one fails the
        // nonce check, as on geth).
        if self.pool.lock().get(&hash).is_some() {
            let state = self.state.read().await;
            let state_nonce = state.world.account(sender).map(|a| a.nonce).unwrap_or_default();
            let next_nonce = self.pool.lock().pending_nonce(sender, state_nonce);
            return Ok(Submitted { hash, nonce, next_nonce, executable: nonce < next_nonce });
        }
        let arrival = self.next_arrival();
        let (added, promoted, next_nonce) = {
            let state = self.state.read().await;
            let base_fee = self.next_base_fee(&state.head.header);
            let state_nonce = state.world.account(sender).map(|a| a.nonce).unwrap_or_default();
            let pooled = PooledTx::new(tx, hash, raw.clone(), arrival);
            let mut pool = self.pool.lock();
            let executable_before = pool.pending_nonce(sender, state_nonce);
            let added = pool.add(pooled, &state.world, base_fee).map_err(rejected)?;
            // A replacement of an executable transaction announces only itself: the ones after
            // it were announced already.
            let promoted = if nonce < executable_before {
                pool.get(&hash).into_iter().collect()
            } else {
                pool.newly_executable(sender, nonce, state_nonce)
            };
            let next_nonce = pool.pending_nonce(sender, state_nonce);
            drop(pool);
            self.update_pool_metrics(&state.world);
            (added, promoted, next_nonce)
        };
        if let Err(err) = self.store.insert_pending(hash, &raw, arrival).await {
            self.pool.lock().remove(&hash);
            return Err(err.into());
        }
        // A block may have taken the transaction from the pool and committed before its row
        // was written (the block's delete found nothing): then the row must go now.
        let mut gone = added.removed;
        if self.store.transaction(hash).await?.is_some() {
            gone.push(hash);
        }
        self.store.delete_pending(&gone).await?;
        self.pool_changed.notify_one();
        if !promoted.is_empty() {
            self.pool.lock().announce(&promoted);
        }
        debug!(%hash, %sender, nonce, executable = !promoted.is_empty(), "accepted transaction");
        Ok(Submitted { hash, nonce, next_nonce, executable: nonce < next_nonce })
    }

    /// Every transaction that becomes executable from now on (`newPendingTransactions`,
    /// pending-transaction filters).
    pub(crate) fn subscribe_pending_transactions(&self) -> broadcast::Receiver<Arc<crate::pool::PooledTx>> {
        self.pool.lock().subscribe_announcements()
    }

    /// The oldest block whose state (balances, storage, proofs, calls, traces) is kept.
    pub fn state_floor(&self) -> u64 {
        self.state_floor.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The chain's genesis (from the database).
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }

    /// The node's configuration.
    pub fn config(&self) -> &NodeConfig {
        &self.config
    }

    /// The node's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The state after the head block, with the head; block production waits while it is held.
    pub async fn read_state(&self) -> RwLockReadGuard<'_, ChainState> {
        self.state.read().await
    }

    /// The state, for tests that change it behind the producer's back.
    #[cfg(any(test, feature = "test-utils"))]
    pub(crate) async fn write_state(&self) -> tokio::sync::RwLockWriteGuard<'_, ChainState> {
        self.state.write().await
    }

    /// The pending pool.
    pub fn pool(&self) -> MutexGuard<'_, Mempool> {
        self.pool.lock()
    }

    /// Every block committed from now on.
    pub fn subscribe_blocks(&self) -> broadcast::Receiver<Arc<SealedBlock>> {
        self.blocks.subscribe()
    }

    /// Base fee of the block after `head`.
    pub fn next_base_fee(&self, head: &Header) -> u64 {
        self.genesis.config.next_base_fee(head.gas_used, head.gas_limit, head.base_fee_per_gas.unwrap_or_default())
    }

    /// Refreshes the pool gauges.
    pub(super) fn update_pool_metrics(&self, world: &WorldState) {
        let (pending, queued) = self.pool.lock().counts(world);
        self.metrics.pool_pending.set(pending as i64);
        self.metrics.pool_queued.set(queued as i64);
    }
}
