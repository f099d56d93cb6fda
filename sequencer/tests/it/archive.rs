//! State at any block: `eth_call`, `eth_estimateGas` and `eth_createAccessList` against old
//! blocks, and `debug_trace*` re-executing committed blocks (deposits included) with geth's
//! tracers.

use crate::common::{balanceOfCall, deploy_token, dev_key, quantity, rpc_error, rpc_ok, send_tokens, transferCall};
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, Bytes, U256};
use sequencer::test_utils::TestNode;
use serde_json::{Value, json};
use test_support::Backend;

fn balance_call(token: Address, owner: Address) -> Value {
    json!({ "to": token, "data": Bytes::from(balanceOfCall { owner }.abi_encode()) })
}

async fn token_balance(url: &str, token: Address, owner: Address, block: &Value) -> U256 {
    let output = rpc_ok(url, "eth_call", json!([balance_call(token, owner), block])).await;
    let output: Bytes = serde_json::from_value(output).unwrap();
    U256::from_be_slice(&output)
}

async fn calls_at_old_blocks(backend: Backend) {
    let node = TestNode::start(backend).await;
    let url = node.url();
    let key = dev_key(3);
    let to = Address::repeat_byte(0x42);
    let deployed = deploy_token(&url, &key, 0, U256::from(1_000)).await;
    let token: Address = serde_json::from_value(deployed["contractAddress"].clone()).unwrap();
    let minted = deployed["blockNumber"].clone();
    let first = send_tokens(&url, &key, 1, token, to, 100).await;
    let second = send_tokens(&url, &key, 2, token, to, 150).await;

    // The same call answers what the state of each block held, as an archive node does.
    assert_eq!(token_balance(&url, token, to, &minted).await, U256::ZERO);
    assert_eq!(token_balance(&url, token, to, &first["blockNumber"]).await, U256::from(100));
    assert_eq!(token_balance(&url, token, to, &second["blockNumber"]).await, U256::from(250));
    assert_eq!(token_balance(&url, token, to, &json!("latest")).await, U256::from(250));
    // An EIP-1898 block object by hash names the same state.
    let by_hash = json!({ "blockHash": first["blockHash"] });
    assert_eq!(token_balance(&url, token, to, &by_hash).await, U256::from(100));
    // Before the token existed, the call finds no code and returns nothing.
    let before = rpc_ok(&url, "eth_call", json!([balance_call(token, to), "0x0"])).await;
    assert_eq!(before, json!("0x"));

    // Estimating a transfer against an old block uses that block's balances: at the mint block
    // the sender can send 1,000; after two transfers it cannot.
    let all = json!({
        "from": key.address(), "to": token,
        "data": Bytes::from(transferCall { to, amount: U256::from(1_000) }.abi_encode()),
    });
    let gas = rpc_ok(&url, "eth_estimateGas", json!([all, minted])).await;
    assert!(quantity(&gas) > 21_000, "{gas}");
    let (code, message) = rpc_error(&url, "eth_estimateGas", json!([all, "latest"])).await;
    assert_eq!(code, 3, "{message}");

    // The access list of a transfer names the token and its two balance slots.
    let some = json!({
        "from": key.address(), "to": token,
        "data": Bytes::from(transferCall { to, amount: U256::from(1) }.abi_encode()),
    });
    let listed = rpc_ok(&url, "eth_createAccessList", json!([some, "latest"])).await;
    let list = listed["accessList"].as_array().unwrap();
    assert_eq!(list.len(), 1, "{listed}");
    assert_eq!(list[0]["address"], json!(token));
    assert_eq!(list[0]["storageKeys"].as_array().unwrap().len(), 2, "{listed}");
    assert!(listed.get("error").is_none_or(Value::is_null), "{listed}");
    // The gas reported is that of the call sending the list: the intrinsic costs of the
    // list (2,400 per address, 1,900 per slot) included, so it matches estimating with it.
    let with_list = quantity(&listed["gasUsed"]);
    let mut request = some.clone();
    request["accessList"] = listed["accessList"].clone();
    let estimated = quantity(&rpc_ok(&url, "eth_estimateGas", json!([request, "latest"])).await);
    assert!(with_list > 21_000 + 2_400 + 2 * 1_900, "{with_list}");
    assert!(estimated >= with_list && estimated < with_list + with_list / 10, "{estimated} vs {with_list}");

    // A block past the head is not there yet.
    let (code, message) = rpc_error(&url, "eth_call", json!([balance_call(token, to), "0xffff"])).await;
    assert_eq!((code, message.as_str()), (-32000, "header not found"));
}

