//! A minimal JSON-RPC-over-HTTP client (keep-alive connection pool), with the few
//! `eth_` calls the load generator needs.

use alloy::primitives::{Address, B256, U256, hex};
use anyhow::{Context as _, anyhow, bail};
use serde_json::{Value, json};
use std::time::Duration;

/// JSON-RPC client of one node.
#[derive(Debug, Clone)]
pub(crate) struct Rpc {
    /// Pooled HTTP client (connections are reused).
    client: reqwest::Client,
    /// Endpoint URL.
    url: String,
}

impl Rpc {
    /// A client of `url` keeping up to `connections` idle connections open.
    pub(crate) fn new(url: &str, connections: usize) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .tcp_nodelay(true)
            .timeout(Duration::from_secs(30))
            .build()?;
        Ok(Self { client, url: url.to_owned() })
    }

    /// Posts a JSON-RPC request body and returns the parsed response.
    async fn post(&self, body: String) -> anyhow::Result<Value> {
        let response = self
            .client
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        let status = response.status();
        let text = response.text().await?;
        serde_json::from_str(&text).with_context(|| format!("HTTP {status}: {text}"))
    }

    /// Calls `method` and deserialises its result.
    pub(crate) async fn call<T: serde::de::DeserializeOwned>(&self, method: &str, params: Value) -> anyhow::Result<T> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let response = self.post(body.to_string()).await?;
        result_of(response).with_context(|| format!("{method} {params}"))
    }

    /// Sends `calls` as one JSON-RPC batch; returns the results in call order.
    pub(crate) async fn batch(&self, calls: &[(&str, Value)]) -> anyhow::Result<Vec<Value>> {
        let body: Vec<Value> = calls
            .iter()
            .enumerate()
            .map(|(id, (method, params))| json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .collect();
        let Value::Array(mut responses) = self.post(Value::Array(body).to_string()).await? else {
            bail!("batch response is not an array");
        };
        responses.sort_by_key(|r| r["id"].as_u64().unwrap_or(u64::MAX));
        anyhow::ensure!(responses.len() == calls.len(), "batch response has wrong length");
        responses.into_iter().map(result_of).collect()
    }

    /// Posts a pre-built `eth_sendRawTransaction` body (see [`send_raw_body`]); `Err` holds
    /// the node's error message.
    pub(crate) async fn send_raw(&self, body: String) -> Result<(), String> {
        match self.post(body).await {
            Ok(response) => result_of::<Value>(response).map(drop).map_err(|e| e.to_string()),
            Err(err) => Err(format!("transport: {err:#}")),
        }
    }

    /// Current block number.
    pub(crate) async fn block_number(&self) -> anyhow::Result<u64> {
        Ok(self.call::<U256>("eth_blockNumber", json!([])).await?.to())
    }

    /// Chain id.
    pub(crate) async fn chain_id(&self) -> anyhow::Result<u64> {
        Ok(self.call::<U256>("eth_chainId", json!([])).await?.to())
    }

    /// Nonce of `address` at `tag` ("latest" or "pending").
    pub(crate) async fn nonce(&self, address: Address, tag: &str) -> anyhow::Result<u64> {
        let n: U256 = self.call("eth_getTransactionCount", json!([address, tag])).await?;
        Ok(n.to())
    }

    /// `eth_gasPrice` and `eth_maxPriorityFeePerGas`.
    pub(crate) async fn fees(&self) -> anyhow::Result<(u128, u128)> {
        let price: U256 = self.call("eth_gasPrice", json!([])).await?;
        let tip: U256 = self.call("eth_maxPriorityFeePerGas", json!([])).await?;
        Ok((price.to(), tip.to()))
    }

    /// Receipt of `hash`, if the transaction is included.
    pub(crate) async fn receipt(&self, hash: B256) -> anyhow::Result<Option<Value>> {
        let receipt: Value = self.call("eth_getTransactionReceipt", json!([hash])).await?;
        Ok((!receipt.is_null()).then_some(receipt))
    }
}

/// The body of an `eth_sendRawTransaction` request for the encoded transaction `raw`.
pub(crate) fn send_raw_body(id: usize, raw: &[u8]) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"eth_sendRawTransaction","params":["{}"]}}"#,
        hex::encode_prefixed(raw)
    )
}

/// The `result` of a JSON-RPC response, or its `error` as an error.
fn result_of<T: serde::de::DeserializeOwned>(mut response: Value) -> anyhow::Result<T> {
    if let Some(error) = response.get("error").filter(|e| !e.is_null()) {
        return Err(anyhow!("JSON-RPC error {error}"));
    }
    Ok(serde_json::from_value(response["result"].take())?)
}
