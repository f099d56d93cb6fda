// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOutputOracle} from "../../interfaces/L1/IOutputOracle.sol";
import {Types} from "../libraries/Types.sol";

/// @title OutputOracle
/// @notice Keeps the output roots the proposer posts: commitments to the L2 state at given L2
///         blocks (`keccak256(version ‖ stateRoot ‖ messagePasserStorageRoot ‖ blockHash)`).
///
///         Each proposal locks a fixed bond. Outputs are sequential in L2 block number. After
///         `challengeWindow` seconds an output can be finalized (by anyone, in order), which
///         pays the bond back to its proposer; the Portal only releases withdrawals proven
///         against final outputs. Until then the dispute game may delete a wrong output, and
///         with it every later output (they build on it), paying all their bonds to the
///         dispute's winner.
///
///         Bonds are pushed with a bounded amount of gas; if the push fails (a recipient that
///         rejects ETH or needs more gas) the amount is credited and can be pulled with
///         `claimCredit`, so no recipient can block finalization or deletion. State is always
///         updated before ETH moves.
contract OutputOracle is IOutputOracle {
    /// @inheritdoc IOutputOracle
    uint256 public constant BOND_SEND_GAS = 50_000;

    /// @inheritdoc IOutputOracle
    uint256 public immutable challengeWindow;

    /// @inheritdoc IOutputOracle
    uint256 public immutable bond;

    /// @inheritdoc IOutputOracle
    address public owner;

    /// @inheritdoc IOutputOracle
    address public proposer;

    /// @inheritdoc IOutputOracle
    address public disputeGame;

    /// @inheritdoc IOutputOracle
    uint256 public finalizedCount;

    /// @inheritdoc IOutputOracle
    mapping(address account => uint256 amount) public credits;

    /// @dev Live outputs by index; deletion pops from the end.
    Types.Output[] internal _outputs;

    /// @param initialOwner      The owner (rotates the proposer, the dispute game and itself).
    /// @param initialProposer   The proposer.
    /// @param challengeWindow_  Seconds an output stays challengeable (7 days in production).
    /// @param bond_             Wei each proposal locks (at most 2^96 - 1).
    constructor(address initialOwner, address initialProposer, uint256 challengeWindow_, uint256 bond_) {
        if (initialOwner == address(0) || initialProposer == address(0)) revert OutputOracle_ZeroAddress();
        if (bond_ > type(uint96).max) revert OutputOracle_BondTooLarge();
        owner = initialOwner;
        proposer = initialProposer;
        challengeWindow = challengeWindow_;
        bond = bond_;
        emit OwnershipTransferred(address(0), initialOwner);
        emit ProposerUpdated(address(0), initialProposer);
    }

    /// @dev Restricts a function to the owner.
    modifier onlyOwner() {
        if (msg.sender != owner) revert OutputOracle_NotOwner();
        _;
    }

    /// @inheritdoc IOutputOracle
    function proposeOutput(bytes32 outputRoot, uint256 l2BlockNumber, bytes32 l1BlockHash, uint256 l1BlockNumber)
        external
        payable
        returns (uint256 index)
    {
        if (msg.sender != proposer) revert OutputOracle_NotProposer();
        if (msg.value != bond) revert OutputOracle_WrongBond();
        if (outputRoot == bytes32(0)) revert OutputOracle_EmptyOutputRoot();
        if (l2BlockNumber > type(uint64).max) revert OutputOracle_L2BlockNumberTooLarge();
        index = _outputs.length;
        if (index > 0 && l2BlockNumber <= _outputs[index - 1].l2BlockNumber) revert OutputOracle_NotSequential();

        // Reorg protection for the proposer: the proposal only lands on the L1 chain it was
        // built on. The EVM knows the hashes of the previous 256 blocks only; outside that
        // range (older, or not yet mined) the check is skipped.
        bytes32 actual = blockhash(l1BlockNumber);
        if (actual != bytes32(0) && actual != l1BlockHash) revert OutputOracle_L1Reorged();

        // Casts are safe: l2BlockNumber was checked above, timestamps fit 64 bits, and
        // msg.value == bond <= 2^96 - 1 (checked in the constructor).
        _outputs.push(
            Types.Output({
                outputRoot: outputRoot,
                // forge-lint: disable-next-line(unsafe-typecast)
                l2BlockNumber: uint64(l2BlockNumber),
                // forge-lint: disable-next-line(unsafe-typecast)
                timestamp: uint64(block.timestamp),
                proposer: msg.sender,
                // forge-lint: disable-next-line(unsafe-typecast)
                bond: uint96(msg.value)
            })
        );
        emit OutputProposed(index, outputRoot, l2BlockNumber, block.timestamp);
    }

    /// @inheritdoc IOutputOracle
    function finalizeOutput(uint256 index) external {
        if (index >= _outputs.length) revert OutputOracle_UnknownOutput();
        if (index < finalizedCount) revert OutputOracle_AlreadyFinalized();
        if (index > finalizedCount) revert OutputOracle_PreviousNotFinalized();
        Types.Output storage output = _outputs[index];
        // Validators can skew timestamps by seconds; windows are hours to days.
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp <= output.timestamp + challengeWindow) revert OutputOracle_ChallengeWindowOpen();

        finalizedCount = index + 1;
        emit OutputFinalized(index, output.outputRoot, output.l2BlockNumber);
        _pay(output.proposer, output.bond);
    }

    /// @inheritdoc IOutputOracle
    function deleteOutputs(uint256 fromIndex, address recipient) external {
        if (msg.sender != disputeGame) revert OutputOracle_NotDisputeGame();
        uint256 prevNextIndex = _outputs.length;
        if (fromIndex >= prevNextIndex) revert OutputOracle_UnknownOutput();
        if (fromIndex < finalizedCount) revert OutputOracle_AlreadyFinalized();
        if (recipient == address(0)) revert OutputOracle_ZeroAddress();

        uint256 bonds = 0;
        for (uint256 i = prevNextIndex; i > fromIndex; i--) {
            bonds += _outputs[i - 1].bond;
            _outputs.pop();
        }

        emit OutputsDeleted(fromIndex, prevNextIndex);
        _pay(recipient, bonds);
    }

    /// @inheritdoc IOutputOracle
    function claimCredit() external {
        uint256 amount = credits[msg.sender];
        if (amount == 0) revert OutputOracle_NoCredit();
        credits[msg.sender] = 0;
        emit CreditClaimed(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert OutputOracle_CreditTransferFailed();
    }

    /// @inheritdoc IOutputOracle
    function setProposer(address newProposer) external onlyOwner {
        if (newProposer == address(0)) revert OutputOracle_ZeroAddress();
        emit ProposerUpdated(proposer, newProposer);
        proposer = newProposer;
    }

    /// @inheritdoc IOutputOracle
    function setDisputeGame(address newGame) external onlyOwner {
        emit DisputeGameUpdated(disputeGame, newGame);
        disputeGame = newGame;
    }

    /// @inheritdoc IOutputOracle
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert OutputOracle_ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @inheritdoc IOutputOracle
    function nextOutputIndex() external view returns (uint256) {
        return _outputs.length;
    }

    /// @inheritdoc IOutputOracle
    function latestOutputIndex() public view returns (uint256) {
        if (_outputs.length == 0) revert OutputOracle_NoOutputs();
        return _outputs.length - 1;
    }

    /// @inheritdoc IOutputOracle
    function latestOutput() external view returns (Types.Output memory) {
        return _outputs[latestOutputIndex()];
    }

    /// @inheritdoc IOutputOracle
    function getOutput(uint256 index) external view returns (Types.Output memory) {
        if (index >= _outputs.length) revert OutputOracle_UnknownOutput();
        return _outputs[index];
    }

    /// @inheritdoc IOutputOracle
    function latestFinalizedIndex() external view returns (uint256) {
        if (finalizedCount == 0) revert OutputOracle_NoFinalizedOutputs();
        return finalizedCount - 1;
    }

    /// @inheritdoc IOutputOracle
    function isFinalized(uint256 index) external view returns (bool) {
        return index < finalizedCount;
    }

    /// @dev Sends `amount` wei to `recipient` with `BOND_SEND_GAS` gas, without copying return
    ///      data; credits it when the send fails. Callers update their state first.
    function _pay(address recipient, uint256 amount) internal {
        if (amount == 0) return;
        bool ok;
        assembly ("memory-safe") {
            ok := call(BOND_SEND_GAS, recipient, amount, 0, 0, 0, 0)
        }
        if (ok) {
            emit BondPaid(recipient, amount);
        } else {
            credits[recipient] += amount;
            emit BondCredited(recipient, amount);
        }
    }
}
