// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title SystemConfig
/// @notice The L2 chain's configuration that lives on L1: the L1 data fee scalars and the
///         batcher, set by the owner. Derivation carries them to L2: every L2 block's L1
///         attributes deposit holds the values in force at its L1 origin, and `L1Block` stores
///         them on L2, where `GasPriceOracle` prices the L1 data fee with the scalars.
///
///         The OP Stack's `SystemConfig`, reduced to what this rollup uses and without proxy or
///         initializer. Every change emits `ConfigUpdate` with OP's encoding, and so does the
///         constructor (once per update type, in ascending type order), so a reader rebuilds
///         the configuration at any L1 block from this contract's logs alone, starting at
///         `startBlock()`.
contract SystemConfig {
    /// @notice What a `ConfigUpdate` changes; the values are OP's.
    /// @custom:value BATCHER     The batcher hash; `data = abi.encode(bytes32 batcherHash)`.
    /// @custom:value FEE_SCALARS The L1 data fee scalars;
    ///                           `data = abi.encode(uint256 overhead, uint256 scalar)` with
    ///                           `overhead = 0` and `scalar` as `scalar()` returns it.
    enum UpdateType {
        BATCHER,
        FEE_SCALARS
    }

    /// @notice Version of the `ConfigUpdate` encoding (the event's `version` topic): 0, as OP.
    uint256 public constant VERSION = 0;

    /// @notice The L1 block of the deployment, where a reader of the `ConfigUpdate` logs starts.
    uint256 public immutable startBlock;

    /// @notice The account that may change the configuration and transfer ownership.
    address public owner;

    /// @notice Scalar of the L1 base fee in the L1 data fee (6 decimals; OP Ecotone's
    ///         `baseFeeScalar`).
    uint32 public basefeeScalar;

    /// @notice Scalar of the L1 blob base fee in the L1 data fee (6 decimals; OP Ecotone's
    ///         `blobBaseFeeScalar`).
    uint32 public blobbasefeeScalar;

    /// @notice The batcher, as OP's version 0 batcher hash: its address left-padded with zeros
    ///         to 32 bytes (`bytes32(uint256(uint160(batcher)))`).
    bytes32 public batcherHash;

    /// @notice Emitted by the constructor and every change of the configuration; the OP Stack's
    ///         event, byte for byte.
    /// @param version    Encoding version, `VERSION` (0).
    /// @param updateType What changed (see `UpdateType`).
    /// @param data       The new value, ABI-encoded as `UpdateType` describes.
    event ConfigUpdate(uint256 indexed version, UpdateType indexed updateType, bytes data);

    /// @notice Emitted when ownership moves to another account (also by the constructor, from
    ///         the zero address).
    /// @param previousOwner The old owner.
    /// @param newOwner      The new owner.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice Thrown when an owner-only function is called by another account.
    error SystemConfig_NotOwner();

    /// @notice Thrown when the zero address is given as owner.
    error SystemConfig_ZeroAddress();

    /// @param initialOwner       The owner.
    /// @param batcherHash_       The batcher hash (the batcher address, left-padded).
    /// @param basefeeScalar_     The L1 base fee scalar.
    /// @param blobbasefeeScalar_ The L1 blob base fee scalar.
    constructor(address initialOwner, bytes32 batcherHash_, uint32 basefeeScalar_, uint32 blobbasefeeScalar_) {
        if (initialOwner == address(0)) revert SystemConfig_ZeroAddress();
        startBlock = block.number;
        owner = initialOwner;
        emit OwnershipTransferred(address(0), initialOwner);
        _setBatcherHash(batcherHash_);
        _setGasConfigEcotone(basefeeScalar_, blobbasefeeScalar_);
    }

    /// @dev Restricts a function to the owner.
    modifier onlyOwner() {
        if (msg.sender != owner) revert SystemConfig_NotOwner();
        _;
    }

    /// @notice Replaces the batcher hash. Only the owner; emits `ConfigUpdate(0, BATCHER, ...)`.
    /// @param newBatcherHash The new batcher hash (the batcher address, left-padded).
    function setBatcherHash(bytes32 newBatcherHash) external onlyOwner {
        _setBatcherHash(newBatcherHash);
    }

    /// @notice Replaces both L1 data fee scalars. Only the owner; emits
    ///         `ConfigUpdate(0, FEE_SCALARS, abi.encode(0, scalar()))`.
    /// @param newBasefeeScalar     The new L1 base fee scalar.
    /// @param newBlobbasefeeScalar The new L1 blob base fee scalar.
    function setGasConfigEcotone(uint32 newBasefeeScalar, uint32 newBlobbasefeeScalar) external onlyOwner {
        _setGasConfigEcotone(newBasefeeScalar, newBlobbasefeeScalar);
    }

    /// @notice Transfers ownership. Only the owner; takes effect at once.
    /// @param newOwner The new owner, non-zero.
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert SystemConfig_ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice Both scalars in OP's versioned (Ecotone) form, big-endian: byte 0 is the
    ///         version 0x01, bytes 24..28 `blobbasefeeScalar`, bytes 28..32 `basefeeScalar`,
    ///         all other bytes zero.
    /// @return `(1 << 248) | (blobbasefeeScalar << 32) | basefeeScalar`.
    function scalar() public view returns (uint256) {
        return _packScalar(basefeeScalar, blobbasefeeScalar);
    }

    /// @notice Semantic version of this contract.
    /// @return "1.0.0".
    function version() external pure returns (string memory) {
        return "1.0.0";
    }

    /// @dev Stores the batcher hash and emits its `ConfigUpdate`.
    function _setBatcherHash(bytes32 newBatcherHash) internal {
        batcherHash = newBatcherHash;
        emit ConfigUpdate(VERSION, UpdateType.BATCHER, abi.encode(newBatcherHash));
    }

    /// @dev Stores the scalars and emits their `ConfigUpdate`, with OP's zero overhead.
    function _setGasConfigEcotone(uint32 newBasefeeScalar, uint32 newBlobbasefeeScalar) internal {
        basefeeScalar = newBasefeeScalar;
        blobbasefeeScalar = newBlobbasefeeScalar;
        emit ConfigUpdate(
            VERSION, UpdateType.FEE_SCALARS, abi.encode(uint256(0), _packScalar(newBasefeeScalar, newBlobbasefeeScalar))
        );
    }

    /// @dev OP's Ecotone scalar: version byte 0x01, then the two scalars in the low 8 bytes.
    function _packScalar(uint32 basefee, uint32 blobbasefee) internal pure returns (uint256) {
        return (uint256(0x01) << 248) | (uint256(blobbasefee) << 32) | uint256(basefee);
    }
}
