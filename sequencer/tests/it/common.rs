//! Keys, signing and raw JSON-RPC helpers shared by the tests.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::eip2718::Encodable2718,
    network::TxSignerSync,
    signers::local::PrivateKeySigner,
};
use alloy_primitives::{Address, Bytes, TxKind, U256};
use serde_json::{Value, json};

/// Chain id of the dev genesis.
pub(crate) const CHAIN_ID: u64 = 42069;

/// Dev key `index` of the standard test mnemonic.
pub(crate) fn dev_key(index: usize) -> PrivateKeySigner {
    rollup_core::dev_signers()[index].clone()
}

/// An EIP-1559 transfer with generous fees.
pub(crate) fn transfer(nonce: u64, to: Address, value: U256) -> TxEip1559 {
    TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 10_000_000_000,
        max_priority_fee_per_gas: 1_000_000,
        to: TxKind::Call(to),
        value,
        ..Default::default()
    }
}

/// Signs `tx` and returns its EIP-2718 encoding.
pub(crate) fn sign(key: &PrivateKeySigner, mut tx: TxEip1559) -> Bytes {
    let signature = key.sign_transaction_sync(&mut tx).expect("signing works");
    TxEnvelope::from(tx.into_signed(signature)).encoded_2718().into()
}

/// Sends one JSON-RPC request over HTTP and returns the whole response object.
pub(crate) async fn rpc(url: &str, method: &str, params: Value) -> Value {
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
    reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("HTTP request")
        .json()
        .await
        .expect("JSON response")
}

/// Sends a request that must fail; returns its error code and message.
pub(crate) async fn rpc_error(url: &str, method: &str, params: Value) -> (i64, String) {
    let response = rpc(url, method, params).await;
    let error = response.get("error").unwrap_or_else(|| panic!("{method} succeeded: {response}"));
    (error["code"].as_i64().expect("error code"), error["message"].as_str().expect("message").to_owned())
}

/// Sends a request that must succeed; returns its result.
pub(crate) async fn rpc_ok(url: &str, method: &str, params: Value) -> Value {
    let response = rpc(url, method, params).await;
    assert!(response.get("error").is_none(), "{method} failed: {response}");
    response["result"].clone()
}

/// Submits a raw transaction and seals a block with it; returns its receipt.
pub(crate) async fn send_and_seal(url: &str, raw: &Bytes) -> Value {
    let hash = rpc_ok(url, "eth_sendRawTransaction", json!([raw])).await;
    wait_receipt(url, &hash).await
}

/// Polls for a receipt (blocks are sealed on demand, so this is quick).
pub(crate) async fn wait_receipt(url: &str, hash: &Value) -> Value {
    for _ in 0..200 {
        let receipt = rpc_ok(url, "eth_getTransactionReceipt", json!([hash])).await;
        if !receipt.is_null() {
            return receipt;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no receipt for {hash}");
}

/// Deploys the test ERC-20 (`contracts/test/fixtures`) from `key` at `nonce`, minting `supply`
/// to it; returns the receipt.
pub(crate) async fn deploy_token(url: &str, key: &PrivateKeySigner, nonce: u64, supply: U256) -> Value {
    use alloy::sol_types::SolValue;
    let token = test_support::compile("contracts/test/fixtures/TestERC20.sol", "TestERC20");
    let mut code = token.bytecode.to_vec();
    code.extend(("Token".to_string(), "TKN".to_string(), supply).abi_encode_params());
    let mut deploy = transfer(nonce, Address::ZERO, U256::ZERO);
    deploy.to = TxKind::Create;
    deploy.gas_limit = 3_000_000;
    deploy.input = code.into();
    send_and_seal(url, &sign(key, deploy)).await
}

alloy::sol! {
    function transfer(address to, uint256 amount) external returns (bool);
    function balanceOf(address owner) external view returns (uint256);
}

/// Sends an ERC-20 `transfer` of `amount` to `to` from `key` at `nonce` and seals it; returns
/// the receipt.
pub(crate) async fn send_tokens(
    url: &str,
    key: &PrivateKeySigner,
    nonce: u64,
    token: Address,
    to: Address,
    amount: u64,
) -> Value {
    use alloy::sol_types::SolCall;
    let mut tx = transfer(nonce, token, U256::ZERO);
    tx.gas_limit = 100_000;
    tx.input = transferCall { to, amount: U256::from(amount) }.abi_encode().into();
    send_and_seal(url, &sign(key, tx)).await
}

/// A JSON-RPC hex quantity as a number.
pub(crate) fn quantity(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().expect("a quantity").trim_start_matches("0x"), 16).expect("hex quantity")
}
