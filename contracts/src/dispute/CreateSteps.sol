// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MachineCommitment as MC} from "./lib/MachineCommitment.sol";
import {BufferTree} from "./lib/BufferTree.sol";
import {StepWitness} from "./lib/StepWitness.sol";
import {FrameOps} from "./lib/FrameOps.sol";
import {KeccakSponge} from "../libraries/KeccakSponge.sol";
import {WorldTries} from "./WorldTries.sol";

/// @title CreateSteps
/// @notice CREATE and CREATE2, and the deposit of a created contract's code
///         (docs/dispute/stepper.md, "Creates"). The instruction's step charges the creation
///         and starts hashing the init code out of memory (micro-steps of kind 5, 8 blocks
///         each); the last one bumps the creator's nonce, derives and warms the new address
///         and either hands the new frame to `FrameSetup` or fails the creation at once
///         (too deep, short of value, an address in use). When the init code returns, the code
///         it returned is hashed out of its memory (kind 6) and written to the new account
///         before the creator resumes (`Return`) or the transaction ends (`TxEnd`).
contract CreateSteps {
    /// @notice Thrown when a part of the witness does not match the machine.
    error CreateSteps_WrongWitness();

    /// @notice Bytes hashed per step: 8 blocks of 136 bytes.
    uint256 public constant CHUNK = 8 * KeccakSponge.RATE;
    /// @dev The micro-step kinds: the init code's hash, the deposited code's hash.
    uint8 private constant INIT_MICRO = 5;
    uint8 private constant DEPOSIT_MICRO = 6;
    /// @dev The EVM's call-depth limit and the largest init code (EIP-3860).
    uint256 private constant DEPTH_LIMIT = 1024;
    uint256 private constant MAX_INITCODE_SIZE = 49152;
    /// @dev Gas of a creation, per word of init code (EIP-3860) and per word CREATE2 hashes.
    uint256 private constant CREATE_GAS = 32000;
    uint256 private constant INITCODE_WORD_GAS = 2;
    uint256 private constant HASH_WORD_GAS = 6;
    /// @dev The code hash of an account without code.
    bytes32 private constant EMPTY_CODE = keccak256("");

    /// @notice The world-trie contract.
    WorldTries public immutable TRIES;

    /// @param tries The world-trie contract the stepper uses.
    constructor(WorldTries tries) {
        TRIES = tries;
    }

    /// @notice The instruction's step: `w.frame` is the creator with pc advanced, `w.stack` the
    ///         operands (value, offset, size, and the salt for CREATE2). The operands stay on
    ///         the stack until the init code is hashed.
    function instruction(StepWitness.Witness memory w, uint256 op) external view returns (MC.Machine memory) {
        MC.Frame memory f = w.frame;
        (uint256 offset, uint256 size) = (w.stack[1], w.stack[2]);
        if (f.isStatic || size >= FrameOps.OPERAND_LIMIT) return FrameOps.halt(w.machine, f);
        uint256 words = (size + 31) / 32;
        uint256 cost = CREATE_GAS + INITCODE_WORD_GAS * words + (op == 0xf5 ? HASH_WORD_GAS * words : 0);
        if (size != 0) {
            if (size > MAX_INITCODE_SIZE || offset >= FrameOps.OPERAND_LIMIT) return FrameOps.halt(w.machine, f);
            if (!FrameOps.expand(f, offset, size)) return FrameOps.halt(w.machine, f);
        }
        if (f.gas < cost) return FrameOps.halt(w.machine, f);
        f.gas -= cost;
        // EIP-150: the init code gets all but a 64th of what is left.
        uint256 gas = f.gas - f.gas / 64;
        f.gas -= gas;
        MC.Micro memory m = MC.Micro({
            kind: INIT_MICRO,
            a: offset,
            b: size,
            c: gas,
            d: bytes32(op),
            sponge: KeccakSponge.commit(KeccakSponge.empty())
        });
        return _initChunk(w, f, KeccakSponge.empty(), m);
    }

    /// @notice A micro-step: the next chunk of the init code's hash, or of the deposited code's.
    function micro(StepWitness.Witness memory w) external view returns (MC.Machine memory) {
        MC.Micro memory m = w.micro;
        KeccakSponge.State memory s = KeccakSponge.State(w.sponge);
        if (MC.hash(m) != w.machine.micro || KeccakSponge.commit(s) != m.sponge) revert CreateSteps_WrongWitness();
        if (m.kind == INIT_MICRO) {
            // The init code is hashed in `Run`, where `EVMStepper` has checked the frame.
            if (w.machine.phase != MC.Phase.Run) revert CreateSteps_WrongWitness();
            return _initChunk(w, w.frame, s, m);
        }
        if (m.kind != DEPOSIT_MICRO) revert CreateSteps_WrongWitness();
        return _depositChunk(w, s, m);
    }

    /// @notice The first step of a code deposit: the init code of a creation (`Return` with a
    ///         CREATE link, or `TxEnd` of a contract-creating transaction) returned code, which
    ///         is hashed out of its memory window and written to the new account.
    function deposit(StepWitness.Witness memory w) external view returns (MC.Machine memory) {
        if (w.machine.micro != 0) revert CreateSteps_WrongWitness();
        MC.Outcome memory o = w.outcome;
        MC.Micro memory m = MC.Micro({
            kind: DEPOSIT_MICRO,
            a: o.returnDataOffset,
            b: o.returnDataLength,
            c: 0,
            d: 0,
            sponge: KeccakSponge.commit(KeccakSponge.empty())
        });
        return _depositChunk(w, KeccakSponge.empty(), m);
    }

    // ------------------------------------------------------------------ the init code

    /// @dev Absorbs the next chunk of the init code (`m.a` its offset in memory, `m.b` the bytes
    ///      left); the last one creates.
    function _initChunk(StepWitness.Witness memory w, MC.Frame memory f, KeccakSponge.State memory s, MC.Micro memory m)
        private
        view
        returns (MC.Machine memory next)
    {
        uint256 n = m.b > CHUNK ? CHUNK : m.b;
        bytes memory data = FrameOps.read(f.memoryRoot, w.words, w.wordProofs, m.a, n);
        if (m.b > CHUNK) {
            KeccakSponge.absorbBlocks(s, data, 0, CHUNK / KeccakSponge.RATE);
            (m.a, m.b, m.sponge) = (m.a + CHUNK, m.b - CHUNK, KeccakSponge.commit(s));
            next = w.machine;
            next.micro = MC.hash(m);
            next.frame = MC.hash(f);
            return next;
        }
        return _create(w, f, KeccakSponge.finish(s, data, data.length), m);
    }

    /// @dev With the init code hashed: pops the operands, bumps the creator's nonce, derives and
    ///      warms the new address, and enters `FrameSetup` for the new frame, or fails the
    ///      creation at once. Tries: 0 the creator, 1 the new address against the warm-account
    ///      set, 2 the new address after the nonce's bump.
    function _create(StepWitness.Witness memory w, MC.Frame memory f, bytes32 initHash, MC.Micro memory m)
        private
        view
        returns (MC.Machine memory next)
    {
        uint256 op = uint256(m.d);
        _popOperands(w, f, op == 0xf5 ? 4 : 3);
        uint256 value = w.stack[0];
        MC.World memory world = w.world;
        if (MC.hash(world) != w.machine.world || MC.hash(w.context) != w.machine.context) {
            revert CreateSteps_WrongWitness();
        }
        if (w.tries.length != 3) revert CreateSteps_WrongWitness();
        next = w.machine;
        next.micro = 0;
        WorldTries.Account memory creator = TRIES.account(f.account, w.tries[0], world.stateRoot);
        if (f.depth + 1 > DEPTH_LIMIT || creator.balance < value || creator.nonce == type(uint64).max) {
            // Fails before anything changes (a nonce at its limit, EIP-2681, as well): 0 on the
            // stack, the gas back.
            return _failed(next, f, world, m.c);
        }
        world.stateRoot =
            TRIES.setAccount(f.account, creator, creator.nonce + 1, creator.balance, w.tries[0], "", world.stateRoot);
        address created = op == 0xf5
            ? address(uint160(uint256(keccak256(abi.encodePacked(bytes1(0xff), f.account, w.stack[3], initHash)))))
            : FrameOps.createAddress(f.account, creator.nonce);
        FrameOps.warmAccount(TRIES, w.context, world, created, w.tries[1]);
        WorldTries.Account memory target = TRIES.account(created, w.tries[2], world.stateRoot);
        if (target.exists && (target.nonce != 0 || target.codeHash != EMPTY_CODE)) {
            // The address is in use: the creation fails with its gas consumed.
            return _failed(next, f, world, 0);
        }
        MC.Call memory link = MC.Call({
            kind: MC.CALL_CREATE,
            frame: MC.hash(f),
            account: created,
            returnOffset: 0,
            returnSize: 0,
            below: next.callStack
        });
        MC.Frame memory c;
        c.account = created;
        c.caller = f.account;
        c.value = value;
        c.isCreate = true;
        c.codeHash = initHash;
        c.gas = m.c;
        c.memoryRoot = BufferTree.emptyRoot();
        (c.calldataRoot, c.returnDataRoot) = (c.memoryRoot, c.memoryRoot);
        c.depth = f.depth + 1;
        next.phase = MC.Phase.FrameSetup;
        next.world = MC.hash(world);
        next.frame = MC.hash(c);
        next.callStack = MC.hash(link);
    }

    /// @dev Checks the operands against the frame's stack and pops them.
    function _popOperands(StepWitness.Witness memory w, MC.Frame memory f, uint256 count) private pure {
        if (w.stack.length != count || FrameOps.stackHash(w) != f.stackHash) revert CreateSteps_WrongWitness();
        f.stackLength -= count;
        f.stackHash = w.stackBelow;
    }

    /// @dev A creation that failed before its frame: 0 pushed, `gasBack` returned, no return data.
    function _failed(MC.Machine memory next, MC.Frame memory f, MC.World memory world, uint256 gasBack)
        private
        pure
        returns (MC.Machine memory)
    {
        f.gas += gasBack;
        (f.returnDataRoot, f.returnDataOffset, f.returnDataLength) = (BufferTree.emptyRoot(), 0, 0);
        f.stackLength += 1;
        f.stackHash = MC.push(f.stackHash, 0);
        next.world = MC.hash(world);
        next.frame = MC.hash(f);
        return next;
    }

    // ------------------------------------------------------------------ the code deposit

    /// @dev Absorbs the next chunk of the returned code (`m.a` its offset in the returned
    ///      window's buffer, `m.b` the bytes left); the last one writes the code's hash to the
    ///      new account and leaves the outcome without return data. Tries: 0 the new account.
    function _depositChunk(StepWitness.Witness memory w, KeccakSponge.State memory s, MC.Micro memory m)
        private
        view
        returns (MC.Machine memory next)
    {
        next = w.machine;
        MC.Outcome memory o = w.outcome;
        address created = _depositTarget(w);
        uint256 n = m.b > CHUNK ? CHUNK : m.b;
        bytes memory data = FrameOps.read(o.returnDataRoot, w.words, w.wordProofs, m.a, n);
        if (m.b > CHUNK) {
            KeccakSponge.absorbBlocks(s, data, 0, CHUNK / KeccakSponge.RATE);
            (m.a, m.b, m.sponge) = (m.a + CHUNK, m.b - CHUNK, KeccakSponge.commit(s));
            next.micro = MC.hash(m);
            return next;
        }
        next.world = _writeCode(w, created, KeccakSponge.finish(s, data, data.length));
        next.frame = FrameOps.outcome(MC.SUCCEEDED, o.gasLeft, 0, 0, 0);
        next.micro = 0;
    }

    /// @dev The world's commitment once `codeHash` is the code of `created`. Tries: 0 the account.
    function _writeCode(StepWitness.Witness memory w, address created, bytes32 codeHash)
        private
        view
        returns (bytes32)
    {
        MC.World memory world = w.world;
        if (MC.hash(world) != w.machine.world || w.tries.length != 1) revert CreateSteps_WrongWitness();
        WorldTries.Account memory acc = TRIES.account(created, w.tries[0], world.stateRoot);
        acc.codeHash = codeHash;
        world.stateRoot = TRIES.setAccount(created, acc, acc.nonce, acc.balance, w.tries[0], "", world.stateRoot);
        return MC.hash(world);
    }

    /// @dev The account a deposit writes, once the witness is checked to be one: the CREATE
    ///      link's new account (`Return`), or the transaction's (`TxEnd`).
    function _depositTarget(StepWitness.Witness memory w) private pure returns (address) {
        MC.Outcome memory o = w.outcome;
        MC.Machine memory m = w.machine;
        if (MC.hash(o) != m.frame || o.status != MC.SUCCEEDED || o.returnDataLength == 0) {
            revert CreateSteps_WrongWitness();
        }
        if (m.phase == MC.Phase.Return) {
            if (MC.hash(w.call) != m.callStack || w.call.kind != MC.CALL_CREATE) revert CreateSteps_WrongWitness();
            return w.call.account;
        }
        if (m.phase != MC.Phase.TxEnd || MC.hash(w.context) != m.context || !w.context.isCreate) {
            revert CreateSteps_WrongWitness();
        }
        return w.context.to;
    }
}
