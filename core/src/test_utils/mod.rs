//! Random transaction workloads for differential tests of block execution (sequential vs
//! parallel, ours vs revm's own database). Only built for tests (`test-utils` feature).
//!
//! A workload mixes ETH transfers (also to precompiles and to the fee recipient), ERC-20
//! transfers, swaps on constant-product pools, deployments, storage writes, out-of-gas runs,
//! self-destructs and EIP-7702 delegations. Its conflict rate is tunable: [`op`] takes the
//! percentage of indices (senders, recipients, pools, slots) drawn from a small hot set.

use crate::{
    AccountInfo, BlockAttributes, BlockExecutor, ChainConfig, ExecutionError, ExecutionOutput, FeeVaultConfig, Genesis,
    GenesisAccount, L1Origin, L2Transaction, SealedBlock, SequentialExecutor, StateReader, WorldState, dev_signers,
    fees::{BASE_FEE_VAULT, L1_FEE_VAULT, L1Attributes},
};
use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEip7702, TxEnvelope, transaction::Recovered},
    eips::eip7702::Authorization,
    network::TxSignerSync,
    signers::{SignerSync, local::PrivateKeySigner},
};
use alloy_primitives::{Address, B256, Bytes, TxKind, U256, hex, keccak256};
use proptest::prelude::*;
use revm::bytecode::Bytecode;
use std::{
    panic::{self, AssertUnwindSafe},
    sync::{OnceLock, mpsc},
    time::Duration,
};
use test_support::compile;

pub mod workloads;

/// Runtime: with calldata `slot ‖ value` stores value at slot; with empty calldata
/// self-destructs to the caller.
pub const STORE_RUNTIME: &str = "3660065733ff5b6020356000355500";
/// Init code: writes slot 1 := 1, then returns `STORE_RUNTIME`.
pub const STORE_INIT_PREFIX: &str = "6001600155600f8060106000396000f3";
/// Init code that writes a slot and self-destructs in the creating transaction (EIP-6780).
pub const CREATE_AND_DESTROY: &str = "600160015533ff";

/// Senders of a workload: the ten dev accounts and funded extra keys.
const SENDERS: usize = 32;
/// Recipient indices: senders first, then precompiles, the fee recipient and a pool, then fresh
/// addresses, and the two other fee vaults last.
const RECIPIENTS: usize = 66;
/// Constant-product pools in the genesis state.
const POOLS: usize = 8;
/// Precompile addresses used as transfer recipients (ecrecover, sha256, ripemd160, identity,
/// modexp, bn254 add, blake2f, KZG point evaluation, P-256 verify).
const PRECOMPILES: [u16; 9] = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x09, 0x0a, 0x100];
/// Fee recipient of the blocks the tests build (also a transfer recipient, so it is read).
pub const FEE_RECIPIENT: Address = Address::new([0xFE; 20]);
/// The test ERC-20 in the genesis state.
pub const TOKEN: Address = Address::new([0x70; 20]);
/// Token balance and pool ledger balances of every sender at genesis.
const GENESIS_UNITS: u64 = 1_000;

/// One operation of a random workload (senders, recipients, contracts and pools are indices).
#[derive(Clone, Debug)]
#[allow(missing_docs)] // the fields are indices and amounts, named for what they are
pub enum Op {
    /// Plain ETH transfer (recipients include senders, precompiles and the fee recipient).
    Transfer { from: usize, to: usize, value: u64 },
    /// ERC-20 transfer; reverts when the amount exceeds the sender's balance.
    Erc20 { from: usize, to: usize, amount: u64 },
    /// Swap on a constant-product pool; reverts when `greedy` (minimum output too high) or
    /// the ledger balance is short.
    Swap { from: usize, pool: usize, amount: u64, zero_for_one: bool, greedy: bool },
    /// Deploys the storage contract.
    Deploy { from: usize },
    /// Writes a slot of a deployed contract; runs out of gas when `starved`.
    Store { from: usize, contract: usize, slot: u8, value: u8, starved: bool },
    /// Calls SELFDESTRUCT on a deployed contract (EIP-6780: only moves its balance).
    Kill { from: usize, contract: usize, value: u64 },
    /// Creates a contract that self-destructs in its constructor.
    CreateAndDestroy { from: usize, value: u64 },
    /// EIP-7702: `from` sends a type-4 transaction to `authority`, which delegates its account
    /// to a deployed contract; the authorization is signed with a stale nonce when `!valid`.
    Delegate { from: usize, authority: usize, contract: usize, valid: bool },
}

/// An index below `len`: with probability `hot_percent`% one of the two hot ones.
fn index(hot_percent: u8, len: usize) -> impl Strategy<Value = usize> {
    (0..100u8, 0..len).prop_map(move |(roll, index)| if roll < hot_percent { index % 2 } else { index })
}

