//! `eth_call` and `eth_estimateGas`: simulation on the head state.

use super::{
    EthRpc,
    error::{INTERNAL_ERROR, INVALID_INPUT, reverted, rpc_error},
};
use crate::node::HeadReader as _;
use alloy::rpc::types::{BlockId, TransactionRequest};
use alloy_primitives::{Bytes, TxKind, U256};
use jsonrpsee::core::RpcResult;
use revm::context::{TxEnv, result::ExecutionResult};
use rollup_core::{BlockAttributes, CallError, StateReader, TX_GAS_CAP, estimate_gas, simulate_call};

impl EthRpc {
    /// Checks that `block` is the head: simulation runs only on the latest state.
    async fn require_head(&self, block: Option<BlockId>) -> RpcResult<()> {
        let number = self.resolve_id(block).await?;
        if number != self.chain.head_number().await {
            return Err(rpc_error(
                INVALID_INPUT,
                format!("state of block {number} is not kept for execution; call against \"latest\""),
            ));
        }
        Ok(())
    }

    /// Runs `simulate` on the head state with `request` as a revm transaction.
    async fn on_head<T>(
        &self,
        request: &TransactionRequest,
        block: Option<BlockId>,
        simulate: impl FnOnce(&dyn StateReader, u64, &BlockAttributes, TxEnv) -> Result<T, CallError>,
    ) -> RpcResult<T> {
        self.require_head(block).await?;
        let chain_id = self.chain.chain_id();
        let state = self.chain.read_state().await;
        let attrs = head_attributes(&state.head.header);
        let tx = call_env(request, chain_id);
        tokio::task::block_in_place(|| simulate(&state.world, chain_id, &attrs, tx)).map_err(call_error)
    }

    /// Runs `request` like `eth_call` and returns its output or the revert error.
    pub(crate) async fn do_call(&self, request: TransactionRequest, block: Option<BlockId>) -> RpcResult<Bytes> {
        match self.on_head(&request, block, simulate_call).await? {
            ExecutionResult::Success { output, .. } => Ok(output.into_data()),
            ExecutionResult::Revert { output, .. } => Err(reverted(output)),
            ExecutionResult::Halt { reason, .. } => {
                Err(rpc_error(INVALID_INPUT, format!("execution halted: {reason:?}")))
            }
        }
    }

    /// Estimates the gas `request` needs.
    pub(crate) async fn do_estimate(&self, request: TransactionRequest, block: Option<BlockId>) -> RpcResult<u64> {
        match self.on_head(&request, block, estimate_gas).await? {
            Ok(gas) => Ok(gas),
            Err(ExecutionResult::Revert { output, .. }) => Err(reverted(output)),
            Err(failed) => {
                Err(rpc_error(INVALID_INPUT, format!("gas required exceeds allowance ({TX_GAS_CAP}): {failed:?}")))
            }
        }
    }
}

fn call_error(err: CallError) -> jsonrpsee::types::ErrorObjectOwned {
    match err {
        CallError::Invalid(message) => rpc_error(INVALID_INPUT, message),
        CallError::Internal(message) => rpc_error(INTERNAL_ERROR, message),
    }
}

/// Simulation environment: the head block's own attributes, as geth uses for `latest` (without
/// its L1 attributes: a simulated call pays no L1 data fee).
fn head_attributes(header: &alloy::consensus::Header) -> BlockAttributes {
    BlockAttributes {
        number: header.number,
        parent_hash: header.parent_hash,
        timestamp: header.timestamp,
        l1_origin: rollup_core::L1Origin { number: 0, hash: header.mix_hash },
        l1: Default::default(),
        fee_recipient: header.beneficiary,
        base_fee: header.base_fee_per_gas.unwrap_or_default(),
        gas_limit: header.gas_limit,
    }
}

/// revm transaction of a call request; missing fields take geth's `eth_call` defaults.
fn call_env(request: &TransactionRequest, chain_id: u64) -> TxEnv {
    let authorization_list: Vec<_> = request
        .authorization_list
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(revm::context::either::Either::Left)
        .collect();
    let tx_type = if !authorization_list.is_empty() {
        4
    } else if request.max_fee_per_gas.is_some() || request.max_priority_fee_per_gas.is_some() {
        2
    } else if request.access_list.is_some() {
        1
    } else {
        0
    };
    TxEnv {
        tx_type,
        caller: request.from.unwrap_or_default(),
        gas_limit: request.gas.unwrap_or(TX_GAS_CAP).min(TX_GAS_CAP),
        gas_price: request.max_fee_per_gas.or(request.gas_price).unwrap_or_default(),
        gas_priority_fee: request.max_priority_fee_per_gas,
        kind: request.to.unwrap_or(TxKind::Create),
        value: request.value.unwrap_or(U256::ZERO),
        data: request.input.input().cloned().unwrap_or_default(),
        nonce: request.nonce.unwrap_or_default(),
        chain_id: Some(chain_id),
        access_list: request.access_list.clone().unwrap_or_default(),
        authorization_list,
        ..Default::default()
    }
}
