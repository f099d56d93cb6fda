//! The hashers the executor keys its maps with: a cheap one for keys that are random already
//! (addresses, storage slots), and 64-bit fingerprints that stand for larger keys.

use std::{
    collections::HashMap,
    hash::{BuildHasher, BuildHasherDefault, Hash, Hasher},
};

/// Hash map builder for [`RandomKeyHasher`].
pub(crate) type KeyHasher = BuildHasherDefault<RandomKeyHasher>;

/// Hasher for keys that are already random or nearly so (addresses, storage slots): folds the
/// key's words with a multiply, much cheaper than a general-purpose hash of 20 or 32 bytes.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RandomKeyHasher(u64);

impl Hasher for RandomKeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    /// Keys are fixed-size, so their length prefix carries nothing.
    fn write_usize(&mut self, _: usize) {}

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The 64-bit fingerprint of a key (an address, a location): its [`KeyHasher`] hash. Use it
/// in place of the key only where two keys counting as one is harmless: keys can be picked to
/// collide, as a block can pick real conflicts.
pub(crate) fn fingerprint(key: impl Hash) -> u64 {
    KeyHasher::default().hash_one(key)
}

/// A map keyed by fingerprints, which need no hashing again.
pub(crate) type FingerprintMap<V> = HashMap<u64, V, BuildHasherDefault<FingerprintHasher>>;

/// Hasher of fingerprints, which are hashes already.
#[derive(Default)]
pub(crate) struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn write(&mut self, _: &[u8]) {
        unreachable!("only fingerprints are hashed");
    }

    fn write_u64(&mut self, fingerprint: u64) {
        self.0 = fingerprint;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
