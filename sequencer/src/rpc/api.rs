//! The JSON-RPC interface: the `eth_`, `net_`, `web3_` and `rollup_` methods.

use super::convert::{RpcBlock, RpcReceipt, RpcTransaction};
use alloy::rpc::types::{
    AccessListResult, BlockId, BlockNumberOrTag, EIP1186AccountProofResponse, FeeHistory, Filter, Log, SyncStatus,
    TransactionRequest,
};
use alloy::serde::JsonStorageKey;
use alloy_primitives::{Address, B256, Bytes, U64, U256};
use jsonrpsee::{core::RpcResult, proc_macros::rpc};

/// The Ethereum JSON-RPC methods that wallets and libraries use.
#[rpc(server, namespace = "eth")]
pub trait EthApi {
    /// EIP-155 chain id.
    #[method(name = "chainId")]
    async fn chain_id(&self) -> RpcResult<U64>;
    /// Number of the latest block.
    #[method(name = "blockNumber")]
    async fn block_number(&self) -> RpcResult<U64>;
    /// Balance of an account.
    #[method(name = "getBalance")]
    async fn balance(&self, address: Address, block: Option<BlockId>) -> RpcResult<U256>;
    /// Nonce of an account (`pending` includes pooled transactions).
    #[method(name = "getTransactionCount")]
    async fn transaction_count(&self, address: Address, block: Option<BlockId>) -> RpcResult<U64>;
    /// Code of an account.
    #[method(name = "getCode")]
    async fn code(&self, address: Address, block: Option<BlockId>) -> RpcResult<Bytes>;
    /// A storage slot.
    #[method(name = "getStorageAt")]
    async fn storage_at(&self, address: Address, slot: JsonStorageKey, block: Option<BlockId>) -> RpcResult<B256>;
    /// Executes a call without creating a transaction.
    #[method(name = "call")]
    async fn call(&self, request: TransactionRequest, block: Option<BlockId>) -> RpcResult<Bytes>;
    /// Smallest gas limit with which the transaction succeeds.
    #[method(name = "estimateGas")]
    async fn estimate_gas(&self, request: TransactionRequest, block: Option<BlockId>) -> RpcResult<U64>;
    /// The access list a call touches and the gas it uses with that list.
    #[method(name = "createAccessList")]
    async fn create_access_list(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
    ) -> RpcResult<AccessListResult>;
    /// Submits a signed transaction.
    #[method(name = "sendRawTransaction")]
    async fn send_raw_transaction(&self, raw: Bytes) -> RpcResult<B256>;
    /// A transaction (mined or pending) by hash.
    #[method(name = "getTransactionByHash")]
    async fn transaction_by_hash(&self, hash: B256) -> RpcResult<Option<RpcTransaction>>;
    /// A mined transaction by block number and index.
    #[method(name = "getTransactionByBlockNumberAndIndex")]
    async fn transaction_by_number_and_index(
        &self,
        block: BlockNumberOrTag,
        index: U64,
    ) -> RpcResult<Option<RpcTransaction>>;
    /// A mined transaction by block hash and index.
    #[method(name = "getTransactionByBlockHashAndIndex")]
    async fn transaction_by_hash_and_index(&self, block: B256, index: U64) -> RpcResult<Option<RpcTransaction>>;
    /// Receipt of a mined transaction.
    #[method(name = "getTransactionReceipt")]
    async fn transaction_receipt(&self, hash: B256) -> RpcResult<Option<RpcReceipt>>;
    /// A block by number or tag.
    #[method(name = "getBlockByNumber")]
    async fn block_by_number(&self, block: BlockNumberOrTag, full: bool) -> RpcResult<Option<RpcBlock>>;
    /// A block by hash.
    #[method(name = "getBlockByHash")]
    async fn block_by_hash(&self, hash: B256, full: bool) -> RpcResult<Option<RpcBlock>>;
    /// Number of transactions in a block.
    #[method(name = "getBlockTransactionCountByNumber")]
    async fn block_transaction_count(&self, block: BlockNumberOrTag) -> RpcResult<Option<U64>>;
    /// All receipts of a block.
    #[method(name = "getBlockReceipts")]
    async fn block_receipts(&self, block: BlockId) -> RpcResult<Option<Vec<RpcReceipt>>>;
    /// Logs matching a filter.
    #[method(name = "getLogs")]
    async fn logs(&self, filter: Filter) -> RpcResult<Vec<Log>>;
    /// Suggested legacy gas price: next base fee plus the suggested tip.
    #[method(name = "gasPrice")]
    async fn gas_price(&self) -> RpcResult<U256>;
    /// Suggested priority fee.
    #[method(name = "maxPriorityFeePerGas")]
    async fn max_priority_fee_per_gas(&self) -> RpcResult<U256>;
    /// Base fees, gas use and tip percentiles of recent blocks.
    #[method(name = "feeHistory")]
    async fn fee_history(
        &self,
        block_count: U64,
        newest: BlockNumberOrTag,
        reward_percentiles: Option<Vec<f64>>,
    ) -> RpcResult<FeeHistory>;
    /// Merkle proof of an account and storage slots against the block's state root.
    #[method(name = "getProof")]
    async fn proof(
        &self,
        address: Address,
        keys: Vec<JsonStorageKey>,
        block: Option<BlockId>,
    ) -> RpcResult<EIP1186AccountProofResponse>;
    /// Always `false`: the sequencer is the source of the chain.
    #[method(name = "syncing")]
    async fn syncing(&self) -> RpcResult<SyncStatus>;
    /// The node holds no keys.
    #[method(name = "accounts")]
    async fn accounts(&self) -> RpcResult<Vec<Address>>;
    /// Subscribes to `newHeads`, `logs` (with a filter) or `newPendingTransactions` (hashes, or
    /// whole transactions with `true`); WebSocket only.
    #[subscription(name = "subscribe" => "subscription", unsubscribe = "unsubscribe", item = serde_json::Value)]
    async fn subscribe(
        &self,
        kind: String,
        params: Option<super::subscribe::SubscribeParams>,
    ) -> jsonrpsee::core::SubscriptionResult;
}

/// `net_` and `web3_` methods.
#[rpc(server)]
pub trait NetApi {
    /// Network id (the chain id, in decimal).
    #[method(name = "net_version")]
    async fn net_version(&self) -> RpcResult<String>;
    /// Whether the node listens for peers (the sequencer has none).
    #[method(name = "net_listening")]
    async fn net_listening(&self) -> RpcResult<bool>;
    /// Client name and version.
    #[method(name = "web3_clientVersion")]
    async fn client_version(&self) -> RpcResult<String>;
}

/// Rollup-specific methods.
#[rpc(server, namespace = "rollup")]
pub trait RollupApi {
    /// Heads and pool figures of the sequencer.
    #[method(name = "syncStatus")]
    async fn sync_status(&self) -> RpcResult<serde_json::Value>;
    /// The L1 origin of an L2 block.
    #[method(name = "l1Origin")]
    async fn l1_origin(&self, block: BlockNumberOrTag) -> RpcResult<Option<serde_json::Value>>;
    /// The output root of an L2 block and what it commits to (what the proposer posts).
    #[method(name = "outputAtBlock")]
    async fn output_at_block(&self, block: BlockNumberOrTag) -> RpcResult<Option<serde_json::Value>>;
    /// Seals a block now with whatever is pending (development and tests).
    #[method(name = "produceBlock")]
    async fn produce_block(&self) -> RpcResult<U64>;
}
