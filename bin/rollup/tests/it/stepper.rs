//! `rollup stepper state-tests`: the interface other checks call (a line per test, then
//! exactly `N passed, M failed, K skipped` and `steps=… max_step_gas=…`).

use std::{path::PathBuf, process::Command};

fn fixtures() -> PathBuf {
    test_support::repo_root().join("../shared/fixtures/state-tests")
}

fn state_tests(paths: &[PathBuf]) -> (bool, Vec<String>) {
    let output = Command::new(env!("CARGO_BIN_EXE_rollup"))
        .args(["stepper", "state-tests"])
        .args(paths)
        .output()
        .expect("run rollup");
    let stdout = String::from_utf8(output.stdout).unwrap();
    (output.status.success(), stdout.lines().map(str::to_owned).collect())
}

/// The numbers of the closing line `N passed, M failed, K skipped`.
fn closing(lines: &[String]) -> (u64, u64, u64) {
    let line = &lines[lines.len() - 2];
    let numbers: Vec<u64> = line.split([' ', ',']).filter_map(|word| word.parse().ok()).collect();
    assert_eq!(line, &format!("{} passed, {} failed, {} skipped", numbers[0], numbers[1], numbers[2]));
    (numbers[0], numbers[1], numbers[2])
}

#[test]
fn single_frame_tests_pass_every_step_and_the_final_state() {
    let (success, lines) = state_tests(&[fixtures().join("stChainId"), fixtures().join("Shanghai/stEIP3855-push0")]);
    assert!(success, "{}", lines.join("\n"));
    let (passed, failed, _) = closing(&lines);
    assert!(passed >= 3 && failed == 0, "{}", lines.join("\n"));
    let last = lines.last().unwrap();
    let steps: u64 = last.strip_prefix("steps=").unwrap().split(' ').next().unwrap().parse().unwrap();
    let gas: u64 = last.split("max_step_gas=").nth(1).unwrap().parse().unwrap();
    assert!(steps > 50 && gas > 0 && gas < 1 << 23, "{last}");
    assert!(lines.iter().filter(|line| line.starts_with("PASS ")).count() as u64 == passed);
}

#[test]
fn calls_selfdestruct_and_precompiles_pass_and_what_has_no_steps_is_skipped_with_its_reason() {
    let calls = fixtures().join("stCallCodes/callcall_00.json");
    let selfdestruct = fixtures().join("stCallCodes/callcall_00_SuicideEnd.json");
    let precompile = fixtures().join("stPreCompiledContracts/identity_to_smaller.json");
    let invalid = fixtures().join("stCreateTest/CreateTransactionHighNonce.json");
    let (success, lines) = state_tests(&[calls, selfdestruct, precompile, invalid]);
    assert!(success, "{}", lines.join("\n"));
    let (passed, failed, skipped) = closing(&lines);
    assert_eq!((passed, failed, skipped), (3, 0, 2), "{}", lines.join("\n"));
    let reason = "invalid transaction (nothing to step)";
    assert!(lines.iter().any(|line| line.starts_with("SKIP ") && line.contains(reason)), "{}", lines.join("\n"));
}

#[test]
fn a_missing_folder_is_an_error() {
    let (success, _) = state_tests(&[PathBuf::from("/nonexistent/state-tests")]);
    assert!(!success);
}

#[test]
fn stepping_a_block_says_what_it_could_not_do() {
    let block = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_rollup"))
            .args(["stepper", "block", "--l2-rpc-url", "http://127.0.0.1:1"])
            .args(args)
            .output()
            .expect("run rollup");
        assert!(!output.status.success());
        String::from_utf8(output.stderr).unwrap()
    };
    assert!(block(&["--block", "0"]).contains("block 0 is the genesis"));
    assert!(block(&["--block", "7"]).contains("eth_getBlockByNumber 7"));
}
