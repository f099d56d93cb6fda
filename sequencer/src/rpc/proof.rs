//! `eth_getProof` at any stored block, from the archive of trie nodes: no lock on the chain
//! state, so proofs never hold up block production.

use super::{
    EthRpc,
    error::{INVALID_INPUT, LIMIT_EXCEEDED, internal, rpc_error},
};
use alloy::{
    rpc::types::{BlockId, EIP1186AccountProofResponse, EIP1186StorageProof},
    serde::JsonStorageKey,
};
use alloy_primitives::{Address, B256};
use jsonrpsee::core::RpcResult;
use storage::StoreError;

impl EthRpc {
    /// Proofs of `address` and of `keys` against the state root of `block`.
    pub(crate) async fn do_proof(
        &self,
        address: Address,
        keys: Vec<JsonStorageKey>,
        block: Option<BlockId>,
    ) -> RpcResult<EIP1186AccountProofResponse> {
        if keys.len() > self.config.max_proof_keys {
            return Err(rpc_error(
                LIMIT_EXCEEDED,
                format!(
                    "{} storage keys requested, at most {} per eth_getProof; split the keys over several calls",
                    keys.len(),
                    self.config.max_proof_keys
                ),
            ));
        }
        let number = self.resolve_state(block).await?;
        let slots: Vec<B256> = keys.iter().map(|key| key.as_b256()).collect();
        let proof = self.chain.store().account_proof_at(address, &slots, number).await.map_err(|err| match err {
            StoreError::Missing(what) => rpc_error(
                INVALID_INPUT,
                format!("the state trie of block {number} is not kept ({what} is missing); ask for a later block"),
            ),
            other => internal(other),
        })?;
        self.check_kept(number)?;
        Ok(EIP1186AccountProofResponse {
            address,
            balance: proof.balance,
            code_hash: proof.code_hash,
            nonce: proof.nonce,
            storage_hash: proof.storage_hash,
            account_proof: proof.account_proof,
            storage_proof: keys
                .into_iter()
                .zip(proof.storage_proofs)
                .map(|(key, (_, value, proof))| EIP1186StorageProof { key, value, proof })
                .collect(),
        })
    }
}
