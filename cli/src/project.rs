//! Finding what to build: a project directory with a `bluescript.toml`, or a single `.bs` file;
//! and reading the manifest fields this version uses.

use miette::{LabeledSpan, MietteDiagnostic, NamedSource, Report};
use std::path::{Path, PathBuf};

/// The manifest file name.
pub const MANIFEST: &str = "bluescript.toml";

/// What `bs run`/`bs check` operate on.
#[derive(Debug, Clone)]
pub struct Target {
    /// The entry source file.
    pub entry: PathBuf,
    /// The path to show in messages (relative to the project, or as given).
    pub display: String,
    /// The board to run on.
    pub board: String,
    /// The heap size in bytes, if the manifest sets one.
    pub heap_size: Option<u32>,
}

/// Resolves `path` (a project directory, a manifest, or a `.bs` file; default: the current
/// directory) to a build target.
pub fn resolve(path: Option<&Path>) -> miette::Result<Target> {
    let path = path
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    if path.extension().is_some_and(|e| e == "bs") {
        if !path.is_file() {
            return Err(miette::miette!(
                help = "check the path",
                "cannot find the file `{}`",
                path.display()
            ));
        }
        return Ok(Target {
            display: path.display().to_string(),
            entry: path,
            board: "host".into(),
            heap_size: None,
        });
    }
    let manifest = if path.is_dir() {
        path.join(MANIFEST)
    } else {
        path.clone()
    };
    if !manifest.is_file() {
        return Err(miette::miette!(
            help = "run `bs new NAME` to create a project, or pass a `.bs` file",
            "no `{MANIFEST}` in `{}`",
            path.display()
        ));
    }
    read_manifest(&manifest)
}

fn read_manifest(manifest: &Path) -> miette::Result<Target> {
    let text = std::fs::read_to_string(manifest)
        .map_err(|e| miette::miette!("cannot read `{}`: {e}", manifest.display()))?;
    let name = manifest.display().to_string();
    let doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        let span = e.span().unwrap_or(0..0);
        manifest_error(&name, &text, span, e.message().to_string(), None)
    })?;
    let dir = manifest.parent().unwrap_or(Path::new("."));
    let entry = match doc.get("package").and_then(|p| p.get("entry")) {
        None => "src/main.bs".to_string(),
        Some(item) => match item.as_str() {
            Some(s) => s.to_string(),
            None => {
                return Err(field_error(
                    &name,
                    &text,
                    item,
                    "`package.entry` must be a string path",
                ));
            }
        },
    };
    let board = match doc.get("board").and_then(|b| b.get("name")) {
        None => "host".to_string(),
        Some(item) => match item.as_str() {
            Some(name) if crate::board::BOARDS.contains(&name) => name.to_string(),
            Some(other) => {
                let msg = format!("unknown board `{other}`");
                return Err(field_error(&name, &text, item, &msg));
            }
            None => {
                return Err(field_error(
                    &name,
                    &text,
                    item,
                    "`board.name` must be a string",
                ));
            }
        },
    };
    let heap_size = match doc.get("board").and_then(|b| b.get("heap-size")) {
        None => None,
        Some(item) => match item.as_integer() {
            Some(n) if (4096..=256 * 1024 * 1024).contains(&n) => Some(n as u32),
            _ => {
                return Err(field_error(
                    &name,
                    &text,
                    item,
                    "`board.heap-size` must be a number of bytes between 4096 and 268435456",
                ));
            }
        },
    };
    let entry_path = dir.join(&entry);
    if !entry_path.is_file() {
        let item = doc.get("package").and_then(|p| p.get("entry"));
        let msg = format!("the entry file `{entry}` does not exist");
        return Err(match item {
            Some(item) => field_error(&name, &text, item, &msg),
            None => miette::miette!(
                help = "create `src/main.bs` or set `package.entry`",
                "{msg}"
            ),
        });
    }
    Ok(Target {
        entry: entry_path,
        display: entry,
        board,
        heap_size,
    })
}

fn field_error(file: &str, text: &str, item: &toml_edit::Item, message: &str) -> Report {
    let span = item.span().unwrap_or(0..0);
    let help = "see bluescript.toml.example for every field and its allowed values";
    manifest_error(file, text, span, message.to_string(), Some(help))
}

fn manifest_error(
    file: &str,
    text: &str,
    span: std::ops::Range<usize>,
    message: String,
    help: Option<&str>,
) -> Report {
    let mut d = MietteDiagnostic::new(message)
        .with_code("E0001")
        .with_label(LabeledSpan::at(span, "here"));
    if let Some(h) = help {
        d = d.with_help(h);
    }
    Report::new(d).with_source_code(NamedSource::new(file, text.to_string()))
}
