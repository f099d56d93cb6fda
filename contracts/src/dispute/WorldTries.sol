// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleTrie} from "../libraries/MerkleTrie.sol";
import {MerkleTrieWriter} from "../libraries/MerkleTrieWriter.sol";
import {RLPReader} from "../libraries/RLPReader.sol";

/// @title WorldTries
/// @notice Reads and writes of the stepper's tries (docs/dispute/commitment.md): accounts and
///         their storage in the Ethereum state trie, transient storage, and the warm-slot and
///         warm-account sets, each proven by Merkle-Patricia proofs against the root the machine
///         commits to.
contract WorldTries {
    using RLPReader for RLPReader.RLPItem;

    /// @notice Root of the empty trie.
    bytes32 internal constant EMPTY_ROOT = keccak256(hex"80");

    /// @notice Thrown when an account the step needs is not in the state.
    error WorldTries_NoAccount(address account);

    /// @notice Thrown when an account leaf is not a canonical account encoding.
    error WorldTries_BadAccount();

    /// @notice An account's leaf as proven, with the fields the stepper reads.
    struct Account {
        bool exists;
        bytes leaf;
        uint256 nonce;
        uint256 balance;
        bytes32 storageRoot;
        bytes32 codeHash;
    }

    /// @dev Reads `key` (already hashed) from a trie, absent keys as empty.
    function _get(bytes32 key, bytes[] memory proof, bytes32 root)
        private
        pure
        returns (bool exists, bytes memory value)
    {
        if (root == EMPTY_ROOT) return (false, "");
        return MerkleTrie.get(abi.encodePacked(key), proof, root);
    }

    /// @notice The account `account` in the state with root `stateRoot`.
    function account(address who, bytes[] memory proof, bytes32 stateRoot) external pure returns (Account memory acc) {
        (acc.exists, acc.leaf) = _get(keccak256(abi.encodePacked(who)), proof, stateRoot);
        if (!acc.exists) {
            acc.storageRoot = EMPTY_ROOT;
            return acc;
        }
        RLPReader.RLPItem[] memory items = RLPReader.readList(acc.leaf);
        if (items.length != 4) revert WorldTries_BadAccount();
        acc.nonce = items[0].readUint256();
        acc.balance = items[1].readUint256();
        acc.storageRoot = items[2].readBytes32();
        acc.codeHash = items[3].readBytes32();
    }

    /// @notice The value of `slot` in the storage trie with root `storageRoot`.
    function storageValue(bytes32 slot, bytes[] memory proof, bytes32 storageRoot) external pure returns (uint256) {
        (bool exists, bytes memory value) = _get(keccak256(abi.encode(slot)), proof, storageRoot);
        return exists ? RLPReader.readUint256(RLPReader.toRLPItem(value)) : 0;
    }

    /// @notice Writes `value` to `slot` of `acc` and returns the new state root.
    /// @param tries   `tries[0]` proves the account against `stateRoot`, `tries[1]` the slot
    ///                against the account's storage root.
    /// @param sibling The collapse witness when clearing the slot collapses a branch.
    function setStorage(
        address who,
        Account memory acc,
        bytes32 slot,
        uint256 value,
        bytes[][] memory tries,
        bytes memory sibling,
        bytes32 stateRoot
    ) external pure returns (bytes32) {
        if (!acc.exists) revert WorldTries_NoAccount(who);
        bytes32 storageRoot =
            MerkleTrieWriter.updateSecure(abi.encode(slot), _encodeValue(value), tries[1], sibling, acc.storageRoot);
        return MerkleTrieWriter.updateSecure(
            abi.encodePacked(who), _withStorageRoot(acc.leaf, acc.storageRoot, storageRoot), tries[0], "", stateRoot
        );
    }

    /// @notice Code hash of an account without code.
    bytes32 internal constant EMPTY_CODE = keccak256("");

    /// @notice Sets the nonce and balance of `who` (absent accounts are created with no code
    ///         or storage) and returns the new state root. An account left empty (EIP-161: no
    ///         nonce, balance or code) is deleted, with `sibling` as the collapse witness.
    /// @param acc   The account as `account` read it with `proof` from `root`.
    function setAccount(
        address who,
        Account memory acc,
        uint256 nonce,
        uint256 balance,
        bytes[] memory proof,
        bytes memory sibling,
        bytes32 root
    ) external pure returns (bytes32) {
        bytes32 codeHash = acc.exists ? acc.codeHash : EMPTY_CODE;
        bytes memory leaf;
        if (nonce != 0 || balance != 0 || codeHash != EMPTY_CODE || acc.storageRoot != EMPTY_ROOT) {
            leaf = bytes.concat(_encodeUint(nonce), _encodeUint(balance), hex"a0", acc.storageRoot, hex"a0", codeHash);
            // The payload is 68 to 108 bytes: a list header of two bytes.
            leaf = bytes.concat(hex"f8", bytes1(uint8(leaf.length)), leaf);
        }
        return MerkleTrieWriter.updateSecure(abi.encodePacked(who), leaf, proof, sibling, root);
    }

    /// @notice Deletes `who` with its storage and returns the new state root (`sibling`: the
    ///         collapse witness when the deletion collapses a branch).
    function deleteAccount(address who, bytes[] memory proof, bytes memory sibling, bytes32 root)
        external
        pure
        returns (bytes32)
    {
        return MerkleTrieWriter.updateSecure(abi.encodePacked(who), "", proof, sibling, root);
    }

    /// @notice The transient value of `slot` of `who` in the transient trie with root `root`.
    function transientValue(address who, bytes32 slot, bytes[] memory proof, bytes32 root)
        external
        pure
        returns (uint256)
    {
        (bool exists, bytes memory value) = _get(keccak256(abi.encodePacked(who, slot)), proof, root);
        return exists ? RLPReader.readUint256(RLPReader.toRLPItem(value)) : 0;
    }

    /// @notice Writes a transient value and returns the transient trie's new root.
    function setTransient(
        address who,
        bytes32 slot,
        uint256 value,
        bytes[] memory proof,
        bytes memory sibling,
        bytes32 root
    ) external pure returns (bytes32) {
        return MerkleTrieWriter.updateSecure(abi.encodePacked(who, slot), _encodeValue(value), proof, sibling, root);
    }

    /// @notice Adds `key` to the set with root `root`: whether it was absent (cold), and the
    ///         set's root after (unchanged when it was present).
    function warm(bytes memory key, bytes[] memory proof, bytes32 root)
        external
        pure
        returns (bool wasCold, bytes32 newRoot)
    {
        newRoot = MerkleTrieWriter.updateSecure(key, hex"01", proof, "", root);
        wasCold = newRoot != root;
    }

    /// @dev The leaf encoding of a storage or transient value: `rlp(value)`, empty for zero
    ///         (the key is deleted).
    function _encodeValue(uint256 value) private pure returns (bytes memory out) {
        if (value == 0) return out;
        if (value < 0x80) return abi.encodePacked(uint8(value));
        uint256 n = 0;
        for (uint256 v = value; v != 0; v >>= 8) {
            n++;
        }
        out = new bytes(n + 1);
        assembly ("memory-safe") {
            mstore8(add(out, 0x20), add(0x80, n))
            mstore(add(out, 0x21), shl(mul(8, sub(32, n)), value))
        }
        // The word written above may run past the array; it lands in free memory only.
    }

    /// @dev The RLP encoding of an unsigned integer.
    function _encodeUint(uint256 value) private pure returns (bytes memory) {
        if (value == 0) return hex"80";
        return _encodeValue(value);
    }

    /// @dev `leaf` with its storage root replaced. A canonical account leaf ends with the two
    ///      32-byte strings storage root and code hash: `0xa0 ‖ storageRoot ‖ 0xa0 ‖ codeHash`.
    function _withStorageRoot(bytes memory leaf, bytes32 oldRoot, bytes32 newRoot)
        private
        pure
        returns (bytes memory out)
    {
        uint256 n = leaf.length;
        if (n < 66 || leaf[n - 66] != 0xa0 || leaf[n - 33] != 0xa0) revert WorldTries_BadAccount();
        bytes32 found;
        assembly ("memory-safe") {
            found := mload(add(add(leaf, 0x20), sub(n, 65)))
        }
        if (found != oldRoot) revert WorldTries_BadAccount();
        out = bytes.concat(leaf);
        assembly ("memory-safe") {
            mstore(add(add(out, 0x20), sub(n, 65)), newRoot)
        }
    }
}
