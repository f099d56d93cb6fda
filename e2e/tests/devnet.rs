//! The devnet started as a user starts it (`rollup devnet`), driven by real clients: `cast`
//! sends ETH and deploys an ERC-20; an alloy client and a viem script each deploy a
//! constant-product pool, add liquidity, swap and read receipts and logs; viem's OP Stack fee
//! estimates match what a transfer then pays, to the wei; ETH deposited into the Portal on L1
//! arrives on L2; batches land on L1 and the `safe` tag passes every block with these
//! transactions; an output root covering them is proposed and, once the challenge window has
//! passed (Anvil's clock moved forward), finalized on L1; Ctrl-C stops the devnet and a second
//! start on the same data folder still has every receipt, balance and block and carries on;
//! the `finalized` tag passes those blocks too. Every block with these transactions (and with a
//! creation that destroys itself and an EIP-7702 delegation) steps through the EVM stepper.

#[path = "devnet/stepping.rs"]
mod stepping;

use alloy::{
    consensus::Transaction as _,
    network::{EthereumWallet, TransactionBuilder},
    providers::{Provider, ProviderBuilder},
    rpc::types::{BlockNumberOrTag, Filter, TransactionReceipt, TransactionRequest},
    sol,
    sol_types::SolEvent,
};
use alloy_primitives::{Address, B256, U256, utils::parse_ether};
use rollup_core::dev_signers;
use rollup_l1::{Deployment, OutputOracle};
use serde_json::{Value, json};
use std::{process::Command, time::Duration};
use test_support::{Devnet, DevnetConfig, run_bounded, wait_for};
use test_support::{compile, repo_root, tool};

sol! {
    #[sol(rpc)]
    interface IPool {
        event Swap(address indexed trader, bool zeroForOne, uint256 amountIn, uint256 amountOut);
        function mint(uint256 amount0, uint256 amount1) external;
        function addLiquidity(uint256 amount0, uint256 amount1) external;
        function swap(uint256 amountIn, bool zeroForOne, uint256 minOut) external returns (uint256 amountOut);
        function reserve0() external view returns (uint256);
        function reserve1() external view returns (uint256);
    }
}

/// Dev keys by role (key 0 is the devnet's deployer, batcher and proposer).
const CAST_KEY: usize = 1;
const ALLOY_KEY: usize = 2;
const VIEM_KEY: usize = 3;
const DEPOSIT_KEY: usize = 4;
const FINALIZER_KEY: usize = 5;
const FEES_KEY: usize = 6;

/// Pool amounts of both the alloy and the viem run (the viem script uses the same).
const MINTED: u64 = 1_000_000;
const LIQUIDITY: u64 = 500_000;
const SWAP_IN: u64 = 10_000;

/// Tokens the cast run transfers.
const TOKEN_TRANSFER: &str = "250";

/// How long each wait for the chain (a deposit, a safe or finalized head, an output) may take.
const CHAIN_TIMEOUT: Duration = Duration::from_secs(120);

/// What the cast run left on the chain.
struct CastRun {
    eth_recipient: Address,
    token: String,
    token_recipient: Address,
    tx_hashes: Vec<B256>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devnet_serves_real_clients_settles_on_l1_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = DevnetConfig::new(dir.path());
    let devnet = Devnet::start(&config);
    let deployment = Deployment::read(&config.deployment_file()).expect("the devnet wrote its deployment file");
    let l2 = ProviderBuilder::new().connect_http(devnet.l2_rpc.parse().unwrap());
    let l1 = ProviderBuilder::new().connect_http(devnet.l1_rpc.parse().unwrap());

    // A deposit first: it takes a few L1 blocks to reach the L2 while the clients run.
    let depositor = dev_signers()[DEPOSIT_KEY].address();
    let l2_balance_before_deposit = l2.get_balance(depositor).await.unwrap();
    let deposit = send_on(&devnet.l1_rpc, DEPOSIT_KEY, deployment.portal, parse_ether("1").unwrap()).await;

    let cast = cast_run(&devnet.l2_rpc);
    let alloy_receipts = alloy_pool_run(&devnet.l2_rpc).await;
    let viem = viem_pool_run(&devnet.l2_rpc);
    let viem_swap: B256 = viem["swapTx"].as_str().unwrap().parse().unwrap();
    let viem_receipt = l2.get_transaction_receipt(viem_swap).await.unwrap().expect("viem's swap is on the L2");
    assert_eq!(viem_receipt.block_number, viem["swapBlock"].as_u64(), "viem and alloy see the swap in the same block");
    assert_eq!(viem_receipt.inner.logs().len(), 1);
    assert_eq!(viem_receipt.inner.logs()[0].transaction_hash, Some(viem_swap));
    viem_fees_run(&devnet.l2_rpc, &devnet.l1_rpc);

