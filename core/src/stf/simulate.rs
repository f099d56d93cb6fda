//! Executing a call without committing it: `eth_call` and `eth_estimateGas`.

use super::{ReplayState, unchecked_evm_env};
use crate::{
    chain::{BlockAttributes, TX_GAS_CAP},
    state::{StateOverlay, StateReader},
};
use revm::{
    Context, ExecuteEvm, InspectEvm, Inspector, MainBuilder, MainContext,
    context::{
        TxEnv,
        result::{EVMError, ExecResultAndState, ExecutionResult},
    },
    handler::MainnetContext,
};

/// Why a simulated call could not run.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The call is not a valid transaction (e.g. insufficient funds for its value).
    #[error("{0}")]
    Invalid(String),
    /// The EVM failed for another reason.
    #[error("internal error: {0}")]
    Internal(String),
}

/// Runs `tx` on top of `state` in the block environment of `attrs` and discards its changes.
/// Nonce and base-fee checks are off, as in geth's `eth_call`.
pub fn simulate_call(
    state: &dyn StateReader,
    chain_id: u64,
    attrs: &BlockAttributes,
    tx: TxEnv,
) -> Result<ExecutionResult, CallError> {
    let (cfg, block) = unchecked_evm_env(chain_id, attrs);
    let mut evm = Context::mainnet().with_cfg(cfg).with_block(block).with_db(StateOverlay::new(state)).build_mainnet();
    evm.transact(tx).map(|executed| executed.result).map_err(call_error)
}

/// [`simulate_call`] with `inspector` watching, returning the changes too (for `debug_traceCall`
/// and `eth_createAccessList`).
pub fn inspect_call<'a, I: Inspector<MainnetContext<ReplayState<'a>>>>(
    state: &'a (dyn StateReader + 'a),
    chain_id: u64,
    attrs: &BlockAttributes,
    tx: TxEnv,
    inspector: I,
) -> Result<ExecResultAndState<ExecutionResult>, CallError> {
    let (cfg, block) = unchecked_evm_env(chain_id, attrs);
    let mut evm = Context::mainnet()
        .with_cfg(cfg)
        .with_block(block)
        .with_db(StateOverlay::new(state))
        .build_mainnet_with_inspector(inspector);
    evm.inspect_tx(tx).map_err(call_error)
}

fn call_error<E: std::fmt::Display>(err: EVMError<E>) -> CallError {
    match err {
        EVMError::Transaction(invalid) => CallError::Invalid(invalid.to_string()),
        other => CallError::Internal(other.to_string()),
    }
}

/// Finds the smallest gas limit with which `tx` succeeds, by binary search up to the
/// per-transaction cap. Returns the failing result when it fails even at the cap.
pub fn estimate_gas(
    state: &dyn StateReader,
    chain_id: u64,
    attrs: &BlockAttributes,
    tx: TxEnv,
) -> Result<Result<u64, ExecutionResult>, CallError> {
    let cap = TX_GAS_CAP.min(attrs.gas_limit);
    let run = |gas_limit: u64| simulate_call(state, chain_id, attrs, TxEnv { gas_limit, ..tx.clone() });
    let at_cap = run(cap)?;
    if !at_cap.is_success() {
        return Ok(Err(at_cap));
    }
    // The gas used at the cap is a lower bound; most calls succeed with it or slightly more.
    let mut low = at_cap.tx_gas_used().saturating_sub(1);
    let mut high = cap;
    let optimistic = (at_cap.tx_gas_used() + at_cap.gas().inner_refunded()) * 64 / 63;
    if optimistic < high && run(optimistic).is_ok_and(|result| result.is_success()) {
        high = optimistic;
    }
    while low + 1 < high {
        let mid = low + (high - low) / 2;
        match run(mid) {
            Ok(result) if result.is_success() => high = mid,
            Ok(_) | Err(CallError::Invalid(_)) => low = mid,
            Err(err) => return Err(err),
        }
    }
    Ok(Ok(high))
}
