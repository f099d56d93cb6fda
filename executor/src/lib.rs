//! Parallel block execution over revm: sender groups run apart when they do not interact, and
//! Block-STM runs everything else (or the sequential executor, where it has lately been the
//! faster of the two on such blocks: [`fallback`]).
//!
//! A block is first tried in groups of senders, one per thread, each executing its
//! transactions in order on a private overlay; if the groups accessed nothing in conflicting
//! ways, their changes put together are the block's ([`partition`]). Otherwise transactions
//! run optimistically on all threads against a multi-version memory; each incarnation
//! records what it read, validation re-checks those reads, and a conflicting transaction is
//! re-executed. The result is exactly what [`rollup_core::SequentialExecutor`]
//! produces. The change set is not built by committing transactions one after another: once
//! every transaction is validated, the threads replay each account's final writes in the
//! multi-version memory, shard by shard, under the rules the sequential executor's
//! [`rollup_core::StateOverlay`] applies on commit. The fee vaults' rewards (tips, base fees, L1
//! data fees) are applied once at the end rather than during execution, so fees do not
//! serialise the block; a block in which a transaction reads a fee vault falls back to
//! sequential execution.

mod accesses;
mod change_set;
mod fallback;
mod hashing;
mod mv_memory;
mod partition;
mod run;
mod scheduler;
mod stats;
mod threads;
mod view;

pub use stats::ExecutionStats;

use fallback::{Engine, Fallback};
use hashing::fingerprint;
use parking_lot::Mutex;
use rollup_core::{
    BlockAttributes, BlockExecutor, ExecutionError, ExecutionOutput, L2Transaction, SequentialExecutor, StateReader,
};
use std::{
    num::NonZeroUsize,
    sync::{
        Arc, OnceLock,
        atomic::{AtomicU32, Ordering},
    },
    time::Instant,
};

/// Executes blocks in parallel with Block-STM; identical results to sequential execution.
///
/// Clones share one set of worker threads, started on first use and kept for the executor's
/// lifetime. It runs one block at a time: a block that arrives while another is running (from
/// another thread) is executed sequentially instead of waiting.
#[derive(Clone, Debug)]
pub struct ParallelExecutor {
    threads: NonZeroUsize,
    min_transactions: usize,
    partitioning: bool,
    workers: Arc<Workers>,
}

/// The worker threads of a [`ParallelExecutor`] and its clones.
#[derive(Debug, Default)]
struct Workers {
    /// `None` if the threads could not be started.
    pool: OnceLock<Option<rayon::ThreadPool>>,
    /// Held while a block runs on the pool.
    running: Mutex<()>,
    /// Blocks still to run without a partitioned attempt, because a recent attempt failed
    /// (its senders interacted, as the next blocks' likely will).
    skip_partitioning: AtomicU32,
    /// Which engine runs the blocks the sender groups do not take.
    fallback: Mutex<Fallback>,
}

impl Workers {
    /// Blocks skipped after a failed partitioned attempt.
    const SKIP_AFTER_FAILURE: u32 = 16;

    /// Whether to try the next block in sender groups.
    fn try_partitioning(&self) -> bool {
        let skip = self.skip_partitioning.load(Ordering::Relaxed);
        if skip > 0 {
            self.skip_partitioning.store(skip - 1, Ordering::Relaxed);
        }
        skip == 0
    }
}

impl Default for ParallelExecutor {
    fn default() -> Self {
        Self::new(std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN))
    }
}

impl ParallelExecutor {
    /// Blocks smaller than this run sequentially: parallelism cannot pay for its set-up
    /// (starting the threads costs about as much as executing a few dozen transfers).
    pub const DEFAULT_MIN_TRANSACTIONS: usize = 64;

    /// An executor using `threads` worker threads.
    pub fn new(threads: NonZeroUsize) -> Self {
        Self { threads, min_transactions: Self::DEFAULT_MIN_TRANSACTIONS, partitioning: true, workers: Arc::default() }
    }

    /// Sets whether blocks are first tried in sender groups (default); without, every block
    /// runs on Block-STM (for tests).
    pub fn with_partitioning(mut self, partitioning: bool) -> Self {
        self.partitioning = partitioning;
        self
    }

