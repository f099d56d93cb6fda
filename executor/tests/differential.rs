//! Parallel execution equals sequential execution: random blocks of ETH and ERC-20 transfers,
//! constant-product swaps, deployments, storage writes, out-of-gas runs, self-destructs and
//! EIP-7702 delegations, at a random conflict rate (0-100% of senders, recipients and pools
//! drawn from a hot pair), with the fee recipient an idle address, a sender or a contract; at 1,
//! 2, 4 and 8 threads, compared output for output (receipts, gas, logs and the full state
//! change set).

use alloy_primitives::Address;
use executor::ParallelExecutor;
use proptest::prelude::*;
use rollup_core::{
    BlockAttributes, BlockExecutor, ChainConfig, L1Origin, L2Transaction, SequentialExecutor, apply_block, dev_signers,
    test_utils::{Builder, FEE_RECIPIENT, TOKEN, op},
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
        blocks in (0..=100u8).prop_flat_map(|hot| prop::collection::vec(prop::collection::vec(op(hot), 1..60), 1..4)),
        recipient in prop_oneof![Just(FEE_RECIPIENT), Just(dev_signers()[3].address()), Just(TOKEN)],
    ) {
        let mut builder = Builder::default();
        let genesis = builder.genesis();
        let (mut world, mut parent) = genesis.build();
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
