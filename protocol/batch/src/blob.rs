//! Frames in EIP-4844 blobs: the frame bytes spread over field elements with alloy's simple
//! blob coder (31 data bytes per 32-byte field element, a length first).

use super::BatchError;
use alloy::eips::{
    eip4844::{
        Blob,
        builder::{SidecarBuilder, SidecarCoder, SimpleCoder},
    },
    eip7594::BlobTransactionSidecarEip7594,
};

/// Data bytes one blob carries (4096 field elements of 31 bytes).
pub const BLOB_CAPACITY: usize = 4096 * 31;

/// The sidecar (blobs, KZG commitments and cell proofs, EIP-7594) carrying one encoded frame.
pub fn frame_to_sidecar(frame: &[u8]) -> Result<BlobTransactionSidecarEip7594, BatchError> {
    if frame.is_empty() {
        return Err(BatchError::EmptyFrame);
    }
    SidecarBuilder::<SimpleCoder>::from_slice(frame)
        .build_7594()
        .map_err(|source| BatchError::Kzg { len: frame.len(), source })
}

/// The encoded frame carried by a transaction's blobs.
pub fn blobs_to_frame(blobs: &[Blob]) -> Result<Vec<u8>, BatchError> {
    let mut items =
        SimpleCoder::default().decode_all(blobs).ok_or(BatchError::BlobData("they do not hold simple-coded data"))?;
    if items.len() != 1 {
        return Err(BatchError::BlobData("they hold other than one data item"));
    }
    Ok(items.remove(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_through_blobs() {
        let frame: Vec<u8> = (0..BLOB_CAPACITY + 10).map(|i| (i * 7) as u8).collect();
        let sidecar = frame_to_sidecar(&frame).unwrap();
        assert_eq!(sidecar.blobs.len(), 2);
        assert_eq!(blobs_to_frame(&sidecar.blobs).unwrap(), frame);
    }
}
