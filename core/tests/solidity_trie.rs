//! Differential property test of the contracts' `MerkleTrieWriter` against the in-memory
//! `MerkleTrie`: random inserts, updates and deletes are applied to the Rust trie and, through
//! its proofs and deletion siblings, by the Solidity library running in revm; the roots must
//! agree after every write, and tampered witnesses must make the library revert.

use alloy::rlp::Decodable;
use alloy_primitives::{B256, Bytes, U256, keccak256};
use alloy_trie::nodes::TrieNode;
use proptest::prelude::*;
use rollup_core::MerkleTrie;
use std::sync::LazyLock;
use test_support::ContractHarness;

/// Runtime code of `MerkleTrieWriterHarness`, compiled once per test binary.
static HARNESS_CODE: LazyLock<Bytes> = LazyLock::new(|| {
    test_support::compile("contracts/test/utils/MerkleTrieWriterHarness.sol", "MerkleTrieWriterHarness")
        .deployed_bytecode
});

/// The inputs of one `MerkleTrieWriter.update` call.
#[derive(Clone, Debug)]
struct Write {
    key: B256,
    value: Vec<u8>,
    proof: Vec<Bytes>,
    sibling: Bytes,
    root: B256,
}

/// The harness contract in a revm database.
struct Harness(ContractHarness);

impl Harness {
    fn new() -> Self {
        Self(ContractHarness::new(HARNESS_CODE.clone()))
    }

    fn call(&mut self, data: Vec<u8>) -> Result<Bytes, Bytes> {
        self.0.call(data)
    }

    /// `MerkleTrieWriter.update`: the new root, or the revert data.
    fn update(&mut self, write: &Write) -> Result<B256, Bytes> {
        let output = self.call(calldata("update(bytes,bytes,bytes[],bytes,bytes32)", write))?;
        Ok(B256::from_slice(&output[..32]))
    }

    /// `MerkleTrieWriter.update` through `measureUpdate`: the new root and the gas the library
    /// call took.
    fn measure(&mut self, write: &Write) -> (B256, u64) {
        let output = self.call(calldata("measureUpdate(bytes,bytes,bytes[],bytes,bytes32)", write)).expect("succeeds");
        (B256::from_slice(&output[..32]), U256::from_be_slice(&output[32..64]).to())
    }
}

/// ABI encoding of a call `signature(bytes key, bytes value, bytes[] proof, bytes sibling,
/// bytes32 root)`.
fn calldata(signature: &str, write: &Write) -> Vec<u8> {
    fn word(value: usize) -> [u8; 32] {
        U256::from(value).to_be_bytes()
    }
    fn bytes(data: &[u8]) -> Vec<u8> {
        let mut out = word(data.len()).to_vec();
        out.extend_from_slice(data);
        out.resize(32 + data.len().div_ceil(32) * 32, 0);
        out
    }
    let mut proof = word(write.proof.len()).to_vec();
    let elements: Vec<Vec<u8>> = write.proof.iter().map(|node| bytes(node)).collect();
    let mut offset = 32 * elements.len();
    for element in &elements {
        proof.extend_from_slice(&word(offset));
        offset += element.len();
    }
    proof.extend(elements.concat());

    let tails = [bytes(write.key.as_slice()), bytes(&write.value), proof, bytes(&write.sibling)];
    let mut out = keccak256(signature)[..4].to_vec();
    let mut offset = 32 * 5;
    for tail in &tails {
        out.extend_from_slice(&word(offset));
        offset += tail.len();
    }
    out.extend_from_slice(write.root.as_slice());
    out.extend(tails.concat());
    out
}

/// The selector of the library's custom error `name`.
fn error(name: &str) -> Bytes {
    Bytes::copy_from_slice(&keccak256(format!("MerkleTrieWriter_{name}()"))[..4])
}

/// Prepares the write of `value` (empty: delete) under `key` in `trie`, applies it to the trie
/// and returns it with the root it must produce.
fn write(trie: &mut MerkleTrie, key: B256, value: Vec<u8>) -> (Write, B256) {
    let root = trie.root();
    let proof = trie.proof(key);
    let sibling = if value.is_empty() { trie.deletion_sibling(key).unwrap_or_default() } else { Bytes::new() };
    let write = Write { key, value: value.clone(), proof, sibling, root };
    trie.insert(key, value);
    (write, trie.root())
}

