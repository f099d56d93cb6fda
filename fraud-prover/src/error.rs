//! Errors of the verifier.

use rollup_core::ExecutionError;
use rollup_derive::{DeriveError, ExecutionFailure};
use storage::StoreError;

/// Why the verifier or a replay failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifierError {
    /// Deriving from L1 failed (L1 unreachable, wrong L1, or an execution failure).
    #[error(transparent)]
    Derive(#[from] DeriveError<ExecutionFailure>),
    /// An L1 contract call failed.
    #[error("L1 contract call {call} failed: {source}")]
    Contract {
        /// The call.
        call: &'static str,
        /// The error (boxed: it is large, and rare).
        #[source]
        source: Box<alloy::contract::Error>,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A derived block did not re-execute.
    #[error("re-executing block {number}: {source}")]
    Execution {
        /// The block.
        number: u64,
        /// Why.
        #[source]
        source: ExecutionError,
    },
    /// The claimant's L2 node (a replay's `--l2-rpc-url`) failed to answer.
    #[error("claimant L2 RPC: {0}")]
    ClaimantRpc(#[source] alloy::transports::TransportError),
    /// Writing a replay's report failed.
    #[error("writing the replay report: {0}")]
    Output(#[from] std::io::Error),
    /// The request or setting cannot work (an output that does not exist, a malformed URL);
    /// the message says what to change.
    #[error("{0}")]
    Invalid(String),
}

impl VerifierError {
    /// A contract-call error.
    pub(crate) fn contract(call: &'static str) -> impl FnOnce(alloy::contract::Error) -> Self {
        move |source| Self::Contract { call, source: Box::new(source) }
    }

    /// Whether the verifier should wait and try again: L1 was unreachable or answered with an
    /// error. Anything else (the database, a wrong deployment, a block that does not execute)
    /// stops it, to be restarted once the cause is fixed.
    pub fn is_temporary(&self) -> bool {
        match self {
            Self::Derive(err) => err.is_temporary(),
            Self::Contract { .. } => true,
            _ => false,
        }
    }
}
