//! Finding what to build: a project directory with a `bluescript.toml`, or a single `.bs` file;
//! and reading the manifest fields this version uses, including the dependency packages.

use miette::{LabeledSpan, MietteDiagnostic, NamedSource, Report};
use std::collections::{BTreeMap, HashMap};
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
    /// The project (package 0) and its dependencies, transitively: where `import … from 'pkg'`
    /// leads.
    pub packages: Vec<Package>,
}

/// A package: a directory with a manifest. `'pkg'` imports its entry file, `'pkg/sub'` the file
/// `sub.bs` in the directory of its entry file.
#[derive(Debug, Clone)]
pub struct Package {
    /// Its entry file.
    pub entry: PathBuf,
    /// The entry file's path as messages show it (relative to the root project).
    pub entry_display: String,
    /// Its dependencies: name → index in [`Target::packages`].
    pub dependencies: BTreeMap<String, usize>,
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
        let display = path.display().to_string();
        return Ok(Target {
            packages: vec![Package {
                entry: path.clone(),
                entry_display: display.clone(),
                dependencies: BTreeMap::new(),
            }],
            display,
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
    read_project(&Manifest::read(&manifest)?)
}

/// `dir/rel` with `.` and `..` folded away where possible, as a path shown to users (`/`
/// separated; an empty `dir` is the current directory).
pub fn join_display(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in dir.split('/').chain(rel.split('/')) {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    if dir.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// A parsed manifest with its text, for errors that point into it.
struct Manifest {
    path: PathBuf,
    name: String,
    text: String,
    /// The parsed document (not `DocumentMut`, which forgets where each item is).
    doc: toml_edit::Document<String>,
}

impl Manifest {
    fn read(path: &Path) -> miette::Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| miette::miette!("cannot read `{}`: {e}", path.display()))?;
        let name = path.display().to_string();
        let doc = toml_edit::Document::parse(text.clone()).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            manifest_error(&name, &text, span, e.message().to_string(), None)
        })?;
        Ok(Manifest {
            path: path.to_path_buf(),
            name,
            text,
            doc,
        })
    }

    /// The directory holding the manifest.
    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// An error about `item` of this manifest.
    fn error(&self, item: &toml_edit::Item, message: &str) -> Report {
        field_error(&self.name, &self.text, item, message)
    }

    /// The entry file: as written (default `src/main.bs`) and as a path; it must exist.
    fn entry(&self) -> miette::Result<(String, PathBuf)> {
        let item = self.doc.get("package").and_then(|p| p.get("entry"));
        let entry = match item {
            None => "src/main.bs".to_string(),
            Some(item) => match item.as_str() {
                Some(s) => s.to_string(),
                None => return Err(self.error(item, "`package.entry` must be a string path")),
            },
        };
        let path = self.dir().join(&entry);
        if !path.is_file() {
            let msg = format!("the entry file `{entry}` does not exist");
            return Err(match item {
                Some(item) => self.error(item, &msg),
                None => miette::miette!(
                    help = "create `src/main.bs` or set `package.entry`",
                    "{msg} (in `{}`)",
                    self.name
                ),
            });
        }
        Ok((entry, path))
    }
}

fn read_project(manifest: &Manifest) -> miette::Result<Target> {
    let doc = &manifest.doc;
    let board = match doc.get("board").and_then(|b| b.get("name")) {
        None => "host".to_string(),
        Some(item) => match item.as_str() {
            Some(name) if crate::board::is_board(name) => name.to_string(),
            Some(other) => return Err(manifest.error(item, &format!("unknown board `{other}`"))),
            None => return Err(manifest.error(item, "`board.name` must be a string")),
        },
    };
    let heap_size = match doc.get("board").and_then(|b| b.get("heap-size")) {
        None => None,
        Some(item) => match item.as_integer() {
            Some(n) if (4096..=256 * 1024 * 1024).contains(&n) => Some(n as u32),
            _ => {
                return Err(manifest.error(
                    item,
                    "`board.heap-size` must be a number of bytes between 4096 and 268435456",
                ));
            }
        },
    };
    let mut packages = Vec::new();
    read_package(manifest, "", &mut packages, &mut HashMap::new())?;
    Ok(Target {
        entry: packages[0].entry.clone(),
        display: packages[0].entry_display.clone(),
        board,
        heap_size,
        packages,
    })
}

/// Adds the package of `manifest`, shown under `display_dir`, and its dependencies,
/// transitively, to `packages`; returns its index. `seen` maps the canonical directories of
/// the packages read so far to their indices.
fn read_package(
    manifest: &Manifest,
    display_dir: &str,
    packages: &mut Vec<Package>,
    seen: &mut HashMap<PathBuf, usize>,
) -> miette::Result<usize> {
    let (entry, entry_path) = manifest.entry()?;
    let index = packages.len();
    packages.push(Package {
        entry: entry_path,
        entry_display: join_display(display_dir, &entry),
        dependencies: BTreeMap::new(),
    });
    if let Ok(dir) = manifest.dir().canonicalize() {
        seen.insert(dir, index);
    }
    let Some(deps) = manifest.doc.get("dependencies") else {
        return Ok(index);
    };
    let Some(table) = deps.as_table_like() else {
        return Err(manifest.error(
            deps,
            "`dependencies` must be a table of `name = { path = \"…\" }` entries",
        ));
    };
    for (name, item) in table.iter() {
        let path_item = item.as_table_like().and_then(|t| t.get("path"));
        let (Some(path_item), Some(path)) = (path_item, path_item.and_then(|p| p.as_str())) else {
            let msg =
                format!("dependency `{name}` needs a path: `{name} = {{ path = \"../{name}\" }}`");
            return Err(manifest.error(item, &msg));
        };
        let dir = manifest.dir().join(path);
        let dep_manifest = dir.join(MANIFEST);
        let canonical = dir.canonicalize().ok().filter(|_| dep_manifest.is_file());
        let Some(canonical) = canonical else {
            let msg = format!("dependency `{name}`: there is no `{MANIFEST}` in `{path}`");
            return Err(manifest.error(path_item, &msg));
        };
        let dep = match seen.get(&canonical) {
            Some(&dep) => dep,
            None => {
                let dep = Manifest::read(&dep_manifest)?;
                read_package(&dep, &join_display(display_dir, path), packages, seen)?
            }
        };
        packages[index].dependencies.insert(name.to_string(), dep);
    }
    Ok(index)
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

#[cfg(test)]
mod tests {
    use super::join_display;

    #[test]
    fn display_paths_fold_dots() {
        assert_eq!(join_display("", "util.bs"), "util.bs");
        assert_eq!(join_display("lib", "./helpers.bs"), "lib/helpers.bs");
        assert_eq!(join_display("lib/deep", "../x.bs"), "lib/x.bs");
        assert_eq!(join_display("", "../pkg/src/main.bs"), "../pkg/src/main.bs");
        assert_eq!(
            join_display("../pkg/src", "../../other/a.bs"),
            "../other/a.bs"
        );
        assert_eq!(join_display("/abs/dir", "./a.bs"), "/abs/dir/a.bs");
    }
}
