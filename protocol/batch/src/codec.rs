//! The batch encoding: block fields and transaction fields stored column by column.
//!
//! ```text
//! batch   = version(1) ‖ varint first_block ‖ parent_hash(32) ‖ varint block_count
//!           ‖ section timestamps ‖ section origins ‖ section tx_counts
//!           ‖ section types ‖ section nonces ‖ section gas_limits ‖ section fees
//!           ‖ section recipients ‖ section values ‖ section input_lengths ‖ section inputs
//!           ‖ section lists ‖ section parities ‖ section r ‖ section s
//! section = varint length ‖ bytes
//! ```
//!
//! Timestamps are zigzag deltas from the previous block; an origin is `0` (same as the
//! previous block) or `1 ‖ varint delta ‖ hash(32)`. A transaction's type byte holds the
//! EIP-2718 type in the low bits and `0x40` for a contract creation. The chain id is implied
//! by the chain, so it is not stored; access and authorization lists are RLP in `lists`.
//! Re-signing is never needed: decoding rebuilds the exact signed transactions, so their
//! hashes equal the sequencer's.

use super::{
    Batch, BatchBlock, BatchError,
    wire::{Reader, put_section, put_u256, put_varint},
};
use alloy::{
    consensus::{Signed, TxEip1559, TxEip2930, TxEip7702, TxEnvelope, TxLegacy},
    eips::{eip2930::AccessList, eip7702::SignedAuthorization},
    rlp::{Decodable, Encodable},
};
use alloy_primitives::{Address, B256, Bytes, Signature, TxKind, U256};
use rollup_core::L1Origin;

/// Version byte of the batch encoding.
pub const BATCH_VERSION: u8 = 1;

/// Type-byte flag of a contract creation.
const CREATE: u8 = 0x40;

/// The per-transaction columns.
#[derive(Default)]
struct Columns {
    types: Vec<u8>,
    nonces: Vec<u8>,
    gas_limits: Vec<u8>,
    fees: Vec<u8>,
    recipients: Vec<u8>,
    values: Vec<u8>,
    input_lengths: Vec<u8>,
    inputs: Vec<u8>,
    lists: Vec<u8>,
    parities: Vec<u8>,
    r: Vec<u8>,
    s: Vec<u8>,
}

impl Columns {
    fn push(&mut self, tx: &TxEnvelope, chain_id: u64) -> Result<(), String> {
        let (kind, signature) = match tx {
            TxEnvelope::Legacy(signed) => {
                let tx = signed.tx();
                if tx.chain_id != Some(chain_id) {
                    return Err(format!("legacy transaction without chain id {chain_id}"));
                }
                self.common(0, tx.nonce, tx.gas_limit, tx.to, &tx.input);
                self.priced(tx.gas_price, tx.value);
                (0, signed.signature())
            }
            TxEnvelope::Eip2930(signed) => {
                let tx = signed.tx();
                check_chain(tx.chain_id, chain_id)?;
                self.common(1, tx.nonce, tx.gas_limit, tx.to, &tx.input);
                self.priced(tx.gas_price, tx.value);
                tx.access_list.encode(&mut self.lists);
                (1, signed.signature())
            }
            TxEnvelope::Eip1559(signed) => {
                let tx = signed.tx();
                check_chain(tx.chain_id, chain_id)?;
                self.common(2, tx.nonce, tx.gas_limit, tx.to, &tx.input);
                self.fee_market(tx.max_fee_per_gas, tx.max_priority_fee_per_gas, tx.value, &tx.access_list);
                (2, signed.signature())
            }
            TxEnvelope::Eip7702(signed) => {
                let tx = signed.tx();
                check_chain(tx.chain_id, chain_id)?;
                self.common(4, tx.nonce, tx.gas_limit, TxKind::Call(tx.to), &tx.input);
                self.fee_market(tx.max_fee_per_gas, tx.max_priority_fee_per_gas, tx.value, &tx.access_list);
                tx.authorization_list.encode(&mut self.lists);
                (4, signed.signature())
            }
            TxEnvelope::Eip4844(_) => return Err("blob transactions do not exist on the L2".into()),
        };
        debug_assert!(self.types.last().is_some_and(|t| t & 0x0f == kind));
        self.parities.push(u8::from(signature.v()));
        self.r.extend_from_slice(&signature.r().to_be_bytes::<32>());
        self.s.extend_from_slice(&signature.s().to_be_bytes::<32>());
        Ok(())
    }

