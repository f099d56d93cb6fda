//! Opening a chain: from genesis on an empty database, or resuming from what is stored.

use super::{Chain, ChainState, Head, NodeConfig, l1::L1Cache};
use crate::{
    Metrics,
    pool::{Mempool, PooledTx, decode_transaction},
    storage::{Store, StoreError},
};
use parking_lot::Mutex;
use rollup_core::WorldState;
use std::sync::{Arc, atomic::AtomicU64};
use tokio::sync::{Notify, RwLock, broadcast};
use tracing::{info, warn};

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
        let computed = world.apply(&store.latest_state().await?);
        if computed != header.state_root {
            return Err(OpenError::StateMismatch { number, expected: header.state_root, computed });
        }
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
        });
        chain.metrics.head.set(number as i64);
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
            let pooled = PooledTx { tx, hash, raw, arrival };
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

    pub(super) fn next_arrival(&self) -> u64 {
        self.arrivals.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }
}
