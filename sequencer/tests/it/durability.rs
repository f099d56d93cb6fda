//! Restarts: the chain resumes with the same head, state root and pending pool, and a replay
//! of the stored blocks from genesis reproduces every block.

use crate::common::{dev_key, rpc_ok, send_and_seal, sign, transfer};
use alloy_primitives::{Address, U256};
use rollup_core::SequentialExecutor;
use sequencer::{replay_chain, test_utils::TestNode};
use serde_json::json;
use storage::Store;
use test_support::Backend;

async fn restart_resumes(backend: Backend) {
    let mut node = TestNode::start(backend).await;
    let key = dev_key(8);
    let to = Address::repeat_byte(0x11);
    for nonce in 0..5 {
        send_and_seal(&node.url(), &sign(&key, transfer(nonce, to, U256::from(nonce + 1)))).await;
    }
    // Nonce 6 waits for nonce 5: acknowledged but not minable.
    let gapped =
        rpc_ok(&node.url(), "eth_sendRawTransaction", json!([sign(&key, transfer(6, to, U256::from(7)))])).await;
    let before = rpc_ok(&node.url(), "eth_getBlockByNumber", json!(["latest", false])).await;

    node.restart().await;
    let after = rpc_ok(&node.url(), "eth_getBlockByNumber", json!(["latest", false])).await;
    assert_eq!(after["hash"], before["hash"]);
    assert_eq!(after["stateRoot"], before["stateRoot"]);
    let pending = rpc_ok(&node.url(), "eth_getTransactionByHash", json!([gapped])).await;
    assert_eq!(pending["hash"], gapped, "the gapped transaction survived the restart");
    assert!(pending["blockNumber"].is_null());
    assert_eq!(rpc_ok(&node.url(), "eth_getTransactionCount", json!([key.address(), "pending"])).await, "0x5");

    // Filling the gap mines both.
    send_and_seal(&node.url(), &sign(&key, transfer(5, to, U256::from(6)))).await;
    let receipt = crate::common::wait_receipt(&node.url(), &gapped).await;
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(rpc_ok(&node.url(), "eth_getBalance", json!([to, "latest"])).await, "0x1c");

    let store = Store::connect(&node.database_url).await.unwrap();
    let root = replay_chain(&store, &SequentialExecutor).await.unwrap();
    let head = rpc_ok(&node.url(), "eth_getBlockByNumber", json!(["latest", false])).await;
    assert_eq!(serde_json::to_value(root).unwrap(), head["stateRoot"]);
}

crate::on_every_backend!(restart_resumes);
