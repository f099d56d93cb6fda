//! `rollup stepper state-tests <DIR>...`: every state test under the folders, traced on revm
//! and stepped through the on-chain stepper (run in revm from its committed creation code),
//! every step checked (docs/dispute/stepper.md).

use anyhow::Context as _;
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    time::Instant,
};
use stepper::{OnChainStepper, Rules, Skip, StateTestFile, check};

/// The fork whose expected results name the transactions to run (the fixtures' variants are
/// the same under every fork; they run under the L2's).
const FORKS: [&str; 3] = ["Cancun", "Prague", "Osaka"];

pub(super) fn run(dirs: &[PathBuf]) -> anyhow::Result<()> {
    let mut files = Vec::new();
    for dir in dirs {
        collect(dir, &mut files).with_context(|| format!("reading {}", dir.display()))?;
    }
    files.sort();
    let started = Instant::now();
    let mut chain = OnChainStepper::new();
    let (mut passed, mut failed, mut steps, mut max_gas) = (0u64, 0u64, 0u64, 0u64);
    let (mut total_gas, mut max_witness) = (0u64, 0usize);
    let mut skipped: BTreeMap<String, u64> = BTreeMap::new();
    for path in &files {
        let file = StateTestFile::read(path)?;
        let fork = FORKS.iter().find(|fork| file.units(fork).next().is_some()).copied().unwrap_or("Cancun");
        for unit in file.units(fork) {
            let name = format!("{}:{}[{}]", path.display(), unit.name, unit.index);
            if let Some(account) = unit.test.unreachable_account() {
                println!("SKIP {name}: pre-state no chain can hold (storage without code at {account})");
                *skipped.entry("pre-state no chain can hold".into()).or_default() += 1;
                continue;
            }
            match check(&unit, Rules::default(), &mut chain, |_| true) {
                Err(error) => {
                    println!("FAIL {name}: {error}");
                    failed += 1;
                }
                Ok(checked) => {
                    steps += checked.checked;
                    max_gas = max_gas.max(checked.max_gas);
                    total_gas += checked.total_gas;
                    max_witness = max_witness.max(checked.max_calldata);
                    match (checked.failure, checked.skip) {
                        (Some(failure), _) => {
                            println!("FAIL {name}: {failure}");
                            failed += 1;
                        }
                        (None, Some(skip)) => {
                            let reason = reason(skip);
                            println!("SKIP {name}: {reason} (after {} steps agreed)", checked.checked);
                            *skipped.entry(reason).or_default() += 1;
                        }
                        (None, None) => {
                            println!("PASS {name}: {} steps, max {} gas", checked.checked, checked.max_gas);
                            passed += 1;
                        }
                    }
                }
            }
        }
    }
    let kinds: Vec<String> = skipped.iter().map(|(reason, count)| format!("{count} {reason}")).collect();
    println!("skipped by reason: {}", if kinds.is_empty() { "none".into() } else { kinds.join(", ") });
    println!("ran {} files in {:.1} s", files.len(), started.elapsed().as_secs_f64());
    println!("mean_step_gas={} max_witness_bytes={max_witness}", total_gas / steps.max(1));
    println!("{passed} passed, {failed} failed, {} skipped", skipped.values().sum::<u64>());
    println!("steps={steps} max_step_gas={max_gas}");
    anyhow::ensure!(failed == 0, "{failed} state tests failed");
    Ok(())
}

/// Why a test was skipped: the part of the stepper it needs that is not built yet.
fn reason(skip: Skip) -> String {
    match skip {
        Skip::Invalid => "invalid transaction (nothing to step)".into(),
        Skip::Precompile => "SHA-256 or RIPEMD-160 over more than 256 KiB (part 2)".into(),
    }
}

/// The `.json` files under `path` (or `path` itself).
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(path)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|ext| ext == "json") {
            out.push(path);
        }
    }
    Ok(())
}
