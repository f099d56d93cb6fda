// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title BufferTree
/// @notice The stepper's commitment to a byte buffer (memory, calldata, return data, code,
///         the JUMPDEST bitmap): a binary Merkle tree of fixed depth `DEPTH` over the buffer's
///         32-byte words, zero-padded. A leaf is the word itself, an inner node
///         `keccak256(left ‖ right)`; a proof is the `DEPTH` sibling hashes, leaf level first.
///         Specified in docs/dispute/commitment.md.
library BufferTree {
    /// @notice Depth of every buffer tree: 2^17 words (4 MiB), more than the gas cap lets a
    ///         frame's memory reach.
    uint256 internal constant DEPTH = 17;

    /// @notice Thrown when a proof does not have `DEPTH` siblings.
    error BufferTree_BadProofLength();

    /// @notice Thrown when a word index lies outside the tree.
    error BufferTree_IndexOutOfRange();

    /// @notice Thrown when a word and its proof do not lead to the root.
    error BufferTree_InvalidProof();

    /// @notice The root a word at `index` and its sibling path lead to.
    /// @param index The word's index (byte offset / 32).
    /// @param word  The word.
    /// @param proof The `DEPTH` siblings, leaf level first.
    /// @return node The root.
    function rootOf(uint256 index, bytes32 word, bytes32[] memory proof) internal pure returns (bytes32 node) {
        if (proof.length != DEPTH) revert BufferTree_BadProofLength();
        if (index >> DEPTH != 0) revert BufferTree_IndexOutOfRange();
        node = word;
        for (uint256 level = 0; level < DEPTH; level++) {
            bytes32 sibling = proof[level];
            assembly ("memory-safe") {
                switch and(shr(level, index), 1)
                case 0 {
                    mstore(0x00, node)
                    mstore(0x20, sibling)
                }
                default {
                    mstore(0x00, sibling)
                    mstore(0x20, node)
                }
                node := keccak256(0x00, 0x40)
            }
        }
    }

    /// @notice Checks that `word` is the word at `index` of the buffer committed to by `root`.
    /// @param root  The buffer's root.
    /// @param index The word's index.
    /// @param word  The claimed word.
    /// @param proof Its sibling path.
    function verify(bytes32 root, uint256 index, bytes32 word, bytes32[] memory proof) internal pure {
        if (rootOf(index, word, proof) != root) revert BufferTree_InvalidProof();
    }

    /// @notice Replaces the word at `index`, proven by `proof` to hold `oldWord`, with `newWord`.
    /// @param root    The buffer's root.
    /// @param index   The word's index.
    /// @param oldWord The word it holds now.
    /// @param newWord The word it holds after.
    /// @param proof   Its sibling path (the same before and after).
    /// @return The new root.
    function update(bytes32 root, uint256 index, bytes32 oldWord, bytes32 newWord, bytes32[] memory proof)
        internal
        pure
        returns (bytes32)
    {
        verify(root, index, oldWord, proof);
        return rootOf(index, newWord, proof);
    }

    /// @notice The root of the buffer holding `data` (zero-padded to whole words), built level
    ///         by level over its words and the zero ladder beyond them.
    /// @param data The buffer (at most 2^DEPTH words).
    /// @return root The root.
    function rootOfBytes(bytes memory data) internal pure returns (bytes32 root) {
        uint256 count = (data.length + 31) / 32;
        if (count >> DEPTH != 0) revert BufferTree_IndexOutOfRange();
        // The words, the last one masked to the data's bytes, then hashed in place level by
        // level; a missing right sibling is the zero subtree of that level.
        bytes32[] memory nodes = new bytes32[](count);
        uint256 length = data.length;
        assembly ("memory-safe") {
            let src := add(data, 0x20)
            let dst := add(nodes, 0x20)
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let word := mload(add(src, mul(i, 0x20)))
                let tail := sub(length, mul(i, 0x20))
                if lt(tail, 32) { word := and(word, not(shr(mul(tail, 8), not(0)))) }
                mstore(add(dst, mul(i, 0x20)), word)
            }
            let zero := 0
            for { let level := 0 } lt(level, DEPTH) { level := add(level, 1) } {
                let next := shr(1, add(count, 1))
                for { let i := 0 } lt(i, next) { i := add(i, 1) } {
                    mstore(0x00, mload(add(dst, mul(mul(i, 2), 0x20))))
                    let right := zero
                    if lt(add(mul(i, 2), 1), count) { right := mload(add(dst, mul(add(mul(i, 2), 1), 0x20))) }
                    mstore(0x20, right)
                    mstore(add(dst, mul(i, 0x20)), keccak256(0x00, 0x40))
                }
                count := next
                mstore(0x00, zero)
                mstore(0x20, zero)
                zero := keccak256(0x00, 0x40)
                if iszero(count) {
                    // An empty buffer: the zero ladder's top.
                    for { let rest := add(level, 1) } lt(rest, DEPTH) { rest := add(rest, 1) } {
                        mstore(0x00, zero)
                        mstore(0x20, zero)
                        zero := keccak256(0x00, 0x40)
                    }
                    root := zero
                    level := DEPTH
                }
            }
            if count { root := mload(dst) }
        }
    }

    /// @notice The root of an all-zero buffer (`Z_DEPTH`).
    /// @return node The root.
    function emptyRoot() internal pure returns (bytes32 node) {
        for (uint256 level = 0; level < DEPTH; level++) {
            node = keccak256(abi.encodePacked(node, node));
        }
    }
}