    fn common(&mut self, kind: u8, nonce: u64, gas_limit: u64, to: TxKind, input: &Bytes) {
        match to {
            TxKind::Create => self.types.push(kind | CREATE),
            TxKind::Call(address) => {
                self.types.push(kind);
                self.recipients.extend_from_slice(address.as_slice());
            }
        }
        put_varint(&mut self.nonces, nonce.into());
        put_varint(&mut self.gas_limits, gas_limit.into());
        put_varint(&mut self.input_lengths, input.len() as u128);
        self.inputs.extend_from_slice(input);
    }

    /// Gas price and value of a legacy or EIP-2930 transaction.
    fn priced(&mut self, gas_price: u128, value: U256) {
        put_varint(&mut self.fees, gas_price);
        put_u256(&mut self.values, value);
    }

    /// Fee caps, value and access list of an EIP-1559 or EIP-7702 transaction.
    fn fee_market(&mut self, max_fee: u128, tip: u128, value: U256, access_list: &AccessList) {
        put_varint(&mut self.fees, max_fee);
        put_varint(&mut self.fees, tip);
        put_u256(&mut self.values, value);
        access_list.encode(&mut self.lists);
    }

    fn write(&self, out: &mut Vec<u8>) {
        for column in [
            &self.types,
            &self.nonces,
            &self.gas_limits,
            &self.fees,
            &self.recipients,
            &self.values,
            &self.input_lengths,
            &self.inputs,
            &self.lists,
            &self.parities,
            &self.r,
            &self.s,
        ] {
            put_section(out, column);
        }
    }
}

fn check_chain(got: u64, expected: u64) -> Result<(), String> {
    if got == expected { Ok(()) } else { Err(format!("chain id {got}, not the L2's {expected}")) }
}

/// Readers over the per-transaction columns, consumed one transaction at a time.
struct ColumnReaders<'a> {
    types: Reader<'a>,
    nonces: Reader<'a>,
    gas_limits: Reader<'a>,
    fees: Reader<'a>,
    recipients: Reader<'a>,
    values: Reader<'a>,
    input_lengths: Reader<'a>,
    inputs: Reader<'a>,
    lists: Reader<'a>,
    parities: Reader<'a>,
    r: Reader<'a>,
    s: Reader<'a>,
}

impl<'a> ColumnReaders<'a> {
    fn read(reader: &mut Reader<'a>) -> Result<Self, BatchError> {
        Ok(Self {
            types: reader.section("types")?,
            nonces: reader.section("nonces")?,
            gas_limits: reader.section("gas limits")?,
            fees: reader.section("fees")?,
            recipients: reader.section("recipients")?,
            values: reader.section("values")?,
            input_lengths: reader.section("input lengths")?,
            inputs: reader.section("inputs")?,
            lists: reader.section("lists")?,
            parities: reader.section("parities")?,
            r: reader.section("signature r")?,
            s: reader.section("signature s")?,
        })
    }

    fn next(&mut self, chain_id: u64) -> Result<TxEnvelope, BatchError> {
        let type_byte = self.types.byte("types")?;
        let kind = type_byte & !CREATE;
        let to = if type_byte & CREATE != 0 {
            TxKind::Create
        } else {
            TxKind::Call(Address::from(self.recipients.array::<20>("recipients")?))
        };
        let nonce = self.nonces.u64("nonces")?;
        let gas_limit = self.gas_limits.u64("gas limits")?;
        let input_len = self.input_lengths.usize("input lengths")?;
        let input = Bytes::copy_from_slice(self.inputs.take(input_len, "inputs")?);
        let fee = |reader: &mut Reader<'a>| reader.varint("fees");
        let tx = match kind {
            0 => {
                let gas_price = fee(&mut self.fees)?;
                let value = self.values.u256("values")?;
                let tx = TxLegacy { chain_id: Some(chain_id), nonce, gas_price, gas_limit, to, value, input };
                TxEnvelope::Legacy(Signed::new_unhashed(tx, self.signature()?))
            }
            1 => {
                let gas_price = fee(&mut self.fees)?;
                let value = self.values.u256("values")?;
                let access_list = self.list::<AccessList>("access list")?;
                let tx = TxEip2930 { chain_id, nonce, gas_price, gas_limit, to, value, access_list, input };
                TxEnvelope::Eip2930(Signed::new_unhashed(tx, self.signature()?))
            }
            2 => {
                let (max_fee_per_gas, max_priority_fee_per_gas, value, access_list) = self.fee_market()?;
                let tx = TxEip1559 {
                    chain_id,
                    nonce,
                    gas_limit,
                    max_fee_per_gas,
                    max_priority_fee_per_gas,
                    to,
                    value,
                    access_list,
                    input,
                };
                TxEnvelope::Eip1559(Signed::new_unhashed(tx, self.signature()?))
            }
            4 => {
                let TxKind::Call(to) = to else {
                    return Err(BatchError::Invalid("types", "an EIP-7702 transaction cannot create a contract"));
                };
                let (max_fee_per_gas, max_priority_fee_per_gas, value, access_list) = self.fee_market()?;
                let authorization_list = self.list::<Vec<SignedAuthorization>>("authorization list")?;
                let tx = TxEip7702 {
                    chain_id,
                    nonce,
                    gas_limit,
                    max_fee_per_gas,
                    max_priority_fee_per_gas,
                    to,
                    value,
                    access_list,
                    authorization_list,
                    input,
                };
                TxEnvelope::Eip7702(Signed::new_unhashed(tx, self.signature()?))
            }
            _ => return Err(BatchError::Invalid("types", "unknown transaction type")),
        };
        Ok(tx)
    }

