//! The L2 sequencer: a mempool, a block producer over the shared state-transition function,
//! durable storage in SQLite or PostgreSQL, and a standard Ethereum JSON-RPC server.

mod metrics;
mod node;
mod pool;
mod rpc;
mod server;
mod status;
#[cfg(any(test, feature = "test-utils"))]
pub mod test_utils;

pub use metrics::Metrics;
pub use node::{
    BlockProducer, BlockReader, Chain, ChainState, Head, HeadReader, L1Follow, NodeConfig, OpenError, ReadError,
    ReadResult, ReplayError, StateAtBlock, SubmitError, replay_chain,
};
pub use pool::{Mempool, PoolConfig, PoolError, PooledTx, decode_transaction};
pub use rpc::RpcConfig;
pub use server::{ProducerStopped, Sequencer, SequencerHandle, StartError};
