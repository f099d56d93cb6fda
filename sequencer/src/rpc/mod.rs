//! The JSON-RPC server: method implementations over the [`Chain`], error mapping and
//! per-method metrics.

mod api;
mod call;
mod convert;
mod debug;
mod error;
mod fees;
mod filters;
mod logs;
mod methods;
mod middleware;
mod optimism;
mod proof;
mod state;
mod subscribe;
mod txpool;

pub(crate) use middleware::MetricsLayer;

use crate::node::{BlockProducer, Chain};
use jsonrpsee::RpcModule;
use std::sync::Arc;
use std::time::Duration;

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
    /// Most addresses in one log filter (`eth_getLogs`, `eth_newFilter`, `logs` subscriptions).
    pub max_log_addresses: usize,
    /// Most alternatives in one topic position of a log filter.
    pub max_log_topics: usize,
    /// A filter (`eth_new*Filter`) not polled for this long is removed.
    pub filter_timeout: Duration,
    /// Most filters installed at once.
    pub max_filters: usize,
    /// How long `eth_sendRawTransactionSync` waits for the receipt when the call names no timeout.
    pub send_sync_default_timeout: Duration,
    /// Longest wait `eth_sendRawTransactionSync` grants; longer requested timeouts are capped.
    pub send_sync_max_timeout: Duration,
    /// Most executions (`eth_call`, `eth_estimateGas`, `eth_createAccessList`, `debug_trace*`)
    /// running at once; the others wait their turn, so calls never take every core from block
    /// production.
    pub compute_threads: usize,
    /// Most storage keys in one `eth_getProof`.
    pub max_proof_keys: usize,
    /// Longest time a `debug_trace*` request may run.
    pub trace_timeout: Duration,
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
            max_log_addresses: 1_000,
            max_log_topics: 1_000,
            filter_timeout: Duration::from_secs(5 * 60),
            max_filters: 10_000,
            send_sync_default_timeout: Duration::from_secs(2),
            send_sync_max_timeout: Duration::from_secs(60),
            compute_threads: 1,
            max_proof_keys: 1_024,
            trace_timeout: Duration::from_secs(30),
        }
    }
}

/// Implementation of every RPC namespace.
#[derive(Clone, Debug)]
pub(crate) struct EthRpc {
    chain: Arc<Chain>,
    producer: BlockProducer,
    config: RpcConfig,
    /// Installed `eth_new*Filter` filters.
    filters: Arc<filters::FilterRegistry>,
    /// Permits to execute (see [`RpcConfig::compute_threads`]).
    compute: Arc<tokio::sync::Semaphore>,
    /// The L1 node and its fixed answers, for the `optimism_` methods.
    optimism: Arc<optimism::OptimismCache>,
}

/// All methods of the sequencer in one module.
pub(crate) fn module(chain: Arc<Chain>, producer: BlockProducer, config: RpcConfig) -> RpcModule<()> {
    use api::{EthApiServer, NetApiServer, RollupApiServer};
    let filters = Arc::new(filters::FilterRegistry::default());
    let compute = Arc::new(tokio::sync::Semaphore::new(config.compute_threads.max(1)));
    let rpc = EthRpc { chain, producer, config, filters, compute, optimism: Default::default() };
    let mut module = RpcModule::new(());
    module.merge(EthApiServer::into_rpc(rpc.clone())).expect("method names are unique");
    module.merge(NetApiServer::into_rpc(rpc.clone())).expect("method names are unique");
    module.merge(filters::EthFilterApiServer::into_rpc(rpc.clone())).expect("method names are unique");
    module.merge(txpool::TxpoolApiServer::into_rpc(rpc.clone())).expect("method names are unique");
    module.merge(txpool::EthTxApiServer::into_rpc(rpc.clone())).expect("method names are unique");
    module.merge(optimism::OptimismApiServer::into_rpc(rpc.clone())).expect("method names are unique");
    module.merge(debug::DebugApiServer::into_rpc(rpc.clone())).expect("method names are unique");
    module.merge(RollupApiServer::into_rpc(rpc)).expect("method names are unique");
    module
}
