//! Translation of chain parameters, block attributes and transactions into revm's environment.

use super::L2Transaction;
use crate::chain::{BlockAttributes, SPEC, TX_GAS_CAP};
use alloy::consensus::Transaction as _;
use alloy_primitives::U256;
use revm::{
    context::{BlockEnv, CfgEnv, TxEnv},
    context_interface::block::BlobExcessGasAndPrice,
    primitives::eip4844::BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE,
};

/// revm configuration and block environment of an L2 block.
pub fn evm_env(chain_id: u64, attrs: &BlockAttributes) -> (CfgEnv, BlockEnv) {
    let mut cfg = CfgEnv::new_with_spec(SPEC);
    cfg.chain_id = chain_id;
    cfg.tx_gas_limit_cap = Some(TX_GAS_CAP);
    let block = BlockEnv {
        number: U256::from(attrs.number),
        beneficiary: attrs.fee_recipient,
        timestamp: U256::from(attrs.timestamp),
        gas_limit: attrs.gas_limit,
        basefee: attrs.base_fee,
        difficulty: U256::ZERO,
        prevrandao: Some(attrs.l1_origin.hash),
        blob_excess_gas_and_price: Some(BlobExcessGasAndPrice::new(0, BLOB_BASE_FEE_UPDATE_FRACTION_PRAGUE)),
        ..Default::default()
    };
    (cfg, block)
}

/// [`evm_env`] without the checks that deposits and simulated calls skip: no nonce check, no
/// base-fee floor, and senders may hold code (an L1 contract's aliased address may hold code on
/// L2; geth's `eth_call` runs from any address).
pub fn unchecked_evm_env(chain_id: u64, attrs: &BlockAttributes) -> (CfgEnv, BlockEnv) {
    let (mut cfg, block) = evm_env(chain_id, attrs);
    skip_sender_checks(&mut cfg);
    (cfg, block)
}

/// Turns off in `cfg` the checks that deposits and simulated calls skip (see
/// [`unchecked_evm_env`]).
pub fn skip_sender_checks(cfg: &mut CfgEnv) {
    cfg.disable_nonce_check = true;
    cfg.disable_base_fee = true;
    cfg.disable_eip3607 = true;
}

/// revm transaction environment of a signed, recovered L2 transaction.
pub fn tx_env(tx: &L2Transaction) -> TxEnv {
    let inner = tx.inner();
    TxEnv {
        tx_type: inner.tx_type() as u8,
        caller: tx.signer(),
        gas_limit: inner.gas_limit(),
        gas_price: inner.max_fee_per_gas(),
        kind: inner.kind(),
        value: inner.value(),
        data: inner.input().clone(),
        nonce: inner.nonce(),
        chain_id: inner.chain_id(),
        access_list: inner.access_list().cloned().unwrap_or_default(),
        gas_priority_fee: inner.max_priority_fee_per_gas(),
        blob_hashes: inner.blob_versioned_hashes().map(<[_]>::to_vec).unwrap_or_default(),
        max_fee_per_blob_gas: inner.max_fee_per_blob_gas().unwrap_or_default(),
        authorization_list: inner
            .authorization_list()
            .map(|list| list.iter().cloned().map(revm::context::either::Either::Left).collect())
            .unwrap_or_default(),
    }
}
