//! The executor interface: what any block-execution engine (sequential or parallel) must give.

use crate::{
    chain::BlockAttributes,
    state::{StateDiff, StateReader},
};
use alloy::consensus::{TxEnvelope, transaction::Recovered};
use alloy_primitives::{Address, Log};

/// A signed L2 transaction together with its recovered sender.
pub type L2Transaction = Recovered<TxEnvelope>;

/// What executing one transaction produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxOutcome {
    /// Whether execution succeeded (receipt status 1).
    pub success: bool,
    /// Gas charged to the transaction, after refunds.
    pub gas_used: u64,
    /// Logs emitted (empty when the transaction reverted).
    pub logs: Vec<Log>,
    /// Address of the contract created by a successful creation transaction.
    pub contract_address: Option<Address>,
    /// For a deposit, its sender's nonce before it ran (in its receipt); `None` otherwise.
    pub deposit_nonce: Option<u64>,
}

/// The result of executing a block's transactions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecutionOutput {
    /// One outcome per transaction, in block order.
    pub outcomes: Vec<TxOutcome>,
    /// Every state change the transactions made.
    pub diff: StateDiff,
}

/// Why a block could not be executed.
#[derive(Debug, thiserror::Error)]
pub enum ExecutionError {
    /// A transaction is not valid in this position (nonce, balance, fees, gas). A block builder
    /// drops it and tries again; a block containing it is invalid.
    #[error("transaction {index} is invalid: {reason}")]
    InvalidTransaction {
        /// Position of the transaction in the block.
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// The EVM failed for a reason that is not the transaction's fault.
    #[error("execution failed: {0}")]
    Internal(String),
}

impl ExecutionError {
    /// Transaction `index` asks for `gas_limit` gas with only `left` left in the block.
    pub fn block_gas_exceeded(index: usize, gas_limit: u64, left: u64) -> Self {
        Self::InvalidTransaction {
            index,
            reason: format!("gas limit {gas_limit} exceeds the {left} gas left in the block"),
        }
    }
}

/// Executes the ordered transactions of a block against a state.
///
/// Implementations must be deterministic and must all produce exactly the same output as
/// [`super::SequentialExecutor`].
pub trait BlockExecutor: Send + Sync + std::fmt::Debug {
    /// Executes `txs` in order on top of `state` (which already includes the block-start
    /// system changes), with the block environment given by `chain_id` and `attrs`.
    fn execute(
        &self,
        state: &dyn StateReader,
        chain_id: u64,
        attrs: &BlockAttributes,
        txs: &[L2Transaction],
    ) -> Result<ExecutionOutput, ExecutionError>;
}
