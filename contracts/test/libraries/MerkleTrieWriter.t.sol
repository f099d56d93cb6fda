// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {RLPEncoder} from "../utils/RLPEncoder.sol";
import {WithdrawalFixture} from "../utils/WithdrawalFixture.sol";
import {MerkleTrieWriterHarness} from "../utils/MerkleTrieWriterHarness.sol";
import {MerkleTrie} from "../../src/libraries/MerkleTrie.sol";
import {MerkleTrieWriter} from "../../src/libraries/MerkleTrieWriter.sol";
import {RLPReader} from "../../src/libraries/RLPReader.sol";

/// @notice Hand-built tries before and after each kind of write (every structural case, with
///         hashed and inline nodes), two-key tries built from fuzzed keys and values, and real
///         `eth_getProof` proofs from the rollup's L2 node. core/tests/solidity_trie.rs checks
///         the library against the Rust trie on random write sequences.
contract MerkleTrieWriterTest is WithdrawalFixture {
    MerkleTrieWriterHarness internal h;

    /// @dev A value long enough that any leaf holding it is hashed, not inline.
    bytes internal constant LONG = "a value of more than thirty-two bytes, so leaves are hashed";

    function setUp() public {
        h = new MerkleTrieWriterHarness();
        loadFixture();
    }

    // ---------------------------------------------------------------- node builders

    /// @dev One nibble per byte of a hex string's bytes: _nib(hex"1234") = [1, 2, 3, 4].
    function _nib(bytes memory data) internal pure returns (bytes memory nibbles) {
        nibbles = new bytes(data.length * 2);
        for (uint256 i = 0; i < data.length; i++) {
            nibbles[2 * i] = data[i] >> 4;
            nibbles[2 * i + 1] = data[i] & 0x0f;
        }
    }

    function _slice(bytes memory data, uint256 start, uint256 end) internal pure returns (bytes memory out) {
        out = new bytes(end - start);
        for (uint256 i = start; i < end; i++) {
            out[i - start] = data[i];
        }
    }

    function _pair(bytes memory a, bytes memory b) internal pure returns (bytes memory) {
        bytes[] memory items = new bytes[](2);
        items[0] = a;
        items[1] = b;
        return RLPEncoder.encodeList(items);
    }

    /// @dev A leaf over `path` (nibbles) holding `value`.
    function _leaf(bytes memory path, bytes memory value) internal pure returns (bytes memory) {
        return _pair(RLPEncoder.encodeBytes(RLPEncoder.hexPrefix(path, true)), RLPEncoder.encodeBytes(value));
    }

    /// @dev An extension over `path` (nibbles) to the child `node`.
    function _ext(bytes memory path, bytes memory node) internal pure returns (bytes memory) {
        return _pair(RLPEncoder.encodeBytes(RLPEncoder.hexPrefix(path, false)), _ref(node));
    }

    /// @dev How a parent references `node`: inline below 32 bytes, else by hash.
    function _ref(bytes memory node) internal pure returns (bytes memory) {
        if (node.length < 32) return node;
        return RLPEncoder.encodeBytes(abi.encodePacked(keccak256(node)));
    }

    /// @dev A branch with the children `nodes` at the nibbles `slots`.
    function _branch(bytes memory slots, bytes[] memory nodes) internal pure returns (bytes memory) {
        bytes[] memory items = new bytes[](17);
        for (uint256 i = 0; i < 17; i++) {
            items[i] = hex"80";
        }
        for (uint256 i = 0; i < slots.length; i++) {
            items[uint8(slots[i])] = _ref(nodes[i]);
        }
        return RLPEncoder.encodeList(items);
    }

    function _branch2(uint8 a, bytes memory nodeA, uint8 b, bytes memory nodeB) internal pure returns (bytes memory) {
        bytes[] memory nodes = new bytes[](2);
        nodes[0] = nodeA;
        nodes[1] = nodeB;
        return _branch(abi.encodePacked(a, b), nodes);
    }

    function _branch3(uint8 a, bytes memory nodeA, uint8 b, bytes memory nodeB, uint8 c, bytes memory nodeC)
        internal
        pure
        returns (bytes memory)
    {
        bytes[] memory nodes = new bytes[](3);
        nodes[0] = nodeA;
        nodes[1] = nodeB;
        nodes[2] = nodeC;
        return _branch(abi.encodePacked(a, b, c), nodes);
    }

    function _proof(bytes memory a) internal pure returns (bytes[] memory proof) {
        proof = new bytes[](1);
        proof[0] = a;
    }

    function _proof(bytes memory a, bytes memory b) internal pure returns (bytes[] memory proof) {
        proof = new bytes[](2);
        proof[0] = a;
        proof[1] = b;
    }

    function _proof(bytes memory a, bytes memory b, bytes memory c) internal pure returns (bytes[] memory proof) {
        proof = new bytes[](3);
        proof[0] = a;
        proof[1] = b;
        proof[2] = c;
    }

    // ---------------------------------------------------------------- empty trie

    function test_update_emptyTrie_insertsLeaf_succeeds() public view {
        bytes32 expected = keccak256(_leaf(_nib(hex"1234"), "v"));
        bytes32 root = MerkleTrieWriter.EMPTY_ROOT;
        vm.assertEq(h.update(hex"1234", "v", new bytes[](0), "", root), expected, "no proof nodes");
        vm.assertEq(h.update(hex"1234", "v", _proof(hex"80"), "", root), expected, "the empty node");
    }

    function test_update_emptyTrieDelete_returnsRoot() public view {
        bytes32 root = MerkleTrieWriter.EMPTY_ROOT;
        vm.assertEq(h.update(hex"1234", "", new bytes[](0), "", root), root, "empty stays empty");
    }

    function test_update_emptyTrieWrongProof_reverts() public {
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_InvalidNodeHash.selector);
        h.update(hex"1234", "v", _proof(hex"c0"), "", MerkleTrieWriter.EMPTY_ROOT);
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_UnusedProofNodes.selector);
        h.update(hex"1234", "v", _proof(hex"80", hex"80"), "", MerkleTrieWriter.EMPTY_ROOT);
    }

    // ---------------------------------------------------------------- updates

    function test_update_existingLeaf_succeeds() public view {
        bytes memory leaf = _leaf(_nib(hex"1234"), "old");
        bytes32 expected = keccak256(_leaf(_nib(hex"1234"), "new"));
        vm.assertEq(h.update(hex"1234", "new", _proof(leaf), "", keccak256(leaf)), expected, "rewritten leaf");
    }

    function test_update_sameValue_returnsRoot() public view {
        bytes memory leaf = _leaf(_nib(hex"1234"), LONG);
        vm.assertEq(h.update(hex"1234", LONG, _proof(leaf), "", keccak256(leaf)), keccak256(leaf), "unchanged");
    }

    function test_update_leafBelowBranches_succeeds() public view {
        // root branch -> (hashed) branch -> hashed leaf; the new value makes the leaf inline.
        bytes memory leafA = _leaf(_nib(hex"34"), LONG);
        bytes memory leafB = _leaf(_nib(hex"34"), "b");
        bytes memory inner = _branch2(1, leafA, 2, leafB);
        bytes memory other = _leaf(_slice(_nib(hex"1000"), 1, 4), LONG);
        bytes memory root = _branch2(1, other, 2, inner);
        // The rewritten inner branch is short enough to be embedded in the root.
        bytes memory newInner = _branch2(1, _leaf(_nib(hex"34"), "a"), 2, leafB);
        vm.assertLt(newInner.length, 32, "inline after the write");
        bytes32 expected = keccak256(_branch2(1, other, 2, newInner));
        vm.assertEq(
            h.update(hex"2134", "a", _proof(root, inner, leafA), "", keccak256(root)), expected, "leaf rewritten"
        );
    }

    // ---------------------------------------------------------------- inserts

    function test_update_insertsIntoEmptySlot_succeeds() public view {
        bytes memory leaf1 = _leaf(_slice(_nib(hex"1234"), 1, 4), LONG);
        bytes memory leaf2 = _leaf(_slice(_nib(hex"2234"), 1, 4), LONG);
        bytes memory before = _branch2(1, leaf1, 2, leaf2);
        bytes32 expected = keccak256(_branch3(1, leaf1, 2, leaf2, 3, _leaf(_slice(_nib(hex"3234"), 1, 4), "c")));
        vm.assertEq(h.update(hex"3234", "c", _proof(before), "", keccak256(before)), expected, "third child");
    }

    function test_update_splitsLeaf_succeeds() public view {
        // 1234 and 1256 share "12": extension "12" -> branch {3: leaf "4", 5: leaf "6"}. With
        // one-byte values both leaves are inline, and so is the branch (22 bytes).
        bytes memory before = _leaf(_nib(hex"1234"), "a");
        bytes memory branch =
            _branch2(3, _leaf(_slice(_nib(hex"04"), 1, 2), "a"), 5, _leaf(_slice(_nib(hex"06"), 1, 2), "b"));
        vm.assertLt(branch.length, 32, "the new branch is inline");
        bytes32 expected = keccak256(_ext(_nib(hex"12"), branch));
        vm.assertEq(h.update(hex"1256", "b", _proof(before), "", keccak256(before)), expected, "split leaf");
    }

    function test_update_splitsLeafAtFirstNibble_succeeds() public view {
        bytes memory before = _leaf(_nib(hex"1234"), LONG);
        bytes32 expected = keccak256(
            _branch2(1, _leaf(_slice(_nib(hex"1234"), 1, 4), LONG), 9, _leaf(_slice(_nib(hex"9999"), 1, 4), LONG))
        );
        vm.assertEq(h.update(hex"9999", LONG, _proof(before), "", keccak256(before)), expected, "root branch");
    }

    function test_update_splitsLeafAtLastNibble_succeeds() public view {
        bytes memory before = _leaf(_nib(hex"1234"), LONG);
        bytes memory branch = _branch2(4, _leaf("", LONG), 5, _leaf("", "x"));
        bytes32 expected = keccak256(_ext(_slice(_nib(hex"1234"), 0, 3), branch));
        vm.assertEq(h.update(hex"1235", "x", _proof(before), "", keccak256(before)), expected, "extension over 3");
    }

    function test_update_splitsExtension_succeeds() public view {
        // extension "12" -> branch {3, 5}; inserting 1a00 splits it after "1": the old branch
        // goes directly into the new branch's slot 2 (no nibbles of the extension are left).
        bytes memory inner =
            _branch2(3, _leaf(_slice(_nib(hex"04"), 1, 2), LONG), 5, _leaf(_slice(_nib(hex"06"), 1, 2), LONG));
        bytes memory before = _ext(_nib(hex"12"), inner);
        bytes memory newLeaf = _leaf(_nib(hex"00"), LONG);
        bytes32 expected = keccak256(_ext(_slice(_nib(hex"12"), 0, 1), _branch2(2, inner, 10, newLeaf)));
        vm.assertEq(h.update(hex"1a00", LONG, _proof(before), "", keccak256(before)), expected, "split extension");
    }

    function test_update_splitsExtensionKeepingRest_succeeds() public view {
        // extension "1234" -> branch {5, 7}; inserting 12ff00 splits after "12": the old side
        // becomes extension "4" (below slot 3), the new leaf "f00" goes to slot f.
        bytes memory inner =
            _branch2(5, _leaf(_slice(_nib(hex"06"), 1, 2), LONG), 7, _leaf(_slice(_nib(hex"08"), 1, 2), LONG));
        bytes memory before = _ext(_nib(hex"1234"), inner);
        bytes memory oldSide = _ext(_slice(_nib(hex"04"), 1, 2), inner);
        bytes memory newLeaf = _leaf(_slice(_nib(hex"0f00"), 1, 4), "n");
        bytes32 expected = keccak256(_ext(_nib(hex"12"), _branch2(3, oldSide, 15, newLeaf)));
        vm.assertEq(h.update(hex"12ff00", "n", _proof(before), "", keccak256(before)), expected, "split extension");
    }

    function test_update_splitsExtensionAtFirstNibble_succeeds() public view {
        bytes memory inner =
            _branch2(3, _leaf(_slice(_nib(hex"04"), 1, 2), LONG), 5, _leaf(_slice(_nib(hex"06"), 1, 2), LONG));
        bytes memory before = _ext(_nib(hex"12"), inner);
        bytes memory oldSide = _ext(_slice(_nib(hex"02"), 1, 2), inner);
        bytes32 expected = keccak256(_branch2(1, oldSide, 7, _leaf(_slice(_nib(hex"0700"), 1, 4), LONG)));
        vm.assertEq(h.update(hex"7700", LONG, _proof(before), "", keccak256(before)), expected, "root branch");
    }

    // ---------------------------------------------------------------- deletes

    function test_update_deleteLastKey_returnsEmptyRoot() public view {
        bytes memory leaf = _leaf(_nib(hex"1234"), LONG);
        vm.assertEq(h.update(hex"1234", "", _proof(leaf), "", keccak256(leaf)), MerkleTrieWriter.EMPTY_ROOT, "empty");
    }

    function test_update_deleteAbsentKey_returnsRoot() public view {
        // root branch {1: extension "12" -> branch {3, 5}, 2: leaf "34567"}, 3-byte keys.
        bytes memory inner = _branch2(3, _leaf(_nib(hex"44"), LONG), 5, _leaf(_nib(hex"66"), LONG));
        bytes memory ext = _ext(_nib(hex"12"), inner);
        bytes memory leaf = _leaf(_slice(_nib(hex"234567"), 1, 6), LONG);
        bytes memory root = _branch2(1, ext, 2, leaf);
        bytes32 r = keccak256(root);
        vm.assertEq(h.update(hex"300000", "", _proof(root), "", r), r, "empty slot");
        vm.assertEq(h.update(hex"234568", "", _proof(root, leaf), "", r), r, "diverging leaf");
        vm.assertEq(h.update(hex"130000", "", _proof(root, ext), "", r), r, "diverging extension");
        vm.assertEq(h.update(hex"112900", "", _proof(root, ext, inner), "", r), r, "empty slot below");
        // The same proofs insert.
        bytes memory leaf9 = _leaf(_nib(hex"00"), "n");
        bytes32 expected = keccak256(
            _branch2(
                1,
                _ext(_nib(hex"12"), _branch3(3, _leaf(_nib(hex"44"), LONG), 5, _leaf(_nib(hex"66"), LONG), 9, leaf9)),
                2,
                leaf
            )
        );
        vm.assertEq(h.update(hex"112900", "n", _proof(root, ext, inner), "", r), expected, "insert below");
    }

    function test_update_deleteKeepsBranch_succeeds() public view {
        bytes memory leaf1 = _leaf(_slice(_nib(hex"1234"), 1, 4), LONG);
        bytes memory leaf2 = _leaf(_slice(_nib(hex"2234"), 1, 4), LONG);
        bytes memory leaf3 = _leaf(_slice(_nib(hex"3234"), 1, 4), LONG);
        bytes memory before = _branch3(1, leaf1, 2, leaf2, 3, leaf3);
        bytes32 expected = keccak256(_branch2(1, leaf1, 3, leaf3));
        vm.assertEq(h.update(hex"2234", "", _proof(before, leaf2), "", keccak256(before)), expected, "two left");
    }

    function test_update_deleteCollapsesIntoHashedLeaf_succeeds() public view {
        bytes memory leaf1 = _leaf(_slice(_nib(hex"1234"), 1, 4), LONG);
        bytes memory leaf2 = _leaf(_slice(_nib(hex"2234"), 1, 4), LONG);
        bytes memory before = _branch2(1, leaf1, 2, leaf2);
        bytes32 expected = keccak256(_leaf(_nib(hex"2234"), LONG));
        // leaf2 is referenced by hash: its encoding is the sibling.
        vm.assertEq(h.update(hex"1234", "", _proof(before, leaf1), leaf2, keccak256(before)), expected, "leaf");
    }

    function test_update_deleteCollapsesIntoInlineLeaf_succeeds() public view {
        bytes memory leaf1 = _leaf(_slice(_nib(hex"1234"), 1, 4), "a");
        bytes memory leaf2 = _leaf(_slice(_nib(hex"2234"), 1, 4), "b");
        bytes memory before = _branch2(1, leaf1, 2, leaf2);
        bytes32 expected = keccak256(_leaf(_nib(hex"2234"), "b"));
        vm.assertEq(h.update(hex"1234", "", _proof(before), "", keccak256(before)), expected, "no sibling needed");
    }

    function test_update_deleteCollapsesIntoExtension_succeeds() public view {
        // root branch {1: leaf, 2: extension "34" -> branch}: deleting 111111 leaves extension
        // "234" (3-byte keys).
        bytes memory inner = _branch2(5, _leaf(_nib(hex"66"), LONG), 7, _leaf(_nib(hex"88"), LONG));
        bytes memory ext = _ext(_nib(hex"34"), inner);
        bytes memory leaf1 = _leaf(_slice(_nib(hex"111111"), 1, 6), LONG);
        bytes memory before = _branch2(1, leaf1, 2, ext);
        bytes32 expected = keccak256(_ext(_slice(_nib(hex"0234"), 1, 4), inner));
        vm.assertEq(h.update(hex"111111", "", _proof(before, leaf1), ext, keccak256(before)), expected, "merged");
    }

    function test_update_deleteCollapsesIntoBranch_succeeds() public view {
        // root branch {1: leaf, 2: branch}: deleting 1111 leaves extension "2" above the branch.
        bytes memory inner = _branch2(5, _leaf(_nib(hex"60"), LONG), 7, _leaf(_nib(hex"80"), LONG));
        bytes memory leaf1 = _leaf(_slice(_nib(hex"1111"), 1, 4), LONG);
        bytes memory before = _branch2(1, leaf1, 2, inner);
        bytes32 expected = keccak256(_ext(_slice(_nib(hex"02"), 1, 2), inner));
        // The sibling is needed for a branch child too: it tells the library the child is a branch.
        vm.assertEq(h.update(hex"1111", "", _proof(before, leaf1), inner, keccak256(before)), expected, "ext");
    }

    function test_update_deleteMergesExtensions_succeeds() public view {
        // ext "1" -> branch {2: leaf, 3: ext "45" -> branch}: deleting 12... collapses the
        // branch into ext "345", which merges with ext "1" into ext "1345".
        bytes memory inner =
            _branch2(6, _leaf(_slice(_nib(hex"00"), 1, 2), LONG), 7, _leaf(_slice(_nib(hex"00"), 1, 2), LONG));
        bytes memory ext45 = _ext(_nib(hex"45"), inner);
        bytes memory leaf = _leaf(_nib(hex"0000"), LONG);
        bytes memory mid = _branch2(2, leaf, 3, ext45);
        bytes memory before = _ext(_slice(_nib(hex"01"), 1, 2), mid);
        bytes32 expected = keccak256(_ext(_nib(hex"1345"), inner));
        vm.assertEq(
            h.update(hex"120000", "", _proof(before, mid, leaf), ext45, keccak256(before)), expected, "ext 1345"
        );
    }

    function test_update_deleteMergesLeafIntoExtension_succeeds() public view {
        // ext "1" -> inline branch {2: inline leaf, 3: inline leaf}: deleting 12.. leaves a
        // single leaf "13.." at the root.
        bytes memory mid = _branch2(2, _leaf(_nib(hex"00"), "a"), 3, _leaf(_nib(hex"00"), "b"));
        vm.assertLt(mid.length, 32, "inline branch");
        bytes memory before = _ext(_slice(_nib(hex"01"), 1, 2), mid);
        bytes32 expected = keccak256(_leaf(_nib(hex"1300"), "b"));
        vm.assertEq(h.update(hex"1200", "", _proof(before), "", keccak256(before)), expected, "leaf 1300");
    }

    function test_update_siblingWhenNotNeeded_isIgnored() public view {
        bytes memory leaf = _leaf(_nib(hex"1234"), "old");
        bytes32 expected = keccak256(_leaf(_nib(hex"1234"), "new"));
        vm.assertEq(h.update(hex"1234", "new", _proof(leaf), hex"c0", keccak256(leaf)), expected, "ignored");
    }

    // ---------------------------------------------------------------- invalid witnesses

    function _collapsingTrie() internal pure returns (bytes memory before, bytes memory leaf1, bytes memory leaf2) {
        leaf1 = _leaf(_slice(_nib(hex"1234"), 1, 4), LONG);
        leaf2 = _leaf(_slice(_nib(hex"2234"), 1, 4), LONG);
        before = _branch2(1, leaf1, 2, leaf2);
    }

    function test_update_wrongSibling_reverts() public {
        (bytes memory before, bytes memory leaf1,) = _collapsingTrie();
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_InvalidSibling.selector);
        h.update(
            hex"1234", "", _proof(before, leaf1), _leaf(_slice(_nib(hex"2234"), 1, 4), "forged"), keccak256(before)
        );
    }

    function test_update_missingSibling_reverts() public {
        (bytes memory before, bytes memory leaf1,) = _collapsingTrie();
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_MissingSibling.selector);
        h.update(hex"1234", "", _proof(before, leaf1), "", keccak256(before));
    }

    function test_update_emptyProof_reverts() public {
        (bytes memory before,,) = _collapsingTrie();
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_EmptyProof.selector);
        h.update(hex"1234", "v", new bytes[](0), "", keccak256(before));
    }

    function test_update_wrongRoot_reverts() public {
        (bytes memory before, bytes memory leaf1,) = _collapsingTrie();
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_InvalidNodeHash.selector);
        h.update(hex"1234", "v", _proof(before, leaf1), "", keccak256("another root"));
    }

    function test_update_wrongNode_reverts() public {
        (bytes memory before,,) = _collapsingTrie();
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_InvalidNodeHash.selector);
        h.update(hex"1234", "v", _proof(before, before), "", keccak256(before));
    }

    function test_update_missingNode_reverts() public {
        (bytes memory before,,) = _collapsingTrie();
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_ProofTooShort.selector);
        h.update(hex"1234", "v", _proof(before), "", keccak256(before));
    }

    function test_update_extraNode_reverts() public {
        (bytes memory before, bytes memory leaf1, bytes memory leaf2) = _collapsingTrie();
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_UnusedProofNodes.selector);
        h.update(hex"1234", "v", _proof(before, leaf1, leaf2), "", keccak256(before));
    }

    function test_update_invalidNode_reverts() public {
        bytes[] memory items = new bytes[](3);
        (items[0], items[1], items[2]) = (hex"80", hex"80", hex"80");
        bytes memory node = RLPEncoder.encodeList(items);
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_InvalidNode.selector);
        h.update(hex"12", "v", _proof(node), "", keccak256(node));
    }

    function test_update_malformedRlp_reverts() public {
        bytes[6] memory nodes = [
            bytes(hex"c28234"), // an item running past the end of its list
            hex"c5823412", // a list shorter than its header says
            hex"c482341280ff", // bytes after the list
            hex"c481058106", // a single byte below 0x80 wrapped in a string header
            hex"f803808080", // a long list header for a short payload
            hex"83010203" // a string, not a list
        ];
        for (uint256 i = 0; i < nodes.length; i++) {
            vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_InvalidNode.selector);
            h.update(hex"12", "v", _proof(nodes[i]), "", keccak256(nodes[i]));
        }
    }

    function test_update_hashItemPastListEnd_reverts() public {
        // A leaf [hex-prefix "12", 0xa0 ...] whose value claims 32 bytes past the node's end.
        bytes memory node = hex"c4822012a0";
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_InvalidNode.selector);
        h.update(hex"12", "v", _proof(node), "", keccak256(node));
    }

    function test_update_tooManyItems_reverts() public {
        bytes[] memory items = new bytes[](18);
        for (uint256 i = 0; i < 18; i++) {
            items[i] = hex"80";
        }
        bytes memory node = RLPEncoder.encodeList(items);
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_InvalidNode.selector);
        h.update(hex"12", "v", _proof(node), "", keccak256(node));
    }

    function test_update_invalidPathFlag_reverts() public {
        bytes memory node = _pair(RLPEncoder.encodeBytes(hex"4012"), RLPEncoder.encodeBytes(hex"2a"));
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_InvalidPath.selector);
        h.update(hex"12", "v", _proof(node), "", keccak256(node));
    }

    function test_update_badReferenceLength_reverts() public {
        bytes[] memory items = new bytes[](17);
        for (uint256 i = 0; i < 17; i++) {
            items[i] = hex"80";
        }
        items[1] = RLPEncoder.encodeBytes(hex"0102030405");
        bytes memory node = RLPEncoder.encodeList(items);
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_InvalidReference.selector);
        h.update(hex"12", "v", _proof(node), "", keccak256(node));
    }

    function test_update_keyLengthMismatch_reverts() public {
        bytes memory leaf = _leaf(_nib(hex"1234"), "v");
        // The key is longer, or shorter, than the leaf's path.
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_KeyLengthMismatch.selector);
        h.update(hex"123456", "w", _proof(leaf), "", keccak256(leaf));
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_KeyLengthMismatch.selector);
        h.update(hex"12", "w", _proof(leaf), "", keccak256(leaf));

        // A branch holding a value (the "puppy" trie's "do" -> "verb" has keys of several lengths).
        bytes[] memory items = new bytes[](17);
        for (uint256 i = 0; i < 16; i++) {
            items[i] = hex"80";
        }
        items[1] = _leaf(_nib(hex"02"), "x");
        items[2] = _leaf(_nib(hex"02"), "y");
        items[16] = RLPEncoder.encodeBytes("verb");
        bytes memory branch = RLPEncoder.encodeList(items);
        vm.expectRevert(MerkleTrieWriter.MerkleTrieWriter_KeyLengthMismatch.selector);
        h.update(hex"1002", "w", _proof(branch), "", keccak256(branch));
    }

    // ---------------------------------------------------------------- fuzzed two-key tries

    /// @dev `key` with nibble `p` changed (xor `x`, nonzero) and the nibbles after it from `tail`.
    function _keySharing(bytes32 key, uint256 p, uint256 x, bytes32 tail) internal pure returns (bytes32) {
        uint256 shift = (63 - p) * 4;
        uint256 low = (uint256(1) << shift) - 1;
        return bytes32(((uint256(key) & ~low) ^ (x << shift)) | (uint256(tail) & low));
    }

    /// @dev A value of 1..48 bytes.
    function _value(bytes32 seed, uint256 len) internal pure returns (bytes memory value) {
        value = new bytes(1 + len % 48);
        for (uint256 i = 0; i < value.length; i++) {
            value[i] = seed[i % 32];
        }
    }

    /// @dev The trie of `k1 -> v1` and `k2 -> v2`, with `k2`'s proof and the sibling deleting it needs.
    function _twoKeyTrie(bytes32 k1, bytes memory v1, bytes32 k2, bytes memory v2)
        internal
        pure
        returns (bytes32 root, bytes[] memory proof2, bytes memory sibling)
    {
        bytes memory n1 = _nib(abi.encodePacked(k1));
        bytes memory n2 = _nib(abi.encodePacked(k2));
        uint256 s = 0;
        while (n1[s] == n2[s]) {
            s++;
        }
        bytes memory leaf1 = _leaf(_slice(n1, s + 1, 64), v1);
        bytes memory leaf2 = _leaf(_slice(n2, s + 1, 64), v2);
        bytes memory branch = _branch2(uint8(n1[s]), leaf1, uint8(n2[s]), leaf2);
        bytes memory top = s == 0 ? branch : _ext(_slice(n1, 0, s), branch);
        root = keccak256(top);
        if (s == 0 || branch.length < 32) {
            proof2 = leaf2.length < 32 || branch.length < 32 ? _proof(top) : _proof(top, leaf2);
        } else {
            proof2 = leaf2.length < 32 ? _proof(top, branch) : _proof(top, branch, leaf2);
        }
        if (leaf1.length >= 32) sibling = leaf1;
    }

    /// @dev Inserting a second key into a one-key trie gives the two-key trie; deleting it again
    ///      gives back the one-key trie. Shared prefixes of any length, inline leaves and
    ///      branches when both are deep and short.
    function testFuzz_update_secondKey_roundTrips(bytes32 k1, uint8 p, uint8 x, bytes32 tail, uint8 len1, uint8 len2)
        public
        view
    {
        bytes32 k2 = _keySharing(k1, p % 64, 1 + x % 15, tail);
        bytes memory v1 = _value(keccak256(abi.encode(k1)), len1);
        bytes memory v2 = _value(keccak256(abi.encode(k2)), len2);
        bytes memory single = _leaf(_nib(abi.encodePacked(k1)), v1);
        (bytes32 root2, bytes[] memory proof2, bytes memory sibling) = _twoKeyTrie(k1, v1, k2, v2);

        // The hand-built proof is a valid proof of k2.
        (bool exists, bytes memory found) = MerkleTrie.get(abi.encodePacked(k2), proof2, root2);
        vm.assertTrue(exists && keccak256(found) == keccak256(v2), "hand-built proof");

        bytes memory key2 = abi.encodePacked(k2);
        vm.assertEq(h.update(key2, v2, _proof(single), "", keccak256(single)), root2, "insert");
        vm.assertEq(h.update(key2, "", proof2, sibling, root2), keccak256(single), "delete");
        vm.assertEq(h.update(key2, v2, proof2, "", root2), root2, "same value");
    }

    // ---------------------------------------------------------------- real proofs (L2 node)

    /// @dev The root after replacing the value of the leaf ending `proof` by `value`, computed
    ///      by patching the proof: the new leaf, then each parent with its child's new hash.
    function _patchedRoot(bytes[] memory proof, bytes memory value) internal pure returns (bytes32) {
        bytes memory leaf = proof[proof.length - 1];
        RLPReader.RLPItem[] memory items = RLPReader.readList(leaf);
        bytes memory node = _pair(RLPReader.readRawBytes(items[0]), RLPEncoder.encodeBytes(value));
        for (uint256 i = proof.length - 1; i > 0; i--) {
            bytes32 oldHash = keccak256(proof[i]);
            bytes32 newHash = keccak256(node);
            node = bytes.concat(proof[i - 1]); // a copy
            uint256 found = 0;
            for (uint256 j = 0; j + 32 <= node.length; j++) {
                bytes32 word;
                assembly {
                    word := mload(add(add(node, 32), j))
                }
                if (word == oldHash) {
                    assembly {
                        mstore(add(add(node, 32), j), newHash)
                    }
                    found++;
                }
            }
            require(found == 1, "child hash not found once");
        }
        return keccak256(node);
    }

    function test_updateSecure_realStorageProofs_succeeds() public view {
        for (uint256 i = 0; i < withdrawalCount(); i++) {
            bytes[] memory proof = fixtureStorageProof(i);
            bytes memory key = abi.encode(fixtureSlot(i));
            bytes32 expected = _patchedRoot(proof, hex"02");
            vm.assertEq(h.updateSecure(key, hex"02", proof, "", storageRoot()), expected, "slot value 1 -> 2");
            vm.assertEq(h.updateSecure(key, hex"01", proof, "", storageRoot()), storageRoot(), "same value");
        }
    }

    function test_updateSecure_realAbsenceProofs_deleteReturnsRoot() public view {
        for (uint256 i = 0; i < absentCount(); i++) {
            bytes memory key = abi.encode(absentSlot(i));
            vm.assertEq(h.updateSecure(key, "", absentProof(i), "", storageRoot()), storageRoot(), absentKind(i));
        }
    }

    function test_updateSecure_realAccountProof_succeeds() public view {
        address passer = vm.parseJsonAddress(fixture, ".messagePasser");
        bytes[] memory proof = vm.parseJsonBytesArray(fixture, ".messagePasserAccount.accountProof");
        // The account with its nonce bumped: rlp([nonce, balance, storageRoot, codeHash]).
        bytes[] memory fields = new bytes[](4);
        fields[0] = RLPEncoder.encodeUint(vm.parseJsonUint(fixture, ".messagePasserAccount.nonce") + 1);
        fields[1] = RLPEncoder.encodeUint(vm.parseJsonUint(fixture, ".messagePasserAccount.balance"));
        fields[2] = RLPEncoder.encodeBytes(abi.encodePacked(storageRoot()));
        fields[3] =
            RLPEncoder.encodeBytes(abi.encodePacked(vm.parseJsonBytes32(fixture, ".messagePasserAccount.codeHash")));
        bytes memory account = RLPEncoder.encodeList(fields);
        vm.assertEq(
            h.updateSecure(abi.encodePacked(passer), account, proof, "", stateRoot()),
            _patchedRoot(proof, account),
            "nonce + 1"
        );
    }

    /// @dev Any value written over a real storage slot gives the patched root.
    function testFuzz_updateSecure_realProofAnyValue_succeeds(uint256 index, bytes memory value) public view {
        vm.assume(value.length != 0);
        uint256 i = index % withdrawalCount();
        bytes[] memory proof = fixtureStorageProof(i);
        bytes32 expected = keccak256(value) == keccak256(hex"01") ? storageRoot() : _patchedRoot(proof, value);
        vm.assertEq(
            h.updateSecure(abi.encode(fixtureSlot(i)), value, proof, "", storageRoot()), expected, "patched root"
        );
    }

    /// @dev Changing any byte of any node of a real proof makes the write revert.
    function testFuzz_update_tamperedRealProof_reverts(uint256 index, uint256 nodeIndex, uint256 byteIndex, uint8 x)
        public
    {
        uint256 i = index % withdrawalCount();
        bytes[] memory proof = fixtureStorageProof(i);
        bytes memory node = proof[nodeIndex % proof.length];
        byteIndex %= node.length;
        node[byteIndex] = node[byteIndex] ^ bytes1(x == 0 ? 1 : x);
        vm.expectRevert();
        h.updateSecure(abi.encode(fixtureSlot(i)), hex"02", proof, "", storageRoot());
    }
}
