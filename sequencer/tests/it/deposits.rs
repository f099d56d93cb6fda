//! Following L1: deposits sent to the Portal on a real Anvil show up on L2 as `0x7E`
//! transactions that mint ETH, a misbehaving sequencer that skips them leaves balances alone,
//! a restarted sequencer continues from its stored L1 origin, and an unreachable L1 only holds
//! the origin in place.

use crate::common::{dev_key, rpc_ok};
use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    node_bindings::AnvilInstance,
    providers::{Provider, ProviderBuilder},
    rpc::types::{TransactionReceipt, TransactionRequest},
    signers::local::PrivateKeySigner,
    sol_types::SolEvent,
};
use alloy_primitives::{Address, B256, Bytes, U256, utils::parse_ether};
use rollup_core::{
    deposit::TxDeposit,
    fees::{DEPOSITOR_ACCOUNT, L1_BLOCK_ADDRESS},
};
use rollup_l1::{
    Deployment, Portal, deposit_from_log,
    test_utils::{deploy_config, deploy_rollup},
};
use sequencer::test_utils::TestNode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use test_support::anvil;

/// Anvil with the rollup's contracts deployed.
async fn l1() -> (AnvilInstance, Deployment) {
    let l1 = anvil();
    let deployment = deploy_rollup(&l1).await;
    (l1, deployment)
}

/// The deposit an L1 transaction's `TransactionDeposited` log carries.
fn deposit_of(receipt: &TransactionReceipt, portal: Address) -> TxDeposit {
    assert!(receipt.status(), "the L1 deposit transaction failed");
    let log = receipt
        .inner
        .logs()
        .iter()
        .find(|log| log.address() == portal && log.topic0() == Some(&Portal::TransactionDeposited::SIGNATURE_HASH))
        .expect("a TransactionDeposited log");
    let block = log.block_hash.expect("mined log");
    deposit_from_log(&log.inner, block, log.log_index.expect("mined log")).expect("a valid deposit")
}

/// Calls `depositTransaction(to, value, 100_000, false, "")` with `value` attached.
async fn deposit_transaction(
    l1: &AnvilInstance,
    portal: Address,
    key: &PrivateKeySigner,
    to: Address,
    value: U256,
) -> TxDeposit {
    let provider = ProviderBuilder::new().wallet(EthereumWallet::from(key.clone())).connect_http(l1.endpoint_url());
    let portal_contract = Portal::new(portal, &provider);
    let call = portal_contract.depositTransaction(to, value, 100_000, false, Bytes::new()).value(value);
    let receipt = call.send().await.unwrap().get_receipt().await.unwrap();
    deposit_of(&receipt, portal)
}

/// Sends plain ETH to the Portal (a deposit to the sender itself).
async fn send_to_portal(l1: &AnvilInstance, portal: Address, key: &PrivateKeySigner, value: U256) -> TxDeposit {
    let provider = ProviderBuilder::new().wallet(EthereumWallet::from(key.clone())).connect_http(l1.endpoint_url());
    let tx = TransactionRequest::default().with_to(portal).with_value(value);
    let receipt = provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    deposit_of(&receipt, portal)
}

