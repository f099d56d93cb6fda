//! The machine's context (docs/dispute/commitment.md, "Context") of a state test's
//! transaction, with the buffers behind its commitments that instructions read.

use crate::{
    BufferTree, ExecuteError,
    commitment::{Authorization, Context, Data, FeeRules, Lists},
    execute::{BLOCK_HASH_WINDOW, Prepared},
};
use alloy::consensus::{SignableTransaction, TxEip1559, TxEip2930, TxEip7702, TxLegacy};
use alloy::sol_types::SolValue;
use alloy_primitives::{B256, U256, keccak256};
use revm::context::{Transaction, TxEnv};
use rollup_core::fees::{L1Attributes, flz_compressed_len, l1_cost_of_compressed};

/// The fee rules a transaction runs under.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fees {
    /// Ethereum's, as the state tests expect: no L1 data fee, the base fee burnt.
    #[default]
    Ethereum,
    /// The L2's (docs/fees.md): the L1 data fee from the block's L1 attributes, taken before
    /// execution; the base fee and the L1 data fee paid to their vaults.
    L2(L1Attributes),
}

/// The rules a transaction runs under.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    /// Its fee rules.
    pub fees: Fees,
    /// For a deposit (type 0x7E, `rollup_core::deposit`), what it mints to its sender; `None`
    /// for a signed transaction.
    pub deposit: Option<u128>,
}

impl Rules {
    /// A signed transaction under `fees`.
    pub fn signed(fees: Fees) -> Self {
        Self { fees, deposit: None }
    }
}

/// The context and the data behind it.
#[derive(Clone, Debug)]
pub(crate) struct ContextData {
    pub(crate) context: Context,
    /// Its commitment.
    pub(crate) commitment: B256,
    /// The 256 block hashes BLOCKHASH can read, word `n mod 256` for block `n`.
    pub(crate) block_hashes: BufferTree,
    /// The transaction's blob versioned hashes.
    pub(crate) blob_hashes: Vec<B256>,
    /// Code by hash (the witness of EXTCODESIZE, EXTCODECOPY and calls): the pre-state's, and
    /// what the transaction's creations deposit.
    pub(crate) codes: alloy_primitives::map::B256Map<alloy_primitives::Bytes>,
    /// The transaction's L1 data fee (0 under Ethereum's rules).
    pub(crate) l1_fee: U256,
}

/// `H("access", address, keccak256(storage keys))` chained from zero: the access list's
/// commitment.
fn access_list_hash(tx: &TxEnv) -> B256 {
    let tag = keccak256("rollup.stepper.access.v1");
    tx.access_list.iter().fold(B256::ZERO, |chain, item| {
        let keys = keccak256(item.storage_keys.iter().flat_map(|key| key.0).collect::<Vec<u8>>());
        let entry = keccak256((tag, item.address, keys).abi_encode());
        keccak256([chain.as_slice(), entry.as_slice()].concat())
    })
}

/// `keccak256(abi.encode(H("authorization"), authorization))` chained from zero: the
/// authorization list's commitment.
fn authorizations_hash(list: &[Authorization]) -> B256 {
    let tag = keccak256("rollup.stepper.authorization.v1");
    list.iter().fold(B256::ZERO, |chain, authorization| {
        let entry = keccak256((tag, authorization.clone()).abi_encode());
        keccak256([chain.as_slice(), entry.as_slice()].concat())
    })
}

