//! Tests of sparse tries built from proofs against the full tries they were cut from: the same
//! roots, values, proofs and deletion siblings through any changes to the proven keys.

use super::{AccountProof, HashedNodes, MerkleTrie, StateTrie, TrieNodeError};
use crate::state::{AccountDiff, AccountInfo, StateDiff};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, KECCAK_EMPTY};
use proptest::prelude::*;
use proptest::sample::Index;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// `nodes` by hash.
fn by_hash<'a>(nodes: impl IntoIterator<Item = &'a Bytes>) -> HashMap<B256, Bytes> {
    nodes.into_iter().map(|node| (keccak256(node), node.clone())).collect()
}

/// Every hashed node of the trie of `leaves`.
fn all_nodes(leaves: &BTreeMap<B256, Vec<u8>>) -> HashMap<B256, Bytes> {
    let mut trie = MerkleTrie::new();
    for (key, value) in leaves {
        trie.insert(*key, value.clone());
    }
    let mut nodes = HashedNodes::new();
    trie.root_recording(Some(&mut nodes));
    nodes.into_iter().collect()
}

/// Only the nodes of `all` named in `wanted`, which must all be there.
fn select(all: &HashMap<B256, Bytes>, wanted: impl IntoIterator<Item = B256>) -> HashMap<B256, Bytes> {
    wanted.into_iter().map(|hash| (hash, all.get(&hash).expect("a node of the full trie").clone())).collect()
}

/// The sparse trie of `full` built from the proofs of `keys`.
fn proven(full: &mut MerkleTrie, keys: &[B256]) -> MerkleTrie {
    let proofs: Vec<Bytes> = keys.iter().flat_map(|key| full.proof(*key)).collect();
    MerkleTrie::from_nodes(full.root(), &by_hash(&proofs)).unwrap()
}

/// The sparse trie of `full` that proves `keys`, with what updating them needs revealed from
/// `all` (and nothing else).
fn sparse(full: &mut MerkleTrie, all: &HashMap<B256, Bytes>, keys: &[B256]) -> MerkleTrie {
    let mut sparse = proven(full, keys);
    let wanted: Vec<B256> = keys.iter().flat_map(|key| sparse.blinded_near(*key)).collect();
    sparse.reveal(&select(all, wanted)).unwrap();
    for key in keys {
        assert_eq!(sparse.blinded_near(*key), Vec::<B256>::new(), "all revealed near {key}");
    }
    sparse
}

/// Asserts that `sparse` and `full` agree on the root and on everything about `keys`.
fn assert_same(sparse: &mut MerkleTrie, full: &mut MerkleTrie, keys: &[B256]) {
    assert_eq!(sparse.root(), full.root());
    assert_eq!(sparse.is_empty(), full.is_empty());
    for key in keys {
        assert_eq!(sparse.get(*key), full.get(*key), "value of {key}");
        assert_eq!(sparse.proof(*key), full.proof(*key), "proof of {key}");
        assert_eq!(sparse.deletion_sibling(*key), full.deletion_sibling(*key), "deletion sibling of {key}");
    }
}

/// A key with its first `shared` nibbles set to 1 (so that keys share prefixes of every
/// length), or one of 256 keys differing only in the last byte (embedded nodes near the end).
fn trie_key() -> impl Strategy<Value = B256> {
    prop_oneof![
        (any::<[u8; 32]>(), 0usize..64).prop_map(|(bytes, shared)| {
            let mut key = B256::from(bytes);
            for nibble in 0..shared {
                let byte = &mut key[nibble / 2];
                *byte = if nibble % 2 == 0 { (*byte & 0x0f) | 0x10 } else { (*byte & 0xf0) | 0x01 };
            }
            key
        }),
        any::<u8>().prop_map(|last| {
            let mut key = B256::repeat_byte(0x22);
            key[31] = last;
            key
        }),
    ]
}

/// A value, often short enough for its leaf to be embedded.
fn trie_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 1..3), prop::collection::vec(any::<u8>(), 1..40)]
}

