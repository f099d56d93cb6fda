//! Sequential vs parallel execution of large blocks (`cargo bench -p executor`).
//!
//! Workloads of 10,000 transactions: independent ETH transfers, ERC-20 transfers, swaps on
//! constant-product pools (each on its own, or a tenth on one pool), a 30% hot-account mix, a
//! fully dependent chain, and small blocks.
//! Criterion measures each engine; a summary then prints gas/s of plain revm, our sequential
//! executor and the parallel executor at 2 threads, the ratios, and re-executions per
//! transaction, all measured in this run. The contracts are compiled with the pinned solc
//! (`tools/compile.js`), so run `make tools` first.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope, transaction::Recovered},
    network::TxSignerSync,
    signers::local::PrivateKeySigner,
};
use alloy_primitives::{Address, Bytes, TxKind, U256, keccak256};
use criterion::{Criterion, Throughput, criterion_main};
use executor::ParallelExecutor;
use revm::{
    Context, ExecuteCommitEvm, MainBuilder, MainContext,
    bytecode::Bytecode,
    database::{CacheDB, EmptyDB},
    state::AccountInfo as RevmAccount,
};
use rollup_core::{
    AccountDiff, AccountInfo, BlockAttributes, BlockExecutor, L1Origin, L2Transaction, SequentialExecutor, StateDiff,
    WorldState, evm_env,
    test_utils::{mapping_slot, test_l1_attributes},
    tx_env,
};
use std::{num::NonZeroUsize, time::Instant};
use test_support::compile;

const BLOCK_TXS: u64 = 10_000;
const CHAIN_ID: u64 = 42069;
const BASE_FEE: u64 = 1_000_000_000;

/// A block ready to execute on a prepared state.
struct Workload {
    name: &'static str,
    state: StateDiff,
    txs: Vec<L2Transaction>,
}

fn key(seed: u64) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&keccak256(seed.to_be_bytes())).expect("a hash is a valid key")
}

fn sign(key: &PrivateKeySigner, nonce: u64, to: Address, value: u64, input: Bytes, gas_limit: u64) -> L2Transaction {
    let mut tx = TxEip1559 {
        chain_id: CHAIN_ID,
        nonce,
        gas_limit,
        max_fee_per_gas: 2 * u128::from(BASE_FEE),
        max_priority_fee_per_gas: 1_000,
        to: TxKind::Call(to),
        value: U256::from(value),
        input,
        ..Default::default()
    };
    let signature = key.sign_transaction_sync(&mut tx).expect("signing works");
    Recovered::new_unchecked(TxEnvelope::from(tx.into_signed(signature)), key.address())
}

fn fund(state: &mut StateDiff, address: Address) {
    let info = AccountInfo { nonce: 0, balance: U256::from(10u128.pow(24)), ..Default::default() };
    state.accounts.insert(address, AccountDiff { info: Some(info), ..Default::default() });
}

fn contract(state: &mut StateDiff, address: Address, code: &Bytes, storage: impl IntoIterator<Item = (U256, U256)>) {
    let code_hash = keccak256(code);
    state.codes.insert(code_hash, code.clone());
    let info = AccountInfo { nonce: 1, balance: U256::ZERO, code_hash };
    let entry = state.accounts.entry(address).or_default();
    entry.info = Some(info);
    entry.storage.extend(storage);
}

fn recipient(i: u64) -> Address {
    Address::from_word(keccak256((i + 1_000_000_000).to_be_bytes()))
}

/// Whether transaction `i` goes to the hot account or pool, as a `share` of them do (in whole
/// tenths).
fn is_hot(i: u64, share: f64) -> bool {
    i % 10 < (share * 10.0) as u64
}

fn transfers(name: &'static str, count: u64, hot_share: f64) -> Workload {
    let mut state = StateDiff::default();
    let hot = Address::repeat_byte(0x77);
    let txs = (0..count)
        .map(|i| {
            let sender = key(i);
            fund(&mut state, sender.address());
            let to = if is_hot(i, hot_share) { hot } else { recipient(i) };
            sign(&sender, 0, to, 1, Bytes::new(), 21_000)
        })
        .collect();
    Workload { name, state, txs }
}

fn erc20(token_code: &Bytes) -> Workload {
    let mut state = StateDiff::default();
    let token = Address::repeat_byte(0x70);
    let mut balances = Vec::new();
    let txs = (0..BLOCK_TXS)
        .map(|i| {
            let sender = key(i);
            fund(&mut state, sender.address());
            balances.push((mapping_slot(sender.address(), 1), U256::from(1_000_000u64)));
            let mut input = keccak256("transfer(address,uint256)")[..4].to_vec();
            input.extend_from_slice(recipient(i).into_word().as_slice());
            input.extend_from_slice(&U256::from(10u64).to_be_bytes::<32>());
            sign(&sender, 0, token, 0, input.into(), 100_000)
        })
        .collect();
    balances.push((U256::ZERO, U256::from(1_000_000u64 * BLOCK_TXS)));
    contract(&mut state, token, token_code, balances);
    Workload { name: "ERC-20 transfers", state, txs }
}

/// Swaps, each on its own pool except a `hot_share` of them, all on one pool.
fn swaps(name: &'static str, pool_code: &Bytes, hot_share: f64) -> Workload {
    let mut state = StateDiff::default();
    let hot = Address::repeat_byte(0x78);
    let txs = (0..BLOCK_TXS)
        .map(|i| {
            let sender = key(i);
            fund(&mut state, sender.address());
            let pool = if is_hot(i, hot_share) {
                hot
            } else {
                Address::from_word(keccak256((i + 2_000_000_000).to_be_bytes()))
            };
            let reserves = [(U256::ZERO, U256::from(10u64.pow(18))), (U256::from(1), U256::from(10u64.pow(18)))];
            let balance = (mapping_slot(sender.address(), 2), U256::from(10u64.pow(15)));
            contract(&mut state, pool, pool_code, reserves.into_iter().chain([balance]));
            let mut input = keccak256("swap(uint256,bool,uint256)")[..4].to_vec();
            input.extend_from_slice(&U256::from(10u64.pow(12)).to_be_bytes::<32>());
            input.extend_from_slice(&U256::from(1).to_be_bytes::<32>());
            input.extend_from_slice(&U256::ZERO.to_be_bytes::<32>());
            sign(&sender, 0, pool, 0, input.into(), 150_000)
        })
        .collect();
    Workload { name, state, txs }
}

fn dependent_chain() -> Workload {
    let mut state = StateDiff::default();
    let sender = key(0);
    fund(&mut state, sender.address());
    let txs = (0..BLOCK_TXS).map(|nonce| sign(&sender, nonce, recipient(nonce), 1, Bytes::new(), 21_000)).collect();
    Workload { name: "fully dependent chain", state, txs }
}

fn attributes() -> BlockAttributes {
    BlockAttributes {
        number: 1,
        parent_hash: Default::default(),
        timestamp: 1,
        l1_origin: L1Origin::default(),
        l1: test_l1_attributes(),
        fee_recipient: Address::repeat_byte(0xFE),
        base_fee: BASE_FEE,
        gas_limit: 1 << 40,
    }
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
        erc20(&token),
        swaps("constant-product swaps", &pool, 0.0),
        swaps("swaps, 10% on one pool", &pool, 0.1),
        transfers("hot account 30%", BLOCK_TXS, 0.3),
        dependent_chain(),
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
