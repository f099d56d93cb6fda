//! Polled filters: `eth_newFilter`, `eth_newBlockFilter`, `eth_newPendingTransactionFilter`,
//! `eth_getFilterChanges`, `eth_getFilterLogs` and `eth_uninstallFilter`, as geth serves them.
//!
//! Filters live in memory, shared by every connection and identified by unguessable ids. A
//! filter not polled for [`RpcConfig::filter_timeout`](super::RpcConfig) is removed; polling
//! it afterwards answers geth's `filter not found`. At most
//! [`RpcConfig::max_filters`](super::RpcConfig) filters exist at once.
//!
//! - A **log filter** remembers the last block it reported. Each poll scans the blocks after it
//!   up to the head (within the filter's `fromBlock`/`toBlock`), at most `max_log_block_range`
//!   blocks and `max_logs` logs per poll: the rest comes with the next poll, nothing is skipped.
//! - A **block filter** reports the hashes of the blocks sealed since the last poll (at most
//!   `max_log_block_range` per poll).
//! - A **pending transaction filter** reports the transactions that became executable since
//!   the last poll (hashes, or full transactions when created with `true`); one that falls more
//!   than [`ANNOUNCEMENT_CAPACITY`](crate::pool::ANNOUNCEMENT_CAPACITY) transactions behind
//!   misses the oldest.

use super::{
    EthRpc,
    error::{INVALID_INPUT, LIMIT_EXCEEDED, internal, invalid_params, rpc_error},
    txpool::pending_transaction,
};
use crate::{
    node::{BlockReader as _, HeadReader as _},
    pool::PooledTx,
};
use alloy::rpc::types::{BlockNumberOrTag, Filter, FilterBlockOption, FilterChanges, Log, Transaction};
use jsonrpsee::{
    core::{RpcResult, async_trait},
    proc_macros::rpc,
    types::ErrorObjectOwned,
};
use parking_lot::Mutex;
use std::{
    collections::HashMap,
    hash::{BuildHasher, RandomState},
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};
use tokio::sync::broadcast::{self, error::TryRecvError};
use tracing::{debug, warn};

/// The filter methods of the `eth_` namespace.
#[rpc(server, namespace = "eth")]
pub(crate) trait EthFilterApi {
    /// Installs a log filter (addresses, topics, `fromBlock`/`toBlock`); returns its id.
    #[method(name = "newFilter")]
    async fn new_filter(&self, filter: Filter) -> RpcResult<String>;
    /// Installs a filter for new block hashes; returns its id.
    #[method(name = "newBlockFilter")]
    async fn new_block_filter(&self) -> RpcResult<String>;
    /// Installs a filter for new pending transactions (hashes, or full transactions with
    /// `true`); returns its id.
    #[method(name = "newPendingTransactionFilter")]
    async fn new_pending_transaction_filter(&self, full: Option<bool>) -> RpcResult<String>;
    /// What happened since the filter's last poll: logs, block hashes, or transactions.
    #[method(name = "getFilterChanges")]
    async fn filter_changes(&self, id: String) -> RpcResult<FilterChanges<Transaction, Log>>;
    /// Every log matching a log filter, with the limits of `eth_getLogs`.
    #[method(name = "getFilterLogs")]
    async fn filter_logs(&self, id: String) -> RpcResult<Vec<Log>>;
    /// Removes a filter; `false` if there was no such filter.
    #[method(name = "uninstallFilter")]
    async fn uninstall_filter(&self, id: String) -> RpcResult<bool>;
}

/// The installed filters.
#[derive(Debug, Default)]
pub(crate) struct FilterRegistry {
    filters: Mutex<HashMap<String, Installed>>,
    ids: IdSource,
}

/// One installed filter.
#[derive(Debug)]
struct Installed {
    /// When it was installed or last polled.
    last_poll: Instant,
    /// Its progress; locked for a whole poll, so concurrent polls of one filter never report
    /// the same item twice.
    state: Arc<tokio::sync::Mutex<FilterState>>,
}

