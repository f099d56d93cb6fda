//! `rollup deploy` against a real Anvil: contracts land at deterministic addresses, a second
//! run finds them without sending anything, and bad input gets a clear error.

use alloy::providers::{Provider, ProviderBuilder};
use rollup_l1::{BatchInbox, Deployment, OutputOracle};
use std::{path::Path, process::Command};
use test_support::anvil;

const DEV_KEY_0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

fn deploy(l1: &str, key: &str, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rollup"))
        .args(["deploy", "--l1-rpc-url", l1, "--challenge-window", "12", "--batcher"])
        .arg("0x70997970C51812dC3A010C7D01b50e0d17dc79C8")
        .arg("--out")
        .arg(out)
        .env("ROLLUP_PRIVATE_KEY", key)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run rollup deploy")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_is_deterministic_and_idempotent() {
    let l1 = anvil();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("deployment.json");
    let provider = ProviderBuilder::new().connect_http(l1.endpoint_url());
    let deployer = alloy_primitives::address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");

    let first = deploy(&l1.endpoint(), DEV_KEY_0, &out);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let deployment = Deployment::read(&out).unwrap();
    assert_eq!(deployment.l1_chain_id, 31337);
    for address in [deployment.batch_inbox, deployment.output_oracle, deployment.portal] {
        assert!(!provider.get_code_at(address).await.unwrap().is_empty());
    }
    let inbox = BatchInbox::new(deployment.batch_inbox, &provider);
    assert_eq!(inbox.batcher().call().await.unwrap(), deployment.config.batcher);
    let oracle = OutputOracle::new(deployment.output_oracle, &provider);
    assert_eq!(oracle.challengeWindow().call().await.unwrap(), alloy_primitives::U256::from(12));
    let nonce = provider.get_transaction_count(deployer).await.unwrap();

    // Again, and again without the file: nothing is sent, the same deployment is found.
    for remove_file in [false, true] {
        if remove_file {
            std::fs::remove_file(&out).unwrap();
        }
        let again = deploy(&l1.endpoint(), DEV_KEY_0, &out);
        assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
        assert_eq!(Deployment::read(&out).unwrap(), deployment);
        assert_eq!(provider.get_transaction_count(deployer).await.unwrap(), nonce, "no new transactions");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_errors_are_clear() {
    let l1 = anvil();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("deployment.json");

    let bad_key = deploy(&l1.endpoint(), "0x1234", &out);
    let stderr = String::from_utf8_lossy(&bad_key.stderr);
    assert!(!bad_key.status.success());
    assert!(stderr.contains("not a valid secp256k1 private key") && !stderr.contains("0x1234"), "{stderr}");

    let unfunded = "0x1111111111111111111111111111111111111111111111111111111111111111";
    let broke = deploy(&l1.endpoint(), unfunded, &out);
    let stderr = String::from_utf8_lossy(&broke.stderr);
    assert!(!broke.status.success());
    assert!(stderr.contains("has no ETH on the L1") && !stderr.contains(&unfunded[2..]), "{stderr}");

    let nowhere = deploy("http://127.0.0.1:9", DEV_KEY_0, &out);
    let stderr = String::from_utf8_lossy(&nowhere.stderr);
    assert!(!nowhere.status.success());
    assert!(stderr.contains("http://127.0.0.1:9"), "{stderr}");
    assert!(!out.exists(), "no deployment file after failures");
}
