//! Wrong outputs: a proposer posting a wrong root, and a sequencer whose state was tampered
//! with after sealing. The verifier flags exactly the wrong outputs; the replay says where the
//! chains part.

use crate::common::{Rollup, mixed_transactions, transfer};
use alloy::{
    eips::BlockNumberOrTag,
    network::EthereumWallet,
    providers::{Provider, ProviderBuilder},
};
use alloy_primitives::{Address, B256, U256, utils::parse_ether};
use fraud_prover::{VerifierMetrics, replay_output, serve};
use rollup_core::{AccountDiff, StateDiff, StateReader, dev_signers, test_utils::Builder};
use rollup_l1::{
    OutputOracle,
    test_utils::{BOND, OPERATOR},
};
use serde_json::{Value, json};
use std::{
    process::Command,
    time::{Duration, Instant},
};
use test_support::rollup_binary;

/// Proposes `root` for `l2_block` with dev account 0 (the proposer).
async fn propose(rollup: &Rollup, root: B256, l2_block: u64) {
    let wallet = EthereumWallet::from(dev_signers()[0].clone());
    let provider = ProviderBuilder::new().wallet(wallet).connect_http(rollup.l1.endpoint_url());
    let l1 = provider.get_block_by_number(BlockNumberOrTag::Latest).await.unwrap().unwrap();
    let oracle = OutputOracle::new(rollup.deployment.output_oracle, &provider);
    let call = oracle.proposeOutput(root, U256::from(l2_block), l1.header.hash, U256::from(l1.header.number));
    let receipt = call.value(U256::from(BOND)).send().await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status(), "proposal landed");
}

