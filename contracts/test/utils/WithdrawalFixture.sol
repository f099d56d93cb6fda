// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./TestBase.sol";
import {Types} from "../../src/libraries/Types.sol";

/// @title WithdrawalFixture
/// @notice Reads test/fixtures/withdrawal-proofs.json: withdrawals initiated on the rollup's L2
///         node and the node's `eth_getProof` answers for them (see gen-withdrawal-proofs.js).
abstract contract WithdrawalFixture is TestBase {
    string internal constant FIXTURE = "/test/fixtures/withdrawal-proofs.json";

    string internal fixture;

    function loadFixture() internal {
        fixture = vm.readFile(string.concat(vm.projectRoot(), FIXTURE));
    }

    function _key(string memory list, uint256 i, string memory field) internal pure returns (string memory) {
        return string.concat(".", list, "[", vm.toString(i), "].", field);
    }

    function withdrawalCount() internal view returns (uint256) {
        return vm.parseJsonUint(fixture, ".withdrawalCount");
    }

    function absentCount() internal view returns (uint256) {
        return vm.parseJsonUint(fixture, ".absentCount");
    }

    function fixtureWithdrawal(uint256 i) internal view returns (Types.WithdrawalTransaction memory w) {
        w.nonce = vm.parseJsonUint(fixture, _key("withdrawals", i, "nonce"));
        w.sender = vm.parseJsonAddress(fixture, _key("withdrawals", i, "sender"));
        w.target = vm.parseJsonAddress(fixture, _key("withdrawals", i, "target"));
        w.value = vm.parseJsonUint(fixture, _key("withdrawals", i, "value"));
        w.gasLimit = vm.parseJsonUint(fixture, _key("withdrawals", i, "gasLimit"));
        w.data = vm.parseJsonBytes(fixture, _key("withdrawals", i, "data"));
    }

    function fixtureWithdrawalHash(uint256 i) internal view returns (bytes32) {
        return vm.parseJsonBytes32(fixture, _key("withdrawals", i, "withdrawalHash"));
    }

    function fixtureSlot(uint256 i) internal view returns (bytes32) {
        return vm.parseJsonBytes32(fixture, _key("withdrawals", i, "slot"));
    }

    function fixtureStorageProof(uint256 i) internal view returns (bytes[] memory) {
        return vm.parseJsonBytesArray(fixture, _key("withdrawals", i, "storageProof"));
    }

    function absentSlot(uint256 i) internal view returns (bytes32) {
        return vm.parseJsonBytes32(fixture, _key("absent", i, "slot"));
    }

    function absentKind(uint256 i) internal view returns (string memory) {
        return vm.parseJsonString(fixture, _key("absent", i, "kind"));
    }

    function absentProof(uint256 i) internal view returns (bytes[] memory) {
        return vm.parseJsonBytesArray(fixture, _key("absent", i, "storageProof"));
    }

    function storageRoot() internal view returns (bytes32) {
        return vm.parseJsonBytes32(fixture, ".messagePasserStorageRoot");
    }

    function stateRoot() internal view returns (bytes32) {
        return vm.parseJsonBytes32(fixture, ".stateRoot");
    }

    function fixtureOutputRootProof() internal view returns (Types.OutputRootProof memory) {
        return Types.OutputRootProof({
            version: bytes32(0),
            stateRoot: stateRoot(),
            messagePasserStorageRoot: storageRoot(),
            latestBlockhash: vm.parseJsonBytes32(fixture, ".blockHash")
        });
    }

    function fixtureOutputRoot() internal view returns (bytes32) {
        Types.OutputRootProof memory p = fixtureOutputRootProof();
        return keccak256(abi.encode(p.version, p.stateRoot, p.messagePasserStorageRoot, p.latestBlockhash));
    }
}