/// Key `index` of a family: 0 hashed keys; 1 keys sharing 60 nibbles (inline nodes at the
/// bottom); 2 keys that diverge at nibble 0, 16, 32 or 48 (extensions at several depths);
/// 3 keys with one of three first nibbles and then sharing all but the last two (long
/// extensions over inline branches next to each other at the root, merging on deletes).
fn key(family: u8, index: u8) -> B256 {
    match family {
        0 => keccak256([index]),
        1 => {
            let mut key = B256::repeat_byte(0x11);
            key[30] = index % 3;
            key[31] = index;
            key
        }
        2 => {
            let mut key = B256::repeat_byte(0x33);
            key[usize::from(index % 4) * 8] = index;
            key
        }
        _ => {
            let mut key = B256::ZERO;
            key[0] = (index % 3) << 4;
            key[31] = index / 3;
            key
        }
    }
}

/// Values of every size class: one byte (its own RLP below 0x80), short ones that keep deep
/// leaves inline, and long ones (over 55 bytes: long RLP headers).
fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<u8>().prop_map(|byte| vec![byte]),
        prop::collection::vec(any::<u8>(), 2..8),
        prop::collection::vec(any::<u8>(), 8..80),
    ]
}

#[derive(Clone, Debug)]
enum Op {
    /// Sets key `index` (an empty value deletes it, present or not).
    Write(u8, Vec<u8>),
    /// Deletes one of the keys in the trie.
    DeletePresent(prop::sample::Index),
    /// Writes one of the keys in the trie with the value it already has.
    Rewrite(prop::sample::Index),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (0u8..24, value()).prop_map(|(index, value)| Op::Write(index, value)),
        1 => (0u8..24).prop_map(|index| Op::Write(index, Vec::new())),
        3 => any::<prop::sample::Index>().prop_map(Op::DeletePresent),
        1 => any::<prop::sample::Index>().prop_map(Op::Rewrite),
    ]
}

/// A small deterministic generator for choosing what to tamper with.
struct SplitMix(u64);

