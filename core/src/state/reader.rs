//! The read interface that block execution needs from a state.

use super::AccountInfo;
use alloy_primitives::{Address, B256, Bytes, U256};
use revm::bytecode::{Bytecode, JumpTable};

/// Read access to a world state as of the start of a block.
///
/// Implementations are in memory and infallible; they must be cheap to call from many threads.
pub trait StateReader: Send + Sync {
    /// The account at `address`, or `None` if it does not exist.
    fn account(&self, address: Address) -> Option<AccountInfo>;
    /// The value of a storage slot (zero when unset).
    fn storage(&self, address: Address, slot: U256) -> U256;
    /// Analysed bytecode by its hash.
    fn code(&self, code_hash: B256) -> Option<Bytecode>;
    /// Hash of an earlier block, or zero when out of the 256-block window.
    fn block_hash(&self, number: u64) -> B256;
}

/// A copy of `code` that shares no memory with it, of the same kind. Threads that each clone
/// one shared [`Bytecode`] for every transaction contend for its reference count; each taking
/// a private copy once keeps them apart. That includes empty code, which revm's constructors
/// all hand out as one value for the whole process.
pub fn private_copy(code: &Bytecode) -> Bytecode {
    match code.eip7702_address() {
        Some(address) => Bytecode::new_eip7702(address),
        // SAFETY: the contents of revm's own empty code (`Bytecode::new`): no original bytes, and
        // the one STOP that running empty code reads, with no jump destinations.
        None if code.is_empty() => unsafe { Bytecode::new_analyzed(Bytes::from_static(&[0]), 0, JumpTable::default()) },
        None => Bytecode::new_legacy(Bytes::copy_from_slice(code.original_byte_slice())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, bytes};

    /// A private copy has the same bytes and kind, in memory of its own.
    #[test]
    fn private_copies_keep_bytes_and_kind() {
        let delegation = Bytecode::new_eip7702(address!("0x00000000000000000000000000000000000000aa"));
        let contract = Bytecode::new_raw(bytes!("6001600201600055"));
        for code in [delegation, contract] {
            let copy = private_copy(&code);
            assert_eq!(copy, code);
            assert_eq!((copy.kind(), copy.original_bytes()), (code.kind(), code.original_bytes()));
            assert_ne!(copy.original_byte_slice().as_ptr(), code.original_byte_slice().as_ptr());
        }
    }

    /// A private copy of empty code is empty code of its own, the same as revm's shared one.
    #[test]
    fn private_copies_of_empty_code_are_private() {
        let shared = Bytecode::default();
        let copy = private_copy(&shared);
        assert!(!copy.is_default() && copy.is_empty() && copy.is_legacy());
        assert_eq!(
            (copy.bytecode(), copy.hash_slow(), copy.legacy_jump_table()),
            (shared.bytecode(), alloy_primitives::KECCAK256_EMPTY, shared.legacy_jump_table())
        );
    }
}
