//! The `txpool_` namespace in geth's shapes, and the transaction methods of `eth_` that came
//! with it: `eth_sendRawTransactionSync` (EIP-7966) and `eth_getBlockTransactionCountByHash`.
//!
//! `pending` transactions are executable now: each sender's consecutive nonces from its nonce in
//! the latest state. `queued` ones wait behind a nonce gap. Maps are keyed by the sender
//! (checksummed, as geth) and then by the nonce as a decimal string.

use super::{
    EthRpc,
    api::EthApiServer as _,
    convert::RpcReceipt,
    error::{INTERNAL_ERROR, rpc_error},
};
use crate::{
    node::BlockReader as _,
    pool::{PooledTx, SenderTxs},
};
use alloy::{
    consensus::{Transaction as _, transaction::Recovered},
    rpc::types::Transaction,
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U64};
use jsonrpsee::{
    core::{RpcResult, async_trait},
    proc_macros::rpc,
    types::ErrorObjectOwned,
};
use rollup_core::StateReader as _;
use serde::{Deserialize, Serialize};
use std::{collections::BTreeMap, time::Duration};
use tokio::sync::broadcast::error::RecvError;
use tracing::debug;

/// EIP-7966: the transaction was accepted but not included before the timeout.
pub(crate) const SEND_SYNC_TIMEOUT: i32 = 4;
/// EIP-7966: the transaction was accepted but cannot be included yet (it waits behind a nonce
/// gap).
pub(crate) const SEND_SYNC_NOT_READY: i32 = 5;

/// geth's `txpool_` methods.
#[rpc(server, namespace = "txpool")]
pub(crate) trait TxpoolApi {
    /// Every pooled transaction: `{pending, queued}`, each keyed by sender, then nonce.
    #[method(name = "content")]
    async fn content(&self) -> RpcResult<TxpoolContent<Transaction>>;
    /// The pooled transactions of one sender: `{pending, queued}`, each keyed by nonce.
    #[method(name = "contentFrom")]
    async fn content_from(&self, address: Address) -> RpcResult<TxpoolContentFrom>;
    /// Numbers of pending and queued transactions, as hex quantities.
    #[method(name = "status")]
    async fn status(&self) -> RpcResult<TxpoolStatus>;
    /// Every pooled transaction summarised as geth does: `"0xTo: V wei + G gas × P wei"`.
    #[method(name = "inspect")]
    async fn inspect(&self) -> RpcResult<TxpoolContent<String>>;
}

/// Transaction methods of the `eth_` namespace.
#[rpc(server, namespace = "eth")]
pub(crate) trait EthTxApi {
    /// EIP-7966: submits a raw transaction and answers with its receipt once it is included,
    /// or with error 4 (the hash in `data`) when `timeout` milliseconds pass first.
    #[method(name = "sendRawTransactionSync")]
    async fn send_raw_transaction_sync(&self, raw: Bytes, timeout: Option<TimeoutMs>) -> RpcResult<RpcReceipt>;
    /// Number of transactions in the block with this hash (`null` for an unknown block).
    #[method(name = "getBlockTransactionCountByHash")]
    async fn block_transaction_count_by_hash(&self, hash: B256) -> RpcResult<Option<U64>>;
}

/// Transactions keyed by checksummed sender, then by nonce (a decimal string in JSON).
type BySender<T> = BTreeMap<String, BTreeMap<u64, T>>;

/// `txpool_content` and `txpool_inspect`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TxpoolContent<T> {
    /// Executable transactions.
    pub pending: BySender<T>,
    /// Transactions waiting behind a nonce gap.
    pub queued: BySender<T>,
}

/// `txpool_contentFrom`.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct TxpoolContentFrom {
    /// Executable transactions of the sender, by nonce.
    pub pending: BTreeMap<u64, Transaction>,
    /// The sender's transactions waiting behind a nonce gap, by nonce.
    pub queued: BTreeMap<u64, Transaction>,
}

/// `txpool_status`.
#[derive(Clone, Copy, Debug, Serialize)]
pub(crate) struct TxpoolStatus {
    /// Number of executable transactions.
    pub pending: U64,
    /// Number of transactions waiting behind a nonce gap.
    pub queued: U64,
}

/// The optional timeout of `eth_sendRawTransactionSync`, in milliseconds: a JSON number (as the
/// EIP's example) or a hex quantity (as viem sends it).
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum TimeoutMs {
    /// A plain number.
    Number(u64),
    /// A hex quantity.
    Quantity(U64),
}

