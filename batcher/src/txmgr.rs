//! The L1 transaction manager: one nonce sequence per key, every signed transaction stored
//! before it is broadcast, fee bumps for transactions that do not get in, confirmations and
//! reorgs.
//!
//! Crash safety comes from the order of effects: sign → store → broadcast. After a crash a
//! stored transaction is broadcast again (the same bytes, so never a second copy of its
//! payload), and a payload only gets a new nonce once its transaction has failed on L1.

use crate::{
    config::FeeLimits,
    error::BatcherError,
    l1::{self, L1Provider},
    metrics::BatcherMetrics,
};
use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEip4844, TxEip4844Variant, TxEip4844WithSidecar, TxEnvelope},
    eips::{
        eip2718::{Decodable2718, Encodable2718},
        eip7594::{BlobTransactionSidecarEip7594, BlobTransactionSidecarVariant},
    },
    network::TxSignerSync,
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use storage::batcher::{BatcherStore, Fees, Payload, TxRecord, TxStatus};
use tracing::{error, info, warn};

/// A stored transaction not yet accepted by the L1 node is broadcast again this often.
const REBROADCAST_INTERVAL: Duration = Duration::from_secs(5);

/// Settings of a transaction manager.
#[derive(Clone, Copy, Debug)]
pub struct TxManagerConfig {
    /// Fee limits.
    pub fees: FeeLimits,
    /// Re-sign with higher fees after this long without inclusion.
    pub resubmit_after: Duration,
    /// Depth at which a transaction counts as confirmed.
    pub confirmations: u64,
}

/// A transaction to send.
#[derive(Clone, Debug)]
pub struct Candidate {
    /// What it carries (recorded with it).
    pub payload: Payload,
    /// Contract called.
    pub to: Address,
    /// Call data.
    pub input: Bytes,
    /// Wei sent.
    pub value: U256,
    /// Gas limit.
    pub gas_limit: u64,
    /// Blobs, for a blob transaction.
    pub sidecar: Option<BlobTransactionSidecarEip7594>,
}

/// What polling saw happen to one transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxEvent {
    /// Confirmed at the configured depth.
    Confirmed(Payload),
    /// Failed: reverted, or its nonce went elsewhere; the payload needs a new transaction.
    Failed(Payload),
}

/// Sends and tracks the L1 transactions of one key.
#[derive(Debug)]
pub struct TxManager {
    provider: L1Provider,
    signer: PrivateKeySigner,
    store: BatcherStore,
    l1_chain_id: u64,
    config: TxManagerConfig,
    metrics: BatcherMetrics,
    /// When this process last handed each transaction hash to the L1 node.
    broadcast_at: Mutex<HashMap<B256, Instant>>,
}

impl TxManager {
    /// A manager for `signer`'s transactions on the L1 behind `provider`.
    pub async fn new(
        provider: L1Provider,
        signer: PrivateKeySigner,
        store: BatcherStore,
        config: TxManagerConfig,
        metrics: BatcherMetrics,
    ) -> Result<Self, BatcherError> {
        let l1_chain_id = provider.get_chain_id().await?;
        Ok(Self { provider, signer, store, l1_chain_id, config, metrics, broadcast_at: Mutex::new(HashMap::new()) })
    }

    /// The signing address.
    pub fn address(&self) -> Address {
        self.signer.address()
    }

    /// Unconfirmed transactions.
    pub async fn in_flight(&self) -> Result<Vec<TxRecord>, BatcherError> {
        Ok(self.store.transactions(self.address(), TxStatus::Pending).await?)
    }

    /// Signs `candidate` with the next nonce and current fees, stores it, then broadcasts it.
    /// A failed broadcast is logged and retried by [`Self::poll`]; the transaction is stored
    /// either way.
    pub async fn send(&self, candidate: Candidate) -> Result<TxRecord, BatcherError> {
        let sender = self.address();
        let on_l1 = self.provider.get_transaction_count(sender).await?;
        let nonce = self.store.next_nonce(sender).await?.unwrap_or(0).max(on_l1);
        let fees = self.estimate_fees(candidate.sidecar.is_some()).await?;
        let envelope = self.build(&candidate, nonce, fees);
        let record = self.sign(candidate.payload, envelope, fees)?;
        self.store.insert_tx(&record).await?;
        info!(nonce, hash = %record.hash, payload = ?record.payload, "sending L1 transaction");
        self.broadcast(&record).await;
        Ok(record)
    }

