//! revm's mainnet handler without the fee-recipient reward, which the parallel executor
//! applies lazily after the block so that fees do not make every transaction conflict.

use revm::{
    context::result::HaltReason,
    context_interface::{ContextTr, JournalTr},
    handler::{EvmTr, EvmTrError, FrameResult, FrameTr, Handler},
    interpreter::interpreter_action::FrameInit,
    state::EvmState,
};
use std::marker::PhantomData;

/// The mainnet handler with `reward_beneficiary` as a no-op.
#[derive(Debug)]
pub(crate) struct LazyRewardHandler<EVM, ERROR, FRAME>(PhantomData<(EVM, ERROR, FRAME)>);

impl<EVM, ERROR, FRAME> Default for LazyRewardHandler<EVM, ERROR, FRAME> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<EVM, ERROR, FRAME> Handler for LazyRewardHandler<EVM, ERROR, FRAME>
where
    EVM: EvmTr<Context: ContextTr<Journal: JournalTr<State = EvmState>>, Frame = FRAME>,
    ERROR: EvmTrError<EVM>,
    FRAME: FrameTr<FrameResult = FrameResult, FrameInit = FrameInit>,
{
    type Evm = EVM;
    type Error = ERROR;
    type HaltReason = HaltReason;

    fn reward_beneficiary(&self, _evm: &mut Self::Evm, _result: &mut FrameResult) -> Result<(), Self::Error> {
        Ok(())
    }
}
