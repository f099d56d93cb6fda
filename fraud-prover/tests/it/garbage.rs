//! Garbage on L1: whatever the batcher key posts, derivation drops what breaks a rule, says
//! which rule, and goes on to derive the honest batches.

use crate::common::{Rollup, mixed_transactions, transfer};
use alloy::{
    eips::BlockNumberOrTag,
    network::EthereumWallet,
    providers::{Provider, ProviderBuilder},
};
use alloy_primitives::{Address, Bytes};
use rollup_batch::{Batch, BatchBlock, Compression, Frame};
use rollup_core::{L1Origin, dev_signers, test_utils::Builder};
use rollup_l1::BatchInbox;

/// Where the garbage batches' transfers go.
const SINK: Address = Address::repeat_byte(0x77);

/// A one-frame channel with `batch`, compressed with the default compression.
fn channel_frame(channel_id: u64, bytes: Vec<u8>) -> Vec<u8> {
    Frame { channel_id, index: 0, count: 1, data: bytes }.encode()
}

fn batch_frame(batch: &Batch) -> Vec<u8> {
    channel_frame(batch.first_block, Compression::default().compress(&batch.encode(42069).unwrap()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_l1_is_dropped_by_rule() {
    let rollup = Rollup::start(false).await;
    let store = rollup.node.handle().chain.store().clone();
    let genesis_hash = store.header(0).await.unwrap().unwrap().0;
    let origin = L1Origin { number: rollup.deployment.l1_start_block, hash: rollup.deployment.l1_start_hash };
    let l1 = rollup.l1_provider();
    let origin_time =
        l1.get_block_by_number(BlockNumberOrTag::Number(origin.number)).await.unwrap().unwrap().header.timestamp;
    let block = |timestamp, l1_origin, transactions| BatchBlock { timestamp, l1_origin, transactions };
    let batch = |blocks| Batch { first_block: 1, parent_hash: genesis_hash, blocks };
    let mut truncated = Compression::default().compress(&[1; 4000]);
    truncated.truncate(truncated.len() / 2);
    let two_frames = Frame { channel_id: 901, index: 0, count: 2, data: vec![1, 2, 3] }.encode();
    let future_origin = L1Origin { number: origin.number + 5, hash: origin.hash };

    let garbage: Vec<(Vec<u8>, &str, &str)> = vec![
        (vec![7; 40], "bad_frame", "unknown frame version 7"),
        (vec![0, 0, 1], "bad_frame", "ends inside frame header"),
        (channel_frame(900, truncated), "bad_compression", "does not decompress"),
        (channel_frame(902, Compression::default().compress(b"not a batch")), "bad_batch", "not a valid batch"),
        (
            batch_frame(&batch(vec![block(origin_time, origin, vec![transfer(&dev_signers()[7], 5, SINK, 1)])])),
            "invalid_block",
            "nonce",
        ),
        (
            batch_frame(&batch(vec![block(
                origin_time,
                origin,
                vec![transfer(&dev_signers()[7], 1, SINK, 1), transfer(&dev_signers()[7], 0, SINK, 1)],
            )])),
            "invalid_block",
            "nonce",
        ),
        (two_frames.clone(), "", ""),
        (two_frames, "duplicate_frame", "duplicate frame 0 of channel 901"),
        (
            batch_frame(&batch(vec![block(origin_time, future_origin, vec![])])),
            "invalid_block",
            "neither repeats nor follows",
        ),
        (batch_frame(&batch(vec![block(origin_time - 1, origin, vec![])])), "invalid_block", "before its L1 origin"),
    ];
    let wallet = EthereumWallet::from(dev_signers()[0].clone());
    let poster = ProviderBuilder::new().wallet(wallet).connect_http(rollup.l1.endpoint_url());
    let inbox = BatchInbox::new(rollup.deployment.batch_inbox, &poster);
    for (data, _, _) in &garbage {
        let receipt = inbox.submitBatch(Bytes::from(data.clone())).send().await.unwrap().get_receipt().await.unwrap();
        assert!(receipt.status());
    }

    let mut batcher = rollup.batcher(None).await;
    rollup.send(&mixed_transactions(&mut Builder::default(), 30)).await;
    let head = rollup.post_all(&mut batcher, None).await;
    let mut verifier = rollup.verifier().await;
    rollup.derive_through(&mut verifier, head).await;
    rollup.assert_derived_equals_sequenced(&verifier, head).await;

    let mut drops = verifier.store().drops(100).await.unwrap();
    drops.reverse();
    let expected: Vec<_> = garbage.iter().filter(|(_, kind, _)| !kind.is_empty()).collect();
    assert_eq!(drops.len(), expected.len(), "{drops:#?}");
    for (drop, (_, kind, reason)) in drops.iter().zip(expected) {
        assert_eq!(drop.kind, *kind, "{drop:?}");
        assert!(drop.reason.contains(reason), "{drop:?} should say {reason}");
    }
}
