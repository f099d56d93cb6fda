// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MachineCommitment as MC} from "./lib/MachineCommitment.sol";
import {StepWitness} from "./lib/StepWitness.sol";
import {FrameOps} from "./lib/FrameOps.sol";
import {KeccakSponge} from "../libraries/KeccakSponge.sol";

/// @title LogSteps
/// @notice LOG0–LOG4 in bounded micro-steps (docs/dispute/commitment.md, "Micro-steps", kind 3).
///         A log enters the world as a link of the logs' hash chain,
///         `logsHash' = keccak256(logsHash ‖ keccak256(rlp(log)))`, its RLP length added to
///         `logsRlpLength`, and its address and topics in the bloom. The instruction's step
///         charges gas, pops the operands, adds the bloom bits and starts hashing the RLP
///         encoding (its header, address and topics, then the data from memory); each further
///         step absorbs the next blocks; the last one links the hash into the chain.
///         `EVMStepper` calls it with the frame checked, the static gas charged, the operands
///         checked and pc advanced.
contract LogSteps {
    /// @notice Thrown when the witness's micro-step, sponge, world or bloom is not the machine's.
    error LogSteps_WrongWitness();

    /// @notice Bytes of the encoding absorbed per step: 8 blocks.
    uint256 public constant CHUNK = 8 * KeccakSponge.RATE;
    /// @dev The micro-step kind of a log.
    uint8 private constant KIND = 3;
    /// @dev Gas per topic and per byte of data.
    uint256 private constant TOPIC_GAS = 375;
    uint256 private constant DATA_GAS = 8;

    /// @notice The instruction's step: `w.frame` is the frame with static gas charged and pc
    ///         advanced; `w.stack` holds offset, size and the topics; `w.data` is the bloom.
    function instruction(StepWitness.Witness memory w, uint256 op) external pure returns (MC.Machine memory next) {
        MC.Frame memory f = w.frame;
        (uint256 offset, uint256 size) = (w.stack[0], w.stack[1]);
        uint256 topics = op - 0xa0;
        if (f.isStatic || size >= FrameOps.OPERAND_LIMIT) return FrameOps.halt(w.machine, f);
        uint256 cost = DATA_GAS * size + TOPIC_GAS * topics;
        if (f.gas < cost) return FrameOps.halt(w.machine, f);
        f.gas -= cost;
        if (size != 0 && (offset >= FrameOps.OPERAND_LIMIT || !FrameOps.expand(f, offset, size))) {
            return FrameOps.halt(w.machine, f);
        }
        f.stackLength -= w.stack.length;
        f.stackHash = w.stackBelow;
        MC.World memory world = w.world;
        if (MC.hash(world) != w.machine.world || keccak256(w.data) != world.logsBloom || w.data.length != 256) {
            revert LogSteps_WrongWitness();
        }
        bytes memory bloom = w.data;
        _addToBloom(bloom, abi.encodePacked(f.account));
        for (uint256 i = 0; i < topics; i++) {
            _addToBloom(bloom, abi.encodePacked(w.stack[2 + i]));
        }
        world.logsBloom = keccak256(bloom);
        // The first byte of the data decides the encoding of a one-byte string.
        bytes memory head = FrameOps.read(f.memoryRoot, w.words, w.wordProofs, offset, size < CHUNK ? size : CHUNK);
        bytes memory prefix = _prefix(f.account, w.stack, topics, size, head);
        next = w.machine;
        next.world = MC.hash(world);
        MC.Micro memory m = MC.Micro({kind: KIND, a: offset, b: size, c: prefix.length + size, d: 0, sponge: 0});
        return _absorb(next, f, world, KeccakSponge.empty(), m, bytes.concat(prefix, head), prefix.length);
    }

    /// @notice A micro-step: the next blocks of the log's encoding.
    function micro(StepWitness.Witness memory w) external pure returns (MC.Machine memory) {
        MC.Micro memory m = w.micro;
        KeccakSponge.State memory s = KeccakSponge.State(w.sponge);
        if (
            MC.hash(m) != w.machine.micro || m.kind != KIND || KeccakSponge.commit(s) != m.sponge
                || MC.hash(w.world) != w.machine.world
        ) revert LogSteps_WrongWitness();
        bytes memory data = FrameOps.read(w.frame.memoryRoot, w.words, w.wordProofs, m.a, m.b < CHUNK ? m.b : CHUNK);
        return _absorb(w.machine, w.frame, w.world, s, m, data, 0);
    }

    /// @dev Absorbs `stream`: the encoding's `prefixLength` bytes not absorbed yet (the first
    ///      step's header, address and topics) and then up to a chunk of the data left (`m.b`
    ///      bytes at `m.a`). 8 blocks when more remains, else the rest and the link into the chain.
    function _absorb(
        MC.Machine memory next,
        MC.Frame memory f,
        MC.World memory world,
        KeccakSponge.State memory s,
        MC.Micro memory m,
        bytes memory stream,
        uint256 prefixLength
    ) private pure returns (MC.Machine memory) {
        uint256 left = prefixLength + m.b;
        if (left > CHUNK) {
            KeccakSponge.absorbBlocks(s, stream, 0, CHUNK / KeccakSponge.RATE);
            m.a += CHUNK - prefixLength;
            m.b -= CHUNK - prefixLength;
            m.sponge = KeccakSponge.commit(s);
            next.micro = MC.hash(m);
        } else {
            world.logsHash = keccak256(abi.encodePacked(world.logsHash, KeccakSponge.finish(s, stream, left)));
            world.logsRlpLength += m.c;
            next.world = MC.hash(world);
            next.micro = 0;
        }
        next.frame = MC.hash(f);
        return next;
    }

    /// @dev The RLP encoding of the log up to its data: the list header, the address, the topics
    ///      and the data's header (none for a single byte below 0x80).
    function _prefix(address account, uint256[] memory stack, uint256 topics, uint256 size, bytes memory head)
        private
        pure
        returns (bytes memory prefix)
    {
        bytes memory topicList;
        for (uint256 i = 0; i < topics; i++) {
            topicList = bytes.concat(topicList, hex"a0", bytes32(stack[2 + i]));
        }
        topicList = bytes.concat(_header(0xc0, topicList.length), topicList);
        bytes memory dataHeader = size == 1 && uint8(head[0]) < 0x80 ? bytes("") : _header(0x80, size);
        uint256 payload = 21 + topicList.length + dataHeader.length + size;
        prefix = bytes.concat(_header(0xc0, payload), hex"94", bytes20(account), topicList, dataHeader);
    }

    /// @dev An RLP header: `base + length` up to 55, else `base + 55 + n` and the length's n bytes.
    function _header(uint256 base, uint256 length) private pure returns (bytes memory) {
        if (length <= 55) return abi.encodePacked(uint8(base + length));
        uint256 n = 0;
        for (uint256 v = length; v != 0; v >>= 8) {
            n++;
        }
        bytes memory out = new bytes(n + 1);
        out[0] = bytes1(uint8(base + 55 + n));
        for (uint256 i = 0; i < n; i++) {
            out[n - i] = bytes1(uint8(length >> (8 * i)));
        }
        return out;
    }

    /// @dev Sets the three bloom bits of `item` (Ethereum's 2048-bit logs bloom).
    function _addToBloom(bytes memory bloom, bytes memory item) private pure {
        bytes32 h = keccak256(item);
        for (uint256 i = 0; i < 6; i += 2) {
            uint256 bit = ((uint256(uint8(h[i])) << 8) | uint8(h[i + 1])) & 2047;
            bloom[255 - bit / 8] |= bytes1(uint8(1 << (bit % 8)));
        }
    }
}
