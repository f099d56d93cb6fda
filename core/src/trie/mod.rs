//! The state commitment: an incremental Merkle-Patricia trie and the world-state trie built
//! from it, so each block rehashes only the paths it changed; both can be sparse, built from
//! Merkle proofs.

mod mpt;
#[cfg(test)]
mod sparse_tests;
mod state;
#[cfg(test)]
mod tests;
mod walk;

pub use mpt::{HashedNodes, MerkleTrie, TrieNodeError};
pub use state::{AccountProof, StateTrie};
pub use walk::{ProofWalk, ProofWalkError};
