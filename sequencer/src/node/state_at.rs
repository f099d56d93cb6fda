//! The state after a block, for executions that run on a blocking thread (`eth_call`,
//! tracing): from the chain's memory while that block is the head, from the history tables
//! once it is not (or was not to begin with).

use super::Chain;
use alloy_primitives::{Address, B256, U256};
use revm::bytecode::Bytecode;
use rollup_core::{AccountInfo, StateReader};
use std::sync::Arc;
use storage::{HistoricalState, StoreError};

/// The state after block `number`. Each read of the head's state takes the chain-state read
/// lock only for that read, so block production never waits for a whole execution; once a new
/// block is committed the remaining reads come from the history tables, which hold the same
/// state, so an execution always sees one block's state.
#[derive(Debug)]
pub(crate) struct StateAt {
    chain: Arc<Chain>,
    number: u64,
    history: HistoricalState,
}

impl StateAt {
    /// The state after block `number` of `chain` (a stored block). Must be called from within
    /// the runtime; read it only from a blocking thread.
    pub(crate) fn new(chain: Arc<Chain>, number: u64) -> Self {
        let history = HistoricalState::new(chain.store.clone(), number);
        Self { chain, number, history }
    }

    /// The first read of the history tables that failed, if any (see
    /// [`HistoricalState::take_failure`]).
    pub(crate) fn take_failure(&self) -> Option<StoreError> {
        self.history.take_failure()
    }

    /// `read` on the head's state if block `number` is still the head.
    fn read_head<T>(&self, read: impl FnOnce(&dyn StateReader) -> T) -> Option<T> {
        let state = self.chain.state.blocking_read();
        (state.head.header.number == self.number).then(|| read(&state.world))
    }
}

impl StateReader for StateAt {
    fn account(&self, address: Address) -> Option<AccountInfo> {
        self.read_head(|state| state.account(address)).unwrap_or_else(|| self.history.account(address))
    }

    fn storage(&self, address: Address, slot: U256) -> U256 {
        self.read_head(|state| state.storage(address, slot)).unwrap_or_else(|| self.history.storage(address, slot))
    }

    fn code(&self, code_hash: B256) -> Option<Bytecode> {
        self.read_head(|state| state.code(code_hash)).unwrap_or_else(|| self.history.code(code_hash))
    }

    fn block_hash(&self, number: u64) -> B256 {
        self.read_head(|state| state.block_hash(number)).unwrap_or_else(|| self.history.block_hash(number))
    }
}
