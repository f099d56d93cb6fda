//! Frames: a channel cut into pieces that each fit one L1 transaction.
//!
//! ```text
//! frame = version(1) = 0 ‖ channel_id(8, big-endian) ‖ index(2) ‖ count(2) ‖ data
//! ```
//! The channel id is the number of the channel's first L2 block. Derivation joins the `count`
//! frames of a channel in index order.

use super::BatchError;

/// Version byte of the frame format.
pub const FRAME_VERSION: u8 = 0;

/// Bytes before a frame's data.
pub const FRAME_HEADER_SIZE: usize = 1 + 8 + 2 + 2;

/// One piece of a channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The channel's id (its first L2 block).
    pub channel_id: u64,
    /// Position of this frame in the channel.
    pub index: u16,
    /// Number of frames in the channel.
    pub count: u16,
    /// This frame's part of the channel.
    pub data: Vec<u8>,
}

impl Frame {
    /// The frame's bytes as posted to L1.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(FRAME_HEADER_SIZE + self.data.len());
        out.push(FRAME_VERSION);
        out.extend_from_slice(&self.channel_id.to_be_bytes());
        out.extend_from_slice(&self.index.to_be_bytes());
        out.extend_from_slice(&self.count.to_be_bytes());
        out.extend_from_slice(&self.data);
        out
    }

    /// Parses a frame posted to L1.
    pub fn decode(bytes: &[u8]) -> Result<Self, BatchError> {
        if bytes.len() < FRAME_HEADER_SIZE {
            return Err(BatchError::Truncated("frame header"));
        }
        if bytes[0] != FRAME_VERSION {
            return Err(BatchError::UnknownVersion { what: "frame", version: bytes[0] });
        }
        let channel_id = u64::from_be_bytes(bytes[1..9].try_into().expect("8 bytes"));
        let index = u16::from_be_bytes([bytes[9], bytes[10]]);
        let count = u16::from_be_bytes([bytes[11], bytes[12]]);
        if count == 0 || index >= count {
            return Err(BatchError::Frames(format!("frame {index} of {count}")));
        }
        Ok(Self { channel_id, index, count, data: bytes[FRAME_HEADER_SIZE..].to_vec() })
    }
}

/// Cuts a channel into frames whose encoding is at most `max_frame_size` bytes.
pub fn split_channel(channel_id: u64, channel: &[u8], max_frame_size: usize) -> Result<Vec<Frame>, BatchError> {
    let room = max_frame_size.saturating_sub(FRAME_HEADER_SIZE);
    if room == 0 {
        return Err(BatchError::Frames(format!("a frame of {max_frame_size} bytes has no room for data")));
    }
    let count = channel.len().div_ceil(room).max(1);
    let count = u16::try_from(count).map_err(|_| BatchError::Frames(format!("{count} frames, at most 65535")))?;
    let pieces: Vec<&[u8]> = if channel.is_empty() { vec![&[]] } else { channel.chunks(room).collect() };
    Ok(pieces
        .into_iter()
        .enumerate()
        .map(|(index, data)| Frame { channel_id, index: index as u16, count, data: data.to_vec() })
        .collect())
}

/// Joins the frames of one channel (in any order) back into the channel's bytes.
pub fn join_frames(frames: &[Frame]) -> Result<Vec<u8>, BatchError> {
    let first = frames.first().ok_or_else(|| BatchError::Frames("no frames".into()))?;
    if frames.len() != first.count as usize {
        return Err(BatchError::Frames(format!("{} of {} frames", frames.len(), first.count)));
    }
    let mut ordered: Vec<&Frame> = frames.iter().collect();
    ordered.sort_by_key(|frame| frame.index);
    let mut channel = Vec::new();
    for (position, frame) in ordered.iter().enumerate() {
        if frame.channel_id != first.channel_id || frame.count != first.count || frame.index as usize != position {
            return Err(BatchError::Frames(format!(
                "frame {} of channel {} does not belong at position {position} of channel {}",
                frame.index, frame.channel_id, first.channel_id
            )));
        }
        channel.extend_from_slice(&frame.data);
    }
    Ok(channel)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_and_join_round_trip() {
        let channel: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        for max in [FRAME_HEADER_SIZE + 1, 100, 1013, 5000] {
            let frames = split_channel(7, &channel, max).unwrap();
            assert!(frames.iter().all(|frame| frame.encode().len() <= max));
            let decoded: Vec<Frame> =
                frames.iter().rev().map(|frame| Frame::decode(&frame.encode()).unwrap()).collect();
            assert_eq!(join_frames(&decoded).unwrap(), channel);
        }
    }

    #[test]
    fn rejects_incomplete_or_mixed_channels() {
        let frames = split_channel(7, &[1; 100], 50).unwrap();
        assert!(join_frames(&frames[1..]).is_err());
        let mut mixed = frames.clone();
        mixed[1].channel_id = 8;
        assert!(join_frames(&mixed).is_err());
        assert!(Frame::decode(&[1; 20]).is_err());
        assert!(Frame::decode(&[0; 5]).is_err());
    }
}
