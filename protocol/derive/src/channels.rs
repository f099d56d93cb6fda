//! The channel bank: collects frames from L1 until a channel is complete, then decodes it into
//! a batch. Frames may arrive in any order and across L1 blocks, within the channel timeout.

use super::{DropReason, Dropped, PostedData};
use alloy_primitives::B256;
use rollup_batch::{Batch, Compression, Frame, join_frames};
use std::collections::BTreeMap;

/// A channel being assembled.
#[derive(Clone, Debug)]
struct OpenChannel {
    /// L1 block of its first frame.
    opened_at: u64,
    count: u16,
    frames: BTreeMap<u16, Frame>,
}

/// A batch decoded from a complete channel, with where it completed on L1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadyBatch {
    /// The batch.
    pub batch: Batch,
    /// The L1 block in which its last frame landed (no block of the batch may have a later
    /// L1 origin).
    pub l1_block: u64,
    /// The L1 transaction of its last frame.
    pub l1_tx: B256,
}

/// Frames waiting for the rest of their channel.
#[derive(Clone, Debug, Default)]
pub struct ChannelBank {
    open: BTreeMap<u64, OpenChannel>,
}

impl ChannelBank {
    /// Adds the data posted in one L1 transaction. Returns the batch if it completed a
    /// channel; records a drop if the data or the completed channel is invalid.
    pub fn add(
        &mut self,
        l1_block: u64,
        posted: &PostedData,
        chain_id: u64,
        drops: &mut Vec<Dropped>,
    ) -> Option<ReadyBatch> {
        let drop = |reason| Dropped { l1_block, l1_tx: posted.tx_hash, reason };
        let frame = match Frame::decode(&posted.data) {
            Ok(frame) => frame,
            Err(err) => {
                drops.push(drop(DropReason::BadFrame(err.to_string())));
                return None;
            }
        };
        let channel = frame.channel_id;
        let open = self.open.entry(channel).or_insert_with(|| OpenChannel {
            opened_at: l1_block,
            count: frame.count,
            frames: BTreeMap::new(),
        });
        if frame.count != open.count {
            drops.push(drop(DropReason::FrameCountMismatch { channel, count: frame.count, expected: open.count }));
            return None;
        }
        if open.frames.contains_key(&frame.index) {
            drops.push(drop(DropReason::DuplicateFrame { channel, index: frame.index }));
            return None;
        }
        open.frames.insert(frame.index, frame);
        if open.frames.len() < open.count as usize {
            return None;
        }
        let open = self.open.remove(&channel).expect("the channel is open");
        let frames: Vec<Frame> = open.frames.into_values().collect();
        let decoded = join_frames(&frames)
            .and_then(|bytes| Compression::decompress(&bytes))
            .map_err(|err| DropReason::BadCompression { channel, reason: err.to_string() })
            .and_then(|encoded| {
                Batch::decode(&encoded, chain_id)
                    .map_err(|err| DropReason::BadBatch { channel, reason: err.to_string() })
            });
        match decoded {
            Ok(batch) if batch.blocks.is_empty() => {
                drops.push(drop(DropReason::EmptyBatch { channel }));
                None
            }
            Ok(batch) => Some(ReadyBatch { batch, l1_block, l1_tx: posted.tx_hash }),
            Err(reason) => {
                drops.push(drop(reason));
                None
            }
        }
    }