impl TimeoutMs {
    fn millis(self) -> u64 {
        match self {
            Self::Number(ms) => ms,
            Self::Quantity(ms) => ms.to(),
        }
    }
}

/// A pooled transaction as the RPC returns it: no block fields, and (as geth) `gasPrice` the fee
/// cap for fee-market transactions.
pub(crate) fn pending_transaction(pooled: &PooledTx) -> Transaction {
    let inner = pooled.tx.inner().clone();
    let gas_price = inner.max_fee_per_gas();
    Transaction {
        inner: Recovered::new_unchecked(inner, pooled.tx.signer()),
        block_hash: None,
        block_number: None,
        transaction_index: None,
        effective_gas_price: Some(gas_price),
        block_timestamp: None,
    }
}

/// geth's one-line summary of a pooled transaction.
fn summary(pooled: &PooledTx) -> String {
    let tx = pooled.tx.inner();
    let target = match tx.kind() {
        TxKind::Call(to) => to.to_checksum(None),
        TxKind::Create => "contract creation".to_owned(),
    };
    format!("{target}: {} wei + {} gas × {} wei", tx.value(), tx.gas_limit(), tx.max_fee_per_gas())
}

impl<T> TxpoolContent<T> {
    fn from_senders(senders: Vec<(Address, SenderTxs)>, item: impl Fn(&PooledTx) -> T) -> Self {
        let mut content = Self { pending: BTreeMap::new(), queued: BTreeMap::new() };
        let by_nonce = |txs: &[std::sync::Arc<PooledTx>]| txs.iter().map(|tx| (tx.nonce(), item(tx))).collect();
        for (sender, txs) in senders {
            let key = sender.to_checksum(None);
            if !txs.pending.is_empty() {
                content.pending.insert(key.clone(), by_nonce(&txs.pending));
            }
            if !txs.queued.is_empty() {
                content.queued.insert(key, by_nonce(&txs.queued));
            }
        }
        content
    }
}

impl EthRpc {
    /// The pooled transactions of `only` (or of every sender), split against the latest state.
    async fn pool_split(&self, only: Option<Address>) -> Vec<(Address, SenderTxs)> {
        let state = self.chain.read_state().await;
        let pool = self.chain.pool();
        let senders = match only {
            Some(sender) => vec![sender],
            None => pool.senders(),
        };
        senders
            .into_iter()
            .map(|sender| {
                let nonce = state.world.account(sender).map(|a| a.nonce).unwrap_or_default();
                (sender, pool.sender_txs(sender, nonce))
            })
            .collect()
    }

    /// How long `eth_sendRawTransactionSync` waits: the request's timeout capped at the
    /// configured maximum, or the configured default when it names none (or zero).
    fn send_sync_timeout(&self, requested: Option<TimeoutMs>) -> Duration {
        match requested.map(TimeoutMs::millis) {
            None | Some(0) => self.config.send_sync_default_timeout,
            Some(ms) => Duration::from_millis(ms).min(self.config.send_sync_max_timeout),
        }
    }
}

#[async_trait]
impl TxpoolApiServer for EthRpc {
    async fn content(&self) -> RpcResult<TxpoolContent<Transaction>> {
        Ok(TxpoolContent::from_senders(self.pool_split(None).await, pending_transaction))
    }

    async fn content_from(&self, address: Address) -> RpcResult<TxpoolContentFrom> {
        let mut split = self.pool_split(Some(address)).await;
        let (_, txs) = split.pop().unwrap_or_default();
        let by_nonce = |txs: Vec<std::sync::Arc<PooledTx>>| {
            txs.iter().map(|tx| (tx.nonce(), pending_transaction(tx))).collect::<BTreeMap<_, _>>()
        };
        Ok(TxpoolContentFrom { pending: by_nonce(txs.pending), queued: by_nonce(txs.queued) })
    }

    async fn status(&self) -> RpcResult<TxpoolStatus> {
        let state = self.chain.read_state().await;
        let (pending, queued) = self.chain.pool().counts(&state.world);
        Ok(TxpoolStatus { pending: U64::from(pending), queued: U64::from(queued) })
    }

    async fn inspect(&self) -> RpcResult<TxpoolContent<String>> {
        Ok(TxpoolContent::from_senders(self.pool_split(None).await, summary))
    }
}

