// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MachineCommitment as MC} from "./lib/MachineCommitment.sol";
import {StepWitness} from "./lib/StepWitness.sol";
import {FrameOps} from "./lib/FrameOps.sol";
import {WorldTries} from "./WorldTries.sol";

/// @title SelfDestructSteps
/// @notice SELFDESTRUCT with Cancun's semantics (EIP-6780; docs/dispute/stepper.md,
///         "SELFDESTRUCT"): the frame's balance moves to the beneficiary and the frame stops; an
///         account created in the same transaction is also destroyed: its balance is gone even
///         when it names itself, and it joins the world's `destroyed` chain, whose accounts
///         `TxEnd` deletes one per step once the transaction has paid its fees.
contract SelfDestructSteps {
    /// @notice Thrown when a part of the witness does not match the machine.
    error SelfDestructSteps_WrongWitness();

    /// @dev What a cold beneficiary costs (EIP-2929: the whole cold access, no warm read in the
    ///      instruction's static gas), and a beneficiary the balance brings into existence.
    uint256 private constant COLD_ACCOUNT = 2600;
    uint256 private constant NEW_ACCOUNT = 25000;
    /// @dev The code hash of an account without code.
    bytes32 private constant EMPTY_CODE = keccak256("");

    /// @notice The world-trie contract.
    WorldTries public immutable TRIES;

    /// @param tries The world-trie contract the stepper uses.
    constructor(WorldTries tries) {
        TRIES = tries;
    }

    /// @notice SELFDESTRUCT's step: `w.frame` has its static gas (5,000) charged and pc
    ///         advanced, `w.stack` is the beneficiary. Tries: 0 the frame's account, 1 the
    ///         beneficiary against the warm-account set, 2 the beneficiary after the frame's
    ///         account is updated (none when it is the frame's account), 3 the frame's account
    ///         at the transaction's start; `data`: the frame's account's code; `sibling`: the
    ///         collapse witness when the beneficiary, touched and empty, is deleted.
    function instruction(StepWitness.Witness memory w) external view returns (MC.Machine memory m) {
        MC.Frame memory f = w.frame;
        m = w.machine;
        if (f.isStatic) return FrameOps.halt(m, f);
        MC.World memory world = w.world;
        if (MC.hash(world) != m.world || MC.hash(w.context) != m.context || w.tries.length != 4) {
            revert SelfDestructSteps_WrongWitness();
        }
        address beneficiary = address(uint160(w.stack[0]));
        bool cold = FrameOps.warmAccount(TRIES, w.context, world, beneficiary, w.tries[1]);
        WorldTries.Account memory self = TRIES.account(f.account, w.tries[0], world.stateRoot);
        bool created = _createdInTransaction(w, self, world.txStartRoot);
        // The frame's account first (its balance leaves it), then the beneficiary: the two
        // writes commute, and this order proves each against the root before it.
        if (created || beneficiary != f.account) {
            world.stateRoot = TRIES.setAccount(f.account, self, self.nonce, 0, w.tries[0], "", world.stateRoot);
        }
        bool fresh = beneficiary != f.account && _credit(w, world, beneficiary, self.balance);
        uint256 cost = (cold ? COLD_ACCOUNT : 0) + (self.balance != 0 && fresh ? NEW_ACCOUNT : 0);
        if (f.gas < cost) return FrameOps.halt(m, f);
        f.gas -= cost;
        if (created) world.destroyed = keccak256(abi.encodePacked(world.destroyed, f.account));
        m.world = MC.hash(world);
        return FrameOps.end(m, f, MC.SUCCEEDED);
    }

    /// @dev Credits `amount` to `beneficiary` (tries 2; one left empty is touched and deleted,
    ///      EIP-161): whether it was empty before.
    function _credit(StepWitness.Witness memory w, MC.World memory world, address beneficiary, uint256 amount)
        private
        view
        returns (bool fresh)
    {
        WorldTries.Account memory to = TRIES.account(beneficiary, w.tries[2], world.stateRoot);
        fresh = !to.exists || (to.nonce == 0 && to.balance == 0 && to.codeHash == EMPTY_CODE);
        uint256 balance = to.balance + amount;
        if (to.exists || balance != 0) {
            world.stateRoot =
                TRIES.setAccount(beneficiary, to, to.nonce, balance, w.tries[2], w.sibling, world.stateRoot);
        }
    }

    /// @dev Whether the frame's account was created in this transaction (EIP-6780). A creation
    ///      needs an account without nonce or code at the transaction's start and leaves it
    ///      with nonce 1; the only other ways to such an account's nonce (being the sender,
    ///      which `txStartRoot` already counts, or an EIP-7702 authority, which then holds a
    ///      delegation) do not make it created. A reverted creation restores the nonce with the
    ///      rest of the world.
    function _createdInTransaction(StepWitness.Witness memory w, WorldTries.Account memory self, bytes32 startRoot)
        private
        view
        returns (bool)
    {
        if (keccak256(w.data) != self.codeHash) revert SelfDestructSteps_WrongWitness();
        WorldTries.Account memory start = TRIES.account(w.frame.account, w.tries[3], startRoot);
        bool blank = !start.exists || (start.nonce == 0 && start.codeHash == EMPTY_CODE);
        return blank && self.nonce != 0 && !FrameOps.isDelegation(w.data);
    }
}