/// A random operation; `hot_percent` (0..=100) is the conflict rate: the share of senders,
/// recipients, pools and contracts drawn from a hot set of two.
pub fn op(hot_percent: u8) -> impl Strategy<Value = Op> {
    let sender = move || index(hot_percent, SENDERS);
    let recipient = move || index(hot_percent, RECIPIENTS);
    let contract = move || index(hot_percent, 8);
    prop_oneof![
        3 => (sender(), recipient(), 0..3u64).prop_map(|(from, to, value)| Op::Transfer { from, to, value }),
        3 => (sender(), recipient(), 0..2 * GENESIS_UNITS).prop_map(|(from, to, amount)| Op::Erc20 { from, to, amount }),
        3 => (sender(), index(hot_percent, POOLS), 1..GENESIS_UNITS, any::<bool>(), prop::bool::weighted(0.1))
            .prop_map(|(from, pool, amount, zero_for_one, greedy)| Op::Swap { from, pool, amount, zero_for_one, greedy }),
        1 => sender().prop_map(|from| Op::Deploy { from }),
        2 => (sender(), contract(), 0..4u8, 0..3u8, prop::bool::weighted(0.1))
            .prop_map(|(from, contract, slot, value, starved)| Op::Store { from, contract, slot, value, starved }),
        1 => (sender(), contract(), 0..3u64).prop_map(|(from, contract, value)| Op::Kill { from, contract, value }),
        1 => (sender(), 0..3u64).prop_map(|(from, value)| Op::CreateAndDestroy { from, value }),
        1 => (sender(), sender(), contract(), prop::bool::weighted(0.8))
            .prop_map(|(from, authority, contract, valid)| Op::Delegate { from, authority, contract, valid }),
    ]
}

/// Runtime code of the test ERC-20 and of the constant-product pool, compiled once per process.
fn fixture_code() -> &'static (Bytes, Bytes) {
    static CODE: OnceLock<(Bytes, Bytes)> = OnceLock::new();
    CODE.get_or_init(|| {
        let token = compile("contracts/test/fixtures/TestERC20.sol", "TestERC20").deployed_bytecode;
        let pool = compile("contracts/test/fixtures/ConstantProductPool.sol", "ConstantProductPool").deployed_bytecode;
        (token, pool)
    })
}

/// Storage slot of `mapping(address => …)` declared at `slot`, for `key`.
pub fn mapping_slot(key: Address, slot: u64) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[12..32].copy_from_slice(key.as_slice());
    preimage[32..].copy_from_slice(&U256::from(slot).to_be_bytes::<32>());
    keccak256(preimage).into()
}

/// Address of pool `index`.
fn pool(index: usize) -> Address {
    Address::repeat_byte(0x71 + index as u8)
}

/// Turns operations into signed transactions, tracking nonces and deployed contracts.
#[derive(Debug)]
pub struct Builder {
    keys: Vec<PrivateKeySigner>,
    nonces: Vec<u64>,
    contracts: Vec<Address>,
}

impl Default for Builder {
    fn default() -> Self {
        let extra = (dev_signers().len()..SENDERS).map(|seed| {
            PrivateKeySigner::from_bytes(&keccak256(format!("test sender {seed}"))).expect("a hash is a valid key")
        });
        let keys: Vec<_> = dev_signers().into_iter().chain(extra).collect();
        Self { nonces: vec![0; keys.len()], keys, contracts: Vec::new() }
    }
}

impl Builder {
    /// The development genesis with the extra senders funded, the test ERC-20 at [`TOKEN`]
    /// and the pools, every sender holding [`GENESIS_UNITS`] of the token and of both pool
    /// assets.
    pub fn genesis(&self) -> Genesis {
        let mut genesis = Genesis::dev_with_fees(
            ChainConfig::default(),
            0,
            L1Origin::default(),
            test_l1_attributes(),
            FeeVaultConfig::dev(),
        );
        let balance = U256::from(10u128.pow(24));
        for key in &self.keys {
            genesis.alloc.entry(key.address()).or_insert(GenesisAccount { balance, ..Default::default() });
        }
        let (token_code, pool_code) = fixture_code();
        let units = U256::from(GENESIS_UNITS);
        let mut token_storage: std::collections::BTreeMap<_, _> =
            self.keys.iter().map(|key| (mapping_slot(key.address(), 1), units)).collect();
        token_storage.insert(U256::ZERO, units * U256::from(self.keys.len()));
        let token =
            GenesisAccount { nonce: 1, code: Some(token_code.clone()), storage: token_storage, ..Default::default() };
        genesis.alloc.insert(TOKEN, token);
        for index in 0..POOLS {
            let reserves = [(U256::ZERO, U256::from(1_000_000)), (U256::from(1), U256::from(1_000_000))];
            let ledger = self.keys.iter().flat_map(|key| [2, 3].map(|slot| (mapping_slot(key.address(), slot), units)));
            let storage = reserves.into_iter().chain(ledger).collect();
            let account = GenesisAccount { nonce: 1, code: Some(pool_code.clone()), storage, ..Default::default() };
            genesis.alloc.insert(pool(index), account);
        }
        genesis
    }

