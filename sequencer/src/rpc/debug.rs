//! `debug_trace*`: geth's tracers (the struct logger, `callTracer`, `prestateTracer`,
//! `4byteTracer`, `noopTracer`, `flatCallTracer`, `muxTracer`, from `revm-inspectors`) on a
//! re-execution of a committed block from its parent's state, deposits included, or on a call.
//! Runs under the same compute permits as `eth_call`. `debug_dbGet` serves trie nodes and code
//! by hash.

use super::{
    EthRpc,
    call::{call_env, call_error},
    convert::block_l1_attributes,
    error::{INTERNAL_ERROR, INVALID_PARAMS, LIMIT_EXCEEDED, internal, invalid_params, rpc_error, unknown_block},
};
use crate::node::{BlockReader as _, HeadReader as _};
use alloy::{
    consensus::transaction::Recovered,
    rpc::types::{
        BlockId, BlockNumberOrTag, TransactionRequest,
        trace::{
            common::TraceResult,
            geth::{GethDebugTracingCallOptions, GethDebugTracingOptions, GethTrace},
        },
    },
};
use alloy_primitives::{B256, Bytes};
use jsonrpsee::{
    core::{RpcResult, async_trait},
    proc_macros::rpc,
    types::ErrorObjectOwned,
};
use revm::{
    Inspector,
    interpreter::{InstructionResult, Interpreter},
};
use revm_inspectors::tracing::{DebugInspector, DebugInspectorError, TransactionContext};
use rollup_core::deposit::L2Envelope;
use rollup_core::{BlockAttributes, BlockReplay, BlockTx, StateOverlay, StateReader, evm_env, inspect_call};
use std::time::{Duration, Instant};
use storage::StoredTx;

/// The trace of one transaction of a block, or why it has none.
pub(crate) type BlockTrace = TraceResult<GethTrace, String>;

/// The `debug` namespace.
#[rpc(server, namespace = "debug")]
pub(crate) trait DebugApi {
    /// Re-executes a committed transaction with a tracer.
    #[method(name = "traceTransaction")]
    async fn trace_transaction(&self, hash: B256, opts: Option<GethDebugTracingOptions>) -> RpcResult<GethTrace>;
    /// Re-executes every transaction of a block with a tracer.
    #[method(name = "traceBlockByNumber")]
    async fn trace_block_by_number(
        &self,
        block: BlockNumberOrTag,
        opts: Option<GethDebugTracingOptions>,
    ) -> RpcResult<Vec<BlockTrace>>;
    /// [`DebugApiServer::trace_block_by_number`] by block hash.
    #[method(name = "traceBlockByHash")]
    async fn trace_block_by_hash(
        &self,
        hash: B256,
        opts: Option<GethDebugTracingOptions>,
    ) -> RpcResult<Vec<BlockTrace>>;
    /// A trie node or a contract's code by its keccak-256 hash, from the archive of the state
    /// tries (geth's `debug_dbGet` on a hash-keyed database): what a client that holds Merkle
    /// proofs of a block's state needs to update them (the sibling a deletion collapses into).
    #[method(name = "dbGet")]
    async fn db_get(&self, key: Bytes) -> RpcResult<Bytes>;
    /// Runs a call on a block's state with a tracer.
    #[method(name = "traceCall")]
    async fn trace_call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        opts: Option<GethDebugTracingCallOptions>,
    ) -> RpcResult<GethTrace>;
}

#[async_trait]
impl DebugApiServer for EthRpc {
    async fn trace_transaction(&self, hash: B256, opts: Option<GethDebugTracingOptions>) -> RpcResult<GethTrace> {
        let stored = self.chain.transaction(hash).await?.ok_or_else(|| {
            rpc_error(super::error::INVALID_INPUT, format!("transaction {hash} not found in any committed block"))
        })?;
        let traces = self.trace_block(stored.block_number, Some(stored.tx_index), opts.unwrap_or_default()).await?;
        match traces.into_iter().next() {
            Some(TraceResult::Success { result, .. }) => Ok(result),
            Some(TraceResult::Error { error, .. }) => Err(rpc_error(super::error::INVALID_INPUT, error)),
            None => Err(rpc_error(INTERNAL_ERROR, format!("transaction {hash} was not found on replay"))),
        }
    }

