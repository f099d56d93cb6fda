//! Real clients reading the L2's past, as they do on an archive node: `cast run` replays a
//! published ERC-20 transfer from the state of its parent block, `cast call --block` and viem's
//! `readContract({ blockNumber })` answer an old balance after it changed, and viem's
//! `getProof` at the old block verifies against that block's state root.

use crate::common::{deploy_token, dev_key, quantity, rpc_ok, send_tokens};
use alloy::{rpc::types::EIP1186AccountProofResponse, sol_types::SolValue};
use alloy_primitives::{Address, B256, U256, keccak256};
use sequencer::test_utils::TestNode;
use serde_json::{Value, json};
use std::{process::Command, time::Duration};
use test_support::{Backend, repo_root, run_bounded, tool};

/// Runs `cast` against `url` and returns its stdout; panics with its stderr if it fails.
fn cast(url: &str, args: &[&str]) -> String {
    let mut command = Command::new(tool("cast"));
    command.arg(args[0]).args(["--rpc-url", url]).args(&args[1..]);
    let output = run_bounded(&mut command, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "cast {args:?} failed: {stderr}");
    String::from_utf8(output.stdout).expect("UTF-8").trim().to_owned()
}

/// A token with history on a fresh node: deployed by dev key 6 (minting 1,000), then 100 and 150
/// sent to `HOLDER` in two blocks. Returns the node, the token and the two transfer receipts.
async fn token_history() -> (TestNode, Address, Value, Value) {
    let node = TestNode::start(Backend::Sqlite).await;
    let url = node.url();
    let key = dev_key(6);
    let deployed = deploy_token(&url, &key, 0, U256::from(1_000)).await;
    let token: Address = serde_json::from_value(deployed["contractAddress"].clone()).unwrap();
    let first = send_tokens(&url, &key, 1, token, HOLDER, 100).await;
    let second = send_tokens(&url, &key, 2, token, HOLDER, 150).await;
    (node, token, first, second)
}

const HOLDER: Address = Address::repeat_byte(0x61);

/// `cast run` replays the first transfer: the block's earlier transactions (its L1 attributes
/// deposit, skipped as a system transaction) then the transfer on the parent block's state, and
/// prints its trace with the gas the receipt shows. Foundry knows OP Stack transactions only on
/// chains it knows to be OP Stack; `FOUNDRY_OPTIMISM=true` says ours is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_clients_cast_run() {
    let (node, token, first, _) = token_history().await;
    let url = node.url();
    let hash = first["transactionHash"].as_str().unwrap().to_owned();
    let gas_used = quantity(&first["gasUsed"]);
    tokio::task::spawn_blocking(move || {
        for quick in [false, true] {
            let mut command = Command::new(tool("cast"));
            command.args(["run", "--rpc-url", &url, &hash]).env("FOUNDRY_OPTIMISM", "true");
            if quick {
                command.arg("--quick");
            }
            let output = run_bounded(&mut command, Duration::from_secs(60));
            let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
            assert!(output.status.success(), "cast run (quick: {quick}) failed: {stderr}");
            assert!(stdout.contains(&format!("{token}::transfer({HOLDER}, 100)")), "{stdout}");
            assert!(stdout.contains("Transaction successfully executed."), "{stdout}");
            assert!(stdout.contains(&format!("Gas used: {gas_used}")), "{stdout}");
        }
    })
    .await
    .unwrap();
}

/// `cast call --block` and viem's `readContract({ blockNumber })` answer the balance of then
/// after it changed, and viem's `getProof` at the old block verifies against its state root.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_clients_read_old_state() {
    let (node, token, first, second) = token_history().await;
    let url = node.url();
    let holder = HOLDER;
    let (old, new) = (quantity(&first["blockNumber"]), quantity(&second["blockNumber"]));
    let old_root: B256 = {
        let block = rpc_ok(&url, "eth_getBlockByNumber", json!([first["blockNumber"], false])).await;
        serde_json::from_value(block["stateRoot"].clone()).unwrap()
    };

    let cast_url = url.clone();
    let (token_arg, holder_arg) = (token.to_string(), holder.to_string());
    tokio::task::spawn_blocking(move || {
        let balance_at = |block: &str| {
            cast(&cast_url, &["call", "--block", block, &token_arg, "balanceOf(address)(uint256)", &holder_arg])
        };
        assert_eq!(balance_at(&old.to_string()), "100");
        assert_eq!(balance_at(&new.to_string()), "250");
        assert_eq!(balance_at(&(old - 1).to_string()), "0", "before the first transfer");
    })
    .await
    .unwrap();

    let script = repo_root().join("e2e/viem/archive.mjs");
    let mut viem = Command::new("node");
    viem.arg(script)
        .env("L2_RPC", &url)
        .env("TOKEN", token.to_string())
        .env("HOLDER", holder.to_string())
        .env("OLD_BLOCK", old.to_string())
        .env("NEW_BLOCK", new.to_string());
    let output = tokio::task::spawn_blocking(move || run_bounded(&mut viem, Duration::from_secs(60))).await.unwrap();
    assert!(output.status.success(), "the viem script failed: {}", String::from_utf8_lossy(&output.stderr));
    let read: Value = serde_json::from_slice(&output.stdout).expect("the viem script prints JSON");
    assert_eq!(read["chainId"], json!(crate::common::CHAIN_ID), "{read}");
    assert_eq!((&read["oldBalance"], &read["newBalance"]), (&json!("100"), &json!("250")), "{read}");
    assert_eq!(read["latestBalance"], json!("250"), "{read}");

    // The proof viem got at the old block shows the old balance and verifies against the old
    // state root with alloy-trie's verifier.
    let proof: EIP1186AccountProofResponse = serde_json::from_value(read["proof"].clone()).unwrap();
    assert_eq!(proof.address, token);
    let slot: B256 = serde_json::from_value(read["slot"].clone()).unwrap();
    assert_eq!(slot, keccak256((holder, U256::from(1)).abi_encode()));
    assert_eq!(proof.storage_proof.len(), 1);
    assert_eq!(proof.storage_proof[0].value, U256::from(100));
    assert_ne!(proof.code_hash, alloy_primitives::KECCAK256_EMPTY, "the token has code");
    crate::proofs::verify_account(old_root, &proof);
}
