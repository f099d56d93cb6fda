// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IBatchInbox
/// @notice The L1 contract the batcher posts L2 batches to (see src/L1/BatchInbox.sol).
interface IBatchInbox {
    /// @notice Emitted for every batch, calldata or blob.
    /// @param index         Position of the batch, counting from 0.
    /// @param commitment    `keccak256(data)` for calldata batches, `keccak256(abi.encodePacked(versionedHashes))`
    ///                      for blob batches.
    /// @param kind          0 = calldata (`KIND_CALLDATA`), 1 = blobs (`KIND_BLOB`).
    /// @param l1BlockNumber L1 block that included the batch.
    event BatchSubmitted(uint256 indexed index, bytes32 indexed commitment, uint8 kind, uint256 l1BlockNumber);

    /// @notice Emitted for a blob batch, right after its `BatchSubmitted`.
    /// @param index           Position of the batch.
    /// @param versionedHashes The EIP-4844 versioned hashes of the transaction's blobs, in order.
    event BlobBatchSubmitted(uint256 indexed index, bytes32[] versionedHashes);

    /// @notice Emitted when the owner replaces the batcher.
    /// @param previousBatcher The old batcher.
    /// @param newBatcher      The new batcher.
    event BatcherUpdated(address indexed previousBatcher, address indexed newBatcher);

    /// @notice Emitted when ownership moves to another account.
    /// @param previousOwner The old owner.
    /// @param newOwner      The new owner.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice Thrown when a batch comes from an account other than the batcher.
    error BatchInbox_NotBatcher();

    /// @notice Thrown when an owner-only function is called by another account.
    error BatchInbox_NotOwner();

    /// @notice Thrown for a calldata batch without data.
    error BatchInbox_EmptyBatch();

    /// @notice Thrown when `submitBlobBatch` is called from a transaction that carries no blobs.
    error BatchInbox_NoBlobs();

    /// @notice Thrown when the zero address is given as owner or batcher.
    error BatchInbox_ZeroAddress();

    /// @notice Thrown when reading a batch index that does not exist.
    error BatchInbox_UnknownBatch();

    /// @notice Batch kind of a batch whose data is the transaction's calldata.
    /// @return 0.
    function KIND_CALLDATA() external view returns (uint8);

    /// @notice Batch kind of a batch whose data is the transaction's blobs.
    /// @return 1.
    function KIND_BLOB() external view returns (uint8);

    /// @notice The account that may rotate the batcher and transfer ownership.
    /// @return The owner.
    function owner() external view returns (address);

    /// @notice The only account that may submit batches.
    /// @return The batcher.
    function batcher() external view returns (address);

    /// @notice Posts a batch as calldata. Derivation reads `data` from this transaction's input.
    /// @param data The encoded batch, non-empty.
    /// @return index The batch's index.
    function submitBatch(bytes calldata data) external returns (uint256 index);

    /// @notice Posts a batch carried by the blobs of the calling (type 3) transaction.
    /// @return index The batch's index.
    function submitBlobBatch() external returns (uint256 index);

    /// @notice Number of batches submitted so far.
    /// @return The count (the next batch's index).
    function batchCount() external view returns (uint256);

    /// @notice A submitted batch.
    /// @param index The batch index.
    /// @return commitment    Commitment to the batch data (see `BatchSubmitted`).
    /// @return kind          `KIND_CALLDATA` or `KIND_BLOB`.
    /// @return l1BlockNumber L1 block that included it.
    function batch(uint256 index) external view returns (bytes32 commitment, uint8 kind, uint64 l1BlockNumber);

    /// @notice Replaces the batcher. Only the owner.
    /// @param newBatcher The new batcher, non-zero.
    function setBatcher(address newBatcher) external;

    /// @notice Transfers ownership. Only the owner; takes effect at once.
    /// @param newOwner The new owner, non-zero.
    function transferOwnership(address newOwner) external;
}
