//! Deposit transactions: L1 → L2 messages in the OP Stack deposit format (EIP-2718 type `0x7E`)
//! and their receipts.
//!
//! A deposit is not signed: its authenticity comes from the L1 event it was derived from, which
//! its `source_hash` identifies (the `rollup-l1` crate reads those events). It pays no fees and
//! is never rejected; see [`crate::apply_block`] for how it executes.

mod receipt;

pub use receipt::{DEPOSIT_RECEIPT_VERSION, DepositReceipt};

use alloy::{
    consensus::{Extended, ReceiptEnvelope, Transaction, TxEnvelope},
    eips::{
        Decodable2718, Encodable2718, Typed2718,
        eip2718::{Eip2718Error, Eip2718Result, IsTyped2718},
        eip2930::AccessList,
        eip7702::SignedAuthorization,
    },
    rlp::{self, BufMut, Decodable, Encodable, Header},
};
use alloy_primitives::{Address, B256, Bytes, ChainId, TxKind, U8, U256, keccak256};
use serde::{Deserialize, Serialize};

/// EIP-2718 type byte of deposit transactions (and of their receipts).
pub const DEPOSIT_TX_TYPE: u8 = 0x7E;

/// A stored or transported L2 transaction: a signed Ethereum transaction or a deposit.
pub type L2Envelope = Extended<TxEnvelope, TxDeposit>;

/// The receipt of any L2 transaction: an Ethereum receipt or a deposit receipt.
pub type L2ReceiptEnvelope = Extended<ReceiptEnvelope, DepositReceipt>;

/// The OP Stack's source hash of a user deposit:
/// `keccak256(bytes32(0) ‖ keccak256(l1BlockHash ‖ bytes32(logIndex)))`.
pub fn user_deposit_source_hash(l1_block_hash: B256, log_index: u64) -> B256 {
    let mut id = [0u8; 64];
    id[..32].copy_from_slice(l1_block_hash.as_slice());
    id[32..].copy_from_slice(&U256::from(log_index).to_be_bytes::<32>());
    let mut domain = [0u8; 64];
    domain[32..].copy_from_slice(keccak256(id).as_slice());
    keccak256(domain)
}

/// A deposit transaction (OP Stack format): encoded as `0x7E ‖ rlp([sourceHash, from, to, mint,
/// value, gas, isSystemTx, data])`, hashed as `keccak256` of that encoding.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "DepositJson", try_from = "DepositJson")]
pub struct TxDeposit {
    /// Uniquely identifies the L1 origin of the deposit (see [`user_deposit_source_hash`]).
    pub source_hash: B256,
    /// The L2 sender (aliased if the L1 sender was a contract).
    pub from: Address,
    /// Recipient, or contract creation.
    pub to: TxKind,
    /// Wei minted on L2 and credited to `from` before execution (the ETH locked on L1).
    pub mint: u128,
    /// Wei transferred from `from` to `to`.
    pub value: U256,
    /// Gas the L2 execution may use (bought on L1, nothing is charged on L2).
    pub gas_limit: u64,
    /// Whether this is a system deposit (always `false` for user deposits).
    pub is_system_transaction: bool,
    /// Calldata, or init code for a creation.
    pub input: Bytes,
}

impl TxDeposit {
    /// The transaction hash: `keccak256(0x7E ‖ rlp(fields))`.
    pub fn tx_hash(&self) -> B256 {
        keccak256(self.encoded_2718())
    }
}

impl TxDeposit {
    /// Length of the RLP payload (the fields, without the list header).
    fn fields_len(&self) -> usize {
        self.source_hash.length()
            + self.from.length()
            + self.to.length()
            + self.mint.length()
            + self.value.length()
            + self.gas_limit.length()
            + self.is_system_transaction.length()
            + self.input.length()
    }
}

/// The RLP list of the fields, without the type byte.
impl Encodable for TxDeposit {
    fn encode(&self, out: &mut dyn BufMut) {
        Header { list: true, payload_length: self.fields_len() }.encode(out);
        self.source_hash.encode(out);
        self.from.encode(out);
        self.to.encode(out);
        self.mint.encode(out);
        self.value.encode(out);
        self.gas_limit.encode(out);
        self.is_system_transaction.encode(out);
        self.input.encode(out);
    }

    fn length(&self) -> usize {
        let payload_length = self.fields_len();
        Header { list: true, payload_length }.length() + payload_length
    }
}

