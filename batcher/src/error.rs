//! Errors of the batcher and proposer, and which of them end the service.

use alloy::transports::TransportError;
use rollup_batch::BatchError;
use storage::StoreError;

/// Why a batcher step failed. [`BatcherError::is_fatal`] says which end the service; the
/// others are logged and the step is tried again next round.
#[derive(Debug, thiserror::Error)]
pub enum BatcherError {
    /// The chain database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// An L1 request failed (node unreachable or erroring).
    #[error("L1 request failed: {0}")]
    L1(#[from] TransportError),
    /// An L1 contract call failed (boxed: the error is large and rare).
    #[error("L1 contract call failed: {0}")]
    Contract(#[from] Box<alloy::contract::Error>),
    /// The L1 node has no such block (it is syncing, or answered for another chain).
    #[error("the L1 node has no {0} block")]
    MissingL1Block(&'static str),
    /// The L1 node could not be reached when the service started.
    #[error("cannot reach the L1 node at {url}: {source}")]
    Unreachable {
        /// The configured URL.
        url: String,
        /// The transport's error.
        #[source]
        source: TransportError,
    },
    /// Blocks could not be batched.
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// A transaction could not be signed (a broken key or signer).
    #[error("signing an L1 transaction failed: {0}")]
    Signing(#[from] alloy::signers::Error),
    /// The configuration cannot work (wrong key, wrong contract, bad setting); the message
    /// says what to change.
    #[error("configuration error: {0}")]
    Config(String),
    /// Stored data does not decode.
    #[error("corrupt batcher data in the database: {0}")]
    Corrupt(String),
    /// A stored signed transaction does not decode.
    #[error("stored L1 transaction {hash} does not decode: {source}")]
    CorruptTx {
        /// Its hash.
        hash: alloy_primitives::B256,
        /// The decoding error.
        #[source]
        source: alloy::eips::eip2718::Eip2718Error,
    },
    /// Encoding a frame into blobs panicked on its worker thread.
    #[error("blob encoding panicked: {0}")]
    BlobTask(#[from] tokio::task::JoinError),
}

impl From<alloy::contract::Error> for BatcherError {
    fn from(err: alloy::contract::Error) -> Self {
        Self::Contract(Box::new(err))
    }
}

impl BatcherError {
    /// Whether the service must stop: the configuration or the key cannot work (a fee cap
    /// too large to record is one), and trying again would fail the same way. Everything else (L1, the database, a step that found
    /// nothing to do) is retried.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            Self::Config(_) | Self::Unreachable { .. } | Self::Signing(_) | Self::Store(StoreError::OutOfRange { .. })
        )
    }
}
