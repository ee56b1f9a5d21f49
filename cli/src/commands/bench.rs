//! `bs bench [NAME…]`: runs the benchmarks of `testsuite/benchmarks` on the host board and
//! compares them with their C versions.
//!
//! A benchmark is `NAME.bs` (typed), optionally `NAME-untyped.bs` (its parameters, properties and
//! results unannotated), `NAME.c` (the same algorithm in C) and `NAME.out` (the one line every
//! version prints when its self-check passes). Each declares `ITERATIONS`, the number of times it
//! runs its kernel. Each variant is compiled as `bs run` compiles it and loaded into a freshly
//! reset device; then only the device's run request is timed, on the host's wall clock. The C
//! version is compiled with `gcc -O2` and timed as a whole process. The best of `--runs` timings
//! counts on both sides (a device run longer than two seconds is not repeated).

use crate::board::{self, Board};
use crate::{compile, deps, project};
use device::abi::STREAM_STDERR;
use device::client::{ClientError, RunOutcome};
use incremental::build::{self, BuildError};
use incremental::link::Image;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Where the benchmarks live, relative to the repository root.
const BENCHMARK_DIR: &str = "testsuite/benchmarks";

/// A run this long is not repeated: its noise is small against its length.
const LONG_RUN: Duration = Duration::from_secs(2);

/// The longest failure reason shown in a row.
const REASON_WIDTH: usize = 70;

/// One benchmark's files and settings.
struct Benchmark {
    name: String,
    dir: PathBuf,
    expected: String,
    /// `ITERATIONS` of `NAME.bs`, or why it could not be read.
    iterations: Result<u32, String>,
}

/// The typed or untyped program of a benchmark.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Typed,
    Untyped,
}

impl Variant {
    fn label(self) -> &'static str {
        match self {
            Variant::Typed => "typed",
            Variant::Untyped => "untyped",
        }
    }

    fn file(self, b: &Benchmark) -> PathBuf {
        match self {
            Variant::Typed => b.dir.join(format!("{}.bs", b.name)),
            Variant::Untyped => b.dir.join(format!("{}-untyped.bs", b.name)),
        }
    }
}

/// A timed program: its best run and, on the device, the peak heap use.
struct Measurement {
    best: Duration,
    peak_heap: Option<u32>,
}

