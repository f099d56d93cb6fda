//! Conversions between chain types and database columns.

use crate::error::{Result, StoreError};
use alloy_primitives::{Address, B256, U256};

/// Column value of a block number or index (BIGINT).
pub(crate) fn int(value: u64) -> i64 {
    i64::try_from(value).expect("chain numbers fit in i64")
}

/// Column value of an amount of wei (a fee): BIGINT holds at most `i64::MAX`.
pub(crate) fn wei(what: &'static str, value: u128) -> Result<i64> {
    i64::try_from(value).map_err(|_| StoreError::OutOfRange { what, value })
}

/// Block number or index from a BIGINT column.
pub(crate) fn uint(value: i64) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::Corrupt(format!("negative number {value}")))
}

/// A 32-byte hash from a BYTEA column.
pub(crate) fn b256(bytes: &[u8]) -> Result<B256> {
    B256::try_from(bytes).map_err(|_| StoreError::Corrupt(format!("expected 32 bytes, got {}", bytes.len())))
}

/// An address from a BYTEA column.
pub(crate) fn address(bytes: &[u8]) -> Result<Address> {
    Address::try_from(bytes).map_err(|_| StoreError::Corrupt(format!("expected 20 bytes, got {}", bytes.len())))
}

/// A 256-bit word from a big-endian BYTEA column.
pub(crate) fn u256(bytes: &[u8]) -> Result<U256> {
    U256::try_from_be_slice(bytes).ok_or_else(|| StoreError::Corrupt(format!("word of {} bytes", bytes.len())))
}

/// A 256-bit word as a 32-byte big-endian BYTEA column.
pub(crate) fn word(value: U256) -> Vec<u8> {
    value.to_be_bytes::<32>().to_vec()
}

/// Decodes an EIP-2718 / RLP encoded column.
pub(crate) fn decode<T: alloy::eips::eip2718::Decodable2718>(what: &'static str, mut bytes: &[u8]) -> Result<T> {
    T::decode_2718(&mut bytes).map_err(StoreError::decode(what))
}
