// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {WithdrawalFixture} from "../utils/WithdrawalFixture.sol";
import {TestBase} from "../utils/TestBase.sol";
import {OutputOracle} from "../../src/L1/OutputOracle.sol";
import {Portal} from "../../src/L1/Portal.sol";
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
