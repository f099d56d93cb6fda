// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Types} from "../../src/libraries/Types.sol";

/// @title IOutputOracle
/// @notice Output roots (L2 state commitments) posted by the proposer with a bond, final after
///         a challenge window unless a dispute game deletes them first
///         (see src/L1/OutputOracle.sol).
interface IOutputOracle {
    /// @notice Emitted for every proposal.
    /// @param index         Index of the new output.
    /// @param outputRoot    The output root.
    /// @param l2BlockNumber The L2 block it commits to.
    /// @param timestamp     L1 timestamp of the proposal (start of its challenge window).
    event OutputProposed(
        uint256 indexed index, bytes32 indexed outputRoot, uint256 indexed l2BlockNumber, uint256 timestamp
    );

    /// @notice Emitted when an output becomes final (its bond is paid back in the same call).
    /// @param index         Index of the output.
    /// @param outputRoot    The output root.
    /// @param l2BlockNumber The L2 block it commits to.
    event OutputFinalized(uint256 indexed index, bytes32 indexed outputRoot, uint256 indexed l2BlockNumber);

    /// @notice Emitted when the dispute game deletes outputs `fromIndex .. prevNextIndex - 1`.
    /// @param fromIndex     First deleted index (the next proposal gets this index).
    /// @param prevNextIndex `nextOutputIndex()` before the deletion.
    event OutputsDeleted(uint256 indexed fromIndex, uint256 indexed prevNextIndex);

    /// @notice Emitted when a bond (or the bonds of deleted outputs) is sent to `recipient`.
    /// @param recipient The account paid.
    /// @param amount    Wei sent.
    event BondPaid(address indexed recipient, uint256 amount);

    /// @notice Emitted when sending a bond failed and it was credited to `recipient` instead;
    ///         `claimCredit` pays it out.
    /// @param recipient The account credited.
    /// @param amount    Wei credited.
    event BondCredited(address indexed recipient, uint256 amount);

    /// @notice Emitted when an account withdraws its credit.
    /// @param account The account.
    /// @param amount  Wei withdrawn.
    event CreditClaimed(address indexed account, uint256 amount);

    /// @notice Emitted when the owner replaces the proposer.
    /// @param previousProposer The old proposer.
    /// @param newProposer      The new proposer.
    event ProposerUpdated(address indexed previousProposer, address indexed newProposer);

    /// @notice Emitted when the owner sets the dispute game contract.
    /// @param previousGame The old game (zero: none).
    /// @param newGame      The new game (zero: none).
    event DisputeGameUpdated(address indexed previousGame, address indexed newGame);

    /// @notice Emitted when ownership moves to another account.
    /// @param previousOwner The old owner.
    /// @param newOwner      The new owner.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice Thrown when an owner-only function is called by another account.
    error OutputOracle_NotOwner();

    /// @notice Thrown when an output is proposed by an account other than the proposer.
    error OutputOracle_NotProposer();

    /// @notice Thrown when `deleteOutputs` is called by an account other than the dispute game.
    error OutputOracle_NotDisputeGame();

    /// @notice Thrown when a proposal's `msg.value` differs from `bond()`.
    error OutputOracle_WrongBond();

    /// @notice Thrown when a proposal's L2 block is not after the latest output's.
    error OutputOracle_NotSequential();

    /// @notice Thrown when a proposal's L2 block number does not fit in 64 bits.
    error OutputOracle_L2BlockNumberTooLarge();

    /// @notice Thrown when the L1 block hash a proposal was built on is no longer canonical.
    error OutputOracle_L1Reorged();

    /// @notice Thrown for a zero output root.
    error OutputOracle_EmptyOutputRoot();

    /// @notice Thrown when finalizing an output whose challenge window has not ended.
    error OutputOracle_ChallengeWindowOpen();

    /// @notice Thrown when finalizing, or deleting, an output that is already final.
    error OutputOracle_AlreadyFinalized();

    /// @notice Thrown when finalizing an output before the output preceding it.
    error OutputOracle_PreviousNotFinalized();

    /// @notice Thrown for an output index that does not exist.
    error OutputOracle_UnknownOutput();

    /// @notice Thrown by `latestOutputIndex` / `latestOutput` when there is no output.
    error OutputOracle_NoOutputs();

    /// @notice Thrown by `latestFinalizedIndex` when no output is final.
    error OutputOracle_NoFinalizedOutputs();

    /// @notice Thrown when the zero address is given where an account is required.
    error OutputOracle_ZeroAddress();

