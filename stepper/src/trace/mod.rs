//! The tracer: runs a state test's transaction on revm with an inspector that keeps its own
//! copy of the machine (world tries, frame buffers, stack hashes) in step with the
//! interpreter, and hands out every step as the machine before it, the witness the on-chain
//! stepper needs and the machine after it. Steps stream through a callback, so the trace is
//! never stored: the dispute game asks for a few positions of it.
//!
//! Built so far (issues #23, #24): a transaction that calls an account or creates one, from
//! `TxStart` to `Done`, through calls, precompiles and creations and back, SELFDESTRUCT
//! included. Tracing stops at what is not built yet ([`Skip`]).

mod context;
mod frame;
pub(crate) mod phases;
mod precompile;
mod witness;
mod world;

use crate::sponge::{RATE, Sponge};
use crate::{
    ExecuteError, Executed,
    commitment::{Call, Frame, Machine, Micro, Outcome, Phase, Witness, World},
    execute::{Prepared, TxInput, changes, invalid},
    fixtures::TestUnit,
};
use alloy_primitives::{B256, U256, keccak256};
use context::ContextData;
pub use context::{Fees, Rules};
use frame::{FrameMirror, Window};
use phases::Transaction;
use revm::{
    Context, InspectEvm, Inspector, MainBuilder, MainContext,
    context::{ContextTr, JournalTr, result::EVMError},
    interpreter::{
        CallInputs, CallOutcome, CreateInputs, CreateOutcome, Interpreter,
        interpreter::EthInterpreter,
        interpreter_types::{Jumps, RuntimeFlag},
    },
    state::EvmState,
};
use rollup_core::{
    StateOverlay,
    fees::{BASE_FEE_VAULT, L1_FEE_VAULT},
};
use std::ops::ControlFlow;
use witness::Before;
use world::{Effect, WorldMirror};

/// One step: the witness (whose `machine` is the state before it) and the machine after it.
#[derive(Clone, Debug)]
pub struct Step {
    /// The step's index in the transaction.
    pub index: u64,
    /// The instruction's opcode, for a `Run` step.
    pub opcode: Option<u8>,
    /// What the on-chain stepper reads, the machine before the step included.
    pub witness: Witness,
    /// The machine after the step.
    pub post: Machine,
}

/// Why a transaction's steps were not (all) traced: a part of the stepper not built yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Skip {
    /// The transaction is invalid: no block holds it, so it has no steps.
    Invalid,
    /// It runs SHA-256 or RIPEMD-160 over more input than one step takes (256 KiB).
    Precompile,
}

/// What tracing a transaction found.
#[derive(Clone, Debug)]
pub struct Traced {
    /// Steps handed to the callback.
    pub steps: u64,
    /// Why tracing stopped early, if it did.
    pub skip: Option<Skip>,
    /// revm's own result.
    pub executed: Executed,
    /// The changes the transaction made to its pre-state (none for an invalid one).
    pub changes: rollup_core::StateDiff,
}

impl Traced {
    /// A transaction no block holds: no steps, no changes.
    fn invalid(executed: Executed) -> Self {
        Self { steps: 0, skip: Some(Skip::Invalid), executed, changes: Default::default() }
    }
}

