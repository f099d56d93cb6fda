// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/TestBase.sol";
import {PredeployArtifacts} from "../utils/PredeployArtifacts.sol";
import {FeeVault} from "../../src/L2/FeeVault.sol";
import {L2ToL1MessagePasser} from "../../src/L2/L2ToL1MessagePasser.sol";

/// @notice Genesis setup shared by the unit and invariant tests: the FeeVault and
///         L2ToL1MessagePasser runtime bytecode read from core/src/genesis/predeploys/ and etched
///         at the predeploy addresses, the vault configuration written into storage as genesis
///         does.
abstract contract FeeVaultSetup is PredeployArtifacts {
    address internal constant SEQUENCER_FEE_VAULT = 0x4200000000000000000000000000000000000011;
    address internal constant BASE_FEE_VAULT = 0x4200000000000000000000000000000000000019;
    address internal constant L1_FEE_VAULT = 0x420000000000000000000000000000000000001A;
    address internal constant MESSAGE_PASSER = 0x4200000000000000000000000000000000000016;

    function deployVault(address vault, address recipient, uint256 minWithdrawalAmount) internal {
        vm.etch(vault, predeployCode("FeeVault"));
        vm.store(vault, bytes32(uint256(0)), bytes32(uint256(uint160(recipient))));
        vm.store(vault, bytes32(uint256(1)), bytes32(minWithdrawalAmount));
    }

    function deployPasser() internal {
        vm.etch(MESSAGE_PASSER, predeployCode("L2ToL1MessagePasser"));
    }
}