    /// @notice Thrown when the constructor's bond does not fit in 96 bits.
    error OutputOracle_BondTooLarge();

    /// @notice Thrown by `claimCredit` when the caller has no credit.
    error OutputOracle_NoCredit();

    /// @notice Thrown by `claimCredit` when sending the credit fails.
    error OutputOracle_CreditTransferFailed();

    /// @notice Gas forwarded when pushing a bond to its recipient; if the push fails the bond
    ///         is credited instead (see `claimCredit`).
    /// @return The gas stipend.
    function BOND_SEND_GAS() external view returns (uint256);

    /// @notice The account that may rotate the proposer and the dispute game, and itself.
    /// @return The owner.
    function owner() external view returns (address);

    /// @notice The only account that may propose outputs.
    /// @return The proposer.
    function proposer() external view returns (address);

    /// @notice The only account that may delete outputs (zero: none yet).
    /// @return The dispute game contract.
    function disputeGame() external view returns (address);

    /// @notice Seconds after a proposal before it can be finalized.
    /// @return The challenge window in seconds.
    function challengeWindow() external view returns (uint256);

    /// @notice Wei every proposal must lock.
    /// @return The bond.
    function bond() external view returns (uint256);

    /// @notice Wei owed to an account whose bond payment could not be pushed.
    /// @param account The account.
    /// @return The credit.
    function credits(address account) external view returns (uint256);

    /// @notice Posts an output root with the bond. Only the proposer.
    /// @param outputRoot    The output root, non-zero.
    /// @param l2BlockNumber The L2 block it commits to; greater than the latest output's.
    /// @param l1BlockHash   Hash of the L1 block the proposer built on; must equal
    ///                      `blockhash(l1BlockNumber)` when the EVM still knows that hash.
    /// @param l1BlockNumber Number of that L1 block.
    /// @return index The new output's index.
    function proposeOutput(bytes32 outputRoot, uint256 l2BlockNumber, bytes32 l1BlockHash, uint256 l1BlockNumber)
        external
        payable
        returns (uint256 index);

    /// @notice Finalizes an output once its challenge window has passed and pays its bond back
    ///         to its proposer. Anyone may call it; outputs are finalized in order.
    /// @param index The output, which must be `finalizedCount()`.
    function finalizeOutput(uint256 index) external;

    /// @notice Deletes output `fromIndex` and every later one, and pays all their bonds to
    ///         `recipient`. Only the dispute game; none of them may be final.
    /// @param fromIndex The first output to delete.
    /// @param recipient Receives the bonds (the winner of the dispute).
    function deleteOutputs(uint256 fromIndex, address recipient) external;

    /// @notice Pays out the caller's credit (bonds whose push failed), with all remaining gas.
    function claimCredit() external;

    /// @notice Replaces the proposer. Only the owner.
    /// @param newProposer The new proposer, non-zero.
    function setProposer(address newProposer) external;

    /// @notice Sets the dispute game contract allowed to delete outputs. Only the owner.
    /// @param newGame The game, or zero for none.
    function setDisputeGame(address newGame) external;

    /// @notice Transfers ownership. Only the owner; takes effect at once.
    /// @param newOwner The new owner, non-zero.
    function transferOwnership(address newOwner) external;

    /// @notice Index the next proposal will get (the number of live outputs).
    /// @return The next index.
    function nextOutputIndex() external view returns (uint256);

    /// @notice Index of the latest output. Reverts with `OutputOracle_NoOutputs` when there is none.
    /// @return The latest index.
    function latestOutputIndex() external view returns (uint256);

    /// @notice The latest output. Reverts with `OutputOracle_NoOutputs` when there is none.
    /// @return The output.
    function latestOutput() external view returns (Types.Output memory);

    /// @notice An output. Reverts with `OutputOracle_UnknownOutput` for an unknown index.
    /// @param index The output index.
    /// @return The output.
    function getOutput(uint256 index) external view returns (Types.Output memory);

    /// @notice Number of final outputs; outputs `0 .. finalizedCount() - 1` are final.
    /// @return The count (also the index of the next output to finalize).
    function finalizedCount() external view returns (uint256);

    /// @notice Index of the latest final output. Reverts with `OutputOracle_NoFinalizedOutputs`
    ///         when none is final.
    /// @return The index.
    function latestFinalizedIndex() external view returns (uint256);

    /// @notice Whether an output is final (false for unknown indices).
    /// @param index The output index.
    /// @return True when final.
    function isFinalized(uint256 index) external view returns (bool);
}
