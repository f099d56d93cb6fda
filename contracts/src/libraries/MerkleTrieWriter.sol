// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title MerkleTrieWriter
/// @notice Writes one key of a Merkle-Patricia trie given a proof, and returns the new root:
///         inserts, updates and deletes, with the node shapes, path merges and inline nodes
///         exactly as Ethereum's tries have them (see `MerkleTrie` for the node kinds and the
///         proof format).
///
///         The proof is the `eth_getProof` path of the key against the old root, the same proof
///         `MerkleTrie.get` accepts (an inclusion or an exclusion proof). The library walks it
///         like `get`, then rebuilds the nodes on the path bottom-up:
///           - inserting below an empty branch slot adds a leaf;
///           - inserting where the path of a leaf or an extension diverges from the key splits
///             that node into a new branch (below an extension over the shared prefix, if any);
///           - deleting a leaf removes it from its branch; a branch left with a single child
///             collapses into that child (a leaf or extension absorbs the branch's nibble into
///             its path, a branch gets an extension over that nibble), and an extension above
///             absorbs a leaf or extension below it.
///         A rebuilt node whose encoding is shorter than 32 bytes is embedded in its parent
///         (inline) rather than hashed; the root is always hashed.
///
///         A collapse needs the remaining child's node, which the proof does not hold when the
///         branch references it by hash: the caller passes it as `sibling` (its RLP encoding),
///         checked against the reference. Nothing else ever needs it.
/// @dev    All keys of one trie must have the same length (as in Ethereum's state and storage
///         tries), so no branch holds a value and every leaf is at the end of a key. A proof
///         showing otherwise (a branch with a value, a leaf or extension whose path ends
///         before or runs past the end of the key) reverts with
///         `MerkleTrieWriter_KeyLengthMismatch`.
///
///         Nodes are decoded in place: an item of a node is a word `ptr << 128 | length`
///         pointing at its whole encoding (header included) in the memory of the proof
///         element, sibling or parent node it came from; none of those is modified.
library MerkleTrieWriter {
    /// @notice The root of the empty trie, keccak256(rlp("")).
    bytes32 internal constant EMPTY_ROOT = 0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421;

    /// @dev The walk ended at a branch whose slot for the key's next nibble is empty.
    uint256 private constant END_EMPTY_SLOT = 0;
    /// @dev The walk ended at a leaf (holding the key or diverging from it).
    uint256 private constant END_LEAF = 1;
    /// @dev The walk ended at an extension whose path diverges from the key.
    uint256 private constant END_EXTENSION = 2;

    /// @dev Kinds of `Pending` subtrees.
    uint256 private constant NONE = 0;
    uint256 private constant LEAF = 1;
    uint256 private constant EXTENSION = 2;
    uint256 private constant BRANCH = 3;

    /// @dev Mask of the length in an item word.
    uint256 private constant LENGTH_MASK = 0xffffffffffffffffffffffffffffffff;

    /// @notice The nodes the walk passed through, root first.
    /// @param nodes    Memory addresses of the decoded nodes (`uint256[]` of item words, see
    ///                 `_node`); only the first `depth` entries are set.
    /// @param starts   The index of the key nibble at which each node starts.
    /// @param depth    Number of nodes on the path.
    /// @param end      How the walk ended (`END_*`).
    /// @param pathPtr  For a walk ending at a leaf or an extension: memory address of its path
    ///                 (one nibble per byte).
    /// @param pathLen  Length of that path.
    /// @param shared   Number of leading nibbles that path shares with the rest of the key.
    struct Walk {
        uint256[] nodes;
        uint256[] starts;
        uint256 depth;
        uint256 end;
        uint256 pathPtr;
        uint256 pathLen;
        uint256 shared;
    }

    /// @notice A rebuilt subtree, not yet encoded unless it is a branch.
    /// @param kind     `NONE` (the subtree is gone), `LEAF`, `EXTENSION` or `BRANCH`.
    /// @param pathPtr  Leaf or extension: memory address of the path (one nibble per byte).
    /// @param pathLen  Leaf or extension: length of the path.
    /// @param itemPtr  Memory address of the leaf's encoded value, the extension's child
    ///                 reference, or the branch's encoding.
    /// @param itemLen  Length of that item.
    struct Pending {
        uint256 kind;
        uint256 pathPtr;
        uint256 pathLen;
        uint256 itemPtr;
        uint256 itemLen;
    }

    /// @notice Thrown when the proof has no nodes but the trie is not empty.
    error MerkleTrieWriter_EmptyProof();

    /// @notice Thrown when a node does not hash to the reference its parent (or the root) holds.
    error MerkleTrieWriter_InvalidNodeHash();

    /// @notice Thrown when the walk needs another proof element and there is none.
    error MerkleTrieWriter_ProofTooShort();

    /// @notice Thrown when the walk ends before the last proof element.
    error MerkleTrieWriter_UnusedProofNodes();

    /// @notice Thrown for a node that is not a canonically RLP-encoded branch, extension or leaf.
    error MerkleTrieWriter_InvalidNode();

    /// @notice Thrown for a child reference that is neither empty, a hash nor an inline node.
    error MerkleTrieWriter_InvalidReference();

    /// @notice Thrown for a malformed hex-prefix encoded path.
    error MerkleTrieWriter_InvalidPath();

    /// @notice Thrown when the trie holds keys of another length than the key written.
    error MerkleTrieWriter_KeyLengthMismatch();

    /// @notice Thrown when a deletion collapses a branch into a child referenced by hash and
    ///         no `sibling` is given.
    error MerkleTrieWriter_MissingSibling();

    /// @notice Thrown when `sibling` does not hash to the reference of the branch's remaining child.
    error MerkleTrieWriter_InvalidSibling();

    /// @notice Sets `key` to `value` in the trie with root `root`, or deletes it when `value`
    ///         is empty, and returns the new root.
    /// @param key     The key (all keys of the trie have its length; for secure tries the
    ///                keccak256 hash of the address or slot, or use `updateSecure`).
    /// @param value   The new value as stored in the leaf (e.g. the account's RLP, or the RLP of
    ///                a storage value); empty to delete the key. Writing the value the key
    ///                already has, or deleting an absent key, returns `root`.
    /// @param proof   The proof of `key` against `root` (inclusion or exclusion), root first, as
    ///                for `MerkleTrie.get`. For the empty trie (`root == EMPTY_ROOT`): no nodes,
    ///                or the single node 0x80.
    /// @param sibling Only for a deletion that leaves the key's branch with one child which
    ///                the branch references by hash (a 32-byte reference, not an inline node):
    ///                the RLP encoding of that child, whatever its kind. Ignored otherwise, so
    ///                it may always be empty except in that case.
    /// @param root    The trie's current root.
    /// @return newRoot The root after the write. Reverts when `proof` or `sibling` is invalid.
    function update(bytes memory key, bytes memory value, bytes[] memory proof, bytes memory sibling, bytes32 root)
        internal
        pure
        returns (bytes32 newRoot)
    {
        bytes memory nibbles = _toNibbles(key);

        if (root == EMPTY_ROOT) {
            if (proof.length != 0) {
                if (keccak256(proof[0]) != EMPTY_ROOT) revert MerkleTrieWriter_InvalidNodeHash();
                if (proof.length != 1) revert MerkleTrieWriter_UnusedProofNodes();
            }
            if (value.length == 0) return root;
            (uint256 valuePtr, uint256 valueLen) = _encodeString(value);
            bytes memory leaf = _encodeShortNode(_dataPtr(nibbles), nibbles.length, true, valuePtr, valueLen);
            return keccak256(leaf);
        }
        if (proof.length == 0) revert MerkleTrieWriter_EmptyProof();
        if (keccak256(proof[0]) != root) revert MerkleTrieWriter_InvalidNodeHash();

        Walk memory walk = _walk(nibbles, proof);
        (bool unchanged, uint256 top, Pending memory pending) = _rebuildEnd(walk, nibbles, value);
        if (unchanged) return root;
        pending = _fold(walk, nibbles, top, pending, sibling);
        if (pending.kind == NONE) return EMPTY_ROOT;
        (uint256 ptr, uint256 len) = _encode(pending);
        newRoot = _hash(ptr, len);
    }

    /// @notice `update` for a secure trie (Ethereum's state and storage tries), whose trie key
    ///         is the keccak256 hash of `key`.
    /// @param key     The unhashed key (the 20-byte address, or the 32-byte slot).
    /// @param value   The new leaf value, empty to delete.
    /// @param proof   The proof of the hashed key against `root`, root first.
    /// @param sibling The collapse witness described at `update`, usually empty.
    /// @param root    The trie's current root.
    /// @return The root after the write.
    function updateSecure(
        bytes memory key,
        bytes memory value,
        bytes[] memory proof,
        bytes memory sibling,
        bytes32 root
    ) internal pure returns (bytes32) {
        return update(abi.encodePacked(keccak256(key)), value, proof, sibling, root);
    }

    // ------------------------------------------------------------------ walking the proof

    /// @dev Walks `proof` along `nibbles` like `MerkleTrie.get`, recording each node (inline
    ///      nodes included) and where the walk ended. Reverts on an invalid proof.
    function _walk(bytes memory nibbles, bytes[] memory proof) private pure returns (Walk memory walk) {
        // Every node but the last consumes at least one nibble, so at most one node per nibble
        // plus the last.
        walk.nodes = new uint256[](nibbles.length + 1);
        walk.starts = new uint256[](nibbles.length + 1);
        uint256[] memory node = _decodeNode(_dataPtr(proof[0]), proof[0].length);
        uint256 keyIndex = 0;
        uint256 proofIndex = 1;
        uint256 depth = 0;

        while (true) {
            // Each node before consumed at least one nibble, so depth <= keyIndex <=
            // nibbles.length; the checked write to `starts` (as long as `nodes`) makes sure.
            walk.starts[depth] = keyIndex;
            assembly ("memory-safe") {
                mstore(add(mload(walk), add(32, shl(5, depth))), node)
            }
            depth++;

            uint256 next;
            if (node.length == 17) {
                // A value in a branch belongs to a key that ends there.
                if (keyIndex == nibbles.length || _prefix(node[16]) != 0x80) {
                    revert MerkleTrieWriter_KeyLengthMismatch();
                }
                next = node[uint8(nibbles[keyIndex])];
                keyIndex++;
                if (_prefix(next) == 0x80) {
                    walk.end = END_EMPTY_SLOT;
                    break;
                }
            } else if (node.length == 2) {
                (uint256 pathPtr, uint256 pathLen, bool isLeaf) = _decodePath(node[0]);
                uint256 shared = _sharedPrefixLength(nibbles, keyIndex, pathPtr, pathLen);
                (walk.pathPtr, walk.pathLen, walk.shared) = (pathPtr, pathLen, shared);
                if (isLeaf) {
                    if (keyIndex + pathLen != nibbles.length) revert MerkleTrieWriter_KeyLengthMismatch();
                    // The value must be a non-empty string.
                    uint256 prefix = _prefix(node[1]);
                    if (prefix == 0x80 || prefix >= 0xc0) revert MerkleTrieWriter_InvalidNode();
                    walk.end = END_LEAF;
                    break;
                }
                if (pathLen == 0) revert MerkleTrieWriter_InvalidPath();
                // An extension is followed by a branch, which needs a nibble of its own.
                if (keyIndex + pathLen >= nibbles.length) revert MerkleTrieWriter_KeyLengthMismatch();
                if (shared != pathLen) {
                    walk.end = END_EXTENSION;
                    break;
                }
                keyIndex += pathLen;
                next = node[1];
                if (_prefix(next) == 0x80) revert MerkleTrieWriter_InvalidReference();
            } else {
                revert MerkleTrieWriter_InvalidNode();
            }

            // Follow the (non-empty) child reference.
            uint256 refPrefix = _prefix(next);
            if (refPrefix >= 0xc0) {
                // Inline node: embedded in its parent because its encoding is under 32 bytes.
                if (next & LENGTH_MASK >= 32) revert MerkleTrieWriter_InvalidReference();
                node = _decodeNode(next >> 128, next & LENGTH_MASK);
            } else if (refPrefix == 0xa0) {
                if (proofIndex == proof.length) revert MerkleTrieWriter_ProofTooShort();
                bytes memory child = proof[proofIndex];
                if (keccak256(child) != _word((next >> 128) + 1)) revert MerkleTrieWriter_InvalidNodeHash();
                proofIndex++;
                node = _decodeNode(_dataPtr(child), child.length);
            } else {
                revert MerkleTrieWriter_InvalidReference();
            }
        }

        if (proofIndex != proof.length) revert MerkleTrieWriter_UnusedProofNodes();
        walk.depth = depth;
    }

    // ------------------------------------------------------------------ rebuilding

    /// @dev Node `i` (below `walk.depth`) of the walk.
    function _node(Walk memory walk, uint256 i) private pure returns (uint256[] memory node) {
        uint256[] memory nodes = walk.nodes;
        uint256 ptr = nodes[i];
        assembly ("memory-safe") {
            node := ptr
        }
    }

    /// @dev Rebuilds the subtree where the walk ended. Returns `unchanged` when the write does
    ///      not change the trie; else the rebuilt subtree and the number of nodes above it.
    function _rebuildEnd(Walk memory walk, bytes memory nibbles, bytes memory value)
        private
        pure
        returns (bool unchanged, uint256 top, Pending memory pending)
    {
        uint256 last = walk.depth - 1;
        if (walk.end == END_EMPTY_SLOT) {
            // The branch `last` gets a leaf in the empty slot (or stays as it is).
            if (value.length == 0) return (true, 0, pending);
            uint256 keyIndex = walk.starts[last] + 1;
            (uint256 valuePtr, uint256 valueLen) = _encodeString(value);
            pending = Pending(LEAF, _dataPtr(nibbles) + keyIndex, nibbles.length - keyIndex, valuePtr, valueLen);
            return (false, last + 1, pending);
        }
        if (walk.end == END_LEAF && walk.shared == walk.pathLen) {
            // The leaf holds the key: it is rewritten, or removed (`pending` stays `NONE`).
            if (value.length != 0) {
                (uint256 ptr, uint256 len,) = _payload(_node(walk, last)[1]);
                if (len == value.length && _hash(ptr, len) == keccak256(value)) return (true, 0, pending);
                (uint256 valuePtr, uint256 valueLen) = _encodeString(value);
                pending = Pending(LEAF, walk.pathPtr, walk.pathLen, valuePtr, valueLen);
            }
            return (false, last, pending);
        }
        // The leaf or extension diverges from the key: it is split (or the key is absent).
        if (value.length == 0) return (true, 0, pending);
        return (false, last, _split(walk, nibbles, value));
    }

    /// @dev Replaces the leaf or extension at the end of the walk, whose path diverges from the
    ///      key after `walk.shared` nibbles, by a branch holding it (shortened) and a new leaf
    ///      with `value`, below an extension over the shared nibbles if there are any.
    function _split(Walk memory walk, bytes memory nibbles, bytes memory value) private pure returns (Pending memory) {
        (uint256 oldPtr, uint256 oldLen) = _splitOldSide(walk);
        // Where the key and the node's path part.
        uint256 keyPtr = _dataPtr(nibbles) + walk.starts[walk.depth - 1] + walk.shared;
        (uint256 newPtr, uint256 newLen) =
            _leafReference(keyPtr + 1, _dataPtr(nibbles) + nibbles.length - keyPtr - 1, value);
        bytes memory branch =
            _encodeNewBranch(_nibbleAt(walk.pathPtr + walk.shared), oldPtr, oldLen, _nibbleAt(keyPtr), newPtr, newLen);
        if (walk.shared == 0) return Pending(BRANCH, 0, 0, _dataPtr(branch), branch.length);
        (uint256 refPtr, uint256 refLen) = _reference(branch);
        return Pending(EXTENSION, walk.pathPtr, walk.shared, refPtr, refLen);
    }

    /// @dev The reference to a new leaf over the path at `pathPtr` holding `value`.
    function _leafReference(uint256 pathPtr, uint256 pathLen, bytes memory value)
        private
        pure
        returns (uint256, uint256)
    {
        (uint256 valuePtr, uint256 valueLen) = _encodeString(value);
        return _reference(_encodeShortNode(pathPtr, pathLen, true, valuePtr, valueLen));
    }

    /// @dev The reference to what is left of the leaf or extension `_split` splits, below the
    ///      new branch: the node over the rest of its path after the branch's nibble. An
    ///      extension left without a path leaves its child in the branch directly.
    function _splitOldSide(Walk memory walk) private pure returns (uint256 ptr, uint256 len) {
        uint256 item = _node(walk, walk.depth - 1)[1];
        uint256 restPtr = walk.pathPtr + walk.shared + 1;
        uint256 restLen = walk.pathLen - walk.shared - 1;
        bool isLeaf = walk.end == END_LEAF;
        if (!isLeaf && restLen == 0) return (item >> 128, item & LENGTH_MASK);
        return _reference(_encodeShortNode(restPtr, restLen, isLeaf, item >> 128, item & LENGTH_MASK));
    }

    /// @dev Rebuilds the nodes `top - 1` down to 0 of the walk (towards the root) around the
    ///      rebuilt subtree `pending` below them, and returns the new root node.
    function _fold(Walk memory walk, bytes memory nibbles, uint256 top, Pending memory pending, bytes memory sibling)
        private
        pure
        returns (Pending memory)
    {
        for (uint256 i = top; i > 0;) {
            i--;
            uint256[] memory node = _node(walk, i);
            uint256 start = walk.starts[i];
            if (node.length == 17) {
                uint256 slot = uint8(nibbles[start]);
                if (pending.kind == NONE) {
                    pending = _removeChild(node, slot, sibling);
                } else {
                    (uint256 refPtr, uint256 refLen) = _reference(pending);
                    bytes memory branch = _encodeBranch(node, slot, refPtr, refLen);
                    pending = Pending(BRANCH, 0, 0, _dataPtr(branch), branch.length);
                }
            } else {
                // An extension the walk passed through: its path is the key's nibbles up to
                // the next node.
                uint256 pathPtr = _dataPtr(nibbles) + start;
                uint256 pathLen = walk.starts[i + 1] - start;
                if (pending.kind == BRANCH) {
                    (uint256 refPtr, uint256 refLen) = _reference(pending);
                    pending = Pending(EXTENSION, pathPtr, pathLen, refPtr, refLen);
                } else if (pending.kind != NONE) {
                    // A leaf or extension below an extension: their paths merge.
                    (pending.pathPtr, pending.pathLen) = _concat(pathPtr, pathLen, pending.pathPtr, pending.pathLen);
                }
            }
        }
        return pending;
    }

    /// @dev The branch `node` without its child at `slot`: a branch if two or more children
    ///      remain, else the remaining child with the branch's nibble put in front of its path.
    function _removeChild(uint256[] memory node, uint256 slot, bytes memory sibling)
        private
        pure
        returns (Pending memory)
    {
        uint256 remaining = 16;
        for (uint256 i = 0; i < 16; i++) {
            if (i == slot || _prefix(node[i]) == 0x80) continue;
            if (remaining != 16) {
                // Two or more children remain: the branch stays, with an empty slot.
                bytes memory empty = hex"80";
                bytes memory branch = _encodeBranch(node, slot, _dataPtr(empty), 1);
                return Pending(BRANCH, 0, 0, _dataPtr(branch), branch.length);
            }
            remaining = i;
        }
        // A branch has at least two children.
        if (remaining == 16) revert MerkleTrieWriter_InvalidNode();

        uint256 child = node[remaining];
        uint256[] memory childNode;
        uint256 prefix = _prefix(child);
        if (prefix >= 0xc0) {
            if (child & LENGTH_MASK >= 32) revert MerkleTrieWriter_InvalidReference();
            childNode = _decodeNode(child >> 128, child & LENGTH_MASK);
        } else if (prefix == 0xa0) {
            if (sibling.length == 0) revert MerkleTrieWriter_MissingSibling();
            if (keccak256(sibling) != _word((child >> 128) + 1)) revert MerkleTrieWriter_InvalidSibling();
            childNode = _decodeNode(_dataPtr(sibling), sibling.length);
        } else {
            revert MerkleTrieWriter_InvalidReference();
        }

        bytes memory nibble = new bytes(1);
        // Safe: `remaining` is a nibble (below 16).
        // forge-lint: disable-next-line(unsafe-typecast)
        nibble[0] = bytes1(uint8(remaining));
        if (childNode.length == 17) {
            // A branch child stays where it is, below a one-nibble extension.
            return Pending(EXTENSION, _dataPtr(nibble), 1, child >> 128, child & LENGTH_MASK);
        }
        if (childNode.length != 2) revert MerkleTrieWriter_InvalidNode();
        (uint256 pathPtr, uint256 pathLen, bool isLeaf) = _decodePath(childNode[0]);
        if (!isLeaf && pathLen == 0) revert MerkleTrieWriter_InvalidPath();
        (pathPtr, pathLen) = _concat(_dataPtr(nibble), 1, pathPtr, pathLen);
        return Pending(isLeaf ? LEAF : EXTENSION, pathPtr, pathLen, childNode[1] >> 128, childNode[1] & LENGTH_MASK);
    }

    // ------------------------------------------------------------------ encoding

    /// @dev The encoding of a pending subtree (not `NONE`), as a memory address and length.
    function _encode(Pending memory pending) private pure returns (uint256 ptr, uint256 len) {
        if (pending.kind == BRANCH) return (pending.itemPtr, pending.itemLen);
        bytes memory encoded =
            _encodeShortNode(pending.pathPtr, pending.pathLen, pending.kind == LEAF, pending.itemPtr, pending.itemLen);
        return (_dataPtr(encoded), encoded.length);
    }

    /// @dev How a parent references a pending subtree (not `NONE`).
    function _reference(Pending memory pending) private pure returns (uint256 ptr, uint256 len) {
        (ptr, len) = _encode(pending);
        if (len >= 32) return _hashReference(ptr, len);
    }

    /// @dev How a parent references the node `encoded`: the node itself when its encoding is
    ///      shorter than 32 bytes, else rlp(keccak256(encoded)).
    function _reference(bytes memory encoded) private pure returns (uint256 ptr, uint256 len) {
        if (encoded.length < 32) return (_dataPtr(encoded), encoded.length);
        return _hashReference(_dataPtr(encoded), encoded.length);
    }

    /// @dev rlp(keccak256(data)), 33 bytes.
    function _hashReference(uint256 ptr, uint256 len) private pure returns (uint256, uint256) {
        bytes memory ref = new bytes(33);
        assembly ("memory-safe") {
            mstore8(add(ref, 32), 0xa0)
            mstore(add(ref, 33), keccak256(ptr, len))
        }
        return (_dataPtr(ref), 33);
    }

    /// @dev Encodes a leaf or extension: [hex-prefix(path, isLeaf), item], where the item at
    ///      `itemPtr` is the leaf's encoded value or the extension's child reference.
    function _encodeShortNode(uint256 pathPtr, uint256 pathLen, bool isLeaf, uint256 itemPtr, uint256 itemLen)
        private
        pure
        returns (bytes memory out)
    {
        uint256 hpLen = pathLen / 2 + 1;
        // A one-byte hex-prefix (at most 0x3f) is its own encoding.
        uint256 hpItemLen = hpLen == 1 ? 1 : _headerLength(hpLen) + hpLen;
        uint256 payload = hpItemLen + itemLen;
        out = new bytes(_headerLength(payload) + payload);
        uint256 ptr = _writeHeader(_dataPtr(out), 0xc0, payload);
        if (hpLen != 1) ptr = _writeHeader(ptr, 0x80, hpLen);
        assembly ("memory-safe") {
            // First byte: flag nibble (2 for a leaf, +1 for an odd length), then the first path
            // nibble if the length is odd, else 0.
            let odd := and(pathLen, 1)
            let first := shl(4, add(mul(isLeaf, 2), odd))
            if odd { first := or(first, byte(0, mload(pathPtr))) }
            mstore8(ptr, first)
        }
        // Then two nibbles per byte.
        _packNibbles(pathPtr + (pathLen & 1), pathLen >> 1, ptr + 1);
        assembly ("memory-safe") {
            mcopy(add(ptr, hpLen), itemPtr, itemLen)
        }
    }

    /// @dev Re-encodes the branch `node` with its child at `slot` replaced by the reference
    ///      at `refPtr`: the items before and after that child are copied as they are (they
    ///      are contiguous in the node's encoding).
    function _encodeBranch(uint256[] memory node, uint256 slot, uint256 refPtr, uint256 refLen)
        private
        pure
        returns (bytes memory out)
    {
        // `node` has 17 items and `slot` is below 16.
        uint256 start;
        uint256 end;
        uint256 childPtr;
        uint256 childEnd;
        assembly ("memory-safe") {
            start := shr(128, mload(add(node, 32)))
            let last := mload(add(node, 544))
            end := add(shr(128, last), and(last, LENGTH_MASK))
            let child := mload(add(node, add(32, shl(5, slot))))
            childPtr := shr(128, child)
            childEnd := add(childPtr, and(child, LENGTH_MASK))
        }
        uint256 payload = (childPtr - start) + refLen + (end - childEnd);
        out = new bytes(_headerLength(payload) + payload);
        uint256 ptr = _writeHeader(_dataPtr(out), 0xc0, payload);
        assembly ("memory-safe") {
            let before := sub(childPtr, start)
            mcopy(ptr, start, before)
            ptr := add(ptr, before)
            mcopy(ptr, refPtr, refLen)
            mcopy(add(ptr, refLen), childEnd, sub(end, childEnd))
        }
    }

    /// @dev Encodes a branch whose only children are the references at `aPtr` (slot `a`) and
    ///      `bPtr` (slot `b`), `a != b`.
    function _encodeNewBranch(uint256 a, uint256 aPtr, uint256 aLen, uint256 b, uint256 bPtr, uint256 bLen)
        private
        pure
        returns (bytes memory out)
    {
        uint256 payload = 15 + aLen + bLen;
        out = new bytes(_headerLength(payload) + payload);
        uint256 ptr = _writeHeader(_dataPtr(out), 0xc0, payload);
        assembly ("memory-safe") {
            for { let i := 0 } lt(i, 17) { i := add(i, 1) } {
                let src := 0
                let len := 0
                if eq(i, a) {
                    src := aPtr
                    len := aLen
                }
                if eq(i, b) {
                    src := bPtr
                    len := bLen
                }
                switch len
                case 0 {
                    mstore8(ptr, 0x80)
                    ptr := add(ptr, 1)
                }
                default {
                    mcopy(ptr, src, len)
                    ptr := add(ptr, len)
                }
            }
        }
    }

    /// @dev RLP encoding of the non-empty byte string `data`, as a memory address and length.
    function _encodeString(bytes memory data) private pure returns (uint256 ptr, uint256 len) {
        if (data.length == 1 && uint8(data[0]) < 0x80) return (_dataPtr(data), 1);
        bytes memory out = new bytes(_headerLength(data.length) + data.length);
        uint256 payloadPtr = _writeHeader(_dataPtr(out), 0x80, data.length);
        assembly ("memory-safe") {
            mcopy(payloadPtr, add(data, 32), mload(data))
        }
        return (_dataPtr(out), out.length);
    }

    /// @dev Length of an RLP header for a payload of `length` bytes.
    function _headerLength(uint256 length) private pure returns (uint256 n) {
        n = 1;
        if (length >= 56) n += _byteLength(length);
    }

    /// @dev Writes the RLP header of a string (`base` 0x80) or list (`base` 0xc0) with a payload
    ///      of `length` bytes at `ptr`; returns the address after it. Long headers write a
    ///      whole word past the header, which the payload written next overwrites.
    function _writeHeader(uint256 ptr, uint256 base, uint256 length) private pure returns (uint256 next) {
        if (length < 56) {
            assembly ("memory-safe") {
                mstore8(ptr, add(base, length))
                next := add(ptr, 1)
            }
            return next;
        }
        uint256 lengthOfLength = _byteLength(length);
        assembly ("memory-safe") {
            mstore8(ptr, add(add(base, 55), lengthOfLength))
            mstore(add(ptr, 1), shl(mul(8, sub(32, lengthOfLength)), length))
            next := add(add(ptr, 1), lengthOfLength)
        }
    }

    /// @dev Number of bytes of `value` without leading zeros, for values below 2^64 (every
    ///      length in memory).
    function _byteLength(uint256 value) private pure returns (uint256 n) {
        assembly ("memory-safe") {
            n := add(
                add(add(gt(value, 0), gt(value, 0xff)), add(gt(value, 0xffff), gt(value, 0xffffff))),
                add(
                    add(gt(value, 0xffffffff), gt(value, 0xffffffffff)),
                    add(gt(value, 0xffffffffffff), gt(value, 0xffffffffffffff))
                )
            )
        }
    }

    // ------------------------------------------------------------------ reading

    /// @dev Splits the node encoded in the `len` bytes at `ptr` (exactly one canonical RLP list
    ///      of 2 or 17 items) into item words. Checks every item's header and bounds like
    ///      `RLPReader`, in one pass and without copying.
    function _decodeNode(uint256 ptr, uint256 len) private pure returns (uint256[] memory items) {
        items = new uint256[](17);
        bool malformed;
        assembly ("memory-safe") {
            // Header of the item at `p` with at most `available` bytes: header length, payload
            // length, whether it is a list; `bad` for a non-canonical or truncated item.
            function header(p, available) -> offset, payloadLength, isList, bad {
                if iszero(available) {
                    bad := 1
                    leave
                }
                let prefix := byte(0, mload(p))
                if lt(prefix, 0x80) {
                    payloadLength := 1
                    leave
                }
                let shortBase := 0x80
                if gt(prefix, 0xbf) {
                    isList := 1
                    shortBase := 0xc0
                }
                switch lt(sub(prefix, shortBase), 56)
                case 1 {
                    offset := 1
                    payloadLength := sub(prefix, shortBase)
                    // A single byte below 0x80 is never wrapped in a header.
                    if and(iszero(isList), eq(payloadLength, 1)) {
                        if or(lt(available, 2), lt(byte(0, mload(add(p, 1))), 0x80)) { bad := 1 }
                    }
                }
                default {
                    let lengthOfLength := sub(sub(prefix, shortBase), 55)
                    offset := add(1, lengthOfLength)
                    if lt(available, offset) {
                        bad := 1
                        leave
                    }
                    let w := mload(add(p, 1))
                    payloadLength := shr(mul(8, sub(32, lengthOfLength)), w)
                    // No leading zeros, and short payloads use the short form.
                    if or(iszero(byte(0, w)), lt(payloadLength, 56)) { bad := 1 }
                }
                if gt(add(offset, payloadLength), available) { bad := 1 }
            }

            let offset, payloadLength, isList, bad := header(ptr, len)
            malformed := or(or(bad, iszero(isList)), iszero(eq(add(offset, payloadLength), len)))
            let p := add(ptr, offset)
            let end := add(p, payloadLength)
            let out := add(items, 32)
            let outEnd := add(out, 544) // room for 17 items
            for {} and(lt(p, end), iszero(malformed)) {} {
                if eq(out, outEnd) {
                    malformed := 1
                    break
                }
                // Fast path for the items most nodes consist of: empty and hash references.
                let itemLength := 1
                switch byte(0, mload(p))
                case 0x80 {}
                case 0xa0 { itemLength := 33 }
                default {
                    let itemOffset, itemPayload, itemIsList, itemBad := header(p, sub(end, p))
                    itemLength := add(itemOffset, itemPayload)
                    if itemBad {
                        malformed := 1
                        break
                    }
                }
                mstore(out, or(shl(128, p), itemLength))
                out := add(out, 32)
                p := add(p, itemLength)
            }
            // A hash reference running past the end of the list.
            if gt(p, end) { malformed := 1 }
            mstore(items, shr(5, sub(out, add(items, 32))))
        }
        if (malformed) revert MerkleTrieWriter_InvalidNode();
    }

    /// @dev Decodes the hex-prefix encoded path item of a leaf or extension into nibbles (one
    ///      per byte), returned as a memory address and length.
    function _decodePath(uint256 item) private pure returns (uint256 ptr, uint256 len, bool isLeaf) {
        (uint256 src, uint256 srcLen, bool list) = _payload(item);
        if (list || srcLen == 0) revert MerkleTrieWriter_InvalidPath();
        uint256 first;
        assembly ("memory-safe") {
            first := byte(0, mload(src))
        }
        uint256 flag = first >> 4;
        if (flag > 3) revert MerkleTrieWriter_InvalidPath();
        isLeaf = flag >= 2;
        uint256 odd = flag & 1;
        if (odd == 0 && first & 0x0f != 0) revert MerkleTrieWriter_InvalidPath();

        len = 2 * (srcLen - 1) + odd;
        bytes memory path = new bytes(len);
        ptr = _dataPtr(path);
        if (odd == 1) {
            assembly ("memory-safe") {
                mstore8(ptr, and(first, 0x0f))
            }
        }
        _spreadNibbles(src + 1, srcLen - 1, ptr + odd);
    }

    /// @dev The payload of an item checked by `_decodeNode`.
    function _payload(uint256 item) private pure returns (uint256 ptr, uint256 len, bool list) {
        uint256 prefix = _prefix(item);
        ptr = item >> 128;
        if (prefix < 0x80) return (ptr, 1, false);
        list = prefix >= 0xc0;
        uint256 shortBase = list ? 0xc0 : 0x80;
        if (prefix - shortBase < 56) return (ptr + 1, prefix - shortBase, list);
        uint256 headerLen = prefix - shortBase - 54;
        return (ptr + headerLen, (item & LENGTH_MASK) - headerLen, list);
    }

    /// @dev The first (header) byte of an item.
    function _prefix(uint256 item) private pure returns (uint256 prefix) {
        assembly ("memory-safe") {
            prefix := byte(0, mload(shr(128, item)))
        }
    }

    /// @dev Number of leading nibbles the path at `pathPtr` shares with `key` from `keyIndex` on.
    function _sharedPrefixLength(bytes memory key, uint256 keyIndex, uint256 pathPtr, uint256 pathLen)
        private
        pure
        returns (uint256 shared)
    {
        uint256 available = key.length - keyIndex;
        uint256 max = pathLen < available ? pathLen : available;
        uint256 keyPtr = _dataPtr(key) + keyIndex;
        assembly ("memory-safe") {
            // A word at a time while whole words match, then byte by byte.
            for {} and(lt(add(shared, 31), max), eq(mload(add(keyPtr, shared)), mload(add(pathPtr, shared)))) {} {
                shared := add(shared, 32)
            }
            for {} and(lt(shared, max), eq(byte(0, mload(add(keyPtr, shared))), byte(0, mload(add(pathPtr, shared))))) {}
            { shared := add(shared, 1) }
        }
    }

    /// @dev Concatenates two nibble paths into a new buffer.
    function _concat(uint256 aPtr, uint256 aLen, uint256 bPtr, uint256 bLen)
        private
        pure
        returns (uint256 ptr, uint256 len)
    {
        len = aLen + bLen;
        bytes memory out = new bytes(len);
        ptr = _dataPtr(out);
        assembly ("memory-safe") {
            mcopy(ptr, aPtr, aLen)
            mcopy(add(ptr, aLen), bPtr, bLen)
        }
    }

    /// @dev Splits bytes into nibbles, high nibble first.
    function _toNibbles(bytes memory data) private pure returns (bytes memory nibbles) {
        nibbles = new bytes(data.length * 2);
        _spreadNibbles(_dataPtr(data), data.length, _dataPtr(nibbles));
    }

    /// @dev Writes the nibbles of the `len` bytes at `src` (high nibble first, one per byte) to
    ///      `dst`, 16 bytes at a time. May write up to 31 bytes past `dst + 2 * len`: the
    ///      destination must be the last allocation (the bytes past it are free memory).
    function _spreadNibbles(uint256 src, uint256 len, uint256 dst) private pure {
        assembly ("memory-safe") {
            for { let end := add(src, len) } lt(src, end) {
                src := add(src, 16)
                dst := add(dst, 32)
            } {
                // Move each of the 16 bytes into the low byte of its own 16-bit lane ...
                let x := shr(128, mload(src))
                x := and(or(x, shl(64, x)), 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff)
                x := and(or(x, shl(32, x)), 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff)
                x := and(or(x, shl(16, x)), 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff)
                x := and(or(x, shl(8, x)), 0x00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff)
                // ... then its high nibble into the lane's high byte.
                mstore(
                    dst,
                    or(
                        shl(4, and(x, 0x00f000f000f000f000f000f000f000f000f000f000f000f000f000f000f000f0)),
                        and(x, 0x000f000f000f000f000f000f000f000f000f000f000f000f000f000f000f000f)
                    )
                )
            }
        }
    }

    /// @dev Writes `pairs` bytes to `dst`, each made of two nibbles (high first) of the nibbles
    ///      (one per byte) at `src`, 16 bytes at a time. May write up to 31 bytes past
    ///      `dst + pairs`, which must be overwritten next or be free memory.
    function _packNibbles(uint256 src, uint256 pairs, uint256 dst) private pure {
        assembly ("memory-safe") {
            for { let end := add(dst, pairs) } lt(dst, end) {
                src := add(src, 32)
                dst := add(dst, 16)
            } {
                // Each 16-bit lane (two nibbles) into its low byte ...
                let x := mload(src)
                x := or(
                    and(shr(4, x), 0x00f000f000f000f000f000f000f000f000f000f000f000f000f000f000f000f0),
                    and(x, 0x000f000f000f000f000f000f000f000f000f000f000f000f000f000f000f000f)
                )
                // ... then the 16 low bytes together (the inverse of `_spreadNibbles`).
                x := and(or(x, shr(8, x)), 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff)
                x := and(or(x, shr(16, x)), 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff)
                x := and(or(x, shr(32, x)), 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff)
                x := and(or(x, shr(64, x)), 0xffffffffffffffffffffffffffffffff)
                mstore(dst, shl(128, x))
            }
        }
    }

    /// @dev The nibble stored at memory address `ptr`.
    function _nibbleAt(uint256 ptr) private pure returns (uint256 nibble) {
        assembly ("memory-safe") {
            nibble := byte(0, mload(ptr))
        }
    }

    /// @dev The 32-byte word at memory address `ptr`.
    function _word(uint256 ptr) private pure returns (bytes32 word) {
        assembly ("memory-safe") {
            word := mload(ptr)
        }
    }

    /// @dev keccak256 of `len` bytes at memory address `ptr`.
    function _hash(uint256 ptr, uint256 len) private pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            hash := keccak256(ptr, len)
        }
    }

    /// @dev Memory address of the first byte of `data`.
    function _dataPtr(bytes memory data) private pure returns (uint256 ptr) {
        assembly ("memory-safe") {
            ptr := add(data, 32)
        }
    }
}