    /// The signed transaction for `op`.
    pub fn tx(&mut self, op: &Op) -> L2Transaction {
        let (from, to, value, input, gas_limit) = match *op {
            Op::Transfer { from, to, value } => (from, TxKind::Call(self.recipient(to)), value, Bytes::new(), 100_000),
            Op::Erc20 { from, to, amount } => {
                let input =
                    call("transfer(address,uint256)", &[self.recipient(to).into_word().into(), U256::from(amount)]);
                (from, TxKind::Call(TOKEN), 0, input, 100_000)
            }
            Op::Swap { from, pool: index, amount, zero_for_one, greedy } => {
                let min_out = if greedy { U256::from(amount) } else { U256::ZERO };
                let input =
                    call("swap(uint256,bool,uint256)", &[U256::from(amount), U256::from(zero_for_one), min_out]);
                (from, TxKind::Call(pool(index)), 0, input, 150_000)
            }
            Op::Deploy { from } => {
                let code = hex::decode(format!("{STORE_INIT_PREFIX}{STORE_RUNTIME}")).unwrap();
                self.contracts.push(self.keys[from].address().create(self.nonces[from]));
                (from, TxKind::Create, 0, code.into(), 300_000)
            }
            Op::Store { from, contract, slot, value, starved } => {
                let input = [U256::from(slot), U256::from(value)].map(|word| word.to_be_bytes::<32>()).concat();
                let gas_limit = if starved { 23_000 } else { 100_000 };
                (from, TxKind::Call(self.contract(contract)), 0, input.into(), gas_limit)
            }
            Op::Kill { from, contract, value } => {
                (from, TxKind::Call(self.contract(contract)), value, Bytes::new(), 100_000)
            }
            Op::CreateAndDestroy { from, value } => {
                (from, TxKind::Create, value, hex::decode(CREATE_AND_DESTROY).unwrap().into(), 100_000)
            }
            Op::Delegate { from, authority, contract, valid } => {
                return self.delegate(from, authority, contract, valid);
            }
        };
        let mut tx = TxEip1559 { to, value: U256::from(value), input, gas_limit, ..self.fees(from) };
        self.nonces[from] += 1;
        let signature = self.keys[from].sign_transaction_sync(&mut tx).unwrap();
        Recovered::new_unchecked(TxEnvelope::from(tx.into_signed(signature)), self.keys[from].address())
    }

    /// A type-4 transaction from `from` to `authority` carrying its delegation to a contract.
    fn delegate(&mut self, from: usize, authority: usize, contract: usize, valid: bool) -> L2Transaction {
        // The sender's nonce is bumped before authorizations are applied.
        let next = self.nonces[authority] + u64::from(authority == from);
        let auth = Authorization {
            chain_id: U256::from(ChainConfig::default().chain_id),
            address: self.contract(contract),
            nonce: if valid { next } else { next + 1 },
        };
        let signature = self.keys[authority].sign_hash_sync(&auth.signature_hash()).unwrap();
        let fees = self.fees(from);
        let mut tx = TxEip7702 {
            chain_id: fees.chain_id,
            nonce: fees.nonce,
            gas_limit: 200_000,
            max_fee_per_gas: fees.max_fee_per_gas,
            max_priority_fee_per_gas: fees.max_priority_fee_per_gas,
            to: self.keys[authority].address(),
            authorization_list: vec![auth.into_signed(signature)],
            ..Default::default()
        };
        self.nonces[from] += 1;
        if valid {
            self.nonces[authority] += 1;
        }
        let signature = self.keys[from].sign_transaction_sync(&mut tx).unwrap();
        Recovered::new_unchecked(TxEnvelope::from(tx.into_signed(signature)), self.keys[from].address())
    }

    /// Chain id, nonce and fees of the next transaction of `from`.
    fn fees(&self, from: usize) -> TxEip1559 {
        TxEip1559 {
            chain_id: ChainConfig::default().chain_id,
            nonce: self.nonces[from],
            max_fee_per_gas: 20_000_000_000,
            max_priority_fee_per_gas: 3,
            ..Default::default()
        }
    }

