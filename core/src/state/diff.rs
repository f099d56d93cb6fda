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

/// The first eight bytes of an address as a big-endian integer: orders like the address.
fn leading_word(address: &Address) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&address[..8]);
    u64::from_be_bytes(word)
}

impl StateDiff {
    /// The ordered account map of changes given in any order (see [`Self::sorted_accounts`]).
    pub fn sort_accounts(accounts: impl IntoIterator<Item = (Address, AccountDiff)>) -> BTreeMap<Address, AccountDiff> {
        // Sorted and free of duplicates, so the map is built in one pass.
        Self::sorted_accounts(accounts).into_iter().collect()
    }

    /// Changes to distinct accounts, given in any order, sorted by address: sorts the
    /// addresses alone and moves each change once (sorting the changes themselves moves each
    /// of them many times). The addresses are compared by their leading eight bytes as one
    /// integer first, several times cheaper than comparing 20 bytes and almost always enough
    /// (addresses are hashes); ties are broken by the whole address.
    pub fn sorted_accounts(accounts: impl IntoIterator<Item = (Address, AccountDiff)>) -> Vec<(Address, AccountDiff)> {
        let mut accounts: Vec<(Address, AccountDiff)> = accounts.into_iter().collect();
        let mut order: Vec<(u64, usize)> =
            accounts.iter().enumerate().map(|(index, (address, _))| (leading_word(address), index)).collect();
        order.sort_unstable_by(|(a, a_index), (b, b_index)| {
            a.cmp(b).then_with(|| accounts[*a_index].0.cmp(&accounts[*b_index].0))
        });
        order
            .into_iter()
            .map(|(_, index)| {
                let (address, change) = &mut accounts[index];
                (*address, std::mem::take(change))
            })
            .collect()
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
