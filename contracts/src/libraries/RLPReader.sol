// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title RLPReader
/// @notice Zero-copy reader for Recursive Length Prefix (RLP) encoded data held in memory.
///
///         An `RLPItem` is a view (memory pointer and length) of one complete encoded item,
///         header included. `readList` splits a list into views of its elements without
///         copying; `readBytes` copies a string's payload out. Only canonical encodings are
///         accepted (the ones every Ethereum client produces): a single byte below 0x80 is
///         never wrapped in a string header, long headers are used only for payloads of more
///         than 55 bytes, and lengths have no leading zero bytes. Anything else reverts, as
///         does any item that would read past the end of its buffer.
/// @dev    Views point into the memory of the `bytes` they were made from; they stay valid as
///         long as that buffer is not modified.
library RLPReader {
    /// @notice A view of one encoded item in memory.
    /// @param ptr    Memory address of the item's first (header) byte.
    /// @param length Length of the whole encoding, header included.
    struct RLPItem {
        uint256 ptr;
        uint256 length;
    }

    /// @notice Thrown when there is nothing to decode.
    error RLPReader_EmptyInput();

    /// @notice Thrown when a header or payload runs past the end of the available bytes.
    error RLPReader_Truncated();

    /// @notice Thrown for a valid but non-canonical encoding.
    error RLPReader_NonCanonical();

    /// @notice Thrown when the input holds more than the one item it should.
    error RLPReader_TrailingBytes();

    /// @notice Thrown when a list was expected and a string was found.
    error RLPReader_NotAList();

    /// @notice Thrown when a string was expected and a list was found.
    error RLPReader_NotAString();

    /// @notice Thrown when a string decoded as an integer is longer than 32 bytes.
    error RLPReader_IntegerTooLong();

    /// @notice Wraps `data`, which must be exactly one encoded item, in a view.
    /// @param data The encoded item.
    /// @return item The view.
    function toRLPItem(bytes memory data) internal pure returns (RLPItem memory item) {
        if (data.length == 0) revert RLPReader_EmptyInput();
        uint256 ptr;
        assembly ("memory-safe") {
            ptr := add(data, 32)
        }
        (uint256 offset, uint256 payloadLength,) = _header(ptr, data.length);
        if (offset + payloadLength != data.length) revert RLPReader_TrailingBytes();
        item = RLPItem({ptr: ptr, length: data.length});
    }

    /// @notice Whether the item is a list.
    /// @param item The view.
    /// @return True for a list, false for a string.
    function isList(RLPItem memory item) internal pure returns (bool) {
        (,, bool list) = _header(item.ptr, item.length);
        return list;
    }

    /// @notice Splits an encoded list into views of its elements.
    /// @param data The encoded list (exactly one item).
    /// @return The elements, in order.
    function readList(bytes memory data) internal pure returns (RLPItem[] memory) {
        return readList(toRLPItem(data));
    }

    /// @notice Splits a list item into views of its elements.
    /// @param item A view of a list.
    /// @return elements The elements, in order.
    function readList(RLPItem memory item) internal pure returns (RLPItem[] memory elements) {
        (uint256 offset, uint256 payloadLength, bool list) = _header(item.ptr, item.length);
        if (!list) revert RLPReader_NotAList();

        uint256 start = item.ptr + offset;
        uint256 end = start + payloadLength;

        // First pass counts the elements so the array is allocated once at its final size.
        uint256 count;
        for (uint256 p = start; p < end; count++) {
            p += _itemLength(p, end - p);
        }

        elements = new RLPItem[](count);
        uint256 cursor = start;
        for (uint256 i = 0; i < count; i++) {
            uint256 length = _itemLength(cursor, end - cursor);
            elements[i] = RLPItem({ptr: cursor, length: length});
            cursor += length;
        }
    }

    /// @notice Copies out the payload of a string item.
    /// @param item A view of a string.
    /// @return out The payload bytes.
    function readBytes(RLPItem memory item) internal pure returns (bytes memory out) {
        (uint256 offset, uint256 payloadLength, bool list) = _header(item.ptr, item.length);
        if (list) revert RLPReader_NotAString();
        out = _copy(item.ptr + offset, payloadLength);
    }

    /// @notice Copies out the payload of an encoded string.
    /// @param data The encoded string (exactly one item).
    /// @return The payload bytes.
    function readBytes(bytes memory data) internal pure returns (bytes memory) {
        return readBytes(toRLPItem(data));
    }

    /// @notice Copies out the whole encoding of an item, header included.
    /// @param item The view.
    /// @return The raw encoded bytes.
    function readRawBytes(RLPItem memory item) internal pure returns (bytes memory) {
        return _copy(item.ptr, item.length);
    }

    /// @notice Decodes a string item as a big-endian unsigned integer (at most 32 bytes, no
    ///         leading zero bytes; zero is the empty string).
    /// @param item A view of a string.
    /// @return value The integer.
    function readUint256(RLPItem memory item) internal pure returns (uint256 value) {
        (uint256 offset, uint256 payloadLength, bool list) = _header(item.ptr, item.length);
        if (list) revert RLPReader_NotAString();
        if (payloadLength > 32) revert RLPReader_IntegerTooLong();
        if (payloadLength == 0) return 0;
        uint256 ptr = item.ptr + offset;
        uint256 first;
        assembly ("memory-safe") {
            let w := mload(ptr)
            first := byte(0, w)
            value := shr(mul(8, sub(32, payloadLength)), w)
        }
        if (first == 0) revert RLPReader_NonCanonical();
    }

    /// @notice Decodes a 32-byte string item as a bytes32.
    /// @param item A view of a string of exactly 32 bytes.
    /// @return value The word.
    function readBytes32(RLPItem memory item) internal pure returns (bytes32 value) {
        (uint256 offset, uint256 payloadLength, bool list) = _header(item.ptr, item.length);
        if (list || payloadLength != 32) revert RLPReader_NotAString();
        uint256 ptr = item.ptr + offset;
        assembly ("memory-safe") {
            value := mload(ptr)
        }
    }

    /// @dev Length of the whole item starting at `ptr`, at most `available` bytes.
    function _itemLength(uint256 ptr, uint256 available) private pure returns (uint256) {
        (uint256 offset, uint256 payloadLength,) = _header(ptr, available);
        return offset + payloadLength;
    }

    /// @dev Decodes the header at `ptr`. `offset` is the header length, `payloadLength` the
    ///      length of what follows it; the item must fit in `available` bytes.
    function _header(uint256 ptr, uint256 available)
        private
        pure
        returns (uint256 offset, uint256 payloadLength, bool list)
    {
        if (available == 0) revert RLPReader_Truncated();
        uint256 prefix;
        assembly ("memory-safe") {
            prefix := byte(0, mload(ptr))
        }

        if (prefix < 0x80) {
            // A single byte that is its own encoding.
            return (0, 1, false);
        } else if (prefix < 0xb8) {
            // A string of 0..55 bytes.
            offset = 1;
            payloadLength = prefix - 0x80;
            if (payloadLength == 1) {
                if (available < 2) revert RLPReader_Truncated();
                uint256 b;
                assembly ("memory-safe") {
                    b := byte(0, mload(add(ptr, 1)))
                }
                if (b < 0x80) revert RLPReader_NonCanonical();
            }
        } else if (prefix < 0xc0) {
            // A string of more than 55 bytes; the next (prefix - 0xb7) bytes are its length.
            (offset, payloadLength) = _longLength(ptr, available, prefix - 0xb7);
        } else if (prefix < 0xf8) {
            // A list whose payload is 0..55 bytes.
            offset = 1;
            payloadLength = prefix - 0xc0;
            list = true;
        } else {
            // A list whose payload is more than 55 bytes.
            (offset, payloadLength) = _longLength(ptr, available, prefix - 0xf7);
            list = true;
        }

        if (offset + payloadLength > available) revert RLPReader_Truncated();
    }

    /// @dev Reads the `lengthOfLength`-byte big-endian length that follows a long header.
    function _longLength(uint256 ptr, uint256 available, uint256 lengthOfLength)
        private
        pure
        returns (uint256 offset, uint256 payloadLength)
    {
        offset = 1 + lengthOfLength;
        if (available < offset) revert RLPReader_Truncated();
        uint256 first;
        assembly ("memory-safe") {
            let w := mload(add(ptr, 1))
            first := byte(0, w)
            payloadLength := shr(mul(8, sub(32, lengthOfLength)), w)
        }
        // No leading zeros, and short payloads must use the short form.
        if (first == 0 || payloadLength < 56) revert RLPReader_NonCanonical();
    }

    /// @dev Copies `length` bytes from memory address `src` into a new `bytes`.
    function _copy(uint256 src, uint256 length) private pure returns (bytes memory out) {
        out = new bytes(length);
        assembly ("memory-safe") {
            mcopy(add(out, 32), src, length)
        }
    }
}
