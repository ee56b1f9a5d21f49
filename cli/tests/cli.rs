//! End-to-end tests of the `bs` command as a user runs it.

mod common;

use common::{temp_dir, text, write_files};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bs(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bs"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("BS_HOME", std::env::temp_dir().join("bs-cli-test-home"))
        .output()
        .expect("bs starts")
}

#[test]
fn new_project_runs_its_template() {
    let dir = temp_dir("new");
    let out = bs(&dir, &["new", "demo"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let project = dir.join("demo");
    for file in [
        "bluescript.toml",
        "src/main.bs",
        "src/greet.test.bs",
        ".gitignore",
    ] {
        assert!(project.join(file).is_file(), "{file} missing");
    }
    let run = bs(&project, &["run"]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(
        text(&run.stdout),
        "Hello, BlueScript!\n1 + 2 + ... + 10 = 55\n"
    );
    let test = bs(&project, &["test"]);
    assert!(test.status.success(), "{}", text(&test.stderr));
    assert!(
        text(&test.stdout).contains("test greet::greets by name ... ok\n"),
        "{}",
        text(&test.stdout)
    );
    let again = bs(&dir, &["new", "demo"]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already exists"));
}

#[test]
fn type_and_syntax_errors_name_file_line_and_column() {
    let dir = temp_dir("errors");
    std::fs::write(dir.join("types.bs"), "let a = 1\nlet s: string = a + 1\n").unwrap();
    std::fs::write(dir.join("syntax.bs"), "let a = (1 + 2\nprint(a)\n").unwrap();
    let out = bs(&dir, &["run", "types.bs"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("E0200") && err.contains("expected `string`, found `integer`"),
        "{err}"
    );
    assert!(err.contains("types.bs:2:17"), "{err}");
    assert!(
        err.contains("let s: string = a + 1"),
        "the source line is shown: {err}"
    );
    let out = bs(&dir, &["check", "syntax.bs"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("E01") && err.contains("syntax.bs:2:1"),
        "{err}"
    );
}

#[test]
fn runtime_error_reports_the_line_and_the_device_runs_the_next_program() {
    let dir = temp_dir("runtime");
    std::fs::write(
        dir.join("index.bs"),
        "let xs = [1, 2, 3]\nprint(\"before\")\nprint(xs[3])\n",
    )
    .unwrap();
    std::fs::write(dir.join("div.bs"), "let z = 0\nprint(7 / z)\n").unwrap();
    std::fs::write(
        dir.join("any.bs"),
        "let a: any = \"text\"\nlet n: integer = a\n",
    )
    .unwrap();
    std::fs::write(dir.join("ok.bs"), "print(\"still running\")\n").unwrap();
    let out = bs(&dir, &["run", "index.bs", "div.bs", "any.bs", "ok.bs"]);
    assert!(!out.status.success());
    assert_eq!(text(&out.stdout), "before\nstill running\n");
    let err = text(&out.stderr);
    for expected in [
        "** runtime error: array index out of range: 3 (length 3) at index.bs:3:7",
        "3 | print(xs[3])",
        "** runtime error: division by zero at div.bs:2:7",
        "** runtime error: type error: expected integer, got string at any.bs:2:18",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
}

#[test]
fn bad_input_gets_clear_errors() {
    let dir = temp_dir("bad");
    std::fs::write(dir.join("bin.bs"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let out = bs(&dir, &["run", "bin.bs"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not valid UTF-8"),
        "{}",
        text(&out.stderr)
    );
    let out = bs(&dir, &["run", "missing.bs"]);
    assert!(text(&out.stderr).contains("cannot find the file"));
    let out = bs(&dir, &["run"]);
    assert!(text(&out.stderr).contains("no `bluescript.toml`"));
    std::fs::write(
        dir.join("bluescript.toml"),
        "[package]\nname = \"bad\"\n[board]\nname = \"esp99\"\n",
    )
    .unwrap();
    let out = bs(&dir, &["run"]);
    let err = text(&out.stderr);
    assert!(
        err.contains("unknown board `esp99`") && err.contains("bluescript.toml"),
        "{err}"
    );
    let out = bs(&dir, &["run", "bin.bs", "--board", "mars"]);
    assert!(text(&out.stderr).contains("unknown board `mars`"));
}

#[test]
fn help_shows_commands_with_examples() {
    let out = bs(Path::new("."), &["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for word in ["new", "run", "check", "Examples"] {
        assert!(help.contains(word), "{help}");
    }
    let out = bs(Path::new("."), &["run", "--help"]);
    assert!(text(&out.stdout).contains("bs run hello.bs"));
    assert!(text(&out.stdout).contains("--heap-stats"));
}

#[test]
fn heap_stats_report_each_program_after_a_collection() {
    let dir = temp_dir("heap-stats");
    // "kept 99" is 8 + 7 bytes, rounded up to 16; the churn needs collections on 4096 bytes.
    let churn =
        "let kept = \"\"\nfor (let i = 0; i < 2000; i++) kept = \"kept \" + i % 100\nprint(kept)\n";
    std::fs::write(dir.join("churn.bs"), churn).unwrap();
    std::fs::write(dir.join("quiet.bs"), "print(1)\n").unwrap();
    std::fs::write(dir.join("bad.bs"), "let x: integer = \"s\"\n").unwrap();
    let out = bs(
        &dir,
        &[
            "run",
            "churn.bs",
            "quiet.bs",
            "bad.bs",
            "--heap-size",
            "4096",
            "--heap-stats",
        ],
    );
    assert!(!out.status.success());
    assert_eq!(text(&out.stdout), "kept 99\n1\n");
    let err = text(&out.stderr);
    let heap: Vec<&str> = err.lines().filter(|l| l.starts_with("heap:")).collect();
    assert_eq!(
        heap.len(),
        2,
        "no report for a program that did not compile: {err}"
    );
    assert!(
        heap[0].starts_with("heap: 1 object (16 bytes) live after collection; peak ")
            && heap[0].contains(" of 4096 bytes; ")
            && !heap[0].ends_with("; 0 collections"),
        "{err}"
    );
    // One session: the first program's global still holds its string, and the counts are
    // the second program's own.
    assert!(
        heap[1].starts_with("heap: 1 object (16 bytes) live after collection; peak ")
            && heap[1].ends_with(" of 4096 bytes; 0 collections"),
        "{err}"
    );
}

#[test]
fn a_long_console_error_line_goes_entirely_to_stderr() {
    let dir = temp_dir("stderr");
    let program = "let s = \"\"\nfor (let i = 0; i < 3000; i++) s = s + \"e\"\nconsole.error(s)\nprint(\"out\")\n";
    std::fs::write(dir.join("long.bs"), program).unwrap();
    let out = bs(&dir, &["run", "long.bs"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "out\n");
    assert_eq!(text(&out.stderr), format!("{}\n", "e".repeat(3000)));
}

/// Writes `files` (path relative to `dir`, text) under `dir`.
#[test]
fn imports_from_dependency_packages_declared_in_the_manifest() {
    let dir = temp_dir("packages");
    write_files(
        &dir,
        &[
            (
                "app/bluescript.toml",
                "[package]\nname = \"app\"\nentry = \"src/main.bs\"\n\n[dependencies]\ngeometry = { path = \"../geometry\" }\n",
            ),
            (
                "app/src/main.bs",
                "import { area } from 'geometry'\nimport { twice } from 'geometry/extra'\nprint(area(3, 4))\nprint(twice(area(1, 2)))\n",
            ),
            (
                "geometry/bluescript.toml",
                "[package]\nname = \"geometry\"\nentry = \"lib/index.bs\"\n\n[dependencies]\nunits = { path = \"../units\" }\n",
            ),
            (
                "geometry/lib/index.bs",
                "import { scale } from 'units'\nexport function area(w: integer, h: integer): integer { return w * h * scale }\n",
            ),
            (
                "geometry/lib/extra.bs",
                "export function twice(x: integer): integer { return 2 * x }\n",
            ),
            ("units/bluescript.toml", "[package]\nname = \"units\"\n"),
            ("units/src/main.bs", "export const scale = 10\n"),
        ],
    );
    let out = bs(&dir.join("app"), &["run"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "120\n40\n");

    // An error inside a package names the package's file as seen from the project.
    write_files(
        &dir,
        &[("units/src/main.bs", "export const scale: string = 10\n")],
    );
    let out = bs(&dir.join("app"), &["check"]);
    let err = text(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("../units/src/main.bs:1:30"), "{err}");

    // A package the manifest does not declare.
    write_files(
        &dir,
        &[("app/src/main.bs", "import { x } from 'nothere'\n")],
    );
    let out = bs(&dir.join("app"), &["check"]);
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot find module `nothere`") && err.contains("[dependencies]"),
        "{err}"
    );
}

#[test]
fn broken_dependencies_point_into_the_manifest() {
    let dir = temp_dir("bad-deps");
    write_files(&dir, &[("src/main.bs", "print(1)\n")]);
    let manifest = |deps: &str| {
        std::fs::write(
            dir.join("bluescript.toml"),
            format!("[package]\nname = \"app\"\n\n[dependencies]\n{deps}\n"),
        )
        .unwrap();
    };
    manifest("missing = { path = \"../missing\" }");
    let err = text(&bs(&dir, &["run"]).stderr);
    assert!(
        err.contains("there is no `bluescript.toml` in `../missing`")
            && err.contains("bluescript.toml:5"),
        "{err}"
    );
    manifest("versioned = \"1.0\"");
    let err = text(&bs(&dir, &["run"]).stderr);
    assert!(err.contains("dependency `versioned` needs a path"), "{err}");
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
    assert!(xml.contains("tests=\"8\" failures=\"6\""), "{xml}");
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

/// Writes `files` into a fresh directory, runs `bs` there with `args` (a program that prints
/// `started` first), sends SIGINT once `started` is out, and returns the exit code, the rest
/// of standard output and standard error.
fn interrupt_with_sigint(
    name: &str,
    files: &[(&str, &str)],
    args: &[&str],
) -> (Option<i32>, String, String) {
    let dir = std::env::temp_dir().join(format!("bs-ctrl-c-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_bs"))
        .args(args)
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .env("BS_HOME", dir.join("home"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bs starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, "started\n");
    // The program now runs without end.
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
    (status.code(), rest, stderr)
}

/// A program after the interrupted one, calling a function through the function table, which
/// must be whole again after an interrupt.
const AFTER: &str = "function ready(): string { return \"still ready\" }\nprint(ready())\n";

/// A recursion that calls and never loops: no poll anywhere in it. It prints `started` deep in
/// the recursion, so that the interrupt finds it there.
const FIB: &str = "function fib(n: integer): integer {\n  if (n == 70) print(\"started\")\n  if (n < 2) return n\n  return fib(n - 1) + fib(n - 2)\n}\nprint(fib(80))\n";

/// Runs `program` then [`AFTER`] on `board`, interrupts `program` with SIGINT, and checks
/// that it stopped at `endless.bs:` + `at` and that the next program ran.
fn interrupted_then_ready(board: &str, name: &str, program: &str, at: &str) {
    let files = [("endless.bs", program), ("after.bs", AFTER)];
    let args = ["run", "--board", board, "endless.bs", "after.bs"];
    let (code, rest, stderr) = interrupt_with_sigint(&format!("{name}-{board}"), &files, &args);
    assert_eq!(code, Some(1), "{board}: {stderr}");
    assert_eq!(rest, "still ready\n", "{board}: {stderr}");
    let at = format!("** runtime error: interrupted at endless.bs:{at}");
    assert!(stderr.starts_with(&at), "{board}: {stderr}");
}

#[test]
fn ctrl_c_interrupts_an_endless_program_and_the_device_runs_the_next() {
    let endless = "print(\"started\")\nlet n = 0\nwhile (true) {\n  n = n + 1\n}\n";
    for board in ["host", "esp32-sim"] {
        interrupted_then_ready(board, "loop", endless, "3:8\n");
    }
}

/// The recursion stops at its next call (either of the two) once the device diverts the
/// function table, and the table comes back for the next program.
#[test]
fn ctrl_c_interrupts_an_endless_recursion_at_a_call() {
    for board in ["host", "esp32-sim"] {
        interrupted_then_ready(board, "fib", FIB, "4:");
    }
}

/// In a release image calls are direct, except those that can recurse: they still go through
/// the table (on Xtensa through a thunk), so the recursion stops too.
#[test]
fn ctrl_c_interrupts_an_endless_recursion_in_a_release_image() {
    for board in ["host", "esp32-sim"] {
        let manifest = format!("[package]\nname = \"rel\"\n\n[board]\nname = \"{board}\"\n");
        let files = [("bluescript.toml", manifest.as_str()), ("src/main.bs", FIB)];
        let name = format!("release-{board}");
        let (code, _, stderr) = interrupt_with_sigint(&name, &files, &["run", "--release"]);
        assert_eq!(code, Some(1), "{board}: {stderr}");
        assert!(
            stderr.starts_with("** runtime error: interrupted at src/main.bs:4:"),
            "{board}: {stderr}"
        );
    }
}

#[test]
fn disasm_lists_xtensa_code_with_source_lines() {
    let dir = temp_dir("disasm");
    std::fs::write(
        dir.join("gcd.bs"),
        "function gcd(a: integer, b: integer): integer {\n  while (b != 0) {\n    let t = a % b\n    a = b\n    b = t\n  }\n  return a\n}\nprint(gcd(12, 18))\n",
    )
    .unwrap();
    let out = bs(&dir, &["disasm", "gcd.bs", "gcd", "--board", "esp32-sim"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert!(listing.starts_with("gcd@gcd.bs: "), "{listing}");
    assert!(listing.contains("entry a1, 32"), "{listing}");
    assert!(listing.contains("rems a"), "{listing}");
    assert!(listing.contains("; gcd.bs:3: let t = a % b"), "{listing}");
    assert!(!listing.contains("<main>"), "{listing}");
    let all = bs(&dir, &["disasm", "gcd.bs", "--board", "esp32"]);
    assert!(text(&all.stdout).contains("<main>@gcd.bs"));
    let host = bs(&dir, &["disasm", "gcd.bs"]);
    assert!(!host.status.success());
    assert!(
        text(&host.stderr).contains("not supported yet"),
        "{}",
        text(&host.stderr)
    );
    let missing = bs(&dir, &["disasm", "gcd.bs", "lcm", "--board", "esp32-sim"]);
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("has no function `lcm`"));
}

/// `bs disasm --release` lists the release image's code at its addresses: direct `call8`s, the
/// image's literal pool, source lines from the image's source map, and no function that was
/// inlined away.
#[test]
fn disasm_lists_the_code_of_a_release_image() {
    let dir = temp_dir("disasm-release");
    std::fs::write(
        dir.join("bluescript.toml"),
        "[package]\nname = \"gcd\"\nentry = \"gcd.bs\"\n\n[board]\nname = \"esp32-sim\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("gcd.bs"),
        "function gcd(a: integer, b: integer): integer {\n  while (b != 0) {\n    let t = a % b\n    a = b\n    b = t\n  }\n  return a\n}\nfunction twice(x: integer): integer {\n  return x + x\n}\nfor (let i = 0; i < 3; i++) {\n  print(gcd(twice(12), 18 + i))\n}\nprint(gcd(4, 6))\n",
    )
    .unwrap();
    let out = bs(&dir, &["disasm", ".", "--release"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listing = text(&out.stdout);
    assert!(listing.starts_with("<literals>: "), "{listing}");
    assert!(
        listing.contains(":  .word 0x"),
        "the pool is listed as words: {listing}"
    );
    assert!(listing.contains("\ngcd@gcd.bs: "), "{listing}");
    assert!(listing.contains(" bytes at 0x4008"), "{listing}");
    assert!(listing.contains("call8 0x4008"), "{listing}");
    // Natives are called straight at their vector entries, and named.
    assert!(listing.contains("  ; PrintInt\n"), "{listing}");
    assert!(listing.contains("  ; RaiseDivisionByZero\n"), "{listing}");
    assert!(
        listing.contains("; gcd.bs:13: print(gcd(twice(12), 18 + i))"),
        "{listing}"
    );
    assert!(!listing.contains("twice@"), "twice is inlined: {listing}");
    assert!(dir.join("target/release/gcd.bsimg").exists());
    let one = bs(&dir, &["disasm", ".", "gcd", "--release"]);
    assert!(
        text(&one.stdout).starts_with("gcd@gcd.bs: "),
        "{}",
        text(&one.stdout)
    );
    let missing = bs(&dir, &["disasm", ".", "twice", "--release"]);
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("has no function `twice`"));
}

#[test]
fn programs_run_on_the_esp32_sim_board() {
    let dir = temp_dir("esp32-sim");
    std::fs::write(dir.join("a.bs"), "print(1 + 2)\n").unwrap();
    let out = bs(&dir, &["run", "--board", "esp32-sim", "a.bs"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "3\n");
    let out = bs(
        &dir,
        &[
            "run",
            "--board",
            "esp32-sim",
            "--heap-size",
            "99999999",
            "a.bs",
        ],
    );
    let err = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("does not fit in the esp32-sim board's PSRAM arena"),
        "{err}"
    );
    // The manifest may name the board too; a run-time error names its source line.
    std::fs::write(
        dir.join("bluescript.toml"),
        "[package]\nname = \"sim\"\n\n[board]\nname = \"esp32-sim\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/main.bs"),
        "let xs = [1, 2]\nprint(xs[0])\nprint(xs[5])\n",
    )
    .unwrap();
    let out = bs(&dir, &["run"]);
    assert!(!out.status.success());
    assert_eq!(text(&out.stdout), "1\n");
    let err = text(&out.stderr);
    assert!(err.contains("main.bs:3"), "{err}");
    // `bs test` builds the same way.
    std::fs::write(
        dir.join("src/main.test.bs"),
        "test('one', () => { assertEqual(1 + 1, 2) })\n",
    )
    .unwrap();
    let out = bs(&dir, &["test"]);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("one"), "{}", text(&out.stdout));
}

#[test]
fn instruction_counts_need_a_board_that_counts_them() {
    let dir = temp_dir("instructions");
    std::fs::write(dir.join("a.bs"), "print(1)\n").unwrap();
    let out = bs(&dir, &["run", "--instructions", "a.bs"]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("the host board does not count instructions") && err.contains("esp32-sim"),
        "{err}"
    );
}

#[test]
fn an_esp32_project_runs_on_the_simulator_when_no_esp32_is_connected() {
    let dir = temp_dir("esp32-fallback");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("bluescript.toml"),
        "[package]\nname = \"chip\"\n\n[board]\nname = \"esp32\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("src/main.bs"), "print(6 * 7)\n").unwrap();
    let out = bs(&dir, &["run"]);
    let err = text(&out.stderr);
    let connected = ["/dev/ttyUSB0", "/dev/ttyACM0"]
        .iter()
        .any(|p| Path::new(p).exists());
    if connected {
        assert!(!out.status.success());
        assert!(
            err.contains("not supported yet: running on an esp32"),
            "{err}"
        );
    } else {
        assert!(out.status.success(), "{err}");
        assert_eq!(text(&out.stdout), "42\n");
        assert_eq!(
            err,
            "no esp32 is connected: running on the esp32-sim board\n"
        );
    }
    let built = bs(&dir, &["build"]);
    assert!(built.status.success(), "{}", text(&built.stderr));
}

#[test]
fn the_sample_project_reports_the_same_on_esp32_sim() {
    let dir = sample_project();
    let out = bs(&dir, &["test", "--timeout", "1", "--board", "esp32-sim"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let expected = std::fs::read_to_string(dir.join("expected.out")).unwrap();
    assert_eq!(without_time(&text(&out.stdout)), expected);
}
