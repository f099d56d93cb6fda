//! The verifier's tables: verdicts on outputs and the L1 data derivation dropped.

use crate::VerifierError;
use alloy_primitives::B256;
use rollup_core::derive::Dropped;
use serde::Serialize;
use sqlx::AnyPool;

type Result<T> = std::result::Result<T, VerifierError>;

fn int(value: u64) -> i64 {
    i64::try_from(value).expect("numbers fit in i64")
}

fn uint(value: i64) -> Result<u64> {
    u64::try_from(value).map_err(|_| VerifierError::Corrupt(format!("negative number {value}")))
}

fn hash(bytes: &[u8]) -> Result<B256> {
    B256::try_from(bytes).map_err(|_| VerifierError::Corrupt(format!("hash of {} bytes", bytes.len())))
}

/// The verifier's verdict on one output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    /// Index in the output oracle.
    pub output_index: u64,
    /// L2 block the output is for.
    pub l2_block: u64,
    /// The root posted on L1.
    pub claimed_root: B256,
    /// The root derived from L1.
    pub derived_root: B256,
    /// Whether they are equal (false: a dispute candidate).
    pub agrees: bool,
    /// The L1 block derivation had reached when the output was checked.
    pub l1_block: u64,
    /// When it was checked (Unix milliseconds).
    pub checked_at_ms: u64,
}

/// A drop as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DropRecord {
    /// L1 block being processed.
    pub l1_block: u64,
    /// L1 transaction that carried the data (zero for a channel timeout).
    pub l1_tx: B256,
    /// Rule name.
    pub kind: String,
    /// Full reason.
    pub reason: String,
}

type VerdictRow = (i64, i64, Vec<u8>, Vec<u8>, i64, i64, i64);

/// The verifier's tables in a rollup database (`sequencer::storage::Store` runs the
/// migrations; the verifier may share the sequencer's PostgreSQL or use its own database).
#[derive(Clone, Debug)]
pub struct VerifierStore {
    pool: AnyPool,
}

impl VerifierStore {
    /// The tables in `pool`.
    pub fn new(pool: AnyPool) -> Self {
        Self { pool }
    }

    /// Records (or replaces) the verdict on an output.
    pub async fn record_verdict(&self, verdict: &Verdict) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM verifier_outputs WHERE output_index = $1")
            .bind(int(verdict.output_index))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO verifier_outputs (output_index, l2_block, claimed_root, derived_root, agrees, l1_block, \
             checked_at_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(int(verdict.output_index))
        .bind(int(verdict.l2_block))
        .bind(verdict.claimed_root.to_vec())
        .bind(verdict.derived_root.to_vec())
        .bind(i64::from(verdict.agrees))
        .bind(int(verdict.l1_block))
        .bind(int(verdict.checked_at_ms))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// All verdicts, by output index; only dispute candidates with `disagreeing_only`.
    pub async fn verdicts(&self, disagreeing_only: bool) -> Result<Vec<Verdict>> {
        let filter = if disagreeing_only { "WHERE agrees = 0" } else { "" };
        let query = format!(
            "SELECT output_index, l2_block, claimed_root, derived_root, agrees, l1_block, checked_at_ms \
             FROM verifier_outputs {filter} ORDER BY output_index"
        );
        let rows: Vec<VerdictRow> = sqlx::query_as(sqlx::AssertSqlSafe(query)).fetch_all(&self.pool).await?;
        rows.into_iter()
            .map(|(index, block, claimed, derived, agrees, l1_block, at)| {
                Ok(Verdict {
                    output_index: uint(index)?,
                    l2_block: uint(block)?,
                    claimed_root: hash(&claimed)?,
                    derived_root: hash(&derived)?,
                    agrees: agrees != 0,
                    l1_block: uint(l1_block)?,
                    checked_at_ms: uint(at)?,
                })
            })
            .collect()
    }

    /// Records drops.
    pub async fn record_drops(&self, drops: &[Dropped]) -> Result<()> {
        for drop in drops {
            sqlx::query("INSERT INTO derivation_drops (l1_block, l1_tx, kind, reason) VALUES ($1, $2, $3, $4)")
                .bind(int(drop.l1_block))
                .bind(drop.l1_tx.to_vec())
                .bind(drop.reason.kind())
                .bind(drop.reason.to_string())
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// The latest `limit` drops, newest first.
    pub async fn drops(&self, limit: u64) -> Result<Vec<DropRecord>> {
        let rows: Vec<(i64, Vec<u8>, String, String)> = sqlx::query_as(
            "SELECT l1_block, l1_tx, kind, reason FROM derivation_drops ORDER BY l1_block DESC LIMIT $1",
        )
        .bind(int(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(l1_block, l1_tx, kind, reason)| {
                Ok(DropRecord { l1_block: uint(l1_block)?, l1_tx: hash(&l1_tx)?, kind, reason })
            })
            .collect()
    }

    /// Forgets everything derived (after an L1 reorganisation derivation starts over and
    /// checks every output again).
    pub async fn clear(&self) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM verifier_outputs").execute(&mut *tx).await?;
        sqlx::query("DELETE FROM derivation_drops").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes verdicts on outputs at or after `index` (they left the oracle).
    pub async fn forget_outputs_from(&self, index: u64) -> Result<()> {
        sqlx::query("DELETE FROM verifier_outputs WHERE output_index >= $1")
            .bind(int(index))
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
