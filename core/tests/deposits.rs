//! Deposit transactions in the state-transition function: minting, fee-free execution, nonce
//! increments, reverts and invalid deposits that still count, and the block commitments.

use alloy::{
    consensus::{TxReceipt, proofs},
    eips::Encodable2718,
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, address, bytes, hex};
use rollup_core::{
    AppliedBlock, BlockAttributes, ChainConfig, ExecutionError, FEE_RECIPIENT, Genesis, GenesisAccount, L1Origin,
    L2Transaction, SequentialExecutor, StateReader, WorldState, apply_block,
    deposit::{DEPOSIT_TX_TYPE, TxDeposit},
    dev_signers,
    fees::FEE_VAULTS,
    test_utils::{Builder, Op, STORE_INIT_PREFIX, STORE_RUNTIME},
};

/// A contract whose code stores calldata word 1 at slot word 0 (see `STORE_RUNTIME`).
const STORE: Address = address!("0x00000000000000000000000000000000000051a7");
/// A contract that always reverts (`PUSH1 0 PUSH1 0 REVERT`).
const REVERTER: Address = address!("0x000000000000000000000000000000000000dead");
/// An address without an account at genesis.
const FRESH: Address = address!("0x1234000000000000000000000000000000005678");

const ETHER: u128 = 1_000_000_000_000_000_000;

fn genesis() -> Genesis {
    let mut genesis = Builder::default().genesis();
    let code = |hex_code: &str| Some(Bytes::from(hex::decode(hex_code).unwrap()));
    genesis.alloc.insert(STORE, GenesisAccount { nonce: 1, code: code(STORE_RUNTIME), ..Default::default() });
    genesis.alloc.insert(REVERTER, GenesisAccount { nonce: 1, code: code("60006000fd"), ..Default::default() });
    genesis
}

fn attributes(parent: &rollup_core::SealedBlock, config: &ChainConfig) -> BlockAttributes {
    let header = &parent.header;
    BlockAttributes {
        number: header.number + 1,
        parent_hash: parent.hash,
        timestamp: header.timestamp + 1,
        l1_origin: L1Origin { number: 1, hash: B256::repeat_byte(1) },
        l1: rollup_core::test_utils::test_l1_attributes(),
        fee_recipient: FEE_RECIPIENT,
        base_fee: config.next_base_fee(header.gas_used, header.gas_limit, header.base_fee_per_gas.unwrap_or_default()),
        gas_limit: config.block_gas_limit,
    }
}

fn deposit(index: u8, from: Address, to: TxKind, mint: u128, value: u128, gas_limit: u64, input: Bytes) -> TxDeposit {
    TxDeposit {
        source_hash: B256::repeat_byte(index),
        from,
        to,
        mint,
        value: U256::from(value),
        gas_limit,
        is_system_transaction: false,
        input,
    }
}

/// Applies one block with `deposits` and `txs` on a fresh chain from [`genesis`].
fn apply(deposits: Vec<TxDeposit>, txs: Vec<L2Transaction>) -> (WorldState, AppliedBlock) {
    let genesis = genesis();
    let (mut world, block0) = genesis.build();
    let attrs = attributes(&block0, &genesis.config);
    let applied =
        apply_block(&mut world, &SequentialExecutor, genesis.config.chain_id, &attrs, deposits, txs).expect("applies");
    (world, applied)
}

fn balance(world: &WorldState, address: Address) -> U256 {
    world.account(address).map(|a| a.balance).unwrap_or_default()
}

fn nonce(world: &WorldState, address: Address) -> u64 {
    world.account(address).map(|a| a.nonce).unwrap_or_default()
}

#[test]
fn eth_deposit_mints_to_a_new_account_without_fees() {
    let tx = deposit(1, FRESH, TxKind::Call(FRESH), ETHER, ETHER, 100_000, Bytes::new());
    let (mut world, applied) = apply(vec![tx.clone()], Vec::new());
    let block = &applied.block;
    assert_eq!(balance(&world, FRESH), U256::from(ETHER));
    assert_eq!(nonce(&world, FRESH), 1);
    for vault in FEE_VAULTS {
        assert_eq!(balance(&world, vault), U256::ZERO, "a deposit pays nothing to the fee vaults");
    }
    // The block opens with its L1 attributes deposit.
    assert_eq!(block.deposits.len(), 2);
    assert_eq!(block.deposits[1], tx);
    assert!(block.deposit_receipts.iter().all(|receipt| receipt.inner.status()));
    assert_eq!((block.deposit_receipts[1].deposit_nonce, applied.output.outcomes[1].deposit_nonce), (0, Some(0)));
    let attributes_gas = applied.output.outcomes[0].gas_used;
    assert_eq!(block.header.gas_used, attributes_gas + 21_000);
    assert_eq!(applied.output.outcomes.len(), 2);
    // The roots commit to the deposits as 0x7E transactions with 0x7E receipts.
    assert_eq!(block.header.transactions_root, proofs::calculate_transaction_root(&block.deposits));
    let receipt = block.deposit_receipts[1].encoded_2718();
    assert_eq!(receipt[0], DEPOSIT_TX_TYPE);
    assert_eq!(block.header.receipts_root, proofs::calculate_receipt_root(&block.deposit_receipts));
    assert_eq!(world.state_root(), block.header.state_root);
}

