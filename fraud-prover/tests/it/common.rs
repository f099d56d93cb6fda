//! A test rollup: Anvil with the contracts, a sequencer following it, the batcher and a
//! verifier, with helpers to drive them until L1 holds everything.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::{BlockNumberOrTag, eip2718::Encodable2718},
    network::TxSignerSync,
    node_bindings::AnvilInstance,
    providers::{Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use alloy_primitives::{Address, Bytes, U256};
use batcher::{Batcher, BatcherConfig, BatcherMetrics, DataAvailability};
use fraud_prover::{Verifier, VerifierConfig, VerifierMetrics};
use rollup_core::{
    dev_signers,
    test_utils::{Builder, Op},
};
use rollup_derive::L2Chain;
use rollup_l1::{Deployment, test_utils::deploy_rollup};
use sequencer::test_utils::TestNode;
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use storage::Store;
use test_support::anvil;

/// Anvil, the deployed contracts and a sequencer following them.
pub(crate) struct Rollup {
    pub(crate) l1: AnvilInstance,
    pub(crate) node: TestNode,
    pub(crate) deployment: Deployment,
    pub(crate) batcher_metrics: BatcherMetrics,
}

impl Rollup {
    /// Starts the rollup; with `skip_deposits` the sequencer leaves deposits out.
    pub(crate) async fn start(skip_deposits: bool) -> Self {
        let l1 = anvil();
        let deployment = deploy_rollup(&l1).await;
        let node = TestNode::start_following(&l1.endpoint(), &deployment, skip_deposits).await;
        Self { l1, node, deployment, batcher_metrics: BatcherMetrics::new() }
    }

    /// A batcher posting calldata at once, proposing every `proposal_interval` blocks.
    pub(crate) async fn batcher(&self, proposal_interval: Option<u64>) -> Batcher {
        let d = &self.deployment;
        let mut config = BatcherConfig::new(self.l1.endpoint(), d.batch_inbox, d.output_oracle, 42069);
        config.data_availability = DataAvailability::Calldata;
        config.max_channel_age = Duration::ZERO;
        config.confirmations = 1;
        config.poll_interval = Duration::from_millis(100);
        config.proposal_interval = proposal_interval;
        let store = self.node.handle().chain.store().clone();
        Batcher::new(config, store, dev_signers()[0].clone(), None, self.batcher_metrics.clone())
            .await
            .expect("batcher")
    }

    /// A verifier of this rollup with its own in-memory database.
    pub(crate) async fn verifier(&self) -> Verifier {
        self.verifier_with(VerifierMetrics::new()).await
    }

    /// A verifier reporting to `metrics`.
    pub(crate) async fn verifier_with(&self, metrics: VerifierMetrics) -> Verifier {
        verifier_from(self.verifier_config(), metrics).await
    }

    /// The verifier's settings: the sequencer's genesis, the parallel executor, polling L1
    /// every 100 ms.
    pub(crate) fn verifier_config(&self) -> VerifierConfig {
        let genesis = self.node.handle().chain.genesis().clone();
        let executor = Arc::new(executor::ParallelExecutor::default());
        let mut config = VerifierConfig::new(self.l1.endpoint(), self.deployment.clone(), genesis, executor);
        config.poll_interval = Duration::from_millis(100);
        config
    }

    pub(crate) fn l1_provider(&self) -> impl Provider + Clone {
        ProviderBuilder::new().connect_http(self.l1.endpoint_url())
    }

    pub(crate) async fn l2_head(&self) -> u64 {
        self.node.handle().chain.store().head_number().await.unwrap().unwrap()
    }

    /// Mines an L1 block (so confirmations and origins advance).
    pub(crate) async fn mine_l1(&self) {
        let _: serde_json::Value = self.l1_provider().raw_request("evm_mine".into(), ()).await.unwrap();
    }

    /// Waits until the sequencer's L1 origin is the L1 head, so that it seals no more blocks
    /// on its own until L1 moves.
    pub(crate) async fn settle(&self) {
        let started = Instant::now();
        loop {
            let l1_head = self.l1_provider().get_block_number().await.unwrap();
            let origin = self.node.handle().chain.store().l1_origin(self.l2_head().await).await.unwrap().unwrap();
            if origin.number == l1_head {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "sequencer origin stuck at {}", origin.number);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends signed transactions to the sequencer and waits until its pool is empty.
    pub(crate) async fn send(&self, txs: &[TxEnvelope]) {
        let l2 = ProviderBuilder::new().connect_http(self.node.url().parse().unwrap());
        for tx in txs {
            let _pending = l2.send_raw_transaction(&tx.encoded_2718()).await.expect("accepted");
        }
        let started = Instant::now();
        while !self.node.handle().chain.pool().is_empty() {
            assert!(started.elapsed() < Duration::from_secs(60), "transactions not included");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs the batcher until every L2 block sealed so far is confirmed on L1 and, with
    /// proposals, the output at or after `proposed_through` is proposed. Returns the last
    /// block it waited for (the sequencer seals more as L1 moves).
    pub(crate) async fn post_all(&self, batcher: &mut Batcher, proposed_through: Option<u64>) -> u64 {
        let head = self.l2_head().await;
        let metrics = &self.batcher_metrics;
        let started = Instant::now();
        loop {
            batcher.step().await.expect("batcher step");
            let posted = metrics.last_confirmed_block.get() as u64 >= head;
            let proposed = proposed_through.is_none_or(|block| metrics.last_proposed_block.get() as u64 >= block);
            if posted && proposed {
                return head;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "batcher did not post block {head}");
            self.mine_l1().await;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the sequencer's block `tag` (`safe`, `finalized`) is at least `number`.
    pub(crate) async fn wait_for_tag(&self, tag: &str, number: u64) {
        let l2 = ProviderBuilder::new().connect_http(self.node.url().parse().unwrap());
        let tag: BlockNumberOrTag = tag.parse().unwrap();
        let started = Instant::now();
        loop {
            let block = l2.get_block_by_number(tag).await.unwrap().expect("the tagged block exists");
            if block.header.number >= number {
                return;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "{tag} head stuck at {}", block.header.number);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Runs verifier steps until derivation reaches L2 block `through`.
    pub(crate) async fn derive_through(&self, verifier: &mut Verifier, through: u64) {
        let started = Instant::now();
        while verifier.chain().head().number() < through {
            verifier.step().await.expect("verifier step");
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "derivation stuck at {} (want {through})",
                verifier.chain().head().number()
            );
        }
        verifier.step().await.expect("verifier step");
    }

    /// Checks that every derived block up to `through` equals the sequencer's.
    pub(crate) async fn assert_derived_equals_sequenced(&self, verifier: &Verifier, through: u64) {
        let store = &self.node.handle().chain.store();
        for number in 0..=through {
            let derived = verifier.chain().output(number).expect("derived");
            let sequenced = store.output(number).await.unwrap().expect("sequenced");
            assert_eq!(derived, sequenced, "block {number}");
        }
    }
}

/// A verifier with `config`, its own in-memory database and `metrics`.
pub(crate) async fn verifier_from(config: VerifierConfig, metrics: VerifierMetrics) -> Verifier {
    let store = Store::connect("sqlite::memory:").await.expect("verifier database");
    let store = store.verifier();
    Verifier::new(config, store, metrics).await.expect("verifier")
}

/// `count` signed transactions mixing ETH transfers, deployments, storage writes, calls,
/// self-destructs and EIP-7702 delegations (of dev account 9) from dev accounts 1..=8.
pub(crate) fn mixed_transactions(builder: &mut Builder, count: usize) -> Vec<TxEnvelope> {
    (0..count)
        .map(|i| {
            let from = 1 + i % 8;
            let op = match i % 10 {
                0 => Op::Deploy { from },
                1 | 2 => Op::Store { from, contract: i, slot: (i % 5) as u8, value: i as u8, starved: i % 30 == 1 },
                3 => Op::Erc20 { from, to: i % 40, amount: 3 },
                4 if i % 40 == 4 => Op::CreateAndDestroy { from, value: 5 },
                5 if i % 50 == 5 => Op::Delegate { from, authority: 9, contract: i, valid: true },
                _ => Op::Transfer { from, to: i % 40, value: 1_000 + i as u64 },
            };
            builder.tx(&op).into_inner()
        })
        .collect()
}

/// A signed ETH transfer on the test chain.
pub(crate) fn transfer(from: &PrivateKeySigner, nonce: u64, to: Address, value: u64) -> TxEnvelope {
    sign(from, TxEip1559 { nonce, gas_limit: 21_000, to: to.into(), value: U256::from(value), ..Default::default() })
}

/// A signed call (or transfer) on the test chain, with gas for a contract.
pub(crate) fn call(from: &PrivateKeySigner, nonce: u64, to: Address, value: U256, input: Bytes) -> TxEnvelope {
    sign(from, TxEip1559 { nonce, gas_limit: 200_000, to: to.into(), value, input, ..Default::default() })
}

/// `tx` on the test chain (chain id and fees filled in), signed by `from`.
fn sign(from: &PrivateKeySigner, tx: TxEip1559) -> TxEnvelope {
    let mut tx = TxEip1559 { chain_id: 42069, max_fee_per_gas: 20_000_000_000, max_priority_fee_per_gas: 1, ..tx };
    let signature = from.sign_transaction_sync(&mut tx).unwrap();
    TxEnvelope::from(tx.into_signed(signature))
}
