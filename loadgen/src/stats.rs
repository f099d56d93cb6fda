//! Results of the runs and the Markdown report.

use std::{fmt::Write as _, time::Duration};

/// What one workload against one node measured (one round).
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
    /// Transactions in the blocks produced during the run (only the load sends).
    pub(crate) included: u64,
    /// Blocks produced during the run.
    pub(crate) blocks: u64,
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
    fn tx_per_s(&self) -> f64 {
        self.included as f64 / self.total_time.as_secs_f64()
    }

    /// Gas per second over the same interval.
    fn gas_per_s(&self) -> f64 {
        self.gas_used as f64 / self.total_time.as_secs_f64()
    }

    /// Rate at which sends were acknowledged.
    fn accepted_per_s(&self) -> f64 {
        (self.sent - self.errors.len()) as f64 / self.send_time.as_secs_f64()
    }
}

/// The rounds of one workload on one node, summarised.
#[derive(Debug)]
struct Summary {
    /// Median over rounds of the sustained tx/s.
    tx_per_s: f64,
    /// Sustained tx/s of each round, in order.
    tx_per_s_rounds: Vec<f64>,
    /// Median over rounds of gas/s.
    gas_per_s: f64,
    /// Median over rounds of the accepted tx/s.
    accepted_per_s: f64,
    /// Send latency percentiles over all rounds' sends, in milliseconds.
    p50_ms: f64,
    /// See `p50_ms`.
    p99_ms: f64,
}

impl Summary {
    /// Summarises `rounds` (not empty).
    fn of(rounds: &[&Outcome]) -> Self {
        let tx: Vec<f64> = rounds.iter().map(|o| o.tx_per_s()).collect();
        let latencies: Vec<Duration> = rounds.iter().flat_map(|o| o.latencies.iter().copied()).collect();
        let ms = |q| percentile(&latencies, q).as_secs_f64() * 1e3;
        Self {
            tx_per_s: median(&tx),
            tx_per_s_rounds: tx,
            gas_per_s: median(&rounds.iter().map(|o| o.gas_per_s()).collect::<Vec<_>>()),
            accepted_per_s: median(&rounds.iter().map(|o| o.accepted_per_s()).collect::<Vec<_>>()),
            p50_ms: ms(0.50),
            p99_ms: ms(0.99),
        }
    }
}

/// The median of `values` (mean of the middle two for an even count); zero when empty.
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// The value at quantile `q` (nearest rank) of `samples`; zero when empty.
pub(crate) fn percentile(samples: &[Duration], q: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len().max(1)) - 1).copied().unwrap_or_default()
}

/// The results as Markdown: one row per workload and node (medians over rounds), the
/// sequencer/Anvil ratios per workload, then anything odd.
pub(crate) fn markdown(outcomes: &[Outcome]) -> String {
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for o in outcomes {
        if !keys.contains(&(o.workload, o.target)) {
            keys.push((o.workload, o.target));
        }
    }
    let rounds_of = |(workload, target): (&str, &str)| -> Vec<&Outcome> {
        outcomes.iter().filter(|o| o.workload == workload && o.target == target).collect()
    };
    let mut out = String::from(
        "| workload | target | rounds | included | blocks | tx/s | tx/s by round | Mgas/s | p50 ms | p99 ms | accepted tx/s |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    let mut summaries = Vec::new();
    for key in &keys {
        let rounds = rounds_of(*key);
        let s = Summary::of(&rounds);
        let included: u64 = rounds.iter().map(|o| o.included).sum();
        let sent: usize = rounds.iter().map(|o| o.sent).sum();
        let blocks: u64 = rounds.iter().map(|o| o.blocks).sum();
        let by_round: Vec<String> = s.tx_per_s_rounds.iter().map(|t| format!("{t:.0}")).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {included}/{sent} | {blocks} | {:.0} | {} | {:.1} | {:.1} | {:.1} | {:.0} |",
            key.0,
            key.1,
            rounds.len(),
            s.tx_per_s,
            by_round.join(" / "),
            s.gas_per_s / 1e6,
            s.p50_ms,
            s.p99_ms,
            s.accepted_per_s,
        );
        summaries.push((*key, s));
    }
    out.push_str("\n| workload | tx/s sequencer/anvil | gas/s sequencer/anvil |\n|---|--:|--:|\n");
    let find = |key| summaries.iter().find(|(k, _)| *k == key).map(|(_, s)| s);
    let mut workloads: Vec<&str> = keys.iter().map(|k| k.0).collect();
    workloads.dedup();
    for workload in workloads {
        if let (Some(seq), Some(anvil)) = (find((workload, "sequencer")), find((workload, "anvil"))) {
            let _ = writeln!(
                out,
                "| {workload} | {:.2} | {:.2} |",
                seq.tx_per_s / anvil.tx_per_s,
                seq.gas_per_s / anvil.gas_per_s
            );
        }
    }
    for o in outcomes {
        let what = format!("{} on {}", o.workload, o.target);
        if o.timed_out {
            let _ = writeln!(out, "\nNote: {what} hit the time limit: {}/{} included.", o.included, o.sent);
        }
        if let Some(first) = o.errors.first() {
            let _ = writeln!(out, "\nNote: {what}: {} sends failed; first error: {first}", o.errors.len());
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

    #[test]
    fn medians() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&[]), 0.0);
    }
}
