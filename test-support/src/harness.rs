//! A contract run alone in revm: the Solidity libraries' test harnesses, called from Rust.

use alloy_primitives::{Address, Bytes, TxKind};
use revm::{
    Context, ExecuteCommitEvm, MainBuilder, MainContext,
    bytecode::Bytecode,
    context::{
        CfgEnv, TxEnv,
        result::{ExecutionResult, Output},
    },
    database::{CacheDB, EmptyDB},
    state::AccountInfo,
};

/// Where the contract is deployed.
const CONTRACT: Address = Address::repeat_byte(0x42);
/// The account that sends the harness's transactions.
const SENDER: Address = Address::repeat_byte(0x01);
/// Gas of each call: above L1's 2^24 per-transaction cap, so that even a step too costly for
/// L1 runs and its gas is measured.
const CALL_GAS: u64 = 30_000_000;

/// A call's result and the gas its transaction used (intrinsic and calldata gas included: what
/// an L1 transaction making it pays).
#[derive(Clone, Debug)]
pub struct CallResult {
    /// The output, or the revert data.
    pub output: Result<Bytes, Bytes>,
    /// Gas used.
    pub gas_used: u64,
}

/// A contract's runtime code in an otherwise empty revm state.
#[derive(Debug)]
pub struct ContractHarness {
    db: CacheDB<EmptyDB>,
}

impl ContractHarness {
    /// An empty state, for contracts deployed with [`ContractHarness::deploy`].
    pub fn empty() -> Self {
        Self { db: CacheDB::new(EmptyDB::default()) }
    }

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

    /// Calls the contract with `data`: its output, or the revert data.
    ///
    /// # Panics
    /// If the call halts (out of gas, invalid opcode): a harness never should.
    pub fn call(&mut self, data: Vec<u8>) -> Result<Bytes, Bytes> {
        self.call_at(CONTRACT, data).output
    }

    /// Deploys a contract from its creation code (constructor arguments appended) and returns
    /// its address: the path a contract takes onto L1, immutables and all.
    ///
    /// # Panics
    /// If the constructor fails.
    pub fn deploy(&mut self, creation: Vec<u8>) -> Address {
        match self.transact(TxKind::Create, creation).0 {
            ExecutionResult::Success { output: Output::Create(_, Some(address)), .. } => address,
            other => panic!("deployment failed: {other:?}"),
        }
    }

    /// Calls the contract at `to` with `data`.
    ///
    /// # Panics
    /// If the call halts (out of gas, invalid opcode): a harness never should.
    pub fn call_at(&mut self, to: Address, data: Vec<u8>) -> CallResult {
        let (result, gas_used) = self.transact(TxKind::Call(to), data);
        let output = match result {
            ExecutionResult::Success { output: Output::Call(output), .. } => Ok(output),
            ExecutionResult::Revert { output, .. } => Err(output),
            other => panic!("the harness halted: {other:?}"),
        };
        CallResult { output, gas_used }
    }

    fn transact(&mut self, kind: TxKind, data: Vec<u8>) -> (ExecutionResult, u64) {
        let tx =
            TxEnv { caller: SENDER, kind, data: data.into(), gas_limit: CALL_GAS, gas_price: 0, ..Default::default() };
        let mut cfg: CfgEnv = CfgEnv::default();
        cfg.disable_nonce_check = true;
        cfg.tx_gas_limit_cap = Some(CALL_GAS);
        let mut evm = Context::mainnet().with_cfg(cfg).with_db(&mut self.db).build_mainnet();
        let executed = evm.transact_commit(tx).expect("a valid transaction");
        let gas_used = executed.tx_gas_used();
        (executed, gas_used)
    }
}
