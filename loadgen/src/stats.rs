//! Results of one run and the Markdown report.

use std::{fmt::Write as _, time::Duration};

/// What one workload against one node measured.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Workload name.
    pub(crate) workload: &'static str,
    /// Node name.
    pub(crate) target: &'static str,
    /// Transactions sent (`eth_sendRawTransaction` requests made).
    pub(crate) sent: usize,
    /// Error messages of rejected sends.
    pub(crate) errors: Vec<String>,
    /// Transactions of the load included in blocks (from the senders' nonces).
    pub(crate) included: u64,
    /// Blocks produced during the run.
    pub(crate) blocks: u64,
    /// Transactions in those blocks (should equal `included`).
    pub(crate) block_txs: u64,
    /// Gas used by those blocks.
    pub(crate) gas_used: u64,
    /// From the first send until every send returned.
    pub(crate) send_time: Duration,
    /// From the first send until the last transaction was seen included.
    pub(crate) total_time: Duration,
    /// Round-trip time of every `eth_sendRawTransaction`.
    pub(crate) latencies: Vec<Duration>,
    /// The run hit its time limit before everything was included.
    pub(crate) timed_out: bool,
}

impl Outcome {
    /// Sustained throughput: included transactions per second, first send to last inclusion.
    pub(crate) fn tx_per_s(&self) -> f64 {
        self.included as f64 / self.total_time.as_secs_f64()
    }

    /// Gas per second over the same interval.
    pub(crate) fn gas_per_s(&self) -> f64 {
        self.gas_used as f64 / self.total_time.as_secs_f64()
    }

    /// Rate at which sends were acknowledged.
    fn accepted_per_s(&self) -> f64 {
        (self.sent - self.errors.len()) as f64 / self.send_time.as_secs_f64()
    }

    /// Send latency at quantile `q` (0..=1), nearest rank, in milliseconds.
    fn latency_ms(&self, q: f64) -> f64 {
        percentile(&self.latencies, q).as_secs_f64() * 1e3
    }
}

/// The value at quantile `q` (nearest rank) of `samples`; zero when empty.
fn percentile(samples: &[Duration], q: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied().unwrap_or_default()
}

/// The results as Markdown: one row per run, then the sequencer/Anvil ratios per workload,
/// then any errors.
pub(crate) fn markdown(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    out.push_str(
        "| workload | target | included | blocks | tx/s | Mgas/s | p50 ms | p99 ms | accepted tx/s | errors |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for o in outcomes {
        let flag = if o.timed_out { " (time limit)" } else { "" };
        let _ = writeln!(
            out,
            "| {} | {} | {}/{}{flag} | {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.0} | {} |",
            o.workload,
            o.target,
            o.included,
            o.sent,
            o.blocks,
            o.tx_per_s(),
            o.gas_per_s() / 1e6,
            o.latency_ms(0.50),
            o.latency_ms(0.99),
            o.accepted_per_s(),
            o.errors.len(),
        );
    }
    out.push_str("\n| workload | tx/s sequencer/anvil | gas/s sequencer/anvil |\n|---|--:|--:|\n");
    let mut workloads: Vec<&str> = outcomes.iter().map(|o| o.workload).collect();
    workloads.dedup();
    for workload in workloads {
        let find = |target| outcomes.iter().find(|o| o.workload == workload && o.target == target);
        if let (Some(seq), Some(anvil)) = (find("sequencer"), find("anvil")) {
            let _ = writeln!(
                out,
                "| {workload} | {:.2} | {:.2} |",
                seq.tx_per_s() / anvil.tx_per_s(),
                seq.gas_per_s() / anvil.gas_per_s(),
            );
        }
    }
    for o in outcomes {
        if o.block_txs != o.included {
            let _ = writeln!(
                out,
                "\nNote: {} / {}: blocks hold {} transactions, the senders' nonces say {} included.",
                o.workload, o.target, o.block_txs, o.included
            );
        }
        if let Some(first) = o.errors.first() {
            let _ = writeln!(
                out,
                "\nNote: {} / {}: {} sends failed; first error: {first}",
                o.workload,
                o.target,
                o.errors.len()
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        assert_eq!(percentile(&samples, 0.50), Duration::from_millis(50));
        assert_eq!(percentile(&samples, 0.99), Duration::from_millis(99));
        assert_eq!(percentile(&samples, 1.0), Duration::from_millis(100));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }
}
