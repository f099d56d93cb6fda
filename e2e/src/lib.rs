#![doc = include_str!("../README.md")]

mod devnet;
mod process;
mod wait;

pub use devnet::{Devnet, DevnetConfig};
pub use process::{GroupChild, run_bounded};
pub use wait::wait_for;
