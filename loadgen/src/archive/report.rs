//! The archive benchmark's Markdown report.

use super::{
    build::Built,
    query::{Method, Timings},
    size::{Group, Sizes},
};
use crate::stats::percentile;
use std::{fmt::Write as _, time::Duration};

/// Bytes in a MiB.
const MIB: f64 = (1 << 20) as f64;

/// Growth of the database over some blocks.
#[derive(Debug, Default, Clone, Copy)]
struct Growth {
    /// Blocks.
    blocks: u64,
    /// Transactions in them.
    txs: u64,
    /// Time taken to build them.
    time: Duration,
    /// Bytes of the files.
    file: i64,
    /// Bytes of the pages in use.
    used: i64,
    /// Bytes of `trie_nodes`.
    trie: i64,
    /// Bytes of the history tables.
    history: i64,
    /// Bytes of blocks, transactions (receipts) and logs.
    chain: i64,
    /// Rows of `trie_nodes`.
    trie_rows: i64,
    /// Rows of the history tables.
    history_rows: i64,
}

impl Growth {
    /// The growth from `before` to `after`.
    fn between(before: &Sizes, after: &Sizes) -> Self {
        let d = |f: &dyn Fn(&Sizes) -> u64| f(after) as i64 - f(before) as i64;
        Self {
            file: d(&|s| s.file),
            used: d(&|s| s.used()),
            trie: d(&|s| s.bytes(Group::Trie)),
            history: d(&|s| s.bytes(Group::History)),
            chain: d(&|s| s.bytes(Group::Chain)),
            trie_rows: d(&|s| s.rows(Group::Trie)),
            history_rows: d(&|s| s.rows(Group::History)),
            ..Self::default()
        }
    }

    /// Sum of two growths.
    fn add(self, o: Self) -> Self {
        Self {
            blocks: self.blocks + o.blocks,
            txs: self.txs + o.txs,
            time: self.time + o.time,
            file: self.file + o.file,
            used: self.used + o.used,
            trie: self.trie + o.trie,
            history: self.history + o.history,
            chain: self.chain + o.chain,
            trie_rows: self.trie_rows + o.trie_rows,
            history_rows: self.history_rows + o.history_rows,
        }
    }

    /// `value` per 1,000 blocks.
    fn per_k(&self, value: i64) -> f64 {
        value as f64 * 1000.0 / self.blocks.max(1) as f64
    }
}

