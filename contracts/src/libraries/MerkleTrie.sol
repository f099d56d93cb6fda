// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {RLPReader} from "./RLPReader.sol";

/// @title MerkleTrie
/// @notice Verifies Merkle-Patricia trie proofs, the format of `eth_getProof`.
///
///         A proof is the list of RLP-encoded nodes on the path from the root to the key,
///         root first. Node kinds:
///           - branch:    a 17-item list: one child reference per nibble, then a value;
///           - extension: [hex-prefix(path, false), child reference];
///           - leaf:      [hex-prefix(path, true), value].
///         A child reference is either the keccak256 hash of the child's encoding (a 32-byte
///         string; the child is then the next proof element) or, when that encoding is
///         shorter than 32 bytes, the child node itself embedded in its parent (an inline
///         node, which is not a separate proof element). An empty string means no child.
///         The root is always referenced by hash.
///
///         `get` walks the proof along the key's nibbles. It returns the value when the key is
///         in the trie and `exists = false` when the proof shows that it is not (the walk ends
///         at an empty branch slot, at an extension or leaf whose path differs from the key,
///         or at a branch without a value). A proof that is not a proof of either (a node
///         whose hash does not match its reference, malformed RLP or nodes, too few or too
///         many proof elements) reverts.
/// @dev    Keys are byte strings. Ethereum's state and storage tries are "secure" tries whose
///         keys are keccak256 hashes; see `SecureMerkleTrie`.
library MerkleTrie {
    using RLPReader for RLPReader.RLPItem;

    /// @notice Thrown when the proof has no nodes.
    error MerkleTrie_EmptyProof();

    /// @notice Thrown when a node does not hash to the reference its parent (or the root) holds.
    error MerkleTrie_InvalidNodeHash();

    /// @notice Thrown when the walk needs another proof element and there is none.
    error MerkleTrie_ProofTooShort();

    /// @notice Thrown when the walk ends before the last proof element.
    error MerkleTrie_UnusedProofNodes();

    /// @notice Thrown for a node that is neither a branch, an extension nor a leaf.
    error MerkleTrie_InvalidNode();

    /// @notice Thrown for a child reference that is neither empty, a hash nor an inline node.
    error MerkleTrie_InvalidReference();

    /// @notice Thrown for a malformed hex-prefix encoded path.
    error MerkleTrie_InvalidPath();

    /// @notice Whether `key` maps to `value` in the trie with root `root`.
    /// @param key   The key.
    /// @param value The expected value (for storage tries: the RLP encoding of the slot's value).
    /// @param proof The proof nodes, root first.
    /// @param root  The trie's root hash.
    /// @return True when the proof shows `key` holds `value`; false when it holds another value
    ///         or is absent. Reverts when `proof` is invalid.
    function verifyInclusionProof(bytes memory key, bytes memory value, bytes[] memory proof, bytes32 root)
        internal
        pure
        returns (bool)
    {
        (bool exists, bytes memory found) = get(key, proof, root);
        return exists && keccak256(found) == keccak256(value);
    }

    /// @notice Reads `key` from the trie with root `root`.
    /// @param key   The key.
    /// @param proof The proof nodes, root first.
    /// @param root  The trie's root hash.
    /// @return exists Whether the key is in the trie.
    /// @return value  The value stored at the key (empty when absent).
    function get(bytes memory key, bytes[] memory proof, bytes32 root)
        internal
        pure
        returns (bool exists, bytes memory value)
    {
        if (proof.length == 0) revert MerkleTrie_EmptyProof();
        if (keccak256(proof[0]) != root) revert MerkleTrie_InvalidNodeHash();

        bytes memory nibbles = _toNibbles(key);
        uint256 keyIndex = 0;
        uint256 proofIndex = 1;
        RLPReader.RLPItem[] memory node = RLPReader.readList(proof[0]);

        while (true) {
            RLPReader.RLPItem memory next;
            if (node.length == 17) {
                if (keyIndex == nibbles.length) {
                    // The key ends at this branch: its value slot holds the value (if any).
                    value = node[16].readBytes();
                    exists = value.length != 0;
                    break;
                }
                next = node[uint8(nibbles[keyIndex])];
                keyIndex += 1;
            } else if (node.length == 2) {
                (bytes memory path, bool isLeaf) = _decodePath(node[0].readBytes());
                uint256 shared = _sharedPrefixLength(nibbles, keyIndex, path);
                if (isLeaf) {
                    // A leaf holds the key iff its path is exactly the rest of the key.
                    if (shared == path.length && keyIndex + shared == nibbles.length) {
                        value = node[1].readBytes();
                        if (value.length == 0) revert MerkleTrie_InvalidNode();
                        exists = true;
                    }
                    break;
                }
                // An extension: the key must continue with its path.
                if (path.length == 0) revert MerkleTrie_InvalidPath();
                if (shared != path.length) break;
                keyIndex += shared;
                next = node[1];
            } else {
                revert MerkleTrie_InvalidNode();
            }

            // Follow the child reference.
            if (next.isList()) {
                // Inline node: embedded in its parent because its encoding is under 32 bytes.
                if (next.length >= 32) revert MerkleTrie_InvalidReference();
                node = next.readList();
            } else {
                bytes memory ref = next.readBytes();
                if (ref.length == 0) break; // empty slot: the key is not in the trie
                if (ref.length != 32) revert MerkleTrie_InvalidReference();
                if (proofIndex == proof.length) revert MerkleTrie_ProofTooShort();
                bytes memory child = proof[proofIndex];
                // Safe: `ref` is exactly 32 bytes (checked above).
                // forge-lint: disable-next-line(unsafe-typecast)
                if (keccak256(child) != bytes32(ref)) revert MerkleTrie_InvalidNodeHash();
                proofIndex += 1;
                node = RLPReader.readList(child);
            }
        }

        if (proofIndex != proof.length) revert MerkleTrie_UnusedProofNodes();
    }

    /// @dev Splits bytes into nibbles, high nibble first.
    function _toNibbles(bytes memory data) private pure returns (bytes memory nibbles) {
        nibbles = new bytes(data.length * 2);
        for (uint256 i = 0; i < data.length; i++) {
            nibbles[2 * i] = data[i] >> 4;
            nibbles[2 * i + 1] = data[i] & 0x0f;
        }
    }

    /// @dev Decodes a hex-prefix encoded path: the first nibble is the flag (bit 1: leaf,
    ///      bit 0: odd length); an odd path starts in the second nibble, an even one in the
    ///      second byte (after a zero padding nibble).
    function _decodePath(bytes memory encoded) private pure returns (bytes memory path, bool isLeaf) {
        if (encoded.length == 0) revert MerkleTrie_InvalidPath();
        bytes memory nibbles = _toNibbles(encoded);
        uint8 flag = uint8(nibbles[0]);
        if (flag > 3) revert MerkleTrie_InvalidPath();
        isLeaf = flag >= 2;
        uint256 start = flag % 2 == 1 ? 1 : 2;
        if (start == 2 && nibbles[1] != 0) revert MerkleTrie_InvalidPath();

        path = new bytes(nibbles.length - start);
        for (uint256 i = 0; i < path.length; i++) {
            path[i] = nibbles[start + i];
        }
    }

    /// @dev Number of leading nibbles `path` shares with `key` from `keyIndex` on.
    function _sharedPrefixLength(bytes memory key, uint256 keyIndex, bytes memory path)
        private
        pure
        returns (uint256 shared)
    {
        while (shared < path.length && keyIndex + shared < key.length && path[shared] == key[keyIndex + shared]) {
            shared++;
        }
    }
}
