//! Checks that need no state: encoding, size, type, chain id, signature and gas.

use super::PoolError;
use alloy::{
    consensus::{Transaction as _, TxEnvelope, transaction::SignerRecoverable},
    eips::eip2718::Decodable2718,
};
use alloy_primitives::B256;
use revm::context_interface::cfg::gas::calculate_initial_tx_gas_for_tx;
use rollup_core::{L2Transaction, MAX_TX_SIZE, SPEC, TX_GAS_CAP, tx_env};

/// Decodes and checks a raw transaction, returning it with its sender and hash.
pub fn decode_transaction(raw: &[u8], chain_id: u64, block_gas_limit: u64) -> Result<(L2Transaction, B256), PoolError> {
    if raw.len() > MAX_TX_SIZE {
        return Err(PoolError::Oversized { size: raw.len(), limit: MAX_TX_SIZE });
    }
    let mut buf = raw;
    let envelope = TxEnvelope::decode_2718(&mut buf).map_err(|err| PoolError::Malformed(err.to_string()))?;
    if !buf.is_empty() {
        return Err(PoolError::Malformed(format!("{} trailing bytes after the transaction", buf.len())));
    }
    if envelope.is_eip4844() {
        return Err(PoolError::UnsupportedType("blob (EIP-4844) transactions cannot be sent to the L2".into()));
    }
    match envelope.chain_id() {
        None => return Err(PoolError::NotReplayProtected(chain_id)),
        Some(got) if got != chain_id => return Err(PoolError::WrongChainId { got, expected: chain_id }),
        Some(_) => {}
    }
    let gas = envelope.gas_limit();
    let cap = TX_GAS_CAP.min(block_gas_limit);
    if gas > cap {
        return Err(PoolError::GasCap { gas, cap });
    }
    if let Some(tip) = envelope.max_priority_fee_per_gas()
        && tip > envelope.max_fee_per_gas()
    {
        return Err(PoolError::TipAboveFeeCap { tip, cap: envelope.max_fee_per_gas() });
    }
    let sender = envelope.recover_signer().map_err(|err| PoolError::BadSignature(err.to_string()))?;
    let hash = *envelope.tx_hash();
    let tx = L2Transaction::new_unchecked(envelope, sender);
    let intrinsic = calculate_initial_tx_gas_for_tx(tx_env(&tx), SPEC, None);
    let needed = (intrinsic.initial_regular_gas + intrinsic.initial_state_gas).max(intrinsic.floor_gas);
    if gas < needed {
        return Err(PoolError::IntrinsicGas { gas, needed });
    }
    Ok((tx, hash))
}
