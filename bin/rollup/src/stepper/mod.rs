//! `rollup stepper …`: the dispute game's EVM stepper checked step by step against revm, on
//! Ethereum's state tests (`state-tests`) and on a real L2 block (`block`).

mod block;
mod proven;
mod state_tests;

use clap::{Args, Subcommand};
use std::path::PathBuf;

/// `rollup stepper …`.
#[derive(Debug, Args)]
pub(crate) struct StepperArgs {
    #[command(subcommand)]
    command: StepperCommand,
}

#[derive(Debug, Subcommand)]
enum StepperCommand {
    /// Run every state test (ethereum/tests JSON) under the folders through the tracer and the
    /// on-chain stepper, checking every step and the final state; print a line per test, then
    /// `N passed, M failed, K skipped` and `steps=<steps verified> max_step_gas=<gas>`.
    StateTests {
        /// Folders (searched recursively) or files of state tests.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
    },
    /// Trace an L2 block of a running node from Merkle proofs of what it reads (the block
    /// re-executed on them must seal to its hash) and check every step of its transactions (or
    /// the step at position K) against the on-chain stepper, then the state root and the
    /// output root the block ends with; print a line per transaction, then `N passed, M
    /// failed` over steps.
    Block {
        /// JSON-RPC URL of the L2 node: it must serve the block and its 256 ancestors,
        /// `eth_getProof` and `eth_getCode` at the block's parent, `debug_dbGet` (the parent's
        /// trie nodes by hash), `debug_traceBlockByNumber` and `rollup_outputAtBlock`.
        #[arg(long)]
        l2_rpc_url: String,
        /// The block's number.
        #[arg(long)]
        block: u64,
        /// Check only the step at this position of the block's trace (slot × 2^24 + step;
        /// transaction i is slot 1 + i, docs/dispute/block.md), then the output root.
        #[arg(long)]
        step: Option<u64>,
    },
}

pub(crate) async fn run(args: StepperArgs) -> anyhow::Result<()> {
    match args.command {
        StepperCommand::StateTests { dirs } => state_tests::run(&dirs),
        StepperCommand::Block { l2_rpc_url, block, step } => block::run(&l2_rpc_url, block, step).await,
    }
}
