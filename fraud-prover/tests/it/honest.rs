//! An honest rollup: the chain derived from L1 equals the sequencer's, block by block, and the
//! verifier agrees with every output.

use crate::common::{Rollup, mixed_transactions};
use alloy::providers::Provider;
use alloy_primitives::U256;
use fraud_prover::VerifierMetrics;
use rollup_core::test_utils::Builder;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn honest_chain_is_derived_exactly() {
    let rollup = Rollup::start(false).await;
    let mut builder = Builder::default();
    let mut batcher = rollup.batcher(Some(5)).await;
    let mut head = 0;
    for _ in 0..3 {
        rollup.send(&mixed_transactions(&mut builder, 100)).await;
        let sealed = rollup.l2_head().await;
        head = rollup.post_all(&mut batcher, Some(sealed / 5 * 5)).await;
    }

    let mut verifier = rollup.verifier().await;
    rollup.derive_through(&mut verifier, head).await;
    rollup.assert_derived_equals_sequenced(&verifier, head).await;

    let verdicts = verifier.store().verdicts(false).await.unwrap();
    assert!(verdicts.len() >= 3, "outputs were judged: {verdicts:?}");
    assert!(verdicts.iter().all(|verdict| verdict.agrees), "no false alarm: {verdicts:?}");
    assert!(verifier.store().drops(100).await.unwrap().is_empty(), "nothing dropped");

    // The sequencer derives the same chain: its `safe` tag reaches the head, and its
    // `finalized` tag follows once L1 finalizes the blocks holding the batches.
    rollup.wait_for_tag("safe", head).await;
    let _: serde_json::Value = rollup.l1_provider().raw_request("anvil_mine".into(), (70,)).await.unwrap();
    rollup.wait_for_tag("finalized", head).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_false_alarm_across_an_l1_reorg() {
    let rollup = Rollup::start(false).await;
    let mut builder = Builder::default();
    let mut batcher = rollup.batcher(Some(2)).await;
    rollup.send(&mixed_transactions(&mut builder, 20)).await;
    let first = rollup.l2_head().await;
    rollup.post_all(&mut batcher, Some(first / 2 * 2)).await;
    let metrics = VerifierMetrics::new();
    let mut verifier = rollup.verifier_with(metrics.clone()).await;
    rollup.derive_through(&mut verifier, first).await;

    let l1 = rollup.l1_provider();
    let snapshot: U256 = l1.raw_request("evm_snapshot".into(), ()).await.unwrap();
    rollup.send(&mixed_transactions(&mut builder, 20)).await;
    let second = rollup.l2_head().await;
    rollup.post_all(&mut batcher, Some(second / 2 * 2)).await;
    rollup.derive_through(&mut verifier, second).await;
    let judged = verifier.store().verdicts(false).await.unwrap();
    assert!(judged.iter().all(|verdict| verdict.agrees) && judged.iter().any(|v| v.l2_block > first));

    // L1 forgets everything since the snapshot: the later batches and outputs are gone, and a
    // different chain grows past the old height.
    let height = l1.get_block_number().await.unwrap();
    let reverted: bool = l1.raw_request("evm_revert".into(), (snapshot,)).await.unwrap();
    assert!(reverted);
    let lower = l1.get_block_number().await.unwrap();
    let _: serde_json::Value = l1.raw_request("anvil_mine".into(), (height - lower + 2,)).await.unwrap();
    verifier.step().await.unwrap();
    assert_eq!(metrics.reorgs.get(), 1, "the verifier noticed the reorganisation");
    rollup.derive_through(&mut verifier, first).await;
    let rejudged = verifier.store().verdicts(false).await.unwrap();
    assert!(!rejudged.is_empty() && rejudged.iter().all(|verdict| verdict.agrees), "{rejudged:?}");
    assert!(rejudged.len() < judged.len(), "outputs of the lost L1 blocks are forgotten");
    rollup.assert_derived_equals_sequenced(&verifier, first).await;
}