    /// Fee caps, value and access list of an EIP-1559 or EIP-7702 transaction.
    fn fee_market(&mut self) -> Result<(u128, u128, U256, AccessList), BatchError> {
        let max_fee = self.fees.varint("fees")?;
        let tip = self.fees.varint("fees")?;
        Ok((max_fee, tip, self.values.u256("values")?, self.list::<AccessList>("access list")?))
    }

    fn signature(&mut self) -> Result<Signature, BatchError> {
        let parity = match self.parities.byte("parities")? {
            0 => false,
            1 => true,
            _ => return Err(BatchError::Invalid("parities", "not 0 or 1")),
        };
        let r = U256::from_be_bytes(self.r.array::<32>("signature r")?);
        let s = U256::from_be_bytes(self.s.array::<32>("signature s")?);
        Ok(Signature::new(r, s, parity))
    }

    fn list<T: Decodable>(&mut self, what: &'static str) -> Result<T, BatchError> {
        let mut bytes = self.lists.remaining();
        let value = T::decode(&mut bytes).map_err(|_| BatchError::Invalid(what, "malformed RLP"))?;
        let used = self.lists.remaining().len() - bytes.len();
        self.lists.take(used, what)?;
        Ok(value)
    }

    fn finish(&self) -> Result<(), BatchError> {
        self.types.finish("types")?;
        self.nonces.finish("nonces")?;
        self.gas_limits.finish("gas limits")?;
        self.fees.finish("fees")?;
        self.recipients.finish("recipients")?;
        self.values.finish("values")?;
        self.input_lengths.finish("input lengths")?;
        self.inputs.finish("inputs")?;
        self.lists.finish("lists")?;
        self.parities.finish("parities")?;
        self.r.finish("signature r")?;
        self.s.finish("signature s")
    }
}

impl Batch {
    /// Encodes the batch; fails if a transaction cannot travel in a batch (a deposit, a blob
    /// transaction, another chain's transaction).
    pub fn encode(&self, chain_id: u64) -> Result<Vec<u8>, BatchError> {
        let mut timestamps = Vec::new();
        let mut origins = Vec::new();
        let mut tx_counts = Vec::new();
        let mut columns = Columns::default();
        let mut previous: Option<(u64, L1Origin)> = None;
        for (offset, block) in self.blocks.iter().enumerate() {
            let (previous_time, previous_origin) = previous.unwrap_or((0, L1Origin::default()));
            put_varint(&mut timestamps, zigzag(block.timestamp.wrapping_sub(previous_time) as i64));
            if previous.is_some() && block.l1_origin == previous_origin {
                origins.push(0);
            } else {
                origins.push(1);
                put_varint(&mut origins, zigzag(block.l1_origin.number.wrapping_sub(previous_origin.number) as i64));
                origins.extend_from_slice(block.l1_origin.hash.as_slice());
            }
            previous = Some((block.timestamp, block.l1_origin));
            put_varint(&mut tx_counts, block.transactions.len() as u128);
            for (index, tx) in block.transactions.iter().enumerate() {
                columns.push(tx, chain_id).map_err(|reason| BatchError::Unbatchable {
                    block: self.first_block + offset as u64,
                    index,
                    reason,
                })?;
            }
        }
        let mut out = vec![BATCH_VERSION];
        put_varint(&mut out, self.first_block.into());
        out.extend_from_slice(self.parent_hash.as_slice());
        put_varint(&mut out, self.blocks.len() as u128);
        put_section(&mut out, &timestamps);
        put_section(&mut out, &origins);
        put_section(&mut out, &tx_counts);
        columns.write(&mut out);
        Ok(out)
    }

