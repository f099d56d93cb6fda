//! The safe and finalized heads: the sequencer runs derivation on L1 (the same pipeline as the
//! verifier) and, instead of executing each derived block, checks that it is the block it
//! sealed: same parent, timestamp, L1 origin, L1 attributes and transactions (deposits first).
//! Execution is deterministic, so equal inputs mean an equal block. The safe head is the last
//! block that matched; the finalized head is the safe head as of L1's finalized block.

use super::{Chain, L1Follow};
use alloy::{providers::ProviderBuilder, transports::http::reqwest::Url};
use alloy_primitives::B256;
use rollup_core::{deposit::L2Envelope, fees::L1BlockValues};
use rollup_derive::{DerivationConfig, DerivedBlock, Deriver, L1Reader, L2Chain, L2Head};
use std::sync::{Arc, atomic::Ordering};
use storage::{Store, StoreError};
use tokio::sync::watch;
use tracing::{debug, error, warn};

/// L1 blocks derived per step at most.
const L1_BLOCKS_PER_STEP: u64 = 100;

/// The sealed chain, as derivation's target: a derived block is accepted when it is the
/// sealed block with the same number.
#[derive(Debug)]
struct SealedChain {
    store: Store,
    genesis: L2Head,
    head: L2Head,
}

impl L2Chain for SealedChain {
    type Error = StoreError;

    fn head(&self) -> &L2Head {
        &self.head
    }

    async fn apply(&mut self, block: DerivedBlock) -> Result<Result<(), String>, StoreError> {
        let attrs = &block.attributes;
        let number = attrs.number;
        let Some((hash, header)) = self.store.header(number).await? else {
            return Ok(Err(format!("the sequencer has not sealed block {number}")));
        };
        let origin = self.store.l1_origin(number).await?;
        let mut sealed = self.store.block_transactions(number).await?.into_iter();
        // The L1 attributes deposit opens the block; its sequence number follows from the
        // parent (already checked), the rest must be what derivation read from L1.
        let attributes = sealed.next().and_then(|first| match first.tx {
            L2Envelope::Other(deposit) => L1BlockValues::from_calldata(&deposit.input),
            L2Envelope::BuiltIn(_) => None,
        });
        let sealed: Vec<B256> = sealed.map(|tx| tx.hash).collect();
        let derived: Vec<B256> = block
            .deposits
            .iter()
            .map(|deposit| deposit.tx_hash())
            .chain(block.transactions.iter().map(|tx| *tx.inner().tx_hash()))
            .collect();
        let attributes_differ =
            attributes.is_none_or(|values| values.origin != attrs.l1_origin || values.l1 != attrs.l1);
        let differs = [
            (header.parent_hash != attrs.parent_hash, "parent"),
            (header.timestamp != attrs.timestamp, "timestamp"),
            (origin != Some(attrs.l1_origin), "L1 origin"),
            (attributes_differ, "L1 attributes"),
            (sealed != derived, "transactions"),
        ];
        if let Some((_, what)) = differs.iter().find(|(differs, _)| *differs) {
            error!(number, what, "the block derived from L1 differs from the block this sequencer sealed");
            return Ok(Err(format!("the derived block {number} differs from the sealed one in its {what}")));
        }
        self.head = L2Head { hash, header };
        Ok(Ok(()))
    }

    async fn reset(&mut self) -> Result<(), StoreError> {
        self.head = self.genesis.clone();
        Ok(())
    }
}

/// Derives from L1 until `shutdown`, publishing the safe and finalized heads on `chain`.
pub(crate) async fn track_safe_head(
    chain: Arc<Chain>,
    follow: L1Follow,
    url: Url,
    mut shutdown: watch::Receiver<bool>,
) {
    let provider = ProviderBuilder::new().connect_http(url);
    let reader = L1Reader::new(provider, follow.batch_inbox, follow.portal, follow.system_config);
    let mut deriver = loop {
        match genesis_head(&chain).await {
            Ok(genesis) => {
                let target = SealedChain { store: chain.store.clone(), genesis: genesis.clone(), head: genesis };
                match Deriver::new(reader.clone(), DerivationConfig::new(&chain.genesis), target).await {
                    Ok(deriver) => break deriver,
                    Err(err) => warn!(%err, "cannot start derivation; retrying"),
                }
            }
            Err(err) => warn!(%err, "cannot read the genesis block; retrying"),
        }
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tokio::time::sleep(follow.poll_interval) => {}
        }
    };
    loop {
        let caught_up = match deriver.step(L1_BLOCKS_PER_STEP).await {
            Ok(report) => {
                for drop in &report.dropped {
                    warn!(l1_block = drop.l1_block, rule = drop.reason.kind(), reason = %drop.reason, "derivation dropped L1 data");
                }
                publish(&chain, deriver.chain().head().number(), deriver.finalized_head().await.ok().flatten());
                report.l1_blocks < L1_BLOCKS_PER_STEP
            }
            Err(err) if err.is_temporary() => {
                debug!(%err, "L1 unavailable for derivation");
                true
            }
            Err(err) => {
                warn!(%err, "derivation step failed");
                true
            }
        };
        if !caught_up && !*shutdown.borrow() {
            continue;
        }
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = tokio::time::sleep(follow.poll_interval) => {}
        }
    }
}

async fn genesis_head(chain: &Chain) -> Result<L2Head, StoreError> {
    let (hash, header) = chain.store.header(0).await?.ok_or_else(|| StoreError::Corrupt("no genesis block".into()))?;
    Ok(L2Head { hash, header })
}

/// Publishes the heads. The finalized head never goes back (finalized L1 data cannot change,
/// so derivation reaches it again after a reset); the safe head may, after an L1
/// reorganisation, but never below the finalized head.
fn publish(chain: &Chain, safe: u64, finalized: Option<(u64, B256)>) {
    let finalized = match finalized {
        Some((number, _)) => chain.finalized_head.fetch_max(number, Ordering::Relaxed).max(number),
        None => chain.finalized_head.load(Ordering::Relaxed),
    };
    let safe = safe.max(finalized);
    chain.safe_head.store(safe, Ordering::Relaxed);
    chain.metrics.safe_head.set(safe as i64);
    chain.metrics.finalized_head.set(finalized as i64);
}