    /// Sets the smallest block executed in parallel (0 = every block in parallel, even one
    /// bound by a single sender's nonce chain, and on Block-STM even where it has been slower
    /// than sequential execution; for tests).
    pub fn with_min_transactions(mut self, min_transactions: usize) -> Self {
        self.min_transactions = min_transactions;
        self
    }

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
            // With `n` threads, one sender's nonce chain of a `1/n` share of the block or more is
            // the critical path (its transactions run one after another): such a block cannot
            // run faster in parallel (a fully dependent block is the extreme).
            let nonce_bound = (self.min_transactions > 0).then(|| txs.len().div_ceil(self.threads.get()));
            if let Some(senders) = sender_fingerprints(txs, nonce_bound)
                && let Some(_running) = self.workers.running.try_lock()
                && let Some(pool) = self.pool()
            {
                if self.partitioning && self.workers.try_partitioning() {
                    let result =
                        partition::execute_partitioned(pool, state, chain_id, attrs, txs, &senders, &mut stats);
                    if let Some(result) = result {
                        stats.partitioned = true;
                        return (result, stats);
                    }
                    // A group taken over may meet the group it came from (a sender crediting
                    // another of the same group), which says nothing about the next blocks.
                    if stats.taken_over == 0 {
                        self.workers.skip_partitioning.store(Workers::SKIP_AFTER_FAILURE, Ordering::Relaxed);
                    }
                }
                return self.execute_fallback(pool, state, chain_id, attrs, txs, stats);
            }
        }
        stats.sequential = true;
        (SequentialExecutor.execute(state, chain_id, attrs, txs), stats)
    }

    /// Executes a block the sender groups did not take: on Block-STM, or sequentially where
    /// Block-STM has lately been the slower on such blocks (see [`fallback`]; with
    /// `min_transactions` 0, always on Block-STM). A block in which a transaction read the fee
    /// recipient runs on Block-STM and then sequentially, and counts as Block-STM's.
    fn execute_fallback(
        &self,
        pool: &rayon::ThreadPool,
        state: &dyn StateReader,
        chain_id: u64,
        attrs: &BlockAttributes,
        txs: &[L2Transaction],
        mut stats: ExecutionStats,
    ) -> (Result<ExecutionOutput, ExecutionError>, ExecutionStats) {
        let adaptive = self.min_transactions > 0;
        let engine = if adaptive { self.workers.fallback.lock().pick() } else { Engine::BlockStm };
        let started = Instant::now();
        let result = match engine {
            Engine::BlockStm => run::execute_parallel(pool, state, chain_id, attrs, txs, &mut stats.executions),
            Engine::Sequential => Ok(None),
        };
        let result = match result {
            Ok(Some(output)) => Ok(output),
            Err(err) => Err(err),
            Ok(None) => {
                stats.sequential = true;
                SequentialExecutor.execute(state, chain_id, attrs, txs)
            }
        };
        if let Ok(output) = &result
            && adaptive
        {
            let gas = output.outcomes.iter().map(|outcome| outcome.gas_used).sum();
            self.workers.fallback.lock().record(engine, started.elapsed(), gas);
        }
        (result, stats)
    }

    /// The worker threads, started on first use.
    fn pool(&self) -> Option<&rayon::ThreadPool> {
        self.workers
            .pool
            .get_or_init(|| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(self.threads.get())
                    .thread_name(|index| format!("executor-{index}"))
                    .build()
                    .ok()
            })
            .as_ref()
    }
}

/// Each transaction's sender's fingerprint (a hash standing for the address); `None` if one
/// sender has `nonce_bound` transactions or more. Two senders with one fingerprint would count
/// as one, which only makes a chain look longer (the block runs sequentially, or is split into
/// groups less finely) and never changes a result.
fn sender_fingerprints(txs: &[L2Transaction], nonce_bound: Option<usize>) -> Option<Vec<u64>> {
    let fingerprints: Vec<u64> = txs.iter().map(|tx| fingerprint(tx.signer())).collect();
    match nonce_bound {
        Some(bound) if occurs_at_least(&fingerprints, bound) => None,
        _ => Some(fingerprints),
    }
}

/// Whether some value occurs `bound` times or more in `values`, without a map of every value
/// (Misra–Gries): `k` counters, each decremented together with the others when a value finds
/// no counter, keep every value that occurs more than `len / (k + 1)` times. With `len /
/// bound` counters that is every value occurring `bound` times, and a second pass counts
/// those exactly. A counter never exceeds its value's occurrences, so one reaching `bound`
/// settles it early (a nonce chain is found halfway through its block).
fn occurs_at_least(values: &[u64], bound: usize) -> bool {
    let counters = values.len() / bound.max(1);
    let mut candidates: Vec<(u64, usize)> = Vec::with_capacity(counters);
    for &value in values {
        if let Some((_, count)) = candidates.iter_mut().find(|(candidate, _)| *candidate == value) {
            *count += 1;
            if *count >= bound {
                return true;
            }
        } else if candidates.len() < counters {
            candidates.push((value, 1));
        } else {
            candidates.iter_mut().for_each(|(_, count)| *count -= 1);
            candidates.retain(|(_, count)| *count > 0);
        }
    }
    candidates.iter().any(|(candidate, _)| values.iter().filter(|value| *value == candidate).count() >= bound)
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

#[cfg(test)]
mod tests {
    use super::{ParallelExecutor, occurs_at_least};
    use proptest::prelude::*;
    use rollup_core::test_utils::{Op, TOKEN, TestBlock};
    use std::num::NonZeroUsize;

    /// A panic in a Block-STM worker reaches the caller: the other workers stop rather than
    /// wait forever for the transaction that panicked, or at the barrier before the change set.
    #[test]
    fn a_panic_in_a_block_stm_worker_reaches_the_caller() {
        let transfers = (0..32).map(|from| Op::Transfer { from, to: 43, value: 1 });
        let ops: Vec<Op> = transfers.chain([Op::Erc20 { from: 0, to: 48, amount: 1 }]).collect();
        for threads in [2, 4] {
            let parallel = ParallelExecutor::new(NonZeroUsize::new(threads).expect("not 0"))
                .with_min_transactions(0)
                .with_partitioning(false);
            assert!(TestBlock::new(&ops).passes_on_panic(parallel, TOKEN), "{threads} threads");
        }
    }

    proptest! {
        /// The counters find a value occurring `bound` times or more exactly when there is one,
        /// also for bounds just above and below the most frequent value's count (where an
        /// early answer off by one would show).
        #[test]
        fn occurs_at_least_agrees_with_counting(
            values in prop::collection::vec(0u64..6, 0..200),
            offset in -2isize..=2,
        ) {
            let most = values.iter().map(|value| values.iter().filter(|other| *other == value).count()).max();
            let bound = most.unwrap_or(0).saturating_add_signed(offset).max(1);
            prop_assert_eq!(occurs_at_least(&values, bound), most.unwrap_or(0) >= bound);
        }
    }
}
