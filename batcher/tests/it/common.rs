//! A test rollup: Anvil with the contracts deployed, a sequencer, and helpers to send L2
//! transactions and to read back from L1 everything the batcher posted.

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    node_bindings::AnvilInstance,
    providers::{Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
};
use alloy_primitives::{Address, B256, U256};
use batcher::{Batcher, BatcherConfig, BatcherMetrics, DataAvailability};
use rollup_batch::{Batch, Compression, Frame, join_frames};
use rollup_core::{deposit::L2Envelope, dev_signers};
use rollup_derive::L1Reader;
pub(crate) use rollup_l1::test_utils::OPERATOR;
use rollup_l1::{Deployment, OutputOracle, test_utils::deploy_rollup};
use sequencer::test_utils::TestNode;
use std::{collections::BTreeMap, time::Duration};
use test_support::{Backend, anvil};

/// Anvil, the deployed contracts and a sequencer.
pub(crate) struct Rollup {
    pub(crate) l1: AnvilInstance,
    pub(crate) node: TestNode,
    pub(crate) deployment: Deployment,
}

impl Rollup {
    pub(crate) async fn start() -> Self {
        let l1 = anvil();
        let node = TestNode::start(Backend::Sqlite).await;
        let deployment = deploy_rollup(&l1).await;
        Self { l1, node, deployment }
    }

    /// Batcher settings for tests: post at once, one confirmation, fast polling.
    pub(crate) fn config(&self, da: DataAvailability) -> BatcherConfig {
        let mut config =
            BatcherConfig::new(self.l1.endpoint(), self.deployment.batch_inbox, self.deployment.output_oracle, 42069);
        config.data_availability = da;
        config.compression = Compression::default();
        config.max_channel_age = Duration::ZERO;
        config.confirmations = 1;
        config.poll_interval = Duration::from_millis(100);
        config.resubmit_after = Duration::from_secs(2);
        config.proposal_interval = Some(4);
        config
    }

    pub(crate) async fn batcher(&self, config: BatcherConfig) -> Batcher {
        self.batcher_with(config, BatcherMetrics::new()).await
    }

    pub(crate) async fn batcher_with(&self, config: BatcherConfig, metrics: BatcherMetrics) -> Batcher {
        let store = self.node.handle().chain.store().clone();
        Batcher::new(config, store, dev_signers()[0].clone(), None, metrics).await.expect("batcher")
    }

    pub(crate) fn l1_provider(&self) -> impl Provider + Clone {
        ProviderBuilder::new().connect_http(self.l1.endpoint_url())
    }

    /// Sends `count` ETH transfers from several dev accounts and waits for their receipts.
    pub(crate) async fn send_transfers(&self, count: usize) {
        let url: reqwest::Url = self.node.url().parse().unwrap();
        for i in 0..count {
            let signer = dev_signers()[1 + i % 5].clone();
            let provider = ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect_http(url.clone());
            let to = Address::with_last_byte(0x40 + (i % 7) as u8);
            let tx = TransactionRequest::default().with_to(to).with_value(U256::from(1_000 + i));
            provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
        }
    }

    pub(crate) async fn l2_head(&self) -> u64 {
        self.node.handle().chain.store().head_number().await.unwrap().unwrap()
    }

