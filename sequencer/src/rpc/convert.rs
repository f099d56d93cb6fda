//! Building RPC objects (blocks, transactions, receipts, logs) from stored data.
//!
//! Deposits are returned in the OP Stack's shape: a transaction with `"type": "0x7e"` and the
//! deposit fields, and a receipt with `"type": "0x7e"`, `depositNonce` and
//! `depositReceiptVersion`; alloy's Ethereum types cannot carry them, so both kinds go through
//! the untagged enums here. Receipts of user transactions carry the OP Stack's L1 fee fields.

use alloy::{
    consensus::{
        Header, Receipt, ReceiptEnvelope, ReceiptWithBloom, Transaction as _, TxEnvelope, transaction::Recovered,
    },
    eips::eip2718::Encodable2718,
    rlp::Encodable,
    rpc::types::{Block, BlockTransactions, Header as RpcHeader, Log, Transaction, TransactionReceipt},
};
use alloy_primitives::{B256, TxKind, U8, U256};
use rollup_core::{
    deposit::{DEPOSIT_RECEIPT_VERSION, DEPOSIT_TX_TYPE, L2Envelope, L2ReceiptEnvelope, TxDeposit},
    fees::{L1Attributes, L1BlockValues, transaction_l1_cost},
};
use serde::Serialize;
use storage::StoredTx;

/// A transaction as the RPC returns it.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum RpcTransaction {
    /// A signed Ethereum transaction (mined or pending).
    Ethereum(Box<Transaction>),
    /// A mined deposit.
    Deposit(Box<RpcDeposit>),
}

/// A mined deposit: its fields (OP Stack JSON) and its position.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RpcDeposit {
    #[serde(flatten)]
    tx: TxDeposit,
    hash: B256,
    block_hash: B256,
    #[serde(with = "alloy::serde::quantity")]
    block_number: u64,
    #[serde(with = "alloy::serde::quantity")]
    transaction_index: u64,
    #[serde(with = "alloy::serde::quantity")]
    block_timestamp: u64,
    /// Deposits pay no gas price.
    #[serde(with = "alloy::serde::quantity")]
    gas_price: u128,
    /// The nonce `from` had when the deposit ran (it is incremented, not checked).
    #[serde(with = "alloy::serde::quantity")]
    nonce: u64,
}

/// The consensus part of a receipt as the RPC returns it, with its `type`.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum RpcReceiptEnvelope {
    /// The receipt of an Ethereum transaction.
    Ethereum(ReceiptEnvelope<Log>),
    /// The receipt of a deposit.
    Deposit(RpcDepositReceipt),
}

/// A deposit receipt: `"type": "0x7e"` and the usual receipt fields.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RpcDepositReceipt {
    #[serde(rename = "type")]
    ty: U8,
    #[serde(flatten)]
    receipt: ReceiptWithBloom<Receipt<Log>>,
}

/// A receipt as the RPC returns it: alloy's fields, and the OP Stack's fee or deposit fields.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct RpcReceipt {
    #[serde(flatten)]
    inner: TransactionReceipt<RpcReceiptEnvelope>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    l1_fee: Option<L1FeeFields>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    deposit: Option<DepositFields>,
}

/// What a user transaction paid for L1 data, and the inputs of the fee (docs/fees.md).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct L1FeeFields {
    l1_fee: U256,
    /// The L1 base fee.
    l1_gas_price: U256,
    #[serde(with = "alloy::serde::quantity")]
    l1_gas_used: u64,
    #[serde(with = "alloy::serde::quantity")]
    l1_base_fee_scalar: u32,
    l1_blob_base_fee: U256,
    #[serde(with = "alloy::serde::quantity")]
    l1_blob_base_fee_scalar: u32,
}

impl L1FeeFields {
    fn new(tx: &TxEnvelope, l1: &L1Attributes) -> Self {
        let cost = transaction_l1_cost(tx, l1);
        Self {
            l1_fee: cost.fee,
            l1_gas_price: U256::from(l1.base_fee),
            l1_gas_used: cost.gas_used,
            l1_base_fee_scalar: l1.system.base_fee_scalar,
            l1_blob_base_fee: U256::from(l1.blob_base_fee),
            l1_blob_base_fee_scalar: l1.system.blob_base_fee_scalar,
        }
    }
}

/// OP Canyon's deposit receipt fields.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DepositFields {
    #[serde(with = "alloy::serde::quantity")]
    deposit_nonce: u64,
    #[serde(with = "alloy::serde::quantity")]
    deposit_receipt_version: u64,
}

/// A block as the RPC returns it.
pub(crate) type RpcBlock = Block<RpcTransaction>;

/// Position of a mined transaction, for RPC objects.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BlockContext {
    pub(crate) hash: B256,
    pub(crate) number: u64,
    pub(crate) timestamp: u64,
    pub(crate) base_fee: u64,
}

impl BlockContext {
    pub(crate) fn new(hash: B256, header: &Header) -> Self {
        Self {
            hash,
            number: header.number,
            timestamp: header.timestamp,
            base_fee: header.base_fee_per_gas.unwrap_or_default(),
        }
    }
}

