//! Tests of the incremental tries against from-scratch roots built with `alloy_trie`'s
//! `HashBuilder`, and of their proofs against `alloy_trie::proof::verify_proof`.

use super::{MerkleTrie, StateTrie};
use crate::state::{AccountDiff, AccountInfo, StateDiff};
use alloy::rlp::Decodable;
use alloy::{consensus::TrieAccount, rpc::types::EIP1186AccountProofResponse};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, HashBuilder, KECCAK_EMPTY, Nibbles, nodes::TrieNode, proof::verify_proof};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// The root of `leaves` computed from scratch.
fn reference_root(leaves: &BTreeMap<B256, Vec<u8>>) -> B256 {
    let mut builder = HashBuilder::default();
    for (key, value) in leaves {
        builder.add_leaf(Nibbles::unpack(key), value);
    }
    builder.root()
}

/// Key `index` of a family: 0 hashed keys, 1 keys sharing 60 nibbles, 2 keys that diverge at
/// nibble 0, 16, 32 or 48 (extensions at several depths).
fn key(family: u8, index: u8) -> B256 {
    match family {
        0 => keccak256([index]),
        1 => {
            let mut key = B256::repeat_byte(0x11);
            key[30] = index % 3;
            key[31] = index;
            key
        }
        _ => {
            let mut key = B256::repeat_byte(0x33);
            key[usize::from(index % 4) * 8] = index;
            key
        }
    }
}

/// Checks the proof of `key` from `trie` against its root and the expected value.
fn check_proof(trie: &mut MerkleTrie, key: B256, expected: Option<&Vec<u8>>) {
    let root = trie.root();
    let proof = trie.proof(key);
    verify_proof(root, Nibbles::unpack(key), expected.cloned(), &proof)
        .unwrap_or_else(|error| panic!("proof of {key} ({expected:?}): {error}"));
}

#[test]
fn empty_trie_has_empty_root_and_exclusion_proof() {
    let mut trie = MerkleTrie::new();
    assert_eq!(trie.root(), EMPTY_ROOT_HASH);
    assert!(trie.proof(B256::ZERO).is_empty());
    check_proof(&mut trie, B256::ZERO, None);
    let mut state = StateTrie::new();
    assert_eq!(state.apply(&StateDiff::default()), EMPTY_ROOT_HASH);
}

#[test]
fn single_leaf_root_matches_hand_encoding() {
    let key = B256::repeat_byte(0xab);
    let mut trie = MerkleTrie::new();
    trie.insert(key, vec![0x01]);
    // [0x20 ‖ key, 0x01]: a 35-byte payload.
    let mut rlp = vec![0xe3, 0xa1, 0x20];
    rlp.extend_from_slice(key.as_slice());
    rlp.push(0x01);
    assert_eq!(trie.root(), keccak256(&rlp));
    assert_eq!(trie.proof(key), vec![Bytes::from(rlp)]);
}

#[test]
fn inline_branch_below_extension_matches_hand_encoding() {
    let (one, two) = (B256::with_last_byte(1), B256::with_last_byte(2));
    let mut trie = MerkleTrie::new();
    trie.insert(one, vec![0x01]);
    trie.insert(two, vec![0x02]);
    // Extension over 63 zero nibbles to an inline branch with two inline leaves.
    let mut rlp = vec![0xf7, 0xa0, 0x10];
    rlp.extend_from_slice(&[0; 31]);
    rlp.extend_from_slice(&[0xd5, 0x80, 0xc2, 0x20, 0x01, 0xc2, 0x20, 0x02]);
    rlp.extend_from_slice(&[0x80; 14]);
    assert_eq!(rlp.len(), 56);
    assert_eq!(trie.root(), keccak256(&rlp));
    assert_eq!(trie.proof(one), vec![Bytes::from(rlp.clone())]);
    check_proof(&mut trie, one, Some(&vec![0x01]));
    check_proof(&mut trie, B256::with_last_byte(3), None);
    check_proof(&mut trie, B256::repeat_byte(0xff), None);

    trie.remove(two);
    let mut leaf = vec![0xe3, 0xa1, 0x20];
    leaf.extend_from_slice(one.as_slice());
    leaf.push(0x01);
    assert_eq!(trie.root(), keccak256(&leaf));
    assert!(!trie.is_empty());
}

