//! The pool and polling methods: `txpool_*` with a nonce gap, `eth_new*Filter` and their
//! polls, removal and expiry, `newPendingTransactions` subscriptions, `eth_sendRawTransactionSync`,
//! `eth_getBlockTransactionCountByHash` and the log filter caps.

use crate::common::{CHAIN_ID, deploy_token, dev_key, rpc_error, rpc_ok, send_and_seal, sign, transfer};
use alloy::{
    providers::{Provider, ProviderBuilder, WsConnect},
    signers::local::PrivateKeySigner,
};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use futures::StreamExt;
use sequencer::{RpcConfig, test_utils::TestNode};
use serde_json::{Value, json};
use std::time::Duration;
use test_support::Backend;

/// Starts the dev chain on `backend` with `rpc` limits. A zero `block_time` seals blocks as
/// transactions arrive; a long one leaves them pending until `rollup_produceBlock`.
async fn start(backend: Backend, block_time: Duration, rpc: RpcConfig) -> TestNode {
    TestNode::start_configured(backend, |node, limits| {
        node.block_time = block_time;
        *limits = rpc;
    })
    .await
}

/// A node whose blocks are sealed only by `rollup_produceBlock`.
async fn manual(backend: Backend, rpc: RpcConfig) -> TestNode {
    let node = start(backend, Duration::from_secs(3600), rpc).await;
    // The block interval's first tick seals a block right away: wait for it, so it cannot
    // take the transactions a test sends.
    for _ in 0..200 {
        if node.handle().chain.metrics().head.get() >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    node
}

/// A signed transfer of 1 wei from `key` with `nonce` to a fixed address.
fn raw_transfer(key: &PrivateKeySigner, nonce: u64) -> Bytes {
    sign(key, transfer(nonce, Address::repeat_byte(0x77), U256::from(1)))
}

async fn send(url: &str, raw: &Bytes) -> Value {
    rpc_ok(url, "eth_sendRawTransaction", json!([raw])).await
}

/// The nonces (JSON object keys) of `map`, as numbers.
fn nonces(map: &Value) -> Vec<u64> {
    let mut nonces: Vec<u64> = map.as_object().expect("an object").keys().map(|key| key.parse().unwrap()).collect();
    nonces.sort_unstable();
    nonces
}

async fn txpool_splits_pending_and_queued(backend: Backend) {
    let node = manual(backend, RpcConfig::default()).await;
    let url = node.url();
    let key = dev_key(3);
    let sender = key.address().to_checksum(None);
    let hashes = [
        send(&url, &raw_transfer(&key, 0)).await,
        send(&url, &raw_transfer(&key, 1)).await,
        send(&url, &raw_transfer(&key, 3)).await,
    ];

    let content = rpc_ok(&url, "txpool_content", json!([])).await;
    assert_eq!(nonces(&content["pending"][&sender]), [0, 1], "{content}");
    assert_eq!(nonces(&content["queued"][&sender]), [3], "{content}");
    assert_eq!(content["pending"][&sender]["1"]["hash"], hashes[1]);
    assert_eq!(content["queued"][&sender]["3"]["hash"], hashes[2]);
    assert_eq!(content["pending"][&sender]["0"]["blockHash"], Value::Null);
    assert_eq!(content["pending"][&sender]["0"]["from"].as_str().unwrap().to_lowercase(), sender.to_lowercase());

    let from = rpc_ok(&url, "txpool_contentFrom", json!([key.address()])).await;
    assert_eq!(nonces(&from["pending"]), [0, 1], "{from}");
    assert_eq!(nonces(&from["queued"]), [3], "{from}");
    let nobody = rpc_ok(&url, "txpool_contentFrom", json!([Address::repeat_byte(9)])).await;
    assert_eq!(nobody, json!({ "pending": {}, "queued": {} }));

    let status = rpc_ok(&url, "txpool_status", json!([])).await;
    assert_eq!(status, json!({ "pending": "0x2", "queued": "0x1" }));

    let inspect = rpc_ok(&url, "txpool_inspect", json!([])).await;
    let to = Address::repeat_byte(0x77).to_checksum(None);
    assert_eq!(inspect["pending"][&sender]["0"], format!("{to}: 1 wei + 21000 gas × 10000000000 wei"));
    assert_eq!(nonces(&inspect["queued"][&sender]), [3]);
    assert_eq!(rpc_ok(&url, "eth_getTransactionCount", json!([key.address(), "pending"])).await, "0x2");

    // A block takes the executable ones; the gapped one stays queued until the gap fills.
    rpc_ok(&url, "rollup_produceBlock", json!([])).await;
    let status = rpc_ok(&url, "txpool_status", json!([])).await;
    assert_eq!(status, json!({ "pending": "0x0", "queued": "0x1" }));
    let content = rpc_ok(&url, "txpool_content", json!([])).await;
    assert_eq!(content["pending"], json!({}));
    assert_eq!(nonces(&content["queued"][&sender]), [3]);
    send(&url, &raw_transfer(&key, 2)).await;
    let from = rpc_ok(&url, "txpool_contentFrom", json!([key.address()])).await;
    assert_eq!((nonces(&from["pending"]), nonces(&from["queued"])), (vec![2, 3], vec![]), "{from}");
    assert_eq!(rpc_ok(&url, "txpool_status", json!([])).await, json!({ "pending": "0x2", "queued": "0x0" }));
}

async fn filters_poll_logs_blocks_and_pending_transactions(backend: Backend) {
    let node = start(backend, Duration::ZERO, RpcConfig::default()).await;
    let url = node.url();
    let transfer_event = keccak256("Transfer(address,address,uint256)");
    let logs = rpc_ok(&url, "eth_newFilter", json!([{ "fromBlock": "earliest", "topics": [transfer_event] }])).await;
    let blocks = rpc_ok(&url, "eth_newBlockFilter", json!([])).await;
    let pending = rpc_ok(&url, "eth_newPendingTransactionFilter", json!([])).await;
    let pending_full = rpc_ok(&url, "eth_newPendingTransactionFilter", json!([true])).await;
    assert_ne!(logs, blocks);
    for id in [&logs, &blocks, &pending, &pending_full] {
        assert_eq!(rpc_ok(&url, "eth_getFilterChanges", json!([id])).await, json!([]), "nothing happened yet");
    }

    let receipt = deploy_token(&url, &dev_key(4), 0, U256::from(77)).await;
    let changes = rpc_ok(&url, "eth_getFilterChanges", json!([logs])).await;
    let changes = changes.as_array().expect("logs");
    assert_eq!(changes.len(), 1, "the mint's Transfer: {changes:?}");
    assert_eq!(changes[0]["blockHash"], receipt["blockHash"]);
    assert_eq!(changes[0]["transactionHash"], receipt["transactionHash"]);
    assert_eq!(changes[0]["address"], receipt["contractAddress"]);
    assert_eq!(changes[0]["topics"][0], json!(transfer_event));
    assert_eq!(rpc_ok(&url, "eth_getFilterChanges", json!([logs])).await, json!([]), "reported once");
    let all = rpc_ok(&url, "eth_getFilterLogs", json!([logs])).await;
    assert_eq!(all, json!([changes[0].clone()]), "eth_getFilterLogs returns every match again");

    let hashes = rpc_ok(&url, "eth_getFilterChanges", json!([blocks])).await;
    assert!(hashes.as_array().unwrap().contains(&receipt["blockHash"]), "{hashes}");
    assert_eq!(rpc_ok(&url, "eth_getFilterChanges", json!([blocks])).await, json!([]));
    let (code, message) = rpc_error(&url, "eth_getFilterLogs", json!([blocks])).await;
    assert_eq!(code, -32000, "{message}");

    assert_eq!(rpc_ok(&url, "eth_getFilterChanges", json!([pending])).await, json!([receipt["transactionHash"]]));
    let full = rpc_ok(&url, "eth_getFilterChanges", json!([pending_full])).await;
    assert_eq!(full.as_array().unwrap().len(), 1, "{full}");
    assert_eq!(full[0]["hash"], receipt["transactionHash"]);
    assert_eq!(full[0]["nonce"], "0x0");

    // A later transfer adds one more pending hash and no Transfer log.
    let later = send_and_seal(&url, &raw_transfer(&dev_key(4), 1)).await;
    assert_eq!(rpc_ok(&url, "eth_getFilterChanges", json!([pending])).await, json!([later["transactionHash"]]));
    assert_eq!(rpc_ok(&url, "eth_getFilterChanges", json!([logs])).await, json!([]));

    // Removal, and unknown ids.
    assert_eq!(rpc_ok(&url, "eth_uninstallFilter", json!([logs])).await, json!(true));
    assert_eq!(rpc_ok(&url, "eth_uninstallFilter", json!([logs])).await, json!(false));
    for id in [logs, json!("0x1234")] {
        let (code, message) = rpc_error(&url, "eth_getFilterChanges", json!([id])).await;
        assert_eq!((code, message.as_str()), (-32000, "filter not found"));
    }
    let (code, message) = rpc_error(&url, "eth_newFilter", json!([{ "blockHash": receipt["blockHash"] }])).await;
    assert_eq!(code, -32602, "{message}");
}

async fn filters_expire_when_not_polled(backend: Backend) {
    let rpc = RpcConfig { filter_timeout: Duration::from_millis(400), ..RpcConfig::default() };
    let node = start(backend, Duration::ZERO, rpc).await;
    let url = node.url();
    let polled = rpc_ok(&url, "eth_newBlockFilter", json!([])).await;
    let idle = rpc_ok(&url, "eth_newBlockFilter", json!([])).await;
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        rpc_ok(&url, "eth_getFilterChanges", json!([polled])).await;
    }
    let (code, message) = rpc_error(&url, "eth_getFilterChanges", json!([idle])).await;
    assert_eq!((code, message.as_str()), (-32000, "filter not found"), "expired after 800 ms unpolled");
    assert_eq!(rpc_ok(&url, "eth_uninstallFilter", json!([idle])).await, json!(false));
    assert_eq!(rpc_ok(&url, "eth_uninstallFilter", json!([polled])).await, json!(true), "polling keeps it");
}