proptest! {
    #[test]
    fn sparse_trie_matches_full_trie(
        leaves in prop::collection::btree_map(trie_key(), trie_value(), 1..200),
        present in prop::collection::vec(any::<Index>(), 0..8),
        absent in prop::collection::vec(trie_key(), 1..5),
        ops in prop::collection::vec((any::<Index>(), prop::option::weighted(0.5, trie_value())), 0..30),
    ) {
        let mut full = MerkleTrie::new();
        for (key, value) in &leaves {
            full.insert(*key, value.clone());
        }
        let all = all_nodes(&leaves);
        let present_keys: Vec<B256> = leaves.keys().copied().collect();
        let keys: Vec<B256> =
            present.iter().map(|index| *index.get(&present_keys)).chain(absent).collect::<BTreeSet<_>>().into_iter().collect();
        let mut sparse = sparse(&mut full, &all, &keys);
        assert_same(&mut sparse, &mut full, &keys);
        for (index, value) in ops {
            let key = *index.get(&keys);
            match value {
                Some(value) => {
                    sparse.insert(key, value.clone());
                    full.insert(key, value);
                }
                None => {
                    sparse.remove(key);
                    full.remove(key);
                }
            }
            assert_same(&mut sparse, &mut full, &keys);
        }
    }
}

/// A key starting with the nibbles `prefix`, the rest from `seed`.
fn key_at(prefix: &[u8], seed: u8) -> B256 {
    let mut key = keccak256([seed]);
    for (nibble, value) in prefix.iter().enumerate() {
        let byte = &mut key[nibble / 2];
        *byte = if nibble % 2 == 0 { (*byte & 0x0f) | (value << 4) } else { (*byte & 0xf0) | value };
    }
    key
}

/// Removing two keys empties a branch, so its parent branch collapses into its other child,
/// a blinded subtree off the keys' paths that must have been revealed; then removing a third
/// key collapses the root into what is left.
#[test]
fn cascading_collapses_need_only_blinded_near() {
    let long = vec![0xaa; 40];
    // Root branch: at 0 a branch P holding (at 1) a branch of a1, a2 and (at 2) a branch S of
    // s1, s2; at f a leaf z.
    let (a1, a2) = (key_at(&[0, 1, 0], 1), key_at(&[0, 1, 1], 2));
    let (s1, s2) = (key_at(&[0, 2, 0], 3), key_at(&[0, 2, 1], 4));
    let z = key_at(&[0xf], 5);
    let leaves: BTreeMap<B256, Vec<u8>> = [a1, a2, s1, s2, z].into_iter().map(|key| (key, long.clone())).collect();
    let mut full = MerkleTrie::new();
    for (key, value) in &leaves {
        full.insert(*key, value.clone());
    }
    let all = all_nodes(&leaves);
    let keys = [a1, a2, z];

    let proofs_only = proven(&mut full, &keys);
    // S is blinded, and only blinded_near of a1 and a2 names it.
    let s_hash = keccak256(&full.proof(s1)[2]);
    assert_eq!(proofs_only.blinded_near(a1), vec![s_hash]);
    assert_eq!(proofs_only.blinded_near(z), Vec::<B256>::new());

    // Without S the second removal cannot collapse P.
    let mut unrevealed = proofs_only.clone();
    unrevealed.remove(a1);
    let panic = std::panic::catch_unwind(move || unrevealed.remove(a2)).expect_err("S is needed");
    let message = panic.downcast_ref::<String>().expect("a formatted panic");
    assert!(message.contains(&format!("trie node {s_hash} is not revealed")), "{message}");

    let mut sparse = sparse(&mut full, &all, &keys);
    for key in keys {
        sparse.remove(key);
        full.remove(key);
        assert_same(&mut sparse, &mut full, &keys);
    }
    // What is left is S below an extension over 0, 2: the root hash of s1 and s2 alone.
    let mut rest = MerkleTrie::new();
    rest.insert(s1, long.clone());
    rest.insert(s2, long);
    assert_eq!(sparse.root(), rest.root());
}

