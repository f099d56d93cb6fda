//! An Anvil L1 for tests: the pinned binary, the same EVM fork as the L2, a free port, and
//! killed when dropped.

use crate::tool;
use alloy::node_bindings::{Anvil, AnvilInstance};

/// Starts Anvil with the L2's hardfork on a free port (auto-mining each transaction).
pub fn anvil() -> AnvilInstance {
    Anvil::new().path(tool("anvil")).args(["--hardfork", "osaka"]).spawn()
}
