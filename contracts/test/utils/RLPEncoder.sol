// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title RLPEncoder
/// @notice Test-only RLP encoder, used to build trie nodes and RLP inputs by hand. Kept
///         deliberately simple (and independent of the reader under test).
library RLPEncoder {
    /// @notice Encodes a byte string.
    function encodeBytes(bytes memory data) internal pure returns (bytes memory) {
        if (data.length == 1 && uint8(data[0]) < 0x80) return data;
        return bytes.concat(_header(0x80, data.length), data);
    }

    /// @notice Encodes a list of already encoded items.
    function encodeList(bytes[] memory items) internal pure returns (bytes memory payload) {
        for (uint256 i = 0; i < items.length; i++) {
            payload = bytes.concat(payload, items[i]);
        }
        return bytes.concat(_header(0xc0, payload.length), payload);
    }

    /// @notice Encodes an unsigned integer (big-endian, no leading zeros).
    function encodeUint(uint256 value) internal pure returns (bytes memory) {
        return encodeBytes(_trimmed(value));
    }

    /// @notice Hex-prefix encoding of a nibble path (one nibble per byte of `nibbles`).
    function hexPrefix(bytes memory nibbles, bool isLeaf) internal pure returns (bytes memory out) {
        uint8 flag = (isLeaf ? 2 : 0) + uint8(nibbles.length % 2);
        out = new bytes(nibbles.length / 2 + 1);
        uint256 i = 0;
        if (nibbles.length % 2 == 1) {
            out[0] = bytes1((flag << 4) | uint8(nibbles[0]));
            i = 1;
        } else {
            out[0] = bytes1(flag << 4);
        }
        for (uint256 o = 1; o < out.length; o++) {
            out[o] = bytes1((uint8(nibbles[i]) << 4) | uint8(nibbles[i + 1]));
            i += 2;
        }
    }

    function _header(uint8 base, uint256 length) private pure returns (bytes memory) {
        // Safe: length < 56.
        // forge-lint: disable-next-line(unsafe-typecast)
        if (length < 56) return abi.encodePacked(bytes1(base + uint8(length)));
        bytes memory len = _trimmed(length);
        return bytes.concat(abi.encodePacked(bytes1(base + 55 + uint8(len.length))), len);
    }

    function _trimmed(uint256 value) private pure returns (bytes memory out) {
        uint256 n = 0;
        for (uint256 v = value; v != 0; v >>= 8) {
            n++;
        }
        out = new bytes(n);
        for (uint256 i = 0; i < n; i++) {
            // Truncation to the low byte is the point.
            // forge-lint: disable-next-line(unsafe-typecast)
            out[n - 1 - i] = bytes1(uint8(value >> (8 * i)));
        }
    }
}
