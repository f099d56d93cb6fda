//! The reference executor: one transaction after another on one thread.

use super::{
    BlockExecutor, ExecutionError, ExecutionOutput, L2Transaction, TxOutcome, evm_env,
    handler::{VaultCredits, transact_with_fees},
    tx_env,
};
use crate::{
    chain::BlockAttributes,
    fees::transaction_l1_cost,
    state::{StateOverlay, StateReader},
};
use revm::{
    Context, MainBuilder, MainContext,
    context::result::{EVMError, ExecutionResult},
    context_interface::ContextTr,
};

/// Executes transactions in order on the calling thread. Every other executor must produce
/// exactly what this one produces.
#[derive(Clone, Copy, Debug, Default)]
pub struct SequentialExecutor;

impl BlockExecutor for SequentialExecutor {
    fn execute(
        &self,
        state: &dyn StateReader,
        chain_id: u64,
        attrs: &BlockAttributes,
        txs: &[L2Transaction],
    ) -> Result<ExecutionOutput, ExecutionError> {
        let (cfg, block) = evm_env(chain_id, attrs);
        // A transaction changes two or three accounts, and often shares some with others; three
        // more for the fee vaults, so that a block of transfers never grows the map.
        let overlay = StateOverlay::with_capacity(state, 2 * txs.len() + 3);
        let mut evm = Context::mainnet().with_cfg(cfg).with_block(block).with_db(overlay).build_mainnet();
        let mut outcomes = Vec::with_capacity(txs.len());
        let mut block_gas_used = 0u64;
        for (index, tx) in txs.iter().enumerate() {
            let env = tx_env(tx);
            if block_gas_used + env.gas_limit > attrs.gas_limit {
                return Err(ExecutionError::block_gas_exceeded(index, env.gas_limit, attrs.gas_limit - block_gas_used));
            }
            let l1_fee = transaction_l1_cost(tx.inner(), &attrs.l1).fee;
            let executed =
                transact_with_fees(&mut evm, env, l1_fee, VaultCredits::EachTransaction).map_err(|err| match err {
                    EVMError::Transaction(invalid) => {
                        ExecutionError::InvalidTransaction { index, reason: invalid.to_string() }
                    }
                    other => ExecutionError::Internal(other.to_string()),
                })?;
            let outcome = TxOutcome::from(executed.result);
            block_gas_used += outcome.gas_used;
            evm.ctx.db_mut().commit(executed.state);
            outcomes.push(outcome);
        }
        let diff = std::mem::replace(evm.ctx.db_mut(), StateOverlay::new(state)).into_diff();
        Ok(ExecutionOutput { outcomes, diff })
    }
}

impl From<ExecutionResult> for TxOutcome {
    fn from(result: ExecutionResult) -> Self {
        let gas_used = result.tx_gas_used();
        let success = result.is_success();
        let contract_address = if success { result.created_address() } else { None };
        Self { success, gas_used, logs: result.into_logs(), contract_address, deposit_nonce: None }
    }
}
