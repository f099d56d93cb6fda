//! Resolving block tags and reading state as of a block.

use super::{EthRpc, error::unknown_block};
use alloy::rpc::types::{BlockId, BlockNumberOrTag};
use alloy_primitives::{Address, B256, Bytes, U256};
use jsonrpsee::core::RpcResult;
use rollup_core::{AccountInfo, StateReader};
use std::sync::atomic::Ordering;

impl EthRpc {
    /// Number of the latest committed block.
    pub(crate) async fn head_number(&self) -> u64 {
        self.chain.state.read().await.head.header.number
    }

    /// The block number a tag or number refers to; an error if it is beyond the head.
    pub(crate) async fn resolve_number(&self, tag: BlockNumberOrTag) -> RpcResult<u64> {
        let head = self.head_number().await;
        let number = match tag {
            BlockNumberOrTag::Latest | BlockNumberOrTag::Pending => head,
            BlockNumberOrTag::Safe => self.chain.safe_head.load(Ordering::Relaxed).min(head),
            BlockNumberOrTag::Finalized => self.chain.finalized_head.load(Ordering::Relaxed).min(head),
            BlockNumberOrTag::Earliest => 0,
            BlockNumberOrTag::Number(number) => number,
        };
        if number > head {
            return Err(unknown_block());
        }
        Ok(number)
    }

    /// The block number a block id refers to (default `latest`).
    pub(crate) async fn resolve_id(&self, block: Option<BlockId>) -> RpcResult<u64> {
        match block.unwrap_or_default() {
            BlockId::Number(tag) => self.resolve_number(tag).await,
            BlockId::Hash(hash) => self.chain.store.block_number(hash.block_hash).await?.ok_or_else(unknown_block),
        }
    }

    /// An account as of block `number`: from memory at the head, from history before it.
    pub(crate) async fn account_at(&self, address: Address, number: u64) -> RpcResult<Option<AccountInfo>> {
        {
            let state = self.chain.state.read().await;
            if state.head.header.number == number {
                return Ok(state.world.account(address));
            }
        }
        Ok(self.chain.store.account_at(address, number).await?)
    }

    /// A storage slot as of block `number`.
    pub(crate) async fn storage_at_block(&self, address: Address, slot: U256, number: u64) -> RpcResult<U256> {
        {
            let state = self.chain.state.read().await;
            if state.head.header.number == number {
                return Ok(state.world.storage(address, slot));
            }
        }
        Ok(self.chain.store.storage_at(address, slot, number).await?)
    }

    /// Code by hash.
    pub(crate) async fn code_by_hash(&self, hash: B256) -> RpcResult<Bytes> {
        if hash == alloy_primitives::KECCAK256_EMPTY {
            return Ok(Bytes::new());
        }
        if let Some(code) = self.chain.state.read().await.world.code_bytes(hash) {
            return Ok(code);
        }
        Ok(self.chain.store.code(hash).await?.unwrap_or_default())
    }
}
