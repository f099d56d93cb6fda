//! The L1 reads the batcher needs, over one HTTP provider.

use crate::error::BatcherError;
use alloy::{
    eips::BlockNumberOrTag,
    providers::{Provider, RootProvider},
};
use alloy_primitives::B256;

/// Provider of the L1 node.
pub(crate) type L1Provider = RootProvider;

/// Connects to the L1 node at `url`.
pub(crate) fn connect(url: &str) -> Result<L1Provider, BatcherError> {
    let url = url.parse().map_err(|err| BatcherError::Config(format!("L1 RPC URL {url:?}: {err}")))?;
    Ok(RootProvider::new_http(url))
}

/// The latest L1 block: number, hash and base fee.
#[derive(Clone, Copy, Debug)]
pub(crate) struct L1Head {
    pub(crate) number: u64,
    pub(crate) hash: B256,
    pub(crate) base_fee: u128,
}

/// Reads the latest L1 block.
pub(crate) async fn head(provider: &L1Provider) -> Result<L1Head, BatcherError> {
    let block =
        provider.get_block_by_number(BlockNumberOrTag::Latest).await?.ok_or(BatcherError::MissingL1Block("latest"))?;
    Ok(L1Head {
        number: block.header.number,
        hash: block.header.hash,
        base_fee: block.header.base_fee_per_gas.unwrap_or_default().into(),
    })
}

/// Hash of the canonical L1 block `number`, if it exists.
pub(crate) async fn block_hash(provider: &L1Provider, number: u64) -> Result<Option<B256>, BatcherError> {
    let block = provider.get_block_by_number(number.into()).await?;
    Ok(block.map(|block| block.header.hash))
}
