//! Running one state-test transaction on revm, through `rollup-core`'s world state, overlay
//! and state trie (the machinery L2 blocks execute through).

use crate::fixtures::{StateTest, TestUnit};
use alloy::eips::{
    eip2930::{AccessList, AccessListItem},
    eip7702::{Authorization, SignedAuthorization},
};
use alloy_primitives::{B256, Log, TxKind, U256, keccak256};
use revm::context::either::Either;
use revm::{
    Context, ExecuteEvm, MainBuilder, MainContext,
    context::{
        BlockEnv, CfgEnv, TxEnv,
        result::{EVMError, ExecutionResult},
    },
    context_interface::block::BlobExcessGasAndPrice,
    primitives::{
        eip4844::{BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN, BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE},
        hardfork::SpecId,
    },
};
use rollup_core::{AccountDiff, AccountInfo, StateDiff, StateOverlay, StateTrie, TX_GAS_CAP, WorldState};

/// Chain id of the state tests.
pub(crate) const CHAIN_ID: u64 = 1;
/// EIP-2718 type of blob transactions.
const BLOB_TX_TYPE: u8 = 3;
/// EIP-2718 type of set-code transactions (EIP-7702).
const SET_CODE_TX_TYPE: u8 = 4;
/// Most blobs per transaction before Prague (EIP-4844), and from Osaka on (EIP-7594).
const MAX_BLOBS_PER_TX: u64 = 6;
/// Most blobs per transaction under Prague (EIP-7691).
const MAX_BLOBS_PER_TX_PRAGUE: u64 = 9;
/// Blocks before the current one whose hashes BLOCKHASH can read.
pub(crate) const BLOCK_HASH_WINDOW: u64 = 256;

/// Why a state test's transaction could not be set up or run.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    /// A number of the fixture does not fit the field it goes into.
    #[error("{field} {value} does not fit 64 bits")]
    TooLarge {
        /// The field.
        field: &'static str,
        /// The value.
        value: U256,
    },
    /// The expected result names a variant the template does not have.
    #[error("the expected result names {what} variant {index}, which the transaction does not have")]
    NoVariant {
        /// Which kind of variant.
        what: &'static str,
        /// Its index.
        index: usize,
    },
    /// The fixture uses a transaction field this runner does not read yet.
    #[error("the transaction has {0}, which this runner does not support yet")]
    Unsupported(&'static str),
    /// revm failed for a reason other than an invalid transaction.
    #[error("revm failed: {0}")]
    Evm(String),
}

/// What a transaction did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Executed {
    /// State root after the transaction (the pre-state's root when it is invalid).
    pub state_root: B256,
    /// `keccak256(rlp(logs))`.
    pub logs_hash: B256,
    /// Gas used (zero for an invalid transaction).
    pub gas_used: u64,
    /// Whether it succeeded.
    pub success: bool,
    /// Why the transaction is invalid, if it is.
    pub invalid: Option<String>,
}

/// `keccak256` of the RLP list of `logs`, as the state tests' `logs` field.
pub fn logs_hash(logs: &[Log]) -> B256 {
    let mut out = Vec::new();
    alloy::rlp::encode_list::<_, Log>(logs, &mut out);
    keccak256(out)
}

/// A transaction to trace on its pre-state, as an L2 block holds it (the tracer's input
/// besides the state tests').
#[derive(Clone, Debug)]
pub struct TxInput {
    /// The pre-state as a change set on the empty state (`WorldState::to_diff`): the whole
    /// state, or with `trie` only what the transaction touches.
    pub pre: StateDiff,
    /// The state trie of a partial `pre`, built from Merkle proofs of what it holds
    /// (`StateTrie::from_proofs`); `None` when `pre` is the whole state (its trie is built
    /// from it).
    pub trie: Option<StateTrie>,
    /// The hashes of the blocks before this one (those of the last 256 are read).
    pub block_hashes: Vec<(u64, B256)>,
    /// revm's configuration (`rollup_core::evm_env`).
    pub cfg: CfgEnv,
    /// The block (`rollup_core::evm_env`).
    pub block: BlockEnv,
    /// The transaction (`rollup_core::tx_env`; for a deposit, its sender, recipient, value,
    /// gas and data).
    pub tx: TxEnv,
    /// The rules it runs under.
    pub rules: crate::Rules,
    /// Gas the block's earlier transactions used.
    pub cumulative_gas: u64,
}