#[async_trait]
impl EthTxApiServer for EthRpc {
    async fn send_raw_transaction_sync(&self, raw: Bytes, timeout: Option<TimeoutMs>) -> RpcResult<RpcReceipt> {
        let timeout = self.send_sync_timeout(timeout);
        // Subscribed before submitting, so the block that includes it cannot be missed.
        let mut blocks = self.chain.subscribe_blocks();
        let submitted = self.chain.submit_transaction(raw).await?;
        let hash = submitted.hash;
        if !submitted.executable {
            return Err(ErrorObjectOwned::owned(
                SEND_SYNC_NOT_READY,
                format!(
                    "transaction {hash} was added to the pool but waits behind a nonce gap: the sender's next nonce is {}, the transaction's is {}; send the missing nonces first",
                    submitted.next_nonce, submitted.nonce
                ),
                Some(hash),
            ));
        }
        let deadline = tokio::time::Instant::now() + timeout;
        let mut look = true;
        loop {
            if look && let Some(receipt) = self.transaction_receipt(hash).await? {
                return Ok(receipt);
            }
            look = match tokio::time::timeout_at(deadline, blocks.recv()).await {
                Ok(Ok(block)) => block.transactions.iter().any(|tx| *tx.inner().tx_hash() == hash),
                // Missed blocks: look in the store.
                Ok(Err(RecvError::Lagged(_))) => true,
                Ok(Err(RecvError::Closed)) => {
                    return Err(rpc_error(INTERNAL_ERROR, "the node is shutting down; the transaction stays pending"));
                }
                Err(_) => {
                    self.chain.metrics().send_sync_timeouts.inc();
                    debug!(%hash, timeout_ms = timeout.as_millis() as u64, "eth_sendRawTransactionSync timed out");
                    return Err(ErrorObjectOwned::owned(
                        SEND_SYNC_TIMEOUT,
                        format!(
                            "transaction {hash} was added to the pool but not included within {} ms; poll eth_getTransactionReceipt, or pass a longer timeout (at most {} ms)",
                            timeout.as_millis(),
                            self.config.send_sync_max_timeout.as_millis()
                        ),
                        Some(hash),
                    ));
                }
            };
        }
    }

    async fn block_transaction_count_by_hash(&self, hash: B256) -> RpcResult<Option<U64>> {
        let Some(number) = self.chain.block_number(hash).await? else { return Ok(None) };
        Ok(Some(U64::from(self.chain.block_transactions(number).await?.len())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::{
        consensus::{SignableTransaction, TxEip1559, TxEnvelope},
        network::TxSignerSync,
        signers::local::PrivateKeySigner,
    };
    use alloy_primitives::U256;

    fn pooled(kind: TxKind) -> PooledTx {
        let key = PrivateKeySigner::random();
        let mut tx = TxEip1559 {
            chain_id: 42069,
            nonce: 3,
            gas_limit: 21_000,
            max_fee_per_gas: 1_000_000_000,
            max_priority_fee_per_gas: 7,
            to: kind,
            value: U256::from(1),
            ..Default::default()
        };
        let signature = key.sign_transaction_sync(&mut tx).unwrap();
        let tx = TxEnvelope::from(tx.into_signed(signature));
        let hash = *tx.tx_hash();
        PooledTx::new(Recovered::new_unchecked(tx, key.address()), hash, Bytes::new(), 0)
    }

    #[test]
    fn summaries_read_like_geths() {
        let to = Address::repeat_byte(0xab);
        assert_eq!(
            summary(&pooled(TxKind::Call(to))),
            format!("{}: 1 wei + 21000 gas × 1000000000 wei", to.to_checksum(None))
        );
        assert_eq!(summary(&pooled(TxKind::Create)), "contract creation: 1 wei + 21000 gas × 1000000000 wei");
    }

    #[test]
    fn pending_transactions_carry_the_fee_cap_as_gas_price() {
        let json = serde_json::to_value(pending_transaction(&pooled(TxKind::Create))).unwrap();
        assert_eq!(json["gasPrice"], "0x3b9aca00");
        assert_eq!(json["maxPriorityFeePerGas"], "0x7");
        assert!(json["blockHash"].is_null() && json["blockNumber"].is_null() && json["transactionIndex"].is_null());
        assert_eq!(json["nonce"], "0x3");
    }

    #[test]
    fn timeouts_are_numbers_or_quantities() {
        let parse = |text: &str| serde_json::from_str::<TimeoutMs>(text).unwrap().millis();
        assert_eq!(parse("5000"), 5000);
        assert_eq!(parse("\"0x1388\""), 5000);
    }
}