    let expected_deposit = l2_balance_before_deposit + parse_ether("1").unwrap();
    wait_for(CHAIN_TIMEOUT, "the L1 deposit to arrive on L2", || async {
        (l2.get_balance(depositor).await.unwrap() == expected_deposit).then_some(())
    })
    .await;

    // Every user transaction so far, by hash, with the block it landed in.
    let mut user_txs: Vec<B256> = cast.tx_hashes.clone();
    user_txs.extend(alloy_receipts.iter().map(|r| r.transaction_hash));
    user_txs.push(viem_swap);
    let receipts = receipts_of(&l2, &user_txs).await;
    let last_user_block = receipts.iter().filter_map(|r| r.block_number).max().unwrap();

    // Their blocks, the deposit's, a creation that destroys itself and an EIP-7702 delegation
    // stepped through the dispute game's EVM stepper, up to the node's output roots.
    let mut stepped = stepping::blocks_of(&l2, &user_txs).await;
    stepped.extend(stepping::create_destroy_and_delegate(&devnet.l2_rpc, &cast.token));
    stepped.insert(stepping::deposit_block(&l2, depositor).await);
    stepping::step_blocks(&devnet.l2_rpc, &stepped);

    // Batches land on L1 and the safe head passes every block with those transactions.
    let safe = wait_for(CHAIN_TIMEOUT, "the safe head to pass the user transactions", || async {
        let safe = l2.get_block_by_number(BlockNumberOrTag::Safe).await.unwrap().expect("a safe block");
        (safe.header.number >= last_user_block).then_some(safe.header.number)
    })
    .await;
    let status: Value = l2.raw_request("rollup_syncStatus".into(), json!([])).await.unwrap();
    assert!(status["safeL2"]["number"].as_u64().unwrap() >= safe, "rollup_syncStatus agrees with the safe tag");
    assert!(count_batch_txs(&l1, &deployment).await > 0, "no transaction to the BatchInbox on L1");

    // An output root covering the user transactions is proposed, matches the L2's own, and
    // finalizes on L1 once Anvil's clock is past the challenge window.
    let (index, l2_block, root) = wait_for_output(&l1, &deployment, last_user_block).await;
    let ours: Value = l2.raw_request("rollup_outputAtBlock".into(), (format!("{l2_block:#x}"),)).await.unwrap();
    assert_eq!(ours["outputRoot"].as_str().unwrap().parse::<B256>().unwrap(), root, "proposed vs L2 output root");
    finalize_outputs_through(&devnet.l1_rpc, &deployment, index, config.challenge_window).await;

    // The operator's dashboard and alert rules (deploy/) query only metrics that the three
    // services really export on /metrics.
    let exported = [
        format!("{}/metrics", devnet.l2_rpc),
        format!("{}/metrics", devnet.verifier_api),
        devnet.batcher_metrics.clone(),
    ];
    let mut exposition = String::new();
    for url in exported {
        exposition += &reqwest::get(&url).await.unwrap().error_for_status().unwrap().text().await.unwrap();
    }
    let missing: Vec<String> = deploy_queries()
        .iter()
        .flat_map(|query| metric_names(query))
        .filter(|name| !exports(&exposition, name))
        .collect();
    assert!(missing.is_empty(), "deploy/ queries metrics the services do not export: {missing:?}");

    // Ctrl-C in the middle, start again on the same data: everything is still there.
    let head_before = l2.get_block_number().await.unwrap();
    let head_hash = l2.get_block_by_number(head_before.into()).await.unwrap().unwrap().header.hash;
    let l1_head_before = l1.get_block_number().await.unwrap();
    let balances_before = (
        l2.get_balance(cast.eth_recipient).await.unwrap(),
        l2.get_balance(depositor).await.unwrap(),
        cast_token_balance(&devnet.l2_rpc, &cast),
    );
    devnet.stop();
    let devnet = Devnet::start(&config);
    let l2 = ProviderBuilder::new().connect_http(devnet.l2_rpc.parse().unwrap());
    let l1 = ProviderBuilder::new().connect_http(devnet.l1_rpc.parse().unwrap());

