// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/TestBase.sol";
import {Vm} from "../utils/Vm.sol";
import {SystemConfig} from "../../src/L1/SystemConfig.sol";

contract SystemConfigTest is TestBase {
    SystemConfig internal config;
    address internal owner = address(0x0A11);
    address internal alice = address(0xA11CE);
    bytes32 internal batcherHash = bytes32(uint256(uint160(address(0xBA7C))));
    uint32 internal constant BASEFEE_SCALAR = 1368;
    uint32 internal constant BLOBBASEFEE_SCALAR = 810_949;

    /// @dev keccak256("ConfigUpdate(uint256,uint8,bytes)"): the OP Stack's topic 0.
    bytes32 internal constant CONFIG_UPDATE_TOPIC = 0x1d2b0bda21d56b8bd12d4f94ebacffdfb35f5e226f84b461103bb8beab6353be;

    function setUp() public {
        vm.roll(500);
        config = new SystemConfig(owner, batcherHash, BASEFEE_SCALAR, BLOBBASEFEE_SCALAR);
    }

    /// @dev OP's Ecotone scalar, assembled byte by byte (big-endian) rather than with shifts.
    function _ecotoneScalar(uint32 basefee, uint32 blobbasefee) internal pure returns (uint256) {
        bytes memory word = new bytes(32);
        word[0] = 0x01;
        for (uint256 i = 0; i < 4; i++) {
            word[24 + i] = bytes4(blobbasefee)[i];
            word[28 + i] = bytes4(basefee)[i];
        }
        return abi.decode(word, (uint256));
    }

    function test_constructor_setsParameters_succeeds() public view {
        vm.assertEq(config.owner(), owner, "owner");
        vm.assertEq(config.batcherHash(), batcherHash, "batcher hash");
        vm.assertEq(uint256(config.basefeeScalar()), BASEFEE_SCALAR, "basefee scalar");
        vm.assertEq(uint256(config.blobbasefeeScalar()), BLOBBASEFEE_SCALAR, "blobbasefee scalar");
        vm.assertEq(config.scalar(), _ecotoneScalar(BASEFEE_SCALAR, BLOBBASEFEE_SCALAR), "scalar");
        vm.assertEq(config.VERSION(), 0, "event version");
        vm.assertEq(config.version(), "1.0.0", "semver");
        vm.assertEq(config.startBlock(), 500, "start block");
    }

    function test_scalar_layout_succeeds() public view {
        // 0x01, 23 zero bytes, blobbasefeeScalar (810949 = 0x000c5fc5), basefeeScalar (1368 = 0x00000558).
        vm.assertEq(
            bytes32(config.scalar()), 0x010000000000000000000000000000000000000000000000000c5fc500000558, "bytes"
        );
    }

    function test_configUpdateTopic_matchesOp_succeeds() public pure {
        // The enum is a uint8 in the ABI signature, as in the OP Stack.
        vm.assertEq(keccak256("ConfigUpdate(uint256,uint8,bytes)"), CONFIG_UPDATE_TOPIC, "topic");
        vm.assertEq(SystemConfig.ConfigUpdate.selector, CONFIG_UPDATE_TOPIC, "event selector");
    }

    function test_constructor_emitsEveryUpdateInTypeOrder_succeeds() public {
        vm.recordLogs();
        SystemConfig c = new SystemConfig(alice, bytes32(uint256(7)), 11, 22);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        vm.assertEq(logs.length, 3, "three logs");

        vm.assertEq(logs[0].topics[0], SystemConfig.OwnershipTransferred.selector, "ownership first");
        vm.assertEq(logs[0].topics[1], bytes32(0), "from zero");
        vm.assertEq(logs[0].topics[2], bytes32(uint256(uint160(alice))), "to alice");

        vm.assertEq(logs[1].emitter, address(c), "emitter");
        vm.assertEq(logs[1].topics.length, 3, "two indexed arguments");
        vm.assertEq(logs[1].topics[0], CONFIG_UPDATE_TOPIC, "ConfigUpdate");
        vm.assertEq(logs[1].topics[1], bytes32(0), "version 0");
        vm.assertEq(logs[1].topics[2], bytes32(0), "BATCHER");
        vm.assertEq(logs[1].data, abi.encode(abi.encode(bytes32(uint256(7)))), "batcher data");

        vm.assertEq(logs[2].topics[0], CONFIG_UPDATE_TOPIC, "ConfigUpdate");
        vm.assertEq(logs[2].topics[1], bytes32(0), "version 0");
        vm.assertEq(logs[2].topics[2], bytes32(uint256(1)), "FEE_SCALARS");
        vm.assertEq(logs[2].data, abi.encode(abi.encode(uint256(0), _ecotoneScalar(11, 22))), "scalars data");
    }

    function test_constructor_exactLogData_succeeds() public {
        // The `bytes data` argument as it appears on the wire: offset, length, payload.
        vm.recordLogs();
        new SystemConfig(alice, bytes32(uint256(0xBA7C)), 0x0558, 0x0c5fc5);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        vm.assertEq(
            logs[1].data,
            hex"0000000000000000000000000000000000000000000000000000000000000020"
            hex"0000000000000000000000000000000000000000000000000000000000000020"
            hex"000000000000000000000000000000000000000000000000000000000000ba7c",
            "BATCHER wire data"
        );
        vm.assertEq(
            logs[2].data,
            hex"0000000000000000000000000000000000000000000000000000000000000020"
            hex"0000000000000000000000000000000000000000000000000000000000000040"
            hex"0000000000000000000000000000000000000000000000000000000000000000"
            hex"010000000000000000000000000000000000000000000000000c5fc500000558",
            "FEE_SCALARS wire data"
        );
    }

    function test_constructor_zeroOwner_reverts() public {
        vm.expectRevert(SystemConfig.SystemConfig_ZeroAddress.selector);
        new SystemConfig(address(0), batcherHash, 1, 2);
    }

    function test_setBatcherHash_byOwner_succeeds() public {
        bytes32 next = bytes32(uint256(uint160(alice)));
        vm.expectEmit(true, true, true, true, address(config));
        emit SystemConfig.ConfigUpdate(0, SystemConfig.UpdateType.BATCHER, abi.encode(next));
        vm.prank(owner);
        config.setBatcherHash(next);
        vm.assertEq(config.batcherHash(), next, "batcher hash");
    }

    function test_setBatcherHash_notOwner_reverts() public {
        vm.expectRevert(SystemConfig.SystemConfig_NotOwner.selector);
        vm.prank(alice);
        config.setBatcherHash(bytes32(uint256(1)));
        vm.assertEq(config.batcherHash(), batcherHash, "unchanged");
    }

    function test_setGasConfigEcotone_byOwner_succeeds() public {
        vm.expectEmit(true, true, true, true, address(config));
        emit SystemConfig.ConfigUpdate(
            0, SystemConfig.UpdateType.FEE_SCALARS, abi.encode(uint256(0), _ecotoneScalar(7, 9))
        );
        vm.prank(owner);
        config.setGasConfigEcotone(7, 9);
        vm.assertEq(uint256(config.basefeeScalar()), 7, "basefee scalar");
        vm.assertEq(uint256(config.blobbasefeeScalar()), 9, "blobbasefee scalar");
        vm.assertEq(config.scalar(), _ecotoneScalar(7, 9), "scalar");
    }

    function test_setGasConfigEcotone_notOwner_reverts() public {
        vm.expectRevert(SystemConfig.SystemConfig_NotOwner.selector);
        vm.prank(alice);
        config.setGasConfigEcotone(1, 1);
    }

    function test_transferOwnership_byOwner_succeeds() public {
        vm.expectEmit(true, true, true, true, address(config));
        emit SystemConfig.OwnershipTransferred(owner, alice);
        vm.prank(owner);
        config.transferOwnership(alice);
        vm.assertEq(config.owner(), alice, "owner");

        // The old owner lost every right, the new one has them.
        vm.expectRevert(SystemConfig.SystemConfig_NotOwner.selector);
        vm.prank(owner);
        config.setGasConfigEcotone(1, 1);
        vm.prank(alice);
        config.setGasConfigEcotone(1, 1);
    }

    function test_transferOwnership_notOwner_reverts() public {
        vm.expectRevert(SystemConfig.SystemConfig_NotOwner.selector);
        vm.prank(alice);
        config.transferOwnership(alice);
    }

    function test_transferOwnership_zeroAddress_reverts() public {
        vm.expectRevert(SystemConfig.SystemConfig_ZeroAddress.selector);
        vm.prank(owner);
        config.transferOwnership(address(0));
    }

    /// @notice What a derivation reader does: replay the `ConfigUpdate` logs from `startBlock`
    ///         and arrive at the contract's current state.
    function test_logsAlone_rebuildConfig_succeeds() public {
        vm.recordLogs();
        SystemConfig c = new SystemConfig(owner, batcherHash, 1, 2);
        vm.startPrank(owner);
        c.setGasConfigEcotone(3, 4);
        c.setBatcherHash(bytes32(uint256(uint160(alice))));
        c.setGasConfigEcotone(type(uint32).max, 0);
        vm.stopPrank();

        bytes32 seenBatcherHash;
        uint256 seenScalar;
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i = 0; i < logs.length; i++) {
            if (logs[i].emitter != address(c) || logs[i].topics[0] != CONFIG_UPDATE_TOPIC) continue;
            vm.assertEq(uint256(logs[i].topics[1]), 0, "version 0");
            bytes memory data = abi.decode(logs[i].data, (bytes));
            if (uint256(logs[i].topics[2]) == 0) {
                seenBatcherHash = abi.decode(data, (bytes32));
            } else {
                (uint256 overhead, uint256 packed) = abi.decode(data, (uint256, uint256));
                vm.assertEq(overhead, 0, "overhead");
                seenScalar = packed;
            }
        }
        vm.assertEq(seenBatcherHash, c.batcherHash(), "batcher hash from logs");
        vm.assertEq(seenScalar, c.scalar(), "scalar from logs");
        vm.assertEq(seenScalar & 0xffffffff, uint256(c.basefeeScalar()), "basefee scalar from logs");
        vm.assertEq((seenScalar >> 32) & 0xffffffff, uint256(c.blobbasefeeScalar()), "blob scalar from logs");
    }

    function testFuzz_setGasConfigEcotone_anyScalars_packsAsOp(uint32 basefee, uint32 blobbasefee) public {
        vm.expectEmit(true, true, true, true, address(config));
        emit SystemConfig.ConfigUpdate(
            0, SystemConfig.UpdateType.FEE_SCALARS, abi.encode(uint256(0), _ecotoneScalar(basefee, blobbasefee))
        );
        vm.prank(owner);
        config.setGasConfigEcotone(basefee, blobbasefee);
        uint256 s = config.scalar();
        vm.assertEq(s, _ecotoneScalar(basefee, blobbasefee), "layout");
        vm.assertEq(s >> 248, 1, "version byte");
        vm.assertEq((s >> 64) & ((1 << 184) - 1), 0, "bytes 1..24 zero");
        vm.assertEq(s & 0xffffffff, basefee, "basefee in bytes 28..32");
        vm.assertEq((s >> 32) & 0xffffffff, blobbasefee, "blobbasefee in bytes 24..28");
    }

    function testFuzz_setBatcherHash_anyHash_succeeds(bytes32 hash) public {
        vm.expectEmit(true, true, true, true, address(config));
        emit SystemConfig.ConfigUpdate(0, SystemConfig.UpdateType.BATCHER, abi.encode(hash));
        vm.prank(owner);
        config.setBatcherHash(hash);
        vm.assertEq(config.batcherHash(), hash, "stored");
    }

    function testFuzz_setters_notOwner_revert(address caller, bytes32 hash, uint32 a, uint32 b) public {
        vm.assume(caller != owner);
        vm.startPrank(caller);
        vm.expectRevert(SystemConfig.SystemConfig_NotOwner.selector);
        config.setBatcherHash(hash);
        vm.expectRevert(SystemConfig.SystemConfig_NotOwner.selector);
        config.setGasConfigEcotone(a, b);
        vm.expectRevert(SystemConfig.SystemConfig_NotOwner.selector);
        config.transferOwnership(caller);
        vm.stopPrank();
        vm.assertEq(config.owner(), owner, "owner unchanged");
        vm.assertEq(config.scalar(), _ecotoneScalar(BASEFEE_SCALAR, BLOBBASEFEE_SCALAR), "scalar unchanged");
    }
}
