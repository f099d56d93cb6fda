// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ResourceMetering
/// @notice The deposit gas market: every L1 block offers a budget of L2 gas for deposits, sold
///         at an EIP-1559-style price that follows demand, and paid for by burning L1 gas.
///         The model is the OP Stack's `ResourceMetering` with its production defaults, fixed
///         as constants (no proxy, no admin): a budget of `MAX_RESOURCE_LIMIT` L2 gas per L1
///         block, a target of `MAX_RESOURCE_LIMIT / ELASTICITY_MULTIPLIER`, and a price
///         (`params().prevBaseFee`, in wei per L2 gas) that moves by at most
///         1/`BASE_FEE_MAX_CHANGE_DENOMINATOR` of the distance to target per block and stays
///         within [`MINIMUM_BASE_FEE`, `MAXIMUM_BASE_FEE`].
///
///         Buying `amount` L2 gas costs `amount * prevBaseFee` wei, taken as
///         `amount * prevBaseFee / max(block.basefee, 1 gwei)` L1 gas that the deposit burns.
///         The gas the metered function itself used counts towards that (OP's "dynamic
///         stipend"), so the burn is only the remainder. Nothing is paid in ETH and nothing
///         here affects L2 execution: the L2 gas limit of a deposit is what the depositor asked
///         for, whatever it cost.
/// @dev    Storage: `params` only, one slot. Errors are named after the Portal, the only
///         contract that inherits this one.
abstract contract ResourceMetering {
    /// @notice The market's state, packed into one storage slot.
    /// @custom:field prevBaseFee   Price of one L2 gas, in wei, for deposits in block
    ///                             `prevBlockNum`.
    /// @custom:field prevBoughtGas L2 gas bought by deposits in block `prevBlockNum`.
    /// @custom:field prevBlockNum  The L1 block in which the price was last updated.
    struct ResourceParams {
        uint128 prevBaseFee;
        uint64 prevBoughtGas;
        uint64 prevBlockNum;
    }

    /// @notice L2 gas that deposits may buy in one L1 block: 20,000,000 (OP's default). All of
    ///         them land in the first L2 block of that L1 block's epoch, after the L1 attributes
    ///         deposit, so the L2 block gas limit must be at least
    ///         `MAX_RESOURCE_LIMIT + SYSTEM_TX_MAX_GAS` for deposits never to overflow a block.
    uint64 public constant MAX_RESOURCE_LIMIT = 20_000_000;

    /// @notice Ratio of the budget to the target: 10 (OP's default), so the price rises when
    ///         deposits buy more than 2,000,000 L2 gas in an L1 block and falls when they buy
    ///         less.
    uint64 public constant ELASTICITY_MULTIPLIER = 10;

    /// @notice L2 gas bought per L1 block at which the price stays put:
    ///         `MAX_RESOURCE_LIMIT / ELASTICITY_MULTIPLIER` = 2,000,000 (exact, no rounding).
    uint64 public constant TARGET_RESOURCE_LIMIT = MAX_RESOURCE_LIMIT / ELASTICITY_MULTIPLIER;

    /// @notice Bounds the price change per L1 block: 8 (OP's default). After a block at the
    ///         target the price is unchanged, after an empty one it falls by 1/8; after a full
    ///         one it rises by (20M - 2M) / (2M * 8) = 112.5%.
    uint64 public constant BASE_FEE_MAX_CHANGE_DENOMINATOR = 8;

    /// @notice Lowest price of one L2 gas: 1 gwei (OP's default). Also the initial price.
    uint128 public constant MINIMUM_BASE_FEE = 1 gwei;

    /// @notice Highest price of one L2 gas: `type(uint128).max` (OP's default), i.e. no cap
    ///         below what the packed storage can hold.
    uint128 public constant MAXIMUM_BASE_FEE = type(uint128).max;

    /// @notice Gas limit of the L1 attributes deposit that opens every L2 block: 1,000,000
    ///         (OP's default, the same number the L2 uses). Not bought here; documents that
    ///         `MAX_RESOURCE_LIMIT + SYSTEM_TX_MAX_GAS` must not exceed the L2 block gas limit.
    uint64 public constant SYSTEM_TX_MAX_GAS = 1_000_000;

    /// @notice Floor of the L1 base fee used to convert the price into L1 gas: 1 gwei, as OP.
    ///         Avoids a division by zero and excessive burns when L1 gas is nearly free.
    uint256 public constant MIN_L1_BASE_FEE = 1 gwei;

    /// @notice The market's state: price, L2 gas bought and the L1 block they refer to.
    ResourceParams public params;

    /// @notice Thrown when a deposit asks for more L2 gas than is left in this L1 block's
    ///         budget (`MAX_RESOURCE_LIMIT` per L1 block). Retry in a later L1 block, or with
    ///         a gas limit of at most `available`.
    /// @param requested The deposit's gas limit.
    /// @param available L2 gas still for sale in this L1 block.
    error Portal_DepositGasLimitExceeded(uint256 requested, uint256 available);

    /// @dev Starts the market at the minimum price, in the deployment block.
    constructor() {
        // Block numbers fit in 64 bits for the foreseeable future of any chain.
        // forge-lint: disable-next-line(unsafe-typecast)
        params = ResourceParams({prevBaseFee: MINIMUM_BASE_FEE, prevBoughtGas: 0, prevBlockNum: uint64(block.number)});
    }

    /// @notice Buys `amount` L2 gas for the function it decorates: after the body ran, updates
    ///         the price, takes `amount` from this L1 block's budget and burns the cost.
    /// @param amount L2 gas to buy.
    modifier metered(uint64 amount) {
        uint256 initialGas = gasleft();
        _;
        _metered(amount, initialGas);
    }

    /// @dev Updates the market for the current L1 block, buys `amount` L2 gas and burns its
    ///      cost in L1 gas, less what the caller has used since `initialGas`.
    function _metered(uint64 amount, uint256 initialGas) internal {
        ResourceParams memory p = params;

        // The first deposit of a new L1 block settles the previous ones: the price moves by
        // what they bought, and every skipped block counts as an empty one. (A block number
        // below `prevBlockNum` is impossible on a real chain; it is treated as the same block.)
        if (block.number > p.prevBlockNum) {
            p.prevBaseFee = _nextBaseFee(p.prevBaseFee, p.prevBoughtGas, block.number - p.prevBlockNum);
            p.prevBoughtGas = 0;
            // forge-lint: disable-next-line(unsafe-typecast)
            p.prevBlockNum = uint64(block.number);
        }

        uint256 bought = uint256(p.prevBoughtGas) + amount;
        if (bought > MAX_RESOURCE_LIMIT) {
            revert Portal_DepositGasLimitExceeded(amount, MAX_RESOURCE_LIMIT - p.prevBoughtGas);
        }
        // Safe: bought <= MAX_RESOURCE_LIMIT.
        // forge-lint: disable-next-line(unsafe-typecast)
        p.prevBoughtGas = uint64(bought);
        params = p;

        // Cannot overflow: amount < 2^64 and prevBaseFee < 2^128.
        uint256 l1BaseFee = block.basefee > MIN_L1_BASE_FEE ? block.basefee : MIN_L1_BASE_FEE;
        uint256 gasCost = uint256(amount) * p.prevBaseFee / l1BaseFee;
        uint256 usedGas = initialGas - gasleft();
        if (gasCost > usedGas) _burnGas(gasCost - usedGas);
    }

    /// @dev The price for a new L1 block, `blockDiff >= 1` blocks after the one in which
    ///      `boughtGas` was bought at `baseFee`: the EIP-1559 step for that block, then a fall
    ///      by 1/`BASE_FEE_MAX_CHANGE_DENOMINATOR` for each of the `blockDiff - 1` empty blocks
    ///      in between (OP's `cdexp`), clamped to [`MINIMUM_BASE_FEE`, `MAXIMUM_BASE_FEE`]
    ///      after each of the two steps.
    function _nextBaseFee(uint256 baseFee, uint256 boughtGas, uint256 blockDiff) internal pure returns (uint128) {
        // baseFee < 2^128 and |boughtGas - target| <= 2e7: no overflow. The division rounds
        // the change towards zero, as OP's signed arithmetic does.
        uint256 scale = uint256(TARGET_RESOURCE_LIMIT) * BASE_FEE_MAX_CHANGE_DENOMINATOR;
        uint256 next;
        if (boughtGas >= TARGET_RESOURCE_LIMIT) {
            next = baseFee + baseFee * (boughtGas - TARGET_RESOURCE_LIMIT) / scale;
        } else {
            next = baseFee - baseFee * (TARGET_RESOURCE_LIMIT - boughtGas) / scale;
        }
        next = _clamp(next);
        if (blockDiff > 1) {
            next = _clamp(_decay(next, blockDiff - 1));
        }
        // Safe: _clamp keeps it within uint128.
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint128(next);
    }

    /// @dev `value * (1 - 1/BASE_FEE_MAX_CHANGE_DENOMINATOR) ** blocks`, with the power taken by
    ///      repeated squaring in 18-decimal fixed point (each product rounded down), like OP's
    ///      `cdexp`. Cheap for any `blocks`. The power rounds to zero beyond ~310 blocks
    ///      ((7/8)^311 < 1e-18); by then any price below 1e27 wei has decayed under
    ///      `MINIMUM_BASE_FEE` anyway, and the caller clamps.
    function _decay(uint256 value, uint256 blocks) internal pure returns (uint256) {
        uint256 wad = 1e18;
        uint256 factor = wad - wad / BASE_FEE_MAX_CHANGE_DENOMINATOR; // 0.875
        uint256 power = wad;
        while (blocks > 0 && factor > 0) {
            if (blocks & 1 == 1) power = power * factor / wad;
            factor = factor * factor / wad;
            blocks >>= 1;
        }
        if (blocks > 0) power = 0; // factor underflowed to zero with exponent bits left
        // value <= 2^128 and power <= 1e18: no overflow.
        return value * power / wad;
    }

    /// @dev Clamps a price to [`MINIMUM_BASE_FEE`, `MAXIMUM_BASE_FEE`].
    function _clamp(uint256 value) internal pure returns (uint256) {
        if (value < MINIMUM_BASE_FEE) return MINIMUM_BASE_FEE;
        if (value > MAXIMUM_BASE_FEE) return MAXIMUM_BASE_FEE;
        return value;
    }

    /// @dev Burns (at least) `amount` gas by spinning until that much has been used; the
    ///      overshoot is one loop iteration (a few dozen gas).
    function _burnGas(uint256 amount) internal view {
        uint256 start = gasleft();
        while (start - gasleft() < amount) {}
    }
}
