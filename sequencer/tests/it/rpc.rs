//! The JSON-RPC server itself: WebSocket subscriptions, batches, limits, tags, revert errors,
//! and the `/health` and `/metrics` endpoints beside it.

use crate::common::{deploy_token, dev_key, rpc, rpc_error, rpc_ok};
use alloy::{
    providers::{Provider, ProviderBuilder, WsConnect},
    rpc::types::Filter,
    sol_types::SolValue,
};
use alloy_primitives::{Address, Bytes, U256, keccak256};
use futures::StreamExt;
use sequencer::test_utils::TestNode;
use serde_json::json;
use std::time::Duration;
use test_support::Backend;

async fn subscriptions(backend: Backend) {
    let node = TestNode::start(backend).await;
    let ws = ProviderBuilder::new().connect_ws(WsConnect::new(node.ws_url())).await.unwrap();
    let mut heads = ws.subscribe_blocks().await.unwrap().into_stream();
    let token_event = keccak256("Transfer(address,address,uint256)");
    let mut logs = ws.subscribe_logs(&Filter::new().event_signature(token_event)).await.unwrap().into_stream();

    let receipt = deploy_token(&node.url(), &dev_key(0), 0, U256::from(77)).await;

    let head = tokio::time::timeout(Duration::from_secs(10), heads.next()).await.unwrap().unwrap();
    assert_eq!(Some(head.hash), serde_json::from_value(receipt["blockHash"].clone()).ok());
    let log = tokio::time::timeout(Duration::from_secs(10), logs.next()).await.unwrap().unwrap();
    assert_eq!(log.transaction_hash, serde_json::from_value(receipt["transactionHash"].clone()).ok());
    assert_eq!(U256::abi_decode(&log.data().data).unwrap(), U256::from(77));
}

async fn batches_limits_and_errors(backend: Backend) {
    let node = TestNode::start(backend).await;
    let url = node.url();
    let client = reqwest::Client::new();

    let batch = json!([
        { "jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": [] },
        { "jsonrpc": "2.0", "id": 2, "method": "net_version", "params": [] },
        { "jsonrpc": "2.0", "id": 3, "method": "eth_noSuchMethod", "params": [] },
    ]);
    let answers: Vec<serde_json::Value> = client.post(&url).json(&batch).send().await.unwrap().json().await.unwrap();
    assert_eq!(answers.len(), 3);
    let by_id = |id: u64| answers.iter().find(|a| a["id"] == id).unwrap().clone();
    assert_eq!(by_id(1)["result"], "0xa455");
    assert_eq!(by_id(2)["result"], "42069");
    assert_eq!(by_id(3)["error"]["code"], -32601);

    let too_long: Vec<_> = (0..1001).map(|id| json!({ "jsonrpc": "2.0", "id": id, "method": "eth_chainId" })).collect();
    let answer: serde_json::Value = client.post(&url).json(&too_long).send().await.unwrap().json().await.unwrap();
    assert!(answer.to_string().contains("batch"), "batch limit: {answer}");

    let huge = json!({ "jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [{ "data": format!("0x{}", "00".repeat(6 << 20)) }] });
    // The server refuses the body: with 413, or by closing the connection while it is sent.
    match client.post(&url).json(&huge).send().await {
        Ok(response) => assert_eq!(response.status(), reqwest::StatusCode::PAYLOAD_TOO_LARGE),
        Err(err) => assert!(err.is_request(), "unexpected error {err}"),
    }
    assert_eq!(rpc_ok(&url, "eth_chainId", json!([])).await, "0xa455");

    // Tags: earliest/safe/finalized are genesis until derivation exists; future blocks are absent.
    assert_eq!(rpc_ok(&url, "eth_getBlockByNumber", json!(["earliest", false])).await["number"], "0x0");
    assert_eq!(rpc_ok(&url, "eth_getBlockByNumber", json!(["finalized", false])).await["number"], "0x0");
    assert!(rpc_ok(&url, "eth_getBlockByNumber", json!(["0x64", false])).await.is_null());
    let (code, message) = rpc_error(&url, "eth_getBalance", json!([Address::ZERO, "0x64"])).await;
    assert_eq!((code, message.as_str()), (-32000, "header not found"));
    let (code, _) = rpc_error(&url, "eth_getBalance", json!(["not-an-address", "latest"])).await;
    assert_eq!(code, -32602);

    // A reverting call returns code 3 with the revert data and reason.
    let receipt = deploy_token(&url, &dev_key(0), 0, U256::from(1)).await;
    let token_address = receipt["contractAddress"].clone();
    let selector = &keccak256("transferFrom(address,address,uint256)")[..4];
    let mut data = selector.to_vec();
    data.extend((Address::repeat_byte(1), Address::repeat_byte(2), U256::from(1)).abi_encode_params());
    let response = rpc(&url, "eth_call", json!([{ "to": token_address, "data": Bytes::from(data) }, "latest"])).await;
    assert_eq!(response["error"]["code"], 3, "{response}");
    assert!(response["error"]["message"].as_str().unwrap().starts_with("execution reverted: ERC20:"), "{response}");
    assert!(response["error"]["data"].as_str().unwrap().starts_with("0x08c379a0"));

    assert!(rpc_ok(&url, "web3_clientVersion", json!([])).await.as_str().unwrap().starts_with("rollup/"));
    let health: serde_json::Value = client.get(format!("{url}/health")).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let metrics = client.get(format!("{url}/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("rollup_sequencer_rpc_request_seconds_count{method=\"eth_call\"}"), "{metrics}");
    assert!(metrics.contains("rollup_sequencer_head_block 1"));
}

crate::on_every_backend!(subscriptions, batches_limits_and_errors);
