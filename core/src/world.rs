//! The current world state held in memory, with its incrementally maintained state root.

use crate::{
    state::{AccountInfo, StateDiff, StateReader},
    trie::{HashedNodes, StateTrie},
};
use alloy_primitives::{
    Address, B256, Bytes, U256,
    map::{AddressMap, B256Map, U256Map},
};
use revm::bytecode::Bytecode;
use std::collections::BTreeMap;

/// Number of recent block hashes the BLOCKHASH opcode can see.
const BLOCK_HASH_WINDOW: u64 = 256;

/// The latest world state: flat accounts, storage and code for fast reads during execution,
/// and a [`StateTrie`] that rehashes only what each block changed.
#[derive(Debug, Default)]
pub struct WorldState {
    accounts: AddressMap<AccountInfo>,
    storage: AddressMap<U256Map<U256>>,
    codes: B256Map<Bytecode>,
    block_hashes: BTreeMap<u64, B256>,
    trie: StateTrie,
}

impl WorldState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// A partial state: the accounts, slots and codes of `known` (those a block touches), and
    /// `trie`, the state trie built from their Merkle proofs ([`StateTrie::from_proofs`]), as
    /// its commitment. Execution reading anything else sees an absent account or a zero slot
    /// (so only execution that reads nothing else is the chain's), and changing it panics
    /// where `trie` holds only its hash.
    pub fn partial(known: &StateDiff, trie: StateTrie) -> Self {
        let mut world = Self { trie, ..Self::default() };
        world.apply_flat(known);
        world
    }

    /// Applies a block's changes and returns the new state root.
    pub fn apply(&mut self, diff: &StateDiff) -> B256 {
        self.apply_flat(diff);
        self.trie.apply(diff)
    }

    /// The state trie.
    pub fn trie(&self) -> &StateTrie {
        &self.trie
    }

    /// Applies `diff` to the flat accounts, storage and code.
    fn apply_flat(&mut self, diff: &StateDiff) {
        for (hash, code) in &diff.codes {
            self.codes.entry(*hash).or_insert_with(|| Bytecode::new_raw(code.clone()));
        }
        for (address, change) in &diff.accounts {
            match change.info {
                None => {
                    self.accounts.remove(address);
                    self.storage.remove(address);
                    continue;
                }
                Some(info) => {
                    self.accounts.insert(*address, info);
                }
            }
            if change.storage_reset {
                self.storage.remove(address);
            }
            if !change.storage.is_empty() {
                let slots = self.storage.entry(*address).or_default();
                for (slot, value) in &change.storage {
                    if value.is_zero() {
                        slots.remove(slot);
                    } else {
                        slots.insert(*slot, *value);
                    }
                }
            }
        }
    }

    /// The state root of the current state.
    pub fn state_root(&mut self) -> B256 {
        self.trie.root()
    }

    /// The storage root of one account (the empty root if it has no storage).
    pub fn storage_root(&mut self, address: Address) -> B256 {
        self.trie.storage_root(address)
    }

    /// Remembers the hash of a sealed block for the BLOCKHASH opcode.
    pub fn record_block_hash(&mut self, number: u64, hash: B256) {
        self.block_hashes.insert(number, hash);
        while self.block_hashes.len() as u64 > BLOCK_HASH_WINDOW {
            self.block_hashes.pop_first();
        }
    }

    /// Starts recording the trie nodes each state root computes anew, for a store that keeps
    /// every block's trie (archive proofs); [`Self::take_trie_nodes`] hands them over.
    pub fn record_trie_nodes(&mut self) {
        self.trie.record_nodes();
    }

    /// The trie nodes recorded since the last call: with those taken before, every node of the
    /// current state's tries.
    pub fn take_trie_nodes(&mut self) -> HashedNodes {
        self.trie.take_recorded_nodes()
    }

    /// Raw code by hash.
    pub fn code_bytes(&self, code_hash: B256) -> Option<Bytes> {
        self.codes.get(&code_hash).map(|code| code.original_bytes())
    }

    /// The whole state as a change set on the empty state: every account, slot and code (for
    /// tools that rebuild the state elsewhere, such as the EVM stepper's tracer; the block
    /// hashes are not part of it).
    pub fn to_diff(&self) -> StateDiff {
        let codes = self.codes.iter().map(|(hash, code)| (*hash, code.original_bytes())).collect();
        let accounts = self.accounts.iter().map(|(address, info)| {
            let storage = self.storage.get(address).map(|slots| slots.iter().map(|(k, v)| (*k, *v)).collect());
            let change =
                crate::AccountDiff { info: Some(*info), storage_reset: false, storage: storage.unwrap_or_default() };
            (*address, change)
        });
        StateDiff { accounts: accounts.collect(), codes }
    }

    /// Number of accounts in the state.
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }
}

impl StateReader for WorldState {
    fn account(&self, address: Address) -> Option<AccountInfo> {
        self.accounts.get(&address).copied()
    }

    fn storage(&self, address: Address, slot: U256) -> U256 {
        self.storage.get(&address).and_then(|slots| slots.get(&slot)).copied().unwrap_or_default()
    }

    fn code(&self, code_hash: B256) -> Option<Bytecode> {
        self.codes.get(&code_hash).cloned()
    }

    fn block_hash(&self, number: u64) -> B256 {
        self.block_hashes.get(&number).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChainConfig, Genesis, L1Origin};

    #[test]
    fn a_state_rebuilt_from_its_diff_has_its_root_and_contents() {
        let (mut world, _) = Genesis::dev(ChainConfig::default(), 0, L1Origin::default()).build();
        let mut copy = WorldState::new();
        assert_eq!(copy.apply(&world.to_diff()), world.state_root());
        assert_eq!(copy.account_count(), world.account_count());
        let l1_block = crate::fees::L1_BLOCK_ADDRESS;
        let code = world.account(l1_block).expect("a predeploy").code_hash;
        assert_eq!(copy.code_bytes(code), world.code_bytes(code));
        assert_eq!(copy.storage(l1_block, U256::from(1)), world.storage(l1_block, U256::from(1)));
    }
}
