//! The durable record of acknowledged, not yet included transactions.

use super::{Result, Store, codec::int};
use alloy_primitives::{B256, Bytes};

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
        for hash in hashes {
            sqlx::query("DELETE FROM pending_transactions WHERE hash = $1")
                .bind(hash.to_vec())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// All pending transactions in arrival order.
    pub async fn pending(&self) -> Result<Vec<Bytes>> {
        let rows: Vec<(Vec<u8>,)> =
            sqlx::query_as("SELECT raw FROM pending_transactions ORDER BY arrival").fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|(raw,)| raw.into()).collect())
    }
}