/// Runs the benchmarks named in `names` (default: all) from `dir` (default: `testsuite/benchmarks`
/// in the current directory or a parent); returns whether every one compiled, ran and verified.
pub fn run(
    names: &[String],
    dir: Option<&Path>,
    runs: u32,
    heap_size: Option<u32>,
) -> miette::Result<bool> {
    let dir = match dir {
        Some(d) => d.to_path_buf(),
        None => find_dir()?,
    };
    let benchmarks = discover(&dir, names)?;
    let scratch = std::env::temp_dir().join(format!("bs-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)
        .map_err(|e| miette::miette!("cannot create `{}`: {e}", scratch.display()))?;
    let runs = runs.max(1);
    let mut board = board::start("host", heap_size)?;
    let mut typed_ratios = Vec::new();
    let mut untyped_ratios = Vec::new();
    let mut all_ok = true;
    println!(
        "{:<12} {:<8} {:>12} {:>12} {:>8} {:>10}",
        "benchmark", "variant", "bs ms/iter", "C ms/iter", "ratio", "peak KiB"
    );
    for b in &benchmarks {
        let c = time_c(b, &scratch, runs);
        all_ok &= c.is_ok();
        for variant in [Variant::Typed, Variant::Untyped] {
            if variant == Variant::Untyped && !variant.file(b).is_file() {
                continue;
            }
            let bs = match &b.iterations {
                Ok(_) => time_bs(&mut board, b, variant, runs, heap_size)?,
                Err(e) => Err(e.clone()),
            };
            all_ok &= bs.is_ok();
            let per_iteration = |d: Duration| {
                d.as_secs_f64() * 1e3 / f64::from(*b.iterations.as_ref().unwrap_or(&1))
            };
            let bs_ms = bs.as_ref().ok().map(|m| per_iteration(m.best));
            let c_ms = c.as_ref().ok().map(|d| per_iteration(*d));
            let ratio = match (bs_ms, c_ms) {
                (Some(b), Some(c)) if c > 0.0 => Some(b / c),
                _ => None,
            };
            if let Some(r) = ratio {
                match variant {
                    Variant::Typed => typed_ratios.push(r),
                    Variant::Untyped => untyped_ratios.push(r),
                }
            }
            let peak = bs
                .as_ref()
                .ok()
                .and_then(|m| m.peak_heap)
                .map(|p| format!("{:.1}", f64::from(p) / 1024.0));
            let mut reasons = Vec::new();
            if let Err(e) = &bs {
                reasons.push(format!("bs: {e}"));
            }
            if let (Err(e), Variant::Typed) = (&c, variant) {
                reasons.push(format!("C: {e}"));
            }
            let cell = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"));
            println!(
                "{:<12} {:<8} {:>12} {:>12} {:>8} {:>10}  {}",
                b.name,
                variant.label(),
                cell(bs_ms),
                cell(c_ms),
                ratio.map_or_else(|| "-".to_string(), |r| format!("{r:.2}x")),
                peak.unwrap_or_else(|| "-".to_string()),
                shorten(&reasons.join("; ")),
            );
            let _ = std::io::stdout().flush();
        }
    }
    println!();
    println!(
        "geometric mean of bs/C ratios: typed {} ({} benchmarks), untyped {} ({} benchmarks)",
        geometric_mean(&typed_ratios).map_or_else(|| "-".to_string(), |g| format!("{g:.2}x")),
        typed_ratios.len(),
        geometric_mean(&untyped_ratios).map_or_else(|| "-".to_string(), |g| format!("{g:.2}x")),
        untyped_ratios.len(),
    );
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(all_ok)
}

/// `testsuite/benchmarks` in the current directory or the nearest parent that has one.
fn find_dir() -> miette::Result<PathBuf> {
    let cwd = std::env::current_dir()
        .map_err(|e| miette::miette!("cannot read the current directory: {e}"))?;
    cwd.ancestors()
        .map(|a| a.join(BENCHMARK_DIR))
        .find(|d| d.is_dir())
        .ok_or_else(|| {
            miette::miette!(
                help = "run `bs bench` inside the BlueScript repository, or pass `--dir DIR`",
                "no `{BENCHMARK_DIR}` directory here or in a parent directory"
            )
        })
}

/// The benchmarks in `dir` (every `NAME.bs` that is not an untyped variant), sorted by name and
/// restricted to `names` when it is not empty.
fn discover(dir: &Path, names: &[String]) -> miette::Result<Vec<Benchmark>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| miette::miette!("cannot read `{}`: {e}", dir.display()))?;
    let mut all: Vec<String> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "bs"))
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_string()))
        .filter(|n| !n.ends_with("-untyped"))
        .collect();
    all.sort();
    for wanted in names {
        if !all.iter().any(|n| n.eq_ignore_ascii_case(wanted)) {
            return Err(miette::miette!(
                help = format!("the benchmarks are: {}", all.join(", ")),
                "no benchmark `{wanted}` in `{}`",
                dir.display()
            ));
        }
    }
    all.into_iter()
        .filter(|n| names.is_empty() || names.iter().any(|w| w.eq_ignore_ascii_case(n)))
        .map(|name| {
            let out = dir.join(format!("{name}.out"));
            let expected = std::fs::read_to_string(&out)
                .map_err(|e| miette::miette!("cannot read `{}`: {e}", out.display()))?;
            let iterations = std::fs::read_to_string(dir.join(format!("{name}.bs")))
                .map_err(|e| e.to_string())
                .and_then(|text| {
                    iterations_in(&text).ok_or_else(|| "no `const ITERATIONS = n` line".into())
                });
            Ok(Benchmark {
                name,
                dir: dir.to_path_buf(),
                expected,
                iterations,
            })
        })
        .collect()
}

/// The value of `ITERATIONS` in a program: `const ITERATIONS = n` (BlueScript or C) or
/// `#define ITERATIONS n` (C).
fn iterations_in(text: &str) -> Option<u32> {
    text.lines().find_map(|line| {
        let line = line.trim();
        let rest = line
            .strip_prefix("#define ITERATIONS ")
            .or_else(|| Some(line.split_once("ITERATIONS =")?.1))?;
        let digits: String = rest
            .trim()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    })
}

/// Compiles one variant and runs it `runs` times; `Err` is the short reason it failed. A device
/// that stops answering is restarted for the next benchmark.
fn time_bs(
    board: &mut Board,
    b: &Benchmark,
    variant: Variant,
    runs: u32,
    heap_size: Option<u32>,
) -> miette::Result<Result<Measurement, String>> {
    let target = project::resolve(
        Some(&variant.file(b)),
        false,
        &mut deps::Resolver::new(deps::Options::default()),
    )?;
    let program = compile::Program::load(&target)?;
    let image = match build::build(&program.db, program.entry, &board.link_target()) {
        Ok(image) => image,
        Err(BuildError::Diagnostics(diags)) => {
            let reason = diags.first().map_or_else(String::new, |d| {
                let (line, _) = syntax::line_col(program.text(&d.file), d.span.start);
                format!("{} {} (line {line})", d.code, d.message)
            });
            return Ok(Err(format!("compile error: {reason}")));
        }
        Err(BuildError::Codegen(e)) => return Ok(Err(format!("code generation failed: {e}"))),
        Err(BuildError::Link(e)) => return Ok(Err(format!("link error: {e}"))),
    };
    let mut best: Option<Duration> = None;
    let mut peak_heap = None;
    for _ in 0..runs {
        match run_once(board, &image, &program) {
            Ok(Ok((elapsed, stdout, stderr))) => {
                if stdout != b.expected.as_bytes() {
                    return Ok(Err(format!(
                        "wrong output: {:?}",
                        String::from_utf8_lossy(&stdout).trim_end()
                    )));
                }
                if !stderr.is_empty() {
                    return Ok(Err(format!(
                        "unexpected stderr: {:?}",
                        String::from_utf8_lossy(&stderr).trim_end()
                    )));
                }
                best = Some(best.map_or(elapsed, |b| b.min(elapsed)));
                peak_heap = board.heap_stats().ok().map(|s| s.peak).or(peak_heap);
                if elapsed > LONG_RUN {
                    break;
                }
            }
            Ok(Err(reason)) => return Ok(Err(reason)),
            Err(e) => {
                *board = board::start("host", heap_size)?;
                return Ok(Err(format!("device error: {e}")));
            }
        }
    }
    Ok(Ok(Measurement {
        best: best.unwrap_or_default(),
        peak_heap,
    }))
}

