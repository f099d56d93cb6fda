// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "../utils/TestBase.sol";
import {RLPEncoder} from "../utils/RLPEncoder.sol";
import {RLPReader} from "../../src/libraries/RLPReader.sol";

/// @dev Exposes the library externally so reverts can be expected and caught.
contract RLPReaderHarness {
    function readBytes(bytes memory data) external pure returns (bytes memory) {
        return RLPReader.readBytes(data);
    }

    function readListRaw(bytes memory data) external pure returns (bytes[] memory out) {
        RLPReader.RLPItem[] memory items = RLPReader.readList(data);
        out = new bytes[](items.length);
        for (uint256 i = 0; i < items.length; i++) {
            out[i] = RLPReader.readRawBytes(items[i]);
        }
    }

    function readListBytes(bytes memory data) external pure returns (bytes[] memory out) {
        RLPReader.RLPItem[] memory items = RLPReader.readList(data);
        out = new bytes[](items.length);
        for (uint256 i = 0; i < items.length; i++) {
            out[i] = RLPReader.readBytes(items[i]);
        }
    }

    function readUint256(bytes memory data) external pure returns (uint256) {
        return RLPReader.readUint256(RLPReader.toRLPItem(data));
    }

    function readBytes32(bytes memory data) external pure returns (bytes32) {
        return RLPReader.readBytes32(RLPReader.toRLPItem(data));
    }

    function isList(bytes memory data) external pure returns (bool) {
        return RLPReader.isList(RLPReader.toRLPItem(data));
    }
}

