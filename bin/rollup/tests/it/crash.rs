//! Crash safety: under a stream of transactions the sequencer process is killed with SIGKILL;
//! after a restart every acknowledged transaction is in a block or pending, and replaying the
//! stored blocks from genesis reproduces the head state root; the state archive (proofs at every
//! block) is whole.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::eip2718::Encodable2718,
    network::TxSignerSync,
    signers::local::PrivateKeySigner,
};
use alloy_primitives::{Address, B256, TxKind, U256};
use serde_json::{Value, json};
use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use test_support::{Backend, PostgresServer};

/// The sequencer as a child process, killed when dropped.
struct Node {
    child: Child,
    url: String,
}

impl Node {
    fn start(database_url: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_rollup"))
            .args(["sequencer", "--database-url", database_url, "--block-time-ms", "50"])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start rollup sequencer");
        let node = Self { child, url: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(60);
        // The server binds only after the chain is open, so a connection means ready.
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "sequencer did not become healthy");
            std::thread::sleep(Duration::from_millis(50));
        }
        node
    }

    /// SIGKILL: no shutdown code runs.
    fn kill(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reap");
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn call(url: &str, method: &str, params: Value) -> Result<Value, String> {
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
    let response: Value = reqwest::Client::new()
        .post(url)
        .json(&body)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    match response.get("error") {
        Some(error) => Err(error.to_string()),
        None => Ok(response["result"].clone()),
    }
}

fn signed_transfer(key: &PrivateKeySigner, nonce: u64) -> String {
    let mut tx = TxEip1559 {
        chain_id: 42069,
        nonce,
        gas_limit: 21_000,
        max_fee_per_gas: 100_000_000_000,
        max_priority_fee_per_gas: 1_000_000,
        to: TxKind::Call(Address::repeat_byte(0x77)),
        value: U256::from(1),
        ..Default::default()
    };
    let signature = key.sign_transaction_sync(&mut tx).unwrap();
    alloy_primitives::hex::encode_prefixed(TxEnvelope::from(tx.into_signed(signature)).encoded_2718())
}

/// Sends transfers from `key` one after another until the node stops answering; records
/// every hash the node acknowledged.
async fn stream(url: String, key: PrivateKeySigner, first_nonce: u64, acked: Arc<Mutex<Vec<B256>>>) -> u64 {
    let mut nonce = first_nonce;
    loop {
        match call(&url, "eth_sendRawTransaction", json!([signed_transfer(&key, nonce)])).await {
            Ok(hash) => {
                acked.lock().unwrap().push(serde_json::from_value(hash).unwrap());
                nonce += 1;
            }
            Err(_) => return nonce,
        }
    }
}

async fn kill_during_stream(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let postgres = (backend == Backend::Postgres).then(PostgresServer::start);
    let database_url = match &postgres {
        Some(server) => server.url(),
        None => format!("sqlite://{}?mode=rwc", dir.path().join("l2.db").display()),
    };
    let keys: Vec<PrivateKeySigner> = rollup_core::dev_signers().into_iter().take(4).collect();
    let mut nonces = vec![0u64; keys.len()];
    let acked = Arc::new(Mutex::new(Vec::new()));

    for round in 0..3u64 {
        let node = Node::start(&database_url);
        for (key, nonce) in keys.iter().zip(nonces.iter_mut()) {
            let pending = call(&node.url, "eth_getTransactionCount", json!([key.address(), "pending"])).await.unwrap();
            *nonce = u64::from_str_radix(pending.as_str().unwrap().trim_start_matches("0x"), 16).unwrap();
        }
        let senders: Vec<_> = keys
            .iter()
            .zip(&nonces)
            .map(|(key, nonce)| tokio::spawn(stream(node.url.clone(), key.clone(), *nonce, acked.clone())))
            .collect();
        tokio::time::sleep(Duration::from_millis(700 + 300 * round)).await;
        node.kill();
        for sender in senders {
            sender.await.unwrap();
        }
    }

    let node = Node::start(&database_url);
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 20, "the stream sent too little to test anything: {}", acked.len());
    for hash in &acked {
        let tx = call(&node.url, "eth_getTransactionByHash", json!([hash])).await.unwrap();
        assert!(!tx.is_null(), "acknowledged transaction {hash} was lost");
    }
    // Everything acknowledged gets mined after the restart.
    let deadline = Instant::now() + Duration::from_secs(30);
    for hash in &acked {
        while call(&node.url, "eth_getTransactionReceipt", json!([hash])).await.unwrap().is_null() {
            assert!(Instant::now() < deadline, "pending transaction {hash} was not mined after restart");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let head = call(&node.url, "eth_getBlockByNumber", json!(["latest", false])).await.unwrap();
    // The node may seal more blocks until it is stopped; the replay covers all of them.
    drop(node);

    let output =
        Command::new(env!("CARGO_BIN_EXE_rollup")).args(["replay", "--database-url", &database_url]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "replay failed: {}", String::from_utf8_lossy(&output.stderr));
    let (replayed, root) = replay_summary(&stdout);

    // The restarted node serves the replayed head with the replayed root, and the head seen
    // before the stop unchanged.
    let node = Node::start(&database_url);
    let block = |number: String| call(&node.url, "eth_getBlockByNumber", json!([number, false]));
    let last = block(format!("{replayed:#x}")).await.unwrap();
    assert_eq!(last["stateRoot"].as_str(), Some(root.as_str()), "replay root differs from block {replayed}");
    let earlier = block(head["number"].as_str().unwrap().to_owned()).await.unwrap();
    assert_eq!(earlier["hash"], head["hash"], "the head seen before the stop changed");
    // Every block's state is provable after the kills: the senders' proofs verify against each
    // block's root and show the nonce of then.
    for number in (0..=replayed).step_by((replayed as usize / 50).max(1)) {
        let number = format!("{number:#x}");
        let root: B256 = serde_json::from_value(block(number.clone()).await.unwrap()["stateRoot"].clone()).unwrap();
        for key in &keys {
            let proof = call(&node.url, "eth_getProof", json!([key.address(), [], number])).await.unwrap();
            let proof: alloy::rpc::types::EIP1186AccountProofResponse = serde_json::from_value(proof).unwrap();
            let nonce = call(&node.url, "eth_getTransactionCount", json!([key.address(), number])).await.unwrap();
            assert_eq!(json!(format!("{:#x}", proof.nonce)), nonce, "nonce at block {number}");
            let account = alloy::consensus::TrieAccount {
                nonce: proof.nonce,
                balance: proof.balance,
                storage_root: proof.storage_hash,
                code_hash: proof.code_hash,
            };
            let leaf = alloy::rlp::encode(account);
            let path = alloy_trie::Nibbles::unpack(alloy_primitives::keccak256(key.address()));
            alloy_trie::proof::verify_proof(root, path, Some(leaf), &proof.account_proof)
                .unwrap_or_else(|err| panic!("proof of {} at block {number}: {err}", key.address()));
        }
    }
    drop(node);
    drop(postgres);
}

/// The last block number and state root from `rollup replay`'s summary line
/// ("replayed blocks 1..=N: every block matches; state root 0x…").
fn replay_summary(stdout: &str) -> (u64, String) {
    let line = stdout
        .lines()
        .find(|line| line.starts_with("replayed blocks"))
        .unwrap_or_else(|| panic!("no summary: {stdout}"));
    let last = line.split("..=").nth(1).and_then(|rest| rest.split(':').next()).unwrap();
    let root = line.rsplit(' ').next().unwrap();
    (last.parse().unwrap(), root.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_sqlite() {
    kill_during_stream(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_postgres() {
    kill_during_stream(Backend::Postgres).await;
}
