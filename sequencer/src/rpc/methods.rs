//! The RPC traits implemented on [`EthRpc`]; each method is short and delegates to the
//! chain, the store or a helper module.

use super::{
    EthRpc,
    api::{EthApiServer, NetApiServer, RollupApiServer},
    convert::{
        BlockContext, RpcBlock, RpcReceipt, RpcTransaction, block_l1_attributes, rpc_block, rpc_receipt,
        rpc_transaction,
    },
    error::{internal, unknown_block},
};
use crate::node::{BlockReader as _, HeadReader as _, StateAtBlock as _};
use alloy::{
    consensus::transaction::Recovered,
    rpc::types::{
        AccessListResult, BlockId, BlockNumberOrTag, EIP1186AccountProofResponse, FeeHistory, Filter, Log, SyncStatus,
        Transaction, TransactionRequest,
    },
    serde::JsonStorageKey,
};
use alloy_primitives::{Address, B256, Bytes, U64, U256};
use jsonrpsee::{
    PendingSubscriptionSink,
    core::{RpcResult, SubscriptionResult, async_trait},
};
use rollup_core::deposit::L2Envelope;
use serde_json::json;

#[async_trait]
impl EthApiServer for EthRpc {
    async fn chain_id(&self) -> RpcResult<U64> {
        Ok(U64::from(self.chain.chain_id()))
    }

    async fn block_number(&self) -> RpcResult<U64> {
        Ok(U64::from(self.chain.head_number().await))
    }

    async fn balance(&self, address: Address, block: Option<BlockId>) -> RpcResult<U256> {
        let number = self.resolve_state(block).await?;
        let balance = self.chain.account_at(address, number).await?.map(|a| a.balance).unwrap_or_default();
        self.check_kept(number)?;
        Ok(balance)
    }

    async fn transaction_count(&self, address: Address, block: Option<BlockId>) -> RpcResult<U64> {
        let pending = matches!(block, Some(BlockId::Number(BlockNumberOrTag::Pending)));
        let number = self.resolve_state(block).await?;
        let nonce = self.chain.account_at(address, number).await?.map(|a| a.nonce).unwrap_or_default();
        self.check_kept(number)?;
        if pending {
            return Ok(U64::from(self.chain.pool().pending_nonce(address, nonce)));
        }
        Ok(U64::from(nonce))
    }

    async fn code(&self, address: Address, block: Option<BlockId>) -> RpcResult<Bytes> {
        let number = self.resolve_state(block).await?;
        let code = match self.chain.account_at(address, number).await? {
            Some(account) => self.chain.code_by_hash(account.code_hash).await?,
            None => Bytes::new(),
        };
        self.check_kept(number)?;
        Ok(code)
    }

    async fn storage_at(&self, address: Address, slot: JsonStorageKey, block: Option<BlockId>) -> RpcResult<B256> {
        let number = self.resolve_state(block).await?;
        let value = self.chain.storage_at(address, slot.as_b256().into(), number).await?;
        self.check_kept(number)?;
        Ok(value.into())
    }

    async fn call(&self, request: TransactionRequest, block: Option<BlockId>) -> RpcResult<Bytes> {
        self.do_call(request, block).await
    }

    async fn estimate_gas(&self, request: TransactionRequest, block: Option<BlockId>) -> RpcResult<U64> {
        Ok(U64::from(self.do_estimate(request, block).await?))
    }

    async fn send_raw_transaction(&self, raw: Bytes) -> RpcResult<B256> {
        Ok(self.chain.submit(raw).await?)
    }

    async fn transaction_by_hash(&self, hash: B256) -> RpcResult<Option<RpcTransaction>> {
        if let Some(stored) = self.chain.transaction(hash).await? {
            let (block_hash, header) = self.chain.header(stored.block_number).await?.ok_or_else(unknown_block)?;
            return Ok(Some(rpc_transaction(&stored, BlockContext::new(block_hash, &header))));
        }
        let pooled = self.chain.pool().get(&hash);
        Ok(pooled.map(|pooled| {
            RpcTransaction::Ethereum(Box::new(Transaction {
                inner: Recovered::new_unchecked(pooled.tx.inner().clone(), pooled.tx.signer()),
                block_hash: None,
                block_number: None,
                transaction_index: None,
                effective_gas_price: None,
                block_timestamp: None,
            }))
        }))
    }

    async fn transaction_by_number_and_index(
        &self,
        block: BlockNumberOrTag,
        index: U64,
    ) -> RpcResult<Option<RpcTransaction>> {
        let number = self.resolve_number(block).await?;
        self.transaction_at(number, index.to()).await
    }

    async fn transaction_by_hash_and_index(&self, block: B256, index: U64) -> RpcResult<Option<RpcTransaction>> {
        match self.chain.block_number(block).await? {
            Some(number) => self.transaction_at(number, index.to()).await,
            None => Ok(None),
        }
    }

    async fn transaction_receipt(&self, hash: B256) -> RpcResult<Option<RpcReceipt>> {
        let Some(stored) = self.chain.transaction(hash).await? else { return Ok(None) };
        let (block_hash, header) = self.chain.header(stored.block_number).await?.ok_or_else(unknown_block)?;
        let l1 = match stored.tx {
            L2Envelope::BuiltIn(_) => {
                let first = self.chain.transaction_at(stored.block_number, 0).await?;
                first.as_ref().and_then(block_l1_attributes)
            }
            L2Envelope::Other(_) => None,
        };
        Ok(Some(rpc_receipt(&stored, BlockContext::new(block_hash, &header), l1.as_ref())))
    }

    async fn block_by_number(&self, block: BlockNumberOrTag, full: bool) -> RpcResult<Option<RpcBlock>> {
        match self.resolve_number(block).await {
            Ok(number) => self.block(number, full).await,
            Err(_) => Ok(None),
        }
    }

