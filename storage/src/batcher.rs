//! The batcher's and proposer's tables: channels, frames and their L1 transactions.

use crate::{
    codec::{address, b256, int, uint, wei},
    error::{Result, StoreError},
};
use alloy_primitives::{Address, B256};
use serde::Serialize;
use sqlx::AnyPool;

/// A channel as the batcher built it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelRecord {
    /// First L2 block (the channel id).
    pub first_block: u64,
    /// Last L2 block.
    pub last_block: u64,
    /// Compression setting, e.g. `brotli-10`.
    pub compression: String,
    /// Posted as blobs (else calldata).
    pub blob: bool,
    /// Transactions in its blocks.
    pub tx_count: u64,
    /// Size of the encoded batch.
    pub encoded_bytes: u64,
    /// Size of the compressed channel.
    pub compressed_bytes: u64,
    /// Number of frames.
    pub frame_count: u64,
}

/// A frame waiting for an L1 transaction.
#[derive(Clone, Debug)]
pub struct QueuedFrame {
    /// The channel (its first L2 block).
    pub channel_id: u64,
    /// The frame's index in the channel.
    pub index: u64,
    /// The encoded frame.
    pub data: Vec<u8>,
    /// Whether it goes in a blob (else calldata).
    pub blob: bool,
}

/// What an L1 transaction carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payload {
    /// A frame of a channel.
    Frame {
        /// The channel.
        channel_id: u64,
        /// The frame's index.
        index: u64,
    },
    /// An output proposal for an L2 block.
    Output {
        /// The L2 block.
        block: u64,
    },
}

/// Fees a transaction was signed with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Fees {
    /// `maxFeePerGas`.
    pub max_fee_per_gas: u128,
    /// `maxPriorityFeePerGas`.
    pub max_priority_fee_per_gas: u128,
    /// `maxFeePerBlobGas` (0 without blobs).
    pub max_fee_per_blob_gas: u128,
}

/// Life of an L1 transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxStatus {
    /// Signed and broadcast (maybe included), not yet deep enough.
    Pending,
    /// Included and `confirmations` deep.
    Confirmed,
    /// Reverted, or its nonce went to another transaction: its payload is queued again.
    Failed,
}

impl TxStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "pending" => Ok(Self::Pending),
            "confirmed" => Ok(Self::Confirmed),
            "failed" => Ok(Self::Failed),
            other => Err(StoreError::Corrupt(format!("transaction status {other:?}"))),
        }
    }
}

/// One signed L1 transaction of the batcher or proposer (its latest version).
#[derive(Clone, Debug)]
pub struct TxRecord {
    /// Signer.
    pub sender: Address,
    /// Nonce.
    pub nonce: u64,
    /// What it carries.
    pub payload: Payload,
    /// The signed transaction as broadcast (with blobs, if any).
    pub raw: Vec<u8>,
    /// Its hash.
    pub hash: B256,
    /// Its fees.
    pub fees: Fees,
    /// When it was last signed or broadcast (Unix milliseconds).
    pub sent_at: u64,
    /// The L1 block (number, hash) that includes it, if seen.
    pub included: Option<(u64, B256)>,
    /// Its status.
    pub status: TxStatus,
}

type TxRow = (
    Vec<u8>,
    i64,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Vec<u8>,
    Vec<u8>,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<Vec<u8>>,
    String,
);

const TX_COLUMNS: &str = "sender, nonce, kind, channel_id, frame_index, output_block, raw, tx_hash, max_fee_per_gas, \
     max_priority_fee_per_gas, max_fee_per_blob_gas, sent_at, included_block, included_hash, status";

