//! Prometheus metrics of the sequencer, served on `/metrics`.

use prometheus::{Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntGauge, Opts, Registry, TextEncoder};

/// Every metric the sequencer exports, registered in one registry.
#[derive(Clone, Debug)]
pub struct Metrics {
    registry: Registry,
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
    /// JSON-RPC latency per method.
    pub rpc_seconds: HistogramVec,
}

impl Metrics {
    /// Creates and registers the metrics.
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("rollup_sequencer".into()), None).expect("valid prefix");
        let gauge = |name: &str, help: &str| {
            let metric = IntGauge::new(name, help).expect("valid metric");
            registry.register(Box::new(metric.clone())).expect("unique metric");
            metric
        };
        let counter = |name: &str, help: &str| {
            let metric = IntCounter::new(name, help).expect("valid metric");
            registry.register(Box::new(metric.clone())).expect("unique metric");
            metric
        };
        let histogram = |name: &str, help: &str, buckets: Vec<f64>| {
            let metric = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets)).expect("valid metric");
            registry.register(Box::new(metric.clone())).expect("unique metric");
            metric
        };
        let rpc_seconds = HistogramVec::new(
            HistogramOpts::from(Opts::new("rpc_request_seconds", "JSON-RPC request latency by method"))
                .buckets(prometheus::exponential_buckets(0.0001, 4.0, 9).expect("valid buckets")),
            &["method"],
        )
        .expect("valid metric");
        registry.register(Box::new(rpc_seconds.clone())).expect("unique metric");
        Self {
            head: gauge("head_block", "Number of the latest sealed L2 block"),
            txs_included: counter("transactions_included_total", "Transactions included in sealed blocks"),
            gas_used: counter("gas_used_total", "Gas used by sealed blocks"),
            pool_pending: gauge("pool_pending", "Executable transactions in the pool"),
            pool_queued: gauge("pool_queued", "Pool transactions waiting for a nonce gap to fill"),
            txs_rejected: counter("transactions_rejected_total", "Transactions refused by the pool"),
            block_build_seconds: histogram(
                "block_build_seconds",
                "Time to select, execute and commit a block",
                prometheus::exponential_buckets(0.0005, 2.0, 14).expect("valid buckets"),
            ),
            block_txs: histogram(
                "block_transactions",
                "Transactions per sealed block",
                prometheus::exponential_buckets(1.0, 2.0, 16).expect("valid buckets"),
            ),
            rpc_seconds,
            registry,
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out).expect("text encoding cannot fail");
        String::from_utf8(out).expect("prometheus text is UTF-8")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
