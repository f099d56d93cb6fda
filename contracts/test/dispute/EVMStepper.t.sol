// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/TestBase.sol";
import {EVMStepper} from "../../src/dispute/EVMStepper.sol";
import {WorldTries} from "../../src/dispute/WorldTries.sol";
import {TransactionSteps} from "../../src/dispute/TransactionSteps.sol";
import {KeccakSteps} from "../../src/dispute/KeccakSteps.sol";
import {CopySteps} from "../../src/dispute/CopySteps.sol";
import {LogSteps} from "../../src/dispute/LogSteps.sol";
import {CallSteps} from "../../src/dispute/CallSteps.sol";
import {CreateSteps} from "../../src/dispute/CreateSteps.sol";
import {SelfDestructSteps} from "../../src/dispute/SelfDestructSteps.sol";
import {PrecompileSteps} from "../../src/dispute/PrecompileSteps.sol";
import {StepWitness} from "../../src/dispute/lib/StepWitness.sol";
import {BufferTree} from "../../src/dispute/lib/BufferTree.sol";
import {MachineCommitment as MC} from "../../src/dispute/lib/MachineCommitment.sol";
import {FrameOps} from "../../src/dispute/lib/FrameOps.sol";
import {RLPEncoder} from "../utils/RLPEncoder.sol";
import {L1DataFee} from "../../src/libraries/L1DataFee.sol";

/// @dev Creates an empty contract with CREATE, at the address its nonce gives.
contract Creator {
    function create() external returns (address created) {
        assembly ("memory-safe") {
            created := create(0, 0, 0)
        }
    }
}

