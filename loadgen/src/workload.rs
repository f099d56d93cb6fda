//! Accounts, signing, setup (funding, token deployment) and the timed load itself.

use crate::{
    rpc::{Rpc, send_raw_body},
    stats::Outcome,
};
use alloy::{
    consensus::{SignableTransaction as _, TxEip1559, TxEnvelope},
    eips::Encodable2718 as _,
    primitives::{Address, B256, Bytes, TxKind, U256, keccak256},
    signers::{
        SignerSync as _,
        local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English},
    },
    sol,
    sol_types::{SolCall as _, SolValue as _},
};
use anyhow::{Context as _, bail, ensure};
use serde_json::json;
use std::time::{Duration, Instant};

sol! {
    /// ERC-20 `transfer`.
    function transfer(address to, uint256 value) returns (bool);
}

/// Mnemonic of the standard dev accounts (Anvil's and the sequencer's genesis).
const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";
/// ETH given to each sender before the load.
const SENDER_FUNDING: u128 = 100 * 10u128.pow(18);
/// Tokens minted to the deployer, and given to each sender.
const TOKEN_SUPPLY: u128 = 10u128.pow(30);
/// Tokens given to each sender.
const SENDER_TOKENS: u128 = 10u128.pow(24);
/// How long setup transactions may take to be included.
const SETUP_TIMEOUT: Duration = Duration::from_secs(60);
/// Most calls in one JSON-RPC batch (below the sequencer's default limit of 1000).
const BATCH: usize = 200;
/// The `type` of deposit transactions in blocks (OP Stack's 0x7e).
const DEPOSIT_TX_TYPE: &str = "0x7e";

/// The kind of transaction a workload sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Workload {
    /// Plain ETH transfers to fresh addresses.
    Eth,
    /// ERC-20 `transfer`s to fresh addresses.
    Erc20,
}

impl Workload {
    /// Name in the report.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Eth => "ETH transfer",
            Self::Erc20 => "ERC-20 transfer",
        }
    }
}

/// Load parameters shared by all runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LoadConfig {
    /// Transactions per run.
    pub(crate) txs: usize,
    /// Concurrent `eth_sendRawTransaction` requests.
    pub(crate) concurrency: usize,
    /// Bound on one run (sending plus waiting for inclusion).
    pub(crate) timeout: Duration,
}

/// A signing key with a locally tracked next nonce.
#[derive(Debug)]
pub(crate) struct Account {
    /// The key.
    signer: PrivateKeySigner,
    /// Next nonce to use.
    pub(crate) nonce: u64,
}

impl Account {
    /// Account of `signer`, nonce to be synced from the node.
    fn new(signer: PrivateKeySigner) -> Self {
        Self { signer, nonce: 0 }
    }

    /// Its address.
    pub(crate) fn address(&self) -> Address {
        self.signer.address()
    }

    /// Signs an EIP-1559 transaction with the next nonce; returns its hash and encoding.
    pub(crate) fn sign(
        &mut self,
        chain_id: u64,
        fees: Fees,
        to: TxKind,
        value: U256,
        input: Bytes,
        gas_limit: u64,
    ) -> anyhow::Result<(B256, Vec<u8>)> {
        let tx = TxEip1559 {
            chain_id,
            nonce: self.nonce,
            gas_limit,
            max_fee_per_gas: fees.max_fee,
            max_priority_fee_per_gas: fees.tip,
            to,
            value,
            input,
            access_list: Default::default(),
        };
        let signature = self.signer.sign_hash_sync(&tx.signature_hash())?;
        let signed = tx.into_signed(signature);
        let hash = *signed.hash();
        self.nonce += 1;
        Ok((hash, TxEnvelope::from(signed).encoded_2718()))
    }
}

/// Fee caps of the transactions sent to one node.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fees {
    /// `maxFeePerGas`: twice the node's `eth_gasPrice`, so base-fee rises do not strand txs.
    max_fee: u128,
    /// `maxPriorityFeePerGas`: the node's suggestion.
    tip: u128,
}

impl Fees {
    /// Fees suggested by the node behind `rpc`.
    pub(crate) async fn suggested(rpc: &Rpc) -> anyhow::Result<Self> {
        let (price, tip) = rpc.fees().await?;
        let max_fee = price.saturating_mul(2).max(1);
        Ok(Self { max_fee, tip: tip.min(max_fee) })
    }
}

