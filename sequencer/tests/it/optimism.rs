//! op-node's `optimism_` methods: the output root agrees with `rollup_outputAtBlock` and with
//! one recomputed from the block and an `eth_getProof` of the message passer; the sync status
//! and rollup configuration carry op-node's field names and this chain's values, on their own
//! and following a real L1.

use crate::common::{dev_key, rpc_error, rpc_ok, send_and_seal, sign, transfer};
use alloy_primitives::{Address, B256, U256, keccak256};
use rollup_core::MESSAGE_PASSER_ADDRESS;
use rollup_l1::test_utils::deploy_rollup;
use sequencer::test_utils::TestNode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use test_support::{Backend, anvil};

fn b256(value: &Value) -> B256 {
    serde_json::from_value(value.clone()).unwrap_or_else(|err| panic!("{value} is not a hash: {err}"))
}

/// Every key of `object`, sorted.
fn keys(object: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> =
        object.as_object().unwrap_or_else(|| panic!("{object}")).keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

/// An `L2BlockRef` has op-node's fields, and agrees with the block `eth_getBlockByNumber` has.
async fn check_l2_ref(url: &str, block_ref: &Value) {
    assert_eq!(keys(block_ref), ["hash", "l1origin", "number", "parentHash", "sequenceNumber", "timestamp"]);
    assert_eq!(keys(&block_ref["l1origin"]), ["hash", "number"]);
    let number = block_ref["number"].as_u64().expect("numbers are JSON numbers, as op-node's");
    let block = rpc_ok(url, "eth_getBlockByNumber", json!([format!("{number:#x}"), false])).await;
    assert_eq!(block_ref["hash"], block["hash"]);
    assert_eq!(block_ref["parentHash"], block["parentHash"]);
    assert_eq!(format!("{:#x}", block_ref["timestamp"].as_u64().unwrap()), block["timestamp"]);
    let origin = rpc_ok(url, "rollup_l1Origin", json!([format!("{number:#x}")])).await;
    assert_eq!(block_ref["l1origin"], origin);
}

const SYNC_STATUS_FIELDS: [&str; 11] = [
    "cross_unsafe_l2",
    "current_l1",
    "current_l1_finalized",
    "finalized_l1",
    "finalized_l2",
    "head_l1",
    "local_safe_l2",
    "pending_safe_l2",
    "safe_l1",
    "safe_l2",
    "unsafe_l2",
];

async fn optimism_output_matches_rollup_output(backend: Backend) {
    let node = TestNode::start(backend).await;
    let url = node.url();
    let receipt = send_and_seal(&url, &sign(&dev_key(1), transfer(0, Address::repeat_byte(5), U256::from(9)))).await;
    let number = receipt["blockNumber"].clone();

    let op = rpc_ok(&url, "optimism_outputAtBlock", json!([number])).await;
    assert_eq!(
        keys(&op),
        ["blockRef", "outputRoot", "stateRoot", "syncStatus", "version", "withdrawalStorageRoot"],
        "{op}"
    );
    let ours = rpc_ok(&url, "rollup_outputAtBlock", json!([number])).await;
    assert_eq!(op["outputRoot"], ours["outputRoot"]);
    assert_eq!(op["version"], ours["version"]);
    assert_eq!(op["stateRoot"], ours["stateRoot"]);
    assert_eq!(op["withdrawalStorageRoot"], ours["messagePasserStorageRoot"]);
    assert_eq!(op["blockRef"]["hash"], ours["blockHash"]);
    assert_eq!(op["blockRef"]["hash"], receipt["blockHash"]);
    check_l2_ref(&url, &op["blockRef"]).await;
    assert_eq!(
        op["blockRef"]["sequenceNumber"],
        json!(number_u64(&number)),
        "every block has the genesis origin, block 0 first"
    );
    assert_eq!(keys(&op["syncStatus"]), SYNC_STATUS_FIELDS);

    // Recomputed from what the block and a proof of the message passer say.
    let block = rpc_ok(&url, "eth_getBlockByNumber", json!([number, false])).await;
    assert_eq!(op["stateRoot"], block["stateRoot"]);
    let proof = rpc_ok(&url, "eth_getProof", json!([MESSAGE_PASSER_ADDRESS, [], number])).await;
    assert_eq!(op["withdrawalStorageRoot"], proof["storageHash"]);
    let mut preimage = [0u8; 128];
    preimage[32..64].copy_from_slice(b256(&block["stateRoot"]).as_slice());
    preimage[64..96].copy_from_slice(b256(&proof["storageHash"]).as_slice());
    preimage[96..].copy_from_slice(b256(&block["hash"]).as_slice());
    assert_eq!(b256(&op["outputRoot"]), keccak256(preimage));
    assert_eq!(b256(&op["version"]), B256::ZERO);

    // Tags resolve; blocks beyond the head do not exist.
    let latest = rpc_ok(&url, "optimism_outputAtBlock", json!(["latest"])).await;
    assert_eq!(latest["outputRoot"], op["outputRoot"]);
    let genesis = rpc_ok(&url, "optimism_outputAtBlock", json!(["0x0"])).await;
    assert_eq!(genesis["blockRef"]["number"], 0);
    check_l2_ref(&url, &genesis["blockRef"]).await;
    let (code, message) = rpc_error(&url, "optimism_outputAtBlock", json!(["0x64"])).await;
    assert_eq!((code, message.as_str()), (-32000, "header not found"));
    let (code, _) = rpc_error(&url, "optimism_outputAtBlock", json!(["not-a-block"])).await;
    assert_eq!(code, -32602);
}

fn number_u64(value: &Value) -> u64 {
    u64::from_str_radix(value.as_str().unwrap().trim_start_matches("0x"), 16).unwrap()
}

async fn optimism_sync_status_and_rollup_config_fields(backend: Backend) {
    let node = TestNode::start(backend).await;
    let url = node.url();
    send_and_seal(&url, &sign(&dev_key(1), transfer(0, Address::repeat_byte(5), U256::from(9)))).await;

    let status = rpc_ok(&url, "optimism_syncStatus", json!([])).await;
    assert_eq!(keys(&status), SYNC_STATUS_FIELDS, "{status}");
    let head = number_u64(&rpc_ok(&url, "eth_blockNumber", json!([])).await);
    assert_eq!(status["unsafe_l2"]["number"], head);
    for field in ["unsafe_l2", "safe_l2", "finalized_l2", "pending_safe_l2", "cross_unsafe_l2", "local_safe_l2"] {
        check_l2_ref(&url, &status[field]).await;
    }
    assert_eq!(status["safe_l2"]["number"], 0, "no L1, nothing derived");
    assert_eq!(status["cross_unsafe_l2"], status["unsafe_l2"]);
    for field in ["current_l1", "current_l1_finalized", "head_l1", "safe_l1", "finalized_l1"] {
        assert_eq!(keys(&status[field]), ["hash", "number", "parentHash", "timestamp"], "{field}");
        // Without L1 every L1 head is the genesis origin.
        assert_eq!(status[field]["hash"], status["unsafe_l2"]["l1origin"]["hash"], "{field}");
    }

    let config = rpc_ok(&url, "optimism_rollupConfig", json!([])).await;
    assert_eq!(
        keys(&config),
        [
            "batch_inbox_address",
            "block_time",
            "channel_timeout",
            "deposit_contract_address",
            "genesis",
            "l1_chain_id",
            "l1_system_config_address",
            "l2_chain_id",
            "max_sequencer_drift",
            "seq_window_size",
        ],
        "{config}"
    );
    assert_eq!(keys(&config["genesis"]), ["l1", "l2", "l2_time", "system_config"]);
    assert_eq!(keys(&config["genesis"]["system_config"]), ["batcherAddr", "gasLimit", "overhead", "scalar"]);
    assert_eq!(config["l2_chain_id"], 42069);
    assert_eq!(config["l1_chain_id"], Value::Null, "no L1");
    assert_eq!(config["seq_window_size"], 3600);
    assert_eq!(config["channel_timeout"], rollup_derive::CHANNEL_TIMEOUT);
    assert_eq!(config["block_time"], 0, "blocks on demand");
    let genesis_block = rpc_ok(&url, "eth_getBlockByNumber", json!(["0x0", false])).await;
    assert_eq!(config["genesis"]["l2"], json!({ "hash": genesis_block["hash"], "number": 0 }));
    assert_eq!(format!("{:#x}", config["genesis"]["l2_time"].as_u64().unwrap()), genesis_block["timestamp"]);
    assert_eq!(
        format!("{:#x}", config["genesis"]["system_config"]["gasLimit"].as_u64().unwrap()),
        genesis_block["gasLimit"]
    );
    let scalar = b256(&config["genesis"]["system_config"]["scalar"]);
    assert_eq!(scalar[0], 1, "Ecotone scalar encoding");
    assert_eq!(u32::from_be_bytes(scalar[28..].try_into().unwrap()), 10_600, "the default base fee scalar");
}

/// Following a real L1, the L1 fields come from it.
async fn optimism_following_l1() {
    let l1 = anvil();
    let deployment = deploy_rollup(&l1).await;
    let node = TestNode::start_following(&l1.endpoint(), &deployment, false).await;
    let url = node.url();
    let config = rpc_ok(&url, "optimism_rollupConfig", json!([])).await;
    assert_eq!(config["l1_chain_id"], deployment.l1_chain_id);
    assert_eq!(config["deposit_contract_address"], json!(deployment.portal));
    assert_eq!(config["batch_inbox_address"], json!(deployment.batch_inbox));
    assert_eq!(config["l1_system_config_address"], json!(deployment.system_config));

    // Let L1 move on and the sequencer take a later origin.
    let provider = alloy::providers::ProviderBuilder::new().connect_http(l1.endpoint_url());
    use alloy::providers::Provider as _;
    let started = Instant::now();
    let status = loop {
        provider.raw_request::<_, Value>("evm_mine".into(), ()).await.unwrap();
        rpc_ok(&url, "rollup_produceBlock", json!([])).await;
        let status = rpc_ok(&url, "optimism_syncStatus", json!([])).await;
        if status["current_l1"]["number"].as_u64().unwrap() > config["genesis"]["l1"]["number"].as_u64().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the L1 origin did not advance: {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let current = status["current_l1"].as_object().unwrap();
    let l1_block =
        provider.get_block_by_hash(b256(&status["current_l1"]["hash"])).await.unwrap().expect("a real L1 block");
    assert_eq!(current["parentHash"], json!(l1_block.header.parent_hash));
    assert_eq!(current["timestamp"], l1_block.header.timestamp);
    assert_eq!(current["number"], l1_block.header.number);
    let l1_head = provider.get_block_number().await.unwrap();
    assert!(status["head_l1"]["number"].as_u64().unwrap() <= l1_head);
    assert!(status["head_l1"]["number"].as_u64().unwrap() >= l1_block.header.number, "{status}");
    assert_ne!(status["head_l1"]["parentHash"], json!(B256::ZERO));
    check_l2_ref(&url, &status["unsafe_l2"]).await;
    assert_eq!(status["unsafe_l2"]["l1origin"]["hash"], status["current_l1"]["hash"]);
}

crate::on_every_backend!(optimism_output_matches_rollup_output, optimism_sync_status_and_rollup_config_fields);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optimism_rollup_config_and_sync_status_from_l1() {
    optimism_following_l1().await;
}