    /// Recipient `index`: a sender, a precompile, a fee vault, a pool or a fresh address.
    fn recipient(&self, index: usize) -> Address {
        let precompiles = SENDERS + PRECOMPILES.len();
        match index {
            index if index < SENDERS => self.keys[index].address(),
            index if index < precompiles => Address::left_padding_from(&PRECOMPILES[index - SENDERS].to_be_bytes()),
            index if index == precompiles => FEE_RECIPIENT,
            index if index == precompiles + 1 => pool(0),
            index if index == RECIPIENTS - 2 => BASE_FEE_VAULT,
            index if index == RECIPIENTS - 1 => L1_FEE_VAULT,
            index => Address::with_last_byte(0xA0 + index as u8),
        }
    }

    /// A deployed contract, or an address without code when none exists yet.
    fn contract(&self, index: usize) -> Address {
        if self.contracts.is_empty() {
            Address::with_last_byte(0xEE)
        } else {
            self.contracts[index % self.contracts.len()]
        }
    }
}

/// One block of operations on the test genesis, paying [`FEE_RECIPIENT`].
#[derive(Debug)]
pub struct TestBlock {
    /// The state the block runs on.
    pub world: WorldState,
    /// The chain's id.
    pub chain_id: u64,
    /// The block's attributes.
    pub attrs: BlockAttributes,
    /// The block's signed transactions.
    pub txs: Vec<L2Transaction>,
}

impl TestBlock {
    /// The block of `ops`, signed by a fresh [`Builder`].
    pub fn new<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Self {
        let mut builder = Builder::default();
        let genesis = builder.genesis();
        let (world, parent) = genesis.build();
        let attrs = next_attributes(&parent, &genesis.config, FEE_RECIPIENT);
        let txs = ops.into_iter().map(|op| builder.tx(op)).collect();
        Self { world, chain_id: genesis.config.chain_id, attrs, txs }
    }

    /// The sequential executor's output for the block.
    pub fn sequential(&self) -> Result<ExecutionOutput, ExecutionError> {
        SequentialExecutor.execute(&self.world, self.chain_id, &self.attrs, &self.txs)
    }

    /// Whether `executor`, when reading `address`'s account panics, passes the panic on to
    /// its caller within a minute (rather than returning, or waiting forever for a thread that
    /// panicked).
    pub fn passes_on_panic(self, executor: impl BlockExecutor + 'static, address: Address) -> bool {
        let (sent, received) = mpsc::channel();
        std::thread::spawn(move || {
            let state = PanicsOnAccount { world: &self.world, address };
            let run = || executor.execute(&state, self.chain_id, &self.attrs, &self.txs);
            sent.send(panic::catch_unwind(AssertUnwindSafe(run)).is_err())
        });
        received.recv_timeout(Duration::from_secs(60)) == Ok(true)
    }
}

/// A world state whose reader panics when asked for one account.
struct PanicsOnAccount<'a> {
    world: &'a WorldState,
    address: Address,
}

impl StateReader for PanicsOnAccount<'_> {
    fn account(&self, address: Address) -> Option<AccountInfo> {
        assert_ne!(address, self.address, "the account was read");
        self.world.account(address)
    }

    fn storage(&self, address: Address, slot: U256) -> U256 {
        self.world.storage(address, slot)
    }

    fn code(&self, code_hash: B256) -> Option<Bytecode> {
        self.world.code(code_hash)
    }

    fn block_hash(&self, number: u64) -> B256 {
        self.world.block_hash(number)
    }
}

/// The L1 attributes of test blocks: L1 fees high enough that every transaction pays an L1
/// data fee, the default scalars.
pub fn test_l1_attributes() -> L1Attributes {
    L1Attributes { timestamp: 0, base_fee: 20_000_000_000, blob_base_fee: 1_000_000_000, system: Default::default() }
}

/// Attributes of the block after `parent` in tests: one second later, the default L1 origin
/// with [`test_l1_attributes`], the EIP-1559 base fee and the chain's gas limit.
pub fn next_attributes(parent: &SealedBlock, config: &ChainConfig, fee_recipient: Address) -> BlockAttributes {
    let header = &parent.header;
    BlockAttributes {
        number: header.number + 1,
        parent_hash: parent.hash,
        timestamp: header.timestamp + 1,
        l1_origin: L1Origin::default(),
        l1: test_l1_attributes(),
        fee_recipient,
        base_fee: config.next_base_fee(header.gas_used, header.gas_limit, header.base_fee_per_gas.unwrap_or_default()),
        gas_limit: config.block_gas_limit,
    }
}

/// ABI-encoded call of `signature` with static word arguments.
fn call(signature: &str, args: &[U256]) -> Bytes {
    let mut input = keccak256(signature)[..4].to_vec();
    for arg in args {
        input.extend_from_slice(&arg.to_be_bytes::<32>());
    }
    input.into()
}
