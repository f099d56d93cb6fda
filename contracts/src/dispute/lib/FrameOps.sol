// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MachineCommitment as MC} from "./MachineCommitment.sol";
import {BufferTree} from "./BufferTree.sol";
import {WorldTries} from "../WorldTries.sol";
import {StepWitness} from "./StepWitness.sol";

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

    /// @notice The code hash of a frame that runs the precompile `p`: its address, which no
    ///         Keccak-256 hash of code is (the chance is 2^-96).
    function precompileCode(address p) internal pure returns (bytes32) {
        // forge-lint: disable-next-line(unsafe-typecast)
        return bytes32(uint256(uint160(p)));
    }

    /// @notice Whether a frame with code hash `codeHash` runs a precompile.
    function runsPrecompile(bytes32 codeHash) internal pure returns (bool) {
        // The cast keeps the low 160 bits, the only ones set when it runs a precompile.
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint256(codeHash) >> 160 == 0 && isPrecompile(address(uint160(uint256(codeHash))));
    }

    /// @notice Warms `who` in the world's warm-account set (proven by `proof`); whether it was
    ///         cold. The origin, the recipient, the coinbase and the precompiles are always warm
    ///         (EIP-2929, EIP-3651) and never stored.
    function warmAccount(
        WorldTries tries,
        MC.Context memory c,
        MC.World memory world,
        address who,
        bytes[] memory proof
    ) internal view returns (bool cold) {
        if (who == c.origin || who == c.to || who == c.coinbase || isPrecompile(who)) return false;
        (cold, world.warmAccounts) = tries.warm(abi.encodePacked(who), proof, world.warmAccounts);
    }

    /// @notice The address CREATE gives the contract `sender` creates with nonce `nonce`:
    ///         `keccak256(rlp([sender, nonce]))`, its last 20 bytes.
    function createAddress(address sender, uint256 nonce) internal pure returns (address) {
        bytes memory n;
        if (nonce == 0) {
            n = hex"80";
        } else if (nonce < 0x80) {
            n = abi.encodePacked(uint8(nonce));
        } else {
            uint256 len = 0;
            for (uint256 v = nonce; v != 0; v >>= 8) {
                len++;
            }
            n = abi.encodePacked(uint8(0x80 + len), bytes32(nonce << (256 - 8 * len)));
            assembly ("memory-safe") {
                mstore(n, add(1, len))
            }
        }
        // The list's payload (21 bytes of address, at most 9 of nonce) is short: one header byte.
        bytes memory list = abi.encodePacked(uint8(0xc0 + 21 + n.length), uint8(0x94), sender, n);
        return address(uint160(uint256(keccak256(list))));
    }

    /// @notice Whether `code` is an EIP-7702 delegation (`0xef0100 ‖ address`).
    function isDelegation(bytes memory code) internal pure returns (bool) {
        return code.length == 23 && code[0] == 0xef && code[1] == 0x01 && code[2] == 0x00;
    }

    /// @notice The account an EIP-7702 delegation (`0xef0100 ‖ address`) names.
    function delegate(bytes memory designator) internal pure returns (address d) {
        assembly ("memory-safe") {
            d := shr(96, mload(add(designator, 35)))
        }
    }

    /// @notice The hash of the stack the witness describes: its items (top first) pushed onto
    ///         the hash beneath them; the frame's `stackHash` when the witness is right.
    function stackHash(StepWitness.Witness memory w) internal pure returns (bytes32 h) {
        h = w.stackBelow;
        for (uint256 i = w.stack.length; i > 0; i--) {
            h = MC.push(h, w.stack[i - 1]);
        }
    }

    /// @notice The machine after an exceptional halt of `f`: all its gas consumed, its changes
    ///         undone.
    function halt(MC.Machine memory m, MC.Frame memory f) internal pure returns (MC.Machine memory) {
        f.gas = 0;
        return end(m, f, MC.HALTED);
    }

    /// @notice The machine after the frame `f` ends with `status` and no return data.
    function end(MC.Machine memory m, MC.Frame memory f, uint8 status) internal pure returns (MC.Machine memory) {
        return end(m, f, status, 0, 0);
    }

    /// @notice The machine after the frame `f` ends with `status`, returning the `size` bytes of
    ///         its memory at `offset` (RETURN, REVERT): `TxEnd` for the transaction's frame,
    ///         `Return` to the caller for a deeper one, the machine's frame field holding the
    ///         outcome. A failed frame's world is its checkpoint; a halted one keeps no gas and
    ///         returns nothing.
    function end(MC.Machine memory m, MC.Frame memory f, uint8 status, uint256 offset, uint256 size)
        internal
        pure
        returns (MC.Machine memory)
    {
        m.phase = f.depth == 0 ? MC.Phase.TxEnd : MC.Phase.Return;
        if (status != MC.SUCCEEDED) m.world = f.checkpoint;
        m.frame = outcome(status, status == MC.HALTED ? 0 : f.gas, f.memoryRoot, offset, size);
        m.micro = 0;
        return m;
    }

    /// @notice The commitment of an outcome; the return data is the window of the buffer with
    ///         root `root` (canonically the empty buffer when there is none).
    function outcome(uint8 status, uint256 gasLeft, bytes32 root, uint256 offset, uint256 size)
        internal
        pure
        returns (bytes32)
    {
        if (size == 0 || status == MC.HALTED) (root, offset, size) = (BufferTree.emptyRoot(), 0, 0);
        return MC.hash(
            MC.Outcome({
                status: status, gasLeft: gasLeft, returnDataRoot: root, returnDataOffset: offset, returnDataLength: size
            })
        );
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
