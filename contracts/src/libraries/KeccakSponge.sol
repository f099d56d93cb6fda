// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title KeccakSponge
/// @notice Keccak-256 (Ethereum's `keccak256`: the original Keccak padding, not SHA3's) as an
///         explicit sponge whose state can be carried from one call, or one L1 transaction, to
///         the next. A message of any length is hashed by absorbing its whole 136-byte blocks
///         in as many steps as needed (`absorb`, `absorbBlocks`) and then `finalize`-ing its
///         last 0..135 bytes; the result equals `keccak256(message)`. Between steps the state
///         travels as a `State` and is committed to with `commit`.
///
///         The permutation, Keccak-f[1600], is written here from the specification (FIPS 202,
///         sections 3.2 and 3.3): 24 rounds of theta, rho, pi, chi and iota on 25 lanes of 64
///         bits. See `_run` for how it is laid out for the EVM.
///
///         State layout: lane `A[x, y]` is lane `i = x + 5 * y`; the 25 lanes are stored as
///         8-byte big-endian integers, in lane order, in the first 200 bytes of a `bytes32[7]`
///         whose last 24 bytes are zero. In calldata that is 224 bytes with no offset or length
///         word (a `uint64[25]` would take 800 bytes, a `bytes` 288), and it is hashed as is.
///         The lane values are FIPS 202's: the sponge's byte string is each lane written
///         little-endian, so message bytes are absorbed, and the hash is squeezed, with each
///         8-byte group byte-reversed. The last 24 bytes are ignored on input and written as
///         zero on output.
///
///         Commitment: `keccak256(abi.encodePacked(COMMIT_TAG, lane0, ..., lane24))`, each lane
///         a `uint64`: the tag followed by the 200 state bytes.
///
///         Gas (solc 0.8.37, optimizer 200 runs): about 37.6k for `permute`, and about 36.5k per
///         block for `absorbBlocks` (the workspace is set up once per call). The permutation
///         adds about 3.8 KB of code to a contract that uses the library.
library KeccakSponge {
    /// @notice The state of the sponge: 25 big-endian 64-bit lanes in 200 bytes, then 24 zero
    ///         bytes (see the library's notice).
    /// @param words The packed lanes.
    struct State {
        bytes32[7] words;
    }

    /// @notice Thrown when a block to absorb would run past the end of its buffer.
    error KeccakSponge_OutOfBounds();

    /// @notice Thrown when the tail given to `finalize` is 136 bytes or longer.
    error KeccakSponge_TailTooLong();

    /// @notice Thrown when a lane index is 25 or more.
    error KeccakSponge_LaneOutOfRange();

    /// @notice Bytes absorbed per permutation by Keccak-256 (1600 - 2 * 256 bits).
    uint256 internal constant RATE = 136;

    /// @notice Domain tag hashed in front of the state by `commit`.
    bytes32 internal constant COMMIT_TAG = keccak256("rollup.KeccakSponge.State");

    /// @notice The state before anything is absorbed: all lanes zero.
    /// @return s The empty state.
    function empty() internal pure returns (State memory s) {}

    /// @notice Commits to a state: `keccak256(COMMIT_TAG ‖ the 200 state bytes)`.
    /// @param s The state.
    /// @return c The commitment.
    function commit(State memory s) internal pure returns (bytes32 c) {
        bytes32 tag = COMMIT_TAG;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, tag)
            mcopy(add(ptr, 32), mload(s), 200)
            c := keccak256(ptr, 232)
        }
    }

    /// @notice One lane of the state.
    /// @param s The state.
    /// @param i The lane index, `x + 5 * y`, below 25.
    /// @return The lane's value.
    function lane(State memory s, uint256 i) internal pure returns (uint64) {
        if (i >= 25) revert KeccakSponge_LaneOutOfRange();
        uint256 w;
        assembly ("memory-safe") {
            w := mload(add(mload(s), mul(i, 8)))
        }
        // Safe: a 256-bit word shifted right by 192 has at most 64 bits.
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint64(w >> 192);
    }

    /// @notice Applies Keccak-f[1600] to the state in place.
    /// @param s The state.
    function permute(State memory s) internal pure {
        _run(s, 0, 1);
    }

    /// @notice Absorbs one block: XORs `data[offset:offset + 136]` into the first 17 lanes (each
    ///         8 bytes little-endian) and permutes.
    /// @param s      The state, updated in place.
    /// @param data   The buffer holding the block.
    /// @param offset Where the block starts in `data`.
    function absorb(State memory s, bytes memory data, uint256 offset) internal pure {
        absorbBlocks(s, data, offset, 1);
    }

    /// @notice Absorbs the `data.length / 136` whole blocks at the start of `data`; the rest
    ///         (`data.length % 136` bytes) is left for the next step or for `finalize`.
    /// @param s    The state, updated in place.
    /// @param data The bytes to absorb.
    function absorbBlocks(State memory s, bytes memory data) internal pure {
        absorbBlocks(s, data, 0, data.length / RATE);
    }

    /// @notice Absorbs `count` consecutive blocks of `data` starting at `offset`, as `count`
    ///         calls to `absorb` would, but entering and leaving the permutation's workspace
    ///         once.
    /// @param s      The state, updated in place.
    /// @param data   The buffer holding the blocks.
    /// @param offset Where the first block starts in `data`.
    /// @param count  The number of blocks.
    function absorbBlocks(State memory s, bytes memory data, uint256 offset, uint256 count) internal pure {
        if (offset > data.length || count > (data.length - offset) / RATE) revert KeccakSponge_OutOfBounds();
        if (count == 0) return;
        uint256 src;
        assembly ("memory-safe") {
            src := add(add(data, 32), offset)
        }
        _run(s, src, count);
    }

    /// @notice Absorbs the first `length` bytes of `data`, the message's last, and squeezes
    ///         the hash: `keccak256` of everything absorbed before and those bytes.
    /// @param s      The state; it is left as the sponge after the final permutation.
    /// @param data   The buffer holding the message's end.
    /// @param length How many of its bytes end the message.
    /// @return hash  The Keccak-256 hash of the message.
    function finish(State memory s, bytes memory data, uint256 length) internal pure returns (bytes32 hash) {
        if (length > data.length) revert KeccakSponge_OutOfBounds();
        uint256 absorbed = length - length % RATE;
        absorbBlocks(s, data, 0, length / RATE);
        bytes memory tail = new bytes(length - absorbed);
        assembly ("memory-safe") {
            mcopy(add(tail, 32), add(add(data, 32), absorbed), mload(tail))
        }
        return finalize(s, tail);
    }

    /// @notice Pads the last 0..135 bytes of the message (0x01, zeros, 0x80; 0x81 when the tail
    ///         is 135 bytes), absorbs them and squeezes the hash. With every whole block of the
    ///         message absorbed before, the result is `keccak256(message)`.
    /// @param s    The state; it is left as the sponge after the final permutation.
    /// @param tail The message's bytes after its last whole block.
    /// @return hash The Keccak-256 hash of the message.
    function finalize(State memory s, bytes memory tail) internal pure returns (bytes32 hash) {
        uint256 n = tail.length;
        if (n >= RATE) revert KeccakSponge_TailTooLong();
        bytes memory padded = new bytes(RATE);
        uint256 src;
        assembly ("memory-safe") {
            src := add(padded, 32)
            mcopy(src, add(tail, 32), n)
            mstore8(add(src, n), 0x01)
            let last := add(src, 135)
            mstore8(last, or(byte(0, mload(last)), 0x80))
        }
        _run(s, src, 1);
        // The hash is the sponge's first 32 bytes: lanes 0..3, each little-endian.
        uint256 w;
        assembly ("memory-safe") {
            w := mload(mload(s))
        }
        hash = bytes32(_reverseLaneBytes(w));
    }

    /// @dev Reverses the byte order within each 8-byte lane of a word.
    function _reverseLaneBytes(uint256 w) private pure returns (uint256) {
        w = ((w >> 8) & 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff)
            | ((w & 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff) << 8);
        w = ((w >> 16) & 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff)
            | ((w & 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff) << 16);
        return ((w >> 32) & 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff)
            | ((w & 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff) << 32);
    }

    /// @dev Loads `s` into the workspace, absorbs `blocks` blocks from memory address `src`
    ///      (none, and one bare permutation, when `src` is 0) and stores the state back.
    ///
    ///      Workspace. Every memory access in the rounds is to a constant address, which is
    ///      what makes them cheap, so the work is done in the first 0xb78 bytes of memory. That
    ///      range is copied above both itself and the free memory pointer on entry and copied
    ///      back on exit; nothing outside this assembly block sees the difference. (This is why
    ///      the block is not marked memory-safe; with via-IR that turns off moving variables to
    ///      memory in the contract using it.) Data to absorb that lies inside the range is
    ///      copied out of the way first. Layout: 0x000 and 0x348 the two state buffers, 0x690
    ///      the round constants, 0x8d0 the block being absorbed, 0x978 rotation multipliers.
    ///
    ///      Lanes. A lane value `v` is carried in a 256-bit word with `v` in the top 64 bits;
    ///      the bits below are "don't care". Rotating left by `n` is then two operations:
    ///      `shr(192, w)` (which also drops the don't-care bits) and a multiplication by
    ///      `2^(192+n) + 2^(128+n)` (mod 2^256): the two shifted copies of `v` meet in the top
    ///      64 bits as `rotl(v, n)`, and the rest of the low copy falls into the don't-care
    ///      bits. Multiplying by `2^(64+n) + 2^n` instead puts `rotl(v, n)` in bits 64..127 and
    ///      leaves bits 192..255 zero.
    ///
    ///      Pairs. Chi acts on a plane (fixed y) and is the same on every plane, so planes
    ///      0 and 1, and planes 2 and 3, are computed together: word (x, {0,1}) holds A[x,0]
    ///      in bits 192..255 and A[x,1] in bits 64..127, word (x, {2,3}) holds A[x,2] and
    ///      A[x,3], and word (x, {4}) holds A[x,4]. An XOR of the two rotations above makes a
    ///      pair, and one chi serves two lanes.
    ///
    ///      Buffers. The 15 words of a state sit at stride 56 (24 zero bytes, then the word):
    ///      word (x, group g) of the buffer at `b` is at `b + 24 + 56 * (x + 5 * g)`. Because
    ///      of the zero gap, `mload(word - 24)` reads the lane in bits 192..255 already as a
    ///      clean 64-bit value, ready to multiply; the lane in bits 64..127 is read with
    ///      `shr(192, mload(word + 16))`. A round reads one buffer and writes the other. Round
    ///      constant r is at 0x690 + 24 * r, followed by 16 zero bytes.
    ///
    ///      A round (x and y mod 5; FIPS 202 section 3.2):
    ///        theta:  C[x] = A[x,0] ^ ... ^ A[x,4]; D[x] = C[x-1] ^ rotl(C[x+1], 1)
    ///        rho+pi: B[y, 2x+3y] = rotl(A[x,y] ^ D[x], r[x,y]); so B[X,Y] comes from A[X+3Y, X]
    ///        chi:    A'[X,Y] = B[X,Y] ^ (~B[X+1,Y] & B[X+2,Y])
    ///        iota:   A'[0,0] ^= RC[round]
    ///      The rotation offsets r[x,y] and the round constants are FIPS 202's (its rho offsets
    ///      and rc(t) LFSR).
    function _run(State memory s, uint256 src, uint256 blocks) private pure {
        assembly {
            let words := mload(s)
            // Save the workspace's current contents above both it and the free memory pointer.
            let saved := mload(0x40)
            if lt(saved, 0xb78) { saved := 0xb78 }
            mcopy(saved, 0, 0xb78)
            let stage := add(saved, 0xb78)
            if and(iszero(iszero(src)), lt(src, 0xb78)) {
                mcopy(stage, src, mul(blocks, 136))
                src := stage
            }
            // The packed state goes to 0x690 for a moment, then into buffer 0x000 as pairs.
            mcopy(0x690, words, 224)
            calldatacopy(0, calldatasize(), 0x690)
            {
                let hi := not(sub(shl(192, 1), 1))
                mstore(0x18, or(and(mload(0x690), hi), shr(128, and(mload(0x6b8), hi))))
                mstore(0x50, or(and(mload(0x698), hi), shr(128, and(mload(0x6c0), hi))))
                mstore(0x88, or(and(mload(0x6a0), hi), shr(128, and(mload(0x6c8), hi))))
                mstore(0xc0, or(and(mload(0x6a8), hi), shr(128, and(mload(0x6d0), hi))))
                mstore(0xf8, or(and(mload(0x6b0), hi), shr(128, and(mload(0x6d8), hi))))
                mstore(0x130, or(and(mload(0x6e0), hi), shr(128, and(mload(0x708), hi))))
                mstore(0x168, or(and(mload(0x6e8), hi), shr(128, and(mload(0x710), hi))))
                mstore(0x1a0, or(and(mload(0x6f0), hi), shr(128, and(mload(0x718), hi))))
                mstore(0x1d8, or(and(mload(0x6f8), hi), shr(128, and(mload(0x720), hi))))
                mstore(0x210, or(and(mload(0x700), hi), shr(128, and(mload(0x728), hi))))
                mstore(0x248, and(mload(0x730), hi))
                mstore(0x280, and(mload(0x738), hi))
                mstore(0x2b8, and(mload(0x740), hi))
                mstore(0x2f0, and(mload(0x748), hi))
                mstore(0x328, and(mload(0x750), hi))
            }
            // Round constants, 24 bytes apart.
            mstore(0x690, 0x1000000000000000000000000000000000000000000008082)
            mstore(0x6b0, 0x800000000000808a0000000000000000)
            mstore(0x6d0, 0x800000008000800000000000000000000000000000000000)
            mstore(0x6f0, 0x808b000000000000000000000000000000000000000080000001)
            mstore(0x710, 0x80000000800080810000000000000000)
            mstore(0x730, 0x800000000000800900000000000000000000000000000000)
            mstore(0x750, 0x8a000000000000000000000000000000000000000000000088)
            mstore(0x770, 0x800080090000000000000000)
            mstore(0x790, 0x8000000a00000000000000000000000000000000)
            mstore(0x7b0, 0x8000808b00000000000000000000000000000000800000000000008b)
            mstore(0x7d0, 0x80000000000080890000000000000000)
            mstore(0x7f0, 0x800000000000800300000000000000000000000000000000)
            mstore(0x810, 0x8000000000008002000000000000000000000000000000008000000000000080)
            mstore(0x830, 0x800a0000000000000000)
            mstore(0x850, 0x800000008000000a00000000000000000000000000000000)
            mstore(0x870, 0x8000000080008081000000000000000000000000000000008000000000008080)
            mstore(0x890, 0x800000010000000000000000)
            mstore(0x8b0, 0x800000008000800800000000000000000000000000000000)
            // Multipliers for the rotations whose literals the optimizer would re-encode as slower
            // shift expressions: 2^(192+n) + 2^(128+n), then 2^(64+n) + 2^n for n = 56, 61.
            mstore(0x978, 0x2000000000000000200000000000000000000000000000000)
            mstore(0x998, 0x4000000000000000400000000000000000000000000000000)
            mstore(0x9b8, 0x40000000000000004000000000000000000000000000000000)
            mstore(0x9d8, 0x100000000000000010000000000000000000000000000000000)
            mstore(0x9f8, 0x4000000000000000400000000000000000000000000000000000)
            mstore(0xa18, 0x40000000000000004000000000000000000000000000000000000)
            mstore(0xa38, 0x200000000000000020000000000000000000000000000000000000)
            mstore(0xa58, 0x2000000000000000200000000000000000000000000000000000000)
            mstore(0xa78, 0x8000000000000000800000000000000000000000000000000000000000)
            mstore(0xa98, 0x20000000000000002000000000000000000000000000000000000000000)
            mstore(0xab8, 0x80000000000000008000000000000000000000000000000000000000000)
            mstore(0xad8, 0x100000000000000010000000000000000000000000000000000000000000)
            mstore(0xaf8, 0x80000000000000008000000000000000000000000000000000000000000000)
            mstore(0xb18, 0x4000000000000000400000000000000000000000000000000000000000000000)
            mstore(0xb38, 0x1000000000000000100000000000000)
            mstore(0xb58, 0x20000000000000002000000000000000)
            let k1 := mload(0x978) // 2^193 + 2^129: rotl by 1, used by theta
            for {} blocks { blocks := sub(blocks, 1) } {
                if src {
                    // Lanes are little-endian in the message: reverse each 8-byte group of the
                    // block into 0x8d0 and zero what follows lane 16. Then XOR lanes x and x + 5
                    // of plane pair g into word (x, g): the word read at lane x has it in its
                    // top quarter, the word read at lane x + 3 has lane x + 5 in its third; the
                    // other quarters land in don't-care bits.
                    let m8 := 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff
                    let m16 := 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff
                    let m32 := 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff
                    let lo := sub(shl(128, 1), 1)
                    let hi := not(lo)
                    {
                        let w := mload(add(src, 0))
                        w := or(and(shr(8, w), m8), shl(8, and(w, m8)))
                        w := or(and(shr(16, w), m16), shl(16, and(w, m16)))
                        w := or(and(shr(32, w), m32), shl(32, and(w, m32)))
                        mstore(0x8d0, w)
                    }
                    {
                        let w := mload(add(src, 32))
                        w := or(and(shr(8, w), m8), shl(8, and(w, m8)))
                        w := or(and(shr(16, w), m16), shl(16, and(w, m16)))
                        w := or(and(shr(32, w), m32), shl(32, and(w, m32)))
                        mstore(0x8f0, w)
                    }
                    {
                        let w := mload(add(src, 64))
                        w := or(and(shr(8, w), m8), shl(8, and(w, m8)))
                        w := or(and(shr(16, w), m16), shl(16, and(w, m16)))
                        w := or(and(shr(32, w), m32), shl(32, and(w, m32)))
                        mstore(0x910, w)
                    }
                    {
                        let w := mload(add(src, 96))
                        w := or(and(shr(8, w), m8), shl(8, and(w, m8)))
                        w := or(and(shr(16, w), m16), shl(16, and(w, m16)))
                        w := or(and(shr(32, w), m32), shl(32, and(w, m32)))
                        mstore(0x930, w)
                    }
                    {
                        let w := mload(add(src, 128))
                        w := or(and(shr(8, w), m8), shl(8, and(w, m8)))
                        w := or(and(shr(16, w), m16), shl(16, and(w, m16)))
                        w := or(and(shr(32, w), m32), shl(32, and(w, m32)))
                        mstore(0x950, w)
                    }
                    mstore(0x958, 0)
                    mstore(0x18, xor(mload(0x18), or(and(mload(0x8d0), hi), and(mload(0x8e8), lo))))
                    mstore(0x50, xor(mload(0x50), or(and(mload(0x8d8), hi), and(mload(0x8f0), lo))))
                    mstore(0x88, xor(mload(0x88), or(and(mload(0x8e0), hi), and(mload(0x8f8), lo))))
                    mstore(0xc0, xor(mload(0xc0), or(and(mload(0x8e8), hi), and(mload(0x900), lo))))
                    mstore(0xf8, xor(mload(0xf8), or(and(mload(0x8f0), hi), and(mload(0x908), lo))))
                    mstore(0x130, xor(mload(0x130), or(and(mload(0x920), hi), and(mload(0x938), lo))))
                    mstore(0x168, xor(mload(0x168), or(and(mload(0x928), hi), and(mload(0x940), lo))))
                    mstore(0x1a0, xor(mload(0x1a0), or(and(mload(0x930), hi), and(mload(0x948), lo))))
                    mstore(0x1d8, xor(mload(0x1d8), or(and(mload(0x938), hi), and(mload(0x950), lo))))
                    mstore(0x210, xor(mload(0x210), or(and(mload(0x940), hi), and(mload(0x958), lo))))
                    src := add(src, 136)
                }
                for { let r := 0x690 } lt(r, 0x8d0) { r := add(r, 48) } {
                    // Round 2k: buffer 0x000 -> 0x348, constant at r.
                    {
                        let c0 :=
                            shr(192, xor(xor(xor(xor(mload(24), mload(0x130)), mload(0x248)), mload(40)), mload(0x140)))
                        let c1 :=
                            shr(192, xor(xor(xor(xor(mload(80), mload(0x168)), mload(0x280)), mload(96)), mload(0x178)))
                        let c2 :=
                            shr(
                                192,
                                xor(xor(xor(xor(mload(136), mload(0x1a0)), mload(0x2b8)), mload(152)), mload(0x1b0))
                            )
                        let c3 :=
                            shr(
                                192,
                                xor(xor(xor(xor(mload(192), mload(0x1d8)), mload(0x2f0)), mload(208)), mload(0x1e8))
                            )
                        let c4 :=
                            shr(
                                192,
                                xor(xor(xor(xor(mload(248), mload(0x210)), mload(0x328)), mload(0x108)), mload(0x220))
                            )
                        let d0 := xor(c4, shr(192, mul(c1, k1)))
                        let d1 := xor(c0, shr(192, mul(c2, k1)))
                        let d2 := xor(c1, shr(192, mul(c3, k1)))
                        let d3 := xor(c2, shr(192, mul(c4, k1)))
                        let d4 := xor(c3, shr(192, mul(c0, k1)))
                        {
                            let p0 :=
                                xor(shl(192, xor(mload(0), d0)), mul(xor(mload(168), d3), 0x100000000000000010000000))
                            let p1 :=
                                xor(
                                    mul(xor(shr(192, mload(96)), d1), mload(0xad8)),
                                    mul(xor(shr(192, mload(0x108)), d4), 0x1000000000000000100000)
                                )
                            let p2 :=
                                xor(
                                    mul(xor(mload(0x188), d2), mload(0xab8)),
                                    mul(xor(mload(0x118), d0), 0x80000000000000008)
                                )
                            let p3 :=
                                xor(
                                    mul(xor(shr(192, mload(0x1e8)), d3), mload(0xa38)),
                                    mul(xor(shr(192, mload(0x178)), d1), 0x2000000000000000200000000000)
                                )
                            let p4 :=
                                xor(mul(xor(mload(0x310), d4), mload(0x9f8)), mul(xor(mload(0x2a0), d2), mload(0xb58)))
                            mstore(0x360, xor(xor(p0, and(not(p1), p2)), mload(r)))
                            mstore(0x398, xor(p1, and(not(p2), p3)))
                            mstore(0x3d0, xor(p2, and(not(p3), p4)))
                            mstore(0x408, xor(p3, and(not(p4), p0)))
                            mstore(0x440, xor(p4, and(not(p0), p1)))
                        }
                        {
                            let p0 :=
                                xor(
                                    mul(xor(mload(56), d1), mload(0x978)),
                                    mul(xor(mload(224), d4), 0x80000000000000008000000)
                                )
                            let p1 :=
                                xor(
                                    mul(xor(shr(192, mload(152)), d2), mload(0x9b8)),
                                    mul(xor(shr(192, mload(40)), d0), 0x10000000000000001000000000)
                                )
                            let p2 :=
                                xor(
                                    mul(xor(mload(0x1c0), d3), mload(0xa58)),
                                    mul(xor(mload(0x150), d1), 0x4000000000000000400)
                                )
                            let p3 :=
                                xor(
                                    mul(xor(shr(192, mload(0x220)), d4), mload(0x9d8)),
                                    mul(xor(shr(192, mload(0x1b0)), d2), 0x80000000000000008000)
                                )
                            let p4 :=
                                xor(mul(xor(mload(0x230), d0), mload(0xa18)), mul(xor(mload(0x2d8), d3), mload(0xb38)))
                            mstore(0x478, xor(p0, and(not(p1), p2)))
                            mstore(0x4b0, xor(p1, and(not(p2), p3)))
                            mstore(0x4e8, xor(p2, and(not(p3), p4)))
                            mstore(0x520, xor(p3, and(not(p4), p0)))
                            mstore(0x558, xor(p4, and(not(p0), p1)))
                        }
                        {
                            let p0 := mul(xor(mload(112), d2), mload(0xb18))
                            let p1 := mul(xor(shr(192, mload(208)), d3), mload(0xaf8))
                            let p2 := mul(xor(mload(0x1f8), d4), mload(0xa78))
                            let p3 := mul(xor(shr(192, mload(0x140)), d0), mload(0xa98))
                            let p4 := mul(xor(mload(0x268), d1), mload(0x998))
                            mstore(0x590, xor(p0, and(not(p1), p2)))
                            mstore(0x5c8, xor(p1, and(not(p2), p3)))
                            mstore(0x600, xor(p2, and(not(p3), p4)))
                            mstore(0x638, xor(p3, and(not(p4), p0)))
                            mstore(0x670, xor(p4, and(not(p0), p1)))
                        }
                    }
                    // Round 2k+1: buffer 0x348 -> 0x000, constant at r + 24.
                    {
                        let c0 :=
                            shr(
                                192,
                                xor(xor(xor(xor(mload(0x360), mload(0x478)), mload(0x590)), mload(0x370)), mload(0x488))
                            )
                        let c1 :=
                            shr(
                                192,
                                xor(xor(xor(xor(mload(0x398), mload(0x4b0)), mload(0x5c8)), mload(0x3a8)), mload(0x4c0))
                            )
                        let c2 :=
                            shr(
                                192,
                                xor(xor(xor(xor(mload(0x3d0), mload(0x4e8)), mload(0x600)), mload(0x3e0)), mload(0x4f8))
                            )
                        let c3 :=
                            shr(
                                192,
                                xor(xor(xor(xor(mload(0x408), mload(0x520)), mload(0x638)), mload(0x418)), mload(0x530))
                            )
                        let c4 :=
                            shr(
                                192,
                                xor(xor(xor(xor(mload(0x440), mload(0x558)), mload(0x670)), mload(0x450)), mload(0x568))
                            )
                        let d0 := xor(c4, shr(192, mul(c1, k1)))
                        let d1 := xor(c0, shr(192, mul(c2, k1)))
                        let d2 := xor(c1, shr(192, mul(c3, k1)))
                        let d3 := xor(c2, shr(192, mul(c4, k1)))
                        let d4 := xor(c3, shr(192, mul(c0, k1)))
                        {
                            let p0 :=
                                xor(
                                    shl(192, xor(mload(0x348), d0)),
                                    mul(xor(mload(0x3f0), d3), 0x100000000000000010000000)
                                )
                            let p1 :=
                                xor(
                                    mul(xor(shr(192, mload(0x3a8)), d1), mload(0xad8)),
                                    mul(xor(shr(192, mload(0x450)), d4), 0x1000000000000000100000)
                                )
                            let p2 :=
                                xor(
                                    mul(xor(mload(0x4d0), d2), mload(0xab8)),
                                    mul(xor(mload(0x460), d0), 0x80000000000000008)
                                )
                            let p3 :=
                                xor(
                                    mul(xor(shr(192, mload(0x530)), d3), mload(0xa38)),
                                    mul(xor(shr(192, mload(0x4c0)), d1), 0x2000000000000000200000000000)
                                )
                            let p4 :=
                                xor(mul(xor(mload(0x658), d4), mload(0x9f8)), mul(xor(mload(0x5e8), d2), mload(0xb58)))
                            mstore(0x18, xor(xor(p0, and(not(p1), p2)), mload(add(r, 24))))
                            mstore(0x50, xor(p1, and(not(p2), p3)))
                            mstore(0x88, xor(p2, and(not(p3), p4)))
                            mstore(0xc0, xor(p3, and(not(p4), p0)))
                            mstore(0xf8, xor(p4, and(not(p0), p1)))
                        }
                        {
                            let p0 :=
                                xor(
                                    mul(xor(mload(0x380), d1), mload(0x978)),
                                    mul(xor(mload(0x428), d4), 0x80000000000000008000000)
                                )
                            let p1 :=
                                xor(
                                    mul(xor(shr(192, mload(0x3e0)), d2), mload(0x9b8)),
                                    mul(xor(shr(192, mload(0x370)), d0), 0x10000000000000001000000000)
                                )
                            let p2 :=
                                xor(
                                    mul(xor(mload(0x508), d3), mload(0xa58)),
                                    mul(xor(mload(0x498), d1), 0x4000000000000000400)
                                )
                            let p3 :=
                                xor(
                                    mul(xor(shr(192, mload(0x568)), d4), mload(0x9d8)),
                                    mul(xor(shr(192, mload(0x4f8)), d2), 0x80000000000000008000)
                                )
                            let p4 :=
                                xor(mul(xor(mload(0x578), d0), mload(0xa18)), mul(xor(mload(0x620), d3), mload(0xb38)))
                            mstore(0x130, xor(p0, and(not(p1), p2)))
                            mstore(0x168, xor(p1, and(not(p2), p3)))
                            mstore(0x1a0, xor(p2, and(not(p3), p4)))
                            mstore(0x1d8, xor(p3, and(not(p4), p0)))
                            mstore(0x210, xor(p4, and(not(p0), p1)))
                        }
                        {
                            let p0 := mul(xor(mload(0x3b8), d2), mload(0xb18))
                            let p1 := mul(xor(shr(192, mload(0x418)), d3), mload(0xaf8))
                            let p2 := mul(xor(mload(0x540), d4), mload(0xa78))
                            let p3 := mul(xor(shr(192, mload(0x488)), d0), mload(0xa98))
                            let p4 := mul(xor(mload(0x5b0), d1), mload(0x998))
                            mstore(0x248, xor(p0, and(not(p1), p2)))
                            mstore(0x280, xor(p1, and(not(p2), p3)))
                            mstore(0x2b8, xor(p2, and(not(p3), p4)))
                            mstore(0x2f0, xor(p3, and(not(p4), p0)))
                            mstore(0x328, xor(p4, and(not(p0), p1)))
                        }
                    }
                }
            }
            // Pack buffer 0x000 back into 25 big-endian lanes at 0x348 (each store's
            // don't-care bytes are overwritten by the next one), stage it, restore memory.
            mstore(0x348, mload(0x18))
            mstore(0x350, mload(0x50))
            mstore(0x358, mload(0x88))
            mstore(0x360, mload(0xc0))
            mstore(0x368, mload(0xf8))
            mstore(0x370, mload(0x28))
            mstore(0x378, mload(0x60))
            mstore(0x380, mload(0x98))
            mstore(0x388, mload(0xd0))
            mstore(0x390, mload(0x108))
            mstore(0x398, mload(0x130))
            mstore(0x3a0, mload(0x168))
            mstore(0x3a8, mload(0x1a0))
            mstore(0x3b0, mload(0x1d8))
            mstore(0x3b8, mload(0x210))
            mstore(0x3c0, mload(0x140))
            mstore(0x3c8, mload(0x178))
            mstore(0x3d0, mload(0x1b0))
            mstore(0x3d8, mload(0x1e8))
            mstore(0x3e0, mload(0x220))
            mstore(0x3e8, mload(0x248))
            mstore(0x3f0, mload(0x280))
            mstore(0x3f8, mload(0x2b8))
            mstore(0x400, mload(0x2f0))
            mstore(0x408, shl(192, mload(0x310)))
            mcopy(stage, 0x348, 224)
            mcopy(0, saved, 0xb78)
            mcopy(words, stage, 224)
        }
    }
}
