// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PredeployArtifacts} from "../utils/PredeployArtifacts.sol";
import {L2ToL1MessagePasser} from "../../src/L2/L2ToL1MessagePasser.sol";

/// @notice Tests the L2ToL1MessagePasser exactly as it is put into the L2 genesis: the runtime
///         bytecode is read from core/src/genesis/predeploys/L2ToL1MessagePasser.hex and etched
///         at the predeploy address.
contract L2ToL1MessagePasserTest is PredeployArtifacts {
    address internal constant PREDEPLOY = 0x4200000000000000000000000000000000000016;

    L2ToL1MessagePasser internal passer;
    address internal alice = address(0xA11CE);
    address internal l1Target = address(0xB0B);

    function setUp() public {
        vm.etch(PREDEPLOY, genesisCode());
        passer = L2ToL1MessagePasser(payable(PREDEPLOY));
        vm.deal(alice, 100 ether);
    }

    function genesisCode() internal view returns (bytes memory) {
        return predeployCode("L2ToL1MessagePasser");
    }

    function test_genesisArtifactMatchesSource() public {
        bytes memory compiled = address(new L2ToL1MessagePasser()).code;
        vm.assertEq(compiled, genesisCode(), "L2ToL1MessagePasser.hex is stale: run tools/build-predeploys.sh");
    }

    function test_initialState() public view {
        vm.assertEq(passer.messageNonce(), uint256(1) << 240, "nonce 0 with version 1");
        vm.assertEq(passer.totalBurnt(), 0, "nothing burnt");
        vm.assertEq(passer.version(), "1.0.0", "version");
        vm.assertEq(uint256(passer.MESSAGE_VERSION()), 1, "message version");
    }

    function test_initiateWithdrawal_recordsHashAndEmits() public {
        bytes memory data = hex"deadbeef";
        uint256 nonce = passer.messageNonce();
        bytes32 expected = keccak256(abi.encode(nonce, alice, l1Target, uint256(1 ether), uint256(200_000), data));

        vm.expectEmit(true, true, true, true, PREDEPLOY);
        emit L2ToL1MessagePasser.MessagePassed(nonce, alice, l1Target, 1 ether, 200_000, data, expected);
        vm.prank(alice);
        passer.initiateWithdrawal{value: 1 ether}(l1Target, 200_000, data);

        vm.assertTrue(passer.sentMessages(expected), "hash recorded");
        vm.assertEq(passer.hashWithdrawal(nonce, alice, l1Target, 1 ether, 200_000, data), expected, "hashWithdrawal");
        vm.assertEq(passer.messageNonce(), nonce + 1, "nonce incremented");
        vm.assertEq(PREDEPLOY.balance, 1 ether, "value held");
    }

    function test_storageLayout_slot0CommitsToWithdrawalHashes() public {
        uint256 nonce = passer.messageNonce();
        vm.prank(alice);
        passer.initiateWithdrawal{value: 3}(l1Target, 50_000, hex"");
        bytes32 hash = keccak256(abi.encode(nonce, alice, l1Target, uint256(3), uint256(50_000), hex""));

        bytes32 slot = keccak256(abi.encode(hash, uint256(0)));
        vm.assertEq(vm.load(PREDEPLOY, slot), bytes32(uint256(1)), "sentMessages[hash] at slot 0");
        vm.assertEq(vm.load(PREDEPLOY, bytes32(uint256(1))), bytes32(uint256(1)), "msgNonce at slot 1");
    }

    function test_receive_withdrawsToSender() public {
        uint256 nonce = passer.messageNonce();
        bytes32 expected = keccak256(abi.encode(nonce, alice, alice, uint256(2 ether), uint256(100_000), hex""));

        vm.expectEmit(true, true, true, true, PREDEPLOY);
        emit L2ToL1MessagePasser.MessagePassed(nonce, alice, alice, 2 ether, 100_000, hex"", expected);
        vm.prank(alice);
        (bool ok,) = PREDEPLOY.call{value: 2 ether}("");

        vm.assertTrue(ok, "plain transfer accepted");
        vm.assertTrue(passer.sentMessages(expected), "hash recorded");
    }

    function test_burn_declaresHeldEthOnce() public {
        vm.prank(alice);
        passer.initiateWithdrawal{value: 5 ether}(l1Target, 0, hex"");

        vm.expectEmit(true, true, true, true, PREDEPLOY);
        emit L2ToL1MessagePasser.WithdrawerBalanceBurnt(5 ether);
        passer.burn();
        vm.assertEq(passer.totalBurnt(), 5 ether, "total burnt");
        vm.assertEq(PREDEPLOY.balance, 5 ether, "ETH stays locked in the predeploy");

        vm.expectEmit(true, true, true, true, PREDEPLOY);
        emit L2ToL1MessagePasser.WithdrawerBalanceBurnt(0);
        passer.burn();
        vm.assertEq(passer.totalBurnt(), 5 ether, "not counted twice");
    }

    function testFuzz_initiateWithdrawal(address target, uint256 gasLimit, bytes calldata data, uint96 value) public {
        vm.deal(alice, value);
        uint256 nonce = passer.messageNonce();
        vm.prank(alice);
        passer.initiateWithdrawal{value: value}(target, gasLimit, data);

        bytes32 hash = keccak256(abi.encode(nonce, alice, target, uint256(value), gasLimit, data));
        vm.assertTrue(passer.sentMessages(hash), "hash recorded");
        vm.assertEq(passer.messageNonce(), nonce + 1, "nonce incremented");
    }

    function testFuzz_versionedNonceRoundTrip(uint240 nonce, uint16 version) public view {
        uint256 encoded = passer.encodeVersionedNonce(nonce, version);
        vm.assertEq(encoded >> 240, uint256(version), "version in top 16 bits");
        (uint240 n, uint16 v) = passer.decodeVersionedNonce(encoded);
        vm.assertEq(uint256(n), uint256(nonce), "nonce");
        vm.assertEq(uint256(v), uint256(version), "version");
    }
}
