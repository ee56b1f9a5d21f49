//! `bs repl` and `bs run --repl`, driven through standard input of the real `bs` binary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// Runs `bs ARGS` in `dir` with `input` on standard input.
fn bs_with_input(dir: &Path, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bs"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bs starts");
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(input.as_bytes()).expect("input written");
    drop(stdin);
    child.wait_with_output().expect("bs ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bs-repl-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn definitions_persist_and_a_redefinition_reaches_existing_callers() {
    let input = "let x = 6 * 7\nprint(x)\n\
                 function f(a: integer): integer {\n  return a + x\n}\n\
                 function g(): integer { return f(1) }\nprint(g())\n\
                 function f(a: integer): integer { return a * 100 }\nprint(g())\n\
                 x = x + 1\nprint(x)\n";
    let out = bs_with_input(Path::new("."), &["repl"], input);
    assert_eq!(
        text(&out.stdout),
        "42\n43\n100\n43\n",
        "{}",
        text(&out.stderr)
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn later_cells_infer_types_from_and_extend_classes_of_earlier_cells() {
    // Unannotated results and globals computed from an earlier cell's global, and a class that
    // extends an earlier cell's class.
    let input = "let x = 1
function f(a: integer) { return a + x }
print(f(2))
                 let y = x + 1
print(y)
                 class P { v: integer; constructor() { this.v = 5 } }
                 class Q extends P { w: integer; constructor() { super(); this.w = 2 } }
                 function g(p: P) { return p.v }
print(g(new Q()))
";
    let out = bs_with_input(Path::new("."), &["repl"], input);
    assert_eq!(text(&out.stdout), "3\n2\n5\n", "{}", text(&out.stderr));
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn errors_leave_the_session_and_its_state_intact() {
    let input = "let kept = [1, 2]\nlet y: integer = \"s\"\nprint(kept[5])\n\
                 function kept2(): string { return 1 }\nprint(kept[1])\n\
                 function h(a: integer): integer { return a }\n\
                 function h(a: integer): string { return \"no\" }\nprint(h(7))\n";
    let out = bs_with_input(Path::new("."), &["repl"], input);
    let err = text(&out.stderr);
    assert_eq!(text(&out.stdout), "2\n7\n", "{err}");
    assert!(
        err.contains("<cell 2>:1:18"),
        "compile error at its cell: {err}"
    );
    assert!(
        err.contains("array index out of range: 5 (length 2) at <cell 3>:1:7"),
        "{err}"
    );
    assert!(err.contains("E0250"), "an incompatible redefinition: {err}");
    assert!(!out.status.success());
}

#[test]
fn commands_help_mem_reset_and_quit() {
    let input = ":help\nlet x = 1\n:mem\n:reset\nprint(x)\nprint(\"fresh\")\n:bogus\n:quit\nprint(\"never\")\n";
    let out = bs_with_input(Path::new("."), &["repl"], input);
    let stdout = text(&out.stdout);
    let err = text(&out.stderr);
    assert!(stdout.contains(":reset"), "{stdout}");
    assert!(
        stdout.contains("heap: ") && stdout.contains("code: "),
        "{stdout}"
    );
    assert!(stdout.contains("function slots: "), "{stdout}");
    assert!(stdout.ends_with("fresh\n"), "{stdout}");
    assert!(!stdout.contains("never"), "{stdout}");
    assert!(err.contains("cannot find `x`"), "{err}");
    assert!(err.contains("unknown command `:bogus`"), "{err}");
}

#[test]
fn run_repl_continues_after_the_entry_file() {
    let dir = temp_dir("run-repl");
    std::fs::write(
        dir.join("counter.bs"),
        "let count = 10\nfunction bump(): integer { count += 1; return count }\nprint(bump())\n",
    )
    .unwrap();
    let out = bs_with_input(
        &dir,
        &["run", "--repl", "counter.bs"],
        "print(bump())\nfunction bump(): integer { count += 5; return count }\nprint(bump())\n",
    );
    assert_eq!(text(&out.stdout), "11\n12\n17\n", "{}", text(&out.stderr));
    assert!(out.status.success());
}
