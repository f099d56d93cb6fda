//! Which engine runs a block that the sender groups did not take: Block-STM, or the
//! sequential executor where Block-STM has lately been the slower of the two.
//!
//! Block-STM's bookkeeping (the multi-version memory, the scheduler, validation, the change-set
//! pass) costs more per transaction than a sequential run, and few threads may not win it
//! back: on two threads it ran blocks of plain transfers at about half the sequential speed.
//! So each engine's recent time per unit of gas on such blocks is kept, the next block goes to
//! the faster one, and every [`PROBE_EVERY`]th block to the other, so that its figure follows
//! the workload. Either engine gives the same result; only the time differs.

use std::time::Duration;

/// An engine for a block the sender groups did not take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Engine {
    BlockStm,
    Sequential,
}

/// Every this many blocks, the engine that has been slower runs one.
const PROBE_EVERY: u32 = 16;

/// Each engine's recent nanoseconds per unit of gas: a moving average in which each new block
/// counts half (so that two probes of an engine that became the faster are enough to turn to it).
#[derive(Debug, Default)]
pub(crate) struct Fallback {
    block_stm: Option<f64>,
    sequential: Option<f64>,
    /// Blocks since the slower engine last ran one.
    since_probe: u32,
}

impl Fallback {
    /// The engine for the next block: each runs one first, then the faster, except every
    /// [`PROBE_EVERY`]th block.
    pub(crate) fn pick(&mut self) -> Engine {
        let (Some(block_stm), Some(sequential)) = (self.block_stm, self.sequential) else {
            return if self.block_stm.is_none() { Engine::BlockStm } else { Engine::Sequential };
        };
        let (faster, slower) = if block_stm <= sequential {
            (Engine::BlockStm, Engine::Sequential)
        } else {
            (Engine::Sequential, Engine::BlockStm)
        };
        self.since_probe += 1;
        if self.since_probe < PROBE_EVERY {
            return faster;
        }
        self.since_probe = 0;
        slower
    }

    /// Records that `engine` took `elapsed` for a block of `gas` gas.
    pub(crate) fn record(&mut self, engine: Engine, elapsed: Duration, gas: u64) {
        if gas == 0 {
            return;
        }
        let cost = elapsed.as_nanos() as f64 / gas as f64;
        let average = match engine {
            Engine::BlockStm => &mut self.block_stm,
            Engine::Sequential => &mut self.sequential,
        };
        *average = Some(average.map_or(cost, |average| (average + cost) / 2.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GAS: u64 = 1_000_000;

    /// The next `count` picks, each block taking `block_stm` or `sequential` milliseconds.
    fn run(fallback: &mut Fallback, count: usize, block_stm: u64, sequential: u64) -> Vec<Engine> {
        (0..count)
            .map(|_| {
                let engine = fallback.pick();
                let millis = if engine == Engine::BlockStm { block_stm } else { sequential };
                fallback.record(engine, Duration::from_millis(millis), GAS);
                engine
            })
            .collect()
    }

    /// Each engine runs a block first; then the faster runs all but every 16th block, which
    /// the slower runs.
    #[test]
    fn the_faster_engine_runs_all_but_the_probes() {
        let mut fallback = Fallback::default();
        let picks = run(&mut fallback, 2 + 3 * PROBE_EVERY as usize, 20, 10);
        assert_eq!(picks[..2], [Engine::BlockStm, Engine::Sequential]);
        let probes: Vec<usize> = (2..picks.len()).filter(|index| picks[*index] == Engine::BlockStm).collect();
        let every = PROBE_EVERY as usize;
        assert_eq!(probes, [1 + every, 1 + 2 * every, 1 + 3 * every]);
    }

    /// When the slower engine becomes the faster, its second probe shows it and it takes over:
    /// from then on the other runs only the probes.
    #[test]
    fn probes_follow_a_change_of_workload() {
        let mut fallback = Fallback::default();
        run(&mut fallback, 40, 20, 10);
        let every = PROBE_EVERY as usize;
        let picks = run(&mut fallback, 3 * every, 5, 10);
        let sequential = |picks: &[Engine]| picks.iter().filter(|engine| **engine == Engine::Sequential).count();
        assert!(sequential(&picks[..2 * every]) >= every, "{picks:?}");
        assert_eq!(sequential(&picks[2 * every..]), 1, "{picks:?}");
    }

    /// Blocks without gas say nothing about speed.
    #[test]
    fn blocks_without_gas_are_not_recorded() {
        let mut fallback = Fallback::default();
        fallback.record(Engine::BlockStm, Duration::from_millis(1), 0);
        assert_eq!(fallback.pick(), Engine::BlockStm);
    }
}
