//! Large blocks of one kind of transaction on a prepared state, for benchmarks: ETH transfers,
//! ERC-20 transfers, swaps on constant-product pools (each on its own pool, or a share of them
//! on one), a nonce chain. The contracts' code is the caller's (compiled from
//! `contracts/test/fixtures/`).

use super::{mapping_slot, test_l1_attributes};
use crate::{AccountDiff, AccountInfo, BlockAttributes, L1Origin, L2Transaction, StateDiff};
use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope, transaction::Recovered},
    network::TxSignerSync,
    signers::local::PrivateKeySigner,
};
use alloy_primitives::{Address, Bytes, TxKind, U256, keccak256};

/// Chain id the workloads' transactions are signed for.
pub const CHAIN_ID: u64 = 42069;
/// Base fee the workloads' fee caps allow for (they pay twice this at most).
pub const BASE_FEE: u64 = 1_000_000_000;

/// The attributes of block 1 with gas limit `gas_limit`: after a zero parent hash, the test
/// L1 attributes, [`BASE_FEE`], fee recipient `0xFE…FE`.
pub fn attributes(gas_limit: u64) -> BlockAttributes {
    BlockAttributes {
        number: 1,
        parent_hash: Default::default(),
        timestamp: 1,
        l1_origin: L1Origin::default(),
        l1: test_l1_attributes(),
        fee_recipient: Address::repeat_byte(0xFE),
        base_fee: BASE_FEE,
        gas_limit,
    }
}

/// A block ready to execute on a prepared state.
pub struct Workload {
    /// What it holds, for reports.
    pub name: &'static str,
    /// The state it runs on, as a change set on the empty state.
    pub state: StateDiff,
    /// Its transactions.
    pub txs: Vec<L2Transaction>,
}

/// The key of sender `seed`.
fn key(seed: u64) -> PrivateKeySigner {
    PrivateKeySigner::from_bytes(&keccak256(seed.to_be_bytes())).expect("a hash is a valid key")
}

/// An EIP-1559 transaction from `key`.
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

/// Gives `address` a million ether.
fn fund(state: &mut StateDiff, address: Address) {
    let info = AccountInfo { nonce: 0, balance: U256::from(10u128.pow(24)), ..Default::default() };
    state.accounts.insert(address, AccountDiff { info: Some(info), ..Default::default() });
}

/// Puts a contract with `code` and `storage` at `address`.
fn contract(state: &mut StateDiff, address: Address, code: &Bytes, storage: impl IntoIterator<Item = (U256, U256)>) {
    let code_hash = keccak256(code);
    state.codes.insert(code_hash, code.clone());
    let info = AccountInfo { nonce: 1, balance: U256::ZERO, code_hash };
    let entry = state.accounts.entry(address).or_default();
    entry.info = Some(info);
    entry.storage.extend(storage);
}

/// A fresh recipient.
fn recipient(i: u64) -> Address {
    Address::from_word(keccak256((i + 1_000_000_000).to_be_bytes()))
}

/// Whether transaction `i` goes to the hot account or pool, as a `share` of them do (in whole
/// tenths).
fn is_hot(i: u64, share: f64) -> bool {
    i % 10 < (share * 10.0) as u64
}

/// `count` ETH transfers from fresh senders, a `hot_share` of them to one account.
pub fn transfers(name: &'static str, count: u64, hot_share: f64) -> Workload {
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

/// `count` ERC-20 transfers of one token (`token_code`, the `TestERC20` fixture's runtime) from
/// fresh holders to fresh recipients.
pub fn erc20(token_code: &Bytes, count: u64) -> Workload {
    let mut state = StateDiff::default();
    let token = Address::repeat_byte(0x70);
    let mut balances = Vec::new();
    let txs = (0..count)
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
    balances.push((U256::ZERO, U256::from(1_000_000u64 * count)));
    contract(&mut state, token, token_code, balances);
    Workload { name: "ERC-20 transfers", state, txs }
}

/// `count` swaps on constant-product pools (`pool_code`, the `ConstantProductPool` fixture's
/// runtime), each on its own pool except a `hot_share` of them, all on one pool.
pub fn swaps(name: &'static str, pool_code: &Bytes, count: u64, hot_share: f64) -> Workload {
    let mut state = StateDiff::default();
    let hot = Address::repeat_byte(0x78);
    let txs = (0..count)
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

/// `count` transfers from one sender: each depends on the one before (its nonce).
pub fn dependent_chain(count: u64) -> Workload {
    let mut state = StateDiff::default();
    let sender = key(0);
    fund(&mut state, sender.address());
    let txs = (0..count).map(|nonce| sign(&sender, nonce, recipient(nonce), 1, Bytes::new(), 21_000)).collect();
    Workload { name: "fully dependent chain", state, txs }
}
