// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/TestBase.sol";
import {OutputOracle} from "../../src/L1/OutputOracle.sol";
import {IOutputOracle} from "../../interfaces/L1/IOutputOracle.sol";
import {Types} from "../../src/libraries/Types.sol";

/// @dev A proposer contract whose `receive` needs more gas than the oracle forwards when it
///      pushes a bond, so bonds paid to it are credited; `claim` pulls them with all gas.
contract HungryProposer {
    OutputOracle internal immutable oracle;
    uint256 public received;

    constructor(OutputOracle oracle_) {
        oracle = oracle_;
    }

    function propose(bytes32 root, uint256 l2BlockNumber) external payable {
        oracle.proposeOutput{value: msg.value}(root, l2BlockNumber, bytes32(0), block.number);
    }

    function claim() external {
        oracle.claimCredit();
    }

    receive() external payable {
        // Burn more than BOND_SEND_GAS.
        for (uint256 i = 0; i < 20; i++) {
            assembly {
                sstore(add(100, i), add(gas(), 1))
            }
        }
        received += msg.value;
    }
}

/// @dev A dispute winner that rejects ETH unless switched on.
contract PickyRecipient {
    OutputOracle internal immutable oracle;
    bool public accepting;

    constructor(OutputOracle oracle_) {
        oracle = oracle_;
    }

    function setAccepting(bool on) external {
        accepting = on;
    }

    function claim() external {
        oracle.claimCredit();
    }

    receive() external payable {
        require(accepting, "not accepting");
    }
}

contract OutputOracleTestBase is TestBase {
    OutputOracle internal oracle;
    address internal owner = address(0x0A11);
    address internal proposer = address(0xB0B);
    address internal game = address(0x6A3E);
    address internal mallory = address(0xBAD);
    uint256 internal constant WINDOW = 1 hours;
    uint256 internal constant BOND = 1 ether;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        vm.roll(1000);
        oracle = new OutputOracle(owner, proposer, WINDOW, BOND);
        vm.prank(owner);
        oracle.setDisputeGame(game);
        vm.deal(proposer, 100 ether);
    }

    function _root(uint256 i) internal pure returns (bytes32) {
        return keccak256(abi.encode("output", i));
    }

    function _propose(uint256 l2BlockNumber) internal returns (uint256 index) {
        vm.prank(proposer);
        index = oracle.proposeOutput{value: BOND}(_root(l2BlockNumber), l2BlockNumber, bytes32(0), block.number);
    }
}