impl Decodable for TxDeposit {
    fn decode(buf: &mut &[u8]) -> rlp::Result<Self> {
        let header = Header::decode(buf)?;
        if !header.list {
            return Err(rlp::Error::UnexpectedString);
        }
        let remaining = buf.len();
        if header.payload_length > remaining {
            return Err(rlp::Error::InputTooShort);
        }
        let tx = Self {
            source_hash: Decodable::decode(buf)?,
            from: Decodable::decode(buf)?,
            to: Decodable::decode(buf)?,
            mint: Decodable::decode(buf)?,
            value: Decodable::decode(buf)?,
            gas_limit: Decodable::decode(buf)?,
            is_system_transaction: Decodable::decode(buf)?,
            input: Decodable::decode(buf)?,
        };
        if remaining - buf.len() != header.payload_length {
            return Err(rlp::Error::ListLengthMismatch { expected: header.payload_length, got: remaining - buf.len() });
        }
        Ok(tx)
    }
}

impl Typed2718 for TxDeposit {
    fn ty(&self) -> u8 {
        DEPOSIT_TX_TYPE
    }
}

impl IsTyped2718 for TxDeposit {
    fn is_type(type_id: u8) -> bool {
        type_id == DEPOSIT_TX_TYPE
    }
}

impl Encodable2718 for TxDeposit {
    fn encode_2718_len(&self) -> usize {
        1 + self.length()
    }

    fn encode_2718(&self, out: &mut dyn BufMut) {
        out.put_u8(DEPOSIT_TX_TYPE);
        self.encode(out);
    }
}

impl Decodable2718 for TxDeposit {
    fn typed_decode(ty: u8, buf: &mut &[u8]) -> Eip2718Result<Self> {
        if ty != DEPOSIT_TX_TYPE {
            return Err(Eip2718Error::UnexpectedType(ty));
        }
        Ok(Self::decode(buf)?)
    }

    fn fallback_decode(_buf: &mut &[u8]) -> Eip2718Result<Self> {
        // A legacy (untyped) encoding is never a deposit.
        Err(Eip2718Error::UnexpectedType(0))
    }
}

/// As in the OP Stack: no nonce, no chain id, no fees.
impl Transaction for TxDeposit {
    fn chain_id(&self) -> Option<ChainId> {
        None
    }

    fn nonce(&self) -> u64 {
        0
    }

    fn gas_limit(&self) -> u64 {
        self.gas_limit
    }

    fn gas_price(&self) -> Option<u128> {
        None
    }

    fn max_fee_per_gas(&self) -> u128 {
        0
    }

    fn max_priority_fee_per_gas(&self) -> Option<u128> {
        None
    }

    fn max_fee_per_blob_gas(&self) -> Option<u128> {
        None
    }

    fn priority_fee_or_price(&self) -> u128 {
        0
    }

    fn effective_gas_price(&self, _base_fee: Option<u64>) -> u128 {
        0
    }

    fn is_dynamic_fee(&self) -> bool {
        false
    }

    fn kind(&self) -> TxKind {
        self.to
    }

    fn is_create(&self) -> bool {
        self.to.is_create()
    }

    fn value(&self) -> U256 {
        self.value
    }

    fn input(&self) -> &Bytes {
        &self.input
    }

    fn access_list(&self) -> Option<&AccessList> {
        None
    }

    fn blob_versioned_hashes(&self) -> Option<&[B256]> {
        None
    }

    fn authorization_list(&self) -> Option<&[SignedAuthorization]> {
        None
    }
}

/// The JSON shape of a deposit, as OP Stack nodes return it (hex quantities).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DepositJson {
    #[serde(rename = "type")]
    ty: U8,
    source_hash: B256,
    from: Address,
    #[serde(default, skip_serializing_if = "TxKind::is_create")]
    to: TxKind,
    #[serde(with = "alloy::serde::quantity")]
    mint: u128,
    value: U256,
    #[serde(with = "alloy::serde::quantity")]
    gas: u64,
    /// Left out when false, as op-geth does (Foundry's deposit type rejects `false`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    is_system_tx: bool,
    input: Bytes,
}

impl From<TxDeposit> for DepositJson {
    fn from(tx: TxDeposit) -> Self {
        Self {
            ty: U8::from(DEPOSIT_TX_TYPE),
            source_hash: tx.source_hash,
            from: tx.from,
            to: tx.to,
            mint: tx.mint,
            value: tx.value,
            gas: tx.gas_limit,
            is_system_tx: tx.is_system_transaction,
            input: tx.input,
        }
    }
}

impl TryFrom<DepositJson> for TxDeposit {
    type Error = String;

