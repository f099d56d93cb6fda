//! Differential property test of the state-transition function: random blocks of transfers,
//! deployments, storage writes and self-destructs are applied with `apply_block` (overlay,
//! change sets, incremental trie, the fee handler) and, independently, with revm's own
//! `CacheDB` and mainnet handler, the L2's fees applied around it; the state roots (ours
//! incremental, the reference from scratch) must agree after every block.

use alloy::eips::eip2935::{HISTORY_SERVE_WINDOW, HISTORY_STORAGE_ADDRESS};
use alloy_primitives::{B256, U256};
use alloy_trie::{
    TrieAccount,
    root::{state_root_unhashed, storage_root_unhashed},
};
use proptest::prelude::*;
use revm::{
    Context, ExecuteCommitEvm, MainBuilder, MainContext,
    context::TxEnv,
    database::{CacheDB, EmptyDB},
    state::AccountInfo as RevmAccount,
};
use rollup_core::{
    ExecutionError, L2Transaction, SequentialExecutor, apply_block, evm_env,
    fees::{BASE_FEE_VAULT, L1_FEE_VAULT, L1BlockValues, transaction_l1_cost},
    test_utils::{Builder, FEE_RECIPIENT, next_attributes, op},
    tx_env,
};

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
    fn apply_block_matches_revm_cache_db(
        blocks in (0..=100u8).prop_flat_map(|hot| prop::collection::vec(prop::collection::vec(op(hot), 1..12), 1..6)),
    ) {
        let mut builder = Builder::default();
        let genesis = builder.genesis();
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
            for (slot, value) in &account.storage {
                reference.insert_account_storage(*address, *slot, *value).unwrap();
            }
        }
        prop_assert_eq!(reference_root(&reference), block0.header.state_root);

        let mut parent = block0;
        for ops in blocks {
            let txs: Vec<L2Transaction> = ops.iter().map(|op| builder.tx(op)).collect();
            let attrs = next_attributes(&parent, &genesis.config, FEE_RECIPIENT);

            // Reference: the block-start history write, the L1 attributes deposit as a free call,
            // then revm committing into CacheDB, with each transaction's L1 fee taken before it
            // and the base fee and L1 fee paid to their vaults after it.
            let slot = U256::from((attrs.number - 1) % HISTORY_SERVE_WINDOW as u64);
            reference.insert_account_storage(HISTORY_STORAGE_ADDRESS, slot, parent.hash.into()).unwrap();
            let (cfg, block_env) = evm_env(genesis.config.chain_id, &attrs);
            let mut free = cfg.clone();
            (free.disable_nonce_check, free.disable_base_fee) = (true, true);
            let values = L1BlockValues::next(&world, attrs.l1_origin, attrs.l1);
            let attributes = values.deposit();
            let system = TxEnv {
                caller: attributes.from,
                kind: attributes.to,
                data: attributes.input,
                gas_limit: attributes.gas_limit,
                gas_price: 0,
                chain_id: None,
                ..Default::default()
            };
            let mut evm = Context::mainnet().with_cfg(free).with_block(block_env.clone()).with_db(&mut reference).build_mainnet();
            let mut reference_gas = evm.transact_commit(system).expect("the L1 attributes deposit runs").tx_gas_used();
            drop(evm);
            let mut invalid = None;
            for (index, tx) in txs.iter().enumerate() {
                let l1_fee = transaction_l1_cost(tx.inner(), &attrs.l1).fee;
                let mut sender = reference.load_account(tx.signer()).unwrap().info.clone();
                let Some(left) = sender.balance.checked_sub(l1_fee) else {
                    invalid = Some((index, format!("cannot pay the L1 fee {l1_fee}")));
                    break;
                };
                sender.balance = left;
                reference.insert_account_info(tx.signer(), sender);
                let mut evm =
                    Context::mainnet().with_cfg(cfg.clone()).with_block(block_env.clone()).with_db(&mut reference).build_mainnet();
                let gas = match evm.transact_commit(tx_env(tx)) {
                    Ok(result) => result.tx_gas_used(),
                    Err(err) => {
                        invalid = Some((index, err.to_string()));
                        break;
                    }
                };
                drop(evm);
                reference_gas += gas;
                for (vault, amount) in [(BASE_FEE_VAULT, U256::from(attrs.base_fee) * U256::from(gas)), (L1_FEE_VAULT, l1_fee)] {
                    let mut info = reference.load_account(vault).unwrap().info.clone();
                    info.balance += amount;
                    reference.insert_account_info(vault, info);
                }
            }

            let applied = apply_block(&mut world, &SequentialExecutor, genesis.config.chain_id, &attrs, Vec::new(), txs);
            if let Some((index, reference_err)) = invalid {
                // A workload can make a later transaction invalid (a delegated account drained
                // by SELFDESTRUCT, say); both must reject the block at the same transaction.
                let Err(ExecutionError::InvalidTransaction { index: got, .. }) = applied else {
                    panic!("revm rejects transaction {index} ({reference_err}) but the block applied");
                };
                prop_assert_eq!(got, index);
                break;
            }
            let applied = applied.expect("block executes");
            prop_assert_eq!(applied.block.header.gas_used, reference_gas);
            prop_assert_eq!(applied.block.header.state_root, reference_root(&reference));
            prop_assert_eq!(world.state_root(), applied.block.header.state_root);
            parent = applied.block;
        }
    }
}
