//! The verifier's tables: verdicts on outputs and the L1 data derivation dropped.

use crate::{
    codec::{b256, int, uint},
    error::Result,
};
use alloy_primitives::B256;
use serde::Serialize;
use sqlx::AnyPool;

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

/// A `verifier_outputs` row: [`VERDICT_COLUMNS`].
type VerdictRow = (i64, i64, Vec<u8>, Vec<u8>, i64, i64, i64);

const VERDICT_COLUMNS: &str = "output_index, l2_block, claimed_root, derived_root, agrees, l1_block, checked_at_ms";

fn verdict((index, block, claimed, derived, agrees, l1_block, at): VerdictRow) -> Result<Verdict> {
    Ok(Verdict {
        output_index: uint(index)?,
        l2_block: uint(block)?,
        claimed_root: b256(&claimed)?,
        derived_root: b256(&derived)?,
        agrees: agrees != 0,
        l1_block: uint(l1_block)?,
        checked_at_ms: uint(at)?,
    })
}

/// The verifier's tables (reached through [`crate::Store::verifier`]; the verifier may share
/// the sequencer's database or use one of its own).
#[derive(Clone, Debug)]
pub struct VerifierStore {
    pool: AnyPool,
}

impl VerifierStore {
    /// The tables in `pool`.
    pub(crate) fn new(pool: AnyPool) -> Self {
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
        let query = format!("SELECT {VERDICT_COLUMNS} FROM verifier_outputs {filter} ORDER BY output_index");
        let rows: Vec<VerdictRow> = sqlx::query_as(sqlx::AssertSqlSafe(query)).fetch_all(&self.pool).await?;
        rows.into_iter().map(verdict).collect()
    }

    /// The `limit` latest verdicts, newest first, and how many outputs disagree in all.
    pub async fn recent_verdicts(&self, limit: u64) -> Result<(Vec<Verdict>, u64)> {
        let query = format!("SELECT {VERDICT_COLUMNS} FROM verifier_outputs ORDER BY output_index DESC LIMIT $1");
        let rows: Vec<VerdictRow> =
            sqlx::query_as(sqlx::AssertSqlSafe(query)).bind(int(limit)).fetch_all(&self.pool).await?;
        let (disagreeing,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM verifier_outputs WHERE agrees = 0").fetch_one(&self.pool).await?;
        Ok((rows.into_iter().map(verdict).collect::<Result<_>>()?, uint(disagreeing)?))
    }

    /// Records drops.
    pub async fn record_drops(&self, drops: &[DropRecord]) -> Result<()> {
        for drop in drops {
            sqlx::query("INSERT INTO derivation_drops (l1_block, l1_tx, kind, reason) VALUES ($1, $2, $3, $4)")
                .bind(int(drop.l1_block))
                .bind(drop.l1_tx.to_vec())
                .bind(drop.kind.as_str())
                .bind(drop.reason.as_str())
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
                Ok(DropRecord { l1_block: uint(l1_block)?, l1_tx: b256(&l1_tx)?, kind, reason })
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
