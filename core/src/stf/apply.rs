//! Applying a block to the world state: block-start system changes, deposits, execution of the
//! user transactions, commitment.

use super::{
    BlockExecutor, ExecutionError, ExecutionOutput, L2Transaction, SealedBlock, deposit::execute_deposits, seal_block,
};
use crate::{
    chain::{BlockAttributes, MESSAGE_PASSER_ADDRESS},
    deposit::TxDeposit,
    fees::L1BlockValues,
    state::{StateDiff, StateOverlay, StateReader},
    world::WorldState,
};
use alloy::{
    consensus::Transaction as _,
    eips::eip2935::{HISTORY_SERVE_WINDOW, HISTORY_STORAGE_ADDRESS},
};
use alloy_primitives::U256;

/// A block applied to the world state, with everything needed to persist it.
#[derive(Clone, Debug)]
pub struct AppliedBlock {
    /// The sealed block.
    pub block: SealedBlock,
    /// Execution outcomes of all its transactions in block order (deposits first), and the
    /// changes the transactions made.
    pub output: ExecutionOutput,
    /// All state changes of the block, including block-start system changes.
    pub diff: StateDiff,
}

/// The deposits block `attrs.number` opens with, on top of its parent state `parent`: the L1
/// attributes deposit (docs/fees.md), then `deposits` (those of a new L1 origin).
pub fn block_deposits(parent: &WorldState, attrs: &BlockAttributes, deposits: Vec<TxDeposit>) -> Vec<TxDeposit> {
    let values = L1BlockValues::next(parent, attrs.l1_origin, attrs.l1);
    std::iter::once(values.deposit()).chain(deposits).collect()
}

/// Changes made at the start of every block before any transaction: the EIP-2935 history
/// contract stores the parent block hash.
pub fn block_start_changes(state: &dyn StateReader, attrs: &BlockAttributes) -> StateDiff {
    let mut overlay = StateOverlay::new(state);
    if attrs.number > 0 {
        let slot = U256::from((attrs.number - 1) % HISTORY_SERVE_WINDOW as u64);
        overlay.set_storage(HISTORY_STORAGE_ADDRESS, slot, attrs.parent_hash.into());
    }
    overlay.into_diff()
}

/// Executes block `attrs.number` on top of `world`: the block-start system changes, then the L1
/// attributes deposit and `deposits` in order (never rejected; see [`crate::deposit`] and
/// [`block_deposits`]), then `txs` with `executor` on top of their result. Applies the result and seals the block. On error `world` is unchanged;
/// [`ExecutionError::InvalidTransaction`] always names a user transaction (an index into `txs`),
/// for instance one whose gas limit exceeds what the deposits and earlier transactions left.
pub fn apply_block(
    world: &mut WorldState,
    executor: &dyn BlockExecutor,
    chain_id: u64,
    attrs: &BlockAttributes,
    deposits: Vec<TxDeposit>,
    txs: Vec<L2Transaction>,
) -> Result<AppliedBlock, ExecutionError> {
    let deposits = block_deposits(world, attrs, deposits);
    let mut diff = block_start_changes(world, attrs);
    let mut output = {
        let pre_state = StateOverlay::with_diff(world, diff.clone());
        execute_deposits(&pre_state, chain_id, attrs, &deposits)?
    };
    diff.merge(output.diff.clone());
    let user = {
        let pre_state = StateOverlay::with_diff(world, diff.clone());
        executor.execute(&pre_state, chain_id, attrs, &txs)?
    };
    let mut block_gas_used: u64 = output.outcomes.iter().map(|outcome| outcome.gas_used).sum();
    for (index, (tx, outcome)) in txs.iter().zip(&user.outcomes).enumerate() {
        let gas_limit = tx.inner().gas_limit();
        let left = attrs.gas_limit.saturating_sub(block_gas_used);
        if gas_limit > left {
            return Err(ExecutionError::InvalidTransaction {
                index,
                reason: format!("gas limit {gas_limit} exceeds the {left} gas left in the block"),
            });
        }
        block_gas_used += outcome.gas_used;
    }
    diff.merge(user.diff.clone());
    output.diff.merge(user.diff);
    output.outcomes.extend(user.outcomes);
    let state_root = world.apply(&diff);
    let message_passer_root = world.storage_root(MESSAGE_PASSER_ADDRESS);
    let block = seal_block(attrs, deposits, txs, &output.outcomes, state_root, message_passer_root);
    world.record_block_hash(block.header.number, block.hash);
    Ok(AppliedBlock { block, output, diff })
}
