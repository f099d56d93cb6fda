//! The receipt of a deposit transaction.

use super::DEPOSIT_TX_TYPE;
use alloy::{
    consensus::{Receipt, ReceiptWithBloom},
    eips::{
        Decodable2718, Encodable2718, Typed2718,
        eip2718::{Eip2718Error, Eip2718Result, IsTyped2718},
    },
    rlp::{self, BufMut, Decodable, Encodable, Header},
};

/// Version of the deposit receipt format (OP Canyon's, the only one).
pub const DEPOSIT_RECEIPT_VERSION: u64 = 1;

/// The receipt of a deposit: an Ethereum receipt body with the deposit nonce, typed `0x7E`,
/// encoded in the receipts trie as OP Canyon does:
/// `0x7E ‖ rlp([status, cumulativeGasUsed, logsBloom, logs, depositNonce, 1])`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DepositReceipt {
    /// Status, cumulative gas, bloom and logs.
    pub inner: ReceiptWithBloom<Receipt>,
    /// The sender's nonce before the deposit ran.
    pub deposit_nonce: u64,
}

impl DepositReceipt {
    fn fields_len(&self) -> usize {
        self.inner.receipt.rlp_encoded_fields_length_with_bloom(&self.inner.logs_bloom)
            + self.deposit_nonce.length()
            + DEPOSIT_RECEIPT_VERSION.length()
    }
}

impl Typed2718 for DepositReceipt {
    fn ty(&self) -> u8 {
        DEPOSIT_TX_TYPE
    }
}

impl IsTyped2718 for DepositReceipt {
    fn is_type(type_id: u8) -> bool {
        type_id == DEPOSIT_TX_TYPE
    }
}

impl Encodable2718 for DepositReceipt {
    fn encode_2718_len(&self) -> usize {
        let payload_length = self.fields_len();
        1 + Header { list: true, payload_length }.length_with_payload()
    }

    fn encode_2718(&self, out: &mut dyn BufMut) {
        out.put_u8(DEPOSIT_TX_TYPE);
        Header { list: true, payload_length: self.fields_len() }.encode(out);
        self.inner.receipt.rlp_encode_fields_with_bloom(&self.inner.logs_bloom, out);
        self.deposit_nonce.encode(out);
        DEPOSIT_RECEIPT_VERSION.encode(out);
    }
}

impl Decodable2718 for DepositReceipt {
    fn typed_decode(ty: u8, buf: &mut &[u8]) -> Eip2718Result<Self> {
        if ty != DEPOSIT_TX_TYPE {
            return Err(Eip2718Error::UnexpectedType(ty));
        }
        let header = Header::decode(buf)?;
        if !header.list {
            return Err(rlp::Error::UnexpectedString.into());
        }
        let remaining = buf.len();
        let inner = Receipt::rlp_decode_fields_with_bloom(buf)?;
        let deposit_nonce = u64::decode(buf)?;
        if u64::decode(buf)? != DEPOSIT_RECEIPT_VERSION {
            return Err(rlp::Error::Custom("unknown deposit receipt version").into());
        }
        if remaining - buf.len() != header.payload_length {
            return Err(
                rlp::Error::ListLengthMismatch { expected: header.payload_length, got: remaining - buf.len() }.into()
            );
        }
        Ok(Self { inner, deposit_nonce })
    }

    fn fallback_decode(_buf: &mut &[u8]) -> Eip2718Result<Self> {
        Err(Eip2718Error::UnexpectedType(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deposit::L2ReceiptEnvelope;
    use alloy::consensus::{Eip658Value, TxReceipt};
    use alloy_primitives::{Address, Log, LogData};

    #[test]
    fn round_trips_and_is_typed() {
        let log = Log { address: Address::repeat_byte(1), data: LogData::new_unchecked(vec![], vec![1, 2].into()) };
        let inner =
            Receipt { status: Eip658Value::Eip658(false), cumulative_gas_used: 21_000, logs: vec![log] }.with_bloom();
        let receipt = DepositReceipt { inner: inner.clone(), deposit_nonce: 300 };
        let encoded = receipt.encoded_2718();
        assert_eq!(encoded[0], DEPOSIT_TX_TYPE);
        // The Ethereum receipt's list with the nonce and the version appended.
        let mut fields = Vec::new();
        inner.receipt.rlp_encode_fields_with_bloom(&inner.logs_bloom, &mut fields);
        300u64.encode(&mut fields);
        1u64.encode(&mut fields);
        let mut body = Vec::new();
        Header { list: true, payload_length: fields.len() }.encode(&mut body);
        body.extend_from_slice(&fields);
        assert_eq!(&encoded[1..], body.as_slice());
        assert_eq!(receipt.encode_2718_len(), encoded.len());
        let decoded = L2ReceiptEnvelope::decode_2718(&mut encoded.as_slice()).unwrap();
        assert_eq!(decoded, L2ReceiptEnvelope::Other(receipt.clone()));
        assert!(!receipt.inner.status());
    }
}
