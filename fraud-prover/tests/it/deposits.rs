//! Deposits through derivation: an L1 deposit is derived into the L2 chain exactly as the
//! sequencer included it, also from an L1 block that sold its whole deposit gas budget, and a
//! sequencer that leaves one out is caught.

use crate::common::{Rollup, mixed_transactions, verifier_from};
use alloy::{
    network::EthereumWallet,
    providers::{Provider, ProviderBuilder},
};
use alloy_primitives::{Address, Bytes, U256, utils::parse_ether};
use batcher::Batcher;
use fraud_prover::VerifierMetrics;
use rollup_core::{StateReader, deposit::L2Envelope, dev_signers, test_utils::Builder};
use rollup_derive::L2Chain;
use rollup_l1::{DEPOSIT_GAS_PER_L1_BLOCK, Portal};
use std::time::{Duration, Instant};

const RECIPIENT: Address = Address::repeat_byte(0xD0);

/// Deposits `value` to [`RECIPIENT`] from dev account 5; returns the L1 block it landed in.
async fn deposit(rollup: &Rollup, value: U256) -> u64 {
    let wallet = EthereumWallet::from(dev_signers()[5].clone());
    let provider = ProviderBuilder::new().wallet(wallet).connect_http(rollup.l1.endpoint_url());
    let portal = Portal::new(rollup.deployment.portal, &provider);
    let call = portal.depositTransaction(RECIPIENT, value, 100_000, false, Bytes::new()).value(value);
    let receipt = call.send().await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status());
    receipt.block_number.unwrap()
}

/// Seals L2 blocks (one transaction each) until the sequencer's origin passes `l1_block`.
async fn sequence_past(rollup: &Rollup, builder: &mut Builder, l1_block: u64) {
    let started = Instant::now();
    loop {
        let head = rollup.l2_head().await;
        let origin = rollup.node.handle().chain.store().l1_origin(head).await.unwrap().unwrap();
        if origin.number > l1_block {
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "origin stuck at {}", origin.number);
        rollup.mine_l1().await;
        rollup.send(&mixed_transactions(builder, 1)).await;
    }
}

fn balance(state: &impl StateReader) -> U256 {
    state.account(RECIPIENT).map(|info| info.balance).unwrap_or_default()
}

/// A rollup that sealed a few blocks, saw a deposit of `ether` to [`RECIPIENT`] on L1 and
/// sealed blocks until its origin passed it; proposals every `interval` blocks.
struct Deposited {
    rollup: Rollup,
    builder: Builder,
    batcher: Batcher,
    l1_block: u64,
    head: u64,
}

