// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleTrie} from "./MerkleTrie.sol";

/// @title SecureMerkleTrie
/// @notice `MerkleTrie` for Ethereum's "secure" tries, whose paths are the keccak256 hash of
///         the key: the state trie (key: the 20-byte address) and every storage trie (key:
///         the 32-byte slot).
library SecureMerkleTrie {
    /// @notice Whether `key` maps to `value` in the secure trie with root `root`.
    /// @param key   The unhashed key (e.g. `abi.encode(slot)`).
    /// @param value The expected value (the RLP encoding of the stored value).
    /// @param proof The proof nodes, root first.
    /// @param root  The trie's root hash.
    /// @return True when the proof shows `key` holds `value`. Reverts when `proof` is invalid.
    function verifyInclusionProof(bytes memory key, bytes memory value, bytes[] memory proof, bytes32 root)
        internal
        pure
        returns (bool)
    {
        return MerkleTrie.verifyInclusionProof(_path(key), value, proof, root);
    }

    /// @notice Reads `key` from the secure trie with root `root`.
    /// @param key   The unhashed key.
    /// @param proof The proof nodes, root first.
    /// @param root  The trie's root hash.
    /// @return exists Whether the key is in the trie.
    /// @return value  The value stored at the key (empty when absent).
    function get(bytes memory key, bytes[] memory proof, bytes32 root)
        internal
        pure
        returns (bool exists, bytes memory value)
    {
        return MerkleTrie.get(_path(key), proof, root);
    }

    /// @dev The trie path of a key.
    function _path(bytes memory key) private pure returns (bytes memory) {
        return abi.encodePacked(keccak256(key));
    }
}
