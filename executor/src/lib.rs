//! Parallel block execution with Block-STM over revm.
//!
//! Transactions run optimistically on all threads against a multi-version memory; each
//! incarnation records what it read, validation re-checks those reads, and a conflicting
//! transaction is re-executed. The result is exactly what [`rollup_core::SequentialExecutor`]
//! produces: the final state changes are assembled by committing every transaction's validated
//! output, in block order, into the same [`rollup_core::StateOverlay`] the sequential executor
//! uses. Fee-recipient rewards are applied in that pass rather than during execution, so fees
//! do not serialise the block; a block in which a transaction reads the fee recipient falls back
//! to sequential execution.

mod handler;
mod mv_memory;
mod run;
mod scheduler;
mod view;

use rollup_core::{
    BlockAttributes, BlockExecutor, ExecutionError, ExecutionOutput, L2Transaction, SequentialExecutor, StateReader,
};
use std::num::NonZeroUsize;

/// Executes blocks in parallel with Block-STM; identical results to sequential execution.
#[derive(Clone, Copy, Debug)]
pub struct ParallelExecutor {
    threads: NonZeroUsize,
    min_transactions: usize,
}

impl Default for ParallelExecutor {
    fn default() -> Self {
        Self::new(std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN))
    }
}

impl ParallelExecutor {
    /// Blocks smaller than this run sequentially: parallelism cannot pay for its set-up.
    pub const DEFAULT_MIN_TRANSACTIONS: usize = 16;

    /// An executor using `threads` worker threads.
    pub fn new(threads: NonZeroUsize) -> Self {
        Self { threads, min_transactions: Self::DEFAULT_MIN_TRANSACTIONS }
    }

    /// Sets the smallest block executed in parallel (0 = always parallel; for tests).
    pub fn with_min_transactions(mut self, min_transactions: usize) -> Self {
        self.min_transactions = min_transactions;
        self
    }
}

/// How a block was executed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExecutionStats {
    /// EVM runs of the parallel attempt (equal to the block size when nothing conflicted).
    pub executions: usize,
    /// Whether the block ran sequentially (too small, one thread, or the fee recipient was read).
    pub sequential: bool,
}

impl ParallelExecutor {
    /// Executes a block and reports how: the [`BlockExecutor`] entry point with statistics.
    pub fn execute_with_stats(
        &self,
        state: &dyn StateReader,
        chain_id: u64,
        attrs: &BlockAttributes,
        txs: &[L2Transaction],
    ) -> (Result<ExecutionOutput, ExecutionError>, ExecutionStats) {
        let mut stats = ExecutionStats::default();
        if self.threads.get() > 1 && txs.len() >= self.min_transactions.max(2) {
            match run::execute_parallel(self.threads.get(), state, chain_id, attrs, txs, &mut stats.executions) {
                Ok(Some(output)) => return (Ok(output), stats),
                Err(err) => return (Err(err), stats),
                Ok(None) => {}
            }
        }
        stats.sequential = true;
        (SequentialExecutor.execute(state, chain_id, attrs, txs), stats)
    }
}

impl BlockExecutor for ParallelExecutor {
    fn execute(
        &self,
        state: &dyn StateReader,
        chain_id: u64,
        attrs: &BlockAttributes,
        txs: &[L2Transaction],
    ) -> Result<ExecutionOutput, ExecutionError> {
        self.execute_with_stats(state, chain_id, attrs, txs).0
    }
}