    async fn trace_block_by_number(
        &self,
        block: BlockNumberOrTag,
        opts: Option<GethDebugTracingOptions>,
    ) -> RpcResult<Vec<BlockTrace>> {
        let number = self.resolve_number(block).await?;
        self.trace_block(number, None, opts.unwrap_or_default()).await
    }

    async fn trace_block_by_hash(
        &self,
        hash: B256,
        opts: Option<GethDebugTracingOptions>,
    ) -> RpcResult<Vec<BlockTrace>> {
        let number = self.chain.block_number(hash).await?.ok_or_else(unknown_block)?;
        self.trace_block(number, None, opts.unwrap_or_default()).await
    }

    async fn db_get(&self, key: Bytes) -> RpcResult<Bytes> {
        let hash = B256::try_from(&key[..]).map_err(|_| {
            invalid_params(format!("the key has {} bytes; give the 32-byte hash of a trie node or a code", key.len()))
        })?;
        let store = self.chain.store();
        if let Some(node) = store.trie_node(hash).await.map_err(internal)? {
            return Ok(node);
        }
        store.code(hash).await.map_err(internal)?.ok_or_else(|| {
            rpc_error(super::error::INVALID_INPUT, format!("no trie node or code with hash {hash} is kept"))
        })
    }

    async fn trace_call(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
        opts: Option<GethDebugTracingCallOptions>,
    ) -> RpcResult<GethTrace> {
        let opts = opts.unwrap_or_default();
        if opts.state_overrides.is_some() || opts.block_overrides.is_some() || opts.tx_index.is_some() {
            return Err(invalid_params(
                "debug_traceCall does not support stateOverrides, blockOverrides or txIndex; trace the call on the block's state without them",
            ));
        }
        let mut inspector = DebugInspector::new(opts.tracing_options).map_err(tracer_error)?;
        let number = self.resolve_id(block).await?;
        let chain_id = self.chain.chain_id();
        let tx = call_env(&request, chain_id);
        let timeout = self.config.trace_timeout;
        self.on_state(number, move |state, attrs| {
            let mut deadline = Deadline::new(Instant::now() + timeout);
            let executed = inspect_call(state, chain_id, attrs, tx.clone(), (&mut inspector, &mut deadline))
                .map_err(call_error)?;
            if deadline.expired {
                return Err(timed_out(timeout));
            }
            let block_env = evm_env(chain_id, attrs).1;
            inspector.get_result(None, &tx, &block_env, &executed, &mut StateOverlay::new(state)).map_err(tracer_error)
        })
        .await
    }
}

impl EthRpc {
    /// Replays block `number` from its parent's state and traces its transactions: all of them,
    /// or only the one at index `only` (the ones before it run untraced).
    async fn trace_block(
        &self,
        number: u64,
        only: Option<u64>,
        opts: GethDebugTracingOptions,
    ) -> RpcResult<Vec<BlockTrace>> {
        // An unknown tracer or a bad config is the caller's mistake: answer before any work.
        let inspector = DebugInspector::new(opts).map_err(tracer_error)?;
        let (block_hash, header) = self.chain.header(number).await?.ok_or_else(unknown_block)?;
        let txs = self.chain.block_transactions(number).await?;
        let Some(first) = txs.first() else { return Ok(Vec::new()) };
        let mut attrs = super::call::block_attributes(&header);
        attrs.l1 = block_l1_attributes(first).unwrap_or_default();
        if let Some(origin) = self.chain.l1_origin(number).await? {
            attrs.l1_origin = origin;
        }
        // Block 0 has no transactions: every traced block has a parent.
        let parent =
            number.checked_sub(1).ok_or_else(|| rpc_error(INTERNAL_ERROR, "the genesis block has transactions"))?;
        let replay =
            Replay { chain_id: self.chain.chain_id(), attrs, block_hash, only, timeout: self.config.trace_timeout };
        self.with_state(parent, move |parent| replay.trace(parent, &txs, inspector)).await
    }
}

/// What tracing a block needs besides its parent state and transactions.
struct Replay {
    chain_id: u64,
    attrs: BlockAttributes,
    block_hash: B256,
    only: Option<u64>,
    timeout: Duration,
}