/// A node under load, with the accounts used on it.
#[derive(Debug)]
pub(crate) struct Target {
    /// Name in the report ("sequencer", "anvil").
    pub(crate) name: &'static str,
    /// Client used for setup and for the load.
    pub(crate) rpc: Rpc,
    /// Chain id of the node.
    pub(crate) chain_id: u64,
    /// The standard dev accounts (funded at genesis).
    dev: Vec<Account>,
    /// The load's sender accounts.
    pub(crate) senders: Vec<Account>,
    /// The deployed ERC-20, once the ERC-20 workload has been prepared.
    pub(crate) token: Option<Address>,
}

impl Target {
    /// Connects to the node at `url` and funds `senders` fresh accounts from the dev
    /// accounts.
    pub(crate) async fn setup(
        name: &'static str,
        url: &str,
        senders: usize,
        concurrency: usize,
    ) -> anyhow::Result<Self> {
        let rpc = Rpc::new(url, concurrency)?;
        let chain_id = rpc.chain_id().await?;
        let mut target = Self {
            name,
            rpc,
            chain_id,
            dev: dev_keys()?.into_iter().map(Account::new).collect(),
            senders: sender_keys(senders)?.into_iter().map(Account::new).collect(),
            token: None,
        };
        target.sync_nonces().await?;
        let fees = Fees::suggested(&target.rpc).await?;
        let mut txs = Vec::new();
        let dev_count = target.dev.len();
        for (i, sender) in target.senders.iter().enumerate() {
            let funder = &mut target.dev[i % dev_count];
            let to = TxKind::Call(sender.address());
            let value = U256::from(SENDER_FUNDING);
            txs.push(funder.sign(chain_id, fees, to, value, Bytes::new(), 21_000)?);
        }
        target.submit_and_wait(txs).await.context("funding senders")?;
        Ok(target)
    }

    /// Deploys the ERC-20 (creation code `initcode`) from the first dev account and gives
    /// every sender tokens.
    pub(crate) async fn setup_token(&mut self, initcode: &[u8]) -> anyhow::Result<()> {
        let fees = Fees::suggested(&self.rpc).await?;
        let args = ("Load".to_owned(), "LOAD".to_owned(), U256::from(TOKEN_SUPPLY));
        let input = [initcode, &args.abi_encode_params()].concat();
        let deploy = self.dev[0].sign(self.chain_id, fees, TxKind::Create, U256::ZERO, input.into(), 3_000_000)?;
        let receipts = self.submit_and_wait(vec![deploy]).await.context("deploying the ERC-20")?;
        let token: Address = serde_json::from_value(receipts[0]["contractAddress"].clone())
            .context("deployment receipt has no contractAddress")?;
        let mut txs = Vec::new();
        for i in 0..self.senders.len() {
            let input = transferCall { to: self.senders[i].address(), value: U256::from(SENDER_TOKENS) }.abi_encode();
            let tx = self.dev[0].sign(self.chain_id, fees, TxKind::Call(token), U256::ZERO, input.into(), 100_000)?;
            txs.push(tx);
        }
        self.submit_and_wait(txs).await.context("giving senders tokens")?;
        self.token = Some(token);
        Ok(())
    }

    /// Whether the ERC-20 is deployed ([`Self::setup_token`]).
    pub(crate) fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// Reads every account's pending nonce from the node.
    pub(crate) async fn sync_nonces(&mut self) -> anyhow::Result<()> {
        for account in self.dev.iter_mut().chain(self.senders.iter_mut()) {
            account.nonce = self.rpc.nonce(account.address(), "pending").await?;
        }
        Ok(())
    }

