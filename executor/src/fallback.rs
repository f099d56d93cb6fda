//! Which engine runs a block that the sender groups did not take: Block-STM, or the
//! sequential executor where Block-STM has lately been the slower of the two.
//!
//! Block-STM's bookkeeping (the multi-version memory, the scheduler, validation, the change-set
//! pass) costs more per transaction than a sequential run, and few threads may not win it
//! back: on two threads it ran blocks of plain transfers at about half the sequential speed.
//! So each engine's recent time per unit of gas on such blocks is kept, the next block goes to
//! the faster one, and every [`PROBE_EVERY`]th block to the other, so that its figure follows
//! the workload. An engine's first block runs with cold caches and may take twice its usual
//! time, which would hold it off for [`PROBE_EVERY`] blocks even when it is the faster. So the
//! first block's figure is replaced by the second's, and until the slower engine has run
//! [`WARM_UP`] blocks it gets every other block. Either engine gives the same result; only the
//! time differs.

use std::time::Duration;

/// An engine for a block the sender groups did not take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Engine {
    BlockStm,
    Sequential,
}

/// Every this many blocks, the engine that has been slower runs one.
const PROBE_EVERY: u32 = 16;

/// Blocks an engine runs before its figure counts as warm: until then, when it is the slower,
/// it runs every other block.
const WARM_UP: u32 = 3;

/// One engine's recent nanoseconds per unit of gas: a moving average in which each new block
/// counts half (so that two probes of an engine that became the faster are enough to turn to
/// it), and the number of blocks it has run.
#[derive(Clone, Copy, Debug)]
struct Cost {
    nanos_per_gas: f64,
    blocks: u32,
}

/// The figures that pick the engine for the next block.
#[derive(Debug, Default)]
pub(crate) struct Fallback {
    block_stm: Option<Cost>,
    sequential: Option<Cost>,
    /// Blocks since the slower engine last ran one.
    since_probe: u32,
}

impl Fallback {
    /// The engine for the next block: each runs one first, then the faster, except every
    /// [`PROBE_EVERY`]th block (every other one while the slower is warming up).
    pub(crate) fn pick(&mut self) -> Engine {
        let (Some(block_stm), Some(sequential)) = (self.block_stm, self.sequential) else {
            return if self.block_stm.is_none() { Engine::BlockStm } else { Engine::Sequential };
        };
        let (faster, slower, slower_blocks) = if block_stm.nanos_per_gas <= sequential.nanos_per_gas {
            (Engine::BlockStm, Engine::Sequential, sequential.blocks)
        } else {
            (Engine::Sequential, Engine::BlockStm, block_stm.blocks)
        };
        let every = if slower_blocks < WARM_UP { 2 } else { PROBE_EVERY };
        self.since_probe += 1;
        if self.since_probe < every {
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
        *average = Some(match *average {
            None => Cost { nanos_per_gas: cost, blocks: 1 },
            // The first block ran cold: its figure stands only until the second's.
            Some(Cost { blocks: 1, .. }) => Cost { nanos_per_gas: cost, blocks: 2 },
            Some(Cost { nanos_per_gas, blocks }) => {
                Cost { nanos_per_gas: (nanos_per_gas + cost) / 2.0, blocks: blocks.saturating_add(1) }
            }
        });
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

    /// The indices of the blocks that Block-STM ran.
    fn block_stm_runs(picks: &[Engine]) -> Vec<usize> {
        (0..picks.len()).filter(|index| picks[*index] == Engine::BlockStm).collect()
    }

    /// Each engine runs a block first; then the faster runs all but every other block until
    /// the slower has run three, and from then on all but every 16th.
    #[test]
    fn the_faster_engine_runs_all_but_the_probes() {
        let mut fallback = Fallback::default();
        let picks = run(&mut fallback, 2 + 3 * PROBE_EVERY as usize, 20, 10);
        assert_eq!(picks[..2], [Engine::BlockStm, Engine::Sequential]);
        let every = PROBE_EVERY as usize;
        assert_eq!(block_stm_runs(&picks), [0, 3, 5, 5 + every, 5 + 2 * every]);
    }

    /// An engine whose first block ran slow (cold) but which is the faster takes over after its
    /// second block, rather than after the other's next probe.
    #[test]
    fn a_cold_first_block_does_not_hold_the_faster_engine_off() {
        let mut fallback = Fallback::default();
        run(&mut fallback, 1, 20, 10);
        run(&mut fallback, 1, 20, 80);
        let picks = run(&mut fallback, 3 * PROBE_EVERY as usize, 20, 10);
        let every = PROBE_EVERY as usize;
        assert_eq!(block_stm_runs(&picks), [0, 3, 3 + every, 3 + 2 * every], "{picks:?}");
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
