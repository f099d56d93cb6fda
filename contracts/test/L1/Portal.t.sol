// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {WithdrawalFixture} from "../utils/WithdrawalFixture.sol";
import {TestBase} from "../utils/TestBase.sol";
import {OutputOracle} from "../../src/L1/OutputOracle.sol";
import {Portal} from "../../src/L1/Portal.sol";
import {ResourceMetering} from "../../src/L1/ResourceMetering.sol";
import {IPortal} from "../../interfaces/L1/IPortal.sol";
import {AddressAlias} from "../../src/libraries/AddressAlias.sol";
import {Types} from "../../src/libraries/Types.sol";

/// @dev Etched at a withdrawal target: records the gas it got and the Portal's `l2Sender`.
contract RecordingTarget {
    uint256 public gasAtEntry;
    address public senderSeen;
    uint256 public valueSeen;

    fallback() external payable {
        _record();
    }

    receive() external payable {
        _record();
    }

    function _record() internal {
        gasAtEntry = gasleft();
        senderSeen = IPortal(msg.sender).l2Sender();
        valueSeen = msg.value;
    }
}

/// @dev Etched at a withdrawal target: always reverts.
contract RevertingTarget {
    fallback() external payable {
        revert("no");
    }

    receive() external payable {
        revert("no");
    }
}

/// @dev Etched at a withdrawal target: finalizes another withdrawal from inside the call.
contract NestingTarget {
    bytes public payload;
    bool public nestedOk;
    address public senderBefore;
    address public senderAfter;

    function setPayload(bytes calldata p) external {
        payload = p;
    }

    fallback() external payable {
        _nest();
    }

    receive() external payable {
        _nest();
    }

    function _nest() internal {
        senderBefore = IPortal(msg.sender).l2Sender();
        (nestedOk,) = msg.sender.call(payload);
        senderAfter = IPortal(msg.sender).l2Sender();
    }
}

/// @dev A contract depositing through the Portal.
contract Depositor {
    function deposit(IPortal portal, address to) external payable {
        portal.depositTransaction{value: msg.value}(to, 0, 50_000, false, hex"");
    }

    function send(address portal) external payable {
        (bool ok,) = portal.call{value: msg.value}("");
        require(ok, "send failed");
    }
}

contract PortalTestBase is WithdrawalFixture {
    OutputOracle internal oracle;
    Portal internal portal;
    address internal owner = address(0x0A11);
    address internal proposer = address(0xB0B);
    address internal game = address(0x6A3E);
    address internal alice = address(0xA11CE);
    uint256 internal constant WINDOW = 1 hours;
    uint256 internal constant BOND = 1 ether;

    function setUp() public virtual {
        vm.warp(1_700_000_000);
        vm.roll(1000);
        oracle = new OutputOracle(owner, proposer, WINDOW, BOND);
        vm.prank(owner);
        oracle.setDisputeGame(game);
        portal = new Portal(owner, oracle);
        vm.deal(proposer, 100 ether);
        vm.deal(alice, 100 ether);
    }
}

