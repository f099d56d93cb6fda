//! Keccak-256 as a sponge whose state is part of the machine, the mirror of
//! `contracts/src/libraries/KeccakSponge.sol`: KECCAK256 hashes memory across micro-steps,
//! carrying the state between them.

use alloy_primitives::{B256, keccak256};

/// Bytes absorbed per permutation (1600 - 2 × 256 bits).
pub(crate) const RATE: usize = 136;

/// The sponge: 25 lanes of 64 bits, lane `x + 5y` at index `x + 5y`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sponge([u64; 25]);

impl Sponge {
    /// XORs a 136-byte block into the first 17 lanes (little-endian) and permutes.
    pub(crate) fn absorb(&mut self, block: &[u8]) {
        for (lane, bytes) in self.0.iter_mut().zip(block[..RATE].chunks_exact(8)) {
            *lane ^= u64::from_le_bytes(bytes.try_into().expect("8 bytes"));
        }
        keccak::f1600(&mut self.0);
    }

    /// Pads and absorbs the message's last `tail` bytes (fewer than 136) and squeezes the hash
    /// (the tracer takes the hash from revm; this checks the sponge against `keccak256`).
    #[cfg(test)]
    pub(crate) fn finalize(mut self, tail: &[u8]) -> B256 {
        let mut block = [0u8; RATE];
        block[..tail.len()].copy_from_slice(tail);
        block[tail.len()] ^= 0x01;
        block[RATE - 1] ^= 0x80;
        self.absorb(&block);
        let mut hash = B256::ZERO;
        for (i, lane) in self.0[..4].iter().enumerate() {
            hash[i * 8..i * 8 + 8].copy_from_slice(&lane.to_le_bytes());
        }
        hash
    }

    /// The lanes as `KeccakSponge.State` holds them: 8-byte big-endian each, then 24 zero bytes.
    fn bytes(&self) -> [u8; 224] {
        let mut bytes = [0u8; 224];
        for (i, lane) in self.0.iter().enumerate() {
            bytes[i * 8..i * 8 + 8].copy_from_slice(&lane.to_be_bytes());
        }
        bytes
    }

    /// The state as the witness carries it (`bytes32[7]`).
    pub(crate) fn words(&self) -> [B256; 7] {
        let bytes = self.bytes();
        std::array::from_fn(|i| B256::from_slice(&bytes[i * 32..i * 32 + 32]))
    }

    /// `KeccakSponge.commit`: `keccak256(keccak256("rollup.KeccakSponge.State") ‖ 200 state bytes)`.
    pub(crate) fn commitment(&self) -> B256 {
        let tag = keccak256("rollup.KeccakSponge.State");
        keccak256([tag.as_slice(), &self.bytes()[..200]].concat())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absorbing_and_finalizing_is_keccak256() {
        for length in [0, 1, 135, 136, 137, 272, 1000] {
            let message: Vec<u8> = (0..length).map(|i| (i * 7 + 3) as u8).collect();
            let mut sponge = Sponge::default();
            let whole = length / RATE * RATE;
            for block in message[..whole].chunks(RATE) {
                sponge.absorb(block);
            }
            assert_eq!(sponge.finalize(&message[whole..]), keccak256(&message), "{length} bytes");
        }
    }
}