    /// Runs batcher steps until `done` holds (or panics after `timeout`).
    pub(crate) async fn run_until<F: AsyncFnMut(&mut Batcher) -> bool>(
        &self,
        batcher: &mut Batcher,
        timeout: Duration,
        mut done: F,
    ) {
        let started = std::time::Instant::now();
        loop {
            batcher.step().await.expect("batcher step");
            if done(batcher).await {
                return;
            }
            assert!(started.elapsed() < timeout, "timed out");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every frame the inbox holds, in L1 order, read back from calldata or blobs (with
    /// derivation's L1 reader).
    pub(crate) async fn l1_frames(&self) -> Vec<Frame> {
        let provider = self.l1_provider();
        let deployment = &self.deployment;
        let reader =
            L1Reader::new(provider.clone(), deployment.batch_inbox, deployment.portal, deployment.system_config);
        let head = provider.get_block_number().await.unwrap();
        let mut frames = Vec::new();
        for number in 0..=head {
            for posted in reader.block_data(number).await.unwrap().expect("mined").posted {
                frames.push(Frame::decode(&posted.data).unwrap());
            }
        }
        frames
    }

    /// The batches on L1, by channel (first block); panics on a channel posted twice.
    pub(crate) async fn l1_batches(&self) -> BTreeMap<u64, Batch> {
        let mut channels: BTreeMap<u64, Vec<Frame>> = BTreeMap::new();
        for frame in self.l1_frames().await {
            let frames = channels.entry(frame.channel_id).or_default();
            assert!(
                !frames.iter().any(|f| f.index == frame.index),
                "frame {} of channel {} posted twice",
                frame.index,
                frame.channel_id
            );
            frames.push(frame);
        }
        channels
            .into_iter()
            .map(|(id, frames)| {
                let channel = join_frames(&frames).unwrap();
                let encoded = Compression::decompress(&channel).unwrap();
                (id, Batch::decode(&encoded, 42069).unwrap())
            })
            .collect()
    }

    /// Checks that L1 holds blocks `1..=through` exactly once each, identical to the
    /// sequencer's.
    pub(crate) async fn assert_l1_matches_l2(&self, through: u64) {
        let store = &self.node.handle().chain.store();
        let mut next = 1;
        for (id, batch) in self.l1_batches().await {
            assert_eq!(id, next, "channels are contiguous");
            assert_eq!(batch.parent_hash, store.header(id - 1).await.unwrap().unwrap().0);
            for (offset, block) in batch.blocks.iter().enumerate() {
                let number = id + offset as u64;
                let (_, header) = store.header(number).await.unwrap().unwrap();
                assert_eq!(block.timestamp, header.timestamp);
                assert_eq!(block.l1_origin, store.l1_origin(number).await.unwrap().unwrap());
                // Batches carry the user transactions; deposits (the L1 attributes first) come
                // from L1.
                let stored: Vec<B256> = store
                    .block_transactions(number)
                    .await
                    .unwrap()
                    .iter()
                    .filter(|tx| matches!(tx.tx, L2Envelope::BuiltIn(_)))
                    .map(|tx| tx.hash)
                    .collect();
                let posted: Vec<B256> = block.transactions.iter().map(|tx| *tx.tx_hash()).collect();
                assert_eq!(posted, stored, "transactions of block {number}");
            }
            next = batch.last_block() + 1;
        }
        assert!(next > through, "L1 holds blocks up to {}, expected {through}", next - 1);
    }

    /// Checks that every output on L1 is the sequencer's output root at its block.
    pub(crate) async fn assert_outputs_match(&self) -> usize {
        let provider = self.l1_provider();
        let oracle = OutputOracle::new(self.deployment.output_oracle, &provider);
        let count: u64 = oracle.nextOutputIndex().call().await.unwrap().to();
        for index in 0..count {
            let output = oracle.getOutput(U256::from(index)).call().await.unwrap();
            let expected = self.node.handle().chain.store().output(output.l2BlockNumber).await.unwrap().unwrap();
            assert_eq!(output.outputRoot, expected.root(), "output {index} at L2 block {}", output.l2BlockNumber);
        }
        count as usize
    }
}

/// Calls an Anvil method.
pub(crate) async fn anvil_call<R: serde::de::DeserializeOwned + std::fmt::Debug + Send + Sync + Unpin + 'static>(
    provider: &impl Provider,
    method: &'static str,
    params: serde_json::Value,
) -> R {
    provider.raw_request(method.into(), params).await.unwrap_or_else(|err| panic!("{method}: {err}"))
}
