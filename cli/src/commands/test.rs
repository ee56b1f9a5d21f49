//! `bs test [FILTER]`: runs the tests of the project in the current directory on a board and
//! reports them like `cargo test`.
//!
//! Test files are the `*.test.bs` files of the project and the `.bs` files under `tests/`; each
//! is compiled as a program of its own (importing the project's modules as usual). Its tests are
//! the `test(name, body)` calls it makes: a first run lists them (see
//! `incremental::lower::testing`), then each test runs alone on a freshly loaded image, under a
//! timeout that interrupts it on the device.

use crate::board::{self, Board};
use crate::commands::run::{build_image, runtime_error_text};
use crate::{compile, deps, project};
use device::abi::{ErrorKind, STREAM_TEST};
use device::client::{ClientError, RunOutcome};
use incremental::link::Image;
use incremental::lower::testing::SELECTED_TEST;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// How one test ended.
enum Verdict {
    Passed,
    /// A failed assertion or another run-time error: the report and the test's output.
    Failed(String),
    /// Interrupted by the timeout.
    TimedOut(String),
}

/// One test's result.
struct TestResult {
    /// `file::name`.
    name: String,
    verdict: Verdict,
}

/// Runs the tests whose `file::name` contains `filter`; returns whether all passed.
pub fn run(
    filter: Option<&str>,
    board_name: Option<&str>,
    timeout: Duration,
    junit: Option<&Path>,
) -> miette::Result<bool> {
    let project = project::resolve(
        None,
        false,
        &mut deps::Resolver::new(deps::Options::default()),
    )?;
    let files = test_files(Path::new("."))?;
    let mut board = board::start(board_name.unwrap_or(&project.board), project.heap_size)?;
    board.interrupt_on_ctrl_c()?;
    let started = Instant::now();
    let mut compiled = true;
    let mut suites = Vec::new();
    for file in &files {
        let display = file.display().to_string();
        let target = project::Target {
            entry: file.clone(),
            display: display.clone(),
            ..project.clone()
        };
        let mut program = compile::Program::load(&target)?;
        let Some(image) = build_image(&mut program, &board)? else {
            compiled = false;
            continue;
        };
        let Some(&selector) = image.globals.get(SELECTED_TEST) else {
            continue;
        };
        let names = list_tests(&mut board, &image, selector, &program, &display)?;
        let suite = suite_name(file);
        let selected: Vec<(i32, String)> = (1..)
            .zip(names)
            .map(|(i, name)| (i, format!("{suite}::{name}")))
            .filter(|(_, full)| filter.is_none_or(|f| full.contains(f)))
            .collect();
        suites.push((program, image, selector, selected));
    }
    let count: usize = suites.iter().map(|s| s.3.len()).sum();
    println!(
        "\nrunning {count} test{}",
        if count == 1 { "" } else { "s" }
    );
    let mut results = Vec::new();
    for (program, image, selector, tests) in &suites {
        for (index, name) in tests {
            let verdict = run_test(&mut board, image, *selector, *index, timeout, program)?;
            println!("test {name} ... {}", verdict_word(&verdict, timeout));
            results.push(TestResult {
                name: name.clone(),
                verdict,
            });
        }
    }
    print_summary(&results, started.elapsed());
    if let Some(path) = junit {
        std::fs::write(path, junit_xml(&results, started.elapsed()))
            .map_err(|e| miette::miette!("cannot write `{}`: {e}", path.display()))?;
    }
    let failed = results
        .iter()
        .any(|r| !matches!(r.verdict, Verdict::Passed));
    Ok(compiled && !failed)
}

/// The test files under `root`: `*.test.bs` anywhere and `*.bs` under `tests/`, sorted; hidden
/// directories and `target` are skipped.
fn test_files(root: &Path) -> miette::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut dirs = vec![(root.to_path_buf(), false)];
    while let Some((dir, in_tests)) = dirs.pop() {
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| miette::miette!("cannot read `{}`: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    let tests = in_tests || (dir == root && name == "tests");
                    dirs.push((path, tests));
                }
            } else if name.ends_with(".test.bs") || (in_tests && name.ends_with(".bs")) {
                found.push(path.strip_prefix(root).unwrap_or(&path).to_path_buf());
            }
        }
    }
    found.sort();
    Ok(found)
}

/// The prefix of a file's test names: its path without `tests/`, `src/`, `.test.bs` or `.bs`,
/// with `::` between directories (`tests/sensor/read.bs` gives `sensor::read`).
fn suite_name(file: &Path) -> String {
    let text = file.to_string_lossy().replace('\\', "/");
    let text = text
        .strip_prefix("tests/")
        .or_else(|| text.strip_prefix("src/"))
        .unwrap_or(&text);
    let stem = text
        .strip_suffix(".test.bs")
        .or_else(|| text.strip_suffix(".bs"))
        .unwrap_or(text);
    stem.replace('/', "::")
}

/// Loads `image` afresh with the test selection set to `selected`.
fn load_selecting(
    board: &mut Board,
    image: &Image,
    selector: u32,
    selected: i32,
) -> Result<(), ClientError> {
    board.reset()?;
    board.load(image)?;
    board.write_word(selector, selected as u32)
}

