//! `BufferTree` in Rust against `BufferTree.sol` running in revm: over random buffers and
//! writes, the Solidity library accepts the Rust tree's words with their proofs, computes the
//! same root after a write, and rejects a wrong word or a tampered proof.

use alloy::sol_types::SolCall;
use alloy_primitives::{B256, Bytes};
use proptest::prelude::*;
use std::sync::LazyLock;
use stepper::{BUFFER_DEPTH, BufferTree};
use test_support::ContractHarness;

alloy::sol! {
    function verify(bytes32 root, uint256 index, bytes32 word, bytes32[] proof) external pure;
    function update(bytes32 root, uint256 index, bytes32 oldWord, bytes32 newWord, bytes32[] proof)
        external pure returns (bytes32);
    function emptyRoot() external pure returns (bytes32);
}

/// Runtime code of `BufferTreeHarness`, compiled once per test binary.
static HARNESS_CODE: LazyLock<Bytes> = LazyLock::new(|| {
    test_support::compile("contracts/test/utils/BufferTreeHarness.sol", "BufferTreeHarness").deployed_bytecode
});

/// Calls the harness: its output, or `Err` when it reverted.
fn call(data: Vec<u8>) -> Result<Bytes, Bytes> {
    ContractHarness::new(HARNESS_CODE.clone()).call(data)
}

fn solidity_verify(tree: &BufferTree, index: usize, word: B256, proof: Vec<B256>) -> bool {
    call(verifyCall { root: tree.root(), index: index.try_into().unwrap(), word, proof }.abi_encode()).is_ok()
}

#[test]
fn empty_roots_agree() {
    let output = call(emptyRootCall {}.abi_encode()).unwrap();
    assert_eq!(B256::from_slice(&output), BufferTree::new(&[]).root());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn solidity_agrees_with_the_rust_tree(
        bytes in prop::collection::vec(any::<u8>(), 0..2000),
        writes in prop::collection::vec((0usize..200, any::<[u8; 32]>()), 1..6),
        tamper in (0..BUFFER_DEPTH, any::<u8>().prop_filter("non-zero", |byte| *byte != 0)),
    ) {
        let mut tree = BufferTree::new(&bytes);
        for (index, new) in writes {
            let (old, proof, new) = (tree.word(index), tree.proof(index), B256::from(new));
            prop_assert!(solidity_verify(&tree, index, old, proof.clone()));
            if old != new {
                prop_assert!(!solidity_verify(&tree, index, new, proof.clone()), "a wrong word is rejected");
            }
            let mut tampered = proof.clone();
            tampered[tamper.0].0[0] ^= tamper.1;
            prop_assert!(!solidity_verify(&tree, index, old, tampered), "a tampered proof is rejected");
            let update = updateCall { root: tree.root(), index: index.try_into().unwrap(), oldWord: old, newWord: new, proof };
            let output = call(update.abi_encode()).expect("a proven write succeeds");
            tree.set_word(index, new);
            prop_assert_eq!(B256::from_slice(&output), tree.root());
        }
    }
}
