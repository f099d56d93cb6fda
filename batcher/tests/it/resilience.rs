//! L1 reorgs, fee spikes, wrong keys and unfunded accounts.

use crate::common::{OPERATOR, Rollup, anvil_call};
use alloy::providers::Provider;
use alloy_primitives::U256;
use batcher::{Batcher, BatcherError, BatcherMetrics, DataAvailability};
use rollup_core::dev_signers;
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);

async fn confirmed_through(batcher: &Batcher) -> u64 {
    batcher.store().covered_through(true).await.unwrap()
}

/// Runs the batcher (calling `each_round` between steps) until blocks through `head` are
/// confirmed, then checks L1 holds them exactly once.
async fn land_everything(rollup: &Rollup, batcher: &mut Batcher, head: u64, mut each_round: impl AsyncFnMut()) {
    rollup
        .run_until(batcher, MINUTE, async |batcher| {
            each_round().await;
            confirmed_through(batcher).await >= head
        })
        .await;
    rollup.assert_l1_matches_l2(head).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_dropped_by_an_l1_reorg_is_posted_again() {
    let rollup = Rollup::start().await;
    let l1 = rollup.l1_provider();
    let mut config = rollup.config(DataAvailability::Calldata);
    config.confirmations = 3;
    config.proposal_interval = None;
    let metrics = BatcherMetrics::new();
    let mut batcher = rollup.batcher_with(config, metrics.clone()).await;
    let snapshot: U256 = anvil_call(&l1, "evm_snapshot", serde_json::json!([])).await;
    rollup.send_transfers(3).await;
    let head = rollup.l2_head().await;
    // The batch lands (one L1 block deep, not yet confirmed)…
    rollup
        .run_until(&mut batcher, MINUTE, async |batcher| {
            batcher.store().covered_through(false).await.unwrap() >= head && rollup.l1_frames().await.len() as u64 >= 1
        })
        .await;
    batcher.step().await.unwrap(); // Sees the inclusion.
    assert_eq!(confirmed_through(&batcher).await, 0);
    // …then a reorg takes it away.
    let reverted: bool = anvil_call(&l1, "evm_revert", serde_json::json!([snapshot])).await;
    assert!(reverted);
    assert!(rollup.l1_frames().await.is_empty());
    land_everything(&rollup, &mut batcher, head, async || {
        let _: () = anvil_call(&rollup.l1_provider(), "anvil_mine", serde_json::json!([1])).await;
    })
    .await;
    assert!(metrics.reorged.get() >= 1, "the batcher saw the reorg");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transactions_stuck_by_a_fee_spike_are_bumped_and_land() {
    let rollup = Rollup::start().await;
    let l1 = rollup.l1_provider();
    let mut config = rollup.config(DataAvailability::Calldata);
    config.proposal_interval = None;
    let metrics = BatcherMetrics::new();
    let mut batcher = rollup.batcher_with(config, metrics.clone()).await;
    rollup.send_transfers(3).await;
    let head = rollup.l2_head().await;
    let _: () = anvil_call(&l1, "evm_setAutomine", serde_json::json!([false])).await;
    batcher.step().await.unwrap();
    assert_eq!(metrics.in_flight.get(), 0);
    let spike = 200_000_000_000u64; // 200 gwei, far above what the transaction offers.
    let mine_at_spike = async || {
        let _: () = anvil_call(
            &rollup.l1_provider(),
            "anvil_setNextBlockBaseFeePerGas",
            serde_json::json!([U256::from(spike)]),
        )
        .await;
        let _: String = anvil_call(&rollup.l1_provider(), "evm_mine", serde_json::json!([])).await;
    };
    mine_at_spike().await;
    assert!(rollup.l1_frames().await.is_empty(), "the spike keeps the batch out");
    land_everything(&rollup, &mut batcher, head, mine_at_spike).await;
    assert!(metrics.fee_bumps.get() >= 1, "the transaction was re-signed with higher fees");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_refused_with_a_clear_message() {
    let rollup = Rollup::start().await;
    let store = rollup.node.handle().chain.store().clone();
    let config = rollup.config(DataAvailability::Calldata);
    let wrong = dev_signers()[3].clone();
    let err =
        Batcher::new(config.clone(), store.clone(), wrong.clone(), None, BatcherMetrics::new()).await.unwrap_err();
    assert!(matches!(err, BatcherError::Config(_)));
    let message = err.to_string();
    assert!(message.contains(&wrong.address().to_string()) && message.contains(&OPERATOR.to_string()), "{message}");
    assert!(message.contains("setBatcher"), "{message}");

    let mut bad = config;
    bad.batch_inbox = alloy_primitives::Address::with_last_byte(0x99);
    let err = Batcher::new(bad, store, dev_signers()[0].clone(), None, BatcherMetrics::new()).await.unwrap_err();
    assert!(err.to_string().contains("no BatchInbox contract at"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfunded_batcher_waits_and_loses_nothing() {
    let rollup = Rollup::start().await;
    let l1 = rollup.l1_provider();
    let mut config = rollup.config(DataAvailability::Calldata);
    config.proposal_interval = None;
    let metrics = BatcherMetrics::new();
    let mut batcher = rollup.batcher_with(config, metrics.clone()).await;
    let _: () = anvil_call(&l1, "anvil_setBalance", serde_json::json!([OPERATOR, "0x0"])).await;
    rollup.send_transfers(3).await;
    let head = rollup.l2_head().await;
    for _ in 0..3 {
        batcher.step().await.expect("an unfunded account is not an error that stops the batcher");
    }
    assert_eq!(metrics.unfunded.get(), 1, "the metrics say the account needs funds");
    assert!(rollup.l1_frames().await.is_empty());
    let _: () = anvil_call(&l1, "anvil_setBalance", serde_json::json!([OPERATOR, "0x56bc75e2d63100000"])).await;
    rollup.run_until(&mut batcher, MINUTE, async |batcher| confirmed_through(batcher).await >= head).await;
    assert_eq!(metrics.unfunded.get(), 0);
    // Besides the frames, the operator sent the four contracts' deployments.
    assert_eq!(l1.get_transaction_count(OPERATOR).await.unwrap() as usize, rollup.l1_frames().await.len() + 4);
    rollup.assert_l1_matches_l2(head).await;
}
