//! Acceptance tests of derivation and the verifier on a real Anvil, with a real sequencer and
//! batcher.

mod common;
mod deposits;
mod faulty;
mod fees;
mod garbage;
mod honest;