#[test]
fn deposit_calls_and_creates_contracts() {
    let from = dev_signers()[1].address();
    let before = genesis().alloc[&from].balance;
    let store = [U256::from(7), U256::from(42)].map(|word| word.to_be_bytes::<32>()).concat();
    let init = hex::decode(format!("{STORE_INIT_PREFIX}{STORE_RUNTIME}")).unwrap();
    let deposits = vec![
        deposit(1, from, TxKind::Call(STORE), 0, 3, 100_000, store.into()),
        deposit(2, from, TxKind::Create, 0, 0, 300_000, init.into()),
    ];
    let (world, applied) = apply(deposits, Vec::new());
    assert!(applied.block.deposit_receipts.iter().all(|r| r.inner.status()));
    assert_eq!(world.storage(STORE, U256::from(7)), U256::from(42));
    assert_eq!(balance(&world, STORE), U256::from(3));
    // The nonce is not checked but incremented; the creation uses the CREATE address of the
    // nonce it had then.
    let created = from.create(1);
    assert_eq!(applied.output.outcomes[2].contract_address, Some(created));
    assert_eq!(applied.block.deposit_receipts[2].deposit_nonce, 1, "the receipt keeps the nonce before the deposit");
    assert!(world.account(created).is_some_and(|a| a.code_hash != alloy_primitives::KECCAK256_EMPTY));
    assert_eq!(nonce(&world, from), 2);
    assert_eq!(balance(&world, from), before - U256::from(3), "no fees are charged");
}

#[test]
fn reverting_deposit_keeps_the_mint_and_the_nonce_increment() {
    let tx = deposit(1, FRESH, TxKind::Call(REVERTER), 10, 5, 50_000, Bytes::new());
    let (world, applied) = apply(vec![tx], Vec::new());
    let receipt = &applied.block.deposit_receipts[1];
    assert!(!receipt.inner.status());
    assert_eq!(balance(&world, FRESH), U256::from(10));
    assert_eq!(balance(&world, REVERTER), U256::ZERO);
    assert_eq!(nonce(&world, FRESH), 1);
    assert!(applied.output.outcomes[1].gas_used < 50_000);
}

#[test]
fn invalid_deposit_keeps_the_mint_and_uses_its_gas_limit() {
    // Value beyond the balance after the mint: revm refuses to run it.
    let tx = deposit(1, FRESH, TxKind::Call(STORE), 10, 11, 70_000, Bytes::new());
    let (world, applied) = apply(vec![tx], Vec::new());
    assert!(!applied.block.deposit_receipts[1].inner.status());
    assert_eq!(applied.output.outcomes[1].gas_used, 70_000);
    assert_eq!(applied.block.header.gas_used, applied.output.outcomes[0].gas_used + 70_000);
    assert_eq!(balance(&world, FRESH), U256::from(10));
    assert_eq!(balance(&world, STORE), U256::ZERO);
    assert_eq!(nonce(&world, FRESH), 1);
    // A gas limit below the intrinsic gas is invalid the same way.
    let tx = deposit(1, FRESH, TxKind::Call(STORE), 10, 0, 1_000, Bytes::new());
    let (world, applied) = apply(vec![tx], Vec::new());
    assert_eq!(applied.output.outcomes[1].gas_used, 1_000);
    assert_eq!((balance(&world, FRESH), nonce(&world, FRESH)), (U256::from(10), 1));
}

#[test]
fn user_transactions_follow_the_deposits() {
    let depositor = dev_signers()[2].address();
    let user = Builder::default().tx(&Op::Transfer { from: 0, to: 1, value: 1 });
    let deposits = vec![
        deposit(1, FRESH, TxKind::Call(FRESH), ETHER, 0, 100_000, Bytes::new()),
        deposit(2, depositor, TxKind::Call(REVERTER), 0, 0, 30_000, bytes!("00")),
    ];
    let (world, applied) = apply(deposits, vec![user.clone()]);
    let block = &applied.block;
    let deposit_gas: u64 = applied.output.outcomes[..3].iter().map(|o| o.gas_used).sum();
    assert_eq!(block.receipts[0].cumulative_gas_used(), deposit_gas + 21_000);
    assert_eq!(block.header.gas_used, deposit_gas + 21_000);
    assert_eq!(nonce(&world, depositor), 1);
    let envelopes = block.envelopes();
    assert_eq!(envelopes.len(), 4);
    assert_eq!(envelopes[3].encoded_2718(), user.inner().encoded_2718());
    assert_eq!(block.header.transactions_root, proofs::calculate_transaction_root(&envelopes));
    assert_eq!(block.header.receipts_root, proofs::calculate_receipt_root(&block.all_receipts()));
    assert!(balance(&world, FEE_RECIPIENT) > U256::ZERO, "the user transaction pays its tip");
}

#[test]
fn user_transactions_must_fit_in_the_gas_the_deposits_leave() {
    let genesis = genesis();
    let (mut world, block0) = genesis.build();
    let attrs = BlockAttributes { gas_limit: 140_000, ..attributes(&block0, &genesis.config) };
    let deposits = vec![deposit(1, FRESH, TxKind::Call(STORE), 0, 1, 90_000, Bytes::new())];
    let user = Builder::default().tx(&Op::Transfer { from: 0, to: 1, value: 1 });
    let root = world.state_root();
    let result = apply_block(&mut world, &SequentialExecutor, genesis.config.chain_id, &attrs, deposits, vec![user]);
    assert!(matches!(result, Err(ExecutionError::InvalidTransaction { index: 0, .. })), "{result:?}");
    assert_eq!(world.state_root(), root, "a rejected block leaves the state unchanged");
}
