//! L1 cost recovery (issue #21), run on demand: over the compression benchmark's stream of
//! signed L2 blocks, the L1 data fees the L2 charges its users against what the batcher pays
//! on L1 to post the same blocks, as calldata and as blobs, at several L1 fee settings; and the
//! calibration of the fee's size estimate against this rollup's batch encoding and compressor.
//!
//! ```sh
//! cargo bench -p batcher --bench l1_cost_recovery                     # 20 MB, a few minutes
//! BATCH_BENCH_MB=5 cargo bench -p batcher --bench l1_cost_recovery    # a quick run
//! cargo test -p batcher --bench l1_cost_recovery                      # a smoke run (0.2 MB)
//! ```
//!
//! What the batcher pays is measured, not estimated: every frame is posted to a real
//! `BatchInbox` (the committed artifact) in revm, on Osaka rules, and the L1 gas each
//! transaction uses (intrinsic and EIP-7623 calldata floor included) is priced at the setting's
//! base fee, plus 131,072 blob gas per blob at its blob base fee. Figures and conclusions:
//! `docs/benchmarks/l1-cost-recovery.md`.

#[allow(dead_code)] // the compression benchmark's stream; this benchmark uses part of it
#[path = "../../protocol/batch/benches/batch_compression/workload.rs"]
mod workload;

use alloy::{
    consensus::TxEnvelope,
    eips::eip4844::kzg_to_versioned_hash,
    sol_types::{SolCall, SolConstructor},
};
use alloy_primitives::{Address, Bytes, TxKind, U256};
use batcher::da::{MAX_CALLDATA_FRAME, max_blob_frame};
use revm::{
    Context, ExecuteCommitEvm, MainBuilder, MainContext,
    context::TxEnv,
    database::{CacheDB, EmptyDB},
    primitives::hardfork::SpecId,
    state::AccountInfo,
};
use rollup_batch::{Compression, frame_to_sidecar, split_channel};
use rollup_core::{
    ChainConfig,
    fees::{
        L1Attributes, MIN_SIZE, SIGNATURE_SIZE, SIZE_INTERCEPT, SIZE_SLOPE, SystemConfig, flz_compressed_len, l1_cost,
        signing_payload,
    },
};
use rollup_l1::BatchInbox;
use workload::{Channel, Rng, SEED, Settings, Totals, Workload};

/// Raw bytes of the measured stream, in MB, unless `BATCH_BENCH_MB` says otherwise.
const STREAM_MB: f64 = 20.0;
/// Raw bytes of one channel, in kB: the compression benchmark's default.
const CHANNEL_KB: u64 = 2_000;
/// Blobs per blob transaction (the batcher's default).
const BLOBS_PER_TX: usize = 6;
/// Blob gas of one blob.
const GAS_PER_BLOB: u64 = 131_072;
/// The batcher on L1.
const BATCHER: Address = Address::repeat_byte(0xBA);
/// L1 base fee and blob base fee (wei) of each setting.
const SETTINGS: [(u128, u128); 6] = [
    (100_000_000, 1),
    (1_000_000_000, 1),
    (5_000_000_000, 1_000_000_000),
    (20_000_000_000, 1),
    (20_000_000_000, 20_000_000_000),
    (100_000_000_000, 100_000_000_000),
];

/// What posting one channel costs in L1 gas, by medium.
#[derive(Default, Clone, Copy)]
struct Posting {
    /// Gas of the calldata transactions.
    calldata_gas: u64,
    /// Gas of the blob transactions (besides blob gas).
    blob_tx_gas: u64,
    /// Blobs.
    blobs: u64,
}

/// One channel as the fee sees it and as L1 does.
struct Measured {
    txs: u64,
    /// Sum over its transactions of the FastLZ size (with the signature's 68 bytes).
    flz: u64,
    /// Bytes of its frames (headers included).
    posted: u64,
    posting: Posting,
    /// Unsigned encodings of its transactions.
    payloads: Vec<Vec<u8>>,
}

