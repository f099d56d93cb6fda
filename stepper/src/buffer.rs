//! The stepper's commitment to a byte buffer (memory, calldata, return data, code, the
//! JUMPDEST bitmap): a binary Merkle tree of fixed depth over 32-byte words, zero-padded, the
//! mirror of `contracts/src/dispute/lib/BufferTree.sol` (docs/dispute/commitment.md).

use alloy_primitives::{B256, keccak256};
use std::sync::LazyLock;

/// Depth of every buffer tree: 2^17 words.
pub const BUFFER_DEPTH: usize = 17;

/// `Z_i`: the root of an all-zero subtree of height `i`, for `i` in `0..=BUFFER_DEPTH`.
static ZEROS: LazyLock<[B256; BUFFER_DEPTH + 1]> = LazyLock::new(|| {
    let mut zeros = [B256::ZERO; BUFFER_DEPTH + 1];
    for level in 1..=BUFFER_DEPTH {
        zeros[level] = hash_pair(zeros[level - 1], zeros[level - 1]);
    }
    zeros
});

fn hash_pair(left: B256, right: B256) -> B256 {
    let mut pair = [0u8; 64];
    pair[..32].copy_from_slice(left.as_slice());
    pair[32..].copy_from_slice(right.as_slice());
    keccak256(pair)
}

/// A buffer's Merkle tree, holding the nodes over its non-zero prefix; words past it are zero.
#[derive(Clone, Debug)]
pub struct BufferTree {
    /// `levels[0]` are the words; `levels[i]` the nodes of height `i`, as far as any word
    /// below them is stored.
    levels: Vec<Vec<B256>>,
}

impl BufferTree {
    /// The tree of `bytes`, zero-padded to whole words.
    ///
    /// # Panics
    /// If `bytes` does not fit the tree (more than 2^17 words).
    pub fn new(bytes: &[u8]) -> Self {
        assert!(bytes.len().div_ceil(32) <= 1 << BUFFER_DEPTH, "a buffer of {} bytes does not fit", bytes.len());
        let words = bytes
            .chunks(32)
            .map(|chunk| {
                let mut word = B256::ZERO;
                word[..chunk.len()].copy_from_slice(chunk);
                word
            })
            .collect();
        let mut tree = Self { levels: vec![words] };
        for level in 1..=BUFFER_DEPTH {
            let below = &tree.levels[level - 1];
            let nodes = below
                .chunks(2)
                .map(|pair| hash_pair(pair[0], pair.get(1).copied().unwrap_or(ZEROS[level - 1])))
                .collect();
            tree.levels.push(nodes);
        }
        tree
    }

    /// The root of the empty buffer (`Z_17`).
    pub fn empty_root() -> B256 {
        ZEROS[BUFFER_DEPTH]
    }

    /// The root.
    pub fn root(&self) -> B256 {
        self.node(BUFFER_DEPTH, 0)
    }

    /// The word at `index`.
    pub fn word(&self, index: usize) -> B256 {
        self.node(0, index)
    }

    /// The `size` bytes at `offset`.
    pub fn bytes(&self, offset: usize, size: usize) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(size + 64);
        for index in offset / 32..(offset + size).div_ceil(32) {
            bytes.extend_from_slice(self.word(index).as_slice());
        }
        bytes[offset % 32..offset % 32 + size].to_vec()
    }

    /// The sibling path of the word at `index`, leaf level first.
    pub fn proof(&self, index: usize) -> Vec<B256> {
        (0..BUFFER_DEPTH).map(|level| self.node(level, (index >> level) ^ 1)).collect()
    }

    /// The sibling path of the word at `index` in the tree as it would be after the word at
    /// `written` became `word` (the proof of a second write that follows a first).
    pub fn proof_after(&self, index: usize, written: usize, word: B256) -> Vec<B256> {
        let mut proof = self.proof(index);
        if index == written {
            return proof;
        }
        // The one sibling that changes is where the two paths meet: the written word's
        // ancestor just below it, rebuilt from the new word.
        let mut node = word;
        let mut level = 0;
        while (written >> (level + 1)) != (index >> (level + 1)) {
            let sibling = self.node(level, (written >> level) ^ 1);
            node = if (written >> level) & 1 == 0 { hash_pair(node, sibling) } else { hash_pair(sibling, node) };
            level += 1;
        }
        proof[level] = node;
        proof
    }

    /// Replaces the word at `index`.
    ///
    /// # Panics
    /// If `index` lies outside the tree.
    pub fn set_word(&mut self, index: usize, word: B256) {
        assert!(index < 1 << BUFFER_DEPTH, "word {index} lies outside the buffer tree");
        for level in 0..=BUFFER_DEPTH {
            let position = index >> level;
            let node = if level == 0 {
                word
            } else {
                hash_pair(self.node(level - 1, 2 * position), self.node(level - 1, 2 * position + 1))
            };
            let nodes = &mut self.levels[level];
            if nodes.len() <= position {
                nodes.resize(position + 1, ZEROS[level]);
            }
            nodes[position] = node;
        }
    }

    fn node(&self, level: usize, position: usize) -> B256 {
        self.levels[level].get(position).copied().unwrap_or(ZEROS[level])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_buffer_is_the_zero_ladder() {
        assert_eq!(BufferTree::new(&[]).root(), ZEROS[BUFFER_DEPTH]);
        assert_eq!(BufferTree::new(&[0; 100]).root(), ZEROS[BUFFER_DEPTH]);
    }

    #[test]
    fn set_word_matches_a_tree_built_anew() {
        let mut bytes = vec![0u8; 5 * 32 + 7];
        bytes[40] = 9;
        let mut tree = BufferTree::new(&bytes);
        tree.set_word(1000, B256::repeat_byte(3));
        tree.set_word(2, B256::repeat_byte(4));
        bytes.resize(1001 * 32, 0);
        bytes[1000 * 32..].copy_from_slice(B256::repeat_byte(3).as_slice());
        bytes[64..96].copy_from_slice(B256::repeat_byte(4).as_slice());
        let fresh = BufferTree::new(&bytes);
        assert_eq!(tree.root(), fresh.root());
        assert_eq!(tree.proof(7), fresh.proof(7));
    }

    #[test]
    fn proof_after_a_write_matches_the_written_tree() {
        let bytes: Vec<u8> = (0..=255).cycle().take(5000).collect();
        let tree = BufferTree::new(&bytes);
        for (written, index) in [(3, 4), (4, 3), (7, 8), (63, 64), (0, 1), (100, 2)] {
            let word = B256::repeat_byte(0xab);
            let mut after = tree.clone();
            after.set_word(written, word);
            assert_eq!(tree.proof_after(index, written, word), after.proof(index), "{written} then {index}");
        }
    }

    #[test]
    fn a_proof_leads_from_the_word_to_the_root() {
        let bytes: Vec<u8> = (0..=255).cycle().take(3000).collect();
        let tree = BufferTree::new(&bytes);
        for index in [0, 1, 50, 93, 94, 5000] {
            let mut node = tree.word(index);
            for (level, sibling) in tree.proof(index).into_iter().enumerate() {
                node = if (index >> level) & 1 == 0 { hash_pair(node, sibling) } else { hash_pair(sibling, node) };
            }
            assert_eq!(node, tree.root(), "word {index}");
        }
    }
}
