//! The `optimism_` namespace of op-node's rollup RPC, in op-node's JSON shapes, so OP tooling
//! (op-proposer, op-batcher's status checks, explorers) can read this sequencer:
//! `optimism_outputAtBlock`, `optimism_syncStatus` and `optimism_rollupConfig`.
//!
//! The values come from what the `rollup_` methods read (stored outputs, heads, L1 origins,
//! the genesis and node configuration). L1 blocks are described from the L2 blocks that name
//! them; only their parent hashes, L1's own `latest`/`safe`/`finalized` heads and L1's chain id
//! are asked of the L1 node, when the sequencer follows one. Where a value cannot be known, the
//! field's documentation says what stands in for it.

use super::{
    EthRpc,
    error::{INTERNAL_ERROR, rpc_error, unknown_block},
};
use crate::node::{BlockReader as _, HeadReader as _};
use alloy::{
    providers::{Provider, RootProvider},
    rpc::types::BlockNumberOrTag,
};
use alloy_primitives::{Address, B256};
use jsonrpsee::{
    core::{RpcResult, async_trait},
    proc_macros::rpc,
};
use parking_lot::Mutex;
use rollup_core::{L1Origin, OUTPUT_VERSION, deposit::L2Envelope, fees::L1BlockValues};
use serde::Serialize;
use std::{collections::HashMap, sync::OnceLock, time::Duration};
use tracing::debug;

/// How long one request to the L1 node may take before the answer falls back to what the
/// sequencer knows itself.
const L1_TIMEOUT: Duration = Duration::from_secs(2);

/// Most L1 parent hashes remembered (L1 blocks never change their parent; the map is cleared
/// when full).
const MAX_CACHED_PARENTS: usize = 4_096;

/// op-node's rollup methods.
#[rpc(server, namespace = "optimism")]
pub(crate) trait OptimismApi {
    /// The output root of an L2 block, with the block, the roots it commits to and the sync
    /// status (op-node's `eth.OutputResponse`).
    #[method(name = "outputAtBlock")]
    async fn output_at_block(&self, block: BlockNumberOrTag) -> RpcResult<OutputResponse>;
    /// The L1 and L2 heads (op-node's `eth.SyncStatus`).
    #[method(name = "syncStatus")]
    async fn sync_status(&self) -> RpcResult<OpSyncStatus>;
    /// The chain's static parameters (op-node's `rollup.Config`).
    #[method(name = "rollupConfig")]
    async fn rollup_config(&self) -> RpcResult<RollupConfig>;
}

/// A block by hash and number (op-node's `eth.BlockID`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct BlockId {
    /// Block hash.
    pub(crate) hash: B256,
    /// Block number.
    pub(crate) number: u64,
}

impl From<L1Origin> for BlockId {
    fn from(origin: L1Origin) -> Self {
        Self { hash: origin.hash, number: origin.number }
    }
}

/// An L1 block (op-node's `eth.L1BlockRef`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L1BlockRef {
    /// Block hash.
    pub(crate) hash: B256,
    /// Block number.
    pub(crate) number: u64,
    /// Parent hash, from the L1 node. Zero when the sequencer follows no L1 (its genesis origin
    /// is then not a real L1 block) or the L1 node did not answer.
    pub(crate) parent_hash: B256,
    /// Block timestamp.
    pub(crate) timestamp: u64,
}

/// An L2 block (op-node's `eth.L2BlockRef`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct L2BlockRef {
    /// Block hash.
    pub(crate) hash: B256,
    /// Block number.
    pub(crate) number: u64,
    /// Parent hash.
    pub(crate) parent_hash: B256,
    /// Block timestamp.
    pub(crate) timestamp: u64,
    /// The L1 origin.
    #[serde(rename = "l1origin")]
    pub(crate) l1_origin: BlockId,
    /// Position among the L2 blocks of the same origin (0 for the first), from the block's L1
    /// attributes deposit.
    pub(crate) sequence_number: u64,
}

