//! The off-chain side of the EVM one-step stepper (see `docs/dispute/`).
//!
//! [`trace`] runs a transaction on revm and hands out each step's witness and the machine
//! after it, which `contracts/src/dispute/EVMStepper.sol` must reproduce on L1. Around it: the
//! ground truth the stepper is checked against: the Ethereum consensus
//! tests' state tests ([`StateTestFile`]), each of their transactions executed on revm
//! ([`execute`]) through the same state-transition machinery as L2 blocks (the world state,
//! its overlay and the incremental state trie of `rollup-core`), with the post-state root and
//! the logs hash the fixtures name; and the first pieces of the machine-state commitment
//! (`docs/dispute/commitment.md`): [`Machine`] and its parts with their commitments, the
//! [`stack_hash`] chain, and [`BufferTree`], the commitment to memory, calldata, return data
//! and code.
//!
//! ```no_run
//! use stepper::{StateTestFile, execute};
//! let file = StateTestFile::read("fixtures/add.json".as_ref())?;
//! for unit in file.units("Cancun") {
//!     let outcome = execute(&unit, revm::primitives::hardfork::SpecId::CANCUN)?;
//!     assert_eq!(outcome.state_root, unit.expected.hash);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod block;
mod buffer;
mod commitment;
mod execute;
mod fixtures;
mod sponge;
mod trace;
mod verify;

pub use block::{BlockChecked, BlockError, BlockInput, Positions, SLOT_STEPS, SlotChecked, check_block, step_at};
pub use buffer::{BUFFER_DEPTH, BufferTree};
pub use commitment::{
    Access, Authorization, Call, Context, Data, FeeRules, Frame, Lists, Machine, Micro, Outcome, Phase, Witness, World,
    stack_hash, stepCall,
};
pub use execute::{ExecuteError, Executed, TxInput, execute, logs_hash};
pub use fixtures::{
    AccessListEntry, AuthorizationEntry, Env, ExpectedPost, FixtureError, Indexes, PreAccount, StateTest,
    StateTestFile, TestUnit, TransactionTemplate,
};
pub use trace::{Fees, Rules, Skip, Step, TraceError, Traced, trace, trace_transaction};
pub use verify::{Checked, OnChainStepper, StepCall, check, check_transaction};
