//! The chain as the RPC server and the status page read it, in small traits named for what
//! they give (reth's provider traits are the model): the heads, blocks and what they hold, and
//! state as of a block. [`Chain`] implements them: at the head from memory, before it from the
//! database's history tables.

use super::Chain;
use alloy::consensus::Header;
use alloy_primitives::{Address, B256, Bytes, KECCAK256_EMPTY, U256};
use rollup_core::{AccountInfo, L1Origin, Output, StateReader};
use std::{future::Future, sync::atomic::Ordering};
use storage::{BlockActivity, LogQuery, StoreError, StoredLog, StoredTx};

/// Reading the chain failed because the database did.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct ReadError(#[from] pub StoreError);

/// Result of a read.
pub type ReadResult<T> = Result<T, ReadError>;

/// The chain's identity and heads: what `latest`, `safe` and `finalized` mean right now.
pub trait HeadReader {
    /// EIP-155 chain id.
    fn chain_id(&self) -> u64;
    /// Number of the latest committed block.
    fn head_number(&self) -> impl Future<Output = u64> + Send;
    /// Last block derived from L1 that matches the sealed one.
    fn safe_head(&self) -> u64;
    /// The safe head as of L1's finalized block.
    fn finalized_head(&self) -> u64;
}

/// Committed blocks and what they hold.
pub trait BlockReader {
    /// The number of the block with `hash`.
    fn block_number(&self, hash: B256) -> impl Future<Output = ReadResult<Option<u64>>> + Send;
    /// Hash and header of block `number`.
    fn header(&self, number: u64) -> impl Future<Output = ReadResult<Option<(B256, Header)>>> + Send;
    /// The transactions of block `number`, deposits first, with their receipts.
    fn block_transactions(&self, number: u64) -> impl Future<Output = ReadResult<Vec<StoredTx>>> + Send;
    /// A committed transaction by hash.
    fn transaction(&self, hash: B256) -> impl Future<Output = ReadResult<Option<StoredTx>>> + Send;
    /// Transaction `index` of block `number`.
    fn transaction_at(&self, number: u64, index: u64) -> impl Future<Output = ReadResult<Option<StoredTx>>> + Send;
    /// Logs matching `query`.
    fn logs(&self, query: &LogQuery) -> impl Future<Output = ReadResult<Vec<StoredLog>>> + Send;
    /// The L1 origin of block `number`.
    fn l1_origin(&self, number: u64) -> impl Future<Output = ReadResult<Option<L1Origin>>> + Send;
    /// The output (state commitment) at block `number`.
    fn output(&self, number: u64) -> impl Future<Output = ReadResult<Option<Output>>> + Send;
    /// Transactions and gas of blocks `from..=head`.
    fn block_activity(&self, from: u64) -> impl Future<Output = ReadResult<Vec<BlockActivity>>> + Send;
}

/// Accounts, storage and code as of a committed block.
pub trait StateAtBlock {
    /// An account after block `number`.
    fn account_at(&self, address: Address, number: u64)
    -> impl Future<Output = ReadResult<Option<AccountInfo>>> + Send;
    /// A storage slot after block `number`.
    fn storage_at(&self, address: Address, slot: U256, number: u64) -> impl Future<Output = ReadResult<U256>> + Send;
    /// Code by its hash (empty for the empty code hash or unknown code).
    fn code_by_hash(&self, hash: B256) -> impl Future<Output = ReadResult<Bytes>> + Send;
}

impl HeadReader for Chain {
    fn chain_id(&self) -> u64 {
        self.genesis.config.chain_id
    }

    async fn head_number(&self) -> u64 {
        self.state.read().await.head.header.number
    }

    fn safe_head(&self) -> u64 {
        self.safe_head.load(Ordering::Relaxed)
    }

    fn finalized_head(&self) -> u64 {
        self.finalized_head.load(Ordering::Relaxed)
    }
}

impl BlockReader for Chain {
    async fn block_number(&self, hash: B256) -> ReadResult<Option<u64>> {
        Ok(self.store.block_number(hash).await?)
    }

    async fn header(&self, number: u64) -> ReadResult<Option<(B256, Header)>> {
        Ok(self.store.header(number).await?)
    }

    async fn block_transactions(&self, number: u64) -> ReadResult<Vec<StoredTx>> {
        Ok(self.store.block_transactions(number).await?)
    }

    async fn transaction(&self, hash: B256) -> ReadResult<Option<StoredTx>> {
        Ok(self.store.transaction(hash).await?)
    }

    async fn transaction_at(&self, number: u64, index: u64) -> ReadResult<Option<StoredTx>> {
        Ok(self.store.transaction_at(number, index).await?)
    }

    async fn logs(&self, query: &LogQuery) -> ReadResult<Vec<StoredLog>> {
        Ok(self.store.logs(query).await?)
    }

    async fn l1_origin(&self, number: u64) -> ReadResult<Option<L1Origin>> {
        Ok(self.store.l1_origin(number).await?)
    }

    async fn output(&self, number: u64) -> ReadResult<Option<Output>> {
        Ok(self.store.output(number).await?)
    }

    async fn block_activity(&self, from: u64) -> ReadResult<Vec<BlockActivity>> {
        Ok(self.store.block_activity(from).await?)
    }
}

impl StateAtBlock for Chain {
    async fn account_at(&self, address: Address, number: u64) -> ReadResult<Option<AccountInfo>> {
        {
            let state = self.state.read().await;
            if state.head.header.number == number {
                return Ok(state.world.account(address));
            }
        }
        Ok(self.store.account_at(address, number).await?)
    }

    async fn storage_at(&self, address: Address, slot: U256, number: u64) -> ReadResult<U256> {
        {
            let state = self.state.read().await;
            if state.head.header.number == number {
                return Ok(state.world.storage(address, slot));
            }
        }
        Ok(self.store.storage_at(address, slot, number).await?)
    }

    async fn code_by_hash(&self, hash: B256) -> ReadResult<Bytes> {
        if hash == KECCAK256_EMPTY {
            return Ok(Bytes::new());
        }
        if let Some(code) = self.state.read().await.world.code_bytes(hash) {
            return Ok(code);
        }
        Ok(self.store.code(hash).await?.unwrap_or_default())
    }
}
