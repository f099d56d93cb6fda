//! A whole L2 block through the stepper, transaction by transaction (docs/dispute/block.md):
//! the block-start change, then each transaction traced on the state the ones before it left,
//! its steps at their positions in the block's trace, and the state root and output it ends
//! with.

use crate::{
    Executed, OnChainStepper, Rules, Skip, Step, TraceError, TxInput,
    execute::world_of,
    trace::{Fees, phases, trace_transaction},
    verify::{Checked, check_transaction},
};
use alloy_primitives::B256;
use revm::{context::TxEnv, inspector::NoOpInspector};
use rollup_core::{
    BlockAttributes, BlockReplay, BlockTx, ExecutionError, L2Transaction, MESSAGE_PASSER_ADDRESS, StateDiff, StateTrie,
    TxOutcome, WorldState, block_start_changes, deposit::TxDeposit, evm_env, tx_env,
};
use std::ops::ControlFlow;

/// Positions a slot of the block's trace spans: slot `s` starts at `s × SLOT_STEPS` (slot 0 is
/// the block start, slot `1 + i` transaction `i`).
pub const SLOT_STEPS: u64 = 1 << 24;

/// A block to trace on its parent's state.
#[derive(Clone, Debug)]
pub struct BlockInput {
    /// The parent's state as a change set on the empty state: the whole state, or with `trie`
    /// only what the block touches.
    pub pre: StateDiff,
    /// The state trie of a partial `pre`, built from Merkle proofs (`StateTrie::from_proofs`).
    pub trie: Option<StateTrie>,
    /// The hashes of the blocks before this one (those of the last 256 are read).
    pub block_hashes: Vec<(u64, B256)>,
    /// The L2's chain id.
    pub chain_id: u64,
    /// The block's attributes.
    pub attrs: BlockAttributes,
    /// Its deposits, the L1 attributes deposit first.
    pub deposits: Vec<TxDeposit>,
    /// Its user transactions.
    pub txs: Vec<L2Transaction>,
}

/// Which steps of a block [`check_block`] gives the stepper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Positions {
    /// Every step.
    All,
    /// The steps outside `Run`, the first and last of each transaction and one `Run` step in
    /// `n`.
    Sample(u64),
}

/// What checking one transaction's slot found.
#[derive(Clone, Debug)]
pub struct SlotChecked {
    /// The slot (`1 + ` the transaction's index in the block).
    pub slot: u64,
    /// The steps checked and the first disagreement.
    pub checked: Checked,
    /// revm's result for the transaction.
    pub executed: Executed,
}

/// What checking a block found.
#[derive(Debug)]
pub struct BlockChecked {
    /// Its transactions' slots, in order.
    pub slots: Vec<SlotChecked>,
    /// The state after the block (partial if the input was).
    pub world: WorldState,
}

impl BlockChecked {
    /// The state root the block ends with.
    pub fn state_root(&mut self) -> B256 {
        self.world.state_root()
    }

    /// The storage root of the L2→L1 message passer after the block (an output's field).
    pub fn message_passer_storage_root(&mut self) -> B256 {
        self.world.storage_root(MESSAGE_PASSER_ADDRESS)
    }
}

/// Why a position of a block's trace could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    /// The position is not in a transaction's slot.
    #[error(
        "position {position} is in slot {slot}; the block's transactions are slots 1 to {last} (the block start and end slots are not stepped yet)"
    )]
    Slot {
        /// The position asked for.
        position: u64,
        /// Its slot.
        slot: u64,
        /// The last transaction's slot.
        last: u64,
    },
    /// Replaying the transactions before the position's failed.
    #[error("replaying the block's transactions before slot {slot}")]
    Replay {
        /// The slot asked for.
        slot: u64,
        /// Why.
        #[source]
        source: ExecutionError,
    },
    /// Tracing a transaction failed.
    #[error("tracing the transaction of slot {slot}")]
    Trace {
        /// Its slot.
        slot: u64,
        /// Why.
        #[source]
        source: TraceError,
    },
    /// The position's transaction was not traced as far as the position: it needs a part of
    /// the stepper not built yet.
    #[error("the transaction of slot {slot} is traced only part of the way ({skip:?})")]
    Skipped {
        /// Its slot.
        slot: u64,
        /// Why.
        skip: Skip,
    },
    /// The position's transaction has no steps (no block holds it).
    #[error("transaction {index} of the block is invalid: {reason}")]
    Invalid {
        /// Its index.
        index: u64,
        /// Why revm refuses it.
        reason: String,
    },
}

