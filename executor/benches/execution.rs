//! Sequential vs parallel execution of large blocks (`cargo bench -p executor`).
//!
//! Workloads of 10,000 transactions: independent ETH transfers, ERC-20 transfers, swaps on
//! constant-product pools (each on its own, or a tenth on one pool), a 30% hot-account mix, a
//! fully dependent chain, and small blocks.
//! Criterion measures each engine; a summary then prints gas/s of plain revm, our sequential
//! executor and the parallel executor at 2 threads, the ratios, and re-executions per
//! transaction, all measured in this run. The contracts are compiled with the pinned solc
//! (`tools/compile.js`), so run `make tools` first.

use criterion::{Criterion, Throughput, criterion_main};
use executor::ParallelExecutor;
use revm::{
    Context, ExecuteCommitEvm, MainBuilder, MainContext,
    bytecode::Bytecode,
    database::{CacheDB, EmptyDB},
    state::AccountInfo as RevmAccount,
};
use rollup_core::{
    BlockAttributes, BlockExecutor, L2Transaction, SequentialExecutor, StateDiff, WorldState, evm_env,
    test_utils::workloads::{self, CHAIN_ID, dependent_chain, erc20, swaps, transfers},
    tx_env,
};
use std::{num::NonZeroUsize, time::Instant};
use test_support::compile;

const BLOCK_TXS: u64 = 10_000;

fn attributes() -> BlockAttributes {
    workloads::attributes(1 << 40)
}

fn world(state: &StateDiff) -> WorldState {
    let mut world = WorldState::new();
    world.apply(state);
    world
}

/// Plain revm: the same transactions committed into revm's `CacheDB`.
fn plain_revm(state: &StateDiff, txs: &[L2Transaction]) -> u64 {
    let mut db = CacheDB::new(EmptyDB::default());
    for (address, account) in &state.accounts {
        let info = account.info.expect("funded");
        let code = state.codes.get(&info.code_hash).map(|code| Bytecode::new_raw(code.clone()));
        db.insert_account_info(
            *address,
            RevmAccount { balance: info.balance, nonce: info.nonce, code_hash: info.code_hash, code, account_id: None },
        );
        for (slot, value) in &account.storage {
            db.insert_account_storage(*address, *slot, *value).expect("in memory");
        }
    }
    // Our executors build their EVM for each block, so plain revm's time includes that too.
    let started = Instant::now();
    let (cfg, block) = evm_env(CHAIN_ID, &attributes());
    let mut evm = Context::mainnet().with_cfg(cfg).with_block(block).with_db(db).build_mainnet();
    for tx in txs {
        evm.transact_commit(tx_env(tx)).expect("valid");
    }
    started.elapsed().as_nanos() as u64
}

/// Executes the block's two halves sequentially at the same time on two threads, each on its
/// own: no shared structures and nothing to validate, so the ratio of the whole block's
/// sequential time to this is what two threads can gain on this machine for this workload
/// (two vCPUs may share a physical core or memory bandwidth). Returns the nanoseconds taken.
fn two_halves(world: &WorldState, attrs: &BlockAttributes, txs: &[L2Transaction]) -> u64 {
    let (first, second) = txs.split_at(txs.len() / 2);
    std::thread::scope(|scope| {
        let started = Instant::now();
        let other = scope.spawn(|| SequentialExecutor.execute(world, CHAIN_ID, attrs, second));
        let ours = SequentialExecutor.execute(world, CHAIN_ID, attrs, first);
        let theirs = other.join().expect("the other half ran");
        let elapsed = started.elapsed().as_nanos() as u64;
        ours.and(theirs).expect("valid halves");
        elapsed
    })
}

/// Whether the halves of a block are valid blocks on their own (not a nonce chain) and large
/// enough for a thread's start-up not to count.
fn splittable(world: &WorldState, attrs: &BlockAttributes, txs: &[L2Transaction]) -> bool {
    txs.len() >= 1_000 && SequentialExecutor.execute(world, CHAIN_ID, attrs, &txs[txs.len() / 2..]).is_ok()
}

/// Runs per timed sample: enough that a sample of a small block lasts a few milliseconds, so
/// that the timer and the machine's jitter do not dominate it (16 transfers take ~15 µs).
fn repetitions(txs: usize) -> usize {
    (2_000 / txs.max(1)).max(1)
}

/// Runs `run` `reps` times; returns the mean nanoseconds per run and the last output. The
/// outputs are dropped after the time is taken, as plain revm's state is.
fn timed<T>(reps: usize, mut run: impl FnMut() -> T) -> (u64, T) {
    let mut outputs = Vec::with_capacity(reps);
    let started = Instant::now();
    for _ in 0..reps {
        outputs.push(run());
    }
    let elapsed = started.elapsed().as_nanos() as u64;
    let last = outputs.pop().expect("at least one run");
    drop(outputs);
    (elapsed / reps as u64, last)
}

fn median(mut samples: Vec<u64>) -> u64 {
    samples.sort_unstable();
    samples[samples.len() / 2]
}

