//! Parallel execution equals sequential execution: random blocks of transfers, deployments,
//! storage writes and self-destructs with many conflicts (few senders, few recipients, few
//! contracts), at 1, 2, 4 and 8 threads, compared output for output (receipts, gas, logs and
//! the full state change set).

use alloy_primitives::Address;
use executor::ParallelExecutor;
use proptest::prelude::*;
use rollup_core::{
    BlockAttributes, BlockExecutor, ChainConfig, Genesis, L1Origin, L2Transaction, SequentialExecutor, apply_block,
    test_utils::{Builder, op},
};
use std::num::NonZeroUsize;

fn attributes(parent: &rollup_core::SealedBlock, config: &ChainConfig, fee_recipient: Address) -> BlockAttributes {
    let header = &parent.header;
    BlockAttributes {
        number: header.number + 1,
        parent_hash: parent.hash,
        timestamp: header.timestamp + 1,
        l1_origin: L1Origin::default(),
        fee_recipient,
        base_fee: config.next_base_fee(header.gas_used, header.gas_limit, header.base_fee_per_gas.unwrap_or_default()),
        gas_limit: config.block_gas_limit,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn parallel_equals_sequential(
        blocks in prop::collection::vec(prop::collection::vec(op(), 1..40), 1..4),
        recipient in prop_oneof![Just(Address::with_last_byte(0xFE)), Just(rollup_core::dev_signers()[3].address())],
    ) {
        let genesis = Genesis::dev(ChainConfig::default(), 0, L1Origin::default());
        let (mut world, mut parent) = genesis.build();
        let mut builder = Builder::default();
        for ops in blocks {
            let txs: Vec<L2Transaction> = ops.iter().map(|op| builder.tx(op)).collect();
            let attrs = attributes(&parent, &genesis.config, recipient);
            let expected = SequentialExecutor.execute(&world, genesis.config.chain_id, &attrs, &txs);
            for threads in [1, 2, 4, 8] {
                let parallel = ParallelExecutor::new(NonZeroUsize::new(threads).unwrap()).with_min_transactions(0);
                let got = parallel.execute(&world, genesis.config.chain_id, &attrs, &txs);
                match (&expected, &got) {
                    (Ok(expected), Ok(got)) => prop_assert_eq!(expected, got, "{} threads", threads),
                    (Err(expected), Err(got)) => prop_assert_eq!(expected.to_string(), got.to_string()),
                    _ => prop_assert!(false, "{threads} threads: {expected:?} vs {got:?}"),
                }
            }
            let applied = apply_block(&mut world, &SequentialExecutor, genesis.config.chain_id, &attrs, txs);
            let Ok(applied) = applied else { break };
            parent = applied.block;
        }
    }
}
