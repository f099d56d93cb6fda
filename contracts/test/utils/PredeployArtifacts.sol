// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./TestBase.sol";

/// @title PredeployArtifacts
/// @notice Reads the committed genesis runtime code of an L2 predeploy
///         (`core/src/genesis/predeploys/<name>.hex`).
abstract contract PredeployArtifacts is TestBase {
    /// @dev The runtime code of predeploy `name` as committed.
    function predeployCode(string memory name) internal view returns (bytes memory) {
        string memory path = string.concat(vm.projectRoot(), "/../core/src/genesis/predeploys/", name, ".hex");
        return vm.parseBytes(string.concat("0x", vm.readFile(path)));
    }
}
