// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOutputOracle} from "./IOutputOracle.sol";
import {Types} from "../../src/libraries/Types.sol";

/// @title IPortal
/// @notice The L1 side of the bridge: deposits into L2 and withdrawals out of it
///         (see src/L1/Portal.sol).
interface IPortal {
    /// @notice Emitted for every deposit; the sequencer turns it into an L2 deposit transaction
    ///         (type 0x7E). Same event and encoding as the OP Stack's OptimismPortal.
    /// @param from       L2 sender: the L1 sender, aliased when it is a contract.
    /// @param to         L2 recipient (zero for a contract creation).
    /// @param version    Encoding version of `opaqueData`, 0.
    /// @param opaqueData `abi.encodePacked(uint256 mint, uint256 value, uint64 gasLimit, bool isCreation, bytes data)`.
    event TransactionDeposited(address indexed from, address indexed to, uint256 indexed version, bytes opaqueData);

    /// @notice Emitted when a withdrawal has been executed on L1.
    /// @param withdrawalHash The withdrawal's hash.
    /// @param success        Whether the call to the target succeeded (the withdrawal is
    ///                       finalized, and cannot be retried, either way).
    event WithdrawalFinalized(bytes32 indexed withdrawalHash, bool success);

    /// @notice Emitted when ownership moves to another account.
    /// @param previousOwner The old owner.
    /// @param newOwner      The new owner.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice Thrown when an owner-only function is called by another account.
    error Portal_NotOwner();

    /// @notice Thrown when the zero address is given where an account is required.
    error Portal_ZeroAddress();

    /// @notice Thrown when a deposit's gas limit is below `minimumGasLimit(data.length)`.
    error Portal_GasLimitTooLow();

    /// @notice Thrown when a deposit's gas limit is above `MAX_GAS_LIMIT`.
    error Portal_GasLimitTooHigh();

    /// @notice Thrown when a deposit's data is longer than `MAX_DATA_SIZE`.
    error Portal_DataTooLarge();

    /// @notice Thrown for a contract-creation deposit with a non-zero `to`.
    error Portal_CreationWithTarget();

    /// @notice Thrown when a withdrawal targets the Portal itself.
    error Portal_BadTarget();

    /// @notice Thrown when a withdrawal has already been finalized.
    error Portal_AlreadyFinalized();

    /// @notice Thrown when the output a withdrawal is proven against is not final.
    error Portal_OutputNotFinalized();

    /// @notice Thrown for an output root proof with a version other than 0.
    error Portal_UnsupportedOutputVersion();

    /// @notice Thrown when the output root proof does not hash to the output's root.
    error Portal_InvalidOutputRootProof();

    /// @notice Thrown when the storage proof does not show the withdrawal in the message passer.
    error Portal_InvalidWithdrawalProof();

    /// @notice Thrown when the Portal holds less ETH than the withdrawal's value.
    error Portal_InsufficientBalance();

    /// @notice Thrown when too little gas is left to give the target its `gasLimit`.
    error Portal_InsufficientGas();

    /// @notice Version of the `TransactionDeposited` encoding.
    /// @return 0.
    function DEPOSIT_VERSION() external view returns (uint256);

    /// @notice Largest deposit data, in bytes.
    /// @return 120,000.
    function MAX_DATA_SIZE() external view returns (uint256);

    /// @notice Largest deposit gas limit: the L2 per-transaction gas cap.
    /// @return 2^23.
    function MAX_GAS_LIMIT() external view returns (uint64);

    /// @notice Gas limit of deposits made by sending ETH to the Portal.
    /// @return 100,000.
    function RECEIVE_DEFAULT_GAS_LIMIT() external view returns (uint64);

    /// @notice Gas a withdrawal needs on top of its gas limit, for the call's own cost.
    /// @return The reserve in gas.
    function WITHDRAWAL_GAS_RESERVE() external view returns (uint256);

    /// @notice The L2 address of the message passer predeploy whose storage proves withdrawals.
    /// @return 0x4200000000000000000000000000000000000016.
    function L2_MESSAGE_PASSER() external view returns (address);