contract FeeVaultTest is FeeVaultSetup {
    address internal constant SEQUENCER_RECIPIENT = address(0x5E0);
    address internal constant BASE_FEE_RECIPIENT = address(0xBA5E);
    address internal constant L1_FEE_RECIPIENT = address(0x11FEE);
    uint256 internal constant MIN = 10 ether;

    FeeVault internal vault;
    L2ToL1MessagePasser internal passer;
    address internal alice = address(0xA11CE);

    function setUp() public {
        deployPasser();
        deployVault(SEQUENCER_FEE_VAULT, SEQUENCER_RECIPIENT, MIN);
        deployVault(BASE_FEE_VAULT, BASE_FEE_RECIPIENT, 1 ether);
        deployVault(L1_FEE_VAULT, L1_FEE_RECIPIENT, 0);
        vault = FeeVault(payable(SEQUENCER_FEE_VAULT));
        passer = L2ToL1MessagePasser(payable(MESSAGE_PASSER));
    }

    function withdrawalHash(uint256 nonce, address from, address to, uint256 value) internal pure returns (bytes32) {
        return keccak256(abi.encode(nonce, from, to, value, uint256(400_000), hex""));
    }

    function test_genesisArtifactMatchesSource() public {
        bytes memory compiled = address(new FeeVault()).code;
        vm.assertEq(compiled, predeployCode("FeeVault"), "FeeVault.hex is stale: run tools/build-predeploys.sh");
    }

    function test_getters() public view {
        vm.assertEq(vault.recipient(), SEQUENCER_RECIPIENT, "recipient");
        vm.assertEq(vault.RECIPIENT(), SEQUENCER_RECIPIENT, "RECIPIENT");
        vm.assertEq(vault.minWithdrawalAmount(), MIN, "minWithdrawalAmount");
        vm.assertEq(vault.MIN_WITHDRAWAL_AMOUNT(), MIN, "MIN_WITHDRAWAL_AMOUNT");
        vm.assertEq(uint256(vault.withdrawalNetwork()), 0, "withdrawalNetwork is L1");
        vm.assertEq(uint256(vault.WITHDRAWAL_NETWORK()), 0, "WITHDRAWAL_NETWORK is L1");
        vm.assertEq(uint256(FeeVault.WithdrawalNetwork.L1), 0, "enum L1 = 0");
        vm.assertEq(vault.totalProcessed(), 0, "totalProcessed");
        vm.assertEq(vault.version(), "1.0.0", "version");
    }

    function test_threeVaultsHaveTheirOwnConfiguration() public view {
        FeeVault base = FeeVault(payable(BASE_FEE_VAULT));
        FeeVault l1 = FeeVault(payable(L1_FEE_VAULT));
        vm.assertEq(base.recipient(), BASE_FEE_RECIPIENT, "base fee recipient");
        vm.assertEq(base.minWithdrawalAmount(), 1 ether, "base fee minimum");
        vm.assertEq(l1.recipient(), L1_FEE_RECIPIENT, "l1 fee recipient");
        vm.assertEq(l1.minWithdrawalAmount(), 0, "l1 fee minimum");
        vm.assertEq(keccak256(BASE_FEE_VAULT.code), keccak256(SEQUENCER_FEE_VAULT.code), "same code");
        vm.assertEq(keccak256(L1_FEE_VAULT.code), keccak256(SEQUENCER_FEE_VAULT.code), "same code");
    }

    function test_receive() public {
        vm.deal(alice, 3 ether);
        vm.prank(alice);
        (bool ok,) = SEQUENCER_FEE_VAULT.call{value: 3 ether}("");
        vm.assertTrue(ok, "accepts ETH");
        vm.assertEq(SEQUENCER_FEE_VAULT.balance, 3 ether, "balance");
    }

    function test_withdraw_belowMinimum_reverts() public {
        vm.deal(SEQUENCER_FEE_VAULT, MIN - 1);
        vm.expectRevert(abi.encodeWithSelector(FeeVault.FeeVault_BelowMinimum.selector, MIN - 1, MIN));
        vault.withdraw();
        vm.assertEq(SEQUENCER_FEE_VAULT.balance, MIN - 1, "balance kept");
        vm.assertEq(vault.totalProcessed(), 0, "nothing processed");
    }

    function test_withdraw_atMinimum_sendsToL1() public {
        vm.deal(SEQUENCER_FEE_VAULT, MIN);
        uint256 nonce = passer.messageNonce();
        bytes32 hash = withdrawalHash(nonce, SEQUENCER_FEE_VAULT, SEQUENCER_RECIPIENT, MIN);

        vm.expectEmit(true, true, true, true, SEQUENCER_FEE_VAULT);
        emit FeeVault.Withdrawal(MIN, SEQUENCER_RECIPIENT, alice);
        vm.expectEmit(true, true, true, true, SEQUENCER_FEE_VAULT);
        emit FeeVault.Withdrawal(MIN, SEQUENCER_RECIPIENT, alice, FeeVault.WithdrawalNetwork.L1);
        vm.expectEmit(true, true, true, true, MESSAGE_PASSER);
        emit L2ToL1MessagePasser.MessagePassed(
            nonce, SEQUENCER_FEE_VAULT, SEQUENCER_RECIPIENT, MIN, 400_000, hex"", hash
        );
        vm.prank(alice);
        vault.withdraw();

        vm.assertEq(SEQUENCER_FEE_VAULT.balance, 0, "vault emptied");
        vm.assertEq(MESSAGE_PASSER.balance, MIN, "message passer holds the value");
        vm.assertTrue(passer.sentMessages(hash), "withdrawal recorded");
        vm.assertEq(passer.messageNonce(), nonce + 1, "nonce used");
        vm.assertEq(vault.totalProcessed(), MIN, "totalProcessed");
        vm.assertEq(vm.load(SEQUENCER_FEE_VAULT, bytes32(uint256(2))), bytes32(MIN), "totalProcessed at slot 2");
    }

    function test_withdraw_aboveMinimum_sendsWholeBalance() public {
        vm.deal(SEQUENCER_FEE_VAULT, MIN + 123);
        uint256 nonce = passer.messageNonce();
        vault.withdraw();
        bytes32 hash = withdrawalHash(nonce, SEQUENCER_FEE_VAULT, SEQUENCER_RECIPIENT, MIN + 123);
        vm.assertTrue(passer.sentMessages(hash), "whole balance withdrawn");
        vm.assertEq(SEQUENCER_FEE_VAULT.balance, 0, "vault emptied");
    }

    function test_withdraw_accumulatesTotalProcessed() public {
        vm.deal(SEQUENCER_FEE_VAULT, MIN);
        vault.withdraw();
        vm.deal(SEQUENCER_FEE_VAULT, 2 * MIN);
        vault.withdraw();
        vm.assertEq(vault.totalProcessed(), 3 * MIN, "sum of withdrawals");
        vm.assertEq(MESSAGE_PASSER.balance, 3 * MIN, "message passer holds both");
        vm.assertEq(passer.messageNonce(), (uint256(1) << 240) + 2, "two withdrawals");
    }

    function test_withdraw_zeroMinimum_allowsEmptyWithdrawal() public {
        FeeVault l1 = FeeVault(payable(L1_FEE_VAULT));
        uint256 nonce = passer.messageNonce();
        l1.withdraw();
        vm.assertTrue(passer.sentMessages(withdrawalHash(nonce, L1_FEE_VAULT, L1_FEE_RECIPIENT, 0)), "0-value recorded");
        vm.assertEq(l1.totalProcessed(), 0, "nothing processed");
    }

    function test_withdraw_vaultsAreIndependent() public {
        vm.deal(SEQUENCER_FEE_VAULT, MIN);
        vm.deal(BASE_FEE_VAULT, 5 ether);
        uint256 nonce = passer.messageNonce();
        FeeVault(payable(BASE_FEE_VAULT)).withdraw();
        vm.assertTrue(
            passer.sentMessages(withdrawalHash(nonce, BASE_FEE_VAULT, BASE_FEE_RECIPIENT, 5 ether)), "base fee vault"
        );
        vm.assertEq(SEQUENCER_FEE_VAULT.balance, MIN, "other vault untouched");
        vm.assertEq(vault.totalProcessed(), 0, "other vault's total untouched");
    }

    function testFuzz_withdraw(address caller, uint128 balance, uint128 minimum, address recipient) public {
        deployVault(SEQUENCER_FEE_VAULT, recipient, minimum);
        vm.deal(SEQUENCER_FEE_VAULT, balance);
        uint256 nonce = passer.messageNonce();
        if (balance < minimum) {
            vm.expectRevert(abi.encodeWithSelector(FeeVault.FeeVault_BelowMinimum.selector, balance, minimum));
            vm.prank(caller);
            vault.withdraw();
            vm.assertEq(SEQUENCER_FEE_VAULT.balance, balance, "balance kept");
            vm.assertEq(vault.totalProcessed(), 0, "nothing processed");
        } else {
            vm.prank(caller);
            vault.withdraw();
            vm.assertEq(SEQUENCER_FEE_VAULT.balance, 0, "vault emptied");
            vm.assertEq(vault.totalProcessed(), balance, "totalProcessed");
            vm.assertTrue(
                passer.sentMessages(withdrawalHash(nonce, SEQUENCER_FEE_VAULT, recipient, balance)),
                "withdrawal recorded"
            );
        }
    }
}