async fn log_filter_caps_refuse_large_filters(backend: Backend) {
    let rpc = RpcConfig { max_log_addresses: 2, max_log_topics: 2, ..RpcConfig::default() };
    let node = start(backend, Duration::ZERO, rpc).await;
    let url = node.url();
    let addresses: Vec<Address> = (1..=3).map(Address::repeat_byte).collect();
    let topics: Vec<B256> = (1..=3).map(B256::repeat_byte).collect();
    for method in ["eth_getLogs", "eth_newFilter"] {
        let (code, message) = rpc_error(&url, method, json!([{ "address": addresses }])).await;
        assert_eq!(code, -32005, "{method}: {message}");
        assert!(message.contains("too many addresses"), "{message}");
        let (code, message) = rpc_error(&url, method, json!([{ "topics": [null, topics] }])).await;
        assert_eq!(code, -32005, "{method}: {message}");
        assert!(message.contains("topic position 1"), "{message}");
        // At the caps it works.
        rpc_ok(&url, method, json!([{ "address": &addresses[..2], "topics": [&topics[..2]] }])).await;
    }
}

async fn new_pending_transactions_subscription(backend: Backend) {
    let node = start(backend, Duration::ZERO, RpcConfig::default()).await;
    let url = node.url();
    let ws = ProviderBuilder::new().connect_ws(WsConnect::new(node.ws_url())).await.unwrap();
    let mut hashes = ws.subscribe_pending_transactions().await.unwrap().into_stream();
    let key = dev_key(5);

    // A gapped transaction is announced only once the gap fills, after the one filling it.
    let gapped: B256 = serde_json::from_value(send(&url, &raw_transfer(&key, 1)).await).unwrap();
    let early = tokio::time::timeout(Duration::from_millis(300), hashes.next()).await;
    assert!(early.is_err(), "a transaction behind a nonce gap is not pending: {early:?}");
    let first: B256 = serde_json::from_value(send(&url, &raw_transfer(&key, 0)).await).unwrap();
    let mut announced = Vec::new();
    for _ in 0..2 {
        announced.push(tokio::time::timeout(Duration::from_secs(10), hashes.next()).await.unwrap().unwrap());
    }
    assert_eq!(announced, [first, gapped]);

    let (code, _) = rpc_error(&url, "eth_newPendingTransactionFilter", json!(["yes"])).await;
    assert_eq!(code, -32602);
}

