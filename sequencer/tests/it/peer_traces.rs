//! The L2 traces as its peer does: the same signed transactions (an ERC-20 deployed,
//! transferred and over-spent, a constant-product pool whose swap reverts, a factory creating
//! children with CREATE and CREATE2 and catching a failed creation, a proxy delegating to a
//! counter, once reverting) run on Anvil and on the L2, both on [`rollup_core::SPEC`], and
//! every geth tracer below must answer the same on both, field by field.
//!
//! Anvil runs with the L2's chain id (`anvil_setChainId`), so the raw transactions, their
//! hashes and the contract addresses are the same on both. What still differs is what is
//! chain-specific by nature, and only that is normalised before comparing:
//!
//! - `prestateTracer` (both modes): the fee recipients' entries. Anvil pays the priority fee
//!   to the block's coinbase (`0x0`) and burns the base fee; the L2 pays the priority fee to
//!   its beneficiary, the sequencer fee vault, and the base and L1 data fees to the base fee
//!   and L1 fee vaults. Each chain's own are checked to be there instead.
//! - `prestateTracer` (both modes): the sender's `balance`. The fees it paid for its earlier
//!   transactions differ (each chain's base fee, and the L1 data fee on the L2 only). It is
//!   checked on each chain instead: before is `eth_getBalance` at the parent block, after is
//!   before less the value sent, `gasUsed × effectiveGasPrice` and the receipt's `l1Fee`.
//!
//! and where Anvil is not geth (the L2 is checked to answer as geth does):
//!
//! - `callTracer`: the top frame's `gas`. geth reports the transaction's gas limit (as the L2
//!   does, checked); Anvil the gas left after the intrinsic gas.
//! - `prestateTracer`: accounts the transaction created (or failed to create) with an empty
//!   pre-state. geth drops them from the result, as the L2 does; Anvil lists them.
//! - struct logger: `structLogs`. Anvil returns no steps for mined transactions; the L2's are
//!   checked to be there, and `gas`, `failed` and `returnValue` are compared.
//! - `flatCallTracer` is not compared: Anvil answers it with `{}`.
//!
//! Nothing else is normalised: gas used, outputs, errors and revert reasons, logs, storage and
//! code, and the 4byte counts must be identical.

use crate::common::{CHAIN_ID, dev_key, rpc_ok, send_and_seal, sign, transfer};
use alloy::{sol, sol_types::SolCall, sol_types::SolValue};
use alloy_primitives::{Address, B256, TxKind, U256};
use rollup_core::fees::{BASE_FEE_VAULT, L1_FEE_VAULT};
use sequencer::test_utils::TestNode;
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use test_support::{Backend, compile};

sol! {
    function transfer(address to, uint256 amount) external returns (bool);
    function mint(uint256 amount0, uint256 amount1) external;
    function addLiquidity(uint256 amount0, uint256 amount1) external;
    function swap(uint256 amountIn, bool zeroForOne, uint256 minOut) external returns (uint256 amountOut);
    function spawn(uint256 seed, bytes32 salt) external payable returns (address created, address created2);
    function increment(uint256 by) external returns (uint256);
}

/// Gas limit of every transaction of the scenario.
const GAS_LIMIT: u64 = 3_000_000;

const SCENARIOS: &str = "contracts/test/fixtures/TraceScenarios.sol";

/// One transaction of the scenario, and whether it must revert.
struct Step {
    name: &'static str,
    raw: alloy_primitives::Bytes,
    value: U256,
    reverts: bool,
}