#[test]
fn root_rehashes_only_changed_paths() {
    let mut trie = MerkleTrie::new();
    let mut model = BTreeMap::new();
    for index in 0..2000u32 {
        let key = keccak256(index.to_be_bytes());
        trie.insert(key, index.to_be_bytes().to_vec());
        model.insert(key, index.to_be_bytes().to_vec());
    }
    assert_eq!(trie.root(), reference_root(&model));
    assert_eq!(trie.stale_nodes(), 0);

    // 2000 random keys make paths of about four nodes; a change touches only those.
    let (changed, added, removed) = (keccak256(7u32.to_be_bytes()), B256::ZERO, keccak256(9u32.to_be_bytes()));
    trie.insert(changed, vec![0xaa; 40]);
    model.insert(changed, vec![0xaa; 40]);
    assert!(trie.stale_nodes() <= 6, "{} stale nodes", trie.stale_nodes());
    assert_eq!(trie.root(), reference_root(&model));
    trie.insert(added, vec![1]);
    model.insert(added, vec![1]);
    trie.remove(removed);
    model.remove(&removed);
    assert!(trie.stale_nodes() <= 12, "{} stale nodes", trie.stale_nodes());
    assert_eq!(trie.root(), reference_root(&model));
    assert_eq!(trie.stale_nodes(), 0);

    // Rewriting a value unchanged or removing an absent key invalidates nothing.
    trie.insert(changed, vec![0xaa; 40]);
    trie.remove(keccak256(b"absent"));
    assert_eq!(trie.stale_nodes(), 0);
}

/// The node `deletion_sibling` returns, decoded.
fn decoded_sibling(trie: &mut MerkleTrie, key: B256) -> Option<TrieNode> {
    let sibling = trie.deletion_sibling(key)?;
    // The branch on the key's path (the last proof node above the leaf) holds its hash.
    let proof = trie.proof(key);
    let branch = &proof[proof.len() - 2];
    assert!(branch.windows(32).any(|w| w == keccak256(&sibling).as_slice()), "sibling is referenced by hash");
    Some(TrieNode::decode(&mut sibling.as_ref()).expect("sibling is a trie node"))
}

/// A key starting with `prefix` (the rest from `index`).
fn prefixed(prefix: &[u8], index: u8) -> B256 {
    let mut key = keccak256([index]);
    key[..prefix.len()].copy_from_slice(prefix);
    key
}

#[test]
fn deletion_sibling_is_the_hashed_child_a_collapse_keeps() {
    let long = vec![0xaa; 40];
    let (a, b) = (prefixed(&[0x10], 1), prefixed(&[0x20, 0x00, 0x00], 2));
    let mut trie = MerkleTrie::new();
    assert_eq!(trie.deletion_sibling(a), None, "empty trie");
    trie.insert(a, long.clone());
    assert_eq!(trie.deletion_sibling(a), None, "a root leaf collapses into nothing");

    // Root branch with two hashed leaves: deleting one collapses the branch into the other.
    trie.insert(b, long.clone());
    let Some(TrieNode::Leaf(leaf)) = decoded_sibling(&mut trie, a) else { panic!("b's leaf") };
    assert_eq!(leaf.key, Nibbles::unpack(b).slice(1..));
    assert_eq!(leaf.value, long);
    assert_eq!(trie.deletion_sibling(prefixed(&[0x30], 3)), None, "absent key");

    // A third child: the branch stays.
    let c = prefixed(&[0x30], 3);
    trie.insert(c, long.clone());
    assert_eq!(trie.deletion_sibling(a), None, "two children remain");
    trie.remove(c);

    // The remaining child is an extension (b and b2 share 5 nibbles), then a branch.
    let b2 = prefixed(&[0x20, 0x00, 0x0f], 4);
    trie.insert(b2, long.clone());
    let Some(TrieNode::Extension(extension)) = decoded_sibling(&mut trie, a) else { panic!("extension") };
    assert_eq!(extension.key, Nibbles::unpack(b).slice(1..5));
    let b3 = prefixed(&[0x21], 5);
    trie.insert(b3, long.clone());
    assert!(matches!(decoded_sibling(&mut trie, a), Some(TrieNode::Branch(_))), "a hashed branch child is needed too");
    // Deeper down, b's branch keeps b2: the sibling of b is b2's leaf.
    let Some(TrieNode::Leaf(leaf)) = decoded_sibling(&mut trie, b) else { panic!("b2's leaf") };
    assert_eq!(leaf.key, Nibbles::unpack(b2).slice(6..));
}