    fn try_from(json: DepositJson) -> Result<Self, Self::Error> {
        if json.ty != U8::from(DEPOSIT_TX_TYPE) {
            return Err(format!("transaction type {} is not a deposit (0x7e)", json.ty));
        }
        Ok(Self {
            source_hash: json.source_hash,
            from: json.from,
            to: json.to,
            mint: json.mint,
            value: json.value,
            gas_limit: json.gas,
            is_system_transaction: json.is_system_tx,
            input: json.input,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::{address, b256, bytes, hex};

    fn sample() -> TxDeposit {
        TxDeposit {
            source_hash: b256!("0x1111111111111111111111111111111111111111111111111111111111111111"),
            from: address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"),
            to: TxKind::Call(address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")),
            mint: 1_000_000_000_000_000_000,
            value: U256::from(5u64),
            gas_limit: 100_000,
            is_system_transaction: false,
            input: bytes!("c0ffee"),
        }
    }

    #[test]
    fn encodes_as_typed_rlp_list_and_round_trips() {
        let tx = sample();
        let encoded = tx.encoded_2718();
        assert_eq!(encoded[0], DEPOSIT_TX_TYPE);
        // Each field in order, after the type byte and the list header.
        let mut expected = Vec::new();
        tx.source_hash.encode(&mut expected);
        tx.from.encode(&mut expected);
        tx.to.encode(&mut expected);
        tx.mint.encode(&mut expected);
        tx.value.encode(&mut expected);
        tx.gas_limit.encode(&mut expected);
        tx.is_system_transaction.encode(&mut expected);
        tx.input.encode(&mut expected);
        assert!(encoded.ends_with(&expected));
        assert_eq!(encoded.len(), 1 + alloy::rlp::length_of_length(expected.len()) + expected.len());
        assert_eq!(TxDeposit::decode_2718(&mut encoded.as_slice()).unwrap(), tx);
        assert_eq!(tx.tx_hash(), keccak256(&encoded));

        let creation = TxDeposit { to: TxKind::Create, mint: 0, input: Bytes::new(), ..tx };
        let encoded = creation.encoded_2718();
        assert_eq!(TxDeposit::decode_2718(&mut encoded.as_slice()).unwrap(), creation);
    }

    #[test]
    fn decodes_inside_the_l2_envelope() {
        let tx = sample();
        let envelope = L2Envelope::decode_2718(&mut tx.encoded_2718().as_slice()).unwrap();
        assert_eq!(envelope, L2Envelope::Other(tx.clone()));
        assert_eq!(envelope.ty(), DEPOSIT_TX_TYPE);
        assert_eq!(envelope.encoded_2718(), tx.encoded_2718());
        assert!(TxDeposit::decode_2718(&mut hex!("02c0").as_slice()).is_err());
    }

    #[test]
    fn json_has_the_op_stack_shape() {
        let tx = sample();
        let json = serde_json::to_value(&tx).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "0x7e",
                "sourceHash": tx.source_hash,
                "from": tx.from,
                "to": "0x70997970c51812dc3a010c7d01b50e0d17dc79c8",
                "mint": "0xde0b6b3a7640000",
                "value": "0x5",
                "gas": "0x186a0",
                "input": "0xc0ffee",
            })
        );
        assert_eq!(serde_json::from_value::<TxDeposit>(json).unwrap(), tx);
        // Like op-geth, `isSystemTx` appears only when true.
        let system = TxDeposit { is_system_transaction: true, ..tx.clone() };
        let json = serde_json::to_value(&system).unwrap();
        assert_eq!(json["isSystemTx"], true);
        assert_eq!(serde_json::from_value::<TxDeposit>(json).unwrap(), system);
        let creation = TxDeposit { to: TxKind::Create, ..tx };
        let json = serde_json::to_value(&creation).unwrap();
        assert!(json.get("to").is_none());
        assert_eq!(serde_json::from_value::<TxDeposit>(json).unwrap(), creation);
        let mut wrong = serde_json::to_value(sample()).unwrap();
        wrong["type"] = "0x2".into();
        assert!(serde_json::from_value::<TxDeposit>(wrong).is_err());
    }

    #[test]
    fn behaves_as_a_fee_free_transaction() {
        let tx = sample();
        assert_eq!(tx.nonce(), 0);
        assert_eq!(tx.effective_gas_price(Some(7)), 0);
        assert_eq!(tx.gas_limit(), 100_000);
        assert_eq!(tx.to(), Some(address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8")));
    }
}
