//! Batches: how runs of sealed L2 blocks travel to L1 and come back.
//!
//! Three layers, each versioned, all decoded with bounds checks and typed errors (derivation
//! drops bad data by rule and never panics on it):
//!
//! 1. [`Batch`]: a run of consecutive L2 blocks (timestamp, L1 origin and the non-deposit
//!    transactions of each), encoded column by column ([`Batch::encode`]): all nonces
//!    together, all gas limits, all recipients, all signatures… so the compressor sees alike
//!    bytes side by side instead of interleaved with random signatures.
//! 2. A channel: the compressed batch, behind one byte naming the [`Compression`].
//! 3. [`Frame`]s: the channel cut into pieces that fit one L1 transaction's calldata or blobs.
//!
//! The format and the measurements behind it are in `docs/batches.md`.

mod blob;
mod codec;
mod compression;
mod frame;
mod wire;

pub use blob::{BLOB_CAPACITY, blobs_to_frame, frame_to_sidecar};
pub use codec::BATCH_VERSION;
pub use compression::{Algorithm, Compression, MAX_CHANNEL_SIZE};
pub use frame::{FRAME_HEADER_SIZE, FRAME_VERSION, Frame, join_frames, split_channel};

use alloy::consensus::TxEnvelope;
use alloy_primitives::B256;
use rollup_core::L1Origin;

/// One L2 block as a batch carries it: what derivation needs to rebuild it, besides the
/// deposits it reads from L1 itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchBlock {
    /// Block timestamp.
    pub timestamp: u64,
    /// The block's L1 origin.
    pub l1_origin: L1Origin,
    /// The block's non-deposit transactions, in block order.
    pub transactions: Vec<TxEnvelope>,
}

/// A run of consecutive L2 blocks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Batch {
    /// Number of the first block.
    pub first_block: u64,
    /// Hash of the block before the first one: derivation only applies a batch on top of the
    /// block it was built on.
    pub parent_hash: B256,
    /// The blocks, in order.
    pub blocks: Vec<BatchBlock>,
}

impl Batch {
    /// Number of the last block (the first block's parent for an empty batch).
    pub fn last_block(&self) -> u64 {
        (self.first_block + self.blocks.len() as u64).saturating_sub(1)
    }

    /// Number of transactions in all blocks.
    pub fn transaction_count(&self) -> usize {
        self.blocks.iter().map(|block| block.transactions.len()).sum()
    }
}

/// Why batch data could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The data ended inside the named field.
    #[error("batch data ends inside {0}")]
    Truncated(&'static str),
    /// The named field holds a value the format forbids.
    #[error("invalid {0}: {1}")]
    Invalid(&'static str, &'static str),
    /// The data names a version this node does not know.
    #[error("unknown {what} version {version}")]
    UnknownVersion {
        /// Which layer.
        what: &'static str,
        /// The version byte found.
        version: u8,
    },
    /// A transaction cannot travel in a batch (deposits and blob transactions never do).
    #[error("transaction {index} of block {block} cannot be batched: {reason}")]
    Unbatchable {
        /// Block number.
        block: u64,
        /// Position in the block.
        index: usize,
        /// Why.
        reason: String,
    },
    /// The compressed stream is corrupt.
    #[error("decompression failed: {0}")]
    Decompress(#[source] std::io::Error),
    /// The channel decompresses to more than [`MAX_CHANNEL_SIZE`] bytes.
    #[error("the channel decompresses to more than {MAX_CHANNEL_SIZE} bytes")]
    TooLarge,
    /// Frames do not form one complete channel.
    #[error("frames do not form a channel: {0}")]
    Frames(String),
    /// The KZG commitments or proofs of a frame's blobs could not be computed.
    #[error("KZG commitments of a frame of {len} bytes: {source}")]
    Kzg {
        /// The frame's size.
        len: usize,
        /// The KZG library's error.
        #[source]
        source: alloy::eips::eip4844::c_kzg::Error,
    },
    /// An empty frame (nothing to put in a blob).
    #[error("an empty frame cannot be posted")]
    EmptyFrame,
    /// Blobs do not carry one simple-coded frame.
    #[error("blobs do not carry one frame: {0}")]
    BlobData(&'static str),
}