#[test]
fn deletion_sibling_is_none_for_an_embedded_child() {
    // Two keys differing in the last nibble with one-byte values: an inline branch holding
    // two inline leaves, below a hashed extension; the proof already holds the inline leaf
    // left when the other goes.
    let (one, two, far) = (B256::with_last_byte(1), B256::with_last_byte(2), B256::repeat_byte(0xff));
    let mut trie = MerkleTrie::new();
    trie.insert(one, vec![0x01]);
    trie.insert(two, vec![0x02]);
    assert_eq!(trie.deletion_sibling(one), None);
    // Next to a third key at the root, deleting that key needs the (hashed) extension.
    trie.insert(far, vec![0x03]);
    assert_eq!(trie.deletion_sibling(one), None);
    let Some(TrieNode::Extension(extension)) = decoded_sibling(&mut trie, far) else { panic!("extension") };
    assert_eq!(extension.key.len(), 62);
}

#[derive(Clone, Debug)]
enum Op {
    Insert(u8, Vec<u8>),
    Remove(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..24, prop::collection::vec(any::<u8>(), 1..40)).prop_map(|(k, v)| Op::Insert(k, v)),
        1 => (0u8..24).prop_map(Op::Remove),
    ]
}

proptest! {
    #[test]
    fn merkle_trie_matches_from_scratch_root(
        family in 0u8..3,
        batches in prop::collection::vec(prop::collection::vec(op(), 1..20), 1..8),
    ) {
        let mut trie = MerkleTrie::new();
        let mut model = BTreeMap::new();
        for batch in batches {
            for op in batch {
                match op {
                    Op::Insert(index, value) => {
                        trie.insert(key(family, index), value.clone());
                        model.insert(key(family, index), value);
                    }
                    Op::Remove(index) => {
                        trie.remove(key(family, index));
                        model.remove(&key(family, index));
                    }
                }
            }
            prop_assert_eq!(trie.root(), reference_root(&model));
            prop_assert_eq!(trie.is_empty(), model.is_empty());
            for index in 0..24 {
                let key = key(family, index);
                prop_assert_eq!(trie.get(key), model.get(&key).map(Vec::as_slice));
                check_proof(&mut trie, key, model.get(&key));
            }
        }
    }
}

/// Accounts with their storage, as the reference model of the world state.
type Model = BTreeMap<Address, (AccountInfo, BTreeMap<U256, U256>)>;

fn apply_to_model(model: &mut Model, diff: &StateDiff) {
    for (address, change) in &diff.accounts {
        let Some(info) = change.info else {
            model.remove(address);
            continue;
        };
        let mut storage = model.remove(address).map(|(_, storage)| storage).unwrap_or_default();
        if change.storage_reset {
            storage.clear();
        }
        for (slot, value) in &change.storage {
            if value.is_zero() {
                storage.remove(slot);
            } else {
                storage.insert(*slot, *value);
            }
        }
        if !(info.is_empty() && storage.is_empty()) {
            model.insert(*address, (info, storage));
        }
    }
}

