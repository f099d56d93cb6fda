//! Real clients against a running sequencer: an alloy provider and the `cast` CLI send ETH,
//! deploy an ERC-20 compiled by solc, transfer, call, and read receipts and logs.

use crate::common::dev_key;
use alloy::{
    network::{AnyNetwork, EthereumWallet, TransactionBuilder},
    providers::{Provider, ProviderBuilder},
    rpc::types::{BlockNumberOrTag, Filter, TransactionRequest},
    sol,
    sol_types::{SolEvent, SolValue},
};
use alloy_primitives::{Address, U256, utils::parse_ether};
use sequencer::test_utils::TestNode;
use std::process::Command;
use test_support::{Backend, compile, tool};

sol! {
    #[sol(rpc)]
    interface IERC20 {
        event Transfer(address indexed from, address indexed to, uint256 value);
        function balanceOf(address owner) external view returns (uint256);
        function transfer(address to, uint256 amount) external returns (bool);
        function totalSupply() external view returns (uint256);
    }
}

const TOKEN_SOURCE: &str = "contracts/test/fixtures/TestERC20.sol";

async fn alloy_client(backend: Backend) {
    let node = TestNode::start(backend).await;
    let owner = dev_key(0);
    let recipient = dev_key(1).address();
    let provider =
        ProviderBuilder::new().wallet(EthereumWallet::from(owner.clone())).connect_http(node.url().parse().unwrap());
    assert_eq!(provider.get_chain_id().await.unwrap(), 42069);

    // ETH transfer.
    let before = provider.get_balance(recipient).await.unwrap();
    let tx = TransactionRequest::default().with_to(recipient).with_value(parse_ether("1.5").unwrap());
    let receipt = provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status());
    assert_eq!(receipt.gas_used, 21_000);
    assert_eq!(provider.get_balance(recipient).await.unwrap(), before + parse_ether("1.5").unwrap());
    let at_genesis = provider.get_balance(recipient).block_id(0.into()).await.unwrap();
    assert_eq!(at_genesis, before, "historical balance at block 0");

    // Deploy the ERC-20.
    let token = compile(TOKEN_SOURCE, "TestERC20");
    let supply = parse_ether("1000000").unwrap();
    let mut code = token.bytecode.to_vec();
    code.extend(("Test Token".to_string(), "TST".to_string(), supply).abi_encode_params());
    let deploy = TransactionRequest::default().with_deploy_code(code);
    let receipt = provider.send_transaction(deploy).await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status());
    let address = receipt.contract_address.expect("a contract was created");
    assert_eq!(provider.get_code_at(address).await.unwrap(), token.deployed_bytecode);

    // Call, transfer, logs.
    let erc20 = IERC20::new(address, &provider);
    assert_eq!(erc20.totalSupply().call().await.unwrap(), supply);
    assert_eq!(erc20.balanceOf(owner.address()).call().await.unwrap(), supply);
    let amount = U256::from(1234u64);
    let receipt = erc20.transfer(recipient, amount).send().await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status());
    let logs = receipt.inner.logs();
    assert_eq!(logs.len(), 1);
    let event = IERC20::Transfer::decode_log_data(logs[0].data()).unwrap();
    assert_eq!((event.from, event.to, event.value), (owner.address(), recipient, amount));
    assert_eq!(erc20.balanceOf(recipient).call().await.unwrap(), amount);

    let filter = Filter::new()
        .address(address)
        .event_signature(IERC20::Transfer::SIGNATURE_HASH)
        .from_block(BlockNumberOrTag::Earliest)
        .to_block(BlockNumberOrTag::Latest);
    let found = provider.get_logs(&filter).await.unwrap();
    assert_eq!(found.len(), 2, "mint and transfer");
    assert_eq!(found[1].transaction_hash, Some(receipt.transaction_hash));
    assert_eq!(found[1].block_number, receipt.block_number);
    assert_eq!(found[1].log_index, logs[0].log_index);
    let to_recipient = filter.clone().topic2(recipient.into_word());
    assert_eq!(provider.get_logs(&to_recipient).await.unwrap().len(), 1);
    let to_nobody = filter.topic2(Address::repeat_byte(7).into_word());
    assert!(provider.get_logs(&to_nobody).await.unwrap().is_empty());

    // Blocks and receipts by block agree with the transaction receipt.
    let number = receipt.block_number.unwrap();
    // Every block opens with its L1 attributes deposit (type 0x7e), as on OP Stack chains: full
    // blocks need alloy's `AnyNetwork` (or op-alloy's network), as they do there.
    let any = ProviderBuilder::new().network::<AnyNetwork>().connect_http(node.url().parse().unwrap());
    let block = any.get_block_by_number(number.into()).full().await.unwrap().expect("block exists");
    assert_eq!(block.header.hash, receipt.block_hash.unwrap());
    assert_eq!(block.transactions.len(), 2);
    let hashes = provider.get_block_by_number(number.into()).await.unwrap().expect("block exists");
    assert_eq!(hashes.transactions.hashes().nth(1), Some(receipt.transaction_hash));
    let receipts = any.get_block_receipts(number.into()).await.unwrap().expect("receipts");
    assert_eq!(receipts[1].transaction_hash, receipt.transaction_hash);
    let tx = provider.get_transaction_by_hash(receipt.transaction_hash).await.unwrap().expect("tx");
    assert_eq!(tx.block_number, Some(number));

    // Fee estimation.
    let estimate = erc20.transfer(recipient, amount).estimate_gas().await.unwrap();
    assert!((21_000..100_000).contains(&estimate), "estimate {estimate}");
    let fees = provider.estimate_eip1559_fees().await.unwrap();
    assert!(fees.max_fee_per_gas >= fees.max_priority_fee_per_gas);
    let history = provider.get_fee_history(4, BlockNumberOrTag::Latest, &[50.0]).await.unwrap();
    assert_eq!(history.base_fee_per_gas.len(), 5);
}

