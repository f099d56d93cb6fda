// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title AddressAlias
/// @notice The OP Stack address alias for L1 contracts acting on L2. A deposit sent by an L1
///         contract comes from `l1Address + 0x1111000000000000000000000000000000001111`
///         (mod 2^160) on L2, so an L1 contract cannot impersonate the L2 contract that has the
///         same address. Deposits from EOAs are not aliased.
library AddressAlias {
    /// @notice The offset added to an L1 contract's address.
    uint160 internal constant OFFSET = uint160(0x1111000000000000000000000000000000001111);

    /// @notice The L2 sender of a deposit made by the L1 contract `l1Address`.
    /// @param l1Address The L1 contract.
    /// @return l2Address The aliased address.
    function applyAlias(address l1Address) internal pure returns (address l2Address) {
        unchecked {
            l2Address = address(uint160(l1Address) + OFFSET);
        }
    }

    /// @notice The L1 contract behind an aliased L2 address.
    /// @param l2Address The aliased address.
    /// @return l1Address The L1 contract.
    function undoAlias(address l2Address) internal pure returns (address l1Address) {
        unchecked {
            l1Address = address(uint160(l2Address) - OFFSET);
        }
    }
}