async fn traces_match_receipts(backend: Backend) {
    let node = TestNode::start(backend).await;
    let url = node.url();
    let key = dev_key(4);
    let to = Address::repeat_byte(0x43);
    let deployed = deploy_token(&url, &key, 0, U256::from(1_000)).await;
    let token: Address = serde_json::from_value(deployed["contractAddress"].clone()).unwrap();
    let sent = send_tokens(&url, &key, 1, token, to, 10).await;
    // More than the sender holds: included, and reverted.
    let failed = send_tokens(&url, &key, 2, token, to, 5_000).await;
    assert_eq!(failed["status"], json!("0x0"));

    let call_tracer = json!({ "tracer": "callTracer" });
    for receipt in [&deployed, &sent, &failed] {
        let hash = &receipt["transactionHash"];
        let trace = rpc_ok(&url, "debug_traceTransaction", json!([hash, call_tracer])).await;
        assert_eq!(trace["gasUsed"], receipt["gasUsed"], "{trace}");
        assert_eq!(trace["from"], json!(key.address()));
        assert_eq!(trace["type"], json!(if receipt == &deployed { "CREATE" } else { "CALL" }));
        assert_eq!(trace.get("error").is_some(), receipt["status"] == json!("0x0"), "{trace}");
    }
    // The struct logger steps through the opcodes and reports the same gas.
    let logged = rpc_ok(&url, "debug_traceTransaction", json!([sent["transactionHash"], {}])).await;
    assert_eq!(logged["gas"], json!(quantity(&sent["gasUsed"])), "{}", logged["gas"]);
    assert_eq!(logged["failed"], json!(false));
    let steps = logged["structLogs"].as_array().unwrap();
    assert!(steps.iter().any(|step| step["op"] == json!("SSTORE")), "a transfer writes storage");
    // The prestate tracer shows the balances before the transfer; in diff mode, after too.
    let prestate = json!({ "tracer": "prestateTracer" });
    let pre = rpc_ok(&url, "debug_traceTransaction", json!([sent["transactionHash"], prestate])).await;
    assert!(pre.get(token.to_string().to_lowercase()).is_some(), "{pre}");
    let diff = json!({ "tracer": "prestateTracer", "tracerConfig": { "diffMode": true } });
    let diff = rpc_ok(&url, "debug_traceTransaction", json!([sent["transactionHash"], diff])).await;
    let token_key = token.to_string().to_lowercase();
    let (pre_slots, post_slots) = (&diff["pre"][&token_key]["storage"], &diff["post"][&token_key]["storage"]);
    assert_eq!(post_slots.as_object().unwrap().len(), 2, "{diff}");
    assert_ne!(pre_slots, post_slots);
    // The 4byte tracer counts the selector; the noop tracer answers an empty object.
    let four =
        rpc_ok(&url, "debug_traceTransaction", json!([sent["transactionHash"], { "tracer": "4byteTracer" }])).await;
    assert_eq!(four, json!({ "0xa9059cbb-64": 1 }));
    let noop =
        rpc_ok(&url, "debug_traceTransaction", json!([sent["transactionHash"], { "tracer": "noopTracer" }])).await;
    assert_eq!(noop, json!({}));

    // A whole block: the L1 attributes deposit, then the transfer, each with its hash.
    let block = rpc_ok(&url, "eth_getBlockByNumber", json!([sent["blockNumber"], false])).await;
    let hashes = block["transactions"].as_array().unwrap().clone();
    assert_eq!(hashes.len(), 2);
    for (traces, how) in [
        (rpc_ok(&url, "debug_traceBlockByNumber", json!([sent["blockNumber"], call_tracer])).await, "number"),
        (rpc_ok(&url, "debug_traceBlockByHash", json!([sent["blockHash"], call_tracer])).await, "hash"),
    ] {
        let traces = traces.as_array().unwrap();
        let traced: Vec<_> = traces.iter().map(|trace| trace["txHash"].clone()).collect();
        assert_eq!(traced, hashes, "by {how}");
        let deposit = rpc_ok(&url, "eth_getTransactionByHash", json!([hashes[0]])).await;
        assert_eq!(traces[0]["result"]["from"], deposit["from"], "the L1 attributes deposit, by {how}");
        assert_eq!(traces[1]["result"]["gasUsed"], sent["gasUsed"], "by {how}");
    }

    // A call traced against the block before the transfer sees the balance then.
    let traced = rpc_ok(
        &url,
        "debug_traceCall",
        json!([balance_call(token, to), deployed["blockNumber"], { "tracer": "callTracer" }]),
    )
    .await;
    assert_eq!(traced["output"], json!(format!("0x{}", "0".repeat(64))));
    assert_eq!(traced["to"], json!(token));

    // Mistakes the caller can fix are invalid params; an unknown transaction is not found.
    let (code, message) =
        rpc_error(&url, "debug_traceTransaction", json!([sent["transactionHash"], { "tracer": "nope" }])).await;
    assert_eq!(code, -32602, "{message}");
    let (code, message) = rpc_error(
        &url,
        "debug_traceTransaction",
        json!([sent["transactionHash"], { "tracer": "callTracer", "tracerConfig": { "onlyTopCall": "yes" } }]),
    )
    .await;
    assert_eq!(code, -32602, "{message}");
    let overrides = json!({ "stateOverrides": { token.to_string(): { "balance": "0x1" } } });
    let (code, message) =
        rpc_error(&url, "debug_traceCall", json!([balance_call(token, to), "latest", overrides])).await;
    assert_eq!(code, -32602, "{message}");
    let (code, message) = rpc_error(&url, "debug_traceTransaction", json!([format!("0x{}", "11".repeat(32))])).await;
    assert_eq!(code, -32000, "{message}");
    assert!(message.contains("not found"), "{message}");
}

