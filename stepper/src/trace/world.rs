//! The tracer's copy of the machine's world (docs/dispute/commitment.md, "World"): the state
//! trie kept in step with revm's journal, the trie at the frame's checkpoint for original
//! storage values, transient storage and the warm sets, with the proofs a step's witness needs.

use crate::commitment::World;
use alloy::rlp::Encodable;
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use revm::state::EvmState;
use rollup_core::{AccountDiff, AccountInfo, MerkleTrie, StateDiff, StateTrie};

/// A change the instruction makes to the world, applied to the tracer's copy once it ran.
#[derive(Clone, Debug)]
pub(crate) enum Effect {
    /// Nothing beyond the frame.
    None,
    /// SLOAD: the slot becomes warm.
    Warm(B256),
    /// SSTORE: the slot becomes warm and holds the value.
    Store(B256, U256),
    /// TSTORE.
    Transient(B256, U256),
    /// BALANCE, EXTCODESIZE, EXTCODEHASH, calls (with an EIP-7702 delegate), CREATE: the
    /// addresses become warm.
    WarmAccounts(Vec<Address>),
    /// LOG0–LOG4.
    Log(alloy_primitives::Log),
    /// SELFDESTRUCT: `warming` (the beneficiary's), then the balance moves to `beneficiary`;
    /// an account `created` in the transaction loses its balance and is destroyed (EIP-6780).
    Destroy { beneficiary: Address, warming: Box<Effect>, created: bool },
}

/// The world as the tracer follows it through a transaction.
#[derive(Clone, Debug)]
pub(crate) struct WorldMirror {
    state: StateTrie,
    /// The state at the transaction frame's checkpoint, once it is entered.
    start: Option<StateTrie>,
    transient: MerkleTrie,
    warm_accounts: MerkleTrie,
    warm_slots: MerkleTrie,
    refund: u64,
    /// The transaction's logs: their hash chain, total RLP length and bloom.
    logs_hash: B256,
    logs_rlp_length: u64,
    bloom: alloy_primitives::Bloom,
    /// The accounts destroyed so far, in order (`TxEnd` deletes them, the last first).
    destroyed: Vec<Address>,
    /// Gas the block's earlier transactions used.
    cumulative_gas: u64,
}

/// The key of a slot of an account in the warm-slot and transient tries, before hashing:
/// `address ‖ slot`.
fn slot_key(address: Address, slot: B256) -> B256 {
    keccak256([address.as_slice(), slot.as_slice()].concat())
}

/// The value of a key of the transient trie (or a storage trie): `rlp(value)`.
fn value_leaf(value: U256) -> Vec<u8> {
    let mut out = Vec::new();
    value.encode(&mut out);
    out
}

impl WorldMirror {
    /// The world before a transaction on the pre-state whose trie is `state`, after the
    /// block's earlier transactions used `cumulative_gas`.
    pub(crate) fn new(state: StateTrie, cumulative_gas: u64) -> Self {
        Self {
            start: None,
            state,
            transient: MerkleTrie::new(),
            warm_accounts: MerkleTrie::new(),
            warm_slots: MerkleTrie::new(),
            refund: 0,
            logs_hash: B256::ZERO,
            logs_rlp_length: 0,
            bloom: alloy_primitives::Bloom::ZERO,
            destroyed: Vec::new(),
            cumulative_gas,
        }
    }

    /// Takes over the accounts and slots revm's journal has changed.
    pub(crate) fn sync(&mut self, journal: &EvmState) {
        let mut diff = StateDiff::default();
        for (address, account) in journal {
            if !account.is_touched() {
                continue;
            }
            let info = AccountInfo {
                nonce: account.info.nonce,
                balance: account.info.balance,
                code_hash: account.info.code_hash,
            };
            let storage = account
                .storage
                .iter()
                .filter(|(_, slot)| slot.is_changed())
                .map(|(key, slot)| (*key, slot.present_value))
                .collect();
            diff.accounts.insert(*address, AccountDiff { info: Some(info), storage_reset: false, storage });
        }
        self.state.apply(&diff);
    }

    /// Marks the current state as the transaction's start: original storage values are read
    /// from it.
    pub(crate) fn mark_start(&mut self) {
        self.start = Some(self.state.clone());
    }

    /// The state trie: the current one, or the one at the checkpoint (`at_start`).
    pub(crate) fn state(&mut self, at_start: bool) -> &mut StateTrie {
        match (&mut self.start, at_start) {
            (Some(start), true) => start,
            _ => &mut self.state,
        }
    }

