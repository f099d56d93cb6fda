// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {L2ToL1MessagePasser} from "./L2ToL1MessagePasser.sol";

/// @title FeeVault
/// @notice Holds one kind of fee revenue and withdraws it to a recipient on L1. The L2 genesis
///         puts this same runtime bytecode at three predeploy addresses:
///           0x4200000000000000000000000000000000000011  SequencerFeeVault (priority fees)
///           0x4200000000000000000000000000000000000019  BaseFeeVault      (base fees)
///           0x420000000000000000000000000000000000001A  L1FeeVault        (L1 data fees)
///         The state-transition function credits the fees to the vaults' balances. Once a vault
///         holds at least `minWithdrawalAmount`, anyone may call `withdraw()`, which sends the
///         whole balance to `recipient` on L1 through the L2ToL1MessagePasser; the withdrawal is
///         then proven and finalized on L1 like any other.
///
///         The getters are OP's `FeeVault`'s; the withdrawal network is always L1.
///
///         Storage layout (part of the protocol, set in genesis, do not reorder):
///           slot 0: address recipient            (on L1)
///           slot 1: uint256 minWithdrawalAmount  (wei)
///           slot 2: uint256 totalProcessed       (wei withdrawn so far)
/// @dev    This contract has no constructor and no immutables: its runtime bytecode is put into
///         the L2 genesis state directly, with the configuration in its genesis storage.
contract FeeVault {
    /// @notice Network on which the recipient receives the fees (OP's `Types.WithdrawalNetwork`).
    enum WithdrawalNetwork {
        L1,
        L2
    }

    /// @notice Address of the L2ToL1MessagePasser predeploy.
    address internal constant MESSAGE_PASSER = 0x4200000000000000000000000000000000000016;

    /// @notice Minimum gas limit of the withdrawal's call on L1.
    uint32 internal constant WITHDRAWAL_MIN_GAS = 400_000;

    /// @notice Semantic version of this contract.
    string public constant version = "1.0.0";

    /// @notice Account on L1 that receives the fees (slot 0).
    address public recipient;

    /// @notice Balance the vault must hold before it can be withdrawn, in wei (slot 1).
    uint256 public minWithdrawalAmount;

    /// @notice Total amount withdrawn so far, in wei (slot 2).
    uint256 public totalProcessed;

    /// @notice Emitted on each withdrawal (OP's legacy event).
    /// @param value Amount withdrawn, in wei.
    /// @param to    Recipient on L1.
    /// @param from  Account that triggered the withdrawal.
    event Withdrawal(uint256 value, address to, address from);

    /// @notice Emitted on each withdrawal.
    /// @param value             Amount withdrawn, in wei.
    /// @param to                Recipient on L1.
    /// @param from              Account that triggered the withdrawal.
    /// @param withdrawalNetwork Network the recipient receives the funds on: always L1.
    event Withdrawal(uint256 value, address to, address from, WithdrawalNetwork withdrawalNetwork);

    /// @notice Thrown by `withdraw()` when the vault holds less than `minWithdrawalAmount`.
    /// @param balance Balance of the vault, in wei.
    /// @param minimum The minimum withdrawal amount, in wei.
    error FeeVault_BelowMinimum(uint256 balance, uint256 minimum);

    /// @notice Accepts ETH.
    receive() external payable {}

    /// @notice Account on L1 that receives the fees (OP's legacy getter, same as `recipient()`).
    /// @return The recipient.
    /// @custom:legacy
    function RECIPIENT() external view returns (address) {
        return recipient;
    }

    /// @notice Minimum withdrawal amount (OP's legacy getter, same as `minWithdrawalAmount()`).
    /// @return The minimum withdrawal amount, in wei.
    /// @custom:legacy
    function MIN_WITHDRAWAL_AMOUNT() external view returns (uint256) {
        return minWithdrawalAmount;
    }

    /// @notice Network the recipient receives the fees on (OP's legacy getter, same as
    ///         `withdrawalNetwork()`).
    /// @return Always `WithdrawalNetwork.L1` (0).
    /// @custom:legacy
    function WITHDRAWAL_NETWORK() external pure returns (WithdrawalNetwork) {
        return WithdrawalNetwork.L1;
    }

    /// @notice Network the recipient receives the fees on.
    /// @return Always `WithdrawalNetwork.L1` (0).
    function withdrawalNetwork() external pure returns (WithdrawalNetwork) {
        return WithdrawalNetwork.L1;
    }

    /// @notice Withdraws the vault's whole balance to `recipient` on L1, through the
    ///         L2ToL1MessagePasser with a gas limit of 400,000 on L1. Anyone may call it once the
    ///         balance is at least `minWithdrawalAmount`.
    function withdraw() external {
        uint256 value = address(this).balance;
        uint256 minimum = minWithdrawalAmount;
        if (value < minimum) revert FeeVault_BelowMinimum(value, minimum);

        totalProcessed += value;
        address to = recipient;

        emit Withdrawal(value, to, msg.sender);
        emit Withdrawal(value, to, msg.sender, WithdrawalNetwork.L1);

        L2ToL1MessagePasser(payable(MESSAGE_PASSER)).initiateWithdrawal{value: value}(to, WITHDRAWAL_MIN_GAS, hex"");
    }
}
