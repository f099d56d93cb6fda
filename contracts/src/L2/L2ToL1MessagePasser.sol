// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title L2ToL1MessagePasser
/// @notice L2 predeploy at 0x4200000000000000000000000000000000000016 that records messages
///         (withdrawals) from L2 to L1.
///
///         Every call to `initiateWithdrawal` stores the hash of the withdrawal in
///         `sentMessages`, which lives at storage slot 0. The storage root of this account is
///         therefore a commitment to all withdrawals initiated so far, and it is the
///         `withdrawalStorageRoot` that goes into the output root
///         `keccak256(version ‖ stateRoot ‖ withdrawalStorageRoot ‖ blockHash)`. On L1 a user
///         proves a withdrawal with a Merkle proof that slot `keccak256(abi.encode(hash, 0))`
///         of this account holds `true`.
///
///         The withdrawal hash is `keccak256(abi.encode(nonce, sender, target, value,
///         gasLimit, data))`, the same encoding as the OP Stack withdrawal transaction, so
///         OP-aware tooling can recompute it.
///
///         Storage layout (part of the protocol, do not reorder):
///           slot 0: mapping(bytes32 => bool) sentMessages
///           slot 1: uint240 msgNonce
///           slot 2: uint256 totalBurnt
/// @dev    This contract has no constructor and no immutables: its runtime bytecode is put into
///         the L2 genesis state directly and its storage starts empty.
contract L2ToL1MessagePasser {
    /// @notice Version of the withdrawal encoding, stored in the top 16 bits of every nonce.
    uint16 public constant MESSAGE_VERSION = 1;

    /// @notice Gas limit on L1 used for withdrawals created by sending ETH to this contract.
    uint256 public constant RECEIVE_DEFAULT_GAS_LIMIT = 100_000;

    /// @notice Semantic version of this contract.
    string public constant version = "1.0.0";

    /// @notice Withdrawal hashes that have been initiated on L2 (slot 0).
    mapping(bytes32 withdrawalHash => bool sent) public sentMessages;

    /// @notice Number of withdrawals initiated so far, without the version bits (slot 1).
    uint240 internal msgNonce;

    /// @notice Total amount of ETH declared burnt by `burn` (slot 2).
    uint256 public totalBurnt;

    /// @notice Emitted for every initiated withdrawal.
    /// @param nonce          Versioned nonce of the withdrawal (see `messageNonce`).
    /// @param sender         Account that initiated the withdrawal on L2.
    /// @param target         Account to call on L1.
    /// @param value          ETH (wei) sent with the withdrawal and released on L1.
    /// @param gasLimit       Minimum gas the L1 call must be given.
    /// @param data           Calldata for the L1 call.
    /// @param withdrawalHash Hash recorded in `sentMessages`.
    event MessagePassed(
        uint256 indexed nonce,
        address indexed sender,
        address indexed target,
        uint256 value,
        uint256 gasLimit,
        bytes data,
        bytes32 withdrawalHash
    );

    /// @notice Emitted when ETH held by this contract is declared burnt.
    /// @param amount Amount of wei burnt by this call.
    event WithdrawerBalanceBurnt(uint256 indexed amount);

    /// @notice Sending ETH to this contract withdraws it to the same address on L1.
    receive() external payable {
        _initiateWithdrawal(msg.sender, RECEIVE_DEFAULT_GAS_LIMIT, hex"");
    }

    /// @notice Starts a withdrawal: the message is released on L1 once an output root that
    ///         includes it has passed the challenge window.
    /// @param _target   Account to call on L1.
    /// @param _gasLimit Minimum gas the L1 call must be given.
    /// @param _data     Calldata for the L1 call.
    function initiateWithdrawal(address _target, uint256 _gasLimit, bytes calldata _data) external payable {
        _initiateWithdrawal(_target, _gasLimit, _data);
    }

    /// @notice Declares the ETH held by this contract burnt, i.e. removed from the L2 supply
    ///         because it is released on L1.
    /// @dev    Unlike the OP Stack, which destroys the ETH through a contract that
    ///         self-destructs in its constructor, this contract simply keeps it: there is no
    ///         code path that can move ETH out of this account, so the ETH is out of
    ///         circulation for good. This keeps SELFDESTRUCT (and CREATE) out of the
    ///         predeploy. The call emits the amount not yet declared and adds it to
    ///         `totalBurnt`; anyone may call it.
    function burn() external {
        uint256 amount = address(this).balance - totalBurnt;
        totalBurnt += amount;
        emit WithdrawerBalanceBurnt(amount);
    }

    /// @notice The nonce the next withdrawal will get, with `MESSAGE_VERSION` in its top
    ///         16 bits and the withdrawal count in the low 240 bits.
    /// @return The versioned nonce.
    function messageNonce() public view returns (uint256) {
        return encodeVersionedNonce(msgNonce, MESSAGE_VERSION);
    }

    /// @notice Hash of a withdrawal as recorded in `sentMessages`.
    /// @param _nonce    Versioned nonce.
    /// @param _sender   L2 sender.
    /// @param _target   L1 target.
    /// @param _value    Wei released on L1.
    /// @param _gasLimit Minimum L1 gas.
    /// @param _data     L1 calldata.
    /// @return The withdrawal hash.
    function hashWithdrawal(
        uint256 _nonce,
        address _sender,
        address _target,
        uint256 _value,
        uint256 _gasLimit,
        bytes memory _data
    ) public pure returns (bytes32) {
        return keccak256(abi.encode(_nonce, _sender, _target, _value, _gasLimit, _data));
    }

    /// @notice Packs a 240-bit nonce and a 16-bit version into one word: `version << 240 | nonce`.
    /// @param _nonce   Nonce without version.
    /// @param _version Encoding version.
    /// @return The versioned nonce.
    function encodeVersionedNonce(uint240 _nonce, uint16 _version) public pure returns (uint256) {
        return (uint256(_version) << 240) | uint256(_nonce);
    }

    /// @notice Splits a versioned nonce into its nonce and version.
    /// @param _versionedNonce Versioned nonce.
    /// @return nonce_   The low 240 bits.
    /// @return version_ The top 16 bits.
    function decodeVersionedNonce(uint256 _versionedNonce) public pure returns (uint240 nonce_, uint16 version_) {
        // Truncation is the point: the low 240 bits are the nonce.
        // forge-lint: disable-next-line(unsafe-typecast)
        nonce_ = uint240(_versionedNonce);
        // Safe: a 256-bit word shifted right by 240 has at most 16 bits.
        // forge-lint: disable-next-line(unsafe-typecast)
        version_ = uint16(_versionedNonce >> 240);
    }

    /// @dev Records a withdrawal and emits `MessagePassed`.
    function _initiateWithdrawal(address _target, uint256 _gasLimit, bytes memory _data) internal {
        uint256 nonce = messageNonce();
        bytes32 withdrawalHash = hashWithdrawal(nonce, msg.sender, _target, msg.value, _gasLimit, _data);

        sentMessages[withdrawalHash] = true;

        emit MessagePassed(nonce, msg.sender, _target, msg.value, _gasLimit, _data, withdrawalHash);

        unchecked {
            ++msgNonce;
        }
    }
}