fn main() {
    let Settings { stream_bytes, channel_bytes, .. } = Settings::from_env(STREAM_MB, CHANNEL_KB);
    let chain_id = ChainConfig::default().chain_id;

    let mut workload = Workload::new(chain_id);
    let channels = workload.channels(&mut Rng(SEED), stream_bytes, channel_bytes);
    let totals = Totals::of(&channels);
    println!(
        "stream: {} blocks, {} transactions, {:.2} MB raw, {} channels; compression {}",
        totals.blocks,
        totals.txs,
        totals.raw as f64 / 1e6,
        channels.len(),
        Compression::default()
    );
    let mut inbox = Inbox::deploy();
    let measured: Vec<Measured> = channels
        .iter()
        .enumerate()
        .map(|(index, channel)| {
            eprint!("\rchannel {}/{}", index + 1, channels.len());
            measure(channel, index as u64, chain_id, &mut inbox)
        })
        .collect();
    eprintln!();

    calibrate(&measured);
    println!("\nL1 fees charged on L2 / L1 fees the batcher paid, with the compiled size constants:\n");
    let calldata = SystemConfig {
        base_fee_scalar: SystemConfig::CALLDATA_BASE_FEE_SCALAR,
        blob_base_fee_scalar: 0,
        ..Default::default()
    };
    let blobs = SystemConfig::default();
    println!(
        "| L1 base fee (gwei) | blob base fee (gwei) | calldata (scalars {}, {}) | blobs (scalars {}, {}) |",
        calldata.base_fee_scalar, calldata.blob_base_fee_scalar, blobs.base_fee_scalar, blobs.blob_base_fee_scalar
    );
    println!("| ---: | ---: | ---: | ---: |");
    for (base_fee, blob_base_fee) in SETTINGS {
        let charged = |system: SystemConfig| -> f64 {
            let l1 = L1Attributes { timestamp: 0, base_fee, blob_base_fee, system };
            let wei: U256 = measured.iter().flat_map(|m| &m.payloads).map(|payload| l1_cost(payload, &l1).fee).sum();
            f64::from(wei)
        };
        let paid_calldata: f64 = measured.iter().map(|m| m.posting.calldata_gas as f64 * base_fee as f64).sum();
        let paid_blobs: f64 = measured
            .iter()
            .map(|m| {
                m.posting.blob_tx_gas as f64 * base_fee as f64
                    + (m.posting.blobs * GAS_PER_BLOB) as f64 * blob_base_fee as f64
            })
            .sum();
        println!(
            "| {} | {} | {:.3} | {:.3} |",
            base_fee as f64 / 1e9,
            blob_base_fee as f64 / 1e9,
            charged(calldata) / paid_calldata,
            charged(blobs) / paid_blobs
        );
    }
}

/// Compresses and frames `channel` as the batcher does, posts its frames in revm, and sizes
/// its transactions as the fee does.
fn measure(channel: &Channel, id: u64, chain_id: u64, inbox: &mut Inbox) -> Measured {
    let encoded = channel.batch.encode(chain_id).expect("generated transactions are batchable");
    let compressed = Compression::default().compress(&encoded);
    let mut posting = Posting::default();
    let calldata_frames = split_channel(id, &compressed, MAX_CALLDATA_FRAME).expect("frames");
    let posted = calldata_frames.iter().map(|frame| frame.encode().len() as u64).sum();
    for frame in &calldata_frames {
        posting.calldata_gas += inbox.submit_calldata(frame.encode().into());
    }
    for frame in split_channel(id, &compressed, max_blob_frame(BLOBS_PER_TX)).expect("frames") {
        let sidecar = frame_to_sidecar(&frame.encode()).expect("a frame fits its blobs");
        let blobs = sidecar.blobs.len();
        posting.blob_tx_gas += inbox.submit_blobs(blobs);
        posting.blobs += blobs as u64;
    }
    let payloads: Vec<Vec<u8>> = channel
        .batch
        .blocks
        .iter()
        .flat_map(|block| &block.transactions)
        .map(TxEnvelope::clone)
        .map(|tx| signing_payload(&tx))
        .collect();
    let flz = payloads.iter().map(|payload| (flz_compressed_len(payload) + SIGNATURE_SIZE) as u64).sum();
    Measured { txs: channel.txs, flz, posted, posting, payloads }
}

