//! The on-chain stepper run in revm, deployed from its creation code as on L1, and the check
//! of a transaction's trace against it: each chosen step's witness given to `EVMStepper.step`
//! must return the tracer's next commitment, and the last (`TxEnd` to `Done`) carries revm's
//! final state root and gas.

use crate::{
    TraceError,
    commitment::{Witness, stepCall},
    execute::TxInput,
    fixtures::TestUnit,
    trace::{Rules, Skip, Step, Traced, trace, trace_transaction},
};
use alloy::sol_types::SolCall;
use alloy_primitives::{Address, B256, Bytes, TxKind};
use revm::{
    Context, ExecuteCommitEvm, MainBuilder, MainContext,
    context::{
        CfgEnv, TxEnv,
        result::{ExecutionResult, Output},
    },
    database::{CacheDB, EmptyDB},
};
use rollup_l1::dispute::{
    CallSteps, CopySteps, CreateSteps, EVMStepper, KeccakSteps, LogSteps, PrecompileSteps, SelfDestructSteps,
    TransactionSteps, WorldTries,
};
use std::ops::ControlFlow;

/// The account that deploys and calls the stepper.
const SENDER: Address = Address::repeat_byte(0x01);
/// Gas of each call: above L1's per-transaction cap, so that a step too costly for L1 still
/// runs and its gas is measured.
const CALL_GAS: u64 = 30_000_000;

/// `EVMStepper` with the contracts it calls, deployed in an otherwise empty revm.
#[derive(Debug)]
pub struct OnChainStepper {
    db: CacheDB<EmptyDB>,
    stepper: Address,
}

/// What one call of the stepper did.
#[derive(Clone, Debug)]
pub struct StepCall {
    /// The post-state commitment, or the revert data.
    pub post: Result<B256, Bytes>,
    /// Gas of the L1 transaction making the call (intrinsic and calldata included).
    pub gas_used: u64,
    /// Size of its calldata: the witness's proof size.
    pub calldata: usize,
}

impl Default for OnChainStepper {
    fn default() -> Self {
        Self::new()
    }
}

impl OnChainStepper {
    /// Deploys the stepper's contracts from the committed artifacts.
    pub fn new() -> Self {
        let mut chain = Self { db: CacheDB::new(EmptyDB::default()), stepper: Address::ZERO };
        let tries = chain.deploy(WorldTries::BYTECODE.to_vec());
        let phases = chain.deploy([TransactionSteps::BYTECODE.as_ref(), tries.into_word().as_slice()].concat());
        let keccak = chain.deploy(KeccakSteps::BYTECODE.to_vec());
        let copy = chain.deploy(CopySteps::BYTECODE.to_vec());
        let log = chain.deploy(LogSteps::BYTECODE.to_vec());
        let calls = chain.deploy([CallSteps::BYTECODE.as_ref(), tries.into_word().as_slice()].concat());
        let create = chain.deploy([CreateSteps::BYTECODE.as_ref(), tries.into_word().as_slice()].concat());
        let destroy = chain.deploy([SelfDestructSteps::BYTECODE.as_ref(), tries.into_word().as_slice()].concat());
        let precompiles = chain.deploy(PrecompileSteps::BYTECODE.to_vec());
        let creation = [
            EVMStepper::BYTECODE.as_ref(),
            tries.into_word().as_slice(),
            phases.into_word().as_slice(),
            keccak.into_word().as_slice(),
            copy.into_word().as_slice(),
            log.into_word().as_slice(),
            calls.into_word().as_slice(),
            create.into_word().as_slice(),
            destroy.into_word().as_slice(),
            precompiles.into_word().as_slice(),
        ]
        .concat();
        chain.stepper = chain.deploy(creation);
        chain
    }

    /// `step(pre, witness)`.
    pub fn step(&mut self, pre: B256, witness: &Witness) -> StepCall {
        self.call(stepCall { pre, witness: witness.clone() }.abi_encode())
    }

    /// Calls the stepper with raw calldata (a mutated encoding, say).
    pub fn call(&mut self, data: Vec<u8>) -> StepCall {
        let calldata = data.len();
        let (result, gas_used) = self.transact(TxKind::Call(self.stepper), data);
        let post = match result {
            ExecutionResult::Success { output: Output::Call(output), .. } if output.len() == 32 => {
                Ok(B256::from_slice(&output))
            }
            ExecutionResult::Success { output, .. } => Err(output.into_data()),
            ExecutionResult::Revert { output, .. } => Err(output),
            ExecutionResult::Halt { reason, .. } => Err(Bytes::from(format!("halted: {reason:?}").into_bytes())),
        };
        StepCall { post, gas_used, calldata }
    }

