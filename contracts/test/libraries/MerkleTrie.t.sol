// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {RLPEncoder} from "../utils/RLPEncoder.sol";
import {WithdrawalFixture} from "../utils/WithdrawalFixture.sol";
import {MerkleTrie} from "../../src/libraries/MerkleTrie.sol";
import {SecureMerkleTrie} from "../../src/libraries/SecureMerkleTrie.sol";
import {RLPReader} from "../../src/libraries/RLPReader.sol";
import {Types} from "../../src/libraries/Types.sol";

/// @dev Exposes the libraries externally so reverts can be expected and caught.
contract MerkleTrieHarness {
    function get(bytes memory key, bytes[] memory proof, bytes32 root) external pure returns (bool, bytes memory) {
        return MerkleTrie.get(key, proof, root);
    }

    function verify(bytes memory key, bytes memory value, bytes[] memory proof, bytes32 root)
        external
        pure
        returns (bool)
    {
        return MerkleTrie.verifyInclusionProof(key, value, proof, root);
    }

    function secureGet(bytes memory key, bytes[] memory proof, bytes32 root)
        external
        pure
        returns (bool, bytes memory)
    {
        return SecureMerkleTrie.get(key, proof, root);
    }

    function secureVerify(bytes memory key, bytes memory value, bytes[] memory proof, bytes32 root)
        external
        pure
        returns (bool)
    {
        return SecureMerkleTrie.verifyInclusionProof(key, value, proof, root);
    }
}