fn tx_record(row: TxRow) -> Result<TxRecord> {
    let (
        sender,
        nonce,
        kind,
        channel,
        frame,
        output,
        raw,
        tx_hash,
        fee,
        tip,
        blob_fee,
        sent_at,
        block,
        block_hash,
        status,
    ) = row;
    let payload = match (kind.as_str(), channel, frame, output) {
        ("frame", Some(channel), Some(frame), None) => {
            Payload::Frame { channel_id: uint(channel)?, index: uint(frame)? }
        }
        ("output", None, None, Some(block)) => Payload::Output { block: uint(block)? },
        _ => return Err(StoreError::Corrupt(format!("transaction kind {kind:?} with mismatched references"))),
    };
    let included = match (block, block_hash) {
        (Some(number), Some(block_hash)) => Some((uint(number)?, b256(&block_hash)?)),
        _ => None,
    };
    Ok(TxRecord {
        sender: address(&sender)?,
        nonce: uint(nonce)?,
        payload,
        raw,
        hash: b256(&tx_hash)?,
        fees: Fees {
            max_fee_per_gas: uint(fee)?.into(),
            max_priority_fee_per_gas: uint(tip)?.into(),
            max_fee_per_blob_gas: uint(blob_fee)?.into(),
        },
        sent_at: uint(sent_at)?,
        included,
        status: TxStatus::parse(&status)?,
    })
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

/// Access to the batcher's tables.
#[derive(Clone, Debug)]
pub struct BatcherStore {
    pool: AnyPool,
}

impl BatcherStore {
    /// The batcher's tables in the database behind `pool`.
    pub(crate) fn new(pool: AnyPool) -> Self {
        Self { pool }
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

    /// The first L2 block not in any channel yet.
    pub async fn next_unbatched_block(&self) -> Result<u64> {
        let (max,): (Option<i64>,) =
            sqlx::query_as("SELECT MAX(last_block) FROM batcher_channels").fetch_one(&self.pool).await?;
        Ok(max.map(uint).transpose()?.map_or(1, |last| last + 1))
    }

    /// Stores a channel with all its frames, atomically.
    pub async fn insert_channel(&self, channel: &ChannelRecord, frames: &[Vec<u8>]) -> Result<()> {
        let mut db = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO batcher_channels (id, last_block, compression, blob, tx_count, encoded_bytes, \
             compressed_bytes, frame_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(int(channel.first_block))
        .bind(int(channel.last_block))
        .bind(channel.compression.clone())
        .bind(i64::from(channel.blob))
        .bind(int(channel.tx_count))
        .bind(int(channel.encoded_bytes))
        .bind(int(channel.compressed_bytes))
        .bind(int(channel.frame_count))
        .execute(&mut *db)
        .await?;
        for (index, data) in frames.iter().enumerate() {
            sqlx::query("INSERT INTO batcher_frames (channel_id, frame_index, data) VALUES ($1, $2, $3)")
                .bind(int(channel.first_block))
                .bind(index as i64)
                .bind(data.clone())
                .execute(&mut *db)
                .await?;
        }
        db.commit().await?;
        Ok(())
    }

    /// The most recent channels, newest first.
    pub async fn recent_channels(&self, limit: u64) -> Result<Vec<ChannelRecord>> {
        type ChannelRow = (i64, i64, String, i64, i64, i64, i64, i64);
        let rows: Vec<ChannelRow> = sqlx::query_as(
            "SELECT id, last_block, compression, blob, tx_count, encoded_bytes, compressed_bytes, frame_count \
             FROM batcher_channels ORDER BY id DESC LIMIT $1",
        )
        .bind(int(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, last, compression, blob, txs, encoded, compressed, frames)| {
                Ok(ChannelRecord {
                    first_block: uint(id)?,
                    last_block: uint(last)?,
                    compression,
                    blob: blob != 0,
                    tx_count: uint(txs)?,
                    encoded_bytes: uint(encoded)?,
                    compressed_bytes: uint(compressed)?,
                    frame_count: uint(frames)?,
                })
            })
            .collect()
    }

    /// Frames that have no live (pending or confirmed) transaction, in posting order.
    pub async fn queued_frames(&self, limit: usize) -> Result<Vec<QueuedFrame>> {
        let rows: Vec<(i64, i64, Vec<u8>, i64)> = sqlx::query_as(
            "SELECT f.channel_id, f.frame_index, f.data, c.blob FROM batcher_frames f \
             JOIN batcher_channels c ON c.id = f.channel_id \
             WHERE NOT EXISTS (SELECT 1 FROM l1_transactions t WHERE t.channel_id = f.channel_id \
                 AND t.frame_index = f.frame_index AND t.status <> 'failed') \
             ORDER BY f.channel_id, f.frame_index LIMIT $1",
        )
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(channel, index, data, blob)| {
                Ok(QueuedFrame { channel_id: uint(channel)?, index: uint(index)?, data, blob: blob != 0 })
            })
            .collect()
    }

    /// The last L2 block of channels whose frames are all sent (`confirmed = false`) or all
    /// confirmed (`confirmed = true`), counting from block 1 without holes.
    pub async fn covered_through(&self, confirmed: bool) -> Result<u64> {
        let condition = if confirmed { "t.status = 'confirmed'" } else { "t.status <> 'failed'" };
        let query = format!(
            "SELECT MIN(c.id) FROM batcher_channels c WHERE EXISTS (SELECT 1 FROM batcher_frames f \
             WHERE f.channel_id = c.id AND NOT EXISTS (SELECT 1 FROM l1_transactions t \
             WHERE t.channel_id = f.channel_id AND t.frame_index = f.frame_index AND {condition}))"
        );
        let (first_gap,): (Option<i64>,) = sqlx::query_as(sqlx::AssertSqlSafe(query)).fetch_one(&self.pool).await?;
        match first_gap {
            Some(id) => Ok(uint(id)?.saturating_sub(1)),
            None => Ok(self.next_unbatched_block().await? - 1),
        }
    }

    /// The next nonce after every stored transaction of `sender`.
    pub async fn next_nonce(&self, sender: Address) -> Result<Option<u64>> {
        let (max,): (Option<i64>,) = sqlx::query_as("SELECT MAX(nonce) FROM l1_transactions WHERE sender = $1")
            .bind(sender.to_vec())
            .fetch_one(&self.pool)
            .await?;
        Ok(max.map(uint).transpose()?.map(|nonce| nonce + 1))
    }

    /// Stores a newly signed transaction (before it is broadcast).
    pub async fn insert_tx(&self, tx: &TxRecord) -> Result<()> {
        let (kind, channel, frame, output) = match tx.payload {
            Payload::Frame { channel_id, index } => ("frame", Some(int(channel_id)), Some(int(index)), None),
            Payload::Output { block } => ("output", None, None, Some(int(block))),
        };
        let mut db = self.pool.begin().await?;
        let query = format!(
            "INSERT INTO l1_transactions ({TX_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, NULL, NULL, 'pending')"
        );
        sqlx::query(sqlx::AssertSqlSafe(query))
            .bind(tx.sender.to_vec())
            .bind(int(tx.nonce))
            .bind(kind)
            .bind(channel)
            .bind(frame)
            .bind(output)
            .bind(tx.raw.clone())
            .bind(tx.hash.to_vec())
            .bind(wei("maxFeePerGas", tx.fees.max_fee_per_gas)?)
            .bind(wei("maxPriorityFeePerGas", tx.fees.max_priority_fee_per_gas)?)
            .bind(wei("maxFeePerBlobGas", tx.fees.max_fee_per_blob_gas)?)
            .bind(int(tx.sent_at))
            .execute(&mut *db)
            .await?;
        insert_version(&mut db, tx).await?;
        db.commit().await?;
        Ok(())
    }

    /// Stores a re-signed version of a transaction (same nonce, higher fees).
    pub async fn replace_tx(&self, tx: &TxRecord) -> Result<()> {
        let mut db = self.pool.begin().await?;
        sqlx::query(
            "UPDATE l1_transactions SET raw = $1, tx_hash = $2, max_fee_per_gas = $3, \
             max_priority_fee_per_gas = $4, max_fee_per_blob_gas = $5, sent_at = $6 WHERE sender = $7 AND nonce = $8",
        )
        .bind(tx.raw.clone())
        .bind(tx.hash.to_vec())
        .bind(wei("maxFeePerGas", tx.fees.max_fee_per_gas)?)
        .bind(wei("maxPriorityFeePerGas", tx.fees.max_priority_fee_per_gas)?)
        .bind(wei("maxFeePerBlobGas", tx.fees.max_fee_per_blob_gas)?)
        .bind(int(tx.sent_at))
        .bind(tx.sender.to_vec())
        .bind(int(tx.nonce))
        .execute(&mut *db)
        .await?;
        insert_version(&mut db, tx).await?;
        db.commit().await?;
        Ok(())
    }

    /// Transactions of `sender` in a status, by nonce.
    pub async fn transactions(&self, sender: Address, status: TxStatus) -> Result<Vec<TxRecord>> {
        let query =
            format!("SELECT {TX_COLUMNS} FROM l1_transactions WHERE sender = $1 AND status = $2 ORDER BY nonce");
        let rows: Vec<TxRow> = sqlx::query_as(sqlx::AssertSqlSafe(query))
            .bind(sender.to_vec())
            .bind(status.as_str())
            .fetch_all(&self.pool)
            .await?;
        rows.into_iter().map(tx_record).collect()
    }

    /// Every signed version's hash of a transaction.
    pub async fn versions(&self, sender: Address, nonce: u64) -> Result<Vec<B256>> {
        let rows: Vec<(Vec<u8>,)> =
            sqlx::query_as("SELECT tx_hash FROM l1_transaction_versions WHERE sender = $1 AND nonce = $2")
                .bind(sender.to_vec())
                .bind(int(nonce))
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|(bytes,)| b256(bytes)).collect()
    }

    /// Records where (if anywhere) a transaction is included, and its status.
    pub async fn set_state(
        &self,
        sender: Address,
        nonce: u64,
        included: Option<(u64, B256)>,
        status: TxStatus,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE l1_transactions SET included_block = $1, included_hash = $2, status = $3 \
             WHERE sender = $4 AND nonce = $5",
        )
        .bind(included.map(|(number, _)| int(number)))
        .bind(included.map(|(_, hash)| hash.to_vec()))
        .bind(status.as_str())
        .bind(sender.to_vec())
        .bind(int(nonce))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The highest L2 block with a live (pending or confirmed) output proposal.
    pub async fn latest_proposal(&self) -> Result<Option<(u64, TxStatus)>> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT output_block, status FROM l1_transactions WHERE kind = 'output' AND status <> 'failed' \
             ORDER BY output_block DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|(block, status)| Ok((uint(block)?, TxStatus::parse(&status)?))).transpose()
    }
}

async fn insert_version(db: &mut sqlx::Transaction<'_, sqlx::Any>, tx: &TxRecord) -> Result<()> {
    sqlx::query("INSERT INTO l1_transaction_versions (tx_hash, sender, nonce) VALUES ($1, $2, $3)")
        .bind(tx.hash.to_vec())
        .bind(tx.sender.to_vec())
        .bind(int(tx.nonce))
        .execute(&mut **db)
        .await?;
    Ok(())
}