fn bench(c: &mut Criterion) {
    let token = compile("contracts/test/fixtures/TestERC20.sol", "TestERC20").deployed_bytecode;
    let pool = compile("contracts/test/fixtures/ConstantProductPool.sol", "ConstantProductPool").deployed_bytecode;
    let workloads = vec![
        transfers("raw transfers", BLOCK_TXS, 0.0),
        erc20(&token, BLOCK_TXS),
        swaps("constant-product swaps", &pool, BLOCK_TXS, 0.0),
        swaps("swaps, 10% on one pool", &pool, BLOCK_TXS, 0.1),
        transfers("hot account 30%", BLOCK_TXS, 0.3),
        dependent_chain(BLOCK_TXS),
        transfers("small blocks (16 txs)", 16, 0.0),
    ];
    let attrs = attributes();
    let mut summary = Vec::new();
    for workload in &workloads {
        // Its own executor for each workload: what one executor learnt from the blocks of
        // another workload (to skip the sender groups, which engine is faster) would not carry
        // over to a node's steady state.
        let parallel = ParallelExecutor::new(NonZeroUsize::new(2).expect("2 > 0"));
        let world = world(&workload.state);
        let sequential_output =
            SequentialExecutor.execute(&world, CHAIN_ID, &attrs, &workload.txs).expect("valid block");
        let gas: u64 = sequential_output.outcomes.iter().map(|o| o.gas_used).sum();
        let mut group = c.benchmark_group(workload.name);
        group.sample_size(10).throughput(Throughput::Elements(gas));
        group.bench_function("sequential", |b| {
            b.iter(|| SequentialExecutor.execute(&world, CHAIN_ID, &attrs, &workload.txs))
        });
        group.bench_function("parallel-2", |b| b.iter(|| parallel.execute(&world, CHAIN_ID, &attrs, &workload.txs)));
        group.finish();

        // Interleaved runs so that drift on a noisy machine hits every engine alike.
        let (mut revm_ns, mut sequential_ns, mut parallel_ns) = (Vec::new(), Vec::new(), Vec::new());
        let (splittable, mut halves_ns) = (splittable(&world, &attrs, &workload.txs), Vec::new());
        let (mut executions, mut engine) = (0, "");
        let reps = repetitions(workload.txs.len());
        // Warm-up, untimed: both threads busy for a while first. After the single-threaded
        // set-up, the machine's second vCPU often runs slowly for the first blocks.
        for _ in 0..3 {
            if splittable {
                two_halves(&world, &attrs, &workload.txs);
            }
            timed(reps, || parallel.execute(&world, CHAIN_ID, &attrs, &workload.txs)).1.expect("valid block");
        }
        for round in 0..7 {
            if splittable {
                halves_ns.push(two_halves(&world, &attrs, &workload.txs));
            }
            revm_ns.push((0..reps).map(|_| plain_revm(&workload.state, &workload.txs)).sum::<u64>() / reps as u64);
            let mut run_parallel = || {
                let (ns, (output, stats)) =
                    timed(reps, || parallel.execute_with_stats(&world, CHAIN_ID, &attrs, &workload.txs));
                parallel_ns.push(ns);
                assert_eq!(output.expect("valid block"), sequential_output, "parallel differs from sequential");
                executions = if stats.sequential { workload.txs.len() } else { stats.executions };
                engine = match (stats.sequential, stats.partitioned) {
                    (true, _) => "sequential fallback",
                    (false, true) => "sender groups",
                    (false, false) => "Block-STM",
                };
            };
            // Every other round runs the parallel executor first, so that neither engine always
            // follows the other (and finds the memory and caches as the other left them).
            if round % 2 == 1 {
                run_parallel();
            }
            sequential_ns.push(timed(reps, || SequentialExecutor.execute(&world, CHAIN_ID, &attrs, &workload.txs)).0);
            if round % 2 == 0 {
                run_parallel();
            }
        }
        summary.push((
            workload.name,
            gas,
            median(revm_ns),
            median(sequential_ns),
            median(parallel_ns),
            (!halves_ns.is_empty()).then(|| median(halves_ns)),
            executions,
            workload.txs.len(),
            engine,
        ));
    }
    println!(
        "\n| workload | txs | plain revm Mgas/s | sequential Mgas/s | seq/revm | parallel-2 Mgas/s | parallel/seq | two halves/seq | re-executions per tx | parallel engine |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for (name, gas, revm_ns, seq_ns, par_ns, halves_ns, executions, txs, engine) in summary {
        let halves = halves_ns.map_or("—".to_owned(), |ns| format!("{:.2}x", seq_ns as f64 / ns as f64));
        let mgas = |ns: u64| gas as f64 / ns as f64 * 1e3;
        println!(
            "| {name} | {txs} | {:.1} | {:.1} | {:.2} | {:.1} | {:.2}x | {halves} | {:.3} | {engine} |",
            mgas(revm_ns),
            mgas(seq_ns),
            revm_ns as f64 / seq_ns as f64,
            mgas(par_ns),
            seq_ns as f64 / par_ns as f64,
            (executions as f64 - txs as f64) / txs as f64,
        );
    }
}

// The macros generate undocumented items.
#[allow(missing_docs)]
mod harness {
    criterion::criterion_group!(benches, super::bench);
}
criterion_main!(harness::benches);

/// The allocator of the `rollup` binary, so the figures are the node's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
