//! The sequencer node: the chain it owns (state, pool, storage) and the block producer.

mod chain;
mod l1;
mod producer;
mod prune;
mod reader;
mod replay;
mod safe;
mod state_at;

pub use chain::{Chain, OpenError, SubmitError};
pub use l1::L1Follow;
pub(crate) use l1::watch_l1;
pub use producer::BlockProducer;
pub(crate) use prune::prune_state;
pub use reader::{BlockReader, HeadReader, ReadError, ReadResult, StateAtBlock};
pub use replay::{ReplayError, replay_chain};
pub(crate) use safe::track_safe_head;
pub(crate) use state_at::StateAt;

use alloy::consensus::Header;
use alloy_primitives::B256;
use rollup_core::{BlockExecutor, Genesis, L1Origin, WorldState};
use std::{sync::Arc, time::Duration};

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
    /// Keep the state of this many blocks behind the head (`--state-history`) and prune older
    /// state, never past what outputs still in their challenge window need; `None` keeps every
    /// block's state (an archive node).
    pub state_history: Option<u64>,
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