/// Inserting a key that leaves an extension at its last nibble puts the extension's child in
/// a new branch; removing the key again collapses that branch into the child, which must be
/// revealed.
#[test]
fn reinserted_split_extension_needs_its_child() {
    let long = vec![0xbb; 40];
    // Root branch: at a an extension over b, c, d to a branch X of x1, x2; at 5 a leaf y.
    let (x1, x2, y) = (key_at(&[0xa, 0xb, 0xc, 0xd, 0], 1), key_at(&[0xa, 0xb, 0xc, 0xd, 1], 2), key_at(&[5], 3));
    // The new key leaves the extension at d.
    let new = key_at(&[0xa, 0xb, 0xc, 0xe], 4);
    let leaves: BTreeMap<B256, Vec<u8>> = [x1, x2, y].into_iter().map(|key| (key, long.clone())).collect();
    let mut full = MerkleTrie::new();
    for (key, value) in &leaves {
        full.insert(*key, value.clone());
    }
    let all = all_nodes(&leaves);
    let proofs_only = proven(&mut full, &[new]);
    let x_hash = keccak256(&full.proof(x1)[2]);
    let y_hash = keccak256(&full.proof(y)[1]);
    assert_eq!(BTreeSet::from_iter(proofs_only.blinded_near(new)), BTreeSet::from([x_hash, y_hash]));
    // A key leaving the extension earlier needs no child: its insert puts a new extension
    // above X.
    let earlier = key_at(&[0xa, 0xb, 0xd], 5);
    assert_eq!(proofs_only.blinded_near(earlier), vec![y_hash]);

    let mut sparse = sparse(&mut full, &all, &[new]);
    for value in [Some(vec![1]), None, Some(long.clone()), None] {
        match value {
            Some(value) => {
                sparse.insert(new, value.clone());
                full.insert(new, value);
            }
            None => {
                sparse.remove(new);
                full.remove(new);
            }
        }
        assert_same(&mut sparse, &mut full, &[new]);
    }

    let mut sparse = proven(&mut full, &[earlier]);
    sparse.insert(earlier, long.clone());
    full.insert(earlier, long.clone());
    sparse.remove(earlier);
    full.remove(earlier);
    assert_eq!(sparse.root(), full.root());
}

#[test]
fn from_nodes_of_the_empty_root_or_no_nodes() {
    let mut empty = MerkleTrie::from_nodes(EMPTY_ROOT_HASH, &HashMap::new()).unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.root(), EMPTY_ROOT_HASH);

    let root = B256::repeat_byte(7);
    let mut blinded = MerkleTrie::from_nodes(root, &HashMap::new()).unwrap();
    assert!(!blinded.is_empty());
    assert_eq!(blinded.root(), root);
    assert_eq!(blinded.blinded_near(B256::ZERO), vec![root]);
    let mut recorded = HashedNodes::new();
    assert_eq!(blinded.root_recording(Some(&mut recorded)), root);
    assert!(recorded.is_empty(), "blinded nodes are not recorded");
}

#[test]
fn revealed_short_root_keeps_its_hash() {
    // Two keys differing in the last nibble with one-byte values: the root extension is
    // hashed, the branch and leaves below it embedded; here only the root is proven.
    let (one, two) = (B256::with_last_byte(1), B256::with_last_byte(2));
    let mut full = MerkleTrie::new();
    full.insert(one, vec![1]);
    full.insert(two, vec![2]);
    let mut sparse = MerkleTrie::from_nodes(full.root(), &HashMap::new()).unwrap();
    sparse.reveal(&by_hash(&full.proof(one))).unwrap();
    assert_eq!(sparse.blinded_near(one), Vec::<B256>::new());
    assert_same(&mut sparse, &mut full, &[one, two]);
    sparse.remove(one);
    full.remove(one);
    assert_same(&mut sparse, &mut full, &[one, two]);
}

