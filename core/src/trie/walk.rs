//! Proofs of past state roots from a store of trie nodes: the path of one key walked down from
//! a root, one node fetched by hash at a time (the store is asynchronous, the walk is not).

use alloy::rlp::Decodable;
use alloy_primitives::{B256, Bytes, keccak256};
use alloy_trie::{EMPTY_ROOT_HASH, Nibbles, nodes::TrieNode};

/// Why a walk could not go on.
#[derive(Debug, thiserror::Error)]
pub enum ProofWalkError {
    /// The node fed is not the one asked for.
    #[error("trie node {expected} was asked for, a node hashing to {got} was given")]
    WrongNode {
        /// Hash asked for.
        expected: B256,
        /// Hash of what was given.
        got: B256,
    },
    /// The node is not valid RLP of a trie node.
    #[error("trie node {hash} does not decode: {source}")]
    Decode {
        /// Hash of the node.
        hash: B256,
        /// Decoding error.
        source: alloy::rlp::Error,
    },
}

/// The walk of one key's path from a root: ask [`Self::wanted`] for the next node's hash, give
/// its RLP to [`Self::feed`], until nothing is wanted; [`Self::finish`] returns the proof (the
/// hashed nodes on the path, root first, as `eth_getProof` lists them) and the key's value.
#[derive(Debug)]
pub struct ProofWalk {
    path: Nibbles,
    depth: usize,
    wanted: Option<B256>,
    proof: Vec<Bytes>,
    value: Option<Vec<u8>>,
}

impl ProofWalk {
    /// A walk of `key` (already hashed) in the trie with root `root`.
    pub fn new(root: B256, key: B256) -> Self {
        let wanted = (root != EMPTY_ROOT_HASH).then_some(root);
        Self { path: Nibbles::unpack(key), depth: 0, wanted, proof: Vec::new(), value: None }
    }

    /// The hash of the node the walk needs next, or `None` when it is done.
    pub fn wanted(&self) -> Option<B256> {
        self.wanted
    }

    /// Takes the node asked for by [`Self::wanted`] and walks on through it (and through the
    /// nodes embedded in it).
    pub fn feed(&mut self, rlp: Bytes) -> Result<(), ProofWalkError> {
        let Some(expected) = self.wanted.take() else { return Ok(()) };
        let got = keccak256(&rlp);
        if got != expected {
            return Err(ProofWalkError::WrongNode { expected, got });
        }
        let mut node = decode(&rlp, expected)?;
        self.proof.push(rlp);
        loop {
            let child = match node {
                TrieNode::EmptyRoot => return Ok(()),
                TrieNode::Leaf(leaf) => {
                    if self.path.slice(self.depth..) == leaf.key {
                        self.value = Some(leaf.value);
                    }
                    return Ok(());
                }
                TrieNode::Extension(extension) => {
                    if !self.path.slice(self.depth..).starts_with(&extension.key) {
                        return Ok(());
                    }
                    self.depth += extension.key.len();
                    extension.child
                }
                TrieNode::Branch(branch) => {
                    let Some(nibble) = self.path.get(self.depth) else { return Ok(()) };
                    if !branch.state_mask.is_bit_set(nibble) {
                        return Ok(());
                    }
                    let position = (branch.state_mask.get() & ((1u16 << nibble) - 1)).count_ones() as usize;
                    self.depth += 1;
                    let Some(child) = branch.stack.into_iter().nth(position) else { return Ok(()) };
                    child
                }
            };
            match child.as_hash() {
                Some(hash) => {
                    self.wanted = Some(hash);
                    return Ok(());
                }
                None => node = decode(&child, expected)?,
            }
        }
    }

    /// The proof and the key's value (`None` if the key is absent).
    pub fn finish(self) -> (Vec<Bytes>, Option<Vec<u8>>) {
        (self.proof, self.value)
    }
}

fn decode(rlp: &[u8], hash: B256) -> Result<TrieNode, ProofWalkError> {
    TrieNode::decode(&mut &rlp[..]).map_err(|source| ProofWalkError::Decode { hash, source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trie::{HashedNodes, MerkleTrie};
    use alloy_primitives::{U256, map::B256Map};
    use proptest::prelude::*;

    /// Walks `key` through `nodes` from `root`.
    fn walk(nodes: &B256Map<Bytes>, root: B256, key: B256) -> (Vec<Bytes>, Option<Vec<u8>>) {
        let mut walk = ProofWalk::new(root, key);
        while let Some(hash) = walk.wanted() {
            walk.feed(nodes[&hash].clone()).expect("stored nodes are valid");
        }
        walk.finish()
    }

    proptest! {
        /// After any sequence of changes, every root computed along the way can still be proven
        /// from the recorded nodes: the walk gives the in-memory trie's proof and value of the
        /// time, present and absent keys alike, and alloy-trie's verifier accepts it.
        #[test]
        fn recorded_nodes_prove_every_past_root(
            rounds in proptest::collection::vec(proptest::collection::vec((0u8..40, 0u64..4), 1..20), 1..6),
        ) {
            let key = |k: u8| keccak256([k]);
            let mut trie = MerkleTrie::new();
            let mut nodes = B256Map::default();
            let mut past = Vec::new();
            for round in rounds {
                for (k, value) in round {
                    trie.insert(key(k), if value == 0 { Vec::new() } else { alloy::rlp::encode(U256::from(value)) });
                }
                let mut recorded = HashedNodes::new();
                let root = trie.root_recording(Some(&mut recorded));
                nodes.extend(recorded);
                let snapshot: Vec<_> = (0..40).map(|k| (trie.proof(key(k)), trie.get(key(k)).map(<[u8]>::to_vec))).collect();
                past.push((root, snapshot));
            }
            for (root, snapshot) in past {
                for (k, (proof, value)) in snapshot.into_iter().enumerate() {
                    let walked = walk(&nodes, root, key(k as u8));
                    prop_assert_eq!(&walked, &(proof, value.clone()));
                    alloy_trie::proof::verify_proof(root, Nibbles::unpack(key(k as u8)), value, &walked.0)
                        .expect("alloy-trie accepts the proof");
                }
            }
        }
    }

    /// A node other than the one asked for is refused.
    #[test]
    fn wrong_nodes_are_refused() {
        let mut walk = ProofWalk::new(B256::repeat_byte(1), B256::ZERO);
        assert!(matches!(walk.feed(Bytes::from_static(&[0xc0])), Err(ProofWalkError::WrongNode { .. })));
    }
}
