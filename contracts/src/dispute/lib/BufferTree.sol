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
    /// @return The root.
    function rootOfBytes(bytes memory data) internal pure returns (bytes32) {
        uint256 count = (data.length + 31) / 32;
        if (count >> DEPTH != 0) revert BufferTree_IndexOutOfRange();
        bytes32[] memory nodes = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) {
            bytes32 word;
            assembly ("memory-safe") {
                word := mload(add(add(data, 0x20), mul(i, 0x20)))
            }
            // The last word reads past the data: keep only its bytes.
            uint256 tail = data.length - i * 32;
            if (tail < 32) word &= bytes32(type(uint256).max << ((32 - tail) * 8));
            nodes[i] = word;
        }
        bytes32 zero;
        for (uint256 level = 0; level < DEPTH; level++) {
            uint256 next = (count + 1) / 2;
            for (uint256 i = 0; i < next; i++) {
                bytes32 left = nodes[2 * i];
                bytes32 right = 2 * i + 1 < count ? nodes[2 * i + 1] : zero;
                nodes[i] = keccak256(abi.encodePacked(left, right));
            }
            count = next;
            zero = keccak256(abi.encodePacked(zero, zero));
            if (count == 0) {
                // An empty buffer: the root is the zero ladder's top.
                for (uint256 rest = level + 1; rest < DEPTH; rest++) {
                    zero = keccak256(abi.encodePacked(zero, zero));
                }
                return zero;
            }
        }
        return nodes[0];
    }

    /// @notice The root of an all-zero buffer (`Z_DEPTH`).
    /// @return node The root.
    function emptyRoot() internal pure returns (bytes32 node) {
        for (uint256 level = 0; level < DEPTH; level++) {
            node = keccak256(abi.encodePacked(node, node));
        }
    }
}
