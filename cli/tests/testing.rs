//! End-to-end tests of `bs test` and of interrupting a running program, through the real `bs`.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bs(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bs"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("bs starts")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The sample project with passing, failing, erroring and endless tests.
fn sample_project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testsuite/test-project")
}

/// The report with its run time replaced by `…`.
fn without_time(report: &str) -> String {
    match report.rfind("finished in ") {
        Some(at) => format!("{}finished in …\n", &report[..at]),
        None => report.to_string(),
    }
}

#[test]
fn sample_project_reports_every_kind_of_outcome() {
    let dir = sample_project();
    let junit = std::env::temp_dir().join(format!("bs-junit-{}.xml", std::process::id()));
    let out = bs(
        &dir,
        &["test", "--timeout", "1", "--junit", junit.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let expected = std::fs::read_to_string(dir.join("expected.out")).unwrap();
    assert_eq!(without_time(&text(&out.stdout)), expected);
    let xml = std::fs::read_to_string(&junit).unwrap();
    let _ = std::fs::remove_file(&junit);
    assert!(xml.contains("tests=\"7\" failures=\"5\""), "{xml}");
    assert!(
        xml.contains("<testcase classname=\"counter\" name=\"starts at zero\"/>"),
        "{xml}"
    );
    assert!(
        xml.contains("name=\"spins forever\">\n      <failure message=\"timed out\">"),
        "{xml}"
    );
}

#[test]
fn a_filter_selects_tests_and_passing_tests_exit_zero() {
    let out = bs(&sample_project(), &["test", "zero"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(
        report.starts_with("\nrunning 1 test\ntest counter::starts at zero ... ok\n"),
        "{report}"
    );
    assert!(
        report.contains("test result: ok. 1 passed; 0 failed;"),
        "{report}"
    );
}

#[test]
fn a_bad_timeout_is_an_error() {
    let out = bs(&sample_project(), &["test", "--timeout=-1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not a duration"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn ctrl_c_interrupts_an_endless_program_and_the_device_runs_the_next() {
    let dir = std::env::temp_dir().join(format!("bs-ctrl-c-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("endless.bs"),
        "print(\"started\")\nlet n = 0\nwhile (true) {\n  n = n + 1\n}\n",
    )
    .unwrap();
    std::fs::write(dir.join("after.bs"), "print(\"still ready\")\n").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bs"))
        .args(["run", "endless.bs", "after.bs"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bs starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, "started\n");
    // The program is now in its endless loop.
    // SAFETY: sends a signal to our own child process.
    assert_eq!(
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) },
        0
    );
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert_eq!(rest, "still ready\n", "{stderr}");
    assert!(
        stderr.starts_with("** runtime error: interrupted at endless.bs:3:8\n"),
        "{stderr}"
    );
}