    /// Looks at every unconfirmed transaction: records inclusions, confirms deep-enough ones,
    /// broadcasts again what a reorg dropped or the node does not have, bumps fees of what is
    /// stuck, and fails what reverted or lost its nonce.
    pub async fn poll(&self) -> Result<Vec<TxEvent>, BatcherError> {
        let pending = self.in_flight().await?;
        self.metrics.in_flight.set(pending.len() as i64);
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        // The nonce is read before the receipts: a nonce that moved past a transaction whose
        // versions have no receipt went to someone else's transaction.
        let sender = self.address();
        let l1_nonce = self.provider.get_transaction_count(sender).await?;
        let head = l1::head(&self.provider).await?;
        let mut events = Vec::new();
        for tx in pending {
            if let Some(event) = self.poll_one(tx, l1_nonce, head.number).await? {
                events.push(event);
            }
        }
        Ok(events)
    }

    async fn poll_one(&self, tx: TxRecord, l1_nonce: u64, head: u64) -> Result<Option<TxEvent>, BatcherError> {
        let sender = tx.sender;
        if let Some(receipt) = self.receipt(&tx).await? {
            let (Some(number), Some(hash)) = (receipt.block_number, receipt.block_hash) else { return Ok(None) };
            if head + 1 < number + self.config.confirmations {
                if tx.included != Some((number, hash)) {
                    self.store.set_state(sender, tx.nonce, Some((number, hash)), TxStatus::Pending).await?;
                }
                return Ok(None);
            }
            if l1::block_hash(&self.provider, number).await? != Some(hash) {
                return Ok(None); // A reorg is under way; look again next time.
            }
            let fee = receipt.gas_used as u128 * receipt.effective_gas_price
                + receipt.blob_gas_used.unwrap_or_default() as u128 * receipt.blob_gas_price.unwrap_or_default();
            self.metrics.l1_fees_gwei.inc_by((fee / 1_000_000_000) as u64);
            if receipt.status() {
                self.store.set_state(sender, tx.nonce, Some((number, hash)), TxStatus::Confirmed).await?;
                info!(nonce = tx.nonce, hash = %receipt.transaction_hash, l1_block = number, payload = ?tx.payload, "L1 transaction confirmed");
                return Ok(Some(TxEvent::Confirmed(tx.payload)));
            }
            self.store.set_state(sender, tx.nonce, Some((number, hash)), TxStatus::Failed).await?;
            error!(nonce = tx.nonce, hash = %receipt.transaction_hash, payload = ?tx.payload, "L1 transaction reverted; its payload is queued again");
            return Ok(Some(TxEvent::Failed(tx.payload)));
        }
        if tx.nonce < l1_nonce {
            self.store.set_state(sender, tx.nonce, None, TxStatus::Failed).await?;
            warn!(nonce = tx.nonce, payload = ?tx.payload, "another transaction used this nonce; the payload is queued again");
            return Ok(Some(TxEvent::Failed(tx.payload)));
        }
        if tx.included.is_some() {
            warn!(nonce = tx.nonce, hash = %tx.hash, "an L1 reorg dropped the transaction; broadcasting it again");
            self.metrics.reorged.inc();
            self.store.set_state(sender, tx.nonce, None, TxStatus::Pending).await?;
            self.broadcast(&tx).await;
        } else if now_millis().saturating_sub(tx.sent_at) >= self.config.resubmit_after.as_millis() as u64 {
            self.bump(tx).await?;
        } else if self.due_for_broadcast(tx.hash) {
            self.broadcast(&tx).await;
        }
        Ok(None)
    }

    /// The receipt of whichever signed version of `tx` L1 included.
    async fn receipt(&self, tx: &TxRecord) -> Result<Option<alloy::rpc::types::TransactionReceipt>, BatcherError> {
        let mut hashes = vec![tx.hash];
        hashes.extend(self.store.versions(tx.sender, tx.nonce).await?.into_iter().filter(|hash| *hash != tx.hash));
        for hash in hashes {
            if let Some(receipt) = self.provider.get_transaction_receipt(hash).await? {
                return Ok(Some(receipt));
            }
        }
        Ok(None)
    }