crate::on_every_backend!(calls_at_old_blocks, traces_match_receipts);

/// A trace that runs past `--rpc-trace-timeout-secs` stops inside the transaction (the EVM is
/// halted at its next steps) and answers `-32005`; the node keeps serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traces_stop_at_their_deadline() {
    let node =
        TestNode::start_configured(Backend::Sqlite, |_, rpc| rpc.trace_timeout = std::time::Duration::ZERO).await;
    let url = node.url();
    // Init code that loops until it runs out of gas: JUMPDEST, PUSH1 0, JUMP.
    let endless = json!({ "from": dev_key(5).address(), "data": "0x5b600056", "gas": "0x1c9c380" });
    let (code, message) = rpc_error(&url, "debug_traceCall", json!([endless, "latest", {}])).await;
    assert_eq!(code, -32005, "{message}");
    assert!(message.contains("tracing took longer than"), "{message}");
    // Without a tracer's deadline the same call just runs out of gas.
    let (code, message) = rpc_error(&url, "eth_call", json!([endless, "latest"])).await;
    assert_eq!(code, -32000, "{message}");
}

/// A batch of 1,000 `eth_estimateGas` calls (each a binary search of many executions) waits
/// for its compute permit call by call; block production goes on beside it: transactions sent
/// meanwhile are mined within a second or two while the batch is still running.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn estimates_do_not_starve_block_production() {
    let node = TestNode::start(Backend::Sqlite).await;
    let url = node.url();
    let key = dev_key(6);
    let deployed = deploy_token(&url, &key, 0, U256::from(1_000_000)).await;
    let token: Address = serde_json::from_value(deployed["contractAddress"].clone()).unwrap();
    let estimate = json!({
        "from": key.address(), "to": token,
        "data": Bytes::from(transferCall { to: Address::repeat_byte(0x46), amount: U256::from(1) }.abi_encode()),
    });
    let batch: Vec<Value> = (0..1_000)
        .map(|id| json!({ "jsonrpc": "2.0", "id": id, "method": "eth_estimateGas", "params": [estimate, "latest"] }))
        .collect();
    let batch_url = url.clone();
    let started = std::time::Instant::now();
    let batch = tokio::spawn(async move {
        let answers: Vec<Value> =
            reqwest::Client::new().post(&batch_url).json(&batch).send().await.unwrap().json().await.unwrap();
        (answers, started.elapsed())
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut mined = Vec::new();
    for nonce in 1..=3u64 {
        let sent = std::time::Instant::now();
        send_tokens(&url, &key, nonce, token, Address::repeat_byte(0x47), 1).await;
        mined.push((sent.elapsed(), started.elapsed()));
    }
    let (answers, batch_took) = batch.await.unwrap();
    assert_eq!(answers.len(), 1_000);
    assert!(answers.iter().all(|answer| answer.get("result").is_some()), "{:?}", answers.first());
    for (took, at) in mined {
        assert!(took < std::time::Duration::from_secs(3), "a transaction took {took:?} to be mined");
        assert!(at < batch_took, "mined at {at:?}, after the batch ended ({batch_took:?}): nothing was measured");
    }
}