contract RLPReaderTest is TestBase {
    RLPReaderHarness internal h;

    function setUp() public {
        h = new RLPReaderHarness();
    }

    function test_readBytes_singleByte_succeeds() public view {
        vm.assertEq(h.readBytes(hex"00"), hex"00", "0x00");
        vm.assertEq(h.readBytes(hex"7f"), hex"7f", "0x7f");
    }

    function test_readBytes_shortString_succeeds() public view {
        vm.assertEq(h.readBytes(hex"80"), hex"", "empty string");
        vm.assertEq(h.readBytes(hex"8180"), hex"80", "one byte >= 0x80");
        vm.assertEq(h.readBytes(hex"83646f67"), bytes("dog"), "dog");
        bytes memory s55 = new bytes(55);
        s55[54] = 0x01;
        vm.assertEq(h.readBytes(bytes.concat(hex"b7", s55)), s55, "55 bytes, short form");
    }

    function test_readBytes_longString_succeeds() public view {
        bytes memory s56 = bytes("Lorem ipsum dolor sit amet, consectetur adipisicing elit");
        vm.assertEq(s56.length, 56, "fixture length");
        vm.assertEq(h.readBytes(bytes.concat(hex"b838", s56)), s56, "56 bytes");
        bytes memory s1024 = new bytes(1024);
        s1024[1023] = 0xff;
        vm.assertEq(h.readBytes(bytes.concat(hex"b90400", s1024)), s1024, "1024 bytes");
    }

    function test_readList_empty_succeeds() public view {
        vm.assertEq(h.readListRaw(hex"c0").length, 0, "empty list");
        vm.assertTrue(h.isList(hex"c0"), "isList");
        vm.assertFalse(h.isList(hex"80"), "string is not a list");
    }

    function test_readList_strings_succeeds() public view {
        bytes[] memory items = h.readListBytes(hex"c88363617483646f67");
        vm.assertEq(items.length, 2, "two items");
        vm.assertEq(items[0], bytes("cat"), "cat");
        vm.assertEq(items[1], bytes("dog"), "dog");
    }

    function test_readList_nested_succeeds() public view {
        // The set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ].
        bytes[] memory items = h.readListRaw(hex"c7c0c1c0c3c0c1c0");
        vm.assertEq(items.length, 3, "three items");
        vm.assertEq(items[0], hex"c0", "[]");
        vm.assertEq(items[1], hex"c1c0", "[[]]");
        vm.assertEq(items[2], hex"c3c0c1c0", "[[], [[]]]");
        vm.assertEq(h.readListRaw(items[2]).length, 2, "inner list");
    }

    function test_readList_long_succeeds() public view {
        bytes[] memory elems = new bytes[](20);
        for (uint256 i = 0; i < 20; i++) {
            elems[i] = RLPEncoder.encodeBytes(bytes("abc"));
        }
        bytes memory encoded = RLPEncoder.encodeList(elems); // 80-byte payload: long form
        vm.assertEq(uint256(uint8(encoded[0])), 0xf8, "long list header");
        bytes[] memory items = h.readListBytes(encoded);
        vm.assertEq(items.length, 20, "twenty items");
        vm.assertEq(items[19], bytes("abc"), "last item");
    }

    function test_readUint256_succeeds() public view {
        vm.assertEq(h.readUint256(hex"80"), 0, "zero");
        vm.assertEq(h.readUint256(hex"0f"), 15, "15");
        vm.assertEq(h.readUint256(hex"820400"), 1024, "1024");
        vm.assertEq(h.readUint256(bytes.concat(hex"a0", bytes32(type(uint256).max))), type(uint256).max, "max uint256");
    }

    function test_readBytes32_succeeds() public view {
        bytes32 w = keccak256("word");
        vm.assertEq(h.readBytes32(bytes.concat(hex"a0", w)), w, "word");
    }

    function test_readBytes32_wrongLength_reverts() public {
        vm.expectRevert(RLPReader.RLPReader_NotAString.selector);
        h.readBytes32(hex"83646f67");
    }

    function test_readBytes_emptyInput_reverts() public {
        vm.expectRevert(RLPReader.RLPReader_EmptyInput.selector);
        h.readBytes(hex"");
    }

    function test_readBytes_truncatedPayload_reverts() public {
        vm.expectRevert(RLPReader.RLPReader_Truncated.selector);
        h.readBytes(hex"836162");
    }

    function test_readBytes_truncatedLength_reverts() public {
        vm.expectRevert(RLPReader.RLPReader_Truncated.selector);
        h.readBytes(hex"b9");
    }

    function test_readBytes_wrappedSingleByte_reverts() public {
        vm.expectRevert(RLPReader.RLPReader_NonCanonical.selector);
        h.readBytes(hex"8161");
    }

    function test_readBytes_longFormForShortString_reverts() public {
        vm.expectRevert(RLPReader.RLPReader_NonCanonical.selector);
        h.readBytes(hex"b803616263");
    }

    function test_readBytes_lengthWithLeadingZero_reverts() public {
        bytes memory s56 = new bytes(56);
        vm.expectRevert(RLPReader.RLPReader_NonCanonical.selector);
        h.readBytes(bytes.concat(hex"b90038", s56));
    }

    function test_readBytes_trailingBytes_reverts() public {
        vm.expectRevert(RLPReader.RLPReader_TrailingBytes.selector);
        h.readBytes(hex"8061");
    }

    function test_readBytes_list_reverts() public {
        vm.expectRevert(RLPReader.RLPReader_NotAString.selector);
        h.readBytes(hex"c0");
    }

    function test_readList_string_reverts() public {
        vm.expectRevert(RLPReader.RLPReader_NotAList.selector);
        h.readListRaw(hex"83646f67");
    }

    function test_readList_elementOverrunsList_reverts() public {
        // The list's payload is 3 bytes; its element needs 4 (header and 3 bytes).
        vm.expectRevert(RLPReader.RLPReader_Truncated.selector);
        h.readListRaw(hex"c3836162");
    }

    function test_readUint256_leadingZero_reverts() public {
        vm.expectRevert(RLPReader.RLPReader_NonCanonical.selector);
        h.readUint256(hex"820001");
    }

    function test_readUint256_tooLong_reverts() public {
        vm.expectRevert(RLPReader.RLPReader_IntegerTooLong.selector);
        h.readUint256(bytes.concat(hex"a101", bytes32(0)));
    }

    function testFuzz_readBytes_roundTrip_succeeds(bytes memory data) public view {
        vm.assertEq(h.readBytes(RLPEncoder.encodeBytes(data)), data, "round trip");
    }

    function testFuzz_readList_roundTrip_succeeds(bytes memory a, bytes memory b, uint256 c) public view {
        bytes[] memory elems = new bytes[](3);
        elems[0] = RLPEncoder.encodeBytes(a);
        elems[1] = RLPEncoder.encodeUint(c);
        elems[2] = RLPEncoder.encodeBytes(b);
        bytes[] memory inner = new bytes[](2);
        inner[0] = RLPEncoder.encodeList(elems);
        inner[1] = elems[0];
        bytes memory encoded = RLPEncoder.encodeList(inner);

        bytes[] memory outer = h.readListRaw(encoded);
        vm.assertEq(outer.length, 2, "outer length");
        bytes[] memory items = h.readListRaw(outer[0]);
        vm.assertEq(h.readBytes(items[0]), a, "a");
        vm.assertEq(h.readUint256(items[1]), c, "c");
        vm.assertEq(h.readBytes(items[2]), b, "b");
        vm.assertEq(h.readBytes(outer[1]), a, "a again");
    }

    /// @dev Canonical RLP is unique: whatever arbitrary input decodes as a string must be
    ///      exactly the encoding of what it decodes to.
    function testFuzz_readBytes_arbitraryInput_onlyCanonical(bytes memory input) public view {
        try h.readBytes(input) returns (bytes memory out) {
            vm.assertEq(RLPEncoder.encodeBytes(out), input, "decoded input is canonical");
        } catch {}
    }
}