/// The step at `position` of the block's trace (docs/dispute/block.md): its witness, the
/// machine before it included, and the machine after it. The transactions before the
/// position's run on revm untraced; the position's transaction is traced up to the step. A
/// position past the transaction's last step holds its final machine, `Done`, which a step
/// leaves as it is.
pub fn step_at(input: &BlockInput, position: u64) -> Result<Step, BlockError> {
    let (slot, index) = (position / SLOT_STEPS, position % SLOT_STEPS);
    let count = (input.deposits.len() + input.txs.len()) as u64;
    if slot == 0 || slot > count {
        return Err(BlockError::Slot { position, slot, last: count });
    }
    let mut world = parent_world(input);
    let tx = slot - 1;
    let (changes, cumulative_gas) = replay(&world, input, tx).map_err(|source| BlockError::Replay { slot, source })?;
    world.apply(&changes);
    let (env, rules) = transactions(input).nth(tx as usize).expect("the slot holds a transaction");
    let tx_input = slot_input(&world, input, env, rules, cumulative_gas);
    let (mut found, mut last) = (None, None);
    let traced = trace_transaction(tx_input, |step| {
        if step.index == index {
            found = Some(step);
            return ControlFlow::Break(());
        }
        last = Some(step.post);
        ControlFlow::Continue(())
    })
    .map_err(|source| BlockError::Trace { slot, source })?;
    if let Some(step) = found {
        return Ok(step);
    }
    if let Some(skip) = traced.skip.filter(|_| last.is_some()) {
        return Err(BlockError::Skipped { slot, skip });
    }
    let done = last.ok_or_else(|| BlockError::Invalid {
        index: tx,
        reason: traced.executed.invalid.clone().unwrap_or_else(|| "no steps".into()),
    })?;
    Ok(Step { index, opcode: None, witness: phases::bare(done.clone()), post: done })
}

/// Traces every transaction of `input` on the state the block start and the transactions
/// before it leave, and gives the stepper the steps `positions` names (each transaction stops
/// at its first disagreement; the others still run).
pub fn check_block(
    input: BlockInput,
    stepper: &mut OnChainStepper,
    positions: Positions,
) -> Result<BlockChecked, BlockError> {
    let mut world = parent_world(&input);
    world.apply(&block_start_changes(&world, &input.attrs));
    let mut slots = Vec::new();
    let mut cumulative_gas = 0;
    for (index, (tx, rules)) in transactions(&input).enumerate() {
        let slot = 1 + index as u64;
        let input = slot_input(&world, &input, tx, rules, cumulative_gas);
        let (checked, traced) = match positions {
            Positions::All => check_transaction(input, stepper, |_| true),
            Positions::Sample(n) => check_transaction(input, stepper, |step| step.index % n.max(1) == 0),
        }
        .map_err(|source| BlockError::Trace { slot, source })?;
        world.apply(&traced.changes);
        cumulative_gas += traced.executed.gas_used;
        slots.push(SlotChecked { slot, checked, executed: traced.executed });
    }
    Ok(BlockChecked { slots, world })
}

/// The parent's state `input` holds, with the block hashes BLOCKHASH reads.
fn parent_world(input: &BlockInput) -> WorldState {
    let mut world = world_of(&input.pre, input.trie.clone());
    for &(number, hash) in &input.block_hashes {
        world.record_block_hash(number, hash);
    }
    world
}

/// The block's transactions as the tracer runs them, deposits first, with their rules.
fn transactions(input: &BlockInput) -> impl Iterator<Item = (TxEnv, Rules)> + '_ {
    let fees = Fees::L2(input.attrs.l1);
    let deposits =
        input.deposits.iter().map(move |deposit| (deposit_env(deposit), Rules { fees, deposit: Some(deposit.mint) }));
    deposits.chain(input.txs.iter().map(move |tx| (tx_env(tx), Rules::signed(fees))))
}

/// The tracer's input for a transaction of the block on `world`, after the ones before it
/// used `cumulative_gas`.
fn slot_input(world: &WorldState, input: &BlockInput, tx: TxEnv, rules: Rules, cumulative_gas: u64) -> TxInput {
    let (cfg, block) = evm_env(input.chain_id, &input.attrs);
    TxInput {
        pre: world.to_diff(),
        trie: Some(world.trie().clone()),
        block_hashes: input.block_hashes.clone(),
        cfg,
        block,
        tx,
        rules,
        cumulative_gas,
    }
}

/// The block start's and the first `count` transactions' changes to `parent` (run on revm
/// as the state-transition function runs them), and the gas those transactions used.
fn replay(parent: &WorldState, input: &BlockInput, count: u64) -> Result<(StateDiff, u64), ExecutionError> {
    let mut replay = BlockReplay::new(parent, input.chain_id, input.attrs.clone());
    let deposits = input.deposits.iter().map(BlockTx::Deposit);
    let mut gas = 0;
    for tx in deposits.chain(input.txs.iter().map(BlockTx::User)).take(count as usize) {
        let limit = match tx {
            BlockTx::Deposit(deposit) => deposit.gas_limit,
            BlockTx::User(_) => 0,
        };
        let replayed = replay.run(tx, NoOpInspector)?;
        gas += match &replayed.outcome {
            Ok(executed) => TxOutcome::from(executed.result.clone()).gas_used,
            // A deposit revm refuses uses its whole gas limit.
            Err(_) => limit,
        };
        replay.commit(replayed);
    }
    Ok((replay.finish(), gas))
}

/// The transaction revm runs for `deposit` (its mint, fees and checks are the rules').
fn deposit_env(deposit: &TxDeposit) -> TxEnv {
    TxEnv {
        caller: deposit.from,
        kind: deposit.to,
        value: deposit.value,
        gas_limit: deposit.gas_limit,
        data: deposit.input.clone(),
        ..Default::default()
    }
}