contract OutputOracleTest is OutputOracleTestBase {
    // ------------------------------------------------------------------ constructor, views

    function test_constructor_setsParameters_succeeds() public view {
        vm.assertEq(oracle.owner(), owner, "owner");
        vm.assertEq(oracle.proposer(), proposer, "proposer");
        vm.assertEq(oracle.disputeGame(), game, "game");
        vm.assertEq(oracle.challengeWindow(), WINDOW, "window");
        vm.assertEq(oracle.bond(), BOND, "bond");
        vm.assertEq(oracle.nextOutputIndex(), 0, "no outputs");
        vm.assertEq(oracle.finalizedCount(), 0, "none final");
    }

    function test_constructor_zeroAddress_reverts() public {
        vm.expectRevert(IOutputOracle.OutputOracle_ZeroAddress.selector);
        new OutputOracle(address(0), proposer, WINDOW, BOND);
        vm.expectRevert(IOutputOracle.OutputOracle_ZeroAddress.selector);
        new OutputOracle(owner, address(0), WINDOW, BOND);
    }

    function test_constructor_bondTooLarge_reverts() public {
        vm.expectRevert(IOutputOracle.OutputOracle_BondTooLarge.selector);
        new OutputOracle(owner, proposer, WINDOW, uint256(type(uint96).max) + 1);
    }

    function test_views_noOutputs_reverts() public {
        vm.expectRevert(IOutputOracle.OutputOracle_NoOutputs.selector);
        oracle.latestOutputIndex();
        vm.expectRevert(IOutputOracle.OutputOracle_NoOutputs.selector);
        oracle.latestOutput();
        vm.expectRevert(IOutputOracle.OutputOracle_UnknownOutput.selector);
        oracle.getOutput(0);
        vm.expectRevert(IOutputOracle.OutputOracle_NoFinalizedOutputs.selector);
        oracle.latestFinalizedIndex();
        vm.assertFalse(oracle.isFinalized(0), "unknown output is not final");
    }

    // ------------------------------------------------------------------ proposeOutput

    function test_proposeOutput_storesAndEmits_succeeds() public {
        vm.expectEmit(true, true, true, true, address(oracle));
        emit IOutputOracle.OutputProposed(0, _root(10), 10, block.timestamp);
        uint256 index = _propose(10);

        vm.assertEq(index, 0, "index");
        vm.assertEq(oracle.nextOutputIndex(), 1, "next");
        vm.assertEq(oracle.latestOutputIndex(), 0, "latest");
        Types.Output memory o = oracle.getOutput(0);
        vm.assertEq(o.outputRoot, _root(10), "root");
        vm.assertEq(uint256(o.l2BlockNumber), 10, "l2 block");
        vm.assertEq(uint256(o.timestamp), block.timestamp, "timestamp");
        vm.assertEq(o.proposer, proposer, "proposer");
        vm.assertEq(uint256(o.bond), BOND, "bond");
        vm.assertEq(oracle.latestOutput().outputRoot, _root(10), "latestOutput");
        vm.assertEq(address(oracle).balance, BOND, "bond held");
    }

    function test_proposeOutput_notProposer_reverts() public {
        vm.deal(mallory, BOND);
        vm.expectRevert(IOutputOracle.OutputOracle_NotProposer.selector);
        vm.prank(mallory);
        oracle.proposeOutput{value: BOND}(_root(1), 1, bytes32(0), block.number);
        vm.deal(owner, BOND);
        vm.expectRevert(IOutputOracle.OutputOracle_NotProposer.selector);
        vm.prank(owner);
        oracle.proposeOutput{value: BOND}(_root(1), 1, bytes32(0), block.number);
    }

    function test_proposeOutput_missingBond_reverts() public {
        vm.expectRevert(IOutputOracle.OutputOracle_WrongBond.selector);
        vm.prank(proposer);
        oracle.proposeOutput(_root(1), 1, bytes32(0), block.number);
    }

    function test_proposeOutput_wrongBond_reverts() public {
        vm.expectRevert(IOutputOracle.OutputOracle_WrongBond.selector);
        vm.prank(proposer);
        oracle.proposeOutput{value: BOND - 1}(_root(1), 1, bytes32(0), block.number);
        vm.expectRevert(IOutputOracle.OutputOracle_WrongBond.selector);
        vm.prank(proposer);
        oracle.proposeOutput{value: BOND + 1}(_root(1), 1, bytes32(0), block.number);
    }

    function test_proposeOutput_notSequential_reverts() public {
        _propose(10);
        vm.expectRevert(IOutputOracle.OutputOracle_NotSequential.selector);
        vm.prank(proposer);
        oracle.proposeOutput{value: BOND}(_root(10), 10, bytes32(0), block.number);
        vm.expectRevert(IOutputOracle.OutputOracle_NotSequential.selector);
        vm.prank(proposer);
        oracle.proposeOutput{value: BOND}(_root(9), 9, bytes32(0), block.number);
        _propose(11);
    }

    function test_proposeOutput_emptyRoot_reverts() public {
        vm.expectRevert(IOutputOracle.OutputOracle_EmptyOutputRoot.selector);
        vm.prank(proposer);
        oracle.proposeOutput{value: BOND}(bytes32(0), 1, bytes32(0), block.number);
    }

    function test_proposeOutput_l2BlockNumberTooLarge_reverts() public {
        vm.expectRevert(IOutputOracle.OutputOracle_L2BlockNumberTooLarge.selector);
        vm.prank(proposer);
        oracle.proposeOutput{value: BOND}(_root(1), uint256(type(uint64).max) + 1, bytes32(0), block.number);
    }

    function test_proposeOutput_l1Reorged_reverts() public {
        bytes32 canonical = keccak256("canonical L1 block 990");
        vm.setBlockhash(990, canonical);
        vm.expectRevert(IOutputOracle.OutputOracle_L1Reorged.selector);
        vm.prank(proposer);
        oracle.proposeOutput{value: BOND}(_root(1), 1, keccak256("orphaned L1 block 990"), 990);

        vm.prank(proposer);
        oracle.proposeOutput{value: BOND}(_root(1), 1, canonical, 990);
        vm.assertEq(oracle.nextOutputIndex(), 1, "accepted on the canonical hash");
    }

    function test_proposeOutput_l1HashUnavailable_succeeds() public {
        // Older than 256 blocks, or not mined yet: BLOCKHASH returns zero and the check is skipped.
        vm.prank(proposer);
        oracle.proposeOutput{value: BOND}(_root(1), 1, keccak256("old"), block.number - 300);
        vm.prank(proposer);
        oracle.proposeOutput{value: BOND}(_root(2), 2, keccak256("future"), block.number);
        vm.assertEq(oracle.nextOutputIndex(), 2, "both accepted");
    }

    // ------------------------------------------------------------------ finalizeOutput

    function test_finalizeOutput_afterWindow_succeeds() public {
        _propose(10);
        uint256 before = proposer.balance;
        vm.warp(block.timestamp + WINDOW + 1);

        vm.expectEmit(true, true, true, true, address(oracle));
        emit IOutputOracle.OutputFinalized(0, _root(10), 10);
        vm.expectEmit(true, true, true, true, address(oracle));
        emit IOutputOracle.BondPaid(proposer, BOND);
        vm.prank(mallory); // anyone may finalize
        oracle.finalizeOutput(0);

        vm.assertTrue(oracle.isFinalized(0), "final");
        vm.assertEq(oracle.finalizedCount(), 1, "count");
        vm.assertEq(oracle.latestFinalizedIndex(), 0, "latest final");
        vm.assertEq(proposer.balance, before + BOND, "bond returned");
        vm.assertEq(address(oracle).balance, 0, "nothing held");
    }

    function test_finalizeOutput_early_reverts() public {
        _propose(10);
        vm.expectRevert(IOutputOracle.OutputOracle_ChallengeWindowOpen.selector);
        oracle.finalizeOutput(0);
        vm.warp(block.timestamp + WINDOW); // the window's last second
        vm.expectRevert(IOutputOracle.OutputOracle_ChallengeWindowOpen.selector);
        oracle.finalizeOutput(0);
    }

    function test_finalizeOutput_twice_reverts() public {
        _propose(10);
        vm.warp(block.timestamp + WINDOW + 1);
        oracle.finalizeOutput(0);
        vm.expectRevert(IOutputOracle.OutputOracle_AlreadyFinalized.selector);
        oracle.finalizeOutput(0);
    }

    function test_finalizeOutput_outOfOrder_reverts() public {
        _propose(10);
        _propose(20);
        vm.warp(block.timestamp + WINDOW + 1);
        vm.expectRevert(IOutputOracle.OutputOracle_PreviousNotFinalized.selector);
        oracle.finalizeOutput(1);
        oracle.finalizeOutput(0);
        oracle.finalizeOutput(1);
        vm.assertEq(oracle.latestFinalizedIndex(), 1, "both final");
    }

    function test_finalizeOutput_unknown_reverts() public {
        vm.expectRevert(IOutputOracle.OutputOracle_UnknownOutput.selector);
        oracle.finalizeOutput(0);
    }

    function test_finalizeOutput_recipientNeedsGas_creditsBond() public {
        HungryProposer hungry = new HungryProposer(oracle);
        vm.prank(owner);
        oracle.setProposer(address(hungry));
        hungry.propose{value: BOND}(_root(1), 1);
        vm.warp(block.timestamp + WINDOW + 1);

        vm.expectEmit(true, true, true, true, address(oracle));
        emit IOutputOracle.BondCredited(address(hungry), BOND);
        oracle.finalizeOutput(0);
        vm.assertTrue(oracle.isFinalized(0), "finalized despite the failed push");
        vm.assertEq(oracle.credits(address(hungry)), BOND, "credited");

        vm.expectEmit(true, true, true, true, address(oracle));
        emit IOutputOracle.CreditClaimed(address(hungry), BOND);
        hungry.claim();
        vm.assertEq(hungry.received(), BOND, "pulled with enough gas");
        vm.assertEq(oracle.credits(address(hungry)), 0, "credit cleared");
        vm.expectRevert(IOutputOracle.OutputOracle_NoCredit.selector);
        hungry.claim();
    }

    function test_claimCredit_transferFails_reverts() public {
        PickyRecipient picky = new PickyRecipient(oracle);
        _propose(10);
        vm.prank(game);
        oracle.deleteOutputs(0, address(picky));
        vm.assertEq(oracle.credits(address(picky)), BOND, "credited");

        vm.expectRevert(IOutputOracle.OutputOracle_CreditTransferFailed.selector);
        picky.claim();
        vm.assertEq(oracle.credits(address(picky)), BOND, "credit kept");

        picky.setAccepting(true);
        picky.claim();
        vm.assertEq(address(picky).balance, BOND, "paid");
    }

    function test_claimCredit_noCredit_reverts() public {
        vm.expectRevert(IOutputOracle.OutputOracle_NoCredit.selector);
        vm.prank(mallory);
        oracle.claimCredit();
    }

    // ------------------------------------------------------------------ deleteOutputs

    function test_deleteOutputs_byGame_succeeds() public {
        _propose(10);
        _propose(20);
        _propose(30);
        address winner = address(0x3113);

        vm.expectEmit(true, true, true, true, address(oracle));
        emit IOutputOracle.OutputsDeleted(1, 3);
        vm.expectEmit(true, true, true, true, address(oracle));
        emit IOutputOracle.BondPaid(winner, 2 * BOND);
        vm.prank(game);
        oracle.deleteOutputs(1, winner);

        vm.assertEq(oracle.nextOutputIndex(), 1, "outputs 1 and 2 gone");
        vm.assertEq(oracle.latestOutput().outputRoot, _root(10), "output 0 kept");
        vm.assertEq(winner.balance, 2 * BOND, "winner takes the deleted bonds");
        vm.assertEq(address(oracle).balance, BOND, "bond of output 0 still held");
        vm.expectRevert(IOutputOracle.OutputOracle_UnknownOutput.selector);
        oracle.getOutput(1);

        // The proposer continues after output 0, at any later L2 block.
        uint256 index = _propose(15);
        vm.assertEq(index, 1, "index reused");
    }

    function test_deleteOutputs_notGame_reverts() public {
        _propose(10);
        address[3] memory others = [mallory, owner, proposer];
        for (uint256 i = 0; i < others.length; i++) {
            vm.expectRevert(IOutputOracle.OutputOracle_NotDisputeGame.selector);
            vm.prank(others[i]);
            oracle.deleteOutputs(0, others[i]);
        }
    }

    function test_deleteOutputs_noGameSet_reverts() public {
        vm.prank(owner);
        oracle.setDisputeGame(address(0));
        _propose(10);
        vm.expectRevert(IOutputOracle.OutputOracle_NotDisputeGame.selector);
        vm.prank(game);
        oracle.deleteOutputs(0, game);
    }

    function test_deleteOutputs_finalized_reverts() public {
        _propose(10);
        _propose(20);
        vm.warp(block.timestamp + WINDOW + 1);
        oracle.finalizeOutput(0);
        vm.expectRevert(IOutputOracle.OutputOracle_AlreadyFinalized.selector);
        vm.prank(game);
        oracle.deleteOutputs(0, game);
        vm.prank(game);
        oracle.deleteOutputs(1, game);
        vm.assertEq(oracle.nextOutputIndex(), 1, "the non-final output can go");
    }

    function test_deleteOutputs_unknown_reverts() public {
        _propose(10);
        vm.expectRevert(IOutputOracle.OutputOracle_UnknownOutput.selector);
        vm.prank(game);
        oracle.deleteOutputs(1, game);
    }

    function test_deleteOutputs_zeroRecipient_reverts() public {
        _propose(10);
        vm.expectRevert(IOutputOracle.OutputOracle_ZeroAddress.selector);
        vm.prank(game);
        oracle.deleteOutputs(0, address(0));
    }

    // ------------------------------------------------------------------ roles

    function test_setProposer_byOwner_succeeds() public {
        address next = address(0xB0B2);
        vm.deal(next, BOND);
        vm.expectEmit(true, true, true, true, address(oracle));
        emit IOutputOracle.ProposerUpdated(proposer, next);
        vm.prank(owner);
        oracle.setProposer(next);

        vm.expectRevert(IOutputOracle.OutputOracle_NotProposer.selector);
        vm.prank(proposer);
        oracle.proposeOutput{value: BOND}(_root(1), 1, bytes32(0), block.number);
        vm.prank(next);
        oracle.proposeOutput{value: BOND}(_root(1), 1, bytes32(0), block.number);
        vm.assertEq(oracle.getOutput(0).proposer, next, "new proposer recorded");
    }

    function test_setProposer_oldOutputsRefundOldProposer_succeeds() public {
        _propose(10);
        vm.prank(owner);
        oracle.setProposer(address(0xB0B2));
        uint256 before = proposer.balance;
        vm.warp(block.timestamp + WINDOW + 1);
        oracle.finalizeOutput(0);
        vm.assertEq(proposer.balance, before + BOND, "bond goes to whoever posted it");
    }

    function test_setProposer_notOwner_reverts() public {
        vm.expectRevert(IOutputOracle.OutputOracle_NotOwner.selector);
        vm.prank(proposer);
        oracle.setProposer(mallory);
    }

    function test_setProposer_zeroAddress_reverts() public {
        vm.expectRevert(IOutputOracle.OutputOracle_ZeroAddress.selector);
        vm.prank(owner);
        oracle.setProposer(address(0));
    }

    function test_setDisputeGame_byOwner_succeeds() public {
        address next = address(0x6A3F);
        vm.expectEmit(true, true, true, true, address(oracle));
        emit IOutputOracle.DisputeGameUpdated(game, next);
        vm.prank(owner);
        oracle.setDisputeGame(next);
        vm.assertEq(oracle.disputeGame(), next, "game");

        _propose(10);
        vm.expectRevert(IOutputOracle.OutputOracle_NotDisputeGame.selector);
        vm.prank(game);
        oracle.deleteOutputs(0, game);
        vm.prank(next);
        oracle.deleteOutputs(0, next);
    }

    function test_setDisputeGame_notOwner_reverts() public {
        vm.expectRevert(IOutputOracle.OutputOracle_NotOwner.selector);
        vm.prank(game);
        oracle.setDisputeGame(mallory);
    }

    function test_transferOwnership_byOwner_succeeds() public {
        address next = address(0x0A12);
        vm.expectEmit(true, true, true, true, address(oracle));
        emit IOutputOracle.OwnershipTransferred(owner, next);
        vm.prank(owner);
        oracle.transferOwnership(next);
        vm.assertEq(oracle.owner(), next, "owner");

        vm.expectRevert(IOutputOracle.OutputOracle_NotOwner.selector);
        vm.prank(owner);
        oracle.setProposer(mallory);
        vm.prank(next);
        oracle.setProposer(mallory);
    }

    function test_transferOwnership_notOwner_reverts() public {
        vm.expectRevert(IOutputOracle.OutputOracle_NotOwner.selector);
        vm.prank(mallory);
        oracle.transferOwnership(mallory);
    }

    function test_transferOwnership_zeroAddress_reverts() public {
        vm.expectRevert(IOutputOracle.OutputOracle_ZeroAddress.selector);
        vm.prank(owner);
        oracle.transferOwnership(address(0));
    }

    // ------------------------------------------------------------------ fuzz

    function testFuzz_finalizeOutput_anyDelay_opensExactlyAfterWindow(uint256 delay) public {
        delay = delay % (3 * WINDOW);
        _propose(10);
        vm.warp(block.timestamp + delay);
        if (delay <= WINDOW) {
            vm.expectRevert(IOutputOracle.OutputOracle_ChallengeWindowOpen.selector);
        }
        oracle.finalizeOutput(0);
        vm.assertEq(oracle.isFinalized(0), delay > WINDOW, "final iff the window has passed");
    }

    function testFuzz_proposeOutput_anyIncreasingBlocks_succeeds(uint64 start, uint16[8] memory steps) public {
        uint256 l2Block = start % (1 << 60);
        for (uint256 i = 0; i < steps.length; i++) {
            l2Block += uint256(steps[i]) + 1;
            vm.assertEq(_propose(l2Block), i, "sequential index");
            vm.assertEq(uint256(oracle.latestOutput().l2BlockNumber), l2Block, "l2 block");
        }
        vm.assertEq(address(oracle).balance, steps.length * BOND, "all bonds held");
    }

    function testFuzz_deleteOutputs_anyFromIndex_paysDeletedBonds(uint8 count, uint8 from) public {
        uint256 n = 1 + (count % 10);
        for (uint256 i = 0; i < n; i++) {
            _propose(10 * (i + 1));
        }
        uint256 fromIndex = from % n;
        address winner = address(0x3113);
        vm.prank(game);
        oracle.deleteOutputs(fromIndex, winner);
        vm.assertEq(oracle.nextOutputIndex(), fromIndex, "truncated");
        vm.assertEq(winner.balance, (n - fromIndex) * BOND, "deleted bonds to the winner");
        vm.assertEq(address(oracle).balance, fromIndex * BOND, "the rest held");
    }
}

