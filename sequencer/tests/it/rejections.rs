//! Every way the pool refuses a transaction, over real HTTP: the standard error code, a
//! message that says what to fix, and a node that keeps serving afterwards.

use crate::common::{dev_key, rpc_error, rpc_ok, send_and_seal, sign, transfer};
use alloy::{
    consensus::{SignableTransaction, TxEnvelope, TxLegacy},
    eips::eip2718::Encodable2718,
    network::TxSignerSync,
    signers::local::PrivateKeySigner,
};
use alloy_primitives::{Bytes, Signature, TxKind, U256};
use sequencer::{PoolConfig, test_utils::TestNode};
use serde_json::json;
use test_support::Backend;

const INVALID_INPUT: i64 = -32000;
const INVALID_PARAMS: i64 = -32602;
const LIMIT_EXCEEDED: i64 = -32005;

async fn expect_rejection(url: &str, raw: &Bytes, code: i64, message: &str) {
    let (got_code, got_message) = rpc_error(url, "eth_sendRawTransaction", json!([raw])).await;
    assert_eq!(got_code, code, "code for {message}: {got_message}");
    assert!(got_message.contains(message), "expected {message:?} in {got_message:?}");
}

async fn every_rejection(backend: Backend) {
    let node = TestNode::start(backend).await;
    let url = node.url();
    let key = dev_key(3);
    let to = dev_key(4).address();

    expect_rejection(&url, &Bytes::from_static(&[0x02, 0xde, 0xad]), INVALID_PARAMS, "invalid transaction encoding")
        .await;

    let mut bad_signature = transfer(0, to, U256::from(1));
    let signature = Signature::new(U256::ZERO, U256::ZERO, false);
    let forged: Bytes = TxEnvelope::from(bad_signature.clone().into_signed(signature)).encoded_2718().into();
    expect_rejection(&url, &forged, INVALID_INPUT, "invalid sender").await;
    bad_signature.chain_id = 1;
    expect_rejection(&url, &sign(&key, bad_signature), INVALID_INPUT, "invalid chain id: transaction is for chain 1")
        .await;

    let mut legacy = TxLegacy {
        chain_id: None,
        nonce: 0,
        gas_price: 10_000_000_000,
        gas_limit: 21_000,
        to: TxKind::Call(to),
        ..Default::default()
    };
    let signature = key.sign_transaction_sync(&mut legacy).unwrap();
    let unprotected: Bytes = TxEnvelope::from(legacy.into_signed(signature)).encoded_2718().into();
    expect_rejection(&url, &unprotected, INVALID_INPUT, "only replay-protected").await;

    let over_cap = rollup_core::TX_GAS_CAP + 1;
    expect_rejection(
        &url,
        &sign(&key, transfer(0, to, U256::from(1)).with_gas(over_cap)),
        INVALID_INPUT,
        "exceeds per-transaction gas cap",
    )
    .await;
    expect_rejection(
        &url,
        &sign(&key, transfer(0, to, U256::from(1)).with_gas(20_000)),
        INVALID_INPUT,
        "intrinsic gas too low",
    )
    .await;

    let mut cheap = transfer(0, to, U256::from(1));
    cheap.max_fee_per_gas = 1;
    cheap.max_priority_fee_per_gas = 1;
    expect_rejection(&url, &sign(&key, cheap), INVALID_INPUT, "max fee per gas less than block base fee").await;

    let mut oversized = transfer(0, to, U256::from(1));
    oversized.input = vec![1u8; rollup_core::MAX_TX_SIZE].into();
    oversized.gas_limit = 8_000_000;
    expect_rejection(&url, &sign(&key, oversized), INVALID_INPUT, "oversized data").await;

    let broke = PrivateKeySigner::random();
    expect_rejection(
        &url,
        &sign(&broke, transfer(0, to, U256::from(1))),
        INVALID_INPUT,
        "insufficient funds for gas * price + value",
    )
    .await;

    // Nonce too low after a mined transaction.
    send_and_seal(&url, &sign(&key, transfer(0, to, U256::from(1)))).await;
    expect_rejection(
        &url,
        &sign(&key, transfer(0, to, U256::from(2))),
        INVALID_INPUT,
        "nonce too low: next nonce 1, tx nonce 0",
    )
    .await;

    // A gap is queued, not rejected; a replacement needs a 10% bump in fee cap and tip.
    let queued = transfer(2, to, U256::from(1));
    rpc_ok(&url, "eth_sendRawTransaction", json!([sign(&key, queued.clone())])).await;
    let mut small_bump = queued.clone();
    small_bump.max_fee_per_gas = queued.max_fee_per_gas * 105 / 100;
    small_bump.max_priority_fee_per_gas = queued.max_priority_fee_per_gas * 105 / 100;
    expect_rejection(&url, &sign(&key, small_bump), INVALID_INPUT, "replacement transaction underpriced").await;
    let mut enough = queued.clone();
    enough.max_fee_per_gas = queued.max_fee_per_gas * 110 / 100;
    enough.max_priority_fee_per_gas = queued.max_priority_fee_per_gas * 110 / 100;
    let replacement = rpc_ok(&url, "eth_sendRawTransaction", json!([sign(&key, enough)])).await;
    // Filling the gap makes both executable.
    send_and_seal(&url, &sign(&key, transfer(1, to, U256::from(1)))).await;
    let receipt = crate::common::wait_receipt(&url, &replacement).await;
    assert_eq!(receipt["status"], "0x1");
    let nonce = rpc_ok(&url, "eth_getTransactionCount", json!([key.address(), "latest"])).await;
    assert_eq!(nonce, "0x3");

    // The node still serves.
    let head = rpc_ok(&url, "eth_blockNumber", json!([])).await;
    assert_ne!(head, "0x0");
    let metrics = reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap();
    assert!(metrics.contains("rollup_sequencer_transactions_rejected_total 11"), "{metrics}");
}

async fn pool_full(backend: Backend) {
    let node = TestNode::start_with(backend, PoolConfig { max_transactions: 3, ..PoolConfig::default() }).await;
    let url = node.url();
    let to = dev_key(0).address();
    let key = dev_key(5);
    // Three gapped transactions fill the pool without being mined.
    for nonce in 10..13 {
        rpc_ok(&url, "eth_sendRawTransaction", json!([sign(&key, transfer(nonce, to, U256::from(1)))])).await;
    }
    let other = dev_key(6);
    expect_rejection(&url, &sign(&other, transfer(0, to, U256::from(1))), LIMIT_EXCEEDED, "txpool is full").await;
    // A higher tip evicts the cheapest tail transaction.
    let mut generous = transfer(0, to, U256::from(1));
    generous.max_priority_fee_per_gas = 1_000_000_000;
    let receipt = send_and_seal(&url, &sign(&other, generous)).await;
    assert_eq!(receipt["status"], "0x1");
    assert_eq!(rpc_ok(&url, "eth_blockNumber", json!([])).await, "0x1");
}

trait WithGas {
    fn with_gas(self, gas: u64) -> Self;
}

impl WithGas for alloy::consensus::TxEip1559 {
    fn with_gas(mut self, gas: u64) -> Self {
        self.gas_limit = gas;
        self
    }
}

crate::on_every_backend!(every_rejection, pool_full);