#[test]
fn from_nodes_rejects_bad_nodes() {
    let error = |rlp: &[u8]| {
        let rlp = Bytes::copy_from_slice(rlp);
        let hash = keccak256(&rlp);
        let error = MerkleTrie::from_nodes(hash, &HashMap::from([(hash, rlp)])).expect_err("a bad node");
        assert!(error.to_string().contains(&hash.to_string()), "{error} names the node");
        error
    };
    assert!(matches!(error(b"garbage"), TrieNodeError::Decode { .. }));
    assert!(matches!(error(&[0xc1, 0x80]), TrieNodeError::Decode { .. }), "one-item list");
    // A branch with a value.
    let mut branch = vec![0xd1];
    branch.extend([0x80; 16]);
    branch.push(0x01);
    assert!(matches!(error(&branch), TrieNodeError::Decode { .. }));
    // A leaf with a 63-nibble key at the root.
    let mut leaf = vec![0xe2, 0xa0, 0x3f];
    leaf.extend([0xff; 31]);
    leaf.push(0x01);
    assert!(matches!(error(&leaf), TrieNodeError::Malformed { .. }));
    // Trailing bytes after a valid leaf.
    let mut trie = MerkleTrie::new();
    trie.insert(B256::ZERO, vec![1]);
    trie.root();
    let mut valid = trie.proof(B256::ZERO)[0].to_vec();
    valid.push(0);
    assert!(matches!(error(&valid), TrieNodeError::Malformed { .. }));

    // A node filed under another node's hash.
    let node = trie.proof(B256::ZERO)[0].clone();
    let wrong = B256::repeat_byte(1);
    let error = MerkleTrie::from_nodes(wrong, &HashMap::from([(wrong, node)])).expect_err("a mislabeled node");
    assert!(matches!(error, TrieNodeError::Malformed { hash, .. } if hash == wrong));
}

#[test]
#[should_panic(expected = "is not revealed (the witness lacks it)")]
fn get_below_a_blinded_root_panics() {
    MerkleTrie::from_nodes(B256::repeat_byte(7), &HashMap::new()).unwrap().get(B256::ZERO);
}

/// A trie of 20 hashed keys proven only for the first, which it returns with another key
/// whose path leaves the first one's at the root.
fn proven_first_key() -> (MerkleTrie, B256, B256) {
    let mut full = MerkleTrie::new();
    for seed in 0..20 {
        full.insert(keccak256([seed]), vec![seed + 1; 40]);
    }
    let first = keccak256([0u8]);
    let other = (1..20u8).map(|seed| keccak256([seed])).find(|key| key[0] >> 4 != first[0] >> 4).unwrap();
    (proven(&mut full, &[first]), first, other)
}

#[test]
#[should_panic(expected = "is not revealed (the witness lacks it)")]
fn insert_into_a_blinded_subtree_panics() {
    let (mut sparse, first, other) = proven_first_key();
    sparse.insert(first, vec![0xff]);
    sparse.insert(other, vec![0xff]);
}

#[test]
#[should_panic(expected = "is not revealed (the witness lacks it)")]
fn proof_through_a_blinded_subtree_panics() {
    let (mut sparse, first, other) = proven_first_key();
    sparse.proof(first);
    sparse.proof(other);
}

/// The diff creating `accounts` (by last address byte) with their storage.
fn state(accounts: &BTreeMap<u8, (AccountInfo, BTreeMap<u8, u64>)>) -> StateDiff {
    let accounts = accounts.iter().map(|(address, (info, storage))| {
        let storage = storage.iter().map(|(slot, value)| (U256::from(*slot), U256::from(*value))).collect();
        (Address::with_last_byte(*address), AccountDiff { info: Some(*info), storage_reset: false, storage })
    });
    StateDiff { accounts: accounts.collect(), codes: BTreeMap::new() }
}

