// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/TestBase.sol";
import {JumpdestBitmap} from "../../src/dispute/lib/JumpdestBitmap.sol";

/// @dev The word-at-a-time bitmap against a byte-by-byte reference, on fuzzed code and on code
///      built to hit each path: words without PUSH (all JUMPDEST, none), PUSH data running
///      over word and 256-byte boundaries, a last partial word. The Rust tracer builds the
///      same bitmap its own way; the stepper's differential tests compare the two.
contract JumpdestBitmapTest is TestBase {
    /// @dev Bit `i` (MSB first) set when byte `i` is a JUMPDEST outside PUSH data.
    function _reference(bytes memory code) internal pure returns (bytes memory bitmap) {
        bitmap = new bytes((code.length + 7) / 8);
        uint256 i = 0;
        while (i < code.length) {
            uint8 op = uint8(code[i]);
            if (op == 0x5b) bitmap[i / 8] |= bytes1(uint8(0x80) >> (i % 8));
            i += (op >= 0x60 && op <= 0x7f) ? op - 0x5e : 1;
        }
    }

    function _check(bytes memory code) internal pure {
        vm.assertEq(JumpdestBitmap.compute(code), _reference(code), "bitmap");
    }

    /// @dev `length` bytes of `fill`, with `op` written at each offset of `at`.
    function _code(uint256 length, uint8 fill, uint256[] memory at, uint8 op)
        internal
        pure
        returns (bytes memory code)
    {
        code = new bytes(length);
        for (uint256 i = 0; i < length; i++) {
            code[i] = bytes1(fill);
        }
        for (uint256 k = 0; k < at.length; k++) {
            if (at[k] < length) code[at[k]] = bytes1(op);
        }
    }

    function test_compute_wordsWithoutPush_succeeds() external pure {
        uint256[] memory none = new uint256[](0);
        _check(_code(0, 0x5b, none, 0));
        _check(_code(1, 0x5b, none, 0));
        _check(_code(31, 0x5b, none, 0));
        _check(_code(32, 0x5b, none, 0));
        _check(_code(1000, 0x5b, none, 0));
        _check(_code(1000, 0x00, none, 0));
        _check(_code(777, 0x5a, none, 0));
    }

    function test_compute_pushDataOverBoundaries_succeeds() external pure {
        uint256[] memory at = new uint256[](6);
        (at[0], at[1], at[2], at[3], at[4], at[5]) = (0, 30, 63, 250, 255, 510);
        // PUSH32 (data over the next word), PUSH1 at a word's and a 256-byte block's end.
        _check(_code(700, 0x5b, at, 0x7f));
        _check(_code(700, 0x5b, at, 0x60));
        _check(_code(700, 0x5b, at, 0x6f));
        _check(_code(257, 0x5b, at, 0x7f));
    }

    /// @dev What follows the code in memory (the rest of a witness, say) is not code, even
    ///      when it is all JUMPDESTs.
    function test_compute_ignoresBytesPastTheEnd_succeeds() external pure {
        uint256[] memory none = new uint256[](0);
        uint256[7] memory lengths = [uint256(1), 7, 31, 33, 63, 64, 100];
        for (uint256 k = 0; k < lengths.length; k++) {
            bytes memory code = _code(lengths[k] + 64, 0x5b, none, 0);
            uint256 length = lengths[k];
            assembly ("memory-safe") {
                mstore(code, length)
            }
            _check(code);
            // A PUSH at the end whose data would run past it.
            code[length - 1] = bytes1(0x7f);
            _check(code);
        }
    }

    function test_compute_largestInitCode_succeeds() external pure {
        uint256[] memory at = new uint256[](1);
        at[0] = 49_151;
        _check(_code(49_152, 0x5b, at, 0x60));
    }

    function testFuzz_compute_matchesTheReference_succeeds(bytes memory code) external pure {
        _check(code);
    }

    /// @dev Code drawn from the opcodes that matter (JUMPDEST, PUSHes, others) so that every
    ///      path is taken often.
    function testFuzz_compute_denseOpcodes_succeeds(uint256 seed, uint16 length) external pure {
        bytes memory code = new bytes(length % 2048);
        uint8[6] memory ops = [0x5b, 0x60, 0x7f, 0x00, 0x5f, 0x80];
        for (uint256 i = 0; i < code.length; i++) {
            seed = uint256(keccak256(abi.encode(seed)));
            code[i] = bytes1(seed % 4 == 0 ? uint8(seed >> 8) : ops[(seed >> 8) % 6]);
        }
        _check(code);
    }
}