async fn deposited(skip_deposits: bool, ether: &str, interval: u64) -> Deposited {
    let rollup = Rollup::start(skip_deposits).await;
    let mut builder = Builder::default();
    let batcher = rollup.batcher(Some(interval)).await;
    rollup.send(&mixed_transactions(&mut builder, 6)).await;
    let l1_block = deposit(&rollup, parse_ether(ether).unwrap()).await;
    sequence_past(&rollup, &mut builder, l1_block).await;
    let head = rollup.l2_head().await;
    Deposited { rollup, builder, batcher, l1_block, head }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deposit_is_derived() {
    let Deposited { rollup, mut batcher, head, .. } = deposited(false, "2", 2).await;
    assert_eq!(balance(&rollup.node.handle().chain.read_state().await.world), parse_ether("2").unwrap());
    rollup.post_all(&mut batcher, Some(head / 2 * 2)).await;

    let mut verifier = rollup.verifier().await;
    rollup.derive_through(&mut verifier, head).await;
    rollup.assert_derived_equals_sequenced(&verifier, head).await;
    assert_eq!(balance(verifier.chain().world()), parse_ether("2").unwrap());
    assert!(verifier.store().verdicts(false).await.unwrap().iter().all(|v| v.agrees));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skipped_deposit_is_caught() {
    let Deposited { rollup, mut builder, mut batcher, l1_block, head } = deposited(true, "3", 1).await;
    assert_eq!(balance(&rollup.node.handle().chain.read_state().await.world), U256::ZERO, "the deposit was skipped");
    rollup.post_all(&mut batcher, Some(head)).await;

    let mut verifier = rollup.verifier().await;
    rollup.derive_through(&mut verifier, head).await;
    assert_eq!(balance(verifier.chain().world()), parse_ether("3").unwrap(), "derivation includes the deposit");
    let store = &rollup.node.handle().chain.store();
    let mut first_skipping = None;
    for number in 1..=head {
        if store.l1_origin(number).await.unwrap().unwrap().number == l1_block {
            first_skipping.get_or_insert(number);
        }
    }
    let first_skipping = first_skipping.expect("a block has the deposit's origin");
    let verdicts = verifier.store().verdicts(false).await.unwrap();
    assert!(!verdicts.is_empty());
    for verdict in &verdicts {
        assert_eq!(verdict.agrees, verdict.l2_block < first_skipping, "{verdict:?}");
    }

    // The sequencer's next batch builds on its own block, which derivation never produced.
    rollup.send(&mixed_transactions(&mut builder, 1)).await;
    rollup.post_all(&mut batcher, None).await;
    for _ in 0..5 {
        verifier.step().await.unwrap();
    }
    let drops = verifier.store().drops(10).await.unwrap();
    assert!(drops.iter().any(|drop| drop.kind == "parent_mismatch"), "{drops:?}");
    assert_eq!(verifier.chain().world().account(RECIPIENT).unwrap().balance, parse_ether("3").unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_sequencer_cannot_hold_deposits_back() {
    const WINDOW: u64 = 4;
    let rollup = Rollup::start(false).await;
    let l1_block = deposit(&rollup, parse_ether("4").unwrap()).await;
    // The batcher never runs: nothing of the L2 reaches L1. Once L1 is a sequencing window past
    // the deposit, derivation builds deposit-only blocks itself.
    for _ in 0..WINDOW + 2 {
        rollup.mine_l1().await;
    }
    let mut config = rollup.verifier_config();
    config.genesis.config.sequencing_window = WINDOW;
    let metrics = VerifierMetrics::new();
    let mut verifier = verifier_from(config, metrics.clone()).await;
    verifier.step().await.unwrap();
    assert_eq!(balance(verifier.chain().world()), parse_ether("4").unwrap(), "the deposit is in the derived chain");
    let head = verifier.chain().head().number();
    let genesis_origin = rollup.deployment.l1_start_block;
    assert!(head >= l1_block - genesis_origin, "one forced block per L1 origin up to the deposit's: {head}");
    assert_eq!(metrics.forced_blocks.get(), head);
    assert!(verifier.store().drops(10).await.unwrap().is_empty());
}

/// One L1 block sells its whole deposit gas budget: three deposits buy 20M L2 gas and a fourth,
/// in the same L1 block, reverts on L1 with the budget's error. The sequencer includes the
/// three in one L2 block, and derivation builds the same block.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_l1_block_full_of_deposits_is_derived_alike() {
    let rollup = Rollup::start(false).await;
    let mut builder = Builder::default();
    let mut batcher = rollup.batcher(Some(1)).await;
    let l1 = rollup.l1_provider();
    let _: () = l1.raw_request("evm_setAutomine".into(), (false,)).await.unwrap();
    let mut pending = Vec::new();
    for (key, gas_limit) in [(5, 8_000_000u64), (6, 8_000_000), (7, 4_000_000), (8, 21_000)] {
        let wallet = EthereumWallet::from(dev_signers()[key].clone());
        let provider = ProviderBuilder::new().wallet(wallet).connect_http(rollup.l1.endpoint_url());
        let portal = Portal::new(rollup.deployment.portal, &provider);
        let value = parse_ether("1").unwrap();
        // Gas for the burn (about the L2 gas at an L1 base fee at or below 1 gwei) and the rest.
        let call = portal.depositTransaction(RECIPIENT, value, gas_limit, false, Bytes::new()).value(value);
        let sent = call.gas(gas_limit + 200_000).send().await.unwrap();
        pending.push(sent);
    }
    let _: serde_json::Value = l1.raw_request("evm_mine".into(), ()).await.unwrap();
    let _: () = l1.raw_request("evm_setAutomine".into(), (true,)).await.unwrap();
    let mut receipts = Vec::new();
    for sent in pending {
        receipts.push(sent.get_receipt().await.unwrap());
    }
    let portal = Portal::new(rollup.deployment.portal, &l1);
    assert_eq!(portal.MAX_RESOURCE_LIMIT().call().await.unwrap(), DEPOSIT_GAS_PER_L1_BLOCK);
    let statuses: Vec<bool> = receipts.iter().map(|receipt| receipt.status()).collect();
    assert_eq!(statuses, [true, true, true, false], "the fourth exceeds the L1 block's budget");
    let l1_block = receipts[0].block_number.unwrap();
    assert!(receipts.iter().all(|receipt| receipt.block_number == Some(l1_block)), "one L1 block");

    sequence_past(&rollup, &mut builder, l1_block).await;
    assert_eq!(balance(&rollup.node.handle().chain.read_state().await.world), parse_ether("3").unwrap());
    let store = rollup.node.handle().chain.store().clone();
    let mut with_deposits = None;
    for number in 1..=rollup.l2_head().await {
        let txs = store.block_transactions(number).await.unwrap();
        let deposits = txs.iter().filter(|tx| matches!(tx.tx, L2Envelope::Other(_))).count();
        if deposits > 1 {
            assert_eq!(deposits, 4, "the L1 attributes and the three deposits in one block");
            with_deposits = Some(number);
        }
    }
    assert!(with_deposits.is_some(), "the deposits were included");

    let head = rollup.l2_head().await;
    rollup.post_all(&mut batcher, Some(head)).await;
    let mut verifier = rollup.verifier().await;
    rollup.derive_through(&mut verifier, head).await;
    rollup.assert_derived_equals_sequenced(&verifier, head).await;
    assert_eq!(balance(verifier.chain().world()), parse_ether("3").unwrap());
    assert!(verifier.store().verdicts(false).await.unwrap().iter().all(|v| v.agrees));

    // The refused deposit goes through in a later L1 block: only the budget stopped it.
    let wallet = EthereumWallet::from(dev_signers()[8].clone());
    let provider = ProviderBuilder::new().wallet(wallet).connect_http(rollup.l1.endpoint_url());
    let portal = Portal::new(rollup.deployment.portal, &provider);
    let value = parse_ether("1").unwrap();
    let call = portal.depositTransaction(RECIPIENT, value, 21_000, false, Bytes::new()).value(value);
    assert!(call.gas(221_000).send().await.unwrap().get_receipt().await.unwrap().status());
}
