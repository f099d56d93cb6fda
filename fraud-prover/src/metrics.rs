//! Prometheus metrics of the verifier, served on `/metrics`.

use prometheus::{IntCounter, IntCounterVec, IntGauge};
use rollup_derive::DropReason;
use telemetry::MetricRegistry;

/// What an operator watches about verification.
#[derive(Clone, Debug)]
pub struct VerifierMetrics {
    /// The registry holding them.
    pub registry: MetricRegistry,
    /// Last L1 block derived.
    pub l1_block: IntGauge,
    /// Derived (safe) L2 head.
    pub safe_head: IntGauge,
    /// L2 head derived from finalized L1 blocks.
    pub finalized_head: IntGauge,
    /// Outputs compared, by verdict (`agree`, `disagree`).
    pub outputs_checked: IntCounterVec,
    /// Outputs on L1 whose root differs from the derived one.
    pub dispute_candidates: IntGauge,
    /// Index of the last output compared.
    pub last_checked_output: IntGauge,
    /// L1 data dropped by derivation, by rule.
    pub drops: IntCounterVec,
    /// L1 reorganisations that sent derivation back to genesis.
    pub reorgs: IntCounter,
    /// Blocks derived without the sequencer because the sequencing window ran out.
    pub forced_blocks: IntCounter,
}

impl VerifierMetrics {
    /// Creates and registers the metrics.
    pub fn new() -> Self {
        let m = MetricRegistry::new(None);
        Self {
            l1_block: m.gauge("verifier_l1_block", "Last L1 block derived"),
            safe_head: m.gauge("verifier_safe_head", "L2 head derived from L1"),
            finalized_head: m.gauge("verifier_finalized_head", "L2 head derived from finalized L1 blocks"),
            outputs_checked: m.counter_vec(
                "verifier_outputs_checked_total",
                "Outputs compared, by verdict",
                "verdict",
                &["agree", "disagree"],
            ),
            dispute_candidates: m
                .gauge("verifier_dispute_candidates", "Outputs on L1 that differ from the derived root"),
            last_checked_output: m.gauge("verifier_last_checked_output", "Index of the last output compared"),
            drops: m.counter_vec(
                "verifier_derivation_drops_total",
                "L1 data dropped by derivation, by rule",
                "rule",
                &DropReason::KINDS,
            ),
            reorgs: m.counter("verifier_l1_reorgs_total", "L1 reorganisations that restarted derivation"),
            forced_blocks: m.counter(
                "verifier_forced_blocks_total",
                "Blocks derived without the sequencer because the sequencing window ran out",
            ),
            registry: m,
        }
    }

    /// The metrics in Prometheus' text format.
    pub fn render(&self) -> String {
        self.registry.render()
    }
}

impl Default for VerifierMetrics {
    fn default() -> Self {
        Self::new()
    }
}