async fn rpc(url: &str, method: &str) -> Value {
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": [] });
    let response: Value = reqwest::Client::new().post(url).json(&body).send().await.unwrap().json().await.unwrap();
    response["result"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_output_root_is_flagged() {
    let rollup = Rollup::start(false).await;
    let mut batcher = rollup.batcher(None).await;
    rollup.send(&mixed_transactions(&mut Builder::default(), 40)).await;
    let head = rollup.post_all(&mut batcher, None).await;
    let honest = rollup.node.handle().chain.store().output(2).await.unwrap().unwrap().root();
    propose(&rollup, honest, 2).await;

    // A running verifier that has derived the chain sees the wrong output within a poll.
    let metrics = VerifierMetrics::new();
    let mut verifier = rollup.verifier_with(metrics.clone()).await;
    let api = serve(verifier.store().clone(), metrics.clone(), "127.0.0.1:0".parse().unwrap()).await.unwrap();
    let api = format!("http://{api}");
    rollup.derive_through(&mut verifier, head).await;
    let store = verifier.store().clone();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(verifier.run(stopped));
    propose(&rollup, B256::repeat_byte(0xBA), head).await;
    let landed = Instant::now();
    let candidates = loop {
        let candidates = rpc(&api, "rollup_disputeCandidates").await;
        if !candidates.as_array().unwrap().is_empty() {
            break candidates;
        }
        assert!(landed.elapsed() < Duration::from_secs(5), "the wrong output was not flagged within 5 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    println!("wrong output flagged {:?} after it landed on L1", landed.elapsed());

    assert_eq!(candidates.as_array().unwrap().len(), 1);
    assert_eq!(candidates[0]["outputIndex"], 1);
    assert_eq!(candidates[0]["claimedRoot"], json!(B256::repeat_byte(0xBA)));
    let verdicts = store.verdicts(false).await.unwrap();
    assert_eq!(verdicts.iter().map(|v| (v.output_index, v.agrees)).collect::<Vec<_>>(), [(0, true), (1, false)]);
    let exposition = reqwest::get(format!("{api}/metrics")).await.unwrap().text().await.unwrap();
    assert!(exposition.contains("verifier_dispute_candidates 1"), "{exposition}");
    assert_eq!(rpc(&api, "rollup_verifierStatus").await["disputeCandidates"], 1);

    let mut printed = Vec::new();
    let report = replay_output(&rollup.verifier_config(), 1, Some(&rollup.node.url()), &mut printed).await.unwrap();
    let printed = String::from_utf8(printed).unwrap();
    assert_eq!(report.agreed, Some((0, 2)));
    assert_eq!(report.first_diverging_block, None, "{printed}");
    assert!(printed.contains("the posted output root itself is wrong"), "{printed}");
    assert_eq!(printed.matches("claimant agrees").count() as u64, head - 2, "{printed}");

    // The wrong output is deleted (as a won dispute does) and the right one proposed at the
    // same index: the verifier judges the new claim.
    let wallet = EthereumWallet::from(dev_signers()[0].clone());
    let owner = ProviderBuilder::new().wallet(wallet).connect_http(rollup.l1.endpoint_url());
    let oracle = OutputOracle::new(rollup.deployment.output_oracle, &owner);
    oracle.setDisputeGame(OPERATOR).send().await.unwrap().get_receipt().await.unwrap();
    oracle.deleteOutputs(U256::from(1), OPERATOR).send().await.unwrap().get_receipt().await.unwrap();
    let right = rollup.node.handle().chain.store().output(head).await.unwrap().unwrap().root();
    propose(&rollup, right, head).await;
    // A poll between the deletion and the new proposal forgets verdict 1 and leaves no
    // candidate for a moment, so wait for the new claim's own verdict.
    let replaced = Instant::now();
    loop {
        let verdicts = store.verdicts(false).await.unwrap();
        if verdicts.iter().map(|v| (v.output_index, v.agrees)).eq([(0, true), (1, true)]) {
            break;
        }
        assert!(replaced.elapsed() < Duration::from_secs(5), "the replaced output was not judged again: {verdicts:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(rpc(&api, "rollup_disputeCandidates").await, json!([]));
    stop.send(true).unwrap();
    running.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_state_is_flagged_and_replay_names_the_transaction() {
    let rollup = Rollup::start(false).await;
    let mut batcher = rollup.batcher(Some(1)).await;
    rollup.send(&mixed_transactions(&mut Builder::default(), 20)).await;
    let sent = rollup.l2_head().await;
    rollup.post_all(&mut batcher, Some(sent)).await;
    rollup.settle().await;
    let before = rollup.l2_head().await;

    // After block `before` is sealed, an extra ether appears in dev account 0's balance.
    let victim = dev_signers()[0].clone();
    rollup
        .node
        .tamper_state(|world| {
            let mut info = world.account(victim.address()).unwrap();
            info.balance += parse_ether("1").unwrap();
            let mut diff = StateDiff::default();
            diff.accounts.insert(victim.address(), AccountDiff { info: Some(info), ..Default::default() });
            world.apply(&diff);
        })
        .await;
    let nonce = rollup.node.handle().chain.read_state().await.world.account(victim.address()).unwrap().nonce;
    let tx = transfer(&victim, nonce, Address::repeat_byte(0x55), 7);
    rollup.send(std::slice::from_ref(&tx)).await;
    let tampered = rollup.l2_head().await;
    assert_eq!(tampered, before + 1);
    rollup.post_all(&mut batcher, Some(tampered)).await;

    let mut verifier = rollup.verifier().await;
    rollup.derive_through(&mut verifier, tampered).await;
    let verdicts = verifier.store().verdicts(false).await.unwrap();
    // Every output from the tampered block on is wrong (the state stays tampered); every
    // output before it is right.
    for verdict in &verdicts {
        assert_eq!(verdict.agrees, verdict.l2_block < tampered, "{verdict:?}");
    }
    let wrong: Vec<_> = verdicts.iter().filter(|v| !v.agrees).collect();
    assert_eq!(wrong.first().map(|v| v.l2_block), Some(tampered), "{verdicts:?}");

    let mut printed = Vec::new();
    let index = wrong[0].output_index;
    let report = replay_output(&rollup.verifier_config(), index, Some(&rollup.node.url()), &mut printed).await.unwrap();
    let printed = String::from_utf8(printed).unwrap();
    assert_eq!(report.agreed.map(|(_, block)| block), Some(before), "{printed}");
    assert_eq!(report.first_diverging_block, Some(tampered), "{printed}");
    assert_eq!(report.first_diverging_step, Some(format!("transaction 0 ({})", tx.tx_hash())), "{printed}");
    assert!(printed.contains(&format!("differs at {}", victim.address())), "{printed}");

    // The same replay from the command line.
    let dir = tempfile::tempdir().unwrap();
    let deployment = dir.path().join("deployment.json");
    rollup.deployment.write(&deployment).unwrap();
    let output = Command::new(rollup_binary())
        .args(["fraud-prover", "replay", "--output", &index.to_string(), "--l1-rpc-url", &rollup.l1.endpoint()])
        .arg("--deployment")
        .arg(&deployment)
        .args(["--l2-rpc-url", &rollup.node.url()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let expected = format!("FIRST DIVERGENCE: block {tampered}, transaction 0 ({})", tx.tx_hash());
    assert!(stdout.contains(&expected), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_for_a_block_not_on_l1_is_flagged() {
    let rollup = Rollup::start(false).await;
    let mut batcher = rollup.batcher(None).await;
    rollup.send(&mixed_transactions(&mut Builder::default(), 5)).await;
    let head = rollup.post_all(&mut batcher, None).await;
    // A claim far beyond anything the batcher posted: no L1 data up to the proposal holds it.
    propose(&rollup, B256::repeat_byte(0xF0), head + 1_000).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    rollup.mine_l1().await;

    let mut verifier = rollup.verifier().await;
    rollup.derive_through(&mut verifier, head).await;
    let verdicts = verifier.store().verdicts(false).await.unwrap();
    assert_eq!(verdicts.len(), 1, "{verdicts:?}");
    assert!(!verdicts[0].agrees && verdicts[0].l2_block == head + 1_000 && verdicts[0].derived_root == B256::ZERO);
}