/// op-node's `eth.SyncStatus`. This sequencer derives only to check its own blocks, so the L2
/// heads op-node distinguishes for derivation and interop collapse onto the three it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct OpSyncStatus {
    /// The L1 origin of the unsafe head: the newest L1 block the sequencer has consumed (op-node
    /// means the L1 block its derivation is at; this sequencer's derivation is not exposed).
    pub(crate) current_l1: L1BlockRef,
    /// Deprecated in op-node; the same as `finalized_l1`.
    pub(crate) current_l1_finalized: L1BlockRef,
    /// L1's latest block, from the L1 node; `current_l1` without L1 or when it does not answer.
    pub(crate) head_l1: L1BlockRef,
    /// L1's safe block, as `head_l1`.
    pub(crate) safe_l1: L1BlockRef,
    /// L1's finalized block, as `head_l1`.
    pub(crate) finalized_l1: L1BlockRef,
    /// The latest sealed block.
    pub(crate) unsafe_l2: L2BlockRef,
    /// The last block derived from L1 batches that matches the sealed one.
    pub(crate) safe_l2: L2BlockRef,
    /// The safe head as of L1's finalized block.
    pub(crate) finalized_l2: L2BlockRef,
    /// The same as `safe_l2`: blocks are only counted safe once their whole batch is derived.
    pub(crate) pending_safe_l2: L2BlockRef,
    /// The same as `unsafe_l2` (no interop dependencies).
    pub(crate) cross_unsafe_l2: L2BlockRef,
    /// The same as `safe_l2` (no interop dependencies).
    pub(crate) local_safe_l2: L2BlockRef,
}

/// op-node's `eth.OutputResponse`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OutputResponse {
    /// Output format version (0).
    pub(crate) version: B256,
    /// `keccak256(version ‖ stateRoot ‖ withdrawalStorageRoot ‖ blockHash)`.
    pub(crate) output_root: B256,
    /// The block.
    pub(crate) block_ref: L2BlockRef,
    /// Storage root of the L2→L1 message passer after the block.
    pub(crate) withdrawal_storage_root: B256,
    /// The block's state root.
    pub(crate) state_root: B256,
    /// The sync status when the output was read.
    pub(crate) sync_status: OpSyncStatus,
}

/// op-node's `eth.SystemConfig` as of genesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SystemConfigJson {
    /// The batcher's address.
    pub(crate) batcher_addr: Address,
    /// Zero: the fee formula has no overhead (Ecotone).
    pub(crate) overhead: B256,
    /// The fee scalars in Ecotone's encoding: version byte 1, then the blob base fee scalar in
    /// bytes 24..28 and the base fee scalar in bytes 28..32.
    pub(crate) scalar: B256,
    /// The L2 block gas limit.
    pub(crate) gas_limit: u64,
}

/// op-node's `rollup.Genesis`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct RollupGenesis {
    /// The L1 block the chain starts from.
    pub(crate) l1: BlockId,
    /// Block 0.
    pub(crate) l2: BlockId,
    /// Timestamp of block 0.
    pub(crate) l2_time: u64,
    /// The fee configuration at genesis.
    pub(crate) system_config: SystemConfigJson,
}

/// op-node's `rollup.Config`, the fields this chain has. Hard-fork activation times are left
/// out (op-node omits unset ones): this chain has a single rule set from genesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct RollupConfig {
    /// Genesis blocks and configuration.
    pub(crate) genesis: RollupGenesis,
    /// Seconds between blocks; 0 when the sequencer seals blocks on demand (development).
    pub(crate) block_time: u64,
    /// Seconds an L2 block may run ahead of its L1 origin and still carry user transactions.
    pub(crate) max_sequencer_drift: u64,
    /// The sequencing window, in L1 blocks.
    pub(crate) seq_window_size: u64,
    /// L1 blocks after which an incomplete channel is dropped.
    pub(crate) channel_timeout: u64,
    /// L1's chain id, from the L1 node; `null` when the sequencer follows no L1.
    pub(crate) l1_chain_id: Option<u64>,
    /// This chain's id.
    pub(crate) l2_chain_id: u64,
    /// Where batches are posted on L1; zero without L1.
    pub(crate) batch_inbox_address: Address,
    /// The L1 portal that takes deposits; zero without L1.
    pub(crate) deposit_contract_address: Address,
    /// The L1 `SystemConfig` contract; zero without L1.
    pub(crate) l1_system_config_address: Address,
}

