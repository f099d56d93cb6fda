// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPortal} from "../../interfaces/L1/IPortal.sol";
import {IOutputOracle} from "../../interfaces/L1/IOutputOracle.sol";
import {ResourceMetering} from "./ResourceMetering.sol";
import {AddressAlias} from "../libraries/AddressAlias.sol";
import {SecureMerkleTrie} from "../libraries/SecureMerkleTrie.sol";
import {Types} from "../libraries/Types.sol";

/// @title Portal
/// @notice The L1 side of the bridge. It holds the ETH bridged into L2.
///
///         Deposits: `depositTransaction` (or plain ETH sent here) emits `TransactionDeposited`
///         in the OP Stack encoding; the sequencer must include every deposit as an L2 deposit
///         transaction (forced inclusion). Deposits from contracts come from the aliased
///         address on L2 (see `AddressAlias`).
///
///         Deposit gas market (`ResourceMetering`, the OP Stack's model): the L2 gas of a
///         deposit is bought on L1. Deposits in one L1 block may buy at most
///         `MAX_RESOURCE_LIMIT` (20,000,000) L2 gas together, beyond which a deposit reverts
///         with `Portal_DepositGasLimitExceeded(requested, available)`; one L2 gas costs
///         `params().prevBaseFee` wei (at least 1 gwei, EIP-1559-style: it rises when deposits
///         buy more than 2,000,000 L2 gas per L1 block and falls when they buy less), paid by
///         burning `gasLimit * prevBaseFee / max(block.basefee, 1 gwei)` L1 gas, of which the
///         deposit's own work is a part. So a deposit's L1 cost grows with the L2 gas it asks
///         for, and a flood of deposits drives the price up until it stops.
///
///         Withdrawals: a withdrawal initiated on L2 at the L2ToL1MessagePasser is executed by
///         `finalizeWithdrawal` once an output that includes it is final in the OutputOracle.
///         There is a single step (no separate "prove" transaction): outputs only become final
///         after the challenge window, so the proof is checked against a root that can no
///         longer change. Each withdrawal runs at most once; if the call to its target fails
///         the withdrawal still counts as finalized and its ETH stays here (OP semantics: the
///         caller chose the target, data and gas limit on L2).
contract Portal is IPortal, ResourceMetering {
    /// @inheritdoc IPortal
    uint256 public constant DEPOSIT_VERSION = 0;

    /// @inheritdoc IPortal
    uint256 public constant MAX_DATA_SIZE = 120_000;

    /// @inheritdoc IPortal
    uint64 public constant MAX_GAS_LIMIT = 1 << 23;

    /// @inheritdoc IPortal
    uint64 public constant RECEIVE_DEFAULT_GAS_LIMIT = 100_000;

    /// @inheritdoc IPortal
    /// @dev Covers the CALL itself (cold account 2,600 + value transfer 9,000 + new account
    ///      25,000) and the few instructions between the gas check and the call.
    uint256 public constant WITHDRAWAL_GAS_RESERVE = 40_000;

    /// @inheritdoc IPortal
    address public constant L2_MESSAGE_PASSER = 0x4200000000000000000000000000000000000016;

    /// @dev Transient storage slot of `l2Sender`: keccak256("rollup.portal.l2Sender").
    bytes32 internal constant L2_SENDER_SLOT = keccak256("rollup.portal.l2Sender");

    /// @inheritdoc IPortal
    IOutputOracle public immutable oracle;

    /// @inheritdoc IPortal
    address public owner;

    /// @inheritdoc IPortal
    mapping(bytes32 withdrawalHash => bool finalized) public finalizedWithdrawals;

    /// @notice Also starts the deposit gas market: price `MINIMUM_BASE_FEE` (1 gwei), nothing
    ///         bought, in the deployment block.
    /// @param initialOwner The owner.
    /// @param oracle_      The output oracle withdrawals are proven against.
    constructor(address initialOwner, IOutputOracle oracle_) {
        if (initialOwner == address(0) || address(oracle_) == address(0)) revert Portal_ZeroAddress();
        owner = initialOwner;
        oracle = oracle_;
        emit OwnershipTransferred(address(0), initialOwner);
    }

    /// @notice Sending ETH to the Portal deposits it to the same address on L2 (aliased when
    ///         the sender is a contract), with gas limit `RECEIVE_DEFAULT_GAS_LIMIT`, bought
    ///         like any deposit's (see `depositTransaction`).
    receive() external payable {
        _deposit(msg.sender, msg.value, RECEIVE_DEFAULT_GAS_LIMIT, false, hex"");
    }

    /// @inheritdoc IPortal
    /// @dev Also buys `gasLimit` L2 gas in this L1 block's deposit gas market (see
    ///      `ResourceMetering`): reverts `Portal_DepositGasLimitExceeded(gasLimit, available)`
    ///      when fewer than `gasLimit` are left in this L1 block, and burns
    ///      `gasLimit * params().prevBaseFee / max(block.basefee, 1 gwei)` L1 gas (the
    ///      deposit's own work included), so send it with that much gas or more.
    function depositTransaction(address to, uint256 value, uint64 gasLimit, bool isCreation, bytes calldata data)
        external
        payable
    {
        _deposit(to, value, gasLimit, isCreation, data);
    }

    /// @inheritdoc IPortal
    function finalizeWithdrawal(
        Types.WithdrawalTransaction calldata withdrawal,
        uint256 outputIndex,
        Types.OutputRootProof calldata outputRootProof,
        bytes[] calldata withdrawalProof
    ) external {
        if (withdrawal.target == address(this)) revert Portal_BadTarget();
        bytes32 withdrawalHash = hashWithdrawal(withdrawal);
        if (finalizedWithdrawals[withdrawalHash]) revert Portal_AlreadyFinalized();

        // The output must be final, and the proof must open its root.
        if (!oracle.isFinalized(outputIndex)) revert Portal_OutputNotFinalized();
        if (outputRootProof.version != bytes32(0)) revert Portal_UnsupportedOutputVersion();
        if (hashOutputRootProof(outputRootProof) != oracle.getOutput(outputIndex).outputRoot) {
            revert Portal_InvalidOutputRootProof();
        }

        // sentMessages[withdrawalHash] == true in the message passer's storage. A storage trie
        // maps keccak256(slot) to rlp(value), and rlp(1) is the single byte 0x01.
        bool proven = SecureMerkleTrie.verifyInclusionProof(
            abi.encode(withdrawalStorageSlot(withdrawalHash)),
            hex"01",
            withdrawalProof,
            outputRootProof.messagePasserStorageRoot
        );
        if (!proven) revert Portal_InvalidWithdrawalProof();

        // The ETH of every withdrawal was deposited through this contract, so this only fails
        // for L2 funds that were never bridged (e.g. a devnet genesis allocation). Reverting
        // keeps such a withdrawal retryable instead of finalizing it with a failed call.
        if (withdrawal.value > address(this).balance) revert Portal_InsufficientBalance();

        finalizedWithdrawals[withdrawalHash] = true;

        bool success = _callTarget(withdrawal);
        emit WithdrawalFinalized(withdrawalHash, success);
    }

    /// @inheritdoc IPortal
    function transferOwnership(address newOwner) external {
        if (msg.sender != owner) revert Portal_NotOwner();
        if (newOwner == address(0)) revert Portal_ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @inheritdoc IPortal
    function l2Sender() external view returns (address sender) {
        bytes32 slot = L2_SENDER_SLOT;
        assembly ("memory-safe") {
            sender := tload(slot)
        }
    }

    /// @inheritdoc IPortal
    function minimumGasLimit(uint64 byteCount) public pure returns (uint64) {
        return 21_000 + 40 * byteCount;
    }

    /// @inheritdoc IPortal
    function hashWithdrawal(Types.WithdrawalTransaction calldata withdrawal) public pure returns (bytes32) {
        return keccak256(
            abi.encode(
                withdrawal.nonce,
                withdrawal.sender,
                withdrawal.target,
                withdrawal.value,
                withdrawal.gasLimit,
                withdrawal.data
            )
        );
    }

    /// @inheritdoc IPortal
    function hashOutputRootProof(Types.OutputRootProof calldata proof) public pure returns (bytes32) {
        return
            keccak256(abi.encode(proof.version, proof.stateRoot, proof.messagePasserStorageRoot, proof.latestBlockhash));
    }

    /// @inheritdoc IPortal
    function withdrawalStorageSlot(bytes32 withdrawalHash) public pure returns (bytes32) {
        return keccak256(abi.encode(withdrawalHash, uint256(0)));
    }

    /// @dev Checks a deposit and emits `TransactionDeposited`; `msg.value` is the mint. Then
    ///      (`metered`) buys its `gasLimit` L2 gas, which may revert and burns the cost; the
    ///      body's checks run first, so their errors take precedence.
    function _deposit(address to, uint256 value, uint64 gasLimit, bool isCreation, bytes memory data)
        internal
        metered(gasLimit)
    {
        if (isCreation && to != address(0)) revert Portal_CreationWithTarget();
        if (data.length > MAX_DATA_SIZE) revert Portal_DataTooLarge();
        // Safe: data.length <= MAX_DATA_SIZE.
        // forge-lint: disable-next-line(unsafe-typecast)
        if (gasLimit < minimumGasLimit(uint64(data.length))) revert Portal_GasLimitTooLow();
        if (gasLimit > MAX_GAS_LIMIT) revert Portal_GasLimitTooHigh();

        // A contract (anything but the transaction's signer) is aliased so that it cannot act
        // as the L2 account with its own address.
        address from = msg.sender == tx.origin ? msg.sender : AddressAlias.applyAlias(msg.sender);

        bytes memory opaqueData = abi.encodePacked(msg.value, value, gasLimit, isCreation, data);
        emit TransactionDeposited(from, to, DEPOSIT_VERSION, opaqueData);
    }

    /// @dev Calls the withdrawal's target with its value, data and at least its gas limit,
    ///      with `l2Sender` set for the duration of the call (restored afterwards, so a nested
    ///      finalization leaves the outer one's sender intact). Return data is not copied.
    function _callTarget(Types.WithdrawalTransaction calldata withdrawal) internal returns (bool success) {
        bytes32 slot = L2_SENDER_SLOT;
        address previous;
        address sender = withdrawal.sender;
        assembly ("memory-safe") {
            previous := tload(slot)
            tstore(slot, sender)
        }

        address target = withdrawal.target;
        uint256 value = withdrawal.value;
        uint256 gasLimit = withdrawal.gasLimit;
        bytes memory data = withdrawal.data;

        // EIP-150 gives a callee at most 63/64 of the gas left; make sure that is at least
        // `gasLimit`, or the target could be starved and the withdrawal finalized as failed.
        if (gasLimit > type(uint128).max || gasleft() < gasLimit + gasLimit / 63 + WITHDRAWAL_GAS_RESERVE) {
            revert Portal_InsufficientGas();
        }
        assembly ("memory-safe") {
            success := call(gas(), target, value, add(data, 32), mload(data), 0, 0)
            tstore(slot, previous)
        }
    }
}