    async fn block_by_hash(&self, hash: B256, full: bool) -> RpcResult<Option<RpcBlock>> {
        match self.chain.block_number(hash).await? {
            Some(number) => self.block(number, full).await,
            None => Ok(None),
        }
    }

    async fn block_transaction_count(&self, block: BlockNumberOrTag) -> RpcResult<Option<U64>> {
        let Ok(number) = self.resolve_number(block).await else { return Ok(None) };
        Ok(Some(U64::from(self.chain.block_transactions(number).await?.len())))
    }

    async fn block_receipts(&self, block: BlockId) -> RpcResult<Option<Vec<RpcReceipt>>> {
        let Ok(number) = self.resolve_id(Some(block)).await else { return Ok(None) };
        let Some((hash, header)) = self.chain.header(number).await? else { return Ok(None) };
        let context = BlockContext::new(hash, &header);
        let txs = self.chain.block_transactions(number).await?;
        let l1 = txs.first().and_then(block_l1_attributes);
        Ok(Some(txs.iter().map(|tx| rpc_receipt(tx, context, l1.as_ref())).collect()))
    }

    async fn logs(&self, filter: Filter) -> RpcResult<Vec<Log>> {
        self.do_get_logs(filter).await
    }

    async fn gas_price(&self) -> RpcResult<U256> {
        Ok(U256::from(u128::from(self.next_base_fee().await) + self.config.suggested_tip))
    }

    async fn max_priority_fee_per_gas(&self) -> RpcResult<U256> {
        Ok(U256::from(self.config.suggested_tip))
    }

    async fn fee_history(
        &self,
        block_count: U64,
        newest: BlockNumberOrTag,
        reward_percentiles: Option<Vec<f64>>,
    ) -> RpcResult<FeeHistory> {
        self.do_fee_history(block_count.to(), newest, reward_percentiles).await
    }

    async fn proof(
        &self,
        address: Address,
        keys: Vec<JsonStorageKey>,
        block: Option<BlockId>,
    ) -> RpcResult<EIP1186AccountProofResponse> {
        self.do_proof(address, keys, block).await
    }

    async fn create_access_list(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
    ) -> RpcResult<AccessListResult> {
        self.do_create_access_list(request, block).await
    }

    async fn syncing(&self) -> RpcResult<SyncStatus> {
        Ok(SyncStatus::None)
    }

    async fn accounts(&self) -> RpcResult<Vec<Address>> {
        Ok(Vec::new())
    }

    async fn subscribe(
        &self,
        pending: PendingSubscriptionSink,
        kind: String,
        params: Option<super::subscribe::SubscribeParams>,
    ) -> SubscriptionResult {
        self.do_subscribe(pending, kind, params).await
    }
}

impl EthRpc {
    async fn block(&self, number: u64, full: bool) -> RpcResult<Option<RpcBlock>> {
        let Some((hash, header)) = self.chain.header(number).await? else { return Ok(None) };
        let txs = self.chain.block_transactions(number).await?;
        Ok(Some(rpc_block(hash, header, &txs, full)))
    }

    async fn transaction_at(&self, number: u64, index: u64) -> RpcResult<Option<RpcTransaction>> {
        let Some(stored) = self.chain.transaction_at(number, index).await? else { return Ok(None) };
        let (hash, header) = self.chain.header(number).await?.ok_or_else(unknown_block)?;
        Ok(Some(rpc_transaction(&stored, BlockContext::new(hash, &header))))
    }
}

#[async_trait]
impl NetApiServer for EthRpc {
    async fn net_version(&self) -> RpcResult<String> {
        Ok(self.chain.chain_id().to_string())
    }

    async fn net_listening(&self) -> RpcResult<bool> {
        Ok(true)
    }

    async fn client_version(&self) -> RpcResult<String> {
        Ok(format!("rollup/v{}/rust", env!("CARGO_PKG_VERSION")))
    }
}

#[async_trait]
impl RollupApiServer for EthRpc {
    async fn sync_status(&self) -> RpcResult<serde_json::Value> {
        let state = self.chain.read_state().await;
        let (pending, queued) = self.chain.pool().counts(&state.world);
        Ok(json!({
            "unsafeL2": { "number": state.head.header.number, "hash": state.head.hash, "timestamp": state.head.header.timestamp },
            "safeL2": { "number": self.chain.safe_head() },
            "finalizedL2": { "number": self.chain.finalized_head() },
            "pool": { "pending": pending, "queued": queued },
        }))
    }

    async fn l1_origin(&self, block: BlockNumberOrTag) -> RpcResult<Option<serde_json::Value>> {
        let Ok(number) = self.resolve_number(block).await else { return Ok(None) };
        let origin = self.chain.l1_origin(number).await?;
        Ok(origin.map(|origin| json!({ "number": origin.number, "hash": origin.hash })))
    }

    async fn output_at_block(&self, block: BlockNumberOrTag) -> RpcResult<Option<serde_json::Value>> {
        let Ok(number) = self.resolve_number(block).await else { return Ok(None) };
        let output = self.chain.output(number).await?;
        Ok(output.map(|output| {
            json!({
                "version": rollup_core::OUTPUT_VERSION,
                "outputRoot": output.root(),
                "blockNumber": output.block_number,
                "blockHash": output.block_hash,
                "stateRoot": output.state_root,
                "messagePasserStorageRoot": output.message_passer_storage_root,
            })
        }))
    }

    async fn produce_block(&self) -> RpcResult<U64> {
        let block = self.producer.produce(false).await.map_err(internal)?;
        Ok(U64::from(block.map(|b| b.header.number).unwrap_or_default()))
    }
}
