//! The witness of one instruction (`EVMStepper.Witness`, docs/dispute/stepper.md): what it
//! reads from the stack, the code, a buffer and the tries, with the proofs the stepper checks.

use super::{
    Pending,
    context::ContextData,
    frame::{FrameMirror, Window},
    world::{Effect, WorldMirror},
};
use crate::{
    BUFFER_DEPTH, BufferTree,
    commitment::{Frame, Machine, Witness, World},
};
use alloy_primitives::{Address, B256, Bytes, U256};

/// How many stack items `op` reads, as `EVMStepper._shape` counts them (zero for an unknown
/// opcode: it halts).
pub(crate) fn reads(op: u8) -> usize {
    match op {
        0x08 | 0x09 | 0x37 | 0x39 | 0x3e | 0x5e => 3,
        0x3c => 4,
        0xf1 | 0xf2 => 7,
        0xf4 | 0xfa => 6,
        0xf0 => 3,
        0xf5 => 4,
        0xa0..=0xa4 => usize::from(op - 0x9e),
        0x15 | 0x19 | 0x1e | 0xff => 1,
        0x01..=0x0b | 0x10..=0x1d => 2,
        0x31 | 0x35 | 0x3b | 0x3f | 0x40 | 0x49 | 0x50 | 0x51 | 0x54 | 0x56 | 0x5c => 1,
        0x20 | 0x52 | 0x53 | 0x55 | 0x57 | 0x5d | 0xf3 | 0xfd => 2,
        0x80..=0x8f => usize::from(op - 0x7f),
        0x90..=0x9f => usize::from(op - 0x8e),
        _ => 0,
    }
}

/// The parts of the machine before the instruction, and the tracer's state it reads.
pub(crate) struct Before<'a> {
    pub(crate) machine: Machine,
    pub(crate) frame: Frame,
    pub(crate) world: World,
    pub(crate) context: &'a ContextData,
    pub(crate) mirror: &'a FrameMirror,
    pub(crate) pc: usize,
    pub(crate) op: u8,
}

/// A buffer word with its proof.
fn word(tree: &BufferTree, index: usize) -> (B256, Vec<B256>) {
    (tree.word(index), tree.proof(index))
}

/// Whether `offset..offset + size` lies inside a buffer tree.
fn fits(offset: U256, size: usize) -> Option<usize> {
    let offset = usize::try_from(offset).ok()?;
    (offset.checked_add(size)?.div_ceil(32) <= 1 << BUFFER_DEPTH).then_some(offset)
}

/// The largest init code (EIP-3860).
const MAX_INITCODE_SIZE: usize = 49152;
/// The largest code a creation deposits (EIP-170).
const MAX_CODE_SIZE: usize = 24576;

/// A log, built into micro-steps once it is known to run.
#[derive(Clone, Debug)]
pub(crate) struct LogJob {
    /// Where its data is in memory, and its length.
    pub(crate) offset: usize,
    pub(crate) size: usize,
    /// Its RLP encoding, which the steps hash.
    pub(crate) rlp: Vec<u8>,
}

/// Bytes of a log's encoding hashed per step (`LogSteps.CHUNK`).
pub(crate) const LOG_CHUNK: usize = 8 * crate::sponge::RATE;

/// A copy into memory (CALLDATACOPY, CODECOPY, EXTCODECOPY, RETURNDATACOPY, MCOPY, and the
/// return data a call's `Return` step hands back), built into micro-steps once it is known to
/// run.
#[derive(Clone, Debug)]
pub(crate) struct CopyJob {
    /// The buffer read (memory as it was before the copy, for MCOPY).
    pub(crate) source: BufferTree,
    /// Where the source ends in that buffer: its window's offset plus its length.
    pub(crate) end: usize,
    /// Where the copy starts in that buffer.
    pub(crate) src: usize,
    pub(crate) dst: usize,
    pub(crate) size: usize,
    /// Memory before the copy.
    pub(crate) memory: BufferTree,
    /// Whether the step that starts it copies nothing (`Return`: micro-steps do it all).
    pub(crate) deferred: bool,
}

