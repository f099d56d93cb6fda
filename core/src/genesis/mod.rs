//! Genesis: the dev accounts, the predeploys and the first block of an L2 chain.

mod dev;

pub use dev::{DEV_ACCOUNT_BALANCE, DEV_MNEMONIC, dev_signers};

use crate::{
    chain::{BlockAttributes, ChainConfig, L1Origin, MESSAGE_PASSER_ADDRESS},
    state::{AccountDiff, AccountInfo, StateDiff},
    stf::{SealedBlock, seal_block},
    world::WorldState,
};
use alloy::eips::eip2935::{HISTORY_STORAGE_ADDRESS, HISTORY_STORAGE_CODE};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Runtime bytecode of the L2→L1 message passer, built from
/// `contracts/src/L2/L2ToL1MessagePasser.sol` by `tools/build-predeploys.sh`.
const MESSAGE_PASSER_CODE: &str = include_str!("predeploys/L2ToL1MessagePasser.hex");

/// An account in the genesis state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenesisAccount {
    /// Balance in wei.
    pub balance: U256,
    /// Nonce.
    #[serde(default)]
    pub nonce: u64,
    /// Runtime code, if a contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Bytes>,
    /// Storage slots.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub storage: BTreeMap<U256, U256>,
}

/// Everything that defines block 0 of an L2 chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Genesis {
    /// Chain parameters.
    pub config: ChainConfig,
    /// Timestamp of block 0.
    pub timestamp: u64,
    /// The L1 block the chain starts from.
    pub l1_origin: L1Origin,
    /// Initial accounts.
    pub alloc: BTreeMap<Address, GenesisAccount>,
}

impl Genesis {
    /// A development genesis: the predeploys and the ten accounts of the standard test
    /// mnemonic (the keys Anvil prints), each with [`DEV_ACCOUNT_BALANCE`].
    pub fn dev(config: ChainConfig, timestamp: u64, l1_origin: L1Origin) -> Self {
        let mut alloc: BTreeMap<Address, GenesisAccount> = dev_signers()
            .iter()
            .map(|signer| (signer.address(), GenesisAccount { balance: DEV_ACCOUNT_BALANCE, ..Default::default() }))
            .collect();
        alloc.extend(predeploys());
        Self { config, timestamp, l1_origin, alloc }
    }

    /// The genesis allocation as a state change set.
    pub fn state_diff(&self) -> StateDiff {
        let mut diff = StateDiff::default();
        for (address, account) in &self.alloc {
            let code_hash = match &account.code {
                Some(code) if !code.is_empty() => {
                    let hash = keccak256(code);
                    diff.codes.insert(hash, code.clone());
                    hash
                }
                _ => alloy_primitives::KECCAK256_EMPTY,
            };
            let info = AccountInfo { nonce: account.nonce, balance: account.balance, code_hash };
            diff.accounts.insert(
                *address,
                AccountDiff {
                    info: Some(info),
                    storage_reset: false,
                    storage: account.storage.iter().map(|(slot, value)| (*slot, *value)).collect(),
                },
            );
        }
        diff
    }

    /// Attributes of block 0.
    pub fn attributes(&self) -> BlockAttributes {
        BlockAttributes {
            number: 0,
            parent_hash: B256::ZERO,
            timestamp: self.timestamp,
            l1_origin: self.l1_origin,
            fee_recipient: Address::ZERO,
            base_fee: self.config.initial_base_fee,
            gas_limit: self.config.block_gas_limit,
        }
    }

    /// Builds the genesis state and block 0.
    pub fn build(&self) -> (WorldState, SealedBlock) {
        let mut world = WorldState::new();
        let state_root = world.apply(&self.state_diff());
        let message_passer_root = world.storage_root(MESSAGE_PASSER_ADDRESS);
        let block = seal_block(&self.attributes(), Vec::new(), Vec::new(), &[], state_root, message_passer_root);
        world.record_block_hash(0, block.hash);
        (world, block)
    }
}

/// The predeployed system contracts.
fn predeploys() -> [(Address, GenesisAccount); 2] {
    let message_passer = Bytes::from(
        alloy_primitives::hex::decode(MESSAGE_PASSER_CODE.trim()).expect("the committed predeploy is valid hex"),
    );
    [
        (MESSAGE_PASSER_ADDRESS, GenesisAccount { nonce: 1, code: Some(message_passer), ..Default::default() }),
        (
            HISTORY_STORAGE_ADDRESS,
            GenesisAccount { nonce: 1, code: Some(HISTORY_STORAGE_CODE.clone()), ..Default::default() },
        ),
    ]
}
