// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MachineCommitment as MC} from "./MachineCommitment.sol";
import {BufferTree} from "./BufferTree.sol";

/// @title FrameOps
/// @notice What the stepper's contracts do alike to a running frame: end it, expand and read
///         its memory (docs/dispute/stepper.md).
library FrameOps {
    /// @notice Thrown when the witness holds the wrong number of memory words or proofs.
    error FrameOps_WrongWords();

    /// @notice Operand limit of memory offsets and sizes (revm's machine words); larger ones halt.
    uint256 internal constant OPERAND_LIMIT = 1 << 64;

    /// @notice Whether `a` is a precompile of the L2's fork (Osaka): 0x01–0x11 and P256VERIFY
    ///         at 0x100.
    function isPrecompile(address a) internal pure returns (bool) {
        uint160 n = uint160(a);
        return (n >= 1 && n <= 0x11) || n == 0x100;
    }

    /// @notice The machine after the frame `f` ends with `status`: `TxEnd` with the outcome; a
    ///         failed frame's world is its checkpoint, a halted one keeps no gas.
    function end(MC.Machine memory m, MC.Frame memory f, uint8 status) internal pure returns (MC.Machine memory) {
        m.phase = MC.Phase.TxEnd;
        if (status != MC.SUCCEEDED) m.world = f.checkpoint;
        m.frame = MC.hash(MC.Outcome({status: status, gasLeft: status == MC.HALTED ? 0 : f.gas}));
        m.micro = 0;
        return m;
    }

    /// @notice Charges the expansion of memory to cover `size` bytes at `offset` (both below
    ///         OPERAND_LIMIT, size non-zero); false when the gas does not cover it.
    function expand(MC.Frame memory f, uint256 offset, uint256 size) internal pure returns (bool) {
        uint256 words = (offset + size + 31) / 32;
        uint256 current = f.memoryLength / 32;
        if (words <= current) return true;
        uint256 cost = memoryCost(words) - memoryCost(current);
        if (f.gas < cost) return false;
        f.gas -= cost;
        f.memoryLength = words * 32;
        return true;
    }

    /// @notice The total gas of a memory of `words` words (3 per word plus the quadratic part).
    function memoryCost(uint256 words) internal pure returns (uint256) {
        return 3 * words + (words * words) / 512;
    }

    /// @notice The `size` bytes at `offset` of the buffer with root `root`, from the words that
    ///         cover them, each checked with its proof.
    function read(bytes32 root, bytes32[] memory words, bytes32[][] memory proofs, uint256 offset, uint256 size)
        internal
        pure
        returns (bytes memory out)
    {
        if (size == 0) {
            if (words.length != 0) revert FrameOps_WrongWords();
            return out;
        }
        uint256 count = (offset % 32 + size + 31) / 32;
        if (words.length != count || proofs.length != count) revert FrameOps_WrongWords();
        bytes memory all = new bytes(count * 32);
        for (uint256 i = 0; i < count; i++) {
            BufferTree.verify(root, offset / 32 + i, words[i], proofs[i]);
            bytes32 word = words[i];
            assembly ("memory-safe") {
                mstore(add(add(all, 0x20), mul(i, 0x20)), word)
            }
        }
        out = new bytes(size);
        uint256 skip = offset % 32;
        assembly ("memory-safe") {
            mcopy(add(out, 0x20), add(add(all, 0x20), skip), size)
        }
    }
}