    assert_eq!(receipts_of(&l2, &user_txs).await, receipts, "L2 receipts after the restart");
    let l1_deposit = l1.get_transaction_receipt(deposit.transaction_hash).await.unwrap();
    assert_eq!(l1_deposit.map(|r| r.block_hash), Some(deposit.block_hash), "L1 deposit receipt after the restart");
    let block = l2.get_block_by_number(head_before.into()).await.unwrap().expect("the old head is still there");
    assert_eq!(block.header.hash, head_hash);
    let balances_after = (
        l2.get_balance(cast.eth_recipient).await.unwrap(),
        l2.get_balance(depositor).await.unwrap(),
        cast_token_balance(&devnet.l2_rpc, &cast),
    );
    assert_eq!(balances_after, balances_before, "balances after the restart");
    let oracle = OutputOracle::new(deployment.output_oracle, &l1);
    assert!(oracle.isFinalized(U256::from(index)).call().await.unwrap(), "the finalized output after the restart");
    assert!(l1.get_block_number().await.unwrap() >= l1_head_before, "the L1 resumed from its saved state");

    // The chains carry on from where they were.
    let sender = dev_signers()[ALLOY_KEY].address();
    let receipt = send_on(&devnet.l2_rpc, ALLOY_KEY, Address::repeat_byte(0xA5), U256::from(1)).await;
    let number = receipt.block_number.unwrap();
    assert!(number > head_before, "a new transaction lands after the old head");
    let next = l2.get_block_by_number((head_before + 1).into()).await.unwrap().expect("the block after the old head");
    assert_eq!(next.header.parent_hash, head_hash, "the chain continues from the old head");
    assert_eq!(l2.get_transaction_count(sender).await.unwrap(), 5, "alloy's account: 4 pool txs and 1 transfer");

    // The finalized head passes the user transactions (L1 finality of their batches).
    let finalized = wait_for(CHAIN_TIMEOUT, "the finalized head to pass the user transactions", || async {
        let block = l2.get_block_by_number(BlockNumberOrTag::Finalized).await.unwrap().expect("a finalized block");
        (block.header.number >= last_user_block).then_some(block.header.number)
    })
    .await;
    let status: Value = l2.raw_request("rollup_syncStatus".into(), json!([])).await.unwrap();
    assert!(status["finalizedL2"]["number"].as_u64().unwrap() >= finalized);
    devnet.stop();
}

/// `cast` sends ETH, deploys the ERC-20 fixture and transfers tokens with dev key
/// [`CAST_KEY`], checking balances and receipts as it goes.
fn cast_run(rpc: &str) -> CastRun {
    let key = dev_key(CAST_KEY);
    let eth_recipient = Address::repeat_byte(0xE2);
    let token_recipient = Address::repeat_byte(0xE3);
    assert_eq!(cast(&["chain-id", "--rpc-url", rpc]), "42069");

    let sent = cast_send(rpc, &key, &[&eth_recipient.to_string(), "--value", "2ether"]);
    assert_eq!(cast(&["balance", "--rpc-url", rpc, &eth_recipient.to_string()]), "2000000000000000000");

    let bytecode = compile("contracts/test/fixtures/TestERC20.sol", "TestERC20").bytecode.to_string();
    let constructor = ["--create", &bytecode, "constructor(string,string,uint256)", "E2E Token", "E2E", "1000000"];
    let deployed = cast_send(rpc, &key, &constructor);
    let token = deployed["contractAddress"].as_str().expect("cast deployed a contract").to_owned();
    assert_eq!(cast(&["call", "--rpc-url", rpc, &token, "symbol()(string)"]), "\"E2E\"");

    let recipient = token_recipient.to_string();
    let transfer = cast_send(rpc, &key, &[&token, "transfer(address,uint256)", &recipient, TOKEN_TRANSFER]);
    let run = CastRun {
        eth_recipient,
        token,
        token_recipient,
        tx_hashes: [&sent, &deployed, &transfer]
            .map(|r| r["transactionHash"].as_str().unwrap().parse().unwrap())
            .into(),
    };
    assert_eq!(cast_token_balance(rpc, &run), TOKEN_TRANSFER);
    let tx = transfer["transactionHash"].as_str().unwrap();
    assert_eq!(cast(&["receipt", "--rpc-url", rpc, tx, "status"]), "true");
    let logs = cast(&["logs", "--rpc-url", rpc, "--json", "--from-block", "0", "--address", &run.token]);
    let logs: Vec<Value> = serde_json::from_str(&logs).unwrap();
    assert_eq!(logs.len(), 2, "mint and transfer: {logs:?}");
    assert_eq!(logs[1]["transactionHash"].as_str(), Some(tx));
    run
}