    fn deploy(&mut self, creation: Vec<u8>) -> Address {
        match self.transact(TxKind::Create, creation).0 {
            ExecutionResult::Success { output: Output::Create(_, Some(address)), .. } => address,
            other => panic!("the stepper's committed creation code failed to deploy: {other:?}"),
        }
    }

    fn transact(&mut self, kind: TxKind, data: Vec<u8>) -> (ExecutionResult, u64) {
        let tx =
            TxEnv { caller: SENDER, kind, data: data.into(), gas_limit: CALL_GAS, gas_price: 0, ..Default::default() };
        let mut cfg: CfgEnv = CfgEnv::default();
        cfg.disable_nonce_check = true;
        cfg.tx_gas_limit_cap = Some(CALL_GAS);
        let mut evm = Context::mainnet().with_cfg(cfg).with_db(&mut self.db).build_mainnet();
        let executed = evm.transact_commit(tx).expect("the harness's transactions are valid");
        let gas_used = executed.tx_gas_used();
        (executed, gas_used)
    }
}

/// How checking one transaction went.
#[derive(Clone, Debug, Default)]
pub struct Checked {
    /// Steps the transaction has (as far as it was traced).
    pub steps: u64,
    /// Steps given to the stepper.
    pub checked: u64,
    /// Largest L1 gas of a checked step.
    pub max_gas: u64,
    /// Sum of the checked steps' L1 gas.
    pub total_gas: u64,
    /// Largest calldata of a checked step.
    pub max_calldata: usize,
    /// Why it was not traced to the end, if it was not.
    pub skip: Option<Skip>,
    /// The first step where the stepper and the tracer disagree.
    pub failure: Option<String>,
}

/// Traces `unit` under `rules` and gives the stepper every step `select` picks, and always the
/// first, the last and every step outside `Run`; stops at the first disagreement.
pub fn check(
    unit: &TestUnit<'_>,
    rules: Rules,
    stepper: &mut OnChainStepper,
    select: impl FnMut(&Step) -> bool,
) -> Result<Checked, TraceError> {
    checked(|on_step| trace(unit, rules, on_step), stepper, select).map(|(checked, _)| checked)
}

/// [`check`] for the transaction `input` describes (one of an L2 block's); also returns what
/// tracing found (revm's result and the transaction's changes).
pub fn check_transaction(
    input: TxInput,
    stepper: &mut OnChainStepper,
    select: impl FnMut(&Step) -> bool,
) -> Result<(Checked, Traced), TraceError> {
    checked(|on_step| trace_transaction(input, on_step), stepper, select)
}

/// Runs `trace` and gives the stepper every step `select` picks, and always the first, the
/// last and every step outside `Run`; stops at the first disagreement.
fn checked(
    trace: impl FnOnce(&mut dyn FnMut(Step) -> ControlFlow<()>) -> Result<Traced, TraceError>,
    stepper: &mut OnChainStepper,
    mut select: impl FnMut(&Step) -> bool,
) -> Result<(Checked, Traced), TraceError> {
    let mut checked = Checked::default();
    let mut last = None;
    let mut run = |step: Step, checked: &mut Checked| {
        let call = stepper.step(step.witness.machine.commitment(), &step.witness);
        checked.checked += 1;
        checked.max_gas = checked.max_gas.max(call.gas_used);
        checked.total_gas += call.gas_used;
        checked.max_calldata = checked.max_calldata.max(call.calldata);
        match call.post {
            Ok(post) if post == step.post.commitment() => ControlFlow::Continue(()),
            other => {
                let phase = step.witness.machine.phase;
                checked.failure = Some(format!("step {} ({phase:?} {:02x?}): {other:?}", step.index, step.opcode));
                ControlFlow::Break(())
            }
        }
    };
    let traced = trace(&mut |step: Step| {
        checked.steps += 1;
        if step.index == 0 || step.opcode.is_none() || select(&step) {
            last = None;
            run(step, &mut checked)
        } else {
            last = Some(step);
            ControlFlow::Continue(())
        }
    })?;
    if let (Some(step), None) = (last, &checked.failure) {
        let _ = run(step, &mut checked);
    }
    checked.skip = traced.skip;
    Ok((checked, traced))
}