impl CopyJob {
    /// A copy of `size` bytes from `src` inside the window `source` (clamped to its end) to
    /// `dst`.
    fn of(source: &Window, src: usize, dst: usize, size: usize, memory: &BufferTree) -> Self {
        Self {
            source: source.tree.clone(),
            end: source.offset + source.len,
            src: source.offset + src.min(source.len),
            dst,
            size,
            memory: memory.clone(),
            deferred: false,
        }
    }
}

/// The step of the instruction `before` describes: its witness, what it changes, and what it
/// defers to micro-steps.
pub(crate) fn witness(before: Before<'_>, world: &mut WorldMirror) -> Pending {
    let Before { machine, frame, world: world_part, context, mirror, pc, op } = before;
    let count = reads(op);
    let (stack, stack_below) = if mirror.stack_len() >= count {
        (mirror.stack_top(count), mirror.stack_below(count))
    } else {
        (Vec::new(), B256::ZERO)
    };
    let mut w = super::phases::base(machine, world_part, &context.context, &super::phases::Transaction::default());
    w.frame = frame;
    w.stack.clone_from(&stack);
    w.stackBelow = stack_below;
    let mut add_code = |index: usize| {
        let (code_word, proof) = word(&mirror.code_tree, index);
        w.code.push(code_word);
        w.codeProofs.push(proof);
    };
    add_code(pc / 32);
    if (0x60..=0x7f).contains(&op) && pc < mirror.code.len() && pc % 32 + usize::from(op - 0x5f) >= 32 {
        add_code(pc / 32 + 1);
    }
    if stack.len() < count {
        return Pending { opcode: Some(op), ..Pending::of(w) };
    }
    let (mut written, mut hashed, mut copied, mut logged, mut creating) = (None, None, None, None, None);
    let account = mirror.account;
    let mut effect = Effect::None;
    let add_word = |w: &mut Witness, tree: &BufferTree, index: usize| {
        let (data, proof) = word(tree, index);
        w.words.push(data);
        w.wordProofs.push(proof);
    };
    match op {
        0x56 | 0x57 => {
            let dest = stack[0];
            if (op == 0x56 || !stack[1].is_zero()) && dest < U256::from(mirror.code.len()) {
                add_word(&mut w, &mirror.jumpdests, dest.to::<usize>() / 256);
            }
        }
        0x51..=0x53 => {
            let size = if op == 0x53 { 1 } else { 32 };
            if let Some(offset) = fits(stack[0], size) {
                memory_words(&mut w, mirror, offset, size, (op != 0x51).then(|| stack[1]));
                written = (op != 0x51).then_some(offset..offset + size);
            }
        }
        0x35 if stack[0] < U256::from(mirror.calldata.len) => {
            let at = mirror.calldata.offset + stack[0].to::<usize>();
            add_word(&mut w, &mirror.calldata.tree, at / 32);
            if at % 32 != 0 {
                add_word(&mut w, &mirror.calldata.tree, at / 32 + 1);
            }
        }
        0x40 => {
            let number = context.context.number;
            if stack[0] < number && number - stack[0] <= U256::from(256) {
                add_word(&mut w, &context.block_hashes, (stack[0] % U256::from(256)).to::<usize>());
            }
        }
        0x49 => w.words.clone_from(&context.blob_hashes),
        0xa0..=0xa4 => {
            w.data = world.bloom().0.to_vec().into();
            let size = usize::try_from(stack[1]).unwrap_or(usize::MAX);
            let offset = if size == 0 { Some(0) } else { fits(stack[0], size) };
            if let Some(offset) = offset {
                buffer_words(&mut w, &mirror.memory, offset, size.min(LOG_CHUNK));
                let topics = stack[2..].iter().map(|topic| B256::from(*topic)).collect();
                let data = if size == 0 { Bytes::new() } else { mirror.memory_bytes(offset, size).into() };
                let log = alloy_primitives::Log::new_unchecked(account, topics, data);
                logged = Some(LogJob { offset, size, rlp: alloy::rlp::encode(&log) });
                effect = Effect::Log(log);
            }
        }
        0x37 | 0x39 | 0x3e | 0x5e => {
            let window = |tree: &BufferTree, len| Window { tree: tree.clone(), offset: 0, len };
            let source = match op {
                0x37 => mirror.calldata.clone(),
                0x39 => window(&mirror.code_tree, mirror.code.len()),
                0x3e => mirror.return_data.clone(),
                _ => window(&mirror.memory, mirror.memory_len()),
            };
            let size = usize::try_from(stack[2]).ok();
            let src = if op == 0x5e {
                usize::try_from(stack[1]).ok()
            } else {
                Some(stack[1].min(U256::from(source.len)).to())
            };
            if let (Some(size), Some(src)) = (size, src) {
                let dst = if size == 0 { Some(0) } else { fits(stack[0], size) };
                let source_fits = op != 0x5e || fits(stack[1], size).is_some();
                if let (Some(dst), true) = (dst, source_fits) {
                    written = (size != 0).then_some(dst..dst + size);
                    let mut job = CopyJob::of(&source, src, dst, size, &mirror.memory);
                    if op == 0x5e {
                        // MCOPY reads past memory's end too (zeros): not clamped.
                        job.src = src;
                    }
                    copied = Some(job);
                }
            }
        }
        0x20 => {
            // The words come with the micro-steps, once the hash is known to run.
            let size = usize::try_from(stack[1]).unwrap_or(usize::MAX);
            hashed = match fits(stack[0], size) {
                Some(offset) if size != 0 => Some(offset..offset + size),
                _ if size == 0 => Some(0..0),
                _ => None,
            };
        }
        0x47 => w.tries.push(world.storage_proofs(account, B256::ZERO).0),
        0x31 | 0x3b | 0x3c | 0x3f => {
            let address = Address::from_word(B256::from(stack[0]));
            let (proof, code_hash) = world.account_with_code_hash(address);
            w.tries = vec![proof, world.warm_account_proof(address)];
            if op == 0x3b || op == 0x3c {
                w.data = code_hash.and_then(|hash| context.codes.get(&hash).cloned()).unwrap_or_default();
            }
            if op == 0x3c {
                let length = w.data.len();
                let size = usize::try_from(stack[3]).ok();
                let dst = size.and_then(|size| if size == 0 { Some(0) } else { fits(stack[1], size) });
                if let (Some(size), Some(dst)) = (size, dst) {
                    written = (size != 0).then_some(dst..dst + size);
                    let src = stack[2].min(U256::from(length)).to();
                    copied = Some(CopyJob::of(&Window::of(&w.data), src, dst, size, &mirror.memory));
                }
            }
            effect = warm_effect(context, &[address]);
        }
        0xf1 | 0xf2 | 0xf4 | 0xfa => {
            let target = Address::from_word(B256::from(stack[1]));
            let (proof, code_hash) = world.account_with_code_hash(target);
            let value = if op == 0xf1 || op == 0xf2 { stack[2] } else { U256::ZERO };
            let sender = if value.is_zero() { Vec::new() } else { world.account_with_code_hash(account).0 };
            w.tries = vec![proof, world.warm_account_proof(target), sender];
            w.data = code_hash.and_then(|hash| context.codes.get(&hash).cloned()).unwrap_or_default();
            effect = warm_effect(context, &[target]);
            if super::is_delegation(&w.data) {
                // EIP-7702: the delegate, read and warmed after the target.
                let delegate = Address::from_slice(&w.data[3..]);
                let mut warmed = world.clone();
                warmed.apply(account, effect);
                w.tries.extend([world.account_with_code_hash(delegate).0, warmed.warm_account_proof(delegate)]);
                effect = warm_effect(context, &[target, delegate]);
            }
        }
        0xf0 | 0xf5 => {
            // The words come with the micro-steps that hash the init code.
            let size = usize::try_from(stack[2]).unwrap_or(usize::MAX);
            creating = match fits(stack[1], size) {
                _ if size == 0 => Some(0..0),
                Some(offset) if size <= MAX_INITCODE_SIZE => Some(offset..offset + size),
                _ => None,
            };
        }
        0xf3 if mirror.is_create => {
            // The code to deposit: the word with its first byte (EIP-3541's check).
            let size = usize::try_from(stack[1]).unwrap_or(usize::MAX);
            if let Some(offset) = fits(stack[0], size).filter(|_| (1..=MAX_CODE_SIZE).contains(&size)) {
                add_word(&mut w, &mirror.memory, offset / 32);
            }
        }
        0xff => {
            let beneficiary = Address::from_word(B256::from(stack[0]));
            let (tries, sibling, created) = self_destruct(world, context, account, beneficiary);
            (w.tries, w.sibling) = (tries, sibling);
            w.data = world.code(context, account);
            let warming = Box::new(warm_effect(context, &[beneficiary]));
            effect = Effect::Destroy { beneficiary, warming, created };
        }
        0x54 | 0x55 => {
            let slot = B256::from(stack[0]);
            let (account_proof, slot_proof) = world.storage_proofs(account, slot);
            w.tries = vec![account_proof, slot_proof, world.warm_slot_proof(account, slot)];
            effect = Effect::Warm(slot);
            if op == 0x55 {
                let (start_account, start_slot) = world.start_proofs(account, slot);
                w.tries.extend([start_account, start_slot]);
                if stack[1].is_zero() {
                    w.sibling = world.storage_deletion_sibling(account, slot).unwrap_or_default();
                }
                effect = Effect::Store(slot, stack[1]);
            }
        }
        0x5c | 0x5d => {
            let slot = B256::from(stack[0]);
            let (proof, sibling) = world.transient_proof(account, slot);
            w.tries.push(proof);
            if op == 0x5d {
                if stack[1].is_zero() {
                    w.sibling = sibling.unwrap_or_default();
                }
                effect = Effect::Transient(slot, stack[1]);
            }
        }
        _ => {}
    }
    Pending { witness: w, opcode: Some(op), effect, written, hashed, copied, logged, creating }
}

