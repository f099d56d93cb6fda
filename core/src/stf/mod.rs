//! The state-transition function: how an L2 block turns a state and transactions into the next
//! state, receipts and a sealed header. One implementation, used by the sequencer, derivation
//! and the dispute tracer.

mod apply;
mod deposit;
mod env;
mod executor;
mod handler;
mod replay;
mod seal;
mod sequential;
mod simulate;
mod trace;

pub use apply::{AppliedBlock, apply_block, block_deposits, block_start_changes};
pub use deposit::deposit_tx_env;
pub use env::{evm_env, skip_sender_checks, tx_env, unchecked_evm_env};
pub use executor::{BlockExecutor, ExecutionError, ExecutionOutput, L2Transaction, TxOutcome};
pub use handler::{FeeHandler, VaultCredits, inspect_with_fees, transact_with_fees};
pub use replay::{BlockReplay, BlockTx, ReplayState, ReplayedTx};
pub use seal::{SealedBlock, l1_origin_extra_data, seal_block};
pub use sequential::SequentialExecutor;
pub use simulate::{CallError, estimate_gas, inspect_call, simulate_call};
pub use trace::{StepKind, TraceStep, trace_block};
