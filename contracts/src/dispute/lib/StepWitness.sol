// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MachineCommitment as MC} from "./MachineCommitment.sol";

/// @title StepWitness
/// @notice What a step of the EVM stepper reads besides the machine's commitment
///         (docs/dispute/stepper.md says which fields each step uses). Every part is checked
///         against the commitment it belongs to before it is used.
library StepWitness {
    /// @notice One entry of the transaction's access list.
    struct Access {
        address account;
        bytes32[] keys;
    }

    /// @notice One authorization of an EIP-7702 transaction, as signed.
    struct Authorization {
        uint256 chainId;
        address account;
        uint64 nonce;
        uint8 yParity;
        uint256 r;
        uint256 s;
    }

    /// @notice What a step reads besides the machine, each part checked against the
    ///         commitment it belongs to (see docs/dispute/stepper.md for each instruction's).
    struct Witness {
        /// The machine before the step (its commitment is the step's pre-state).
        MC.Machine machine;
        /// The running frame (in `TxStart`, unused; in `FrameSetup`, the frame being set up; in
        /// `Return`, the caller as the call stack holds it).
        MC.Frame frame;
        /// The transaction frame's outcome, in `TxEnd`.
        MC.Outcome outcome;
        /// The call stack's top link (`FrameSetup` and `Return` below the transaction's frame).
        MC.Call call;
        /// The operation in progress, when the machine holds one.
        MC.Micro micro;
        /// The keccak sponge's state, when a KECCAK256 is in progress (`KeccakSponge.State`).
        bytes32[7] sponge;
        /// The stack items the instruction reads, top first.
        uint256[] stack;
        /// The hash of the stack beneath those items.
        bytes32 stackBelow;
        /// The code word holding the opcode, and the next one when an immediate crosses into it.
        bytes32[] code;
        /// Their proofs against the frame's code root.
        bytes32[][] codeProofs;
        /// The data words the instruction reads or writes (memory, calldata, the JUMPDEST
        /// bitmap, block hashes, blob hashes), in the order it uses them.
        bytes32[] words;
        /// Their proofs: for writes each against the root after the previous write.
        bytes32[][] wordProofs;
        /// A copy's source words (inside the source's length), and their proofs against the
        /// source's root.
        bytes32[] sourceWords;
        bytes32[][] sourceProofs;
        /// The world, when the instruction reads or writes it.
        MC.World world;
        /// The transaction's context, when the instruction reads it.
        MC.Context context;
        /// Merkle-Patricia proofs, per instruction (docs/dispute/stepper.md).
        bytes[][] tries;
        /// The collapse witness of a trie deletion, when it needs one.
        bytes sibling;
        /// `TxStart` and `TxEnd`: the transaction's calldata; `FrameSetup`: the recipient's code.
        bytes data;
        /// `TxStart` and `AccessList`: the transaction's access list.
        Access[] accessList;
        /// `TxStart`, `AccessList` and `TxEnd`: the transaction's authorization list (EIP-7702).
        Authorization[] authorizations;
    }
}
