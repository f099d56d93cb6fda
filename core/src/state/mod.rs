//! State as the STF reads and changes it: the change-set type, the reader trait, and the
//! overlay a block executes on. The world state that holds it all with its commitment is
//! [`crate::WorldState`], above this module and the trie.

mod diff;
mod overlay;
mod reader;

pub use diff::{AccountDiff, AccountInfo, StateDiff};
pub use overlay::StateOverlay;
pub use reader::{StateReader, private_copy};
