// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/TestBase.sol";
import {BufferTreeHarness} from "../utils/BufferTreeHarness.sol";
import {BufferTree} from "../../src/dispute/lib/BufferTree.sol";

/// @dev Buffer trees built here by hashing the zero ladder and one or two written words; the
///      Rust side (stepper/tests/buffer_tree.rs) checks the library against its own tree over
///      random buffers.
contract BufferTreeTest is TestBase {
    BufferTreeHarness internal harness = new BufferTreeHarness();

    /// @dev The zero ladder `Z_0 … Z_{DEPTH-1}`: the sibling path of any word in an all-zero tree.
    function _zeroPath() internal pure returns (bytes32[] memory path) {
        path = new bytes32[](BufferTree.DEPTH);
        for (uint256 level = 1; level < BufferTree.DEPTH; level++) {
            path[level] = keccak256(abi.encodePacked(path[level - 1], path[level - 1]));
        }
    }

    function test_emptyRoot_isTheTopOfTheZeroLadder_succeeds() external view {
        bytes32[] memory path = _zeroPath();
        bytes32 top = keccak256(abi.encodePacked(path[BufferTree.DEPTH - 1], path[BufferTree.DEPTH - 1]));
        vm.assertEq(harness.emptyRoot(), top, "empty root");
    }

    function test_update_writesAWordAndProvesIt_succeeds() external view {
        bytes32[] memory path = _zeroPath();
        bytes32 root = harness.emptyRoot();
        bytes32 written = harness.update(root, 5, bytes32(0), bytes32(uint256(7)), path);
        vm.assertNotEq(written, root, "a write changes the root");
        harness.verify(written, 5, bytes32(uint256(7)), path);
        // Writing the zero word back restores the empty tree.
        vm.assertEq(harness.update(written, 5, bytes32(uint256(7)), bytes32(0), path), root, "zero restores");
    }

    function test_verify_wrongWord_reverts() external {
        bytes32[] memory path = _zeroPath();
        bytes32 root = harness.emptyRoot();
        vm.expectRevert(BufferTree.BufferTree_InvalidProof.selector);
        harness.verify(root, 3, bytes32(uint256(1)), path);
    }

    function test_verify_wrongIndex_reverts() external {
        bytes32[] memory path = _zeroPath();
        bytes32 root = harness.update(harness.emptyRoot(), 4, bytes32(0), bytes32(uint256(9)), path);
        vm.expectRevert(BufferTree.BufferTree_InvalidProof.selector);
        harness.verify(root, 6, bytes32(uint256(9)), path);
    }

    function test_verify_indexOutsideTheTree_reverts() external {
        bytes32[] memory path = _zeroPath();
        bytes32 root = harness.emptyRoot();
        vm.expectRevert(BufferTree.BufferTree_IndexOutOfRange.selector);
        harness.verify(root, 2 ** BufferTree.DEPTH, bytes32(0), path);
    }

    function test_verify_shortProof_reverts() external {
        bytes32 root = harness.emptyRoot();
        vm.expectRevert(BufferTree.BufferTree_BadProofLength.selector);
        harness.verify(root, 0, bytes32(0), new bytes32[](BufferTree.DEPTH - 1));
    }

    function test_update_staleOldWord_reverts() external {
        bytes32[] memory path = _zeroPath();
        bytes32 root = harness.emptyRoot();
        vm.expectRevert(BufferTree.BufferTree_InvalidProof.selector);
        harness.update(root, 0, bytes32(uint256(1)), bytes32(uint256(2)), path);
    }
}
