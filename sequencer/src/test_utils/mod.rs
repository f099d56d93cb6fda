//! Helpers for tests: a throwaway PostgreSQL server, Solidity compilation through the pinned
//! solc, and a sequencer started in-process on a free port.

mod anvil;
mod binary;
mod node;
mod postgres;

pub use anvil::{BOND, OPERATOR, anvil, deploy_config, deploy_rollup};
pub use binary::rollup_binary;
pub use node::{Backend, TestNode};
pub use postgres::PostgresServer;
pub use rollup_core::test_utils::{CompiledContract, compile, repo_root, tool};
