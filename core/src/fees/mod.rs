//! Fees that pay for L1 (docs/fees.md): the L1 attributes every block records, the L1 data fee
//! of user transactions, and the fee vaults that collect what users pay.

mod flz;
mod l1_block;
mod l1_fee;

pub use flz::flz_compressed_len;
pub use l1_block::{L1_ATTRIBUTES_GAS, L1Attributes, L1BlockValues, SystemConfig};
pub use l1_fee::{
    L1Cost, MIN_SIZE, SIGNATURE_SIZE, SIZE_INTERCEPT, SIZE_SLOPE, l1_cost, l1_cost_of_compressed, signing_payload,
    transaction_l1_cost,
};

use alloy::eips::eip7840::BlobParams;
use alloy_primitives::{Address, address};

/// The blob base fee of an L1 block with `excess_blob_gas` (the L1 runs Osaka, whose blob
/// fee follows Prague's update fraction).
pub fn blob_base_fee(excess_blob_gas: u64) -> u128 {
    BlobParams::prague().calc_blob_fee(excess_blob_gas)
}

/// Sender of the L1 attributes deposit; the only account that may write `L1Block`.
pub const DEPOSITOR_ACCOUNT: Address = address!("0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001");

/// The `L1Block` predeploy: the L1 attributes of the current block.
pub const L1_BLOCK_ADDRESS: Address = address!("0x4200000000000000000000000000000000000015");

/// The `GasPriceOracle` predeploy: the L1 data fee as contracts and wallets compute it.
pub const GAS_PRICE_ORACLE_ADDRESS: Address = address!("0x420000000000000000000000000000000000000F");

/// Receives the priority fees (the OP Stack's `SequencerFeeVault`).
pub const SEQUENCER_FEE_VAULT: Address = address!("0x4200000000000000000000000000000000000011");

/// Receives the base fees (the OP Stack's `BaseFeeVault`).
pub const BASE_FEE_VAULT: Address = address!("0x4200000000000000000000000000000000000019");

/// Receives the L1 data fees (the OP Stack's `L1FeeVault`).
pub const L1_FEE_VAULT: Address = address!("0x420000000000000000000000000000000000001A");

/// The three fee vaults.
pub const FEE_VAULTS: [Address; 3] = [SEQUENCER_FEE_VAULT, BASE_FEE_VAULT, L1_FEE_VAULT];
