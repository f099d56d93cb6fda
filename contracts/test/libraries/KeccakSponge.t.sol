// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/TestBase.sol";
import {KeccakSponge} from "../../src/libraries/KeccakSponge.sol";

/// @dev Exposes the library externally: reverts can be expected, and every call is a separate
///      step whose state goes out and comes back through the ABI, as between L1 transactions.
contract KeccakSpongeHarness {
    using KeccakSponge for KeccakSponge.State;

    /// @dev Whole blocks with `absorbBlocks`, then the rest with `finalize`.
    function hash(bytes memory data) external pure returns (bytes32) {
        KeccakSponge.State memory s = KeccakSponge.empty();
        s.absorbBlocks(data);
        return s.finalize(_tail(data, data.length - data.length % KeccakSponge.RATE));
    }

    /// @dev `hash` of a copy of `data` made after allocating `pad` bytes, so the data can sit
    ///      inside the permutation's workspace (as the ABI decoder's copy does), across its end,
    ///      or above it.
    function hashHigh(bytes calldata data, uint256 pad) external pure returns (bytes32) {
        new bytes(pad);
        bytes memory copy = data;
        KeccakSponge.State memory s = KeccakSponge.empty();
        s.absorbBlocks(copy);
        return s.finalize(_tail(copy, copy.length - copy.length % KeccakSponge.RATE));
    }

    /// @dev `KeccakSponge.absorb`, the state passed in and, if changed, out.
    function absorb(KeccakSponge.State memory s, bytes memory data, uint256 offset)
        external
        pure
        returns (KeccakSponge.State memory)
    {
        s.absorb(data, offset);
        return s;
    }

    /// @dev `KeccakSponge.absorbBlocks`, the state passed in and, if changed, out.
    function absorbBlocks(KeccakSponge.State memory s, bytes memory data, uint256 offset, uint256 count)
        external
        pure
        returns (KeccakSponge.State memory)
    {
        s.absorbBlocks(data, offset, count);
        return s;
    }

    /// @dev `KeccakSponge.finalize`, the state passed in and, if changed, out.
    function finalize(KeccakSponge.State memory s, bytes memory tail) external pure returns (bytes32) {
        return s.finalize(tail);
    }

    /// @dev `KeccakSponge.permute`, the state passed in and, if changed, out.
    function permute(KeccakSponge.State memory s) external pure returns (KeccakSponge.State memory) {
        s.permute();
        return s;
    }

    /// @dev `KeccakSponge.lane`, the state passed in and, if changed, out.
    function lane(KeccakSponge.State memory s, uint256 i) external pure returns (uint64) {
        return s.lane(i);
    }

    /// @dev `KeccakSponge.commit`, the state passed in and, if changed, out.
    function commit(KeccakSponge.State memory s) external pure returns (bytes32) {
        return s.commit();
    }

    /// @dev Permutes with a canary buffer allocated first (so it overlaps the workspace) and
    ///      reports whether the canary, the free memory pointer and the zero slot survived.
    function permuteKeepsMemory() external pure returns (bool) {
        bytes memory canary = new bytes(3000);
        for (uint256 i = 0; i < canary.length; i++) {
            // Truncation is the point: a byte pattern.
            // forge-lint: disable-next-line(unsafe-typecast)
            canary[i] = bytes1(uint8(i * 7 + 1));
        }
        KeccakSponge.State memory s = KeccakSponge.empty();
        uint256 fmpBefore;
        assembly {
            fmpBefore := mload(0x40)
        }
        s.permute();
        uint256 fmpAfter;
        uint256 zeroSlot;
        assembly {
            fmpAfter := mload(0x40)
            zeroSlot := mload(0x60)
        }
        if (fmpAfter != fmpBefore || zeroSlot != 0) return false;
        for (uint256 i = 0; i < canary.length; i++) {
            // Truncation is the point: a byte pattern.
            // forge-lint: disable-next-line(unsafe-typecast)
            if (canary[i] != bytes1(uint8(i * 7 + 1))) return false;
        }
        return true;
    }

    /// @dev Gas of one `permute`, state already in memory.
    function measurePermute() external view returns (uint256 gasUsed) {
        KeccakSponge.State memory s = KeccakSponge.empty();
        s.permute(); // warm: the first call in a transaction also pays for memory expansion
        uint256 before = gasleft();
        s.permute();
        gasUsed = before - gasleft();
    }

    /// @dev Gas of `absorbBlocks` over `data`, already in memory.
    function measureAbsorbBlocks(bytes memory data) external view returns (uint256 gasUsed) {
        KeccakSponge.State memory s = KeccakSponge.empty();
        uint256 before = gasleft();
        s.absorbBlocks(data);
        gasUsed = before - gasleft();
    }

    function _tail(bytes memory data, uint256 from) private pure returns (bytes memory out) {
        out = new bytes(data.length - from);
        for (uint256 i = 0; i < out.length; i++) {
            out[i] = data[from + i];
        }
    }
}