/// The L1 node as the `optimism_` methods use it, connected on first use, and what it answered
/// that never changes.
#[derive(Debug, Default)]
pub(crate) struct OptimismCache {
    /// The L1 node, if the sequencer follows one.
    l1: OnceLock<Option<RootProvider>>,
    /// L1's chain id.
    l1_chain_id: tokio::sync::OnceCell<u64>,
    /// Parent hashes of L1 blocks by hash.
    parents: Mutex<HashMap<B256, B256>>,
}

/// The Ecotone encoding of the fee scalars (see [`SystemConfigJson::scalar`]).
fn ecotone_scalar(base_fee_scalar: u32, blob_base_fee_scalar: u32) -> B256 {
    let mut scalar = B256::ZERO;
    scalar[0] = 1;
    scalar[24..28].copy_from_slice(&blob_base_fee_scalar.to_be_bytes());
    scalar[28..32].copy_from_slice(&base_fee_scalar.to_be_bytes());
    scalar
}

impl EthRpc {
    fn l1_provider(&self) -> Option<&RootProvider> {
        self.optimism
            .l1
            .get_or_init(|| {
                let follow = self.chain.config().l1.as_ref()?;
                // The URL was checked when the sequencer started.
                let url = follow.rpc_url.parse().ok()?;
                Some(RootProvider::new_http(url))
            })
            .as_ref()
    }

    /// Block `number` as an L2 block reference, with its L1 origin's timestamp.
    async fn l2_ref(&self, number: u64) -> RpcResult<(L2BlockRef, u64)> {
        let (hash, header) = self.chain.header(number).await?.ok_or_else(unknown_block)?;
        let origin = self.chain.l1_origin(number).await?.ok_or_else(unknown_block)?;
        let first = self.chain.transaction_at(number, 0).await?;
        let values = first.and_then(|first| match first.tx {
            L2Envelope::Other(deposit) => L1BlockValues::from_calldata(&deposit.input),
            L2Envelope::BuiltIn(_) => None,
        });
        // Block 0 has no L1 attributes deposit: its values are the genesis's.
        let (sequence_number, l1_timestamp) = values
            .map_or((0, self.chain.genesis().l1.timestamp), |values| (values.sequence_number, values.l1.timestamp));
        let block = L2BlockRef {
            hash,
            number,
            parent_hash: header.parent_hash,
            timestamp: header.timestamp,
            l1_origin: origin.into(),
            sequence_number,
        };
        Ok((block, l1_timestamp))
    }

    /// The L1 block `origin` (whose timestamp an L2 block recorded), its parent hash from the L1
    /// node.
    async fn l1_ref(&self, origin: BlockId, timestamp: u64) -> L1BlockRef {
        let mut block = L1BlockRef { hash: origin.hash, number: origin.number, parent_hash: B256::ZERO, timestamp };
        let Some(provider) = self.l1_provider() else { return block };
        if let Some(parent) = self.optimism.parents.lock().get(&origin.hash) {
            block.parent_hash = *parent;
            return block;
        }
        match tokio::time::timeout(L1_TIMEOUT, provider.get_block_by_hash(origin.hash)).await {
            Ok(Ok(Some(found))) => {
                block.parent_hash = found.header.parent_hash;
                let mut parents = self.optimism.parents.lock();
                if parents.len() >= MAX_CACHED_PARENTS {
                    parents.clear();
                }
                parents.insert(origin.hash, block.parent_hash);
            }
            other => debug!(hash = %origin.hash, ?other, "cannot read an L1 origin's parent from L1"),
        }
        block
    }

    /// L1's block at `tag`, from the L1 node; `fallback` without L1 or when it does not answer.
    async fn l1_tag(&self, tag: BlockNumberOrTag, fallback: L1BlockRef) -> L1BlockRef {
        let Some(provider) = self.l1_provider() else { return fallback };
        match tokio::time::timeout(L1_TIMEOUT, provider.get_block_by_number(tag)).await {
            Ok(Ok(Some(block))) => L1BlockRef {
                hash: block.header.hash,
                number: block.header.number,
                parent_hash: block.header.parent_hash,
                timestamp: block.header.timestamp,
            },
            other => {
                debug!(%tag, ?other, "cannot read an L1 head");
                fallback
            }
        }
    }

