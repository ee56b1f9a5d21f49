//! Finding what to build: a project directory with a `bluescript.toml`, or a single `.bs` file;
//! and the packages of its dependencies, transitively.

use crate::deps::Resolver;
use crate::manifest::{DependencySource, MANIFEST, Manifest};
use incremental::link::LinkTarget;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// What `bs run`/`bs check`/`bs build` operate on.
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
    /// The project's manifest (none for a single `.bs` file).
    pub manifest: Option<Manifest>,
}

impl Target {
    /// `device` (the link target a board reports) with the code and data space narrowed to
    /// the manifest's `board.code-size` and `board.data-size`.
    pub fn link_target(&self, device: LinkTarget) -> LinkTarget {
        let mut target = device;
        if let Some(board) = self.manifest.as_ref().map(|m| &m.board) {
            let memory = &mut target.memory;
            memory.code_size = memory.code_size.min(board.code_size.unwrap_or(u32::MAX));
            memory.data_size = memory.data_size.min(board.data_size.unwrap_or(u32::MAX));
        }
        target
    }
}

/// A package: a directory with a manifest. `'pkg'` imports its entry file, `'pkg/sub'` the file
/// `sub.bs` in its source directory.
#[derive(Debug, Clone)]
pub struct Package {
    /// Its entry file.
    pub entry: PathBuf,
    /// The entry file's path as messages show it (relative to the root project).
    pub entry_display: String,
    /// Its source directory.
    pub source: PathBuf,
    /// The source directory as messages show it.
    pub source_display: String,
    /// Its dependencies: name → index in [`Target::packages`].
    pub dependencies: BTreeMap<String, usize>,
}

/// Resolves `path` (a project directory, a manifest, or a `.bs` file; default: the current
/// directory) to a build target; git dependencies come from `resolver`, which writes the
/// project's lock. `release` selects the release profile's settings.
pub fn resolve(
    path: Option<&Path>,
    release: bool,
    resolver: &mut Resolver,
) -> miette::Result<Target> {
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
        let source = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        return Ok(Target {
            packages: vec![Package {
                entry: path.clone(),
                entry_display: display.clone(),
                source_display: source.display().to_string(),
                source,
                dependencies: BTreeMap::new(),
            }],
            display,
            entry: path,
            board: "host".into(),
            heap_size: None,
            manifest: None,
        });
    }
    let manifest = manifest_path(&path)?;
    let manifest = Manifest::read(&manifest)?;
    let mut packages = Vec::new();
    resolver.begin(&manifest)?;
    read_package(&manifest, "", resolver, &mut packages, &mut HashMap::new())?;
    resolver.finish(&manifest)?;
    Ok(Target {
        entry: packages[0].entry.clone(),
        display: packages[0].entry_display.clone(),
        board: manifest.board.name.clone(),
        heap_size: manifest
            .profile(release)
            .heap_size
            .or(manifest.board.heap_size),
        packages,
        manifest: Some(manifest),
    })
}

/// The manifest of the project at `path` (a directory or the manifest itself); it must exist.
pub fn manifest_path(path: &Path) -> miette::Result<PathBuf> {
    let manifest = if path.is_dir() {
        path.join(MANIFEST)
    } else {
        path.to_path_buf()
    };
    if !manifest.is_file() {
        return Err(miette::miette!(
            help = "run `bs new NAME` to create a project, or pass a `.bs` file",
            "no `{MANIFEST}` in `{}`",
            path.display()
        ));
    }
    Ok(manifest)
}

/// Adds the package of `manifest`, shown under `display_dir`, and its dependencies,
/// transitively, to `packages`; returns its index. `seen` maps the canonical directories of
/// the packages read so far to their indices.
fn read_package(
    manifest: &Manifest,
    display_dir: &str,
    resolver: &mut Resolver,
    packages: &mut Vec<Package>,
    seen: &mut HashMap<PathBuf, usize>,
) -> miette::Result<usize> {
    let info = &manifest.package;
    let entry = manifest.dir().join(&info.entry);
    if !entry.is_file() {
        let msg = format!("the entry file `{}` does not exist", info.entry);
        return Err(miette::miette!(
            help = "create it or set `package.entry` in the manifest",
            "{msg} (in `{}`)",
            manifest.path.display()
        ));
    }
    let index = packages.len();
    packages.push(Package {
        entry,
        entry_display: join_display(display_dir, &info.entry),
        source: manifest.dir().join(&info.source),
        source_display: join_display(display_dir, &info.source),
        dependencies: BTreeMap::new(),
    });
    if let Ok(dir) = manifest.dir().canonicalize() {
        seen.insert(dir, index);
    }
    for dep in &manifest.dependencies {
        let (dir, display) = match &dep.source {
            DependencySource::Path(path) => {
                (manifest.dir().join(path), join_display(display_dir, path))
            }
            DependencySource::Git { url, reference } => {
                resolver.fetch(manifest, dep, url, reference)?
            }
        };
        let dep_manifest = dir.join(MANIFEST);
        let canonical = dir.canonicalize().ok().filter(|_| dep_manifest.is_file());
        let Some(canonical) = canonical else {
            let msg = format!(
                "dependency `{}`: there is no `{MANIFEST}` in `{display}`",
                dep.name
            );
            return Err(manifest.error_at(dep.span.clone(), &msg));
        };
        let index_of_dep = match seen.get(&canonical) {
            Some(&i) => i,
            None => {
                let dep_manifest = Manifest::read(&dep_manifest)?;
                read_package(&dep_manifest, &display, resolver, packages, seen)?
            }
        };
        packages[index]
            .dependencies
            .insert(dep.name.clone(), index_of_dep);
    }
    Ok(index)
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