/// The ERC-20 balance of the cast run's token recipient, as `cast call` prints it.
fn cast_token_balance(rpc: &str, run: &CastRun) -> String {
    cast(&["call", "--rpc-url", rpc, &run.token, "balanceOf(address)(uint256)", &run.token_recipient.to_string()])
}

/// `cast send --json` with `key`; checks the receipt's status and returns the receipt.
fn cast_send(rpc: &str, key: &str, args: &[&str]) -> Value {
    let mut full = vec!["send", "--rpc-url", rpc, "--json", "--private-key", key];
    full.extend_from_slice(args);
    let receipt: Value = serde_json::from_str(&cast(&full)).expect("cast send --json prints the receipt");
    assert_eq!(receipt["status"], "0x1", "cast send {args:?}: {receipt}");
    receipt
}

/// Runs the pinned `cast` and returns its trimmed standard output.
fn cast(args: &[&str]) -> String {
    let output = run_bounded(Command::new(tool("cast")).args(args), Duration::from_secs(60));
    assert!(output.status.success(), "cast {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8").trim().to_owned()
}

/// An alloy client with dev key [`ALLOY_KEY`] deploys the pool fixture, adds liquidity and
/// swaps; checks the swap's receipt, its log and a log query. Returns the four receipts.
async fn alloy_pool_run(rpc: &str) -> Vec<TransactionReceipt> {
    let signer = dev_signers()[ALLOY_KEY].clone();
    let trader = signer.address();
    let provider = ProviderBuilder::new().wallet(EthereumWallet::from(signer)).connect_http(rpc.parse().unwrap());
    let code = compile("contracts/test/fixtures/ConstantProductPool.sol", "ConstantProductPool");
    let deploy = TransactionRequest::default().with_deploy_code(code.bytecode);
    let deployed = provider.send_transaction(deploy).await.unwrap().get_receipt().await.unwrap();
    assert!(deployed.status());
    let pool = IPool::new(deployed.contract_address.expect("a contract was created"), &provider);
    assert_eq!(provider.get_code_at(*pool.address()).await.unwrap(), code.deployed_bytecode);

    let (minted, liquidity, swap_in) = (U256::from(MINTED), U256::from(LIQUIDITY), U256::from(SWAP_IN));
    let minted = pool.mint(minted, minted).send().await.unwrap().get_receipt().await.unwrap();
    let added = pool.addLiquidity(liquidity, liquidity).send().await.unwrap().get_receipt().await.unwrap();
    let quoted = pool.swap(swap_in, true, U256::ZERO).call().await.unwrap();
    let swapped = pool.swap(swap_in, true, U256::ZERO).send().await.unwrap().get_receipt().await.unwrap();
    assert!(minted.status() && added.status() && swapped.status());

    let expected = expected_swap_out();
    assert_eq!(quoted, expected, "eth_call quote");
    let logs = swapped.inner.logs();
    assert_eq!(logs.len(), 1);
    let event = IPool::Swap::decode_log_data(logs[0].data()).unwrap();
    assert_eq!((event.trader, event.zeroForOne, event.amountIn, event.amountOut), (trader, true, swap_in, expected));
    assert_eq!(pool.reserve0().call().await.unwrap(), liquidity + swap_in);
    assert_eq!(pool.reserve1().call().await.unwrap(), liquidity - expected);

    let filter = Filter::new().address(*pool.address()).event_signature(IPool::Swap::SIGNATURE_HASH).from_block(0);
    let found = provider.get_logs(&filter).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].transaction_hash, Some(swapped.transaction_hash));
    assert_eq!(found[0].block_hash, swapped.block_hash);
    let block = provider.get_block_by_number(swapped.block_number.unwrap().into()).await.unwrap().unwrap();
    assert_eq!(Some(block.header.hash), swapped.block_hash);
    vec![deployed, minted, added, swapped]
}

