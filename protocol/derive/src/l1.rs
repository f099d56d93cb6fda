//! Reading what derivation needs from the L1 node: headers, the inbox's batch data (calldata
//! or blobs) and the portal's deposits, one L1 block at a time, all by block hash so that the
//! pieces belong to the same block even while L1 reorganises.

use alloy::{
    consensus::Transaction as _,
    eips::{BlockNumberOrTag, eip4844::Blob},
    providers::Provider,
    rpc::types::Filter,
    sol_types::{SolCall, SolEvent},
};
use alloy_primitives::{Address, B256, Bytes};
use rollup_batch::blobs_to_frame;
use rollup_core::deposit::TxDeposit;
use rollup_l1::{BatchInbox, DepositError, SystemConfigUpdate, config_updates_from_logs, deposits_from_logs};

/// Identity and time of an L1 block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct L1BlockRef {
    /// Block number.
    pub number: u64,
    /// Block hash.
    pub hash: B256,
    /// Parent hash.
    pub parent_hash: B256,
    /// Timestamp in seconds.
    pub timestamp: u64,
    /// Base fee, in wei.
    pub base_fee: u128,
    /// Excess blob gas (the blob base fee follows from it under the L1's blob schedule).
    pub excess_blob_gas: u64,
}

/// Batch data posted in one L1 transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostedData {
    /// The L1 transaction.
    pub tx_hash: B256,
    /// The frame bytes (calldata argument, or the blobs' payload).
    pub data: Vec<u8>,
}

/// Everything derivation reads from one L1 block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct L1BlockData {
    /// The block.
    pub block: L1BlockRef,
    /// Deposits emitted by the portal, in log order.
    pub deposits: Vec<TxDeposit>,
    /// Batch data posted to the inbox, in log order.
    pub posted: Vec<PostedData>,
    /// Changes to the L1 fee configuration made by the SystemConfig, in log order.
    pub config_updates: Vec<SystemConfigUpdate>,
}

/// Why L1 could not be read. Always transient from derivation's point of view: it retries.
#[derive(Debug, thiserror::Error)]
pub enum L1ReadError {
    /// The RPC call failed.
    #[error("L1 RPC {call}: {source}")]
    Rpc {
        /// What was being read.
        call: &'static str,
        /// The transport's error.
        #[source]
        source: alloy::transports::TransportError,
    },
    /// The Portal's logs do not decode as deposits (a wrong Portal address or a misbehaving
    /// node: the Portal never emits such a log).
    #[error(transparent)]
    Deposits(#[from] DepositError),
    /// An inbox log does not decode as `BatchSubmitted`.
    #[error("BatchSubmitted log of {tx_hash} does not decode: {source}")]
    BatchLog {
        /// The L1 transaction.
        tx_hash: B256,
        /// The decoding error.
        #[source]
        source: alloy::sol_types::Error,
    },
    /// The node answered with something derivation cannot use.
    #[error("L1 returned unusable data: {0}")]
    Unusable(String),
}

fn rpc(call: &'static str) -> impl FnOnce(alloy::transports::TransportError) -> L1ReadError {
    move |source| L1ReadError::Rpc { call, source }
}

/// Reads derivation input from an L1 node.
#[derive(Clone, Debug)]
pub struct L1Reader<P> {
    provider: P,
    inbox: Address,
    portal: Address,
    system_config: Address,
}

impl<P: Provider + Clone> L1Reader<P> {
    /// A reader of the rollup whose inbox, portal and system config are at the given
    /// addresses.
    pub fn new(provider: P, inbox: Address, portal: Address, system_config: Address) -> Self {
        Self { provider, inbox, portal, system_config }
    }