    /// Adds an address to the warm set.
    pub(crate) fn warm_account(&mut self, address: Address) {
        self.warm_accounts.insert(keccak256(address), vec![1]);
    }

    /// The proof of an address in the warm-account set.
    pub(crate) fn warm_account_proof(&mut self, address: Address) -> Vec<Bytes> {
        self.warm_accounts.proof(keccak256(address))
    }

    /// The world's commitment part.
    pub(crate) fn world(&mut self) -> World {
        World {
            stateRoot: self.state.root(),
            txStartRoot: self.start.as_mut().map_or(B256::ZERO, StateTrie::root),
            transientRoot: self.transient.root(),
            warmAccounts: self.warm_accounts.root(),
            warmSlots: self.warm_slots.root(),
            refund: U256::from(self.refund),
            logsHash: self.logs_hash,
            logsRlpLength: U256::from(self.logs_rlp_length),
            logsBloom: keccak256(self.bloom),
            destroyed: destroyed_chain(&self.destroyed),
            cumulativeGas: U256::from(self.cumulative_gas),
        }
    }

    /// Applies an instruction's effect on `account`.
    pub(crate) fn apply(&mut self, account: Address, effect: Effect) {
        match effect {
            Effect::None => {}
            Effect::Warm(slot) => self.warm_slot(account, slot),
            Effect::Store(slot, value) => {
                self.warm_slot(account, slot);
                self.set_storage(account, slot, value);
            }
            Effect::Transient(slot, value) => self.set_transient(account, slot, value),
            Effect::WarmAccounts(addresses) => addresses.into_iter().for_each(|address| self.warm_account(address)),
            Effect::Log(log) => self.add_log(&log),
            Effect::Destroy { beneficiary, warming, created } => {
                self.apply(account, *warming);
                let balance = self.state.account(account).map_or(U256::ZERO, |account| account.balance);
                if created || beneficiary != account {
                    self.update_account(account, |info| info.balance = U256::ZERO);
                }
                if beneficiary != account {
                    self.update_account(beneficiary, |info| info.balance += balance);
                }
                if created {
                    self.destroyed.push(account);
                }
            }
        }
    }

    /// The accounts the transaction destroyed, in order.
    pub(crate) fn destroyed(&self) -> &[Address] {
        &self.destroyed
    }

    /// Adds a log: a link of the hash chain, its RLP length, its bloom bits.
    pub(crate) fn add_log(&mut self, log: &alloy_primitives::Log) {
        let rlp = alloy::rlp::encode(log);
        self.logs_hash = keccak256([self.logs_hash.as_slice(), keccak256(&rlp).as_slice()].concat());
        self.logs_rlp_length += rlp.len() as u64;
        self.bloom.accrue_log(log);
    }

    /// The bloom as it is.
    pub(crate) fn bloom(&self) -> alloy_primitives::Bloom {
        self.bloom
    }

    /// Sets the refund counter.
    pub(crate) fn set_refund(&mut self, refund: u64) {
        self.refund = refund;
    }

    /// Adds a slot to the warm set.
    pub(crate) fn warm_slot(&mut self, address: Address, slot: B256) {
        self.warm_slots.insert(slot_key(address, slot), vec![1]);
    }

    /// Changes an account's nonce or code hash (an account without one is created).
    pub(crate) fn update_account(&mut self, address: Address, change: impl FnOnce(&mut AccountInfo)) {
        let account = self.state.account(address).unwrap_or_default();
        let mut info = AccountInfo { nonce: account.nonce, balance: account.balance, code_hash: account.code_hash };
        if self.state.account(address).is_none() {
            info.code_hash = alloy_primitives::KECCAK256_EMPTY;
        }
        change(&mut info);
        let mut diff = StateDiff::default();
        diff.accounts
            .insert(address, AccountDiff { info: Some(info), storage_reset: false, storage: Default::default() });
        self.state.apply(&diff);
    }

    /// Moves `value` from `from` to `to` as `FrameSetup` does (`TransactionSteps._transfer`):
    /// the recipient is touched (left empty, it is deleted, EIP-161), unless it is the sender,
    /// which runs code and so is never empty.
    pub(crate) fn transfer(&mut self, from: Address, to: Address, value: U256) {
        if from == to {
            return;
        }
        if !value.is_zero() {
            self.update_account(from, |info| info.balance -= value);
        }
        self.update_account(to, |info| info.balance += value);
    }

