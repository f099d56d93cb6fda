//! `eth_getLogs`: range and result limits, caps on filter sizes, and turning stored logs into
//! RPC logs (shared with log filters).

use super::convert::BlockContext;
use super::{
    EthRpc,
    error::{LIMIT_EXCEEDED, invalid_params, rpc_error, unknown_block},
};
use crate::node::BlockReader as _;
use alloy::rpc::types::{Filter, FilterBlockOption, Log};
use alloy_primitives::B256;
use jsonrpsee::core::RpcResult;
use storage::{LogQuery, StoredLog};

impl EthRpc {
    /// Logs matching `filter`, within the configured range and result limits.
    pub(crate) async fn do_get_logs(&self, filter: Filter) -> RpcResult<Vec<Log>> {
        self.check_log_filter_size(&filter)?;
        let (from, to) = match filter.block_option {
            FilterBlockOption::AtBlockHash(hash) => {
                let number = self.chain.block_number(hash).await?.ok_or_else(unknown_block)?;
                (number, number)
            }
            FilterBlockOption::Range { from_block, to_block } => {
                let to = self.resolve_number(to_block.unwrap_or_default()).await?;
                let from = match from_block {
                    Some(tag) => self.resolve_number(tag).await?,
                    None => to,
                };
                (from, to)
            }
        };
        if from > to {
            return Err(invalid_params(format!("invalid block range: fromBlock {from} is after toBlock {to}")));
        }
        let max_range = self.config.max_log_block_range;
        if to - from >= max_range {
            return Err(rpc_error(
                LIMIT_EXCEEDED,
                format!(
                    "block range too large: {} blocks, at most {max_range}; narrow fromBlock/toBlock",
                    to - from + 1
                ),
            ));
        }
        let found = self.chain.logs(&self.log_query(&filter, from, to)).await?;
        if found.len() > self.config.max_logs {
            return Err(rpc_error(
                LIMIT_EXCEEDED,
                format!(
                    "query returned more than {} results; narrow the block range or the filter",
                    self.config.max_logs
                ),
            ));
        }
        self.rpc_logs(found).await
    }

    /// Refuses a log filter with more addresses, or more values in one topic position, than
    /// the configured caps (`-32005`, saying what to split).
    pub(crate) fn check_log_filter_size(&self, filter: &Filter) -> RpcResult<()> {
        let addresses = filter.address.len();
        let max_addresses = self.config.max_log_addresses;
        if addresses > max_addresses {
            return Err(rpc_error(
                LIMIT_EXCEEDED,
                format!(
                    "too many addresses in the filter: {addresses}, at most {max_addresses}; split the query into several with fewer addresses"
                ),
            ));
        }
        let max_topics = self.config.max_log_topics;
        for (position, topic) in filter.topics.iter().enumerate() {
            if topic.len() > max_topics {
                return Err(rpc_error(
                    LIMIT_EXCEEDED,
                    format!(
                        "too many values in topic position {position}: {}, at most {max_topics}; split the query into several with fewer topics",
                        topic.len()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The storage query for `filter`'s addresses and topics over blocks `from..=to`, limited to
    /// the configured most logs (the store returns one more to show the limit was exceeded).
    pub(crate) fn log_query(&self, filter: &Filter, from: u64, to: u64) -> LogQuery {
        LogQuery {
            from,
            to,
            addresses: filter.address.iter().copied().collect(),
            topics: filter.topics.clone().map(|set| set.iter().copied().collect()),
            limit: self.config.max_logs,
        }
    }

    /// Stored logs (ordered by block) as RPC logs, with their block and transaction.
    pub(crate) async fn rpc_logs(&self, found: Vec<StoredLog>) -> RpcResult<Vec<Log>> {
        let mut logs = Vec::with_capacity(found.len());
        // Logs come ordered by block: load each block's header and transaction hashes once.
        let mut block: Option<(u64, BlockContext, Vec<B256>)> = None;
        for stored in found {
            if block.as_ref().is_none_or(|(number, ..)| *number != stored.block_number) {
                let (hash, header) = self.chain.header(stored.block_number).await?.ok_or_else(unknown_block)?;
                let txs = self.chain.block_transactions(stored.block_number).await?;
                let hashes = txs.into_iter().map(|tx| tx.hash).collect();
                block = Some((stored.block_number, BlockContext::new(hash, &header), hashes));
            }
            let (_, context, hashes) = block.as_ref().expect("loaded above");
            logs.push(Log {
                inner: stored.log,
                block_hash: Some(context.hash),
                block_number: Some(context.number),
                block_timestamp: Some(context.timestamp),
                transaction_hash: hashes.get(stored.tx_index as usize).copied(),
                transaction_index: Some(stored.tx_index),
                log_index: Some(stored.log_index),
                removed: false,
            });
        }
        Ok(logs)
    }
}
