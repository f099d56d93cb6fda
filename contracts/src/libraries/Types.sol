// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Types
/// @notice Structs shared by the L1 contracts, their interfaces and the off-chain services.
library Types {
    /// @notice An output proposal: a commitment to the L2 state at one L2 block.
    /// @param outputRoot    `keccak256(abi.encode(OutputRootProof))` at `l2BlockNumber`.
    /// @param l2BlockNumber The L2 block the output commits to.
    /// @param timestamp     L1 timestamp of the proposal; the challenge window starts here.
    /// @param proposer      Account that posted it, who gets the bond back on finalization.
    /// @param bond          Wei locked with the proposal.
    struct Output {
        bytes32 outputRoot;
        uint64 l2BlockNumber;
        uint64 timestamp;
        address proposer;
        uint96 bond;
    }

    /// @notice The preimage of an output root (version 0):
    ///         `outputRoot = keccak256(abi.encode(version, stateRoot, messagePasserStorageRoot,
    ///         latestBlockhash))`, i.e. the OP Stack `keccak256(version ‖ stateRoot ‖
    ///         withdrawalStorageRoot ‖ blockHash)` over four 32-byte words.
    /// @param version                  Output root version, `bytes32(0)`.
    /// @param stateRoot                L2 state root at the block.
    /// @param messagePasserStorageRoot Storage root of the L2ToL1MessagePasser predeploy.
    /// @param latestBlockhash          Hash of the L2 block.
    struct OutputRootProof {
        bytes32 version;
        bytes32 stateRoot;
        bytes32 messagePasserStorageRoot;
        bytes32 latestBlockhash;
    }

    /// @notice A withdrawal as initiated on L2 by the L2ToL1MessagePasser; its hash is
    ///         `keccak256(abi.encode(nonce, sender, target, value, gasLimit, data))`.
    /// @param nonce    Versioned nonce (message version in the top 16 bits).
    /// @param sender   L2 account that initiated it.
    /// @param target   L1 account to call.
    /// @param value    Wei sent with the call.
    /// @param gasLimit Minimum gas the call is given.
    /// @param data     Calldata of the call.
    struct WithdrawalTransaction {
        uint256 nonce;
        address sender;
        address target;
        uint256 value;
        uint256 gasLimit;
        bytes data;
    }
}