/// @notice Hand-built tries (every node kind, inline nodes, values in branches) and real
///         proofs from the rollup's L2 node.
contract MerkleTrieTest is WithdrawalFixture {
    MerkleTrieHarness internal h;

    // The classic "puppy" trie of the Ethereum wiki and ethereum/tests (trietest.json):
    // do -> verb, dog -> puppy, doge -> coin, horse -> stallion.
    bytes32 internal constant PUPPY_ROOT = 0x5991bb8c6514148a29db676a14ac506cd2cd5775ace63c30a4fe457715e9ac84;
    bytes internal rootNode; // extension "6" -> branch1
    bytes internal branch1; // 4 -> ext2 (hashed), 8 -> horse leaf (inline)
    bytes internal ext2; // "6f" -> branch2 (hashed)
    bytes internal branch2; // value "verb", 6 -> ext3 (inline) -> branch3 (inline) -> leaf (inline)

    function setUp() public {
        h = new MerkleTrieHarness();
        loadFixture();
        _buildPuppyTrie();
    }

    // ---------------------------------------------------------------- hand-built tries

    function _emptyBranch() internal pure returns (bytes[] memory items) {
        items = new bytes[](17);
        for (uint256 i = 0; i < 17; i++) {
            items[i] = hex"80";
        }
    }

    function _pair(bytes memory a, bytes memory b) internal pure returns (bytes memory) {
        bytes[] memory items = new bytes[](2);
        items[0] = a;
        items[1] = b;
        return RLPEncoder.encodeList(items);
    }

    function _buildPuppyTrie() internal {
        bytes memory leafCoin =
            _pair(RLPEncoder.encodeBytes(RLPEncoder.hexPrefix(hex"05", true)), RLPEncoder.encodeBytes("coin"));
        bytes[] memory b3 = _emptyBranch();
        b3[6] = leafCoin;
        b3[16] = RLPEncoder.encodeBytes("puppy");
        bytes memory branch3 = RLPEncoder.encodeList(b3);
        bytes memory ext3 = _pair(RLPEncoder.encodeBytes(RLPEncoder.hexPrefix(hex"07", false)), branch3);

        bytes[] memory b2 = _emptyBranch();
        b2[6] = ext3;
        b2[16] = RLPEncoder.encodeBytes("verb");
        branch2 = RLPEncoder.encodeList(b2);
        ext2 = _pair(
            RLPEncoder.encodeBytes(RLPEncoder.hexPrefix(hex"060f", false)),
            RLPEncoder.encodeBytes(abi.encodePacked(keccak256(branch2)))
        );

        bytes memory leafHorse = _pair(
            RLPEncoder.encodeBytes(RLPEncoder.hexPrefix(hex"060f070207030605", true)),
            RLPEncoder.encodeBytes("stallion")
        );
        bytes[] memory b1 = _emptyBranch();
        b1[4] = RLPEncoder.encodeBytes(abi.encodePacked(keccak256(ext2)));
        b1[8] = leafHorse;
        branch1 = RLPEncoder.encodeList(b1);
        rootNode = _pair(
            RLPEncoder.encodeBytes(RLPEncoder.hexPrefix(hex"06", false)),
            RLPEncoder.encodeBytes(abi.encodePacked(keccak256(branch1)))
        );

        // Which nodes are inline is what this trie is for.
        vm.assertLt(leafCoin.length, 32, "coin leaf is inline");
        vm.assertLt(branch3.length, 32, "branch3 is inline");
        vm.assertLt(ext3.length, 32, "ext3 is inline");
        vm.assertLt(leafHorse.length, 32, "horse leaf is inline");
        vm.assertGe(branch2.length, 32, "branch2 is hashed");
    }

    function _puppyProof(uint256 depth) internal view returns (bytes[] memory proof) {
        bytes[4] memory nodes = [rootNode, branch1, ext2, branch2];
        proof = new bytes[](depth);
        for (uint256 i = 0; i < depth; i++) {
            proof[i] = nodes[i];
        }
    }

    function test_get_puppyTrie_rootMatchesReference() public view {
        vm.assertEq(keccak256(rootNode), PUPPY_ROOT, "root of the reference trie");
    }

    function test_get_inlineLeafBehindInlineNodes_succeeds() public view {
        (bool exists, bytes memory value) = h.get("doge", _puppyProof(4), PUPPY_ROOT);
        vm.assertTrue(exists, "doge exists");
        vm.assertEq(value, bytes("coin"), "doge");
    }

    function test_get_valueInInlineBranch_succeeds() public view {
        (bool exists, bytes memory value) = h.get("dog", _puppyProof(4), PUPPY_ROOT);
        vm.assertTrue(exists, "dog exists");
        vm.assertEq(value, bytes("puppy"), "dog");
    }

    function test_get_valueInHashedBranch_succeeds() public view {
        (bool exists, bytes memory value) = h.get("do", _puppyProof(4), PUPPY_ROOT);
        vm.assertTrue(exists, "do exists");
        vm.assertEq(value, bytes("verb"), "do");
    }

    function test_get_inlineLeafInBranch_succeeds() public view {
        (bool exists, bytes memory value) = h.get("horse", _puppyProof(2), PUPPY_ROOT);
        vm.assertTrue(exists, "horse exists");
        vm.assertEq(value, bytes("stallion"), "horse");
        vm.assertTrue(h.verify("horse", "stallion", _puppyProof(2), PUPPY_ROOT), "verify");
        vm.assertFalse(h.verify("horse", "pony", _puppyProof(2), PUPPY_ROOT), "wrong value");
    }

    function test_get_absentKeys_returnsFalse() public view {
        bool exists;
        (exists,) = h.get("cat", _puppyProof(2), PUPPY_ROOT); // empty slot in branch1
        vm.assertFalse(exists, "cat: empty branch slot");
        (exists,) = h.get("d", _puppyProof(3), PUPPY_ROOT); // key ends inside ext2's path
        vm.assertFalse(exists, "d: key ends in an extension");
        (exists,) = h.get("dx", _puppyProof(3), PUPPY_ROOT); // diverges from ext2's path
        vm.assertFalse(exists, "dx: diverging extension");
        (exists,) = h.get("dogs", _puppyProof(4), PUPPY_ROOT); // empty slot in inline branch3
        vm.assertFalse(exists, "dogs: empty slot in an inline branch");
        (exists,) = h.get("doges", _puppyProof(4), PUPPY_ROOT); // runs past the inline leaf
        vm.assertFalse(exists, "doges: longer than the leaf");
        (exists,) = h.get("horses", _puppyProof(2), PUPPY_ROOT);
        vm.assertFalse(exists, "horses: longer than the leaf");
        (exists,) = h.get("hors", _puppyProof(2), PUPPY_ROOT);
        vm.assertFalse(exists, "hors: shorter than the leaf");
        (exists,) = h.get("", _puppyProof(1), PUPPY_ROOT);
        vm.assertFalse(exists, "empty key: ends in the root extension");
    }

    function test_get_singleLeafRoot_succeeds() public view {
        bytes memory leaf =
            _pair(RLPEncoder.encodeBytes(RLPEncoder.hexPrefix(hex"0102", true)), RLPEncoder.encodeBytes(hex"2a"));
        bytes[] memory proof = new bytes[](1);
        proof[0] = leaf;
        // The root is always referenced by hash, even when the node is shorter than 32 bytes.
        (bool exists, bytes memory value) = h.get(hex"12", proof, keccak256(leaf));
        vm.assertTrue(exists, "exists");
        vm.assertEq(value, hex"2a", "value");
        (exists,) = h.get(hex"13", proof, keccak256(leaf));
        vm.assertFalse(exists, "other key");
    }

    function test_get_emptyProof_reverts() public {
        vm.expectRevert(MerkleTrie.MerkleTrie_EmptyProof.selector);
        h.get("dog", new bytes[](0), PUPPY_ROOT);
    }

    function test_get_wrongRoot_reverts() public {
        vm.expectRevert(MerkleTrie.MerkleTrie_InvalidNodeHash.selector);
        h.get("dog", _puppyProof(4), keccak256("another root"));
    }

    function test_get_missingNode_reverts() public {
        vm.expectRevert(MerkleTrie.MerkleTrie_ProofTooShort.selector);
        h.get("dog", _puppyProof(3), PUPPY_ROOT);
    }

    function test_get_extraNode_reverts() public {
        vm.expectRevert(MerkleTrie.MerkleTrie_UnusedProofNodes.selector);
        h.get("horse", _puppyProof(3), PUPPY_ROOT);
    }

    function test_get_swappedNodes_reverts() public {
        bytes[] memory proof = _puppyProof(4);
        (proof[2], proof[3]) = (proof[3], proof[2]);
        vm.expectRevert(MerkleTrie.MerkleTrie_InvalidNodeHash.selector);
        h.get("dog", proof, PUPPY_ROOT);
    }

    function test_get_tamperedInlineValue_reverts() public {
        bytes[] memory proof = _puppyProof(4);
        // "coin" -> "coil" inside branch2 (the inline leaf): branch2 no longer matches ext2's hash.
        bytes memory node = proof[3];
        for (uint256 i = 0; i + 3 < node.length; i++) {
            if (node[i] == "c" && node[i + 1] == "o" && node[i + 2] == "i" && node[i + 3] == "n") node[i + 3] = "l";
        }
        vm.expectRevert(MerkleTrie.MerkleTrie_InvalidNodeHash.selector);
        h.get("doge", proof, PUPPY_ROOT);
    }

    function test_get_invalidNode_reverts() public {
        bytes[] memory items = new bytes[](3);
        items[0] = hex"80";
        items[1] = hex"80";
        items[2] = hex"80";
        bytes[] memory proof = new bytes[](1);
        proof[0] = RLPEncoder.encodeList(items);
        vm.expectRevert(MerkleTrie.MerkleTrie_InvalidNode.selector);
        h.get(hex"12", proof, keccak256(proof[0]));
    }

    function test_get_invalidPathFlag_reverts() public {
        bytes[] memory proof = new bytes[](1);
        proof[0] = _pair(RLPEncoder.encodeBytes(hex"4012"), RLPEncoder.encodeBytes(hex"2a"));
        vm.expectRevert(MerkleTrie.MerkleTrie_InvalidPath.selector);
        h.get(hex"12", proof, keccak256(proof[0]));
    }

    function test_get_badReferenceLength_reverts() public {
        bytes[] memory b = _emptyBranch();
        b[1] = RLPEncoder.encodeBytes(hex"0102030405");
        bytes[] memory proof = new bytes[](1);
        proof[0] = RLPEncoder.encodeList(b);
        vm.expectRevert(MerkleTrie.MerkleTrie_InvalidReference.selector);
        h.get(hex"12", proof, keccak256(proof[0]));
    }

    // ---------------------------------------------------------------- real proofs (L2 node)

    function test_fixture_hashesMatchMessagePasserEncoding() public view {
        for (uint256 i = 0; i < withdrawalCount(); i++) {
            Types.WithdrawalTransaction memory w = fixtureWithdrawal(i);
            bytes32 hash = keccak256(abi.encode(w.nonce, w.sender, w.target, w.value, w.gasLimit, w.data));
            vm.assertEq(hash, fixtureWithdrawalHash(i), "withdrawal hash");
            vm.assertEq(keccak256(abi.encode(hash, uint256(0))), fixtureSlot(i), "sentMessages slot");
        }
    }

    function test_secureVerify_realWithdrawalProofs_succeeds() public view {
        uint256 n = withdrawalCount();
        vm.assertGe(n, 5, "several withdrawals in the fixture");
        for (uint256 i = 0; i < n; i++) {
            bytes memory key = abi.encode(fixtureSlot(i));
            vm.assertTrue(h.secureVerify(key, hex"01", fixtureStorageProof(i), storageRoot()), "proof verifies");
            (bool exists, bytes memory value) = h.secureGet(key, fixtureStorageProof(i), storageRoot());
            vm.assertTrue(exists, "exists");
            vm.assertEq(value, hex"01", "rlp(1)");
        }
    }

    function test_secureVerify_realProofWithExtensionNode_succeeds() public view {
        // The generator ground the first two withdrawals to share three nibbles, so their
        // proofs go root branch -> extension -> branch -> leaf.
        bytes[] memory proof = fixtureStorageProof(1);
        vm.assertEq(proof.length, 4, "four nodes");
        vm.assertEq(RLPReader.readList(proof[1]).length, 2, "second node is a two-item node (extension)");
        vm.assertTrue(h.secureVerify(abi.encode(fixtureSlot(1)), hex"01", proof, storageRoot()), "verifies");
    }

    function test_secureGet_realAbsenceProofs_returnsFalse() public view {
        uint256 n = absentCount();
        vm.assertEq(n, 3, "three absence proofs");
        for (uint256 i = 0; i < n; i++) {
            bytes memory key = abi.encode(absentSlot(i));
            (bool exists, bytes memory value) = h.secureGet(key, absentProof(i), storageRoot());
            vm.assertFalse(exists, absentKind(i));
            vm.assertEq(value.length, 0, "no value");
            vm.assertFalse(h.secureVerify(key, hex"01", absentProof(i), storageRoot()), "does not verify");
            // The walk ends at a branch (an empty slot) or at an extension / leaf whose path differs.
            bytes[] memory proof = absentProof(i);
            uint256 lastNodeItems = RLPReader.readList(proof[proof.length - 1]).length;
            if (keccak256(bytes(absentKind(i))) == keccak256("emptyBranchSlot")) {
                vm.assertEq(lastNodeItems, 17, "ends at a branch");
            } else {
                vm.assertEq(lastNodeItems, 2, "ends at an extension or a leaf");
            }
        }
    }

    function test_secureGet_realAccountProof_succeeds() public view {
        address passer = vm.parseJsonAddress(fixture, ".messagePasser");
        bytes[] memory proof = vm.parseJsonBytesArray(fixture, ".messagePasserAccount.accountProof");
        (bool exists, bytes memory account) = h.secureGet(abi.encodePacked(passer), proof, stateRoot());
        vm.assertTrue(exists, "account exists");

        // rlp([nonce, balance, storageRoot, codeHash])
        RLPReader.RLPItem[] memory fields = RLPReader.readList(account);
        vm.assertEq(fields.length, 4, "four fields");
        vm.assertEq(RLPReader.readUint256(fields[0]), vm.parseJsonUint(fixture, ".messagePasserAccount.nonce"), "nonce");
        vm.assertEq(
            RLPReader.readUint256(fields[1]), vm.parseJsonUint(fixture, ".messagePasserAccount.balance"), "balance"
        );
        vm.assertEq(RLPReader.readBytes32(fields[2]), storageRoot(), "storage root");
        vm.assertEq(
            RLPReader.readBytes32(fields[3]),
            vm.parseJsonBytes32(fixture, ".messagePasserAccount.codeHash"),
            "code hash"
        );
    }

    function test_secureVerify_wrongValue_returnsFalse() public view {
        bytes memory key = abi.encode(fixtureSlot(0));
        vm.assertFalse(h.secureVerify(key, hex"02", fixtureStorageProof(0), storageRoot()), "value 2");
        vm.assertFalse(h.secureVerify(key, hex"", fixtureStorageProof(0), storageRoot()), "empty value");
    }

    function test_secureVerify_wrongRoot_reverts() public {
        vm.expectRevert(MerkleTrie.MerkleTrie_InvalidNodeHash.selector);
        h.secureVerify(abi.encode(fixtureSlot(0)), hex"01", fixtureStorageProof(0), stateRoot());
    }

    function test_secureVerify_tamperedLeaf_reverts() public {
        bytes[] memory proof = fixtureStorageProof(0);
        bytes memory leaf = proof[proof.length - 1];
        leaf[leaf.length - 1] = 0x02; // the stored value: rlp(1) -> rlp(2)
        vm.expectRevert(MerkleTrie.MerkleTrie_InvalidNodeHash.selector);
        h.secureVerify(abi.encode(fixtureSlot(0)), hex"02", proof, storageRoot());
    }

    function test_secureVerify_truncatedProof_reverts() public {
        bytes[] memory full = fixtureStorageProof(0);
        bytes[] memory proof = new bytes[](full.length - 1);
        for (uint256 i = 0; i < proof.length; i++) {
            proof[i] = full[i];
        }
        vm.expectRevert(MerkleTrie.MerkleTrie_ProofTooShort.selector);
        h.secureVerify(abi.encode(fixtureSlot(0)), hex"01", proof, storageRoot());
    }

    function test_secureVerify_otherWithdrawalsProof_fails() public view {
        // Withdrawal 2's key walked through withdrawal 3's proof: it never proves inclusion.
        bytes memory key = abi.encode(fixtureSlot(2));
        try h.secureVerify(key, hex"01", fixtureStorageProof(3), storageRoot()) returns (bool ok) {
            vm.assertFalse(ok, "must not verify");
        } catch {}
    }

    /// @dev Changing any byte of any node of a real proof makes verification fail.
    function testFuzz_secureVerify_tamperedByte_fails(uint256 proofIndex, uint256 nodeIndex, uint256 byteIndex, uint8 x)
        public
        view
    {
        uint256 w = proofIndex % withdrawalCount();
        bytes[] memory proof = fixtureStorageProof(w);
        bytes memory node = proof[nodeIndex % proof.length];
        byteIndex %= node.length;
        node[byteIndex] = node[byteIndex] ^ bytes1(x == 0 ? 1 : x);
        try h.secureVerify(abi.encode(fixtureSlot(w)), hex"01", proof, storageRoot()) returns (bool ok) {
            vm.assertFalse(ok, "tampered proof verified");
        } catch {}
    }

    /// @dev No real proof proves a key other than its own.
    function testFuzz_secureVerify_randomKey_fails(bytes32 slot, uint256 proofIndex) public view {
        uint256 w = proofIndex % withdrawalCount();
        vm.assume(slot != fixtureSlot(w));
        try h.secureVerify(abi.encode(slot), hex"01", fixtureStorageProof(w), storageRoot()) returns (bool ok) {
            vm.assertFalse(ok, "proved another key");
        } catch {}
    }
}
