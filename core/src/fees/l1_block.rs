//! The L1 attributes: what every L2 block records of its L1 origin and of the L1 fee
//! configuration, written into the `L1Block` predeploy by the block's first transaction (a
//! deposit the state-transition function builds itself; docs/fees.md).

use super::{DEPOSITOR_ACCOUNT, L1_BLOCK_ADDRESS};
use crate::{chain::L1Origin, deposit::TxDeposit, state::StateReader};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use serde::{Deserialize, Serialize};

/// Selector of `setL1BlockValuesEcotone()`.
const SET_L1_BLOCK_VALUES_ECOTONE: [u8; 4] = [0x44, 0x0a, 0x5e, 0x20];

/// Length of the setter's calldata: the selector and the packed values.
const CALLDATA_LEN: usize = 164;

/// Gas limit of the L1 attributes deposit (a block builder reserves it).
pub const L1_ATTRIBUTES_GAS: u64 = 1_000_000;

/// The L1 fee configuration, set on L1 by the owner of the `SystemConfig` contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemConfig {
    /// The batcher's address (posted as `batcherHash`).
    pub batcher: Address,
    /// Weight of the L1 base fee in the L1 data fee, 6 decimals.
    pub base_fee_scalar: u32,
    /// Weight of the L1 blob base fee in the L1 data fee, 6 decimals.
    pub blob_base_fee_scalar: u32,
}

/// The scalars recover 1.15 times what the batcher pays for full channels, on the compression
/// benchmark's stream (docs/benchmarks/l1-cost-recovery.md): each covers its own part of the
/// cost, so the ratio holds at any L1 base fee and blob base fee.
impl SystemConfig {
    /// Default `base_fee_scalar`, for a batcher posting blobs: the blob transactions' own gas.
    pub const DEFAULT_BASE_FEE_SCALAR: u32 = 10_600;
    /// Default `blob_base_fee_scalar`, for a batcher posting blobs: the blob gas.
    pub const DEFAULT_BLOB_BASE_FEE_SCALAR: u32 = 1_098_000;
    /// `base_fee_scalar` for a batcher posting calldata (with a blob base fee scalar of 0).
    pub const CALLDATA_BASE_FEE_SCALAR: u32 = 2_600_000;
}

impl Default for SystemConfig {
    fn default() -> Self {
        Self {
            batcher: Address::ZERO,
            base_fee_scalar: Self::DEFAULT_BASE_FEE_SCALAR,
            blob_base_fee_scalar: Self::DEFAULT_BLOB_BASE_FEE_SCALAR,
        }
    }
}

/// What an L2 block knows of its L1 origin besides its number and hash, and the fee
/// configuration in force at that origin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct L1Attributes {
    /// The origin's timestamp.
    pub timestamp: u64,
    /// The origin's base fee, in wei.
    pub base_fee: u128,
    /// The origin's blob base fee, in wei.
    pub blob_base_fee: u128,
    /// The `SystemConfig` values at the origin.
    pub system: SystemConfig,
}

/// What the `L1Block` predeploy holds after a block's L1 attributes deposit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct L1BlockValues {
    /// The L1 origin.
    pub origin: L1Origin,
    /// The L2 block's position among the L2 blocks of its origin (0 for the first).
    pub sequence_number: u64,
    /// The rest of the L1 attributes.
    pub l1: L1Attributes,
}

impl L1BlockValues {
    /// The values for an L2 block with `origin` and `l1`, on top of a parent state holding its
    /// parent's values: the sequence number is the parent's plus one if the origin stayed, else
    /// zero.
    pub fn next(parent: &dyn StateReader, origin: L1Origin, l1: L1Attributes) -> Self {
        let stored = Self::read(parent);
        let sequence_number = if stored.origin == origin { stored.sequence_number + 1 } else { 0 };
        Self { origin, sequence_number, l1 }
    }