/// What a filter watches and how far it has reported.
#[derive(Debug)]
enum FilterState {
    /// Logs matching `filter`, reported up to block `cursor`.
    Logs { filter: Box<Filter>, cursor: u64 },
    /// Block hashes, reported up to block `cursor`.
    Blocks { cursor: u64 },
    /// Transactions that became executable, as full objects when `full`.
    PendingTransactions { receiver: broadcast::Receiver<Arc<PooledTx>>, full: bool },
}

impl FilterState {
    fn kind(&self) -> &'static str {
        match self {
            Self::Logs { .. } => "log",
            Self::Blocks { .. } => "block",
            Self::PendingTransactions { .. } => "pending transaction",
        }
    }
}

/// Unguessable filter ids: 128 bits of SipHash under a random key, over a counter, so one
/// client cannot poll or remove another's filter.
#[derive(Debug, Default)]
struct IdSource {
    key: RandomState,
    counter: AtomicU64,
}

impl IdSource {
    fn next(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let high = self.key.hash_one((n, 0u8));
        let low = self.key.hash_one((n, 1u8));
        format!("0x{high:016x}{low:016x}")
    }
}

/// geth's answer for an unknown, removed or expired filter.
fn filter_not_found() -> ErrorObjectOwned {
    rpc_error(INVALID_INPUT, "filter not found")
}

impl FilterRegistry {
    /// Removes the filters not polled within `timeout`; returns how many remain.
    fn sweep(filters: &mut HashMap<String, Installed>, timeout: Duration) -> usize {
        filters.retain(|id, installed| {
            let alive = installed.last_poll.elapsed() <= timeout;
            if !alive {
                debug!(%id, "filter expired");
            }
            alive
        });
        filters.len()
    }

    /// Installs a filter, unless `max` are installed already; returns its id and how many
    /// filters exist now.
    fn install(&self, state: FilterState, timeout: Duration, max: usize) -> RpcResult<(String, usize)> {
        let mut filters = self.filters.lock();
        if Self::sweep(&mut filters, timeout) >= max {
            return Err(rpc_error(
                LIMIT_EXCEEDED,
                format!(
                    "too many filters installed: at most {max}; remove unused ones with eth_uninstallFilter (a filter not polled for {} s expires)",
                    timeout.as_secs()
                ),
            ));
        }
        let id = self.ids.next();
        debug!(%id, kind = state.kind(), "installed filter");
        filters.insert(
            id.clone(),
            Installed { last_poll: Instant::now(), state: Arc::new(tokio::sync::Mutex::new(state)) },
        );
        Ok((id, filters.len()))
    }

    /// The filter `id`, marked as polled now; `None` if it does not exist or expired.
    fn poll(&self, id: &str, timeout: Duration) -> (Option<Arc<tokio::sync::Mutex<FilterState>>>, usize) {
        let mut filters = self.filters.lock();
        let remaining = Self::sweep(&mut filters, timeout);
        let found = filters.get_mut(&id.to_ascii_lowercase()).map(|installed| {
            installed.last_poll = Instant::now();
            installed.state.clone()
        });
        (found, remaining)
    }

    /// Removes filter `id`; returns whether it existed (and had not expired) and how many
    /// filters remain.
    fn remove(&self, id: &str, timeout: Duration) -> (bool, usize) {
        let mut filters = self.filters.lock();
        Self::sweep(&mut filters, timeout);
        let removed = filters.remove(&id.to_ascii_lowercase()).is_some();
        (removed, filters.len())
    }
}

impl EthRpc {
    fn install_filter(&self, state: FilterState) -> RpcResult<String> {
        let (id, installed) = self.filters.install(state, self.config.filter_timeout, self.config.max_filters)?;
        self.chain.metrics().rpc_filters.set(installed as i64);
        Ok(id)
    }

