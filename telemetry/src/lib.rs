//! The Prometheus registry every service builds its metrics in, and renders on `/metrics`.

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
    core::Collector,
};

/// A Prometheus registry whose constructors register what they create: every service builds
/// its metrics with it.
#[derive(Clone, Debug)]
pub struct MetricRegistry {
    registry: Registry,
}

impl MetricRegistry {
    /// An empty registry; with `prefix`, every metric's name starts with `prefix_`.
    pub fn new(prefix: Option<&str>) -> Self {
        let registry = Registry::new_custom(prefix.map(str::to_owned), None).expect("valid prefix");
        Self { registry }
    }

    fn register<M: Collector + Clone + 'static>(&self, metric: M) -> M {
        self.registry.register(Box::new(metric.clone())).expect("unique metric name");
        metric
    }

    /// A gauge.
    pub fn gauge(&self, name: &str, help: &str) -> IntGauge {
        self.register(IntGauge::new(name, help).expect("valid metric"))
    }

    /// A counter.
    pub fn counter(&self, name: &str, help: &str) -> IntCounter {
        self.register(IntCounter::new(name, help).expect("valid metric"))
    }

    /// Counters by one label, each of `known` values shown at zero until it first counts (a
    /// series that appears only once it is non-zero makes dashboards and `rate()` miss it).
    pub fn counter_vec(&self, name: &str, help: &str, label: &str, known: &[&str]) -> IntCounterVec {
        let counters = self.register(IntCounterVec::new(Opts::new(name, help), &[label]).expect("valid metric"));
        for value in known {
            counters.with_label_values(&[value]);
        }
        counters
    }

    /// A histogram with the given buckets.
    pub fn histogram(&self, name: &str, help: &str, buckets: Vec<f64>) -> Histogram {
        self.register(Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets)).expect("valid metric"))
    }

    /// Histograms by one label.
    pub fn histogram_vec(&self, name: &str, help: &str, buckets: Vec<f64>, label: &str) -> HistogramVec {
        let opts = HistogramOpts::new(name, help).buckets(buckets);
        self.register(HistogramVec::new(opts, &[label]).expect("valid metric"))
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out).expect("text encoding cannot fail");
        String::from_utf8(out).expect("prometheus text is UTF-8")
    }
}
