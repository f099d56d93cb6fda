//! Output roots: the commitment to the L2 state at a block that the proposer posts on L1.

use alloy_primitives::{B256, keccak256};
use serde::{Deserialize, Serialize};

/// Version of the output-root format (OP Stack's version 0).
pub const OUTPUT_VERSION: B256 = B256::ZERO;

/// What an output root commits to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    /// L2 block number.
    pub block_number: u64,
    /// The block's state root.
    pub state_root: B256,
    /// Storage root of the L2→L1 message passer after the block (withdrawals are proven
    /// against it).
    pub message_passer_storage_root: B256,
    /// The block's hash.
    pub block_hash: B256,
}

impl Output {
    /// `keccak256(version ‖ stateRoot ‖ messagePasserStorageRoot ‖ blockHash)`.
    pub fn root(&self) -> B256 {
        let mut preimage = [0u8; 128];
        preimage[..32].copy_from_slice(OUTPUT_VERSION.as_slice());
        preimage[32..64].copy_from_slice(self.state_root.as_slice());
        preimage[64..96].copy_from_slice(self.message_passer_storage_root.as_slice());
        preimage[96..].copy_from_slice(self.block_hash.as_slice());
        keccak256(preimage)
    }
}
