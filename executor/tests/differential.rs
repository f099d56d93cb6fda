//! Parallel execution equals sequential execution: random blocks of ETH and ERC-20 transfers,
//! constant-product swaps, deployments, storage writes, out-of-gas runs, self-destructs and
//! EIP-7702 delegations, at a random conflict rate (0-100% of senders, recipients and pools
//! drawn from a hot pair), with the fee recipient an idle address, a sender or a contract; at 1,
//! 2, 4 and 8 threads, compared output for output (receipts, gas, logs and the full state
//! change set). Blocks that start with deposits apply identically with either executor, and a
//! sender one wei short of its L1 data fee invalidates a block in every engine alike.

use alloy::consensus::Transaction as _;
use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use executor::ParallelExecutor;
use proptest::prelude::*;
use rollup_core::{
    BlockExecutor, ExecutionError, L2Transaction, SequentialExecutor, apply_block,
    deposit::TxDeposit,
    dev_signers,
    test_utils::{Builder, FEE_RECIPIENT, Op, TOKEN, TestBlock, next_attributes, op},
};
use std::num::NonZeroUsize;

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn parallel_equals_sequential(
        blocks in (0..=100u8).prop_flat_map(|hot| prop::collection::vec(prop::collection::vec(op(hot), 1..60), 1..4)),
        recipient in prop_oneof![Just(FEE_RECIPIENT), Just(dev_signers()[3].address()), Just(TOKEN)],
    ) {
        let mut builder = Builder::default();
        let genesis = builder.genesis();
        let (mut world, mut parent) = genesis.build();
        for ops in blocks {
            let txs: Vec<L2Transaction> = ops.iter().map(|op| builder.tx(op)).collect();
            let attrs = next_attributes(&parent, &genesis.config, recipient);
            let expected = SequentialExecutor.execute(&world, genesis.config.chain_id, &attrs, &txs);
            for (threads, partitioning) in [(1, true), (2, true), (2, false), (4, true), (4, false), (8, true), (8, false)] {
                let parallel = ParallelExecutor::new(NonZeroUsize::new(threads).unwrap())
                    .with_min_transactions(0)
                    .with_partitioning(partitioning);
                let got = parallel.execute(&world, genesis.config.chain_id, &attrs, &txs);
                match (&expected, &got) {
                    (Ok(expected), Ok(got)) => prop_assert_eq!(expected, got, "{} threads, partitioning {}", threads, partitioning),
                    (Err(expected), Err(got)) => prop_assert_eq!(expected.to_string(), got.to_string()),
                    _ => prop_assert!(false, "{threads} threads: {expected:?} vs {got:?}"),
                }
            }
            let applied = apply_block(&mut world, &SequentialExecutor, genesis.config.chain_id, &attrs, Vec::new(), txs);
            let Ok(applied) = applied else { break };
            parent = applied.block;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Blocks of a few hundred transactions, so that the change set is built from many shards
    /// on every thread. Without delegations: a delegated account that self-destructs loses its
    /// balance, and in a block this long some sender always would, ending the block early.
    #[test]
    fn large_blocks_parallel_equals_sequential(
        ops in (0..=100u8).prop_flat_map(|hot| prop::collection::vec(op(hot), 150..300)),
    ) {
        let block = TestBlock::new(ops.iter().filter(|op| !matches!(op, Op::Delegate { .. })));
        let expected = block.sequential();
        let Ok(expected) = expected else { return Err(TestCaseError::fail(format!("block rejected: {expected:?}"))) };
        for (threads, partitioning) in [(2, true), (2, false), (4, true), (4, false)] {
            let parallel = ParallelExecutor::new(NonZeroUsize::new(threads).unwrap())
                .with_min_transactions(0)
                .with_partitioning(partitioning);
            match parallel.execute(&block.world, block.chain_id, &block.attrs, &block.txs) {
                Ok(got) => prop_assert_eq!(&expected, &got, "{} threads, partitioning {}", threads, partitioning),
                Err(err) => prop_assert!(false, "{threads} threads rejected the block: {err}"),
            }
        }
    }
}

/// Deposits minting to fresh accounts and paying into the workload's accounts and contracts.
fn deposits() -> impl Strategy<Value = Vec<TxDeposit>> {
    let deposit = (0..4u8, 0..12usize, any::<u64>(), 0..3u64, any::<bool>());
    prop::collection::vec(deposit, 0..4).prop_map(|deposits| {
        deposits
            .into_iter()
            .enumerate()
            .map(|(index, (from, to, mint, value_part, call_token))| {
                let mint = u128::from(mint % 1_000_000);
                let to = if call_token { TOKEN } else { dev_signers()[to % 10].address() };
                TxDeposit {
                    source_hash: B256::with_last_byte(index as u8),
                    from: Address::with_last_byte(0xD0 + from),
                    to: TxKind::Call(to),
                    mint,
                    // Sometimes more than the mint, which makes the deposit invalid.
                    value: U256::from(mint * u128::from(value_part) / 2),
                    gas_limit: 60_000,
                    is_system_transaction: false,
                    input: Bytes::new(),
                }
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn deposits_then_parallel_equals_sequential(
        blocks in (0..=100u8).prop_flat_map(|hot| prop::collection::vec((deposits(), prop::collection::vec(op(hot), 1..40)), 1..4)),
    ) {
        let mut builder = Builder::default();
        let genesis = builder.genesis();
        let (mut sequential_world, mut parent) = genesis.build();
        let (mut parallel_world, _) = genesis.build();
        let parallel = ParallelExecutor::new(NonZeroUsize::new(4).unwrap()).with_min_transactions(0);
        for (deposits, ops) in blocks {
            let txs: Vec<L2Transaction> = ops.iter().map(|op| builder.tx(op)).collect();
            let attrs = next_attributes(&parent, &genesis.config, FEE_RECIPIENT);
            let chain_id = genesis.config.chain_id;
            let expected =
                apply_block(&mut sequential_world, &SequentialExecutor, chain_id, &attrs, deposits.clone(), txs.clone());
            let got = apply_block(&mut parallel_world, &parallel, chain_id, &attrs, deposits, txs);
            match (expected, got) {
                (Ok(expected), Ok(got)) => {
                    prop_assert_eq!(&expected.block, &got.block);
                    prop_assert_eq!(&expected.output, &got.output);
                    prop_assert_eq!(&expected.diff, &got.diff);
                    parent = expected.block;
                }
                (Err(expected), Err(got)) => {
                    prop_assert_eq!(expected.to_string(), got.to_string());
                    break;
                }
                (expected, got) => prop_assert!(false, "{expected:?} vs {got:?}"),
            }
        }
    }
}

/// Blocks that run in sender groups: independent transfers, ERC-20 transfers and swaps from
/// distinct senders, with every sender also crediting one shared account (credits commute), run
/// partitioned and equal sequential execution; a block whose groups interact (a sender pays a
/// recipient that another group's sender is) runs on Block-STM and equals it too.
#[test]
fn sender_groups_that_do_not_interact_run_apart() {
    let independent: Vec<Op> = (0..16)
        .flat_map(|from| {
            [
                Op::Transfer { from, to: 44 + from, value: 1 },
                Op::Transfer { from, to: 63, value: 2 },
                Op::Erc20 { from, to: 44 + from, amount: 1 },
                Op::Swap { from, pool: from % 8, amount: 1, zero_for_one: true, greedy: false },
            ]
        })
        .filter(|op| !matches!(op, Op::Swap { from, .. } if *from >= 8))
        .collect();
    let interacting: Vec<Op> = (0..16).map(|from| Op::Transfer { from, to: (from + 1) % 16, value: 1 }).collect();
    for (ops, partitioned) in [(independent, true), (interacting, false)] {
        let block = TestBlock::new(&ops);
        let expected = block.sequential().expect("valid block");
        let parallel = ParallelExecutor::new(NonZeroUsize::new(2).unwrap()).with_min_transactions(0);
        let (got, stats) = parallel.execute_with_stats(&block.world, block.chain_id, &block.attrs, &block.txs);
        assert_eq!(got.expect("valid block"), expected);
        assert_eq!(stats.partitioned, partitioned, "{stats:?}");
    }
}

/// With the default threshold, a block whose senders interact goes to the fallback engines:
/// Block-STM first, then the sequential executor, then whichever was faster; each gives the
/// sequential result.
#[test]
fn the_fallback_runs_both_engines_and_equals_sequential() {
    let round = (0..16).map(|from| Op::Transfer { from, to: (from + 1) % 16, value: 1 });
    let ops: Vec<Op> = round.cycle().take(ParallelExecutor::DEFAULT_MIN_TRANSACTIONS).collect();
    let block = TestBlock::new(&ops);
    let expected = block.sequential().expect("valid block");
    let parallel = ParallelExecutor::new(NonZeroUsize::new(2).unwrap());
    let mut engines = Vec::new();
    for _ in 0..4 {
        let (got, stats) = parallel.execute_with_stats(&block.world, block.chain_id, &block.attrs, &block.txs);
        assert_eq!(got.expect("valid block"), expected);
        assert!(!stats.partitioned, "{stats:?}");
        engines.push(stats.sequential);
    }
    assert_eq!(engines[..2], [false, true], "Block-STM first, then sequential");
}

/// Operations whose senders never interact across groups: ETH transfers to a few shared fresh
/// addresses (credited from several groups), ERC-20 transfers each to the sender's own fresh
/// recipient (distinct slots of one contract, written from several groups) and swaps each on
/// the sender's own pool.
fn independent_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..32usize, 43..48usize, 1..3u64).prop_map(|(from, to, value)| Op::Transfer { from, to, value }),
        (0..32usize, 1..1_000u64).prop_map(|(from, amount)| Op::Erc20 { from, to: 48 + from, amount }),
        (0..8usize, 1..1_000u64, any::<bool>()).prop_map(|(from, amount, zero_for_one)| Op::Swap {
            from,
            pool: from,
            amount,
            zero_for_one,
            greedy: false
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Blocks whose senders do not interact run in sender groups at 2, 3 and 4 threads, and the
    /// groups' changes put together (credits added up, slots of one contract joined) equal
    /// sequential execution.
    #[test]
    fn sender_groups_equal_sequential(ops in prop::collection::vec(independent_op(), 64..200)) {
        let block = TestBlock::new(&ops);
        let expected = block.sequential();
        let Ok(expected) = expected else { return Err(TestCaseError::fail(format!("block rejected: {expected:?}"))) };
        for threads in [2, 3, 4] {
            let parallel = ParallelExecutor::new(NonZeroUsize::new(threads).unwrap()).with_min_transactions(0);
            let (got, stats) = parallel.execute_with_stats(&block.world, block.chain_id, &block.attrs, &block.txs);
            prop_assert_eq!(&expected, &got.expect("valid block"), "{} threads", threads);
            prop_assert!(stats.partitioned, "{} threads: {:?}", threads, stats);
        }
    }
}

/// A sender that can pay its transfer's gas and value but not its L1 data fee makes the block
/// invalid at that transaction in every engine; with one wei more, every engine executes the
/// block alike.
#[test]
fn the_l1_fee_boundary_is_the_same_for_every_engine() {
    let mut builder = Builder::default();
    let mut genesis = builder.genesis();
    let others: Vec<L2Transaction> =
        (1..20).map(|from| builder.tx(&Op::Transfer { from, to: 40 + from, value: 3 })).collect();
    let poor = builder.tx(&Op::Transfer { from: 0, to: 45, value: 7 });
    let (_, block0) = genesis.build();
    let attrs = next_attributes(&block0, &genesis.config, FEE_RECIPIENT);
    let inner = poor.inner();
    let l1_fee = rollup_core::fees::transaction_l1_cost(inner, &attrs.l1).fee;
    assert!(l1_fee > U256::ZERO);
    let cost = U256::from(inner.gas_limit()) * U256::from(inner.max_fee_per_gas()) + inner.value() + l1_fee;
    let txs: Vec<L2Transaction> = others.into_iter().chain([poor.clone()]).collect();
    for (balance, valid) in [(cost - U256::from(1), false), (cost, true)] {
        genesis.alloc.get_mut(&poor.signer()).expect("a dev account").balance = balance;
        let (world, _) = genesis.build();
        let expected = SequentialExecutor.execute(&world, genesis.config.chain_id, &attrs, &txs);
        assert_eq!(expected.is_ok(), valid, "{expected:?}");
        if let Err(err) = &expected {
            assert!(matches!(err, ExecutionError::InvalidTransaction { index: 19, .. }), "{err}");
        }
        for (threads, partitioning) in [(2, true), (2, false), (4, true)] {
            let parallel = ParallelExecutor::new(NonZeroUsize::new(threads).unwrap())
                .with_min_transactions(0)
                .with_partitioning(partitioning);
            let got = parallel.execute(&world, genesis.config.chain_id, &attrs, &txs);
            match (&expected, &got) {
                (Ok(expected), Ok(got)) => assert_eq!(expected, got),
                (Err(expected), Err(got)) => assert_eq!(expected.to_string(), got.to_string()),
                _ => panic!("{threads} threads: {expected:?} vs {got:?}"),
            }
        }
    }
}