contract PortalDepositTest is PortalTestBase {
    function test_constructor_setsParameters_succeeds() public view {
        vm.assertEq(portal.owner(), owner, "owner");
        vm.assertEq(address(portal.oracle()), address(oracle), "oracle");
        vm.assertEq(portal.DEPOSIT_VERSION(), 0, "version");
        vm.assertEq(portal.MAX_DATA_SIZE(), 120_000, "max data");
        vm.assertEq(uint256(portal.MAX_GAS_LIMIT()), 1 << 23, "max gas");
        vm.assertEq(uint256(portal.RECEIVE_DEFAULT_GAS_LIMIT()), 100_000, "receive gas");
        vm.assertEq(uint256(portal.minimumGasLimit(100)), 25_000, "21000 + 40/byte");
    }

    function test_constructor_zeroAddress_reverts() public {
        vm.expectRevert(IPortal.Portal_ZeroAddress.selector);
        new Portal(address(0), oracle);
        vm.expectRevert(IPortal.Portal_ZeroAddress.selector);
        new Portal(owner, OutputOracle(address(0)));
    }

    function test_depositTransaction_fromEoa_emitsOpaqueData_succeeds() public {
        bytes memory data = hex"dead";
        // mint (32) ‖ value (32) ‖ gasLimit (8) ‖ isCreation (1) ‖ data
        bytes memory expected = hex"0000000000000000000000000000000000000000000000000000000000000001"
            hex"0000000000000000000000000000000000000000000000000000000000000002" hex"0000000000005258" hex"00"
            hex"dead";
        vm.expectEmit(true, true, true, true, address(portal));
        emit IPortal.TransactionDeposited(alice, address(0xB0B0), 0, expected);
        vm.prank(alice, alice);
        portal.depositTransaction{value: 1}(address(0xB0B0), 2, 21_000 + 80, false, data);
        vm.assertEq(address(portal).balance, 1, "mint held");
    }

    function test_depositTransaction_fromContract_aliasesSender() public {
        Depositor depositor = new Depositor();
        address aliased;
        unchecked {
            aliased = address(uint160(address(depositor)) + uint160(0x1111000000000000000000000000000000001111));
        }
        vm.expectEmit(true, true, true, true, address(portal));
        emit IPortal.TransactionDeposited(
            aliased, alice, 0, abi.encodePacked(uint256(5), uint256(0), uint64(50_000), false, hex"")
        );
        depositor.deposit{value: 5}(portal, alice);
        vm.assertEq(AddressAlias.undoAlias(aliased), address(depositor), "undoAlias");
    }

    function test_depositTransaction_prankedContractSender_aliases() public {
        address l1Contract = address(type(uint160).max);
        vm.deal(l1Contract, 1);
        vm.expectEmit(true, true, true, true, address(portal));
        // The alias wraps around 2^160.
        emit IPortal.TransactionDeposited(
            address(0x1111000000000000000000000000000000001110),
            alice,
            0,
            abi.encodePacked(uint256(1), uint256(1), uint64(21_000), false, hex"")
        );
        vm.prank(l1Contract, alice);
        portal.depositTransaction{value: 1}(alice, 1, 21_000, false, hex"");
    }

    function test_depositTransaction_creation_succeeds() public {
        bytes memory initCode = hex"600a600c600039600a6000f3602a60005260206000f3";
        vm.expectEmit(true, true, true, true, address(portal));
        emit IPortal.TransactionDeposited(
            alice, address(0), 0, abi.encodePacked(uint256(0), uint256(0), uint64(200_000), true, initCode)
        );
        vm.prank(alice, alice);
        portal.depositTransaction(address(0), 0, 200_000, true, initCode);
    }

    function test_depositTransaction_creationWithTarget_reverts() public {
        vm.expectRevert(IPortal.Portal_CreationWithTarget.selector);
        vm.prank(alice, alice);
        portal.depositTransaction(alice, 0, 200_000, true, hex"00");
    }

    function test_depositTransaction_gasLimitTooLow_reverts() public {
        bytes memory data = new bytes(100);
        vm.expectRevert(IPortal.Portal_GasLimitTooLow.selector);
        vm.prank(alice, alice);
        portal.depositTransaction(alice, 0, 24_999, false, data);
        vm.expectRevert(IPortal.Portal_GasLimitTooLow.selector);
        vm.prank(alice, alice);
        portal.depositTransaction(alice, 0, 20_999, false, hex"");

        vm.prank(alice, alice);
        portal.depositTransaction(alice, 0, 25_000, false, data); // exactly the minimum
    }

    function test_depositTransaction_gasLimitTooHigh_reverts() public {
        vm.expectRevert(IPortal.Portal_GasLimitTooHigh.selector);
        vm.prank(alice, alice);
        portal.depositTransaction(alice, 0, (1 << 23) + 1, false, hex"");

        vm.prank(alice, alice);
        portal.depositTransaction(alice, 0, 1 << 23, false, hex""); // exactly the cap
    }

    function test_depositTransaction_dataTooLarge_reverts() public {
        vm.expectRevert(IPortal.Portal_DataTooLarge.selector);
        vm.prank(alice, alice);
        portal.depositTransaction(alice, 0, 1 << 23, false, new bytes(120_001));

        vm.prank(alice, alice);
        portal.depositTransaction(alice, 0, 1 << 23, false, new bytes(120_000));
    }

    function test_receive_depositsToSender_succeeds() public {
        vm.expectEmit(true, true, true, true, address(portal));
        emit IPortal.TransactionDeposited(
            alice, alice, 0, abi.encodePacked(uint256(3 ether), uint256(3 ether), uint64(100_000), false, hex"")
        );
        vm.prank(alice, alice);
        (bool ok,) = address(portal).call{value: 3 ether}("");
        vm.assertTrue(ok, "accepted");
        vm.assertEq(address(portal).balance, 3 ether, "held");
    }

    function test_receive_fromContract_aliasesSenderOnly() public {
        Depositor depositor = new Depositor();
        address aliased = AddressAlias.applyAlias(address(depositor));
        vm.expectEmit(true, true, true, true, address(portal));
        emit IPortal.TransactionDeposited(
            aliased, address(depositor), 0, abi.encodePacked(uint256(7), uint256(7), uint64(100_000), false, hex"")
        );
        depositor.send{value: 7}(address(portal));
    }

    function test_transferOwnership_byOwner_succeeds() public {
        vm.expectEmit(true, true, true, true, address(portal));
        emit IPortal.OwnershipTransferred(owner, alice);
        vm.prank(owner);
        portal.transferOwnership(alice);
        vm.assertEq(portal.owner(), alice, "owner");
        vm.expectRevert(IPortal.Portal_NotOwner.selector);
        vm.prank(owner);
        portal.transferOwnership(owner);
    }

    function test_transferOwnership_zeroAddress_reverts() public {
        vm.expectRevert(IPortal.Portal_ZeroAddress.selector);
        vm.prank(owner);
        portal.transferOwnership(address(0));
    }

    function testFuzz_depositTransaction_anyValue_succeeds(
        uint96 mint,
        uint256 value,
        uint64 gasLimit,
        address to,
        bytes calldata data
    ) public {
        uint64 min = portal.minimumGasLimit(uint64(data.length));
        gasLimit = uint64(min + (gasLimit % ((1 << 23) - min + 1)));
        vm.deal(alice, mint);
        vm.expectEmit(true, true, true, true, address(portal));
        emit IPortal.TransactionDeposited(alice, to, 0, abi.encodePacked(uint256(mint), value, gasLimit, false, data));
        vm.prank(alice, alice);
        portal.depositTransaction{value: mint}(to, value, gasLimit, false, data);
        vm.assertEq(address(portal).balance, mint, "mint held");
    }

    function testFuzz_depositTransaction_gasLimitBounds(uint64 gasLimit, uint16 dataLength) public {
        bytes memory data = new bytes(dataLength);
        uint256 min = 21_000 + 40 * uint256(dataLength);
        if (gasLimit < min) vm.expectRevert(IPortal.Portal_GasLimitTooLow.selector);
        else if (gasLimit > 1 << 23) vm.expectRevert(IPortal.Portal_GasLimitTooHigh.selector);
        vm.prank(alice, alice);
        portal.depositTransaction(alice, 0, gasLimit, false, data);
    }

    function testFuzz_alias_roundTrip(address a) public pure {
        require(AddressAlias.undoAlias(AddressAlias.applyAlias(a)) == a, "round trip");
    }
}

