//! The world-state commitment: the account trie and one storage trie per account, updated
//! incrementally from each block's [`StateDiff`].

use super::{HashedNodes, MerkleTrie, TrieNodeError};
use crate::state::{AccountDiff, StateDiff};
use alloy::{
    consensus::TrieAccount,
    rlp::Decodable,
    rpc::types::{EIP1186AccountProofResponse, EIP1186StorageProof},
};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_trie::EMPTY_ROOT_HASH;
use std::collections::{BTreeMap, HashMap};

/// Merkle proofs of one account and some of its storage slots against the state root, in the
/// shape of `eth_getProof` (convertible into [`EIP1186AccountProofResponse`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccountProof {
    /// The account's address.
    pub address: Address,
    /// The account's nonce (zero if the account does not exist).
    pub nonce: u64,
    /// The account's balance (zero if the account does not exist).
    pub balance: U256,
    /// The account's code hash (`KECCAK_EMPTY` if the account does not exist).
    pub code_hash: B256,
    /// The account's storage root (`EMPTY_ROOT_HASH` if it has no storage).
    pub storage_hash: B256,
    /// Account-trie nodes from the state root to the account's leaf (or to where its path
    /// ends, for an absent account).
    pub account_proof: Vec<Bytes>,
    /// Per requested slot: the slot, its value (zero if unset) and the storage-trie nodes
    /// from `storage_hash` along `keccak256(slot)`.
    pub storage_proofs: Vec<(B256, U256, Vec<Bytes>)>,
}

impl AccountProof {
    /// The proof of `account` (the default one for an absent account) at `address`.
    pub fn new(
        address: Address,
        account: TrieAccount,
        account_proof: Vec<Bytes>,
        storage_proofs: Vec<(B256, U256, Vec<Bytes>)>,
    ) -> Self {
        Self {
            address,
            nonce: account.nonce,
            balance: account.balance,
            code_hash: account.code_hash,
            storage_hash: account.storage_root,
            account_proof,
            storage_proofs,
        }
    }
}

impl From<AccountProof> for EIP1186AccountProofResponse {
    fn from(proof: AccountProof) -> Self {
        Self {
            address: proof.address,
            balance: proof.balance,
            code_hash: proof.code_hash,
            nonce: proof.nonce,
            storage_hash: proof.storage_hash,
            account_proof: proof.account_proof,
            storage_proof: proof
                .storage_proofs
                .into_iter()
                .map(|(slot, value, proof)| EIP1186StorageProof { key: slot.into(), value, proof })
                .collect(),
        }
    }
}

impl From<EIP1186AccountProofResponse> for AccountProof {
    fn from(response: EIP1186AccountProofResponse) -> Self {
        Self {
            address: response.address,
            nonce: response.nonce,
            balance: response.balance,
            code_hash: response.code_hash,
            storage_hash: response.storage_hash,
            account_proof: response.account_proof,
            storage_proofs: response
                .storage_proof
                .into_iter()
                .map(|proof| (proof.key.as_b256(), proof.value, proof.proof))
                .collect(),
        }
    }
}

/// The Ethereum world-state trie: leaves `rlp(TrieAccount)` under `keccak256(address)`, and per
/// account a storage trie with leaves `rlp(value)` under `keccak256(slot)` (zero values absent).
///
/// Applying a block's diff touches only the changed accounts and slots, and
/// [`StateTrie::root`] rehashes only the paths they changed.
///
/// A state built by [`StateTrie::from_proofs`] is sparse (see [`MerkleTrie`]): it serves the
/// accounts and slots proven, and changes to them once [`StateTrie::blinded_near`] is revealed.
#[derive(Clone, Debug, Default)]
pub struct StateTrie {
    accounts: MerkleTrie,
    /// Storage tries of accounts that have storage.
    storage: BTreeMap<Address, MerkleTrie>,
    /// The hashed nodes computed since they were last taken, if they are being recorded.
    recorded: Option<HashedNodes>,
}

impl StateTrie {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// The sparse state with root `state_root` holding what `proofs` prove: the account trie
    /// of their account nodes, and for each proven account with storage a storage trie of its
    /// storage nodes (blinded at the root if no slot is proven). Every proof's account and slot
    /// values must be those its nodes hold.
    pub fn from_proofs(state_root: B256, proofs: &[AccountProof]) -> Result<Self, TrieNodeError> {
        let accounts = MerkleTrie::from_nodes(state_root, &hashed(proofs.iter().flat_map(|p| &p.account_proof)))?;
        let mut storage_nodes = BTreeMap::new();
        for proof in proofs.iter().filter(|proof| proof.storage_hash != EMPTY_ROOT_HASH) {
            let (_, nodes) = storage_nodes.entry(proof.address).or_insert_with(|| (proof.storage_hash, HashMap::new()));
            nodes.extend(hashed(proof.storage_proofs.iter().flat_map(|(_, _, nodes)| nodes)));
        }
        let storage = storage_nodes
            .into_iter()
            .map(|(address, (root, nodes))| Ok((address, MerkleTrie::from_nodes(root, &nodes)?)))
            .collect::<Result<_, TrieNodeError>>()?;
        let state = Self { accounts, storage, recorded: None };
        for proof in proofs {
            let address = proof.address;
            let claimed = TrieAccount::new(proof.nonce, proof.balance, proof.storage_hash, proof.code_hash);
            let held = match state.accounts.lookup(keccak256(address)) {
                Ok(None) => Some(TrieAccount::default()),
                Ok(Some(leaf)) => TrieAccount::decode(&mut &leaf[..]).ok(),
                Err(_) => None,
            };
            if held != Some(claimed) {
                return Err(TrieNodeError::Account { address });
            }
            for (slot, value, _) in &proof.storage_proofs {
                let held = state.storage.get(&address).map_or(Ok(None), |storage| storage.lookup(keccak256(slot)));
                let claimed = (!value.is_zero()).then(|| alloy::rlp::encode(value));
                if held != Ok(claimed.as_deref()) {
                    return Err(TrieNodeError::Slot { address, slot: *slot });
                }
            }
        }
        Ok(state)
    }