/// @dev Drives the oracle with random proposals, time, finalizations, deletions and claims.
contract OutputOracleHandler is TestBase {
    OutputOracle internal immutable oracle;
    address internal immutable proposer;
    address internal immutable game;
    PickyRecipient internal immutable picky;
    uint256 internal immutable bond;

    uint256 public nextL2Block = 1;
    bytes32[] public finalizedRoots;
    uint256 public deletedCount;

    constructor(OutputOracle oracle_, address proposer_, address game_) {
        oracle = oracle_;
        proposer = proposer_;
        game = game_;
        bond = oracle_.bond();
        picky = new PickyRecipient(oracle_);
    }

    function propose(uint16 step, bytes32 root) external {
        if (root == bytes32(0)) root = bytes32(uint256(1));
        nextL2Block += step;
        vm.deal(proposer, bond);
        vm.prank(proposer);
        oracle.proposeOutput{value: bond}(root, nextL2Block, bytes32(0), block.number);
        nextL2Block += 1;
    }

    function warp(uint32 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 2 days));
    }

    function finalize() external {
        uint256 index = oracle.finalizedCount();
        if (index >= oracle.nextOutputIndex()) return;
        Types.Output memory o = oracle.getOutput(index);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp <= o.timestamp + oracle.challengeWindow()) return;
        oracle.finalizeOutput(index);
        finalizedRoots.push(o.outputRoot);
    }

    function deleteFrom(uint256 seed, bool toPicky) external {
        uint256 first = oracle.finalizedCount();
        uint256 next = oracle.nextOutputIndex();
        if (first >= next) return;
        uint256 fromIndex = first + seed % (next - first);
        vm.prank(game);
        oracle.deleteOutputs(fromIndex, toPicky ? address(picky) : game);
        deletedCount += next - fromIndex;
    }

    function claim(bool accept) external {
        picky.setAccepting(accept);
        if (oracle.credits(address(picky)) == 0) return;
        try picky.claim() {} catch {}
    }

    function finalizedRootCount() external view returns (uint256) {
        return finalizedRoots.length;
    }

    function pickyAddress() external view returns (address) {
        return address(picky);
    }
}

