// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MachineCommitment} from "../../src/dispute/lib/MachineCommitment.sol";

/// @dev Exposes `MachineCommitment` externally, for the Rust differential test: each part
///      arrives ABI-encoded, as the Rust side encodes it.
contract MachineCommitmentHarness {
    function hashMachine(bytes calldata encoded) external pure returns (bytes32) {
        return MachineCommitment.hash(abi.decode(encoded, (MachineCommitment.Machine)));
    }

    function hashContext(bytes calldata encoded) external pure returns (bytes32) {
        return MachineCommitment.hash(abi.decode(encoded, (MachineCommitment.Context)));
    }

    function hashWorld(bytes calldata encoded) external pure returns (bytes32) {
        return MachineCommitment.hash(abi.decode(encoded, (MachineCommitment.World)));
    }

    function hashFrame(bytes calldata encoded) external pure returns (bytes32) {
        return MachineCommitment.hash(abi.decode(encoded, (MachineCommitment.Frame)));
    }

    function hashMicro(bytes calldata encoded) external pure returns (bytes32) {
        return MachineCommitment.hash(abi.decode(encoded, (MachineCommitment.Micro)));
    }

    function hashOutcome(bytes calldata encoded) external pure returns (bytes32) {
        return MachineCommitment.hash(abi.decode(encoded, (MachineCommitment.Outcome)));
    }

    function hashCall(bytes calldata encoded) external pure returns (bytes32) {
        return MachineCommitment.hash(abi.decode(encoded, (MachineCommitment.Call)));
    }

    function push(bytes32 below, uint256 value) external pure returns (bytes32) {
        return MachineCommitment.push(below, value);
    }
}
