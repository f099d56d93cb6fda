// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/TestBase.sol";
import {PredeployArtifacts} from "../utils/PredeployArtifacts.sol";
import {FastLZ} from "../../src/libraries/FastLZ.sol";
import {GasPriceOracle} from "../../src/L2/GasPriceOracle.sol";
import {L1Block} from "../../src/L2/L1Block.sol";
import {L1DataFee} from "../../src/libraries/L1DataFee.sol";

/// @dev The `fee` cheatcode (sets block.basefee), declared here so this file does not depend on
///      other tests' additions to Vm.sol.
interface VmFee {
    function fee(uint256 newBasefee) external;
}

/// @notice A plain-Solidity FastLZ level-1 compressor and decompressor, written for clarity, not
///         gas: the reference the assembly `FastLZ.compressedLength` is fuzzed against. Its
///         output is byte-identical to solady's `LibZip.flzCompress` (checked off-repo); the
///         `uint8` casts below take values below 256 by construction of the token format.
library FastLZReference {
    function read24(bytes memory data, uint256 i) internal pure returns (uint256) {
        return uint256(uint8(data[i])) | (uint256(uint8(data[i + 1])) << 8) | (uint256(uint8(data[i + 2])) << 16);
    }

    function hash13(uint256 v) internal pure returns (uint256) {
        return ((v * 2654435769) & 0xffffffff) >> 19;
    }

    function compress(bytes memory input) internal pure returns (bytes memory out) {
        uint256 n = input.length;
        out = new bytes(n + n / 16 + 16);
        uint256 op = 0;
        uint256 anchor = 0;
        if (n > 15) {
            uint256[] memory table = new uint256[](8192);
            uint256 limit = n - 13;
            uint256 bound = n - 4;
            uint256 ip = 2;
            while (ip < limit) {
                uint256 ref;
                while (true) {
                    uint256 seq = read24(input, ip);
                    uint256 h = hash13(seq);
                    ref = table[h];
                    table[h] = ip;
                    if (ip >= limit) break;
                    ip++;
                    if (ip - 1 - ref < 8192 && read24(input, ref) == seq) break;
                }
                if (ip >= limit) break;
                ip--;
                op = literals(out, op, input, anchor, ip);
                uint256 l = 0;
                uint256 e = bound - (ip + 3);
                while (l < e) {
                    bool differ = input[ref + 3 + l] != input[ip + 3 + l];
                    l++;
                    if (differ) break;
                }
                op = matchToken(out, op, l, ip - ref);
                ip += l;
                table[hash13(read24(input, ip))] = ip;
                ip++;
                table[hash13(read24(input, ip))] = ip;
                ip++;
                anchor = ip;
            }
        }
        op = literals(out, op, input, anchor, n);
        assembly ("memory-safe") {
            mstore(out, op)
        }
    }

    function literals(bytes memory out, uint256 op, bytes memory input, uint256 from, uint256 to)
        internal
        pure
        returns (uint256)
    {
        while (from < to) {
            uint256 run = to - from > 32 ? 32 : to - from;
            // forge-lint: disable-next-line(unsafe-typecast)
            out[op++] = bytes1(uint8(run - 1));
            for (uint256 i = 0; i < run; i++) {
                out[op++] = input[from++];
            }
        }
        return op;
    }

    function matchToken(bytes memory out, uint256 op, uint256 l, uint256 distance) internal pure returns (uint256) {
        uint256 d = distance - 1;
        while (l > 262) {
            out[op++] = bytes1(uint8(224 + (d >> 8)));
            out[op++] = bytes1(uint8(253));
            // forge-lint: disable-next-line(unsafe-typecast)
            out[op++] = bytes1(uint8(d & 0xff));
            l -= 262;
        }
        if (l < 7) {
            out[op++] = bytes1(uint8((l << 5) + (d >> 8)));
            // forge-lint: disable-next-line(unsafe-typecast)
            out[op++] = bytes1(uint8(d & 0xff));
        } else {
            out[op++] = bytes1(uint8(224 + (d >> 8)));
            // forge-lint: disable-next-line(unsafe-typecast)
            out[op++] = bytes1(uint8(l - 7));
            // forge-lint: disable-next-line(unsafe-typecast)
            out[op++] = bytes1(uint8(d & 0xff));
        }
        return op;
    }

    function decompress(bytes memory input, uint256 maxLength) internal pure returns (bytes memory out) {
        out = new bytes(maxLength);
        uint256 op = 0;
        uint256 ip = 0;
        while (ip < input.length) {
            uint256 c = uint8(input[ip++]);
            uint256 t = c >> 5;
            if (t == 0) {
                for (uint256 i = 0; i <= c; i++) {
                    out[op++] = input[ip++];
                }
            } else {
                uint256 len = t == 7 ? uint256(uint8(input[ip++])) + 9 : t + 2;
                uint256 ref = op - ((((c & 31) << 8) | uint256(uint8(input[ip++]))) + 1);
                for (uint256 i = 0; i < len; i++) {
                    out[op++] = out[ref++];
                }
            }
        }
        assembly ("memory-safe") {
            mstore(out, op)
        }
    }
}

