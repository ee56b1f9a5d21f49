//! Runs the benchmarks of `testsuite/benchmarks` through the real `bs run` on the host board and
//! compares their standard output with `NAME.out` exactly (`NAME-untyped.bs` shares `NAME.out`).

use std::path::{Path, PathBuf};
use testsuite::Case;

fn benchmark_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testsuite/benchmarks")
}

/// Every benchmark program (typed and untyped variants) whose benchmark name passes `keep`.
fn cases(keep: impl Fn(&str) -> bool) -> Vec<Case> {
    let dir = benchmark_dir();
    let mut programs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testsuite/benchmarks is readable")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "bs"))
        .collect();
    programs.sort();
    programs
        .into_iter()
        .filter_map(|program| {
            let stem = program.file_stem()?.to_str()?.to_string();
            let name = stem.strip_suffix("-untyped").unwrap_or(&stem).to_string();
            if !keep(&name) {
                return None;
            }
            let out = dir.join(format!("{name}.out"));
            let stdout =
                std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
            Some(Case {
                program,
                stdout,
                stderr: None,
                args: Vec::new(),
            })
        })
        .collect()
}

fn run(cases: &[Case]) {
    let bs = Path::new(env!("CARGO_BIN_EXE_bs"));
    let failures = testsuite::run_all(bs, cases, "host", &[]);
    for (program, problem) in &failures {
        eprintln!("FAILED {}\n{problem}\n", program.display());
    }
    assert!(
        failures.is_empty(),
        "{} of {} benchmark programs failed",
        failures.len(),
        cases.len()
    );
}

#[test]
fn every_benchmark_prints_its_expected_line() {
    let cases = cases(|_| true);
    assert!(cases.len() >= 30, "only {} benchmark programs", cases.len());
    run(&cases);
}
