// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleTrieWriter} from "../../src/libraries/MerkleTrieWriter.sol";

/// @title MerkleTrieWriterHarness
/// @notice Exposes `MerkleTrieWriter` externally, for the forge tests (so reverts can be
///         expected) and for the Rust differential test (core/tests/solidity_trie.rs), which
///         runs it in revm.
contract MerkleTrieWriterHarness {
    /// @notice `MerkleTrieWriter.update`.
    function update(bytes memory key, bytes memory value, bytes[] memory proof, bytes memory sibling, bytes32 root)
        external
        pure
        returns (bytes32)
    {
        return MerkleTrieWriter.update(key, value, proof, sibling, root);
    }

    /// @notice `MerkleTrieWriter.updateSecure`.
    function updateSecure(
        bytes memory key,
        bytes memory value,
        bytes[] memory proof,
        bytes memory sibling,
        bytes32 root
    ) external pure returns (bytes32) {
        return MerkleTrieWriter.updateSecure(key, value, proof, sibling, root);
    }

    /// @notice `MerkleTrieWriter.update` and the gas the library call took (arguments already
    ///         decoded into memory, so without calldata and ABI-decoding costs).
    function measureUpdate(
        bytes memory key,
        bytes memory value,
        bytes[] memory proof,
        bytes memory sibling,
        bytes32 root
    ) external view returns (bytes32 newRoot, uint256 gasUsed) {
        uint256 before = gasleft();
        newRoot = MerkleTrieWriter.update(key, value, proof, sibling, root);
        gasUsed = before - gasleft();
    }
}