/// SELFDESTRUCT's tries (`SelfDestructSteps.instruction`): the frame's `account`, the
/// beneficiary in the warm set, the beneficiary after the account's update (when it is another
/// account), the account at the transaction's start; the collapse witness when the beneficiary,
/// touched and empty, is deleted; and whether the account was created in the transaction.
fn self_destruct(
    world: &mut WorldMirror,
    context: &ContextData,
    account: Address,
    beneficiary: Address,
) -> (Vec<Vec<Bytes>>, Bytes, bool) {
    let start = world.state(true).account_proof(account, &[]).account_proof;
    let blank = world
        .state(true)
        .account(account)
        .is_none_or(|before| before.nonce == 0 && before.code_hash == alloy_primitives::KECCAK256_EMPTY);
    let now = world.state(false).account(account).unwrap_or_default();
    let created = blank && now.nonce != 0 && !super::is_delegation(&world.code(context, account));
    let warm = world.warm_account_proof(beneficiary);
    let state = world.state(false);
    let (own, mut after) = super::world::after_balance(state, account, |balance| {
        if created || beneficiary != account { U256::ZERO } else { balance }
    });
    let (mut to, mut sibling) = (Vec::new(), Bytes::new());
    if beneficiary != account {
        let (proof, credited) = super::world::after_balance(&mut after, beneficiary, |balance| balance + now.balance);
        if credited.account(beneficiary).is_none() && after.account(beneficiary).is_some() {
            sibling = after.account_deletion_sibling(beneficiary).unwrap_or_default();
        }
        to = proof;
    }
    (vec![own, warm, to, start], sibling, created)
}