contract PortalWithdrawalTest is PortalTestBase {
    uint256 internal outputIndex;
    Types.OutputRootProof internal outputProof;

    function setUp() public override {
        super.setUp();
        loadFixture();
        outputProof = fixtureOutputRootProof();
        uint256 l2Block = vm.parseJsonUint(fixture, ".l2BlockNumber");
        vm.prank(proposer);
        outputIndex = oracle.proposeOutput{value: BOND}(fixtureOutputRoot(), l2Block, bytes32(0), block.number);
        vm.warp(block.timestamp + WINDOW + 1);
        oracle.finalizeOutput(outputIndex);
        vm.deal(address(portal), 100 ether); // stands for the deposits that backed the L2 ETH
    }

    function _finalize(uint256 i) internal {
        portal.finalizeWithdrawal(fixtureWithdrawal(i), outputIndex, outputProof, fixtureStorageProof(i));
    }

    function test_hashes_matchMessagePasser_succeeds() public view {
        vm.assertEq(portal.hashWithdrawal(fixtureWithdrawal(0)), fixtureWithdrawalHash(0), "withdrawal hash");
        vm.assertEq(portal.withdrawalStorageSlot(fixtureWithdrawalHash(0)), fixtureSlot(0), "slot");
        vm.assertEq(portal.hashOutputRootProof(outputProof), fixtureOutputRoot(), "output root");
    }

    function test_finalizeWithdrawal_realProofs_succeeds() public {
        uint256 n = withdrawalCount();
        for (uint256 i = 0; i < n; i++) {
            Types.WithdrawalTransaction memory w = fixtureWithdrawal(i);
            uint256 before = w.target.balance;
            vm.expectEmit(true, true, true, true, address(portal));
            emit IPortal.WithdrawalFinalized(fixtureWithdrawalHash(i), true);
            vm.prank(alice); // anyone may relay
            _finalize(i);
            vm.assertTrue(portal.finalizedWithdrawals(fixtureWithdrawalHash(i)), "marked");
            vm.assertEq(w.target.balance, before + w.value, "value delivered");
        }
    }

    function test_finalizeWithdrawal_replayed_reverts() public {
        _finalize(0);
        vm.expectRevert(IPortal.Portal_AlreadyFinalized.selector);
        _finalize(0);
    }

    function test_finalizeWithdrawal_outputNotFinalized_reverts() public {
        vm.prank(proposer);
        uint256 pending = oracle.proposeOutput{value: BOND}(fixtureOutputRoot(), 1_000, bytes32(0), block.number);
        vm.expectRevert(IPortal.Portal_OutputNotFinalized.selector);
        portal.finalizeWithdrawal(fixtureWithdrawal(0), pending, outputProof, fixtureStorageProof(0));
        vm.expectRevert(IPortal.Portal_OutputNotFinalized.selector);
        portal.finalizeWithdrawal(fixtureWithdrawal(0), 99, outputProof, fixtureStorageProof(0));
    }

    function test_finalizeWithdrawal_deletedOutput_reverts() public {
        // A second output with the same contents, deleted by the game before it became final.
        vm.prank(proposer);
        uint256 index = oracle.proposeOutput{value: BOND}(fixtureOutputRoot(), 1_000, bytes32(0), block.number);
        vm.prank(game);
        oracle.deleteOutputs(index, game);
        vm.warp(block.timestamp + WINDOW + 1);
        vm.expectRevert(IPortal.Portal_OutputNotFinalized.selector);
        portal.finalizeWithdrawal(fixtureWithdrawal(0), index, outputProof, fixtureStorageProof(0));
    }

    function test_finalizeWithdrawal_wrongOutputRootProof_reverts() public {
        Types.OutputRootProof memory bad = outputProof;
        bad.stateRoot = keccak256("forged state");
        vm.expectRevert(IPortal.Portal_InvalidOutputRootProof.selector);
        portal.finalizeWithdrawal(fixtureWithdrawal(0), outputIndex, bad, fixtureStorageProof(0));

        bad = fixtureOutputRootProof();
        bad.version = bytes32(uint256(1));
        vm.expectRevert(IPortal.Portal_UnsupportedOutputVersion.selector);
        portal.finalizeWithdrawal(fixtureWithdrawal(0), outputIndex, bad, fixtureStorageProof(0));
    }

    function test_finalizeWithdrawal_forgedStorageRoot_reverts() public {
        // A storage root the output does not commit to cannot be smuggled in.
        Types.OutputRootProof memory bad = outputProof;
        bad.messagePasserStorageRoot = keccak256("a storage root of the attacker's choosing");
        vm.expectRevert(IPortal.Portal_InvalidOutputRootProof.selector);
        portal.finalizeWithdrawal(fixtureWithdrawal(0), outputIndex, bad, fixtureStorageProof(0));
    }

    function test_finalizeWithdrawal_forgedWithdrawal_reverts() public {
        // Withdrawal 0 with a bigger value: its slot is not in the trie.
        Types.WithdrawalTransaction memory w = fixtureWithdrawal(0);
        w.value = 99 ether;
        vm.expectRevert();
        portal.finalizeWithdrawal(w, outputIndex, outputProof, fixtureStorageProof(0));
    }

    function test_finalizeWithdrawal_otherWithdrawalsProof_reverts() public {
        vm.expectRevert();
        portal.finalizeWithdrawal(fixtureWithdrawal(2), outputIndex, outputProof, fixtureStorageProof(3));
    }

    function test_finalizeWithdrawal_tamperedProof_reverts() public {
        bytes[] memory proof = fixtureStorageProof(0);
        bytes memory leaf = proof[proof.length - 1];
        leaf[leaf.length - 1] = 0x02;
        vm.expectRevert();
        portal.finalizeWithdrawal(fixtureWithdrawal(0), outputIndex, outputProof, proof);
    }

    function test_finalizeWithdrawal_targetIsPortal_reverts() public {
        Types.WithdrawalTransaction memory w = fixtureWithdrawal(0);
        w.target = address(portal);
        vm.expectRevert(IPortal.Portal_BadTarget.selector);
        portal.finalizeWithdrawal(w, outputIndex, outputProof, fixtureStorageProof(0));
    }

    function test_finalizeWithdrawal_portalUnderfunded_reverts() public {
        vm.deal(address(portal), 0);
        vm.expectRevert(IPortal.Portal_InsufficientBalance.selector);
        _finalize(0); // 1 ether
        vm.assertFalse(portal.finalizedWithdrawals(fixtureWithdrawalHash(0)), "still retryable");
    }

    function test_finalizeWithdrawal_targetReverts_stillFinalized() public {
        Types.WithdrawalTransaction memory w = fixtureWithdrawal(0);
        vm.etch(w.target, address(new RevertingTarget()).code);
        uint256 held = address(portal).balance;
        vm.expectEmit(true, true, true, true, address(portal));
        emit IPortal.WithdrawalFinalized(fixtureWithdrawalHash(0), false);
        _finalize(0);
        vm.assertTrue(portal.finalizedWithdrawals(fixtureWithdrawalHash(0)), "finalized");
        vm.assertEq(address(portal).balance, held, "ETH stays in the Portal");
        vm.expectRevert(IPortal.Portal_AlreadyFinalized.selector);
        _finalize(0);
    }

    function test_finalizeWithdrawal_setsL2SenderDuringCall_succeeds() public {
        Types.WithdrawalTransaction memory w = fixtureWithdrawal(3);
        vm.etch(w.target, address(new RecordingTarget()).code);
        _finalize(3);
        vm.assertEq(RecordingTarget(payable(w.target)).senderSeen(), w.sender, "l2Sender in the call");
        vm.assertEq(portal.l2Sender(), address(0), "cleared afterwards");
        vm.assertGe(RecordingTarget(payable(w.target)).gasAtEntry(), w.gasLimit, "got its gas limit");
    }

    function test_finalizeWithdrawal_nested_restoresL2Sender() public {
        // Withdrawal 1's target finalizes withdrawal 3 from inside its call.
        Types.WithdrawalTransaction memory outer = fixtureWithdrawal(1);
        vm.etch(outer.target, address(new NestingTarget()).code);
        NestingTarget(payable(outer.target))
            .setPayload(
                abi.encodeCall(
                    IPortal.finalizeWithdrawal, (fixtureWithdrawal(3), outputIndex, outputProof, fixtureStorageProof(3))
                )
            );
        _finalize(1);
        NestingTarget t = NestingTarget(payable(outer.target));
        vm.assertTrue(t.nestedOk(), "nested finalization ran");
        vm.assertTrue(portal.finalizedWithdrawals(fixtureWithdrawalHash(3)), "inner finalized");
        vm.assertEq(t.senderBefore(), outer.sender, "outer sender");
        vm.assertEq(t.senderAfter(), outer.sender, "outer sender restored after the nested call");
    }

    function test_finalizeWithdrawal_reentrantReplay_fails() public {
        // Withdrawal 1's target tries to finalize withdrawal 1 again from inside its call.
        Types.WithdrawalTransaction memory w = fixtureWithdrawal(1);
        vm.etch(w.target, address(new NestingTarget()).code);
        NestingTarget(payable(w.target))
            .setPayload(
                abi.encodeCall(IPortal.finalizeWithdrawal, (w, outputIndex, outputProof, fixtureStorageProof(1)))
            );
        uint256 before = w.target.balance;
        _finalize(1);
        vm.assertFalse(NestingTarget(payable(w.target)).nestedOk(), "replay inside the call fails");
        vm.assertEq(w.target.balance, before + w.value, "paid once");
    }

    /// @dev With any amount of gas, finalization either reverts or gives the target at least
    ///      its gas limit: a withdrawal is never finalized with a starved call.
    function testFuzz_finalizeWithdrawal_anyGas_targetGetsGasLimit(uint256 gas) public {
        Types.WithdrawalTransaction memory w = fixtureWithdrawal(1); // gas limit 250,000
        vm.etch(w.target, address(new RecordingTarget()).code);
        gas = w.gasLimit + (gas % 500_000);
        bytes memory callData =
            abi.encodeCall(IPortal.finalizeWithdrawal, (w, outputIndex, outputProof, fixtureStorageProof(1)));
        (bool ok,) = address(portal).call{gas: gas}(callData);
        if (ok) {
            vm.assertTrue(portal.finalizedWithdrawals(fixtureWithdrawalHash(1)), "finalized");
            vm.assertGe(RecordingTarget(payable(w.target)).gasAtEntry(), w.gasLimit, "target got its gas limit");
            vm.assertEq(RecordingTarget(payable(w.target)).valueSeen(), w.value, "value");
        } else {
            vm.assertFalse(portal.finalizedWithdrawals(fixtureWithdrawalHash(1)), "not finalized");
        }
    }
}