    /// Re-signs a stuck transaction with fees raised by at least 10% (blob fee: 100%), or to
    /// the market if that is higher, within the configured limits.
    async fn bump(&self, tx: TxRecord) -> Result<(), BatcherError> {
        let old = tx.fees;
        let market = self.estimate_fees(old.max_fee_per_blob_gas > 0).await?;
        let limits = self.config.fees;
        let raise = |old: u128| old + old.div_ceil(10);
        let max_fee_per_gas = raise(old.max_fee_per_gas).max(market.max_fee_per_gas).min(limits.max_fee_per_gas);
        let fees = Fees {
            max_fee_per_gas,
            max_priority_fee_per_gas: raise(old.max_priority_fee_per_gas)
                .max(market.max_priority_fee_per_gas)
                .min(max_fee_per_gas),
            max_fee_per_blob_gas: if old.max_fee_per_blob_gas == 0 {
                0
            } else {
                (old.max_fee_per_blob_gas * 2).max(market.max_fee_per_blob_gas).min(limits.max_fee_per_blob_gas)
            },
        };
        if fees.max_fee_per_gas <= old.max_fee_per_gas && fees.max_fee_per_blob_gas <= old.max_fee_per_blob_gas {
            warn!(
                nonce = tx.nonce,
                max_fee_per_gas = old.max_fee_per_gas,
                "the fee limit is reached; waiting for L1 fees to fall"
            );
            self.broadcast(&tx).await;
            return Ok(());
        }
        let envelope = TxEnvelope::decode_2718(&mut tx.raw.as_slice())
            .map_err(|source| BatcherError::CorruptTx { hash: tx.hash, source })?;
        let envelope = with_fees(envelope, fees)?;
        let mut record = self.sign(tx.payload, envelope, fees)?;
        record.included = None;
        self.store.replace_tx(&record).await?;
        self.metrics.fee_bumps.inc();
        info!(nonce = tx.nonce, hash = %record.hash, max_fee_per_gas = fees.max_fee_per_gas, max_fee_per_blob_gas = fees.max_fee_per_blob_gas, "re-signed a stuck transaction with higher fees");
        self.broadcast(&record).await;
        Ok(())
    }

    /// Current fees: twice the base fee plus the suggested tip, twice the blob base fee;
    /// never above the configured limits.
    async fn estimate_fees(&self, blob: bool) -> Result<Fees, BatcherError> {
        let head = l1::head(&self.provider).await?;
        let tip = self.provider.get_max_priority_fee_per_gas().await?;
        let limits = self.config.fees;
        let max_fee_per_gas = (head.base_fee * 2 + tip).min(limits.max_fee_per_gas);
        let max_fee_per_blob_gas = if blob {
            let blob_base_fee = self.provider.get_blob_base_fee().await?;
            (blob_base_fee * 2).max(1).min(limits.max_fee_per_blob_gas)
        } else {
            0
        };
        Ok(Fees { max_fee_per_gas, max_priority_fee_per_gas: tip.min(max_fee_per_gas), max_fee_per_blob_gas })
    }

    fn build(&self, candidate: &Candidate, nonce: u64, fees: Fees) -> TxEnvelopeUnsigned {
        let Candidate { to, input, value, gas_limit, sidecar, .. } = candidate.clone();
        match sidecar {
            None => TxEnvelopeUnsigned::Eip1559(TxEip1559 {
                chain_id: self.l1_chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas: fees.max_fee_per_gas,
                max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
                to: TxKind::Call(to),
                value,
                access_list: Default::default(),
                input,
            }),
            Some(sidecar) => {
                TxEnvelopeUnsigned::Eip4844(TxEip4844Variant::TxEip4844WithSidecar(TxEip4844WithSidecar {
                    tx: TxEip4844 {
                        chain_id: self.l1_chain_id,
                        nonce,
                        gas_limit,
                        max_fee_per_gas: fees.max_fee_per_gas,
                        max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
                        to,
                        value,
                        access_list: Default::default(),
                        blob_versioned_hashes: sidecar.versioned_hashes().collect(),
                        max_fee_per_blob_gas: fees.max_fee_per_blob_gas,
                        input,
                    },
                    sidecar: BlobTransactionSidecarVariant::Eip7594(sidecar),
                }))
            }
        }
    }