    /// Writes a storage slot.
    pub(crate) fn set_storage(&mut self, address: Address, slot: B256, value: U256) {
        let account = self.state.account(address).unwrap_or_default();
        let info = AccountInfo { nonce: account.nonce, balance: account.balance, code_hash: account.code_hash };
        let mut diff = StateDiff::default();
        let storage = std::iter::once((U256::from_be_bytes(slot.0), value)).collect();
        diff.accounts.insert(address, AccountDiff { info: Some(info), storage_reset: false, storage });
        self.state.apply(&diff);
    }

    /// Writes a transient slot.
    pub(crate) fn set_transient(&mut self, address: Address, slot: B256, value: U256) {
        let key = slot_key(address, slot);
        if value.is_zero() {
            self.transient.remove(key);
        } else {
            self.transient.insert(key, value_leaf(value));
        }
    }

    /// Proofs of an account and one of its slots against the current state root.
    pub(crate) fn storage_proofs(&mut self, address: Address, slot: B256) -> (Vec<Bytes>, Vec<Bytes>) {
        split(self.state.account_proof(address, &[slot]))
    }

    /// Proofs of an account and one of its slots at the transaction's start.
    pub(crate) fn start_proofs(&mut self, address: Address, slot: B256) -> (Vec<Bytes>, Vec<Bytes>) {
        split(self.state(true).account_proof(address, &[slot]))
    }

    /// The code of `address` as it is now (none for an account without).
    pub(crate) fn code(&self, context: &super::context::ContextData, address: Address) -> Bytes {
        let hash = self.state.account(address).map(|account| account.code_hash);
        hash.and_then(|hash| context.codes.get(&hash).cloned()).unwrap_or_default()
    }

    /// The proof of an account against the current state root, and its code hash if it exists.
    pub(crate) fn account_with_code_hash(&mut self, address: Address) -> (Vec<Bytes>, Option<B256>) {
        let proof = self.state.account_proof(address, &[]).account_proof;
        (proof, self.state.account(address).map(|account| account.code_hash))
    }

    /// The collapse witness of deleting a slot.
    pub(crate) fn storage_deletion_sibling(&mut self, address: Address, slot: B256) -> Option<Bytes> {
        self.state.storage_deletion_sibling(address, slot)
    }

    /// The proof of a slot in the warm-slot set.
    pub(crate) fn warm_slot_proof(&mut self, address: Address, slot: B256) -> Vec<Bytes> {
        self.warm_slots.proof(slot_key(address, slot))
    }

    /// The proof of a transient slot, and the collapse witness of deleting it.
    pub(crate) fn transient_proof(&mut self, address: Address, slot: B256) -> (Vec<Bytes>, Option<Bytes>) {
        let key = slot_key(address, slot);
        (self.transient.proof(key), self.transient.deletion_sibling(key))
    }
}

/// The proof of `address` in `state`, and a copy of `state` with its balance changed by
/// `change` (an account without one is created): the proof of a second write after a first.
pub(crate) fn after_balance(
    state: &mut StateTrie,
    address: Address,
    change: impl FnOnce(U256) -> U256,
) -> (Vec<Bytes>, StateTrie) {
    let proof = state.account_proof(address, &[]).account_proof;
    let account = state.account(address).unwrap_or_default();
    let mut after = state.clone();
    let info = AccountInfo {
        nonce: account.nonce,
        balance: change(account.balance),
        code_hash: if state.account(address).is_some() { account.code_hash } else { alloy_primitives::KECCAK256_EMPTY },
    };
    let mut diff = StateDiff::default();
    diff.accounts.insert(address, AccountDiff { info: Some(info), storage_reset: false, storage: Default::default() });
    after.apply(&diff);
    (proof, after)
}

/// The `destroyed` chain of `accounts`: from zero, each link `keccak256(below ‖ address)`.
pub(crate) fn destroyed_chain(accounts: &[Address]) -> B256 {
    accounts.iter().fold(B256::ZERO, |below, address| keccak256([below.as_slice(), address.as_slice()].concat()))
}

/// An account proof split into the account's nodes and its one slot's nodes.
fn split(proof: rollup_core::AccountProof) -> (Vec<Bytes>, Vec<Bytes>) {
    let storage = proof.storage_proofs.into_iter().next().map(|(_, _, nodes)| nodes).unwrap_or_default();
    (proof.account_proof, storage)
}
