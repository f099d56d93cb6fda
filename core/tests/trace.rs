//! Re-executions of committed blocks agree with `apply_block` on random workloads with
//! deposits: `trace_block` (one commit per step, for the fraud prover's replays) seals exactly
//! the same block, and `BlockReplay` (one transaction at a time, for `debug_trace*`) reproduces
//! each transaction's outcome and the block's state root.

use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use revm::inspector::NoOpInspector;
use rollup_core::{
    AppliedBlock, BlockAttributes, BlockReplay, BlockTx, FEE_RECIPIENT, L2Transaction, SequentialExecutor, StepKind,
    WorldState, apply_block,
    deposit::TxDeposit,
    test_utils::{Builder, Op, next_attributes, op},
    trace_block,
};

/// A deposit from `seed`'s address minting `mint`; an `unaffordable` one sends more than any
/// balance, so revm refuses it (it keeps only its mint and nonce increment).
fn deposit(seed: u8, mint: u64, unaffordable: bool) -> TxDeposit {
    TxDeposit {
        source_hash: B256::repeat_byte(seed),
        from: Address::repeat_byte(seed),
        to: TxKind::Call(Address::repeat_byte(seed.wrapping_add(1))),
        mint: u128::from(mint),
        value: if unaffordable { U256::MAX } else { U256::from(mint / 2) },
        gas_limit: 100_000,
        is_system_transaction: false,
        input: Bytes::new(),
    }
}

/// A block's user transactions and deposits (`(seed, mint, refused)`, see [`deposit`]).
type Block = (Vec<Op>, Vec<(u8, u64, bool)>);

/// One to four blocks, each of up to nine user transactions (`hot` percent of them on shared
/// accounts) and up to two deposits (some of them refused).
fn blocks() -> impl Strategy<Value = Vec<Block>> {
    (0..=100u8).prop_flat_map(|hot| {
        prop::collection::vec(
            (
                prop::collection::vec(op(hot), 0..10),
                prop::collection::vec((any::<u8>(), any::<u64>(), prop::bool::weighted(0.3)), 0..3),
            ),
            1..5,
        )
    })
}

/// Applies `blocks` one after the other and hands each applied block to `check`, with a second
/// world at the block's parent state for the re-execution under test (`check` brings it to the
/// block's state). Stops at the first block a workload made invalid: replays only see valid
/// blocks.
fn check_blocks(
    blocks: Vec<Block>,
    mut check: impl FnMut(
        &mut WorldState,
        u64,
        BlockAttributes,
        &[TxDeposit],
        &[L2Transaction],
        &AppliedBlock,
    ) -> Result<(), TestCaseError>,
) -> Result<(), TestCaseError> {
    let mut builder = Builder::default();
    let genesis = builder.genesis();
    let chain_id = genesis.config.chain_id;
    let (mut applied_world, mut parent) = genesis.build();
    let (mut world, _) = genesis.build();
    for (ops, deposits) in blocks {
        let txs: Vec<L2Transaction> = ops.iter().map(|op| builder.tx(op)).collect();
        let deposits: Vec<TxDeposit> =
            deposits.into_iter().map(|(seed, mint, refused)| deposit(seed, mint, refused)).collect();
        let attrs = next_attributes(&parent, &genesis.config, FEE_RECIPIENT);
        let applied =
            apply_block(&mut applied_world, &SequentialExecutor, chain_id, &attrs, deposits.clone(), txs.clone());
        let Ok(applied) = applied else { break };
        check(&mut world, chain_id, attrs, &deposits, &txs, &applied)?;
        parent = applied.block;
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn trace_block_seals_the_same_block(blocks in blocks()) {
        check_blocks(blocks, |world, chain_id, attrs, deposits, txs, applied| {
            let (traced, steps) =
                trace_block(world, &SequentialExecutor, chain_id, &attrs, deposits.to_vec(), txs.to_vec()).unwrap();
            prop_assert_eq!(&traced, &applied.block);
            // The block start, the L1 attributes deposit, then the given deposits and transactions.
            prop_assert_eq!(steps.len(), 2 + deposits.len() + txs.len());
            prop_assert_eq!(steps[0].kind, StepKind::BlockStart);
            let opens_with_attributes = matches!(steps[1].kind, StepKind::Deposit { index: 0, .. });
            prop_assert!(opens_with_attributes, "step 1 is {}", steps[1].kind);
            prop_assert_eq!(steps.last().unwrap().state_root, traced.header.state_root);
            Ok(())
        })?;
    }

    #[test]
    /// `BlockReplay` (what `debug_trace*` runs) re-executes a committed block exactly: each
    /// transaction's status and gas match the block's, and the replayed changes give its root.
    fn replay_matches_the_committed_block(blocks in blocks()) {
        check_blocks(blocks, |world, chain_id, attrs, _, _, applied| {
            let block = &applied.block;
            let mut replay = BlockReplay::new(&*world, chain_id, attrs);
            let all = block.deposits.iter().map(BlockTx::Deposit).chain(block.transactions.iter().map(BlockTx::User));
            for (tx, outcome) in all.zip(&applied.output.outcomes) {
                let replayed = replay.run(tx, NoOpInspector).unwrap();
                match &replayed.outcome {
                    Ok(executed) => {
                        prop_assert_eq!(executed.result.is_success(), outcome.success);
                        prop_assert_eq!(executed.result.tx_gas_used(), outcome.gas_used);
                    }
                    Err(_) => prop_assert!(!outcome.success),
                }
                replay.commit(replayed);
            }
            let diff = replay.finish();
            prop_assert_eq!(world.apply(&diff), block.header.state_root);
            Ok(())
        })?;
    }
}
