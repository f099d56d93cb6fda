//! `eth_getProof` answers, at the head and at old blocks, verify against the block's state root
//! with a standard verifier (alloy-trie's, not ours); `debug_dbGet` serves their nodes by hash.

use crate::common::{dev_key, rpc_ok, send_and_seal, sign, transfer};
use alloy::{consensus::TrieAccount, rlp::Encodable, rpc::types::EIP1186AccountProofResponse};
use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_trie::{Nibbles, proof::verify_proof};
use sequencer::test_utils::TestNode;
use serde_json::json;
use test_support::Backend;

pub(crate) fn verify_account(state_root: B256, proof: &EIP1186AccountProofResponse) {
    let exists = proof.nonce != 0 || !proof.balance.is_zero() || proof.code_hash != alloy_primitives::KECCAK256_EMPTY;
    let expected = exists.then(|| {
        let account = TrieAccount {
            nonce: proof.nonce,
            balance: proof.balance,
            storage_root: proof.storage_hash,
            code_hash: proof.code_hash,
        };
        let mut encoded = Vec::new();
        account.encode(&mut encoded);
        encoded
    });
    let key = Nibbles::unpack(keccak256(proof.address));
    verify_proof(state_root, key, expected, &proof.account_proof).expect("account proof verifies");
    for slot in &proof.storage_proof {
        let key = Nibbles::unpack(keccak256(slot.key.as_b256()));
        let value = (!slot.value.is_zero()).then(|| alloy::rlp::encode(slot.value));
        verify_proof(proof.storage_hash, key, value, &slot.proof).expect("storage proof verifies");
    }
}

async fn proofs_verify(backend: Backend) {
    let node = TestNode::start(backend).await;
    let url = node.url();
    let key = dev_key(7);
    send_and_seal(&url, &sign(&key, transfer(0, Address::repeat_byte(0x42), U256::from(5)))).await;
    let block = rpc_ok(&url, "eth_getBlockByNumber", json!(["latest", false])).await;
    let state_root: B256 = serde_json::from_value(block["stateRoot"].clone()).unwrap();

    // A funded EOA, a fresh recipient, an absent account, and the EIP-2935 history contract
    // whose storage holds the parent hash.
    let history = alloy::eips::eip2935::HISTORY_STORAGE_ADDRESS;
    let parent_slot = B256::from(U256::from(0));
    let cases = [
        (key.address(), vec![]),
        (Address::repeat_byte(0x42), vec![]),
        (Address::repeat_byte(0x99), vec![B256::repeat_byte(1)]),
        (history, vec![parent_slot, B256::from(U256::from(5))]),
    ];
    for (address, slots) in cases {
        let proof = rpc_ok(&url, "eth_getProof", json!([address, slots, "latest"])).await;
        let proof: EIP1186AccountProofResponse = serde_json::from_value(proof).unwrap();
        verify_account(state_root, &proof);
        if address == history {
            let genesis = rpc_ok(&url, "eth_getBlockByNumber", json!(["0x0", false])).await;
            let genesis_hash: B256 = serde_json::from_value(genesis["hash"].clone()).unwrap();
            assert_eq!(B256::from(proof.storage_proof[0].value), genesis_hash, "block 1 stored its parent hash");
            assert!(proof.storage_proof[1].value.is_zero());
        }
    }
    // debug_dbGet serves each node of a proof, and code, by hash.
    let proof = rpc_ok(&url, "eth_getProof", json!([history, [parent_slot], "latest"])).await;
    let proof: EIP1186AccountProofResponse = serde_json::from_value(proof).unwrap();
    let nodes = proof.account_proof.iter().chain(&proof.storage_proof[0].proof).filter(|node| node.len() >= 32);
    for node in nodes.chain([&alloy::eips::eip2935::HISTORY_STORAGE_CODE]) {
        let served = rpc_ok(&url, "debug_dbGet", json!([keccak256(node)])).await;
        assert_eq!(serde_json::from_value::<alloy_primitives::Bytes>(served).unwrap(), *node);
    }
    let (code, message) = crate::common::rpc_error(&url, "debug_dbGet", json!([B256::repeat_byte(7)])).await;
    assert_eq!(code, -32000, "{message}");
    assert!(message.contains("no trie node or code"), "{message}");
    let (code, message) = crate::common::rpc_error(&url, "debug_dbGet", json!(["0x1234"])).await;
    assert_eq!(code, -32602, "{message}");
    // More keys than the limit are refused before any work.
    let many: Vec<B256> = (0..1_025u64).map(|i| B256::from(U256::from(i))).collect();
    let (code, message) = crate::common::rpc_error(&url, "eth_getProof", json!([history, many, "latest"])).await;
    assert_eq!(code, -32005, "{message}");
    assert!(message.contains("at most 1024"), "{message}");
}

async fn header_root(url: &str, number: &serde_json::Value) -> B256 {
    let block = rpc_ok(url, "eth_getBlockByNumber", json!([number, false])).await;
    serde_json::from_value(block["stateRoot"].clone()).unwrap()
}

async fn proof_at(
    url: &str,
    address: Address,
    slots: &[B256],
    number: &serde_json::Value,
) -> EIP1186AccountProofResponse {
    serde_json::from_value(rpc_ok(url, "eth_getProof", json!([address, slots, number])).await).unwrap()
}

/// Proofs at every block since genesis verify against that block's state root and show the
/// values of then, also after a restart (the trie nodes are in the database).
async fn proofs_at_old_blocks(backend: Backend) {
    let mut node = TestNode::start(backend).await;
    let url = node.url();
    let key = dev_key(8);
    let to = Address::repeat_byte(0x44);
    let history = alloy::eips::eip2935::HISTORY_STORAGE_ADDRESS;
    let slots = [B256::ZERO, B256::from(U256::from(1))];
    let mut blocks = vec![json!("0x0")];
    for nonce in 0..3u64 {
        let receipt = send_and_seal(&url, &sign(&key, transfer(nonce, to, U256::from(7 + nonce)))).await;
        blocks.push(receipt["blockNumber"].clone());
    }
    let sender_address = key.address();
    let check = |url: String, blocks: Vec<serde_json::Value>| async move {
        let mut received = U256::ZERO;
        for (i, number) in blocks.iter().enumerate() {
            let root = header_root(&url, number).await;
            let recipient = proof_at(&url, to, &[], number).await;
            verify_account(root, &recipient);
            assert_eq!(recipient.balance, received, "balance of the recipient at block {number}");
            let sender = proof_at(&url, sender_address, &[], number).await;
            verify_account(root, &sender);
            assert_eq!(sender.nonce, i as u64, "nonce of the sender at block {number}");
            verify_account(root, &proof_at(&url, history, &slots, number).await);
            if i < 3 {
                received += U256::from(7 + i as u64);
            }
        }
    };
    check(url.clone(), blocks.clone()).await;
    node.restart().await;
    check(node.url(), blocks).await;
}

crate::on_every_backend!(proofs_verify, proofs_at_old_blocks);
