//! The machine-state commitment's parts, byte for byte as `docs/dispute/commitment.md`
//! specifies and `contracts/src/dispute/lib/MachineCommitment.sol` computes: each part is
//! `keccak256(abi.encode(TAG, fields…))` with a tag of its own. The types are generated from
//! the same Solidity declarations, so their ABI encodings cannot drift apart.

use alloy::sol_types::SolValue;
use alloy_primitives::{B256, U256, keccak256};

pub use parts::{
    Access, Authorization, Call, Context, Data, FeeRules, Frame, Lists, Machine, Micro, Outcome, Phase, Witness, World,
    stepCall,
};

/// The parts, declared in Solidity; each field is documented in `docs/dispute/commitment.md`.
#[allow(missing_docs)]
mod parts {
    alloy::sol! {
        /// Where a transaction's execution is.
        #[derive(Debug, PartialEq, Eq)]
        enum Phase { TxStart, AccessList, FrameSetup, Run, TxEnd, Done, Return }

        /// The whole machine, its parts by commitment.
        #[derive(Debug, PartialEq, Eq)]
        struct Machine {
            Phase phase;
            bytes32 context;
            bytes32 world;
            bytes32 frame;
            bytes32 callStack;
            bytes32 micro;
        }

        /// The transaction and its block, fixed for the whole transaction.
        #[derive(Debug, Default, PartialEq, Eq)]
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

        /// The transaction's calldata (a creation's init code): its buffer root, length and
        /// EIP-7623 tokens.
        #[derive(Debug, Default, PartialEq, Eq)]
        struct Data {
            bytes32 root;
            uint256 length;
            uint256 tokens;
        }

        /// The transaction's lists by their commitments.
        #[derive(Debug, Default, PartialEq, Eq)]
        struct Lists {
            bytes32 accessList;
            bytes32 blobHashes;
            bytes32 authorizations;
        }

        /// The fee rules of a transaction: Ethereum's (all zero) or the L2's, with the L1 data
        /// fee's inputs.
        #[derive(Debug, Default, PartialEq, Eq)]
        struct FeeRules {
            bool l2;
            uint256 l1BaseFee;
            uint256 l1BlobBaseFee;
            uint32 baseFeeScalar;
            uint32 blobBaseFeeScalar;
            uint64 l1Size;
        }

        /// The world: the state and what the transaction has accumulated.
        #[derive(Debug, Default, PartialEq, Eq)]
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

        /// The running call frame.
        #[derive(Debug, Default, PartialEq, Eq)]
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

        /// How a frame ended, held in `Machine.frame` during `TxEnd` and `Return`: its return
        /// data a window of its memory.
        #[derive(Debug, Default, PartialEq, Eq)]
        struct Outcome {
            uint8 status;
            uint256 gasLeft;
            bytes32 returnDataRoot;
            uint256 returnDataOffset;
            uint256 returnDataLength;
        }

        /// A suspended frame on the call stack.
        #[derive(Debug, Default, PartialEq, Eq)]
        struct Call {
            uint8 kind;
            bytes32 frame;
            address account;
            uint256 returnOffset;
            uint256 returnSize;
            bytes32 below;
        }

        /// One entry of the transaction's access list.
        #[derive(Debug, PartialEq, Eq)]
        struct Access {
            address account;
            bytes32[] keys;
        }

        /// What a step reads besides the machine (`StepWitness.Witness`; each field is
        /// documented there and in `docs/dispute/stepper.md`).
        #[derive(Debug, PartialEq, Eq)]
        struct Witness {
            Machine machine;
            Frame frame;
            Outcome outcome;
            Call call;
            Micro micro;
            bytes32[7] sponge;
            uint256[] stack;
            bytes32 stackBelow;
            bytes32[] code;
            bytes32[][] codeProofs;
            bytes32[] words;
            bytes32[][] wordProofs;
            bytes32[] sourceWords;
            bytes32[][] sourceProofs;
            World world;
            Context context;
            bytes[][] tries;
            bytes sibling;
            bytes data;
            Access[] accessList;
            Authorization[] authorizations;
        }

        /// One authorization of an EIP-7702 transaction, as signed.
        #[derive(Debug, PartialEq, Eq)]
        struct Authorization {
            uint256 chainId;
            address account;
            uint64 nonce;
            uint8 yParity;
            uint256 r;
            uint256 s;
        }

        /// The on-chain stepper's entry point.
        function step(bytes32 pre, Witness witness) external view returns (bytes32 post);

        /// An operation in progress across micro-steps.
        #[derive(Debug, Default, PartialEq, Eq)]
        struct Micro {
            uint8 kind;
            uint256 a;
            uint256 b;
            uint256 c;
            bytes32 d;
            bytes32 sponge;
        }
    }
}