impl Replay {
    /// Re-executes `txs` in order on `parent`, tracing the wanted ones with `inspector`.
    fn trace(
        &self,
        parent: &dyn StateReader,
        txs: &[StoredTx],
        mut inspector: DebugInspector,
    ) -> RpcResult<Vec<BlockTrace>> {
        let deadline = Instant::now() + self.timeout;
        let mut replay = BlockReplay::new(parent, self.chain_id, self.attrs.clone());
        let block_env = replay.block_env();
        let mut traces = Vec::new();
        for stored in txs {
            if Instant::now() > deadline {
                return Err(timed_out(self.timeout));
            }
            let user;
            let tx = match &stored.tx {
                L2Envelope::Other(deposit) => BlockTx::Deposit(deposit),
                L2Envelope::BuiltIn(envelope) => {
                    user = Recovered::new_unchecked(envelope.clone(), stored.sender);
                    BlockTx::User(&user)
                }
            };
            let wanted = self.only.is_none_or(|index| index == stored.tx_index);
            let mut watch = Deadline::new(deadline);
            let replayed = if wanted {
                inspector.fuse().map_err(tracer_error)?;
                replay.run(tx, (&mut inspector, &mut watch))
            } else {
                replay.run(tx, &mut watch)
            };
            if watch.expired {
                return Err(timed_out(self.timeout));
            }
            let replayed = replayed.map_err(|err| {
                rpc_error(INTERNAL_ERROR, format!("re-executing block {} failed: {err}", self.attrs.number))
            })?;
            if wanted {
                let tx_hash = Some(stored.hash);
                let context = TransactionContext {
                    block_hash: Some(self.block_hash),
                    tx_index: Some(stored.tx_index as usize),
                    tx_hash,
                };
                traces.push(match &replayed.outcome {
                    Ok(executed) => {
                        match inspector.get_result(
                            Some(context),
                            &replayed.env,
                            &block_env,
                            executed,
                            &mut replay.state(),
                        ) {
                            Ok(result) => TraceResult::Success { result, tx_hash },
                            Err(err) => TraceResult::Error { error: err.to_string(), tx_hash },
                        }
                    }
                    Err(refused) => TraceResult::Error {
                        error: format!("deposit not executed (only its mint and nonce were applied): {refused}"),
                        tx_hash,
                    },
                });
                if self.only.is_some() {
                    break;
                }
            }
            replay.commit(replayed);
        }
        Ok(traces)
    }
}

/// Stops a traced execution at a deadline: past it, every frame halts at its next step (as if
/// out of gas), so even one long transaction cannot hold a compute permit for longer than the
/// trace timeout. Watches beside the tracer (revm runs both inspectors of a pair).
#[derive(Debug)]
struct Deadline {
    at: Instant,
    steps: u64,
    expired: bool,
}

impl Deadline {
    /// Steps between two looks at the clock.
    const STEPS_PER_CHECK: u64 = 1024;

    fn new(at: Instant) -> Self {
        Self { at, steps: 0, expired: false }
    }
}

impl<CTX> Inspector<CTX> for Deadline {
    fn step(&mut self, interp: &mut Interpreter, _context: &mut CTX) {
        self.steps += 1;
        if !self.expired && self.steps.is_multiple_of(Self::STEPS_PER_CHECK) && Instant::now() > self.at {
            self.expired = true;
        }
        if self.expired {
            interp.halt(InstructionResult::OutOfGas);
        }
    }
}

/// The error answered when tracing ran past its deadline.
fn timed_out(timeout: Duration) -> ErrorObjectOwned {
    rpc_error(
        LIMIT_EXCEEDED,
        format!(
            "tracing took longer than {timeout:?}; trace single transactions with debug_traceTransaction or raise --rpc-trace-timeout-secs"
        ),
    )
}

/// The error answered for tracer options that cannot be served.
fn tracer_error<E: std::fmt::Display>(err: DebugInspectorError<E>) -> ErrorObjectOwned {
    match err {
        DebugInspectorError::InvalidTracerConfig => {
            invalid_params("invalid tracerConfig for this tracer; see geth's documentation of its options")
        }
        DebugInspectorError::UnsupportedTracer | DebugInspectorError::JsTracerNotEnabled => rpc_error(
            INVALID_PARAMS,
            "unsupported tracer; use callTracer, prestateTracer, 4byteTracer, noopTracer, flatCallTracer, muxTracer or none (the struct logger); JavaScript tracers are not supported",
        ),
        other => rpc_error(INTERNAL_ERROR, format!("tracing failed: {other}")),
    }
}