    async fn op_sync_status(&self) -> RpcResult<OpSyncStatus> {
        let head = self.chain.head_number().await;
        let safe = self.chain.safe_head().min(head);
        let finalized = self.chain.finalized_head().min(safe);
        let (unsafe_l2, l1_timestamp) = self.l2_ref(head).await?;
        let (safe_l2, _) = self.l2_ref(safe).await?;
        let (finalized_l2, _) = self.l2_ref(finalized).await?;
        let current_l1 = self.l1_ref(unsafe_l2.l1_origin, l1_timestamp).await;
        let (head_l1, safe_l1, finalized_l1) = tokio::join!(
            self.l1_tag(BlockNumberOrTag::Latest, current_l1),
            self.l1_tag(BlockNumberOrTag::Safe, current_l1),
            self.l1_tag(BlockNumberOrTag::Finalized, current_l1),
        );
        Ok(OpSyncStatus {
            current_l1,
            current_l1_finalized: finalized_l1,
            head_l1,
            safe_l1,
            finalized_l1,
            unsafe_l2,
            safe_l2,
            finalized_l2,
            pending_safe_l2: safe_l2,
            cross_unsafe_l2: unsafe_l2,
            local_safe_l2: safe_l2,
        })
    }
}

#[async_trait]
impl OptimismApiServer for EthRpc {
    async fn output_at_block(&self, block: BlockNumberOrTag) -> RpcResult<OutputResponse> {
        let number = self.resolve_number(block).await?;
        let output = self.chain.output(number).await?.ok_or_else(unknown_block)?;
        let (block_ref, _) = self.l2_ref(number).await?;
        Ok(OutputResponse {
            version: OUTPUT_VERSION,
            output_root: output.root(),
            block_ref,
            withdrawal_storage_root: output.message_passer_storage_root,
            state_root: output.state_root,
            sync_status: self.op_sync_status().await?,
        })
    }

    async fn sync_status(&self) -> RpcResult<OpSyncStatus> {
        self.op_sync_status().await
    }

    async fn rollup_config(&self) -> RpcResult<RollupConfig> {
        let genesis = self.chain.genesis();
        let (l2_genesis, _) = self.chain.header(0).await?.ok_or_else(unknown_block)?;
        let follow = self.chain.config().l1.as_ref();
        let l1_chain_id = match self.l1_provider() {
            Some(provider) => Some(
                *self
                    .optimism
                    .l1_chain_id
                    .get_or_try_init(|| async {
                        match tokio::time::timeout(L1_TIMEOUT, provider.get_chain_id()).await {
                            Ok(Ok(id)) => Ok(id),
                            Ok(Err(err)) => Err(format!("the L1 node failed: {err}")),
                            Err(_) => Err(format!("the L1 node did not answer within {} s", L1_TIMEOUT.as_secs())),
                        }
                    })
                    .await
                    .map_err(|err| rpc_error(INTERNAL_ERROR, format!("cannot read L1's chain id: {err}; retry")))?,
            ),
            None => None,
        };
        let system = genesis.l1.system;
        Ok(RollupConfig {
            genesis: RollupGenesis {
                l1: genesis.l1_origin.into(),
                l2: BlockId { hash: l2_genesis, number: 0 },
                l2_time: genesis.timestamp,
                system_config: SystemConfigJson {
                    batcher_addr: system.batcher,
                    overhead: B256::ZERO,
                    scalar: ecotone_scalar(system.base_fee_scalar, system.blob_base_fee_scalar),
                    gas_limit: genesis.config.block_gas_limit,
                },
            },
            block_time: self.chain.config().block_time.as_secs(),
            max_sequencer_drift: genesis.config.max_sequencer_drift,
            seq_window_size: genesis.config.sequencing_window,
            channel_timeout: rollup_derive::CHANNEL_TIMEOUT,
            l1_chain_id,
            l2_chain_id: self.chain.chain_id(),
            batch_inbox_address: follow.map(|f| f.batch_inbox).unwrap_or_default(),
            deposit_contract_address: follow.map(|f| f.portal).unwrap_or_default(),
            l1_system_config_address: follow.map(|f| f.system_config).unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_uses_the_ecotone_encoding() {
        // OP Mainnet's Ecotone values: blob base fee scalar 810949, base fee scalar 1368.
        let scalar = ecotone_scalar(1368, 810_949);
        assert_eq!(scalar.to_string(), "0x010000000000000000000000000000000000000000000000000c5fc500000558");
    }
}