/// A transaction ready to run: its pre-state and revm's environment.
pub(crate) struct Prepared {
    /// The pre-state, with the block hashes BLOCKHASH reads.
    pub(crate) world: WorldState,
    /// The pre-state's accounts as a diff on the empty state.
    pub(crate) pre: StateDiff,
    /// The block hashes BLOCKHASH reads, by number.
    pub(crate) block_hashes: Vec<(u64, B256)>,
    /// revm's configuration.
    pub(crate) cfg: CfgEnv,
    /// The block.
    pub(crate) block: BlockEnv,
    /// The transaction.
    pub(crate) tx: TxEnv,
    /// Gas the block's earlier transactions used.
    pub(crate) cumulative_gas: u64,
}

impl Prepared {
    /// Sets up the transaction `unit` names under `spec`, or the outcome of a transaction no
    /// block can hold.
    pub(crate) fn new(unit: &TestUnit<'_>, spec: SpecId) -> Result<Result<Self, Executed>, ExecuteError> {
        let test = unit.test;
        let pre = pre_diff(test)?;
        let number = to_u64("block number", test.env.current_number)?;
        let block_hashes = (number.saturating_sub(BLOCK_HASH_WINDOW)..number).map(|n| (n, block_hash(n))).collect();
        let (cfg, block) = environment(test, spec)?;
        let tx = transaction(unit)?;
        let mut prepared = Self::on(pre, None, block_hashes, cfg, block, tx, 0);
        Ok(match prepared.unencodable() {
            Some(outcome) => Err(outcome),
            None => Ok(prepared),
        })
    }

    /// The outcome of a transaction no encoding can express, if it is one: a blob or
    /// set-code transaction that creates (their encodings have no way to leave out the
    /// recipient).
    pub(crate) fn unencodable(&mut self) -> Option<Executed> {
        let creates = matches!(self.tx.tx_type, BLOB_TX_TYPE | SET_CODE_TX_TYPE) && self.tx.kind.is_create();
        creates.then(|| invalid(self.world.state_root(), "a blob or set-code transaction cannot create".into()))
    }

    /// Sets up the transaction `input` describes.
    pub(crate) fn of(input: TxInput) -> Self {
        Self::on(input.pre, input.trie, input.block_hashes, input.cfg, input.block, input.tx, input.cumulative_gas)
    }

    /// `tx` on the state `pre` (partial, with its proven `trie`) with `block_hashes` recorded.
    fn on(
        pre: StateDiff,
        trie: Option<StateTrie>,
        block_hashes: Vec<(u64, B256)>,
        cfg: CfgEnv,
        block: BlockEnv,
        tx: TxEnv,
        cumulative_gas: u64,
    ) -> Self {
        let mut world = world_of(&pre, trie);
        for &(number, hash) in &block_hashes {
            world.record_block_hash(number, hash);
        }
        Self { world, pre, block_hashes, cfg, block, tx, cumulative_gas }
    }

    /// As a deposit (`rollup_core::deposit`) minting `mint` to the transaction's sender, which
    /// revm runs on the state the mint leaves, without the checks deposits skip.
    pub(crate) fn into_deposit(mut self, mint: u128) -> Self {
        let deposit = rollup_core::deposit::TxDeposit {
            source_hash: B256::ZERO,
            from: self.tx.caller,
            to: self.tx.kind,
            mint,
            value: self.tx.value,
            gas_limit: self.tx.gas_limit,
            is_system_transaction: false,
            input: self.tx.data.clone(),
        };
        self.tx = rollup_core::deposit_tx_env(&deposit);
        rollup_core::skip_sender_checks(&mut self.cfg);
        let mut minted = StateOverlay::new(&self.world);
        minted.credit(deposit.from, U256::from(mint));
        let diff = minted.into_diff();
        self.world.apply(&diff);
        self
    }

    /// Under the L2's rules: its fork, and the per-transaction gas cap, to which a larger gas
    /// limit is lowered (state tests often ask for more than any L2 transaction may use).
    pub(crate) fn under_l2_rules(mut self) -> Self {
        self.cfg.spec = rollup_core::SPEC;
        self.cfg.tx_gas_limit_cap = Some(TX_GAS_CAP);
        self.tx.gas_limit = self.tx.gas_limit.min(TX_GAS_CAP);
        self
    }
}