    /// Waits (at most `timeout`) until no sender has a pending transaction, so that a run
    /// that timed out cannot leak transactions into the next one's blocks.
    pub(crate) async fn wait_idle(&self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        for sender in &self.senders {
            let address = sender.address();
            while self.rpc.nonce(address, "latest").await? < self.rpc.nonce(address, "pending").await? {
                ensure!(Instant::now() < deadline, "{}: transactions of the previous run still pending", self.name);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Ok(())
    }

    /// Sends setup transactions one by one and waits for their successful receipts.
    async fn submit_and_wait(&self, txs: Vec<(B256, Vec<u8>)>) -> anyhow::Result<Vec<serde_json::Value>> {
        for (i, (_, raw)) in txs.iter().enumerate() {
            self.rpc
                .send_raw(send_raw_body(i, raw))
                .await
                .map_err(|e| anyhow::anyhow!("eth_sendRawTransaction: {e}"))?;
        }
        let deadline = Instant::now() + SETUP_TIMEOUT;
        let mut receipts = Vec::with_capacity(txs.len());
        for (hash, _) in &txs {
            let receipt = loop {
                if let Some(receipt) = self.rpc.receipt(*hash).await? {
                    break receipt;
                }
                if Instant::now() > deadline {
                    bail!("{hash} not included within {SETUP_TIMEOUT:?}");
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            };
            ensure!(receipt["status"] == "0x1", "{hash} failed: {receipt}");
            receipts.push(receipt);
        }
        Ok(receipts)
    }

    /// Gas limit for the transactions of `workload`: the node's estimate plus 30 %.
    pub(crate) async fn gas_limit(&self, workload: Workload) -> anyhow::Result<u64> {
        let sender = &self.senders[0];
        let (to, value, input) = workload_call(workload, self.token, fresh_recipient(sender))?;
        let request = json!({"from": sender.address(), "to": to.to(), "value": value, "input": input});
        let estimate: U256 = self.rpc.call("eth_estimateGas", json!([request])).await?;
        Ok(estimate.to::<u64>() * 13 / 10)
    }

    /// Signs `txs` transactions of `workload`, dealt round-robin to the senders; returns,
    /// per sender, its request bodies in nonce order.
    async fn sign_load(&mut self, workload: Workload, txs: usize) -> anyhow::Result<Vec<Vec<String>>> {
        let fees = Fees::suggested(&self.rpc).await?;
        self.sync_nonces().await?;
        let mut load = vec![Vec::new(); self.senders.len()];
        let gas_limit = self.gas_limit(workload).await?;
        let chain_id = self.chain_id;
        let k = self.senders.len();
        for j in 0..txs {
            let sender = &mut self.senders[j % k];
            let (to, value, input) = workload_call(workload, self.token, fresh_recipient(sender))?;
            let (_, raw) = sender.sign(chain_id, fees, to, value, input, gas_limit)?;
            load[j % k].push(send_raw_body(j, &raw));
        }
        Ok(load)
    }

    /// Runs the timed load: sends the pre-signed transactions with `config.concurrency`
    /// requests in flight, waits until they are included, and measures.
    ///
    /// Each sender belongs to one worker, which sends its transactions in nonce order, so
    /// a node never has to hold back a nonce gap.
    pub(crate) async fn run(&mut self, workload: Workload, config: LoadConfig) -> anyhow::Result<Outcome> {
        self.wait_idle(config.timeout).await?;
        let load = self.sign_load(workload, config.txs).await?;
        let workers = config.concurrency.min(load.len());
        let mut shares = vec![Vec::new(); workers];
        for (s, bodies) in load.into_iter().enumerate() {
            shares[s % workers].push(bodies);
        }
        let start_block = self.rpc.block_number().await?;
        let started = Instant::now();
        let deadline = started + config.timeout;
        let mut workers = tokio::task::JoinSet::new();
        for share in shares {
            workers.spawn(send_share(self.rpc.clone(), share, deadline));
        }
        let (mut latencies, mut errors, mut expected) = (Vec::with_capacity(config.txs), Vec::new(), 0);
        while let Some(report) = workers.join_next().await {
            let report = report?;
            latencies.extend(report.latencies);
            errors.extend(report.errors);
            expected += report.includable;
        }
        let send_time = started.elapsed();

        // Included = in a block the node serves; nothing else is sent meanwhile, so every
        // transaction of a new block but its deposits is one of ours.
        let mut blocks = BlockTally { next: start_block + 1, txs: 0, gas: 0 };
        loop {
            blocks.advance(&self.rpc).await?;
            if blocks.txs >= expected || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let total_time = started.elapsed();
        Ok(Outcome {
            workload: workload.name(),
            target: self.name,
            sent: latencies.len(),
            errors,
            included: blocks.txs,
            blocks: blocks.next - start_block - 1,
            gas_used: blocks.gas,
            send_time,
            total_time,
            latencies,
            timed_out: blocks.txs < expected || Instant::now() > deadline,
        })
    }
}

/// Running totals over the blocks produced during a run.
#[derive(Debug)]
struct BlockTally {
    /// Next block to read.
    next: u64,
    /// Transactions in the blocks read so far.
    txs: u64,
    /// Gas used by them.
    gas: u64,
}

impl BlockTally {
    /// Reads the blocks up to the node's current head.
    async fn advance(&mut self, rpc: &Rpc) -> anyhow::Result<()> {
        let head = rpc.block_number().await?;
        while self.next <= head {
            let numbers = self.next..=head.min(self.next + BATCH as u64 - 1);
            // Full transactions, to leave out deposits (the L1 attributes deposit opens every
            // sequencer block): only the load's transactions count.
            let calls: Vec<_> = numbers.map(|n| ("eth_getBlockByNumber", json!([U256::from(n), true]))).collect();
            for block in rpc.batch(&calls).await? {
                let used: U256 = serde_json::from_value(block["gasUsed"].clone()).context("block without gasUsed")?;
                self.gas += used.to::<u64>();
                let txs = block["transactions"].as_array().map_or(&[][..], Vec::as_slice);
                self.txs += txs.iter().filter(|tx| tx["type"] != DEPOSIT_TX_TYPE).count() as u64;
                self.next += 1;
            }
        }
        Ok(())
    }
}

/// A fresh recipient for the next transaction of `sender` (also across rounds): each transfer
/// creates an account or a token balance, as a transfer to a new user does.
pub(crate) fn fresh_recipient(sender: &Account) -> Address {
    Address::from_word(keccak256(format!("loadgen {} {}", sender.address(), sender.nonce)))
}

/// Destination, value and input of a `workload` transaction to `to` (`token`: the ERC-20).
pub(crate) fn workload_call(
    workload: Workload,
    token: Option<Address>,
    to: Address,
) -> anyhow::Result<(TxKind, U256, Bytes)> {
    match (workload, token) {
        (Workload::Eth, _) => Ok((TxKind::Call(to), U256::from(1), Bytes::new())),
        (Workload::Erc20, Some(token)) => {
            let input = transferCall { to, value: U256::from(1) }.abi_encode();
            Ok((TxKind::Call(token), U256::ZERO, input.into()))
        }
        (Workload::Erc20, None) => Err(anyhow::anyhow!("the ERC-20 is not deployed")),
    }
}

/// The ten standard dev keys.
fn dev_keys() -> anyhow::Result<Vec<PrivateKeySigner>> {
    (0..10).map(|i| Ok(MnemonicBuilder::<English>::default().phrase(DEV_MNEMONIC).index(i)?.build()?)).collect()
}

/// `count` fresh keys, derived deterministically so runs are reproducible.
fn sender_keys(count: usize) -> anyhow::Result<Vec<PrivateKeySigner>> {
    (0..count).map(|i| Ok(PrivateKeySigner::from_bytes(&keccak256(format!("loadgen sender {i}")))?)).collect()
}

/// What one send worker did.
#[derive(Debug, Default)]
struct SendReport {
    /// Round trip of each `eth_sendRawTransaction`.
    latencies: Vec<Duration>,
    /// Error messages of rejected sends.
    errors: Vec<String>,
    /// Accepted transactions that can be included: those before any failure of their
    /// sender.
    includable: u64,
}

/// Sends the transactions of some senders (each one's request bodies in nonce order), one
/// request at a time, round-robin over the senders, until done or `deadline`. A sender
/// whose transaction is rejected stops (its later nonces could not be included).
async fn send_share(rpc: Rpc, share: Vec<Vec<String>>, deadline: Instant) -> SendReport {
    let mut report = SendReport::default();
    let mut stopped = vec![false; share.len()];
    let rounds = share.iter().map(Vec::len).max().unwrap_or(0);
    for round in 0..rounds {
        for (i, bodies) in share.iter().enumerate() {
            let Some(body) = bodies.get(round).filter(|_| !stopped[i]) else { continue };
            if Instant::now() > deadline {
                return report;
            }
            let sent = Instant::now();
            let result = rpc.send_raw(body.clone()).await;
            report.latencies.push(sent.elapsed());
            match result {
                Ok(()) => report.includable += 1,
                Err(err) => {
                    report.errors.push(err);
                    stopped[i] = true;
                }
            }
        }
    }
    report
}