/// Warming `addresses`: nothing for the accounts that are always warm (EIP-2929, EIP-3651).
pub(crate) fn warm_effect(context: &ContextData, addresses: &[Address]) -> Effect {
    let c = &context.context;
    let always_warm =
        |address: &Address| [c.origin, c.to, c.coinbase].contains(address) || super::is_precompile(*address);
    let cold: Vec<Address> = addresses.iter().filter(|address| !always_warm(address)).copied().collect();
    if cold.is_empty() { Effect::None } else { Effect::WarmAccounts(cold) }
}

/// Adds the words of `tree` that cover `size` bytes at `offset`, with their proofs.
pub(crate) fn buffer_words(w: &mut Witness, tree: &BufferTree, offset: usize, size: usize) {
    if size == 0 {
        return;
    }
    for index in offset / 32..=(offset + size - 1) / 32 {
        w.words.push(tree.word(index));
        w.wordProofs.push(tree.proof(index));
    }
}

/// One chunk of a copy: the source words inside its `length` that cover `n` bytes at `src`
/// (with proofs against the source's root), and the memory words at `dst` with proofs each
/// against the root after the previous word's write; `memory` is left written.
pub(crate) fn copy_words(
    w: &mut Witness,
    source: &BufferTree,
    length: usize,
    memory: &mut BufferTree,
    src: usize,
    dst: usize,
    n: usize,
) {
    let mut bytes = vec![0u8; n];
    if src < length {
        let last = ((src + n - 1) / 32).min((length - 1) / 32);
        let mut read = Vec::new();
        for index in src / 32..=last {
            w.sourceWords.push(source.word(index));
            w.sourceProofs.push(source.proof(index));
            read.extend_from_slice(source.word(index).as_slice());
        }
        // Bytes past the source's end read as zero (a window's buffer may hold more).
        let take = (read.len() - src % 32).min(n).min(length - src);
        bytes[..take].copy_from_slice(&read[src % 32..src % 32 + take]);
    }
    let first = dst / 32;
    let mut span = Vec::new();
    for index in first..=(dst + n - 1) / 32 {
        span.extend_from_slice(memory.word(index).as_slice());
    }
    span[dst % 32..dst % 32 + n].copy_from_slice(&bytes);
    for (i, word) in span.chunks(32).enumerate() {
        w.words.push(memory.word(first + i));
        w.wordProofs.push(memory.proof(first + i));
        memory.set_word(first + i, B256::from_slice(word));
    }
}

/// The memory words MLOAD, MSTORE or MSTORE8 at `offset` touch, with proofs; for a write
/// (`value`) the second word's proof is against the root after the first word's write.
fn memory_words(w: &mut Witness, mirror: &FrameMirror, offset: usize, size: usize, value: Option<U256>) {
    let first = offset / 32;
    let count = (offset % 32 + size).div_ceil(32);
    let tree = &mirror.memory;
    let mut bytes = [0u8; 64];
    for i in 0..count {
        bytes[i * 32..i * 32 + 32].copy_from_slice(tree.word(first + i).as_slice());
    }
    if let Some(value) = value {
        let at = offset % 32;
        if size == 1 {
            bytes[at] = value.byte(0);
        } else {
            bytes[at..at + 32].copy_from_slice(&value.to_be_bytes::<32>());
        }
    }
    for i in 0..count {
        w.words.push(tree.word(first + i));
        w.wordProofs.push(match (i, value) {
            (1, Some(_)) => tree.proof_after(first + 1, first, B256::from_slice(&bytes[..32])),
            _ => tree.proof(first + i),
        });
    }
}
