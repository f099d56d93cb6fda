//! The state after any stored block, for execution: a [`StateReader`] over the history tables
//! (reth's historical state provider is the model). Nothing is copied up front; each account,
//! slot and code is read when the EVM first asks for it, and kept for the next run on the same
//! state (`eth_estimateGas` runs a call many times).

use crate::{error::StoreError, store::Store};
use alloy_primitives::{Address, B256, U256};
use revm::bytecode::Bytecode;
use rollup_core::{AccountInfo, StateReader};
use std::{collections::HashMap, future::Future, sync::Mutex};
use tokio::runtime::Handle;

/// The state after block `number`, read from the store on demand.
///
/// [`StateReader`] is synchronous and infallible, the store is neither: reads block on the
/// runtime, so use it only from a blocking thread (`tokio::task::spawn_blocking`). A failed
/// read answers empty and is kept; check [`Self::take_failure`] after running anything on it.
#[derive(Debug)]
pub struct HistoricalState {
    store: Store,
    number: u64,
    runtime: Handle,
    failure: Mutex<Option<StoreError>>,
    read: Mutex<ReadCache>,
}

/// What a [`HistoricalState`] has read so far.
#[derive(Debug, Default)]
struct ReadCache {
    accounts: HashMap<Address, Option<AccountInfo>>,
    storage: HashMap<(Address, U256), U256>,
    code: HashMap<B256, Option<Bytecode>>,
}

impl HistoricalState {
    /// The state after block `number` (which the caller has checked is stored). Must be called
    /// from within the runtime.
    pub fn new(store: Store, number: u64) -> Self {
        Self { store, number, runtime: Handle::current(), failure: Mutex::new(None), read: Mutex::default() }
    }

    /// The first read that failed since the last call, if any: whatever ran on the state since
    /// then saw an empty value in its place and must be discarded.
    pub fn take_failure(&self) -> Option<StoreError> {
        self.failure.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take()
    }

    fn read<T: Default>(&self, read: impl Future<Output = crate::error::Result<T>>) -> T {
        self.runtime.block_on(read).unwrap_or_else(|err| {
            self.failure.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get_or_insert(err);
            T::default()
        })
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, ReadCache> {
        self.read.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl StateReader for HistoricalState {
    fn account(&self, address: Address) -> Option<AccountInfo> {
        if let Some(account) = self.cache().accounts.get(&address) {
            return *account;
        }
        let account = self.read(self.store.account_at(address, self.number));
        self.cache().accounts.insert(address, account);
        account
    }

    fn storage(&self, address: Address, slot: U256) -> U256 {
        if let Some(value) = self.cache().storage.get(&(address, slot)) {
            return *value;
        }
        let value = self.read(self.store.storage_at(address, slot, self.number));
        self.cache().storage.insert((address, slot), value);
        value
    }

    fn code(&self, code_hash: B256) -> Option<Bytecode> {
        if let Some(code) = self.cache().code.get(&code_hash) {
            return code.clone();
        }
        let code = self.read(self.store.code(code_hash)).map(Bytecode::new_raw);
        self.cache().code.insert(code_hash, code.clone());
        code
    }

    fn block_hash(&self, number: u64) -> B256 {
        let hashes = self.read(self.store.block_hashes(number, number));
        hashes.first().map(|(_, hash)| *hash).unwrap_or_default()
    }
}