/// @dev Steps of one-word programs built here by hand. The Rust side (stepper/tests/stepper.rs)
///      checks the stepper against the revm tracer at every step of the state tests and of
///      random programs, and that mutated witnesses never prove another post-state.
contract EVMStepperTest is TestBase {
    WorldTries internal tries = new WorldTries();
    EVMStepper internal stepper = new EVMStepper(
        tries,
        new TransactionSteps(tries),
        new KeccakSteps(),
        new CopySteps(),
        new LogSteps(),
        new CallSteps(tries),
        new CreateSteps(tries),
        new SelfDestructSteps(tries),
        new PrecompileSteps()
    );

    /// @dev The commitment of an outcome without return data.
    function _outcome(uint8 status, uint256 gasLeft) internal pure returns (bytes32) {
        return MC.hash(
            MC.Outcome({
                status: status,
                gasLeft: gasLeft,
                returnDataRoot: BufferTree.emptyRoot(),
                returnDataOffset: 0,
                returnDataLength: 0
            })
        );
    }

    /// @dev The sibling path of a word in an otherwise all-zero buffer.
    function _zeroPath() internal pure returns (bytes32[] memory path) {
        path = new bytes32[](BufferTree.DEPTH);
        for (uint256 level = 1; level < BufferTree.DEPTH; level++) {
            path[level] = keccak256(abi.encodePacked(path[level - 1], path[level - 1]));
        }
    }

    /// @dev A frame running `code` (at most 32 bytes) at `pc`, with `stack` (bottom first).
    function _witness(bytes32 code, uint256 codeLength, uint256 pc, uint256[] memory stack)
        internal
        pure
        returns (StepWitness.Witness memory w)
    {
        bytes32[] memory path = _zeroPath();
        bytes32 empty = BufferTree.rootOf(0, bytes32(0), path);
        w.frame.codeRoot = BufferTree.rootOf(0, code, path);
        w.frame.codeLength = codeLength;
        w.frame.jumpdests = empty;
        w.frame.memoryRoot = empty;
        w.frame.calldataRoot = empty;
        w.frame.returnDataRoot = empty;
        w.frame.pc = pc;
        w.frame.gas = 100_000;
        w.frame.checkpoint = keccak256("checkpoint");
        bytes32 h;
        for (uint256 i = 0; i < stack.length; i++) {
            h = MC.push(h, stack[i]);
        }
        w.frame.stackLength = stack.length;
        w.frame.stackHash = h;
        w.machine.phase = MC.Phase.Run;
        w.machine.world = keccak256("world");
        w.machine.frame = MC.hash(w.frame);
        w.code = new bytes32[](1);
        w.code[0] = code;
        w.codeProofs = new bytes32[][](1);
        w.codeProofs[0] = path;
    }

    function _copy(MC.Machine memory m) internal pure returns (MC.Machine memory) {
        return abi.decode(abi.encode(m), (MC.Machine));
    }

    function _pair(uint256 a, uint256 b) internal pure returns (uint256[] memory s) {
        s = new uint256[](2);
        (s[0], s[1]) = (b, a);
    }

    function testFuzz_step_add_pushesTheWrappedSum_succeeds(uint256 a, uint256 b) external view {
        StepWitness.Witness memory w = _witness(bytes32(bytes1(0x01)), 1, 0, _pair(a, b));
        w.stack = new uint256[](2);
        (w.stack[0], w.stack[1]) = (a, b);
        bytes32 pre = MC.hash(w.machine);
        MC.Frame memory post = abi.decode(abi.encode(w.frame), (MC.Frame));
        post.pc = 1;
        post.gas -= 3;
        post.stackLength = 1;
        unchecked {
            post.stackHash = MC.push(bytes32(0), a + b);
        }
        MC.Machine memory expected = _copy(w.machine);
        expected.frame = MC.hash(post);
        vm.assertEq(stepper.step(pre, w), MC.hash(expected), "post-state");
    }

    function test_step_stackUnderflow_haltsToTheCheckpoint_succeeds() external view {
        StepWitness.Witness memory w = _witness(bytes32(bytes1(0x01)), 1, 0, new uint256[](0));
        MC.Machine memory expected = _copy(w.machine);
        expected.phase = MC.Phase.TxEnd;
        expected.world = w.frame.checkpoint;
        expected.frame = _outcome(MC.HALTED, 0);
        vm.assertEq(stepper.step(MC.hash(w.machine), w), MC.hash(expected), "halted");
    }

    /// @dev SSTORE (0x55) and TSTORE (0x5d) in a static frame halt before reading the world.
    function test_step_writeInAStaticFrame_halts_succeeds() external view {
        for (uint256 i = 0; i < 2; i++) {
            bytes32 code = bytes32(bytes1(i == 0 ? 0x55 : 0x5d));
            StepWitness.Witness memory w = _witness(code, 1, 0, _pair(1, 2));
            w.stack = new uint256[](2);
            (w.stack[0], w.stack[1]) = (1, 2);
            w.frame.isStatic = true;
            w.machine.frame = MC.hash(w.frame);
            bytes32 pre = MC.hash(w.machine);
            MC.Machine memory expected = _copy(w.machine);
            expected.phase = MC.Phase.TxEnd;
            expected.world = w.frame.checkpoint;
            expected.frame = _outcome(MC.HALTED, 0);
            vm.assertEq(stepper.step(pre, w), MC.hash(expected), "a static write halts");
        }
    }

    function test_step_pastTheCode_stops_succeeds() external view {
        StepWitness.Witness memory w = _witness(bytes32(bytes1(0x01)), 1, 1, new uint256[](0));
        MC.Machine memory expected = _copy(w.machine);
        expected.phase = MC.Phase.TxEnd;
        expected.frame = _outcome(MC.SUCCEEDED, 100_000);
        vm.assertEq(stepper.step(MC.hash(w.machine), w), MC.hash(expected), "stopped");
    }

    function test_step_done_returnsThePreState_succeeds() external view {
        StepWitness.Witness memory w;
        w.machine.phase = MC.Phase.Done;
        bytes32 pre = MC.hash(w.machine);
        vm.assertEq(stepper.step(pre, w), pre, "done is a fixed point");
    }

    function test_step_wrongPreState_reverts() external {
        StepWitness.Witness memory w = _witness(bytes32(bytes1(0x01)), 1, 0, _pair(1, 2));
        vm.expectRevert(EVMStepper.EVMStepper_WrongMachine.selector);
        stepper.step(keccak256("another"), w);
    }

    function test_step_wrongStackItem_reverts() external {
        StepWitness.Witness memory w = _witness(bytes32(bytes1(0x01)), 1, 0, _pair(1, 2));
        w.stack = new uint256[](2);
        (w.stack[0], w.stack[1]) = (2, 2);
        vm.expectRevert(EVMStepper.EVMStepper_WrongStack.selector);
        stepper.step(MC.hash(w.machine), w);
    }

    function test_step_wrongCodeWord_reverts() external {
        StepWitness.Witness memory w = _witness(bytes32(bytes1(0x01)), 1, 0, _pair(1, 2));
        w.code[0] = bytes32(bytes1(0x02));
        vm.expectRevert(BufferTree.BufferTree_InvalidProof.selector);
        stepper.step(MC.hash(w.machine), w);
    }

    /// @dev `TxStart` of a 21,000-gas transfer under the L2's fees (price 10, all base fee) from
    ///      the state's one account holding `balance`: the witness, and the L1 data fee.
    function _l2TxStart(uint64 l1Size, uint32 scalar, uint64 l1BaseFee, uint256 balance)
        internal
        pure
        returns (StepWitness.Witness memory w, uint256 l1Fee)
    {
        MC.Context memory c = w.context;
        (c.chainId, c.origin, c.to, c.txGasLimit, c.gasPrice, c.baseFee) =
        (1, address(0xa11ce), address(0xb0b), 21_000, 10, 10);
        (c.data.root, c.lists.blobHashes) = (BufferTree.rootOfBytes(""), keccak256(""));
        c.blockGasLimit = 30_000_000;
        c.fees = MC.FeeRules({
            l2: true,
            l1BaseFee: l1BaseFee,
            l1BlobBaseFee: 3,
            baseFeeScalar: scalar,
            blobBaseFeeScalar: 7,
            l1Size: l1Size
        });
        l1Fee = L1DataFee.fee(uint256(l1Size) + 68, scalar, l1BaseFee, 7, 3);
        w.tries = new bytes[][](1);
        (w.world.stateRoot, w.tries[0]) = _oneAccount(address(0xa11ce), 0, balance);
        (w.machine.phase, w.machine.context, w.machine.world) = (MC.Phase.TxStart, MC.hash(c), MC.hash(w.world));
    }

    /// @dev Under the L2's fees `TxStart` takes the L1 data fee of `L1DataFee` (the formula the
    ///      GasPriceOracle quotes) on top of the gas, and refuses a sender who cannot pay both.
    function testFuzz_step_txStartUnderL2Fees_chargesTheL1DataFee_succeeds(
        uint64 l1Size,
        uint32 scalar,
        uint64 l1BaseFee,
        uint64 spare
    ) external {
        (StepWitness.Witness memory w, uint256 l1Fee) = _l2TxStart(l1Size, scalar, l1BaseFee, 0);
        uint256 balance = 210_000 + l1Fee + spare;
        (w, l1Fee) = _l2TxStart(l1Size, scalar, l1BaseFee, balance);
        MC.World memory world = abi.decode(abi.encode(w.world), (MC.World));
        (world.stateRoot,) = _oneAccount(address(0xa11ce), 1, spare);
        MC.Frame memory f;
        (f.account, f.caller, f.memoryRoot, f.returnDataRoot, f.calldataRoot) =
        (address(0xb0b), address(0xa11ce), BufferTree.emptyRoot(), BufferTree.emptyRoot(), BufferTree.emptyRoot());
        MC.Machine memory expected = _copy(w.machine);
        (expected.phase, expected.world, expected.frame) = (MC.Phase.FrameSetup, MC.hash(world), MC.hash(f));
        vm.assertEq(stepper.step(MC.hash(w.machine), w), MC.hash(expected), "gas and L1 fee charged");

        // One wei short of gas plus L1 fee: no block holds the transaction.
        (w,) = _l2TxStart(l1Size, scalar, l1BaseFee, 210_000 + l1Fee - 1);
        vm.expectRevert(TransactionSteps.TransactionSteps_InvalidTransaction.selector);
        stepper.step(MC.hash(w.machine), w);
    }

    /// @dev Calldata tokens the context's length cannot have, or beyond any gas, make the
    ///      transaction one no block holds (never an arithmetic overflow).
    function test_step_txStartWithImpossibleTokens_reverts() external {
        uint256[2][4] memory cases = [[uint256(0), 1], [uint256(10), 9], [uint256(10), 41], [uint256(1), 2 ** 255]];
        for (uint256 i = 0; i < cases.length; i++) {
            (StepWitness.Witness memory w,) = _l2TxStart(0, 0, 0, 1 ether);
            (w.context.data.length, w.context.data.tokens) = (cases[i][0], cases[i][1]);
            // Gas enough for what the tokens would cost: only their count makes it unfit.
            w.context.txGasLimit = 100_000;
            w.machine.context = MC.hash(w.context);
            vm.expectRevert(TransactionSteps.TransactionSteps_InvalidTransaction.selector);
            stepper.step(MC.hash(w.machine), w);
        }
    }

    /// @dev The step applying the one authorization `auth` of a set-code transaction from the
    ///      state's one account, without proofs.
    function _authorizationStep(StepWitness.Authorization memory auth)
        internal
        pure
        returns (StepWitness.Witness memory w)
    {
        w.authorizations = new StepWitness.Authorization[](1);
        w.authorizations[0] = auth;
        MC.Context memory c = w.context;
        (c.chainId, c.origin, c.to) = (1, address(0xa11ce), address(0xb0b));
        bytes32 entry = keccak256(abi.encode(keccak256("rollup.stepper.authorization.v1"), auth));
        c.lists.authorizations = keccak256(abi.encodePacked(bytes32(0), entry));
        (w.world.stateRoot,) = _oneAccount(address(0xa11ce), 1, 1 ether);
        w.world.warmAccounts = keccak256(hex"80");
        w.micro.kind = 8;
        w.tries = new bytes[][](2);
        (w.machine.phase, w.machine.context, w.machine.world) = (MC.Phase.AccessList, MC.hash(c), MC.hash(w.world));
        w.machine.micro = MC.hash(w.micro);
    }

    /// @dev EIP-7702: an authorization for another chain, with the largest nonce, a parity of 2
    ///      or the high `s` of a valid signature is skipped, the world untouched; a valid one
    ///      cannot be skipped by leaving its proofs out.
    function test_step_authorizations_skipWhatRevmSkips_succeeds() external {
        uint256 key = 0xa11;
        StepWitness.Authorization memory auth;
        (auth.chainId, auth.account, auth.nonce) = (1, address(0xc0de), 0);
        bytes32 digest =
            keccak256(abi.encodePacked(hex"05", hex"d7", hex"01", hex"94", bytes20(address(0xc0de)), hex"80"));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        vm.assertEq(ecrecover(digest, v, r, s), vm.addr(key), "the digest is the authorization's");
        (auth.yParity, auth.r, auth.s) = (v - 27, uint256(r), uint256(s));

        StepWitness.Authorization[4] memory skipped;
        for (uint256 i = 0; i < 4; i++) {
            skipped[i] = abi.decode(abi.encode(auth), (StepWitness.Authorization));
        }
        skipped[0].chainId = 7;
        skipped[1].nonce = type(uint64).max;
        skipped[2].yParity = 2;
        (skipped[3].yParity, skipped[3].s) =
        (1 - auth.yParity, 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141 - auth.s);
        for (uint256 i = 0; i < 4; i++) {
            StepWitness.Witness memory w = _authorizationStep(skipped[i]);
            MC.Machine memory expected = _copy(w.machine);
            (expected.phase, expected.micro) = (MC.Phase.FrameSetup, 0);
            vm.assertEq(stepper.step(MC.hash(w.machine), w), MC.hash(expected), "skipped");
        }
        StepWitness.Witness memory valid = _authorizationStep(auth);
        vm.expectRevert();
        stepper.step(MC.hash(valid.machine), valid);
    }

    /// @dev A state of one account without code or storage: its root and the account's proof
    ///      (the trie's one leaf).
    function _oneAccount(address who, uint256 nonce, uint256 balance)
        internal
        pure
        returns (bytes32 root, bytes[] memory proof)
    {
        return _oneAccount(who, nonce, balance, keccak256(""));
    }

    /// @dev A state of one account without storage, with code of hash `codeHash`.
    function _oneAccount(address who, uint256 nonce, uint256 balance, bytes32 codeHash)
        internal
        pure
        returns (bytes32 root, bytes[] memory proof)
    {
        bytes[] memory fields = new bytes[](4);
        fields[0] = RLPEncoder.encodeUint(nonce);
        fields[1] = RLPEncoder.encodeUint(balance);
        fields[2] = RLPEncoder.encodeBytes(abi.encodePacked(keccak256(hex"80")));
        fields[3] = RLPEncoder.encodeBytes(abi.encodePacked(codeHash));
        bytes32 key = keccak256(abi.encodePacked(who));
        bytes memory nibbles = new bytes(64);
        for (uint256 i = 0; i < 32; i++) {
            (nibbles[2 * i], nibbles[2 * i + 1]) = (key[i] >> 4, key[i] & 0x0f);
        }
        bytes[] memory leaf = new bytes[](2);
        leaf[0] = RLPEncoder.encodeBytes(RLPEncoder.hexPrefix(nibbles, true));
        leaf[1] = RLPEncoder.encodeBytes(RLPEncoder.encodeList(fields));
        proof = new bytes[](1);
        proof[0] = RLPEncoder.encodeList(leaf);
        root = keccak256(proof[0]);
    }

    /// @dev SELFDESTRUCT naming its own account in init code (an account without code, nonce 1,
    ///      absent at the transaction's start): with `existedBefore`, an account that was not
    ///      created in the transaction. Returns the witness and the world after.
    function _selfdestructToSelf(uint64 balance, bool existedBefore)
        internal
        view
        returns (StepWitness.Witness memory w, MC.World memory world)
    {
        address self = address(0xc0de);
        uint256[] memory stack = new uint256[](1);
        stack[0] = uint160(self);
        w = _witness(bytes32(bytes1(0xff)), 1, 0, stack);
        w.stack = stack;
        w.frame.account = self;
        w.context.to = self;
        bytes[] memory proof;
        (w.world.stateRoot, proof) = _oneAccount(self, 1, balance);
        w.world.txStartRoot = existedBefore ? w.world.stateRoot : keccak256(hex"80");
        w.tries = new bytes[][](4);
        (w.tries[0], w.tries[3]) = (proof, proof);
        w.machine.world = MC.hash(w.world);
        w.machine.context = MC.hash(w.context);
        w.machine.frame = MC.hash(w.frame);
        world = abi.decode(abi.encode(w.world), (MC.World));
        if (!existedBefore) {
            world.stateRoot = tries.setAccount(
                self, tries.account(self, proof, w.world.stateRoot), 1, 0, proof, "", w.world.stateRoot
            );
            world.destroyed = keccak256(abi.encodePacked(bytes32(0), self));
        }
    }

    /// @dev An account created in the transaction that destroys itself burns its balance and
    ///      joins the `destroyed` chain; `TxEnd`, after the fees, deletes it and ends.
    function testFuzz_step_selfdestructOfACreatedAccount_burnsItAndTxEndDeletesIt_succeeds(uint64 balance) external {
        (StepWitness.Witness memory w, MC.World memory world) = _selfdestructToSelf(balance, false);
        MC.Machine memory expected = _copy(w.machine);
        (expected.phase, expected.world, expected.frame) =
        (MC.Phase.TxEnd, MC.hash(world), _outcome(MC.SUCCEEDED, 95_000));
        vm.assertEq(stepper.step(MC.hash(w.machine), w), MC.hash(expected), "destroyed");

        // TxEnd, the fees paid, deletes the account: the state is empty again.
        StepWitness.Witness memory end;
        end.machine = _copy(expected);
        end.machine.frame = 0;
        end.world = world;
        end.context = w.context;
        end.words = new bytes32[](2);
        end.words[1] = bytes32(uint256(uint160(address(0xc0de))));
        end.tries = new bytes[][](1);
        (, end.tries[0]) = _oneAccount(address(0xc0de), 1, 0);
        MC.World memory done = abi.decode(abi.encode(world), (MC.World));
        (done.stateRoot, done.destroyed) = (keccak256(hex"80"), 0);
        MC.Machine memory after_ = _copy(end.machine);
        (after_.phase, after_.world) = (MC.Phase.Done, MC.hash(done));
        vm.assertEq(stepper.step(MC.hash(end.machine), end), MC.hash(after_), "deleted");

        // Another account than the chain's is refused.
        end.words[1] = bytes32(uint256(0xbad));
        vm.expectRevert(TransactionSteps.TransactionSteps_WrongWitness.selector);
        stepper.step(MC.hash(end.machine), end);
    }

    /// @dev An account that existed before the transaction and names itself keeps its balance
    ///      and is not destroyed (EIP-6780): the frame only stops.
    function testFuzz_step_selfdestructOfAnOldAccount_onlyStops_succeeds(uint64 balance) external view {
        (StepWitness.Witness memory w, MC.World memory world) = _selfdestructToSelf(balance, true);
        MC.Machine memory expected = _copy(w.machine);
        (expected.phase, expected.world, expected.frame) =
        (MC.Phase.TxEnd, MC.hash(world), _outcome(MC.SUCCEEDED, 95_000));
        vm.assertEq(stepper.step(MC.hash(w.machine), w), MC.hash(expected), "stopped");
    }

    /// @dev SELFDESTRUCT halts in a static frame, before reading the world; a witness whose code
    ///      is not the account's is refused.
    function test_step_selfdestructInAStaticFrameOrWithOtherCode_haltsOrReverts_succeeds() external {
        (StepWitness.Witness memory w,) = _selfdestructToSelf(1, false);
        w.data = hex"00";
        vm.expectRevert(SelfDestructSteps.SelfDestructSteps_WrongWitness.selector);
        stepper.step(MC.hash(w.machine), w);
        w.frame.isStatic = true;
        w.machine.frame = MC.hash(w.frame);
        MC.Machine memory expected = _copy(w.machine);
        (expected.phase, expected.world, expected.frame) = (MC.Phase.TxEnd, w.frame.checkpoint, _outcome(MC.HALTED, 0));
        vm.assertEq(stepper.step(MC.hash(w.machine), w), MC.hash(expected), "halted");
    }

    function test_step_txStartWithAnotherContext_reverts() external {
        StepWitness.Witness memory w;
        w.context.number = 1;
        vm.expectRevert(TransactionSteps.TransactionSteps_WrongWitness.selector);
        stepper.step(MC.hash(w.machine), w);
    }

    /// @dev A CALL at depth 1024 cannot start its callee: 0 is pushed and the callee's gas comes
    ///      back, so only the warm read and the cold surcharge are spent; the target stays warm.
    function testFuzz_step_callTooDeep_pushesZeroAndKeepsTheGas_succeeds(uint64 requested, uint8 value) external view {
        address target = address(0x1234);
        uint256[] memory stack = new uint256[](7);
        (stack[4], stack[5], stack[6]) = (value, uint160(target), requested);
        StepWitness.Witness memory w = _witness(bytes32(bytes1(0xf1)), 1, 0, new uint256[](0));
        w.frame.depth = 1024;
        w.frame.stackLength = 7;
        w.frame.stackHash = _stackHash(stack);
        w.stack = new uint256[](7);
        for (uint256 i = 0; i < 7; i++) {
            w.stack[i] = stack[6 - i];
        }
        bytes32 emptyTrie = keccak256(hex"80");
        (w.world.stateRoot, w.world.warmAccounts) = (emptyTrie, emptyTrie);
        w.tries = new bytes[][](3);
        w.machine.world = MC.hash(w.world);
        w.machine.context = MC.hash(w.context);
        w.machine.frame = MC.hash(w.frame);
        MC.Frame memory f = abi.decode(abi.encode(w.frame), (MC.Frame));
        f.pc = 1;
        // With value the call also costs the transfer and the new account, and the stipend the
        // callee would have had comes back to the caller with the rest.
        f.gas = 100_000 - 2600 - (value == 0 ? 0 : 9000 + 25_000 - 2300);
        f.stackLength = 1;
        f.stackHash = MC.push(0, 0);
        MC.World memory world = abi.decode(abi.encode(w.world), (MC.World));
        (, world.warmAccounts) = tries.warm(abi.encodePacked(target), new bytes[](0), emptyTrie);
        MC.Machine memory expected = _copy(w.machine);
        expected.world = MC.hash(world);
        expected.frame = MC.hash(f);
        vm.assertEq(stepper.step(MC.hash(w.machine), w), MC.hash(expected), "failed at once");
    }

    /// @dev `Return` of a reverted callee: the caller gets 0, the callee's gas left and its
    ///      return data, and a copy micro-step of what fits its output area starts.
    function testFuzz_step_returnOfARevert_resumesTheCaller_succeeds(uint64 gasLeft, uint8 size, uint8 outSize)
        external
    {
        StepWitness.Witness memory w = _witness(bytes32(0), 1, 5, new uint256[](0));
        bytes32 calleeMemory = keccak256("the callee's memory");
        w.outcome = MC.Outcome({
            status: MC.REVERTED,
            gasLeft: gasLeft,
            returnDataRoot: calleeMemory,
            returnDataOffset: 7,
            returnDataLength: size
        });
        w.call = MC.Call({
            kind: MC.CALL_TRANSFER,
            frame: MC.hash(w.frame),
            account: address(0),
            returnOffset: 3,
            returnSize: outSize,
            below: keccak256("below")
        });
        w.machine.phase = MC.Phase.Return;
        w.machine.frame = MC.hash(w.outcome);
        w.machine.callStack = MC.hash(w.call);
        MC.Frame memory f = abi.decode(abi.encode(w.frame), (MC.Frame));
        f.gas += gasLeft;
        (f.stackLength, f.stackHash) = (1, MC.push(0, 0));
        (f.returnDataRoot, f.returnDataOffset, f.returnDataLength) = (calleeMemory, 7, size);
        MC.Machine memory expected = _copy(w.machine);
        (expected.phase, expected.frame, expected.callStack) = (MC.Phase.Run, MC.hash(f), keccak256("below"));
        uint256 n = size < outSize ? size : outSize;
        if (n != 0) {
            expected.micro =
                MC.hash(MC.Micro({kind: 2, a: 7, b: 3, c: n, d: calleeMemory, sponge: bytes32(uint256(7) + size)}));
        }
        vm.assertEq(stepper.step(MC.hash(w.machine), w), MC.hash(expected), "resumed");

        // Another caller than the link's is refused.
        w.frame.gas += 1;
        vm.expectRevert(CallSteps.CallSteps_WrongWitness.selector);
        stepper.step(MC.hash(w.machine), w);
    }

    function _stackHash(uint256[] memory bottomFirst) internal pure returns (bytes32 h) {
        for (uint256 i = 0; i < bottomFirst.length; i++) {
            h = MC.push(h, bottomFirst[i]);
        }
    }

    /// @dev CREATE's address rule against the EVM's own, over nonces of every RLP length.
    function testFuzz_createAddress_matchesTheEvm_succeeds(uint64 nonce) external {
        nonce = uint64(bound(nonce, 1, type(uint64).max - 1));
        Creator creator = new Creator();
        vm.setNonce(address(creator), nonce);
        vm.assertEq(creator.create(), FrameOps.createAddress(address(creator), nonce), "the address");
    }

    /// @dev CREATE and CREATE2 halt in a static frame, before reading anything else.
    function test_step_createInAStaticFrame_halts_succeeds() external view {
        for (uint256 i = 0; i < 2; i++) {
            uint256[] memory stack = new uint256[](i == 0 ? 3 : 4);
            StepWitness.Witness memory w = _witness(bytes32(bytes1(i == 0 ? 0xf0 : 0xf5)), 1, 0, stack);
            w.stack = stack;
            w.frame.isStatic = true;
            w.machine.frame = MC.hash(w.frame);
            MC.Machine memory expected = _copy(w.machine);
            expected.phase = MC.Phase.TxEnd;
            expected.world = w.frame.checkpoint;
            expected.frame = _outcome(MC.HALTED, 0);
            vm.assertEq(stepper.step(MC.hash(w.machine), w), MC.hash(expected), "halted");
        }
    }

    /// @dev A created frame's returned code is deposited before its creator resumes:
    ///      `Return` refuses to skip it, and the deposit refuses a call's outcome.
    function test_step_returnBeforeTheDeposit_reverts() external {
        StepWitness.Witness memory w = _witness(bytes32(0), 1, 5, new uint256[](0));
        w.outcome = MC.Outcome({
            status: MC.SUCCEEDED,
            gasLeft: 1000,
            returnDataRoot: keccak256("memory"),
            returnDataOffset: 0,
            returnDataLength: 1
        });
        w.call = MC.Call({
            kind: MC.CALL_CREATE,
            frame: MC.hash(w.frame),
            account: address(0xc0de),
            returnOffset: 0,
            returnSize: 0,
            below: 0
        });
        w.machine.phase = MC.Phase.Return;
        w.machine.frame = MC.hash(w.outcome);
        w.machine.callStack = MC.hash(w.call);
        CallSteps calls = stepper.CALLS();
        vm.expectRevert(CallSteps.CallSteps_WrongWitness.selector);
        calls.ret(w);
        // A call's outcome is not a deposit.
        w.call.kind = MC.CALL_TRANSFER;
        w.machine.callStack = MC.hash(w.call);
        CreateSteps create = stepper.CREATE();
        vm.expectRevert(CreateSteps.CreateSteps_WrongWitness.selector);
        create.deposit(w);
    }

    /// @dev A transaction's frame running precompile `p` on `input` (at most a word) with `gas`,
    ///      at its first step (`FrameSetup` done).
    function _precompileFrame(uint256 p, bytes memory input, uint256 gas)
        internal
        pure
        returns (StepWitness.Witness memory w)
    {
        w = _witness(bytes32(0), 0, 0, new uint256[](0));
        bytes32 word = bytes32(input);
        bytes32[] memory path = _zeroPath();
        w.frame.codeHash = bytes32(p);
        w.frame.codeRoot = BufferTree.emptyRoot();
        w.frame.calldataRoot = BufferTree.rootOf(0, word, path);
        w.frame.calldataLength = input.length;
        w.frame.gas = gas;
        w.micro.kind = 7;
        w.machine.micro = MC.hash(w.micro);
        w.machine.frame = MC.hash(w.frame);
        w.code = new bytes32[](0);
        w.codeProofs = new bytes32[][](0);
        if (input.length != 0) {
            w.words = new bytes32[](1);
            w.words[0] = word;
            w.wordProofs = new bytes32[][](1);
            w.wordProofs[0] = path;
        }
        w.data = input;
    }

    /// @dev The machine after a precompile's frame ends with `status` and `out`.
    function _precompileEnd(StepWitness.Witness memory w, uint8 status, uint256 gasLeft, bytes memory out)
        internal
        pure
        returns (bytes32)
    {
        MC.Machine memory expected = _copy(w.machine);
        (expected.phase, expected.micro) = (MC.Phase.TxEnd, 0);
        if (status == MC.HALTED) expected.world = w.frame.checkpoint;
        expected.frame = FrameOps.outcome(status, gasLeft, BufferTree.rootOfBytes(out), 0, out.length);
        return MC.hash(expected);
    }

    /// @dev SHA-256 runs on L1 at the fork's price (60 + 12 a word); short of it, the frame
    ///      halts; an input that is not the calldata's is refused.
    function testFuzz_step_sha256_returnsTheL1PrecompilesOutput_succeeds(bytes32 word, uint8 size, uint16 gas)
        external
    {
        bytes memory input = abi.encodePacked(word);
        uint256 n = size % 33;
        assembly ("memory-safe") {
            mstore(input, n)
        }
        StepWitness.Witness memory w = _precompileFrame(2, input, gas);
        uint256 price = 60 + 12 * ((n + 31) / 32);
        bytes32 post = stepper.step(MC.hash(w.machine), w);
        if (gas < price) {
            // The price, known from the length, fails the frame before the input is read.
            vm.assertEq(post, _precompileEnd(w, MC.HALTED, 0, ""), "out of gas");
            return;
        }
        vm.assertEq(post, _precompileEnd(w, MC.SUCCEEDED, gas - price, abi.encodePacked(sha256(input))), "hashed");
        w.data = bytes.concat(input, hex"00");
        vm.expectRevert(PrecompileSteps.PrecompileSteps_WrongWitness.selector);
        stepper.step(MC.hash(w.machine), w);
    }

    /// @dev IDENTITY returns its calldata's window without reading it: 15 + 3 a word.
    function testFuzz_step_identity_returnsTheCalldataWindow_succeeds(uint16 length, uint16 gas) external view {
        StepWitness.Witness memory w = _precompileFrame(4, "", gas);
        (w.frame.calldataRoot, w.frame.calldataOffset, w.frame.calldataLength) = (keccak256("memory"), 7, length);
        w.machine.frame = MC.hash(w.frame);
        uint256 price = 15 + 3 * ((uint256(length) + 31) / 32);
        MC.Machine memory expected = _copy(w.machine);
        (expected.phase, expected.micro) = (MC.Phase.TxEnd, 0);
        if (gas < price) {
            expected.world = w.frame.checkpoint;
            expected.frame = _outcome(MC.HALTED, 0);
        } else {
            expected.frame = FrameOps.outcome(MC.SUCCEEDED, gas - price, keccak256("memory"), 7, length);
        }
        vm.assertEq(stepper.step(MC.hash(w.machine), w), MC.hash(expected), "the window");
    }

    /// @dev A length the precompile's rules refuse fails the frame at its first step (BLAKE2F
    ///      takes 213 bytes, KZG's point evaluation 192), whatever the gas.
    function testFuzz_step_precompileOfAWrongLength_halts_succeeds(uint8 size) external view {
        bytes memory input = new bytes(size % 33);
        for (uint256 p = 9; p <= 10; p++) {
            StepWitness.Witness memory w = _precompileFrame(p, input, 1_000_000);
            w.words = new bytes32[](0);
            w.wordProofs = new bytes32[][](0);
            vm.assertEq(stepper.step(MC.hash(w.machine), w), _precompileEnd(w, MC.HALTED, 0, ""), "halted");
        }
    }

    /// @dev The L1 call gets exactly the L2 price: a step with less gas than that reverts
    ///      rather than read L1's shortage as the input's failure.
    function test_step_precompileShortOfL1Gas_reverts() external {
        // The empty pairing is valid and costs 45,000.
        StepWitness.Witness memory w = _precompileFrame(8, "", 100_000);
        PrecompileSteps precompiles = stepper.PRECOMPILES();
        vm.expectRevert(abi.encodeWithSelector(PrecompileSteps.PrecompileSteps_NotEnoughGas.selector, 55_000));
        precompiles.micro{gas: 90_000}(w);
        vm.assertEq(
            stepper.step(MC.hash(w.machine), w),
            _precompileEnd(w, MC.SUCCEEDED, 55_000, abi.encodePacked(uint256(1))),
            "with the gas"
        );
    }

    /// @dev A transaction to an account that delegates its code (EIP-7702) runs its delegate's
    ///      code, which `FrameSetup` takes from the delegate (`words[0]`) and warms; taking the
    ///      delegation itself as the code is refused.
    function test_step_frameSetupOfADelegatingRecipient_runsTheDelegatesCode_succeeds() external {
        (address recipient, address delegate) = (address(0xde1e), address(0xc0de));
        StepWitness.Witness memory w;
        bytes32 designation = keccak256(abi.encodePacked(hex"ef0100", delegate));
        bytes[] memory proof;
        (w.world.stateRoot, proof) = _oneAccount(recipient, 1, 0, designation);
        bytes32 emptyTrie = keccak256(hex"80");
        (w.world.transientRoot, w.world.warmAccounts, w.world.warmSlots) = (emptyTrie, emptyTrie, emptyTrie);
        (w.context.origin, w.context.to) = (address(0xa11ce), recipient);
        w.frame.account = recipient;
        w.frame.caller = address(0xa11ce);
        w.frame.gas = 50_000;
        w.frame.memoryRoot = BufferTree.emptyRoot();
        (w.frame.calldataRoot, w.frame.returnDataRoot) = (w.frame.memoryRoot, w.frame.memoryRoot);
        w.machine.phase = MC.Phase.FrameSetup;
        (w.machine.world, w.machine.context, w.machine.frame) = (MC.hash(w.world), MC.hash(w.context), MC.hash(w.frame));
        w.tries = new bytes[][](5);
        // The recipient, before and after a transfer of nothing; the delegate is absent.
        (w.tries[0], w.tries[2], w.tries[3]) = (proof, proof, proof);
        w.words = new bytes32[](1);
        w.words[0] = bytes32(uint256(uint160(delegate)));

        MC.World memory world = abi.decode(abi.encode(w.world), (MC.World));
        world.txStartRoot = world.stateRoot;
        (, world.warmAccounts) = tries.warm(abi.encodePacked(delegate), new bytes[](0), emptyTrie);
        MC.Machine memory expected = _copy(w.machine);
        // The delegate has no code: the frame ends at once.
        (expected.phase, expected.world, expected.frame) =
        (MC.Phase.TxEnd, MC.hash(world), _outcome(MC.SUCCEEDED, 50_000));
        vm.assertEq(stepper.step(MC.hash(w.machine), w), MC.hash(expected), "the delegate's code");

        // Without the delegate, the delegation is not code the recipient runs.
        w.words = new bytes32[](0);
        w.tries = new bytes[][](3);
        (w.tries[0], w.tries[2]) = (proof, proof);
        w.data = abi.encodePacked(hex"ef0100", delegate);
        vm.expectRevert(TransactionSteps.TransactionSteps_WrongWitness.selector);
        stepper.step(MC.hash(w.machine), w);
    }

    function bound(uint64 x, uint64 min, uint64 max) internal pure returns (uint64) {
        return min + x % (max - min + 1);
    }
}