    fn sign(&self, payload: Payload, tx: TxEnvelopeUnsigned, fees: Fees) -> Result<TxRecord, BatcherError> {
        let (nonce, envelope) = match tx {
            TxEnvelopeUnsigned::Eip1559(mut tx) => {
                let signature = self.signer.sign_transaction_sync(&mut tx)?;
                (tx.nonce, TxEnvelope::Eip1559(tx.into_signed(signature)))
            }
            TxEnvelopeUnsigned::Eip4844(mut tx) => {
                let signature = self.signer.sign_transaction_sync(&mut tx)?;
                (tx.tx().nonce, TxEnvelope::Eip4844(tx.into_signed(signature)))
            }
        };
        Ok(TxRecord {
            sender: self.address(),
            nonce,
            payload,
            raw: envelope.encoded_2718(),
            hash: *envelope.tx_hash(),
            fees,
            sent_at: now_millis(),
            included: None,
            status: TxStatus::Pending,
        })
    }

    fn due_for_broadcast(&self, hash: B256) -> bool {
        let sent = self.broadcast_at.lock().expect("lock is never poisoned").get(&hash).copied();
        sent.is_none_or(|at| at.elapsed() >= REBROADCAST_INTERVAL)
    }

    /// Hands a stored transaction to the L1 node; errors are logged and retried later.
    async fn broadcast(&self, tx: &TxRecord) {
        self.broadcast_at.lock().expect("lock is never poisoned").insert(tx.hash, Instant::now());
        match self.provider.send_raw_transaction(&tx.raw).await {
            Ok(_) => self.metrics.unfunded.set(0),
            Err(err) => {
                let message = err.to_string();
                let lower = message.to_lowercase();
                if lower.contains("already known")
                    || lower.contains("already imported")
                    || lower.contains("nonce too low")
                {
                    return;
                }
                if lower.contains("insufficient funds") {
                    self.metrics.unfunded.set(1);
                    error!(account = %tx.sender, nonce = tx.nonce, "the L1 account cannot pay for its transaction: fund it; the transaction is kept and sent again");
                    return;
                }
                warn!(nonce = tx.nonce, hash = %tx.hash, error = %message, "the L1 node refused the transaction; it is kept and sent again");
            }
        }
    }
}

/// A transaction before signing.
#[derive(Debug)]
enum TxEnvelopeUnsigned {
    Eip1559(TxEip1559),
    Eip4844(TxEip4844Variant),
}

/// The unsigned transaction of a stored one, with new fees.
fn with_fees(envelope: TxEnvelope, fees: Fees) -> Result<TxEnvelopeUnsigned, BatcherError> {
    match envelope {
        TxEnvelope::Eip1559(signed) => {
            let mut tx = signed.strip_signature();
            tx.max_fee_per_gas = fees.max_fee_per_gas;
            tx.max_priority_fee_per_gas = fees.max_priority_fee_per_gas;
            Ok(TxEnvelopeUnsigned::Eip1559(tx))
        }
        TxEnvelope::Eip4844(signed) => {
            let mut variant = signed.strip_signature();
            let tx = match &mut variant {
                TxEip4844Variant::TxEip4844(tx) => tx,
                TxEip4844Variant::TxEip4844WithSidecar(with) => &mut with.tx,
            };
            tx.max_fee_per_gas = fees.max_fee_per_gas;
            tx.max_priority_fee_per_gas = fees.max_priority_fee_per_gas;
            tx.max_fee_per_blob_gas = fees.max_fee_per_blob_gas;
            Ok(TxEnvelopeUnsigned::Eip4844(variant))
        }
        other => Err(BatcherError::Corrupt(format!("stored transaction of type {}", other.tx_type()))),
    }
}

fn now_millis() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or_default()
}
