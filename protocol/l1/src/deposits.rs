//! Reading deposits from the Portal's `TransactionDeposited` events on L1.

use crate::Portal::TransactionDeposited;
use alloy::{providers::Provider, rpc::types::Filter, sol_types::SolEvent, transports::TransportError};
use alloy_primitives::{Address, B256, Bytes, Log, TxKind, U256};
use rollup_core::deposit::{TxDeposit, user_deposit_source_hash};

/// The only event version the Portal emits.
const DEPOSIT_VERSION: U256 = U256::ZERO;

/// Length of the fixed part of `opaqueData`: mint (32), value (32), gas limit (8), creation flag (1).
const OPAQUE_FIXED_LEN: usize = 32 + 32 + 8 + 1;

/// Why deposits could not be read from L1.
#[derive(Debug, thiserror::Error)]
pub enum DepositError {
    /// A log is not a well-formed `TransactionDeposited` event. The Portal never emits one, so
    /// this means a wrong Portal address or a misbehaving L1 node.
    #[error("log {log_index} of L1 block {block} is not a valid TransactionDeposited event: {reason}")]
    Malformed {
        /// The L1 block.
        block: B256,
        /// Index of the log within the L1 block.
        log_index: u64,
        /// What is wrong with it.
        reason: Box<MalformedDeposit>,
    },
    /// The L1 node returned a log without its position.
    #[error("the L1 node returned a log of block {block} without a log index")]
    MissingLogIndex {
        /// The L1 block.
        block: B256,
    },
    /// The L1 node could not be queried (temporary: retry later).
    #[error("reading the Portal's logs of L1 block {block} failed: {source}")]
    Rpc {
        /// The L1 block.
        block: B256,
        /// The transport error.
        #[source]
        source: TransportError,
    },
}

