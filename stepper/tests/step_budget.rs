//! The costliest steps stay under the step budget of 2^23 gas: the `FrameSetup` of the largest
//! init code the L2 takes (49,152 bytes), analysed in one step (its buffer root, hash and
//! JUMPDEST bitmap) whatever the code holds: all JUMPDESTs, a PUSH1 in every other byte (the
//! most PUSHes a word can hold, the bitmap's worst case), a PUSH in every word among
//! JUMPDESTs (each code stops early, a STOP first or a stack overflow, so the trace is short);
//! and the `TxStart` and `TxEnd` of the most calldata the L2's gas cap lets a transaction
//! carry (EIP-7623's floor: 40 gas a non-zero byte).

use alloy_primitives::{Address, Bytes, TxKind, U256};
use rollup_core::{
    AccountDiff, AccountInfo, StateDiff, evm_env,
    test_utils::workloads::{BASE_FEE, CHAIN_ID, attributes},
};
use stepper::{OnChainStepper, Rules, TxInput, check_transaction};

/// Largest init code (EIP-3860).
const MAX_INIT_CODE: usize = 49_152;

/// A transaction to `to` (a creation with `data` as init code if `None`) with the L2's largest
/// gas limit, each step checked against the stepper; returns the costliest step's gas.
fn costliest_step(to: Option<Address>, data: Vec<u8>) -> u64 {
    let sender = Address::repeat_byte(0x11);
    let mut pre = StateDiff::default();
    let info = AccountInfo { nonce: 0, balance: U256::from(10u128.pow(24)), ..Default::default() };
    pre.accounts.insert(sender, AccountDiff { info: Some(info), ..Default::default() });
    let attrs = attributes(30_000_000);
    let (cfg, block) = evm_env(CHAIN_ID, &attrs);
    let tx = revm::context::TxEnv {
        caller: sender,
        kind: to.map_or(TxKind::Create, TxKind::Call),
        data: Bytes::from(data),
        gas_limit: 1 << 23,
        gas_price: u128::from(BASE_FEE),
        chain_id: Some(CHAIN_ID),
        ..Default::default()
    };
    let input =
        TxInput { pre, trie: None, block_hashes: vec![], cfg, block, tx, rules: Rules::default(), cumulative_gas: 0 };
    let (checked, traced) = check_transaction(input, &mut OnChainStepper::new(), |_| true).unwrap();
    assert_eq!(checked.failure, None);
    assert_eq!((checked.skip, traced.executed.invalid), (None, None));
    checked.max_gas
}

#[test]
fn the_largest_init_code_is_analysed_within_a_steps_budget() {
    let stop_then = |byte: fn(usize) -> u8| (0..MAX_INIT_CODE).map(|i| if i == 0 { 0x00 } else { byte(i) }).collect();
    let codes: [(&str, Vec<u8>); 4] = [
        ("all JUMPDESTs", stop_then(|_| 0x5b)),
        ("a PUSH1 every other byte", vec![0x60; MAX_INIT_CODE]),
        ("PUSH1s of JUMPDESTs", (0..MAX_INIT_CODE).map(|i| if i % 2 == 0 { 0x60 } else { 0x5b }).collect()),
        ("a PUSH32 in every word among JUMPDESTs", stop_then(|i| if i % 32 == 5 { 0x7f } else { 0x5b })),
    ];
    for (what, code) in codes {
        let gas = costliest_step(None, code);
        assert!(gas < 1 << 23, "{what}: {gas} gas");
    }
}

#[test]
fn the_largest_calldata_is_stepped_within_a_steps_budget() {
    // 21,000 + 40 × 209,000 gas: as much non-zero calldata as 2^23 gas pays for.
    let gas = costliest_step(Some(Address::repeat_byte(0x22)), vec![0x01; 209_000]);
    assert!(gas < 1 << 23, "{gas} gas");
}
