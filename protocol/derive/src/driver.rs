//! Driving derivation from an L1 node: fetch the next L1 block, notice reorganisations, and
//! feed the pipeline.

use super::{Derivation, DerivationConfig, Dropped, L1BlockRef, L1ReadError, L1Reader, L2Chain};
use alloy::{eips::BlockNumberOrTag, providers::Provider};

/// Why a derivation step failed.
#[derive(Debug, thiserror::Error)]
pub enum DeriveError<E: std::error::Error + 'static> {
    /// L1 could not be read; try again later.
    #[error(transparent)]
    L1(#[from] L1ReadError),
    /// The configured genesis origin is not on this L1.
    #[error("the genesis L1 origin {number} ({hash}) is not a block of this L1 (found {found:?})")]
    WrongL1 {
        /// Origin number.
        number: u64,
        /// Origin hash.
        hash: alloy_primitives::B256,
        /// The L1's block at that number.
        found: Option<alloy_primitives::B256>,
    },
    /// The genesis's L1 attributes are not its origin's (its genesis state would give block 1
    /// other L1 fees than derivation reads from L1).
    #[error(
        "the genesis L1 attributes are not those of its origin {number} on this L1 ({mismatch}): build the \
         genesis from the deployment file"
    )]
    WrongL1Attributes {
        /// Origin number.
        number: u64,
        /// The genesis's timestamp, base fee and blob base fee against the L1 block's.
        mismatch: String,
    },
    /// The derived chain failed.
    #[error(transparent)]
    Chain(E),
}

impl<E: std::error::Error + 'static> DeriveError<E> {
    /// Whether the step may succeed when tried again later: L1 was unreachable or answered
    /// with something unusable. A genesis origin that is not on this L1 is a configuration
    /// error that no retry mends; the chain's own errors are its caller's to judge.
    pub fn is_temporary(&self) -> bool {
        matches!(self, Self::L1(_))
    }
}

/// What one step did.
#[derive(Clone, Debug, Default)]
pub struct StepReport {
    /// L1 blocks processed.
    pub l1_blocks: u64,
    /// Whether an L1 reorganisation sent derivation back to genesis.
    pub reorged: bool,
    /// Data dropped by rule.
    pub dropped: Vec<Dropped>,
    /// Blocks derivation built itself because the sequencing window ran out.
    pub forced: Vec<u64>,
}

/// Derivation of one L2 chain from an L1 node.
#[derive(Debug)]
pub struct Deriver<P, C> {
    reader: L1Reader<P>,
    config: DerivationConfig,
    genesis_l1: L1BlockRef,
    derivation: Derivation,
    chain: C,
}

impl<P: Provider + Clone, C: L2Chain> Deriver<P, C> {
    /// Starts deriving `chain` (at genesis) from the L1 behind `reader`.
    pub async fn new(reader: L1Reader<P>, config: DerivationConfig, chain: C) -> Result<Self, DeriveError<C::Error>> {
        let origin = config.genesis_origin;
        let genesis_l1 = reader.block_ref(origin.number.into()).await?;
        let genesis_l1 = match genesis_l1 {
            Some(block) if block.hash == origin.hash => block,
            other => {
                return Err(DeriveError::WrongL1 {
                    number: origin.number,
                    hash: origin.hash,
                    found: other.map(|block| block.hash),
                });
            }
        };
        let configured = (config.genesis_l1.timestamp, config.genesis_l1.base_fee, config.genesis_l1.blob_base_fee);
        let blob_base_fee =
            config.chain.l1_blob_schedule.blob_base_fee(genesis_l1.timestamp, genesis_l1.excess_blob_gas);
        let found = (genesis_l1.timestamp, genesis_l1.base_fee, blob_base_fee);
        if configured != found {
            let mismatch =
                format!("timestamp, base fee, blob base fee: {configured:?} in the genesis, {found:?} on L1");
            return Err(DeriveError::WrongL1Attributes { number: origin.number, mismatch });
        }
        let derivation = Derivation::new(config.clone(), genesis_l1);
        Ok(Self { reader, config, genesis_l1, derivation, chain })
    }

    /// The derived chain.
    pub fn chain(&self) -> &C {
        &self.chain
    }

    /// The pipeline.
    pub fn derivation(&self) -> &Derivation {
        &self.derivation
    }

    /// The L1 reader.
    pub fn reader(&self) -> &L1Reader<P> {
        &self.reader
    }

    /// Processes up to `max_l1_blocks` new L1 blocks. An L1 reorganisation below the last
    /// processed block resets derivation to genesis (the next steps derive the new L1 chain).
    pub async fn step(&mut self, max_l1_blocks: u64) -> Result<StepReport, DeriveError<C::Error>> {
        let mut report = StepReport::default();
        let last = self.derivation.last_l1();
        // A node that does not have the block (yet) is lagging, or L1 went back below it: either
        // way wait; a different block at that height is a reorganisation.
        let Some(current) = self.reader.block_ref(last.number.into()).await? else { return Ok(report) };
        if current.hash != last.hash {
            self.reset().await?;
            report.reorged = true;
            return Ok(report);
        }
        while report.l1_blocks < max_l1_blocks {
            let number = self.derivation.last_l1().number + 1;
            let Some(data) = self.reader.block_data(number).await? else { break };
            if !self.derivation.extends(&data.block) {
                self.reset().await?;
                report.reorged = true;
                break;
            }
            self.derivation.process(data, &mut self.chain).await.map_err(DeriveError::Chain)?;
            report.dropped.extend(self.derivation.take_drops());
            report.forced.extend(self.derivation.take_forced());
            report.l1_blocks += 1;
        }
        Ok(report)
    }

    /// The derived L2 block that was safe at the L1 `finalized` block, if any.
    pub async fn finalized_head(&self) -> Result<Option<(u64, alloy_primitives::B256)>, DeriveError<C::Error>> {
        let finalized = self.reader.block_ref(BlockNumberOrTag::Finalized).await?;
        Ok(finalized.and_then(|block| self.derivation.safe_head_at(block.number)))
    }

    async fn reset(&mut self) -> Result<(), DeriveError<C::Error>> {
        tracing::warn!(at = self.derivation.last_l1().number, "L1 reorganised: deriving again from genesis");
        self.derivation = Derivation::new(self.config.clone(), self.genesis_l1);
        self.chain.reset().await.map_err(DeriveError::Chain)
    }
}
