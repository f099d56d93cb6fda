//! Differential property test of the state-transition function: random blocks of transfers,
//! deployments, storage writes and self-destructs are applied with `apply_block` (overlay,
//! change sets, incremental trie) and, independently, with revm's own `CacheDB`; the state
//! roots (ours incremental, the reference from scratch) must agree after every block.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope, transaction::Recovered},
    eips::eip2935::{HISTORY_SERVE_WINDOW, HISTORY_STORAGE_ADDRESS},
    network::TxSignerSync,
    signers::local::PrivateKeySigner,
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, hex};
use alloy_trie::{
    TrieAccount,
    root::{state_root_unhashed, storage_root_unhashed},
};
use proptest::prelude::*;
use revm::{
    Context, ExecuteCommitEvm, MainBuilder, MainContext,
    database::{CacheDB, EmptyDB},
    state::AccountInfo as RevmAccount,
};
use rollup_core::{
    BlockAttributes, ChainConfig, Genesis, L1Origin, L2Transaction, SequentialExecutor, apply_block, evm_env, tx_env,
};

/// Runtime: with calldata `slot ‖ value` stores value at slot; with empty calldata
/// self-destructs to the caller.
const STORE_RUNTIME: &str = "3660065733ff5b6020356000355500";
/// Init code: writes slot 1 := 1, then returns `STORE_RUNTIME`.
const STORE_INIT_PREFIX: &str = "6001600155600f8060106000396000f3";
/// Init code that writes a slot and self-destructs in the creating transaction (EIP-6780).
const CREATE_AND_DESTROY: &str = "600160015533ff";

#[derive(Clone, Debug)]
enum Op {
    Transfer { from: usize, to: u8, value: u64 },
    Deploy { from: usize },
    Store { from: usize, contract: usize, slot: u8, value: u8 },
    Kill { from: usize, contract: usize, value: u64 },
    CreateAndDestroy { from: usize, value: u64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..4usize, 0..12u8, 0..3u64).prop_map(|(from, to, value)| Op::Transfer { from, to, value }),
        1 => (0..4usize).prop_map(|from| Op::Deploy { from }),
        3 => (0..4usize, 0..8usize, 0..4u8, 0..3u8).prop_map(|(from, contract, slot, value)| Op::Store { from, contract, slot, value }),
        1 => (0..4usize, 0..8usize, 0..3u64).prop_map(|(from, contract, value)| Op::Kill { from, contract, value }),
        1 => (0..4usize, 0..3u64).prop_map(|(from, value)| Op::CreateAndDestroy { from, value }),
    ]
}

/// Turns operations into signed transactions, tracking nonces and deployed contracts.
struct Builder {
    keys: Vec<PrivateKeySigner>,
    nonces: Vec<u64>,
    contracts: Vec<Address>,
}

impl Builder {
    fn tx(&mut self, op: &Op) -> L2Transaction {
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

/// State root of revm's `CacheDB` computed from scratch (empty accounts excluded, EIP-161).
fn reference_root(db: &CacheDB<EmptyDB>) -> B256 {
    let accounts = db.cache.accounts.iter().filter_map(|(address, account)| {
        let info = account.info()?;
        let is_empty = info.nonce == 0 && info.balance.is_zero() && info.code_hash == alloy_primitives::KECCAK256_EMPTY;
        if is_empty {
            return None;
        }
        let storage = account.storage.iter().filter(|(_, v)| !v.is_zero()).map(|(k, v)| (B256::from(*k), *v));
        let storage_root = storage_root_unhashed(storage);
        Some((
            *address,
            TrieAccount { nonce: info.nonce, balance: info.balance, storage_root, code_hash: info.code_hash },
        ))
    });
    state_root_unhashed(accounts)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn apply_block_matches_revm_cache_db(blocks in prop::collection::vec(prop::collection::vec(op(), 1..12), 1..6)) {
        let genesis = Genesis::dev(ChainConfig::default(), 0, L1Origin::default());
        let (mut world, block0) = genesis.build();
        let mut reference = CacheDB::new(EmptyDB::default());
        for (address, account) in &genesis.alloc {
            let code = account.code.clone().map(revm::bytecode::Bytecode::new_raw);
            let info = RevmAccount {
                balance: account.balance,
                nonce: account.nonce,
                code_hash: code.as_ref().map_or(alloy_primitives::KECCAK256_EMPTY, |c| c.hash_slow()),
                code,
                ..Default::default()
            };
            reference.insert_account_info(*address, info);
        }
        prop_assert_eq!(reference_root(&reference), block0.header.state_root);

        let mut builder = Builder { keys: rollup_core::dev_signers().into_iter().take(4).collect(), nonces: vec![0; 4], contracts: Vec::new() };
        let mut parent = block0;
        for ops in blocks {
            let txs: Vec<L2Transaction> = ops.iter().map(|op| builder.tx(op)).collect();
            let attrs = BlockAttributes {
                number: parent.header.number + 1,
                parent_hash: parent.hash,
                timestamp: parent.header.timestamp + 1,
                l1_origin: L1Origin::default(),
                fee_recipient: Address::with_last_byte(0xFE),
                base_fee: genesis.config.next_base_fee(parent.header.gas_used, parent.header.gas_limit, parent.header.base_fee_per_gas.unwrap()),
                gas_limit: genesis.config.block_gas_limit,
            };

            // Reference: the block-start history write, then revm committing into CacheDB.
            let slot = U256::from((attrs.number - 1) % HISTORY_SERVE_WINDOW as u64);
            reference.insert_account_storage(HISTORY_STORAGE_ADDRESS, slot, parent.hash.into()).unwrap();
            let (cfg, block_env) = evm_env(genesis.config.chain_id, &attrs);
            let mut evm = Context::mainnet().with_cfg(cfg).with_block(block_env).with_db(&mut reference).build_mainnet();
            let mut reference_gas = 0;
            for tx in &txs {
                reference_gas += evm.transact_commit(tx_env(tx)).expect("valid transaction").tx_gas_used();
            }
            drop(evm);

            let applied = apply_block(&mut world, &SequentialExecutor, genesis.config.chain_id, &attrs, txs).expect("block executes");
            prop_assert_eq!(applied.block.header.gas_used, reference_gas);
            prop_assert_eq!(applied.block.header.state_root, reference_root(&reference));
            prop_assert_eq!(world.state_root(), applied.block.header.state_root);
            parent = applied.block;
        }
    }
}