/// Runs `cast` with the node's RPC URL and returns its trimmed stdout.
fn cast(url: &str, args: &[&str]) -> String {
    let output =
        Command::new(tool("cast")).arg(args[0]).args(["--rpc-url", url]).args(&args[1..]).output().expect("run cast");
    assert!(output.status.success(), "cast {} failed: {}", args[0], String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8").trim().to_owned()
}

async fn cast_client(backend: Backend) {
    let node = TestNode::start(backend).await;
    let url = node.url();
    let key = format!("{:#x}", dev_key(0).credential().to_bytes());
    let recipient = dev_key(2).address().to_string();
    let token = compile(TOKEN_SOURCE, "TestERC20");
    let bytecode = token.bytecode.to_string();
    tokio::task::spawn_blocking(move || {
        assert_eq!(cast(&url, &["chain-id"]), "42069");
        let before: u128 = cast(&url, &["balance", &recipient]).parse().unwrap();
        cast(&url, &["send", "--private-key", &key, &recipient, "--value", "2ether"]);
        let after: u128 = cast(&url, &["balance", &recipient]).parse().unwrap();
        assert_eq!(after - before, 2_000_000_000_000_000_000);

        let deployed = cast(
            &url,
            &[
                "send",
                "--json",
                "--private-key",
                &key,
                "--create",
                &bytecode,
                "constructor(string,string,uint256)",
                "Cast Token",
                "CST",
                "1000",
            ],
        );
        let receipt: serde_json::Value = serde_json::from_str(&deployed).unwrap();
        assert_eq!(receipt["status"], "0x1");
        let token = receipt["contractAddress"].as_str().unwrap().to_owned();
        assert_eq!(cast(&url, &["call", &token, "totalSupply()(uint256)"]), "1000");

        let sent = cast(
            &url,
            &["send", "--json", "--private-key", &key, &token, "transfer(address,uint256)", &recipient, "25"],
        );
        let receipt: serde_json::Value = serde_json::from_str(&sent).unwrap();
        assert_eq!(receipt["status"], "0x1");
        let tx_hash = receipt["transactionHash"].as_str().unwrap().to_owned();
        assert_eq!(cast(&url, &["call", &token, "balanceOf(address)(uint256)", &recipient]), "25");
        assert_eq!(cast(&url, &["receipt", &tx_hash, "status"]), "true");

        let logs = cast(
            &url,
            &["logs", "--json", "--from-block", "0", "--address", &token, "Transfer(address,address,uint256)"],
        );
        let logs: Vec<serde_json::Value> = serde_json::from_str(&logs).unwrap();
        assert_eq!(logs.len(), 2, "mint and transfer: {logs:?}");
        assert_eq!(logs[1]["transactionHash"].as_str(), Some(tx_hash.as_str()));
    })
    .await
    .unwrap();
}

crate::on_every_backend!(alloy_client, cast_client);
