//! The machine's context (docs/dispute/commitment.md, "Context") of a state test's
//! transaction, with the buffers behind its commitments that instructions read.

use crate::{
    BufferTree,
    commitment::Context,
    execute::{BLOCK_HASH_WINDOW, block_hash},
};
use alloy::sol_types::SolValue;
use alloy_primitives::{B256, U256, keccak256};
use revm::context::{BlockEnv, CfgEnv, Transaction, TxEnv};

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

impl ContextData {
    /// The context of `tx` in `block`.
    pub(crate) fn new(
        cfg: &CfgEnv,
        block: &BlockEnv,
        tx: &TxEnv,
        codes: alloy_primitives::map::B256Map<alloy_primitives::Bytes>,
    ) -> Self {
        let number = block.number.saturating_to::<u64>();
        let mut hashes = vec![B256::ZERO; BLOCK_HASH_WINDOW as usize];
        for past in number.saturating_sub(BLOCK_HASH_WINDOW)..number {
            hashes[(past % BLOCK_HASH_WINDOW) as usize] = block_hash(past);
        }
        let block_hashes = BufferTree::new(&hashes.concat());
        let base_fee = u128::from(block.basefee);
        let gas_price = tx.effective_gas_price(base_fee);
        let to = tx.kind.to().copied();
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
            origin: tx.caller,
            // A creating transaction's recipient is the address it creates.
            to: to.unwrap_or_else(|| tx.caller.create(tx.nonce)),
            isCreate: to.is_none(),
            value: tx.value,
            txGasLimit: tx.gas_limit,
            gasPrice: U256::from(gas_price),
            priorityFee: U256::from(gas_price.saturating_sub(base_fee)),
            nonce: tx.nonce,
            dataRoot: BufferTree::new(&tx.data).root(),
            dataLength: U256::from(tx.data.len()),
            accessList: access_list_hash(tx),
            blobHashes: keccak256(tx.blob_hashes.concat()),
        };
        Self { commitment: context.commitment(), context, block_hashes, blob_hashes: tx.blob_hashes.clone(), codes }
    }
}
