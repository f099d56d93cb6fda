//! Errors of the batcher and proposer.

use rollup_batch::BatchError;
use storage::StoreError;

/// Why a batcher step failed.
#[derive(Debug, thiserror::Error)]
pub enum BatcherError {
    /// The chain database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The batcher's own tables failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The L1 node failed or is unreachable.
    #[error("L1 request failed: {0}")]
    L1(String),
    /// Blocks could not be batched.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// The configuration cannot work (wrong key, wrong contract, bad setting); the message
    /// says what to change.
    #[error("configuration error: {0}")]
    Config(String),
    /// Stored data does not decode.
    #[error("corrupt batcher data in the database: {0}")]
    Corrupt(String),
}

impl BatcherError {
    /// An L1 failure from any displayable error.
    pub(crate) fn l1(err: impl std::fmt::Display) -> Self {
        Self::L1(err.to_string())
    }
}
