//! Resolving block tags and block ids to committed block numbers.

use super::{
    EthRpc,
    error::{INVALID_INPUT, rpc_error, unknown_block},
};
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

    /// The block a state-reading method reads at: [`Self::resolve_id`], refused if its state
    /// is pruned.
    pub(crate) async fn resolve_state(&self, block: Option<BlockId>) -> RpcResult<u64> {
        let number = self.resolve_id(block).await?;
        self.check_kept(number)?;
        Ok(number)
    }

    /// Refuses block `number` if its state is pruned (`--state-history`). Readers check again
    /// after reading: a pruning that started meanwhile may have removed what they read.
    pub(crate) fn check_kept(&self, number: u64) -> RpcResult<()> {
        let floor = self.chain.state_floor();
        if number < floor {
            return Err(rpc_error(
                INVALID_INPUT,
                format!(
                    "the state of block {number} is pruned: this node keeps the state from block {floor} on (--state-history); ask an archive node"
                ),
            ));
        }
        Ok(())
    }
}