/// Loads `image` into a reset device and runs it once: the time of the run request, standard
/// output and standard error; or the run-time error.
#[allow(clippy::type_complexity)]
fn run_once(
    board: &mut Board,
    image: &Image,
    program: &compile::Program,
) -> Result<Result<(Duration, Vec<u8>, Vec<u8>), String>, ClientError> {
    board.reset()?;
    board.load(image)?;
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let start = Instant::now();
    let outcome = board.run(image, |stream, bytes| {
        if stream == STREAM_STDERR as u8 {
            stderr.extend_from_slice(bytes);
        } else {
            stdout.extend_from_slice(bytes);
        }
    })?;
    let elapsed = start.elapsed();
    Ok(match outcome {
        RunOutcome::Completed => Ok((elapsed, stdout, stderr)),
        RunOutcome::RuntimeError {
            code_addr, message, ..
        } => {
            let line = image.source_map.lookup(code_addr).and_then(|loc| {
                let file = program.module(loc.file)?;
                Some(syntax::line_col(file.text(&program.db), loc.start).0)
            });
            Err(match line {
                Some(line) => format!("run-time error: {message} (line {line})"),
                None => format!("run-time error: {message}"),
            })
        }
    })
}

/// Compiles `NAME.c` with `gcc -O2` and times its whole run `runs` times; the best time, or the
/// short reason it failed.
fn time_c(b: &Benchmark, scratch: &Path, runs: u32) -> Result<Duration, String> {
    let source = b.dir.join(format!("{}.c", b.name));
    let text = std::fs::read_to_string(&source).map_err(|_| "no C version".to_string())?;
    if let Ok(n) = b.iterations
        && iterations_in(&text) != Some(n)
    {
        return Err(format!("ITERATIONS differs from {}.bs", b.name));
    }
    let exe = scratch.join(&b.name);
    let cc = Command::new("gcc")
        .arg("-O2")
        .arg("-o")
        .arg(&exe)
        .arg(&source)
        .arg("-lm")
        .output()
        .map_err(|e| format!("cannot run gcc: {e}"))?;
    if !cc.status.success() {
        let first = String::from_utf8_lossy(&cc.stderr)
            .lines()
            .find(|l| l.contains("error"))
            .unwrap_or("")
            .to_string();
        return Err(format!("gcc failed: {first}"));
    }
    let mut best: Option<Duration> = None;
    for _ in 0..runs {
        let start = Instant::now();
        let out = Command::new(&exe)
            .output()
            .map_err(|e| format!("cannot run: {e}"))?;
        let elapsed = start.elapsed();
        if !out.status.success() || out.stdout != b.expected.as_bytes() {
            return Err(format!(
                "wrong output: {:?}",
                String::from_utf8_lossy(&out.stdout).trim_end()
            ));
        }
        best = Some(best.map_or(elapsed, |b| b.min(elapsed)));
    }
    Ok(best.unwrap_or_default())
}

/// The geometric mean, or `None` for no values.
fn geometric_mean(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let log_sum: f64 = values.iter().map(|v| v.ln()).sum();
    Some((log_sum / values.len() as f64).exp())
}

/// `reason` cut to one line of at most [`REASON_WIDTH`] characters.
fn shorten(reason: &str) -> String {
    let line = reason.lines().next().unwrap_or("");
    if line.chars().count() <= REASON_WIDTH {
        line.to_string()
    } else {
        let cut: String = line.chars().take(REASON_WIDTH - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterations_are_read_from_bluescript_and_c() {
        assert_eq!(iterations_in("// x\nconst ITERATIONS = 150\n"), Some(150));
        assert_eq!(
            iterations_in("#include <x>\n#define ITERATIONS 42\n"),
            Some(42)
        );
        assert_eq!(iterations_in("static const int ITERATIONS = 7;\n"), Some(7));
        assert_eq!(iterations_in("const N = 3\n"), None);
    }

    #[test]
    fn geometric_mean_of_ratios() {
        assert_eq!(geometric_mean(&[]), None);
        let g = geometric_mean(&[2.0, 8.0]).unwrap();
        assert!((g - 4.0).abs() < 1e-12);
    }

    #[test]
    fn long_reasons_are_cut_to_one_line() {
        assert_eq!(shorten("a\nb"), "a");
        let long = "x".repeat(200);
        assert_eq!(shorten(&long).chars().count(), REASON_WIDTH);
    }
}