/// Runs `e2e/viem/pool.mjs` with dev key [`VIEM_KEY`] and checks what it printed.
fn viem_pool_run(rpc: &str) -> Value {
    let script = repo_root().join("e2e/viem/pool.mjs");
    let mut node = Command::new("node");
    node.arg(script).env("L2_RPC", rpc).env("PRIVATE_KEY", dev_key(VIEM_KEY));
    let output = run_bounded(&mut node, Duration::from_secs(90));
    assert!(output.status.success(), "the viem script failed: {}", String::from_utf8_lossy(&output.stderr));
    let result: Value = serde_json::from_slice(&output.stdout).expect("the viem script prints JSON");
    let expected = expected_swap_out().to_string();
    let trader = dev_signers()[VIEM_KEY].address().to_checksum(None);
    assert_eq!(result["chainId"], 42069);
    assert_eq!(result["account"].as_str(), Some(trader.as_str()));
    assert_eq!(result["swapStatus"], "success");
    assert_eq!(result["quotedOut"].as_str(), Some(expected.as_str()));
    let logs = result["receiptLogs"].as_array().unwrap();
    assert_eq!(logs.len(), 1, "one Swap log in viem's receipt: {result}");
    assert_eq!(logs[0]["trader"].as_str(), Some(trader.as_str()));
    assert_eq!(logs[0]["amountIn"].as_str(), Some(SWAP_IN.to_string().as_str()));
    assert_eq!(logs[0]["amountOut"].as_str(), Some(expected.as_str()));
    let queried = result["queriedLogs"].as_array().unwrap();
    assert_eq!(queried.len(), 1, "viem's log query: {result}");
    assert_eq!(queried[0]["transactionHash"], result["swapTx"]);
    assert_eq!(result["reserve0"].as_str(), Some((LIQUIDITY + SWAP_IN).to_string().as_str()));
    let reserve1 = U256::from(LIQUIDITY) - expected_swap_out();
    assert_eq!(result["reserve1"].as_str(), Some(reserve1.to_string().as_str()));
    result
}

/// Runs `e2e/viem/fees.mjs` with dev key [`FEES_KEY`] while L1 mines no blocks (so that the L1
/// origin, whose fees the L1 data fee depends on, holds still between viem's estimates and the
/// transfer), and checks that viem's OP Stack estimates are exactly what the receipt shows, the
/// sender paid exactly value + L2 gas + L1 fee, and the vaults received exactly the block's fees.
fn viem_fees_run(l2_rpc: &str, l1_rpc: &str) {
    cast(&["rpc", "--rpc-url", l1_rpc, "evm_setIntervalMining", "0"]);
    let script = repo_root().join("e2e/viem/fees.mjs");
    let mut node = Command::new("node");
    node.arg(script).env("L2_RPC", l2_rpc).env("PRIVATE_KEY", dev_key(FEES_KEY));
    let output = run_bounded(&mut node, Duration::from_secs(120));
    cast(&["rpc", "--rpc-url", l1_rpc, "evm_setIntervalMining", "1"]);
    assert!(output.status.success(), "the viem fees script failed: {}", String::from_utf8_lossy(&output.stderr));
    let result: Value = serde_json::from_slice(&output.stdout).expect("the viem script prints JSON");
    let number = |value: &Value| -> U256 { value.as_str().expect("a decimal string").parse().expect("a number") };
    let (estimate, receipt) = (&result["estimate"], &result["receipt"]);
    assert_eq!(number(&estimate["l1Fee"]), number(&receipt["l1Fee"]), "estimateL1Fee: {result}");
    assert_eq!(number(&estimate["l1Gas"]), number(&receipt["l1GasUsed"]), "estimateL1Gas: {result}");
    assert_eq!(number(&estimate["l1BaseFee"]), number(&receipt["l1GasPrice"]), "getL1BaseFee: {result}");
    assert!(number(&receipt["l1Fee"]) > U256::ZERO, "the transfer pays an L1 fee: {result}");
    let gas_used = number(&receipt["gasUsed"]);
    assert_eq!(number(&result["gasEstimate"]), gas_used);
    let total = number(&receipt["l1Fee"]) + gas_used * number(&result["gasPrice"]);
    assert_eq!(number(&estimate["totalFee"]), total, "estimateTotalFee at eth_gasPrice: {result}");
    let paid = number(&result["value"]) + gas_used * number(&receipt["effectiveGasPrice"]) + number(&receipt["l1Fee"]);
    assert_eq!(number(&result["balanceBefore"]) - number(&result["balanceAfter"]), paid, "{result}");
    assert_eq!(result["vaultsReceived"], result["vaultsExpected"], "the vaults receive the block's fees exactly");
}

