//! The sequencer node: the chain it owns (state, pool, storage) and the block producer.

mod l1;
mod open;
mod producer;
mod replay;
mod safe;
mod submit;

pub use l1::L1Follow;
pub(crate) use l1::watch_l1;
pub use open::OpenError;
pub use producer::BlockProducer;
pub use replay::{ReplayError, replay_chain};
pub(crate) use safe::track_safe_head;
pub use submit::SubmitError;

use crate::{Metrics, pool::Mempool, storage::Store};
use alloy::consensus::Header;
use alloy_primitives::B256;
use parking_lot::Mutex;
use rollup_core::{BlockExecutor, Genesis, L1Origin, SealedBlock, WorldState};
use std::{
    sync::{Arc, atomic::AtomicU64},
    time::Duration,
};
use tokio::sync::{Notify, RwLock, broadcast};

/// Configuration of a sequencer node.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// Database URL (`sqlite://file?mode=rwc`, `sqlite::memory:`, `postgres://…`).
    pub database_url: String,
    /// Genesis used when the database is empty (a non-empty database keeps its own).
    pub genesis: Genesis,
    /// Block interval; zero seals a block as soon as transactions are pending.
    pub block_time: Duration,
    /// Pool limits.
    pub pool: crate::pool::PoolConfig,
    /// Engine that executes blocks.
    pub executor: Arc<dyn BlockExecutor>,
    /// Following L1 (origins and deposits). Without it every block keeps the genesis origin
    /// and no deposits are included. With it, the genesis L1 origin must be a real L1 block
    /// (the deployment's start block).
    pub l1: Option<L1Follow>,
}

/// The latest committed block.
#[derive(Clone, Debug)]
pub struct Head {
    /// Block hash.
    pub hash: B256,
    /// Block header.
    pub header: Header,
    /// The block's L1 origin.
    pub l1_origin: L1Origin,
}

/// The world state and the head it belongs to; always updated together.
#[derive(Debug)]
pub struct ChainState {
    /// State after the head block.
    pub world: WorldState,
    /// The latest committed block.
    pub head: Head,
}

/// Everything a running sequencer shares between its block producer and its RPC server.
#[derive(Debug)]
pub struct Chain {
    /// Durable storage.
    pub store: Store,
    /// The chain's genesis (from the database).
    pub genesis: Genesis,
    /// Latest state; the producer holds the write lock while it builds and commits a block,
    /// so readers never see a block that is not committed.
    pub state: RwLock<ChainState>,
    /// Pending transactions.
    pub pool: Mutex<Mempool>,
    /// Woken when a transaction enters the pool.
    pub pool_changed: Notify,
    /// L1 blocks after the head's origin, cached by the L1 watcher.
    pub(crate) l1: l1::L1Cache,
    /// Woken when the L1 watcher cached new blocks.
    pub(crate) l1_changed: Notify,
    /// Last block derived from L1 batches that matches the sealed one (the `safe` tag).
    pub safe_head: AtomicU64,
    /// The safe head as of L1's finalized block (the `finalized` tag).
    pub finalized_head: AtomicU64,
    /// Every committed block, for subscriptions.
    pub blocks: broadcast::Sender<Arc<SealedBlock>>,
    /// Metrics.
    pub metrics: Metrics,
    /// Node configuration.
    pub config: NodeConfig,
    arrivals: AtomicU64,
}

impl Chain {
    /// Chain id.
    pub fn chain_id(&self) -> u64 {
        self.genesis.config.chain_id
    }

    /// Base fee of the block after `head`.
    pub fn next_base_fee(&self, head: &Header) -> u64 {
        self.genesis.config.next_base_fee(head.gas_used, head.gas_limit, head.base_fee_per_gas.unwrap_or_default())
    }

    /// Refreshes the pool gauges.
    fn update_pool_metrics(&self, world: &WorldState) {
        let (pending, queued) = self.pool.lock().counts(world);
        self.metrics.pool_pending.set(pending as i64);
        self.metrics.pool_queued.set(queued as i64);
    }
}
