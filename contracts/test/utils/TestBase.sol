// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "./Vm.sol";

/// @title TestBase
/// @notice Minimal stand-in for forge-std's `Test`: exposes the cheatcode handle `vm`.
///         Forge runs every `test*` function of a contract deriving from this; a test fails
///         when it reverts, which is what the `vm.assert*` cheatcodes do on a mismatch.
abstract contract TestBase {
    /// @dev The cheatcode address, `address(uint160(uint256(keccak256("hevm cheat code"))))`.
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
}
