//! `cargo bench -p cli --bench live`: the latencies of interactive development on the host
//! board, through the real `bs` binary:
//! - a REPL cell, from writing the line to reading its output;
//! - `bs watch`, from saving a one-function edit to the `patched …` line, in generated projects
//!   of 2,000 and 20,000 lines (`testsuite::generate`) whose program runs meanwhile.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

/// Lines of a child's standard output (`true`) and error, as they arrive.
fn lines_of(child: &mut Child) -> Receiver<(bool, String)> {
    let (tx, rx) = mpsc::channel();
    let pipe = |r: Box<dyn Read + Send>, is_out: bool| {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(r).lines().map_while(Result::ok) {
                let _ = tx.send((is_out, line));
            }
        });
    };
    pipe(Box::new(child.stdout.take().expect("piped")), true);
    pipe(Box::new(child.stderr.take().expect("piped")), false);
    rx
}

/// Waits for a line satisfying `want`.
fn until(rx: &Receiver<(bool, String)>, want: impl Fn(bool, &str) -> bool) -> String {
    loop {
        let (out, line) = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("bs answers");
        if want(out, &line) {
            return line;
        }
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn repl_cell_latency(bs: &Path) {
    let mut child = Command::new(bs)
        .arg("repl")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bs starts");
    let mut stdin = child.stdin.take().expect("piped");
    let rx = lines_of(&mut child);
    writeln!(stdin, "function sq(x: integer): integer {{ return x * x }}").unwrap();
    let mut times = Vec::new();
    for i in 0..41 {
        let start = Instant::now();
        writeln!(stdin, "print(sq({i}) + 1)").unwrap();
        stdin.flush().unwrap();
        let want = (i * i + 1).to_string();
        until(&rx, |out, l| out && l == want);
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    drop(stdin);
    let _ = child.wait();
    println!(
        "REPL cell (input to output): median {:.2} ms",
        median(times)
    );
}

fn watch_latency(bs: &Path, lines: usize) {
    let dir = std::env::temp_dir().join(format!("bs-live-bench-{}-{lines}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let files = testsuite::generate::project(lines, Some(5));
    let total: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    for (path, text) in &files {
        std::fs::write(dir.join(path), text).unwrap();
    }
    let mut child = Command::new(bs)
        .arg("watch")
        .arg(dir.join("main.bs"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bs starts");
    let rx = lines_of(&mut child);
    until(&rx, |out, l| out && l == "ready");
    let module = dir.join("m0.bs");
    let original = testsuite::generate::module(0);
    let (mut wall, mut reported) = (Vec::new(), Vec::new());
    for edit in 1..=9 {
        let edited = original.replace(
            &testsuite::generate::function(7, 7),
            &testsuite::generate::function(7, 1000 + edit),
        );
        let start = Instant::now();
        std::fs::write(&module, edited).unwrap();
        let line = until(&rx, |out, l| {
            !out && (l.starts_with("patched ") || l.starts_with("restarting"))
        });
        wall.push(start.elapsed().as_secs_f64() * 1e3);
        assert!(line.starts_with("patched 1 function"), "{line}");
        let ms = line.rsplit(" in ").next().unwrap().trim_end_matches(" ms");
        reported.push(ms.parse::<f64>().unwrap());
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "bs watch, one-function edit in a {total}-line project ({} files): median {:.2} ms from save to patched ({:.2} ms compile and patch, as printed)",
        files.len(),
        median(wall),
        median(reported)
    );
}

fn main() {
    let bs = Path::new(env!("CARGO_BIN_EXE_bs"));
    repl_cell_latency(bs);
    watch_latency(bs, 2_000);
    watch_latency(bs, 20_000);
}
