//! `eth_getProof` answers verify against the block's state root with a standard verifier.

use crate::common::{dev_key, rpc_ok, send_and_seal, sign, transfer};
use alloy::{consensus::TrieAccount, rlp::Encodable, rpc::types::EIP1186AccountProofResponse};
use alloy_primitives::{Address, B256, U256, keccak256};
use alloy_trie::{Nibbles, proof::verify_proof};
use sequencer::test_utils::TestNode;
use serde_json::json;
use test_support::Backend;

fn verify_account(state_root: B256, proof: &EIP1186AccountProofResponse) {
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
    let (code, message) = crate::common::rpc_error(&url, "eth_getProof", json!([key.address(), [], "0x0"])).await;
    assert_eq!(code, -32000);
    assert!(message.contains("latest block only"), "{message}");
}

crate::on_every_backend!(proofs_verify);