/// The names of the tests of a program, in the order it declares them.
fn list_tests(
    board: &mut Board,
    image: &Image,
    selector: u32,
    program: &compile::Program,
    display: &str,
) -> miette::Result<Vec<String>> {
    load_selecting(board, image, selector, -1).map_err(|e| board::device_error(&e))?;
    let mut names = Vec::new();
    let outcome = board
        .run(image, |stream, bytes| {
            if stream == STREAM_TEST as u8 {
                names.push(String::from_utf8_lossy(bytes).into_owned());
            }
        })
        .map_err(|e| board::device_error(&e))?;
    if let RunOutcome::RuntimeError {
        code_addr, message, ..
    } = outcome
    {
        return Err(miette::miette!(
            help = "the top level of a test file runs before its tests are known",
            "cannot list the tests of `{display}`:\n{}",
            runtime_error_text(program, &image.source_map, &message, code_addr)
        ));
    }
    Ok(names)
}

/// Runs test number `index` (from 1), interrupting it after `timeout`.
fn run_test(
    board: &mut Board,
    image: &Image,
    selector: u32,
    index: i32,
    timeout: Duration,
    program: &compile::Program,
) -> miette::Result<Verdict> {
    load_selecting(board, image, selector, index).map_err(|e| board::device_error(&e))?;
    let interrupter = board.interrupter();
    let fired = Arc::new(AtomicBool::new(false));
    let (finished, wait) = mpsc::channel::<()>();
    let watchdog = {
        let fired = Arc::clone(&fired);
        std::thread::spawn(move || {
            if wait.recv_timeout(timeout) == Err(mpsc::RecvTimeoutError::Timeout) {
                fired.store(true, Ordering::SeqCst);
                let _ = interrupter.interrupt();
            }
        })
    };
    let mut output = String::new();
    let outcome = board.run(image, |_, bytes| {
        output.push_str(&String::from_utf8_lossy(bytes));
    });
    drop(finished);
    let _ = watchdog.join();
    let outcome = outcome.map_err(|e| board::device_error(&e))?;
    Ok(match outcome {
        RunOutcome::Completed => Verdict::Passed,
        RunOutcome::RuntimeError {
            kind,
            code_addr,
            message,
        } => {
            output.push_str(&runtime_error_text(
                program,
                &image.source_map,
                &message,
                code_addr,
            ));
            if kind == ErrorKind::Interrupted && fired.load(Ordering::SeqCst) {
                Verdict::TimedOut(output)
            } else {
                Verdict::Failed(output)
            }
        }
    })
}

/// `ok`, `FAILED` or `FAILED (timed out after 10 s)`.
fn verdict_word(v: &Verdict, timeout: Duration) -> String {
    match v {
        Verdict::Passed => "ok".into(),
        Verdict::Failed(_) => "FAILED".into(),
        Verdict::TimedOut(_) => format!("FAILED (timed out after {} s)", timeout.as_secs_f32()),
    }
}

/// The failures' output and the summary line, as `cargo test` prints them.
fn print_summary(results: &[TestResult], elapsed: Duration) {
    let failed: Vec<&TestResult> = results
        .iter()
        .filter(|r| !matches!(r.verdict, Verdict::Passed))
        .collect();
    if !failed.is_empty() {
        println!("\nfailures:\n");
        for r in &failed {
            if let Verdict::Failed(out) | Verdict::TimedOut(out) = &r.verdict {
                println!("---- {} ----\n{out}", r.name);
            }
        }
        println!("failures:");
        for r in &failed {
            println!("    {}", r.name);
        }
    }
    let passed = results.len() - failed.len();
    println!(
        "\ntest result: {}. {passed} passed; {} failed; finished in {:.2}s",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        elapsed.as_secs_f64()
    );
}

/// The results as JUnit XML: one test suite, one test case per test (class name: the file's
/// part of the test's name), with a `failure` element holding the report of each failure.
fn junit_xml(results: &[TestResult], elapsed: Duration) -> String {
    let failures = results
        .iter()
        .filter(|r| !matches!(r.verdict, Verdict::Passed))
        .count();
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        xml,
        "<testsuites>\n  <testsuite name=\"bs test\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{:.3}\">",
        results.len(),
        elapsed.as_secs_f64()
    );
    for r in results {
        let (class, name) = r.name.rsplit_once("::").unwrap_or(("", &r.name));
        let _ = write!(
            xml,
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape(class),
            escape(name)
        );
        match &r.verdict {
            Verdict::Passed => xml.push_str("/>\n"),
            Verdict::Failed(out) | Verdict::TimedOut(out) => {
                let message = if matches!(r.verdict, Verdict::TimedOut(_)) {
                    "timed out"
                } else {
                    "failed"
                };
                let _ = write!(
                    xml,
                    ">\n      <failure message=\"{message}\">{}</failure>\n    </testcase>\n",
                    escape(out)
                );
            }
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

/// `text` with the five XML special characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suite_names_drop_the_test_directory_and_suffixes() {
        assert_eq!(suite_name(Path::new("src/math.test.bs")), "math");
        assert_eq!(
            suite_name(Path::new("tests/sensor/read.bs")),
            "sensor::read"
        );
        assert_eq!(suite_name(Path::new("lib/a.test.bs")), "lib::a");
    }

    #[test]
    fn junit_escapes_and_counts_failures() {
        let results = [
            TestResult {
                name: "m::ok".into(),
                verdict: Verdict::Passed,
            },
            TestResult {
                name: "m::bad <1>".into(),
                verdict: Verdict::Failed("expected \"a\" & got 'b'".into()),
            },
        ];
        let xml = junit_xml(&results, Duration::ZERO);
        assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
        assert!(
            xml.contains("<testcase classname=\"m\" name=\"ok\"/>"),
            "{xml}"
        );
        assert!(
            xml.contains("name=\"bad &lt;1&gt;\">\n      <failure message=\"failed\">expected &quot;a&quot; &amp; got &apos;b&apos;</failure>"),
            "{xml}"
        );
    }
}
