//! What a parallel execution did, for tests, benchmarks and the fallback's choice.

/// How a block was executed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExecutionStats {
    /// EVM runs of the parallel attempts (equal to the block size when nothing conflicted).
    pub executions: usize,
    /// Whether the block ran in sender groups that did not interact.
    pub partitioned: bool,
    /// Sender groups formed from transactions that a thread done with its own group took
    /// over from a group still running (counted also when the groups then turned out to
    /// interact; zero when a group gave up).
    pub taken_over: usize,
    /// Whether the block ran sequentially (too small, one thread, one sender's nonce chain
    /// too long, a fee vault was read, the threads were busy with another block, or the
    /// sender groups did not take it and Block-STM has lately been slower than sequential).
    pub sequential: bool,
}
