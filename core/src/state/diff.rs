//! The change set a block makes to the world state.

use alloy_primitives::{Address, B256, Bytes, U256};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Nonce, balance and code hash of an account: everything the account trie commits to
/// apart from the storage root.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    /// Transactions sent (or contracts created) by this account.
    pub nonce: u64,
    /// Balance in wei.
    pub balance: U256,
    /// `keccak256` of the account's code; `KECCAK_EMPTY` for accounts without code.
    pub code_hash: B256,
}

impl Default for AccountInfo {
    fn default() -> Self {
        Self { nonce: 0, balance: U256::ZERO, code_hash: alloy_primitives::KECCAK256_EMPTY }
    }
}

impl AccountInfo {
    /// Whether the account is empty in the EIP-161 sense (and so absent from the trie).
    pub fn is_empty(&self) -> bool {
        self.nonce == 0 && self.balance.is_zero() && self.code_hash == alloy_primitives::KECCAK256_EMPTY
    }
}

/// What a block did to one account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountDiff {
    /// The account after the block; `None` if it no longer exists (destroyed, or an empty
    /// account removed under EIP-161).
    pub info: Option<AccountInfo>,
    /// Whether all storage was wiped before `storage` is applied (self-destruct, or a
    /// contract created at an address that had storage).
    pub storage_reset: bool,
    /// Storage slots written by the block, with their final values; zero means deleted.
    pub storage: BTreeMap<U256, U256>,
}

/// Every state change of a block, ordered by address so that iteration is deterministic.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateDiff {
    /// Changed accounts.
    pub accounts: BTreeMap<Address, AccountDiff>,
    /// Code deployed by the block, by code hash.
    pub codes: BTreeMap<B256, Bytes>,
}

impl StateDiff {
    /// The ordered account map of changes given in any order (see [`Self::sorted_accounts`]).
    pub fn sort_accounts(accounts: impl IntoIterator<Item = (Address, AccountDiff)>) -> BTreeMap<Address, AccountDiff> {
        // Sorted and free of duplicates, so the map is built in one pass.
        Self::sorted_accounts(accounts).into_iter().collect()
    }

    /// Changes to distinct accounts, given in any order, sorted by address: sorts the
    /// addresses alone and moves each change once (sorting the changes themselves moves each
    /// of them many times).
    pub fn sorted_accounts(accounts: impl IntoIterator<Item = (Address, AccountDiff)>) -> Vec<(Address, AccountDiff)> {
        let mut accounts: Vec<(Address, AccountDiff)> = accounts.into_iter().collect();
        let mut order: Vec<(Address, usize)> =
            accounts.iter().enumerate().map(|(index, (address, _))| (*address, index)).collect();
        order.sort_unstable_by_key(|(address, _)| *address);
        order.into_iter().map(|(address, index)| (address, std::mem::take(&mut accounts[index].1))).collect()
    }

    /// Folds the changes of a later diff into this one, so that the result equals applying
    /// `self` and then `later`.
    pub fn merge(&mut self, later: Self) {
        self.codes.extend(later.codes);
        for (address, change) in later.accounts {
            match self.accounts.entry(address) {
                std::collections::btree_map::Entry::Vacant(entry) => {
                    entry.insert(change);
                }
                std::collections::btree_map::Entry::Occupied(mut entry) => {
                    let current = entry.get_mut();
                    // A reset, a deletion, or a re-creation after a deletion drops earlier storage.
                    if change.storage_reset || change.info.is_none() || current.info.is_none() {
                        *current = AccountDiff { storage_reset: true, ..change };
                    } else {
                        current.info = change.info;
                        current.storage.extend(change.storage);
                    }
                }
            }
        }
    }
}
