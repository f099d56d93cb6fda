// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MachineCommitment as MC} from "./lib/MachineCommitment.sol";
import {BufferTree} from "./lib/BufferTree.sol";
import {EVMArithmetic} from "./lib/EVMArithmetic.sol";
import {WorldTries} from "./WorldTries.sol";
import {TransactionSteps} from "./TransactionSteps.sol";
import {KeccakSteps} from "./KeccakSteps.sol";
import {CopySteps} from "./CopySteps.sol";
import {LogSteps} from "./LogSteps.sol";
import {CallSteps} from "./CallSteps.sol";
import {CreateSteps} from "./CreateSteps.sol";
import {SelfDestructSteps} from "./SelfDestructSteps.sol";
import {PrecompileSteps} from "./PrecompileSteps.sol";
import {StepWitness} from "./lib/StepWitness.sol";
import {FrameOps} from "./lib/FrameOps.sol";

/// @title EVMStepper
/// @notice Executes one step of an EVM transaction against a commitment to the whole machine
///         (docs/dispute/commitment.md): given the commitment before the step and a witness of
///         the parts the step reads, it returns the commitment after the step, or reverts when
///         the witness does not match the commitment. The off-chain tracer (`stepper::trace`)
///         produces the same commitments from revm and the witnesses for any step.
/// @dev    Built so far (issues #23, #24): every phase of a transaction that calls an account or
///         creates one, every instruction, calls into code, into accounts that delegate their
///         code (EIP-7702) and into precompiles, creations with their code deposit,
///         SELFDESTRUCT, and the return to the caller. What is not built (SHA-256 and
///         RIPEMD-160 over more than 256 KiB) reverts `NotBuilt` rather than return a wrong
///         commitment.
contract EVMStepper {
    /// @notice Thrown when the witness's machine is not the committed pre-state.
    error EVMStepper_WrongMachine();
    /// @notice Thrown when the witness's frame is not the machine's.
    error EVMStepper_WrongFrame();
    /// @notice Thrown when the witness's stack items are not the frame's.
    error EVMStepper_WrongStack();
    /// @notice Thrown when the witness's world is not the machine's.
    error EVMStepper_WrongWorld();
    /// @notice Thrown when the witness's context is not the machine's.
    error EVMStepper_WrongContext();
    /// @notice Thrown when the witness holds the wrong number of words or proofs.
    error EVMStepper_WrongWitnessShape();

    /// @notice The contract that proves and updates the world's tries.
    WorldTries public immutable TRIES;
    /// @notice The contract that executes the steps around the transaction's frame.
    TransactionSteps public immutable PHASES;
    /// @notice The contract that executes KECCAK256 in micro-steps.
    KeccakSteps public immutable KECCAK;
    /// @notice The contract that executes the copies into memory in micro-steps.
    CopySteps public immutable COPY;
    /// @notice The contract that executes LOG0–LOG4 in micro-steps.
    LogSteps public immutable LOG;
    /// @notice The contract that executes the calls and the return to the caller.
    CallSteps public immutable CALLS;
    /// @notice The contract that executes CREATE, CREATE2 and the code deposit.
    CreateSteps public immutable CREATE;
    /// @notice The contract that executes SELFDESTRUCT.
    SelfDestructSteps public immutable DESTROY;
    /// @notice The contract that runs precompiles.
    PrecompileSteps public immutable PRECOMPILES;

    /// @dev The largest code a creation may deposit (EIP-170), and its gas per byte.
    uint256 private constant MAX_CODE_SIZE = 24576;
    uint256 private constant DEPOSIT_BYTE_GAS = 200;

    /// @dev The EVM's stack limit.
    uint256 private constant STACK_LIMIT = 1024;
    /// @dev Gas SSTORE must leave above (EIP-2200).
    uint256 private constant SSTORE_SENTRY = 2300;
    /// @dev EIP-2929 access costs.
    uint256 private constant COLD_SLOAD = 2100;
    uint256 private constant COLD_ACCOUNT = 2600;
    uint256 private constant WARM_READ = 100;
    /// @dev EIP-2200/3529 SSTORE costs and refunds.
    uint256 private constant SSTORE_SET = 20000;
    uint256 private constant SSTORE_RESET = 2900;
    uint256 private constant CLEAR_REFUND = 4800;

    /// @param tries  The world-trie contract (its code is part of the stepper; separate
    ///               because together they exceed the contract size limit).
    /// @param phases The transaction-phase contract, using the same `tries`.
    /// @param keccak The KECCAK256 micro-step contract.
    /// @param copy   The copy micro-step contract.
    /// @param log    The log micro-step contract.
    /// @param calls  The call contract, using the same `tries`.
    /// @param create The creation contract, using the same `tries`.
    /// @param destroy The SELFDESTRUCT contract, using the same `tries`.
    /// @param precompiles The precompile contract.
    constructor(
        WorldTries tries,
        TransactionSteps phases,
        KeccakSteps keccak,
        CopySteps copy,
        LogSteps log,
        CallSteps calls,
        CreateSteps create,
        SelfDestructSteps destroy,
        PrecompileSteps precompiles
    ) {
        TRIES = tries;
        PHASES = phases;
        KECCAK = keccak;
        COPY = copy;
        LOG = log;
        CALLS = calls;
        CREATE = create;
        DESTROY = destroy;
        PRECOMPILES = precompiles;
    }

    /// @notice The machine's commitment after one step from `pre`.
    /// @param pre     The commitment before the step.
    /// @param witness The parts of the machine the step reads, with their proofs.
    /// @return post   The commitment after the step.
    function step(bytes32 pre, StepWitness.Witness memory witness) external view returns (bytes32 post) {
        MC.Machine memory machine = witness.machine;
        if (MC.hash(machine) != pre) revert EVMStepper_WrongMachine();
        if (machine.phase == MC.Phase.Done) return pre;
        if (machine.phase == MC.Phase.Return || machine.phase == MC.Phase.TxEnd) {
            // A creation's code deposit comes before its creator resumes or the transaction
            // ends; each contract checks that its own case holds.
            if (machine.micro != 0) return MC.hash(CREATE.micro(witness));
            if (_deposits(witness)) return MC.hash(CREATE.deposit(witness));
            if (machine.phase == MC.Phase.Return) return MC.hash(CALLS.ret(witness));
        }
        if (machine.phase != MC.Phase.Run) return MC.hash(PHASES.step(witness));
        if (MC.hash(witness.frame) != machine.frame) revert EVMStepper_WrongFrame();
        if (machine.micro != 0) {
            // The micro-step's kind picks the contract; each checks the micro-step's preimage.
            uint8 kind = witness.micro.kind;
            if (kind == 5) return MC.hash(CREATE.micro(witness));
            if (kind == 7) return MC.hash(PRECOMPILES.micro(witness));
            return MC.hash(kind == 1 ? KECCAK.micro(witness) : kind == 2 ? COPY.micro(witness) : LOG.micro(witness));
        }
        return MC.hash(_run(witness));
    }

    // ------------------------------------------------------------------ one instruction

    /// @dev The instruction at the frame's pc.
    function _run(StepWitness.Witness memory w) private view returns (MC.Machine memory) {
        MC.Frame memory f = w.frame;
        (uint256 op, uint256 immediate) = _fetch(w, f);
        (bool known, uint256 gas, uint256 reads, uint256 pushes) = _shape(op);
        if (!known) return _halt(w);
        if (f.gas < gas) return _halt(w);
        if (f.stackLength < reads || f.stackLength - reads + pushes > STACK_LIMIT) return _halt(w);
        f.gas -= gas;
        _checkStack(w, f, reads);
        uint256[] memory s = w.stack;
        f.pc += 1;

        if (EVMArithmetic.isPure(op)) {
            uint256 r = EVMArithmetic.compute(op, s[0], reads > 1 ? s[1] : 0, reads > 2 ? s[2] : 0);
            if (op == 0x0a) {
                uint256 extra = EVMArithmetic.expByteGas(s[1]);
                if (f.gas < extra) return _halt(w);
                f.gas -= extra;
            }
            return _continue(w, f, _one(r));
        }
        if (op >= 0x5f && op <= 0x7f) {
            f.pc += op - 0x5f;
            return _continue(w, f, _one(immediate));
        }
        if (op >= 0x80 && op <= 0x8f) {
            f.stackLength += 1;
            f.stackHash = MC.push(f.stackHash, s[reads - 1]);
            return _next(w, f);
        }
        if (op >= 0x90 && op <= 0x9f) {
            (s[0], s[reads - 1]) = (s[reads - 1], s[0]);
            return _continue(w, f, s);
        }
        if (op == 0x00) return FrameOps.end(w.machine, f, MC.SUCCEEDED);
        if (op == 0xf3 || op == 0xfd) {
            if (s[1] >= FrameOps.OPERAND_LIMIT || (s[1] != 0 && s[0] >= FrameOps.OPERAND_LIMIT)) return _halt(w);
            if (s[1] != 0 && !FrameOps.expand(f, s[0], s[1])) return _halt(w);
            if (op == 0xf3 && f.isCreate && !_depositable(w, f, s[0], s[1])) return _halt(w);
            return FrameOps.end(w.machine, f, op == 0xf3 ? MC.SUCCEEDED : MC.REVERTED, s[0], s[1]);
        }
        if (op == 0x50) return _continue(w, f, new uint256[](0));
        if (op == 0x56 || op == 0x57) return _jump(w, f, op);
        if (op == 0x5b) return _continue(w, f, new uint256[](0));
        if (op == 0x58) return _continue(w, f, _one(f.pc - 1));
        if (op == 0x59) return _continue(w, f, _one(f.memoryLength));
        if (op == 0x5a) return _continue(w, f, _one(f.gas));
        if (op >= 0x51 && op <= 0x53) return _memory(w, f, op);
        if (op == 0x54 || op == 0x55) return _storage(w, f, op);
        if (op == 0x5c || op == 0x5d) return _transient(w, f, op);
        if (op == 0x35) return _continue(w, f, _one(_calldataLoad(w, f, s[0])));
        if (op == 0xf1 || op == 0xf2 || op == 0xf4 || op == 0xfa) return CALLS.instruction(w, op);
        if (op == 0xf0 || op == 0xf5) return CREATE.instruction(w, op);
        if (op == 0xff) return DESTROY.instruction(w);
        if (op == 0x20) return KECCAK.instruction(w);
        if (op == 0x37 || op == 0x39 || op == 0x3e || op == 0x5e) {
            (bytes32 root, uint256 base, uint256 length) = _copySource(f, op);
            return COPY.instruction(w, op, root, base, length);
        }
        if (op == 0x3c) return _extCodeCopy(w, f);
        if (op >= 0xa0 && op <= 0xa4) return LOG.instruction(w, op);
        if (op == 0x31 || op == 0x3b || op == 0x3f) return _accountRead(w, f, op);
        return _continue(w, f, _one(_environment(w, f, op)));
    }

    /// @dev The opcode at pc and, for PUSHn, its immediate (zero past the code's end).
    function _fetch(StepWitness.Witness memory w, MC.Frame memory f)
        private
        pure
        returns (uint256 op, uint256 immediate)
    {
        uint256 offset = f.pc % 32;
        if (w.code.length == 0 || w.codeProofs.length != w.code.length) revert EVMStepper_WrongWitnessShape();
        BufferTree.verify(f.codeRoot, f.pc / 32, w.code[0], w.codeProofs[0]);
        bytes32 first = w.code[0];
        op = uint8(first[offset]);
        if (f.pc >= f.codeLength) return (0, 0);
        if (op < 0x60 || op > 0x7f) return (op, 0);
        uint256 n = op - 0x5f;
        bytes32 second;
        if (offset + n >= 32) {
            if (w.code.length != 2) revert EVMStepper_WrongWitnessShape();
            BufferTree.verify(f.codeRoot, f.pc / 32 + 1, w.code[1], w.codeProofs[1]);
            second = w.code[1];
        }
        assembly ("memory-safe") {
            mstore(0x00, first)
            mstore(0x20, second)
            immediate := shr(mul(8, sub(32, n)), mload(add(offset, 1)))
        }
    }

    /// @dev Whether the stepper knows `op` (unknown opcodes halt), its static gas, how many
    ///      stack items it reads and how many it leaves on top of the rest.
    function _shape(uint256 op) private pure returns (bool known, uint256 gas, uint256 reads, uint256 pushes) {
        if (EVMArithmetic.isPure(op)) return (true, EVMArithmetic.staticGas(op), EVMArithmetic.arity(op), 1);
        if (op >= 0x60 && op <= 0x7f) return (true, 3, 0, 1);
        if (op >= 0x80 && op <= 0x8f) return (true, 3, op - 0x7f, op - 0x7e);
        if (op >= 0x90 && op <= 0x9f) return (true, 3, op - 0x8e, op - 0x8e);
        if (op == 0x00) return (true, 0, 0, 0);
        if (op == 0xf3 || op == 0xfd) return (true, 0, 2, 0);
        if (op == 0x30 || op == 0x32 || op == 0x33 || op == 0x34 || op == 0x36 || op == 0x38) return (true, 2, 0, 1);
        if (op == 0x3a || op == 0x3d || (op >= 0x41 && op <= 0x46) || op == 0x48 || op == 0x4a) return (true, 2, 0, 1);
        if (op == 0x35) return (true, 3, 1, 1);
        if (op == 0x20) return (true, 30, 2, 1);
        if (op == 0x37 || op == 0x39 || op == 0x3e || op == 0x5e) return (true, 3, 3, 0);
        if (op == 0x3c) return (true, WARM_READ, 4, 0);
        if (op >= 0xa0 && op <= 0xa4) return (true, 375, op - 0x9e, 0);
        if (op == 0x31 || op == 0x3b || op == 0x3f) return (true, WARM_READ, 1, 1);
        if (op == 0x40) return (true, 20, 1, 1);
        if (op == 0x47) return (true, 5, 0, 1);
        if (op == 0x49) return (true, 3, 1, 1);
        if (op == 0x50) return (true, 2, 1, 0);
        if (op == 0x51) return (true, 3, 1, 1);
        if (op == 0x52 || op == 0x53) return (true, 3, 2, 0);
        if (op == 0x54) return (true, WARM_READ, 1, 1);
        if (op == 0x55) return (true, 0, 2, 0);
        if (op == 0x56) return (true, 8, 1, 0);
        if (op == 0x57) return (true, 10, 2, 0);
        if (op == 0x58 || op == 0x59 || op == 0x5a || op == 0x5f) return (true, 2, 0, 1);
        if (op == 0x5b) return (true, 1, 0, 0);
        if (op == 0x5c) return (true, WARM_READ, 1, 1);
        if (op == 0x5d) return (true, WARM_READ, 2, 0);
        if (op == 0xf1 || op == 0xf2) return (true, WARM_READ, 7, 1);
        if (op == 0xf4 || op == 0xfa) return (true, WARM_READ, 6, 1);
        if (op == 0xf0) return (true, 0, 3, 1);
        if (op == 0xf5) return (true, 0, 4, 1);
        if (op == 0xff) return (true, 5000, 1, 0);
        return (false, 0, 0, 0);
    }

    // ------------------------------------------------------------------ the stack

    /// @dev Checks the witness's `reads` top items and the hash beneath them against the frame.
    function _checkStack(StepWitness.Witness memory w, MC.Frame memory f, uint256 reads) private pure {
        if (w.stack.length != reads || FrameOps.stackHash(w) != f.stackHash) revert EVMStepper_WrongStack();
    }

    /// @dev The frame with the read items replaced by `results` (the first of them on top).
    function _continue(StepWitness.Witness memory w, MC.Frame memory f, uint256[] memory results)
        private
        pure
        returns (MC.Machine memory)
    {
        bytes32 h = w.stackBelow;
        for (uint256 i = results.length; i > 0; i--) {
            h = MC.push(h, results[i - 1]);
        }
        f.stackLength = f.stackLength - w.stack.length + results.length;
        f.stackHash = h;
        return _next(w, f);
    }

    /// @dev The machine running the updated frame.
    function _next(StepWitness.Witness memory w, MC.Frame memory f) private pure returns (MC.Machine memory m) {
        m = w.machine;
        m.frame = MC.hash(f);
    }

    function _one(uint256 value) private pure returns (uint256[] memory out) {
        out = new uint256[](1);
        out[0] = value;
    }

    // ------------------------------------------------------------------ the frame's end

    /// @dev Whether the code a creating frame returns (`size` bytes of memory at `offset`) can be
    ///      deposited, charging its gas: at most 24,576 bytes (EIP-170), not starting with 0xEF
    ///      (EIP-3541, shown by the memory word holding the first byte), 200 gas a byte.
    function _depositable(StepWitness.Witness memory w, MC.Frame memory f, uint256 offset, uint256 size)
        private
        pure
        returns (bool)
    {
        if (size > MAX_CODE_SIZE) return false;
        if (size == 0) return true;
        if (w.words.length != 1 || w.wordProofs.length != 1) revert EVMStepper_WrongWitnessShape();
        BufferTree.verify(f.memoryRoot, offset / 32, w.words[0], w.wordProofs[0]);
        if (w.words[0][offset % 32] == 0xef) return false;
        uint256 cost = DEPOSIT_BYTE_GAS * size;
        if (f.gas < cost) return false;
        f.gas -= cost;
        return true;
    }

    /// @dev Whether the witness claims the step deposits a creation's code: the ended frame
    ///      created an account (a CREATE link, or a creating transaction) and returned code.
    ///      `CreateSteps` checks the claim; `CallSteps.ret` and `TxEnd` check its negation.
    function _deposits(StepWitness.Witness memory w) private pure returns (bool) {
        MC.Outcome memory o = w.outcome;
        if (o.status != MC.SUCCEEDED || o.returnDataLength == 0) return false;
        return w.machine.phase == MC.Phase.Return ? w.call.kind == MC.CALL_CREATE : w.context.isCreate;
    }

    /// @dev An exceptional halt: all gas consumed, the frame's changes undone.
    function _halt(StepWitness.Witness memory w) private pure returns (MC.Machine memory) {
        return FrameOps.halt(w.machine, w.frame);
    }

    // ------------------------------------------------------------------ control flow

    /// @dev JUMP and JUMPI: the destination must be a JUMPDEST, shown by its bitmap word.
    function _jump(StepWitness.Witness memory w, MC.Frame memory f, uint256 op)
        private
        pure
        returns (MC.Machine memory)
    {
        uint256 dest = w.stack[0];
        if (op == 0x57 && w.stack[1] == 0) return _continue(w, f, new uint256[](0));
        if (dest >= f.codeLength) return _halt(w);
        if (w.words.length != 1 || w.wordProofs.length != 1) revert EVMStepper_WrongWitnessShape();
        BufferTree.verify(f.jumpdests, dest / 256, w.words[0], w.wordProofs[0]);
        if ((uint256(w.words[0]) >> (255 - (dest % 256))) & 1 == 0) return _halt(w);
        f.pc = dest;
        return _continue(w, f, new uint256[](0));
    }

    // ------------------------------------------------------------------ memory

    /// @dev MLOAD, MSTORE, MSTORE8: the words at `offset` (two when it is not aligned).
    function _memory(StepWitness.Witness memory w, MC.Frame memory f, uint256 op)
        private
        pure
        returns (MC.Machine memory)
    {
        uint256 offset = w.stack[0];
        uint256 size = op == 0x53 ? 1 : 32;
        if (offset >= FrameOps.OPERAND_LIMIT || !FrameOps.expand(f, offset, size)) return _halt(w);
        uint256 count = (offset % 32 + size + 31) / 32;
        if (w.words.length != count || w.wordProofs.length != count) revert EVMStepper_WrongWitnessShape();
        if (op == 0x51) {
            for (uint256 i = 0; i < count; i++) {
                BufferTree.verify(f.memoryRoot, offset / 32 + i, w.words[i], w.wordProofs[i]);
            }
            return _continue(w, f, _one(_join(w.words, offset % 32)));
        }
        (bytes32 head, bytes32 tail) = _written(w.words, offset % 32, w.stack[1], op == 0x53);
        f.memoryRoot = BufferTree.update(f.memoryRoot, offset / 32, w.words[0], head, w.wordProofs[0]);
        if (count == 2) {
            f.memoryRoot = BufferTree.update(f.memoryRoot, offset / 32 + 1, w.words[1], tail, w.wordProofs[1]);
        }
        return _continue(w, f, new uint256[](0));
    }

    /// @dev The 32 bytes from byte `byteAt` of `words` on (the second word read only when
    ///      `byteAt` is not zero).
    function _join(bytes32[] memory words, uint256 byteAt) private pure returns (uint256 value) {
        value = uint256(words[0]) << (byteAt * 8);
        if (byteAt != 0) value |= uint256(words[1]) >> (256 - byteAt * 8);
    }

    /// @dev The words after writing `value` (one byte of it for MSTORE8) from byte `byteAt` of them on.
    function _written(bytes32[] memory words, uint256 byteAt, uint256 value, bool oneByte)
        private
        pure
        returns (bytes32 head, bytes32 tail)
    {
        uint256 shift = byteAt * 8;
        if (oneByte) {
            uint256 mask = uint256(0xff) << (248 - shift);
            return (bytes32((uint256(words[0]) & ~mask) | ((value & 0xff) << (248 - shift))), 0);
        }
        if (shift == 0) return (bytes32(value), 0);
        uint256 low = type(uint256).max >> shift;
        head = bytes32((uint256(words[0]) & ~low) | (value >> shift));
        tail = bytes32((uint256(words[1]) & low) | (value << (256 - shift)));
    }

    /// @dev CALLDATALOAD: 32 bytes of calldata from `offset`, zero past its end. The calldata
    ///      is the window at `calldataOffset` of its buffer (the caller's memory, for a call).
    function _calldataLoad(StepWitness.Witness memory w, MC.Frame memory f, uint256 offset)
        private
        pure
        returns (uint256 value)
    {
        if (offset >= f.calldataLength) {
            if (w.words.length != 0) revert EVMStepper_WrongWitnessShape();
            return 0;
        }
        uint256 start = f.calldataOffset + offset;
        uint256 count = start % 32 == 0 ? 1 : 2;
        if (w.words.length != count || w.wordProofs.length != count) revert EVMStepper_WrongWitnessShape();
        for (uint256 i = 0; i < count; i++) {
            BufferTree.verify(f.calldataRoot, start / 32 + i, w.words[i], w.wordProofs[i]);
        }
        value = _join(w.words, start % 32);
        uint256 inside = f.calldataLength - offset;
        if (inside < 32) value &= ~(type(uint256).max >> (inside * 8));
    }

    // ------------------------------------------------------------------ the world

    /// @dev Checks the witness's world against the machine's.
    function _world(StepWitness.Witness memory w) private pure returns (MC.World memory) {
        if (MC.hash(w.world) != w.machine.world) revert EVMStepper_WrongWorld();
        return w.world;
    }

    /// @dev The machine with the updated frame and world.
    function _nextWorld(
        StepWitness.Witness memory w,
        MC.Frame memory f,
        MC.World memory world,
        uint256[] memory results
    ) private pure returns (MC.Machine memory m) {
        m = _continue(w, f, results);
        m.world = MC.hash(world);
    }

    /// @dev SLOAD and SSTORE. Tries: 0 the account against the state root, 1 the slot against
    ///      its storage root, 2 the slot against the warm-slot set; for SSTORE also 3 the account
    ///      against the transaction's start root and 4 the slot there (the original value).
    function _storage(StepWitness.Witness memory w, MC.Frame memory f, uint256 op)
        private
        view
        returns (MC.Machine memory)
    {
        if (op == 0x55 && (f.isStatic || f.gas <= SSTORE_SENTRY)) return _halt(w);
        MC.World memory world = _world(w);
        if (w.tries.length != (op == 0x54 ? 3 : 5)) revert EVMStepper_WrongWitnessShape();
        (bool cold, WorldTries.Account memory acc, uint256 current) = _slot(w, f, world);
        if (op == 0x55) return _sstore(w, f, world, cold ? COLD_SLOAD : 0, acc, current);
        // SLOAD's static gas is the warm read; a cold slot costs the difference on top.
        uint256 cost = cold ? COLD_SLOAD - WARM_READ : 0;
        if (f.gas < cost) return _halt(w);
        f.gas -= cost;
        return _nextWorld(w, f, world, _one(current));
    }

    /// @dev Warms the slot on the stack's top: whether it was cold, the frame's account and the
    ///      slot's current value.
    function _slot(StepWitness.Witness memory w, MC.Frame memory f, MC.World memory world)
        private
        view
        returns (bool cold, WorldTries.Account memory acc, uint256 current)
    {
        bytes32 warmSlots;
        (cold, warmSlots) = TRIES.warm(abi.encodePacked(f.account, bytes32(w.stack[0])), w.tries[2], world.warmSlots);
        world.warmSlots = warmSlots;
        acc = TRIES.account(f.account, w.tries[0], world.stateRoot);
        current = TRIES.storageValue(bytes32(w.stack[0]), w.tries[1], acc.storageRoot);
    }

    /// @dev SSTORE once the slot is warm and read.
    function _sstore(
        StepWitness.Witness memory w,
        MC.Frame memory f,
        MC.World memory world,
        uint256 cost,
        WorldTries.Account memory acc,
        uint256 current
    ) private view returns (MC.Machine memory) {
        uint256 original = TRIES.storageValue(
            bytes32(w.stack[0]), w.tries[4], TRIES.account(f.account, w.tries[3], world.txStartRoot).storageRoot
        );
        cost += _sstoreCost(original, current, w.stack[1]);
        if (f.gas < cost) return _halt(w);
        f.gas -= cost;
        world.refund = _sstoreRefund(world.refund, original, current, w.stack[1]);
        if (w.stack[1] != current) {
            world.stateRoot =
                TRIES.setStorage(f.account, acc, bytes32(w.stack[0]), w.stack[1], w.tries, w.sibling, world.stateRoot);
        }
        return _nextWorld(w, f, world, new uint256[](0));
    }

    /// @dev SSTORE's gas beyond the cold surcharge (EIP-2200 with EIP-2929's amounts).
    function _sstoreCost(uint256 original, uint256 current, uint256 value) private pure returns (uint256) {
        if (value == current || current != original) return WARM_READ;
        return original == 0 ? SSTORE_SET : SSTORE_RESET;
    }

    /// @dev The refund counter after an SSTORE (EIP-2200 with EIP-3529's amounts).
    function _sstoreRefund(uint256 refund, uint256 original, uint256 current, uint256 value)
        private
        pure
        returns (uint256)
    {
        if (value == current) return refund;
        if (original == current) return value == 0 ? refund + CLEAR_REFUND : refund;
        if (original != 0) {
            if (current == 0) refund -= CLEAR_REFUND;
            else if (value == 0) refund += CLEAR_REFUND;
        }
        if (value == original) {
            refund += original == 0 ? SSTORE_SET - WARM_READ : SSTORE_RESET - WARM_READ;
        }
        return refund;
    }

    /// @dev BALANCE, EXTCODESIZE, EXTCODEHASH of the address on the stack, warming it (EIP-2929:
    ///      the origin, recipient, coinbase and precompiles are always warm). Tries: 0 the
    ///      account against the state root, 1 the address against the warm-account set;
    ///      EXTCODESIZE: `data` is the account's code.
    function _accountRead(StepWitness.Witness memory w, MC.Frame memory f, uint256 op)
        private
        view
        returns (MC.Machine memory)
    {
        MC.World memory world = _world(w);
        if (!_warmAccount(w, f, world)) return _halt(w);
        address who = address(uint160(w.stack[0]));
        WorldTries.Account memory acc = TRIES.account(who, w.tries[0], world.stateRoot);
        uint256 result;
        if (op == 0x31) {
            result = acc.balance;
        } else if (op == 0x3f) {
            bool empty = acc.nonce == 0 && acc.balance == 0 && acc.codeHash == keccak256("");
            result = acc.exists && !empty ? uint256(acc.codeHash) : 0;
        } else if (acc.exists) {
            if (keccak256(w.data) != acc.codeHash) revert EVMStepper_WrongWitnessShape();
            result = w.data.length;
        }
        return _nextWorld(w, f, world, _one(result));
    }

    /// @dev Warms the address on the stack's top and charges its cold surcharge (EIP-2929: the
    ///      origin, recipient, coinbase and precompiles are always warm); false when the gas
    ///      does not cover it. Tries: 1 the address against the warm-account set.
    function _warmAccount(StepWitness.Witness memory w, MC.Frame memory f, MC.World memory world)
        private
        view
        returns (bool)
    {
        MC.Context memory c = w.context;
        if (MC.hash(c) != w.machine.context) revert EVMStepper_WrongContext();
        if (w.tries.length != 2) revert EVMStepper_WrongWitnessShape();
        if (!FrameOps.warmAccount(TRIES, c, world, address(uint160(w.stack[0])), w.tries[1])) return true;
        if (f.gas < COLD_ACCOUNT - WARM_READ) return false;
        f.gas -= COLD_ACCOUNT - WARM_READ;
        return true;
    }

    /// @dev EXTCODECOPY: the account's code (`data`, checked against its code hash) is the
    ///      copy's source. Tries as for BALANCE.
    function _extCodeCopy(StepWitness.Witness memory w, MC.Frame memory f) private view returns (MC.Machine memory m) {
        MC.World memory world = _world(w);
        if (!_warmAccount(w, f, world)) return _halt(w);
        WorldTries.Account memory acc = TRIES.account(address(uint160(w.stack[0])), w.tries[0], world.stateRoot);
        if (keccak256(w.data) != (acc.exists ? acc.codeHash : keccak256(""))) revert EVMStepper_WrongWitnessShape();
        m = COPY.instruction(w, 0x3c, BufferTree.rootOfBytes(w.data), 0, w.data.length);
        if (m.phase == MC.Phase.Run) m.world = MC.hash(world);
    }

    /// @dev The source of a frame-local copy as a window of a buffer (root, offset, length):
    ///      calldata, code, return data, or memory (MCOPY).
    function _copySource(MC.Frame memory f, uint256 op) private pure returns (bytes32, uint256, uint256) {
        if (op == 0x37) return (f.calldataRoot, f.calldataOffset, f.calldataLength);
        if (op == 0x39) return (f.codeRoot, 0, f.codeLength);
        if (op == 0x3e) return (f.returnDataRoot, f.returnDataOffset, f.returnDataLength);
        return (f.memoryRoot, 0, f.memoryLength);
    }

    /// @dev TLOAD and TSTORE (EIP-1153). Tries: 0 the key against the transient root.
    function _transient(StepWitness.Witness memory w, MC.Frame memory f, uint256 op)
        private
        view
        returns (MC.Machine memory)
    {
        if (op == 0x5d && f.isStatic) return _halt(w);
        MC.World memory world = _world(w);
        if (w.tries.length != 1) revert EVMStepper_WrongWitnessShape();
        bytes32 slot = bytes32(w.stack[0]);
        if (op == 0x5c) {
            return _continue(w, f, _one(TRIES.transientValue(f.account, slot, w.tries[0], world.transientRoot)));
        }
        world.transientRoot =
            TRIES.setTransient(f.account, slot, w.stack[1], w.tries[0], w.sibling, world.transientRoot);
        return _nextWorld(w, f, world, new uint256[](0));
    }

    // ------------------------------------------------------------------ the environment

    /// @dev Instructions that push a value of the frame, the transaction or the block.
    function _environment(StepWitness.Witness memory w, MC.Frame memory f, uint256 op) private view returns (uint256) {
        if (op == 0x30) return uint160(f.account);
        if (op == 0x33) return uint160(f.caller);
        if (op == 0x34) return f.value;
        if (op == 0x36) return f.calldataLength;
        if (op == 0x38) return f.codeLength;
        if (op == 0x3d) return f.returnDataLength;
        if (op == 0x47) {
            if (w.tries.length != 1) revert EVMStepper_WrongWitnessShape();
            return TRIES.account(f.account, w.tries[0], _world(w).stateRoot).balance;
        }
        MC.Context memory c = w.context;
        if (MC.hash(c) != w.machine.context) revert EVMStepper_WrongContext();
        if (op == 0x32) return uint160(c.origin);
        if (op == 0x3a) return c.gasPrice;
        if (op == 0x41) return uint160(c.coinbase);
        if (op == 0x42) return c.timestamp;
        if (op == 0x43) return c.number;
        if (op == 0x44) return uint256(c.prevRandao);
        if (op == 0x45) return c.blockGasLimit;
        if (op == 0x46) return c.chainId;
        if (op == 0x48) return c.baseFee;
        if (op == 0x4a) return c.blobBaseFee;
        if (op == 0x40) return _blockHash(w, c);
        // 0x49 BLOBHASH: the witness's words are all the transaction's versioned hashes.
        if (keccak256(abi.encodePacked(w.words)) != c.lists.blobHashes) revert EVMStepper_WrongWitnessShape();
        uint256 index = w.stack[0];
        return index < w.words.length ? uint256(w.words[index]) : 0;
    }

    /// @dev BLOCKHASH: the hash of one of the 256 blocks before the current one, else zero.
    function _blockHash(StepWitness.Witness memory w, MC.Context memory c) private pure returns (uint256) {
        uint256 requested = w.stack[0];
        if (requested >= c.number || c.number - requested > 256) {
            if (w.words.length != 0) revert EVMStepper_WrongWitnessShape();
            return 0;
        }
        if (w.words.length != 1 || w.wordProofs.length != 1) revert EVMStepper_WrongWitnessShape();
        BufferTree.verify(c.blockHashes, requested % 256, w.words[0], w.wordProofs[0]);
        return uint256(w.words[0]);
    }
}