    /// Drops channels opened more than `timeout` L1 blocks before `l1_block`.
    pub fn expire(&mut self, l1_block: u64, timeout: u64, drops: &mut Vec<Dropped>) {
        let expired: Vec<u64> = self
            .open
            .iter()
            .filter(|(_, open)| l1_block.saturating_sub(open.opened_at) > timeout)
            .map(|(id, _)| *id)
            .collect();
        for channel in expired {
            let open = self.open.remove(&channel).expect("listed above");
            drops.push(Dropped {
                l1_block,
                l1_tx: B256::ZERO,
                reason: DropReason::ChannelTimeout { channel, received: open.frames.len(), count: open.count },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::{collection::vec, prelude::*};
    use rollup_batch::{BatchBlock, split_channel};
    use rollup_core::L1Origin;

    const CHAIN_ID: u64 = 42069;

    fn posted(data: Vec<u8>, tag: u8) -> PostedData {
        PostedData { tx_hash: B256::repeat_byte(tag), data }
    }

    /// The frames of a channel holding a batch of `blocks` empty blocks starting at `first`.
    fn frames(first: u64, blocks: u64, max_frame: usize) -> (Batch, Vec<Vec<u8>>) {
        let batch = Batch {
            first_block: first,
            parent_hash: B256::repeat_byte(1),
            blocks: (0..blocks)
                .map(|i| BatchBlock {
                    timestamp: 1_000 + i,
                    l1_origin: L1Origin { number: 7, hash: B256::repeat_byte(7) },
                    transactions: Vec::new(),
                })
                .collect(),
        };
        let channel = Compression::default().compress(&batch.encode(CHAIN_ID).unwrap());
        let frames = split_channel(first, &channel, max_frame).unwrap().iter().map(Frame::encode).collect();
        (batch, frames)
    }

    proptest! {
        /// Frames in any order, mixed with data that is not a frame, complete the channel once,
        /// into the batch that was sent; every piece of garbage is dropped as a bad frame.
        #[test]
        fn frames_in_any_order_complete_the_channel(
            blocks in 1u64..40,
            max_frame in 20usize..60,
            keys in vec(any::<u32>(), 64),
            garbage in vec((1u8..=255, vec(any::<u8>(), 0..30)), 0..5),
            seed in any::<u64>(),
        ) {
            let (batch, frames) = frames(5, blocks, max_frame);
            prop_assume!(frames.len() <= keys.len());
            let mut shuffled: Vec<(u32, Vec<u8>)> = keys.iter().copied().zip(frames).collect();
            shuffled.sort_by_key(|(key, _)| *key);
            let mut inputs: Vec<PostedData> = shuffled.into_iter().map(|(_, f)| posted(f, 0)).collect();
            for (i, (version, mut bytes)) in garbage.iter().cloned().enumerate() {
                bytes.insert(0, version);
                let at = (seed as usize + i * 7) % (inputs.len() + 1);
                inputs.insert(at, posted(bytes, 0xEE));
            }
            let (mut bank, mut drops, mut ready) = (ChannelBank::default(), Vec::new(), Vec::new());
            for (l1_block, input) in inputs.iter().enumerate() {
                ready.extend(bank.add(l1_block as u64, input, CHAIN_ID, &mut drops));
            }
            prop_assert_eq!(ready.len(), 1);
            prop_assert_eq!(&ready[0].batch, &batch);
            prop_assert_eq!(drops.len(), garbage.len());
            prop_assert!(drops.iter().all(|drop| drop.reason.kind() == "bad_frame" && drop.l1_tx == B256::repeat_byte(0xEE)));
        }

        /// Arbitrary bytes never panic the bank; they complete no channel unless they are one.
        #[test]
        fn arbitrary_data_never_panics(inputs in vec(vec(any::<u8>(), 0..64), 0..20)) {
            let (mut bank, mut drops) = (ChannelBank::default(), Vec::new());
            for (l1_block, data) in inputs.into_iter().enumerate() {
                let _ = bank.add(l1_block as u64, &posted(data, 1), CHAIN_ID, &mut drops);
            }
            bank.expire(u64::MAX, 0, &mut drops);
            prop_assert!(bank.open.is_empty());
        }
    }

    #[test]
    fn duplicates_mismatches_and_timeouts_are_dropped() {
        let (_, frames) = frames(3, 20, 30);
        assert!(frames.len() > 2);
        let (mut bank, mut drops) = (ChannelBank::default(), Vec::new());
        assert!(bank.add(1, &posted(frames[0].clone(), 1), CHAIN_ID, &mut drops).is_none());
        assert!(bank.add(2, &posted(frames[0].clone(), 2), CHAIN_ID, &mut drops).is_none());
        let mut other_count = Frame::decode(&frames[1]).unwrap();
        other_count.count += 1;
        assert!(bank.add(3, &posted(other_count.encode(), 3), CHAIN_ID, &mut drops).is_none());
        bank.expire(100, 10, &mut drops);
        let kinds: Vec<_> = drops.iter().map(|drop| drop.reason.kind()).collect();
        assert_eq!(kinds, ["duplicate_frame", "frame_count_mismatch", "channel_timeout"]);
    }
}
