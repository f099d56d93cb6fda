//! `trace_block` (one commit per step, for replays) seals exactly the block `apply_block`
//! seals, on random workloads with deposits, and its last step's root is the block's root.

use alloy_primitives::{Address, B256, Bytes, TxKind, U256};
use proptest::prelude::*;
use rollup_core::{
    FEE_RECIPIENT, L2Transaction, SequentialExecutor, StepKind, apply_block,
    deposit::TxDeposit,
    test_utils::{Builder, next_attributes, op},
    trace_block,
};

fn deposit(seed: u8, mint: u64) -> TxDeposit {
    TxDeposit {
        source_hash: B256::repeat_byte(seed),
        from: Address::repeat_byte(seed),
        to: TxKind::Call(Address::repeat_byte(seed.wrapping_add(1))),
        mint: u128::from(mint),
        value: U256::from(mint / 2),
        gas_limit: 100_000,
        is_system_transaction: false,
        input: Bytes::new(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn trace_block_seals_the_same_block(
        blocks in (0..=100u8).prop_flat_map(|hot| prop::collection::vec(
            (prop::collection::vec(op(hot), 0..10), prop::collection::vec((any::<u8>(), any::<u64>()), 0..3)),
            1..5,
        )),
    ) {
        let mut builder = Builder::default();
        let genesis = builder.genesis();
        let chain_id = genesis.config.chain_id;
        let (mut applied_world, block0) = genesis.build();
        let (mut traced_world, _) = genesis.build();
        let mut parent = block0;
        for (ops, deposits) in blocks {
            let txs: Vec<L2Transaction> = ops.iter().map(|op| builder.tx(op)).collect();
            let deposits: Vec<TxDeposit> = deposits.into_iter().map(|(seed, mint)| deposit(seed, mint)).collect();
            let attrs = next_attributes(&parent, &genesis.config, FEE_RECIPIENT);
            let Ok(applied) =
                apply_block(&mut applied_world, &SequentialExecutor, chain_id, &attrs, deposits.clone(), txs.clone())
            else {
                // A workload can make a later transaction invalid; replays only see valid blocks.
                break;
            };
            let (traced, steps) =
                trace_block(&mut traced_world, &SequentialExecutor, chain_id, &attrs, deposits.clone(), txs.clone())
                    .unwrap();
            prop_assert_eq!(&traced, &applied.block);
            // The block start, the L1 attributes deposit, then the given deposits and transactions.
            prop_assert_eq!(steps.len(), 2 + deposits.len() + txs.len());
            prop_assert_eq!(steps[0].kind, StepKind::BlockStart);
            let opens_with_attributes = matches!(steps[1].kind, StepKind::Deposit { index: 0, .. });
            prop_assert!(opens_with_attributes, "step 1 is {}", steps[1].kind);
            prop_assert_eq!(steps.last().unwrap().state_root, traced.header.state_root);
            parent = applied.block;
        }
    }
}
