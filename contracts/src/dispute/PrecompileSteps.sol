// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MachineCommitment as MC} from "./lib/MachineCommitment.sol";
import {StepWitness} from "./lib/StepWitness.sol";
import {FrameOps} from "./lib/FrameOps.sol";
import {BufferTree} from "./lib/BufferTree.sol";
import {KeccakSponge} from "../libraries/KeccakSponge.sol";

/// @title PrecompileSteps
/// @notice A frame that runs a precompile of the L2's fork (Osaka; docs/dispute/stepper.md,
///         "Precompiles"). `FrameSetup` leaves such a frame (its code hash the precompile's
///         address) with a kind-7 micro-step; its first step decides from the input's length
///         which of the input's bytes the precompile reads and fails the frame at once when the
///         length alone does (a wrong size, a price above the gas). The input's bytes are then
///         hashed out of the caller's memory window in micro-steps; the last step takes them
///         whole in the witness, checks them against the hash, charges the fork's price and runs
///         the same precompile on L1 with exactly that gas: its output is the frame's return
///         data, its failure the frame's exceptional halt. IDENTITY returns its input window
///         without reading it.
/// @dev    L1 must run the L2's fork or a later one that prices the precompiles alike: the
///         step gives the L1 call exactly the L2 price, and reads a failure as the input's.
contract PrecompileSteps {
    /// @notice Thrown when the witness's micro-step, sponge or input is not the machine's.
    error PrecompileSteps_WrongWitness();
    /// @notice Thrown when the step has too little gas left to give the L1 precompile its
    ///         price: the call must be repeated with more gas.
    error PrecompileSteps_NotEnoughGas(uint256 needed);
    /// @notice Thrown for SHA-256 or RIPEMD-160 over more input than one step takes.
    error PrecompileSteps_NotBuilt(address precompile, uint256 inputLength);

    /// @notice Input bytes hashed per step: 8 blocks of 136 bytes.
    uint256 public constant CHUNK = 8 * KeccakSponge.RATE;
    /// @notice The most input bytes a step takes whole: 256 KiB, about 4.2M L1 gas of
    ///         calldata (10.5M under EIP-7623's floor, which a step running an expensive
    ///         precompile does not pay). Every precompile but SHA-256 and RIPEMD-160 reads less
    ///         within the L2's per-transaction gas: the largest, a G1 MSM of 1,348 pairs, 216 KB.
    uint256 public constant MAX_INPUT = 1 << 18;
    /// @dev The micro-step kind of a precompile frame.
    uint8 private constant KIND = 7;
    /// @dev Gas the step keeps for itself beyond the L1 call.
    uint256 private constant CALL_RESERVE = 10_000;
    /// @dev MODEXP reads at most its header and three operands of EIP-7823's 1,024 bytes.
    uint256 private constant MODEXP_INPUT = 96 + 3 * 1024;
    /// @dev EIP-2537's MSM discounts (per mille) for 1..128 pairs, two bytes each.
    bytes private constant G1_DISCOUNTS =
        hex"03e803b50350031d02fc02ee02e202d802cf02c802c102ba02b402af02aa02a502a1029d029902950292028e028b0288028502820280027d027b0278027602730271026f026d026b026902670265026302610260025e025c025b0259025702560254025302510250024f024d024c024a02490248024602450244024302410240023f023e023d023c023a0239023802370236023502340233023202310230022f022e022d022c022b022a02290228022702260225022402230223022202210220021f021e021d021c021c021b021a0219021802180217021602150214021402130212021102100210020f020e020d020d020c020b020a020a0209020802080207";
    bytes private constant G2_DISCOUNTS =
        hex"03e803e8039b037403570340032c031c030e030202f702ed02e402dc02d402cd02c702c002bb02b502b002ab02a702a2029e029a02970293028f028c0289028602830280027d027a0278027502730270026e026c026a0267026502630261025f025e025c025a025802560255025302510250024e024d024b024a0248024702460244024302420240023f023e023d023b023a023902380237023602350233023202310230022f022e022d022c022b022a022902280228022702260225022402230222022102210220021f021e021d021d021c021b021a021902190218021702170216021502140214021302120212021102100210020f020e020e020d020c020c";

    /// @notice A step of a precompile frame: `w.frame` is the frame (checked by `EVMStepper`),
    ///         `w.micro` its micro-step; `words` the step's chunk of input, `data` the input
    ///         the precompile reads (the last step).
    function micro(StepWitness.Witness memory w) external view returns (MC.Machine memory) {
        MC.Micro memory m = w.micro;
        if (MC.hash(m) != w.machine.micro || m.kind != KIND) revert PrecompileSteps_WrongWitness();
        MC.Frame memory f = w.frame;
        address p = address(uint160(uint256(f.codeHash)));
        if (m.c != 0) {
            KeccakSponge.State memory s = KeccakSponge.State(w.sponge);
            if (KeccakSponge.commit(s) != m.sponge) revert PrecompileSteps_WrongWitness();
            return _chunk(w, f, p, s, m.a, m.b, m.c);
        }
        // The frame's first step (`FrameSetup` left the micro-step with nothing in progress).
        if (uint160(p) == 0x04) return _identity(w, f);
        (uint256 read, uint256 price) = _plan(p, f.calldataLength);
        if (read == type(uint256).max || price > f.gas) return FrameOps.halt(w.machine, f);
        if (read > MAX_INPUT) revert PrecompileSteps_NotBuilt(p, read);
        return _chunk(w, f, p, KeccakSponge.empty(), f.calldataOffset, read, read);
    }

    /// @dev Hashes the next chunk of the `total` input bytes (`left` of them from `offset` of
    ///      the calldata buffer); the last chunk runs the precompile.
    function _chunk(
        StepWitness.Witness memory w,
        MC.Frame memory f,
        address p,
        KeccakSponge.State memory s,
        uint256 offset,
        uint256 left,
        uint256 total
    ) private view returns (MC.Machine memory next) {
        uint256 n = left > CHUNK ? CHUNK : left;
        bytes memory data = FrameOps.read(f.calldataRoot, w.words, w.wordProofs, offset, n);
        if (left > CHUNK) {
            KeccakSponge.absorbBlocks(s, data, 0, CHUNK / KeccakSponge.RATE);
            next = w.machine;
            next.micro = MC.hash(
                MC.Micro({
                    kind: KIND, a: offset + CHUNK, b: left - CHUNK, c: total, d: 0, sponge: KeccakSponge.commit(s)
                })
            );
            return next;
        }
        bytes memory input = w.data;
        if (input.length != total || keccak256(input) != KeccakSponge.finish(s, data, n)) {
            revert PrecompileSteps_WrongWitness();
        }
        return _run(w, f, p, input);
    }

    /// @dev Charges the precompile's price and runs it on L1 with exactly that gas.
    function _run(StepWitness.Witness memory w, MC.Frame memory f, address p, bytes memory input)
        private
        view
        returns (MC.Machine memory)
    {
        uint256 price = _price(p, f.calldataLength, input);
        if (price > f.gas) return FrameOps.halt(w.machine, f);
        // The call gets exactly the L2's price, which L1 charges too: a failure is the input's.
        // (More would change nothing but what a failure burns: a failed precompile consumes
        // all the gas it is given.) EIP-150 forwards at most 63/64 of what is left.
        uint256 left = gasleft();
        if (left - left / 64 < price + CALL_RESERVE) revert PrecompileSteps_NotEnoughGas(price + CALL_RESERVE);
        (bool ok, bytes memory out) = p.staticcall{gas: price}(input);
        if (!ok) return FrameOps.halt(w.machine, f);
        f.gas -= price;
        f.memoryRoot = BufferTree.rootOfBytes(out);
        return FrameOps.end(w.machine, f, MC.SUCCEEDED, 0, out.length);
    }

    /// @dev IDENTITY: the return data is the calldata's window itself.
    function _identity(StepWitness.Witness memory w, MC.Frame memory f) private pure returns (MC.Machine memory) {
        uint256 price = 15 + 3 * ((f.calldataLength + 31) / 32);
        if (price > f.gas) return FrameOps.halt(w.machine, f);
        f.gas -= price;
        f.memoryRoot = f.calldataRoot;
        return FrameOps.end(w.machine, f, MC.SUCCEEDED, f.calldataOffset, f.calldataLength);
    }

    /// @dev What the input's length alone says: how many of its first bytes the precompile
    ///      reads (`type(uint256).max` when the length fails it) and the least it costs.
    function _plan(address p, uint256 length) private pure returns (uint256 read, uint256 price) {
        uint256 n = uint160(p);
        uint256 fail = type(uint256).max;
        if (n == 0x01) return (_min(length, 128), 3000);
        if (n == 0x02 || n == 0x03) return (length, _price(p, length, ""));
        // IDENTITY reads nothing (`micro` ends it with its calldata's window).
        if (n == 0x04) return (0, 15 + 3 * ((length + 31) / 32));
        if (n == 0x05) return (_min(length, MODEXP_INPUT), 500);
        if (n == 0x06) return (_min(length, 128), 150);
        if (n == 0x07) return (_min(length, 96), 6000);
        if (n == 0x08) return (length % 192 == 0 ? length : fail, _price(p, length, ""));
        if (n == 0x09) return (length == 213 ? 213 : fail, 0);
        if (n == 0x0a) return (length == 192 ? 192 : fail, 50000);
        if (n == 0x0b) return (length == 256 ? 256 : fail, 375);
        if (n == 0x0c || n == 0x0e || n == 0x0f) {
            uint256 pair = n == 0x0c ? 160 : n == 0x0e ? 288 : 384;
            return (length != 0 && length % pair == 0 ? length : fail, _price(p, length, ""));
        }
        if (n == 0x0d) return (length == 512 ? 512 : fail, 600);
        if (n == 0x10) return (length == 64 ? 64 : fail, 5500);
        if (n == 0x11) return (length == 128 ? 128 : fail, 23800);
        // P256VERIFY (0x100): another length than 160 is an invalid signature, not a failure.
        return (length == 160 ? 160 : 0, 6900);
    }

    /// @dev The fork's price of running `p` on an input of `length` bytes whose first bytes
    ///      are `input` (MODEXP's and BLAKE2F's prices read them).
    function _price(address p, uint256 length, bytes memory input) private pure returns (uint256) {
        uint256 n = uint160(p);
        uint256 words = (length + 31) / 32;
        if (n == 0x02) return 60 + 12 * words;
        if (n == 0x03) return 600 + 120 * words;
        if (n == 0x05) return _modexpPrice(input);
        if (n == 0x08) return 45000 + 34000 * (length / 192);
        // BLAKE2F: one gas a round, the rounds its input's first four bytes.
        // forge-lint: disable-next-line(unsafe-typecast)
        if (n == 0x09) return uint32(bytes4(input));
        if (n == 0x0c) return _msmPrice(length / 160, G1_DISCOUNTS, 12000);
        if (n == 0x0e) return _msmPrice(length / 288, G2_DISCOUNTS, 22500);
        if (n == 0x0f) return 37700 + 32600 * (length / 384);
        (, uint256 price) = _plan(p, length);
        return price;
    }

    /// @dev MSM's price for `k` pairs: `k × base × discount(k) / 1000`, the discount of 128
    ///      pairs beyond.
    function _msmPrice(uint256 k, bytes memory discounts, uint256 base) private pure returns (uint256) {
        if (k == 0) return 0;
        uint256 i = (k > 128 ? 128 : k) - 1;
        uint256 discount = (uint256(uint8(discounts[2 * i])) << 8) | uint8(discounts[2 * i + 1]);
        return (k * discount * base) / 1000;
    }

    /// @dev MODEXP's price (EIP-2565 as EIP-7883 changes it; EIP-7823's limits fail larger
    ///      operands, priced here at the most the L2 can pay).
    function _modexpPrice(bytes memory input) private pure returns (uint256) {
        uint256 baseLength = _word(input, 0);
        uint256 expLength = _word(input, 32);
        uint256 modLength = _word(input, 64);
        if (baseLength > 1024 || expLength > 1024 || modLength > 1024) return type(uint256).max;
        // The exponent's first (at most) 32 bytes, as a number.
        uint256 head = _word(input, 96 + baseLength);
        if (expLength < 32) head >>= 8 * (32 - expLength);
        uint256 bits = 0;
        for (uint256 v = head; v != 0; v >>= 1) {
            bits++;
        }
        uint256 iterations =
            expLength <= 32 ? (bits == 0 ? 0 : bits - 1) : 16 * (expLength - 32) + (bits == 0 ? 0 : bits - 1);
        if (iterations == 0) iterations = 1;
        uint256 longest = baseLength > modLength ? baseLength : modLength;
        uint256 complexity = longest <= 32 ? 16 : 2 * ((longest + 7) / 8) ** 2;
        uint256 price = complexity * iterations;
        return price < 500 ? 500 : price;
    }

    /// @dev The 32 bytes of `input` at `offset`, zeros past its end.
    function _word(bytes memory input, uint256 offset) private pure returns (uint256 value) {
        for (uint256 i = 0; i < 32; i++) {
            value <<= 8;
            if (offset + i < input.length) value |= uint8(input[offset + i]);
        }
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