/// `["newPendingTransactions", true]` streams whole transactions.
///
/// Ignored until `EthApi::subscribe` (rpc/api.rs) takes its second parameter as
/// `Option<SubscribeParams>` instead of `Option<Filter>`: today jsonrpsee refuses `true` before
/// `do_subscribe` sees it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_pending_transactions_subscription_full() {
    let node = start(Backend::Sqlite, Duration::ZERO, RpcConfig::default()).await;
    let ws = ProviderBuilder::new().connect_ws(WsConnect::new(node.ws_url())).await.unwrap();
    let mut txs = ws.subscribe_full_pending_transactions().await.unwrap().into_stream();
    let key = dev_key(6);
    let hash: B256 = serde_json::from_value(send(&node.url(), &raw_transfer(&key, 0)).await).unwrap();
    let tx = tokio::time::timeout(Duration::from_secs(10), txs.next()).await.unwrap().unwrap();
    assert_eq!(*tx.inner.tx_hash(), hash);
    assert_eq!(tx.inner.signer(), key.address());
    assert_eq!(tx.block_hash, None);
}

async fn block_transaction_count_by_hash(backend: Backend) {
    let node = start(backend, Duration::ZERO, RpcConfig::default()).await;
    let url = node.url();
    let receipt = send_and_seal(&url, &raw_transfer(&dev_key(2), 0)).await;
    let count = rpc_ok(&url, "eth_getBlockTransactionCountByHash", json!([receipt["blockHash"]])).await;
    assert_eq!(count, "0x2", "the L1 attributes deposit and the transfer");
    let by_number = rpc_ok(&url, "eth_getBlockTransactionCountByNumber", json!([receipt["blockNumber"]])).await;
    assert_eq!(count, by_number);
    let unknown = rpc_ok(&url, "eth_getBlockTransactionCountByHash", json!([B256::repeat_byte(1)])).await;
    assert_eq!(unknown, Value::Null);
}

