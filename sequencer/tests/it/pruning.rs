//! `--state-history`: the state of every block from the floor on is served exactly as before
//! pruning (reads, calls, proofs, traces), older state is refused with an error that says so,
//! blocks and receipts stay, and the floor survives a restart.

use crate::common::{
    balanceOfCall, deploy_token, dev_key, quantity, rpc_error, rpc_ok, send_and_seal, send_tokens, sign, transfer,
};
use crate::proofs::verify_account;
use alloy::{rpc::types::EIP1186AccountProofResponse, sol_types::SolCall};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use sequencer::test_utils::TestNode;
use serde_json::{Value, json};
use std::time::Duration;
use test_support::Backend;

/// Blocks of state kept behind the head.
const KEEP: u64 = 3;

/// What a block's state held, read right after the block was sealed.
struct Seen {
    number: Value,
    root: B256,
    eth: Value,
    tokens: Value,
    /// `debug_traceBlockByNumber` with the call tracer.
    trace: Value,
}

async fn seen(url: &str, number: Value, token: Address, holder: Address) -> Seen {
    let block = rpc_ok(url, "eth_getBlockByNumber", json!([number, false])).await;
    let call = json!({ "to": token, "data": Bytes::from(balanceOfCall { owner: holder }.abi_encode()) });
    Seen {
        root: serde_json::from_value(block["stateRoot"].clone()).unwrap(),
        eth: rpc_ok(url, "eth_getBalance", json!([holder, number])).await,
        tokens: rpc_ok(url, "eth_call", json!([call, number])).await,
        trace: rpc_ok(url, "debug_traceBlockByNumber", json!([number, { "tracer": "callTracer" }])).await,
        number,
    }
}

async fn check_kept(url: &str, seen: &Seen, token: Address, holder: Address) {
    let number = &seen.number;
    assert_eq!(rpc_ok(url, "eth_getBalance", json!([holder, number])).await, seen.eth, "balance at {number}");
    let call = json!({ "to": token, "data": Bytes::from(balanceOfCall { owner: holder }.abi_encode()) });
    assert_eq!(rpc_ok(url, "eth_call", json!([call, number])).await, seen.tokens, "tokens at {number}");
    // The token's balance slot (mapping at slot 1) by proof, against the block's own root.
    let slot = keccak256([B256::left_padding_from(holder.as_slice()).as_slice(), &[0u8; 31], &[1u8]].concat());
    for address in [holder, token] {
        let proof = rpc_ok(url, "eth_getProof", json!([address, [slot], number])).await;
        let proof: EIP1186AccountProofResponse = serde_json::from_value(proof).unwrap();
        verify_account(seen.root, &proof);
        if address == token {
            let tokens: Bytes = serde_json::from_value(seen.tokens.clone()).unwrap();
            assert_eq!(proof.storage_proof[0].value, U256::from_be_slice(&tokens), "proven tokens at {number}");
        }
    }
}

async fn check_pruned(url: &str, seen: &Seen, token: Address, holder: Address) {
    let number = &seen.number;
    let call = json!({ "to": token, "data": Bytes::from(balanceOfCall { owner: holder }.abi_encode()) });
    for (method, params) in [
        ("eth_getBalance", json!([holder, number])),
        ("eth_getStorageAt", json!([token, "0x0", number])),
        ("eth_call", json!([call, number])),
        ("eth_getProof", json!([token, [], number])),
    ] {
        let (code, message) = rpc_error(url, method, params).await;
        assert_eq!(code, -32000, "{method} at {number}: {message}");
        assert!(message.contains("is pruned"), "{method} at {number}: {message}");
    }
    // Blocks and receipts are never pruned.
    let block = rpc_ok(url, "eth_getBlockByNumber", json!([number, false])).await;
    assert_eq!(serde_json::from_value::<B256>(block["stateRoot"].clone()).unwrap(), seen.root);
}

async fn wait_for_floor(node: &TestNode, floor: u64) {
    for _ in 0..100 {
        if node.handle().chain.state_floor() >= floor {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the state was not pruned to block {floor}");
}

async fn pruning_keeps_what_it_promises(backend: Backend) {
    let mut node = TestNode::start_configured(backend, |config, _| config.state_history = Some(KEEP)).await;
    let url = node.url();
    let key = dev_key(9);
    let holder = Address::repeat_byte(0x45);
    let deployed = deploy_token(&url, &key, 0, U256::from(1_000_000)).await;
    let token: Address = serde_json::from_value(deployed["contractAddress"].clone()).unwrap();
    let mut blocks = vec![seen(&url, deployed["blockNumber"].clone(), token, holder).await];
    // Each block changes the holder's ETH and token balances (account and storage history,
    // new trie nodes).
    for nonce in 1..10u64 {
        let receipt = if nonce % 2 == 0 {
            send_and_seal(&url, &sign(&key, transfer(nonce, holder, U256::from(nonce)))).await
        } else {
            send_tokens(&url, &key, nonce, token, holder, nonce * 10).await
        };
        blocks.push(seen(&url, receipt["blockNumber"].clone(), token, holder).await);
    }
    let head_number = quantity(&rpc_ok(&url, "eth_blockNumber", json!([])).await);
    // The floor moves in steps; it reaches head - KEEP once the pruner has caught up.
    let floor = head_number - KEEP;
    wait_for_floor(&node, floor).await;
    // Superseded history rows and unreachable trie nodes of the older blocks are gone.
    for _ in 0..100 {
        if node.handle().chain.metrics().state_pruned.get() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(node.handle().chain.metrics().state_pruned.get() > 0, "nothing was pruned");

    let number = |seen: &Seen| quantity(&seen.number);
    for url in [url.clone(), String::new()] {
        let url = if url.is_empty() {
            // After a restart the floor and every kept state are still there.
            node.restart().await;
            assert_eq!(node.handle().chain.state_floor(), floor);
            node.url()
        } else {
            url
        };
        for seen in &blocks {
            if number(seen) >= floor {
                check_kept(&url, seen, token, holder).await;
            }
            if number(seen) > floor {
                // Tracing re-executes on the parent's state, kept too.
                let trace = rpc_ok(&url, "debug_traceBlockByNumber", json!([seen.number, { "tracer": "callTracer" }]));
                assert_eq!(trace.await, seen.trace, "trace of block {}", seen.number);
            } else if number(seen) < floor {
                check_pruned(&url, seen, token, holder).await;
            }
        }
        // Tracing needs the parent's state: the floor's own block cannot be traced.
        let (code, message) = rpc_error(&url, "debug_traceBlockByNumber", json!([format!("{floor:#x}")])).await;
        assert_eq!(code, -32000, "{message}");
        assert!(message.contains("is pruned"), "{message}");
    }
}

crate::on_every_backend!(pruning_keeps_what_it_promises);
