//! Accepting a transaction: validate, add to the pool, persist, then acknowledge.

use super::Chain;
use crate::{
    pool::{PoolError, PooledTx, decode_transaction},
    storage::StoreError,
};
use alloy_primitives::{B256, Bytes};

/// Why `eth_sendRawTransaction` failed.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The pool refused the transaction.
    #[error(transparent)]
    Rejected(#[from] PoolError),
    /// It could not be made durable.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Chain {
    /// Validates and accepts a raw transaction. When this returns `Ok`, the transaction is
    /// committed to the database and survives a crash.
    pub async fn submit(&self, raw: Bytes) -> Result<B256, SubmitError> {
        let rejected = |err: PoolError| {
            self.metrics.txs_rejected.inc();
            err
        };
        let (tx, hash) =
            decode_transaction(&raw, self.chain_id(), self.genesis.config.block_gas_limit).map_err(rejected)?;
        // Re-sending a pending transaction is answered with its hash (a mined one fails the
        // nonce check, as on geth).
        if self.pool.lock().get(&hash).is_some() {
            return Ok(hash);
        }
        let arrival = self.next_arrival();
        let added = {
            let state = self.state.read().await;
            let base_fee = self.next_base_fee(&state.head.header);
            let added = self.pool.lock().add(PooledTx { tx, hash, raw: raw.clone(), arrival }, &state.world, base_fee);
            let added = added.map_err(rejected)?;
            self.update_pool_metrics(&state.world);
            added
        };
        if let Err(err) = self.store.insert_pending(hash, &raw, arrival).await {
            self.pool.lock().remove(&hash);
            return Err(err.into());
        }
        self.store.delete_pending(&added.removed).await?;
        self.pool_changed.notify_one();
        Ok(hash)
    }
}
