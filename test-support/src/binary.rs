//! The `rollup` binary of the current build, for tests that run it as a user would.

use std::path::PathBuf;

/// Path of `target/<profile>/rollup` next to the running test executable (nextest and
/// `cargo test --workspace` build it).
pub fn rollup_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let path = exe.parent().and_then(|deps| deps.parent()).expect("target/<profile>/deps").join("rollup");
    assert!(path.exists(), "{} is missing: build the workspace (`cargo build -p rollup`) first", path.display());
    path
}
