//! The L1 data fee: what a user transaction pays for the L1 data its bytes take once batched
//! (OP Fjord's formula over the unsigned transaction; docs/fees.md).

use super::{L1Attributes, flz_compressed_len};
use alloy::consensus::{SignableTransaction, TxEnvelope};
use alloy_primitives::U256;

/// Intercept of the size estimate, in bytes scaled by 10^6: OP Fjord's intercept and slope
/// scaled by 0.858, so that the estimates add up to the bytes this rollup's batch encoding and
/// compressor post (docs/benchmarks/l1-cost-recovery.md).
pub const SIZE_INTERCEPT: i64 = -36_540_000;

/// Estimated bytes per byte of FastLZ output, scaled by 10^6.
pub const SIZE_SLOPE: u64 = 717_700;

/// The smallest size estimate, in bytes.
pub const MIN_SIZE: u64 = 100;

/// Bytes counted for the signature, which the fee's input leaves out.
pub const SIGNATURE_SIZE: usize = 68;

/// What a transaction pays for its L1 data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct L1Cost {
    /// The L1 data fee, in wei.
    pub fee: U256,
    /// The L1 gas its estimated size stands for (16 per byte), as receipts show it.
    pub gas_used: u64,
}

/// The L1 cost of a transaction whose unsigned encoding is `unsigned`, under `l1` (what
/// `GasPriceOracle.getL1Fee(unsigned)` returns).
pub fn l1_cost(unsigned: &[u8], l1: &L1Attributes) -> L1Cost {
    l1_cost_of_compressed(flz_compressed_len(unsigned), l1)
}

/// [`l1_cost`] of an unsigned encoding whose FastLZ length is `compressed_len` (which does not
/// depend on the L1 attributes, so a holder of many transactions computes it once).
pub fn l1_cost_of_compressed(compressed_len: usize, l1: &L1Attributes) -> L1Cost {
    let compressed = (compressed_len + SIGNATURE_SIZE) as i128;
    let scaled_size = (i128::from(SIZE_INTERCEPT) + i128::from(SIZE_SLOPE) * compressed)
        .max(i128::from(MIN_SIZE) * 1_000_000) as u128;
    let price = U256::from(l1.system.base_fee_scalar) * U256::from(l1.base_fee) * U256::from(16)
        + U256::from(l1.system.blob_base_fee_scalar) * U256::from(l1.blob_base_fee);
    L1Cost {
        fee: U256::from(scaled_size) * price / U256::from(1_000_000_000_000u64),
        gas_used: (scaled_size * 16 / 1_000_000) as u64,
    }
}

/// The L1 cost of a signed transaction: [`l1_cost`] of its signing payload.
pub fn transaction_l1_cost(tx: &TxEnvelope, l1: &L1Attributes) -> L1Cost {
    l1_cost(&signing_payload(tx), l1)
}

/// The EIP-2718 signing payload of `tx`: its encoding without the signature, the bytes a
/// wallet signs (for legacy transactions with a chain id, the EIP-155 form).
pub fn signing_payload(tx: &TxEnvelope) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    match tx {
        TxEnvelope::Legacy(signed) => signed.tx().encode_for_signing(&mut out),
        TxEnvelope::Eip2930(signed) => signed.tx().encode_for_signing(&mut out),
        TxEnvelope::Eip1559(signed) => signed.tx().encode_for_signing(&mut out),
        TxEnvelope::Eip4844(signed) => signed.tx().encode_for_signing(&mut out),
        TxEnvelope::Eip7702(signed) => signed.tx().encode_for_signing(&mut out),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fees::SystemConfig;

    fn l1(base_fee: u128, blob_base_fee: u128) -> L1Attributes {
        L1Attributes {
            timestamp: 0,
            base_fee,
            blob_base_fee,
            system: SystemConfig { base_fee_scalar: 2_000_000, blob_base_fee_scalar: 500_000, ..Default::default() },
        }
    }

    /// A small transaction is billed at the minimum size: 100 bytes, 1600 L1 gas.
    #[test]
    fn small_transactions_pay_the_minimum_size() {
        let cost = l1_cost(&[0x02; 40], &l1(10, 4));
        assert_eq!(cost.gas_used, 1_600);
        // 100 bytes * (2 * 10 * 16 + 0.5 * 4) wei per byte.
        assert_eq!(cost.fee, U256::from(100 * (2 * 10 * 16 + 2)));
    }

    /// Past the minimum the size follows the compressed length.
    #[test]
    fn large_transactions_pay_by_compressed_size() {
        let noise: Vec<u8> = (0..2_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8).collect();
        let compressed = (flz_compressed_len(&noise) + SIGNATURE_SIZE) as u64;
        let scaled = SIZE_SLOPE * compressed - SIZE_INTERCEPT.unsigned_abs();
        let cost = l1_cost(&noise, &l1(1_000_000_000, 1));
        assert_eq!(cost.gas_used, scaled * 16 / 1_000_000);
        let price = 2 * 1_000_000_000u64 * 16 * 1_000_000 + 500_000;
        assert_eq!(cost.fee, U256::from(scaled) * U256::from(price) / U256::from(1_000_000_000_000u64));
    }
}
