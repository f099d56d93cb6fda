//! Execution against the state of any stored block: `eth_call`, `eth_estimateGas` and
//! `eth_createAccessList`. The head's state is read from memory, older blocks' from the
//! history tables; either way at most [`super::RpcConfig::compute_threads`] such runs go on
//! at once, so that a flood of calls cannot starve block production.

use super::{
    EthRpc,
    error::{INTERNAL_ERROR, INVALID_INPUT, internal, reverted, rpc_error},
};
use crate::node::{BlockReader as _, HeadReader as _, StateAt};
use alloy::{
    consensus::Header,
    rpc::types::{AccessList, AccessListResult, BlockId, TransactionRequest},
};
use alloy_primitives::{Bytes, TxKind, U256};
use jsonrpsee::{core::RpcResult, types::ErrorObjectOwned};
use revm::context::{TxEnv, result::ExecutionResult};
use revm_inspectors::access_list::AccessListInspector;
use rollup_core::{
    BlockAttributes, CallError, L1Origin, StateReader, TX_GAS_CAP, estimate_gas, inspect_call, simulate_call,
};

impl EthRpc {
    /// Runs `run` on the state after block `number` in that block's environment (without its L1
    /// attributes: a simulated call pays no L1 data fee).
    pub(crate) async fn on_state<T: Send + 'static>(
        &self,
        number: u64,
        run: impl FnOnce(&dyn StateReader, &BlockAttributes) -> RpcResult<T> + Send + 'static,
    ) -> RpcResult<T> {
        let (_, header) = self.chain.header(number).await?.ok_or_else(super::error::unknown_block)?;
        let attrs = block_attributes(&header);
        self.with_state(number, move |state| run(state, &attrs)).await
    }

    /// Runs `run` on a blocking thread on the state after block `number` ([`StateAt`]: no lock
    /// on the chain state is held while it runs, so block production never waits for it).
    /// Holds a compute permit until `run` returns, also if the request is dropped meanwhile; a
    /// failed read of the state fails the run.
    pub(crate) async fn with_state<T: Send + 'static>(
        &self,
        number: u64,
        run: impl FnOnce(&StateAt) -> RpcResult<T> + Send + 'static,
    ) -> RpcResult<T> {
        self.check_kept(number)?;
        let permit = self.compute.clone().acquire_owned().await.expect("the compute semaphore is never closed");
        let state = StateAt::new(self.chain.clone(), number);
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let result = run(&state);
            match state.take_failure() {
                Some(err) => Err(internal(err)),
                None => result,
            }
        })
        .await
        .map_err(|err| rpc_error(INTERNAL_ERROR, format!("execution task failed: {err}")))?;
        self.check_kept(number)?;
        result
    }

    /// Runs `request` like `eth_call` and returns its output or the revert error.
    pub(crate) async fn do_call(&self, request: TransactionRequest, block: Option<BlockId>) -> RpcResult<Bytes> {
        let number = self.resolve_id(block).await?;
        let tx = call_env(&request, self.chain.chain_id());
        let chain_id = self.chain.chain_id();
        let result = self
            .on_state(number, move |state, attrs| simulate_call(state, chain_id, attrs, tx).map_err(call_error))
            .await?;
        match result {
            ExecutionResult::Success { output, .. } => Ok(output.into_data()),
            ExecutionResult::Revert { output, .. } => Err(reverted(output)),
            ExecutionResult::Halt { reason, .. } => {
                Err(rpc_error(INVALID_INPUT, format!("execution halted: {reason:?}")))
            }
        }
    }

    /// Estimates the gas `request` needs.
    pub(crate) async fn do_estimate(&self, request: TransactionRequest, block: Option<BlockId>) -> RpcResult<u64> {
        let number = self.resolve_id(block).await?;
        let tx = call_env(&request, self.chain.chain_id());
        let chain_id = self.chain.chain_id();
        let estimate = self
            .on_state(number, move |state, attrs| estimate_gas(state, chain_id, attrs, tx).map_err(call_error))
            .await?;
        match estimate {
            Ok(gas) => Ok(gas),
            Err(ExecutionResult::Revert { output, .. }) => Err(reverted(output)),
            Err(failed) => {
                Err(rpc_error(INVALID_INPUT, format!("gas required exceeds allowance ({TX_GAS_CAP}): {failed:?}")))
            }
        }
    }

    /// The access list `request` touches and the gas it uses with it (`eth_createAccessList`):
    /// as geth, runs the call with the list found so far until the list stops changing.
    pub(crate) async fn do_create_access_list(
        &self,
        request: TransactionRequest,
        block: Option<BlockId>,
    ) -> RpcResult<AccessListResult> {
        let number = self.resolve_id(block).await?;
        let tx = call_env(&request, self.chain.chain_id());
        let chain_id = self.chain.chain_id();
        self.on_state(number, move |state, attrs| {
            let mut list = tx.access_list.clone();
            // Each round can only add entries; a list of every account and slot touched
            // converges within a few rounds, the bound only guards against surprises.
            for _ in 0..8 {
                let mut inspector = AccessListInspector::new(list.clone());
                let run = TxEnv { access_list: list.clone(), ..tx.clone() };
                let executed = inspect_call(state, chain_id, attrs, run, &mut inspector).map_err(call_error)?;
                let found = inspector.into_access_list();
                if found == list {
                    return Ok(access_list_result(found, &executed.result));
                }
                list = found;
            }
            Err(rpc_error(INTERNAL_ERROR, "the access list did not settle"))
        })
        .await
    }
}

fn access_list_result(access_list: AccessList, result: &ExecutionResult) -> AccessListResult {
    let error = match result {
        ExecutionResult::Success { .. } => None,
        ExecutionResult::Revert { .. } => Some("execution reverted".to_owned()),
        ExecutionResult::Halt { reason, .. } => Some(format!("execution halted: {reason:?}")),
    };
    AccessListResult { access_list, gas_used: U256::from(result.tx_gas_used()), error }
}

/// The error answered for a call that cannot run.
pub(crate) fn call_error(err: CallError) -> ErrorObjectOwned {
    match err {
        CallError::Invalid(message) => rpc_error(INVALID_INPUT, message),
        CallError::Internal(message) => rpc_error(INTERNAL_ERROR, message),
    }
}

/// The environment of a stored block, as geth uses it for calls against that block: its own
/// number, timestamp, base fee and gas limit (and no L1 attributes).
pub(crate) fn block_attributes(header: &Header) -> BlockAttributes {
    BlockAttributes {
        number: header.number,
        parent_hash: header.parent_hash,
        timestamp: header.timestamp,
        l1_origin: L1Origin { number: 0, hash: header.mix_hash },
        l1: Default::default(),
        fee_recipient: header.beneficiary,
        base_fee: header.base_fee_per_gas.unwrap_or_default(),
        gas_limit: header.gas_limit,
    }
}

/// revm transaction of a call request; missing fields take geth's `eth_call` defaults.
pub(crate) fn call_env(request: &TransactionRequest, chain_id: u64) -> TxEnv {
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
