//! `cargo bench -p cli --bench host`: runs every benchmark in `testsuite/benchmarks` on the host
//! board through the real `bs` binary, and its C version compiled with `gcc -O2`, and prints a
//! table of the best kernel time of each (as the programs measure it) and their ratio.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The value of the line `ms <number>` in a benchmark's output.
fn kernel_ms(output: &[u8]) -> Option<f64> {
    String::from_utf8_lossy(output)
        .lines()
        .find_map(|l| l.strip_prefix("ms ")?.trim().parse().ok())
}

fn run_bs(bs: &Path, program: &Path) -> Result<f64, String> {
    let out = Command::new(bs)
        .arg("run")
        .arg(program)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() || !out.stderr.is_empty() {
        return Err(format!("failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    kernel_ms(&out.stdout).ok_or_else(|| "no `ms` line".into())
}

fn run_c(source: &Path, dir: &Path) -> Result<f64, String> {
    let exe = dir.join(source.file_stem().expect("a file"));
    let cc = Command::new("gcc")
        .arg("-O2")
        .arg("-o")
        .arg(&exe)
        .arg(source)
        .output();
    match cc {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            return Err(format!(
                "gcc failed: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        Err(e) => return Err(format!("gcc not available: {e}")),
    }
    let out = Command::new(&exe).output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err("the C version failed its self-check".into());
    }
    kernel_ms(&out.stdout).ok_or_else(|| "no `ms` line".into())
}

fn main() {
    let bs = PathBuf::from(env!("CARGO_BIN_EXE_bs"));
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testsuite/benchmarks");
    let scratch = std::env::temp_dir().join(format!("bs-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch directory");
    let mut programs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("testsuite/benchmarks exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "bs"))
        .collect();
    programs.sort();
    println!(
        "{:<12} {:>12} {:>12} {:>10}",
        "benchmark", "bs (ms)", "gcc -O2 (ms)", "ratio"
    );
    for program in programs {
        let name = program
            .file_stem()
            .expect("a file")
            .to_string_lossy()
            .into_owned();
        let bs_ms = run_bs(&bs, &program);
        let c_ms = run_c(&program.with_extension("c"), &scratch);
        let show =
            |r: &Result<f64, String>| r.as_ref().map_or_else(|e| e.clone(), |v| format!("{v:.3}"));
        let ratio = match (&bs_ms, &c_ms) {
            (Ok(b), Ok(c)) if *c > 0.0 => format!("{:.2}x", b / c),
            _ => "n/a".into(),
        };
        println!(
            "{name:<12} {:>12} {:>12} {ratio:>10}",
            show(&bs_ms),
            show(&c_ms)
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
