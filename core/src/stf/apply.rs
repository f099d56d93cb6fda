//! Applying a block to the world state: block-start system changes, execution, commitment.

use super::{BlockExecutor, ExecutionError, ExecutionOutput, L2Transaction, SealedBlock, seal_block};
use crate::{
    MESSAGE_PASSER_ADDRESS,
    chain::BlockAttributes,
    state::{StateDiff, StateOverlay, WorldState},
};
use alloy::eips::eip2935::{HISTORY_SERVE_WINDOW, HISTORY_STORAGE_ADDRESS};
use alloy_primitives::U256;

/// A block applied to the world state, with everything needed to persist it.
#[derive(Clone, Debug)]
pub struct AppliedBlock {
    /// The sealed block.
    pub block: SealedBlock,
    /// Execution outcomes of its transactions.
    pub output: ExecutionOutput,
    /// All state changes of the block, including block-start system changes.
    pub diff: StateDiff,
}

/// Changes made at the start of every block before any transaction: the EIP-2935 history
/// contract stores the parent block hash.
fn block_start_changes(world: &WorldState, attrs: &BlockAttributes) -> StateDiff {
    let mut overlay = StateOverlay::new(world);
    if attrs.number > 0 {
        let slot = U256::from((attrs.number - 1) % HISTORY_SERVE_WINDOW as u64);
        overlay.set_storage(HISTORY_STORAGE_ADDRESS, slot, attrs.parent_hash.into());
    }
    overlay.into_diff()
}

/// Executes `txs` as block `attrs.number` on top of `world`, applies the result and seals the
/// block. On error `world` is unchanged.
pub fn apply_block(
    world: &mut WorldState,
    executor: &dyn BlockExecutor,
    chain_id: u64,
    attrs: &BlockAttributes,
    txs: Vec<L2Transaction>,
) -> Result<AppliedBlock, ExecutionError> {
    let mut diff = block_start_changes(world, attrs);
    let output = {
        let pre_state = StateOverlay::with_diff(world, diff.clone());
        executor.execute(&pre_state, chain_id, attrs, &txs)?
    };
    diff.merge(output.diff.clone());
    let state_root = world.apply(&diff);
    let message_passer_root = world.storage_root(MESSAGE_PASSER_ADDRESS);
    let block = seal_block(attrs, txs, &output.outcomes, state_root, message_passer_root);
    world.record_block_hash(block.header.number, block.hash);
    Ok(AppliedBlock { block, output, diff })
}
