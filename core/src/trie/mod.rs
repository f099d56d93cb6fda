//! The state commitment: an incremental Merkle-Patricia trie and the world-state trie built
//! from it, so each block rehashes only the paths it changed.

mod mpt;
mod state;
#[cfg(test)]
mod tests;

pub use mpt::MerkleTrie;
pub use state::{AccountProof, StateTrie};