fn account_info() -> impl Strategy<Value = AccountInfo> {
    (0u64..3, 0u64..3, any::<bool>()).prop_map(|(nonce, balance, code)| AccountInfo {
        nonce,
        balance: U256::from(balance),
        code_hash: if code { keccak256("code") } else { KECCAK_EMPTY },
    })
}

fn initial_state() -> impl Strategy<Value = BTreeMap<u8, (AccountInfo, BTreeMap<u8, u64>)>> {
    let storage = prop::collection::btree_map(0u8..12, 1u64..1000, 0..12);
    prop::collection::btree_map(0u8..20, (account_info(), storage), 1..20)
}

/// A change to accounts 0..24 and slots 0..14: deletions, resets, zeroed slots, empty infos.
fn account_diff() -> impl Strategy<Value = AccountDiff> {
    let storage = prop::collection::btree_map((0u64..14).prop_map(U256::from), (0u64..3).prop_map(U256::from), 0..6);
    (prop::option::weighted(0.8, account_info()), prop::bool::weighted(0.1), storage).prop_map(
        |(info, storage_reset, storage)| AccountDiff { info, storage_reset, storage: storage.into_iter().collect() },
    )
}

fn state_diff() -> impl Strategy<Value = StateDiff> {
    prop::collection::btree_map((0u8..24).prop_map(Address::with_last_byte), account_diff(), 0..6)
        .prop_map(|accounts| StateDiff { accounts: accounts.into_iter().collect(), codes: BTreeMap::new() })
}

/// `slot` as a storage-proof key.
fn slot(slot: U256) -> B256 {
    B256::from(slot)
}

proptest! {
    #[test]
    fn sparse_state_matches_full_state(
        initial in initial_state(),
        diffs in prop::collection::vec(state_diff(), 1..5),
        extra_slots in prop::collection::btree_map(0u8..24, prop::collection::btree_set(0u64..14, 0..3), 0..4),
    ) {
        let initial = state(&initial);
        let mut full = StateTrie::new();
        full.record_nodes();
        full.apply(&initial);
        let all: HashMap<B256, Bytes> = full.take_recorded_nodes().into_iter().collect();

        // The accounts and slots the diffs touch, and a few more only read.
        let mut touched = BTreeMap::<Address, BTreeSet<B256>>::new();
        for diff in &diffs {
            for (address, change) in &diff.accounts {
                touched.entry(*address).or_default().extend(change.storage.keys().copied().map(slot));
            }
        }
        for (address, slots) in extra_slots {
            touched.entry(Address::with_last_byte(address)).or_default().extend(slots.into_iter().map(U256::from).map(slot));
        }
        let touched: Vec<(Address, Vec<B256>)> =
            touched.into_iter().map(|(address, slots)| (address, slots.into_iter().collect())).collect();

        let proofs: Vec<AccountProof> = touched.iter().map(|(address, slots)| full.account_proof(*address, slots)).collect();
        let mut sparse = StateTrie::from_proofs(full.root(), &proofs).unwrap();
        let wanted: BTreeSet<B256> =
            touched.iter().flat_map(|(address, slots)| sparse.blinded_near(*address, slots)).collect();
        let revealed: Vec<Bytes> = select(&all, wanted).into_values().collect();
        sparse.reveal(&revealed).unwrap();
        for (address, slots) in &touched {
            prop_assert_eq!(sparse.blinded_near(*address, slots), Vec::<B256>::new());
        }

        for diff in &diffs {
            prop_assert_eq!(sparse.apply(diff), full.apply(diff));
            for (address, slots) in &touched {
                prop_assert_eq!(sparse.storage_root(*address), full.storage_root(*address));
                prop_assert_eq!(sparse.account(*address), full.account(*address));
                prop_assert_eq!(sparse.account_proof(*address, slots), full.account_proof(*address, slots));
                prop_assert_eq!(sparse.account_deletion_sibling(*address), full.account_deletion_sibling(*address));
                for slot in slots {
                    prop_assert_eq!(
                        sparse.storage_deletion_sibling(*address, *slot),
                        full.storage_deletion_sibling(*address, *slot)
                    );
                }
            }
        }
    }
}

