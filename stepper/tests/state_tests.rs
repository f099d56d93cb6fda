//! The runner against the fixtures' own expectations: every state test in
//! `../shared/fixtures/state-tests`, run on revm under Cancun (the fork the fixtures were
//! filled for), ends with the post-state root and logs hash the fixture names, or is invalid
//! where the fixture expects an exception (tests whose pre-state no chain can hold are left
//! out: see `StateTest::unreachable_account`). This validates the ground truth the stepper is
//! checked against (which runs the same transactions under the L2's fork).

use revm::primitives::hardfork::SpecId;
use std::path::{Path, PathBuf};
use stepper::{StateTestFile, execute};

/// The shared fixtures, beside the repository.
fn fixtures() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/state-tests");
    assert!(
        dir.is_dir(),
        "the state-test fixtures are missing: {} (the shared/ folder beside the repository)",
        dir.display()
    );
    dir
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            out.push(path);
        }
    }
}

#[test]
fn every_fixture_matches_its_cancun_post_state() {
    let mut files = Vec::new();
    json_files(&fixtures(), &mut files);
    files.sort();
    assert!(files.len() > 1000, "{} fixture files", files.len());
    let (mut units, mut invalid, mut unreachable) = (0, 0, 0);
    let mut failures = Vec::new();
    for path in &files {
        // Minutes of multiplication loops and nothing else to check: run on demand only.
        if path.ends_with("vmPerformance/loopMul.json") {
            continue;
        }
        let file = StateTestFile::read(path).unwrap();
        for unit in file.units("Cancun") {
            if unit.test.unreachable_account().is_some() {
                unreachable += 1;
                continue;
            }
            units += 1;
            let outcome = execute(&unit, SpecId::CANCUN).unwrap();
            let expected = unit.expected;
            let name = format!("{} {}[{}]", path.display(), unit.name, unit.index);
            if expected.expect_exception.is_some() != outcome.invalid.is_some() {
                failures.push(format!(
                    "{name}: expected exception {:?}, got {:?}",
                    expected.expect_exception, outcome.invalid
                ));
            } else if outcome.state_root != expected.hash {
                failures.push(format!("{name}: state root {} != {}", outcome.state_root, expected.hash));
            } else if outcome.logs_hash != expected.logs {
                failures.push(format!("{name}: logs hash {} != {}", outcome.logs_hash, expected.logs));
            }
            invalid += usize::from(outcome.invalid.is_some());
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {units} units differ:\n{}",
        failures.len(),
        failures[..failures.len().min(20)].join("\n")
    );
    assert!(units > 5000 && invalid > 0 && unreachable < 50, "{units} units, {invalid} invalid, {unreachable} skipped");
}