    fn find_filter(&self, id: &str) -> RpcResult<Arc<tokio::sync::Mutex<FilterState>>> {
        let (found, installed) = self.filters.poll(id, self.config.filter_timeout);
        self.chain.metrics().rpc_filters.set(installed as i64);
        found.ok_or_else(filter_not_found)
    }

    /// The block number a filter bound names now (tags resolved against the current heads);
    /// `None` for `latest`/`pending` (no bound). Numbers may lie in the future.
    fn filter_bound(&self, tag: Option<BlockNumberOrTag>) -> Option<u64> {
        match tag? {
            BlockNumberOrTag::Number(number) => Some(number),
            BlockNumberOrTag::Earliest => Some(0),
            BlockNumberOrTag::Safe => Some(self.chain.safe_head()),
            BlockNumberOrTag::Finalized => Some(self.chain.finalized_head()),
            BlockNumberOrTag::Latest | BlockNumberOrTag::Pending => None,
        }
    }

    /// Logs matching `filter` in the blocks after `cursor`, moving `cursor` to the last block
    /// scanned.
    async fn log_changes(&self, filter: &Filter, cursor: &mut u64) -> RpcResult<Vec<Log>> {
        let FilterBlockOption::Range { from_block, to_block } = filter.block_option else {
            return Ok(Vec::new());
        };
        let head = self.chain.head_number().await;
        let start = (*cursor + 1).max(self.filter_bound(from_block).unwrap_or(0));
        let end = self.filter_bound(to_block).map_or(head, |to| to.min(head));
        if start > end {
            *cursor = (*cursor).max(head);
            return Ok(Vec::new());
        }
        let window = self.config.max_log_block_range.max(1);
        let mut scanned_to = end.min(start.saturating_add(window - 1));
        let mut found = self.chain.logs(&self.log_query(filter, start, scanned_to)).await?;
        let max_logs = self.config.max_logs;
        if found.len() > max_logs {
            // Report whole blocks only: up to the block the limit falls in; the rest next time.
            let overflow = found[max_logs].block_number;
            if overflow == start {
                return Err(rpc_error(
                    LIMIT_EXCEEDED,
                    format!(
                        "block {start} alone has more than {max_logs} matching logs; uninstall this filter and query that block with eth_getLogs and a narrower filter"
                    ),
                ));
            }
            found.retain(|log| log.block_number < overflow);
            scanned_to = overflow - 1;
        }
        let logs = self.rpc_logs(found).await?;
        *cursor = scanned_to;
        Ok(logs)
    }

    /// Hashes of the blocks after `cursor`, moving `cursor` to the last one reported.
    async fn block_changes(&self, cursor: &mut u64) -> RpcResult<Vec<alloy_primitives::B256>> {
        let head = self.chain.head_number().await;
        if *cursor >= head {
            return Ok(Vec::new());
        }
        let last = head.min(cursor.saturating_add(self.config.max_log_block_range.max(1)));
        let hashes = self.chain.store().block_hashes(*cursor + 1, last).await.map_err(internal)?;
        *cursor = last;
        Ok(hashes.into_iter().map(|(_, hash)| hash).collect())
    }
}

/// Everything `receiver` got since it was last drained.
fn drain(id: &str, receiver: &mut broadcast::Receiver<Arc<PooledTx>>) -> Vec<Arc<PooledTx>> {
    let mut txs = Vec::new();
    loop {
        match receiver.try_recv() {
            Ok(tx) => txs.push(tx),
            Err(TryRecvError::Lagged(missed)) => {
                warn!(%id, missed, "pending transaction filter polled too rarely: the oldest transactions are missed");
            }
            Err(TryRecvError::Empty | TryRecvError::Closed) => return txs,
        }
    }
}

