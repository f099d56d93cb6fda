//! The fraud-prover: an independent verifier of the rollup.
//!
//! It derives the L2 chain from L1 alone ([`rollup_derive`]), executes it with the same
//! STF as the sequencer, and compares every output root the proposer posts on L1 with the one
//! it derived. A mismatch is a dispute candidate: recorded in the database, counted on
//! `/metrics`, logged, and served by `rollup_disputeCandidates`. [`replay_output`] re-executes
//! a disputed range block by block and transaction by transaction and names where the derived
//! chain and the claim part ways. Playing the dispute on L1 is later work.

mod error;
mod metrics;
mod replay;
mod rpc;
mod verifier;

pub use error::VerifierError;
pub use metrics::VerifierMetrics;
pub use replay::{ReplayReport, replay_output};
pub use rpc::serve;
pub use verifier::{Verifier, VerifierConfig};