fn storage_leaves(storage: &BTreeMap<U256, U256>) -> BTreeMap<B256, Vec<u8>> {
    storage.iter().map(|(slot, value)| (keccak256(B256::from(*slot)), alloy::rlp::encode(value))).collect()
}

fn account_leaf(info: &AccountInfo, storage: &BTreeMap<U256, U256>) -> Vec<u8> {
    let storage_root = reference_root(&storage_leaves(storage));
    alloy::rlp::encode(TrieAccount::new(info.nonce, info.balance, storage_root, info.code_hash))
}

fn model_root(model: &Model) -> B256 {
    let leaves =
        model.iter().map(|(address, (info, storage))| (keccak256(address), account_leaf(info, storage))).collect();
    reference_root(&leaves)
}

fn account_diff() -> impl Strategy<Value = AccountDiff> {
    let info = (0u64..3, 0u64..3, any::<bool>()).prop_map(|(nonce, balance, code)| AccountInfo {
        nonce,
        balance: U256::from(balance),
        code_hash: if code { keccak256("code") } else { KECCAK_EMPTY },
    });
    let storage = prop::collection::btree_map((0u64..6).prop_map(U256::from), (0u64..4).prop_map(U256::from), 0..4);
    (prop::option::weighted(0.8, info), prop::bool::weighted(0.2), storage).prop_map(
        |(info, storage_reset, storage)| AccountDiff { info, storage_reset, storage: storage.into_iter().collect() },
    )
}

fn state_diff() -> impl Strategy<Value = StateDiff> {
    prop::collection::btree_map((0u8..5).prop_map(Address::with_last_byte), account_diff(), 0..4)
        .prop_map(|accounts| StateDiff { accounts: accounts.into_iter().collect(), codes: BTreeMap::new() })
}

proptest! {
    #[test]
    fn state_trie_matches_from_scratch_root(diffs in prop::collection::vec(state_diff(), 1..8)) {
        let mut state = StateTrie::new();
        let mut model = Model::new();
        let slots: Vec<B256> = (0u64..6).map(|slot| B256::from(U256::from(slot))).collect();
        let mut merged = crate::state::StateDiff::default();
        for diff in diffs {
            merged.merge(diff.clone());
            apply_to_model(&mut model, &diff);
            let root = state.apply(&diff);
            prop_assert_eq!(root, model_root(&model));
            for address in (0u8..5).map(Address::with_last_byte) {
                let entry = model.get(&address);
                let expected_storage = entry.map(|(_, storage)| storage_leaves(storage)).unwrap_or_default();
                let storage_root = reference_root(&expected_storage);
                prop_assert_eq!(state.storage_root(address), storage_root);

                let proof = state.account_proof(address, &slots);
                let leaf = entry.map(|(info, storage)| account_leaf(info, storage));
                prop_assert!(verify_proof(root, Nibbles::unpack(keccak256(address)), leaf, &proof.account_proof).is_ok());
                prop_assert_eq!(proof.storage_hash, storage_root);
                let info = entry.map(|(info, _)| *info).unwrap_or_default();
                prop_assert_eq!((proof.nonce, proof.balance, proof.code_hash), (info.nonce, info.balance, info.code_hash));
                for (slot, value, storage_proof) in &proof.storage_proofs {
                    let key = keccak256(slot);
                    let leaf = expected_storage.get(&key).cloned();
                    let stored = entry.and_then(|(_, storage)| storage.get(&U256::from_be_bytes(slot.0)));
                    prop_assert_eq!(*value, stored.copied().unwrap_or_default());
                    prop_assert!(verify_proof(storage_root, Nibbles::unpack(key), leaf, storage_proof).is_ok());
                }
                let response = EIP1186AccountProofResponse::from(proof);
                prop_assert_eq!(response.storage_proof.len(), slots.len());
            }
        }
        // Folding all diffs into one gives the same state as applying them one by one.
        prop_assert_eq!(StateTrie::new().apply(&merged), state.root());
    }
}
