//! Building receipts and the header of an executed block.

use super::{L2Transaction, TxOutcome};
use crate::{
    chain::BlockAttributes,
    deposit::{DepositReceipt, L2Envelope, L2ReceiptEnvelope, TxDeposit},
    output::Output,
};
use alloy::{
    consensus::{EMPTY_OMMER_ROOT_HASH, Header, Receipt, ReceiptEnvelope, proofs},
    eips::{Typed2718, eip7685::EMPTY_REQUESTS_HASH},
};
use alloy_primitives::{B256, Bloom, Bytes};
use alloy_trie::EMPTY_ROOT_HASH;

/// A block with its header, hash, transactions and receipts.
///
/// A block's transactions are its deposits followed by its user transactions; the two kinds
/// are kept apart (`deposits` / `deposit_receipts` and `transactions` / `receipts`) because only
/// user transactions travel in batches and only they come from the pool. Positions in the
/// block, the transactions root, the receipts root and cumulative gas all count deposits first:
/// user transaction `i` is transaction `deposits.len() + i` of the block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedBlock {
    /// `keccak256` of the RLP-encoded header.
    pub hash: B256,
    /// The header.
    pub header: Header,
    /// Deposit transactions, the first transactions of the block, in L1 log order.
    pub deposits: Vec<TxDeposit>,
    /// Receipts of the deposits, one per deposit (typed `0x7E` in the receipts root).
    pub deposit_receipts: Vec<DepositReceipt>,
    /// User transactions in block order, after the deposits.
    pub transactions: Vec<L2Transaction>,
    /// Receipts of the user transactions, one per transaction.
    pub receipts: Vec<ReceiptEnvelope>,
    /// Storage root of the L2→L1 message passer after the block (part of the output root).
    pub message_passer_root: B256,
}

impl SealedBlock {
    /// Every transaction of the block in block order (deposits first), as EIP-2718 envelopes.
    pub fn envelopes(&self) -> Vec<L2Envelope> {
        let deposits = self.deposits.iter().cloned().map(L2Envelope::Other);
        deposits.chain(self.transactions.iter().map(|tx| L2Envelope::BuiltIn(tx.inner().clone()))).collect()
    }

    /// Every receipt of the block in block order (deposits first).
    pub fn all_receipts(&self) -> Vec<L2ReceiptEnvelope> {
        let deposits = self.deposit_receipts.iter().cloned().map(L2ReceiptEnvelope::Other);
        deposits.chain(self.receipts.iter().cloned().map(L2ReceiptEnvelope::BuiltIn)).collect()
    }

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

/// Builds receipts and the header of a block from its transactions (deposits first), their
/// execution outcomes in the same order, and the post-state root.
pub fn seal_block(
    attrs: &BlockAttributes,
    deposits: Vec<TxDeposit>,
    transactions: Vec<L2Transaction>,
    outcomes: &[TxOutcome],
    state_root: B256,
    message_passer_root: B256,
) -> SealedBlock {
    let mut cumulative_gas_used = 0;
    let mut receipt = |outcome: &TxOutcome| {
        cumulative_gas_used += outcome.gas_used;
        Receipt { status: outcome.success.into(), cumulative_gas_used, logs: outcome.logs.clone() }.with_bloom()
    };
    let (deposit_outcomes, user_outcomes) = outcomes.split_at(deposits.len().min(outcomes.len()));
    let deposit_receipts: Vec<DepositReceipt> = deposit_outcomes
        .iter()
        .map(|outcome| DepositReceipt {
            inner: receipt(outcome),
            deposit_nonce: outcome.deposit_nonce.unwrap_or_default(),
        })
        .collect();
    let receipts: Vec<ReceiptEnvelope> = transactions
        .iter()
        .zip(user_outcomes)
        .map(|(tx, outcome)| {
            let ty = tx.inner().ty().try_into().expect("L2 transactions have known types");
            ReceiptEnvelope::from_typed(ty, receipt(outcome))
        })
        .collect();
    let mut block = SealedBlock {
        hash: B256::ZERO,
        header: Header::default(),
        deposits,
        deposit_receipts,
        transactions,
        receipts,
        message_passer_root,
    };
    let all_receipts = block.all_receipts();
    let logs_bloom = all_receipts.iter().fold(Bloom::ZERO, |mut bloom, receipt| {
        bloom.accrue_bloom(&receipt_bloom(receipt));
        bloom
    });
    let header = Header {
        parent_hash: attrs.parent_hash,
        ommers_hash: EMPTY_OMMER_ROOT_HASH,
        beneficiary: attrs.fee_recipient,
        state_root,
        transactions_root: proofs::calculate_transaction_root(&block.envelopes()),
        receipts_root: proofs::calculate_receipt_root(&all_receipts),
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
    block.hash = header.hash_slow();
    block.header = header;
    block
}

/// The logs bloom of any L2 receipt.
fn receipt_bloom(receipt: &L2ReceiptEnvelope) -> Bloom {
    match receipt {
        L2ReceiptEnvelope::BuiltIn(receipt) => *receipt.logs_bloom(),
        L2ReceiptEnvelope::Other(receipt) => receipt.inner.logs_bloom,
    }
}