    /// The block with the given number or tag, if it exists.
    pub async fn block_ref(&self, id: BlockNumberOrTag) -> Result<Option<L1BlockRef>, L1ReadError> {
        let block = self.provider.get_block_by_number(id).await.map_err(rpc("eth_getBlockByNumber"))?;
        Ok(block.map(|block| L1BlockRef {
            number: block.header.number,
            hash: block.header.hash,
            parent_hash: block.header.parent_hash,
            timestamp: block.header.timestamp,
            base_fee: block.header.base_fee_per_gas.unwrap_or_default().into(),
            excess_blob_gas: block.header.excess_blob_gas.unwrap_or_default(),
        }))
    }

    /// Header, deposits and batch data of L1 block `number`, or `None` past the head.
    pub async fn block_data(&self, number: u64) -> Result<Option<L1BlockData>, L1ReadError> {
        let Some(block) = self.block_ref(number.into()).await? else { return Ok(None) };
        // One query for the three contracts' logs of the block.
        let filter = Filter::new().address(vec![self.inbox, self.portal, self.system_config]).at_block_hash(block.hash);
        let logs = self.provider.get_logs(&filter).await.map_err(rpc("eth_getLogs"))?;
        let deposits = deposits_from_logs(&logs, self.portal, block.hash)?;
        let config_updates = config_updates_from_logs(&logs, self.system_config);
        let batch_logs = logs.iter().filter(|log| {
            !log.removed
                && log.address() == self.inbox
                && log.topic0() == Some(&BatchInbox::BatchSubmitted::SIGNATURE_HASH)
        });
        let mut posted = Vec::new();
        for log in batch_logs {
            let tx_hash = log.transaction_hash.ok_or_else(|| L1ReadError::Unusable("log without tx hash".into()))?;
            let event = BatchInbox::BatchSubmitted::decode_log(&log.inner)
                .map_err(|source| L1ReadError::BatchLog { tx_hash, source })?;
            let data = match event.kind {
                0 => self.calldata(tx_hash).await?,
                _ => self.blob_data(tx_hash).await?,
            };
            posted.push(PostedData { tx_hash, data });
        }
        Ok(Some(L1BlockData { block, deposits, posted, config_updates }))
    }

    /// The `data` argument of a `submitBatch` call. Undecodable input yields empty data,
    /// which derivation drops as a bad frame (the inbox emitted the event, so the call was
    /// `submitBatch`; this only guards against a changed contract).
    async fn calldata(&self, tx_hash: B256) -> Result<Vec<u8>, L1ReadError> {
        let tx = self
            .provider
            .get_transaction_by_hash(tx_hash)
            .await
            .map_err(rpc("eth_getTransactionByHash"))?
            .ok_or_else(|| L1ReadError::Unusable(format!("transaction {tx_hash} of a log is missing")))?;
        let input = tx.inner.inner().input().clone();
        Ok(BatchInbox::submitBatchCall::abi_decode(&input).map(|call| call.data.to_vec()).unwrap_or_default())
    }

    /// The payload of the blobs of a `submitBlobBatch` transaction, read from the node's blob
    /// store (`anvil_getBlobsByTransactionHash`; see docs/derivation.md). Blobs whose payload
    /// is malformed yield empty data, dropped as a bad frame.
    async fn blob_data(&self, tx_hash: B256) -> Result<Vec<u8>, L1ReadError> {
        // As bytes: deserialising `Blob`s directly builds each 128 KiB blob on the stack.
        let raw: Vec<Bytes> = self
            .provider
            .raw_request("anvil_getBlobsByTransactionHash".into(), (tx_hash,))
            .await
            .map_err(rpc("anvil_getBlobsByTransactionHash"))?;
        if raw.iter().any(|blob| blob.len() != alloy::eips::eip4844::BYTES_PER_BLOB) {
            return Err(L1ReadError::Unusable(format!("blob of {tx_hash} has the wrong size")));
        }
        let blobs: Vec<Blob> = raw.iter().map(|blob| Blob::from_slice(blob)).collect();
        Ok(blobs_to_frame(&blobs).unwrap_or_default())
    }
}
