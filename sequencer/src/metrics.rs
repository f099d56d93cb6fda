//! Prometheus metrics of the sequencer, served on `/metrics`.

use prometheus::{Histogram, HistogramVec, IntCounter, IntGauge};
use telemetry::MetricRegistry;

/// Every metric the sequencer exports, registered in one registry.
#[derive(Clone, Debug)]
pub struct Metrics {
    registry: MetricRegistry,
    /// Latest sealed L2 block.
    pub head: IntGauge,
    /// Transactions included in blocks.
    pub txs_included: IntCounter,
    /// Gas used by included transactions.
    pub gas_used: IntCounter,
    /// Executable transactions in the pool.
    pub pool_pending: IntGauge,
    /// Transactions held back by a nonce gap.
    pub pool_queued: IntGauge,
    /// Transactions refused by the pool.
    pub txs_rejected: IntCounter,
    /// Time to build, execute and commit a block.
    pub block_build_seconds: Histogram,
    /// Transactions per block.
    pub block_txs: Histogram,
    /// Number of the head block's L1 origin.
    pub l1_origin: IntGauge,
    /// Deposit transactions included in blocks.
    pub deposits_included: IntCounter,
    /// Last block derived from L1 that matches the sealed one (the `safe` tag).
    pub safe_head: IntGauge,
    /// Safe head as of L1's finalized block (the `finalized` tag).
    pub finalized_head: IntGauge,
    /// Failed polls of L1 (unreachable or erroring node).
    pub l1_poll_errors: IntCounter,
    /// JSON-RPC latency per method.
    pub rpc_seconds: HistogramVec,
    /// The oldest block whose state is kept.
    pub state_floor: IntGauge,
    /// History rows and trie nodes removed by state pruning.
    pub state_pruned: IntCounter,
    /// Filters installed with `eth_new*Filter` and not yet removed or expired.
    pub rpc_filters: IntGauge,
    /// `eth_sendRawTransactionSync` calls that timed out before the transaction was included.
    pub send_sync_timeouts: IntCounter,
}

impl Metrics {
    /// Creates and registers the metrics.
    pub fn new() -> Self {
        let m = MetricRegistry::new(Some("rollup_sequencer"));
        Self {
            head: m.gauge("head_block", "Number of the latest sealed L2 block"),
            txs_included: m.counter("transactions_included_total", "Transactions included in sealed blocks"),
            gas_used: m.counter("gas_used_total", "Gas used by sealed blocks"),
            pool_pending: m.gauge("pool_pending", "Executable transactions in the pool"),
            pool_queued: m.gauge("pool_queued", "Pool transactions waiting for a nonce gap to fill"),
            txs_rejected: m.counter("transactions_rejected_total", "Transactions refused by the pool"),
            block_build_seconds: m.histogram(
                "block_build_seconds",
                "Time to select, execute and commit a block",
                prometheus::exponential_buckets(0.0005, 2.0, 14).expect("valid buckets"),
            ),
            block_txs: m.histogram(
                "block_transactions",
                "Transactions per sealed block",
                prometheus::exponential_buckets(1.0, 2.0, 16).expect("valid buckets"),
            ),
            l1_origin: m.gauge("l1_origin", "Number of the L1 origin of the latest sealed L2 block"),
            safe_head: m.gauge("safe_head", "Last L2 block derived from L1 batches (the safe head)"),
            finalized_head: m.gauge("finalized_head", "L2 head derived from finalized L1 blocks"),
            deposits_included: m.counter(
                "deposits_included_total",
                "Deposits from L1 included in sealed blocks (not counting the L1 attributes deposits)",
            ),
            l1_poll_errors: m
                .counter("l1_poll_errors_total", "Polls of L1 that failed (the origin stays put meanwhile)"),
            rpc_seconds: m.histogram_vec(
                "rpc_request_seconds",
                "JSON-RPC request latency by method",
                prometheus::exponential_buckets(0.0001, 4.0, 9).expect("valid buckets"),
                "method",
            ),
            state_floor: m.gauge("state_floor_block", "Oldest block whose state is kept (--state-history)"),
            state_pruned: m.counter("state_pruned_total", "History rows and trie nodes removed by state pruning"),
            rpc_filters: m.gauge("rpc_filters_installed", "Filters installed with eth_new*Filter and not expired"),
            send_sync_timeouts: m.counter(
                "rpc_send_sync_timeouts_total",
                "eth_sendRawTransactionSync calls that returned before the transaction was included",
            ),
            registry: m,
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        self.registry.render()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
