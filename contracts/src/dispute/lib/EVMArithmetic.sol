// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title EVMArithmetic
/// @notice The EVM's pure stack instructions (arithmetic, comparison, bitwise, shifts), each
///         computed by the same opcode of the EVM that runs the stepper, so their semantics
///         (wrapping, division by zero, signed edge cases) are the EVM's own. CLZ (EIP-7939) is
///         computed by hand: L1 may not have it yet.
library EVMArithmetic {
    /// @notice Thrown for an opcode that is not one of this library's.
    error EVMArithmetic_NotPure(uint256 opcode);

    /// @notice Whether `op` is computed by `compute`.
    function isPure(uint256 op) internal pure returns (bool) {
        return (op >= 0x01 && op <= 0x0b) || (op >= 0x10 && op <= 0x1e);
    }

    /// @notice How many items `op` pops (it pushes one).
    function arity(uint256 op) internal pure returns (uint256) {
        if (op == 0x08 || op == 0x09) return 3;
        if (op == 0x15 || op == 0x19 || op == 0x1e) return 1;
        return 2;
    }

    /// @notice The result of `op` on the items `a` (top), `b` and `c` (unused ones are ignored).
    function compute(uint256 op, uint256 a, uint256 b, uint256 c) internal pure returns (uint256 r) {
        if (op == 0x1e) return clz(a);
        bool known = true;
        assembly ("memory-safe") {
            switch op
            case 0x01 { r := add(a, b) }
            case 0x02 { r := mul(a, b) }
            case 0x03 { r := sub(a, b) }
            case 0x04 { r := div(a, b) }
            case 0x05 { r := sdiv(a, b) }
            case 0x06 { r := mod(a, b) }
            case 0x07 { r := smod(a, b) }
            case 0x08 { r := addmod(a, b, c) }
            case 0x09 { r := mulmod(a, b, c) }
            case 0x0a { r := exp(a, b) }
            case 0x0b { r := signextend(a, b) }
            case 0x10 { r := lt(a, b) }
            case 0x11 { r := gt(a, b) }
            case 0x12 { r := slt(a, b) }
            case 0x13 { r := sgt(a, b) }
            case 0x14 { r := eq(a, b) }
            case 0x15 { r := iszero(a) }
            case 0x16 { r := and(a, b) }
            case 0x17 { r := or(a, b) }
            case 0x18 { r := xor(a, b) }
            case 0x19 { r := not(a) }
            case 0x1a { r := byte(a, b) }
            case 0x1b { r := shl(a, b) }
            case 0x1c { r := shr(a, b) }
            case 0x1d { r := sar(a, b) }
            default { known := 0 }
        }
        if (!known) revert EVMArithmetic_NotPure(op);
    }

    /// @notice The static gas of a pure opcode (EXP's per-byte part comes on top).
    function staticGas(uint256 op) internal pure returns (uint256) {
        if (op == 0x08 || op == 0x09) return 8;
        if (op == 0x0a) return 10;
        if ((op >= 0x02 && op <= 0x07 && op != 0x03) || op == 0x0b || op == 0x1e) return 5;
        return 3;
    }

    /// @notice EXP's dynamic gas: 50 per byte of the exponent (EIP-160).
    function expByteGas(uint256 exponent) internal pure returns (uint256 gas) {
        while (exponent != 0) {
            gas += 50;
            exponent >>= 8;
        }
    }

    /// @notice The number of leading zero bits of `x` (256 for zero), as EIP-7939's CLZ.
    function clz(uint256 x) internal pure returns (uint256 n) {
        if (x == 0) return 256;
        for (uint256 shift = 128; shift != 0; shift >>= 1) {
            if (x >> (256 - shift) == 0) {
                n += shift;
                x <<= shift;
            }
        }
    }
}