impl ContextData {
    /// The context of `prepared`'s transaction under `rules`, its sender's nonce being `nonce`
    /// and its authorization list `authorizations`.
    pub(crate) fn new(
        prepared: &Prepared,
        rules: Rules,
        nonce: u64,
        authorizations: &[Authorization],
        codes: alloy_primitives::map::B256Map<alloy_primitives::Bytes>,
    ) -> Result<Self, ExecuteError> {
        let (cfg, block, tx) = (&prepared.cfg, &prepared.block, &prepared.tx);
        let number = block.number.saturating_to::<u64>();
        let mut hashes = vec![B256::ZERO; BLOCK_HASH_WINDOW as usize];
        for &(past, hash) in &prepared.block_hashes {
            if past < number && number - past <= BLOCK_HASH_WINDOW {
                hashes[(past % BLOCK_HASH_WINDOW) as usize] = hash;
            }
        }
        let block_hashes = BufferTree::new(&hashes.concat());
        let base_fee = u128::from(block.basefee);
        let gas_price = tx.effective_gas_price(base_fee);
        let to = tx.kind.to().copied();
        let (l1, l1_size, l1_fee) = match (rules.fees, rules.deposit) {
            (Fees::Ethereum, _) => (L1Attributes::default(), 0, U256::ZERO),
            // A deposit pays no L1 data fee.
            (Fees::L2(l1), Some(_)) => (l1, 0, U256::ZERO),
            (Fees::L2(l1), None) => {
                let size = flz_compressed_len(&unsigned_encoding(tx)?);
                (l1, size, l1_cost_of_compressed(size, &l1).fee)
            }
        };
        let context = Context {
            chainId: cfg.chain_id,
            number: block.number,
            timestamp: block.timestamp,
            coinbase: block.beneficiary,
            blockGasLimit: block.gas_limit,
            baseFee: U256::from(base_fee),
            prevRandao: block.prevrandao.unwrap_or_default(),
            blobBaseFee: U256::from(block.blob_excess_gas_and_price.map_or(0, |blob| blob.blob_gasprice)),
            blockHashes: block_hashes.root(),
            fees: FeeRules {
                l2: rules.fees != Fees::Ethereum,
                l1BaseFee: U256::from(l1.base_fee),
                l1BlobBaseFee: U256::from(l1.blob_base_fee),
                baseFeeScalar: l1.system.base_fee_scalar,
                blobBaseFeeScalar: l1.system.blob_base_fee_scalar,
                l1Size: l1_size as u64,
            },
            origin: tx.caller,
            // A creating transaction's recipient is the address it creates.
            to: to.unwrap_or_else(|| tx.caller.create(nonce)),
            isCreate: to.is_none(),
            value: tx.value,
            txGasLimit: tx.gas_limit,
            gasPrice: U256::from(gas_price),
            priorityFee: U256::from(gas_price.saturating_sub(base_fee)),
            nonce,
            data: Data {
                root: BufferTree::new(&tx.data).root(),
                length: U256::from(tx.data.len()),
                tokens: U256::from(tokens(&tx.data)),
            },
            lists: Lists {
                accessList: access_list_hash(tx),
                blobHashes: keccak256(tx.blob_hashes.concat()),
                authorizations: authorizations_hash(authorizations),
            },
            isDeposit: rules.deposit.is_some(),
            mint: U256::from(rules.deposit.unwrap_or_default()),
        };
        let blob_hashes = tx.blob_hashes.clone();
        Ok(Self { commitment: context.commitment(), context, block_hashes, blob_hashes, codes, l1_fee })
    }
}

/// EIP-7623's tokens of `data`: one per zero byte, four per other byte.
fn tokens(data: &[u8]) -> u64 {
    data.iter().map(|byte| if *byte == 0 { 1 } else { 4 }).sum()
}

/// The unsigned EIP-2718 encoding of `tx` (its signing payload), whose FastLZ size the L1 data
/// fee is priced by. The L2 takes no blob transactions.
fn unsigned_encoding(tx: &TxEnv) -> Result<Vec<u8>, ExecuteError> {
    let (chain_id, nonce, gas_limit, to, value) = (tx.chain_id, tx.nonce, tx.gas_limit, tx.kind, tx.value);
    let (access_list, input) = (tx.access_list.clone(), tx.data.clone());
    let mut out = Vec::with_capacity(128 + input.len());
    match tx.tx_type {
        0 => TxLegacy { chain_id, nonce, gas_price: tx.gas_price, gas_limit, to, value, input }
            .encode_for_signing(&mut out),
        1 => TxEip2930 {
            chain_id: chain_id.unwrap_or_default(),
            nonce,
            gas_price: tx.gas_price,
            gas_limit,
            to,
            value,
            access_list,
            input,
        }
        .encode_for_signing(&mut out),
        2 => TxEip1559 {
            chain_id: chain_id.unwrap_or_default(),
            nonce,
            gas_limit,
            max_fee_per_gas: tx.gas_price,
            max_priority_fee_per_gas: tx.gas_priority_fee.unwrap_or_default(),
            to,
            value,
            access_list,
            input,
        }
        .encode_for_signing(&mut out),
        4 => TxEip7702 {
            chain_id: chain_id.unwrap_or_default(),
            nonce,
            gas_limit,
            max_fee_per_gas: tx.gas_price,
            max_priority_fee_per_gas: tx.gas_priority_fee.unwrap_or_default(),
            // A set-code transaction's encoding always has a recipient (the runner refuses
            // a fixture's that creates).
            to: to.to().copied().unwrap_or_default(),
            value,
            access_list,
            authorization_list: tx
                .authorization_list
                .iter()
                .filter_map(|entry| entry.as_ref().left().cloned())
                .collect(),
            input,
        }
        .encode_for_signing(&mut out),
        _ => return Err(ExecuteError::Unsupported("a blob transaction under the L2's fees")),
    }
    Ok(out)
}
