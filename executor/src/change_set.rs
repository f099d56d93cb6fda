//! The block's change set, built from the final writes in the multi-version memory rather than
//! by committing every transaction in order: each account's writes are replayed in transaction
//! order under the rules the sequential executor's overlay applies on commit, so the result is
//! the same [`StateDiff`](rollup_core::StateDiff) entry for entry. Accounts are independent, so
//! threads build shards of the change set side by side.

use crate::mv_memory::{AccountVersions, SlotWrite};
use alloy_primitives::{
    Address, B256, Bytes, KECCAK256_EMPTY, U256,
    map::{B256Map, U256Map},
};
use parking_lot::Mutex;
use revm::bytecode::Bytecode;
use rollup_core::{AccountDiff, AccountInfo, StateReader};
use smallvec::SmallVec;

/// One thread's piece of the change set: the changes to the accounts of the shards it
/// builds, in no order, and code deployed.
#[derive(Debug, Default)]
pub(crate) struct ChangesPiece {
    pub(crate) accounts: Vec<(Address, AccountDiff)>,
    pub(crate) codes: Vec<(B256, Bytes)>,
}

/// What one transaction did to an account, as the sequential overlay sees it on commit.
#[derive(Clone, Copy, Debug)]
enum Commit {
    /// Wrote nonce, balance or code: the new account (`None` = destroyed or emptied).
    Write(Option<AccountInfo>),
    /// Credited the balance of an account without code.
    Credit(U256),
    /// Touched the account without changing it or its storage.
    Touch,
}

impl ChangesPiece {
    /// Adds the change to `address` (if the block changed it at all) from its final writes:
    /// `versions` (if the block wrote the account itself) and `slots`, the final writes to its
    /// storage. `codes` holds the code of every contract deployed during the block.
    pub(crate) fn add_account(
        &mut self,
        address: Address,
        versions: Option<&AccountVersions>,
        slots: &[SlotWrite],
        base: &dyn StateReader,
        codes: &Mutex<B256Map<Bytecode>>,
    ) {
        let mut commits: SmallVec<[(usize, Commit); 2]> = versions
            .into_iter()
            .flat_map(|versions| {
                let writes = versions.account.written().map(|(tx, info)| (tx, Commit::Write(info)));
                let credits = versions.credits.written().map(|(tx, amount)| (tx, Commit::Credit(amount)));
                writes.chain(credits).chain(versions.touches.written().map(|(tx, _)| (tx, Commit::Touch)))
            })
            .collect();
        if commits.is_empty() && slots.is_empty() {
            return;
        }
        // A transaction writes an account in one way only, so transaction order is total.
        commits.sort_unstable_by_key(|(tx, _)| *tx);

        // The account before each commit; read from the base state only if a commit needs it
        // (one that overwrites the whole account does not).
        let mut known: Option<Option<AccountInfo>> = None;
        let current = |known: &mut Option<Option<AccountInfo>>| *known.get_or_insert_with(|| base.account(address));
        let mut entry: Option<AccountDiff> = None;
        // Storage writes of transactions from this one on survive (earlier ones were wiped).
        let mut storage_from = 0;
        for (tx, commit) in commits {
            let info = match commit {
                Commit::Write(info) => info,
                Commit::Credit(amount) => {
                    let info = current(&mut known).unwrap_or_default();
                    Some(AccountInfo { balance: info.balance + amount, ..info })
                }
                Commit::Touch => current(&mut known),
            };
            // Destroyed, or touched and empty (EIP-161): an existing account is deleted with
            // its storage; for one that does not exist nothing changes.
            let Some(info) = info.filter(|info| !info.is_empty()) else {
                if current(&mut known).is_some() {
                    entry = Some(AccountDiff { info: None, storage_reset: true, ..Default::default() });
                    storage_from = tx + 1;
                }
                known = Some(None);
                continue;
            };
            let diff = entry.get_or_insert_default();
            if let Commit::Write(_) = commit {
                if versions.is_some_and(|versions| versions.resets.written().any(|(reset, _)| reset == tx)) {
                    // Created: storage from before is gone.
                    diff.storage_reset = true;
                    storage_from = tx;
                }
                if code_hash_is_new(info.code_hash, base)
                    && let Some(code) = codes.lock().get(&info.code_hash)
                {
                    self.codes.push((info.code_hash, code.original_bytes()));
                }
            }
            diff.info = Some(info);
            known = Some(Some(info));
        }
        let storage: U256Map<U256> =
            slots.iter().filter(|write| write.tx >= storage_from).map(|write| (write.slot, write.value)).collect();
        // A transaction that wrote only storage committed the account unchanged.
        if entry.is_none() && !storage.is_empty() {
            entry = current(&mut known).map(|info| AccountDiff { info: Some(info), ..Default::default() });
        }
        let Some(mut diff) = entry else { return };
        if diff.info.is_some() {
            diff.storage = storage;
        }
        self.accounts.push((address, diff));
    }
}

/// Whether code with this hash is neither empty nor in the state before the block.
fn code_hash_is_new(code_hash: B256, base: &dyn StateReader) -> bool {
    code_hash != KECCAK256_EMPTY && base.code(code_hash).is_none()
}

/// A fee vault's change: credited `amount` once, as the reward step does after each
/// transaction (the account is touched even when the reward is zero). Applies only when no
/// transaction of the block read, and so none wrote, the vault.
pub(crate) fn reward(base: &dyn StateReader, beneficiary: Address, amount: U256) -> Option<AccountDiff> {
    let current = base.account(beneficiary);
    let info = current.unwrap_or_default();
    let info = AccountInfo { balance: info.balance + amount, ..info };
    if info.is_empty() {
        return current.map(|_| AccountDiff { info: None, storage_reset: true, ..Default::default() });
    }
    Some(AccountDiff { info: Some(info), ..Default::default() })
}
