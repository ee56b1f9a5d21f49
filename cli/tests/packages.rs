//! End-to-end tests of project management through the real `bs`: `bs add`/`bs remove`, git
//! dependencies from local `file://` repositories, `bluescript.lock`, the store and `bs gc`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `bs` in `dir` with its home (store and project registry) in `home`.
fn bs(dir: &Path, home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bs"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("BS_HOME", home)
        .output()
        .expect("bs starts")
}

/// Runs `bs` and insists that it succeeds; returns its standard output.
fn bs_ok(dir: &Path, home: &Path, args: &[&str]) -> String {
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
fn bs_err(dir: &Path, home: &Path, args: &[&str]) -> String {
    let out = bs(dir, home, args);
    assert!(!out.status.success(), "bs {args:?} should fail");
    text(&out.stderr)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh temporary directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bs-pkg-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().expect("files are in a directory")).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

const APP_MANIFEST: &str = r#"# My application.
[package]
name    = "app"      # aligned on purpose
version = "0.1.0"

[board]
name = "host"   # no hardware needed

# What we import.
[dependencies]
# Shapes and areas.
geometry = { path = "../geometry" }

# Tuning for releases.
[profile.release]
heap-size = 65536
"#;

#[test]
fn add_and_remove_keep_comments_order_and_formatting() {
    let dir = temp_dir("add-remove");
    let home = dir.join("home");
    write_files(
        &dir,
        &[
            ("app/bluescript.toml", APP_MANIFEST),
            ("app/src/main.bs", "print(1)\n"),
            (
                "geometry/bluescript.toml",
                "[package]\nname = \"geometry\"\n",
            ),
            ("geometry/src/main.bs", "export const two = 2\n"),
            ("units/bluescript.toml", "[package]\nname = \"units\"\n"),
            ("units/src/main.bs", "export const ten = 10\n"),
        ],
    );
    let app = dir.join("app");
    let out = bs_ok(&app, &home, &["add", "units", "--path", "../units"]);
    assert_eq!(out, "Added `units` from path `../units` to `app`\n");
    let added = APP_MANIFEST.replace(
        "geometry = { path = \"../geometry\" }\n",
        "geometry = { path = \"../geometry\" }\nunits = { path = \"../units\" }\n",
    );
    let manifest = || std::fs::read_to_string(app.join("bluescript.toml")).unwrap();
    assert_eq!(manifest(), added);

    // Adding a name again replaces its source in place.
    bs_ok(&app, &home, &["add", "geometry", "--path", "../units"]);
    assert_eq!(
        manifest(),
        added.replace("path = \"../geometry\"", "path = \"../units\"")
    );
    bs_ok(&app, &home, &["add", "geometry", "--path", "../geometry"]);

    // A dependency that cannot be used is not added.
    let err = bs_err(&app, &home, &["add", "nothing", "--path", "../nothing"]);
    assert!(
        err.contains("`nothing` was not added") && err.contains("no `bluescript.toml`"),
        "{err}"
    );
    assert_eq!(manifest(), added);

    // Removing takes the entry and the comment on the line above it, nothing else.
    bs_ok(&app, &home, &["remove", "geometry"]);
    assert_eq!(
        manifest(),
        added.replace(
            "# Shapes and areas.\ngeometry = { path = \"../geometry\" }\n",
            ""
        )
    );
    let err = bs_err(&app, &home, &["remove", "geometry"]);
    assert!(err.contains("has no dependency `geometry`"), "{err}");

    // A manifest without `[dependencies]` gets the table at its end.
    write_files(
        &dir,
        &[("app/bluescript.toml", "[package]\nname = \"app\"\n")],
    );
    bs_ok(&app, &home, &["add", "units", "--path", "../units"]);
    assert_eq!(
        manifest(),
        "[package]\nname = \"app\"\n\n[dependencies]\nunits = { path = \"../units\" }\n"
    );
}
