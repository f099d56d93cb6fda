//! How long the tracer takes to answer every position a full bisection of one block asks for
//! (`cargo bench -p stepper --bench bisection`), in the largest block the chain allows: its
//! default gas limit filled with ERC-20 transfers, then with swaps on constant-product pools.
//!
//! The game bisects positions `slot × 2^24 + step` (docs/dispute/block.md) down to one step;
//! each answer runs the transactions before the position's slot on revm and traces the
//! position's transaction up to it (`stepper::step_at`), keeping nothing between answers.
//! The disputed step is picked in the middle of the block and at its last transaction. The
//! baseline, measured in the same run, is applying the block as the sequencer does
//! (`apply_block`: execution and the state root): the report gives each time as a multiple. The
//! contracts are compiled with the pinned solc (`tools/compile.js`), so run `make tools` first.

use alloy_primitives::B256;
use rollup_core::{
    ChainConfig, ExecutionError, SequentialExecutor, WorldState, apply_block, block_deposits,
    test_utils::workloads::{CHAIN_ID, Workload, attributes, erc20, swaps},
};
use std::time::{Duration, Instant};
use stepper::{BlockError, BlockInput, SLOT_STEPS, step_at};
use test_support::compile;

/// Transactions generated before the block is cut at its gas limit.
const CANDIDATES: u64 = 2_000;

fn main() {
    let token = compile("contracts/test/fixtures/TestERC20.sol", "TestERC20").deployed_bytecode;
    let pool = compile("contracts/test/fixtures/ConstantProductPool.sol", "ConstantProductPool").deployed_bytecode;
    let gas_limit = ChainConfig::default().block_gas_limit;
    println!("block gas limit {gas_limit}; times are wall clock, one thread");
    for workload in [erc20(&token, CANDIDATES), swaps("constant-product swaps", &pool, CANDIDATES, 0.0)] {
        let (input, baseline) = full_block(workload.name, &workload, gas_limit);
        let count = (input.deposits.len() + input.txs.len()) as u64;
        for (what, slot) in [("middle transaction", count / 2), ("last transaction", count)] {
            bisect(&input, baseline, what, slot * SLOT_STEPS + 100);
        }
    }
}

/// The workload's transactions that fit in a block of `gas_limit` after its L1 attributes
/// deposit (as many as the state-transition function takes), as a block to trace, and the
/// time applying it as the sequencer does takes (the median of five).
fn full_block(name: &str, workload: &Workload, gas_limit: u64) -> (BlockInput, Duration) {
    let world = || {
        let mut world = WorldState::new();
        world.apply(&workload.state);
        world
    };
    let attrs = attributes(gas_limit);
    let apply = |txs: &[_]| apply_block(&mut world(), &SequentialExecutor, CHAIN_ID, &attrs, Vec::new(), txs.to_vec());
    let fits = match apply(&workload.txs) {
        Err(ExecutionError::InvalidTransaction { index, .. }) => index,
        other => panic!("{CANDIDATES} transactions should not fit in a block: {other:?}"),
    };
    let txs = workload.txs[..fits].to_vec();
    let mut times: Vec<Duration> = (0..5)
        .map(|_| {
            let mut world = world();
            let started = Instant::now();
            apply_block(&mut world, &SequentialExecutor, CHAIN_ID, &attrs, Vec::new(), txs.clone()).expect("it fits");
            started.elapsed()
        })
        .collect();
    times.sort();
    let baseline = times[2];
    println!("\n{name}: {} transactions, applied in {:.1} ms", txs.len(), baseline.as_secs_f64() * 1e3);
    let input = BlockInput {
        pre: workload.state.clone(),
        trie: None,
        block_hashes: vec![(0, B256::ZERO)],
        chain_id: CHAIN_ID,
        deposits: block_deposits(&world(), &attrs, Vec::new()),
        attrs,
        txs,
    };
    (input, baseline)
}

/// Bisects the block's positions down to `disputed`, answering each position the game asks
/// for, and prints what that took.
fn bisect(input: &BlockInput, baseline: Duration, what: &str, disputed: u64) {
    let slots = 2 + (input.deposits.len() + input.txs.len()) as u64;
    let (mut low, mut high) = (0, slots * SLOT_STEPS);
    let mut positions = Vec::new();
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        positions.push(middle);
        if middle <= disputed {
            low = middle;
        } else {
            high = middle;
        }
    }
    positions.push(low);
    let (mut total, mut slowest, mut unanswered) = (Duration::ZERO, Duration::ZERO, 0);
    for &position in &positions {
        let started = Instant::now();
        let answered = match step_at(input, position) {
            Ok(_) => true,
            Err(BlockError::Slot { .. }) => false,
            Err(other) => panic!("position {position}: {other}"),
        };
        let took = started.elapsed();
        if answered {
            total += took;
            slowest = slowest.max(took);
        } else {
            unanswered += 1;
        }
    }
    let ratio = |time: Duration| time.as_secs_f64() / baseline.as_secs_f64();
    println!(
        "  dispute at the {what}: {} positions ({unanswered} in the block start or end slots, not stepped yet), \
         all answered in {:.2} s ({:.0}x applying the block), slowest {:.0} ms ({:.1}x)",
        positions.len(),
        total.as_secs_f64(),
        ratio(total),
        slowest.as_secs_f64() * 1e3,
        ratio(slowest)
    );
}