/// The state `pre` describes: the whole state, or a partial one with its proven `trie`.
pub(crate) fn world_of(pre: &StateDiff, trie: Option<StateTrie>) -> WorldState {
    match trie {
        Some(trie) => WorldState::partial(pre, trie),
        None => {
            let mut world = WorldState::new();
            world.apply(pre);
            world
        }
    }
}

/// The changes revm's `state` makes to the overlay's base state.
pub(crate) fn changes(mut overlay: StateOverlay<'_, WorldState>, state: revm::state::EvmState) -> StateDiff {
    overlay.commit(state);
    overlay.into_diff()
}

/// Runs the transaction `unit` names on its pre-state under `spec`.
pub fn execute(unit: &TestUnit<'_>, spec: SpecId) -> Result<Executed, ExecuteError> {
    let mut prepared = match Prepared::new(unit, spec)? {
        Ok(prepared) => prepared,
        Err(outcome) => return Ok(outcome),
    };
    let pre_root = prepared.world.state_root();
    let (cfg, block, tx) = (prepared.cfg.clone(), prepared.block.clone(), prepared.tx.clone());
    let mut evm =
        Context::mainnet().with_cfg(cfg).with_block(block).with_db(StateOverlay::new(&prepared.world)).build_mainnet();
    let executed = match evm.transact(tx) {
        Ok(executed) => executed,
        Err(EVMError::Transaction(reason)) => return Ok(invalid(pre_root, reason.to_string())),
        Err(other) => return Err(ExecuteError::Evm(other.to_string())),
    };
    let overlay = std::mem::replace(&mut evm.ctx.journaled_state.database, StateOverlay::new(&prepared.world));
    drop(evm);
    let diff = changes(overlay, executed.state);
    let state_root = prepared.world.apply(&diff);
    Ok(Executed::of(state_root, &executed.result))
}

impl Executed {
    /// The outcome of a transaction that ran, with the state root after it.
    pub(crate) fn of(state_root: B256, result: &ExecutionResult) -> Self {
        Self {
            state_root,
            logs_hash: logs_hash(result.logs()),
            gas_used: result.tx_gas_used(),
            success: result.is_success(),
            invalid: None,
        }
    }
}

/// The outcome of an invalid transaction: nothing changed.
pub(crate) fn invalid(pre_root: B256, reason: String) -> Executed {
    Executed { state_root: pre_root, logs_hash: logs_hash(&[]), gas_used: 0, success: false, invalid: Some(reason) }
}

/// The hash of block `number` as the consensus tests' runners define it: `keccak256` of the
/// number written in decimal.
pub(crate) fn block_hash(number: u64) -> B256 {
    keccak256(number.to_string())
}

/// The pre-state's accounts, as a diff on the empty state.
fn pre_diff(test: &StateTest) -> Result<StateDiff, ExecuteError> {
    let mut diff = StateDiff::default();
    for (address, account) in &test.pre {
        let code_hash = if account.code.is_empty() {
            alloy_primitives::KECCAK256_EMPTY
        } else {
            let hash = keccak256(&account.code);
            diff.codes.insert(hash, account.code.clone());
            hash
        };
        let info = AccountInfo { nonce: to_u64("nonce", account.nonce)?, balance: account.balance, code_hash };
        let storage = account.storage.iter().map(|(slot, value)| (*slot, *value)).collect();
        diff.accounts.insert(*address, AccountDiff { info: Some(info), storage_reset: false, storage });
    }
    Ok(diff)
}

