//! Loading an L1 signing key from a flag, the environment or a file, without ever printing it.

use alloy::signers::local::PrivateKeySigner;
use anyhow::Context as _;
use clap::Args;
use std::path::PathBuf;

/// Where a service's L1 key comes from (exactly one of the two).
#[derive(Debug, Args)]
pub(crate) struct KeyArgs {
    /// Private key as hex (prefer the environment variable or a file: flags show in `ps`).
    #[arg(long, env = "ROLLUP_PRIVATE_KEY", hide_env_values = true, conflicts_with = "private_key_file")]
    private_key: Option<String>,
    /// File holding the private key as hex.
    #[arg(long, env = "ROLLUP_PRIVATE_KEY_FILE")]
    private_key_file: Option<PathBuf>,
}

impl KeyArgs {
    /// The signer; errors name the source of the key but never its value.
    pub(crate) fn signer(&self) -> anyhow::Result<PrivateKeySigner> {
        let (text, source) = match (&self.private_key, &self.private_key_file) {
            (Some(key), None) => (key.clone(), "--private-key / ROLLUP_PRIVATE_KEY".to_string()),
            (None, Some(path)) => {
                let text =
                    std::fs::read_to_string(path).with_context(|| format!("reading key file {}", path.display()))?;
                (text, format!("key file {}", path.display()))
            }
            _ => anyhow::bail!("no L1 key: set ROLLUP_PRIVATE_KEY or pass --private-key-file"),
        };
        text.trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{source} is not a valid secp256k1 private key (64 hex digits)"))
    }
}
