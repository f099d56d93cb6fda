// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BufferTree} from "../../src/dispute/lib/BufferTree.sol";

/// @dev Exposes `BufferTree` externally, for the Rust differential test and forge tests.
contract BufferTreeHarness {
    function verify(bytes32 root, uint256 index, bytes32 word, bytes32[] memory proof) external pure {
        BufferTree.verify(root, index, word, proof);
    }

    function update(bytes32 root, uint256 index, bytes32 oldWord, bytes32 newWord, bytes32[] memory proof)
        external
        pure
        returns (bytes32)
    {
        return BufferTree.update(root, index, oldWord, newWord, proof);
    }

    function emptyRoot() external pure returns (bytes32) {
        return BufferTree.emptyRoot();
    }
}
