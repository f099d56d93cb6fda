//! Resolving block tags and block ids to committed block numbers.

use super::{EthRpc, error::unknown_block};
use crate::node::{BlockReader, HeadReader};
use alloy::rpc::types::{BlockId, BlockNumberOrTag};
use jsonrpsee::core::RpcResult;

impl EthRpc {
    /// The block number a tag or number refers to; an error if it is beyond the head.
    pub(crate) async fn resolve_number(&self, tag: BlockNumberOrTag) -> RpcResult<u64> {
        let head = self.chain.head_number().await;
        let number = match tag {
            BlockNumberOrTag::Latest | BlockNumberOrTag::Pending => head,
            BlockNumberOrTag::Safe => self.chain.safe_head().min(head),
            BlockNumberOrTag::Finalized => self.chain.finalized_head().min(head),
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
            BlockId::Hash(hash) => self.chain.block_number(hash.block_hash).await?.ok_or_else(unknown_block),
        }
    }
}