/// The whole report: build, growth per 1,000 blocks, sizes at checkpoints, tables at the end,
/// query latencies.
pub(crate) fn markdown(built: &Built, build_time: Duration, timings: &[Timings]) -> String {
    let mut out = String::new();
    let mut by_workload: Vec<(&str, Growth)> = Vec::new();
    let mut before = &built.start;
    let mut segments = Vec::new();
    for segment in &built.segments {
        let mut growth = Growth::between(before, &segment.sizes);
        growth.blocks = segment.to - segment.from;
        growth.txs = segment.txs;
        growth.time = segment.time;
        before = &segment.sizes;
        segments.push((segment, growth));
        match by_workload.iter_mut().find(|(name, _)| *name == segment.workload.name()) {
            Some((_, total)) => *total = total.add(growth),
            None => by_workload.push((segment.workload.name(), growth)),
        }
    }
    let all = by_workload.iter().fold(Growth::default(), |total, (_, g)| total.add(*g));

    let _ = writeln!(
        out,
        "Built {} blocks in {:.0} s ({:.0} blocks/s, {:.1} tx/block); setup (funding, token) took blocks 1..={}.\n",
        all.blocks,
        build_time.as_secs_f64(),
        all.blocks as f64 / build_time.as_secs_f64(),
        all.txs as f64 / all.blocks.max(1) as f64,
        built.setup_head,
    );
    out.push_str(
        "Growth per 1,000 blocks (KiB; history = account_history + storage_history + storage_resets, \
         chain = blocks + transactions with receipts + logs):\n\n\
         | workload | blocks | tx/block | blocks/s | file | pages used | trie_nodes | history | chain | trie share | trie/history | trie rows | history rows |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for (name, g) in by_workload.iter().chain([("all", all)].iter()) {
        let kib = |v: i64| g.per_k(v) / 1024.0;
        let _ = writeln!(
            out,
            "| {name} | {} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} % | {:.2} | {:.0} | {:.0} |",
            g.blocks,
            g.txs as f64 / g.blocks.max(1) as f64,
            g.blocks as f64 / g.time.as_secs_f64().max(1e-9),
            kib(g.file),
            kib(g.used),
            kib(g.trie),
            kib(g.history),
            kib(g.chain),
            100.0 * g.trie as f64 / g.used.max(1) as f64,
            g.trie as f64 / g.history.max(1) as f64,
            g.per_k(g.trie_rows),
            g.per_k(g.history_rows),
        );
    }

    out.push_str(
        "\nGrowth per 1,000 blocks by segment (KiB):\n\n\
         | blocks | built with | tx/block | blocks/s | pages used | trie_nodes | history | chain |\n\
         |---|---|--:|--:|--:|--:|--:|--:|\n",
    );
    for (segment, g) in &segments {
        let kib = |v: i64| g.per_k(v) / 1024.0;
        let _ = writeln!(
            out,
            "| {}..={} | {} | {:.2} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} |",
            segment.from + 1,
            segment.to,
            segment.workload.name(),
            g.txs as f64 / g.blocks.max(1) as f64,
            g.blocks as f64 / g.time.as_secs_f64().max(1e-9),
            kib(g.used),
            kib(g.trie),
            kib(g.history),
            kib(g.chain),
        );
    }

    out.push_str(
        "\nDatabase at each checkpoint (MiB; share of the pages in use):\n\n\
         | block | built with | file | pages used | trie_nodes | history | chain | trie rows | history rows |\n\
         |--:|---|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    let rows = std::iter::once((built.setup_head, "setup", &built.start))
        .chain(built.segments.iter().map(|s| (s.to, s.workload.name(), &s.sizes)));
    for (block, workload, sizes) in rows {
        let used = sizes.used().max(1) as f64;
        let part = |group| {
            let bytes = sizes.bytes(group) as f64;
            format!("{:.1} ({:.0} %)", bytes / MIB, 100.0 * bytes / used)
        };
        let _ = writeln!(
            out,
            "| {block} | {workload} | {:.1} | {:.1} | {} | {} | {} | {} | {} |",
            sizes.file as f64 / MIB,
            used / MIB,
            part(Group::Trie),
            part(Group::History),
            part(Group::Chain),
            sizes.rows(Group::Trie),
            sizes.rows(Group::History),
        );
    }

    let end = built.segments.last().map_or(&built.start, |s| &s.sizes);
    out.push_str("\nTables at the end (with their indexes):\n\n| table | MiB | rows | share |\n|---|--:|--:|--:|\n");
    let total = end.tables.iter().map(|(_, bytes, _)| *bytes).sum::<u64>().max(1) as f64;
    for (name, bytes, rows) in &end.tables {
        let _ =
            writeln!(out, "| {name} | {:.1} | {rows} | {:.1} % |", *bytes as f64 / MIB, 100.0 * *bytes as f64 / total);
    }

    out.push_str(
        "\nState reads (ms; old = uniformly random block, latest = `latest`, interleaved in one run):\n\n\
         | method | block | queries | errors | p50 | p99 | mean | p50 old/latest | p99 old/latest | mean old/latest |\n\
         |---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mean = |t: &Timings| ms(t.latencies.iter().sum::<Duration>()) / t.latencies.len().max(1) as f64;
    for method in Method::ALL {
        let find = |old| timings.iter().find(|t| t.method == method && t.old == old);
        let (Some(old), Some(latest)) = (find(true), find(false)) else { continue };
        for t in [old, latest] {
            let ratio = |f: &dyn Fn(&Timings) -> f64| {
                if t.old { format!("{:.2}", f(old) / f(latest).max(1e-9)) } else { String::new() }
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {} | {} | {} |",
                method.name(),
                if t.old { "old" } else { "latest" },
                t.latencies.len(),
                t.errors.len(),
                ms(percentile(&t.latencies, 0.50)),
                ms(percentile(&t.latencies, 0.99)),
                mean(t),
                ratio(&|t| ms(percentile(&t.latencies, 0.50))),
                ratio(&|t| ms(percentile(&t.latencies, 0.99))),
                ratio(&mean),
            );
        }
    }

    for t in timings {
        if let Some(first) = t.errors.first() {
            let kind = if t.old { "old blocks" } else { "latest" };
            let _ = writeln!(out, "\nNote: {} at {kind}: {} errors; first: {first}", t.method.name(), t.errors.len());
        }
    }
    for s in &built.segments {
        if let Some(first) = s.errors.first() {
            let _ = writeln!(
                out,
                "\nNote: blocks {}..={} ({}): {} sends rejected; first: {first}",
                s.from,
                s.to,
                s.workload.name(),
                s.errors.len()
            );
        }
    }
    out
}
