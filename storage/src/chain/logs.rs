//! Log queries for `eth_getLogs`.

use crate::{
    codec::{address, b256, int, uint},
    error::Result,
    sql::{Param, Sql},
    store::Store,
};
use alloy_primitives::{Address, B256, Bytes, Log, LogData};

/// A log filter over a block range: any of `addresses` (or all), and per topic position any of
/// the given topics (or all).
#[derive(Clone, Debug, Default)]
pub struct LogQuery {
    /// First block, inclusive.
    pub from: u64,
    /// Last block, inclusive.
    pub to: u64,
    /// Emitting contracts; empty means any.
    pub addresses: Vec<Address>,
    /// Topic alternatives per position; an empty set means any.
    pub topics: [Vec<B256>; 4],
    /// Most logs to return; more is an error the caller reports.
    pub limit: usize,
}

/// A log with its position in the chain.
#[derive(Clone, Debug)]
pub struct StoredLog {
    /// Block number.
    pub block_number: u64,
    /// Block-wide log index.
    pub log_index: u64,
    /// Position of the emitting transaction.
    pub tx_index: u64,
    /// The log.
    pub log: Log,
}

type LogRow = (i64, i64, i64, Vec<u8>, Option<Vec<u8>>, Option<Vec<u8>>, Option<Vec<u8>>, Option<Vec<u8>>, Vec<u8>);

impl Store {
    /// Logs matching `query`, ordered by block and log index; at most `query.limit + 1` rows so
    /// the caller can tell that the limit was exceeded.
    pub async fn logs(&self, query: &LogQuery) -> Result<Vec<StoredLog>> {
        let mut sql = Sql::new(
            "SELECT block_number, log_index, tx_index, address, topic0, topic1, topic2, topic3, data FROM logs WHERE block_number >= ",
        );
        sql.bind(int(query.from)).push(" AND block_number <= ").bind(int(query.to));
        if !query.addresses.is_empty() {
            sql.push(" AND address IN ").bind_tuple(query.addresses.iter().map(|a| Param::from(a.to_vec())));
        }
        for (position, topics) in query.topics.iter().enumerate() {
            if !topics.is_empty() {
                sql.push(&format!(" AND topic{position} IN "));
                sql.bind_tuple(topics.iter().map(|t| Param::from(t.to_vec())));
            }
        }
        sql.push(" ORDER BY block_number, log_index LIMIT ").bind(int(query.limit as u64 + 1));
        let rows: Vec<LogRow> = sql.query_as().fetch_all(&self.pool).await?;
        rows.into_iter().map(stored_log).collect()
    }

    /// All logs of one block in order.
    pub async fn block_logs(&self, number: u64) -> Result<Vec<StoredLog>> {
        self.logs(&LogQuery { from: number, to: number, limit: u32::MAX as usize, ..Default::default() }).await
    }
}

fn stored_log(row: LogRow) -> Result<StoredLog> {
    let (block_number, log_index, tx_index, addr, t0, t1, t2, t3, data) = row;
    let topics = [t0, t1, t2, t3].into_iter().flatten().map(|t| b256(&t)).collect::<Result<Vec<_>>>()?;
    Ok(StoredLog {
        block_number: uint(block_number)?,
        log_index: uint(log_index)?,
        tx_index: uint(tx_index)?,
        log: Log { address: address(&addr)?, data: LogData::new_unchecked(topics, Bytes::from(data)) },
    })
}
