//! Where the batcher's and proposer's keys come from. A key is never logged or printed:
//! errors name the source, not its contents.

use alloy::signers::local::PrivateKeySigner;
use std::path::PathBuf;

/// A source of one private key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A hex private key in the named environment variable.
    Env(String),
    /// A file holding a hex private key.
    File(PathBuf),
    /// An encrypted JSON keystore, with the password in the named environment variable.
    Keystore {
        /// The keystore file.
        path: PathBuf,
        /// Environment variable holding its password.
        password_env: String,
    },
}

/// Why a key could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The environment variable is unset.
    #[error("environment variable {0} is not set")]
    MissingEnv(String),
    /// The key file or keystore is unreadable.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is not a private key.
    #[error("{0} does not hold a valid hex private key (32 bytes, optional 0x prefix)")]
    Invalid(String),
    /// The keystore did not decrypt.
    #[error("cannot decrypt keystore {path}: {reason} (is the password in {password_env} right?)")]
    Keystore {
        /// The keystore.
        path: PathBuf,
        /// Environment variable of the password.
        password_env: String,
        /// What failed.
        reason: String,
    },
}

/// Loads a signer from `source`.
pub fn load_signer(source: &KeySource) -> Result<PrivateKeySigner, KeyError> {
    match source {
        KeySource::Env(name) => {
            let text = std::env::var(name).map_err(|_| KeyError::MissingEnv(name.clone()))?;
            parse_key(&text).ok_or_else(|| KeyError::Invalid(format!("environment variable {name}")))
        }
        KeySource::File(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read { path: path.clone(), source })?;
            parse_key(&text).ok_or_else(|| KeyError::Invalid(format!("key file {}", path.display())))
        }
        KeySource::Keystore { path, password_env } => {
            let password = std::env::var(password_env).map_err(|_| KeyError::MissingEnv(password_env.clone()))?;
            PrivateKeySigner::decrypt_keystore(path, password).map_err(|err| KeyError::Keystore {
                path: path.clone(),
                password_env: password_env.clone(),
                reason: err.to_string(),
            })
        }
    }
}

fn parse_key(text: &str) -> Option<PrivateKeySigner> {
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    #[test]
    fn loads_keys_from_files_and_keystores() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key");
        std::fs::write(&file, format!("{KEY}\n")).unwrap();
        let signer = load_signer(&KeySource::File(file)).unwrap();
        assert_eq!(signer.address().to_string(), "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assert!(!format!("{signer:?}").contains(&KEY[2..]), "Debug never shows the key");

        let mut rng = rand_like_rng();
        let (_, name) =
            PrivateKeySigner::encrypt_keystore(dir.path(), &mut rng, signer.to_bytes(), "hunter2", None).unwrap();
        // SAFETY: tests in this module do not read this variable concurrently.
        unsafe { std::env::set_var("BATCHER_TEST_KEYSTORE_PASSWORD", "hunter2") };
        let source =
            KeySource::Keystore { path: dir.path().join(name), password_env: "BATCHER_TEST_KEYSTORE_PASSWORD".into() };
        assert_eq!(load_signer(&source).unwrap().address(), signer.address());
    }

    #[test]
    fn errors_name_the_source_not_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("key");
        std::fs::write(&file, "not-a-key").unwrap();
        let err = load_signer(&KeySource::File(file)).unwrap_err().to_string();
        assert!(err.contains("does not hold a valid hex private key"), "{err}");
        let err = load_signer(&KeySource::Env("BATCHER_TEST_UNSET_VARIABLE".into())).unwrap_err().to_string();
        assert_eq!(err, "environment variable BATCHER_TEST_UNSET_VARIABLE is not set");
    }

    fn rand_like_rng() -> impl alloy::signers::k256::elliptic_curve::rand_core::CryptoRngCore {
        alloy::signers::k256::elliptic_curve::rand_core::OsRng
    }
}