/// @dev Exposes the deposit gas market's internals.
contract MeteringHarness is ResourceMetering {
    function nextBaseFee(uint256 baseFee, uint256 boughtGas, uint256 blockDiff) external pure returns (uint128) {
        return _nextBaseFee(baseFee, boughtGas, blockDiff);
    }

    function decay(uint256 value, uint256 blocks) external pure returns (uint256) {
        return _decay(value, blocks);
    }

    function buy(uint64 amount) external metered(amount) {}
}

contract PortalMeteringTest is PortalTestBase {
    uint64 internal constant LIMIT = 20_000_000;
    uint64 internal constant MAX_DEPOSIT = 1 << 23;

    function _deposit(uint64 gasLimit) internal {
        vm.prank(alice, alice);
        portal.depositTransaction(alice, 0, gasLimit, false, hex"");
    }

    /// @dev L1 gas a deposit costs its caller, measured around the call.
    function _depositCost(uint64 gasLimit) internal returns (uint256 cost) {
        vm.prank(alice, alice);
        uint256 before = gasleft();
        portal.depositTransaction(alice, 0, gasLimit, false, hex"");
        cost = before - gasleft();
    }

    function _params() internal view returns (uint256 baseFee, uint256 bought, uint256 blockNum) {
        (uint128 f, uint64 b, uint64 n) = portal.params();
        return (f, b, n);
    }

    /// @dev Buys the whole budget of the current L1 block: 8,388,608 + 8,388,608 + 3,222,784.
    function _fillBlock() internal {
        _deposit(MAX_DEPOSIT);
        _deposit(MAX_DEPOSIT);
        _deposit(LIMIT - 2 * MAX_DEPOSIT);
    }

    function test_constants_matchOpDefaults_succeeds() public view {
        vm.assertEq(uint256(portal.MAX_RESOURCE_LIMIT()), 20_000_000, "budget");
        vm.assertEq(uint256(portal.ELASTICITY_MULTIPLIER()), 10, "elasticity");
        vm.assertEq(uint256(portal.TARGET_RESOURCE_LIMIT()), 2_000_000, "target");
        vm.assertEq(uint256(portal.BASE_FEE_MAX_CHANGE_DENOMINATOR()), 8, "denominator");
        vm.assertEq(uint256(portal.MINIMUM_BASE_FEE()), 1 gwei, "min");
        vm.assertEq(uint256(portal.MAXIMUM_BASE_FEE()), type(uint128).max, "max");
        vm.assertEq(uint256(portal.SYSTEM_TX_MAX_GAS()), 1_000_000, "system tx");
        vm.assertEq(portal.MIN_L1_BASE_FEE(), 1 gwei, "L1 base fee floor");
        // Two largest deposits fit in one L1 block, a third does not.
        vm.assertGt(uint256(LIMIT), 2 * uint256(portal.MAX_GAS_LIMIT()), "two fit");
        vm.assertLt(uint256(LIMIT), 3 * uint256(portal.MAX_GAS_LIMIT()), "three do not");
    }

    function test_constructor_initialisesParams_succeeds() public view {
        (uint256 baseFee, uint256 bought, uint256 blockNum) = _params();
        vm.assertEq(baseFee, 1 gwei, "min price");
        vm.assertEq(bought, 0, "nothing bought");
        vm.assertEq(blockNum, 1000, "deployment block");
        // One packed slot (slot 0): prevBlockNum ‖ prevBoughtGas ‖ prevBaseFee.
        bytes32 word = vm.load(address(portal), bytes32(0));
        vm.assertEq(word, bytes32((uint256(1000) << 192) | uint256(1 gwei)), "packed slot 0");
    }

    function test_depositTransaction_recordsBoughtGas_succeeds() public {
        _deposit(100_000);
        _deposit(50_000);
        (uint256 baseFee, uint256 bought, uint256 blockNum) = _params();
        vm.assertEq(bought, 150_000, "bought");
        vm.assertEq(baseFee, 1 gwei, "price");
        vm.assertEq(blockNum, 1000, "block");

        vm.roll(1001);
        _deposit(21_000);
        (, bought, blockNum) = _params();
        vm.assertEq(bought, 21_000, "reset in a new block");
        vm.assertEq(blockNum, 1001, "block updated");
    }

    function test_receive_isMetered_succeeds() public {
        vm.prank(alice, alice);
        (bool ok,) = address(portal).call{value: 1}("");
        vm.assertTrue(ok, "accepted");
        (, uint256 bought,) = _params();
        vm.assertEq(bought, 100_000, "RECEIVE_DEFAULT_GAS_LIMIT bought");
    }

    function test_depositTransaction_beyondBlockBudget_revertsThenSucceedsNextBlock() public {
        _deposit(MAX_DEPOSIT);
        _deposit(MAX_DEPOSIT);
        uint64 available = LIMIT - 2 * MAX_DEPOSIT; // 3,222,784

        vm.expectRevert(
            abi.encodeWithSelector(ResourceMetering.Portal_DepositGasLimitExceeded.selector, MAX_DEPOSIT, available)
        );
        _deposit(MAX_DEPOSIT);

        // Exactly what is left still fits, then nothing does.
        _deposit(available);
        vm.expectRevert(abi.encodeWithSelector(ResourceMetering.Portal_DepositGasLimitExceeded.selector, 21_000, 0));
        _deposit(21_000);
        vm.expectRevert(abi.encodeWithSelector(ResourceMetering.Portal_DepositGasLimitExceeded.selector, 100_000, 0));
        vm.prank(alice, alice);
        (bool ok,) = address(portal).call{value: 1}("");
        vm.assertTrue(ok, "the call itself returns (expectRevert consumed the revert)");

        // The next L1 block has a fresh budget.
        vm.roll(block.number + 1);
        _deposit(MAX_DEPOSIT);
        (, uint256 bought,) = _params();
        vm.assertEq(bought, MAX_DEPOSIT, "bought in the new block");
    }

    function test_depositTransaction_checksPrecedeBudget_reverts() public {
        _fillBlock();
        vm.expectRevert(IPortal.Portal_GasLimitTooLow.selector);
        _deposit(20_999);
        vm.expectRevert(IPortal.Portal_GasLimitTooHigh.selector);
        _deposit(MAX_DEPOSIT + 1);
        vm.expectRevert(IPortal.Portal_CreationWithTarget.selector);
        vm.prank(alice, alice);
        portal.depositTransaction(alice, 0, 21_000, true, hex"");
    }

    function test_depositTransaction_fullBlock_raisesPrice() public {
        _fillBlock();
        vm.roll(block.number + 1);
        _deposit(21_000);
        (uint256 baseFee,,) = _params();
        // 1 gwei + 1 gwei * (20M - 2M) / (2M * 8)
        vm.assertEq(baseFee, 2.125 gwei, "up by 112.5%");
    }

    function test_depositTransaction_targetBlock_keepsPrice() public {
        _fillBlock();
        vm.roll(block.number + 1);
        _deposit(1_000_000);
        _deposit(1_000_000); // exactly the target in this block
        vm.roll(block.number + 1);
        _deposit(21_000);
        (uint256 baseFee,,) = _params();
        vm.assertEq(baseFee, 2.125 gwei, "unchanged at target");
    }

    function test_depositTransaction_emptyBlocks_decayPrice() public {
        _fillBlock();
        vm.roll(block.number + 5);
        _deposit(21_000);
        (uint256 baseFee,,) = _params();
        // One step for the full block (2.125 gwei), then four empty blocks: * (7/8)^4.
        // 2,125,000,000 * 0.586181640625 = 1,245,635,986.33
        vm.assertEq(baseFee, 1_245_635_986, "2.125 gwei * 0.875^4, rounded down");

        vm.roll(block.number + 1000);
        _deposit(21_000);
        (baseFee,,) = _params();
        vm.assertEq(baseFee, 1 gwei, "clamped at the minimum");
    }

    function test_depositTransaction_minimumPrice_staysAtMinimum() public {
        _deposit(21_000);
        vm.roll(block.number + 1);
        _deposit(21_000);
        (uint256 baseFee,,) = _params();
        vm.assertEq(baseFee, 1 gwei, "below target at the minimum: no change");
    }

    function test_depositTransaction_burn_largeDepositCostsMore() public {
        uint256 small = _depositCost(21_000);
        uint256 large = _depositCost(MAX_DEPOSIT);
        // At 1 gwei per L2 gas and an L1 base fee of at most 1 gwei, one L2 gas costs one L1 gas.
        vm.assertGe(large, MAX_DEPOSIT, "large deposit burns its gas limit");
        vm.assertLt(large, MAX_DEPOSIT + 20_000, "and not much more");
        vm.assertGe(small, 21_000, "small deposit pays at least its gas limit");
        vm.assertLt(small, 40_000, "small deposit stays cheap");
        vm.assertGt(large - small, MAX_DEPOSIT - 21_000 - 10_000, "difference is the gas bought");
    }

    function test_depositTransaction_burn_scalesWithPriceAndL1BaseFee() public {
        vm.fee(0);
        uint256 atFloor = _depositCost(1_000_000);
        vm.assertGe(atFloor, 1_000_000, "L1 base fee below 1 gwei counts as 1 gwei");

        vm.roll(block.number + 1);
        vm.fee(2 gwei);
        uint256 atTwoGwei = _depositCost(1_000_000);
        vm.assertGe(atTwoGwei, 500_000, "half the L1 gas when L1 gas costs twice as much");
        vm.assertLt(atTwoGwei, 520_000, "half the L1 gas, plus little");

        vm.roll(block.number + 1);
        vm.fee(100 gwei);
        uint256 cheap = _depositCost(1_000_000);
        vm.assertLt(cheap, 40_000, "the deposit's own work covers 10,000 L1 gas worth");

        // A higher price: after a full block, 2.125 gwei per L2 gas.
        vm.roll(block.number + 1);
        vm.fee(1 gwei);
        _fillBlock();
        vm.roll(block.number + 1);
        uint256 pricey = _depositCost(1_000_000);
        vm.assertGe(pricey, 2_125_000, "2.125 L1 gas per L2 gas");
        vm.assertLt(pricey, 2_145_000, "2.125 L1 gas per L2 gas, plus little");
    }

    function test_depositTransaction_tooLittleGasForBurn_reverts() public {
        bytes memory callData = abi.encodeCall(IPortal.depositTransaction, (alice, 0, 1_000_000, false, hex""));
        vm.prank(alice, alice);
        (bool ok,) = address(portal).call{gas: 500_000}(callData);
        vm.assertFalse(ok, "cannot buy 1M L2 gas with 500k L1 gas");
        (, uint256 bought,) = _params();
        vm.assertEq(bought, 0, "nothing bought");
    }

    function test_nextBaseFee_clampsAtMaximum_succeeds() public {
        MeteringHarness h = new MeteringHarness();
        vm.assertEq(uint256(h.nextBaseFee(type(uint128).max, LIMIT, 1)), type(uint128).max, "max");
        vm.assertEq(uint256(h.nextBaseFee(type(uint128).max - 1, LIMIT, 1)), type(uint128).max, "clamped");
        vm.assertEq(uint256(h.nextBaseFee(1 gwei, 0, type(uint64).max)), 1 gwei, "huge gap");
        vm.assertEq(h.decay(type(uint128).max, 1 << 40), 0, "factor underflows to zero");
        vm.assertEq(h.decay(8e9, 1), 7e9, "one block");
        vm.assertEq(h.decay(8e9, 0), 8e9, "no block");
    }

    function testFuzz_depositTransaction_blockBudget(uint64[6] memory limits) public {
        uint256 bought = 0;
        for (uint256 i = 0; i < limits.length; i++) {
            uint64 g = uint64(21_000 + limits[i] % (MAX_DEPOSIT - 21_000 + 1));
            if (bought + g > LIMIT) {
                vm.expectRevert(
                    abi.encodeWithSelector(ResourceMetering.Portal_DepositGasLimitExceeded.selector, g, LIMIT - bought)
                );
                _deposit(g);
            } else {
                _deposit(g);
                bought += g;
            }
            (, uint256 recorded,) = _params();
            vm.assertEq(recorded, bought, "bought so far");
        }
    }

    function testFuzz_depositTransaction_burnCoversPrice(uint64 gasLimit, uint64 l1BaseFee) public {
        gasLimit = uint64(21_000 + gasLimit % (MAX_DEPOSIT - 21_000 + 1));
        vm.fee(l1BaseFee);
        uint256 divisor = l1BaseFee > 1 gwei ? l1BaseFee : 1 gwei;
        uint256 expected = uint256(gasLimit) * 1 gwei / divisor;
        uint256 cost = _depositCost(gasLimit);
        vm.assertGe(cost, expected, "at least the price of the L2 gas");
        // Never more than the price plus the deposit's own work.
        vm.assertLe(cost, (expected > 30_000 ? expected : 30_000) + 10_000, "at most price + work");
    }

    function testFuzz_nextBaseFee_boundsAndDirection(uint128 baseFee, uint64 bought, uint64 blockDiff) public {
        MeteringHarness h = new MeteringHarness();
        uint256 fee = baseFee < 1 gwei ? 1 gwei : baseFee;
        uint256 b = bought % (LIMIT + 1);
        uint256 diff = 1 + blockDiff % 10_000;
        uint256 next = h.nextBaseFee(fee, b, diff);
        vm.assertGe(next, 1 gwei, "at least the minimum");
        vm.assertLe(next, type(uint128).max, "at most the maximum");
        if (diff == 1) {
            if (b > 2_000_000) vm.assertGe(next, fee, "demand above target raises the price");
            else if (b < 2_000_000) vm.assertLe(next, fee, "demand below target lowers the price");
            else vm.assertEq(next, fee, "demand at target keeps the price");
            // At most +112.5%, at most -12.5%.
            vm.assertLe(next, fee + fee * 9 / 8, "bounded rise");
            vm.assertGe(next, fee - fee / 8, "bounded fall");
        } else if (b <= 2_000_000) {
            vm.assertLe(next, fee, "no demand, no rise");
        }
    }

    /// @dev The multi-block decay equals applying the one-empty-block step once per block.
    function testFuzz_decay_matchesRepeatedEmptyBlocks(uint128 value, uint8 blocks) public {
        MeteringHarness h = new MeteringHarness();
        uint256 n = blocks % 100;
        uint256 stepwise = value;
        for (uint256 i = 0; i < n; i++) {
            stepwise -= stepwise / 8;
        }
        uint256 decayed = h.decay(value, n);
        vm.assertApproxEqAbs(decayed, stepwise, uint256(value) / 1e12 + n + 1, "cdexp == repeated 7/8");
    }

    /// @dev A skipped stretch of empty blocks prices deposits like the same blocks one by one.
    function testFuzz_nextBaseFee_skippedBlocksMatchStepwise(uint128 baseFee, uint64 bought, uint8 blocks) public {
        MeteringHarness h = new MeteringHarness();
        uint256 fee = baseFee < 1 gwei ? 1 gwei : baseFee;
        uint256 b = bought % (LIMIT + 1);
        uint256 diff = 1 + blocks % 64;
        uint256 stepwise = h.nextBaseFee(fee, b, 1);
        for (uint256 i = 1; i < diff; i++) {
            stepwise = h.nextBaseFee(stepwise, 0, 1);
        }
        uint256 skipped = h.nextBaseFee(fee, b, diff);
        vm.assertApproxEqAbs(skipped, stepwise, stepwise / 1e12 + diff + 1, "skip == step by step");
    }
}

