//! Development keys: the standard test mnemonic that Anvil and Hardhat use.

use alloy::signers::local::{MnemonicBuilder, PrivateKeySigner};
use alloy_primitives::U256;
use std::sync::OnceLock;

/// The standard development mnemonic; its first ten keys are the ones Anvil prints, so the
/// same accounts are funded on L1 and L2.
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// Genesis balance of each dev account: 10,000 ETH, as on Anvil.
pub const DEV_ACCOUNT_BALANCE: U256 = U256::from_limbs([0x19e0_c9ba_b240_0000, 0x21e, 0, 0]);

/// The first ten keys of [`DEV_MNEMONIC`] (`m/44'/60'/0'/0/i`), derived once per process.
pub fn dev_signers() -> Vec<PrivateKeySigner> {
    static SIGNERS: OnceLock<Vec<PrivateKeySigner>> = OnceLock::new();
    SIGNERS.get_or_init(|| (0..10).map(|index| MnemonicBuilder::from_phrase_nth(DEV_MNEMONIC, index)).collect()).clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::address;

    #[test]
    fn dev_keys_match_anvil() {
        let signers = dev_signers();
        assert_eq!(signers[0].address(), address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"));
        assert_eq!(signers[9].address(), address!("0xa0Ee7A142d267C1f36714E4a8F75612F20a79720"));
        assert_eq!(DEV_ACCOUNT_BALANCE, U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18)));
    }
}
