//! The proposer: every N L2 blocks, the output root with its bond, once the batches covering
//! that block are confirmed on L1 (so anyone can check it from L1 data alone).

use crate::{
    error::BatcherError,
    l1::{self, L1Provider},
    metrics::BatcherMetrics,
    txmgr::{Candidate, TxManager},
};
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, U256};
use rollup_l1::OutputOracle;
use std::sync::Arc;
use storage::Store;
use storage::batcher::{BatcherStore, Payload, TxStatus};
use tracing::info;

/// Gas limit of a proposal (two storage slots, an event, the bond).
const PROPOSAL_GAS: u64 = 300_000;

/// Proposes outputs to the OutputOracle.
#[derive(Debug)]
pub struct Proposer {
    txmgr: Arc<TxManager>,
    provider: L1Provider,
    oracle: Address,
    interval: u64,
    bond: U256,
    metrics: BatcherMetrics,
}

impl Proposer {
    /// A proposer posting every `interval` L2 blocks through `txmgr`.
    pub async fn new(
        txmgr: Arc<TxManager>,
        provider: L1Provider,
        oracle: Address,
        interval: u64,
        metrics: BatcherMetrics,
    ) -> Result<Self, BatcherError> {
        if interval == 0 {
            return Err(BatcherError::Config("the proposal interval must be at least one L2 block".into()));
        }
        let contract = OutputOracle::new(oracle, &provider);
        let bond = contract.bond().call().await?;
        Ok(Self { txmgr, provider, oracle, interval, bond, metrics })
    }

    /// The L2 block of the last output on L1 (0 if none).
    pub async fn last_output_on_l1(&self) -> Result<u64, BatcherError> {
        let contract = OutputOracle::new(self.oracle, &self.provider);
        let next = contract.nextOutputIndex().call().await?;
        if next.is_zero() {
            return Ok(0);
        }
        let output = contract.latestOutput().call().await?;
        Ok(output.l2BlockNumber)
    }

    /// Proposes the next output if it is due and its batches are confirmed through
    /// `confirmed_through`. One proposal is in flight at a time.
    pub async fn step(
        &self,
        chain: &Store,
        store: &BatcherStore,
        confirmed_through: u64,
    ) -> Result<Option<u64>, BatcherError> {
        if let Some((block, status)) = store.latest_proposal().await? {
            if status == TxStatus::Pending {
                return Ok(None);
            }
            self.metrics.last_proposed_block.set(block as i64);
        }
        let last = self.last_output_on_l1().await?;
        let target = (last / self.interval + 1) * self.interval;
        if target > confirmed_through {
            return Ok(None);
        }
        let output = chain
            .output(target)
            .await?
            .ok_or_else(|| BatcherError::Corrupt(format!("no output root stored for L2 block {target}")))?;
        let head = l1::head(&self.provider).await?;
        let call = OutputOracle::proposeOutputCall {
            outputRoot: output.root(),
            l2BlockNumber: U256::from(target),
            l1BlockHash: head.hash,
            l1BlockNumber: U256::from(head.number),
        };
        self.txmgr
            .send(Candidate {
                payload: Payload::Output { block: target },
                to: self.oracle,
                input: call.abi_encode().into(),
                value: self.bond,
                gas_limit: PROPOSAL_GAS,
                sidecar: None,
            })
            .await?;
        self.metrics.proposals.inc();
        info!(l2_block = target, output_root = %output.root(), "proposed output");
        Ok(Some(target))
    }
}
