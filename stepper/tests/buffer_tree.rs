//! `BufferTree` in Rust against `BufferTree.sol` running in revm: over random buffers and
//! writes, the Solidity library accepts the Rust tree's words with their proofs, computes the
//! same root after a write, and rejects a wrong word or a tampered proof.

use alloy::sol_types::SolCall;
use alloy_primitives::{Address, B256, Bytes, TxKind};
use proptest::prelude::*;
use revm::{
    Context, ExecuteEvm, MainBuilder, MainContext,
    bytecode::Bytecode,
    context::{
        TxEnv,
        result::{ExecutionResult, Output},
    },
    database::{CacheDB, EmptyDB},
    state::AccountInfo,
};
use std::sync::LazyLock;
use stepper::{BUFFER_DEPTH, BufferTree};

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

const HARNESS: Address = Address::repeat_byte(0x42);

/// Calls the harness: its output, or `Err` when it reverted.
fn call(data: Vec<u8>) -> Result<Bytes, Bytes> {
    let mut db = CacheDB::new(EmptyDB::default());
    let code = Bytecode::new_raw(HARNESS_CODE.clone());
    db.insert_account_info(
        HARNESS,
        AccountInfo { code_hash: code.hash_slow(), code: Some(code), ..Default::default() },
    );
    let tx = TxEnv {
        caller: Address::repeat_byte(1),
        kind: TxKind::Call(HARNESS),
        data: data.into(),
        gas_limit: 10_000_000,
        gas_price: 0,
        ..Default::default()
    };
    match Context::mainnet().with_db(db).build_mainnet().transact(tx).expect("valid transaction").result {
        ExecutionResult::Success { output: Output::Call(output), .. } => Ok(output),
        ExecutionResult::Revert { output, .. } => Err(output),
        other => panic!("the harness halted: {other:?}"),
    }
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
