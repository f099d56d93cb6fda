//! revm's mainnet handler with the L2's fees (docs/fees.md): the L1 data fee is taken from the
//! sender before execution, and the base fee and the L1 fee go to their vaults instead of being
//! burnt.

use crate::fees::{BASE_FEE_VAULT, L1_FEE_VAULT};
use alloy_primitives::U256;
use revm::{
    Database, ExecuteEvm,
    context::{
        ContextSetters, TxEnv,
        result::{EVMError, ExecResultAndState, ExecutionResult},
    },
    handler::{EthFrame, MainnetContext, MainnetEvm},
    inspector::{Inspector, InspectorEvmTr, InspectorHandler},
    interpreter::interpreter::EthInterpreter,
};
use revm::{
    context::{
        Block, Cfg, Transaction,
        result::{HaltReason, InvalidTransaction},
    },
    context_interface::{ContextTr, JournalTr, journaled_state::account::JournaledAccountTr},
    handler::{EvmTr, EvmTrError, FrameResult, FrameTr, Handler, post_execution, pre_execution},
    interpreter::{InitialAndFloorGas, interpreter_action::FrameInit},
    state::EvmState,
};
use std::marker::PhantomData;

/// Runs user transaction `env` in `evm` with the L2's fees, its L1 data fee being `l1_fee`
/// (like revm's `transact`, which runs the mainnet handler).
pub fn transact_with_fees<DB: Database>(
    evm: &mut MainnetEvm<MainnetContext<DB>>,
    env: TxEnv,
    l1_fee: U256,
    credits: VaultCredits,
) -> Result<ExecResultAndState<ExecutionResult>, EVMError<DB::Error>> {
    evm.ctx.set_tx(env);
    let result = FeeHandler::<_, EVMError<DB::Error>, EthFrame<EthInterpreter>>::new(l1_fee, credits).run(evm);
    let state = evm.finalize();
    result.map(|result| ExecResultAndState::new(result, state))
}

/// [`transact_with_fees`] with `evm`'s inspector watching (debug tracing).
pub fn inspect_with_fees<DB: Database, I: Inspector<MainnetContext<DB>>>(
    evm: &mut MainnetEvm<MainnetContext<DB>, I>,
    env: TxEnv,
    l1_fee: U256,
) -> Result<ExecResultAndState<ExecutionResult>, EVMError<DB::Error>> {
    evm.ctx.set_tx(env);
    let mut handler =
        FeeHandler::<_, EVMError<DB::Error>, EthFrame<EthInterpreter>>::new(l1_fee, VaultCredits::EachTransaction);
    let result = handler.inspect_run(evm);
    let state = evm.finalize();
    result.map(|result| ExecResultAndState::new(result, state))
}

/// When the fee vaults are credited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VaultCredits {
    /// After every transaction, as part of it: the reference semantics.
    EachTransaction,
    /// Not by the handler: the caller credits the block's sums after its last transaction
    /// (valid only for blocks in which no transaction reads a vault).
    Deferred,
}

/// The mainnet handler with the L1 data fee and the fee vaults, for one user transaction.
#[derive(Debug)]
pub struct FeeHandler<EVM, ERROR, FRAME> {
    l1_fee: U256,
    credits: VaultCredits,
    _types: PhantomData<(EVM, ERROR, FRAME)>,
}

impl<EVM, ERROR, FRAME> FeeHandler<EVM, ERROR, FRAME> {
    /// A handler for a transaction whose L1 data fee is `l1_fee`.
    pub fn new(l1_fee: U256, credits: VaultCredits) -> Self {
        Self { l1_fee, credits, _types: PhantomData }
    }
}

impl<EVM, ERROR, FRAME> Handler for FeeHandler<EVM, ERROR, FRAME>
where
    EVM: EvmTr<Context: ContextTr<Journal: JournalTr<State = EvmState>>, Frame = FRAME>,
    ERROR: EvmTrError<EVM>,
    FRAME: FrameTr<FrameResult = FrameResult, FrameInit = FrameInit>,
{
    type Evm = EVM;
    type Error = ERROR;
    type HaltReason = HaltReason;

    /// Takes the L1 fee before the gas, so that the sender must afford it on top of the gas and
    /// value (as op-revm does); it stays taken if the transaction reverts. A wrong nonce or a
    /// sender with code is reported as such first.
    fn validate_against_state_and_deduct_caller(
        &self,
        evm: &mut Self::Evm,
        _init_and_floor_gas: &mut InitialAndFloorGas,
    ) -> Result<(), Self::Error> {
        if !self.l1_fee.is_zero() && !evm.ctx().cfg().is_fee_charge_disabled() {
            let (_, tx, cfg, journal, _, _) = evm.ctx().all_mut();
            let mut caller = journal.load_account_with_code_mut(tx.caller())?.data;
            pre_execution::validate_account_nonce_and_code_with_components(&caller.account().info, tx, cfg)?;
            let balance = *caller.balance();
            let Some(left) = balance.checked_sub(self.l1_fee) else {
                let gas = U256::from(tx.gas_limit()) * U256::from(tx.max_fee_per_gas());
                let fee = Box::new(gas + tx.value() + self.l1_fee);
                return Err(InvalidTransaction::LackOfFundForMaxFee { fee, balance: Box::new(balance) }.into());
            };
            caller.set_balance(left);
        }
        pre_execution::validate_against_state_and_deduct_caller(evm.ctx())
    }

    fn reward_beneficiary(&self, evm: &mut Self::Evm, result: &mut FrameResult) -> Result<(), Self::Error> {
        if self.credits == VaultCredits::Deferred || evm.ctx().cfg().is_fee_charge_disabled() {
            return Ok(());
        }
        let gas = result.gas();
        post_execution::reward_beneficiary(evm.ctx(), gas)?;
        let used = gas.used().saturating_sub(gas.reservoir());
        let (block, _, _, journal, _, _) = evm.ctx().all_mut();
        let base_fees = U256::from(block.basefee()) * U256::from(used);
        journal.load_account_mut(BASE_FEE_VAULT)?.incr_balance(base_fees);
        journal.load_account_mut(L1_FEE_VAULT)?.incr_balance(self.l1_fee);
        Ok(())
    }
}

impl<EVM, ERROR> InspectorHandler for FeeHandler<EVM, ERROR, EthFrame<EthInterpreter>>
where
    EVM: InspectorEvmTr<
            Context: ContextTr<Journal: JournalTr<State = EvmState>>,
            Frame = EthFrame<EthInterpreter>,
            Inspector: Inspector<<EVM as EvmTr>::Context, EthInterpreter>,
        >,
    ERROR: EvmTrError<EVM>,
{
    type IT = EthInterpreter;
}
