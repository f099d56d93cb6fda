//! Prometheus metrics of the batcher and proposer, served on `/metrics`.

use prometheus::{Histogram, IntCounter, IntCounterVec, IntGauge};
use telemetry::MetricRegistry;

/// Everything an operator watches about batching and proposing.
#[derive(Clone, Debug)]
pub struct BatcherMetrics {
    /// The registry holding them.
    pub registry: MetricRegistry,
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
        let m = MetricRegistry::new(None);
        Self {
            pending_blocks: m.gauge("batcher_pending_blocks", "L2 blocks not yet in a channel"),
            pending_bytes: m.gauge("batcher_pending_bytes", "Transaction bytes of L2 blocks not yet in a channel"),
            channel_bytes: m.histogram(
                "batcher_channel_bytes",
                "Compressed size of each channel",
                prometheus::exponential_buckets(1024.0, 4.0, 8).expect("valid buckets"),
            ),
            compression_ratio_percent: m.gauge(
                "batcher_compression_ratio_percent",
                "Encoded size over compressed size of the last channel, in percent",
            ),
            frames_posted: m.counter_vec(
                "batcher_frames_posted_total",
                "Frames posted, by medium",
                "medium",
                &["calldata", "blob"],
            ),
            l1_fees_gwei: m.counter("batcher_l1_fees_gwei_total", "L1 fees paid by confirmed transactions, in gwei"),
            in_flight: m.gauge("batcher_in_flight_txs", "Unconfirmed L1 transactions"),
            fee_bumps: m.counter("batcher_fee_bumps_total", "Transactions re-signed with higher fees"),
            reorged: m.counter("batcher_reorged_txs_total", "Transactions broadcast again after an L1 reorg"),
            unfunded: m.gauge("batcher_unfunded", "1 while L1 refuses the batcher's transactions for lack of funds"),
            last_posted_block: m.gauge("batcher_last_posted_l2_block", "Last L2 block with all its frames sent"),
            last_confirmed_block: m.gauge("batcher_last_confirmed_l2_block", "Last L2 block confirmed on L1"),
            proposals: m.counter("proposer_outputs_proposed_total", "Output proposals sent"),
            last_proposed_block: m.gauge("proposer_last_output_l2_block", "L2 block of the last confirmed output"),
            registry: m,
        }
    }

    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        self.registry.render()
    }
}

impl Default for BatcherMetrics {
    fn default() -> Self {
        Self::new()
    }
}
