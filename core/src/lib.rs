//! Shared core of the rollup: chain parameters, genesis, the world state and its Merkle-Patricia
//! commitment, and the state-transition function that the sequencer, derivation and the
//! dispute tracer all run.
//!
//! ```
//! use rollup_core::{ChainConfig, Genesis, L1Origin};
//!
//! let genesis = Genesis::dev(ChainConfig::default(), 0, L1Origin::default());
//! let (mut world, block0) = genesis.build();
//! assert_eq!(world.state_root(), block0.header.state_root);
//! ```

mod chain;
pub mod deposit;
pub mod fees;
mod genesis;
mod output;
mod state;
mod stf;
#[cfg(any(test, feature = "test-utils"))]
pub mod test_utils;
mod trie;
mod world;

pub use chain::{
    BlockAttributes, ChainConfig, FEE_RECIPIENT, L1Origin, MAX_TX_SIZE, MESSAGE_PASSER_ADDRESS, SPEC, TX_GAS_CAP,
};
pub use genesis::{DEV_ACCOUNT_BALANCE, DEV_MNEMONIC, FeeVaultConfig, Genesis, GenesisAccount, dev_signers};
pub use output::{OUTPUT_VERSION, Output};
pub use state::{AccountDiff, AccountInfo, StateDiff, StateOverlay, StateReader, private_copy};
pub use stf::{
    AppliedBlock, BlockExecutor, BlockReplay, BlockTx, CallError, ExecutionError, ExecutionOutput, FeeHandler,
    L2Transaction, ReplayState, ReplayedTx, SealedBlock, SequentialExecutor, StepKind, TraceStep, TxOutcome,
    VaultCredits, apply_block, block_deposits, block_start_changes, deposit_tx_env, estimate_gas, evm_env,
    inspect_call, inspect_with_fees, l1_origin_extra_data, seal_block, simulate_call, skip_sender_checks, trace_block,
    transact_with_fees, tx_env, unchecked_evm_env,
};
pub use trie::{AccountProof, HashedNodes, MerkleTrie, ProofWalk, ProofWalkError, StateTrie, TrieNodeError};
pub use world::WorldState;
