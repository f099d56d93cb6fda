// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MachineCommitment as MC} from "./lib/MachineCommitment.sol";
import {StepWitness} from "./lib/StepWitness.sol";
import {FrameOps} from "./lib/FrameOps.sol";
import {KeccakSponge} from "../libraries/KeccakSponge.sol";

/// @title KeccakSteps
/// @notice KECCAK256 in bounded micro-steps (docs/dispute/commitment.md, "Micro-steps"): the
///         instruction's step charges its gas, pops its operands and hashes the first chunk of
///         memory; each further step absorbs the next chunk into the sponge the machine carries;
///         the last one pushes the hash. `EVMStepper` calls it with the frame checked, the
///         static gas charged, the two operands checked and pc advanced.
contract KeccakSteps {
    /// @notice Thrown when the witness's micro-step or sponge is not the machine's.
    error KeccakSteps_WrongWitness();

    /// @notice Bytes absorbed per step: 8 blocks of 136 bytes (about 0.3M gas of permutations).
    uint256 public constant CHUNK = 8 * KeccakSponge.RATE;
    /// @dev The micro-step kind of KECCAK256.
    uint8 private constant KIND = 1;
    /// @dev KECCAK256's gas per word hashed.
    uint256 private constant WORD_GAS = 6;

    /// @notice The instruction's step: `w.frame` is the frame with static gas charged and pc
    ///         advanced; `w.stack` holds the offset and size.
    function instruction(StepWitness.Witness memory w) external pure returns (MC.Machine memory) {
        MC.Frame memory f = w.frame;
        (uint256 offset, uint256 size) = (w.stack[0], w.stack[1]);
        if (size != 0) {
            if (size >= FrameOps.OPERAND_LIMIT || offset >= FrameOps.OPERAND_LIMIT) return FrameOps.halt(w.machine, f);
            uint256 cost = WORD_GAS * ((size + 31) / 32);
            if (f.gas < cost) return FrameOps.halt(w.machine, f);
            f.gas -= cost;
            if (!FrameOps.expand(f, offset, size)) return FrameOps.halt(w.machine, f);
        }
        f.stackLength -= 2;
        f.stackHash = w.stackBelow;
        return _chunk(w, f, KeccakSponge.empty(), offset, size);
    }

    /// @notice A micro-step: the next chunk of the hash in progress.
    function micro(StepWitness.Witness memory w) external pure returns (MC.Machine memory) {
        MC.Micro memory m = w.micro;
        KeccakSponge.State memory s = KeccakSponge.State(w.sponge);
        if (MC.hash(m) != w.machine.micro || m.kind != KIND || KeccakSponge.commit(s) != m.sponge) {
            revert KeccakSteps_WrongWitness();
        }
        return _chunk(w, w.frame, s, m.a, m.b);
    }

    /// @dev Absorbs the next chunk of `left` bytes at `offset`; the last one pushes the hash.
    function _chunk(
        StepWitness.Witness memory w,
        MC.Frame memory f,
        KeccakSponge.State memory s,
        uint256 offset,
        uint256 left
    ) private pure returns (MC.Machine memory next) {
        next = w.machine;
        uint256 n = left > CHUNK ? CHUNK : left;
        bytes memory data = FrameOps.read(f.memoryRoot, w.words, w.wordProofs, offset, n);
        if (left > CHUNK) {
            KeccakSponge.absorbBlocks(s, data, 0, CHUNK / KeccakSponge.RATE);
            next.micro = MC.hash(
                MC.Micro({kind: KIND, a: offset + CHUNK, b: left - CHUNK, c: 0, d: 0, sponge: KeccakSponge.commit(s)})
            );
        } else {
            f.stackHash = MC.push(f.stackHash, uint256(KeccakSponge.finish(s, data, n)));
            f.stackLength += 1;
            next.micro = 0;
        }
        next.frame = MC.hash(f);
    }
}
