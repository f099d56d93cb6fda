//! The L2 sequencer: a mempool, a block producer over the shared state-transition function,
//! durable storage in SQLite or PostgreSQL, and a standard Ethereum JSON-RPC server.

mod metrics;
mod node;
mod pool;
mod rpc;
mod server;
mod status;
mod storage;
#[cfg(any(test, feature = "test-utils"))]
pub mod test_utils;

pub use metrics::{MetricRegistry, Metrics};
pub use node::{
    BlockProducer, Chain, ChainState, Head, L1Follow, NodeConfig, OpenError, ReplayError, SubmitError, replay_chain,
};
pub use pool::{Mempool, PoolConfig, PoolError, PooledTx, decode_transaction};
pub use rpc::RpcConfig;
pub use server::{Sequencer, SequencerHandle, StartError};
pub use storage::{BlockActivity, LogQuery, OutputVerdict, PostedBatch, Store, StoreError, StoredLog, StoredTx};
