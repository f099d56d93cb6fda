//! Errors of the verifier.

use rollup_core::derive::{DeriveError, ExecutionFailure};

/// Why the verifier or a replay failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifierError {
    /// Deriving from L1 failed (L1 unreachable, wrong L1, or an execution failure).
    #[error(transparent)]
    Derive(#[from] DeriveError<ExecutionFailure>),
    /// An L1 contract call failed.
    #[error("L1 contract call {call}: {reason}")]
    Contract {
        /// The call.
        call: &'static str,
        /// The error.
        reason: String,
    },
    /// The database failed.
    #[error("database: {0}")]
    Store(#[from] sqlx::Error),
    /// Stored data is malformed.
    #[error("stored verifier data is corrupt: {0}")]
    Corrupt(String),
    /// The request cannot be answered (e.g. an output that does not exist).
    #[error("{0}")]
    Invalid(String),
}

impl VerifierError {
    /// A contract-call error.
    pub(crate) fn contract(call: &'static str) -> impl FnOnce(alloy::contract::Error) -> Self {
        move |err| Self::Contract { call, reason: err.to_string() }
    }
}