async fn send_sync_returns_the_receipt(backend: Backend) {
    let node = start(backend, Duration::ZERO, RpcConfig::default()).await;
    let url = node.url();
    let raw = raw_transfer(&dev_key(8), 0);
    let receipt = rpc_ok(&url, "eth_sendRawTransactionSync", json!([raw, 5_000])).await;
    assert_eq!(receipt["status"], "0x1", "{receipt}");
    let hash = receipt["transactionHash"].clone();
    assert_eq!(hash, json!(keccak256(&raw)));
    assert_eq!(rpc_ok(&url, "eth_getTransactionReceipt", json!([hash])).await, receipt);
    // A hex timeout works too (viem sends one).
    let receipt = rpc_ok(&url, "eth_sendRawTransactionSync", json!([raw_transfer(&dev_key(8), 1), "0x1388"])).await;
    assert_eq!(receipt["status"], "0x1");
}

async fn send_sync_times_out_and_reports_gaps(backend: Backend) {
    let node = manual(backend, RpcConfig::default()).await;
    let url = node.url();
    let key = dev_key(9);
    let raw = raw_transfer(&key, 0);
    let started = std::time::Instant::now();
    let response = crate::common::rpc(&url, "eth_sendRawTransactionSync", json!([raw, 300])).await;
    assert!(started.elapsed() >= Duration::from_millis(300), "waited for the timeout");
    assert_eq!(response["error"]["code"], 4, "{response}");
    assert_eq!(response["error"]["data"], json!(keccak256(&raw)));
    assert_eq!(rpc_ok(&url, "txpool_status", json!([])).await["pending"], "0x1", "it stays in the pool");

    let gapped = raw_transfer(&key, 2);
    let response = crate::common::rpc(&url, "eth_sendRawTransactionSync", json!([gapped, 5_000])).await;
    assert_eq!(response["error"]["code"], 5, "{response}");
    assert_eq!(response["error"]["data"], json!(keccak256(&gapped)));
    assert!(response["error"]["message"].as_str().unwrap().contains("next nonce is 1"), "{response}");

    // Rejected transactions fail as eth_sendRawTransaction does.
    let wrong_chain =
        sign(&key, alloy::consensus::TxEip1559 { chain_id: CHAIN_ID + 1, ..transfer(1, Address::ZERO, U256::ZERO) });
    let (code, _) = rpc_error(&url, "eth_sendRawTransactionSync", json!([wrong_chain])).await;
    assert_eq!(code, -32000);
}

crate::on_every_backend!(
    txpool_splits_pending_and_queued,
    filters_poll_logs_blocks_and_pending_transactions,
    filters_expire_when_not_polled,
    log_filter_caps_refuse_large_filters,
    new_pending_transactions_subscription,
    block_transaction_count_by_hash,
    send_sync_returns_the_receipt,
    send_sync_times_out_and_reports_gaps,
);
