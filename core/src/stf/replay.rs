//! Re-executing a committed block one transaction at a time on its parent state, each with an
//! inspector of the caller's choice: what `debug_trace*` runs. The state changes are those of
//! [`super::apply_block`]; only the order of work differs (one EVM per transaction).

use super::{
    ExecutionError, L2Transaction,
    apply::block_start_changes,
    deposit::deposit_tx_env,
    env::{evm_env, tx_env, unchecked_evm_env},
    handler::inspect_with_fees,
};
use crate::{
    chain::BlockAttributes,
    deposit::TxDeposit,
    fees::transaction_l1_cost,
    state::{StateDiff, StateOverlay, StateReader},
};
use alloy_primitives::U256;
use revm::{
    Context, InspectEvm, Inspector, MainBuilder, MainContext,
    context::{
        BlockEnv, TxEnv,
        result::{EVMError, ExecResultAndState, ExecutionResult},
    },
    handler::MainnetContext,
};

/// One transaction of a committed block.
#[derive(Clone, Copy, Debug)]
pub enum BlockTx<'t> {
    /// A deposit (the L1 attributes deposit included).
    Deposit(&'t TxDeposit),
    /// A user transaction.
    User(&'t L2Transaction),
}

/// The state a replayed block's transactions run on: the overlay of what the block changed so
/// far, over the parent state.
pub type ReplayState<'a> = StateOverlay<'a, dyn StateReader + 'a>;

/// One replayed transaction, its changes not yet committed.
#[derive(Debug)]
pub struct ReplayedTx {
    /// The revm transaction it ran as.
    pub env: TxEnv,
    /// Its result and changes; for a deposit revm refused to run (it then keeps only its mint
    /// and nonce increment, see [`crate::deposit`]), why.
    pub outcome: Result<ExecResultAndState<ExecutionResult>, String>,
}

/// A committed block being replayed on its parent state.
pub struct BlockReplay<'a> {
    parent: &'a (dyn StateReader + 'a),
    state: ReplayState<'a>,
    chain_id: u64,
    attrs: BlockAttributes,
}

impl<'a> BlockReplay<'a> {
    /// Starts block `attrs.number` on `parent`, the state after the block before it: applies
    /// the block-start system changes.
    pub fn new(parent: &'a (dyn StateReader + 'a), chain_id: u64, attrs: BlockAttributes) -> Self {
        let start = block_start_changes(parent, &attrs);
        Self { parent, state: StateOverlay::with_diff(parent, start), chain_id, attrs }
    }

    /// The block's revm environment.
    pub fn block_env(&self) -> BlockEnv {
        evm_env(self.chain_id, &self.attrs).1
    }

    /// The state before the next transaction (after the committed ones).
    pub fn state(&self) -> &ReplayState<'a> {
        &self.state
    }

    /// Runs `tx` on the state so far with `inspector` watching, without committing it. A
    /// deposit's mint (and, if revm refuses it, its nonce increment) is applied right away.
    pub fn run<I>(&mut self, tx: BlockTx<'_>, inspector: I) -> Result<ReplayedTx, ExecutionError>
    where
        I: Inspector<MainnetContext<ReplayState<'a>>>,
    {
        // The EVM owns the state while it runs; it comes back unchanged (the run's changes are
        // in its result).
        let mut state = std::mem::replace(&mut self.state, StateOverlay::new(self.parent));
        let (env, l1_fee, (cfg, block)) = match tx {
            BlockTx::Deposit(deposit) => {
                state.credit(deposit.from, U256::from(deposit.mint));
                (deposit_tx_env(deposit), None, unchecked_evm_env(self.chain_id, &self.attrs))
            }
            BlockTx::User(user) => {
                let l1_fee = transaction_l1_cost(user.inner(), &self.attrs.l1).fee;
                (tx_env(user), Some(l1_fee), evm_env(self.chain_id, &self.attrs))
            }
        };
        let mut evm =
            Context::mainnet().with_cfg(cfg).with_block(block).with_db(state).build_mainnet_with_inspector(inspector);
        let executed = match l1_fee {
            None => evm.inspect_tx(env.clone()),
            Some(l1_fee) => inspect_with_fees(&mut evm, env.clone(), l1_fee),
        };
        self.state = evm.ctx.journaled_state.database;
        let outcome = match (executed, l1_fee) {
            (Ok(executed), _) => Ok(executed),
            (Err(EVMError::Transaction(refused)), None) => {
                self.state.bump_nonce(env.caller);
                Err(refused.to_string())
            }
            (Err(EVMError::Transaction(invalid)), Some(_)) => {
                return Err(ExecutionError::Internal(format!("committed transaction is invalid on replay: {invalid}")));
            }
            (Err(other), _) => return Err(ExecutionError::Internal(other.to_string())),
        };
        Ok(ReplayedTx { env, outcome })
    }

    /// Commits what a transaction run by [`Self::run`] changed.
    pub fn commit(&mut self, replayed: ReplayedTx) {
        if let Ok(executed) = replayed.outcome {
            self.state.commit(executed.state);
        }
    }

    /// Everything the replayed transactions changed, the block-start changes included: for a
    /// replay of the whole block, the block's state diff.
    pub fn finish(self) -> StateDiff {
        self.state.into_diff()
    }
}