/// Polls `eth_getTransactionByHash` until the L2 includes `hash`.
async fn wait_included(url: &str, hash: B256) -> Value {
    let started = Instant::now();
    loop {
        let tx = rpc_ok(url, "eth_getTransactionByHash", json!([hash])).await;
        if !tx.is_null() {
            return tx;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "deposit {hash} not included within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls until the L2 head's origin reaches L1 block `number`.
async fn wait_origin(url: &str, number: u64) {
    let started = Instant::now();
    while origin_number(url, "latest").await < number {
        assert!(started.elapsed() < Duration::from_secs(30), "L1 origin did not reach {number} within 30 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn origin_number(url: &str, block: &str) -> u64 {
    rpc_ok(url, "rollup_l1Origin", json!([block])).await["number"].as_u64().expect("origin number")
}

async fn l2_balance(url: &str, address: Address) -> U256 {
    ProviderBuilder::new().connect_http(url.parse().unwrap()).get_balance(address).await.unwrap()
}

/// Every block's origin is its parent's or the next L1 block.
async fn assert_origins_step_by_one(url: &str) {
    let head = rpc_ok(url, "eth_blockNumber", json!([])).await;
    let head = u64::from_str_radix(head.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
    let mut previous = origin_number(url, "0x0").await;
    for number in 1..=head {
        let origin = origin_number(url, &format!("{number:#x}")).await;
        assert!(origin == previous || origin == previous + 1, "block {number}: origin {origin} after {previous}");
        previous = origin;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deposits_are_included_as_deposit_transactions() {
    let (l1, deployment) = l1().await;
    let mut node = TestNode::start_following(&l1.endpoint(), &deployment, false).await;
    let url = node.url();
    assert_eq!(origin_number(&url, "0x0").await, deployment.l1_start_block);

    // depositTransaction: minted to the depositor, then sent on to a fresh recipient.
    let recipient = Address::repeat_byte(0x42);
    let amount = parse_ether("1.25").unwrap();
    let deposit = deposit_transaction(&l1, deployment.portal, &dev_key(5), recipient, amount).await;
    let tx = wait_included(&url, deposit.tx_hash()).await;
    assert_eq!(tx["type"], "0x7e");
    assert_eq!(tx["from"], json!(dev_key(5).address()));
    assert_eq!(tx["to"], json!(recipient));
    assert_eq!(tx["mint"], json!(format!("{amount:#x}")));
    assert_eq!(tx["sourceHash"], json!(deposit.source_hash));
    assert_eq!(tx["hash"], json!(deposit.tx_hash()));
    assert_eq!(tx["nonce"], "0x0", "the depositor's first L2 transaction");
    let receipt = rpc_ok(&url, "eth_getTransactionReceipt", json!([deposit.tx_hash()])).await;
    assert_eq!(receipt["type"], "0x7e");
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(l2_balance(&url, recipient).await, amount);
    assert_eq!(
        (receipt["depositNonce"].clone(), receipt["depositReceiptVersion"].clone()),
        (json!("0x0"), json!("0x1"))
    );
    assert!(receipt.get("l1Fee").is_none(), "deposits pay no L1 fee");
    // The deposit follows its block's L1 attributes deposit (docs/fees.md), in full and
    // hash-only views and in the block's receipts.
    let block = rpc_ok(&url, "eth_getBlockByNumber", json!([tx["blockNumber"], true])).await;
    assert_eq!(tx["transactionIndex"], "0x1");
    let attributes = &block["transactions"][0];
    assert_eq!((attributes["type"].clone(), attributes["to"].clone()), (json!("0x7e"), json!(L1_BLOCK_ADDRESS)));
    assert_eq!(attributes["from"], json!(DEPOSITOR_ACCOUNT));
    assert_eq!(block["transactions"][1]["type"], "0x7e");
    let block = rpc_ok(&url, "eth_getBlockByHash", json!([tx["blockHash"], false])).await;
    assert_eq!(block["transactions"][1], json!(deposit.tx_hash()));
    let receipts = rpc_ok(&url, "eth_getBlockReceipts", json!([tx["blockNumber"]])).await;
    assert_eq!(receipts[1]["type"], "0x7e");

    // Plain ETH sent to the Portal: minted to the sender itself, and no fee is charged.
    let sender = dev_key(6);
    let before = l2_balance(&url, sender.address()).await;
    let value = parse_ether("0.5").unwrap();
    let deposit = send_to_portal(&l1, deployment.portal, &sender, value).await;
    let tx = wait_included(&url, deposit.tx_hash()).await;
    assert_eq!((tx["from"].clone(), tx["to"].clone()), (json!(sender.address()), json!(sender.address())));
    assert_eq!(l2_balance(&url, sender.address()).await, before + value);

    // A restarted node continues from its stored origin and still includes new deposits.
    let origin = origin_number(&url, "latest").await;
    node.restart().await;
    let url = node.url();
    assert_eq!(origin_number(&url, "latest").await, origin);
    let deposit = deposit_transaction(&l1, deployment.portal, &dev_key(7), recipient, amount).await;
    wait_included(&url, deposit.tx_hash()).await;
    assert_eq!(l2_balance(&url, recipient).await, amount * U256::from(2));
    assert_origins_step_by_one(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sequencer_skipping_deposits_leaves_balances_unchanged() {
    let (l1, deployment) = l1().await;
    let node = TestNode::start_following(&l1.endpoint(), &deployment, true).await;
    let url = node.url();
    let recipient = Address::repeat_byte(0x43);
    let deposit = deposit_transaction(&l1, deployment.portal, &dev_key(5), recipient, parse_ether("1").unwrap()).await;
    let l1_block = ProviderBuilder::new().connect_http(l1.endpoint_url()).get_block_number().await.unwrap();
    wait_origin(&url, l1_block).await;
    assert!(rpc_ok(&url, "eth_getTransactionByHash", json!([deposit.tx_hash()])).await.is_null());
    assert_eq!(l2_balance(&url, recipient).await, U256::ZERO);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_l1_leaves_the_origin_in_place() {
    // Nothing listens on port 9: every poll of L1 fails.
    let deployment = Deployment {
        l1_chain_id: 31337,
        config: deploy_config(),
        batch_inbox: Address::repeat_byte(1),
        output_oracle: Address::repeat_byte(2),
        portal: Address::repeat_byte(3),
        system_config: Address::repeat_byte(4),
        l1_start_block: 7,
        l1_start_hash: B256::repeat_byte(7),
        l1_start_timestamp: 70,
        l1_start_base_fee: 1_000_000_000,
        l1_start_excess_blob_gas: 0,
    };
    let node = TestNode::start_following("http://127.0.0.1:9", &deployment, false).await;
    let url = node.url();
    let produced = rpc_ok(&url, "rollup_produceBlock", json!([])).await;
    assert_eq!(produced, "0x1");
    assert_eq!(origin_number(&url, "latest").await, 7);
    let started = Instant::now();
    loop {
        let metrics = reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap();
        let failed = metrics
            .lines()
            .any(|line| line.starts_with("rollup_sequencer_l1_poll_errors_total") && !line.ends_with(" 0"));
        if failed {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no failed L1 poll counted:\n{metrics}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
