//! The state tests of the Ethereum consensus tests (GeneralStateTests, filled JSON): a
//! pre-state, a block environment, a transaction template with several data, gas and value
//! variants, and per fork the expected post-state of each variant.

use alloy_primitives::{Address, B256, Bytes, U256};
use serde::Deserialize;
use std::{collections::BTreeMap, path::Path};

/// Why a fixture file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a state-test fixture.
    #[error("{path} is not a state-test fixture: {source}")]
    Parse {
        /// The file.
        path: String,
        /// The JSON error.
        #[source]
        source: serde_json::Error,
    },
}

/// One fixture file: tests by name.
#[derive(Clone, Debug, Deserialize)]
#[serde(transparent)]
pub struct StateTestFile {
    /// The tests, by name.
    pub tests: BTreeMap<String, StateTest>,
}

/// One state test.
#[derive(Clone, Debug, Deserialize)]
pub struct StateTest {
    /// The block the transaction runs in.
    pub env: Env,
    /// Accounts before the transaction.
    pub pre: BTreeMap<Address, PreAccount>,
    /// The transaction template.
    pub transaction: TransactionTemplate,
    /// Expected results, by fork name.
    pub post: BTreeMap<String, Vec<ExpectedPost>>,
}

/// The block environment of a state test.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Env {
    /// Base fee.
    pub current_base_fee: U256,
    /// Fee recipient.
    pub current_coinbase: Address,
    /// Difficulty (before the merge).
    pub current_difficulty: U256,
    /// Excess blob gas.
    pub current_excess_blob_gas: U256,
    /// Block gas limit.
    pub current_gas_limit: U256,
    /// Block number.
    pub current_number: U256,
    /// PREVRANDAO.
    pub current_random: B256,
    /// Timestamp.
    pub current_timestamp: U256,
}

/// An account of the pre-state.
#[derive(Clone, Debug, Deserialize)]
pub struct PreAccount {
    /// Balance.
    pub balance: U256,
    /// Code.
    pub code: Bytes,
    /// Nonce.
    pub nonce: U256,
    /// Storage.
    pub storage: BTreeMap<U256, U256>,
}

/// The transaction of a state test, with variants of data, gas limit and value.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionTemplate {
    /// Calldata variants.
    pub data: Vec<Bytes>,
    /// Gas limit variants.
    pub gas_limit: Vec<U256>,
    /// Value variants.
    pub value: Vec<U256>,
    /// Access list per calldata variant (type-1 and later transactions).
    #[serde(default)]
    pub access_lists: Option<Vec<Option<Vec<AccessListEntry>>>>,
    /// Legacy gas price.
    pub gas_price: Option<U256>,
    /// EIP-1559 fee cap.
    pub max_fee_per_gas: Option<U256>,
    /// EIP-1559 tip cap.
    pub max_priority_fee_per_gas: Option<U256>,
    /// EIP-4844 blob hashes.
    pub blob_versioned_hashes: Option<Vec<B256>>,
    /// EIP-4844 blob fee cap.
    pub max_fee_per_blob_gas: Option<U256>,
    /// EIP-7702 authorizations (Prague and later fixtures): a set-code transaction.
    pub authorization_list: Option<Vec<AuthorizationEntry>>,
    /// Nonce.
    pub nonce: U256,
    /// The sender (the address of `secretKey`).
    pub sender: Address,
    /// The recipient; empty for a contract creation.
    #[serde(deserialize_with = "recipient")]
    pub to: Option<Address>,
}

/// One signed authorization of a set-code transaction (EIP-7702).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationEntry {
    /// The chain it is valid on (0: any).
    pub chain_id: U256,
    /// The account whose code the authority delegates to.
    pub address: Address,
    /// The authority's nonce it is valid at.
    pub nonce: U256,
    /// The signature's y parity.
    pub v: U256,
    /// The signature's `r`.
    pub r: U256,
    /// The signature's `s`.
    pub s: U256,
}

/// One entry of an access list.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessListEntry {
    /// The address.
    pub address: Address,
    /// Its storage keys.
    pub storage_keys: Vec<B256>,
}

/// The expected result of one variant under one fork.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExpectedPost {
    /// State root after the transaction.
    pub hash: B256,
    /// `keccak256(rlp(logs))`.
    pub logs: B256,
    /// Which variant of data, gas and value.
    pub indexes: Indexes,
    /// Set when the transaction is invalid (the state is left as it was).
    pub expect_exception: Option<String>,
}

/// Indexes into the transaction template's variants.
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct Indexes {
    /// Calldata variant.
    pub data: usize,
    /// Gas limit variant.
    pub gas: usize,
    /// Value variant.
    pub value: usize,
}

/// One transaction to run: a test, a fork's expected result, and the variant it names.
#[derive(Clone, Copy, Debug)]
pub struct TestUnit<'a> {
    /// The test's name.
    pub name: &'a str,
    /// Position of the expected result among the fork's entries.
    pub index: usize,
    /// The test.
    pub test: &'a StateTest,
    /// The expected result.
    pub expected: &'a ExpectedPost,
}

impl StateTest {
    /// An account of the pre-state that no chain can hold: storage without code and with
    /// nonce 0. The tests with one check EIP-7610's rule that a contract is not created where
    /// storage exists, which revm leaves out because no reachable state needs it; runners
    /// skip them.
    pub fn unreachable_account(&self) -> Option<Address> {
        self.pre
            .iter()
            .find(|(_, account)| !account.storage.is_empty() && account.code.is_empty() && account.nonce.is_zero())
            .map(|(address, _)| *address)
    }
}

impl StateTestFile {
    /// Reads and parses a fixture file.
    pub fn read(path: &Path) -> Result<Self, FixtureError> {
        let display = path.display().to_string();
        let text = std::fs::read(path).map_err(|source| FixtureError::Read { path: display.clone(), source })?;
        serde_json::from_slice(&text).map_err(|source| FixtureError::Parse { path: display, source })
    }

    /// Every transaction the fixture expects a result for under `fork`.
    pub fn units<'a>(&'a self, fork: &'a str) -> impl Iterator<Item = TestUnit<'a>> {
        self.tests.iter().flat_map(move |(name, test)| {
            test.post.get(fork).into_iter().flatten().enumerate().map(move |(index, expected)| TestUnit {
                name,
                index,
                test,
                expected,
            })
        })
    }
}

/// An empty `to` is a contract creation.
fn recipient<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Address>, D::Error> {
    let text = String::deserialize(deserializer)?;
    if text.is_empty() { Ok(None) } else { text.parse().map(Some).map_err(serde::de::Error::custom) }
}
