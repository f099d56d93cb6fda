//! Batches land on L1 and decode to the sequencer's blocks; outputs match its state.

use crate::common::Rollup;
use batcher::DataAvailability;
use std::time::Duration;

async fn posts_and_proposes(da: DataAvailability) {
    let rollup = Rollup::start().await;
    let mut batcher = rollup.batcher(rollup.config(da)).await;
    rollup.send_transfers(12).await;
    let head = rollup.l2_head().await;
    assert!(head >= 8);
    rollup
        .run_until(&mut batcher, Duration::from_secs(60), async |batcher| {
            batcher.store().covered_through(true).await.unwrap() >= head
        })
        .await;
    rollup.assert_l1_matches_l2(head).await;
    // Outputs every 4 blocks, once their batches are confirmed.
    rollup.run_until(&mut batcher, Duration::from_secs(60), async |_| rollup.assert_outputs_match().await >= 2).await;
    let channels = batcher.store().recent_channels(100).await.unwrap();
    assert!(channels.iter().all(|channel| channel.blob == (da == DataAvailability::Blob)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calldata_batches_decode_to_the_sequencers_blocks() {
    posts_and_proposes(DataAvailability::Calldata).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blob_batches_are_accepted_recorded_and_decodable() {
    posts_and_proposes(DataAvailability::Blob).await;
}
