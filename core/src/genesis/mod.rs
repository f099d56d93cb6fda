//! Genesis: the dev accounts, the predeploys and the first block of an L2 chain.

mod dev;

pub use dev::{DEV_ACCOUNT_BALANCE, DEV_MNEMONIC, dev_signers};

use crate::{
    chain::{BlockAttributes, ChainConfig, L1Origin, MESSAGE_PASSER_ADDRESS},
    fees::{FEE_VAULTS, GAS_PRICE_ORACLE_ADDRESS, L1_BLOCK_ADDRESS, L1Attributes, L1BlockValues},
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

/// Runtime bytecode of `contracts/src/L2/L1Block.sol`.
const L1_BLOCK_CODE: &str = include_str!("predeploys/L1Block.hex");

/// Runtime bytecode of `contracts/src/L2/GasPriceOracle.sol`.
const GAS_PRICE_ORACLE_CODE: &str = include_str!("predeploys/GasPriceOracle.hex");

/// Runtime bytecode of `contracts/src/L2/FeeVault.sol`, the code of all three fee vaults.
const FEE_VAULT_CODE: &str = include_str!("predeploys/FeeVault.hex");

/// Where the fee vaults send what they collect, and from how much on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeeVaultConfig {
    /// The L1 account that receives every withdrawal of the three vaults.
    pub recipient: Address,
    /// The smallest balance a vault withdraws, in wei.
    pub min_withdrawal_amount: U256,
}

impl FeeVaultConfig {
    /// The development default: the first dev account receives, from 0.01 ETH on.
    pub fn dev() -> Self {
        Self { recipient: dev_signers()[0].address(), min_withdrawal_amount: U256::from(10_000_000_000_000_000u64) }
    }
}

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
    /// The rest of the L1 attributes at genesis: the origin's timestamp and fees, and the
    /// initial fee configuration (the L1 `SystemConfig`'s at deployment).
    pub l1: L1Attributes,
    /// Initial accounts.
    pub alloc: BTreeMap<Address, GenesisAccount>,
}

impl Genesis {
    /// A development genesis: the predeploys and the ten accounts of the standard test
    /// mnemonic (the keys Anvil prints), each with [`DEV_ACCOUNT_BALANCE`].
    pub fn dev(config: ChainConfig, timestamp: u64, l1_origin: L1Origin) -> Self {
        Self::dev_with_fees(config, timestamp, l1_origin, L1Attributes::default(), FeeVaultConfig::dev())
    }

    /// A development genesis whose origin has the L1 attributes `l1`, and whose fee vaults
    /// pay out as `vaults` says.
    pub fn dev_with_fees(
        config: ChainConfig,
        timestamp: u64,
        l1_origin: L1Origin,
        l1: L1Attributes,
        vaults: FeeVaultConfig,
    ) -> Self {
        let mut alloc: BTreeMap<Address, GenesisAccount> = dev_signers()
            .iter()
            .map(|signer| (signer.address(), GenesisAccount { balance: DEV_ACCOUNT_BALANCE, ..Default::default() }))
            .collect();
        let l1_values = L1BlockValues { origin: l1_origin, sequence_number: 0, l1 };
        alloc.extend(predeploys(&l1_values, &vaults));
        Self { config, timestamp, l1_origin, l1, alloc }
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
            l1: self.l1,
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

/// The predeployed system contracts: `L1Block` holding the genesis L1 attributes, the fee
/// vaults configured by `vaults`.
fn predeploys(l1: &L1BlockValues, vaults: &FeeVaultConfig) -> Vec<(Address, GenesisAccount)> {
    let contract = |hex: &str, storage: BTreeMap<U256, U256>| GenesisAccount {
        nonce: 1,
        code: Some(alloy_primitives::hex::decode(hex.trim()).expect("the committed predeploys are valid hex").into()),
        storage,
        ..Default::default()
    };
    let vault_storage = BTreeMap::from([
        (U256::ZERO, vaults.recipient.into_word().into()),
        (U256::from(1), vaults.min_withdrawal_amount),
    ]);
    let l1_storage = l1.storage().into_iter().filter(|(_, value)| !value.is_zero()).collect();
    let mut predeploys = vec![
        (MESSAGE_PASSER_ADDRESS, contract(MESSAGE_PASSER_CODE, BTreeMap::new())),
        (L1_BLOCK_ADDRESS, contract(L1_BLOCK_CODE, l1_storage)),
        (GAS_PRICE_ORACLE_ADDRESS, contract(GAS_PRICE_ORACLE_CODE, BTreeMap::new())),
        (
            HISTORY_STORAGE_ADDRESS,
            GenesisAccount { nonce: 1, code: Some(HISTORY_STORAGE_CODE.clone()), ..Default::default() },
        ),
    ];
    predeploys.extend(FEE_VAULTS.map(|vault| (vault, contract(FEE_VAULT_CODE, vault_storage.clone()))));
    predeploys
}
