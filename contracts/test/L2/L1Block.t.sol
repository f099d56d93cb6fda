// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PredeployArtifacts} from "../utils/PredeployArtifacts.sol";
import {L1Block} from "../../src/L2/L1Block.sol";

/// @notice Tests the L1Block predeploy exactly as it is put into the L2 genesis: the runtime
///         bytecode is read from core/src/genesis/predeploys/L1Block.hex and etched at the
///         predeploy address. The storage checks read raw slots against the layout of
///         docs/fees.md.
contract L1BlockTest is PredeployArtifacts {
    address internal constant PREDEPLOY = 0x4200000000000000000000000000000000000015;
    address internal constant DEPOSITOR = 0xDeaDDEaDDeAdDeAdDEAdDEaddeAddEAdDEAd0001;

    L1Block internal l1Block;

    function setUp() public {
        vm.etch(PREDEPLOY, genesisCode());
        l1Block = L1Block(PREDEPLOY);
    }

    function genesisCode() internal view returns (bytes memory) {
        return predeployCode("L1Block");
    }

    /// @dev The deposit's calldata: the selector and the values packed big-endian.
    function packed(
        uint32 baseFeeScalar,
        uint32 blobBaseFeeScalar,
        uint64 sequenceNumber,
        uint64 timestamp,
        uint64 number,
        uint256 basefee,
        uint256 blobBaseFee,
        bytes32 hash,
        bytes32 batcherHash
    ) internal pure returns (bytes memory) {
        return abi.encodePacked(
            bytes4(0x440a5e20),
            baseFeeScalar,
            blobBaseFeeScalar,
            sequenceNumber,
            timestamp,
            number,
            basefee,
            blobBaseFee,
            hash,
            batcherHash
        );
    }

    function slot(uint256 index) internal view returns (bytes32) {
        return vm.load(PREDEPLOY, bytes32(index));
    }

    function test_genesisArtifactMatchesSource() public {
        bytes memory compiled = address(new L1Block()).code;
        vm.assertEq(compiled, genesisCode(), "L1Block.hex is stale: run tools/build-predeploys.sh");
    }

    function test_selector() public pure {
        vm.assertEq(bytes32(L1Block.setL1BlockValuesEcotone.selector), bytes32(bytes4(0x440a5e20)), "setter selector");
        vm.assertEq(
            bytes32(bytes4(keccak256("setL1BlockValuesEcotone()"))), bytes32(bytes4(0x440a5e20)), "selector preimage"
        );
    }

    function test_initialState() public view {
        vm.assertEq(uint256(l1Block.number()), 0, "number");
        vm.assertEq(uint256(l1Block.timestamp()), 0, "timestamp");
        vm.assertEq(l1Block.basefee(), 0, "basefee");
        vm.assertEq(l1Block.hash(), bytes32(0), "hash");
        vm.assertEq(uint256(l1Block.sequenceNumber()), 0, "sequenceNumber");
        vm.assertEq(uint256(l1Block.blobBaseFeeScalar()), 0, "blobBaseFeeScalar");
        vm.assertEq(uint256(l1Block.baseFeeScalar()), 0, "baseFeeScalar");
        vm.assertEq(l1Block.batcherHash(), bytes32(0), "batcherHash");
        vm.assertEq(l1Block.l1FeeOverhead(), 0, "l1FeeOverhead");
        vm.assertEq(l1Block.l1FeeScalar(), 0, "l1FeeScalar");
        vm.assertEq(l1Block.blobBaseFee(), 0, "blobBaseFee");
        vm.assertEq(l1Block.DEPOSITOR_ACCOUNT(), DEPOSITOR, "depositor");
        vm.assertEq(l1Block.version(), "1.0.0", "version");
    }

    /// @notice Hand-written calldata and hand-written slot words (docs/fees.md).
    function test_setL1BlockValuesEcotone_handValues() public {
        bytes memory data = hex"440a5e20" // selector
            hex"00000558" // baseFeeScalar 1368
            hex"000c5fc5" // blobBaseFeeScalar 810949
            hex"0000000000000003" // sequenceNumber 3
            hex"000000006553f100" // timestamp 1_700_000_000
            hex"000000000112a880" // number 18_000_000
            hex"00000000000000000000000000000000000000000000000000000006fc23ac00" // basefee 30 gwei
            hex"000000000000000000000000000000000000000000000000000000003b9aca00" // blobBaseFee 1 gwei
            hex"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" // hash
            hex"0000000000000000000000006887246668a3b87f54deb3b94ba47a6f63f32985"; // batcherHash
        vm.assertEq(data.length, 164, "deposit data is 164 bytes");

        vm.prank(DEPOSITOR);
        (bool ok,) = PREDEPLOY.call(data);
        vm.assertTrue(ok, "depositor can set");

        // Getters.
        vm.assertEq(uint256(l1Block.baseFeeScalar()), 1368, "baseFeeScalar");
        vm.assertEq(uint256(l1Block.blobBaseFeeScalar()), 810_949, "blobBaseFeeScalar");
        vm.assertEq(uint256(l1Block.sequenceNumber()), 3, "sequenceNumber");
        vm.assertEq(uint256(l1Block.timestamp()), 1_700_000_000, "timestamp");
        vm.assertEq(uint256(l1Block.number()), 18_000_000, "number");
        vm.assertEq(l1Block.basefee(), 30 gwei, "basefee");
        vm.assertEq(l1Block.blobBaseFee(), 1 gwei, "blobBaseFee");
        vm.assertEq(l1Block.hash(), bytes32(type(uint256).max / 0xff * 0xaa), "hash");
        vm.assertEq(
            l1Block.batcherHash(), bytes32(uint256(uint160(0x6887246668a3b87F54DeB3b94Ba47a6f63F32985))), "batcherHash"
        );

        // Raw slots.
        vm.assertEq(
            slot(0), hex"00000000000000000000000000000000000000006553f100000000000112a880", "slot 0: timestamp | number"
        );
        vm.assertEq(slot(1), bytes32(uint256(30 gwei)), "slot 1: basefee");
        vm.assertEq(slot(2), hex"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "slot 2: hash");
        vm.assertEq(
            slot(3),
            hex"0000000000000000000000000000000000000558000c5fc50000000000000003",
            "slot 3: baseFeeScalar | blobBaseFeeScalar | sequenceNumber"
        );
        vm.assertEq(
            slot(4), hex"0000000000000000000000006887246668a3b87f54deb3b94ba47a6f63f32985", "slot 4: batcherHash"
        );
        vm.assertEq(slot(5), bytes32(0), "slot 5 unused");
        vm.assertEq(slot(6), bytes32(0), "slot 6 unused");
        vm.assertEq(slot(7), bytes32(uint256(1 gwei)), "slot 7: blobBaseFee");
        vm.assertEq(slot(8), bytes32(0), "nothing beyond slot 7");
    }

    function test_setL1BlockValuesEcotone_notDepositor_reverts() public {
        bytes memory data = packed(1, 2, 3, 4, 5, 6, 7, bytes32(uint256(8)), bytes32(uint256(9)));
        vm.expectRevert(L1Block.L1Block_NotDepositor.selector);
        (bool ok,) = PREDEPLOY.call(data);
        vm.assertTrue(ok, "expectRevert consumed the revert");
        vm.assertEq(slot(3), bytes32(0), "nothing stored");
    }

    function testFuzz_setL1BlockValuesEcotone_notDepositor_reverts(address caller, bytes calldata rest) public {
        vm.assume(caller != DEPOSITOR);
        vm.prank(caller);
        vm.expectRevert(L1Block.L1Block_NotDepositor.selector);
        (bool ok,) = PREDEPLOY.call(bytes.concat(bytes4(0x440a5e20), rest));
        vm.assertTrue(ok, "expectRevert consumed the revert");
    }

    function test_setL1BlockValuesEcotone_withValue_reverts() public {
        bytes memory data = packed(1, 2, 3, 4, 5, 6, 7, bytes32(uint256(8)), bytes32(uint256(9)));
        vm.deal(DEPOSITOR, 1 ether);
        vm.prank(DEPOSITOR);
        (bool ok,) = PREDEPLOY.call{value: 1}(data);
        vm.assertFalse(ok, "not payable");
    }

    function testFuzz_setL1BlockValuesEcotone(
        uint32 baseFeeScalar,
        uint32 blobBaseFeeScalar,
        uint64 sequenceNumber,
        uint64 timestamp,
        uint64 number,
        uint256 basefee,
        uint256 blobBaseFee,
        bytes32 hash,
        bytes32 batcherHash
    ) public {
        // Dirty every slot first: the setter must overwrite whole words.
        vm.prank(DEPOSITOR);
        (bool ok,) = PREDEPLOY.call(
            packed(
                type(uint32).max,
                type(uint32).max,
                type(uint64).max,
                type(uint64).max,
                type(uint64).max,
                type(uint256).max,
                type(uint256).max,
                bytes32(type(uint256).max),
                bytes32(type(uint256).max)
            )
        );
        vm.assertTrue(ok, "first set");

        vm.prank(DEPOSITOR);
        (ok,) = PREDEPLOY.call(
            packed(
                baseFeeScalar,
                blobBaseFeeScalar,
                sequenceNumber,
                timestamp,
                number,
                basefee,
                blobBaseFee,
                hash,
                batcherHash
            )
        );
        vm.assertTrue(ok, "second set");

        vm.assertEq(uint256(l1Block.baseFeeScalar()), baseFeeScalar, "baseFeeScalar");
        vm.assertEq(uint256(l1Block.blobBaseFeeScalar()), blobBaseFeeScalar, "blobBaseFeeScalar");
        vm.assertEq(uint256(l1Block.sequenceNumber()), sequenceNumber, "sequenceNumber");
        vm.assertEq(uint256(l1Block.timestamp()), timestamp, "timestamp");
        vm.assertEq(uint256(l1Block.number()), number, "number");
        vm.assertEq(l1Block.basefee(), basefee, "basefee");
        vm.assertEq(l1Block.blobBaseFee(), blobBaseFee, "blobBaseFee");
        vm.assertEq(l1Block.hash(), hash, "hash");
        vm.assertEq(l1Block.batcherHash(), batcherHash, "batcherHash");

        vm.assertEq(slot(0), bytes32((uint256(timestamp) << 64) | uint256(number)), "slot 0");
        vm.assertEq(slot(1), bytes32(basefee), "slot 1");
        vm.assertEq(slot(2), hash, "slot 2");
        vm.assertEq(
            slot(3),
            bytes32((uint256(baseFeeScalar) << 96) | (uint256(blobBaseFeeScalar) << 64) | uint256(sequenceNumber)),
            "slot 3"
        );
        vm.assertEq(slot(4), batcherHash, "slot 4");
        vm.assertEq(slot(5), bytes32(0), "slot 5");
        vm.assertEq(slot(6), bytes32(0), "slot 6");
        vm.assertEq(slot(7), bytes32(blobBaseFee), "slot 7");
    }
}
