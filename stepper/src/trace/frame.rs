//! The tracer's copy of the running frame (docs/dispute/commitment.md, "Frame"): code,
//! JUMPDEST bitmap and calldata as buffer trees built once, memory and the stack's hash chain
//! brought up to date with revm's interpreter before each step.

use crate::{BufferTree, commitment::Frame};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};

/// A window of a buffer: the `len` bytes at `offset` of `tree` (calldata is a window of the
/// caller's memory, return data one of the callee's).
#[derive(Clone, Debug)]
pub(crate) struct Window {
    pub(crate) tree: BufferTree,
    pub(crate) offset: usize,
    pub(crate) len: usize,
}

impl Window {
    /// A whole buffer.
    pub(crate) fn of(bytes: &[u8]) -> Self {
        Self { tree: BufferTree::new(bytes), offset: 0, len: bytes.len() }
    }

    /// `len` bytes at `offset` of `tree`; the empty buffer when `len` is zero (canonically).
    pub(crate) fn new(tree: &BufferTree, offset: usize, len: usize) -> Self {
        if len == 0 { Self::of(&[]) } else { Self { tree: tree.clone(), offset, len } }
    }
}

/// What a frame keeps for its whole run, and its memory and stack as of the last step.
#[derive(Clone, Debug)]
pub(crate) struct FrameMirror {
    pub(crate) account: Address,
    pub(crate) caller: Address,
    pub(crate) value: U256,
    pub(crate) is_static: bool,
    /// Whether the frame runs init code (its RETURN deposits code).
    pub(crate) is_create: bool,
    pub(crate) code: Bytes,
    code_hash: B256,
    pub(crate) code_tree: BufferTree,
    pub(crate) jumpdests: BufferTree,
    pub(crate) calldata: Window,
    pub(crate) return_data: Window,
    pub(crate) memory: BufferTree,
    memory_len: usize,
    stack: Vec<U256>,
    /// `prefix[i]`: the hash of the bottom `i` stack items.
    prefix: Vec<B256>,
    /// The world's commitment at the frame's checkpoint.
    pub(crate) checkpoint: B256,
    /// The call depth (0 for the transaction's frame).
    pub(crate) depth: usize,
    /// The transaction's refund counter when the frame was entered: revm counts each frame's
    /// refunds from zero, the machine one counter for the transaction.
    pub(crate) refund_base: i64,
    /// Whether its first instruction has run (the value transfer is then done).
    pub(crate) started: bool,
    /// The precompile it runs instead of code, if it does.
    pub(crate) precompile: Option<super::precompile::Precompiled>,
}

/// The JUMPDEST bitmap of `code`: bit `i` (byte `i / 8`, most significant bit first) set when
/// byte `i` is a JUMPDEST opcode outside PUSH data.
pub(crate) fn jumpdest_bitmap(code: &[u8]) -> Vec<u8> {
    let mut bitmap = vec![0u8; code.len().div_ceil(8)];
    let mut pc = 0;
    while pc < code.len() {
        let op = code[pc];
        if op == 0x5b {
            bitmap[pc / 8] |= 0x80 >> (pc % 8);
        }
        pc += 1 + if (0x60..=0x7f).contains(&op) { usize::from(op - 0x5f) } else { 0 };
    }
    bitmap
}

impl FrameMirror {
    /// A frame of `account` running `code` on `calldata` at call depth `depth`.
    pub(crate) fn new(
        account: Address,
        caller: Address,
        value: U256,
        code: Bytes,
        calldata: Window,
        checkpoint: B256,
        depth: usize,
    ) -> Self {
        Self {
            account,
            caller,
            value,
            is_static: false,
            is_create: false,
            code_hash: keccak256(&code),
            code_tree: BufferTree::new(&code),
            jumpdests: BufferTree::new(&jumpdest_bitmap(&code)),
            code,
            calldata,
            return_data: Window::of(&[]),
            memory: BufferTree::new(&[]),
            memory_len: 0,
            stack: Vec::new(),
            prefix: vec![B256::ZERO],
            checkpoint,
            depth,
            refund_base: 0,
            started: false,
            precompile: None,
        }
    }

    /// Brings memory and the stack's hashes up to date with the interpreter's, `written` the
    /// bytes the last instruction may have written (memory grows with zeros, which the tree
    /// already holds).
    pub(crate) fn sync(&mut self, stack: &[U256], memory: &[u8], written: Option<std::ops::Range<usize>>) {
        let common = self.stack.iter().zip(stack).take_while(|(a, b)| a == b).count();
        self.stack.truncate(common);
        self.prefix.truncate(common + 1);
        for item in &stack[common..] {
            let below = *self.prefix.last().expect("the empty stack's hash");
            self.prefix.push(crate::commitment::push_hash(below, *item));
            self.stack.push(*item);
        }
        self.memory_len = memory.len();
        if let Some(range) = written {
            for index in range.start / 32..range.end.div_ceil(32).min(memory.len() / 32) {
                self.memory.set_word(index, B256::from_slice(&memory[index * 32..index * 32 + 32]));
            }
        }
    }

    /// The hash of the stack without its top `count` items.
    pub(crate) fn stack_below(&self, count: usize) -> B256 {
        self.prefix[self.stack.len() - count]
    }

    /// The stack's top `count` items, top first.
    pub(crate) fn stack_top(&self, count: usize) -> Vec<U256> {
        self.stack.iter().rev().take(count).copied().collect()
    }

    /// `size` bytes of memory at `offset`, from the memory tree.
    pub(crate) fn memory_bytes(&self, offset: usize, size: usize) -> Vec<u8> {
        self.memory.bytes(offset, size)
    }

    /// Memory's length in bytes as of the last sync.
    pub(crate) fn memory_len(&self) -> usize {
        self.memory_len
    }

    /// The stack's depth.
    pub(crate) fn stack_len(&self) -> usize {
        self.stack.len()
    }

    /// The frame's commitment part at `pc` with `gas` left.
    pub(crate) fn frame(&self, pc: usize, gas: u64) -> Frame {
        Frame {
            account: self.account,
            caller: self.caller,
            value: self.value,
            isStatic: self.is_static,
            isCreate: self.is_create,
            codeHash: self.code_hash,
            codeRoot: self.code_tree.root(),
            codeLength: U256::from(self.code.len()),
            jumpdests: self.jumpdests.root(),
            pc: U256::from(pc),
            gas: U256::from(gas),
            stackLength: U256::from(self.stack.len()),
            stackHash: *self.prefix.last().expect("the empty stack's hash"),
            memoryRoot: self.memory.root(),
            memoryLength: U256::from(self.memory_len),
            calldataRoot: self.calldata.tree.root(),
            calldataOffset: U256::from(self.calldata.offset),
            calldataLength: U256::from(self.calldata.len),
            returnDataRoot: self.return_data.tree.root(),
            returnDataOffset: U256::from(self.return_data.offset),
            returnDataLength: U256::from(self.return_data.len),
            depth: U256::from(self.depth),
            checkpoint: self.checkpoint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_data_is_not_a_jumpdest() {
        // PUSH1 0x5b, JUMPDEST, PUSH2 0x5b5b, JUMPDEST
        let code = [0x60, 0x5b, 0x5b, 0x61, 0x5b, 0x5b, 0x5b];
        assert_eq!(jumpdest_bitmap(&code), vec![0b0010_0010]);
    }
}
