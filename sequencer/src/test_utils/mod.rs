//! Helpers for tests: a throwaway PostgreSQL server, Solidity compilation through the pinned
//! solc, and a sequencer started in-process on a free port.

mod anvil;
mod node;
mod postgres;

pub use anvil::anvil;
pub use node::{Backend, TestNode};
pub use postgres::PostgresServer;
pub use rollup_core::test_utils::{CompiledContract, compile, repo_root, tool};
