//! `eth_subscribe`: `newHeads` and `logs` over WebSocket.

use super::{EthRpc, convert::BlockContext, error::invalid_params};
use alloy::rpc::types::{Filter, Header as RpcHeader, Log};
use jsonrpsee::{PendingSubscriptionSink, core::SubscriptionResult};
use rollup_core::SealedBlock;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

impl EthRpc {
    /// Accepts a subscription and streams new heads or matching logs until the client leaves.
    pub(crate) async fn do_subscribe(
        &self,
        pending: PendingSubscriptionSink,
        kind: String,
        filter: Option<Filter>,
    ) -> SubscriptionResult {
        let filter = match kind.as_str() {
            "newHeads" => None,
            "logs" => Some(filter.unwrap_or_default()),
            other => {
                pending
                    .reject(invalid_params(format!("unsupported subscription \"{other}\": use newHeads or logs")))
                    .await;
                return Ok(());
            }
        };
        let mut blocks = self.chain.subscribe_blocks();
        let sink = pending.accept().await?;
        loop {
            tokio::select! {
                _ = sink.closed() => return Ok(()),
                block = blocks.recv() => {
                    let block = match block {
                        Ok(block) => block,
                        Err(RecvError::Lagged(_)) => continue,
                        Err(RecvError::Closed) => return Ok(()),
                    };
                    let items = match &filter {
                        None => vec![serde_json::to_value(RpcHeader::new(block.header.clone()))?],
                        Some(filter) => matching_logs(&block, filter).into_iter().map(serde_json::to_value).collect::<Result<_, _>>()?,
                    };
                    for item in items {
                        sink.send(serde_json::value::to_raw_value(&item)?).await?;
                    }
                }
            }
        }
    }
}

/// Logs of `block` that match `filter` (addresses and topics; the block range is ignored).
fn matching_logs(block: &Arc<SealedBlock>, filter: &Filter) -> Vec<Log> {
    let context = BlockContext::new(block.hash, &block.header);
    let mut log_index = 0u64;
    let mut out = Vec::new();
    let hashes = block.deposits.iter().map(|deposit| deposit.tx_hash());
    let hashes = hashes.chain(block.transactions.iter().map(|tx| *tx.inner().tx_hash()));
    let logs = block.deposit_receipts.iter().map(|receipt| receipt.inner.receipt.logs.as_slice());
    let logs = logs.chain(block.receipts.iter().map(alloy::consensus::TxReceipt::logs));
    for (tx_index, (hash, logs)) in hashes.zip(logs).enumerate() {
        for log in logs {
            if filter.matches(log) {
                out.push(Log {
                    inner: log.clone(),
                    block_hash: Some(context.hash),
                    block_number: Some(context.number),
                    block_timestamp: Some(context.timestamp),
                    transaction_hash: Some(hash),
                    transaction_index: Some(tx_index as u64),
                    log_index: Some(log_index),
                    removed: false,
                });
            }
            log_index += 1;
        }
    }
    out
}
