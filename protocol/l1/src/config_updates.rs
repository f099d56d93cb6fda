//! Reading the L1 fee configuration's changes from the `SystemConfig`'s `ConfigUpdate` events:
//! the changes in L1 block `b` apply from the first L2 block whose L1 origin is `b` (as in the
//! OP Stack), for the sequencer and derivation alike.

use crate::SystemConfig::ConfigUpdate;
use alloy::{providers::Provider, rpc::types::Filter, sol_types::SolEvent, transports::TransportError};
use alloy_primitives::{Address, B256, U256};
use rollup_core::fees::SystemConfig;
use tracing::warn;

/// `ConfigUpdate` type of a batcher change: `data = abi.encode(bytes32 batcherHash)`.
const BATCHER: u8 = 0;

/// `ConfigUpdate` type of a scalar change: `data = abi.encode(uint256 0, uint256 scalar)`.
const FEE_SCALARS: u8 = 1;

/// Version byte of an Ecotone-style packed scalar.
const ECOTONE_SCALAR_VERSION: u8 = 1;

/// One change to the L1 fee configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemConfigUpdate {
    /// A new batcher address.
    Batcher(Address),
    /// New fee scalars.
    FeeScalars {
        /// Weight of the L1 base fee, 6 decimals.
        base_fee_scalar: u32,
        /// Weight of the L1 blob base fee, 6 decimals.
        blob_base_fee_scalar: u32,
    },
}

impl SystemConfigUpdate {
    /// `config` with this change made.
    pub fn apply(self, config: SystemConfig) -> SystemConfig {
        match self {
            Self::Batcher(batcher) => SystemConfig { batcher, ..config },
            Self::FeeScalars { base_fee_scalar, blob_base_fee_scalar } => {
                SystemConfig { base_fee_scalar, blob_base_fee_scalar, ..config }
            }
        }
    }

    /// The change `log` records, if it is a well-formed `ConfigUpdate`. The contract emits
    /// nothing else; anything else (another event, an unknown version or type, malformed
    /// data) is no change, the same for every node.
    fn from_log(log: &alloy::rpc::types::Log) -> Option<Self> {
        let event = ConfigUpdate::decode_log(&log.inner).ok()?.data;
        if !event.version.is_zero() {
            return None;
        }
        let data = event.data.as_ref();
        match event.updateType {
            BATCHER if data.len() == 32 => Some(Self::Batcher(Address::from_word(B256::from_slice(data)))),
            FEE_SCALARS if data.len() == 64 => {
                let scalar = U256::from_be_slice(&data[32..]).to_be_bytes::<32>();
                (scalar[0] == ECOTONE_SCALAR_VERSION).then(|| Self::FeeScalars {
                    base_fee_scalar: u32::from_be_bytes(scalar[28..].try_into().expect("four bytes")),
                    blob_base_fee_scalar: u32::from_be_bytes(scalar[24..28].try_into().expect("four bytes")),
                })
            }
            _ => None,
        }
    }
}

/// The changes `system_config`'s logs among `logs` record, in log order.
pub fn config_updates_from_logs(logs: &[alloy::rpc::types::Log], system_config: Address) -> Vec<SystemConfigUpdate> {
    let ours = logs.iter().filter(|log| !log.removed && log.address() == system_config);
    ours.filter_map(|log| {
        let update = SystemConfigUpdate::from_log(log);
        if update.is_none() {
            warn!(tx = ?log.transaction_hash, "ignoring a SystemConfig log that is no configuration change");
        }
        update
    })
    .collect()
}

/// The configuration changes made in L1 block `block`, read from `system_config`'s logs.
pub async fn system_config_updates(
    provider: &impl Provider,
    system_config: Address,
    block: B256,
) -> Result<Vec<SystemConfigUpdate>, TransportError> {
    let filter =
        Filter::new().address(system_config).event_signature(ConfigUpdate::SIGNATURE_HASH).at_block_hash(block);
    let logs = provider.get_logs(&filter).await?;
    Ok(config_updates_from_logs(&logs, system_config))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::sol_types::SolValue;
    use alloy_primitives::{Bytes, LogData};

    fn log(update_type: u8, data: Vec<u8>) -> alloy::rpc::types::Log {
        let event = ConfigUpdate { version: U256::ZERO, updateType: update_type, data: Bytes::from(data) };
        let inner = alloy_primitives::Log { address: Address::repeat_byte(5), data: LogData::from(&event) };
        alloy::rpc::types::Log { inner, ..Default::default() }
    }

    #[test]
    fn updates_decode_and_apply() {
        let batcher = Address::repeat_byte(0xBA);
        let scalar = (U256::from(1) << 248) | (U256::from(7) << 32) | U256::from(1_500_000);
        let logs = [
            log(BATCHER, batcher.into_word().to_vec()),
            log(FEE_SCALARS, (U256::ZERO, scalar).abi_encode()),
            // Not a change: a pre-Ecotone scalar, an unknown type, a short payload.
            log(FEE_SCALARS, (U256::ZERO, U256::from(5)).abi_encode()),
            log(9, vec![0; 32]),
            log(BATCHER, vec![0; 31]),
        ];
        let updates = config_updates_from_logs(&logs, Address::repeat_byte(5));
        assert_eq!(
            updates,
            [
                SystemConfigUpdate::Batcher(batcher),
                SystemConfigUpdate::FeeScalars { base_fee_scalar: 1_500_000, blob_base_fee_scalar: 7 }
            ]
        );
        let config = updates.into_iter().fold(SystemConfig::default(), |config, update| update.apply(config));
        assert_eq!(config, SystemConfig { batcher, base_fee_scalar: 1_500_000, blob_base_fee_scalar: 7 });
        assert!(config_updates_from_logs(&logs, Address::repeat_byte(6)).is_empty(), "another contract's logs");
    }
}
