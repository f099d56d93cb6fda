//! Building receipts and the header of an executed block.

use super::{L2Transaction, TxOutcome};
use crate::{Output, chain::BlockAttributes};
use alloy::{
    consensus::{EMPTY_OMMER_ROOT_HASH, Header, Receipt, ReceiptEnvelope, proofs},
    eips::{Typed2718, eip7685::EMPTY_REQUESTS_HASH},
};
use alloy_primitives::{B256, Bloom, Bytes};
use alloy_trie::EMPTY_ROOT_HASH;

/// A block with its header, hash, transactions and receipts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedBlock {
    /// `keccak256` of the RLP-encoded header.
    pub hash: B256,
    /// The header.
    pub header: Header,
    /// Transactions in block order.
    pub transactions: Vec<L2Transaction>,
    /// Receipts, one per transaction.
    pub receipts: Vec<ReceiptEnvelope>,
    /// Storage root of the L2→L1 message passer after the block (part of the output root).
    pub message_passer_root: B256,
}

impl SealedBlock {
    /// The output this block commits to (its root is what the proposer posts on L1).
    pub fn output(&self) -> Output {
        Output {
            block_number: self.header.number,
            state_root: self.header.state_root,
            message_passer_storage_root: self.message_passer_root,
            block_hash: self.hash,
        }
    }
}

/// Encodes the L1 origin number into the header's extra data (8 bytes, big-endian); the L1
/// origin hash is the block's `mixHash` (and so the EVM's PREVRANDAO).
pub fn l1_origin_extra_data(number: u64) -> Bytes {
    Bytes::copy_from_slice(&number.to_be_bytes())
}

/// Builds receipts and the header of a block from its execution outcomes and post-state root.
pub fn seal_block(
    attrs: &BlockAttributes,
    transactions: Vec<L2Transaction>,
    outcomes: &[TxOutcome],
    state_root: B256,
    message_passer_root: B256,
) -> SealedBlock {
    let mut cumulative_gas_used = 0;
    let receipts: Vec<ReceiptEnvelope> = transactions
        .iter()
        .zip(outcomes)
        .map(|(tx, outcome)| {
            cumulative_gas_used += outcome.gas_used;
            let receipt = Receipt { status: outcome.success.into(), cumulative_gas_used, logs: outcome.logs.clone() };
            let ty = tx.inner().ty().try_into().expect("L2 transactions have known types");
            ReceiptEnvelope::from_typed(ty, receipt.with_bloom())
        })
        .collect();
    let logs_bloom = receipts.iter().fold(Bloom::ZERO, |mut bloom, receipt| {
        bloom.accrue_bloom(receipt.logs_bloom());
        bloom
    });
    let envelopes: Vec<_> = transactions.iter().map(|tx| tx.inner().clone()).collect();
    let header = Header {
        parent_hash: attrs.parent_hash,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: attrs.fee_recipient,
        state_root,
        transactions_root: proofs::calculate_transaction_root(&envelopes),
        receipts_root: proofs::calculate_receipt_root(&receipts),
        logs_bloom,
        difficulty: Default::default(),
        number: attrs.number,
        gas_limit: attrs.gas_limit,
        gas_used: cumulative_gas_used,
        timestamp: attrs.timestamp,
        extra_data: l1_origin_extra_data(attrs.l1_origin.number),
        mix_hash: attrs.l1_origin.hash,
        nonce: Default::default(),
        base_fee_per_gas: Some(attrs.base_fee),
        withdrawals_root: Some(EMPTY_ROOT_HASH),
        blob_gas_used: Some(0),
        excess_blob_gas: Some(0),
        parent_beacon_block_root: Some(B256::ZERO),
        requests_hash: Some(EMPTY_REQUESTS_HASH),
        block_access_list_hash: None,
        slot_number: None,
    };
    SealedBlock { hash: header.hash_slow(), header, transactions, receipts, message_passer_root }
}
