//! The sequencer node: the chain it owns (state, pool, storage) and the block producer.

mod open;
mod producer;
mod replay;
mod submit;

pub use open::OpenError;
pub use producer::BlockProducer;
pub use replay::{ReplayError, replay_chain};
pub use submit::SubmitError;

use crate::{Metrics, pool::Mempool, storage::Store};
use alloy::consensus::Header;
use alloy_primitives::{Address, B256};
use parking_lot::Mutex;
use rollup_core::{BlockExecutor, Genesis, SealedBlock, WorldState};
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
    /// Receives priority fees.
    pub fee_recipient: Address,
    /// Pool limits.
    pub pool: crate::pool::PoolConfig,
    /// Engine that executes blocks.
    pub executor: Arc<dyn BlockExecutor>,
}

/// The latest committed block.
#[derive(Clone, Debug)]
pub struct Head {
    /// Block hash.
    pub hash: B256,
    /// Block header.
    pub header: Header,
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