    /// Decodes a batch of the chain with `chain_id`, checking every length and value.
    pub fn decode(bytes: &[u8], chain_id: u64) -> Result<Self, BatchError> {
        let mut reader = Reader::new(bytes);
        let version = reader.byte("batch version")?;
        if version != BATCH_VERSION {
            return Err(BatchError::UnknownVersion { what: "batch", version });
        }
        let first_block = reader.u64("first block")?;
        let parent_hash = B256::from(reader.array::<32>("parent hash")?);
        let block_count = reader.usize("block count")?;
        let mut timestamps = reader.section("timestamps")?;
        let mut origins = reader.section("origins")?;
        let mut tx_counts = reader.section("transaction counts")?;
        let mut columns = ColumnReaders::read(&mut reader)?;
        reader.finish("batch")?;

        // Every block takes at least one byte of each block section: a bound for allocation.
        if block_count > bytes.len() {
            return Err(BatchError::Invalid("block count", "larger than the data"));
        }
        let mut blocks = Vec::with_capacity(block_count);
        let mut previous: Option<(u64, L1Origin)> = None;
        for _ in 0..block_count {
            let (previous_time, previous_origin) = previous.unwrap_or((0, L1Origin::default()));
            let delta = unzigzag(timestamps.varint("timestamps")?)?;
            let timestamp = previous_time.wrapping_add(delta as u64);
            let l1_origin = match origins.byte("origins")? {
                0 if previous.is_some() => previous_origin,
                1 => {
                    let delta = unzigzag(origins.varint("origins")?)?;
                    L1Origin {
                        number: previous_origin.number.wrapping_add(delta as u64),
                        hash: B256::from(origins.array::<32>("origins")?),
                    }
                }
                _ => return Err(BatchError::Invalid("origins", "unknown origin flag")),
            };
            previous = Some((timestamp, l1_origin));
            let count = tx_counts.usize("transaction counts")?;
            let mut transactions = Vec::with_capacity(count.min(bytes.len()));
            for _ in 0..count {
                transactions.push(columns.next(chain_id)?);
            }
            blocks.push(BatchBlock { timestamp, l1_origin, transactions });
        }
        timestamps.finish("timestamps")?;
        origins.finish("origins")?;
        tx_counts.finish("transaction counts")?;
        columns.finish()?;
        Ok(Self { first_block, parent_hash, blocks })
    }
}

fn zigzag(value: i64) -> u128 {
    (((value << 1) ^ (value >> 63)) as u64).into()
}

