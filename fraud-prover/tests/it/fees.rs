//! Fees that pay for L1 on an honest rollup: the owner changes the fee scalars and the batcher
//! on L1, the change reaches the L2 with the next L1 origin, the transactions after it pay by
//! the new scalars, and the verifier derives the same chain (every block's L1 attributes
//! included) from L1 alone; a fee vault's balance is withdrawn to its L1 recipient.

use crate::common::{Rollup, call, mixed_transactions};
use alloy::{
    eips::eip2718::Encodable2718,
    network::EthereumWallet,
    providers::{Provider, ProviderBuilder},
    sol,
    sol_types::{SolCall, SolEvent, SolValue},
};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256, utils::parse_ether};
use rollup_core::{
    MESSAGE_PASSER_ADDRESS, dev_signers,
    fees::{BASE_FEE_VAULT, L1_BLOCK_ADDRESS, SystemConfig as FeeConfig, l1_cost, signing_payload},
    test_utils::Builder,
};
use rollup_l1::{OutputOracle, Portal, SystemConfig, portal::Types};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fee_configuration_changed_on_l1_reaches_the_l2_and_the_verifier_agrees() {
    let rollup = Rollup::start(false).await;
    let mut builder = Builder::default();
    let mut batcher = rollup.batcher(Some(2)).await;
    rollup.send(&mixed_transactions(&mut builder, 20)).await;

    // The owner (dev account 0 in tests) sets new scalars and a new batcher on L1.
    let owner = ProviderBuilder::new()
        .wallet(EthereumWallet::from(dev_signers()[0].clone()))
        .connect_http(rollup.l1.endpoint_url());
    let system_config = SystemConfig::new(rollup.deployment.system_config, &owner);
    let batcher_address = Address::repeat_byte(0xBA);
    system_config.setBatcherHash(batcher_address.into_word()).send().await.unwrap().get_receipt().await.unwrap();
    system_config.setGasConfigEcotone(2_000_000, 0).send().await.unwrap().get_receipt().await.unwrap();
    let changed = FeeConfig { batcher: batcher_address, base_fee_scalar: 2_000_000, blob_base_fee_scalar: 0 };

    // The sequencer takes them with the L1 block that made them its origin.
    let l2 = ProviderBuilder::new().connect_http(rollup.node.url().parse().unwrap());
    let started = Instant::now();
    while l1_block_config(&l2).await != changed {
        assert!(started.elapsed() < Duration::from_secs(30), "the new fee configuration never reached the L2");
        rollup.mine_l1().await;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Transactions after the change pay by the new scalars, as their receipts say.
    let txs = mixed_transactions(&mut builder, 20);
    rollup.send(&txs).await;
    let tx = txs.iter().find(|tx| tx.tx_type() as u8 == 2).expect("an EIP-1559 transaction");
    let receipt: serde_json::Value = l2.raw_request("eth_getTransactionReceipt".into(), (tx.tx_hash(),)).await.unwrap();
    assert_eq!(receipt["l1BaseFeeScalar"], "0x1e8480");
    assert_eq!(receipt["l1BlobBaseFeeScalar"], "0x0");
    let l1 = rollup_core::fees::L1Attributes {
        timestamp: 0,
        base_fee: quantity(&receipt["l1GasPrice"]),
        blob_base_fee: quantity(&receipt["l1BlobBaseFee"]),
        system: changed,
    };
    let cost = l1_cost(&signing_payload(tx), &l1);
    assert_eq!(U256::from(quantity(&receipt["l1Fee"])), cost.fee, "{receipt}");
    assert!(cost.fee > U256::ZERO, "{} bytes pay an L1 fee", tx.encode_2718_len());

    // The verifier derives every block, their L1 attributes included, and agrees with every
    // output.
    let sealed = rollup.l2_head().await;
    let head = rollup.post_all(&mut batcher, Some(sealed / 2 * 2)).await;
    let mut verifier = rollup.verifier().await;
    rollup.derive_through(&mut verifier, head).await;
    rollup.assert_derived_equals_sequenced(&verifier, head).await;
    let verdicts = verifier.store().verdicts(false).await.unwrap();
    assert!(!verdicts.is_empty() && verdicts.iter().all(|verdict| verdict.agrees), "{verdicts:?}");
    assert!(verifier.store().drops(100).await.unwrap().is_empty(), "nothing dropped");
    rollup.wait_for_tag("safe", head).await;
}

/// The fee configuration in `L1Block` at the L2 head.
async fn l1_block_config(l2: &impl Provider) -> FeeConfig {
    let slot = |index: u64| async move {
        l2.get_storage_at(L1_BLOCK_ADDRESS, U256::from(index)).await.unwrap().to_be_bytes::<32>()
    };
    let (scalars, batcher) = (slot(3).await, slot(4).await);
    FeeConfig {
        batcher: Address::from_slice(&batcher[12..]),
        base_fee_scalar: u32::from_be_bytes(scalars[16..20].try_into().unwrap()),
        blob_base_fee_scalar: u32::from_be_bytes(scalars[20..24].try_into().unwrap()),
    }
}

/// A JSON-RPC quantity as a number.
fn quantity(value: &serde_json::Value) -> u128 {
    u128::from_str_radix(value.as_str().expect("a quantity").trim_start_matches("0x"), 16).expect("hex")
}

sol!(
    #[sol(rpc)]
    FeeVault,
    "../core/src/genesis/predeploys/FeeVault.abi.json"
);
sol!(L2ToL1MessagePasser, "../core/src/genesis/predeploys/L2ToL1MessagePasser.abi.json");

/// A fee vault's balance reaches its L1 recipient: anyone calls `withdraw()` on L2, the output
/// holding the withdrawal is proposed, and once the challenge window has passed the withdrawal
/// is finalized on the Portal with a proof of the message passer's storage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fee_vault_withdrawal_is_finalized_on_l1() {
    let rollup = Rollup::start(false).await;
    let mut batcher = rollup.batcher(Some(1)).await;
    let l1 = rollup.l1_provider();
    let l2 = ProviderBuilder::new().connect_http(rollup.node.url().parse().unwrap());

    // ETH bridged to L2 (so that the Portal holds what the withdrawal releases), fees paid into
    // the base fee vault, and a top-up past its minimum withdrawal amount.
    let depositor = ProviderBuilder::new()
        .wallet(EthereumWallet::from(dev_signers()[5].clone()))
        .connect_http(rollup.l1.endpoint_url());
    let bridged = parse_ether("1").unwrap();
    let portal = Portal::new(rollup.deployment.portal, &depositor);
    let deposit = portal.depositTransaction(Address::repeat_byte(0xD1), bridged, 100_000, false, Bytes::new());
    assert!(deposit.value(bridged).send().await.unwrap().get_receipt().await.unwrap().status());
    // The sequencer takes the deposit's L1 block as origin; L1 then holds still.
    rollup.settle().await;
    let top_up = parse_ether("0.02").unwrap();
    rollup.send(&[call(&dev_signers()[1], 0, BASE_FEE_VAULT, top_up, Bytes::new())]).await;
    let vault_balance = l2.get_balance(BASE_FEE_VAULT).await.unwrap();
    assert!(vault_balance > top_up, "the vault holds the top-up's base fee too");

    // Anyone may withdraw: the whole balance goes to the recipient through the message passer.
    let withdraw = FeeVault::withdrawCall {}.abi_encode();
    let tx = call(&dev_signers()[2], 0, BASE_FEE_VAULT, U256::ZERO, withdraw.into());
    rollup.send(std::slice::from_ref(&tx)).await;
    let receipt = l2.get_transaction_receipt(*tx.tx_hash()).await.unwrap().expect("the withdrawal is in a block");
    assert!(receipt.status());
    let passed = receipt
        .inner
        .logs()
        .iter()
        .find_map(|log| L2ToL1MessagePasser::MessagePassed::decode_log(&log.inner).ok())
        .expect("a MessagePassed event")
        .data;
    let recipient = rollup.deployment.config.owner;
    assert_eq!((passed.sender, passed.target, passed.value), (BASE_FEE_VAULT, recipient, vault_balance));
    // The proof of the withdrawal, at its block (still the head: L1 has not moved).
    let block = receipt.block_number.unwrap();
    assert_eq!(rollup.l2_head().await, block);
    let slot = keccak256((passed.withdrawalHash, U256::ZERO).abi_encode());
    let proof = l2.get_proof(MESSAGE_PASSER_ADDRESS, vec![slot]).block_id(block.into()).await.unwrap();
    let header = l2.get_block_by_number(block.into()).await.unwrap().expect("the block").header;
    // What is left is the withdrawing transaction's own base fee, credited after it ran.
    let own_base_fee = U256::from(receipt.gas_used) * U256::from(header.base_fee_per_gas.unwrap());
    assert_eq!(l2.get_balance(BASE_FEE_VAULT).await.unwrap(), own_base_fee);
    let vault = FeeVault::new(BASE_FEE_VAULT, &l2);
    assert_eq!(vault.totalProcessed().call().await.unwrap(), vault_balance);

    // The output of that block is proposed, final once the challenge window has passed.
    rollup.post_all(&mut batcher, Some(block)).await;
    let oracle = OutputOracle::new(rollup.deployment.output_oracle, &depositor);
    let next: u64 = oracle.nextOutputIndex().call().await.unwrap().to();
    let mut index = None;
    for candidate in 0..next {
        if oracle.getOutput(U256::from(candidate)).call().await.unwrap().l2BlockNumber == block {
            index = Some(candidate);
        }
    }
    let index = index.expect("an output for the withdrawal's block");
    let window: u64 = rollup.deployment.config.challenge_window;
    let _: serde_json::Value = l1.raw_request("evm_increaseTime".into(), (window + 1,)).await.unwrap();
    rollup.mine_l1().await;
    for output in 0..=index {
        oracle.finalizeOutput(U256::from(output)).send().await.unwrap().get_receipt().await.unwrap();
    }

    // Anyone finalizes the withdrawal; the recipient receives exactly the vault's balance.
    let withdrawal = Types::WithdrawalTransaction {
        nonce: passed.nonce,
        sender: passed.sender,
        target: passed.target,
        value: passed.value,
        gasLimit: passed.gasLimit,
        data: passed.data.clone(),
    };
    let output_proof = Types::OutputRootProof {
        version: B256::ZERO,
        stateRoot: header.state_root,
        messagePasserStorageRoot: proof.storage_hash,
        latestBlockhash: header.hash,
    };
    let before = l1.get_balance(recipient).await.unwrap();
    let finalize =
        portal.finalizeWithdrawal(withdrawal, U256::from(index), output_proof, proof.storage_proof[0].proof.clone());
    let finalized = finalize.send().await.unwrap().get_receipt().await.unwrap();
    assert!(finalized.status());
    let event = finalized
        .inner
        .logs()
        .iter()
        .find_map(|log| Portal::WithdrawalFinalized::decode_log(&log.inner).ok())
        .expect("a WithdrawalFinalized event");
    assert!(event.success);
    assert_eq!(l1.get_balance(recipient).await.unwrap(), before + vault_balance);
}

/// A genesis whose L1 attributes are not its origin's would make the verifier execute block 1
/// with other L1 fees than the sequencer: the verifier refuses to start, and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_genesis_with_other_l1_attributes_is_refused() {
    let rollup = Rollup::start(false).await;
    let mut config = rollup.verifier_config();
    config.genesis.l1.base_fee += 1;
    let store = storage::Store::connect("sqlite::memory:").await.unwrap().verifier();
    let err = fraud_prover::Verifier::new(config, store, fraud_prover::VerifierMetrics::new()).await.err();
    let message = err.expect("the verifier refuses the genesis").to_string();
    assert!(message.contains("genesis L1 attributes are not those of its origin"), "{message}");
}
