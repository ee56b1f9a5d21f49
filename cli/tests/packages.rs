//! End-to-end tests of project management through the real `bs`: `bs add`/`bs remove`, git
//! dependencies from local `file://` repositories, `bluescript.lock`, the store and `bs gc`.

mod common;

use common::{bs, bs_err, bs_ok, temp_dir, text, write_files};
use std::path::{Path, PathBuf};
use std::process::Command;

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

/// Runs `git ARGS` in `dir` with a fixed identity.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.org")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.org")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

/// A git repository at `dir/name` holding a package `name` whose entry file is `main`, with
/// one commit tagged `v1`; returns its `file://` URL.
fn git_package(dir: &Path, name: &str, main: &str) -> String {
    let repo = dir.join(name);
    write_files(
        &repo,
        &[
            (
                "bluescript.toml",
                &format!("[package]\nname = \"{name}\"\n"),
            ),
            ("src/main.bs", main),
        ],
    );
    git(&repo, &["init", "--quiet", "--initial-branch=main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "--quiet", "-m", "first"]);
    git(&repo, &["tag", "v1"]);
    format!("file://{}", repo.display())
}

/// The package `mathlib` exporting `sq` in a git repository under `dir`; returns its URL.
fn mathlib(dir: &Path) -> String {
    git_package(
        dir,
        "mathlib",
        "export function sq(x: integer): integer { return x * x }\n",
    )
}

/// The `sha256 = "…"` value of a lock file.
fn locked_hash(lock: &str) -> String {
    let line = lock
        .lines()
        .find(|l| l.starts_with("sha256 = "))
        .expect("a hash");
    line.trim_start_matches("sha256 = ")
        .trim_matches('"')
        .to_string()
}

#[test]
fn git_dependencies_are_locked_stored_and_checked() {
    let dir = temp_dir("git");
    let home = dir.join("home");
    let url = mathlib(&dir);
    write_files(
        &dir,
        &[
            ("app/bluescript.toml", "[package]\nname = \"app\"\n"),
            (
                "app/src/main.bs",
                "import { sq } from 'mathlib'\nprint(sq(7))\n",
            ),
        ],
    );
    let app = dir.join("app");
    bs_ok(
        &app,
        &home,
        &["add", "mathlib", "--git", &url, "--tag", "v1"],
    );
    let lock = std::fs::read_to_string(app.join("bluescript.lock")).unwrap();
    let rev = git(&dir.join("mathlib"), &["rev-parse", "v1"]);
    assert!(lock.contains(&format!("rev = \"{rev}\"")), "{lock}");
    assert!(lock.contains("reference = \"tag=v1\""), "{lock}");
    let hash = locked_hash(&lock);
    assert_eq!(hash.len(), 64);
    let stored = home.join("store").join(format!("{hash}-mathlib"));
    assert!(stored.join("src/main.bs").is_file());
    assert!(!stored.join(".git").exists(), "the store keeps files only");
    assert_eq!(bs_ok(&app, &home, &["run"]), "49\n");

    // Locked and offline: the store answers, and says so.
    let out = bs(&app, &home, &["run", "--locked", "--offline", "--verbose"]);
    assert_eq!(text(&out.stdout), "49\n");
    assert!(text(&out.stderr).contains("store hit: mathlib"));
    assert!(!text(&out.stderr).contains("Fetching"));

    // The upstream moves on; a branch dependency would change the lock.
    write_files(
        &dir,
        &[(
            "mathlib/src/main.bs",
            "export function sq(x: integer): integer { return x * x + 1 }\n",
        )],
    );
    git(
        &dir.join("mathlib"),
        &["commit", "--quiet", "-am", "second"],
    );
    let manifest = std::fs::read_to_string(app.join("bluescript.toml")).unwrap();
    let err = bs_err(
        &app,
        &home,
        &[
            "add", "mathlib", "--git", &url, "--branch", "main", "--locked",
        ],
    );
    assert!(err.contains("`--locked` forbids"), "{err}");
    assert_eq!(
        std::fs::read_to_string(app.join("bluescript.toml")).unwrap(),
        manifest
    );
    assert_eq!(
        std::fs::read_to_string(app.join("bluescript.lock")).unwrap(),
        lock
    );
    // The tag still pins the first commit.
    assert_eq!(bs_ok(&app, &home, &["run", "--locked"]), "49\n");
    bs_ok(
        &app,
        &home,
        &["add", "mathlib", "--git", &url, "--branch", "main"],
    );
    assert_eq!(bs_ok(&app, &home, &["run", "--locked"]), "50\n");
    let lock_main = std::fs::read_to_string(app.join("bluescript.lock")).unwrap();
    assert!(
        lock_main.contains("reference = \"branch=main\""),
        "{lock_main}"
    );

    // A missing lock under `--locked`.
    std::fs::remove_file(app.join("bluescript.lock")).unwrap();
    let err = bs_err(&app, &home, &["run", "--locked"]);
    assert!(err.contains("not in `bluescript.lock`"), "{err}");
    // Offline with an empty store cannot fetch.
    std::fs::write(app.join("bluescript.lock"), &lock_main).unwrap();
    let err = bs_err(&app, &dir.join("empty-home"), &["run", "--offline"]);
    assert!(
        err.contains("not in the store") && err.contains("--offline"),
        "{err}"
    );

    // Files changed in the store are a tampered dependency.
    let main_hash = locked_hash(&lock_main);
    let stored = home.join("store").join(format!("{main_hash}-mathlib"));
    std::fs::write(
        stored.join("src/main.bs"),
        "export function sq(x: integer): integer { return 0 }\n",
    )
    .unwrap();
    let err = bs_err(&app, &home, &["run"]);
    assert!(
        err.contains("tampered with") && err.contains(&main_hash),
        "{err}"
    );
    // Deleting the copy fetches it again, and it checks out.
    std::fs::remove_dir_all(&stored).unwrap();
    assert_eq!(bs_ok(&app, &home, &["run"]), "50\n");

    // A lock whose hash does not match the repository's content is refused.
    let forged = lock_main.replace(&main_hash, &"0".repeat(64));
    std::fs::write(app.join("bluescript.lock"), forged).unwrap();
    let err = bs_err(&app, &dir.join("fresh-home"), &["run"]);
    assert!(
        err.contains("has SHA-256") && err.contains(&main_hash) && err.contains("0000000000"),
        "{err}"
    );
}

/// The names in the store of `home`.
fn store_entries(home: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(home.join("store"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != ".tmp")
        .collect();
    names.sort();
    names
}

#[test]
fn compiled_modules_are_reused_from_the_store_and_gc_keeps_what_projects_need() {
    let dir = temp_dir("store");
    let home = dir.join("home");
    let url = mathlib(&dir);
    let manifest = |name: &str| {
        format!(
            "[package]\nname = \"{name}\"\n\n[dependencies]\nmathlib = {{ git = \"{url}\", tag = \"v1\" }}\n"
        )
    };
    write_files(
        &dir,
        &[
            ("one/bluescript.toml", &manifest("one")),
            (
                "one/src/main.bs",
                "import { sq } from 'mathlib'\nprint(sq(3))\n",
            ),
            ("two/bluescript.toml", &manifest("two")),
            (
                "two/src/main.bs",
                "import { sq } from 'mathlib'\nprint(sq(4))\n",
            ),
        ],
    );
    let one = dir.join("one");
    let two = dir.join("two");
    let out = bs_ok(&one, &home, &["build"]);
    assert!(
        out.contains("2 modules (0 from the store, 2 compiled)"),
        "{out}"
    );
    // A second cold build (a new process) compiles nothing.
    let second = bs(&one, &home, &["build", "--verbose"]);
    let (out, err) = (text(&second.stdout), text(&second.stderr));
    assert!(out.contains("(2 from the store, 0 compiled)"), "{out}");
    assert!(err.contains("store hit: module src/main.bs"), "{err}");
    assert!(err.contains("store hit: module mathlib@"), "{err}");
    assert_eq!(bs_ok(&one, &home, &["run"]), "9\n");

    // A stored module changed after it was written is noticed and compiled again.
    let main_module = std::fs::read_to_string(one.join("target/bs-last-build.dev"))
        .unwrap()
        .lines()
        .last()
        .map(|l| home.join("store").join(l))
        .expect("the last build lists the entry module last");
    let stored = std::fs::read_to_string(&main_module).unwrap();
    std::fs::write(&main_module, stored.replacen("\"code\"", "\"code\" ", 1)).unwrap();
    let again = bs(&one, &home, &["build"]);
    assert!(text(&again.stderr).contains("is damaged; compiling it again"));
    assert!(text(&again.stdout).contains("(1 from the store, 1 compiled)"));
    assert_eq!(std::fs::read_to_string(&main_module).unwrap(), stored);

    // Another project with the same dependency reuses its compiled module.
    let out = bs_ok(&two, &home, &["build"]);
    assert!(out.contains("(1 from the store, 1 compiled)"), "{out}");
    assert_eq!(bs_ok(&two, &home, &["run"]), "16\n");

    // An edit compiles the edited module only.
    write_files(
        &dir,
        &[(
            "one/src/main.bs",
            "import { sq } from 'mathlib'\nprint(sq(5))\n",
        )],
    );
    let out = bs_ok(&one, &home, &["build"]);
    assert!(out.contains("(1 from the store, 1 compiled)"), "{out}");
    // The store: the dependency's sources, its module, and the old and new `one` and `two`
    // main modules.
    assert_eq!(store_entries(&home).len(), 5, "{:?}", store_entries(&home));

    // gc deletes the old build of `one`'s main module only.
    let out = bs_ok(&one, &home, &["gc"]);
    assert_eq!(out, "Deleted 1 store entries; kept 4 for 2 projects\n");
    assert_eq!(bs_ok(&one, &home, &["run", "--offline"]), "25\n");
    // A project that is gone needs nothing.
    std::fs::remove_dir_all(&two).unwrap();
    let out = bs_ok(&one, &home, &["gc"]);
    assert_eq!(out, "Deleted 1 store entries; kept 3 for 1 projects\n");
    // Without the dependency, its sources and module go too.
    bs_ok(&one, &home, &["remove", "mathlib"]);
    write_files(&dir, &[("one/src/main.bs", "print(6)\n")]);
    assert_eq!(bs_ok(&one, &home, &["run"]), "6\n");
    let out = bs_ok(&one, &home, &["gc"]);
    assert_eq!(out, "Deleted 3 store entries; kept 1 for 1 projects\n");
    assert_eq!(store_entries(&home).len(), 1);
    assert!(store_entries(&home)[0].ends_with("-main.bsmod"));
}

/// Writes a project `app` for `board` with a path dependency `geometry` and a git dependency
/// `mathlib` under `dir`.
fn two_dependency_project(dir: &Path, url: &str, board: &str) {
    write_files(
        dir,
        &[
            (
                "app/bluescript.toml",
                &format!(
                    "[package]\nname = \"app\"\n\n[board]\nname = \"{board}\"\n\n[dependencies]\ngeometry = {{ path = \"../geometry\" }}\nmathlib = {{ git = \"{url}\", tag = \"v1\" }}\n"
                ),
            ),
            (
                "app/src/main.bs",
                "import { area } from 'geometry'\nimport { sq } from 'mathlib'\n\
                 function unused(x: integer): integer { return x + 1 }\n\
                 print(area(3, 4) + sq(5))\n",
            ),
            (
                "geometry/bluescript.toml",
                "[package]\nname = \"geometry\"\n",
            ),
            (
                "geometry/src/main.bs",
                // Recursive: a function of its own even where a call of it is inlined.
                "export function area(w: integer, h: integer): integer {\n\
                 return h <= 0 ? 0 : w + area(w, h - 1)\n}\n",
            ),
        ],
    );
}

/// The SHA-256 of a file, in hex, as `sha256sum` prints it.
fn sha256_of(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum runs");
    text(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string()
}

#[test]
fn release_images_are_byte_identical_boot_and_can_be_inspected() {
    release_images_on("host");
}

#[test]
fn xtensa_release_images_are_byte_identical_boot_and_can_be_inspected() {
    release_images_on("esp32-sim");
}

/// Release images for `board` are byte-identical across directories, stores, times and
/// environments, call directly, boot and run, and `bs inspect` shows what they hold.
fn release_images_on(board: &str) {
    let dir = temp_dir(&format!("release-{board}"));
    let url = mathlib(&dir);
    let (a, b) = (dir.join("a"), dir.join("elsewhere/b"));
    two_dependency_project(&a, &url, board);
    two_dependency_project(&b, &url, board);
    let built = bs(
        &a.join("app"),
        &dir.join("home-a"),
        &["build", "--release", "--verbose"],
    );
    let (out, err) = (text(&built.stdout), text(&built.stderr));
    // `unused`; `sq`, inlined into the app's `<main>`; the three modules' `<main>`s, inlined
    // into `<start>`; the `any` adapters of the two exported functions and the nine built-in
    // method adapters: nothing calls through `any`.
    assert!(out.contains("(16 unreachable dropped)"), "{out}");
    assert!(
        err.contains("dropped (unreachable): unused@src/main.bs"),
        "{err}"
    );
    // Another directory, another store, another environment.
    let other = Command::new(env!("CARGO_BIN_EXE_bs"))
        .args(["build", "--release"])
        .current_dir(b.join("app"))
        .env("BS_HOME", dir.join("home-b"))
        .env("TZ", "Pacific/Auckland")
        .env("LANG", "de_DE.UTF-8")
        .env("SOURCE_DATE_EPOCH", "12345")
        .env("BS_SOME_SETTING", "x")
        .output()
        .unwrap();
    assert!(other.status.success(), "{}", text(&other.stderr));
    let image_a = a.join("app/target/release/app.bsimg");
    let image_b = b.join("app/target/release/app.bsimg");
    let hash = sha256_of(&image_a);
    assert_eq!(hash.len(), 64);
    assert_eq!(hash, sha256_of(&image_b));
    // A rebuild later (through the store now) writes the same bytes again.
    bs_ok(&a.join("app"), &dir.join("home-a"), &["build", "--release"]);
    assert_eq!(sha256_of(&image_a), hash);

    // Calls between BlueScript functions are direct: on x86-64 a 2-byte no-op and
    // `call rel32`, on Xtensa `call8`.
    let bytes = std::fs::read(&image_a).unwrap();
    let architecture = if board == "host" {
        assert!(bytes.windows(3).any(|w| w == [0x66, 0x90, 0xE8]));
        "x86-64"
    } else {
        let image = device::image::Image::parse(&bytes).unwrap();
        let code = image
            .sections()
            .map(Result::unwrap)
            .find(|s| s.kind == device::image::SECTION_CODE)
            .expect("a code section");
        let listing = backend_xtensa::disasm(code.bytes, code.addr);
        assert!(listing.contains(" call8 "), "{listing}");
        "Xtensa"
    };

    assert_eq!(
        bs_ok(&a.join("app"), &dir.join("home-a"), &["run", "--release"]),
        "37\n"
    );
    if board != "host" {
        // Direct calls execute fewer instructions than table calls (no loads of the entry).
        let count = |args: &[&str]| -> u64 {
            let out = bs(&a.join("app"), &dir.join("home-a"), args);
            let err = text(&out.stderr);
            err.lines()
                .find_map(|l| l.strip_prefix("instructions: "))
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no instruction count in {err}"))
        };
        let release = count(&["run", "--release", "--instructions"]);
        let dev = count(&["run", "--instructions"]);
        assert!(release < dev, "release {release}, development {dev}");
    }
    let shown = bs_ok(
        &a.join("app"),
        &dir.join("home-a"),
        &["inspect", "target/release/app.bsimg"],
    );
    let architecture = format!("architecture: {architecture}");
    for part in [
        architecture.as_str(),
        "checksum:",
        "  code ",
        "<start>",
        "area@../geometry/src/main.bs",
        "module src/main.bs",
        "compiler",
    ] {
        assert!(shown.contains(part), "`{part}` missing in:\n{shown}");
    }
    assert!(!shown.contains("unused"), "{shown}");

    // A corrupt image is refused with a clear error.
    let mut corrupt = bytes.clone();
    corrupt[40] ^= 0xFF;
    std::fs::write(dir.join("corrupt.bsimg"), corrupt).unwrap();
    let err = bs_err(&dir, &dir.join("home-a"), &["inspect", "corrupt.bsimg"]);
    assert!(err.contains("corrupt"), "{err}");
}

/// A project with `manifest` and `src/main.bs` in a fresh directory for test `name`; returns
/// the directory and a home for `bs` in it.
fn project(name: &str, manifest: &str, main: &str) -> (PathBuf, PathBuf) {
    let dir = temp_dir(name);
    write_files(
        &dir,
        &[("bluescript.toml", manifest), ("src/main.bs", main)],
    );
    let home = dir.join("home");
    (dir, home)
}

#[test]
fn boards_without_tooling_say_what_is_not_supported_yet() {
    let (dir, home) = project(
        "esp32",
        "[package]\nname = \"blink\"\n[board]\nname = \"esp32\"\n",
        "print(1)\n",
    );
    let err = bs_err(&dir, &home, &["flash"]);
    assert!(err.contains("set `board.firmware`"), "{err}");
    // Release images of Xtensa code for the ESP32 map are built, for the flashing tools.
    let out = bs_ok(&dir, &home, &["build", "--release"]);
    assert!(out.contains("target/release/blink.bsimg"), "{out}");
    let shown = bs_ok(&dir, &home, &["inspect", "target/release/blink.bsimg"]);
    assert!(shown.contains("architecture: Xtensa"), "{shown}");
}

#[test]
fn profiles_and_memory_limits_of_the_manifest_apply() {
    let (dir, home) = project(
        "profiles",
        "[package]\nname = \"limits\"\n\n[profile.release]\nheap-size = 8192\n",
        "let xs = [1, 2, 3]\nprint(xs[1])\nprint(xs[3])\n",
    );
    // The release profile's heap, and run-time errors located in a release image too.
    let out = bs(&dir, &home, &["run", "--release", "--heap-stats"]);
    assert_eq!(text(&out.stdout), "2\n");
    let err = text(&out.stderr);
    assert!(err.contains("of 8192 bytes"), "{err}");
    assert!(err.contains("src/main.bs:3"), "{err}");
    // The development profile keeps the board's default heap.
    let err = text(&bs(&dir, &home, &["run", "--heap-stats"]).stderr);
    assert!(err.contains("of 4194304 bytes"), "{err}");

    // A program larger than `board.code-size` does not link.
    let big: String = (0..100)
        .map(|i| {
            format!("function f{i}(x: integer): integer {{ return x * {i} + 1 }}\nprint(f{i}(2))\n")
        })
        .collect();
    write_files(
        &dir,
        &[
            (
                "bluescript.toml",
                "[package]\nname = \"limits\"\n[board]\ncode-size = 4096\n",
            ),
            ("src/main.bs", &big),
        ],
    );
    let err = bs_err(&dir, &home, &["build"]);
    assert!(
        err.contains("does not fit in the device's 4096 bytes"),
        "{err}"
    );
}
