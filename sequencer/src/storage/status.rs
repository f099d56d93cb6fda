//! Reads for the status page: recent block activity, and what the batcher and the verifier
//! recorded in the same database (their tables are empty when they run elsewhere).

use super::{
    Result, Store, StoreError,
    codec::{b256, int, uint},
};
use alloy::{consensus::Header, rlp::Decodable};
use alloy_primitives::B256;
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

/// A channel the batcher posted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostedBatch {
    /// First L2 block.
    pub first_block: u64,
    /// Last L2 block.
    pub last_block: u64,
    /// Transactions in it.
    pub tx_count: u64,
    /// Encoded batch size.
    pub encoded_bytes: u64,
    /// Compressed channel size.
    pub compressed_bytes: u64,
    /// `calldata` or `blob`.
    pub medium: &'static str,
    /// The L1 transaction of its last frame, once signed.
    pub l1_tx: Option<B256>,
    /// That transaction's status (`pending`, `confirmed`, `failed`), or `queued`.
    pub status: String,
}

/// The verifier's verdict on one output.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OutputVerdict {
    /// Output index.
    pub output_index: u64,
    /// L2 block.
    pub l2_block: u64,
    /// Root on L1.
    pub claimed_root: B256,
    /// Root derived from L1.
    pub derived_root: B256,
    /// Whether they agree.
    pub agrees: bool,
}

/// A `verifier_outputs` row: index, block, claimed root, derived root, agrees.
type VerdictRow = (i64, i64, Vec<u8>, Vec<u8>, i64);

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
                let header =
                    Header::decode(&mut header.as_slice()).map_err(|err| StoreError::Corrupt(err.to_string()))?;
                Ok(BlockActivity {
                    number: uint(number)?,
                    timestamp: header.timestamp,
                    txs: uint(counts.get(&number).copied().unwrap_or_default())?,
                    gas_used: header.gas_used,
                })
            })
            .collect()
    }

    /// The batcher's `limit` latest channels, newest first.
    pub async fn posted_batches(&self, limit: u64) -> Result<Vec<PostedBatch>> {
        let channels: Vec<(i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT id, last_block, tx_count, encoded_bytes, compressed_bytes, blob FROM batcher_channels \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(int(limit))
        .fetch_all(&self.pool)
        .await?;
        let mut batches = Vec::with_capacity(channels.len());
        for (id, last, txs, encoded, compressed, blob) in channels {
            let last_frame: Option<(Vec<u8>, String)> = sqlx::query_as(
                "SELECT tx_hash, status FROM l1_transactions WHERE kind = 'frame' AND channel_id = $1 \
                 ORDER BY frame_index DESC, nonce DESC LIMIT 1",
            )
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
            let (l1_tx, status) = match last_frame {
                Some((hash, status)) => (Some(b256(&hash)?), status),
                None => (None, "queued".to_owned()),
            };
            batches.push(PostedBatch {
                first_block: uint(id)?,
                last_block: uint(last)?,
                tx_count: uint(txs)?,
                encoded_bytes: uint(encoded)?,
                compressed_bytes: uint(compressed)?,
                medium: if blob != 0 { "blob" } else { "calldata" },
                l1_tx,
                status,
            });
        }
        Ok(batches)
    }

    /// The verifier's `limit` latest verdicts, newest first, and how many outputs disagree.
    pub async fn output_verdicts(&self, limit: u64) -> Result<(Vec<OutputVerdict>, u64)> {
        let rows: Vec<VerdictRow> = sqlx::query_as(
            "SELECT output_index, l2_block, claimed_root, derived_root, agrees FROM verifier_outputs \
             ORDER BY output_index DESC LIMIT $1",
        )
        .bind(int(limit))
        .fetch_all(&self.pool)
        .await?;
        let (disagreeing,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM verifier_outputs WHERE agrees = 0").fetch_one(&self.pool).await?;
        let verdicts = rows
            .into_iter()
            .map(|(index, block, claimed, derived, agrees)| {
                Ok(OutputVerdict {
                    output_index: uint(index)?,
                    l2_block: uint(block)?,
                    claimed_root: b256(&claimed)?,
                    derived_root: b256(&derived)?,
                    agrees: agrees != 0,
                })
            })
            .collect::<Result<_>>()?;
        Ok((verdicts, uint(disagreeing)?))
    }
}
