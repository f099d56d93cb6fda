//! The durable record of acknowledged, not yet included transactions.

use crate::{codec::int, error::Result, sql::Sql, store::Store};
use alloy_primitives::{B256, Bytes};
use sqlx::AnyConnection;

/// Hashes per `DELETE … IN (…)` statement (far below SQLite's parameter limit).
const HASHES_PER_DELETE: usize = 500;

/// Deletes the pending rows of `hashes`, a few statements for any number of hashes.
pub(crate) async fn delete_pending_rows(db: &mut AnyConnection, hashes: &[B256]) -> Result<()> {
    for chunk in hashes.chunks(HASHES_PER_DELETE) {
        let mut sql = Sql::new("DELETE FROM pending_transactions WHERE hash IN ");
        sql.bind_tuple(chunk.iter().map(|hash| hash.to_vec().into()));
        sql.query().execute(&mut *db).await?;
    }
    Ok(())
}

impl Store {
    /// Records an acknowledged transaction; it is committed before the caller answers the RPC.
    pub async fn insert_pending(&self, hash: B256, raw: &[u8], arrival: u64) -> Result<()> {
        sqlx::query(
            "INSERT INTO pending_transactions (hash, raw, arrival) VALUES ($1, $2, $3) ON CONFLICT (hash) DO NOTHING",
        )
        .bind(hash.to_vec())
        .bind(raw.to_vec())
        .bind(int(arrival))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets pending transactions (replaced or evicted).
    pub async fn delete_pending(&self, hashes: &[B256]) -> Result<()> {
        if hashes.is_empty() {
            return Ok(());
        }
        delete_pending_rows(&mut *self.pool.acquire().await?, hashes).await
    }

    /// All pending transactions in arrival order.
    pub async fn pending(&self) -> Result<Vec<Bytes>> {
        let rows: Vec<(Vec<u8>,)> =
            sqlx::query_as("SELECT raw FROM pending_transactions ORDER BY arrival").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|(raw,)| raw.into()).collect())
    }
}
