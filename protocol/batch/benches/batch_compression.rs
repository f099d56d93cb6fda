//! Batch compression benchmark (issue #5), run on demand: compression ratio and single-thread
//! encode+compress throughput of each candidate channel format on one realistic stream of
//! signed L2 blocks, against an OP-Stack-style baseline measured in the same run.
//!
//! ```sh
//! cargo bench -p rollup-batch --bench batch_compression                    # ≥ 50 MB, a few minutes
//! BATCH_BENCH_MB=5 cargo bench -p rollup-batch --bench batch_compression   # a quick run
//! cargo test -p rollup-batch --bench batch_compression                     # a smoke run (0.2 MB)
//! ```
//!
//! `BATCH_BENCH_CHANNEL_KB` changes the raw size of a channel (default 2,000 kB). Figures and
//! conclusions: `docs/benchmarks/batch-compression.md`.

#[path = "batch_compression/workload.rs"]
mod workload;

use alloy::{
    consensus::TxEnvelope,
    eips::eip2718::Encodable2718,
    rlp::{Encodable, Header},
};
use rollup_batch::{Algorithm, Batch, Compression, MAX_CHANNEL_SIZE};
use rollup_core::ChainConfig;
use std::time::{Duration, Instant};
use workload::{Channel, Rng, SEED, Settings, Totals, Workload};

/// Raw bytes of the measured stream, in MB (10^6 bytes), unless `BATCH_BENCH_MB` says otherwise.
const STREAM_MB: f64 = 50.0;
/// Raw bytes of one channel, in kB, unless `BATCH_BENCH_CHANNEL_KB` says otherwise: ~48 blocks
/// that compress to about 1 MB, a little more than one 6-blob transaction (≈ 760 KB) carries.
const CHANNEL_KB: u64 = 2_000;
/// Channels generated before the measured stream to train the zstd dictionary on.
const TRAINING_CHANNELS: u64 = 2;
/// Size of the trained zstd dictionary.
const DICTIONARY_SIZE: usize = 112 * 1024;
/// Byte of the singular batch type in an OP channel.
const SINGULAR_BATCH_TYPE: u8 = 0;
/// Brotli window of OP's channel compressor (the Go brotli library's default).
const OP_BROTLI_WINDOW_BITS: i32 = 22;

fn main() {
    let Settings { smoke, stream_bytes, channel_bytes } = Settings::from_env(STREAM_MB, CHANNEL_KB);
    let chain_id = ChainConfig::default().chain_id;

    let started = Instant::now();
    let mut workload = Workload::new(chain_id);
    let mut rng = Rng(SEED);
    let training = workload.channels(&mut rng, TRAINING_CHANNELS * channel_bytes, channel_bytes);
    let channels = workload.channels(&mut rng, stream_bytes, channel_bytes);
    let stats = Totals::of(&channels);
    println!("generated in {:.1} s", started.elapsed().as_secs_f64());
    workload.mix.print();
    println!(
        "measured stream: {} blocks, {} transactions, {:.2} MB raw ({:.1} bytes/tx), {} channels of ~{:.1} MB \
         ({:.0} blocks each)",
        stats.blocks,
        stats.txs,
        mb(stats.raw),
        stats.raw as f64 / stats.txs as f64,
        channels.len(),
        mb(channel_bytes),
        stats.blocks as f64 / channels.len() as f64,
    );

    let dictionary = train_dictionary(&training, chain_id, smoke);

    let mut candidates = candidates(&dictionary);
    let started = Instant::now();
    for (index, channel) in channels.iter().enumerate() {
        // Interleaved: every candidate compresses this channel before the next one, starting
        // from a rotating position, so load from other processes hits all of them alike.
        let count = candidates.len();
        for turn in 0..count {
            let candidate = &mut candidates[(index + turn) % count];
            let start = Instant::now();
            let encoded = candidate.encoding.encode(channel, chain_id);
            let compressed = candidate.codec.compress(&encoded);
            candidate.time += start.elapsed();
            candidate.compressed += compressed.len() as u64;
            let decompressed = candidate.codec.decompress(&compressed, &dictionary);
            assert!(decompressed == encoded, "{} round-trips", candidate.name);
        }
        let decoded = Batch::decode(&Encoding::Columnar.encode(channel, chain_id), chain_id).expect("decodes");
        assert!(decoded == channel.batch, "the columnar encoding round-trips");
        eprint!("\rchannel {}/{}", index + 1, channels.len());
    }
    eprintln!();
    println!("measured in {:.1} s\n", started.elapsed().as_secs_f64());
    report(&candidates, &stats);

    let default = Compression::default();
    println!("\nColumns of the columnar encoding, each compressed alone with {default} (every 4th channel):\n");
    columns(channels.iter().step_by(4), chain_id, default);
}

