//! `cargo bench -p cli --bench host [-- NAME…]`: runs `bs bench` on `testsuite/benchmarks`, which
//! times every benchmark (typed and untyped) on the host board against its C version at
//! `gcc -O2` and prints the table with the geometric means.

use std::path::Path;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testsuite/benchmarks");
    // Cargo passes `--bench`; anything else that is not a flag names a benchmark.
    let names: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let status = Command::new(env!("CARGO_BIN_EXE_bs"))
        .arg("bench")
        .arg("--dir")
        .arg(&dir)
        .args(&names)
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("cannot run bs: {e}");
            ExitCode::FAILURE
        }
    }
}
