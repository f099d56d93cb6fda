//! Helpers for the workspace's tests, used only as a dev-dependency (and by the `test-utils`
//! features): an Anvil L1 on the L2's fork, a throwaway PostgreSQL server, the `rollup` binary of the
//! current build (alone, or as a whole [`Devnet`] started as a user starts it), and Solidity
//! compilation through the pinned solc, and
//! a compiled contract run alone in revm ([`ContractHarness`]).
//!
//! Each helper starts real processes on free local ports and stops them when dropped, also
//! when the test fails. It depends on no crate of the workspace, so every crate can use it.

mod anvil;
mod binary;
mod devnet;
mod harness;
mod postgres;
mod process;
mod solidity;
mod wait;

pub use anvil::anvil;
pub use binary::rollup_binary;
pub use devnet::{Devnet, DevnetConfig};
pub use harness::ContractHarness;
pub use postgres::{Backend, PostgresServer};
pub use process::{GroupChild, run_bounded};
pub use solidity::{CompiledContract, compile, repo_root, tool};
pub use wait::wait_for;