/// A mined transaction as returned by `eth_getTransactionByHash`.
pub(crate) fn rpc_transaction(stored: &StoredTx, block: BlockContext) -> RpcTransaction {
    match &stored.tx {
        L2Envelope::BuiltIn(tx) => RpcTransaction::Ethereum(Box::new(Transaction {
            effective_gas_price: Some(tx.effective_gas_price(Some(block.base_fee))),
            inner: Recovered::new_unchecked(tx.clone(), stored.sender),
            block_hash: Some(block.hash),
            block_number: Some(block.number),
            transaction_index: Some(stored.tx_index),
            block_timestamp: Some(block.timestamp),
        })),
        L2Envelope::Other(deposit) => RpcTransaction::Deposit(Box::new(RpcDeposit {
            tx: deposit.clone(),
            hash: stored.hash,
            block_hash: block.hash,
            block_number: block.number,
            transaction_index: stored.tx_index,
            block_timestamp: block.timestamp,
            gas_price: 0,
            nonce: deposit_nonce(stored),
        })),
    }
}

/// The nonce the sender of a stored deposit had when it ran (kept in its receipt).
fn deposit_nonce(stored: &StoredTx) -> u64 {
    match &stored.receipt {
        L2ReceiptEnvelope::Other(receipt) => receipt.deposit_nonce,
        L2ReceiptEnvelope::BuiltIn(_) => 0,
    }
}

/// The L1 attributes of a block, from its first transaction (its L1 attributes deposit).
pub(crate) fn block_l1_attributes(first: &StoredTx) -> Option<L1Attributes> {
    match &first.tx {
        L2Envelope::Other(deposit) => L1BlockValues::from_calldata(&deposit.input).map(|values| values.l1),
        L2Envelope::BuiltIn(_) => None,
    }
}

/// The receipt of a mined transaction; `l1` is its block's L1 attributes (for the L1 fee of a
/// user transaction).
pub(crate) fn rpc_receipt(stored: &StoredTx, block: BlockContext, l1: Option<&L1Attributes>) -> RpcReceipt {
    let mut log_index = stored.first_log_index;
    let with_position = |log| {
        let log = Log {
            inner: log,
            block_hash: Some(block.hash),
            block_number: Some(block.number),
            block_timestamp: Some(block.timestamp),
            transaction_hash: Some(stored.hash),
            transaction_index: Some(stored.tx_index),
            log_index: Some(log_index),
            removed: false,
        };
        log_index += 1;
        log
    };
    let inner = match stored.receipt.clone() {
        L2ReceiptEnvelope::BuiltIn(receipt) => RpcReceiptEnvelope::Ethereum(receipt.map_logs(with_position)),
        L2ReceiptEnvelope::Other(receipt) => RpcReceiptEnvelope::Deposit(RpcDepositReceipt {
            ty: U8::from(DEPOSIT_TX_TYPE),
            receipt: receipt.inner.map_logs(with_position),
        }),
    };
    let l1_fee = match (&stored.tx, l1) {
        (L2Envelope::BuiltIn(tx), Some(l1)) => Some(L1FeeFields::new(tx, l1)),
        _ => None,
    };
    let deposit = match &stored.receipt {
        L2ReceiptEnvelope::Other(receipt) => Some(DepositFields {
            deposit_nonce: receipt.deposit_nonce,
            deposit_receipt_version: DEPOSIT_RECEIPT_VERSION,
        }),
        L2ReceiptEnvelope::BuiltIn(_) => None,
    };
    let inner = TransactionReceipt {
        inner,
        transaction_hash: stored.hash,
        transaction_index: Some(stored.tx_index),
        block_hash: Some(block.hash),
        block_number: Some(block.number),
        gas_used: stored.gas_used,
        effective_gas_price: stored.tx.effective_gas_price(Some(block.base_fee)),
        blob_gas_used: None,
        blob_gas_price: None,
        from: stored.sender,
        to: match stored.tx.kind() {
            TxKind::Call(to) => Some(to),
            TxKind::Create => None,
        },
        contract_address: stored.contract_address,
    };
    RpcReceipt { inner, l1_fee, deposit }
}

/// A block with its transactions (deposits first) as hashes or as full objects.
pub(crate) fn rpc_block(hash: B256, header: Header, txs: &[StoredTx], full: bool) -> RpcBlock {
    let context = BlockContext::new(hash, &header);
    let size = header.length() + txs.iter().map(|tx| tx.tx.encode_2718_len()).sum::<usize>() + 8;
    let transactions = if full {
        BlockTransactions::Full(txs.iter().map(|tx| rpc_transaction(tx, context)).collect())
    } else {
        BlockTransactions::Hashes(txs.iter().map(|tx| tx.hash).collect())
    };
    Block {
        header: RpcHeader { hash, inner: header, total_difficulty: Some(U256::ZERO), size: Some(U256::from(size)) },
        uncles: Vec::new(),
        transactions,
        withdrawals: Some(Default::default()),
    }
}