    /// The values stored in `L1Block` in `state`.
    pub fn read(state: &dyn StateReader) -> Self {
        let slot = |index: u64| state.storage(L1_BLOCK_ADDRESS, U256::from(index)).to_be_bytes::<32>();
        let (numbers, scalars) = (slot(0), slot(3));
        Self {
            origin: L1Origin { number: be_u64(&numbers[24..]), hash: B256::from(slot(2)) },
            sequence_number: be_u64(&scalars[24..]),
            l1: L1Attributes {
                timestamp: be_u64(&numbers[16..24]),
                base_fee: u256_to_u128(U256::from_be_bytes(slot(1))),
                blob_base_fee: u256_to_u128(U256::from_be_bytes(slot(7))),
                system: SystemConfig {
                    batcher: Address::from_word(B256::from(slot(4))),
                    base_fee_scalar: be_u32(&scalars[16..20]),
                    blob_base_fee_scalar: be_u32(&scalars[20..24]),
                },
            },
        }
    }

    /// The storage of `L1Block` holding these values (slot, value), for the genesis state.
    pub fn storage(&self) -> [(U256, U256); 6] {
        let mut numbers = [0u8; 32];
        numbers[16..24].copy_from_slice(&self.l1.timestamp.to_be_bytes());
        numbers[24..].copy_from_slice(&self.origin.number.to_be_bytes());
        let mut scalars = [0u8; 32];
        scalars[16..20].copy_from_slice(&self.l1.system.base_fee_scalar.to_be_bytes());
        scalars[20..24].copy_from_slice(&self.l1.system.blob_base_fee_scalar.to_be_bytes());
        scalars[24..].copy_from_slice(&self.sequence_number.to_be_bytes());
        [
            (U256::ZERO, U256::from_be_bytes(numbers)),
            (U256::from(1), U256::from(self.l1.base_fee)),
            (U256::from(2), self.origin.hash.into()),
            (U256::from(3), U256::from_be_bytes(scalars)),
            (U256::from(4), self.l1.system.batcher.into_word().into()),
            (U256::from(7), U256::from(self.l1.blob_base_fee)),
        ]
    }

    /// The calldata of `setL1BlockValuesEcotone()` writing these values.
    pub fn calldata(&self) -> Bytes {
        let mut data = Vec::with_capacity(CALLDATA_LEN);
        data.extend_from_slice(&SET_L1_BLOCK_VALUES_ECOTONE);
        data.extend_from_slice(&self.l1.system.base_fee_scalar.to_be_bytes());
        data.extend_from_slice(&self.l1.system.blob_base_fee_scalar.to_be_bytes());
        data.extend_from_slice(&self.sequence_number.to_be_bytes());
        data.extend_from_slice(&self.l1.timestamp.to_be_bytes());
        data.extend_from_slice(&self.origin.number.to_be_bytes());
        data.extend_from_slice(&U256::from(self.l1.base_fee).to_be_bytes::<32>());
        data.extend_from_slice(&U256::from(self.l1.blob_base_fee).to_be_bytes::<32>());
        data.extend_from_slice(self.origin.hash.as_slice());
        data.extend_from_slice(self.l1.system.batcher.into_word().as_slice());
        data.into()
    }

    /// The values `calldata` writes, if it is a call of `setL1BlockValuesEcotone()`.
    pub fn from_calldata(data: &[u8]) -> Option<Self> {
        if data.len() != CALLDATA_LEN || data[..4] != SET_L1_BLOCK_VALUES_ECOTONE {
            return None;
        }
        let word = |at: usize| U256::from_be_slice(&data[at..at + 32]);
        Some(Self {
            origin: L1Origin { number: be_u64(&data[28..36]), hash: B256::from_slice(&data[100..132]) },
            sequence_number: be_u64(&data[12..20]),
            l1: L1Attributes {
                timestamp: be_u64(&data[20..28]),
                base_fee: u256_to_u128(word(36)),
                blob_base_fee: u256_to_u128(word(68)),
                system: SystemConfig {
                    batcher: Address::from_word(B256::from_slice(&data[132..164])),
                    base_fee_scalar: be_u32(&data[4..8]),
                    blob_base_fee_scalar: be_u32(&data[8..12]),
                },
            },
        })
    }

