//! A contract run alone in revm: the Solidity libraries' test harnesses, called from Rust.

use alloy_primitives::{Address, Bytes, TxKind};
use revm::{
    Context, ExecuteEvm, MainBuilder, MainContext,
    bytecode::Bytecode,
    context::{
        TxEnv,
        result::{ExecutionResult, Output},
    },
    database::{CacheDB, EmptyDB},
    state::AccountInfo,
};

/// Where the contract is deployed.
const CONTRACT: Address = Address::repeat_byte(0x42);

/// A contract's runtime code in an otherwise empty revm state.
#[derive(Debug)]
pub struct ContractHarness {
    db: CacheDB<EmptyDB>,
}

impl ContractHarness {
    /// Deploys `runtime` (runtime bytecode, as `compile` returns it).
    pub fn new(runtime: Bytes) -> Self {
        let mut db = CacheDB::new(EmptyDB::default());
        let code = Bytecode::new_raw(runtime);
        db.insert_account_info(
            CONTRACT,
            AccountInfo { code_hash: code.hash_slow(), code: Some(code), ..Default::default() },
        );
        Self { db }
    }

    /// Calls the contract with `data` and 10M gas: its output, or the revert data.
    ///
    /// # Panics
    /// If the call halts (out of gas, invalid opcode): a harness never should.
    pub fn call(&mut self, data: Vec<u8>) -> Result<Bytes, Bytes> {
        let tx = TxEnv {
            caller: Address::repeat_byte(0x01),
            kind: TxKind::Call(CONTRACT),
            data: data.into(),
            gas_limit: 10_000_000,
            gas_price: 0,
            ..Default::default()
        };
        let mut evm = Context::mainnet().with_db(&mut self.db).build_mainnet();
        match evm.transact(tx).expect("a valid transaction").result {
            ExecutionResult::Success { output: Output::Call(output), .. } => Ok(output),
            ExecutionResult::Revert { output, .. } => Err(output),
            other => panic!("the harness halted: {other:?}"),
        }
    }
}