fn unzigzag(value: u128) -> Result<i64, BatchError> {
    let value = u64::try_from(value).map_err(|_| BatchError::Invalid("delta", "does not fit 64 bits"))?;
    Ok(((value >> 1) as i64) ^ -((value & 1) as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::eips::eip2930::AccessListItem;
    use alloy::eips::eip7702::Authorization;
    use proptest::{collection::vec, prelude::*};

    const CHAIN_ID: u64 = 42069;

    fn signature() -> impl Strategy<Value = Signature> {
        (any::<[u64; 4]>(), any::<[u64; 4]>(), any::<bool>())
            .prop_map(|(r, s, parity)| Signature::new(U256::from_limbs(r), U256::from_limbs(s), parity))
    }

    fn access_list() -> impl Strategy<Value = AccessList> {
        vec((any::<[u8; 20]>(), vec(any::<[u8; 32]>(), 0..3)), 0..3).prop_map(|items| {
            AccessList(
                items
                    .into_iter()
                    .map(|(address, keys)| AccessListItem {
                        address: Address::from(address),
                        storage_keys: keys.into_iter().map(B256::from).collect(),
                    })
                    .collect(),
            )
        })
    }

    fn transaction() -> impl Strategy<Value = TxEnvelope> {
        let fields = (
            0..4u8,
            any::<u64>(),
            21_000..30_000_000u64,
            (any::<u128>(), any::<u128>()),
            prop::option::of(any::<[u8; 20]>()),
            any::<[u64; 4]>(),
            vec(any::<u8>(), 0..200),
        );
        (fields, access_list(), signature(), vec((any::<[u8; 20]>(), any::<u64>(), signature()), 1..3)).prop_map(
            |((kind, nonce, gas_limit, (fee, tip), to, value, input), access_list, signature, auths)| {
                let to_kind = to.map_or(TxKind::Create, |a| TxKind::Call(Address::from(a)));
                let value = U256::from_limbs(value);
                let input = Bytes::from(input);
                match kind {
                    0 => TxEnvelope::Legacy(Signed::new_unhashed(
                        TxLegacy {
                            chain_id: Some(CHAIN_ID),
                            nonce,
                            gas_price: fee,
                            gas_limit,
                            to: to_kind,
                            value,
                            input,
                        },
                        signature,
                    )),
                    1 => TxEnvelope::Eip2930(Signed::new_unhashed(
                        TxEip2930 {
                            chain_id: CHAIN_ID,
                            nonce,
                            gas_price: fee,
                            gas_limit,
                            to: to_kind,
                            value,
                            access_list,
                            input,
                        },
                        signature,
                    )),
                    2 => TxEnvelope::Eip1559(Signed::new_unhashed(
                        TxEip1559 {
                            chain_id: CHAIN_ID,
                            nonce,
                            gas_limit,
                            max_fee_per_gas: fee,
                            max_priority_fee_per_gas: tip,
                            to: to_kind,
                            value,
                            access_list,
                            input,
                        },
                        signature,
                    )),
                    _ => TxEnvelope::Eip7702(Signed::new_unhashed(
                        TxEip7702 {
                            chain_id: CHAIN_ID,
                            nonce,
                            gas_limit,
                            max_fee_per_gas: fee,
                            max_priority_fee_per_gas: tip,
                            to: to.map(Address::from).unwrap_or_default(),
                            value,
                            access_list,
                            authorization_list: auths
                                .into_iter()
                                .map(|(address, nonce, sig)| {
                                    Authorization {
                                        chain_id: U256::from(CHAIN_ID),
                                        address: Address::from(address),
                                        nonce,
                                    }
                                    .into_signed(sig)
                                })
                                .collect(),
                            input,
                        },
                        signature,
                    )),
                }
            },
        )
    }

    fn batch() -> impl Strategy<Value = Batch> {
        let block = (any::<u32>(), any::<u16>(), any::<[u8; 32]>(), vec(transaction(), 0..6));
        (any::<u32>(), any::<[u8; 32]>(), vec(block, 0..6)).prop_map(|(first, parent, blocks)| Batch {
            first_block: u64::from(first),
            parent_hash: B256::from(parent),
            blocks: blocks
                .into_iter()
                .map(|(timestamp, origin, hash, transactions)| BatchBlock {
                    timestamp: u64::from(timestamp),
                    l1_origin: L1Origin { number: u64::from(origin), hash: B256::from(hash) },
                    transactions,
                })
                .collect(),
        })
    }

    proptest! {
        #[test]
        fn batches_round_trip_to_identical_transactions(batch in batch()) {
            let bytes = batch.encode(CHAIN_ID).unwrap();
            let decoded = Batch::decode(&bytes, CHAIN_ID).unwrap();
            for (left, right) in batch.blocks.iter().zip(&decoded.blocks) {
                for (a, b) in left.transactions.iter().zip(&right.transactions) {
                    prop_assert_eq!(a.tx_hash(), b.tx_hash());
                }
            }
            prop_assert_eq!(decoded, batch);
        }

        #[test]
        fn every_truncation_is_an_error(batch in batch(), cut in any::<prop::sample::Index>()) {
            let bytes = batch.encode(CHAIN_ID).unwrap();
            let cut = cut.index(bytes.len());
            prop_assert!(Batch::decode(&bytes[..cut], CHAIN_ID).is_err());
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..400)) {
            let mut data = vec![BATCH_VERSION];
            data.extend(bytes);
            let _ = Batch::decode(&data, CHAIN_ID);
        }
    }

    #[test]
    fn refuses_other_chains_and_versions() {
        let tx = TxEnvelope::Eip1559(Signed::new_unhashed(
            TxEip1559 { chain_id: 1, ..Default::default() },
            Signature::new(U256::from(1), U256::from(1), false),
        ));
        let batch = Batch {
            first_block: 5,
            parent_hash: B256::ZERO,
            blocks: vec![BatchBlock { timestamp: 1, l1_origin: L1Origin::default(), transactions: vec![tx] }],
        };
        let err = batch.encode(CHAIN_ID).unwrap_err();
        assert!(matches!(err, BatchError::Unbatchable { block: 5, index: 0, .. }), "{err}");
        assert!(matches!(Batch::decode(&[9], CHAIN_ID), Err(BatchError::UnknownVersion { what: "batch", version: 9 })));
    }
}
