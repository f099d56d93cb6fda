// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FastLZ} from "../libraries/FastLZ.sol";
import {L1Block} from "./L1Block.sol";
import {L1DataFee} from "../libraries/L1DataFee.sol";

/// @title GasPriceOracle
/// @notice L2 predeploy at 0x420000000000000000000000000000000000000F that computes the L1 data
///         fee of a transaction with the OP Stack Fjord formula (`L1DataFee`), from the fee
///         parameters the `L1Block` predeploy (0x4200000000000000000000000000000000000015) holds.
///         The state-transition function charges exactly this fee, so `getL1Fee` of a
///         transaction's unsigned encoding equals the `l1Fee` of its receipt. The interface is
///         OP's as of Fjord; Ecotone and Fjord are always active.
/// @dev    This contract has no constructor, no immutables and no storage: its runtime bytecode
///         is put into the L2 genesis state directly.
contract GasPriceOracle {
    /// @notice Number of decimals of the fee scalars.
    uint256 public constant DECIMALS = 6;

    /// @notice Semantic version of this contract.
    string public constant version = "1.0.0";

    /// @notice Whether the Ecotone fee parameters are in use: always.
    bool public constant isEcotone = true;

    /// @notice Whether the Fjord fee formula is in use: always.
    bool public constant isFjord = true;

    /// @notice Address of the `L1Block` predeploy.
    address internal constant L1_BLOCK = 0x4200000000000000000000000000000000000015;

    /// @notice Thrown by the pre-Ecotone getters `overhead()` and `scalar()`.
    error GasPriceOracle_Deprecated();

    /// @notice L1 data fee of a transaction.
    /// @param _data Unsigned EIP-2718 encoding of the transaction (the signing payload).
    /// @return L1 data fee in wei.
    function getL1Fee(bytes memory _data) external view returns (uint256) {
        return _l1Cost(FastLZ.compressedLength(_data) + L1DataFee.SIGNATURE_SIZE);
    }

    /// @notice Upper bound of the L1 data fee of a transaction of a given size, for the worst
    ///         FastLZ output of practical transactions: `size + size / 255 + 16` bytes, where
    ///         `size` includes the 68 signature bytes. Cheaper than `getL1Fee`.
    /// @param _unsignedTxSize Length of the unsigned EIP-2718 encoding of the transaction.
    /// @return Upper bound of the L1 data fee in wei.
    function getL1FeeUpperBound(uint256 _unsignedTxSize) external view returns (uint256) {
        uint256 txSize = _unsignedTxSize + L1DataFee.SIGNATURE_SIZE;
        uint256 flzUpperBound = txSize + txSize / 255 + 16;
        return _l1Cost(flzUpperBound);
    }

    /// @notice Estimated L1 gas of a transaction: its estimated compressed size at 16 gas per
    ///         byte.
    /// @param _data Unsigned EIP-2718 encoding of the transaction (the signing payload).
    /// @return L1 gas attributed to the transaction.
    function getL1GasUsed(bytes memory _data) external pure returns (uint256) {
        return L1DataFee.estimatedSize(FastLZ.compressedLength(_data) + L1DataFee.SIGNATURE_SIZE) * 16 / 1e6;
    }

    /// @notice The L2 gas price: the current block's base fee.
    /// @return The L2 base fee in wei.
    function gasPrice() external view returns (uint256) {
        return block.basefee;
    }

    /// @notice The current block's base fee.
    /// @return The L2 base fee in wei.
    function baseFee() external view returns (uint256) {
        return block.basefee;
    }

    /// @notice Pre-Ecotone fee overhead. Deprecated: always reverts.
    /// @return Never returns.
    /// @custom:legacy
    function overhead() external pure returns (uint256) {
        revert GasPriceOracle_Deprecated();
    }

    /// @notice Pre-Ecotone fee scalar. Deprecated: always reverts.
    /// @return Never returns.
    /// @custom:legacy
    function scalar() external pure returns (uint256) {
        revert GasPriceOracle_Deprecated();
    }

    /// @notice The operator fee of a transaction using `_gasUsed` gas (OP Isthmus). This chain
    ///         charges none: always 0, so that clients adding it to their estimates (viem's
    ///         `estimateTotalFee`) get the true total.
    /// @param _gasUsed L2 gas the transaction uses.
    /// @return 0.
    function getOperatorFee(uint256 _gasUsed) external pure returns (uint256) {
        _gasUsed;
        return 0;
    }

    /// @notice Base fee of the L1 origin.
    /// @return L1 base fee in wei.
    function l1BaseFee() public view returns (uint256) {
        return L1Block(L1_BLOCK).basefee();
    }

    /// @notice Blob base fee of the L1 origin.
    /// @return L1 blob base fee in wei.
    function blobBaseFee() public view returns (uint256) {
        return L1Block(L1_BLOCK).blobBaseFee();
    }

    /// @notice Scalar applied to the L1 base fee, 6 decimals.
    /// @return The base fee scalar.
    function baseFeeScalar() public view returns (uint32) {
        return L1Block(L1_BLOCK).baseFeeScalar();
    }

    /// @notice Scalar applied to the L1 blob base fee, 6 decimals.
    /// @return The blob base fee scalar.
    function blobBaseFeeScalar() public view returns (uint32) {
        return L1Block(L1_BLOCK).blobBaseFeeScalar();
    }

    /// @notice Number of decimals of the fee scalars.
    /// @return 6.
    /// @custom:legacy
    function decimals() external pure returns (uint256) {
        return DECIMALS;
    }

    /// @notice L1 data fee for a FastLZ size that already includes the signature bytes.
    /// @param _fastLzSize FastLZ-compressed size plus 68.
    /// @return L1 data fee in wei.
    function _l1Cost(uint256 _fastLzSize) internal view returns (uint256) {
        return L1DataFee.fee(_fastLzSize, baseFeeScalar(), l1BaseFee(), blobBaseFeeScalar(), blobBaseFee());
    }
}
