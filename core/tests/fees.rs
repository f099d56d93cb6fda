//! The L1 data fee agrees between the state-transition function and the predeploys wallets
//! read: after a block's L1 attributes deposit, `GasPriceOracle.getL1Fee(tx)` and
//! `getL1GasUsed(tx)` (run in the EVM, FastLZ in Solidity) return what the STF charges for a
//! transaction whose unsigned encoding is `tx` (FastLZ in Rust), and `L1Block`'s getters return
//! the attributes; on random attributes and random or transaction-like payloads.

use alloy_primitives::{Address, B256, Bytes, TxKind, U256, keccak256};
use proptest::prelude::*;
use revm::context::TxEnv;
use rollup_core::{
    BlockAttributes, ChainConfig, FeeVaultConfig, Genesis, L1Origin, SequentialExecutor, WorldState, apply_block,
    fees::{GAS_PRICE_ORACLE_ADDRESS, L1_BLOCK_ADDRESS, L1Attributes, SystemConfig, flz_compressed_len, l1_cost},
    simulate_call,
    test_utils::next_attributes,
};

/// ABI-encoded call of `signature` with one `bytes` argument.
fn call_with_bytes(signature: &str, data: &[u8]) -> Bytes {
    let mut input = keccak256(signature)[..4].to_vec();
    input.extend_from_slice(&U256::from(32).to_be_bytes::<32>());
    input.extend_from_slice(&U256::from(data.len()).to_be_bytes::<32>());
    input.extend_from_slice(data);
    input.resize(input.len().next_multiple_of(32).max(68), 0);
    input.into()
}

/// Calls `to` with `input` on `world` in the block of `attrs` and returns the output word.
fn call_word(world: &WorldState, attrs: &BlockAttributes, to: Address, input: Bytes) -> U256 {
    let tx = TxEnv {
        kind: TxKind::Call(to),
        data: input,
        gas_limit: rollup_core::TX_GAS_CAP,
        chain_id: None,
        ..Default::default()
    };
    let result = simulate_call(world, ChainConfig::default().chain_id, attrs, tx).expect("the call runs");
    assert!(result.is_success(), "{result:?}");
    U256::from_be_slice(&result.output().expect("output")[..32])
}

fn getter(world: &WorldState, attrs: &BlockAttributes, to: Address, signature: &str) -> U256 {
    call_word(world, attrs, to, keccak256(signature)[..4].to_vec().into())
}

fn attributes() -> impl Strategy<Value = L1Attributes> {
    (any::<u64>(), 0..=u128::from(u64::MAX), 0..=u128::from(u64::MAX), any::<[u8; 20]>(), any::<u32>(), any::<u32>())
        .prop_map(|(timestamp, base_fee, blob_base_fee, batcher, base_fee_scalar, blob_base_fee_scalar)| L1Attributes {
            timestamp,
            base_fee,
            blob_base_fee,
            system: SystemConfig { batcher: batcher.into(), base_fee_scalar, blob_base_fee_scalar },
        })
}