/// A full state with storage, a proof of account 1 (with slot 0) and of account 2 (no slots).
fn proven_state() -> (StateTrie, Vec<AccountProof>) {
    let accounts = (1..6u8)
        .map(|address| {
            let info = AccountInfo { nonce: 1, balance: U256::from(address), code_hash: KECCAK_EMPTY };
            (address, (info, (0..4u8).map(|slot| (slot, u64::from(slot) + 1)).collect()))
        })
        .collect();
    let mut full = StateTrie::new();
    full.apply(&state(&accounts));
    let proofs = vec![
        full.account_proof(Address::with_last_byte(1), &[slot(U256::ZERO), slot(U256::from(9))]),
        full.account_proof(Address::with_last_byte(2), &[]),
    ];
    (full, proofs)
}

#[test]
fn unproven_storage_root_survives_a_balance_change() {
    let (mut full, proofs) = proven_state();
    let mut sparse = StateTrie::from_proofs(full.root(), &proofs).unwrap();
    let address = Address::with_last_byte(2);
    assert_eq!(sparse.storage_root(address), full.storage_root(address));
    let info = AccountInfo { nonce: 2, balance: U256::from(100), code_hash: KECCAK_EMPTY };
    let diff = StateDiff {
        accounts: [(address, AccountDiff { info: Some(info), ..AccountDiff::default() })].into_iter().collect(),
        codes: BTreeMap::new(),
    };
    assert_eq!(sparse.apply(&diff), full.apply(&diff));
    // Its slots would need the storage root revealed.
    let storage_root = full.storage_root(address);
    let mut near_slot = sparse.blinded_near(address, &[slot(U256::ZERO)]);
    near_slot.retain(|hash| !sparse.blinded_near(address, &[]).contains(hash));
    assert_eq!(near_slot, vec![storage_root]);
}

#[test]
fn from_proofs_rejects_claims_the_nodes_do_not_hold() {
    let (mut full, proofs) = proven_state();
    let root = full.root();
    let address = Address::with_last_byte(1);

    let mut wrong = proofs.clone();
    wrong[0].balance += U256::from(1);
    let error = StateTrie::from_proofs(root, &wrong).expect_err("a wrong balance");
    assert!(matches!(error, TrieNodeError::Account { address: a } if a == address), "{error}");
    assert!(error.to_string().contains(&address.to_string()));

    let mut wrong = proofs.clone();
    wrong[1].storage_hash = EMPTY_ROOT_HASH;
    assert!(matches!(StateTrie::from_proofs(root, &wrong), Err(TrieNodeError::Account { .. })));

    // An absent account claimed to exist.
    let mut wrong = proofs.clone();
    wrong.push(AccountProof { nonce: 1, ..full.account_proof(Address::with_last_byte(9), &[]) });
    assert!(matches!(StateTrie::from_proofs(root, &wrong), Err(TrieNodeError::Account { .. })));

    for (index, value) in [(0, U256::from(5)), (0, U256::ZERO), (1, U256::from(1))] {
        let mut wrong = proofs.clone();
        wrong[0].storage_proofs[index].1 = value;
        let error = StateTrie::from_proofs(root, &wrong).expect_err("a wrong slot value");
        let slot = wrong[0].storage_proofs[index].0;
        assert!(matches!(error, TrieNodeError::Slot { address: a, slot: s } if a == address && s == slot), "{error}");
    }

    // Without its nodes an account cannot be checked.
    let mut wrong = proofs.clone();
    wrong[0].account_proof.truncate(1);
    wrong[1].account_proof.truncate(1);
    assert!(matches!(StateTrie::from_proofs(root, &wrong), Err(TrieNodeError::Account { .. })));

    // A garbage account node.
    let mut wrong = proofs;
    wrong[0].account_proof[0] = Bytes::from_static(b"garbage");
    assert!(StateTrie::from_proofs(keccak256(b"garbage"), &wrong).is_err());
}