/// Why tracing failed.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The transaction could not be set up or run.
    #[error(transparent)]
    Execute(#[from] ExecuteError),
    /// The tracer's chain of the transaction's logs is not revm's: a tracer bug.
    #[error("the tracer's logs hash {traced} differs from revm's {revm}")]
    LogsDiverged {
        /// The tracer's chain.
        traced: B256,
        /// The chain of revm's logs.
        revm: B256,
    },
    /// The tracer lost track of revm's frames: a tracer bug.
    #[error("the tracer lost track of revm: {0}")]
    Lost(&'static str),
    /// The tracer's copy of the world and revm's disagree after the frame: a tracer bug.
    #[error("the tracer's state root {traced} differs from revm's {revm} after the frame")]
    Diverged {
        /// The tracer's root.
        traced: B256,
        /// revm's.
        revm: B256,
    },
}

/// Traces the transaction `unit` names under the L2's rules and `rules`, handing each step to
/// `on_step` (which may stop the trace with `ControlFlow::Break`).
pub fn trace(
    unit: &TestUnit<'_>,
    rules: Rules,
    on_step: impl FnMut(Step) -> ControlFlow<()>,
) -> Result<Traced, TraceError> {
    match Prepared::new(unit, rollup_core::SPEC)? {
        Ok(prepared) => trace_prepared(prepared.under_l2_rules(), rules, on_step),
        Err(executed) => Ok(Traced::invalid(executed)),
    }
}

/// Traces the transaction `input` describes (one of an L2 block's), handing each step to
/// `on_step` (which may stop the trace with `ControlFlow::Break`).
pub fn trace_transaction(input: TxInput, on_step: impl FnMut(Step) -> ControlFlow<()>) -> Result<Traced, TraceError> {
    let rules = input.rules;
    let mut prepared = Prepared::of(input);
    match prepared.unencodable() {
        Some(executed) => Ok(Traced::invalid(executed)),
        None => trace_prepared(prepared, rules, on_step),
    }
}

fn trace_prepared(
    mut prepared: Prepared,
    rules: Rules,
    mut on_step: impl FnMut(Step) -> ControlFlow<()>,
) -> Result<Traced, TraceError> {
    let pre_root = prepared.world.state_root();
    let pre_trie = prepared.world.trie().clone();
    // A deposit's context names its sender's nonce, which no field of it holds.
    let mut nonce = prepared.tx.nonce;
    if let Some(mint) = rules.deposit {
        let sender = prepared.pre.accounts.get(&prepared.tx.caller).and_then(|account| account.info);
        nonce = sender.map_or(0, |info| info.nonce);
        prepared = prepared.into_deposit(mint);
    }
    let codes = prepared.pre.codes.iter().map(|(hash, code)| (*hash, code.clone())).collect();
    let authorizations = phases::authorizations(&prepared.tx)?;
    let context = ContextData::new(&prepared, rules, nonce, &authorizations, codes)?;
    let l1_fee = context.l1_fee;
    // The code the transaction's frame runs when it creates: its data (a call runs its
    // recipient's, read when the frame starts, after the authorizations).
    let code = if prepared.tx.kind.is_create() { prepared.tx.data.clone() } else { Default::default() };
    let tx = Transaction {
        data: prepared.tx.data.clone(),
        access_list: phases::access_list(&prepared.tx.access_list),
        authorizations,
    };
    let mut world = WorldMirror::new(pre_trie, prepared.cumulative_gas);
    let pre = world.clone();
    let start = world.world();
    let machine = Machine {
        phase: Phase::TxStart,
        context: context.commitment,
        world: start.commitment(),
        frame: B256::ZERO,
        callStack: B256::ZERO,
        micro: B256::ZERO,
    };
    let start_world = start.clone();
    let mut witness = phases::base(machine, start, &context.context, &tx);
    phases::tx_start(&mut witness, &mut world, &context);
    let tracer = Tracer {
        on_step: &mut on_step,
        pre,
        world,
        frames: Vec::new(),
        calls: Vec::new(),
        links: Vec::new(),
        call_site: None,
        code,
        tx,
        context,
        checkpoint: None,
        pending: Some(Pending::of(witness)),
        steps: 0,
        running: true,
        skip: None,
        end_gas: 0,
        end_output: Default::default(),
        diverged: None,
        lost: None,
        end: None,
    };
    let (cfg, block, tx) = (prepared.cfg.clone(), prepared.block.clone(), prepared.tx.clone());
    let gas_limit = tx.gas_limit;
    let mut evm = Context::mainnet()
        .with_cfg(cfg)
        .with_block(block)
        .with_db(StateOverlay::new(&prepared.world))
        .build_mainnet_with_inspector(tracer);
    let result = match (rules.fees, rules.deposit) {
        (Fees::L2(_), None) => rollup_core::inspect_with_fees(&mut evm, tx, l1_fee),
        _ => evm.inspect_tx(tx),
    };
    let executed = match result {
        Ok(executed) => executed,
        Err(EVMError::Transaction(_)) if rules.deposit.is_some() => {
            let mut tracer = evm.inspector;
            return Ok(tracer.refuse(&mut prepared.world, start_world, gas_limit));
        }
        Err(EVMError::Transaction(reason)) => return Ok(Traced::invalid(invalid(pre_root, reason.to_string()))),
        Err(other) => return Err(ExecuteError::Evm(other.to_string()).into()),
    };
    let overlay = std::mem::replace(&mut evm.ctx.journaled_state.database, StateOverlay::new(&prepared.world));
    let mut tracer = evm.inspector;
    if let Some((traced, revm)) = tracer.diverged {
        return Err(TraceError::Diverged { traced, revm });
    }
    if let Some(what) = tracer.lost {
        return Err(TraceError::Lost(what));
    }
    let status = match &executed.result {
        revm::context::result::ExecutionResult::Success { .. } => Outcome::SUCCEEDED,
        revm::context::result::ExecutionResult::Revert { .. } => Outcome::REVERTED,
        revm::context::result::ExecutionResult::Halt { .. } => Outcome::HALTED,
    };
    let diff = changes(overlay, executed.state);
    let state_root = prepared.world.apply(&diff);
    tracer.finish(status);
    if let Some((_, world, _)) = &tracer.end {
        // The logs the tracer chained must be revm's.
        let revm = executed.result.logs().iter().fold(B256::ZERO, |chain, log| {
            keccak256([chain.as_slice(), keccak256(alloy::rlp::encode(log)).as_slice()].concat())
        });
        if world.logsHash != revm {
            return Err(TraceError::LogsDiverged { traced: world.logsHash, revm });
        }
    }
    tracer.close(state_root, executed.result.tx_gas_used());
    let executed = Executed::of(state_root, &executed.result);
    Ok(Traced { steps: tracer.steps, skip: tracer.skip, executed, changes: diff })
}

/// Bytes KECCAK256 hashes per step (`KeccakSteps.CHUNK`: 8 blocks).
const HASH_CHUNK: usize = 8 * RATE;
/// The micro-step kind of KECCAK256.
const HASH_MICRO: u8 = 1;
/// The micro-step kind of a log.
const LOG_MICRO: u8 = 3;
/// Bytes a copy moves per step (`CopySteps.CHUNK`).
const COPY_CHUNK: usize = 1024;
/// The micro-step kind of a copy into memory.
const COPY_MICRO: u8 = 2;
/// The micro-step kinds of a creation: hashing its init code, and its deposited code.
const INIT_MICRO: u8 = 5;
const DEPOSIT_MICRO: u8 = 6;

/// Absorbs the whole chunk of `tree` at `offset` into `sponge` and moves past it: the
/// micro-step of `kind` that goes on from there (`a` the next offset, `b` the bytes left).
fn next_chunk(kind: u8, sponge: &mut Sponge, tree: &crate::BufferTree, offset: &mut usize, left: &mut usize) -> Micro {
    for block in tree.bytes(*offset, HASH_CHUNK).chunks(RATE) {
        sponge.absorb(block);
    }
    (*offset, *left) = (*offset + HASH_CHUNK, *left - HASH_CHUNK);
    Micro { kind, a: U256::from(*offset), b: U256::from(*left), sponge: sponge.commitment(), ..Default::default() }
}

/// The precompiles of the L2's fork (Osaka): 0x01–0x11 and P256VERIFY at 0x100.
pub(crate) fn is_precompile(address: alloy_primitives::Address) -> bool {
    let n = U256::from_be_slice(address.as_slice());
    (n >= U256::from(1) && n <= U256::from(0x11)) || n == U256::from(0x100)
}

/// Whether `code` is an EIP-7702 delegation (`0xef0100 ‖ address`).
fn is_delegation(code: &[u8]) -> bool {
    code.len() == 23 && code.starts_with(&[0xef, 0x01, 0x00])
}

/// Whether `op` is CALL, CALLCODE, DELEGATECALL or STATICCALL.
fn is_call(op: u8) -> bool {
    matches!(op, 0xf1 | 0xf2 | 0xf4 | 0xfa)
}

/// The outcome status of revm's instruction result.
fn status_of(result: revm::interpreter::InstructionResult) -> u8 {
    if result.is_ok() {
        Outcome::SUCCEEDED
    } else if result.is_revert() {
        Outcome::REVERTED
    } else {
        Outcome::HALTED
    }
}

/// Whether `op` is CREATE or CREATE2.
fn is_create(op: u8) -> bool {
    matches!(op, 0xf0 | 0xf5)
}

/// The step waiting for the machine after it.
struct Pending {
    witness: Witness,
    opcode: Option<u8>,
    effect: Effect,
    written: Option<std::ops::Range<usize>>,
    /// KECCAK256's memory range: its micro-steps are built once the hash is known to run.
    hashed: Option<std::ops::Range<usize>>,
    /// A copy into memory: its micro-steps likewise.
    copied: Option<witness::CopyJob>,
    /// A log: its micro-steps likewise.
    logged: Option<witness::LogJob>,
    /// A creation's init code in memory: its micro-steps are built when revm creates.
    creating: Option<std::ops::Range<usize>>,
}

impl Pending {
    /// A step outside `Run` (or a micro-step): no effect on the world, nothing deferred.
    fn of(witness: Witness) -> Self {
        Self {
            witness,
            opcode: None,
            effect: Effect::None,
            written: None,
            hashed: None,
            copied: None,
            logged: None,
            creating: None,
        }
    }
}

/// A frame being entered: its caller suspended under `link`, the callee's frame before
/// `FrameSetup` with its code and calldata.
struct Entry {
    caller: Frame,
    link: Call,
    callee: Frame,
    code: alloy_primitives::Bytes,
    calldata: Window,
    /// The precompile the callee runs, if it does.
    precompile: Option<alloy_primitives::Address>,
}

/// A callee's frame before `FrameSetup`: `code` to run on `calldata` with `gas`, at `depth`.
fn callee_frame(
    account: alloy_primitives::Address,
    caller: alloy_primitives::Address,
    value: U256,
    code: &[u8],
    gas: u64,
    calldata: &Window,
    depth: usize,
) -> Frame {
    Frame {
        account,
        caller,
        value,
        codeHash: keccak256(code),
        gas: U256::from(gas),
        memoryRoot: crate::BufferTree::empty_root(),
        calldataRoot: calldata.tree.root(),
        calldataOffset: U256::from(calldata.offset),
        calldataLength: U256::from(calldata.len),
        returnDataRoot: crate::BufferTree::empty_root(),
        depth: U256::from(depth),
        ..Default::default()
    }
}

/// A suspended caller: its call-stack link, the frame the link commits to, and the world at
/// its callee's checkpoint (what a failed callee leaves).
struct Suspended {
    link: Call,
    frame: Frame,
    checkpoint: WorldMirror,
}

/// The inspector.
struct Tracer<'a, F> {
    on_step: &'a mut F,
    /// The world before the transaction, to rebuild revm's state from its journal.
    pre: WorldMirror,
    world: WorldMirror,
    /// The frames entered and not yet ended, the transaction's first; the last one runs.
    frames: Vec<FrameMirror>,
    /// For each call revm has begun and not ended: whether the tracer entered its frame (a
    /// call that fails at once, too deep or short of value, has none).
    calls: Vec<bool>,
    /// The suspended callers, bottom first: the call stack.
    links: Vec<Suspended>,
    /// The caller as the last call instruction left it (operands popped, gas given).
    call_site: Option<Frame>,
    /// The recipient's code, the calldata and the access list.
    code: alloy_primitives::Bytes,
    tx: Transaction,
    context: ContextData,
    /// The world at the top frame's checkpoint (before its value transfer).
    checkpoint: Option<World>,
    pending: Option<Pending>,
    steps: u64,
    running: bool,
    skip: Option<Skip>,
    /// Gas left when the top frame ended, and its output.
    end_gas: u64,
    end_output: alloy_primitives::Bytes,
    diverged: Option<(B256, B256)>,
    /// What the tracer lost track of, if it did.
    lost: Option<&'static str>,
    /// The machine, world and outcome at `TxEnd`.
    end: Option<(Machine, World, Outcome)>,
}