/// Payloads from empty to a few kilobytes: random bytes, repetitive ones, a repeat at about
/// FastLZ's largest match distance (8191 bytes), and the shape of an EIP-1559 transfer or
/// ERC-20 call (type byte, RLP list, mostly zero padding).
fn payload() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (prop::collection::vec(any::<u8>(), 16..32), 8_150..8_210usize, any::<u64>()).prop_map(
            |(unit, distance, seed)| {
                let filler = (0..distance as u64).map(|i| keccak256((seed ^ i).to_be_bytes())[0]);
                let mut data = unit.clone();
                data.extend(filler);
                data.extend_from_slice(&unit);
                data
            }
        ),
        prop::collection::vec(any::<u8>(), 0..600),
        (prop::collection::vec(any::<u8>(), 1..40), 1..80usize).prop_map(|(unit, times)| unit.repeat(times)),
        (any::<[u8; 20]>(), any::<u64>(), prop::collection::vec(0..3u8, 0..300)).prop_map(|(to, amount, words)| {
            let mut tx = vec![0x02, 0xf8, 0x6f, 0x82, 0xa4, 0x15, 0x80, 0x84, 0x3b, 0x9a, 0xca, 0x00, 0x94];
            tx.extend_from_slice(&to);
            tx.extend_from_slice(&amount.to_be_bytes());
            for word in words {
                tx.extend_from_slice(&[[0u8; 32], [0xff; 32], keccak256([word]).0][usize::from(word)]);
            }
            tx
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn gas_price_oracle_charges_what_the_stf_charges(
        l1 in attributes(),
        origin in (any::<u64>(), any::<[u8; 32]>()),
        payloads in prop::collection::vec(payload(), 1..6),
    ) {
        let genesis = Genesis::dev(ChainConfig::default(), 0, L1Origin::default());
        let (mut world, block0) = genesis.build();
        let attrs = BlockAttributes {
            l1_origin: L1Origin { number: origin.0, hash: B256::from(origin.1) },
            l1,
            ..next_attributes(&block0, &genesis.config, Address::ZERO)
        };
        apply_block(&mut world, &SequentialExecutor, genesis.config.chain_id, &attrs, Vec::new(), Vec::new())
            .expect("a block of its L1 attributes deposit alone applies");

        let block_getter = |signature| getter(&world, &attrs, L1_BLOCK_ADDRESS, signature);
        prop_assert_eq!(block_getter("number()"), U256::from(origin.0));
        prop_assert_eq!(block_getter("hash()"), U256::from_be_bytes(origin.1));
        prop_assert_eq!(block_getter("timestamp()"), U256::from(l1.timestamp));
        prop_assert_eq!(block_getter("basefee()"), U256::from(l1.base_fee));
        prop_assert_eq!(block_getter("blobBaseFee()"), U256::from(l1.blob_base_fee));
        prop_assert_eq!(block_getter("sequenceNumber()"), U256::ZERO);
        prop_assert_eq!(block_getter("batcherHash()"), U256::from_be_bytes(l1.system.batcher.into_word().0));
        let oracle_getter = |signature| getter(&world, &attrs, GAS_PRICE_ORACLE_ADDRESS, signature);
        prop_assert_eq!(oracle_getter("baseFeeScalar()"), U256::from(l1.system.base_fee_scalar));
        prop_assert_eq!(oracle_getter("blobBaseFeeScalar()"), U256::from(l1.system.blob_base_fee_scalar));
        prop_assert_eq!(oracle_getter("l1BaseFee()"), U256::from(l1.base_fee));

        for payload in payloads {
            let cost = l1_cost(&payload, &l1);
            let fee = call_word(&world, &attrs, GAS_PRICE_ORACLE_ADDRESS, call_with_bytes("getL1Fee(bytes)", &payload));
            prop_assert_eq!(fee, cost.fee, "getL1Fee of {} bytes ({} compressed)", payload.len(), flz_compressed_len(&payload));
            let gas = call_word(&world, &attrs, GAS_PRICE_ORACLE_ADDRESS, call_with_bytes("getL1GasUsed(bytes)", &payload));
            prop_assert_eq!(gas, U256::from(cost.gas_used));
        }
    }
}

/// The fee vaults are configured by their genesis storage, and the genesis `L1Block` holds the
/// genesis L1 attributes with sequence number 0 (so the first block of the same origin is 1).
#[test]
fn genesis_configures_the_vaults_and_l1_block() {
    let recipient = Address::repeat_byte(0x5E);
    let vaults = FeeVaultConfig { recipient, min_withdrawal_amount: U256::from(123) };
    let l1 = L1Attributes { timestamp: 77, base_fee: 9, blob_base_fee: 2, system: SystemConfig::default() };
    let origin = L1Origin { number: 5, hash: B256::repeat_byte(5) };
    let genesis = Genesis::dev_with_fees(ChainConfig::default(), 0, origin, l1, vaults);
    let (world, block0) = genesis.build();
    let attrs = next_attributes(&block0, &genesis.config, Address::ZERO);
    for vault in rollup_core::fees::FEE_VAULTS {
        assert_eq!(getter(&world, &attrs, vault, "recipient()"), U256::from_be_slice(recipient.as_slice()));
        assert_eq!(getter(&world, &attrs, vault, "minWithdrawalAmount()"), U256::from(123));
    }
    assert_eq!(getter(&world, &attrs, L1_BLOCK_ADDRESS, "number()"), U256::from(5));
    assert_eq!(getter(&world, &attrs, L1_BLOCK_ADDRESS, "timestamp()"), U256::from(77));
    let values = rollup_core::fees::L1BlockValues::next(&world, origin, l1);
    assert_eq!(values.sequence_number, 1);
}
