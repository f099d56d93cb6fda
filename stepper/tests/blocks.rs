//! Whole L2 blocks, transaction by transaction: random blocks of the executor's differential
//! workloads (ETH and ERC-20 transfers, swaps on constant-product pools, deployments, storage
//! writes, out-of-gas runs, self-destructs, contracts that create and destroy themselves,
//! EIP-7702 delegations) with the L1 attributes deposit and user deposits in front (a
//! transfer, a refused one, a creation), traced on the state each transaction starts from and
//! stepped by the Solidity stepper. Every transaction's gas, status and logs are the
//! state-transition function's, and the state after the last is the sealed block's (the
//! block-start change, EIP-2935's history write, applied first).

use alloy_primitives::{Address, Bytes, U256, hex};
use proptest::prelude::*;
use rollup_core::{
    SequentialExecutor, WorldState, apply_block, block_deposits, block_start_changes,
    deposit::TxDeposit,
    evm_env,
    fees::DEPOSITOR_ACCOUNT,
    test_utils::{STORE_INIT_PREFIX, STORE_RUNTIME, TestBlock, op},
    tx_env,
};
use stepper::{Fees, OnChainStepper, Rules, TxInput, check_transaction, logs_hash};

/// A user deposit: `mint` to `from`, sending `value` and `input` to `to` (a creation of init
/// code `input` when `None`).
fn deposit(from: u8, to: Option<u8>, mint: u128, value: u64, gas_limit: u64, input: Bytes) -> TxDeposit {
    TxDeposit {
        source_hash: alloy_primitives::B256::repeat_byte(from),
        from: Address::repeat_byte(from),
        to: to.map_or(alloy_primitives::TxKind::Create, |to| alloy_primitives::TxKind::Call(Address::repeat_byte(to))),
        mint,
        value: U256::from(value),
        gas_limit,
        is_system_transaction: false,
        input,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    /// Each transaction of a random block steps alike (every step outside `Run` and a sample
    /// of `Run` steps), uses the gas the state-transition function says, and the last leaves
    /// the sealed block's state root.
    #[test]
    fn random_l2_blocks_step_alike_transaction_by_transaction(
        ops in prop::collection::vec(op(30), 1..8),
        mint in 1u128..3,
        sample in 1u64..40,
    ) {
        let mut block = TestBlock::new(&ops);
        let init_code: Bytes = hex::decode(format!("{STORE_INIT_PREFIX}{STORE_RUNTIME}")).unwrap().into();
        let deposits = vec![
            deposit(0xd1, Some(0xd2), mint * 10u128.pow(18), 1_000, 100_000, Bytes::new()),
            // Refused: its value is above what the sender holds after the mint.
            deposit(0xd3, Some(0xd2), mint, 10, 100_000, Bytes::new()),
            // A contract created by a deposit, its init code run.
            deposit(0xd4, None, mint, 1, 300_000, init_code),
        ];
        let attrs = block.attrs.clone();
        let mut world = WorldState::new();
        world.apply(&block.world.to_diff());
        let all_deposits = block_deposits(&world, &attrs, deposits.clone());
        let applied = apply_block(&mut block.world, &SequentialExecutor, block.chain_id, &attrs, deposits, block.txs.clone())
            .expect("the block applies");
        world.apply(&block_start_changes(&world, &attrs));
        let block_hashes = vec![(attrs.number - 1, attrs.parent_hash)];
        let (cfg, env) = evm_env(block.chain_id, &attrs);
        let fees = Fees::L2(attrs.l1);
        let inputs = all_deposits
            .iter()
            .map(|deposit| {
                let tx = revm::context::TxEnv {
                    caller: deposit.from,
                    kind: deposit.to,
                    value: deposit.value,
                    gas_limit: deposit.gas_limit,
                    data: deposit.input.clone(),
                    ..Default::default()
                };
                (tx, Rules { fees, deposit: Some(deposit.mint) })
            })
            .chain(block.txs.iter().map(|tx| (tx_env(tx), Rules::signed(fees))));
        prop_assert_eq!(all_deposits[0].from, DEPOSITOR_ACCOUNT);
        let inputs: Vec<_> = inputs.collect();
        prop_assert_eq!(inputs.len(), applied.output.outcomes.len());
        let refused = &applied.output.outcomes[2];
        prop_assert!(!refused.success && refused.gas_used == 100_000, "the second user deposit is refused");
        let mut cumulative_gas = 0;
        let mut chain = OnChainStepper::new();
        for (index, ((tx, rules), outcome)) in inputs.into_iter().zip(&applied.output.outcomes).enumerate() {
            let input = TxInput {
                pre: world.to_diff(),
                block_hashes: block_hashes.clone(),
                cfg: cfg.clone(),
                block: env.clone(),
                tx,
                rules,
                cumulative_gas,
            };
            let (checked, traced) = check_transaction(input, &mut chain, |step| step.index % sample == 0).unwrap();
            prop_assert_eq!(checked.failure, None, "transaction {}", index);
            prop_assert_eq!(checked.skip, None, "transaction {}", index);
            prop_assert_eq!(traced.executed.gas_used, outcome.gas_used, "transaction {}", index);
            prop_assert_eq!(traced.executed.success, outcome.success, "transaction {}", index);
            prop_assert_eq!(traced.executed.logs_hash, logs_hash(&outcome.logs), "transaction {}", index);
            world.apply(&traced.changes);
            cumulative_gas += traced.executed.gas_used;
        }
        prop_assert_eq!(world.state_root(), applied.block.header.state_root);
    }
}
