//! Applying a block one step at a time, with the state root after every step: what a replay of
//! a disputed block prints, and where the dispute game's lower levels start.

use super::{
    BlockExecutor, ExecutionError, L2Transaction, SealedBlock, TxOutcome, apply::block_start_changes,
    deposit::execute_deposits, seal_block,
};
use crate::{
    chain::{BlockAttributes, MESSAGE_PASSER_ADDRESS},
    deposit::TxDeposit,
    state::{StateDiff, StateOverlay},
    world::WorldState,
};
use alloy_primitives::B256;

/// What one step of a block is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// The block-start system changes (EIP-2935 parent hash).
    BlockStart,
    /// Deposit `index` of the block.
    Deposit {
        /// Position among the deposits.
        index: usize,
        /// Transaction hash.
        hash: B256,
    },
    /// User transaction `index` of the block (counted after the deposits).
    Transaction {
        /// Position among the user transactions.
        index: usize,
        /// Transaction hash.
        hash: B256,
    },
}

impl std::fmt::Display for StepKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::BlockStart => f.write_str("block start"),
            Self::Deposit { index, hash } => write!(f, "deposit {index} ({hash})"),
            Self::Transaction { index, hash } => write!(f, "transaction {index} ({hash})"),
        }
    }
}

/// One step of a traced block.
#[derive(Clone, Debug)]
pub struct TraceStep {
    /// Which step.
    pub kind: StepKind,
    /// What it changed.
    pub diff: StateDiff,
    /// Its outcome (none for the block start).
    pub outcome: Option<TxOutcome>,
    /// State root after it.
    pub state_root: B256,
}

/// Applies block `attrs.number` to `world` like [`super::apply_block`], but commits after the
/// block start, after every deposit and after every transaction, and returns each step with
/// the state root after it. The sealed block is identical to `apply_block`'s. For replays of
/// blocks `apply_block` accepted: it does not check that each transaction fits in the gas left
/// in the block, and on an error `world` keeps the steps before it.
pub fn trace_block(
    world: &mut WorldState,
    executor: &dyn BlockExecutor,
    chain_id: u64,
    attrs: &BlockAttributes,
    deposits: Vec<TxDeposit>,
    txs: Vec<L2Transaction>,
) -> Result<(SealedBlock, Vec<TraceStep>), ExecutionError> {
    let deposits = super::block_deposits(world, attrs, deposits);
    let mut steps = Vec::with_capacity(1 + deposits.len() + txs.len());
    let diff = block_start_changes(world, attrs);
    let state_root = world.apply(&diff);
    steps.push(TraceStep { kind: StepKind::BlockStart, diff, outcome: None, state_root });
    let mut outcomes = Vec::with_capacity(deposits.len() + txs.len());
    for (index, deposit) in deposits.iter().enumerate() {
        let output = execute_deposits(&StateOverlay::new(world), chain_id, attrs, std::slice::from_ref(deposit))?;
        let kind = StepKind::Deposit { index, hash: deposit.tx_hash() };
        steps.push(commit_step(world, kind, output.diff, output.outcomes));
        outcomes.extend(steps.last().and_then(|step| step.outcome.clone()));
    }
    for (index, tx) in txs.iter().enumerate() {
        let output = executor.execute(&StateOverlay::new(world), chain_id, attrs, std::slice::from_ref(tx))?;
        let kind = StepKind::Transaction { index, hash: *tx.inner().tx_hash() };
        steps.push(commit_step(world, kind, output.diff, output.outcomes));
        outcomes.extend(steps.last().and_then(|step| step.outcome.clone()));
    }
    let state_root = steps.last().map(|step| step.state_root).unwrap_or_default();
    let message_passer_root = world.storage_root(MESSAGE_PASSER_ADDRESS);
    let block = seal_block(attrs, deposits, txs, &outcomes, state_root, message_passer_root);
    world.record_block_hash(block.header.number, block.hash);
    Ok((block, steps))
}

fn commit_step(world: &mut WorldState, kind: StepKind, diff: StateDiff, outcomes: Vec<TxOutcome>) -> TraceStep {
    let state_root = world.apply(&diff);
    TraceStep { kind, diff, outcome: outcomes.into_iter().next(), state_root }
}
