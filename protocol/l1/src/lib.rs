//! The L1 side: bindings of the rollup's L1 contracts (built from the committed artifacts in
//! `artifacts/`, which CI checks against a fresh `forge build`), among them the dispute game's
//! EVM stepper, their deployment, the deposits read from the Portal's events and the fee
//! configuration's changes read from the SystemConfig's.

mod config_updates;
mod deploy;
mod deployment;
mod deposits;
#[cfg(any(test, feature = "test-utils"))]
pub mod test_utils;

pub use config_updates::{SystemConfigUpdate, config_updates_from_logs, system_config_updates};

/// L2 gas the Portal sells per L1 block (its `MAX_RESOURCE_LIMIT`): all of it may land in one L2
/// block, so an L2 block's gas limit must hold it and the L1 attributes deposit.
pub const DEPOSIT_GAS_PER_L1_BLOCK: u64 = 20_000_000;
pub use deploy::{CREATE2_DEPLOYER, DeployError, deploy};
pub use deployment::{DeployConfig, Deployment};
pub use deposits::{DepositError, MalformedDeposit, deposit_from_log, deposits_from_logs, portal_deposits};

/// Generates the binding of one contract in its own module (the ABIs each carry their own
/// copy of the shared `Types` library structs).
macro_rules! binding {
    ($module:ident, $contract:ident, $path:literal) => {
        #[allow(missing_docs, unreachable_pub, clippy::too_many_arguments)]
        pub mod $module {
            alloy::sol!(
                #[sol(rpc)]
                $contract,
                $path
            );
        }
    };
}

binding!(batch_inbox, BatchInbox, "src/artifacts/BatchInbox.json");
binding!(output_oracle, OutputOracle, "src/artifacts/OutputOracle.json");
binding!(portal, Portal, "src/artifacts/Portal.json");
binding!(system_config, SystemConfig, "src/artifacts/SystemConfig.json");
binding!(call_steps, CallSteps, "src/artifacts/CallSteps.json");
binding!(copy_steps, CopySteps, "src/artifacts/CopySteps.json");
binding!(create_steps, CreateSteps, "src/artifacts/CreateSteps.json");
binding!(evm_stepper, EVMStepper, "src/artifacts/EVMStepper.json");
binding!(keccak_steps, KeccakSteps, "src/artifacts/KeccakSteps.json");
binding!(log_steps, LogSteps, "src/artifacts/LogSteps.json");
binding!(precompile_steps, PrecompileSteps, "src/artifacts/PrecompileSteps.json");
binding!(self_destruct_steps, SelfDestructSteps, "src/artifacts/SelfDestructSteps.json");
binding!(transaction_steps, TransactionSteps, "src/artifacts/TransactionSteps.json");
binding!(world_tries, WorldTries, "src/artifacts/WorldTries.json");

pub use batch_inbox::BatchInbox;
pub use output_oracle::OutputOracle;
pub use portal::Portal;
pub use system_config::SystemConfig;

/// The dispute game's one-step EVM stepper: `EVMStepper`, deployed with the contracts it calls
/// (docs/dispute/stepper.md).
pub mod dispute {
    pub use super::{
        call_steps::CallSteps, copy_steps::CopySteps, create_steps::CreateSteps, evm_stepper::EVMStepper,
        keccak_steps::KeccakSteps, log_steps::LogSteps, precompile_steps::PrecompileSteps,
        self_destruct_steps::SelfDestructSteps, transaction_steps::TransactionSteps, world_tries::WorldTries,
    };
}