/// @dev Drives the Portal's deposit gas market with random deposits, blocks and L1 base fees.
contract MeteringHandler is TestBase {
    uint64 internal constant LIMIT = 20_000_000;
    /// @dev Gas given to each deposit; one whose burn does not fit runs out of gas.
    uint256 internal constant CALL_GAS = 30_000_000;

    Portal internal immutable portal;
    MeteringHarness internal immutable model;

    uint256 public ghostBlock;
    uint256 public ghostBought;
    uint256 public maxBoughtSeen;
    uint256 public deposits;
    uint256 public budgetReverts;
    uint256 public outOfGas;

    constructor(Portal portal_) {
        portal = portal_;
        model = new MeteringHarness();
    }

    function deposit(uint64 gasLimit) external {
        uint64 maxGas = portal.MAX_GAS_LIMIT();
        gasLimit = uint64(21_000 + gasLimit % (maxGas - 21_000 + 1));
        (uint256 price, uint256 boughtNow, uint256 cost) = _expect(gasLimit);

        uint256 before = gasleft();
        try portal.depositTransaction{gas: CALL_GAS}(address(this), 0, gasLimit, false, hex"") {
            vm.assertGe(before - gasleft(), cost, "the burn covers the price");
            _checkSuccess(gasLimit, price, boughtNow);
        } catch (bytes memory reason) {
            if (reason.length == 0) {
                // Out of gas: only when the burn alone needs nearly all of CALL_GAS.
                vm.assertGt(cost, CALL_GAS - 100_000, "out of gas only for an expensive deposit");
                outOfGas++;
                return;
            }
            vm.assertEq(
                reason,
                abi.encodeWithSelector(
                    ResourceMetering.Portal_DepositGasLimitExceeded.selector, gasLimit, LIMIT - boughtNow
                ),
                "budget error with what is left"
            );
            vm.assertGt(boughtNow + gasLimit, LIMIT, "only beyond the budget");
            budgetReverts++;
        }
    }

    /// @dev What the Portal should do, from its state before the call: the price and the gas
    ///      already bought in this block after the update, and the L1 gas the deposit costs.
    function _expect(uint64 gasLimit) internal view returns (uint256 price, uint256 boughtNow, uint256 cost) {
        (uint128 fee, uint64 bought, uint64 blockNum) = portal.params();
        price = fee;
        boughtNow = bought;
        if (block.number > blockNum) {
            price = model.nextBaseFee(fee, bought, block.number - blockNum);
            boughtNow = 0;
        }
        uint256 l1BaseFee = block.basefee > 1 gwei ? block.basefee : 1 gwei;
        cost = uint256(gasLimit) * price / l1BaseFee;
    }

    function _checkSuccess(uint64 gasLimit, uint256 price, uint256 boughtNow) internal {
        vm.assertLe(boughtNow + gasLimit, LIMIT, "only deposits within the budget succeed");
        (uint128 newFee, uint64 newBought, uint64 newBlock) = portal.params();
        vm.assertEq(uint256(newFee), price, "price as modelled");
        vm.assertEq(uint256(newBought), boughtNow + gasLimit, "bought as modelled");
        vm.assertEq(uint256(newBlock), block.number, "block updated");
        if (ghostBlock != block.number) {
            ghostBlock = block.number;
            ghostBought = 0;
        }
        ghostBought += gasLimit;
        if (ghostBought > maxBoughtSeen) maxBoughtSeen = ghostBought;
        deposits++;
    }

    function roll(uint16 blocks) external {
        // Mostly the next block, sometimes a long gap.
        uint256 gap = blocks % 8 == 0 ? blocks % 600 : 1 + blocks % 3;
        vm.roll(block.number + gap);
    }

    function setL1BaseFee(uint64 basefee) external {
        vm.fee(basefee % 200 gwei);
    }
}

contract PortalMeteringInvariantTest is PortalTestBase {
    MeteringHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new MeteringHandler(portal);
    }

    /// @dev Forge fuzzes calls to these contracts only.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// @notice Deposits in one L1 block never buy more than the budget.
    function invariant_boughtGasWithinBudget() public view {
        (, uint64 bought, uint64 blockNum) = portal.params();
        vm.assertLe(uint256(bought), portal.MAX_RESOURCE_LIMIT(), "recorded within budget");
        vm.assertLe(handler.maxBoughtSeen(), portal.MAX_RESOURCE_LIMIT(), "never more in any block");
        if (handler.ghostBlock() == blockNum) vm.assertEq(uint256(bought), handler.ghostBought(), "all counted");
        vm.assertLe(uint256(blockNum), block.number, "not in the future");
    }

    /// @notice The price stays within [MINIMUM_BASE_FEE, MAXIMUM_BASE_FEE].
    function invariant_baseFeeWithinBounds() public view {
        (uint128 fee,,) = portal.params();
        vm.assertGe(uint256(fee), portal.MINIMUM_BASE_FEE(), "at least the minimum");
        vm.assertLe(uint256(fee), portal.MAXIMUM_BASE_FEE(), "at most the maximum");
    }
}
