//! `eth_subscribe` over WebSocket: `newHeads`, `logs` and `newPendingTransactions`.
//!
//! `newPendingTransactions` streams the hashes of transactions as they become executable (a
//! transaction behind a nonce gap is announced once the gap fills), or the whole transactions
//! when the second parameter is `true` (as geth and reth). A subscriber that falls more than
//! [`ANNOUNCEMENT_CAPACITY`](crate::pool::ANNOUNCEMENT_CAPACITY) transactions (or 1024 blocks)
//! behind misses the oldest ones; the subscription stays open.

use super::{EthRpc, convert::BlockContext, error::invalid_params, txpool::pending_transaction};
use crate::pool::PooledTx;
use alloy::rpc::types::{Filter, Header as RpcHeader, Log};
use jsonrpsee::{PendingSubscriptionSink, SubscriptionSink, core::SubscriptionResult};
use rollup_core::SealedBlock;
use serde::Deserialize;
use std::sync::Arc;
use tokio::sync::broadcast::{Receiver, error::RecvError};
use tracing::warn;

/// The second parameter of `eth_subscribe`: a log filter for `logs`, or whether to send whole
/// transactions for `newPendingTransactions`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum SubscribeParams {
    /// `true` for whole transactions (`newPendingTransactions`).
    Full(bool),
    /// A log filter (`logs`).
    Filter(Box<Filter>),
}

/// What one subscription streams.
enum Kind {
    Heads,
    Logs(Box<Filter>),
    PendingTransactions { full: bool },
}

impl EthRpc {
    /// Accepts a subscription and streams new heads, matching logs or newly executable
    /// transactions until the client leaves.
    pub(crate) async fn do_subscribe(
        &self,
        pending: PendingSubscriptionSink,
        kind: String,
        params: Option<SubscribeParams>,
    ) -> SubscriptionResult {
        let kind = match (kind.as_str(), params) {
            // As before, anything passed with newHeads is ignored.
            ("newHeads", _) => Kind::Heads,
            ("logs", None) => Kind::Logs(Box::default()),
            ("logs", Some(SubscribeParams::Filter(filter))) => {
                if let Err(err) = self.check_log_filter_size(&filter) {
                    pending.reject(err).await;
                    return Ok(());
                }
                Kind::Logs(filter)
            }
            ("newPendingTransactions", None) => Kind::PendingTransactions { full: false },
            ("newPendingTransactions", Some(SubscribeParams::Full(full))) => Kind::PendingTransactions { full },
            (kind @ ("logs" | "newPendingTransactions"), Some(_)) => {
                let expected = match kind {
                    "logs" => "a log filter",
                    _ => "true for whole transactions, or nothing for hashes",
                };
                pending.reject(invalid_params(format!("invalid parameter for {kind}: expected {expected}"))).await;
                return Ok(());
            }
            (other, _) => {
                pending
                    .reject(invalid_params(format!(
                        "unsupported subscription \"{other}\": use newHeads, logs or newPendingTransactions"
                    )))
                    .await;
                return Ok(());
            }
        };
        match kind {
            Kind::PendingTransactions { full } => {
                let txs = self.chain.subscribe_pending_transactions();
                let sink = pending.accept().await?;
                stream_pending_transactions(sink, txs, full).await
            }
            kind => {
                let blocks = self.chain.subscribe_blocks();
                let sink = pending.accept().await?;
                let filter = match kind {
                    Kind::Logs(filter) => Some(filter),
                    _ => None,
                };
                stream_blocks(sink, blocks, filter.as_deref()).await
            }
        }
    }
}

/// Sends each new head, or the logs of each new block matching `filter`.
async fn stream_blocks(
    sink: SubscriptionSink,
    mut blocks: Receiver<Arc<SealedBlock>>,
    filter: Option<&Filter>,
) -> SubscriptionResult {
    loop {
        tokio::select! {
            _ = sink.closed() => return Ok(()),
            block = blocks.recv() => {
                let block = match block {
                    Ok(block) => block,
                    Err(RecvError::Lagged(missed)) => {
                        warn!(subscription = ?sink.subscription_id(), missed, "subscriber too slow: skipped the oldest blocks");
                        continue;
                    }
                    Err(RecvError::Closed) => return Ok(()),
                };
                let items = match filter {
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

/// Sends the hash (or, when `full`, the whole transaction) of each newly executable transaction.
async fn stream_pending_transactions(
    sink: SubscriptionSink,
    mut txs: Receiver<Arc<PooledTx>>,
    full: bool,
) -> SubscriptionResult {
    loop {
        tokio::select! {
            _ = sink.closed() => return Ok(()),
            tx = txs.recv() => {
                let tx = match tx {
                    Ok(tx) => tx,
                    Err(RecvError::Lagged(missed)) => {
                        warn!(subscription = ?sink.subscription_id(), missed, "subscriber too slow: skipped the oldest pending transactions");
                        continue;
                    }
                    Err(RecvError::Closed) => return Ok(()),
                };
                let item = if full {
                    serde_json::value::to_raw_value(&pending_transaction(&tx))?
                } else {
                    serde_json::value::to_raw_value(&tx.hash)?
                };
                sink.send(item).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_parameter_is_a_flag_or_a_filter() {
        let full: Option<SubscribeParams> = serde_json::from_str("true").unwrap();
        assert!(matches!(full, Some(SubscribeParams::Full(true))));
        let filter: SubscribeParams =
            serde_json::from_str(r#"{"address":"0x0000000000000000000000000000000000000001"}"#).unwrap();
        assert!(matches!(filter, SubscribeParams::Filter(filter) if filter.address.len() == 1));
        let empty: SubscribeParams = serde_json::from_str("{}").unwrap();
        assert!(matches!(empty, SubscribeParams::Filter(_)));
        assert!(serde_json::from_str::<SubscribeParams>(r#""yes""#).is_err());
    }
}