contract KeccakSpongeTest is TestBase {
    KeccakSpongeHarness internal h;

    function setUp() public {
        h = new KeccakSpongeHarness();
    }

    function testFuzz_hash_matchesKeccak256_succeeds(bytes memory data) public view {
        vm.assertEq(h.hash(data), keccak256(data), "hash");
    }

    function test_hash_boundaryLengths_succeeds() public view {
        uint256[8] memory lengths = [uint256(0), 1, 135, 136, 137, 271, 272, 1000];
        for (uint256 i = 0; i < lengths.length; i++) {
            bytes memory data = _pattern(lengths[i]);
            vm.assertEq(h.hash(data), keccak256(data), vm.toString(lengths[i]));
        }
    }

    function test_hash_knownVectors_succeeds() public view {
        vm.assertEq(
            h.hash(""), 0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470, "keccak256 of nothing"
        );
        vm.assertEq(
            h.hash("abc"), 0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45, "keccak256 of abc"
        );
    }

    function testFuzz_hash_anyMemoryPosition_succeeds(bytes memory data, uint16 pad) public view {
        vm.assertEq(h.hashHigh(data, pad % 4096), keccak256(data), "hash");
    }

    function test_hash_dataAboveWorkspace_succeeds() public view {
        bytes memory data = _pattern(1000);
        vm.assertEq(h.hashHigh(data, 4096), keccak256(data), "data above the workspace");
        vm.assertEq(h.hashHigh(data, 0), keccak256(data), "data inside the workspace");
    }

    /// @dev Every block in its own step, the state crossing the ABI each time, as it would
    ///      between transactions; the commitment is recomputed from the returned state.
    function test_hash_splitAcrossSteps_succeeds() public view {
        bytes memory data = _pattern(1000); // 7 whole blocks and 48 bytes
        KeccakSponge.State memory s = KeccakSponge.empty();
        bytes32 c = h.commit(s);
        for (uint256 i = 0; i < 7; i++) {
            vm.assertEq(h.commit(s), c, "state matches its commitment");
            s = h.absorb(s, data, i * 136);
            c = h.commit(s);
        }
        vm.assertEq(h.finalize(s, _slice(data, 952, 48)), keccak256(data), "one block per step");

        // Uneven steps: 3 blocks, then 1, then 3.
        s = KeccakSponge.empty();
        s = h.absorbBlocks(s, data, 0, 3);
        s = h.absorbBlocks(s, data, 408, 1);
        s = h.absorbBlocks(s, _slice(data, 544, 456), 0, 3);
        vm.assertEq(h.finalize(s, _slice(data, 952, 48)), keccak256(data), "3 + 1 + 3 blocks");
    }

    function testFuzz_hash_splitAcrossSteps_succeeds(bytes memory data, uint256 cut) public view {
        uint256 blocks = data.length / 136;
        cut = blocks == 0 ? 0 : cut % (blocks + 1);
        KeccakSponge.State memory s = KeccakSponge.empty();
        s = h.absorbBlocks(s, data, 0, cut);
        s = h.absorbBlocks(s, data, cut * 136, blocks - cut);
        vm.assertEq(h.finalize(s, _slice(data, blocks * 136, data.length % 136)), keccak256(data), "two steps");
    }

    /// @dev Keccak-f[1600] of the all-zero state (the Keccak team's reference vector).
    function test_permute_zeroState_matchesReferenceVector() public view {
        uint64[25] memory expected = [
            0xf1258f7940e1dde7,
            0x84d5ccf933c0478a,
            0xd598261ea65aa9ee,
            0xbd1547306f80494d,
            0x8b284e056253d057,
            0xff97a42d7f8e6fd4,
            0x90fee5a0a44647c4,
            0x8c5bda0cd6192e76,
            0xad30a6f71b19059c,
            0x30935ab7d08ffc64,
            0xeb5aa93f2317d635,
            0xa9a6e6260d712103,
            0x81a57c16dbcf555f,
            0x43b831cd0347c826,
            0x01f22f1a11a5569f,
            0x05e5635a21d9ae61,
            0x64befef28cc970f2,
            0x613670957bc46611,
            0xb87c5a554fd00ecb,
            0x8c3ee88a1ccf32c8,
            0x940c7922ae3a2614,
            0x1841f924a2c509e4,
            0x16f53526e70465c2,
            0x75f644e97f30a13b,
            0xeaf1ff7b5ceca249
        ];
        KeccakSponge.State memory s = h.permute(KeccakSponge.empty());
        for (uint256 i = 0; i < 25; i++) {
            vm.assertEq(h.lane(s, i), expected[i], vm.toString(i));
        }
        vm.assertEq(uint256(s.words[6]) & type(uint192).max, 0, "padding is zero");
    }

    function test_permute_ignoresPadding_succeeds() public view {
        KeccakSponge.State memory clean = h.permute(KeccakSponge.empty());
        KeccakSponge.State memory dirty = KeccakSponge.empty();
        dirty.words[6] = bytes32(uint256(type(uint192).max));
        dirty = h.permute(dirty);
        for (uint256 i = 0; i < 7; i++) {
            vm.assertEq(dirty.words[i], clean.words[i], vm.toString(i));
        }
        vm.assertEq(h.commit(dirty), h.commit(clean), "commitment");
    }

    function test_permute_keepsCallerMemory_succeeds() public view {
        vm.assertTrue(h.permuteKeepsMemory(), "memory below and around the workspace is restored");
    }

    function test_commit_isTagThenLanes_succeeds() public view {
        KeccakSponge.State memory s = h.permute(KeccakSponge.empty());
        bytes memory lanes;
        for (uint256 i = 0; i < 25; i++) {
            lanes = abi.encodePacked(lanes, h.lane(s, i));
        }
        vm.assertEq(h.commit(s), keccak256(abi.encodePacked(KeccakSponge.COMMIT_TAG, lanes)), "commit");
        vm.assertEq(
            h.commit(KeccakSponge.empty()),
            keccak256(abi.encodePacked(KeccakSponge.COMMIT_TAG, new bytes(200))),
            "commit of the empty state"
        );
        vm.assertNotEq(h.commit(s), h.commit(KeccakSponge.empty()), "commit depends on the state");
    }

    function test_absorb_pastEnd_reverts() public {
        bytes memory data = new bytes(200);
        vm.expectRevert(KeccakSponge.KeccakSponge_OutOfBounds.selector);
        h.absorb(KeccakSponge.empty(), data, 65);
    }

    function test_absorbBlocks_pastEnd_reverts() public {
        bytes memory data = new bytes(400);
        vm.expectRevert(KeccakSponge.KeccakSponge_OutOfBounds.selector);
        h.absorbBlocks(KeccakSponge.empty(), data, 0, 3);
        vm.expectRevert(KeccakSponge.KeccakSponge_OutOfBounds.selector);
        h.absorbBlocks(KeccakSponge.empty(), data, 401, 0);
    }

    function test_finalize_wholeBlockTail_reverts() public {
        vm.expectRevert(KeccakSponge.KeccakSponge_TailTooLong.selector);
        h.finalize(KeccakSponge.empty(), new bytes(136));
    }

    function test_lane_outOfRange_reverts() public {
        vm.expectRevert(KeccakSponge.KeccakSponge_LaneOutOfRange.selector);
        h.lane(KeccakSponge.empty(), 25);
    }

    /// @dev The figure in the library's documentation (about 37.6k); fails if a change makes it
    ///      worse.
    function test_permute_gasBelowBudget_succeeds() public view {
        uint256 gasUsed = h.measurePermute();
        vm.assertLt(gasUsed, 39_000, vm.toString(gasUsed));
    }

    /// @dev About 36.5k per block: the workspace is set up once for all 64.
    function test_absorbBlocks_64BlocksGasBelowBudget_succeeds() public view {
        uint256 gasUsed = h.measureAbsorbBlocks(_pattern(64 * 136));
        vm.assertLt(gasUsed, 64 * 37_500, vm.toString(gasUsed));
    }

    function _pattern(uint256 length) private pure returns (bytes memory data) {
        data = new bytes(length);
        for (uint256 i = 0; i < length; i++) {
            // Truncation is the point: a byte pattern.
            // forge-lint: disable-next-line(unsafe-typecast)
            data[i] = bytes1(uint8(i * 31 + 7));
        }
    }

    function _slice(bytes memory data, uint256 from, uint256 length) private pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i = 0; i < length; i++) {
            out[i] = data[from + i];
        }
    }
}
