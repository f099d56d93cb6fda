//! The receipt of a deposit transaction.

use super::DEPOSIT_TX_TYPE;
use alloy::{
    consensus::{Receipt, ReceiptWithBloom},
    eips::{
        Decodable2718, Encodable2718, Typed2718,
        eip2718::{Eip2718Error, Eip2718Result, IsTyped2718},
    },
    rlp::{BufMut, Decodable, Encodable},
};

/// The receipt of a deposit: an Ethereum receipt body typed `0x7E`, encoded in the receipts
/// trie as `0x7E ‖ rlp([status, cumulativeGasUsed, logsBloom, logs])` (the OP Stack's format
/// before the deposit nonce was added).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DepositReceipt(pub ReceiptWithBloom<Receipt>);

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
        1 + self.0.length()
    }

    fn encode_2718(&self, out: &mut dyn BufMut) {
        out.put_u8(DEPOSIT_TX_TYPE);
        self.0.encode(out);
    }
}

impl Decodable2718 for DepositReceipt {
    fn typed_decode(ty: u8, buf: &mut &[u8]) -> Eip2718Result<Self> {
        if ty != DEPOSIT_TX_TYPE {
            return Err(Eip2718Error::UnexpectedType(ty));
        }
        Ok(Self(ReceiptWithBloom::decode(buf)?))
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
        let receipt = DepositReceipt(
            Receipt { status: Eip658Value::Eip658(false), cumulative_gas_used: 21_000, logs: vec![log] }.with_bloom(),
        );
        let encoded = receipt.encoded_2718();
        assert_eq!(encoded[0], DEPOSIT_TX_TYPE);
        let mut body = Vec::new();
        receipt.0.encode(&mut body);
        assert_eq!(&encoded[1..], body.as_slice());
        let decoded = L2ReceiptEnvelope::decode_2718(&mut encoded.as_slice()).unwrap();
        assert_eq!(decoded, L2ReceiptEnvelope::Other(receipt.clone()));
        assert!(!receipt.0.status());
    }
}
