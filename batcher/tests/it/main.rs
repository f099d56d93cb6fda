//! The batcher and proposer against a real Anvil L1 and an in-process sequencer.

mod common;
mod crash;
mod posting;
mod resilience;