    /// Reveals `nodes` (RLP encodings) wherever the account trie or a storage trie has them
    /// blinded (see [`MerkleTrie::reveal`]).
    pub fn reveal(&mut self, nodes: &[Bytes]) -> Result<(), TrieNodeError> {
        let nodes = hashed(nodes);
        self.accounts.reveal(&nodes)?;
        self.storage.values_mut().try_for_each(|storage| storage.reveal(&nodes))
    }

    /// The hashes of the blinded nodes that changing `address` and its `slots` may need (see
    /// [`MerkleTrie::blinded_near`]), each once.
    pub fn blinded_near(&self, address: Address, slots: &[B256]) -> Vec<B256> {
        let mut blinded = self.accounts.blinded_near(keccak256(address));
        if let Some(storage) = self.storage.get(&address) {
            blinded.extend(slots.iter().flat_map(|slot| storage.blinded_near(keccak256(slot))));
        }
        blinded.sort_unstable();
        blinded.dedup();
        blinded
    }

    /// Applies a block's changes and returns the new state root.
    ///
    /// An account whose info is `None` is removed with its storage; so is an account that is
    /// empty (EIP-161) and has no storage left after the diff.
    pub fn apply(&mut self, diff: &StateDiff) -> B256 {
        for (address, change) in &diff.accounts {
            self.apply_account(*address, change);
        }
        self.root()
    }

    /// The current state root.
    pub fn root(&mut self) -> B256 {
        self.accounts.root_recording(self.recorded.as_mut())
    }

    /// The storage root of `address` (`EMPTY_ROOT_HASH` if it has no storage).
    pub fn storage_root(&mut self, address: Address) -> B256 {
        let recorded = self.recorded.as_mut();
        self.storage.get_mut(&address).map_or(EMPTY_ROOT_HASH, |storage| storage.root_recording(recorded))
    }

    /// Starts recording the hashed nodes of the account and storage tries that each root
    /// computes anew (see [`MerkleTrie::root_recording`]), for a store that serves proofs of
    /// past roots.
    pub fn record_nodes(&mut self) {
        self.recorded.get_or_insert_with(Vec::new);
    }

    /// The nodes recorded since the last call (none if recording is off).
    pub fn take_recorded_nodes(&mut self) -> HashedNodes {
        self.recorded.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The account leaf of `address`, if the account exists.
    pub fn account(&self, address: Address) -> Option<TrieAccount> {
        let leaf = self.accounts.get(keccak256(address))?;
        TrieAccount::decode(&mut &leaf[..]).ok()
    }

    /// Merkle proofs of `address` and of the given storage slots (`eth_getProof`).
    pub fn account_proof(&mut self, address: Address, slots: &[B256]) -> AccountProof {
        let account_proof = self.accounts.proof(keccak256(address));
        let account = self.account(address).unwrap_or_default();
        let storage = self.storage.get_mut(&address);
        let storage_proofs = match storage {
            None => slots.iter().map(|slot| (*slot, U256::ZERO, Vec::new())).collect(),
            Some(storage) => slots
                .iter()
                .map(|slot| {
                    let key = keccak256(slot);
                    let value = storage.get(key).and_then(|leaf| U256::decode(&mut &leaf[..]).ok()).unwrap_or_default();
                    (*slot, value, storage.proof(key))
                })
                .collect(),
        };
        AccountProof::new(address, account, account_proof, storage_proofs)
    }

    /// The extra witness deleting `slot` of `address` from its storage trie needs besides the
    /// slot's proof ([`MerkleTrie::deletion_sibling`]).
    pub fn storage_deletion_sibling(&mut self, address: Address, slot: B256) -> Option<Bytes> {
        self.storage.get_mut(&address)?.deletion_sibling(keccak256(slot))
    }

    /// The extra witness deleting `address` from the account trie needs besides its proof.
    pub fn account_deletion_sibling(&mut self, address: Address) -> Option<Bytes> {
        self.accounts.deletion_sibling(keccak256(address))
    }

    fn apply_account(&mut self, address: Address, change: &AccountDiff) {
        let hashed = keccak256(address);
        let Some(info) = change.info else {
            self.accounts.remove(hashed);
            self.storage.remove(&address);
            return;
        };
        let storage = self.storage.entry(address).or_default();
        if change.storage_reset {
            *storage = MerkleTrie::new();
        }
        for (slot, value) in &change.storage {
            let key = keccak256(B256::from(*slot));
            if value.is_zero() {
                storage.remove(key);
            } else {
                storage.insert(key, alloy::rlp::encode(value));
            }
        }
        let storage_root = storage.root_recording(self.recorded.as_mut());
        if storage.is_empty() {
            self.storage.remove(&address);
            if info.is_empty() {
                self.accounts.remove(hashed);
                return;
            }
        }
        let account = TrieAccount::new(info.nonce, info.balance, storage_root, info.code_hash);
        self.accounts.insert(hashed, alloy::rlp::encode(account));
    }
}

/// `nodes` by hash.
fn hashed<'a>(nodes: impl IntoIterator<Item = &'a Bytes>) -> HashMap<B256, Bytes> {
    nodes.into_iter().map(|node| (keccak256(node), node.clone())).collect()
}