    /// @notice The account that may transfer ownership (reserved for future guardian duties).
    /// @return The owner.
    function owner() external view returns (address);

    /// @notice The output oracle withdrawals are proven against.
    /// @return The oracle.
    function oracle() external view returns (IOutputOracle);

    /// @notice Whether a withdrawal has been finalized.
    /// @param withdrawalHash The withdrawal's hash.
    /// @return True when finalized.
    function finalizedWithdrawals(bytes32 withdrawalHash) external view returns (bool);

    /// @notice The L2 sender of the withdrawal being executed, for the target to check; zero
    ///         outside a withdrawal.
    /// @return The L2 sender.
    function l2Sender() external view returns (address);

    /// @notice Deposits a transaction into L2: `msg.value` is minted to the sender on L2, then
    ///         the transaction runs with the given parameters. The sequencer must include it.
    /// @param to         L2 recipient (zero for a contract creation).
    /// @param value      Wei sent to `to` on L2 (from the sender's L2 balance, which includes
    ///                   the mint).
    /// @param gasLimit   L2 gas limit, between `minimumGasLimit(data.length)` and `MAX_GAS_LIMIT`.
    /// @param isCreation Whether the transaction creates a contract (`to` must then be zero).
    /// @param data       Calldata, or init code for a creation; at most `MAX_DATA_SIZE` bytes.
    function depositTransaction(address to, uint256 value, uint64 gasLimit, bool isCreation, bytes calldata data)
        external
        payable;

    /// @notice Executes a withdrawal initiated on L2, proven against a final output: the
    ///         output's root must be the hash of `outputRootProof`, and `withdrawalProof` must
    ///         show that the message passer's `sentMessages[hash]` is true under
    ///         `outputRootProof.messagePasserStorageRoot`. Then calls the target with the value
    ///         and at least `gasLimit` gas. A failed call still finalizes the withdrawal.
    /// @param withdrawal      The withdrawal as initiated on L2.
    /// @param outputIndex     Index of a final output in the oracle.
    /// @param outputRootProof The preimage of that output's root.
    /// @param withdrawalProof `eth_getProof` storage proof nodes of the message passer for slot
    ///                        `keccak256(abi.encode(withdrawalHash, uint256(0)))`.
    function finalizeWithdrawal(
        Types.WithdrawalTransaction calldata withdrawal,
        uint256 outputIndex,
        Types.OutputRootProof calldata outputRootProof,
        bytes[] calldata withdrawalProof
    ) external;

    /// @notice Transfers ownership. Only the owner; takes effect at once.
    /// @param newOwner The new owner, non-zero.
    function transferOwnership(address newOwner) external;

    /// @notice Smallest gas limit a deposit with `byteCount` bytes of data may have:
    ///         `21_000 + 40 * byteCount`.
    /// @param byteCount Length of the deposit's data.
    /// @return The minimum gas limit.
    function minimumGasLimit(uint64 byteCount) external pure returns (uint64);

    /// @notice Hash of a withdrawal, as the L2ToL1MessagePasser computes it.
    /// @param withdrawal The withdrawal.
    /// @return `keccak256(abi.encode(nonce, sender, target, value, gasLimit, data))`.
    function hashWithdrawal(Types.WithdrawalTransaction calldata withdrawal) external pure returns (bytes32);

    /// @notice The output root an output root proof commits to.
    /// @param proof The preimage.
    /// @return `keccak256(abi.encode(version, stateRoot, messagePasserStorageRoot, latestBlockhash))`.
    function hashOutputRootProof(Types.OutputRootProof calldata proof) external pure returns (bytes32);

    /// @notice The storage slot of `sentMessages[withdrawalHash]` in the message passer.
    /// @param withdrawalHash The withdrawal's hash.
    /// @return `keccak256(abi.encode(withdrawalHash, uint256(0)))`.
    function withdrawalStorageSlot(bytes32 withdrawalHash) external pure returns (bytes32);
}
