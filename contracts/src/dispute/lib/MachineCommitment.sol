// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title MachineCommitment
/// @notice The parts of the EVM stepper's machine state and their commitments, byte for byte
///         as docs/dispute/commitment.md specifies: each part is
///         `keccak256(abi.encode(TAG, fields…))` with a tag of its own, every field one ABI word.
///         The Rust tracer (`stepper::commitment`) computes the same hashes.
library MachineCommitment {
    /// @notice Tag of the machine commitment.
    bytes32 internal constant MACHINE_TAG = keccak256("rollup.stepper.machine.v1");
    /// @notice Tag of the context commitment.
    bytes32 internal constant CONTEXT_TAG = keccak256("rollup.stepper.context.v1");
    /// @notice Tag of the world commitment.
    bytes32 internal constant WORLD_TAG = keccak256("rollup.stepper.world.v1");
    /// @notice Tag of the frame commitment.
    bytes32 internal constant FRAME_TAG = keccak256("rollup.stepper.frame.v1");
    /// @notice Tag of the micro-step commitment.
    bytes32 internal constant MICRO_TAG = keccak256("rollup.stepper.micro.v1");
    /// @notice Tag of a finished frame's outcome.
    bytes32 internal constant OUTCOME_TAG = keccak256("rollup.stepper.outcome.v1");
    /// @notice Tag of a link of the call stack (a suspended frame).
    bytes32 internal constant CALL_TAG = keccak256("rollup.stepper.call.v1");

    /// @notice A finished frame's status: halted (all gas consumed), returned or stopped, reverted.
    uint8 internal constant HALTED = 0;
    /// @notice Status of a frame that returned or stopped.
    uint8 internal constant SUCCEEDED = 1;
    /// @notice Status of a frame that reverted.
    uint8 internal constant REVERTED = 2;

    /// @notice A call-stack link's kind: a call that transfers its value (CALL, CALLCODE,
    ///         STATICCALL).
    uint8 internal constant CALL_TRANSFER = 0;
    /// @notice A call that transfers nothing (DELEGATECALL: its value is the caller's, apparent).
    uint8 internal constant CALL_DELEGATE = 1;
    /// @notice A creation (CREATE, CREATE2): the link's `account` is the new address.
    uint8 internal constant CALL_CREATE = 2;

    /// @notice Where a transaction's execution is.
    enum Phase {
        TxStart,
        AccessList,
        FrameSetup,
        Run,
        TxEnd,
        Done,
        Return
    }

    /// @notice The whole machine, its parts by commitment.
    struct Machine {
        Phase phase;
        bytes32 context;
        bytes32 world;
        bytes32 frame;
        bytes32 callStack;
        bytes32 micro;
    }

    /// @notice The transaction and its block, fixed for the whole transaction.
    struct Context {
        uint64 chainId;
        uint256 number;
        uint256 timestamp;
        address coinbase;
        uint64 blockGasLimit;
        uint256 baseFee;
        bytes32 prevRandao;
        uint256 blobBaseFee;
        bytes32 blockHashes;
        FeeRules fees;
        address origin;
        address to;
        bool isCreate;
        uint256 value;
        uint64 txGasLimit;
        uint256 gasPrice;
        uint256 priorityFee;
        uint64 nonce;
        Data data;
        Lists lists;
        bool isDeposit;
        uint256 mint;
    }

    /// @notice The transaction's calldata (a creation's init code): the root of its buffer tree,
    ///         its length, and its EIP-7623 tokens (one per zero byte, four per other byte), which
    ///         the intrinsic gas and the floor charge: no step reads the calldata itself but a
    ///         creation's `FrameSetup` and the instructions that read it.
    struct Data {
        bytes32 root;
        uint256 length;
        uint256 tokens;
    }

    /// @notice The transaction's lists, each by its commitment: the access list's and the
    ///         authorization list's hash chains, and the `keccak256` of the packed blob versioned
    ///         hashes.
    struct Lists {
        bytes32 accessList;
        bytes32 blobHashes;
        bytes32 authorizations;
    }

    /// @notice The fee rules of a transaction: Ethereum's (all zero) or the L2's (`l2`), with
    ///         the L1 data fee's inputs: the block's L1 fee parameters and the transaction's
    ///         FastLZ size.
    struct FeeRules {
        bool l2;
        uint256 l1BaseFee;
        uint256 l1BlobBaseFee;
        uint32 baseFeeScalar;
        uint32 blobBaseFeeScalar;
        uint64 l1Size;
    }

    /// @notice The world: the state and what the transaction has accumulated.
    struct World {
        bytes32 stateRoot;
        bytes32 txStartRoot;
        bytes32 transientRoot;
        bytes32 warmAccounts;
        bytes32 warmSlots;
        uint256 refund;
        bytes32 logsHash;
        uint256 logsRlpLength;
        bytes32 logsBloom;
        bytes32 destroyed;
        uint256 cumulativeGas;
    }

    /// @notice The running call frame.
    struct Frame {
        address account;
        address caller;
        uint256 value;
        bool isStatic;
        bool isCreate;
        bytes32 codeHash;
        bytes32 codeRoot;
        uint256 codeLength;
        bytes32 jumpdests;
        uint256 pc;
        uint256 gas;
        uint256 stackLength;
        bytes32 stackHash;
        bytes32 memoryRoot;
        uint256 memoryLength;
        bytes32 calldataRoot;
        uint256 calldataOffset;
        uint256 calldataLength;
        bytes32 returnDataRoot;
        uint256 returnDataOffset;
        uint256 returnDataLength;
        uint256 depth;
        bytes32 checkpoint;
    }

    /// @notice How a frame ended, held in `Machine.frame` during `TxEnd` and `Return`: its
    ///         return data is a window of its memory (empty unless it returned or reverted).
    struct Outcome {
        uint8 status;
        uint256 gasLeft;
        bytes32 returnDataRoot;
        uint256 returnDataOffset;
        uint256 returnDataLength;
    }

    /// @notice A suspended frame on the call stack: the caller as the call left it (operands
    ///         popped, gas given), the account a creation creates (zero for a call), where the
    ///         callee's return data goes, and the links below.
    struct Call {
        uint8 kind;
        bytes32 frame;
        address account;
        uint256 returnOffset;
        uint256 returnSize;
        bytes32 below;
    }

    /// @notice An operation in progress across micro-steps.
    struct Micro {
        uint8 kind;
        uint256 a;
        uint256 b;
        uint256 c;
        bytes32 d;
        bytes32 sponge;
    }

    /// @notice The machine's commitment.
    function hash(Machine memory machine) internal pure returns (bytes32) {
        return keccak256(abi.encode(MACHINE_TAG, machine));
    }

    /// @notice The context's commitment.
    function hash(Context memory context) internal pure returns (bytes32) {
        return keccak256(abi.encode(CONTEXT_TAG, context));
    }

    /// @notice The world's commitment.
    function hash(World memory world) internal pure returns (bytes32) {
        return keccak256(abi.encode(WORLD_TAG, world));
    }

    /// @notice The frame's commitment.
    function hash(Frame memory frame) internal pure returns (bytes32) {
        return keccak256(abi.encode(FRAME_TAG, frame));
    }

    /// @notice The micro-step's commitment.
    function hash(Micro memory micro) internal pure returns (bytes32) {
        return keccak256(abi.encode(MICRO_TAG, micro));
    }

    /// @notice The outcome's commitment.
    function hash(Outcome memory outcome) internal pure returns (bytes32) {
        return keccak256(abi.encode(OUTCOME_TAG, outcome));
    }

    /// @notice The call-stack link's commitment.
    function hash(Call memory call) internal pure returns (bytes32) {
        return keccak256(abi.encode(CALL_TAG, call));
    }

    /// @notice The stack hash after pushing `value` onto the stack hashed `below`.
    function push(bytes32 below, uint256 value) internal pure returns (bytes32 result) {
        assembly ("memory-safe") {
            mstore(0x00, below)
            mstore(0x20, value)
            result := keccak256(0x00, 0x40)
        }
    }
}
