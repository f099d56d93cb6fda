//! The commitments computed in Rust (`stepper::commitment`) against `MachineCommitment.sol`
//! running in revm, for parts filled with random values: the two must agree on every byte of
//! the specification, and a change of any field must change the commitment.

use alloy::sol_types::{SolCall, SolValue};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use proptest::prelude::*;
use std::sync::LazyLock;
use stepper::{Call, Context, Data, FeeRules, Frame, Lists, Machine, Micro, Outcome, Phase, World, stack_hash};
use test_support::ContractHarness;

alloy::sol! {
    function hashMachine(bytes encoded) external pure returns (bytes32);
    function hashContext(bytes encoded) external pure returns (bytes32);
    function hashWorld(bytes encoded) external pure returns (bytes32);
    function hashFrame(bytes encoded) external pure returns (bytes32);
    function hashMicro(bytes encoded) external pure returns (bytes32);
    function hashOutcome(bytes encoded) external pure returns (bytes32);
    function hashCall(bytes encoded) external pure returns (bytes32);
    function push(bytes32 below, uint256 value) external pure returns (bytes32);
}

static HARNESS_CODE: LazyLock<Bytes> = LazyLock::new(|| {
    test_support::compile("contracts/test/utils/MachineCommitmentHarness.sol", "MachineCommitmentHarness")
        .deployed_bytecode
});

/// Calls the harness and returns the 32-byte result.
fn call(data: Vec<u8>) -> B256 {
    B256::from_slice(&ContractHarness::new(HARNESS_CODE.clone()).call(data).expect("the harness succeeds"))
}

/// Random values drawn from a seed.
struct Values(B256, u64);

impl Values {
    fn word(&mut self) -> B256 {
        self.1 += 1;
        keccak256([self.0.as_slice(), &self.1.to_be_bytes()].concat())
    }
    fn uint(&mut self) -> U256 {
        self.word().into()
    }
    fn small(&mut self) -> u64 {
        u64::from_be_bytes(self.word()[..8].try_into().unwrap())
    }
    fn address(&mut self) -> Address {
        Address::from_word(self.word())
    }
    fn flag(&mut self) -> bool {
        self.word()[0] & 1 == 1
    }
}

fn context(v: &mut Values) -> Context {
    Context {
        chainId: v.small(),
        number: v.uint(),
        timestamp: v.uint(),
        coinbase: v.address(),
        blockGasLimit: v.small(),
        baseFee: v.uint(),
        prevRandao: v.word(),
        blobBaseFee: v.uint(),
        blockHashes: v.word(),
        fees: FeeRules {
            l2: v.flag(),
            l1BaseFee: v.uint(),
            l1BlobBaseFee: v.uint(),
            baseFeeScalar: v.small() as u32,
            blobBaseFeeScalar: v.small() as u32,
            l1Size: v.small(),
        },
        origin: v.address(),
        to: v.address(),
        isCreate: v.flag(),
        value: v.uint(),
        txGasLimit: v.small(),
        gasPrice: v.uint(),
        priorityFee: v.uint(),
        nonce: v.small(),
        data: Data { root: v.word(), length: v.uint(), tokens: v.uint() },
        lists: Lists { accessList: v.word(), blobHashes: v.word(), authorizations: v.word() },
        isDeposit: v.flag(),
        mint: v.uint(),
    }
}

fn world(v: &mut Values) -> World {
    World {
        stateRoot: v.word(),
        txStartRoot: v.word(),
        transientRoot: v.word(),
        warmAccounts: v.word(),
        warmSlots: v.word(),
        refund: v.uint(),
        logsHash: v.word(),
        logsRlpLength: v.uint(),
        logsBloom: v.word(),
        destroyed: v.word(),
        cumulativeGas: v.uint(),
    }
}

fn frame(v: &mut Values) -> Frame {
    Frame {
        account: v.address(),
        caller: v.address(),
        value: v.uint(),
        isStatic: v.flag(),
        isCreate: v.flag(),
        codeHash: v.word(),
        codeRoot: v.word(),
        codeLength: v.uint(),
        jumpdests: v.word(),
        pc: v.uint(),
        gas: v.uint(),
        stackLength: v.uint(),
        stackHash: v.word(),
        memoryRoot: v.word(),
        memoryLength: v.uint(),
        calldataRoot: v.word(),
        calldataOffset: v.uint(),
        calldataLength: v.uint(),
        returnDataRoot: v.word(),
        returnDataOffset: v.uint(),
        returnDataLength: v.uint(),
        depth: v.uint(),
        checkpoint: v.word(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn rust_and_solidity_commit_alike(seed in any::<[u8; 32]>(), phase in 0u8..7, kind in any::<u8>()) {
        let mut v = Values(B256::from(seed), 0);
        let context = context(&mut v);
        let world = world(&mut v);
        let frame = frame(&mut v);
        let micro = Micro { kind, a: v.uint(), b: v.uint(), c: v.uint(), d: v.word(), sponge: v.word() };
        let machine = Machine {
            phase: Phase::try_from(phase).unwrap(),
            context: context.commitment(),
            world: world.commitment(),
            frame: frame.commitment(),
            callStack: v.word(),
            micro: micro.commitment(),
        };
        prop_assert_eq!(call(hashContextCall { encoded: context.abi_encode().into() }.abi_encode()), context.commitment());
        prop_assert_eq!(call(hashWorldCall { encoded: world.abi_encode().into() }.abi_encode()), world.commitment());
        prop_assert_eq!(call(hashFrameCall { encoded: frame.abi_encode().into() }.abi_encode()), frame.commitment());
        prop_assert_eq!(call(hashMicroCall { encoded: micro.abi_encode().into() }.abi_encode()), micro.commitment());
        let outcome = Outcome {
            status: kind % 3,
            gasLeft: v.uint(),
            returnDataRoot: v.word(),
            returnDataOffset: v.uint(),
            returnDataLength: v.uint(),
        };
        prop_assert_eq!(call(hashOutcomeCall { encoded: outcome.abi_encode().into() }.abi_encode()), outcome.commitment());
        let link = Call { kind: kind % 3, frame: v.word(), account: v.address(), returnOffset: v.uint(), returnSize: v.uint(), below: v.word() };
        prop_assert_eq!(call(hashCallCall { encoded: link.abi_encode().into() }.abi_encode()), link.commitment());
        prop_assert_eq!(call(hashMachineCall { encoded: machine.abi_encode().into() }.abi_encode()), machine.commitment());

        // Every part differs from the others even with equal fields (the tags), and a changed
        // field changes the commitment.
        let mut moved = frame.clone();
        moved.pc += U256::from(1);
        prop_assert_ne!(moved.commitment(), frame.commitment());
        let items = [v.uint(), v.uint(), v.uint()];
        let pushed = call(pushCall { below: stack_hash(&items[..2]), value: items[2] }.abi_encode());
        prop_assert_eq!(pushed, stack_hash(&items));
    }
}

#[test]
fn tags_separate_parts_with_equal_fields() {
    let micro = Micro { kind: 0, a: U256::ZERO, b: U256::ZERO, c: U256::ZERO, d: B256::ZERO, sponge: B256::ZERO };
    let machine = Machine {
        phase: Phase::TxStart,
        context: B256::ZERO,
        world: B256::ZERO,
        frame: B256::ZERO,
        callStack: B256::ZERO,
        micro: B256::ZERO,
    };
    assert_ne!(micro.commitment(), machine.commitment());
    assert_eq!(stack_hash(&[]), B256::ZERO);
}
