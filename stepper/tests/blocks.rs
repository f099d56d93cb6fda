//! Whole L2 blocks, transaction by transaction: random blocks of the executor's differential
//! workloads (ETH and ERC-20 transfers, swaps on constant-product pools, deployments, storage
//! writes, out-of-gas runs, self-destructs, contracts that create and destroy themselves,
//! EIP-7702 delegations) with the L1 attributes deposit and user deposits in front (a
//! transfer, a refused one, a creation, a creation reading BLOCKHASH), traced on the state each transaction starts from and
//! stepped by the Solidity stepper (`stepper::check_block`). Every transaction's gas, status and logs are the
//! state-transition function's, and the state after the last is the sealed block's (the
//! block-start change, EIP-2935's history write, applied first).

use alloy_primitives::{Address, Bytes, U256, hex};
use proptest::prelude::*;
use rollup_core::{
    SequentialExecutor, WorldState, apply_block, block_deposits,
    deposit::TxDeposit,
    fees::DEPOSITOR_ACCOUNT,
    test_utils::{STORE_INIT_PREFIX, STORE_RUNTIME, TestBlock, op},
    trace_block,
};
use stepper::{BlockInput, OnChainStepper, Positions, SLOT_STEPS, check_block, logs_hash, step_at};

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
    /// the sealed block's state root; steps asked for by position (`step_at`) are the stepper's,
    /// chain up, and each slot starts on the state-transition function's state.
    #[test]
    fn random_l2_blocks_step_alike_transaction_by_transaction(
        ops in prop::collection::vec(op(30), 1..8),
        mint in 1u128..3,
        sample in 1u64..40,
        picks in prop::collection::vec((any::<prop::sample::Index>(), any::<prop::sample::Index>()), 3),
    ) {
        let mut block = TestBlock::new(&ops);
        let init_code: Bytes = hex::decode(format!("{STORE_INIT_PREFIX}{STORE_RUNTIME}")).unwrap().into();
        let deposits = vec![
            deposit(0xd1, Some(0xd2), mint * 10u128.pow(18), 1_000, 100_000, Bytes::new()),
            // Refused: its value is above what the sender holds after the mint.
            deposit(0xd3, Some(0xd2), mint, 10, 100_000, Bytes::new()),
            // A contract created by a deposit, its init code run.
            deposit(0xd4, None, mint, 1, 300_000, init_code),
            // Init code that stores BLOCKHASH(number - 1).
            deposit(0xd5, None, mint, 0, 100_000, hex::decode("43600190034060005500").unwrap().into()),
        ];
        let attrs = block.attrs.clone();
        block.world.record_block_hash(attrs.number - 1, attrs.parent_hash);
        let mut world = WorldState::new();
        world.apply(&block.world.to_diff());
        // The state-transition function's state root before each slot's transaction.
        let mut stf = WorldState::new();
        stf.apply(&block.world.to_diff());
        stf.record_block_hash(attrs.number - 1, attrs.parent_hash);
        let (_, stf_steps) = trace_block(&mut stf, &SequentialExecutor, block.chain_id, &attrs, deposits.clone(), block.txs.clone())
            .expect("the block applies");
        let all_deposits = block_deposits(&world, &attrs, deposits.clone());
        prop_assert_eq!(all_deposits[0].from, DEPOSITOR_ACCOUNT);
        let applied = apply_block(&mut block.world, &SequentialExecutor, block.chain_id, &attrs, deposits, block.txs.clone())
            .expect("the block applies");
        let refused = &applied.output.outcomes[2];
        prop_assert!(!refused.success && refused.gas_used == 100_000, "the second user deposit is refused");
        let input = BlockInput {
            pre: world.to_diff(),
            trie: None,
            block_hashes: vec![(attrs.number - 1, attrs.parent_hash)],
            chain_id: block.chain_id,
            attrs,
            deposits: all_deposits,
            txs: block.txs.clone(),
        };
        let mut chain = OnChainStepper::new();
        let mut checked = check_block(input.clone(), &mut chain, Positions::Sample(sample)).unwrap();
        prop_assert_eq!(checked.slots.len(), applied.output.outcomes.len());
        for (index, (slot, outcome)) in checked.slots.iter().zip(&applied.output.outcomes).enumerate() {
            prop_assert_eq!(slot.slot, index as u64 + 1);
            prop_assert_eq!(&slot.checked.failure, &None, "transaction {}", index);
            prop_assert_eq!(slot.checked.skip, None, "transaction {}", index);
            prop_assert_eq!(slot.executed.gas_used, outcome.gas_used, "transaction {}", index);
            prop_assert_eq!(slot.executed.success, outcome.success, "transaction {}", index);
            prop_assert_eq!(slot.executed.logs_hash, logs_hash(&outcome.logs), "transaction {}", index);
        }
        prop_assert_eq!(checked.state_root(), applied.block.header.state_root);

        // Positions answered one by one, as a bisection asks for them: each step is the
        // stepper's, and the machine after it is the one the next position starts from.
        for (slot, offset) in picks {
            let slot = &checked.slots[slot.index(checked.slots.len())];
            let index = offset.index(slot.checked.steps as usize + 2) as u64;
            let position = slot.slot * SLOT_STEPS + index;
            let step = step_at(&input, position).unwrap();
            prop_assert_eq!(step.index, index);
            let call = chain.step(step.witness.machine.commitment(), &step.witness);
            prop_assert_eq!(call.post.ok(), Some(step.post.commitment()), "position {}", position);
            let next = step_at(&input, position + 1).unwrap();
            prop_assert_eq!(next.witness.machine.commitment(), step.post.commitment(), "position {}", position);
        }
        // Every slot starts on the state and after the gas the transactions before it left.
        for slot in 1..=checked.slots.len() {
            let first = step_at(&input, slot as u64 * SLOT_STEPS).unwrap();
            prop_assert_eq!(first.witness.world.stateRoot, stf_steps[slot - 1].state_root, "slot {}", slot);
            let before: u64 = applied.output.outcomes[..slot - 1].iter().map(|o| o.gas_used).sum();
            prop_assert_eq!(first.witness.world.cumulativeGas, U256::from(before), "slot {}", slot);
        }
        prop_assert!(step_at(&input, 5).is_err(), "the block start's slot is not stepped yet");
    }
}