/// The domain tag of a part: `keccak256("rollup.stepper.<name>.v1")`.
fn tag(name: &str) -> B256 {
    keccak256(format!("rollup.stepper.{name}.v1"))
}

/// `keccak256(abi.encode(tag(name), part))`.
fn commit<T: SolValue + Clone>(name: &str, part: &T) -> B256 {
    keccak256((tag(name), part.clone()).abi_encode())
}

impl Machine {
    /// The machine's commitment: what a dispute game claims and a step returns.
    pub fn commitment(&self) -> B256 {
        commit("machine", self)
    }
}

impl Context {
    /// The context's commitment.
    pub fn commitment(&self) -> B256 {
        commit("context", self)
    }
}

impl World {
    /// The world's commitment.
    pub fn commitment(&self) -> B256 {
        commit("world", self)
    }
}

impl Frame {
    /// The frame's commitment.
    pub fn commitment(&self) -> B256 {
        commit("frame", self)
    }
}

impl Micro {
    /// The micro-step's commitment.
    pub fn commitment(&self) -> B256 {
        commit("micro", self)
    }
}

impl Outcome {
    /// Status of a frame that halted: all its gas consumed, its changes undone.
    pub const HALTED: u8 = 0;
    /// Status of a frame that returned or stopped.
    pub const SUCCEEDED: u8 = 1;
    /// Status of a frame that reverted: its changes undone, its gas left returned.
    pub const REVERTED: u8 = 2;

    /// The outcome's commitment.
    pub fn commitment(&self) -> B256 {
        commit("outcome", self)
    }

    /// An outcome returning the window `offset..offset + length` of the buffer `root`; none
    /// (the empty buffer, canonically) when it is empty or the frame halted.
    pub fn new(status: u8, gas_left: u64, root: B256, offset: usize, length: usize) -> Self {
        let (root, offset, length) = if length == 0 || status == Self::HALTED {
            (crate::BufferTree::empty_root(), 0, 0)
        } else {
            (root, offset, length)
        };
        Self {
            status,
            gasLeft: U256::from(if status == Self::HALTED { 0 } else { gas_left }),
            returnDataRoot: root,
            returnDataOffset: U256::from(offset),
            returnDataLength: U256::from(length),
        }
    }
}

impl Call {
    /// A call that transfers its value (CALL, CALLCODE, STATICCALL).
    pub const TRANSFER: u8 = 0;
    /// A DELEGATECALL: no value moves.
    pub const DELEGATE: u8 = 1;
    /// A creation (CREATE, CREATE2): `account` is the new address.
    pub const CREATE: u8 = 2;

    /// The call-stack link's commitment.
    pub fn commitment(&self) -> B256 {
        commit("call", self)
    }
}

/// The hash of a stack, bottom item first: a chain from 0, each push `keccak256(below ‖ value)`.
pub fn stack_hash<'a>(items: impl IntoIterator<Item = &'a U256>) -> B256 {
    items.into_iter().fold(B256::ZERO, |below, value| push_hash(below, *value))
}

/// The hash of the stack hashed `below` with `value` pushed: `keccak256(below ‖ value)`.
pub(crate) fn push_hash(below: B256, value: U256) -> B256 {
    let mut pair = [0u8; 64];
    pair[..32].copy_from_slice(below.as_slice());
    pair[32..].copy_from_slice(&value.to_be_bytes::<32>());
    keccak256(pair)
}
