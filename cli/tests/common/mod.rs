//! Helpers the end-to-end test files share (each uses some of them).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Bytes as text, lossily.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bs-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Writes `(path, text)` files under `dir`, creating their directories.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("files are in a directory")).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Runs `bs` in `dir` with its home (store and project registry) in `home`.
pub fn bs(dir: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bs"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("BS_HOME", home)
        .output()
        .expect("bs starts")
}

/// Runs `bs` and insists that it succeeds; returns its standard output.
pub fn bs_ok(dir: &Path, home: &Path, args: &[&str]) -> String {
    let out = bs(dir, home, args);
    assert!(
        out.status.success(),
        "bs {args:?} failed:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Runs `bs` and insists that it fails; returns its standard error.
pub fn bs_err(dir: &Path, home: &Path, args: &[&str]) -> String {
    let out = bs(dir, home, args);
    assert!(!out.status.success(), "bs {args:?} should fail");
    text(&out.stderr)
}
