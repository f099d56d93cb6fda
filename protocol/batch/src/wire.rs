//! Byte-level helpers of the batch format: LEB128 varints and a bounds-checked reader.

use super::BatchError;
use alloy_primitives::U256;

/// Appends `value` as an unsigned LEB128 varint.
pub(super) fn put_varint(out: &mut Vec<u8>, mut value: u128) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Appends a 256-bit value as its length (one byte) and its big-endian bytes without leading
/// zeros.
pub(super) fn put_u256(out: &mut Vec<u8>, value: U256) {
    let bytes = value.to_be_bytes::<32>();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    out.push((32 - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

/// Appends a section: its length as a varint, then its bytes.
pub(super) fn put_section(out: &mut Vec<u8>, section: &[u8]) {
    put_varint(out, section.len() as u128);
    out.extend_from_slice(section);
}

/// Reads from a byte slice; every read checks the bounds and names what it was reading.
#[derive(Debug, Clone, Copy)]
pub(super) struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    /// The bytes not read yet.
    pub(super) fn remaining(&self) -> &'a [u8] {
        self.bytes
    }

    pub(super) fn take(&mut self, len: usize, what: &'static str) -> Result<&'a [u8], BatchError> {
        if self.bytes.len() < len {
            return Err(BatchError::Truncated(what));
        }
        let (head, tail) = self.bytes.split_at(len);
        self.bytes = tail;
        Ok(head)
    }

    pub(super) fn byte(&mut self, what: &'static str) -> Result<u8, BatchError> {
        Ok(self.take(1, what)?[0])
    }

    pub(super) fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], BatchError> {
        Ok(self.take(N, what)?.try_into().expect("took exactly N bytes"))
    }

    pub(super) fn varint(&mut self, what: &'static str) -> Result<u128, BatchError> {
        let mut value: u128 = 0;
        for shift in (0..128).step_by(7) {
            let byte = self.byte(what)?;
            let bits = u128::from(byte & 0x7f);
            if shift == 126 && bits > 0b11 {
                return Err(BatchError::Invalid(what, "varint overflows 128 bits"));
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return Err(BatchError::Invalid(what, "varint is not minimal"));
                }
                return Ok(value);
            }
        }
        Err(BatchError::Invalid(what, "varint longer than 19 bytes"))
    }

    pub(super) fn u64(&mut self, what: &'static str) -> Result<u64, BatchError> {
        u64::try_from(self.varint(what)?).map_err(|_| BatchError::Invalid(what, "does not fit 64 bits"))
    }

    pub(super) fn usize(&mut self, what: &'static str) -> Result<usize, BatchError> {
        usize::try_from(self.varint(what)?).map_err(|_| BatchError::Invalid(what, "too large"))
    }

    pub(super) fn u256(&mut self, what: &'static str) -> Result<U256, BatchError> {
        let len = self.byte(what)? as usize;
        if len > 32 {
            return Err(BatchError::Invalid(what, "longer than 32 bytes"));
        }
        let bytes = self.take(len, what)?;
        if bytes.first() == Some(&0) {
            return Err(BatchError::Invalid(what, "has a leading zero byte"));
        }
        Ok(U256::from_be_slice(bytes))
    }

    /// A section written by [`put_section`], as a reader of its own.
    pub(super) fn section(&mut self, what: &'static str) -> Result<Reader<'a>, BatchError> {
        let len = self.usize(what)?;
        Ok(Reader::new(self.take(len, what)?))
    }

    /// Fails unless every byte was read.
    pub(super) fn finish(&self, what: &'static str) -> Result<(), BatchError> {
        if self.bytes.is_empty() { Ok(()) } else { Err(BatchError::Invalid(what, "has trailing bytes")) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn varints_round_trip(value: u128) {
            let mut out = Vec::new();
            put_varint(&mut out, value);
            let mut reader = Reader::new(&out);
            prop_assert_eq!(reader.varint("value").unwrap(), value);
            prop_assert!(reader.remaining().is_empty());
        }

        #[test]
        fn u256_round_trips(limbs: [u64; 4]) {
            let value = U256::from_limbs(limbs);
            let mut out = Vec::new();
            put_u256(&mut out, value);
            prop_assert_eq!(Reader::new(&out).u256("value").unwrap(), value);
        }
    }

    #[test]
    fn rejects_non_minimal_and_truncated_varints() {
        assert!(matches!(Reader::new(&[0x80, 0x00]).varint("x"), Err(BatchError::Invalid(..))));
        assert!(matches!(Reader::new(&[0x80]).varint("x"), Err(BatchError::Truncated("x"))));
    }
}
