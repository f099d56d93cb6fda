// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MachineCommitment as MC} from "./lib/MachineCommitment.sol";
import {BufferTree} from "./lib/BufferTree.sol";
import {StepWitness} from "./lib/StepWitness.sol";
import {FrameOps} from "./lib/FrameOps.sol";
import {JumpdestBitmap} from "./lib/JumpdestBitmap.sol";
import {WorldTries} from "./WorldTries.sol";
import {L1DataFee} from "../libraries/L1DataFee.sol";

/// @title TransactionSteps
/// @notice The steps around a transaction's frame (docs/dispute/commitment.md, "Steps of a
///         transaction"): `TxStart` charges the fees and sets up the frame, `AccessList` warms
///         one entry per step, `FrameSetup` transfers the value and analyses the code, `TxEnd`
///         refunds, pays the coinbase (and, under the L2's fees, the fee vaults), deletes the
///         accounts the transaction destroyed and closes the transaction. `EVMStepper` calls it
///         for these phases.
contract TransactionSteps {
    /// @notice Thrown when a part of the witness does not match the machine.
    error TransactionSteps_WrongWitness();
    /// @notice Thrown for a transaction no block holds (the stepper only steps valid ones).
    error TransactionSteps_InvalidTransaction();

    /// @dev Gas every transaction pays, and per access-list address and key (EIP-2930).
    uint256 private constant TX_GAS = 21000;
    uint256 private constant ACCESS_ADDRESS_GAS = 2400;
    uint256 private constant ACCESS_KEY_GAS = 1900;
    /// @dev EIP-7702: intrinsic gas per authorization, and the refund when its authority existed.
    uint256 private constant AUTHORIZATION_GAS = 25000;
    uint256 private constant AUTHORITY_REFUND = 12500;
    /// @dev The largest `s` of a signature (EIP-2): half the order of secp256k1.
    uint256 private constant SECP256K1N_HALF = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;
    /// @dev Calldata: 4 gas per token (a zero byte is one token, another byte four); the
    ///      EIP-7623 floor charges 10 per token.
    uint256 private constant TOKEN_GAS = 4;
    uint256 private constant FLOOR_TOKEN_GAS = 10;
    /// @dev A contract-creating transaction: its extra intrinsic gas, per word of init code
    ///      (EIP-3860), and the largest init code.
    uint256 private constant CREATE_GAS = 32000;
    uint256 private constant INITCODE_WORD_GAS = 2;
    uint256 private constant MAX_INITCODE_SIZE = 49152;
    /// @dev Blob gas per blob (EIP-4844).
    uint256 private constant BLOB_GAS = 131072;
    /// @dev The L2's per-transaction gas cap (`rollup_core::TX_GAS_CAP`).
    uint256 private constant TX_GAS_CAP = 1 << 23;
    /// @dev Kind of the micro-step that walks the access list, and of a precompile's frame.
    uint8 private constant ACCESS_LIST_MICRO = 4;
    uint8 private constant PRECOMPILE_MICRO = 7;
    /// @dev Kind of the micro-step that applies the authorization list (EIP-7702).
    uint8 private constant AUTHORIZATION_MICRO = 8;
    /// @dev Root of the empty trie, and the code hash of an account without code.
    bytes32 private constant EMPTY_ROOT = keccak256(hex"80");
    bytes32 private constant EMPTY_CODE = keccak256("");
    /// @dev The L2's fee vaults (docs/fees.md): of the base fee and of the L1 data fee.
    address private constant BASE_FEE_VAULT = 0x4200000000000000000000000000000000000019;
    address private constant L1_FEE_VAULT = 0x420000000000000000000000000000000000001A;

    /// @notice The world-trie contract.
    WorldTries public immutable TRIES;

    /// @param tries The world-trie contract the stepper uses.
    constructor(WorldTries tries) {
        TRIES = tries;
    }

    /// @notice The machine after one step of `TxStart`, `AccessList`, `FrameSetup` or `TxEnd`
    ///         from the witness's machine (whose commitment the caller has checked).
    function step(StepWitness.Witness memory w) external view returns (MC.Machine memory) {
        MC.Machine memory m = w.machine;
        if (MC.hash(w.context) != m.context || MC.hash(w.world) != m.world) revert TransactionSteps_WrongWitness();
        if (m.phase == MC.Phase.TxStart) return _txStart(w);
        if (m.phase == MC.Phase.AccessList) {
            return w.micro.kind == AUTHORIZATION_MICRO ? _authorize(w) : _accessList(w);
        }
        if (MC.hash(w.frame) != m.frame && m.phase == MC.Phase.FrameSetup) revert TransactionSteps_WrongWitness();
        if (m.phase == MC.Phase.FrameSetup) return _frameSetup(w);
        return _txEnd(w);
    }

    // ------------------------------------------------------------------ TxStart

    /// @dev Charges `gasLimit × gasPrice`, the blob fee and the L1 data fee (under the L2's
    ///      fees), increments the nonce, and sets up the frame with the gas left after intrinsic
    ///      gas. A deposit mints first and pays nothing. Tries: 0 the sender.
    function _txStart(StepWitness.Witness memory w) private view returns (MC.Machine memory m) {
        MC.Context memory c = w.context;
        m = w.machine;
        if (m.frame != 0 || m.micro != 0 || w.tries.length != 1) revert TransactionSteps_WrongWitness();
        if (keccak256(abi.encodePacked(w.words)) != c.lists.blobHashes) revert TransactionSteps_WrongWitness();
        (uint256 intrinsic, uint256 floor) = _intrinsicGas(w);
        // What an L2 block can hold: the gas cap (which also bounds memory below the buffer
        // trees' depth), at most the block's gas, the intrinsic gas and the floor, init code
        // of at most the largest size, and no authorizations creating (EIP-7702 calls).
        bool fits = c.txGasLimit <= TX_GAS_CAP && c.txGasLimit <= c.blockGasLimit && c.txGasLimit >= intrinsic
            && c.txGasLimit >= floor
            && !(c.isCreate && (c.data.length > MAX_INITCODE_SIZE || w.authorizations.length != 0));
        WorldTries.Account memory sender = TRIES.account(c.origin, w.tries[0], w.world.stateRoot);
        // The context names the sender's nonce; a nonce at its limit has no successor (EIP-2681).
        if (sender.nonce != c.nonce || c.nonce == type(uint64).max) revert TransactionSteps_InvalidTransaction();
        MC.World memory world = w.world;
        if (c.isDeposit) {
            // No fees; the mint stays whatever happens (docs/dispute/stepper.md, "Deposits").
            if (
                c.gasPrice != 0 || c.priorityFee != 0 || w.accessList.length != 0 || w.words.length != 0
                    || w.authorizations.length != 0
            ) {
                revert TransactionSteps_WrongWitness();
            }
            uint256 minted = sender.balance + c.mint;
            world.stateRoot =
                TRIES.setAccount(c.origin, sender, sender.nonce + 1, minted, w.tries[0], "", world.stateRoot);
            if (!fits || minted < c.value) {
                // One that revm refuses to run uses its whole gas limit and ends here.
                world.cumulativeGas += c.txGasLimit;
                m.world = MC.hash(world);
                m.phase = MC.Phase.Done;
                return m;
            }
        } else {
            // And a price paying the base fee.
            if (!fits || c.gasPrice < c.baseFee || c.priorityFee != c.gasPrice - c.baseFee) {
                revert TransactionSteps_InvalidTransaction();
            }
            uint256 fee = uint256(c.txGasLimit) * c.gasPrice + w.words.length * BLOB_GAS * c.blobBaseFee + _l1Fee(c);
            if (sender.balance < fee + c.value) revert TransactionSteps_InvalidTransaction();
            world.stateRoot = TRIES.setAccount(
                c.origin, sender, sender.nonce + 1, sender.balance - fee, w.tries[0], "", world.stateRoot
            );
        }
        m.world = MC.hash(world);
        m.frame = _transactionFrame(c, intrinsic);
        if (w.accessList.length != 0) {
            m.phase = MC.Phase.AccessList;
            m.micro = _accessMicro(0, 0);
        } else {
            _afterAccessList(w, m);
        }
    }

    /// @dev What follows the access list: the authorizations, if any (the caller has checked
    ///      the witness's list against the context's), then `FrameSetup`.
    function _afterAccessList(StepWitness.Witness memory w, MC.Machine memory m) private pure {
        if (w.authorizations.length == 0) {
            m.phase = MC.Phase.FrameSetup;
            m.micro = 0;
        } else {
            m.phase = MC.Phase.AccessList;
            m.micro = _authorizationMicro(0);
        }
    }

    /// @dev The commitment of the transaction's frame, before `FrameSetup`: the gas left after
    ///      intrinsic gas, the calldata (none when creating: the data is the init code).
    function _transactionFrame(MC.Context memory c, uint256 intrinsic) private pure returns (bytes32) {
        MC.Frame memory f;
        f.account = c.to;
        f.caller = c.origin;
        f.value = c.value;
        f.gas = c.txGasLimit - intrinsic;
        f.memoryRoot = BufferTree.emptyRoot();
        f.returnDataRoot = f.memoryRoot;
        if (c.isCreate) {
            // The new contract's address is the context's recipient.
            if (c.to != FrameOps.createAddress(c.origin, c.nonce)) revert TransactionSteps_WrongWitness();
            f.isCreate = true;
            f.calldataRoot = f.memoryRoot;
        } else {
            (f.calldataRoot, f.calldataLength) = (c.data.root, c.data.length);
        }
        return MC.hash(f);
    }

    /// @dev The transaction's L1 data fee: none under Ethereum's rules or for a deposit; under
    ///      the L2's, the formula of `L1DataFee` over its FastLZ size and the block's L1 fee
    ///      parameters.
    function _l1Fee(MC.Context memory c) private pure returns (uint256) {
        MC.FeeRules memory f = c.fees;
        if (!f.l2 || c.isDeposit) return 0;
        return L1DataFee.fee(
            uint256(f.l1Size) + L1DataFee.SIGNATURE_SIZE,
            f.baseFeeScalar,
            f.l1BaseFee,
            f.blobBaseFeeScalar,
            f.l1BlobBaseFee
        );
    }

    /// @dev Intrinsic gas and the EIP-7623 floor of the transaction, from its calldata's tokens
    ///      (in the context) and its access and authorization lists in the witness (checked
    ///      against the context). Tokens that no calldata of the context's length has (one to
    ///      four a byte), or more than the gas cap pays for, price it out of any block.
    function _intrinsicGas(StepWitness.Witness memory w) private pure returns (uint256 intrinsic, uint256 floor) {
        MC.Context memory c = w.context;
        MC.Data memory d = c.data;
        if (d.tokens > TX_GAS_CAP || d.tokens < d.length || d.tokens > 4 * d.length) {
            return (type(uint256).max, type(uint256).max);
        }
        if (_accessListHash(w.accessList) != c.lists.accessList) revert TransactionSteps_WrongWitness();
        if (_authorizationsHash(w.authorizations) != c.lists.authorizations) revert TransactionSteps_WrongWitness();
        intrinsic = TX_GAS + TOKEN_GAS * c.data.tokens + AUTHORIZATION_GAS * w.authorizations.length;
        for (uint256 i = 0; i < w.accessList.length; i++) {
            intrinsic += ACCESS_ADDRESS_GAS + ACCESS_KEY_GAS * w.accessList[i].keys.length;
        }
        if (c.isCreate) intrinsic += CREATE_GAS + INITCODE_WORD_GAS * ((c.data.length + 31) / 32);
        floor = TX_GAS + FLOOR_TOKEN_GAS * c.data.tokens;
    }

    /// @dev The access list's commitment (docs/dispute/commitment.md, "Context").
    function _accessListHash(StepWitness.Access[] memory list) private pure returns (bytes32 chain) {
        bytes32 tag = keccak256("rollup.stepper.access.v1");
        for (uint256 i = 0; i < list.length; i++) {
            bytes32 entry = keccak256(abi.encode(tag, list[i].account, keccak256(abi.encodePacked(list[i].keys))));
            chain = keccak256(abi.encodePacked(chain, entry));
        }
    }

    // ------------------------------------------------------------------ AccessList

    /// @dev The micro-step at entry `entry`, item `item` (0 the address, `k` its key `k - 1`).
    function _accessMicro(uint256 entry, uint256 item) private pure returns (bytes32) {
        return MC.hash(MC.Micro({kind: ACCESS_LIST_MICRO, a: entry, b: item, c: 0, d: 0, sponge: 0}));
    }

    /// @dev Warms one address or key of the access list. Tries: 0 its key in the warm set.
    function _accessList(StepWitness.Witness memory w) private view returns (MC.Machine memory m) {
        m = w.machine;
        if (_accessListHash(w.accessList) != w.context.lists.accessList || w.tries.length != 1) {
            revert TransactionSteps_WrongWitness();
        }
        // The position: the micro-step the machine holds.
        (uint256 entry, uint256 item) = (w.micro.a, w.micro.b);
        if (_accessMicro(entry, item) != m.micro || entry >= w.accessList.length) {
            revert TransactionSteps_WrongWitness();
        }
        StepWitness.Access memory access = w.accessList[entry];
        if (item > access.keys.length) revert TransactionSteps_WrongWitness();
        MC.World memory world = w.world;
        if (item == 0) {
            (, world.warmAccounts) = TRIES.warm(abi.encodePacked(access.account), w.tries[0], world.warmAccounts);
        } else {
            (, world.warmSlots) =
                TRIES.warm(abi.encodePacked(access.account, access.keys[item - 1]), w.tries[0], world.warmSlots);
        }
        m.world = MC.hash(world);
        if (item < access.keys.length) {
            m.micro = _accessMicro(entry, item + 1);
        } else if (entry + 1 < w.accessList.length) {
            m.micro = _accessMicro(entry + 1, 0);
        } else {
            // What comes next depends on the authorization list: the witness's must be the
            // context's.
            if (_authorizationsHash(w.authorizations) != w.context.lists.authorizations) {
                revert TransactionSteps_WrongWitness();
            }
            _afterAccessList(w, m);
        }
    }

    // ------------------------------------------------------------------ Authorizations

    /// @dev The authorization list's commitment (docs/dispute/commitment.md, "Context").
    function _authorizationsHash(StepWitness.Authorization[] memory list) private pure returns (bytes32 chain) {
        bytes32 tag = keccak256("rollup.stepper.authorization.v1");
        for (uint256 i = 0; i < list.length; i++) {
            chain = keccak256(abi.encodePacked(chain, keccak256(abi.encode(tag, list[i]))));
        }
    }

    /// @dev The micro-step at authorization `index`.
    function _authorizationMicro(uint256 index) private pure returns (bytes32) {
        return MC.hash(MC.Micro({kind: AUTHORIZATION_MICRO, a: index, b: 0, c: 0, d: 0, sponge: 0}));
    }

    /// @dev Applies one authorization (EIP-7702, revm's rules): one for another chain, with the
    ///      largest nonce, or a signature that recovers no authority is skipped; otherwise the
    ///      authority is warmed, and when its code is empty or a delegation and its nonce the
    ///      authorization's, it delegates to the authorization's account (none for address 0)
    ///      and its nonce is incremented; 12,500 gas is refunded when it existed. Tries: 0 the
    ///      authority against the warm-account set, 1 the authority; `data` its code when it
    ///      has code.
    function _authorize(StepWitness.Witness memory w) private view returns (MC.Machine memory m) {
        m = w.machine;
        uint256 index = w.micro.a;
        if (
            _authorizationMicro(index) != m.micro || index >= w.authorizations.length || w.tries.length != 2
                || _authorizationsHash(w.authorizations) != w.context.lists.authorizations
        ) revert TransactionSteps_WrongWitness();
        StepWitness.Authorization memory auth = w.authorizations[index];
        MC.World memory world = w.world;
        address authority = _authority(auth, w.context.chainId);
        if (authority != address(0)) {
            FrameOps.warmAccount(TRIES, w.context, world, authority, w.tries[0]);
            WorldTries.Account memory acc = TRIES.account(authority, w.tries[1], world.stateRoot);
            bool delegable = acc.codeHash == EMPTY_CODE || !acc.exists;
            if (!delegable) {
                if (keccak256(w.data) != acc.codeHash) revert TransactionSteps_WrongWitness();
                delegable = FrameOps.isDelegation(w.data);
            }
            if (delegable && acc.nonce == auth.nonce) {
                if (acc.exists) world.refund += AUTHORITY_REFUND;
                acc.codeHash =
                    auth.account == address(0) ? EMPTY_CODE : keccak256(abi.encodePacked(hex"ef0100", auth.account));
                acc.exists = true;
                world.stateRoot =
                    TRIES.setAccount(authority, acc, acc.nonce + 1, acc.balance, w.tries[1], "", world.stateRoot);
            }
        }
        m.world = MC.hash(world);
        if (index + 1 < w.authorizations.length) {
            m.micro = _authorizationMicro(index + 1);
        } else {
            m.phase = MC.Phase.FrameSetup;
            m.micro = 0;
        }
    }

    /// @dev The authority that signed `auth` for this chain (`chainId`) or any, or 0 when it is
    ///      for another chain, has the largest nonce, or its signature recovers none (a parity
    ///      above 1, `s` above half the curve's order, or no point).
    function _authority(StepWitness.Authorization memory auth, uint256 chainId) private pure returns (address) {
        if ((auth.chainId != 0 && auth.chainId != chainId) || auth.nonce == type(uint64).max) return address(0);
        if (auth.yParity > 1 || auth.s > SECP256K1N_HALF) return address(0);
        bytes memory fields = bytes.concat(_rlpUint(auth.chainId), hex"94", bytes20(auth.account), _rlpUint(auth.nonce));
        // The list header: the fields take at most 63 bytes.
        bytes memory header = fields.length < 56
            ? abi.encodePacked(bytes1(uint8(0xc0 + fields.length)))
            : abi.encodePacked(hex"f8", bytes1(uint8(fields.length)));
        bytes32 digest = keccak256(bytes.concat(hex"05", header, fields));
        return ecrecover(digest, auth.yParity + 27, bytes32(auth.r), bytes32(auth.s));
    }

    /// @dev The RLP encoding of an integer.
    function _rlpUint(uint256 value) private pure returns (bytes memory) {
        if (value == 0) return hex"80";
        if (value < 0x80) return abi.encodePacked(uint8(value));
        uint256 length = 0;
        for (uint256 v = value; v != 0; v >>= 8) {
            length++;
        }
        bytes memory out = new bytes(length + 1);
        out[0] = bytes1(uint8(0x80 + length));
        for (uint256 i = 0; i < length; i++) {
            out[length - i] = bytes1(uint8(value >> (8 * i)));
        }
        return out;
    }

    // ------------------------------------------------------------------ FrameSetup

    /// @dev Records the checkpoint, moves the value and analyses the code. The transaction's
    ///      frame runs its recipient's code (or its data, creating) and records `txStartRoot`;
    ///      a called frame runs the code whose hash the call put in the frame, and moves no
    ///      value when it is a DELEGATECALL (the call-stack link says). A creating frame makes
    ///      its account (nonce 1, the value added to what it held). Tries: 0 the recipient (the
    ///      transaction's frame), 1 the sender, 2 the recipient after the sender's debit.
    function _frameSetup(StepWitness.Witness memory w) private view returns (MC.Machine memory m) {
        m = w.machine;
        MC.Frame memory f = w.frame;
        MC.World memory world = w.world;
        if (w.tries.length != (w.words.length == 1 ? 5 : 3) || m.micro != 0) revert TransactionSteps_WrongWitness();
        bool top = f.depth == 0;
        bool transfers = true;
        f.codeRoot = BufferTree.rootOfBytes(w.data);
        if (top) {
            bool precompile = FrameOps.isPrecompile(f.account);
            WorldTries.Account memory recipient = TRIES.account(f.account, w.tries[0], world.stateRoot);
            world.txStartRoot = world.stateRoot;
            if (f.isCreate) {
                // The init code is the transaction's data; an address in use fails the creation.
                if (w.data.length != w.context.data.length || f.codeRoot != w.context.data.root) {
                    revert TransactionSteps_WrongWitness();
                }
                f.codeHash = keccak256(w.data);
                if (recipient.exists && (recipient.nonce != 0 || recipient.codeHash != EMPTY_CODE)) {
                    m.world = MC.hash(world);
                    m.phase = MC.Phase.TxEnd;
                    m.frame = FrameOps.outcome(MC.HALTED, 0, 0, 0, 0);
                    return m;
                }
            } else if (precompile) {
                f.codeHash = FrameOps.precompileCode(f.account);
            } else if (w.words.length == 1) {
                f.codeHash = _delegate(w, world, recipient.codeHash);
            } else {
                f.codeHash = recipient.exists ? recipient.codeHash : EMPTY_CODE;
                // A recipient that delegates its code runs its delegate's (the branch above).
                if (FrameOps.isDelegation(w.data)) revert TransactionSteps_WrongWitness();
            }
        } else {
            if (MC.hash(w.call) != m.callStack) revert TransactionSteps_WrongWitness();
            transfers = w.call.kind != MC.CALL_DELEGATE;
        }
        // A precompile's frame has no code: `PrecompileSteps` runs it from a micro-step.
        bool runsPrecompile = FrameOps.runsPrecompile(f.codeHash);
        if (runsPrecompile ? w.data.length != 0 : keccak256(w.data) != f.codeHash) {
            revert TransactionSteps_WrongWitness();
        }
        f.checkpoint = MC.hash(world);
        if (transfers) world.stateRoot = _transfer(w, f, world.stateRoot);
        m.world = MC.hash(world);
        if (runsPrecompile) {
            m.phase = MC.Phase.Run;
            m.frame = MC.hash(f);
            m.micro = MC.hash(MC.Micro({kind: PRECOMPILE_MICRO, a: 0, b: 0, c: 0, d: 0, sponge: 0}));
            return m;
        }
        f.codeLength = w.data.length;
        f.jumpdests = BufferTree.rootOfBytes(JumpdestBitmap.compute(w.data));
        if (w.data.length == 0) {
            m.phase = top ? MC.Phase.TxEnd : MC.Phase.Return;
            m.frame = FrameOps.outcome(MC.SUCCEEDED, f.gas, 0, 0, 0);
        } else {
            m.phase = MC.Phase.Run;
            m.frame = MC.hash(f);
        }
    }

    /// @dev The code hash a transaction's recipient that delegates its code (EIP-7702) runs:
    ///      its delegate's (`words[0]`, checked against the recipient's code hash), which is
    ///      warmed, as revm loads it, at no charge. Tries: 3 the delegate, 4 the delegate
    ///      against the warm-account set.
    function _delegate(StepWitness.Witness memory w, MC.World memory world, bytes32 recipientCode)
        private
        view
        returns (bytes32)
    {
        address delegate = address(uint160(uint256(w.words[0])));
        if (keccak256(abi.encodePacked(hex"ef0100", delegate)) != recipientCode) {
            revert TransactionSteps_WrongWitness();
        }
        FrameOps.warmAccount(TRIES, w.context, world, delegate, w.tries[4]);
        WorldTries.Account memory code = TRIES.account(delegate, w.tries[3], world.stateRoot);
        return code.exists ? code.codeHash : EMPTY_CODE;
    }

    /// @dev The value transfer from the caller to the frame's account; a recipient left empty
    ///      is deleted (EIP-161: the transfer touches it); a created one gets nonce 1.
    function _transfer(StepWitness.Witness memory w, MC.Frame memory f, bytes32 root) private view returns (bytes32) {
        if (f.value != 0 && f.caller != f.account) {
            WorldTries.Account memory sender = TRIES.account(f.caller, w.tries[1], root);
            root = TRIES.setAccount(f.caller, sender, sender.nonce, sender.balance - f.value, w.tries[1], "", root);
        }
        WorldTries.Account memory recipient = TRIES.account(f.account, w.tries[2], root);
        uint256 balance = f.caller == f.account ? recipient.balance : recipient.balance + f.value;
        // A creation makes the account: nonce 1 (EIP-161), never empty.
        if (f.isCreate) return TRIES.setAccount(f.account, recipient, 1, balance, w.tries[2], "", root);
        if (!recipient.exists && balance == 0) return root;
        return TRIES.setAccount(f.account, recipient, recipient.nonce, balance, w.tries[2], w.sibling, root);
    }

    // ------------------------------------------------------------------ TxEnd

    /// @dev Refunds (capped at a fifth of the gas used, EIP-3529), applies the calldata floor
    ///      (EIP-7623), returns the unused gas to the sender and pays the coinbase its priority
    ///      fee, and under the L2's fees the base fee and the L1 data fee to their vaults; the
    ///      transaction's own parts of the world are cleared. The accounts it destroyed are
    ///      deleted after, one per step, the outcome gone from the machine. Tries: 0 the sender,
    ///      1 the coinbase after the sender's credit, and under the L2's fees 2 the base fee
    ///      vault after that, 3 the L1 fee vault after that, 4 the two vaults' collapse
    ///      witnesses (`sibling` is the coinbase's).
    function _txEnd(StepWitness.Witness memory w) private view returns (MC.Machine memory m) {
        m = w.machine;
        if (m.frame == 0) return _destroy(w);
        if (MC.hash(w.outcome) != m.frame || w.tries.length != (_paysVaults(w.context) ? 5 : 2) || m.micro != 0) {
            revert TransactionSteps_WrongWitness();
        }
        if (_paysVaults(w.context) && w.tries[4].length != 2) revert TransactionSteps_WrongWitness();
        // A creation's returned code is deposited first (`CreateSteps`).
        if (w.context.isCreate && w.outcome.status == MC.SUCCEEDED && w.outcome.returnDataLength != 0) {
            revert TransactionSteps_WrongWitness();
        }
        uint256 used = _gasUsed(w);
        MC.World memory world = w.world;
        world.stateRoot = _pay(w, used, world.stateRoot);
        world.cumulativeGas += used;
        world.txStartRoot = 0;
        world.transientRoot = EMPTY_ROOT;
        world.warmAccounts = EMPTY_ROOT;
        world.warmSlots = EMPTY_ROOT;
        world.refund = 0;
        m.world = MC.hash(world);
        m.phase = world.destroyed == 0 ? MC.Phase.Done : MC.Phase.TxEnd;
        m.frame = 0;
    }

    /// @dev Deletes the account last added to the world's `destroyed` chain (EIP-6780), with
    ///      its storage; one destroyed twice is already gone the second time. The last deletion
    ///      ends the transaction. Witness: `words` the link (the chain below, the address),
    ///      tries 0 the account, `sibling` the collapse witness.
    function _destroy(StepWitness.Witness memory w) private view returns (MC.Machine memory m) {
        m = w.machine;
        MC.World memory world = w.world;
        if (world.destroyed == 0 || m.micro != 0 || w.words.length != 2 || w.tries.length != 1) {
            revert TransactionSteps_WrongWitness();
        }
        address who = address(uint160(uint256(w.words[1])));
        if (keccak256(abi.encodePacked(w.words[0], who)) != world.destroyed) revert TransactionSteps_WrongWitness();
        if (TRIES.account(who, w.tries[0], world.stateRoot).exists) {
            world.stateRoot = TRIES.deleteAccount(who, w.tries[0], w.sibling, world.stateRoot);
        }
        world.destroyed = w.words[0];
        m.world = MC.hash(world);
        if (world.destroyed == 0) m.phase = MC.Phase.Done;
    }

    /// @dev The gas the transaction pays for: used by it, less the capped refund, at least the
    ///      calldata floor. The refund is the world's: a frame that failed left the world at its
    ///      checkpoint, whose refund is the authorizations' alone (EIP-7702 refunds stay).
    function _gasUsed(StepWitness.Witness memory w) private pure returns (uint256 used) {
        (, uint256 floor) = _intrinsicGas(w);
        used = w.context.txGasLimit - w.outcome.gasLeft;
        uint256 refund = w.world.refund;
        if (refund > used / 5) refund = used / 5;
        used -= refund;
        if (used < floor) used = floor;
    }

    /// @dev Returns the unused gas to the sender and pays the coinbase, then the vaults (under
    ///      the L2's fees, in revm's order).
    function _pay(StepWitness.Witness memory w, uint256 used, bytes32 root) private view returns (bytes32) {
        MC.Context memory c = w.context;
        WorldTries.Account memory sender = TRIES.account(c.origin, w.tries[0], root);
        uint256 balance = sender.balance + (c.txGasLimit - used) * c.gasPrice;
        root = TRIES.setAccount(c.origin, sender, sender.nonce, balance, w.tries[0], "", root);
        root = _credit(c.coinbase, used * c.priorityFee, w.tries[1], w.sibling, root);
        if (!_paysVaults(c)) return root;
        root = _credit(BASE_FEE_VAULT, used * c.baseFee, w.tries[2], w.tries[4][0], root);
        return _credit(L1_FEE_VAULT, _l1Fee(c), w.tries[3], w.tries[4][1], root);
    }

    /// @dev Whether the transaction pays the fee vaults: under the L2's fees, unless a deposit.
    function _paysVaults(MC.Context memory c) private pure returns (bool) {
        return c.fees.l2 && !c.isDeposit;
    }

    /// @dev Adds `amount` to `who`'s balance. The credit touches the account: one left empty is
    ///      deleted (EIP-161), with `sibling` as the collapse witness; an absent one credited
    ///      nothing stays absent.
    function _credit(address who, uint256 amount, bytes[] memory proof, bytes memory sibling, bytes32 root)
        private
        view
        returns (bytes32)
    {
        WorldTries.Account memory account = TRIES.account(who, proof, root);
        uint256 balance = account.balance + amount;
        if (!account.exists && balance == 0) return root;
        return TRIES.setAccount(who, account, account.nonce, balance, proof, sibling, root);
    }
}