impl<F: FnMut(Step) -> ControlFlow<()>> Tracer<'_, F> {
    /// The running frame.
    fn current(&self) -> &FrameMirror {
        self.frames.last().expect("a frame runs")
    }

    /// Stops tracing: the tracer lost track of revm (a tracer bug, reported by `trace`).
    fn lose(&mut self, what: &'static str) -> bool {
        self.lost.get_or_insert(what);
        self.running = false;
        false
    }

    /// The call stack's commitment.
    fn call_stack(&self) -> B256 {
        self.links.last().map_or(B256::ZERO, |suspended| suspended.link.commitment())
    }

    /// Hands the pending step out with the machine after it.
    fn emit(&mut self, post: Machine) {
        let Some(pending) = self.pending.take() else { return };
        self.emit_step(pending.witness, pending.opcode, post);
    }

    /// Emits the pending KECCAK256 of memory `range` as its instruction step and micro-steps,
    /// the last leading to `post` (whose frame `post_frame` holds the hash on its stack).
    fn hash_steps(&mut self, post: Machine, post_frame: &Frame, world: &World, range: std::ops::Range<usize>) {
        let Some(pending) = self.pending.take() else { return };
        let mut frame = post_frame.clone();
        frame.stackLength -= U256::from(1);
        frame.stackHash = self.current().stack_below(1);
        let (mut witness, mut offset, mut left, mut sponge) =
            (pending.witness, range.start, range.len(), Sponge::default());
        loop {
            let n = left.min(HASH_CHUNK);
            witness::buffer_words(&mut witness, &self.current().memory, offset, n);
            if left <= HASH_CHUNK {
                self.emit_step(witness, pending.opcode, post);
                return;
            }
            let micro = next_chunk(HASH_MICRO, &mut sponge, &self.current().memory, &mut offset, &mut left);
            let next = Machine { frame: frame.commitment(), micro: micro.commitment(), ..post.clone() };
            self.emit_step(witness, pending.opcode, next.clone());
            if !self.running {
                return;
            }
            witness = self.micro_witness(next, world, &frame, micro, &sponge);
        }
    }

    /// Emits the pending copy as its starting step and micro-steps, the last leading to
    /// `post`. The starting step copies the first chunk, unless the job is deferred (`Return`).
    fn copy_steps(&mut self, post: Machine, post_frame: &Frame, world: &World, job: witness::CopyJob) {
        let Some(pending) = self.pending.take() else { return };
        let source_root = job.source.root();
        let (mut witness, mut memory) = (pending.witness, job.memory);
        let (mut src, mut dst, mut left, mut copying) = (job.src, job.dst, job.size, !job.deferred);
        loop {
            let n = if copying { left.min(COPY_CHUNK) } else { 0 };
            if n != 0 {
                witness::copy_words(&mut witness, &job.source, job.end, &mut memory, src, dst, n);
            }
            if copying && left <= COPY_CHUNK {
                self.emit_step(witness, pending.opcode, post);
                return;
            }
            (src, dst, left, copying) = (src + n, dst + n, left - n, true);
            let micro = Micro {
                kind: COPY_MICRO,
                a: U256::from(src),
                b: U256::from(dst),
                c: U256::from(left),
                d: source_root,
                sponge: B256::from(U256::from(job.end)),
            };
            let frame = Frame { memoryRoot: memory.root(), ..post_frame.clone() };
            let next = Machine { frame: frame.commitment(), micro: micro.commitment(), ..post.clone() };
            self.emit_step(witness, pending.opcode, next.clone());
            if !self.running {
                return;
            }
            witness = phases::base(next, world.clone(), &self.context.context, &Transaction::default());
            witness.frame = frame;
            witness.micro = micro;
        }
    }

    /// Emits the pending log as its instruction step and micro-steps hashing its encoding, the
    /// last leading to `post`.
    fn log_steps(&mut self, post: Machine, frame: &Frame, world: &World, log: witness::LogJob) {
        let witness::LogJob { offset, size: data_len, rlp } = log;
        let Some(pending) = self.pending.take() else { return };
        let total = rlp.len();
        let (mut witness, chunk) = (pending.witness, witness::LOG_CHUNK);
        if total <= chunk {
            self.emit_step(witness, pending.opcode, post);
            return;
        }
        // Until the last step the log is in the bloom but not yet in the chain.
        let before =
            World { logsHash: witness.world.logsHash, logsRlpLength: witness.world.logsRlpLength, ..world.clone() };
        let mut sponge = Sponge::default();
        for block in rlp[..chunk].chunks(RATE) {
            sponge.absorb(block);
        }
        let prefix = total - data_len;
        let (mut a, mut b, mut position) = (offset + chunk - prefix, data_len - (chunk - prefix), chunk);
        loop {
            let micro = Micro {
                kind: LOG_MICRO,
                a: U256::from(a),
                b: U256::from(b),
                c: U256::from(total),
                sponge: sponge.commitment(),
                ..Default::default()
            };
            let next = Machine { world: before.commitment(), micro: micro.commitment(), ..post.clone() };
            self.emit_step(witness, pending.opcode, next.clone());
            if !self.running {
                return;
            }
            witness = self.micro_witness(next, &before, frame, micro, &sponge);
            witness::buffer_words(&mut witness, &self.current().memory, a, b.min(chunk));
            if b <= chunk {
                self.emit_step(witness, pending.opcode, post);
                return;
            }
            for block in rlp[position..position + chunk].chunks(RATE) {
                sponge.absorb(block);
            }
            (a, b, position) = (a + chunk, b - chunk, position + chunk);
        }
    }

    /// The witness of a micro-step going on from `machine`: its world, the frame it runs in,
    /// the micro-step and the sponge it carries.
    fn micro_witness(&self, machine: Machine, world: &World, frame: &Frame, micro: Micro, sponge: &Sponge) -> Witness {
        let mut witness = phases::base(machine, world.clone(), &self.context.context, &Transaction::default());
        witness.frame = frame.clone();
        witness.micro = micro;
        witness.sponge = sponge.words();
        witness
    }

    /// Hands out one step.
    fn emit_step(&mut self, witness: Witness, opcode: Option<u8>, post: Machine) {
        let step = Step { index: self.steps, opcode, witness, post };
        self.steps += 1;
        if (self.on_step)(step).is_break() {
            self.running = false;
        }
    }

    /// Applies the pending step's effect to the world.
    fn apply_pending(&mut self) {
        if let (Some(pending), Some(frame)) = (&self.pending, self.frames.last()) {
            self.world.apply(frame.account, pending.effect.clone());
        }
    }

    /// What the frame `frame` returns when the pending step ends it with `status`: the window
    /// of its memory a RETURN or REVERT names, else nothing.
    fn returned(&self, frame: &FrameMirror, status: u8) -> Window {
        match &self.pending {
            Some(pending)
                if status != Outcome::HALTED
                    && matches!(pending.opcode, Some(0xf3 | 0xfd))
                    && pending.witness.stack.len() == 2 =>
            {
                let size = pending.witness.stack[1].saturating_to::<usize>();
                Window::new(&frame.memory, pending.witness.stack[0].saturating_to(), size)
            }
            _ => Window::of(&[]),
        }
    }

    /// Emits `TxStart` (pending), the `AccessList` steps (the access list, then the
    /// authorizations), and prepares `FrameSetup` for `frame`, once revm enters the
    /// transaction's frame; `journal` is revm's state then.
    fn setup(&mut self, frame: Frame, journal: &EvmState) {
        let frame_commitment = frame.commitment();
        let context = self.context.commitment;
        let machine = move |phase, world: &World, micro: Option<Micro>| Machine {
            phase,
            context,
            world: world.commitment(),
            frame: frame_commitment,
            callStack: B256::ZERO,
            micro: micro.map_or(B256::ZERO, |micro| micro.commitment()),
        };
        let mut items: Vec<phases::PreExecution> = self
            .tx
            .access_list
            .iter()
            .enumerate()
            .flat_map(|(entry, access)| {
                (0..=access.keys.len()).map(move |item| phases::PreExecution::Access(entry, item))
            })
            .collect();
        items.extend((0..self.tx.authorizations.len()).map(phases::PreExecution::Authorization));
        let mut world = self.world.world();
        let first = items.first().map(phases::PreExecution::micro);
        let mut current =
            machine(if first.is_some() { Phase::AccessList } else { Phase::FrameSetup }, &world, first.clone());
        self.emit(current.clone());
        for (position, item) in items.iter().enumerate() {
            let mut witness = phases::base(current.clone(), world.clone(), &self.context.context, &self.tx);
            witness.micro = item.micro();
            match *item {
                phases::PreExecution::Access(entry, key) => {
                    witness.tries = vec![phases::access_item(&mut self.world, &self.tx.access_list[entry], key)];
                }
                phases::PreExecution::Authorization(index) => {
                    let authorization = &self.tx.authorizations[index];
                    phases::authorize(&mut witness, &mut self.world, &mut self.context, authorization);
                }
            }
            world = self.world.world();
            let next = items.get(position + 1).map(phases::PreExecution::micro);
            current = machine(if next.is_some() { Phase::AccessList } else { Phase::FrameSetup }, &world, next);
            self.pending = Some(Pending::of(witness));
            self.emit(current.clone());
        }
        if !self.tx.authorizations.is_empty() {
            // The authorizations as revm applied them: nothing else may differ.
            let mirrored = world.stateRoot;
            self.world.sync(journal);
            let revm = self.world.world().stateRoot;
            if mirrored != revm {
                self.diverged = Some((mirrored, revm));
                self.running = false;
            }
        }
        if !self.running {
            return;
        }
        if !frame.isCreate && !is_precompile(frame.account) {
            // The recipient's code as the authorizations left it.
            self.code = self.world.code(&self.context, frame.account);
        }
        let delegated = !frame.isCreate && !is_precompile(frame.account) && is_delegation(&self.code);
        let delegate = delegated.then(|| alloy_primitives::Address::from_slice(&self.code[3..]));
        if let Some(delegate) = delegate {
            // EIP-7702: the recipient runs its delegate's code.
            self.code = self.world.code(&self.context, delegate);
        }
        let mut witness = phases::base(current, world, &self.context.context, &self.tx);
        phases::frame_setup(&mut witness, &mut self.world, &frame, self.code.clone());
        if let Some(delegate) = delegate {
            // revm warms the delegate as it loads it, before the frame's checkpoint.
            witness.words = vec![delegate.into_word()];
            let proofs = [self.world.account_with_code_hash(delegate).0, self.world.warm_account_proof(delegate)];
            witness.tries.extend(proofs);
            self.world.apply(frame.account, witness::warm_effect(&self.context, &[delegate]));
        }
        self.world.mark_start();
        let checkpoint = self.world.world();
        let precompile = is_precompile(frame.account).then(|| {
            let mut after = self.world.clone();
            after.transfer(frame.caller, frame.account, frame.value);
            precompile::Precompiled { address: frame.account, after_setup: after.world() }
        });
        let calldata = if frame.isCreate { Window::of(&[]) } else { Window::of(&self.tx.data) };
        let mut mirror = FrameMirror::new(
            frame.account,
            frame.caller,
            frame.value,
            self.code.clone(),
            calldata,
            checkpoint.commitment(),
            0,
        );
        mirror.is_create = frame.isCreate;
        mirror.precompile = precompile;
        // The authorizations' refund stays whatever the frame does.
        mirror.refund_base = i64::try_from(checkpoint.refund).unwrap_or_default();
        witness.frame = frame;
        self.frames.push(mirror);
        self.checkpoint = Some(checkpoint);
        self.pending = Some(Pending::of(witness));
    }

    /// Enters the frame of the call `inputs` the pending call instruction makes: emits that
    /// step (to `FrameSetup`) and prepares `FrameSetup`. False when the call fails before its
    /// frame starts (too deep, or short of the value it sends): its step then ends at the
    /// caller's next instruction like any other.
    fn enter(&mut self, journal: &EvmState, inputs: &CallInputs) -> bool {
        let Some(caller) = self.call_site.take() else { return self.lose("a call without its caller's state") };
        let depth = self.frames.len();
        let value = inputs.transfer_value().unwrap_or_default();
        let balance = journal.get(&inputs.caller).map_or(U256::ZERO, |account| account.info.balance);
        if depth > CALL_DEPTH_LIMIT || (!value.is_zero() && balance < value) {
            return false;
        }
        let Some(mut pending) = self.pending.take() else { return self.lose("a call without its step") };
        let op = pending.opcode.unwrap_or_default();
        // The call's warming is done: the callee's checkpoint comes after it.
        self.world.apply(caller.account, std::mem::replace(&mut pending.effect, Effect::None));
        let operands = &pending.witness.stack;
        let io = if op == 0xf1 || op == 0xf2 { 3 } else { 2 };
        let (in_size, out_size) = (operands[io + 1].to::<usize>(), operands[io + 3]);
        let calldata = Window::new(&self.current().memory, operands[io].saturating_to(), in_size);
        let link = Call {
            kind: if op == 0xf4 { Call::DELEGATE } else { Call::TRANSFER },
            frame: caller.commitment(),
            account: alloy_primitives::Address::ZERO,
            returnOffset: if out_size.is_zero() { U256::ZERO } else { operands[io + 2] },
            returnSize: out_size,
            below: self.call_stack(),
        };
        // A precompile runs instead of whatever code its account holds.
        let precompile = is_precompile(inputs.bytecode_address).then_some(inputs.bytecode_address);
        let code = if precompile.is_some() { Default::default() } else { inputs.known_bytecode.1.original_bytes() };
        let mut callee = callee_frame(
            inputs.target_address,
            inputs.caller,
            inputs.call_value(),
            &code,
            inputs.gas_limit,
            &calldata,
            depth,
        );
        callee.isStatic = inputs.is_static;
        if let Some(p) = precompile {
            callee.codeHash = precompile::code_hash(p);
        }
        let entry = Entry { caller, link, callee, code, calldata, precompile };
        let (world, post) = self.entering(&entry);
        self.pending = Some(pending);
        self.emit(post.clone());
        self.running && self.suspend(entry, post, world)
    }

    /// Enters the frame of the creation `inputs` the pending CREATE or CREATE2 makes: emits
    /// its step and the micro-steps hashing the init code, the last to `FrameSetup`, and
    /// prepares `FrameSetup`. False when the creation fails before its frame starts (too deep,
    /// short of value, an address in use): its last step then ends at the creator's next
    /// instruction.
    fn enter_create(&mut self, journal: &EvmState, inputs: &CreateInputs) -> bool {
        let Some(caller) = self.call_site.take() else { return self.lose("a creation without its creator's state") };
        let Some(range) = self.pending.as_mut().and_then(|pending| pending.creating.take()) else {
            return self.lose("a creation without its init code");
        };
        let pending = self.pending.take().expect("checked above");
        let op = pending.opcode.unwrap_or_default();
        let depth = self.frames.len();
        let (creator, value) = (caller.account, inputs.value());
        let (balance, nonce) = journal.get(&creator).map_or((U256::ZERO, 0), |a| (a.info.balance, a.info.nonce));
        let mut tries = vec![self.world.account_with_code_hash(creator).0, Vec::new(), Vec::new()];
        let mut created = None;
        // A nonce at its limit (EIP-2681) fails the creation like depth and balance do.
        if depth <= CALL_DEPTH_LIMIT && balance >= value && nonce < u64::MAX {
            // The nonce's bump and the new address's warming stay even when the address is in use.
            self.world.update_account(creator, |info| info.nonce += 1);
            let address = inputs.created_address(nonce);
            tries[1] = self.world.warm_account_proof(address);
            self.world.apply(creator, witness::warm_effect(&self.context, &[address]));
            tries[2] = self.world.account_with_code_hash(address).0;
            let taken =
                self.world.state(false).account(address).is_some_and(|account| {
                    account.nonce != 0 || account.code_hash != alloy_primitives::KECCAK256_EMPTY
                });
            created = (!taken).then_some(address);
        }
        // The creator as the micro-steps see it: pc and gas moved on, the operands still on.
        let running = Frame {
            stackLength: pending.witness.frame.stackLength,
            stackHash: pending.witness.frame.stackHash,
            ..caller.clone()
        };
        let gas = inputs.gas_limit();
        let Some(address) = created else {
            self.create_steps(pending.witness, op, range, gas, &running, tries, None);
            return false;
        };
        let code: alloy_primitives::Bytes = self.current().memory_bytes(range.start, range.len()).into();
        let link = Call {
            kind: Call::CREATE,
            frame: caller.commitment(),
            account: address,
            returnOffset: U256::ZERO,
            returnSize: U256::ZERO,
            below: self.call_stack(),
        };
        let mut callee = callee_frame(address, creator, value, &code, gas, &Window::of(&[]), depth);
        callee.isCreate = true;
        let entry = Entry { caller, link, callee, code, calldata: Window::of(&[]), precompile: None };
        let (world, post) = self.entering(&entry);
        self.create_steps(pending.witness, op, range, gas, &running, tries, Some(post.clone()));
        self.running && self.suspend(entry, post, world)
    }

    /// The world as it is and the machine entering `entry`'s callee (`FrameSetup`).
    fn entering(&mut self, entry: &Entry) -> (World, Machine) {
        let world = self.world.world();
        let post = Machine {
            phase: Phase::FrameSetup,
            context: self.context.commitment,
            world: world.commitment(),
            frame: entry.callee.commitment(),
            callStack: entry.link.commitment(),
            micro: B256::ZERO,
        };
        (world, post)
    }

    /// Prepares `FrameSetup` of `entry`'s callee from `post`, the machine entering it with
    /// `world`, and suspends its caller: the world as it is becomes the callee's checkpoint.
    fn suspend(&mut self, entry: Entry, post: Machine, world: World) -> bool {
        let Entry { caller, link, callee, code, calldata, precompile } = entry;
        let mut witness = phases::base(post, world.clone(), &self.context.context, &Transaction::default());
        if link.kind == Call::DELEGATE {
            // A DELEGATECALL moves no value: FrameSetup reads no account.
            witness.tries = vec![Vec::new(); 3];
            witness.data = code.clone();
        } else {
            phases::frame_setup(&mut witness, &mut self.world, &callee, code.clone());
        }
        let depth = callee.depth.to::<usize>();
        let mut mirror =
            FrameMirror::new(callee.account, callee.caller, callee.value, code, calldata, world.commitment(), depth);
        (mirror.is_static, mirror.is_create) = (callee.isStatic, callee.isCreate);
        mirror.refund_base = i64::try_from(world.refund).unwrap_or_default();
        mirror.precompile = precompile.map(|address| {
            let mut after = self.world.clone();
            if link.kind != Call::DELEGATE {
                after.transfer(callee.caller, callee.account, callee.value);
            }
            precompile::Precompiled { address, after_setup: after.world() }
        });
        witness.frame = callee;
        witness.call = link.clone();
        self.links.push(Suspended { link, frame: caller, checkpoint: self.world.clone() });
        self.frames.push(mirror);
        self.pending = Some(Pending::of(witness));
        true
    }

    /// Emits a creation's step and the micro-steps hashing its init code (memory `range`),
    /// the last leading to `post`, or left pending for the creator's next instruction when
    /// `post` is `None`. `running` is the creator's frame between them; `tries` the last step's.
    #[allow(clippy::too_many_arguments)]
    fn create_steps(
        &mut self,
        mut witness: Witness,
        op: u8,
        range: std::ops::Range<usize>,
        gas: u64,
        running: &Frame,
        tries: Vec<Vec<alloy_primitives::Bytes>>,
        post: Option<Machine>,
    ) {
        let (operands, below, world) = (witness.stack.clone(), witness.stackBelow, witness.world.clone());
        let (mut offset, mut left, mut sponge) = (range.start, range.len(), Sponge::default());
        loop {
            let n = left.min(HASH_CHUNK);
            witness::buffer_words(&mut witness, &self.current().memory, offset, n);
            if left <= HASH_CHUNK {
                witness.tries = tries;
                match post {
                    Some(post) => self.emit_step(witness, Some(op), post),
                    None => self.pending = Some(Pending { opcode: Some(op), ..Pending::of(witness) }),
                }
                return;
            }
            let micro = Micro {
                c: U256::from(gas),
                d: B256::from(U256::from(op)),
                ..next_chunk(INIT_MICRO, &mut sponge, &self.current().memory, &mut offset, &mut left)
            };
            let next = Machine {
                phase: Phase::Run,
                context: self.context.commitment,
                world: world.commitment(),
                frame: running.commitment(),
                callStack: self.call_stack(),
                micro: micro.commitment(),
            };
            self.emit_step(witness, Some(op), next.clone());
            if !self.running {
                return;
            }
            witness = self.micro_witness(next, &world, running, micro, &sponge);
            witness.stack.clone_from(&operands);
            witness.stackBelow = below;
        }
    }

    /// Emits the steps depositing the code a creation returned (the window `code`) into
    /// `created`, from `machine` (`Return` or `TxEnd`, holding `outcome`): the last writes the
    /// code's hash and leaves the outcome without return data. Returns the machine and outcome
    /// after them.
    fn deposit_steps(
        &mut self,
        machine: Machine,
        outcome: Outcome,
        code: &Window,
        created: alloy_primitives::Address,
        link: Option<&Call>,
    ) -> (Machine, Outcome) {
        let world = self.world.world();
        let base = |machine: Machine, context: &ContextData| {
            let mut witness = phases::base(machine, world.clone(), &context.context, &Transaction::default());
            witness.outcome = outcome.clone();
            if let Some(link) = link {
                witness.call = link.clone();
            }
            witness
        };
        let mut witness = base(machine.clone(), &self.context);
        let (mut offset, mut left, mut sponge) = (code.offset, code.len, Sponge::default());
        loop {
            let n = left.min(HASH_CHUNK);
            witness::buffer_words(&mut witness, &code.tree, offset, n);
            if left <= HASH_CHUNK {
                witness.tries = vec![self.world.account_with_code_hash(created).0];
                let bytes = code.tree.bytes(code.offset, code.len);
                let hash = keccak256(&bytes);
                self.world.update_account(created, |info| info.code_hash = hash);
                self.context.codes.insert(hash, bytes.into());
                let gas_left = outcome.gasLeft.saturating_to::<u64>();
                let done = Outcome::new(Outcome::SUCCEEDED, gas_left, B256::ZERO, 0, 0);
                let post = Machine {
                    world: self.world.world().commitment(),
                    frame: done.commitment(),
                    micro: B256::ZERO,
                    ..machine
                };
                self.emit_step(witness, None, post.clone());
                return (post, done);
            }
            let micro = next_chunk(DEPOSIT_MICRO, &mut sponge, &code.tree, &mut offset, &mut left);
            let next = Machine { micro: micro.commitment(), ..machine.clone() };
            self.emit_step(witness, None, next.clone());
            if !self.running {
                return (next, outcome);
            }
            witness = base(next, &self.context);
            witness.micro = micro;
            witness.sponge = sponge.words();
        }
    }

    /// The callee ended with revm's `result`: emits its last step (to `Return`), deposits the
    /// code a creation returned, and prepares the `Return` step, whose copy of the return data
    /// runs at the caller's next step.
    fn leave(&mut self, journal: &EvmState, result: &revm::interpreter::InterpreterResult) {
        let callee = self.frames.pop().expect("an entered frame");
        let Suspended { link, frame: caller_frame, checkpoint } = self.links.pop().expect("its caller");
        let status = status_of(result.result);
        let returned = self.returned_by(&callee, status, &result.output);
        if callee.precompile.is_some() && status != Outcome::SUCCEEDED {
            self.world = checkpoint;
        } else if !callee.started {
            // No code ran: the world as the value transfer left it.
            self.world.sync(journal);
        } else if status == Outcome::SUCCEEDED {
            if let Some(pending) = &self.pending {
                self.world.apply(callee.account, pending.effect.clone());
            }
        } else {
            self.world = checkpoint;
        }
        let end = Outcome::new(status, result.gas.remaining(), returned.tree.root(), returned.offset, returned.len);
        let mut post = Machine {
            phase: Phase::Return,
            context: self.context.commitment,
            world: self.world.world().commitment(),
            frame: end.commitment(),
            callStack: link.commitment(),
            micro: B256::ZERO,
        };
        self.end_frame(&callee, post.clone());
        let creates = link.kind == Call::CREATE && status == Outcome::SUCCEEDED;
        let mut end = end;
        if creates && returned.len != 0 && self.running {
            (post, end) = self.deposit_steps(post, end, &returned, link.account, Some(&link));
        }
        if !self.running {
            // The trace stopped (before the deposit, perhaps): nothing more to compare.
            return;
        }
        self.check_world(journal);
        let mut witness = phases::base(post, self.world.world(), &self.context.context, &Transaction::default());
        witness.outcome = end;
        witness.frame = caller_frame;
        witness.call = link.clone();
        let mut pending = Pending::of(witness);
        let size = link.returnSize.saturating_to::<usize>().min(returned.len);
        let caller = self.frames.last_mut().expect("the caller");
        if size != 0 {
            let dst = link.returnOffset.to::<usize>();
            pending.written = Some(dst..dst + size);
            pending.copied = Some(witness::CopyJob {
                source: returned.tree.clone(),
                end: returned.offset + returned.len,
                src: returned.offset,
                dst,
                size,
                memory: caller.memory.clone(),
                deferred: true,
            });
        }
        // A creation that succeeded leaves no return data.
        caller.return_data = if creates { Window::of(&[]) } else { returned };
        self.pending = Some(pending);
    }

    /// A call or creation revm began ended with `result`.
    fn frame_end(&mut self, journal: &EvmState, result: &revm::interpreter::InterpreterResult) {
        let entered = self.calls.pop().unwrap_or_default();
        if self.calls.is_empty() {
            self.top_end(journal, result);
        } else if self.running && entered {
            self.leave(journal, result);
        } else if let (true, Some(caller)) = (self.running, self.frames.last_mut()) {
            // It failed at once: it leaves no return data.
            caller.return_data = Window::of(&[]);
        }
    }

    /// Records a divergence when the tracer's world is not revm's, rebuilt from the pre-state
    /// and its journal alone.
    fn check_world(&mut self, journal: &EvmState) {
        let mut revm = self.pre.clone();
        revm.sync(journal);
        let (traced, revm) = (self.world.world().stateRoot, revm.world().stateRoot);
        if traced != revm && self.diverged.is_none() {
            self.diverged = Some((traced, revm));
        }
    }

    /// The transaction's frame ended with revm's `result`: the tracer's world (after the last
    /// step, or the checkpoint's for a failed frame) must be revm's.
    fn top_end(&mut self, journal: &EvmState, result: &revm::interpreter::InterpreterResult) {
        self.end_gas = result.gas.remaining();
        self.end_output = result.output.clone();
        if !self.running {
            return;
        }
        if !self.frames.first().is_some_and(|frame| frame.started) {
            // No instruction ran (no code): the world as the value transfer left it.
            self.world.sync(journal);
        }
        let status = status_of(result.result);
        let traced = if status == Outcome::SUCCEEDED {
            let mut traced = self.world.clone();
            if let (Some(pending), Some(frame)) = (&self.pending, self.frames.last()) {
                traced.apply(frame.account, pending.effect.clone());
                let code = self.returned(frame, status);
                if self.context.context.isCreate && code.len != 0 {
                    let hash = keccak256(code.tree.bytes(code.offset, code.len));
                    traced.update_account(self.context.context.to, |info| info.code_hash = hash);
                }
            }
            traced.world().stateRoot
        } else {
            self.checkpoint.as_ref().map_or(B256::ZERO, |checkpoint| checkpoint.stateRoot)
        };
        let mut revm = self.pre.clone();
        revm.sync(journal);
        let revm = revm.world().stateRoot;
        if traced != revm {
            self.diverged = Some((traced, revm));
        }
    }

    /// Ends the trace with the frame's `status`: the last step leads to `TxEnd` (after the
    /// deposit of the code a creating transaction returned).
    fn finish(&mut self, status: u8) {
        if !self.running || self.pending.is_none() {
            return;
        }
        let world = if status == Outcome::SUCCEEDED {
            self.apply_pending();
            self.world.world()
        } else {
            self.checkpoint.clone().expect("a frame ran")
        };
        // The frames are set aside while the top one's last steps are emitted.
        let frames = std::mem::take(&mut self.frames);
        let top = frames.first();
        let returned = top.map_or_else(|| Window::of(&[]), |frame| self.returned_by(frame, status, &self.end_output));
        let outcome = Outcome::new(status, self.end_gas, returned.tree.root(), returned.offset, returned.len);
        let mut post = Machine {
            phase: Phase::TxEnd,
            context: self.context.commitment,
            world: world.commitment(),
            frame: outcome.commitment(),
            callStack: B256::ZERO,
            micro: B256::ZERO,
        };
        match top {
            Some(frame) => self.end_frame(frame, post.clone()),
            None => self.emit(post.clone()),
        }
        self.frames = frames;
        let mut end = (world, outcome);
        if self.context.context.isCreate && status == Outcome::SUCCEEDED && returned.len != 0 && self.running {
            let created = self.context.context.to;
            let (machine, outcome) = self.deposit_steps(post, end.1, &returned, created, None);
            (post, end) = (machine, (self.world.world(), outcome));
        }
        self.end = Some((post, end.0, end.1));
    }

    /// The one step of a deposit revm refuses to run (`TxStart` to `Done`): the mint (already
    /// in `minted`, revm's pre-state) and the nonce increment stay, and it uses its whole
    /// `gas_limit`. `start` is the world before it.
    fn refuse(&mut self, minted: &mut rollup_core::WorldState, start: World, gas_limit: u64) -> Traced {
        let sender = self.context.context.origin;
        let mut overlay = StateOverlay::new(&*minted);
        overlay.bump_nonce(sender);
        let changes = overlay.into_diff();
        let state_root = minted.apply(&changes);
        let world =
            World { stateRoot: state_root, cumulativeGas: start.cumulativeGas + U256::from(gas_limit), ..start };
        let post = Machine {
            phase: Phase::Done,
            context: self.context.commitment,
            world: world.commitment(),
            frame: B256::ZERO,
            callStack: B256::ZERO,
            micro: B256::ZERO,
        };
        self.emit(post);
        let executed = Executed {
            state_root,
            logs_hash: crate::logs_hash(&[]),
            gas_used: gas_limit,
            success: false,
            invalid: None,
        };
        Traced { steps: self.steps, skip: None, executed, changes }
    }

    /// The `TxEnd` step, to `Done` with revm's final `state_root` and `gas_used`.
    fn close(&mut self, state_root: B256, gas_used: u64) {
        let Some((machine, world, outcome)) = self.end.take() else { return };
        if !self.running {
            return;
        }
        let context = self.context.context.clone();
        let failed = outcome.status != Outcome::SUCCEEDED;
        let mut witness = phases::base(machine.clone(), world.clone(), &self.context.context, &self.tx);
        witness.outcome = outcome;
        let unused = U256::from(context.txGasLimit - gas_used) * context.gasPrice;
        let reward = U256::from(gas_used) * context.priorityFee;
        // A failed transaction destroyed nothing: its world is its frame's checkpoint.
        let destroyed = if failed { Vec::new() } else { self.world.destroyed().to_vec() };
        let state = self.world.state(failed);
        let mut credits = vec![(context.coinbase, reward)];
        if context.fees.l2 && !context.isDeposit {
            credits.push((BASE_FEE_VAULT, U256::from(gas_used) * context.baseFee));
            credits.push((L1_FEE_VAULT, self.context.l1_fee));
        }
        let mut paid = phases::tx_end(&mut witness, state, context.origin, unused, &credits);
        let empty = alloy_trie::EMPTY_ROOT_HASH;
        let mut done = World {
            stateRoot: if destroyed.is_empty() { state_root } else { paid.root() },
            txStartRoot: B256::ZERO,
            transientRoot: empty,
            warmAccounts: empty,
            warmSlots: empty,
            refund: U256::ZERO,
            cumulativeGas: world.cumulativeGas + U256::from(gas_used),
            ..world
        };
        let phase = if destroyed.is_empty() { Phase::Done } else { Phase::TxEnd };
        let mut post = Machine { phase, world: done.commitment(), frame: B256::ZERO, ..machine };
        self.pending = Some(Pending::of(witness));
        self.emit(post.clone());
        // The destroyed accounts, the last first: the last deletion ends the transaction.
        for (left, account) in destroyed.iter().enumerate().rev() {
            if !self.running {
                return;
            }
            let below = world::destroyed_chain(&destroyed[..left]);
            let mut witness = phases::base(post.clone(), done.clone(), &self.context.context, &Transaction::default());
            phases::destroy(&mut witness, &mut paid, below, *account);
            done.destroyed = below;
            done.stateRoot = if left == 0 { state_root } else { paid.root() };
            let phase = if left == 0 { Phase::Done } else { Phase::TxEnd };
            post = Machine { phase, world: done.commitment(), ..post };
            self.pending = Some(Pending::of(witness));
            self.emit(post.clone());
        }
    }
}