/// @notice Random fee credits and withdrawal attempts on one vault.
contract FeeVaultHandler is TestBase {
    address internal constant VAULT = 0x4200000000000000000000000000000000000011;

    uint256 public credited;
    uint256 public withdrawals;

    /// @dev A fee credit, as the state-transition function makes at the end of a block.
    function credit(uint96 amount) external {
        vm.deal(VAULT, VAULT.balance + amount);
        credited += amount;
    }

    /// @dev A plain transfer into the vault.
    function send(uint96 amount) external {
        vm.deal(address(this), amount);
        (bool ok,) = VAULT.call{value: amount}("");
        vm.assertTrue(ok, "vault accepts ETH");
        credited += amount;
    }

    function withdraw() external {
        FeeVault vault = FeeVault(payable(VAULT));
        uint256 balance = VAULT.balance;
        if (balance < vault.minWithdrawalAmount()) {
            try vault.withdraw() {
                vm.assertTrue(false, "withdrawal below the minimum succeeded");
            } catch (bytes memory reason) {
                vm.assertEq(
                    reason,
                    abi.encodeWithSelector(
                        FeeVault.FeeVault_BelowMinimum.selector, balance, vault.minWithdrawalAmount()
                    ),
                    "below-minimum error"
                );
            }
        } else {
            vault.withdraw();
            withdrawals++;
        }
    }
}

/// @notice Whatever the sequence of credits and withdrawals: no wei is lost or created, the
///         vault's total equals what reached the message passer, and every withdrawal is
///         recorded there.
contract FeeVaultInvariantTest is FeeVaultSetup {
    FeeVaultHandler internal handler;

    function setUp() public {
        deployPasser();
        deployVault(SEQUENCER_FEE_VAULT, address(0x5E0), 1 ether);
        handler = new FeeVaultHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_accounting() public view {
        FeeVault vault = FeeVault(payable(SEQUENCER_FEE_VAULT));
        vm.assertEq(vault.totalProcessed() + SEQUENCER_FEE_VAULT.balance, handler.credited(), "conservation");
        vm.assertEq(MESSAGE_PASSER.balance, vault.totalProcessed(), "processed = sent to L1");
        vm.assertEq(
            L2ToL1MessagePasser(payable(MESSAGE_PASSER)).messageNonce(),
            (uint256(1) << 240) + handler.withdrawals(),
            "one message per withdrawal"
        );
    }
}
