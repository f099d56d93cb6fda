//! What derivation throws away, and why: every drop names its L1 location and its rule.

use alloy_primitives::B256;

/// The rule a piece of L1 data broke.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DropReason {
    /// The posted bytes are not a frame (unknown version, truncated header, bad index).
    #[error("undecodable frame: {0}")]
    BadFrame(String),
    /// A frame with this index of the channel was already seen.
    #[error("duplicate frame {index} of channel {channel}")]
    DuplicateFrame {
        /// Channel id.
        channel: u64,
        /// Frame index.
        index: u16,
    },
    /// The frame disagrees with earlier frames of its channel about the frame count.
    #[error("frame of channel {channel} says {count} frames, earlier frames said {expected}")]
    FrameCountMismatch {
        /// Channel id.
        channel: u64,
        /// Count in this frame.
        count: u16,
        /// Count in the channel's first frame.
        expected: u16,
    },
    /// The channel was not complete within the channel timeout.
    #[error("channel {channel} timed out with {received} of {count} frames")]
    ChannelTimeout {
        /// Channel id.
        channel: u64,
        /// Frames received.
        received: usize,
        /// Frames expected.
        count: u16,
    },
    /// The channel does not decompress (unknown algorithm, corrupt stream, over the size cap).
    #[error("channel {channel} does not decompress: {reason}")]
    BadCompression {
        /// Channel id.
        channel: u64,
        /// Decompression error.
        reason: String,
    },
    /// The channel decompresses but is not a batch.
    #[error("channel {channel} is not a valid batch: {reason}")]
    BadBatch {
        /// Channel id.
        channel: u64,
        /// Decoding error.
        reason: String,
    },
    /// The batch covers no blocks.
    #[error("batch of channel {channel} is empty")]
    EmptyBatch {
        /// Channel id.
        channel: u64,
    },
    /// Every block of the batch is already in the derived chain.
    #[error("batch for blocks {first}..={last} is already derived")]
    AlreadyDerived {
        /// First block.
        first: u64,
        /// Last block.
        last: u64,
    },
    /// The batch starts inside the derived chain but goes past its head.
    #[error("batch for blocks {first}..={last} overlaps the derived head {head}")]
    Overlapping {
        /// First block.
        first: u64,
        /// Last block.
        last: u64,
        /// Derived head.
        head: u64,
    },
    /// Too many batches are waiting for earlier blocks.
    #[error("batch for blocks starting at {first} is too far ahead of the derived head {head}")]
    TooFarAhead {
        /// First block.
        first: u64,
        /// Derived head.
        head: u64,
    },
    /// The batch does not build on the derived chain.
    #[error("batch for block {first} builds on {claimed}, but the derived block {parent} is {derived}")]
    ParentMismatch {
        /// First block.
        first: u64,
        /// Parent block number.
        parent: u64,
        /// Parent hash in the batch.
        claimed: B256,
        /// Hash of the derived parent.
        derived: B256,
    },
    /// A block of the batch breaks a sequencing rule or does not execute; it and the rest of
    /// its batch are dropped (the blocks before it stay derived).
    #[error("block {block}: {rule}")]
    InvalidBlock {
        /// Block number.
        block: u64,
        /// The rule it breaks.
        rule: String,
    },
}

impl DropReason {
    /// Every [`Self::kind`], so that metrics can show each rule (at zero) before it fires.
    pub const KINDS: [&'static str; 12] = [
        "bad_frame",
        "duplicate_frame",
        "frame_count_mismatch",
        "channel_timeout",
        "bad_compression",
        "bad_batch",
        "empty_batch",
        "already_derived",
        "overlapping",
        "too_far_ahead",
        "parent_mismatch",
        "invalid_block",
    ];

    /// A short stable name of the rule, for metrics labels and tests.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::BadFrame(_) => "bad_frame",
            Self::DuplicateFrame { .. } => "duplicate_frame",
            Self::FrameCountMismatch { .. } => "frame_count_mismatch",
            Self::ChannelTimeout { .. } => "channel_timeout",
            Self::BadCompression { .. } => "bad_compression",
            Self::BadBatch { .. } => "bad_batch",
            Self::EmptyBatch { .. } => "empty_batch",
            Self::AlreadyDerived { .. } => "already_derived",
            Self::Overlapping { .. } => "overlapping",
            Self::TooFarAhead { .. } => "too_far_ahead",
            Self::ParentMismatch { .. } => "parent_mismatch",
            Self::InvalidBlock { .. } => "invalid_block",
        }
    }
}

/// One piece of L1 data derivation dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dropped {
    /// The L1 block being processed when it was dropped.
    pub l1_block: u64,
    /// The L1 transaction that carried it (the last frame's, for a channel).
    pub l1_tx: B256,
    /// Why.
    pub reason: DropReason,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_lists_every_rule_once() {
        let reasons = [
            DropReason::BadFrame(String::new()),
            DropReason::DuplicateFrame { channel: 0, index: 0 },
            DropReason::FrameCountMismatch { channel: 0, count: 0, expected: 0 },
            DropReason::ChannelTimeout { channel: 0, received: 0, count: 0 },
            DropReason::BadCompression { channel: 0, reason: String::new() },
            DropReason::BadBatch { channel: 0, reason: String::new() },
            DropReason::EmptyBatch { channel: 0 },
            DropReason::AlreadyDerived { first: 0, last: 0 },
            DropReason::Overlapping { first: 0, last: 0, head: 0 },
            DropReason::TooFarAhead { first: 0, head: 0 },
            DropReason::ParentMismatch { first: 0, parent: 0, claimed: B256::ZERO, derived: B256::ZERO },
            DropReason::InvalidBlock { block: 0, rule: String::new() },
        ];
        let kinds: Vec<&str> = reasons.iter().map(DropReason::kind).collect();
        assert_eq!(kinds, DropReason::KINDS);
    }
}
