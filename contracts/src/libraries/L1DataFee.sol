// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title L1DataFee
/// @notice The L1 data fee of an L2 transaction (docs/fees.md): OP Stack Fjord's formula, its
///         size estimate calibrated to this rollup's batches (docs/benchmarks/l1-cost-recovery.md).
///
///           flzSize       = FastLZ-compressed length of the unsigned transaction + 68
///           estimatedSize = max(MIN_TRANSACTION_SIZE * 1e6, COST_INTERCEPT + COST_FASTLZ_COEF * flzSize)
///           l1FeeScaled   = baseFeeScalar * l1BaseFee * 16 + blobBaseFeeScalar * blobBaseFee
///           l1Fee         = estimatedSize * l1FeeScaled / 1e12
///
///         The `GasPriceOracle` predeploy quotes it and the EVM stepper charges it, both with
///         this library, as the state-transition function (`rollup_core::fees`) does.
library L1DataFee {
    /// @notice Intercept of the estimate from FastLZ size to the bytes a transaction takes in
    ///         this rollup's batches, scaled by 1e6.
    int256 internal constant COST_INTERCEPT = -36_540_000;

    /// @notice Slope of the same estimate, scaled by 1e6.
    uint256 internal constant COST_FASTLZ_COEF = 717_700;

    /// @notice Lower bound of the estimated compressed size, in bytes.
    int256 internal constant MIN_TRANSACTION_SIZE = 100;

    /// @notice Size counted for the signature the unsigned transaction lacks, in bytes.
    uint256 internal constant SIGNATURE_SIZE = 68;

    /// @notice Thrown when a size is too large for the linear regression (beyond any real
    ///         transaction).
    error L1DataFee_SizeTooLarge();

    /// @notice The L1 data fee for a FastLZ size that includes the signature bytes.
    /// @param _fastLzSize        FastLZ-compressed size plus 68.
    /// @param _baseFeeScalar     Scalar of the L1 base fee, 6 decimals.
    /// @param _l1BaseFee         Base fee of the L1 origin.
    /// @param _blobBaseFeeScalar Scalar of the L1 blob base fee, 6 decimals.
    /// @param _blobBaseFee       Blob base fee of the L1 origin.
    /// @return The L1 data fee in wei.
    function fee(
        uint256 _fastLzSize,
        uint256 _baseFeeScalar,
        uint256 _l1BaseFee,
        uint256 _blobBaseFeeScalar,
        uint256 _blobBaseFee
    ) internal pure returns (uint256) {
        uint256 feeScaled =
            _baseFeeScalar * _l1BaseFee * 16 + _blobBaseFeeScalar * _blobBaseFee;
        return estimatedSize(_fastLzSize) * feeScaled / 1e12;
    }

    /// @notice The Fjord linear regression: estimated compressed size of a transaction, scaled
    ///         by 1e6, at least `MIN_TRANSACTION_SIZE * 1e6`.
    /// @param _fastLzSize FastLZ-compressed size plus 68.
    /// @return Estimated size in bytes, scaled by 1e6.
    function estimatedSize(uint256 _fastLzSize) internal pure returns (uint256) {
        uint256 slopeTerm = COST_FASTLZ_COEF * _fastLzSize;
        if (slopeTerm > uint256(type(int256).max)) revert L1DataFee_SizeTooLarge();
        // Safe: checked against type(int256).max above.
        // forge-lint: disable-next-line(unsafe-typecast)
        int256 size = COST_INTERCEPT + int256(slopeTerm);
        int256 minSize = MIN_TRANSACTION_SIZE * 1e6;
        if (size < minSize) size = minSize;
        // Safe: at least minSize, which is positive.
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint256(size);
    }
}
