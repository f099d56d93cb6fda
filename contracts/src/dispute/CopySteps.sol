// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MachineCommitment as MC} from "./lib/MachineCommitment.sol";
import {BufferTree} from "./lib/BufferTree.sol";
import {StepWitness} from "./lib/StepWitness.sol";
import {FrameOps} from "./lib/FrameOps.sol";

/// @title CopySteps
/// @notice CALLDATACOPY, CODECOPY, EXTCODECOPY, RETURNDATACOPY and MCOPY in bounded micro-steps
///         (docs/dispute/commitment.md, "Micro-steps", kind 2): the instruction's step charges
///         its gas and memory expansion, pops its operands and copies the first chunk; each
///         further step copies the next. The source is read against its root as it was when
///         the instruction ran (for MCOPY, memory before the copy: overlapping copies move as
///         `memmove` does). `EVMStepper` calls it with the frame checked, the static gas
///         charged, the operands checked and pc advanced.
contract CopySteps {
    /// @notice Thrown when the witness's micro-step or words are not the machine's.
    error CopySteps_WrongWitness();

    /// @notice Bytes copied per step: 32 words.
    uint256 public constant CHUNK = 1024;
    /// @dev The micro-step kind of a copy.
    uint8 private constant KIND = 2;
    /// @dev Gas per word copied.
    uint256 private constant WORD_GAS = 3;

    /// @notice The instruction's step: `w.frame` is the frame with static gas charged (and for
    ///         EXTCODECOPY the cold surcharge) and pc advanced; `w.stack` holds destination,
    ///         source offset and size (after the address, for EXTCODECOPY); the source is the
    ///         `length` bytes at `base` of the buffer with root `root` (memory before the copy,
    ///         for MCOPY; a window of another frame's memory for calldata and return data).
    function instruction(StepWitness.Witness memory w, uint256 op, bytes32 root, uint256 base, uint256 length)
        external
        pure
        returns (MC.Machine memory)
    {
        MC.Frame memory f = w.frame;
        uint256 first = op == 0x3c ? 1 : 0;
        (uint256 dst, uint256 src, uint256 size) = (w.stack[first], w.stack[first + 1], w.stack[first + 2]);
        if (size >= FrameOps.OPERAND_LIMIT) return FrameOps.halt(w.machine, f);
        if (op == 0x3e && (src >= FrameOps.OPERAND_LIMIT || src + size > length)) return FrameOps.halt(w.machine, f);
        // Past its end a source reads as zeros: start there at most (no offset overflows).
        if (op != 0x5e && src > length) src = length;
        uint256 cost = WORD_GAS * ((size + 31) / 32);
        if (f.gas < cost) return FrameOps.halt(w.machine, f);
        f.gas -= cost;
        if (size != 0) {
            if (dst >= FrameOps.OPERAND_LIMIT) return FrameOps.halt(w.machine, f);
            if (op == 0x5e && src >= FrameOps.OPERAND_LIMIT) return FrameOps.halt(w.machine, f);
            uint256 reach = op == 0x5e && src > dst ? src : dst;
            if (!FrameOps.expand(f, reach, size)) return FrameOps.halt(w.machine, f);
        }
        f.stackLength -= w.stack.length;
        f.stackHash = w.stackBelow;
        // The micro-step reads the buffer itself: the window's offset and end.
        MC.Micro memory m =
            MC.Micro({kind: KIND, a: base + src, b: dst, c: size, d: root, sponge: bytes32(base + length)});
        return _chunk(w, f, m);
    }

    /// @notice A micro-step: the next chunk of the copy in progress.
    function micro(StepWitness.Witness memory w) external pure returns (MC.Machine memory) {
        MC.Micro memory m = w.micro;
        if (MC.hash(m) != w.machine.micro || m.kind != KIND) revert CopySteps_WrongWitness();
        return _chunk(w, w.frame, m);
    }

    /// @dev Copies the next chunk of `m` into memory; the machine holds the rest, or none.
    function _chunk(StepWitness.Witness memory w, MC.Frame memory f, MC.Micro memory m)
        private
        pure
        returns (MC.Machine memory next)
    {
        next = w.machine;
        uint256 n = m.c > CHUNK ? CHUNK : m.c;
        if (n != 0) {
            bytes memory data = _read(w, m.d, uint256(m.sponge), m.a, n);
            f.memoryRoot = _write(w, f.memoryRoot, m.b, data);
        }
        if (m.c > n) {
            m.a = m.a + n;
            m.b += n;
            m.c -= n;
            next.micro = MC.hash(m);
        } else {
            next.micro = 0;
        }
        next.frame = MC.hash(f);
    }

    /// @dev `n` bytes of the buffer `root` at `offset`, zero from `length` on.
    function _read(StepWitness.Witness memory w, bytes32 root, uint256 length, uint256 offset, uint256 n)
        private
        pure
        returns (bytes memory data)
    {
        data = new bytes(n);
        if (offset >= length) {
            if (w.sourceWords.length != 0) revert CopySteps_WrongWitness();
            return data;
        }
        uint256 last = (offset + n - 1) / 32;
        uint256 lastInside = (length - 1) / 32;
        if (last > lastInside) last = lastInside;
        uint256 count = last - offset / 32 + 1;
        if (w.sourceWords.length != count || w.sourceProofs.length != count) revert CopySteps_WrongWitness();
        bytes memory all = new bytes((count + 2) * 32);
        for (uint256 i = 0; i < count; i++) {
            BufferTree.verify(root, offset / 32 + i, w.sourceWords[i], w.sourceProofs[i]);
            bytes32 word = w.sourceWords[i];
            assembly ("memory-safe") {
                mstore(add(add(all, 0x20), mul(i, 0x20)), word)
            }
        }
        uint256 skip = offset % 32;
        uint256 available = count * 32 - skip;
        uint256 take = available < n ? available : n;
        // Bytes past the source's end read as zero (a window's buffer may hold more).
        if (take > length - offset) take = length - offset;
        assembly ("memory-safe") {
            mcopy(add(data, 0x20), add(add(all, 0x20), skip), take)
        }
    }

    /// @dev Writes `data` to memory at `offset`, word by word, each proven against the root
    ///      after the previous word's write.
    function _write(StepWitness.Witness memory w, bytes32 root, uint256 offset, bytes memory data)
        private
        pure
        returns (bytes32)
    {
        uint256 count = (offset % 32 + data.length + 31) / 32;
        if (w.words.length != count || w.wordProofs.length != count) revert CopySteps_WrongWitness();
        bytes memory span = _overlay(w.words, offset % 32, data);
        for (uint256 i = 0; i < count; i++) {
            bytes32 updated;
            assembly ("memory-safe") {
                updated := mload(add(add(span, 0x20), mul(i, 0x20)))
            }
            root = BufferTree.update(root, offset / 32 + i, w.words[i], updated, w.wordProofs[i]);
        }
        return root;
    }

    /// @dev `words` laid end to end with `data` written over them from byte `skip` on.
    function _overlay(bytes32[] memory words, uint256 skip, bytes memory data)
        private
        pure
        returns (bytes memory span)
    {
        span = abi.encodePacked(words);
        uint256 len = data.length;
        assembly ("memory-safe") {
            mcopy(add(add(span, 0x20), skip), add(data, 0x20), len)
        }
    }
}