/// Fits the size estimate `intercept + slope · flzSize` (per transaction) to the bytes each
/// channel really takes on L1, by least squares over the channels, and compares it and the
/// compiled constants with what was posted.
fn calibrate(measured: &[Measured]) {
    let (mut nn, mut nf, mut ff, mut nc, mut fc) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for m in measured {
        let (n, f, c) = (m.txs as f64, m.flz as f64, m.posted as f64);
        (nn, nf, ff, nc, fc) = (nn + n * n, nf + n * f, ff + f * f, nc + n * c, fc + f * c);
    }
    let det = nn * ff - nf * nf;
    let intercept = (nc * ff - fc * nf) / det;
    let slope = (nn * fc - nf * nc) / det;
    let posted: u64 = measured.iter().map(|m| m.posted).sum();
    let txs: u64 = measured.iter().map(|m| m.txs).sum();
    let estimated = |intercept: f64, slope: f64| -> f64 {
        measured
            .iter()
            .flat_map(|m| &m.payloads)
            .map(|payload| {
                let flz = (flz_compressed_len(payload) + SIGNATURE_SIZE) as f64;
                (intercept + slope * flz).max(MIN_SIZE as f64)
            })
            .sum()
    };
    println!("\nposted: {posted} bytes, {:.1} bytes/tx", posted as f64 / txs as f64);
    println!(
        "fit over {} channels: size = {intercept:.3} + {slope:.4} · flzSize  (scaled: intercept {:.0}, slope {:.0})",
        measured.len(),
        intercept * 1e6,
        slope * 1e6
    );
    let compiled = (SIZE_INTERCEPT as f64 / 1e6, SIZE_SLOPE as f64 / 1e6);
    let fjord = (-42.5856, 0.8365);
    for (name, (intercept, slope)) in
        [("the fit", (intercept, slope)), ("the compiled constants", compiled), ("OP Fjord's", fjord)]
    {
        println!(
            "estimated / posted with {name} (minimum {MIN_SIZE} bytes): {:.3}",
            estimated(intercept, slope) / posted as f64
        );
    }
    // Fjord's per-transaction shape, scaled so that the estimates add up to what was posted.
    let scale = posted as f64 / estimated(fjord.0, fjord.1);
    println!(
        "Fjord's shape scaled to what was posted (x {scale:.4}): intercept {:.0}, slope {:.0}",
        fjord.0 * scale * 1e6,
        fjord.1 * scale * 1e6
    );
    let estimated = estimated(compiled.0, compiled.1);
    let calldata_gas: u64 = measured.iter().map(|m| m.posting.calldata_gas).sum();
    let blob_tx_gas: u64 = measured.iter().map(|m| m.posting.blob_tx_gas).sum();
    let blob_gas: u64 = measured.iter().map(|m| m.posting.blobs * GAS_PER_BLOB).sum();
    // The fee charges `size · 16 · baseFeeScalar / 1e6` L1 gas at the base fee and
    // `size · blobBaseFeeScalar / 1e6` blob gas at the blob base fee.
    let scalar = |gas: u64| gas as f64 / estimated * 1e6;
    println!(
        "scalars that recover the cost exactly (per estimated byte): calldata: base fee {:.0}; blobs: base fee {:.0}, \
         blob base fee {:.0}",
        scalar(calldata_gas) / 16.0,
        scalar(blob_tx_gas) / 16.0,
        scalar(blob_gas)
    );
}

/// A `BatchInbox` deployed in revm, its batcher [`BATCHER`].
struct Inbox {
    db: CacheDB<EmptyDB>,
    address: Address,
    nonce: u64,
}

impl Inbox {
    fn deploy() -> Self {
        let mut db = CacheDB::new(EmptyDB::default());
        let ether = U256::from(10u128.pow(30));
        db.insert_account_info(BATCHER, AccountInfo { balance: ether, ..Default::default() });
        let args = BatchInbox::constructorCall { initialOwner: BATCHER, initialBatcher: BATCHER }.abi_encode();
        let code: Bytes = [BatchInbox::BYTECODE.as_ref(), &args].concat().into();
        let mut inbox = Self { db, address: BATCHER.create(0), nonce: 0 };
        inbox.run(TxKind::Create, code, Vec::new());
        inbox
    }

    /// L1 gas of `submitBatch(frame)`.
    fn submit_calldata(&mut self, frame: Bytes) -> u64 {
        let input = BatchInbox::submitBatchCall { data: frame }.abi_encode();
        self.run(TxKind::Call(self.address), input.into(), Vec::new())
    }

    /// L1 gas of `submitBlobBatch()` carrying `blobs` blobs (their blob gas aside).
    fn submit_blobs(&mut self, blobs: usize) -> u64 {
        let hashes = (0..blobs).map(|index| kzg_to_versioned_hash(&[index as u8; 48])).collect();
        let input = BatchInbox::submitBlobBatchCall {}.abi_encode();
        self.run(TxKind::Call(self.address), input.into(), hashes)
    }

    fn run(&mut self, kind: TxKind, data: Bytes, blob_hashes: Vec<alloy_primitives::B256>) -> u64 {
        let mut ctx = Context::mainnet().with_db(&mut self.db).modify_cfg_chained(|cfg| cfg.spec = SpecId::OSAKA);
        ctx.modify_block(|block| block.basefee = 0);
        let mut evm = ctx.build_mainnet();
        let blob = !blob_hashes.is_empty();
        let tx = TxEnv {
            tx_type: if blob { 3 } else { 2 },
            caller: BATCHER,
            kind,
            data,
            nonce: self.nonce,
            gas_limit: 16_000_000,
            gas_price: 1,
            gas_priority_fee: Some(0),
            blob_hashes,
            max_fee_per_blob_gas: if blob { u128::MAX >> 64 } else { 0 },
            ..Default::default()
        };
        let result = evm.transact_commit(tx).expect("a valid L1 transaction");
        assert!(result.is_success(), "{result:?}");
        self.nonce += 1;
        result.tx_gas_used()
    }
}