/// The pool's output for the swap of both runs: constant product with a 0.3% fee.
fn expected_swap_out() -> U256 {
    let (reserve, amount_in) = (U256::from(LIQUIDITY), U256::from(SWAP_IN) * U256::from(997));
    amount_in * reserve / (reserve * U256::from(1000) + amount_in)
}

/// Sends `value` wei from dev key `key` to `to` on the chain at `rpc`; returns the successful
/// receipt.
async fn send_on(rpc: &str, key: usize, to: Address, value: U256) -> TransactionReceipt {
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(dev_signers()[key].clone()))
        .connect_http(rpc.parse().unwrap());
    let tx = TransactionRequest::default().with_to(to).with_value(value);
    let receipt = provider.send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    assert!(receipt.status(), "transfer to {to} on {rpc} reverted");
    receipt
}

/// The receipts of `hashes`, each of which must exist.
async fn receipts_of(provider: &impl Provider, hashes: &[B256]) -> Vec<TransactionReceipt> {
    let mut receipts = Vec::new();
    for hash in hashes {
        let receipt = provider.get_transaction_receipt(*hash).await.unwrap();
        receipts.push(receipt.unwrap_or_else(|| panic!("no receipt for {hash}")));
    }
    receipts
}

/// Transactions to the BatchInbox on L1 since the deployment.
async fn count_batch_txs(l1: &impl Provider, deployment: &Deployment) -> usize {
    let head = l1.get_block_number().await.unwrap();
    let mut count = 0;
    for number in deployment.l1_start_block..=head {
        let block = l1.get_block_by_number(number.into()).full().await.unwrap().expect("an L1 block");
        let to_inbox = |tx: &alloy::rpc::types::Transaction| tx.to() == Some(deployment.batch_inbox);
        count += block.transactions.txns().filter(|tx| to_inbox(tx)).count();
    }
    count
}

/// Waits for an output at or above L2 block `block` on the OutputOracle; returns its index,
/// L2 block and root.
async fn wait_for_output(l1: &impl Provider, deployment: &Deployment, block: u64) -> (u64, u64, B256) {
    let oracle = OutputOracle::new(deployment.output_oracle, l1);
    wait_for(CHAIN_TIMEOUT, "an output covering the user transactions", || async {
        let next: u64 = oracle.nextOutputIndex().call().await.unwrap().to();
        for index in 0..next {
            let output = oracle.getOutput(U256::from(index)).call().await.unwrap();
            if output.l2BlockNumber >= block {
                return Some((index, output.l2BlockNumber, output.outputRoot));
            }
        }
        None
    })
    .await
}

/// Moves Anvil's clock past the challenge window and finalizes every output up to `index`
/// with dev key [`FINALIZER_KEY`] (outputs finalize in order).
async fn finalize_outputs_through(rpc: &str, deployment: &Deployment, index: u64, challenge_window: u64) {
    let provider = ProviderBuilder::new()
        .wallet(EthereumWallet::from(dev_signers()[FINALIZER_KEY].clone()))
        .connect_http(rpc.parse().unwrap());
    let oracle = OutputOracle::new(deployment.output_oracle, &provider);
    assert!(!oracle.isFinalized(U256::from(index)).call().await.unwrap(), "finalized before the challenge window");
    let _: Value = provider.raw_request("evm_increaseTime".into(), (challenge_window + 1,)).await.unwrap();
    let _: Value = provider.raw_request("evm_mine".into(), json!([])).await.unwrap();
    let first: u64 = oracle.finalizedCount().call().await.unwrap().to();
    for i in first..=index {
        let receipt = oracle.finalizeOutput(U256::from(i)).send().await.unwrap().get_receipt().await.unwrap();
        assert!(receipt.status(), "finalizeOutput({i})");
        let finalized = receipt.decoded_log::<OutputOracle::OutputFinalized>().expect("an OutputFinalized event");
        assert_eq!(finalized.index, U256::from(i));
    }
    assert!(oracle.isFinalized(U256::from(index)).call().await.unwrap());
}

/// Dev key `index` as the hex string the command-line tools take.
fn dev_key(index: usize) -> String {
    format!("{:#x}", dev_signers()[index].to_bytes())
}