/// The scenario's transactions from `key`'s nonce 0 on.
fn steps(key: &alloy::signers::local::PrivateKeySigner) -> Vec<Step> {
    let sender = key.address();
    let (token, pool, factory, counter, proxy) =
        (sender.create(0), sender.create(3), sender.create(7), sender.create(9), sender.create(10));
    let holder = Address::repeat_byte(0x51);
    let code = |path: &str, name: &str, args: Vec<u8>| {
        let mut code = compile(path, name).bytecode.to_vec();
        code.extend(args);
        code
    };
    let scenario: Vec<(&str, TxKind, Vec<u8>, U256, bool)> = vec![
        (
            "deploy ERC-20",
            TxKind::Create,
            code(
                "contracts/test/fixtures/TestERC20.sol",
                "TestERC20",
                ("Token".to_string(), "TKN".to_string(), U256::from(1_000)).abi_encode_params(),
            ),
            U256::ZERO,
            false,
        ),
        (
            "ERC-20 transfer",
            token.into(),
            transferCall { to: holder, amount: U256::from(100) }.abi_encode(),
            U256::ZERO,
            false,
        ),
        (
            "ERC-20 transfer over the balance",
            token.into(),
            transferCall { to: holder, amount: U256::from(5_000) }.abi_encode(),
            U256::ZERO,
            true,
        ),
        (
            "deploy pool",
            TxKind::Create,
            code("contracts/test/fixtures/ConstantProductPool.sol", "ConstantProductPool", Vec::new()),
            U256::ZERO,
            false,
        ),
        (
            "pool mint",
            pool.into(),
            mintCall { amount0: U256::from(10_000), amount1: U256::from(10_000) }.abi_encode(),
            U256::ZERO,
            false,
        ),
        (
            "pool liquidity",
            pool.into(),
            addLiquidityCall { amount0: U256::from(5_000), amount1: U256::from(5_000) }.abi_encode(),
            U256::ZERO,
            false,
        ),
        (
            "pool swap below its minimum",
            pool.into(),
            swapCall { amountIn: U256::from(100), zeroForOne: true, minOut: U256::from(1_000) }.abi_encode(),
            U256::ZERO,
            true,
        ),
        ("deploy factory", TxKind::Create, code(SCENARIOS, "TraceFactory", Vec::new()), U256::ZERO, false),
        (
            "factory CREATE, CREATE2 and a failed CREATE",
            factory.into(),
            spawnCall { seed: U256::from(7), salt: B256::repeat_byte(0x5a) }.abi_encode(),
            U256::from(1_000_000_000u64),
            false,
        ),
        ("deploy counter", TxKind::Create, code(SCENARIOS, "TraceCounter", Vec::new()), U256::ZERO, false),
        ("deploy proxy", TxKind::Create, code(SCENARIOS, "TraceProxy", counter.abi_encode()), U256::ZERO, false),
        ("proxy delegatecall", proxy.into(), incrementCall { by: U256::from(5) }.abi_encode(), U256::ZERO, false),
        (
            "proxy delegatecall reverting",
            proxy.into(),
            incrementCall { by: U256::from(500) }.abi_encode(),
            U256::ZERO,
            true,
        ),
    ];
    scenario
        .into_iter()
        .enumerate()
        .map(|(nonce, (name, to, input, value, reverts))| {
            let mut tx = transfer(nonce as u64, Address::ZERO, value);
            tx.to = to;
            tx.gas_limit = GAS_LIMIT;
            tx.input = input.into();
            Step { name, raw: sign(key, tx), value, reverts }
        })
        .collect()
}

/// The tracer configurations compared; the struct logger's is geth's default.
fn tracers() -> Vec<(&'static str, Value)> {
    vec![
        ("struct logger", json!({})),
        ("callTracer", json!({ "tracer": "callTracer" })),
        ("callTracer withLog", json!({ "tracer": "callTracer", "tracerConfig": { "withLog": true } })),
        ("prestateTracer", json!({ "tracer": "prestateTracer" })),
        ("prestateTracer diffMode", json!({ "tracer": "prestateTracer", "tracerConfig": { "diffMode": true } })),
        ("4byteTracer", json!({ "tracer": "4byteTracer" })),
    ]
}

