//! The change set a block makes to the world state.

use alloy_primitives::{
    B256, Bytes, U256,
    map::{AddressIndexMap, IndexEntry, U256Map},
};
use revm::bytecode::Bytecode;
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

    /// The account as a database hands it to revm: code is left for revm to load by hash,
    /// except that an account without code gets `empty_code`, the database's own (see
    /// [`super::private_copy`]).
    pub fn to_revm(self, empty_code: &Bytecode) -> revm::state::AccountInfo {
        let code = (self.code_hash == alloy_primitives::KECCAK256_EMPTY).then(|| empty_code.clone());
        revm::state::AccountInfo {
            balance: self.balance,
            nonce: self.nonce,
            code_hash: self.code_hash,
            account_id: None,
            code,
        }
    }
}

impl From<&revm::state::AccountInfo> for AccountInfo {
    /// The nonce, balance and code hash of an account as revm holds it.
    fn from(info: &revm::state::AccountInfo) -> Self {
        Self { nonce: info.nonce, balance: info.balance, code_hash: info.code_hash }
    }
}

/// What a block did to one account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountDiff {
    /// The account after the block; `None` if it no longer exists (destroyed, or an empty
    /// account removed under EIP-161).
    pub info: Option<AccountInfo>,
    /// Whether all storage was wiped before `storage` is applied (self-destruct, or a
    /// contract created at an address that had storage).
    pub storage_reset: bool,
    /// Storage slots written by the block, with their final values; zero means deleted.
    pub storage: U256Map<U256>,
}

/// Every state change of a block. Accounts are kept in the order they were added (by the
/// sequential executor: the order the block first changed them), and two diffs are equal
/// when they hold the same changes in any order: nothing that consumes a diff needs them
/// sorted (the state trie keys accounts by hash, the database by primary key), and sorting
/// them cost the executor a tenth of a transfer block's time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateDiff {
    /// Changed accounts.
    pub accounts: AddressIndexMap<AccountDiff>,
    /// Code deployed by the block, by code hash.
    pub codes: BTreeMap<B256, Bytes>,
}

impl StateDiff {
    /// Folds the changes of a later diff into this one, so that the result equals applying
    /// `self` and then `later`.
    pub fn merge(&mut self, later: Self) {
        self.codes.extend(later.codes);
        for (address, change) in later.accounts {
            match self.accounts.entry(address) {
                IndexEntry::Vacant(entry) => {
                    entry.insert(change);
                }
                IndexEntry::Occupied(mut entry) => {
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