/// @notice Tests `FastLZ.compressedLength`: lengths from solady's `LibZip.flzCompress` (the
///         compressor OP's GasPriceOracle measures), and a fuzzed comparison with the reference
///         compressor above, whose output must also decompress to the input.
contract FastLZTest is TestBase {
    function filled(uint256 n, bytes1 b) internal pure returns (bytes memory out) {
        out = new bytes(n);
        for (uint256 i = 0; i < n; i++) {
            out[i] = b;
        }
    }

    function counting(uint256 n) internal pure returns (bytes memory out) {
        out = new bytes(n);
        for (uint256 i = 0; i < n; i++) {
            // forge-lint: disable-next-line(unsafe-typecast)
            out[i] = bytes1(uint8(i));
        }
    }

    /// @dev Pseudo-random bytes: word `i` is keccak256(abi.encode(seed, i)).
    function blob(uint256 n, uint256 seed) internal pure returns (bytes memory out) {
        out = new bytes(n);
        for (uint256 i = 0; i * 32 < n; i++) {
            bytes32 w = keccak256(abi.encode(seed, i));
            for (uint256 j = 0; j < 32 && i * 32 + j < n; j++) {
                out[i * 32 + j] = w[j];
            }
        }
    }

    function periodic(uint256 period, uint256 extra) internal pure returns (bytes memory out) {
        bytes memory block_ = blob(period, 1);
        out = new bytes(period + extra);
        for (uint256 i = 0; i < out.length; i++) {
            out[i] = block_[i % period];
        }
    }

    function checkRoundTrip(bytes memory data) internal pure {
        bytes memory compressed = FastLZReference.compress(data);
        vm.assertEq(FastLZ.compressedLength(data), compressed.length, "length equals the reference's");
        vm.assertEq(FastLZReference.decompress(compressed, data.length), data, "reference round trip");
    }

    /// @notice Expected lengths computed with solady's LibZip.flzCompress.
    function test_compressedLength_knownVectors() public pure {
        vm.assertEq(FastLZ.compressedLength(""), 0, "empty");
        vm.assertEq(FastLZ.compressedLength(hex"00"), 2, "one byte");
        vm.assertEq(FastLZ.compressedLength(filled(15, 0xff)), 16, "15 x ff: all literals");
        vm.assertEq(FastLZ.compressedLength(filled(16, 0xff)), 17, "16 x ff: too short to match");
        vm.assertEq(FastLZ.compressedLength(filled(17, 0xff)), 12, "17 x ff");
        vm.assertEq(FastLZ.compressedLength(new bytes(16)), 17, "16 zeros");
        vm.assertEq(FastLZ.compressedLength(new bytes(32)), 12, "32 zeros");
        vm.assertEq(FastLZ.compressedLength(new bytes(1000)), 21, "1000 zeros");
        vm.assertEq(FastLZ.compressedLength(new bytes(20_000)), 240, "20000 zeros: long matches");
        vm.assertEq(FastLZ.compressedLength(bytes("hello world hello world hello world hello world")), 22, "text");
        vm.assertEq(FastLZ.compressedLength(abi.encodePacked(keccak256("a"), keccak256("b"))), 66, "64 random");
        vm.assertEq(FastLZ.compressedLength(blob(17, 3)), 18, "17 random");
        vm.assertEq(FastLZ.compressedLength(blob(1000, 2)), 1032, "1000 random: literals only");
        vm.assertEq(FastLZ.compressedLength(bytes.concat(counting(256), counting(256))), 273, "0..255 twice");
        vm.assertEq(FastLZ.compressedLength(periodic(8191, 300)), 8464, "repeat at distance 8191: matched");
        vm.assertEq(FastLZ.compressedLength(periodic(8192, 300)), 8757, "repeat at distance 8192: too far");
        vm.assertEq(FastLZ.compressedLength(periodic(8193, 300)), 8758, "repeat at distance 8193: too far");
        // An EIP-1559 ERC-20 transfer's signing payload (117 bytes).
        vm.assertEq(
            FastLZ.compressedLength(
                hex"02f872827a6982012a8405f5e10085174876e80083011170949fe46736679d2d9a65f0992f2272de9f3c7fa6e0"
                hex"80b844a9059cbb00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8000000000000"
                hex"0000000000000000000000000000000000000de0b6b3a7640000c0"
            ),
            95,
            "erc20 transfer"
        );
    }

    function test_compressedLength_shortInputsAreLiterals() public pure {
        for (uint256 n = 0; n <= 15; n++) {
            vm.assertEq(FastLZ.compressedLength(new bytes(n)), n == 0 ? 0 : n + 1, "one literal run");
        }
        vm.assertEq(FastLZ.compressedLength(counting(98)), 102, "98 literals: 4 runs");
        vm.assertEq(FastLZ.compressedLength(counting(99)), 103, "99 literals: 4 runs");
    }

    function test_compressedLength_referenceOnVectors() public pure {
        checkRoundTrip("");
        checkRoundTrip(hex"00");
        checkRoundTrip(filled(17, 0xff));
        checkRoundTrip(new bytes(600));
        checkRoundTrip(new bytes(2000));
        checkRoundTrip(bytes.concat(counting(256), counting(256)));
        checkRoundTrip(blob(700, 9));
        checkRoundTrip(periodic(8191, 300));
    }

    function test_compressedLength_doesNotAllocateOrWrite() public pure {
        bytes memory data = bytes.concat(new bytes(300), blob(300, 4), new bytes(300));
        bytes32 before = keccak256(data);
        uint256 fmpBefore;
        assembly ("memory-safe") {
            fmpBefore := mload(0x40)
        }
        uint256 length = FastLZ.compressedLength(data);
        uint256 fmpAfter;
        assembly ("memory-safe") {
            fmpAfter := mload(0x40)
        }
        vm.assertEq(fmpAfter, fmpBefore, "free memory pointer unchanged");
        vm.assertEq(keccak256(data), before, "input unchanged");
        vm.assertEq(length, FastLZReference.compress(data).length, "length");
    }

    function testFuzz_compressedLength_matchesReference(bytes memory data) public pure {
        checkRoundTrip(data);
    }

    function testFuzz_compressedLength_repetitive(bytes memory pattern, uint8 repeats, uint8 gap, uint8 flips)
        public
        pure
    {
        bytes memory data;
        for (uint256 i = 0; i < repeats % 48; i++) {
            data = bytes.concat(data, pattern, new bytes(gap % 24));
        }
        for (uint256 i = 0; i < flips % 4 && data.length > 0; i++) {
            uint256 pos = uint256(keccak256(abi.encode(pattern, i))) % data.length;
            data[pos] = bytes1(uint8(data[pos]) ^ 0x5a);
        }
        checkRoundTrip(data);
    }

    function testFuzz_compressedLength_zeroRuns(uint256 seed, uint16 length) public pure {
        bytes memory data = new bytes(length % 3000);
        for (uint256 i = 0; i < data.length; i++) {
            uint256 r = uint256(keccak256(abi.encode(seed, i / 24)));
            // forge-lint: disable-next-line(unsafe-typecast)
            if (r % 3 == 0) data[i] = bytes1(uint8(r >> (8 * (i % 24 + 1))));
        }
        checkRoundTrip(data);
    }
}