/// The EVM's call-depth limit.
const CALL_DEPTH_LIMIT: usize = 1024;

impl<CTX, F> Inspector<CTX, EthInterpreter> for Tracer<'_, F>
where
    CTX: ContextTr<Journal: JournalTr<State = EvmState>>,
    F: FnMut(Step) -> ControlFlow<()>,
{
    fn call(&mut self, context: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        if !self.calls.is_empty() {
            let entered = self.running && self.enter(context.journal_ref().evm_state(), inputs);
            self.calls.push(entered);
            return None;
        }
        self.calls.push(true);
        if self.running {
            let journal = context.journal_ref().evm_state();
            let origin = self.context.context.origin;
            if self.tx.authorizations.is_empty() {
                // TxStart has charged the fee and bumped the nonce.
                self.world.sync(journal);
            } else {
                // The journal holds the authorizations' changes too: TxStart's world has only
                // the sender's (authorizations move no balance).
                let balance = journal.get(&origin).map(|account| account.info.balance);
                self.world.update_account(origin, |info| {
                    info.nonce += 1;
                    info.balance = balance.unwrap_or(info.balance);
                });
            }
            let frame = Frame {
                account: inputs.target_address,
                caller: inputs.caller,
                value: inputs.call_value(),
                gas: U256::from(inputs.gas_limit),
                calldataRoot: self.context.context.data.root,
                calldataLength: self.context.context.data.length,
                memoryRoot: crate::BufferTree::empty_root(),
                returnDataRoot: crate::BufferTree::empty_root(),
                ..Default::default()
            };
            self.setup(frame, journal);
        }
        None
    }

    fn call_end(&mut self, context: &mut CTX, _inputs: &CallInputs, outcome: &mut CallOutcome) {
        self.frame_end(context.journal_ref().evm_state(), &outcome.result);
    }

    fn create(&mut self, context: &mut CTX, inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        if !self.calls.is_empty() {
            let entered = self.running && self.enter_create(context.journal_ref().evm_state(), inputs);
            self.calls.push(entered);
            return None;
        }
        self.calls.push(true);
        if self.running {
            // TxStart has charged the fee; revm bumps a creating transaction's nonce as it
            // creates, the machine at TxStart.
            let journal = context.journal_ref().evm_state();
            self.world.sync(journal);
            self.world.update_account(inputs.caller(), |info| info.nonce += 1);
            let frame = Frame {
                account: self.context.context.to,
                caller: inputs.caller(),
                value: inputs.value(),
                isCreate: true,
                gas: U256::from(inputs.gas_limit()),
                calldataRoot: crate::BufferTree::empty_root(),
                memoryRoot: crate::BufferTree::empty_root(),
                returnDataRoot: crate::BufferTree::empty_root(),
                ..Default::default()
            };
            self.setup(frame, journal);
        }
        None
    }

    fn create_end(&mut self, context: &mut CTX, _inputs: &CreateInputs, outcome: &mut CreateOutcome) {
        self.frame_end(context.journal_ref().evm_state(), &outcome.result);
    }

    fn step_end(&mut self, interp: &mut Interpreter<EthInterpreter>, _context: &mut CTX) {
        let calling =
            self.pending.as_ref().and_then(|pending| pending.opcode).is_some_and(|op| is_call(op) || is_create(op));
        if !self.running || !calling {
            return;
        }
        // The caller as the call instruction leaves it, for the call stack.
        let (pc, gas) = (interp.bytecode.pc(), interp.gas.remaining());
        let Some(frame) = self.frames.last_mut() else { return };
        frame.sync(interp.stack.data(), &interp.memory.context_memory(), None);
        self.call_site = Some(frame.frame(pc, gas));
    }

    fn step(&mut self, interp: &mut Interpreter<EthInterpreter>, context: &mut CTX) {
        if !self.running {
            return;
        }
        self.call_site = None;
        let Some(frame) = self.frames.last_mut() else { return };
        if frame.started {
            self.apply_pending();
        } else {
            // The frame's value transfer is done: the world as the first instruction sees it.
            frame.started = true;
            frame.is_static = interp.runtime_flag.is_static();
            self.world.sync(context.journal_ref().evm_state());
            if frame.code.is_empty() {
                // Empty init code: revm runs the STOP past its end, `FrameSetup` ends the frame.
                return;
            }
        }
        let written = self.pending.as_mut().and_then(|pending| pending.written.take());
        let frame = self.frames.last_mut().expect("checked above");
        frame.sync(interp.stack.data(), &interp.memory.context_memory(), written);
        let refund = frame.refund_base + interp.gas.refunded();
        self.world.set_refund(u64::try_from(refund).unwrap_or_default());
        let (pc, gas, op) = (interp.bytecode.pc(), interp.gas.remaining(), interp.bytecode.opcode());
        let frame_part = frame.frame(pc, gas);
        let world_part = self.world.world();
        let machine = Machine {
            phase: Phase::Run,
            context: self.context.commitment,
            world: world_part.commitment(),
            frame: frame_part.commitment(),
            callStack: self.call_stack(),
            micro: B256::ZERO,
        };
        let (hashed, copied, logged) = match &mut self.pending {
            Some(pending) => (pending.hashed.take(), pending.copied.take(), pending.logged.take()),
            None => (None, None, None),
        };
        match (hashed, copied, logged) {
            (Some(range), _, _) => self.hash_steps(machine.clone(), &frame_part, &world_part, range),
            (_, Some(job), _) => self.copy_steps(machine.clone(), &frame_part, &world_part, job),
            (_, _, Some(log)) => self.log_steps(machine.clone(), &frame_part, &world_part, log),
            _ => self.emit(machine.clone()),
        }
        if !self.running {
            return;
        }
        let frame = self.frames.last().expect("checked above");
        let before =
            Before { machine, frame: frame_part, world: world_part, context: &self.context, mirror: frame, pc, op };
        self.pending = Some(witness::witness(before, &mut self.world));
    }
}