/// What is wrong with a malformed deposit event.
#[derive(Debug, thiserror::Error)]
pub enum MalformedDeposit {
    /// Topics or data do not decode as the event.
    #[error("{0}")]
    Event(#[from] alloy::sol_types::Error),
    /// An event version this node does not know.
    #[error("unknown deposit version {0}")]
    Version(U256),
    /// `opaqueData` is shorter than its fixed fields.
    #[error("opaque data of {0} bytes is shorter than its {OPAQUE_FIXED_LEN} bytes of fixed fields")]
    Short(usize),
    /// The minted amount does not fit in 128 bits.
    #[error("mint {0} does not fit in 128 bits")]
    Mint(U256),
    /// The creation flag is neither 0 nor 1.
    #[error("creation flag {0} is not a boolean")]
    CreationFlag(u8),
}

/// The deposit carried by the Portal's `TransactionDeposited` event `log`, which is log number
/// `log_index` of the L1 block `l1_block_hash`.
pub fn deposit_from_log(log: &Log, l1_block_hash: B256, log_index: u64) -> Result<TxDeposit, DepositError> {
    let malformed = |reason: MalformedDeposit| DepositError::Malformed {
        block: l1_block_hash,
        log_index,
        reason: Box::new(reason),
    };
    let event = TransactionDeposited::decode_log(log).map_err(|err| malformed(err.into()))?;
    if event.version != DEPOSIT_VERSION {
        return Err(malformed(MalformedDeposit::Version(event.version)));
    }
    let data = &event.opaqueData;
    if data.len() < OPAQUE_FIXED_LEN {
        return Err(malformed(MalformedDeposit::Short(data.len())));
    }
    let mint = U256::from_be_slice(&data[..32]);
    let mint = u128::try_from(mint).map_err(|_| malformed(MalformedDeposit::Mint(mint)))?;
    let value = U256::from_be_slice(&data[32..64]);
    let gas_limit = u64::from_be_bytes(data[64..72].try_into().expect("eight bytes"));
    let to = match data[72] {
        0 => TxKind::Call(event.to),
        1 => TxKind::Create,
        flag => return Err(malformed(MalformedDeposit::CreationFlag(flag))),
    };
    Ok(TxDeposit {
        source_hash: user_deposit_source_hash(l1_block_hash, log_index),
        from: event.from,
        to,
        mint,
        value,
        gas_limit,
        is_system_transaction: false,
        input: Bytes::copy_from_slice(&data[OPAQUE_FIXED_LEN..]),
    })
}

/// The deposits the Portal at `portal` emitted in the L1 block `l1_block_hash`, in log order.
pub async fn portal_deposits(
    provider: &impl Provider,
    portal: Address,
    l1_block_hash: B256,
) -> Result<Vec<TxDeposit>, DepositError> {
    let filter = Filter::new()
        .address(portal)
        .event_signature(TransactionDeposited::SIGNATURE_HASH)
        .at_block_hash(l1_block_hash);
    let logs = provider.get_logs(&filter).await.map_err(|source| DepositError::Rpc { block: l1_block_hash, source })?;
    deposits_from_logs(&logs, portal, l1_block_hash)
}

/// The deposits among `logs` of L1 block `l1_block_hash` (the `portal`'s `TransactionDeposited`
/// logs; others are skipped), in log order. Lets a reader that needs more of the block's logs
/// fetch them in one query.
pub fn deposits_from_logs(
    logs: &[alloy::rpc::types::Log],
    portal: Address,
    l1_block_hash: B256,
) -> Result<Vec<TxDeposit>, DepositError> {
    let mut indexed = logs
        .iter()
        .filter(|log| {
            !log.removed && log.address() == portal && log.topic0() == Some(&TransactionDeposited::SIGNATURE_HASH)
        })
        .map(|log| match log.log_index {
            Some(index) => Ok((index, &log.inner)),
            None => Err(DepositError::MissingLogIndex { block: l1_block_hash }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    indexed.sort_by_key(|(index, _)| *index);
    indexed.iter().map(|(index, log)| deposit_from_log(log, l1_block_hash, *index)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::sol_types::SolEvent;
    use alloy_primitives::{address, b256, bytes, keccak256};

    const FROM: Address = address!("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    const TO: Address = address!("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
    const BLOCK: B256 = b256!("0xabababababababababababababababababababababababababababababababab");

    fn opaque(mint: U256, value: U256, gas: u64, creation: u8, data: &[u8]) -> Bytes {
        let mut out = Vec::new();
        out.extend_from_slice(&mint.to_be_bytes::<32>());
        out.extend_from_slice(&value.to_be_bytes::<32>());
        out.extend_from_slice(&gas.to_be_bytes());
        out.push(creation);
        out.extend_from_slice(data);
        out.into()
    }

    fn event_log(version: U256, opaque_data: Bytes) -> Log {
        let event = TransactionDeposited { from: FROM, to: TO, version, opaqueData: opaque_data };
        Log { address: Address::repeat_byte(0x99), data: event.encode_log_data() }
    }

    #[test]
    fn decodes_a_call_deposit() {
        let log = event_log(U256::ZERO, opaque(U256::from(7u64), U256::from(3u64), 100_000, 0, &[0xaa, 0xbb]));
        let tx = deposit_from_log(&log, BLOCK, 5).unwrap();
        assert_eq!(
            tx,
            TxDeposit {
                source_hash: user_deposit_source_hash(BLOCK, 5),
                from: FROM,
                to: TxKind::Call(TO),
                mint: 7,
                value: U256::from(3u64),
                gas_limit: 100_000,
                is_system_transaction: false,
                input: bytes!("aabb"),
            }
        );
    }

    #[test]
    fn decodes_a_creation() {
        let log = event_log(U256::ZERO, opaque(U256::ZERO, U256::ZERO, 500_000, 1, &[0x60, 0x00]));
        let tx = deposit_from_log(&log, BLOCK, 0).unwrap();
        assert_eq!(tx.to, TxKind::Create);
        assert_eq!(tx.input, bytes!("6000"));
    }

    #[test]
    fn source_hash_follows_the_op_stack_formula() {
        let mut id = BLOCK.to_vec();
        id.extend_from_slice(&[0u8; 31]);
        id.push(5);
        let mut outer = vec![0u8; 32];
        outer.extend_from_slice(keccak256(&id).as_slice());
        assert_eq!(user_deposit_source_hash(BLOCK, 5), keccak256(&outer));
        assert_ne!(user_deposit_source_hash(BLOCK, 5), user_deposit_source_hash(BLOCK, 6));
    }

    #[test]
    fn malformed_events_are_errors_naming_the_log() {
        let cases = [
            event_log(U256::from(1u64), opaque(U256::ZERO, U256::ZERO, 1, 0, &[])),
            event_log(U256::ZERO, Bytes::from(vec![0u8; OPAQUE_FIXED_LEN - 1])),
            event_log(U256::ZERO, opaque(U256::MAX, U256::ZERO, 1, 0, &[])),
            event_log(U256::ZERO, opaque(U256::ZERO, U256::ZERO, 1, 2, &[])),
            Log { address: Address::ZERO, data: alloy_primitives::LogData::new_unchecked(vec![], Bytes::new()) },
        ];
        for log in cases {
            let err = deposit_from_log(&log, BLOCK, 9).unwrap_err();
            assert!(matches!(err, DepositError::Malformed { log_index: 9, block: BLOCK, .. }), "{err}");
            assert!(err.to_string().contains("log 9 of L1 block"), "{err}");
        }
    }
}
