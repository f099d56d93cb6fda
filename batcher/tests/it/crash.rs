//! `kill -9` of the `rollup batcher` process at random points: every L2 block still lands on
//! L1 exactly once, outputs are proposed, and the batcher's nonces have no gap.

use crate::common::{OPERATOR, Rollup, anvil_call};
use alloy::providers::Provider;
use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};
use storage::batcher::TxStatus;
use test_support::rollup_binary;

const DEV_KEY_0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn start_batcher(rollup: &Rollup, deployment: &std::path::Path) -> Child {
    Command::new(rollup_binary())
        .args([
            "batcher",
            "--data-availability",
            "calldata",
            "--max-channel-bytes",
            "300",
            "--max-channel-age-secs",
            "0",
        ])
        .args(["--confirmations", "2", "--poll-interval-ms", "50", "--proposal-interval", "3"])
        .args(["--resubmit-after-secs", "2", "--metrics-listen", "127.0.0.1:0", "--l1-rpc-url", &rollup.l1.endpoint()])
        .arg("--database-url")
        .arg(&rollup.node.database_url)
        .arg("--deployment")
        .arg(deployment)
        .env("ROLLUP_BATCHER_KEY", DEV_KEY_0)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("start rollup batcher")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_any_point_loses_and_duplicates_nothing() {
    let rollup = Rollup::start().await;
    let l1 = rollup.l1_provider();
    let dir = tempfile::tempdir().unwrap();
    let deployment = dir.path().join("deployment.json");
    rollup.deployment.write(&deployment).unwrap();
    rollup.send_transfers(15).await;
    let head = rollup.l2_head().await;
    let store = rollup.node.handle().chain.store().batcher();

    // Kill it at staggered moments: before, during and after sends, confirmations and
    // proposals (L1 keeps mining so confirmations and proposals happen in between).
    for round in 0..8u64 {
        let mut child = start_batcher(&rollup, &deployment);
        tokio::time::sleep(Duration::from_millis(150 + round * 97 % 600)).await;
        let _: () = anvil_call(&l1, "anvil_mine", serde_json::json!([1])).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }
    let mut child = start_batcher(&rollup, &deployment);
    let started = std::time::Instant::now();
    loop {
        let _: () = anvil_call(&l1, "anvil_mine", serde_json::json!([1])).await;
        let done = store.covered_through(true).await.unwrap() >= head
            && rollup.assert_outputs_match().await as u64 >= head / 3
            && store.transactions(OPERATOR, TxStatus::Pending).await.unwrap().is_empty();
        if done {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "the batcher did not finish after the crashes");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();

    rollup.assert_l1_matches_l2(head).await;
    let mut nonces: Vec<u64> =
        store.transactions(OPERATOR, TxStatus::Confirmed).await.unwrap().iter().map(|t| t.nonce).collect();
    nonces.extend(store.transactions(OPERATOR, TxStatus::Failed).await.unwrap().iter().map(|t| t.nonce));
    nonces.sort();
    let first = nonces[0];
    assert_eq!(nonces, (first..first + nonces.len() as u64).collect::<Vec<_>>(), "stored nonces have no gap");
    assert_eq!(
        l1.get_transaction_count(OPERATOR).await.unwrap(),
        first + nonces.len() as u64,
        "every nonce is used on L1"
    );
}
