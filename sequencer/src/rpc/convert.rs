//! Building RPC objects (blocks, transactions, receipts, logs) from stored data.

use crate::storage::StoredTx;
use alloy::{
    consensus::{Header, Transaction as _, transaction::Recovered},
    eips::eip2718::Encodable2718,
    rlp::Encodable,
    rpc::types::{Block, BlockTransactions, Header as RpcHeader, Log, Transaction, TransactionReceipt},
};
use alloy_primitives::{B256, TxKind, U256};

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
pub(crate) fn rpc_transaction(stored: &StoredTx, block: BlockContext) -> Transaction {
    Transaction {
        effective_gas_price: Some(stored.tx.effective_gas_price(Some(block.base_fee))),
        inner: Recovered::new_unchecked(stored.tx.clone(), stored.sender),
        block_hash: Some(block.hash),
        block_number: Some(block.number),
        transaction_index: Some(stored.tx_index),
        block_timestamp: Some(block.timestamp),
    }
}

/// The receipt of a mined transaction.
pub(crate) fn rpc_receipt(stored: &StoredTx, block: BlockContext) -> TransactionReceipt {
    let mut log_index = stored.first_log_index;
    let inner = stored.receipt.clone().map_logs(|log| {
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
    });
    TransactionReceipt {
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
    }
}

/// A block with its transactions as hashes or as full objects.
pub(crate) fn rpc_block(hash: B256, header: Header, txs: &[StoredTx], full: bool) -> Block {
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
