// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title JumpdestBitmap
/// @notice The JUMPDEST bitmap of EVM code, as `FrameSetup` commits to it: bit `i` (most
///         significant bit first) is set when byte `i` is a JUMPDEST (0x5b) outside PUSH data.
///         Specified in docs/dispute/commitment.md.
/// @dev    Code is analysed a 32-byte word at a time: its JUMPDEST and PUSH bytes are found with
///         byte-parallel arithmetic, the PUSHes strike their data out in order (in the word's
///         bytes reversed the first PUSH is the lowest flag, isolated and indexed by a
///         multiplication), and the flags of the JUMPDESTs left are gathered into 32 bits.
///         The cost is per word and per PUSH, never per byte: for the largest init code
///         (49,152 bytes) at most 6M gas (all PUSH1s, 16 a word); all JUMPDESTs take 0.9M,
///         where a loop over the bytes took 9M.
library JumpdestBitmap {
    /// @dev 0x7f in every byte.
    uint256 private constant LOW7 = 0x7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f;
    /// @dev 0x80 in every byte.
    uint256 private constant HIGH = 0x8080808080808080808080808080808080808080808080808080808080808080;
    /// @dev 0xe0 in every byte: the bits that tell PUSH1–PUSH32 (0x60–0x7f) apart.
    uint256 private constant TOP3 = 0xe0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0;
    /// @dev 0x60 in every byte.
    uint256 private constant PUSHES = 0x6060606060606060606060606060606060606060606060606060606060606060;
    /// @dev Byte 31 - j holds j: the top byte of `256^b * INDEX` is `b`.
    uint256 private constant INDEX = 0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f;
    /// @dev 0x5b (JUMPDEST) in every byte.
    uint256 private constant JUMPDESTS = 0x5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b;

    /// @notice The bitmap of `code`: `ceil(code.length / 8)` bytes.
    /// @param code The code.
    /// @return bitmap Its JUMPDEST bitmap.
    function compute(bytes memory code) internal pure returns (bytes memory bitmap) {
        bitmap = new bytes((code.length + 7) / 8);
        assembly ("memory-safe") {
            /// The high bit of each byte of `x` that is zero.
            function zeros(x) -> flags {
                flags := and(not(or(add(and(x, LOW7), LOW7), x)), HIGH)
            }
            /// 0xff in bytes `from` to `to` (exclusive) of a word, 0 elsewhere.
            function span(from, to) -> mask {
                mask := and(shr(shl(3, from), not(0)), not(shr(shl(3, to), not(0))))
            }
            /// `x` with its bytes in reverse order.
            function reverse(x) -> y {
                let m := 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff
                y := or(shl(8, and(x, m)), and(shr(8, x), m))
                m := 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff
                y := or(shl(16, and(y, m)), and(shr(16, y), m))
                m := 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff
                y := or(shl(32, and(y, m)), and(shr(32, y), m))
                m := 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff
                y := or(shl(64, and(y, m)), and(shr(64, y), m))
                y := or(shl(128, y), shr(128, y))
            }
            /// The data bytes of the PUSHes flagged in `pushes` (0xff each), struck out in
            /// order, and where the last one's data ends (past 32 if it runs past the word).
            /// Bytes reversed, byte `b` of the word sits at bits 8b to 8b + 7: the first PUSH
            /// is the lowest flag `f`, its opcode the word over `f / 128`, its data the bytes
            /// above it (those past the word fall off); `256^b * INDEX` has `b` in its top byte.
            function strike(word, pushes) -> data, reach {
                let reversed := reverse(word)
                let rest := reverse(pushes)
                let last := 0
                let n := 0
                for {} rest {} {
                    last := and(rest, sub(0, rest))
                    let struck :=
                        mul(sub(shl(shl(3, sub(and(div(reversed, shr(7, last)), 0xff), 0x5f)), 1), 1), shl(1, last))
                    data := or(data, struck)
                    rest := and(rest, not(or(struck, last)))
                }
                data := reverse(data)
                // (The loop reads each PUSH's length where it is used: a variable kept
                // across it costs more than reading the last one's again.)
                n := sub(and(div(reversed, shr(7, last)), 0xff), 0x5f)
                reach := add(add(shr(248, mul(shr(7, last), INDEX)), 1), n)
            }
            let start := add(code, 0x20)
            let length := mload(code)
            let out := add(bitmap, 0x20)
            // `acc` holds the bitmap word of the 256 code bytes from `256 * current`.
            let acc := 0
            let current := 0
            for { let i := 0 } lt(i, length) {} {
                if iszero(eq(shr(8, i), current)) {
                    mstore(add(out, shl(5, current)), acc)
                    acc := 0
                    current := shr(8, i)
                }
                let base := and(i, not(31))
                let word := mload(add(start, base))
                let end := sub(length, base)
                if gt(end, 32) { end := 32 }
                // The word's bytes that are code: from `i` (a PUSH's data may end inside the
                // word) to the end of the word or of the code, less the data of its PUSHes.
                let kept := span(and(i, 31), end)
                let pushes := and(zeros(xor(and(word, TOP3), PUSHES)), kept)
                let next := add(base, 32)
                if pushes {
                    let data, reach := strike(word, pushes)
                    kept := and(kept, not(data))
                    if gt(reach, 32) { next := add(base, reach) }
                }
                // The flags of its JUMPDESTs, gathered from each byte's high bit to one bit per
                // byte (byte 31 - k to bit k), into their place in the bitmap word.
                let flags := shr(7, and(zeros(xor(word, JUMPDESTS)), kept))
                flags := and(
                    or(flags, shr(7, flags)),
                    0x0003000300030003000300030003000300030003000300030003000300030003
                )
                flags := and(
                    or(flags, shr(14, flags)),
                    0x0000000f0000000f0000000f0000000f0000000f0000000f0000000f0000000f
                )
                flags := and(
                    or(flags, shr(28, flags)),
                    0x00000000000000ff00000000000000ff00000000000000ff00000000000000ff
                )
                flags := and(
                    or(flags, shr(56, flags)),
                    0x0000000000000000000000000000ffff0000000000000000000000000000ffff
                )
                flags := and(or(flags, shr(112, flags)), 0xffffffff)
                acc := or(acc, shl(sub(224, and(base, 255)), flags))
                i := next
            }
            if gt(length, 0) { mstore(add(out, shl(5, current)), acc) }
        }
    }
}