contract OutputOracleInvariantTest is OutputOracleTestBase {
    OutputOracleHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new OutputOracleHandler(oracle, proposer, game);
    }

    /// @dev Forge fuzzes calls to these contracts only.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice The oracle holds exactly the bonds of live, non-final outputs plus the credits.
    function invariant_balanceCoversBondsAndCredits() public view {
        uint256 held = 0;
        for (uint256 i = oracle.finalizedCount(); i < oracle.nextOutputIndex(); i++) {
            held += oracle.getOutput(i).bond;
        }
        held += oracle.credits(handler.pickyAddress());
        vm.assertEq(address(oracle).balance, held, "balance == live bonds + credits");
    }

    /// @notice Outputs are strictly increasing in L2 block number.
    function invariant_outputsSequential() public view {
        uint256 n = oracle.nextOutputIndex();
        for (uint256 i = 1; i < n; i++) {
            vm.assertGt(oracle.getOutput(i).l2BlockNumber, oracle.getOutput(i - 1).l2BlockNumber, "sequential");
        }
    }

    /// @notice Final outputs are never deleted or changed, and there are never more of them
    ///         than outputs.
    function invariant_finalOutputsImmutable() public view {
        uint256 finalized = oracle.finalizedCount();
        vm.assertLe(finalized, oracle.nextOutputIndex(), "final <= live");
        vm.assertEq(handler.finalizedRootCount(), finalized, "every finalization counted");
        for (uint256 i = 0; i < finalized; i++) {
            vm.assertEq(oracle.getOutput(i).outputRoot, handler.finalizedRoots(i), "final root unchanged");
        }
    }
}
