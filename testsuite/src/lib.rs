//! The end-to-end harness: runs every conformance program in `programs/` through the real `bs`
//! binary and compares the whole output.
//!
//! A case is `NAME.bs` with `NAME.out`, the exact expected standard output, and optionally
//! `NAME.err`: then standard error must contain each non-empty line of `NAME.err`, in order,
//! each as a substring of some later line, and the program must fail (non-zero exit) unless
//! every such line is a heap report of `bs run --heap-stats` (starts with `heap:`). An
//! optional `NAME.args` holds extra `bs run` arguments (for example `--heap-size 8192
//! --heap-stats`).
//! Programs run from their own directory as `bs run NAME.bs`, so messages show `NAME.bs`.
//!
//! A program of several modules is a directory holding `main.bs`: `main.bs` (with `main.out`,
//! `main.err`, `main.args`) is its one entry point, and every other `.bs` file in the directory
//! and below is a module it imports, never a program of its own.
//!
//! [`run_all_release`] runs the same cases from release images (`bs run --release`): each
//! program's directory is copied into a scratch project whose manifest names the program as
//! its entry, so that messages still show `NAME.bs`.

pub mod generate;

use std::path::{Path, PathBuf};
use std::process::Command;

/// One conformance program and its expectations.
#[derive(Debug, Clone)]
pub struct Case {
    /// The program.
    pub program: PathBuf,
    /// Expected standard output.
    pub stdout: String,
    /// Expected standard-error lines (the program must fail unless all are heap reports).
    pub stderr: Option<String>,
    /// Extra arguments for `bs run`.
    pub args: Vec<String>,
}

/// The directory holding the conformance programs.
pub fn programs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("programs")
}

/// Every case under `root`, sorted by path. A program without a `.out` file is an error.
pub fn discover(root: &Path) -> Result<Vec<Case>, String> {
    let mut programs = Vec::new();
    collect(root, &mut programs)?;
    programs.sort();
    programs
        .into_iter()
        .map(|program| {
            let stdout = std::fs::read_to_string(program.with_extension("out"))
                .map_err(|e| format!("{}: missing .out file: {e}", program.display()))?;
            let stderr = std::fs::read_to_string(program.with_extension("err")).ok();
            let args = std::fs::read_to_string(program.with_extension("args"))
                .map(|a| a.split_whitespace().map(String::from).collect())
                .unwrap_or_default();
            Ok(Case {
                program,
                stdout,
                stderr,
                args,
            })
        })
        .collect()
}

/// The entry file of a directory that is one program of several modules.
const MODULES_ENTRY: &str = "main.bs";

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entry = dir.join(MODULES_ENTRY);
    if entry.is_file() {
        out.push(entry);
        return Ok(());
    }
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "bs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Runs one case with `bs run --board BOARD` and the options `extra`; returns a description of
/// every mismatch.
pub fn run_case(bs: &Path, case: &Case, board: &str, extra: &[&str]) -> Result<(), String> {
    let dir = case.program.parent().unwrap_or(Path::new("."));
    let name = case.program.file_name().expect("programs are files");
    let output = Command::new(bs)
        .arg("run")
        .arg(name)
        .arg("--board")
        .arg(board)
        .args(extra)
        .args(&case.args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .map_err(|e| format!("cannot start {}: {e}", bs.display()))?;
    compare(case, &output)
}

/// Whether `case` can run from a release image: one program (not a session of several files,
/// whose arguments name more programs).
pub fn runs_in_release(case: &Case) -> bool {
    !case.args.iter().any(|a| a.ends_with(".bs"))
}

/// Runs one case from its release image with `bs run --release --board BOARD` and the options
/// `extra`, as a project in `scratch` (a fresh directory, also the store's home); returns a
/// description of every mismatch.
pub fn run_case_release(
    bs: &Path,
    case: &Case,
    board: &str,
    extra: &[&str],
    scratch: &Path,
) -> Result<(), String> {
    let dir = case.program.parent().unwrap_or(Path::new("."));
    let name = case.program.file_name().expect("programs are files");
    let project = scratch.join("project");
    copy_dir(dir, &project).map_err(|e| format!("cannot copy {}: {e}", dir.display()))?;
    let manifest = format!(
        "[package]\nname = \"conformance\"\nentry = \"{}\"\n",
        name.to_string_lossy()
    );
    std::fs::write(project.join("bluescript.toml"), manifest).map_err(|e| e.to_string())?;
    let output = Command::new(bs)
        .args(["run", "--release", "--board", board])
        .args(extra)
        .args(&case.args)
        .current_dir(&project)
        .env("NO_COLOR", "1")
        .env("BS_HOME", scratch.join("home"))
        .output()
        .map_err(|e| format!("cannot start {}: {e}", bs.display()))?;
    compare(case, &output)
}

/// Copies the directory `from` (files and subdirectories) to `to`.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let target = to.join(path.file_name().expect("entries have names"));
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)?;
        }
    }
    Ok(())
}

