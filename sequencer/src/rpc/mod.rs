//! The JSON-RPC server: method implementations over the [`Chain`], error mapping and
//! per-method metrics.

mod api;
mod call;
mod convert;
mod error;
mod fees;
mod logs;
mod methods;
mod middleware;
mod state;
mod subscribe;

pub(crate) use middleware::MetricsLayer;

use crate::node::{BlockProducer, Chain};
use jsonrpsee::RpcModule;
use std::sync::Arc;

/// Limits of the JSON-RPC server.
#[derive(Clone, Debug)]
pub struct RpcConfig {
    /// Largest request body, in bytes.
    pub max_request_bytes: u32,
    /// Largest response body, in bytes.
    pub max_response_bytes: u32,
    /// Most calls in one batch request.
    pub max_batch_len: u32,
    /// Most concurrent connections.
    pub max_connections: u32,
    /// Widest block range of one `eth_getLogs` call.
    pub max_log_block_range: u64,
    /// Most logs one `eth_getLogs` call returns.
    pub max_logs: usize,
    /// Tip suggested by `eth_maxPriorityFeePerGas`, in wei.
    pub suggested_tip: u128,
}

impl Default for RpcConfig {
    fn default() -> Self {
        Self {
            max_request_bytes: 5 * 1024 * 1024,
            max_response_bytes: 50 * 1024 * 1024,
            max_batch_len: 1_000,
            max_connections: 1_000,
            max_log_block_range: 10_000,
            max_logs: 10_000,
            suggested_tip: 1_000_000,
        }
    }
}

/// Implementation of every RPC namespace.
#[derive(Clone, Debug)]
pub(crate) struct EthRpc {
    chain: Arc<Chain>,
    producer: BlockProducer,
    config: RpcConfig,
}

/// All methods of the sequencer in one module.
pub(crate) fn module(chain: Arc<Chain>, producer: BlockProducer, config: RpcConfig) -> RpcModule<()> {
    use api::{EthApiServer, NetApiServer, RollupApiServer};
    let rpc = EthRpc { chain, producer, config };
    let mut module = RpcModule::new(());
    module.merge(EthApiServer::into_rpc(rpc.clone())).expect("method names are unique");
    module.merge(NetApiServer::into_rpc(rpc.clone())).expect("method names are unique");
    module.merge(RollupApiServer::into_rpc(rpc)).expect("method names are unique");
    module
}
