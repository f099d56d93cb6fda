//! The devnet's real blocks through the dispute game's EVM stepper: `rollup stepper block`
//! traces each block from the node's proofs and checks every step against the Solidity
//! stepper, then the block's receipts, state root and output root.

use super::{cast_send, dev_key};
use alloy::providers::Provider;
use alloy_primitives::{Address, B256};
use serde_json::Value;
use std::{collections::BTreeSet, process::Command, time::Duration};
use test_support::{rollup_binary, run_bounded};

/// Dev key of the creation that destroys itself and of the EIP-7702 delegation.
const STEPPER_KEY: usize = 7;

/// Init code that writes a slot and self-destructs in its creating transaction (EIP-6780).
const CREATE_AND_DESTROY: &str = "0x600160015533ff";

/// Sends what the clients' runs leave out: a contract creation that destroys itself, and an
/// EIP-7702 delegation of the sender's account to `delegate`, called through it; returns their
/// blocks.
pub(super) fn create_destroy_and_delegate(rpc: &str, delegate: &str) -> Vec<u64> {
    let key = dev_key(STEPPER_KEY);
    let created = cast_send(rpc, &key, &["--create", CREATE_AND_DESTROY]);
    let account = rollup_core::dev_signers()[STEPPER_KEY].address().to_string();
    let call = [&account, "balanceOf(address)", &account, "--auth", delegate];
    let delegated = cast_send(rpc, &key, &call);
    assert_eq!(delegated["type"], "0x4", "cast sent a set-code transaction: {delegated}");
    [created, delegated].iter().map(block_of).collect()
}

/// The L2 block holding the first user deposit from `depositor`.
pub(super) async fn deposit_block(l2: &impl Provider, depositor: Address) -> u64 {
    let head = l2.get_block_number().await.unwrap();
    for number in 1..=head {
        let block: Value = l2.raw_request("eth_getBlockByNumber".into(), (format!("{number:#x}"), true)).await.unwrap();
        let deposits = block["transactions"].as_array().unwrap().iter().skip(1).filter(|tx| tx["type"] == "0x7e");
        if deposits.into_iter().any(|tx| tx["from"].as_str().and_then(|from| from.parse().ok()) == Some(depositor)) {
            return number;
        }
    }
    panic!("no L2 block up to {head} holds a deposit from {depositor}");
}

/// Steps every block of `blocks` (all their steps), then one step picked by position, and
/// checks what the command printed.
pub(super) fn step_blocks(rpc: &str, blocks: &BTreeSet<u64>) {
    for &block in blocks {
        let (success, lines) = stepper_block(rpc, block, None);
        assert!(success, "block {block}:\n{}", lines.join("\n"));
        let (passed, failed) = closing(&lines);
        assert!(passed > 0 && failed == 0, "block {block}:\n{}", lines.join("\n"));
        let output = lines.iter().find_map(|line| line.strip_prefix("output root ")).expect("an output root line");
        let (stepped, node) = output.split_once(" (the node's rollup_outputAtBlock: ").expect("both roots");
        assert_eq!(node, format!("{stepped})"), "the stepped block's output root is the node's");
    }
    // Step 3 of the block's second transaction alone, and the slot's last position, past the
    // transaction's end: its final machine, which a step leaves as it is.
    let block = *blocks.last().unwrap();
    for position in [(2 << 24) + 3, (3 << 24) - 1] {
        let (success, lines) = stepper_block(rpc, block, Some(position));
        assert!(success, "{}", lines.join("\n"));
        assert_eq!(closing(&lines), (1, 0), "{}", lines.join("\n"));
    }
    // A position outside the transactions' slots is refused with the reason.
    let (success, lines) = stepper_block(rpc, block, Some(5));
    assert!(!success, "{}", lines.join("\n"));
}

/// The block `receipt` landed in.
fn block_of(receipt: &Value) -> u64 {
    u64::from_str_radix(receipt["blockNumber"].as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

/// Runs `rollup stepper block` and returns whether it succeeded and what it printed.
fn stepper_block(rpc: &str, block: u64, step: Option<u64>) -> (bool, Vec<String>) {
    let mut command = Command::new(rollup_binary());
    command.args(["stepper", "block", "--l2-rpc-url", rpc, "--block", &block.to_string()]);
    if let Some(step) = step {
        command.args(["--step", &step.to_string()]);
    }
    let output = run_bounded(&mut command, Duration::from_secs(300));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut lines: Vec<String> = stdout.lines().map(str::to_owned).collect();
    lines.push(String::from_utf8_lossy(&output.stderr).into_owned());
    (output.status.success(), lines)
}

/// The numbers of the closing line `N passed, M failed` (the last line of the output).
fn closing(lines: &[String]) -> (u64, u64) {
    let line = lines.iter().rev().find(|line| line.ends_with(" failed")).expect("a closing line");
    let numbers: Vec<u64> = line.split([' ', ',']).filter_map(|word| word.parse().ok()).collect();
    assert_eq!(line, &format!("{} passed, {} failed", numbers[0], numbers[1]));
    (numbers[0], numbers[1])
}

/// Blocks of the transactions `hashes`.
pub(super) async fn blocks_of(l2: &impl Provider, hashes: &[B256]) -> BTreeSet<u64> {
    let mut blocks = BTreeSet::new();
    for hash in hashes {
        let receipt = l2.get_transaction_receipt(*hash).await.unwrap().expect("a receipt");
        blocks.insert(receipt.block_number.unwrap());
    }
    blocks
}
