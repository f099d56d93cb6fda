//! Recent block activity, for the status page's throughput chart.

use crate::{
    codec::{int, uint},
    error::{Result, StoreError},
    store::Store,
};
use alloy::{consensus::Header, rlp::Decodable};
use serde::Serialize;

/// Transactions and gas of one block.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BlockActivity {
    /// Block number.
    pub number: u64,
    /// Timestamp.
    pub timestamp: u64,
    /// Transactions, deposits included.
    pub txs: u64,
    /// Gas used.
    pub gas_used: u64,
}

impl Store {
    /// Activity of blocks `from..=head`.
    pub async fn block_activity(&self, from: u64) -> Result<Vec<BlockActivity>> {
        let headers: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT number, header FROM blocks WHERE number >= $1 ORDER BY number")
                .bind(int(from))
                .fetch_all(&self.pool)
                .await?;
        let counts: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT block_number, COUNT(*) FROM transactions WHERE block_number >= $1 GROUP BY block_number",
        )
        .bind(int(from))
        .fetch_all(&self.pool)
        .await?;
        let counts: std::collections::BTreeMap<i64, i64> = counts.into_iter().collect();
        headers
            .into_iter()
            .map(|(number, header)| {
                let header = Header::decode(&mut header.as_slice()).map_err(StoreError::decode("header"))?;
                Ok(BlockActivity {
                    number: uint(number)?,
                    timestamp: header.timestamp,
                    txs: uint(counts.get(&number).copied().unwrap_or_default())?,
                    gas_used: header.gas_used,
                })
            })
            .collect()
    }
}