/// A chain under comparison: its RPC URL and the accounts that receive its fees.
struct Peer {
    name: &'static str,
    url: String,
    fee_accounts: Vec<Address>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peer_traces_match_anvil() {
    let anvil = test_support::anvil();
    let anvil_url = anvil.endpoint();
    // test_support's Anvil runs the L2's fork; the chain id is made the same here.
    let info = rpc_ok(&anvil_url, "anvil_nodeInfo", json!([])).await;
    let spec: &str = rollup_core::SPEC.into();
    assert!(info["hardFork"].as_str().unwrap().eq_ignore_ascii_case(spec), "Anvil runs {info}, the L2 {spec}");
    rpc_ok(&anvil_url, "anvil_setChainId", json!([CHAIN_ID])).await;
    let node = TestNode::start(Backend::Sqlite).await;
    let l1 = Peer { name: "Anvil", url: anvil_url, fee_accounts: vec![Address::ZERO] };
    let l2 = Peer {
        name: "L2",
        url: node.url(),
        fee_accounts: vec![rollup_core::FEE_RECIPIENT, BASE_FEE_VAULT, L1_FEE_VAULT],
    };

    let key = dev_key(1);
    let steps = tokio::task::spawn_blocking(move || steps(&key)).await.unwrap();
    let sender = dev_key(1).address();
    let mut mismatches = Vec::new();
    for step in &steps {
        let (on_l1, on_l2) = tokio::join!(send_and_seal(&l1.url, &step.raw), send_and_seal(&l2.url, &step.raw));
        assert_eq!(on_l1["transactionHash"], on_l2["transactionHash"], "{}", step.name);
        for (peer, receipt) in [(&l1, &on_l1), (&l2, &on_l2)] {
            let status = if step.reverts { "0x0" } else { "0x1" };
            assert_eq!(receipt["status"], json!(status), "{} on {}: {receipt}", step.name, peer.name);
        }
        for field in ["gasUsed", "contractAddress", "logsBloom"] {
            assert_eq!(on_l1[field], on_l2[field], "{} of {}", field, step.name);
        }
        let logs = |receipt: &Value| -> Vec<Value> {
            let logs = receipt["logs"].as_array().unwrap();
            logs.iter().map(|log| json!([log["address"], log["topics"], log["data"]])).collect()
        };
        assert_eq!(logs(&on_l1), logs(&on_l2), "logs of {}", step.name);

        let calls = rpc_ok(&l2.url, "debug_traceTransaction", json!([on_l2["transactionHash"], tracers()[1].1])).await;
        let creates = creates(&calls);
        for (tracer, config) in tracers() {
            let mut traces = Vec::new();
            for (peer, receipt) in [(&l1, &on_l1), (&l2, &on_l2)] {
                let hash = &receipt["transactionHash"];
                let mut trace = rpc_ok(&peer.url, "debug_traceTransaction", json!([hash, config])).await;
                let what = format!("{tracer} of {} on {}", step.name, peer.name);
                match tracer {
                    "struct logger" => {
                        let steps = trace.as_object_mut().unwrap().remove("structLogs").unwrap();
                        if peer.name == "L2" {
                            assert!(!steps.as_array().unwrap().is_empty(), "{what}");
                        }
                    }
                    "callTracer" | "callTracer withLog" => {
                        let gas = trace.as_object_mut().unwrap().remove("gas").unwrap();
                        if peer.name == "L2" {
                            assert_eq!(gas, json!(format!("{GAS_LIMIT:#x}")), "{what}");
                        }
                    }
                    "prestateTracer" | "prestateTracer diffMode" => {
                        check_fee_entries(peer, &mut trace, &what);
                        check_sender_balance(peer, receipt, step, sender, &mut trace).await;
                    }
                    _ => {}
                }
                traces.push(trace);
            }
            if tracer == "prestateTracer" {
                let (anvil, l2) = traces.split_at_mut(1);
                drop_created(&mut anvil[0], &l2[0], creates);
            }
            let mut found = Vec::new();
            differences("", &traces[0], &traces[1], &mut found);
            if !found.is_empty() {
                let listed = found.iter().take(10).cloned().collect::<Vec<_>>().join("\n  ");
                mismatches.push(format!("{tracer} of {} (Anvil vs L2):\n  {listed}", step.name));
            }
        }
    }
    assert!(mismatches.is_empty(), "{} traces differ:\n{}", mismatches.len(), mismatches.join("\n"));
}

/// Removes the fee recipients' entries from a prestate trace (either mode), checking that every
/// fee account of `peer` is in it: each gains its fee in every transaction here (the L1 fee vault
/// its L1 data fee). In diff mode an account that did not exist before is only in `post`.
fn check_fee_entries(peer: &Peer, trace: &mut Value, what: &str) {
    let diff_mode = trace.get("pre").is_some();
    let trace = trace.as_object_mut().unwrap();
    let sides: Vec<&mut Map<String, Value>> =
        if diff_mode { trace.values_mut().map(|side| side.as_object_mut().unwrap()).collect() } else { vec![trace] };
    let mut found = vec![false; peer.fee_accounts.len()];
    for side in sides {
        for (account, found) in peer.fee_accounts.iter().zip(&mut found) {
            *found |= side.remove(&account.to_string().to_lowercase()).is_some();
        }
    }
    // In diff mode only the accounts whose balance changed are there: always the beneficiary
    // (listed first); the L1 fee vault not when the L1 data fee is zero (no L1 base fee yet).
    let required = if diff_mode { 1 } else { found.len() };
    for (account, found) in peer.fee_accounts.iter().zip(found).take(required) {
        assert!(found, "{account} in the {what} on {}", peer.name);
    }
}

/// Checks the sender's balance in a prestate trace against `eth_getBalance` at the parent
/// block and (in diff mode) the receipt's fees, then removes it.
async fn check_sender_balance(peer: &Peer, receipt: &Value, step: &Step, sender: Address, trace: &mut Value) {
    let key = sender.to_string().to_lowercase();
    let parent = quantity(&receipt["blockNumber"]) - 1;
    let before = number(&rpc_ok(&peer.url, "eth_getBalance", json!([sender, format!("{parent:#x}")])).await);
    let value = if step.reverts { U256::ZERO } else { step.value };
    let fees = number(&receipt["gasUsed"]) * number(&receipt["effectiveGasPrice"])
        + receipt.get("l1Fee").map_or(U256::ZERO, number);
    let what = format!("sender's balance in {} on {}", step.name, peer.name);
    if trace.get("pre").is_some() {
        let pre = trace["pre"][&key].as_object_mut().unwrap();
        assert_eq!(number(&pre.remove("balance").unwrap()), before, "{what}");
        let post = trace["post"][&key].as_object_mut().unwrap();
        assert_eq!(number(&post.remove("balance").unwrap()), before - value - fees, "{what}");
    } else {
        let pre = trace[&key].as_object_mut().unwrap();
        assert_eq!(number(&pre.remove("balance").unwrap()), before, "{what}");
    }
}

/// Whether a call trace has a CREATE or CREATE2 frame.
fn creates(frame: &Value) -> bool {
    frame["type"] == json!("CREATE")
        || frame["type"] == json!("CREATE2")
        || frame.get("calls").and_then(Value::as_array).into_iter().flatten().any(creates)
}

/// Removes from Anvil's prestate trace the accounts that the L2's (and geth's) leaves out: those
/// the transaction created or failed to create, whose pre-state is empty (no balance, nonce or
/// code, and only zero storage). Only transactions that create contracts may have them.
fn drop_created(anvil: &mut Value, l2: &Value, creates: bool) {
    let zero = |value: &Value| {
        value.as_str().is_some_and(|hex| hex.trim_start_matches("0x").trim_start_matches('0').is_empty())
    };
    let accounts = anvil.as_object_mut().unwrap();
    let extra: Vec<String> = accounts.keys().filter(|address| l2.get(address.as_str()).is_none()).cloned().collect();
    for address in extra {
        let empty = accounts[&address].as_object().unwrap().iter().all(|(field, value)| match field.as_str() {
            "balance" | "nonce" => zero(value),
            "storage" => value.as_object().unwrap().values().all(zero),
            _ => false,
        });
        if empty && creates {
            accounts.remove(&address);
        }
    }
}

/// Lists the paths at which `left` and `right` differ.
fn differences(path: &str, left: &Value, right: &Value, found: &mut Vec<String>) {
    match (left, right) {
        (Value::Object(left), Value::Object(right)) => {
            for key in left.keys().chain(right.keys()).collect::<BTreeSet<_>>() {
                let at = format!("{path}.{key}");
                match (left.get(key), right.get(key)) {
                    (Some(left), Some(right)) => differences(&at, left, right, found),
                    (left, right) => found.push(format!("{at}: {left:?} vs {right:?}")),
                }
            }
        }
        (Value::Array(left), Value::Array(right)) => {
            if left.len() != right.len() {
                found.push(format!("{path}: {} vs {} items", left.len(), right.len()));
            }
            for (index, (left, right)) in left.iter().zip(right).enumerate() {
                differences(&format!("{path}[{index}]"), left, right, found);
            }
        }
        _ if left != right => found.push(format!("{path}: {left} vs {right}")),
        _ => {}
    }
}

fn number(value: &Value) -> U256 {
    value.as_str().expect("a quantity").parse().expect("hex quantity")
}

fn quantity(value: &Value) -> u64 {
    number(value).to::<u64>()
}