#[async_trait]
impl EthFilterApiServer for EthRpc {
    async fn new_filter(&self, filter: Filter) -> RpcResult<String> {
        self.check_log_filter_size(&filter)?;
        match filter.block_option {
            FilterBlockOption::AtBlockHash(_) => {
                return Err(invalid_params(
                    "eth_newFilter takes fromBlock/toBlock, not blockHash; use eth_getLogs with blockHash for one block",
                ));
            }
            FilterBlockOption::Range { from_block, to_block } => {
                if let (Some(from), Some(to)) = (self.filter_bound(from_block), self.filter_bound(to_block))
                    && from > to
                {
                    return Err(invalid_params(format!("invalid block range: fromBlock {from} is after toBlock {to}")));
                }
            }
        }
        let cursor = self.chain.head_number().await;
        self.install_filter(FilterState::Logs { filter: Box::new(filter), cursor })
    }

    async fn new_block_filter(&self) -> RpcResult<String> {
        let cursor = self.chain.head_number().await;
        self.install_filter(FilterState::Blocks { cursor })
    }

    async fn new_pending_transaction_filter(&self, full: Option<bool>) -> RpcResult<String> {
        let receiver = self.chain.subscribe_pending_transactions();
        self.install_filter(FilterState::PendingTransactions { receiver, full: full.unwrap_or(false) })
    }

    async fn filter_changes(&self, id: String) -> RpcResult<FilterChanges<Transaction, Log>> {
        let filter = self.find_filter(&id)?;
        let mut state = filter.lock().await;
        Ok(match &mut *state {
            FilterState::Logs { filter, cursor } => FilterChanges::Logs(self.log_changes(filter, cursor).await?),
            FilterState::Blocks { cursor } => FilterChanges::Hashes(self.block_changes(cursor).await?),
            FilterState::PendingTransactions { receiver, full } => {
                let txs = drain(&id, receiver);
                if *full {
                    FilterChanges::Transactions(txs.iter().map(|tx| pending_transaction(tx)).collect())
                } else {
                    FilterChanges::Hashes(txs.iter().map(|tx| tx.hash).collect())
                }
            }
        })
    }

    async fn filter_logs(&self, id: String) -> RpcResult<Vec<Log>> {
        let filter = self.find_filter(&id)?;
        let criteria = match &*filter.lock().await {
            FilterState::Logs { filter, .. } => (**filter).clone(),
            other => {
                return Err(rpc_error(
                    INVALID_INPUT,
                    format!(
                        "filter {id} is a {} filter; eth_getFilterLogs works on log filters (eth_newFilter), use eth_getFilterChanges",
                        other.kind()
                    ),
                ));
            }
        };
        self.do_get_logs(criteria).await
    }

    async fn uninstall_filter(&self, id: String) -> RpcResult<bool> {
        let (removed, installed) = self.filters.remove(&id, self.config.filter_timeout);
        self.chain.metrics().rpc_filters.set(installed as i64);
        if removed {
            debug!(%id, "uninstalled filter");
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_fixed_length_hex() {
        let ids = IdSource::default();
        let (a, b) = (ids.next(), ids.next());
        assert_ne!(a, b);
        assert_eq!(a.len(), 34);
        assert!(a.starts_with("0x") && a[2..].chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }

    #[test]
    fn filters_expire_and_are_capped() {
        let registry = FilterRegistry::default();
        let timeout = Duration::from_millis(50);
        let (id, count) = registry.install(FilterState::Blocks { cursor: 0 }, timeout, 2).unwrap();
        assert_eq!(count, 1);
        registry.install(FilterState::Blocks { cursor: 0 }, timeout, 2).unwrap();
        let err = registry.install(FilterState::Blocks { cursor: 0 }, timeout, 2).unwrap_err();
        assert_eq!(err.code(), LIMIT_EXCEEDED);
        assert!(registry.poll(&id.to_ascii_uppercase().replace("0X", "0x"), timeout).0.is_some(), "ids ignore case");
        std::thread::sleep(Duration::from_millis(80));
        let (found, remaining) = registry.poll(&id, timeout);
        assert!(found.is_none());
        assert_eq!(remaining, 0);
        assert!(
            registry.install(FilterState::Blocks { cursor: 0 }, timeout, 2).is_ok(),
            "expired filters free their slot"
        );
    }
}