    /// The values written by a stored block's deposits, which open with its L1 attributes
    /// deposit, and the deposits after it; `None` if the first is no such deposit.
    pub fn split_deposits(mut deposits: Vec<TxDeposit>) -> Option<(Self, Vec<TxDeposit>)> {
        let first = deposits.first()?;
        if first.from != DEPOSITOR_ACCOUNT || first.to != TxKind::Call(L1_BLOCK_ADDRESS) {
            return None;
        }
        let values = Self::from_calldata(&first.input)?;
        deposits.remove(0);
        Some((values, deposits))
    }

    /// The L1 attributes deposit: the first transaction of the block, writing these values.
    pub fn deposit(&self) -> TxDeposit {
        TxDeposit {
            source_hash: self.source_hash(),
            from: DEPOSITOR_ACCOUNT,
            to: TxKind::Call(L1_BLOCK_ADDRESS),
            mint: 0,
            value: U256::ZERO,
            gas_limit: L1_ATTRIBUTES_GAS,
            is_system_transaction: false,
            input: self.calldata(),
        }
    }

    /// The OP Stack's L1-info source hash:
    /// `keccak256(bytes32(1) ‖ keccak256(l1OriginHash ‖ bytes32(sequenceNumber)))`.
    fn source_hash(&self) -> B256 {
        let mut id = [0u8; 64];
        id[..32].copy_from_slice(self.origin.hash.as_slice());
        id[56..].copy_from_slice(&self.sequence_number.to_be_bytes());
        let mut domain = [0u8; 64];
        domain[31] = 1;
        domain[32..].copy_from_slice(keccak256(id).as_slice());
        keccak256(domain)
    }
}

fn be_u64(bytes: &[u8]) -> u64 {
    u64::from_be_bytes(bytes.try_into().expect("eight bytes"))
}

fn be_u32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes(bytes.try_into().expect("four bytes"))
}

/// Fees on L1 fit in 128 bits; a larger stored value (never written by the protocol) saturates.
fn u256_to_u128(value: U256) -> u128 {
    u128::try_from(value).unwrap_or(u128::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{StateDiff, StateOverlay};
    use proptest::prelude::*;

    fn values() -> impl Strategy<Value = L1BlockValues> {
        (any::<[u8; 32]>(), any::<(u64, u64, u64, u128, u128, [u8; 20], u32, u32)>()).prop_map(
            |(hash, (number, sequence_number, timestamp, base_fee, blob_base_fee, batcher, scalar, blob_scalar))| {
                L1BlockValues {
                    origin: L1Origin { number, hash: hash.into() },
                    sequence_number,
                    l1: L1Attributes {
                        timestamp,
                        base_fee,
                        blob_base_fee,
                        system: SystemConfig {
                            batcher: batcher.into(),
                            base_fee_scalar: scalar,
                            blob_base_fee_scalar: blob_scalar,
                        },
                    },
                }
            },
        )
    }

    proptest! {
        /// The calldata and the storage layout are two encodings of the same values.
        #[test]
        fn calldata_and_storage_round_trip(values in values()) {
            prop_assert_eq!(L1BlockValues::from_calldata(&values.calldata()), Some(values));
            let world = crate::WorldState::new();
            let mut overlay = StateOverlay::new(&world);
            for (slot, value) in values.storage() {
                overlay.set_storage(L1_BLOCK_ADDRESS, slot, value);
            }
            let diff: StateDiff = overlay.into_diff();
            prop_assert_eq!(L1BlockValues::read(&StateOverlay::with_diff(&world, diff)), values);
        }
    }

    #[test]
    fn the_sequence_number_counts_blocks_of_one_origin() {
        let world = crate::WorldState::new();
        let origin = L1Origin { number: 5, hash: B256::repeat_byte(5) };
        let first = L1BlockValues::next(&world, origin, L1Attributes::default());
        assert_eq!(first.sequence_number, 0);
        let mut overlay = StateOverlay::new(&world);
        for (slot, value) in first.storage() {
            overlay.set_storage(L1_BLOCK_ADDRESS, slot, value);
        }
        let parent = StateOverlay::with_diff(&world, overlay.into_diff());
        assert_eq!(L1BlockValues::next(&parent, origin, L1Attributes::default()).sequence_number, 1);
        let next = L1Origin { number: 6, hash: B256::repeat_byte(6) };
        assert_eq!(L1BlockValues::next(&parent, next, L1Attributes::default()).sequence_number, 0);
    }
}