/// Trains the zstd dictionary on the single-block encodings of the training channels.
fn train_dictionary(training: &[Channel], chain_id: u64, smoke: bool) -> Vec<u8> {
    let started = Instant::now();
    let encodings: Vec<Vec<u8>> = training
        .iter()
        .flat_map(|channel| channel.batch.blocks.iter().enumerate().map(move |(index, block)| (channel, index, block)))
        .map(|(channel, index, block)| {
            let batch = Batch {
                first_block: channel.batch.first_block + index as u64,
                parent_hash: channel.parents[index],
                blocks: vec![block.clone()],
            };
            batch.encode(chain_id).expect("generated transactions are batchable")
        })
        .collect();
    // A smoke run has too little data for the real thing: smaller samples, a smaller dictionary.
    let (sample_size, size) = if smoke { (2_000, 8 * 1024) } else { (usize::MAX, DICTIONARY_SIZE) };
    let samples: Vec<&[u8]> = encodings.iter().flat_map(|encoding| encoding.chunks(sample_size)).collect();
    let dictionary = zstd::dict::from_samples(&samples, size).expect("dictionary training");
    println!(
        "zstd dictionary: {} bytes, trained in {:.1} s on {} samples ({:.2} MB: the single-block encodings of {} \
         channels before the measured stream)",
        dictionary.len(),
        started.elapsed().as_secs_f64(),
        samples.len(),
        mb(samples.iter().map(|sample| sample.len() as u64).sum()),
        training.len(),
    );
    dictionary
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

// ---------------------------------------------------------------------------------------------
// Candidates

/// How a channel's blocks become bytes before compression.
#[derive(Clone, Copy)]
enum Encoding {
    /// OP-Stack singular batches: per block `rlp(0x00 ‖ rlp([parent_hash, epoch_number,
    /// epoch_hash, timestamp, [tx, …]]))`, concatenated.
    OpRlp,
    /// This rollup's column-by-column [`Batch::encode`].
    Columnar,
}

impl Encoding {
    fn encode(self, channel: &Channel, chain_id: u64) -> Vec<u8> {
        match self {
            Self::Columnar => channel.batch.encode(chain_id).expect("generated transactions are batchable"),
            Self::OpRlp => {
                let mut out = Vec::with_capacity(channel.raw as usize + 16 * channel.txs as usize);
                let mut batch = Vec::new();
                for (parent, block) in channel.parents.iter().zip(&channel.batch.blocks) {
                    let tx_header = |tx: &TxEnvelope| Header { list: false, payload_length: tx.encode_2718_len() };
                    let txs: usize = block.transactions.iter().map(|tx| tx_header(tx).length_with_payload()).sum();
                    let tx_list = Header { list: true, payload_length: txs };
                    let fields = parent.length()
                        + block.l1_origin.number.length()
                        + block.l1_origin.hash.length()
                        + block.timestamp.length()
                        + tx_list.length_with_payload();
                    batch.clear();
                    batch.push(SINGULAR_BATCH_TYPE);
                    Header { list: true, payload_length: fields }.encode(&mut batch);
                    parent.encode(&mut batch);
                    block.l1_origin.number.encode(&mut batch);
                    block.l1_origin.hash.encode(&mut batch);
                    block.timestamp.encode(&mut batch);
                    tx_list.encode(&mut batch);
                    for tx in &block.transactions {
                        tx_header(tx).encode(&mut batch);
                        tx.encode_2718(&mut batch);
                    }
                    batch.as_slice().encode(&mut out);
                }
                out
            }
        }
    }
}

/// How encoded bytes become a channel (every variant counts one leading version byte).
enum Codec {
    /// OP's channel compressor: brotli with a 2^22-byte window.
    OpBrotli(u32),
    /// This rollup's [`Compression`] (brotli with a 2^24-byte window, zstd, zlib).
    Channel(Compression),
    /// zstd with the trained dictionary.
    ZstdDictionary(Box<zstd::bulk::Compressor<'static>>),
}

impl Codec {
    fn compress(&mut self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::OpBrotli(level) => {
                let params = brotli::enc::BrotliEncoderParams {
                    quality: *level as i32,
                    lgwin: OP_BROTLI_WINDOW_BITS,
                    size_hint: data.len(),
                    ..Default::default()
                };
                let mut out = vec![Algorithm::Brotli as u8];
                brotli::BrotliCompress(&mut &data[..], &mut out, &params).expect("writing to a Vec cannot fail");
                out
            }
            Self::Channel(compression) => compression.compress(data),
            Self::ZstdDictionary(compressor) => {
                let mut out = vec![Algorithm::Zstd as u8];
                out.extend_from_slice(&compressor.compress(data).expect("zstd compression"));
                out
            }
        }
    }

    fn decompress(&self, channel: &[u8], dictionary: &[u8]) -> Vec<u8> {
        match self {
            Self::OpBrotli(_) | Self::Channel(_) => Compression::decompress(channel).expect("decompresses"),
            Self::ZstdDictionary(_) => zstd::bulk::Decompressor::with_dictionary(dictionary)
                .and_then(|mut decompressor| decompressor.decompress(&channel[1..], MAX_CHANNEL_SIZE))
                .expect("decompresses"),
        }
    }
}

struct Candidate {
    name: String,
    encoding: Encoding,
    codec: Codec,
    compressed: u64,
    time: Duration,
}

/// The baseline first, then the candidates.
fn candidates(dictionary: &[u8]) -> Vec<Candidate> {
    let candidate =
        |name: String, encoding, codec| Candidate { name, encoding, codec, compressed: 0, time: Duration::ZERO };
    let ours = |setting: &str| Codec::Channel(setting.parse().expect("a valid setting"));
    let mut all = vec![
        candidate("OP baseline: RLP + brotli-10 (window 22)".into(), Encoding::OpRlp, Codec::OpBrotli(10)),
        candidate("RLP + zstd-19".into(), Encoding::OpRlp, ours("zstd-19")),
    ];
    for setting in ["brotli-9", "brotli-10", "brotli-11", "zstd-3", "zstd-9", "zstd-15", "zstd-19", "zlib-9"] {
        all.push(candidate(format!("columnar + {setting}"), Encoding::Columnar, ours(setting)));
    }
    for level in [3, 9, 15, 19] {
        let compressor = zstd::bulk::Compressor::with_dictionary(level, dictionary).expect("a valid dictionary");
        let codec = Codec::ZstdDictionary(Box::new(compressor));
        all.push(candidate(format!("columnar + zstd-{level} + dictionary"), Encoding::Columnar, codec));
    }
    all
}

fn report(candidates: &[Candidate], stats: &Totals) {
    let ratio = |candidate: &Candidate| stats.raw as f64 / candidate.compressed as f64;
    let speed = |candidate: &Candidate| mb(stats.raw) / candidate.time.as_secs_f64();
    let baseline = &candidates[0];
    println!("| candidate | compressed MB | ratio | ratio vs baseline | MB/s | MB/s vs baseline | bytes/tx |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for candidate in candidates {
        println!(
            "| {} | {:.2} | {:.3} | {:.3}x | {:.2} | {:.2}x | {:.1} |",
            candidate.name,
            mb(candidate.compressed),
            ratio(candidate),
            ratio(candidate) / ratio(baseline),
            speed(candidate),
            speed(candidate) / speed(baseline),
            candidate.compressed as f64 / stats.txs as f64,
        );
    }
    // The target of issue #5: a better ratio than the baseline at no less than its throughput.
    let best = |eligible: &dyn Fn(&Candidate) -> bool| {
        candidates[1..]
            .iter()
            .filter(|candidate| eligible(candidate) && speed(candidate) >= speed(baseline))
            .filter(|candidate| ratio(candidate) > ratio(baseline))
            .max_by(|a, b| ratio(a).total_cmp(&ratio(b)))
            .map_or("none", |candidate| candidate.name.as_str())
    };
    println!("\nbest ratio at no less than the baseline's throughput: {}", best(&|_| true));
    let setting = |candidate: &Candidate| matches!(candidate.codec, Codec::Channel(_));
    println!("the same among `Compression` settings (no dictionary): {}", best(&setting));
}

/// Names of the sections of [`Batch::encode`], in order (see `core/src/batch/codec.rs`).
const SECTIONS: [&str; 15] = [
    "timestamps",
    "origins",
    "tx counts",
    "types",
    "nonces",
    "gas limits",
    "fees",
    "recipients",
    "values",
    "input lengths",
    "inputs",
    "access/auth lists",
    "parities",
    "signature r",
    "signature s",
];

/// Splits each channel's columnar encoding into its sections, compresses each section alone
/// and prints where the bytes go.
fn columns<'a>(channels: impl Iterator<Item = &'a Channel>, chain_id: u64, compression: Compression) {
    let mut raw = [0u64; SECTIONS.len()];
    let mut compressed = [0u64; SECTIONS.len()];
    let (mut whole, mut txs) = (0u64, 0u64);
    for channel in channels {
        let encoded = Encoding::Columnar.encode(channel, chain_id);
        let Some(sections) = sections(&encoded) else {
            println!("(the encoding no longer has the {} sections this breakdown knows; skipped)", SECTIONS.len());
            return;
        };
        for (index, section) in sections.iter().enumerate() {
            raw[index] += section.len() as u64;
            compressed[index] += compression.compress(section).len() as u64 - 1;
        }
        whole += compression.compress(&encoded).len() as u64;
        txs += channel.txs;
    }
    let total: u64 = compressed.iter().sum();
    let per_tx = |bytes: u64| bytes as f64 / txs as f64;
    println!("| column | raw bytes/tx | compressed bytes/tx | share of compressed |");
    println!("| --- | ---: | ---: | ---: |");
    for (index, name) in SECTIONS.iter().enumerate() {
        let share = 100.0 * compressed[index] as f64 / total as f64;
        println!("| {name} | {:.2} | {:.2} | {share:.1}% |", per_tx(raw[index]), per_tx(compressed[index]));
    }
    let raw_total = raw.iter().sum();
    println!("| all columns, each alone | {:.2} | {:.2} | 100% |", per_tx(raw_total), per_tx(total));
    println!("| the whole encoding at once | | {:.2} | |", per_tx(whole));
}

/// The sections of a columnar encoding, or `None` if its layout is not the one [`SECTIONS`]
/// describes.
fn sections(encoded: &[u8]) -> Option<Vec<&[u8]>> {
    fn varint(bytes: &mut &[u8]) -> Option<usize> {
        let mut value = 0usize;
        for shift in (0..63).step_by(7) {
            let (&byte, rest) = bytes.split_first()?;
            *bytes = rest;
            value |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
    let mut bytes = encoded.get(1..)?;
    varint(&mut bytes)?; // first block
    bytes = bytes.get(32..)?; // parent hash
    varint(&mut bytes)?; // block count
    let mut sections = Vec::with_capacity(SECTIONS.len());
    for _ in SECTIONS {
        let len = varint(&mut bytes)?;
        sections.push(bytes.get(..len)?);
        bytes = &bytes[len..];
    }
    bytes.is_empty().then_some(sections)
}
