// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MachineCommitment as MC} from "./lib/MachineCommitment.sol";
import {BufferTree} from "./lib/BufferTree.sol";
import {StepWitness} from "./lib/StepWitness.sol";
import {FrameOps} from "./lib/FrameOps.sol";
import {WorldTries} from "./WorldTries.sol";

/// @title CallSteps
/// @notice CALL, CALLCODE, DELEGATECALL and STATICCALL, and the return to the caller
///         (docs/dispute/stepper.md, "Calls"). The instruction's step charges the call's gas,
///         suspends the caller on the call stack and hands the callee to `FrameSetup` (or, when
///         the call cannot start, pushes 0 and gives the gas back); the `Return` step resumes
///         the caller with the callee's outcome and starts copying its return data into memory.
///         The callee's calldata is a window of the caller's memory, and its return data a
///         window of its own: nothing is copied until the caller asks for it.
contract CallSteps {
    /// @notice Thrown when a part of the witness does not match the machine.
    error CallSteps_WrongWitness();

    /// @dev The EVM's call-depth limit.
    uint256 private constant DEPTH_LIMIT = 1024;
    /// @dev Gas of a call that transfers value, of one that creates the recipient by doing so,
    ///      and the stipend the callee gets with value.
    uint256 private constant TRANSFER_GAS = 9000;
    uint256 private constant NEW_ACCOUNT_GAS = 25000;
    uint256 private constant STIPEND = 2300;
    /// @dev What a cold account costs beyond a warm read (the instruction's static gas), and a
    ///      warm read (a delegate's).
    uint256 private constant COLD_SURCHARGE = 2500;
    uint256 private constant WARM_READ = 100;
    /// @dev The micro-step kind of a copy into memory (`CopySteps`).
    uint8 private constant COPY_MICRO = 2;
    /// @dev The code hash of an account without code.
    bytes32 private constant EMPTY_CODE = keccak256("");

    /// @notice The world-trie contract.
    WorldTries public immutable TRIES;

    /// @param tries The world-trie contract the stepper uses.
    constructor(WorldTries tries) {
        TRIES = tries;
    }

    /// @notice The call instruction's step: `w.frame` is the caller with the warm read charged
    ///         and pc advanced, `w.stack` the operands (gas, address, [value,] input offset and
    ///         size, output offset and size). Tries: 0 the code's account, 1 it against the
    ///         warm-account set, 2 the caller's account (its balance, when value moves), and for
    ///         an account delegating its code (EIP-7702) 3 the delegate, 4 the delegate against
    ///         the warm-account set; `data`: the code's account's code.
    function instruction(StepWitness.Witness memory w, uint256 op) external view returns (MC.Machine memory m) {
        MC.Frame memory f = w.frame;
        uint256[] memory s = w.stack;
        uint256 value = op == 0xf1 || op == 0xf2 ? s[2] : 0;
        uint256 io = op == 0xf1 || op == 0xf2 ? 3 : 2;
        if (op == 0xf1 && f.isStatic && value != 0) return FrameOps.halt(w.machine, f);
        if (!_expand(f, s[io], s[io + 1]) || !_expand(f, s[io + 2], s[io + 3])) return FrameOps.halt(w.machine, f);
        (bool ok, uint256 gas, bytes32 codeHash) = _charge(w, f, op, value);
        if (!ok) return FrameOps.halt(w.machine, f);
        f.stackLength -= s.length;
        f.stackHash = w.stackBelow;
        m = w.machine;
        m.world = MC.hash(w.world);
        bool tooDeep = f.depth + 1 > DEPTH_LIMIT;
        if (tooDeep || (value != 0 && TRIES.account(f.account, w.tries[2], w.world.stateRoot).balance < value)) {
            // The call fails before the callee starts: 0 on the stack, its gas back, no return data.
            f.gas += gas;
            _setReturnData(f, BufferTree.emptyRoot(), 0, 0);
            f.stackLength += 1;
            f.stackHash = MC.push(f.stackHash, 0);
            m.frame = MC.hash(f);
            return m;
        }
        // A call into a precompile runs it (`PrecompileSteps`), whatever code the account holds.
        if (FrameOps.isPrecompile(address(uint160(s[1])))) codeHash = FrameOps.precompileCode(address(uint160(s[1])));
        MC.Call memory link = MC.Call({
            kind: op == 0xf4 ? MC.CALL_DELEGATE : MC.CALL_TRANSFER,
            frame: MC.hash(f),
            account: address(0),
            returnOffset: s[io + 3] == 0 ? 0 : s[io + 2],
            returnSize: s[io + 3],
            below: m.callStack
        });
        m.phase = MC.Phase.FrameSetup;
        m.callStack = MC.hash(link);
        m.frame = MC.hash(_callee(f, op, s, codeHash, gas));
    }

    /// @dev Charges the call's gas beyond memory to `f` (value, cold account, new account) and
    ///      warms the target in `w.world`: false when the call halts; else the callee's gas (the
    ///      stipend included) and the code hash of the target.
    function _charge(StepWitness.Witness memory w, MC.Frame memory f, uint256 op, uint256 value)
        private
        view
        returns (bool ok, uint256 gas, bytes32 codeHash)
    {
        address target = address(uint160(w.stack[1]));
        MC.World memory world = w.world;
        if (MC.hash(world) != w.machine.world || MC.hash(w.context) != w.machine.context) {
            revert CallSteps_WrongWitness();
        }
        bool delegated = FrameOps.isDelegation(w.data);
        if (w.tries.length != (delegated ? 5 : 3)) revert CallSteps_WrongWitness();
        uint256 cost = value != 0 ? TRANSFER_GAS : 0;
        if (FrameOps.warmAccount(TRIES, w.context, world, target, w.tries[1])) cost += COLD_SURCHARGE;
        WorldTries.Account memory callee = TRIES.account(target, w.tries[0], world.stateRoot);
        codeHash = callee.exists ? callee.codeHash : EMPTY_CODE;
        if (keccak256(w.data) != codeHash) revert CallSteps_WrongWitness();
        bool empty = callee.nonce == 0 && callee.balance == 0 && codeHash == EMPTY_CODE;
        if (op == 0xf1 && value != 0 && empty) cost += NEW_ACCOUNT_GAS;
        if (delegated) (cost, codeHash) = _delegate(w, world, cost);
        if (f.gas < cost) return (false, 0, 0);
        f.gas -= cost;
        // EIP-150: the callee gets at most all but a 64th of what is left.
        uint256 available = f.gas - f.gas / 64;
        gas = w.stack[0] < available ? w.stack[0] : available;
        f.gas -= gas;
        if (value != 0) gas += STIPEND;
        ok = true;
    }

    /// @dev EIP-7702: a callee that delegates its code runs its delegate's (`data` the
    ///      delegation); reading the delegate costs a warm read, and the cold surcharge when
    ///      cold (tries 3 the delegate, 4 it against the warm-account set). Returns the
    ///      cost so far with that added, and the delegate's code hash.
    function _delegate(StepWitness.Witness memory w, MC.World memory world, uint256 cost)
        private
        view
        returns (uint256, bytes32)
    {
        address delegate = FrameOps.delegate(w.data);
        cost += WARM_READ;
        if (FrameOps.warmAccount(TRIES, w.context, world, delegate, w.tries[4])) cost += COLD_SURCHARGE;
        WorldTries.Account memory code = TRIES.account(delegate, w.tries[3], world.stateRoot);
        return (cost, code.exists ? code.codeHash : EMPTY_CODE);
    }

    /// @notice The `Return` step: the caller (`w.frame`, the call stack's top link `w.call`)
    ///         resumes with the callee's outcome (`w.outcome`): 1 on its stack when the callee
    ///         succeeded (a creation's new address, once its code is deposited), 0 otherwise, the callee's gas left back, its return data as the
    ///         caller's; as much of it as the call's output area holds is copied into memory by
    ///         `CopySteps` micro-steps.
    function ret(StepWitness.Witness memory w) external pure returns (MC.Machine memory m) {
        m = w.machine;
        MC.Outcome memory o = w.outcome;
        MC.Call memory link = w.call;
        MC.Frame memory f = w.frame;
        if (MC.hash(o) != m.frame || MC.hash(link) != m.callStack || MC.hash(f) != link.frame) {
            revert CallSteps_WrongWitness();
        }
        bool created = link.kind == MC.CALL_CREATE && o.status == MC.SUCCEEDED;
        // A creation's returned code is deposited first (`CreateSteps`).
        if (m.micro != 0 || (created && o.returnDataLength != 0)) revert CallSteps_WrongWitness();
        f.gas += o.gasLeft;
        f.stackLength += 1;
        f.stackHash = MC.push(f.stackHash, created ? uint160(link.account) : o.status == MC.SUCCEEDED ? 1 : 0);
        _setReturnData(f, o.returnDataRoot, o.returnDataOffset, o.returnDataLength);
        m.phase = MC.Phase.Run;
        m.callStack = link.below;
        m.frame = MC.hash(f);
        uint256 n = link.returnSize < o.returnDataLength ? link.returnSize : o.returnDataLength;
        if (n != 0) {
            uint256 end = o.returnDataOffset + o.returnDataLength;
            m.micro = MC.hash(
                MC.Micro({
                    kind: COPY_MICRO,
                    a: o.returnDataOffset,
                    b: link.returnOffset,
                    c: n,
                    d: o.returnDataRoot,
                    sponge: bytes32(end)
                })
            );
        }
    }

    /// @dev The callee's frame before `FrameSetup`: its calldata the input window of the
    ///      caller's memory, its code the one `codeHash` names.
    function _callee(MC.Frame memory f, uint256 op, uint256[] memory s, bytes32 codeHash, uint256 gas)
        private
        pure
        returns (MC.Frame memory c)
    {
        bool hasValue = op == 0xf1 || op == 0xf2;
        (uint256 inOffset, uint256 inSize) = hasValue ? (s[3], s[4]) : (s[2], s[3]);
        c.account = op == 0xf2 || op == 0xf4 ? f.account : address(uint160(s[1]));
        c.caller = op == 0xf4 ? f.caller : f.account;
        c.value = op == 0xf4 ? f.value : hasValue ? s[2] : 0;
        c.isStatic = f.isStatic || op == 0xfa;
        c.codeHash = codeHash;
        c.gas = gas;
        c.memoryRoot = BufferTree.emptyRoot();
        c.returnDataRoot = c.memoryRoot;
        if (inSize == 0) {
            c.calldataRoot = c.memoryRoot;
        } else {
            (c.calldataRoot, c.calldataOffset, c.calldataLength) = (f.memoryRoot, inOffset, inSize);
        }
        c.depth = f.depth + 1;
    }

    /// @dev Expands memory over `size` bytes at `offset` (nothing for a zero size); false when
    ///      an operand is out of range or the gas does not cover it.
    function _expand(MC.Frame memory f, uint256 offset, uint256 size) private pure returns (bool) {
        if (size == 0) return true;
        if (size >= FrameOps.OPERAND_LIMIT || offset >= FrameOps.OPERAND_LIMIT) return false;
        return FrameOps.expand(f, offset, size);
    }

    function _setReturnData(MC.Frame memory f, bytes32 root, uint256 offset, uint256 length) private pure {
        (f.returnDataRoot, f.returnDataOffset, f.returnDataLength) = (root, offset, length);
    }
}
