// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title L1Block
/// @notice L2 predeploy at 0x4200000000000000000000000000000000000015 that holds the attributes of
///         the L2 block's L1 origin and the L1 fee parameters (OP Stack Ecotone semantics).
///
///         The first transaction of every L2 block is a deposit from the depositor account
///         0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001 that calls `setL1BlockValuesEcotone()` with
///         the values packed after the selector (164 bytes in all, big-endian):
///           bytes   4..8    baseFeeScalar      (uint32)
///           bytes   8..12   blobBaseFeeScalar  (uint32)
///           bytes  12..20   sequenceNumber     (uint64)
///           bytes  20..28   timestamp          (uint64)
///           bytes  28..36   number             (uint64)
///           bytes  36..68   basefee            (uint256)
///           bytes  68..100  blobBaseFee        (uint256)
///           bytes 100..132  hash               (bytes32)
///           bytes 132..164  batcherHash        (bytes32)
///
///         Storage layout (part of the protocol, OP's, do not reorder):
///           slot 0: uint64 number (low 8 bytes), uint64 timestamp (next 8 bytes)
///           slot 1: uint256 basefee
///           slot 2: bytes32 hash
///           slot 3: uint64 sequenceNumber (low 8 bytes), uint32 blobBaseFeeScalar (next 4),
///                   uint32 baseFeeScalar (next 4)
///           slot 4: bytes32 batcherHash
///           slot 5: uint256 l1FeeOverhead (pre-Ecotone, always 0)
///           slot 6: uint256 l1FeeScalar   (pre-Ecotone, always 0)
///           slot 7: uint256 blobBaseFee
/// @dev    This contract has no constructor and no immutables: its runtime bytecode is put into
///         the L2 genesis state directly and its storage starts empty.
contract L1Block {
    /// @notice Address of the depositor account, the only sender allowed to set the values.
    address public constant DEPOSITOR_ACCOUNT = 0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001;

    /// @notice Semantic version of this contract.
    string public constant version = "1.0.0";

    /// @notice Number of the L1 origin of the current L2 block (slot 0, low 8 bytes).
    uint64 public number;

    /// @notice Timestamp of the L1 origin (slot 0, bytes 16..24 of the word).
    uint64 public timestamp;

    /// @notice Base fee of the L1 origin (slot 1).
    uint256 public basefee;

    /// @notice Block hash of the L1 origin (slot 2).
    bytes32 public hash;

    /// @notice Number of L2 blocks since the first one with the same L1 origin, which has 0
    ///         (slot 3, low 8 bytes).
    uint64 public sequenceNumber;

    /// @notice Scalar applied to the L1 blob base fee in the L1 data fee, 6 decimals
    ///         (slot 3, bytes 20..24 of the word).
    uint32 public blobBaseFeeScalar;

    /// @notice Scalar applied to the L1 base fee in the L1 data fee, 6 decimals
    ///         (slot 3, bytes 16..20 of the word).
    uint32 public baseFeeScalar;

    /// @notice The batcher address, left-padded to 32 bytes (slot 4).
    bytes32 public batcherHash;

    /// @notice Pre-Ecotone fee overhead (slot 5). Never set: always 0.
    /// @custom:legacy
    uint256 public l1FeeOverhead;

    /// @notice Pre-Ecotone fee scalar (slot 6). Never set: always 0.
    /// @custom:legacy
    uint256 public l1FeeScalar;

    /// @notice Blob base fee of the L1 origin (slot 7).
    uint256 public blobBaseFee;

    /// @notice OP Isthmus's operator fee scalar. This chain charges no operator fee: always 0.
    uint32 public constant operatorFeeScalar = 0;

    /// @notice OP Isthmus's operator fee constant. This chain charges no operator fee: always 0.
    uint64 public constant operatorFeeConstant = 0;

    /// @notice Thrown when an account other than the depositor account calls the setter.
    error L1Block_NotDepositor();

    /// @notice Sets the L1 origin's attributes and the fee parameters. The arguments are not
    ///         ABI-encoded: they are the 160 bytes packed after the selector, in the order and
    ///         sizes given in the contract's description.
    /// @dev    Only the depositor account may call it. Like OP's, it does not check the calldata
    ///         length: missing bytes read as zero, extra bytes are ignored.
    function setL1BlockValuesEcotone() external {
        if (msg.sender != DEPOSITOR_ACCOUNT) revert L1Block_NotDepositor();
        assembly ("memory-safe") {
            // baseFeeScalar (4) ‖ blobBaseFeeScalar (4) ‖ sequenceNumber (8): the top 16 bytes of
            // calldata[4..36] land as uint32 ‖ uint32 ‖ uint64 in the low half of slot 3.
            sstore(sequenceNumber.slot, shr(128, calldataload(4)))
            // timestamp (8) ‖ number (8) into the low half of slot 0.
            sstore(number.slot, shr(128, calldataload(20)))
            sstore(basefee.slot, calldataload(36))
            sstore(blobBaseFee.slot, calldataload(68))
            sstore(hash.slot, calldataload(100))
            sstore(batcherHash.slot, calldataload(132))
        }
    }
}
