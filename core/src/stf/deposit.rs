//! Executing deposit transactions: the first transactions of a block, run one after another
//! before the user transactions.
//!
//! As in the OP Stack: the mint is credited to `from` first and stays even if the deposit fails;
//! there are no fees (gas price zero, nothing burnt, nothing to the fee recipient); the nonce is
//! not checked but `from`'s nonce is incremented; a deposit that reverts or halts keeps only the
//! mint and the nonce increment; one that revm refuses to run (say its value exceeds `from`'s
//! balance) ends the same way and uses its whole gas limit. A deposit is never rejected.

use super::{ExecutionError, ExecutionOutput, TxOutcome, env::unchecked_evm_env};
use crate::{
    chain::BlockAttributes,
    deposit::TxDeposit,
    state::{StateOverlay, StateReader},
};
use alloy_primitives::U256;
use revm::{
    Context, ExecuteEvm, MainBuilder, MainContext,
    context::{TxEnv, result::EVMError},
    context_interface::ContextTr,
};

/// Executes `deposits` in order on top of `state` (which already includes the block-start
/// system changes). Fails only if the EVM fails for a reason that is not the deposit's fault.
pub(super) fn execute_deposits(
    state: &dyn StateReader,
    chain_id: u64,
    attrs: &BlockAttributes,
    deposits: &[TxDeposit],
) -> Result<ExecutionOutput, ExecutionError> {
    if deposits.is_empty() {
        return Ok(ExecutionOutput::default());
    }
    let (cfg, block) = unchecked_evm_env(chain_id, attrs);
    let mut evm = Context::mainnet().with_cfg(cfg).with_block(block).with_db(StateOverlay::new(state)).build_mainnet();
    let mut outcomes = Vec::with_capacity(deposits.len());
    for deposit in deposits {
        let nonce = StateReader::account(evm.ctx.db_mut(), deposit.from).map_or(0, |account| account.nonce);
        evm.ctx.db_mut().credit(deposit.from, U256::from(deposit.mint));
        let outcome = match evm.transact(deposit_tx_env(deposit)) {
            Ok(executed) => {
                evm.ctx.db_mut().commit(executed.state);
                TxOutcome::from(executed.result)
            }
            Err(EVMError::Transaction(_)) => {
                evm.ctx.db_mut().bump_nonce(deposit.from);
                TxOutcome {
                    success: false,
                    gas_used: deposit.gas_limit,
                    logs: Vec::new(),
                    contract_address: None,
                    deposit_nonce: None,
                }
            }
            Err(other) => return Err(ExecutionError::Internal(other.to_string())),
        };
        outcomes.push(TxOutcome { deposit_nonce: Some(nonce), ..outcome });
    }
    let diff = std::mem::replace(evm.ctx.db_mut(), StateOverlay::new(state)).into_diff();
    Ok(ExecutionOutput { outcomes, diff })
}

/// revm transaction environment of a deposit: a legacy-typed transaction with gas price zero
/// (the nonce is ignored, since the nonce check is off).
pub fn deposit_tx_env(deposit: &TxDeposit) -> TxEnv {
    TxEnv {
        tx_type: 0,
        caller: deposit.from,
        gas_limit: deposit.gas_limit,
        gas_price: 0,
        kind: deposit.to,
        value: deposit.value,
        data: deposit.input.clone(),
        chain_id: None,
        ..Default::default()
    }
}