/// @notice Exposes the fee arithmetic for direct tests.
contract GasPriceOracleHarness is GasPriceOracle {
    function estimatedSize(uint256 _fastLzSize) external pure returns (uint256) {
        return L1DataFee.estimatedSize(_fastLzSize);
    }

    function l1Cost(uint256 _fastLzSize) external view returns (uint256) {
        return _l1Cost(_fastLzSize);
    }
}

/// @notice Tests the GasPriceOracle predeploy exactly as it is put into the L2 genesis, reading
///         the L1Block predeploy (also from its genesis artifact), against the formula of
///         docs/fees.md.
contract GasPriceOracleTest is PredeployArtifacts {
    address internal constant PREDEPLOY = 0x420000000000000000000000000000000000000F;
    address internal constant L1_BLOCK = 0x4200000000000000000000000000000000000015;
    address internal constant DEPOSITOR = 0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001;

    // Hand-picked fee parameters: l1FeeScaled = 1368 * 30e9 * 16 + 810949 * 1e9 = 1_467_589e9.
    uint32 internal constant BASE_FEE_SCALAR = 1368;
    uint32 internal constant BLOB_BASE_FEE_SCALAR = 810_949;
    uint256 internal constant L1_BASE_FEE = 30 gwei;
    uint256 internal constant BLOB_BASE_FEE = 1 gwei;

    GasPriceOracle internal oracle;
    GasPriceOracleHarness internal harness;

    function setUp() public {
        vm.etch(PREDEPLOY, predeployCode("GasPriceOracle"));
        vm.etch(L1_BLOCK, predeployCode("L1Block"));
        oracle = GasPriceOracle(PREDEPLOY);
        harness = new GasPriceOracleHarness();
        setL1Values(BASE_FEE_SCALAR, BLOB_BASE_FEE_SCALAR, L1_BASE_FEE, BLOB_BASE_FEE);
    }

    /// @dev Sets the fee parameters the way the L1 attributes deposit does.
    function setL1Values(uint32 baseFeeScalar, uint32 blobBaseFeeScalar, uint256 l1BaseFee, uint256 blobBaseFee)
        internal
    {
        bytes memory data = abi.encodePacked(
            bytes4(0x440a5e20),
            baseFeeScalar,
            blobBaseFeeScalar,
            uint64(7),
            uint64(1_700_000_000),
            uint64(18_000_000),
            l1BaseFee,
            blobBaseFee,
            keccak256("l1 block"),
            bytes32(uint256(0xba7c4e2))
        );
        vm.prank(DEPOSITOR);
        (bool ok,) = L1_BLOCK.call(data);
        vm.assertTrue(ok, "L1 attributes set");
    }

    /// @dev docs/fees.md's estimatedSize, written unsigned: max(100e6, 717700 * size - 36540000).
    function refEstimatedSize(uint256 flzSize) internal pure returns (uint256) {
        uint256 linear = 717_700 * flzSize;
        return linear > 136_540_000 ? linear - 36_540_000 : 100_000_000;
    }

    function refL1Fee(
        uint256 flzSize,
        uint256 baseFeeScalar,
        uint256 l1BaseFee,
        uint256 blobBaseFeeScalar,
        uint256 blobBaseFee
    ) internal pure returns (uint256) {
        uint256 l1FeeScaled = baseFeeScalar * l1BaseFee * 16 + blobBaseFeeScalar * blobBaseFee;
        return refEstimatedSize(flzSize) * l1FeeScaled / 1e12;
    }

    function counting(uint256 n) internal pure returns (bytes memory out) {
        out = new bytes(n);
        for (uint256 i = 0; i < n; i++) {
            // forge-lint: disable-next-line(unsafe-typecast)
            out[i] = bytes1(uint8(i));
        }
    }

    function test_genesisArtifactMatchesSource() public {
        bytes memory compiled = address(new GasPriceOracle()).code;
        vm.assertEq(
            compiled, predeployCode("GasPriceOracle"), "GasPriceOracle.hex is stale: run tools/build-predeploys.sh"
        );
    }

    function test_constants() public view {
        vm.assertEq(oracle.decimals(), 6, "decimals");
        vm.assertEq(oracle.DECIMALS(), 6, "DECIMALS");
        vm.assertTrue(oracle.isEcotone(), "isEcotone");
        vm.assertTrue(oracle.isFjord(), "isFjord");
        vm.assertEq(oracle.version(), "1.0.0", "version");
    }

    function test_overhead_reverts() public {
        vm.expectRevert(GasPriceOracle.GasPriceOracle_Deprecated.selector);
        oracle.overhead();
    }

    function test_scalar_reverts() public {
        vm.expectRevert(GasPriceOracle.GasPriceOracle_Deprecated.selector);
        oracle.scalar();
    }

    function test_readsL1Block() public view {
        vm.assertEq(oracle.l1BaseFee(), L1_BASE_FEE, "l1BaseFee");
        vm.assertEq(oracle.blobBaseFee(), BLOB_BASE_FEE, "blobBaseFee");
        vm.assertEq(uint256(oracle.baseFeeScalar()), BASE_FEE_SCALAR, "baseFeeScalar");
        vm.assertEq(uint256(oracle.blobBaseFeeScalar()), BLOB_BASE_FEE_SCALAR, "blobBaseFeeScalar");
    }

    function testFuzz_gasPriceAndBaseFee(uint64 basefee) public {
        VmFee(address(vm)).fee(basefee);
        vm.assertEq(oracle.gasPrice(), basefee, "gasPrice");
        vm.assertEq(oracle.baseFee(), basefee, "baseFee");
    }

    /// @notice This chain charges no operator fee: `getOperatorFee` is 0 for any gas, as is
    ///         `L1Block`'s operator fee configuration.
    function testFuzz_getOperatorFee_isZero(uint256 _gasUsed) external view {
        vm.assertEq(oracle.getOperatorFee(_gasUsed), 0, "operator fee");
        vm.assertEq(uint256(L1Block(L1_BLOCK).operatorFeeScalar()), 0, "operator fee scalar");
        vm.assertEq(uint256(L1Block(L1_BLOCK).operatorFeeConstant()), 0, "operator fee constant");
    }

    /// @notice 0..255 twice: FastLZ 273, flzSize 341,
    ///         estimatedSize = 717700 * 341 - 36540000 = 208_195_700,
    ///         l1Fee = 208_195_700 * 1_467_589e9 / 1e12 = 305_545_719_167 (rounded down),
    ///         l1GasUsed = 208_195_700 * 16 / 1e6 = 3331.
    function test_getL1Fee_handComputed() public view {
        bytes memory data = bytes.concat(counting(256), counting(256));
        vm.assertEq(oracle.getL1Fee(data), 305_545_719_167, "l1Fee");
        vm.assertEq(oracle.getL1GasUsed(data), 3331, "l1GasUsed");
    }

    /// @notice 20000 zero bytes: FastLZ 240, flzSize 308, estimatedSize 184_511_600,
    ///         l1Fee = 184_511_600 * 1_467_589e9 / 1e12 = 270_787_194_532 (rounded down).
    function test_getL1Fee_handComputedRoundsDown() public view {
        bytes memory data = new bytes(20_000);
        vm.assertEq(oracle.getL1Fee(data), 270_787_194_532, "l1Fee");
        vm.assertEq(oracle.getL1GasUsed(data), 2952, "l1GasUsed");
    }

    /// @notice Empty data: flzSize 68, 717700 * 68 - 36540000 = 12_263_600 < 100e6: clamped.
    function test_getL1Fee_minSizeClamp() public view {
        vm.assertEq(oracle.getL1Fee(""), 146_758_900_000, "100e6 * 1_467_589e9 / 1e12");
        vm.assertEq(oracle.getL1GasUsed(""), 1600, "100 bytes at 16 gas");
    }

    /// @notice The clamp ends between flzSize 190 (99_823_000, clamped) and 191 (100_540_700).
    function test_getL1Fee_minSizeBoundary() public view {
        bytes memory clamped = counting(118); // FastLZ 122: flzSize 190
        bytes memory above = counting(119); // FastLZ 123: flzSize 191
        vm.assertEq(FastLZ.compressedLength(clamped), 122, "118 literals");
        vm.assertEq(FastLZ.compressedLength(above), 123, "119 literals");
        vm.assertEq(oracle.getL1Fee(clamped), 146_758_900_000, "clamped to 100 bytes");
        vm.assertEq(oracle.getL1GasUsed(clamped), 1600, "clamped gas");
        // 100_540_700 * 1_467_589e9 / 1e12 = 147_552_425_372 (rounded down)
        vm.assertEq(oracle.getL1Fee(above), 147_552_425_372, "just above the clamp");
        vm.assertEq(oracle.getL1GasUsed(above), 1608, "100_540_700 * 16 / 1e6");
    }

    function test_estimatedSize_signedIntercept() public view {
        for (uint256 size = 0; size <= 400; size++) {
            vm.assertEq(harness.estimatedSize(size), refEstimatedSize(size), "estimatedSize");
        }
        vm.assertEq(harness.estimatedSize(0), 100e6, "intercept alone is negative: clamped");
        vm.assertEq(harness.estimatedSize(190), 100e6, "190 clamped");
        vm.assertEq(harness.estimatedSize(191), 100_540_700, "191 above");
    }

    function test_estimatedSize_hugeSizes_revert() public {
        // The slope term exceeds type(int256).max.
        vm.expectRevert(L1DataFee.L1DataFee_SizeTooLarge.selector);
        harness.estimatedSize(uint256(1) << 236);
        // The slope term overflows uint256.
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x11));
        harness.estimatedSize(type(uint256).max / 700_000);
    }

    function test_zeroFeeParameters() public {
        setL1Values(0, 0, L1_BASE_FEE, BLOB_BASE_FEE);
        vm.assertEq(oracle.getL1Fee(counting(200)), 0, "no scalars: no fee");
        setL1Values(BASE_FEE_SCALAR, BLOB_BASE_FEE_SCALAR, 0, 0);
        vm.assertEq(oracle.getL1Fee(counting(200)), 0, "no L1 fees: no fee");
    }

    /// @notice (1000 + 68) + (1000 + 68) / 255 + 16 = 1088, estimatedSize 867_526_400,
    ///         fee = 867_526_400 * 1_467_589e9 / 1e12 = 1_273_172_201_849.
    function test_getL1FeeUpperBound_handComputed() public view {
        // 1068 + 1068 / 255 + 16 = 1088; (717700 * 1088 - 36540000) * 1_467_589e9 / 1e12
        vm.assertEq(oracle.getL1FeeUpperBound(1000), 1_092_352_322_266, "upper bound");
        vm.assertEq(oracle.getL1FeeUpperBound(0), refL1Fee(84, 1368, 30 gwei, 810_949, 1 gwei), "68 + 0 + 16");
    }

    function test_getL1FeeUpperBound_overflow_reverts() public {
        vm.expectRevert(abi.encodeWithSignature("Panic(uint256)", 0x11));
        oracle.getL1FeeUpperBound(type(uint256).max);
    }

    function testFuzz_getL1Fee_matchesReference(
        bytes memory data,
        uint32 baseFeeScalar,
        uint32 blobBaseFeeScalar,
        uint128 l1BaseFee,
        uint128 blobBaseFee
    ) public {
        setL1Values(baseFeeScalar, blobBaseFeeScalar, l1BaseFee, blobBaseFee);
        uint256 flzSize = FastLZ.compressedLength(data) + 68;
        vm.assertEq(
            oracle.getL1Fee(data),
            refL1Fee(flzSize, baseFeeScalar, l1BaseFee, blobBaseFeeScalar, blobBaseFee),
            "getL1Fee"
        );
        vm.assertEq(oracle.getL1GasUsed(data), refEstimatedSize(flzSize) * 16 / 1e6, "getL1GasUsed");
    }

    function testFuzz_getL1FeeUpperBound_matchesReference(
        uint64 size,
        uint32 baseFeeScalar,
        uint32 blobBaseFeeScalar,
        uint128 l1BaseFee,
        uint128 blobBaseFee
    ) public {
        setL1Values(baseFeeScalar, blobBaseFeeScalar, l1BaseFee, blobBaseFee);
        uint256 txSize = uint256(size) + 68;
        uint256 bound = txSize + txSize / 255 + 16;
        vm.assertEq(
            oracle.getL1FeeUpperBound(size),
            refL1Fee(bound, baseFeeScalar, l1BaseFee, blobBaseFeeScalar, blobBaseFee),
            "getL1FeeUpperBound"
        );
    }

    function testFuzz_l1Cost_matchesReference(
        uint32 flzSize,
        uint32 baseFeeScalar,
        uint32 blobBaseFeeScalar,
        uint128 l1BaseFee,
        uint128 blobBaseFee
    ) public {
        setL1Values(baseFeeScalar, blobBaseFeeScalar, l1BaseFee, blobBaseFee);
        vm.assertEq(
            harness.l1Cost(flzSize),
            refL1Fee(flzSize, baseFeeScalar, l1BaseFee, blobBaseFeeScalar, blobBaseFee),
            "l1Cost"
        );
    }
}
