//! The chain the verifier derives: every derived block executed with the STF, keeping the
//! state and each block's output.

use super::{DerivedBlock, L2Chain, L2Head};
use rollup_core::{BlockExecutor, ExecutionError, Genesis, Output, WorldState, apply_block};
use std::sync::Arc;

/// Executes derived blocks on an in-memory world state.
#[derive(Debug)]
pub struct ExecutingChain {
    genesis: Genesis,
    executor: Arc<dyn BlockExecutor>,
    world: WorldState,
    head: L2Head,
    outputs: Vec<Output>,
    recorded: Option<Vec<DerivedBlock>>,
}

/// The EVM failed for a reason that is not the block's fault.
#[derive(Debug, thiserror::Error)]
#[error("executing derived block {block}: {reason}")]
pub struct ExecutionFailure {
    /// Block number.
    pub block: u64,
    /// The executor's error.
    pub reason: String,
}

impl ExecutingChain {
    /// A chain at genesis.
    pub fn new(genesis: Genesis, executor: Arc<dyn BlockExecutor>) -> Self {
        let (world, block0) = genesis.build();
        let head = L2Head { hash: block0.hash, header: block0.header.clone() };
        Self { genesis, executor, world, head, outputs: vec![block0.output()], recorded: None }
    }

    /// A chain that also keeps every derived block's inputs (for replays).
    pub fn recording(genesis: Genesis, executor: Arc<dyn BlockExecutor>) -> Self {
        Self { recorded: Some(Vec::new()), ..Self::new(genesis, executor) }
    }

    /// The output at block `number`, if derived.
    pub fn output(&self, number: u64) -> Option<Output> {
        self.outputs.get(number as usize).copied()
    }

    /// Inputs of the derived blocks `1..=head`, if recording.
    pub fn recorded(&self) -> Option<&[DerivedBlock]> {
        self.recorded.as_deref()
    }

    /// The state after the head block.
    pub fn world(&self) -> &WorldState {
        &self.world
    }

    /// The chain's genesis.
    pub fn genesis(&self) -> &Genesis {
        &self.genesis
    }
}

impl L2Chain for ExecutingChain {
    type Error = ExecutionFailure;

    fn head(&self) -> &L2Head {
        &self.head
    }

    async fn apply(&mut self, block: DerivedBlock) -> Result<Result<(), String>, ExecutionFailure> {
        let number = block.attributes.number;
        let recorded = self.recorded.is_some().then(|| block.clone());
        let chain_id = self.genesis.config.chain_id;
        let DerivedBlock { attributes, deposits, transactions } = block;
        match apply_block(&mut self.world, self.executor.as_ref(), chain_id, &attributes, deposits, transactions) {
            Ok(applied) => {
                self.outputs.push(applied.block.output());
                self.head = L2Head { hash: applied.block.hash, header: applied.block.header };
                if let (Some(list), Some(block)) = (self.recorded.as_mut(), recorded) {
                    list.push(block);
                }
                Ok(Ok(()))
            }
            Err(ExecutionError::InvalidTransaction { index, reason }) => {
                Ok(Err(format!("transaction {index} is invalid: {reason}")))
            }
            Err(ExecutionError::Internal(reason)) => Err(ExecutionFailure { block: number, reason }),
        }
    }

    async fn reset(&mut self) -> Result<(), ExecutionFailure> {
        let recording = self.recorded.is_some();
        *self = Self::new(self.genesis.clone(), self.executor.clone());
        if recording {
            self.recorded = Some(Vec::new());
        }
        Ok(())
    }
}
