//! `bs watch`, driven by editing the files of a temporary project while the real `bs` binary
//! runs it. Waiting has a generous limit only so that a broken build fails instead of hanging;
//! nothing is asserted about time.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

const PROGRAM: &str = "let count = 0\n\
function step(): integer { count += 1; return count }\n\
function show(n: integer) { print(\"tick \" + n) }\n\
while (true) { show(step()); time.delay(20) }\n";

/// A line of the watched process: from standard output (`true`) or error.
type Line = (bool, String);

/// `bs watch` running on a file, with its output lines arriving on a channel.
struct Watch {
    child: Child,
    lines: Receiver<Line>,
    seen: Vec<Line>,
}

impl Watch {
    fn start(file: &PathBuf, board: &str) -> Watch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bs"))
            .arg("watch")
            .arg(file)
            .args(["--board", board])
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bs starts");
        let (tx, lines) = mpsc::channel();
        let pipe = |r: Box<dyn Read + Send>, is_out: bool| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(r).lines().map_while(Result::ok) {
                    let _ = tx.send((is_out, line));
                }
            });
        };
        pipe(Box::new(child.stdout.take().unwrap()), true);
        pipe(Box::new(child.stderr.take().unwrap()), false);
        Watch {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads lines until one satisfies `want`; returns it.
    fn until(&mut self, what: &str, want: impl Fn(&Line) -> bool) -> Line {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if want(&line) {
                        return line;
                    }
                }
                Err(_) => panic!("no {what}; output so far: {:#?}", self.seen),
            }
        }
    }

    /// The number in the next `WORD N` line on standard output.
    fn next_count(&mut self, word: &str) -> u32 {
        let prefix = format!("{word} ");
        let (_, line) = self.until(&prefix, |(out, l)| *out && l.starts_with(&prefix));
        line[prefix.len()..].parse().expect("a count")
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh temporary project `bs-watch-NAME-PID` whose `main.bs` is `text`; returns that file.
fn project(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bs-watch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("main.bs");
    std::fs::write(&file, text).unwrap();
    file
}

#[test]
fn saves_patch_the_running_program_and_keep_its_state() {
    saves_patch_the_running_program_on("host");
}

#[test]
fn saves_patch_the_program_running_on_esp32_sim_and_keep_its_state() {
    saves_patch_the_running_program_on("esp32-sim");
}

fn saves_patch_the_running_program_on(board: &str) {
    let file = project(&format!("test-{board}"), PROGRAM);
    let mut watch = Watch::start(&file, board);
    watch.next_count("tick");
    let last_tick = watch.next_count("tick");

    // A function body: patched while the loop runs; the global counter goes on.
    let tock = PROGRAM.replace("\"tick \"", "\"tock \"");
    std::fs::write(&file, &tock).unwrap();
    let (_, patched) = watch.until("patch line", |(out, l)| !out && l.starts_with("patched "));
    assert!(
        patched.starts_with("patched 1 function (") && patched.ends_with(" ms"),
        "{patched}"
    );
    let first_tock = watch.next_count("tock");
    assert!(first_tock > last_tick, "{:#?}", watch.seen);
    assert!(
        !watch.seen.iter().any(|(_, l)| l.starts_with("restarting")),
        "{:#?}",
        watch.seen
    );

    // A compile error: shown, and the old version keeps running.
    std::fs::write(&file, tock.replace("+ n)", "+ n + oops)")).unwrap();
    watch.until("compile error", |(out, l)| {
        !out && l.contains("cannot find `oops`")
    });
    let later = watch.next_count("tock");
    assert!(later > first_tock);

    // The top-level code: the program restarts and says why.
    std::fs::write(&file, tock.replace("let count = 0", "let count = 100")).unwrap();
    let (_, why) = watch.until("restart", |(out, l)| !out && l.starts_with("restarting: "));
    assert_eq!(why, "restarting: the top-level statements changed");
    assert_eq!(watch.next_count("tock"), 101);
}

const TWO: &str = "let count = 0\n\
function step(): integer { count += 1; return count }\n\
function show(n: integer) { const xs = [1, 2]; print(\"tick \" + (n + xs[0])) }\n\
while (true) { show(step()); time.delay(20) }\n";

#[test]
fn a_function_below_a_longer_body_reports_its_run_time_errors_at_its_new_line() {
    let file = project("moved", TWO);
    let mut watch = Watch::start(&file, "host");
    watch.next_count("tick");
    // `step` grows by a line: `show` moves down without being compiled again.
    let longer = TWO.replace("count += 1;", "count += 1\n    count += 0;");
    std::fs::write(&file, &longer).unwrap();
    let (_, patched) = watch.until("patch line", |(out, l)| !out && l.starts_with("patched "));
    assert!(patched.starts_with("patched 1 function ("), "{patched}");
    // Then `show` fails: the error names its line, one lower than before.
    std::fs::write(&file, longer.replace("xs[0]", "xs[n + 5]")).unwrap();
    let (_, error) = watch.until("run-time error", |(out, l)| {
        !out && l.contains("array index out of range")
    });
    assert!(error.contains("main.bs:4:"), "{error}");
}