/// Compares the output of a run of `case` with its expectations; returns a description of
/// every mismatch.
fn compare(case: &Case, output: &std::process::Output) -> Result<(), String> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut problems = Vec::new();
    if stdout != case.stdout {
        problems.push(format!(
            "stdout differs\n--- expected\n{}--- actual\n{stdout}",
            case.stdout
        ));
    }
    match &case.stderr {
        None if !output.status.success() => {
            problems.push(format!(
                "exit status {} (expected success); stderr:\n{stderr}",
                output.status
            ));
        }
        None => {}
        Some(expected) => {
            let must_fail = !only_heap_reports(expected);
            if must_fail && output.status.success() {
                problems.push("exit status 0 (expected failure)".to_string());
            }
            if !must_fail && !output.status.success() {
                problems.push(format!(
                    "exit status {} (expected success); stderr:\n{stderr}",
                    output.status
                ));
            }
            if let Some(missing) = missing_line(expected, &stderr) {
                problems.push(format!("stderr lacks `{missing}`; stderr:\n{stderr}"));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Whether every non-empty expected standard-error line is a `--heap-stats` report, which a
/// successful run prints too.
fn only_heap_reports(expected: &str) -> bool {
    let mut lines = expected.lines().map(str::trim).filter(|l| !l.is_empty());
    lines.next().is_some_and(|l| l.starts_with("heap:")) && lines.all(|l| l.starts_with("heap:"))
}

/// The first expected line not found, in order, in `actual`.
fn missing_line<'a>(expected: &'a str, actual: &str) -> Option<&'a str> {
    // Expected lines match in order; consecutive ones may match the same line (an error name
    // and its location are printed on one line).
    let lines: Vec<&str> = actual.lines().collect();
    let mut at = 0;
    for want in expected.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match lines[at..].iter().position(|l| l.contains(want)) {
            Some(offset) => at += offset,
            None => return Some(want),
        }
    }
    None
}

/// Runs every case on `board` with the options `extra` using two worker threads; returns the
/// failures as `(program, description)`.
pub fn run_all(bs: &Path, cases: &[Case], board: &str, extra: &[&str]) -> Vec<(PathBuf, String)> {
    run_each(cases, |_, case| run_case(bs, case, board, extra))
}

/// Runs every case from its release image on `board` with the options `extra`
/// ([`run_case_release`], case `i` in `scratch/i`) using two worker threads; returns the
/// failures as `(program, description)`.
pub fn run_all_release(
    bs: &Path,
    cases: &[Case],
    board: &str,
    extra: &[&str],
    scratch: &Path,
) -> Vec<(PathBuf, String)> {
    run_each(cases, |i, case| {
        run_case_release(bs, case, board, extra, &scratch.join(i.to_string()))
    })
}

/// Runs `run` on every case (with its index) on two worker threads; returns the failures.
fn run_each(
    cases: &[Case],
    run: impl Fn(usize, &Case) -> Result<(), String> + Sync,
) -> Vec<(PathBuf, String)> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(case) = cases.get(i) else { break };
                    if let Err(e) = run(i, case) {
                        failures
                            .lock()
                            .expect("no worker panics while holding the lock")
                            .push((case.program.clone(), e));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().expect("workers finished");
    failures.sort();
    failures
}

#[cfg(test)]
mod tests {
    use super::{missing_line, only_heap_reports};

    #[test]
    fn heap_reports_alone_expect_success() {
        assert!(only_heap_reports(
            "heap: 1 object (8 bytes) live after collection\n\n"
        ));
        assert!(!only_heap_reports(
            "** runtime error: out of memory\nheap: 0 objects (0 bytes)\n"
        ));
        assert!(!only_heap_reports("E0200\n"));
        assert!(!only_heap_reports("\n"));
    }

    #[test]
    fn expected_error_lines_must_appear_in_order() {
        let actual = "error[E0200]: expected `integer`\n  at main.bs:3:9\n";
        assert_eq!(missing_line("E0200\nmain.bs:3:9\n", actual), None);
        assert_eq!(missing_line("main.bs:3:9\nE0200\n", actual), Some("E0200"));
        assert_eq!(missing_line("E0201\n", actual), Some("E0201"));
        let runtime = "** runtime error: type error: expected integer at main.bs:2:7\n";
        assert_eq!(
            missing_line("** runtime error: type error\nmain.bs:2:7\n", runtime),
            None
        );
    }
}
