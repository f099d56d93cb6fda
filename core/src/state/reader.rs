//! The read interface that block execution needs from a state.

use super::AccountInfo;
use alloy_primitives::{Address, B256, Bytes, U256};
use revm::bytecode::Bytecode;

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

/// A copy of `code` that shares no memory with it. Threads that each clone one shared
/// [`Bytecode`] for every transaction contend for its reference count; each taking a private
/// copy once keeps them apart.
pub fn private_copy(code: &Bytecode) -> Bytecode {
    Bytecode::new_raw(Bytes::copy_from_slice(code.original_byte_slice()))
}