impl SplitMix {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// Witnesses derived from `write` that are invalid, each with a description.
fn tampered(write: &Write, rng: &mut SplitMix) -> Vec<(&'static str, Write)> {
    let mut out = Vec::new();
    let mut push = |what, change: &dyn Fn(&mut Write)| {
        let mut tampered = write.clone();
        change(&mut tampered);
        out.push((what, tampered));
    };
    if !write.proof.is_empty() {
        let (node, byte) = (rng.below(write.proof.len()), rng.below(1 << 16));
        let flip = 1 + rng.below(255) as u8;
        push("a flipped byte", &|w| {
            let mut bytes = w.proof[node].to_vec();
            let index = byte % bytes.len();
            bytes[index] ^= flip;
            w.proof[node] = bytes.into();
        });
        push("a dropped node", &|w| {
            w.proof.remove(node);
        });
        push("a truncated node", &|w| w.proof[node] = w.proof[node].slice(..w.proof[node].len() - 1));
    }
    push("an extra node", &|w| w.proof.push(Bytes::from_static(&[0xc0])));
    push("a wrong root", &|w| w.root.0[31] ^= 1);
    if !write.sibling.is_empty() {
        let byte = rng.below(write.sibling.len());
        push("a flipped sibling byte", &|w| {
            let mut bytes = w.sibling.to_vec();
            bytes[byte] ^= 0x10;
            w.sibling = bytes.into();
        });
        push("no sibling", &|w| w.sibling = Bytes::new());
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn solidity_writer_matches_merkle_trie(
        family in 0u8..4,
        ops in prop::collection::vec((op(), any::<u64>()), 1..60),
    ) {
        let mut harness = Harness::new();
        let mut trie = MerkleTrie::new();
        let mut present = Vec::new();
        for (op, seed) in ops {
            let (key, value) = match op {
                Op::Write(index, value) => (key(family, index), value),
                _ if present.is_empty() => continue,
                Op::DeletePresent(index) => (*index.get(&present), Vec::new()),
                Op::Rewrite(index) => {
                    let key = *index.get(&present);
                    (key, trie.get(key).expect("present").to_vec())
                }
            };
            let mut before = trie.clone();
            let (write, expected) = write(&mut trie, key, value);
            prop_assert_eq!(harness.update(&write), Ok(expected), "{:?}", write);
            present.retain(|k| *k != key);
            if trie.get(key).is_some() {
                present.push(key);
            }

            // Every tampered witness reverts.
            let mut rng = SplitMix(seed);
            for (what, tampered) in tampered(&write, &mut rng) {
                let result = harness.update(&tampered);
                prop_assert!(result.is_err(), "{} gave {:?} for {:?}", what, result, tampered);
            }
            // A sibling where none is needed is ignored.
            if write.sibling.is_empty() {
                let extra = Write { sibling: Bytes::from_static(&[0xc0]), ..write.clone() };
                prop_assert_eq!(harness.update(&extra), Ok(expected));
            }
            // Another key's proof never yields a wrong root: it reverts, or it happens to be a
            // proof of this key too.
            let other = self::key(family, rng.below(24) as u8);
            let borrowed = Write { proof: before.proof(other), ..write.clone() };
            let result = harness.update(&borrowed);
            prop_assert!(result.is_err() || result == Ok(expected), "another key's proof gave {:?}", result);
        }
    }
}

#[test]
fn empty_trie_accepts_no_proof_or_the_empty_node() {
    let mut harness = Harness::new();
    let mut trie = MerkleTrie::new();
    let (write, expected) = write(&mut trie, B256::repeat_byte(0xab), vec![0x01]);
    assert!(write.proof.is_empty(), "the Rust trie proves the empty trie with no nodes");
    assert_eq!(harness.update(&write), Ok(expected));
    let with_empty_node = Write { proof: vec![Bytes::from_static(&[0x80])], ..write.clone() };
    assert_eq!(harness.update(&with_empty_node), Ok(expected));
    let delete = Write { value: Vec::new(), ..write.clone() };
    assert_eq!(harness.update(&delete), Ok(write.root), "deleting from the empty trie");
    let not_empty = Write { root: expected, ..write };
    assert_eq!(harness.update(&not_empty), Err(error("EmptyProof")));
}

/// An account leaf's size: rlp([nonce, balance, storage root, code hash]) is about 70 bytes.
fn account_like(seed: u32) -> Vec<u8> {
    let mut value = vec![0xf8, 0x44, 0x01, 0x80, 0xa0];
    value.extend_from_slice(keccak256(seed.to_be_bytes()).as_slice());
    value.push(0xa0);
    value.extend_from_slice(keccak256(b"code").as_slice());
    value
}

/// Whether the last node of `key`'s proof is a leaf.
fn ends_at_leaf(trie: &mut MerkleTrie, key: B256) -> bool {
    let proof = trie.proof(key);
    let last = proof.last().expect("a non-empty trie");
    matches!(TrieNode::decode(&mut last.as_ref()), Ok(TrieNode::Leaf(_)))
}

/// Gas of the library call (no calldata or ABI decoding) for writes whose proofs have five
/// nodes (four branches and a leaf, as in a state trie of some ten thousand accounts). Measured
/// at 43 000 to 51 000 gas; each further level of the trie adds roughly 9 000.
#[test]
fn writes_with_five_node_proofs_stay_cheap() {
    let mut trie = MerkleTrie::new();
    let keys: Vec<B256> = (0..10_000u32).map(|seed| keccak256(seed.to_be_bytes())).collect();
    for (seed, key) in keys.iter().enumerate() {
        trie.insert(*key, account_like(seed as u32));
    }
    let deep = *keys.iter().find(|key| trie.proof(**key).len() == 5).expect("a key five nodes deep");
    let collapsing = *keys
        .iter()
        .find(|key| trie.proof(**key).len() == 5 && trie.deletion_sibling(**key).is_some())
        .expect("a key five nodes deep whose deletion collapses its branch");
    let fresh = (10_000..20_000u32)
        .map(|seed| keccak256(seed.to_be_bytes()))
        .find(|key| trie.proof(*key).len() == 5 && ends_at_leaf(&mut trie, *key))
        .expect("an absent key whose path ends at a leaf five nodes deep");

    let mut harness = Harness::new();
    let mut measure = |key, value| {
        let (write, expected) = write(&mut trie.clone(), key, value);
        assert_eq!(write.proof.len(), 5, "five-node proof");
        let (root, gas) = harness.measure(&write);
        assert_eq!(root, expected);
        gas
    };
    let gas = [
        ("update", measure(deep, account_like(1))),
        ("insert splitting a leaf", measure(fresh, account_like(2))),
        ("delete", measure(deep, Vec::new())),
        ("delete collapsing a branch", measure(collapsing, Vec::new())),
    ];
    for (what, gas) in gas {
        assert!(gas < 60_000, "{what}: {gas} gas");
    }
}