/// revm's configuration and block of a test under `spec`.
fn environment(test: &StateTest, spec: SpecId) -> Result<(CfgEnv, BlockEnv), ExecuteError> {
    let mut cfg = CfgEnv::new_with_spec(spec);
    cfg.chain_id = CHAIN_ID;
    cfg.max_blobs_per_tx = Some(if spec.is_enabled_in(SpecId::PRAGUE) && !spec.is_enabled_in(SpecId::OSAKA) {
        MAX_BLOBS_PER_TX_PRAGUE
    } else {
        MAX_BLOBS_PER_TX
    });
    let env = &test.env;
    let fraction = if spec.is_enabled_in(SpecId::PRAGUE) {
        BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE
    } else {
        BLOB_BASE_FEE_UPDATE_FRACTION_CANCUN
    };
    let excess_blob_gas = to_u64("excess blob gas", env.current_excess_blob_gas)?;
    let block = BlockEnv {
        number: env.current_number,
        beneficiary: env.current_coinbase,
        timestamp: env.current_timestamp,
        gas_limit: to_u64("block gas limit", env.current_gas_limit)?,
        basefee: to_u64("base fee", env.current_base_fee)?,
        difficulty: env.current_difficulty,
        prevrandao: Some(env.current_random),
        blob_excess_gas_and_price: Some(BlobExcessGasAndPrice::new(excess_blob_gas, fraction)),
        ..Default::default()
    };
    Ok((cfg, block))
}

/// The transaction variant `unit` names.
fn transaction(unit: &TestUnit<'_>) -> Result<TxEnv, ExecuteError> {
    let template = &unit.test.transaction;
    let indexes = unit.expected.indexes;
    let variant = |what: &'static str, index: usize, len: usize| {
        if index < len { Ok(index) } else { Err(ExecuteError::NoVariant { what, index }) }
    };
    let data = template.data[variant("data", indexes.data, template.data.len())?].clone();
    let gas_limit = template.gas_limit[variant("gas", indexes.gas, template.gas_limit.len())?];
    let value = template.value[variant("value", indexes.value, template.value.len())?];
    let access_list = template.access_lists.as_ref().and_then(|lists| lists.get(indexes.data).cloned().flatten());
    let blob_hashes = template.blob_versioned_hashes.clone().unwrap_or_default();
    let tx_type = if template.authorization_list.is_some() {
        SET_CODE_TX_TYPE
    } else if template.blob_versioned_hashes.is_some() {
        BLOB_TX_TYPE
    } else if template.max_fee_per_gas.is_some() {
        2
    } else if access_list.is_some() {
        1
    } else {
        0
    };
    let gas_price = template.gas_price.or(template.max_fee_per_gas).unwrap_or_default();
    Ok(TxEnv {
        tx_type,
        caller: template.sender,
        gas_limit: to_u64("gas limit", gas_limit)?,
        gas_price: to_u128("gas price", gas_price)?,
        kind: template.to.map_or(TxKind::Create, TxKind::Call),
        value,
        data,
        nonce: to_u64("nonce", template.nonce)?,
        chain_id: (tx_type > 0).then_some(CHAIN_ID),
        access_list: AccessList(
            access_list
                .unwrap_or_default()
                .into_iter()
                .map(|entry| AccessListItem { address: entry.address, storage_keys: entry.storage_keys })
                .collect(),
        ),
        gas_priority_fee: template.max_priority_fee_per_gas.map(|tip| to_u128("priority fee", tip)).transpose()?,
        blob_hashes,
        max_fee_per_blob_gas: to_u128("blob fee", template.max_fee_per_blob_gas.unwrap_or_default())?,
        authorization_list: template
            .authorization_list
            .iter()
            .flatten()
            .map(|entry| {
                let authorization = Authorization {
                    chain_id: entry.chain_id,
                    address: entry.address,
                    nonce: to_u64("nonce", entry.nonce)?,
                };
                // A parity that does not fit a byte is as invalid as 2.
                let y_parity = u8::try_from(entry.v).unwrap_or(u8::MAX);
                Ok(Either::Left(SignedAuthorization::new_unchecked(authorization, y_parity, entry.r, entry.s)))
            })
            .collect::<Result<_, ExecuteError>>()?,
    })
}

fn to_u64(field: &'static str, value: U256) -> Result<u64, ExecuteError> {
    u64::try_from(value).map_err(|_| ExecuteError::TooLarge { field, value })
}

fn to_u128(field: &'static str, value: U256) -> Result<u128, ExecuteError> {
    u128::try_from(value).map_err(|_| ExecuteError::TooLarge { field, value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_hash_of_no_logs_is_the_empty_list_hash() {
        assert_eq!(logs_hash(&[]), keccak256([0xc0]));
    }
}
