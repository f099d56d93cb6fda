//! Building channels: unbatched L2 blocks → batch → compressed channel → frames, stored.

use crate::{
    config::BatcherConfig,
    da::{MAX_CALLDATA_FRAME, max_blob_frame},
    error::BatcherError,
    metrics::BatcherMetrics,
};
use alloy::eips::eip2718::Encodable2718;
use rollup_batch::{Batch, BatchBlock, MAX_CHANNEL_SIZE, split_channel};
use std::time::{SystemTime, UNIX_EPOCH};
use storage::Store;
use storage::batcher::{BatcherStore, ChannelRecord};
use tracing::info;

/// Most blocks read from the database for one channel.
const MAX_BLOCKS_PER_CHANNEL: u64 = 3_600;

/// Per-block bytes a batch spends besides transactions (timestamp, origin, count), roughly.
const BLOCK_OVERHEAD: usize = 4;

/// Reads the next run of unbatched blocks; if it is full (`max_channel_bytes`) or old enough
/// (`max_channel_age`), builds its channel, asks `use_blobs` where it goes given its
/// compressed size, and stores it with its frames. Returns the stored channel, if any.
pub async fn build_next_channel(
    chain: &Store,
    store: &BatcherStore,
    config: &BatcherConfig,
    metrics: &BatcherMetrics,
    use_blobs: impl FnOnce(usize) -> bool,
) -> Result<Option<ChannelRecord>, BatcherError> {
    let first = store.next_unbatched_block().await?;
    let Some(head) = chain.head_number().await? else { return Ok(None) };
    if first > head {
        metrics.pending_blocks.set(0);
        metrics.pending_bytes.set(0);
        return Ok(None);
    }
    let mut blocks = chain.batch_blocks(first, head.min(first + MAX_BLOCKS_PER_CHANNEL - 1)).await?;
    let sizes: Vec<usize> = blocks.iter().map(block_size).collect();
    metrics.pending_blocks.set((head + 1 - first) as i64);
    metrics.pending_bytes.set(sizes.iter().sum::<usize>() as i64);

    let limit = config.max_channel_bytes.min(MAX_CHANNEL_SIZE / 2);
    let mut total = 0;
    let full = sizes.iter().position(|size| {
        total += size;
        total >= limit
    });
    match full {
        Some(last) => blocks.truncate(last + 1),
        None => {
            let age = unix_now().saturating_sub(blocks[0].timestamp);
            let reached_cap = blocks.len() as u64 == MAX_BLOCKS_PER_CHANNEL;
            if age < config.max_channel_age.as_secs() && !reached_cap {
                return Ok(None);
            }
        }
    }
    let (parent_hash, _) = chain
        .header(first - 1)
        .await?
        .ok_or_else(|| BatcherError::Corrupt(format!("block {} is missing", first - 1)))?;
    let batch = Batch { first_block: first, parent_hash, blocks };
    let encoded = batch.encode(config.l2_chain_id)?;
    let channel = config.compression.compress(&encoded);
    let blob = use_blobs(channel.len());
    let frame_size = if blob { max_blob_frame(config.blobs_per_tx) } else { MAX_CALLDATA_FRAME };
    let frames: Vec<Vec<u8>> = split_channel(first, &channel, frame_size)?.iter().map(|frame| frame.encode()).collect();
    let record = ChannelRecord {
        first_block: first,
        last_block: batch.last_block(),
        compression: config.compression.to_string(),
        blob,
        tx_count: batch.transaction_count() as u64,
        encoded_bytes: encoded.len() as u64,
        compressed_bytes: channel.len() as u64,
        frame_count: frames.len() as u64,
    };
    store.insert_channel(&record, &frames).await?;
    metrics.channel_bytes.observe(channel.len() as f64);
    metrics.compression_ratio_percent.set((encoded.len() * 100 / channel.len().max(1)) as i64);
    info!(
        first = record.first_block,
        last = record.last_block,
        txs = record.tx_count,
        encoded = record.encoded_bytes,
        compressed = record.compressed_bytes,
        frames = record.frame_count,
        medium = if blob { "blob" } else { "calldata" },
        "built channel"
    );
    Ok(Some(record))
}

fn block_size(block: &BatchBlock) -> usize {
    BLOCK_OVERHEAD + block.transactions.iter().map(|tx| tx.encode_2718_len()).sum::<usize>()
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}
