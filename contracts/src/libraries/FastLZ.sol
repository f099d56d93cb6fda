// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title FastLZ
/// @notice Length of the FastLZ level-1 compression of a byte string, computed without producing
///         the compressed output. The result equals the length of the output of the reference
///         FastLZ level-1 compressor (ariya/FastLZ; the variant the OP Stack measures for its
///         Fjord L1 data fee), byte for byte.
///
///         The compressor walks the input once. At each position it hashes the next three
///         bytes (read little-endian) into a table of 8192 entries that holds the last position
///         seen for each hash; when the position found there is at most 8191 bytes back and
///         starts with the same three bytes, the bytes since the last emitted token are emitted
///         as literal runs and the match as a back-reference. Only the sizes of those tokens are
///         added up here:
///           - a literal run of `n` bytes costs `n + ceil(n / 32)` (one control byte per 32);
///           - a match of encoded length `l` costs 3 bytes per full chunk of 262 while `l > 262`,
///             then 3 bytes if the rest is at least 7, else 2 bytes.
/// @dev    The hash table (8192 × 4 bytes) lives in scratch memory after the free memory pointer,
///         which is not moved: nothing is allocated.
library FastLZ {
    /// @notice Returns the length of the FastLZ level-1 compression of `_data`.
    /// @param _data Input bytes.
    /// @return length_ Number of bytes the level-1 compressor outputs for `_data`.
    function compressedLength(bytes memory _data) internal pure returns (uint256 length_) {
        assembly ("memory-safe") {
            // Little-endian value of the three bytes at memory address `p_`.
            function u24(p_) -> v_ {
                let w_ := mload(p_)
                v_ := or(or(byte(0, w_), shl(8, byte(1, w_))), shl(16, byte(2, w_)))
            }

            // FastLZ's 13-bit multiplicative hash: bits 19..31 of `v_ * 2654435769`.
            function hash13(v_) -> h_ {
                h_ := and(shr(19, mul(v_, 2654435769)), 0x1fff)
            }

            // Stores position `pos_` in the 4-byte table entry at `entry_`.
            function store32(entry_, pos_) {
                mstore(entry_, or(shl(224, pos_), shr(32, shl(32, mload(entry_)))))
            }

            // Output size of `n_` literal bytes: a control byte per run of at most 32.
            function literalCost(n_) -> c_ {
                c_ := add(n_, shr(5, add(n_, 31)))
            }

            // Output size of a match of encoded length `l_` (the match covers `l_ + 2` bytes).
            function matchCost(l_) -> c_ {
                if gt(l_, 262) {
                    // Chunks of 262, 3 bytes each, while more than 262 remain.
                    let k_ := add(div(sub(l_, 263), 262), 1)
                    c_ := mul(k_, 3)
                    l_ := sub(l_, mul(k_, 262))
                }
                c_ := add(c_, add(2, gt(l_, 6)))
            }

            // 1 + index of the first differing byte of `p_[..]` and `q_[..]`, capped at `e_`.
            function matchLength(p_, q_, e_) -> l_ {
                for {} 1 {} {
                    let x_ := xor(mload(add(p_, l_)), mload(add(q_, l_)))
                    if x_ {
                        for {} iszero(byte(0, x_)) { x_ := shl(8, x_) } { l_ := add(l_, 1) }
                        l_ := add(l_, 1)
                        break
                    }
                    l_ := add(l_, 32)
                    if iszero(lt(l_, e_)) { break }
                }
                if gt(l_, e_) { l_ := e_ }
            }

            let len := mload(_data)
            let base := add(_data, 0x20)
            // Start of the unemitted literals, as an offset into the input.
            let anchor := 0

            // Inputs of 15 bytes or fewer are all literals.
            if gt(len, 15) {
                let table := mload(0x40)
                // Zero the 8192 four-byte entries (reading past calldata yields zeros).
                calldatacopy(table, calldatasize(), 0x8000)

                // Matches are searched at positions below `limit`, compared up to `bound`.
                let limit := sub(len, 13)
                let bound := sub(len, 4)
                let ip := 2
                for {} lt(ip, limit) {} {
                    let ref := 0
                    for {} 1 {} {
                        let seq := u24(add(base, ip))
                        let entry := add(table, shl(2, hash13(seq)))
                        ref := shr(224, mload(entry))
                        store32(entry, ip)
                        let distance := sub(ip, ref)
                        if iszero(lt(ip, limit)) { break }
                        ip := add(ip, 1)
                        if lt(distance, 0x2000) { if eq(seq, u24(add(base, ref))) { break } }
                    }
                    if iszero(lt(ip, limit)) { break }
                    ip := sub(ip, 1)

                    // Literals since the last token, then the match.
                    length_ := add(length_, literalCost(sub(ip, anchor)))
                    let l := matchLength(add(base, add(ref, 3)), add(base, add(ip, 3)), sub(bound, add(ip, 3)))
                    length_ := add(length_, matchCost(l))

                    // Hash the two positions at the end of the match; continue after them.
                    ip := add(ip, l)
                    store32(add(table, shl(2, hash13(u24(add(base, ip))))), ip)
                    ip := add(ip, 1)
                    store32(add(table, shl(2, hash13(u24(add(base, ip))))), ip)
                    ip := add(ip, 1)
                    anchor := ip
                }
            }
            length_ := add(length_, literalCost(sub(len, anchor)))
        }
    }
}
