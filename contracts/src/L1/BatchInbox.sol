// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IBatchInbox} from "../../interfaces/L1/IBatchInbox.sol";

/// @title BatchInbox
/// @notice Where the batcher posts L2 batches on L1, either as calldata (`submitBatch`) or as
///         EIP-4844 blobs (`submitBlobBatch`). The contract keeps only a commitment per batch
///         and emits `BatchSubmitted`; derivation finds batches through these events and reads
///         the data from the transaction's input or blobs. Only the batcher may post, so
///         derivation never has to sift through other people's data.
contract BatchInbox is IBatchInbox {
    /// @dev One stored batch: two storage slots.
    struct Batch {
        bytes32 commitment;
        uint8 kind;
        uint64 l1BlockNumber;
    }

    /// @inheritdoc IBatchInbox
    uint8 public constant KIND_CALLDATA = 0;

    /// @inheritdoc IBatchInbox
    uint8 public constant KIND_BLOB = 1;

    /// @inheritdoc IBatchInbox
    address public owner;

    /// @inheritdoc IBatchInbox
    address public batcher;

    /// @dev All batches in submission order.
    Batch[] internal _batches;

    /// @param initialOwner   The owner (rotates the batcher and itself).
    /// @param initialBatcher The batcher.
    constructor(address initialOwner, address initialBatcher) {
        if (initialOwner == address(0) || initialBatcher == address(0)) revert BatchInbox_ZeroAddress();
        owner = initialOwner;
        batcher = initialBatcher;
        emit OwnershipTransferred(address(0), initialOwner);
        emit BatcherUpdated(address(0), initialBatcher);
    }

    /// @dev Restricts a function to the owner.
    modifier onlyOwner() {
        if (msg.sender != owner) revert BatchInbox_NotOwner();
        _;
    }

    /// @dev Restricts a function to the batcher.
    modifier onlyBatcher() {
        if (msg.sender != batcher) revert BatchInbox_NotBatcher();
        _;
    }

    /// @inheritdoc IBatchInbox
    function submitBatch(bytes calldata data) external onlyBatcher returns (uint256 index) {
        if (data.length == 0) revert BatchInbox_EmptyBatch();
        index = _record(keccak256(data), KIND_CALLDATA);
    }

    /// @inheritdoc IBatchInbox
    function submitBlobBatch() external onlyBatcher returns (uint256 index) {
        uint256 count = 0;
        while (blobhash(count) != bytes32(0)) {
            count++;
        }
        if (count == 0) revert BatchInbox_NoBlobs();

        bytes32[] memory hashes = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) {
            hashes[i] = blobhash(i);
        }

        index = _record(keccak256(abi.encodePacked(hashes)), KIND_BLOB);
        emit BlobBatchSubmitted(index, hashes);
    }

    /// @inheritdoc IBatchInbox
    function batchCount() external view returns (uint256) {
        return _batches.length;
    }

    /// @inheritdoc IBatchInbox
    function batch(uint256 index) external view returns (bytes32 commitment, uint8 kind, uint64 l1BlockNumber) {
        if (index >= _batches.length) revert BatchInbox_UnknownBatch();
        Batch storage b = _batches[index];
        return (b.commitment, b.kind, b.l1BlockNumber);
    }

    /// @inheritdoc IBatchInbox
    function setBatcher(address newBatcher) external onlyOwner {
        if (newBatcher == address(0)) revert BatchInbox_ZeroAddress();
        emit BatcherUpdated(batcher, newBatcher);
        batcher = newBatcher;
    }

    /// @inheritdoc IBatchInbox
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert BatchInbox_ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @dev Appends a batch and emits `BatchSubmitted`.
    function _record(bytes32 commitment, uint8 kind) internal returns (uint256 index) {
        index = _batches.length;
        // Block numbers fit in 64 bits for the foreseeable future of any chain.
        // forge-lint: disable-next-line(unsafe-typecast)
        _batches.push(Batch({commitment: commitment, kind: kind, l1BlockNumber: uint64(block.number)}));
        emit BatchSubmitted(index, commitment, kind, block.number);
    }
}
