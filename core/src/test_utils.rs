//! Random transaction workloads for differential tests of block execution (sequential vs
//! parallel, ours vs revm's own database). Only built for tests (`test-utils` feature).

use crate::L2Transaction;
use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope, transaction::Recovered},
    network::TxSignerSync,
    signers::local::PrivateKeySigner,
};
use alloy_primitives::{Address, Bytes, TxKind, U256, hex};
use proptest::prelude::*;

/// Runtime: with calldata `slot ‖ value` stores value at slot; with empty calldata
/// self-destructs to the caller.
pub const STORE_RUNTIME: &str = "3660065733ff5b6020356000355500";
/// Init code: writes slot 1 := 1, then returns `STORE_RUNTIME`.
pub const STORE_INIT_PREFIX: &str = "6001600155600f8060106000396000f3";
/// Init code that writes a slot and self-destructs in the creating transaction (EIP-6780).
pub const CREATE_AND_DESTROY: &str = "600160015533ff";

/// One operation of a random workload (senders and contracts are indices).
#[derive(Clone, Debug)]
#[allow(missing_docs)] // the fields are indices and amounts, named for what they are
pub enum Op {
    /// Plain ETH transfer.
    Transfer { from: usize, to: u8, value: u64 },
    /// Deploys the storage contract.
    Deploy { from: usize },
    /// Writes a slot of a deployed contract.
    Store { from: usize, contract: usize, slot: u8, value: u8 },
    /// Calls SELFDESTRUCT on a deployed contract (EIP-6780: only moves its balance).
    Kill { from: usize, contract: usize, value: u64 },
    /// Creates a contract that self-destructs in its constructor.
    CreateAndDestroy { from: usize, value: u64 },
}

/// A random operation; senders are dev accounts 0..4, recipients a small set (so conflicts
/// happen often).
pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..4usize, 0..12u8, 0..3u64).prop_map(|(from, to, value)| Op::Transfer { from, to, value }),
        1 => (0..4usize).prop_map(|from| Op::Deploy { from }),
        3 => (0..4usize, 0..8usize, 0..4u8, 0..3u8).prop_map(|(from, contract, slot, value)| Op::Store { from, contract, slot, value }),
        1 => (0..4usize, 0..8usize, 0..3u64).prop_map(|(from, contract, value)| Op::Kill { from, contract, value }),
        1 => (0..4usize, 0..3u64).prop_map(|(from, value)| Op::CreateAndDestroy { from, value }),
    ]
}

/// Turns operations into signed transactions, tracking nonces and deployed contracts.
#[derive(Debug)]
pub struct Builder {
    keys: Vec<PrivateKeySigner>,
    nonces: Vec<u64>,
    contracts: Vec<Address>,
}

impl Default for Builder {
    fn default() -> Self {
        Self { keys: crate::dev_signers().into_iter().take(4).collect(), nonces: vec![0; 4], contracts: Vec::new() }
    }
}

impl Builder {
    /// The signed transaction for `op`.
    pub fn tx(&mut self, op: &Op) -> L2Transaction {
        let (from, to, value, input) = match *op {
            Op::Transfer { from, to, value } => {
                let to = if to < 4 { self.keys[to as usize].address() } else { Address::with_last_byte(0xA0 + to) };
                (from, TxKind::Call(to), value, Bytes::new())
            }
            Op::Deploy { from } => {
                let code = hex::decode(format!("{STORE_INIT_PREFIX}{STORE_RUNTIME}")).unwrap();
                self.contracts.push(self.keys[from].address().create(self.nonces[from]));
                (from, TxKind::Create, 0, code.into())
            }
            Op::Store { from, contract, slot, value } => {
                let target = self.contract(contract);
                let mut data = [0u8; 64];
                data[31] = slot;
                data[63] = value;
                (from, TxKind::Call(target), 0, Bytes::copy_from_slice(&data))
            }
            Op::Kill { from, contract, value } => (from, TxKind::Call(self.contract(contract)), value, Bytes::new()),
            Op::CreateAndDestroy { from, value } => {
                (from, TxKind::Create, value, hex::decode(CREATE_AND_DESTROY).unwrap().into())
            }
        };
        let mut tx = TxEip1559 {
            chain_id: 42069,
            nonce: self.nonces[from],
            gas_limit: 300_000,
            max_fee_per_gas: 20_000_000_000,
            max_priority_fee_per_gas: 3,
            to,
            value: U256::from(value),
            input,
            ..Default::default()
        };
        self.nonces[from] += 1;
        let signature = self.keys[from].sign_transaction_sync(&mut tx).unwrap();
        Recovered::new_unchecked(TxEnvelope::from(tx.into_signed(signature)), self.keys[from].address())
    }

    /// A deployed contract, or an address without code when none exists yet.
    fn contract(&self, index: usize) -> Address {
        if self.contracts.is_empty() {
            Address::with_last_byte(0xEE)
        } else {
            self.contracts[index % self.contracts.len()]
        }
    }
}
