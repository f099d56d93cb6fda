//! The command line: help for every option, configuration precedence, clear errors.

use std::process::Command;

fn rollup(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rollup")).args(args).output().expect("run rollup")
}

#[test]
fn help_explains_every_option() {
    let output = rollup(&["sequencer", "--help"]);
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for option in [
        "--config",
        "--database-url",
        "--listen",
        "--block-time-ms",
        "--chain-id",
        "--l1-rpc",
        "--deployment",
        "--l1-confirmations",
        "--l1-poll-interval-ms",
        "--pool-max-txs",
        "--rpc-max-batch",
    ] {
        assert!(help.contains(option), "{option} missing from help:\n{help}");
    }
    assert!(help.contains("ROLLUP_DATABASE_URL"), "environment variables are shown");
    for (command, options) in [
        (
            &["devnet", "--help"][..],
            &["--data-dir", "--l1-port", "--verifier-listen", "--proposal-interval", "--challenge-window", "--l1-rpc"]
                [..],
        ),
        (&["fraud-prover", "--help"], &["--l1-rpc-url", "--deployment", "--genesis", "--database-url", "--listen"]),
        (&["fraud-prover", "replay", "--help"], &["--output", "--l2-rpc-url", "--deployment"]),
    ] {
        let output = rollup(command);
        assert!(output.status.success(), "{command:?}");
        let help = String::from_utf8(output.stdout).unwrap();
        for option in options {
            assert!(help.contains(option), "{option} missing from {command:?}:\n{help}");
        }
    }
}

#[test]
fn config_file_then_env_then_flags() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rollup.toml");
    std::fs::write(&file, "chain_id = 7\nblock_gas_limit = 25000000\n").unwrap();
    let genesis = |extra: &[&str], env: Option<(&str, &str)>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_rollup"));
        command.args(["genesis", "--config", file.to_str().unwrap()]).args(extra);
        if let Some((key, value)) = env {
            command.env(key, value);
        }
        let output = command.output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    assert_eq!(genesis(&[], None)["config"]["chainId"], 7);
    assert_eq!(genesis(&[], Some(("ROLLUP_CHAIN_ID", "8")))["config"]["chainId"], 8);
    assert_eq!(genesis(&["--chain-id", "9"], Some(("ROLLUP_CHAIN_ID", "8")))["config"]["chainId"], 9);
    assert_eq!(genesis(&[], None)["config"]["blockGasLimit"], 25_000_000);
}

#[test]
fn bad_configuration_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "chain_idd = 7\n").unwrap();
    let output = rollup(&["genesis", "--config", file.to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown field") && stderr.contains("chain_idd"), "{stderr}");

    let output = rollup(&["sequencer", "--listen", "not-an-address"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--listen"));
}

#[test]
fn the_l1_blob_schedule_is_part_of_a_new_chain() {
    let output = rollup(&["genesis", "--l1-blob-schedule", "1000:8346193, 2000:11684671"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let genesis: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let schedule = &genesis["config"]["l1BlobSchedule"];
    assert_eq!(schedule[0], serde_json::json!({ "fromTimestamp": 1000, "updateFraction": 8346193 }));
    assert_eq!(schedule[1]["fromTimestamp"], 2000);
    for bad in ["1000", "2000:1,1000:2", "x:1"] {
        let output = rollup(&["genesis", "--l1-blob-schedule", bad]);
        assert!(!output.status.success(), "{bad} is refused");
        assert!(String::from_utf8_lossy(&output.stderr).contains("l1-blob-schedule"), "{bad}");
    }
}
