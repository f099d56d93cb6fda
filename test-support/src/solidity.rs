//! Compiling Solidity with the pinned solcjs (`tools/compile.js`) and locating the L1 tools.

use alloy_primitives::Bytes;
use std::{path::PathBuf, process::Command};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("crate is inside the workspace").to_path_buf()
}

/// Path of an L1 tool (`anvil`, `cast`, `forge`, `solc`) installed by
/// `tools/install-l1-tools.sh`; installs the tools if they are missing.
pub fn tool(name: &str) -> PathBuf {
    let path = repo_root().join(".tools-bin").join(name);
    if !path.exists() {
        let status = Command::new("bash").arg(repo_root().join("tools/install-l1-tools.sh")).status();
        assert!(status.is_ok_and(|s| s.success()), "installing the L1 tools failed");
    }
    path
}

/// Output of compiling one contract.
#[derive(Clone, Debug)]
pub struct CompiledContract {
    /// Creation bytecode (constructor arguments go after it).
    pub bytecode: Bytes,
    /// Runtime bytecode.
    pub deployed_bytecode: Bytes,
}

/// Compiles `contract` from the Solidity file at `path` (relative to the repository root).
pub fn compile(path: &str, contract: &str) -> CompiledContract {
    tool("solc");
    let output = Command::new("node")
        .arg(repo_root().join("tools/compile.js"))
        .arg(repo_root().join(path))
        .arg(contract)
        .arg("--quiet")
        .output()
        .expect("run node tools/compile.js");
    assert!(output.status.success(), "compiling {contract} failed: {}", String::from_utf8_lossy(&output.stderr));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("compile.js prints JSON");
    let field = |name: &str| -> Bytes { json[name].as_str().expect("hex field").parse().expect("valid hex") };
    CompiledContract { bytecode: field("bytecode"), deployed_bytecode: field("deployedBytecode") }
}
