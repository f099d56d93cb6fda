//! Prometheus metrics of the batcher and proposer, served on `/metrics`.

use prometheus::{Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry};

/// Everything an operator watches about batching and proposing.
#[derive(Clone, Debug)]
pub struct BatcherMetrics {
    /// The registry holding them.
    pub registry: Registry,
    /// L2 blocks sealed but not in a channel yet.
    pub pending_blocks: IntGauge,
    /// Transaction bytes of those blocks.
    pub pending_bytes: IntGauge,
    /// Compressed channel sizes.
    pub channel_bytes: Histogram,
    /// Encoded / compressed size of the last channel, in percent.
    pub compression_ratio_percent: IntGauge,
    /// Frames posted, by medium (`calldata`, `blob`).
    pub frames_posted: IntCounterVec,
    /// L1 fees paid by confirmed transactions, in gwei.
    pub l1_fees_gwei: IntCounter,
    /// Unconfirmed L1 transactions.
    pub in_flight: IntGauge,
    /// Transactions re-signed with higher fees.
    pub fee_bumps: IntCounter,
    /// Transactions broadcast again after an L1 reorg dropped them.
    pub reorged: IntCounter,
    /// 1 while the L1 node refuses transactions for lack of funds.
    pub unfunded: IntGauge,
    /// Last L2 block whose channel has all frames sent.
    pub last_posted_block: IntGauge,
    /// Last L2 block whose channel has all frames confirmed.
    pub last_confirmed_block: IntGauge,
    /// Output proposals sent.
    pub proposals: IntCounter,
    /// L2 block of the last confirmed output proposal.
    pub last_proposed_block: IntGauge,
}

impl BatcherMetrics {
    /// Creates and registers the metrics.
    pub fn new() -> Self {
        let registry = Registry::new();
        let gauge = |name: &str, help: &str| {
            let gauge = IntGauge::new(name, help).expect("valid metric");
            registry.register(Box::new(gauge.clone())).expect("unique metric");
            gauge
        };
        let counter = |name: &str, help: &str| {
            let counter = IntCounter::new(name, help).expect("valid metric");
            registry.register(Box::new(counter.clone())).expect("unique metric");
            counter
        };
        let channel_bytes = Histogram::with_opts(
            HistogramOpts::new("batcher_channel_bytes", "Compressed size of each channel")
                .buckets(prometheus::exponential_buckets(1024.0, 4.0, 8).expect("valid buckets")),
        )
        .expect("valid metric");
        registry.register(Box::new(channel_bytes.clone())).expect("unique metric");
        let frames_posted =
            IntCounterVec::new(Opts::new("batcher_frames_posted_total", "Frames posted, by medium"), &["medium"])
                .expect("valid metric");
        registry.register(Box::new(frames_posted.clone())).expect("unique metric");
        Self {
            pending_blocks: gauge("batcher_pending_blocks", "L2 blocks not yet in a channel"),
            pending_bytes: gauge("batcher_pending_bytes", "Transaction bytes of L2 blocks not yet in a channel"),
            channel_bytes,
            compression_ratio_percent: gauge(
                "batcher_compression_ratio_percent",
                "Encoded size over compressed size of the last channel, in percent",
            ),
            frames_posted,
            l1_fees_gwei: counter("batcher_l1_fees_gwei_total", "L1 fees paid by confirmed transactions, in gwei"),
            in_flight: gauge("batcher_in_flight_txs", "Unconfirmed L1 transactions"),
            fee_bumps: counter("batcher_fee_bumps_total", "Transactions re-signed with higher fees"),
            reorged: counter("batcher_reorged_txs_total", "Transactions broadcast again after an L1 reorg"),
            unfunded: gauge("batcher_unfunded", "1 while L1 refuses the batcher's transactions for lack of funds"),
            last_posted_block: gauge("batcher_last_posted_l2_block", "Last L2 block with all its frames sent"),
            last_confirmed_block: gauge("batcher_last_confirmed_l2_block", "Last L2 block confirmed on L1"),
            proposals: counter("proposer_outputs_proposed_total", "Output proposals sent"),
            last_proposed_block: gauge("proposer_last_output_l2_block", "L2 block of the last confirmed output"),
            registry,
        }
    }

    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        prometheus::TextEncoder::new().encode_to_string(&self.registry.gather()).unwrap_or_default()
    }
}

impl Default for BatcherMetrics {
    fn default() -> Self {
        Self::new()
    }
}
