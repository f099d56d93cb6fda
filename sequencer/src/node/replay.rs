//! Re-executing the stored chain from genesis: the check that what was persisted is exactly
//! what the state-transition function produces.

use alloy::consensus::transaction::Recovered;
use alloy_primitives::B256;
use rollup_core::{
    BlockAttributes, BlockExecutor, ExecutionError, L1Origin, apply_block, deposit::L2Envelope, fees::L1BlockValues,
};
use storage::{Store, StoreError};

/// Why a replay failed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored block does not re-execute to the stored result.
    #[error("block {number} re-executes to {computed} but {stored} is stored")]
    Diverged {
        /// Block number.
        number: u64,
        /// Stored block hash.
        stored: B256,
        /// Hash of the re-executed block.
        computed: B256,
    },
    /// The stored block fails to execute.
    #[error("block {number} does not execute: {source}")]
    Invalid {
        /// Block number.
        number: u64,
        /// Why.
        #[source]
        source: ExecutionError,
    },
}

/// Re-executes every stored block from genesis with `executor` and checks each block hash
/// (which commits to the state root, receipts and transactions). Returns the head's state root.
pub async fn replay_chain(store: &Store, executor: &dyn BlockExecutor) -> Result<B256, ReplayError> {
    let genesis = store.genesis().await?.ok_or_else(|| StoreError::Corrupt("no genesis".into()))?;
    let (mut world, block0) = genesis.build();
    let head = store.head_number().await?.unwrap_or_default();
    let mut parent = block0;
    for number in 1..=head {
        let (stored_hash, header) =
            store.header(number).await?.ok_or_else(|| StoreError::Corrupt(format!("missing block {number}")))?;
        let origin = store.l1_origin(number).await?.unwrap_or(L1Origin::default());
        let mut deposits = Vec::new();
        let mut txs = Vec::new();
        for stored in store.block_transactions(number).await? {
            match stored.tx {
                L2Envelope::Other(deposit) => deposits.push(deposit),
                L2Envelope::BuiltIn(tx) => txs.push(Recovered::new_unchecked(tx, stored.sender)),
            }
        }
        let (l1, deposits) = L1BlockValues::split_deposits(deposits).ok_or_else(|| {
            StoreError::Corrupt(format!("block {number} does not open with its L1 attributes deposit"))
        })?;
        let attrs = BlockAttributes {
            number,
            parent_hash: parent.hash,
            timestamp: header.timestamp,
            l1_origin: origin,
            l1: l1.l1,
            fee_recipient: header.beneficiary,
            base_fee: header.base_fee_per_gas.unwrap_or_default(),
            gas_limit: header.gas_limit,
        };
        let applied = apply_block(&mut world, executor, genesis.config.chain_id, &attrs, deposits, txs)
            .map_err(|source| ReplayError::Invalid { number, source })?;
        if applied.block.hash != stored_hash {
            return Err(ReplayError::Diverged { number, stored: stored_hash, computed: applied.block.hash });
        }
        parent = applied.block;
    }
    Ok(parent.header.state_root)
}
