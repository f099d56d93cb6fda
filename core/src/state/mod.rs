//! World state: the change-set type, readers over state, and the in-memory world state with its
//! incremental commitment.

mod diff;
mod overlay;
mod reader;
mod world;

pub use diff::{AccountDiff, AccountInfo, StateDiff};
pub use overlay::StateOverlay;
pub use reader::{StateReader, private_copy};
pub use world::WorldState;