/// Every PromQL expression of the Grafana dashboard and the Prometheus alert rules in `deploy/`.
fn deploy_queries() -> Vec<String> {
    let dashboard: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("deploy/grafana/dashboards/rollup.json")).unwrap(),
    )
    .unwrap();
    // Panels, and the panels inside collapsed rows.
    let panels: Vec<&Value> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|panel| std::iter::once(panel).chain(panel["panels"].as_array().into_iter().flatten()))
        .collect();
    let mut queries: Vec<String> = panels
        .iter()
        .flat_map(|panel| panel["targets"].as_array().cloned().unwrap_or_default())
        .map(|target| target["expr"].as_str().expect("every target has a PromQL expression").to_owned())
        .collect();
    assert!(queries.len() >= 20, "the dashboard has its panels");
    let alerts = std::fs::read_to_string(repo_root().join("deploy/prometheus/alerts.yml")).unwrap();
    let rules: Vec<String> = alerts
        .lines()
        .filter_map(|line| line.trim().strip_prefix("expr:"))
        .map(|expr| expr.trim().to_owned())
        .collect();
    assert!(rules.len() >= 5, "the alert rules have expressions");
    queries.extend(rules);
    queries
}

/// The metric names a PromQL expression selects: its identifiers outside strings, label
/// matchers (`{…}`), ranges (`[…]`) and grouping clauses, less PromQL's functions and keywords.
fn metric_names(query: &str) -> Vec<String> {
    const PROMQL: [&str; 28] = [
        "sum",
        "avg",
        "min",
        "max",
        "count",
        "rate",
        "irate",
        "increase",
        "delta",
        "deriv",
        "changes",
        "resets",
        "absent",
        "histogram_quantile",
        "max_over_time",
        "min_over_time",
        "avg_over_time",
        "clamp_min",
        "clamp_max",
        "time",
        "timestamp",
        "and",
        "or",
        "unless",
        "bool",
        "offset",
        "topk",
        "vector",
    ];
    let mut plain = String::new();
    let mut closing = None;
    for c in query.chars() {
        match (closing, c) {
            (Some(end), c) if c == end => {
                closing = None;
                plain.push(' ');
            }
            (Some(_), _) => {}
            (None, '{') => closing = Some('}'),
            (None, '[') => closing = Some(']'),
            (None, '"') => closing = Some('"'),
            (None, c) => plain.push(c),
        }
    }
    // `by (a, b)`, `without (…)`, `on (…)`, `ignoring (…)` name labels, not metrics.
    let mut names = Vec::new();
    let mut grouping = false;
    for token in plain.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '(' || c == ')')) {
        for part in token.split_inclusive(['(', ')']) {
            let word = part.trim_end_matches(['(', ')']);
            if grouping {
                grouping = !part.ends_with(')');
                continue;
            }
            if matches!(word, "by" | "without" | "on" | "ignoring" | "group_left" | "group_right") {
                grouping = true;
                continue;
            }
            let is_name = word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
            if is_name && !PROMQL.contains(&word) && !names.iter().any(|name| name == word) {
                names.push(word.to_owned());
            }
        }
    }
    names
}

/// Whether the Prometheus text `exposition` has a sample of the metric `name`.
fn exports(exposition: &str, name: &str) -> bool {
    exposition.lines().any(|line| line.strip_prefix(name).is_some_and(|rest| rest.starts_with(['{', ' '])))
}

#[test]
fn metric_names_skip_functions_labels_and_ranges() {
    let names = |query| metric_names(query);
    assert_eq!(
        names("histogram_quantile(0.99, sum by (method, le) (rate(rollup_sequencer_rpc_request_seconds_bucket[5m])))"),
        ["rollup_sequencer_rpc_request_seconds_bucket"]
    );
    assert_eq!(
        names("max(rollup_sequencer_head_block) - max(batcher_last_confirmed_l2_block) > 600"),
        ["rollup_sequencer_head_block", "batcher_last_confirmed_l2_block"]
    );
    assert_eq!(
        names(r#"sum without(rule) (increase(verifier_derivation_drops_total{rule!="bad_frame"}[10m])) or vector(0)"#),
        ["verifier_derivation_drops_total"]
    );
    assert!(exports("# HELP x_total Help\nx_total 3\ny{a=\"1\"} 2\n", "x_total"));
    assert!(exports("y{a=\"1\"} 2\n", "y"));
    assert!(!exports("# TYPE x_total counter\nx_total_other 1\n", "x_total"));
}
