//! Loading a program into the compiler database: the entry file and every module it imports,
//! found relative to the importing file (`./x`, `../x`) or in a dependency package (`pkg`,
//! `pkg/sub`, in the package's source directory).

use crate::project::{Package, Target, join_display};
use incremental::check::Interface;
use incremental::db::{Compiler, SourceFile};
use incremental::modules::{self, Loader, Module};
use incremental::shadow::Shadow;
use salsa::{Durability, Setter};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A program in its database.
pub struct Program {
    /// The database holding its modules.
    pub db: Compiler,
    /// The entry file.
    pub entry: SourceFile,
    /// Every module, in initialization order (the entry file last).
    pub modules: Vec<SourceFile>,
    /// The number of its first file in its session, once it joined one.
    first_file: Option<u32>,
    /// Which of its session's device states its database's device input holds.
    device: Option<u64>,
    /// Where each module's file is on disk (none for a REPL cell): as found, and canonical.
    disk: Vec<(SourceFile, PathBuf, PathBuf)>,
}

impl Program {
    /// Reads the entry file of `target` and every module it imports.
    pub fn load(target: &Target) -> miette::Result<Program> {
        let text = read_text(&target.entry).map_err(|e| match e {
            ReadError::Io(e) => miette::miette!("cannot read `{}`: {e}", target.entry.display()),
            ReadError::NotUtf8(at) => miette::miette!(
                help = "save the file as UTF-8",
                "`{}` is not valid UTF-8 text (byte {at})",
                target.display
            ),
        })?;
        let mut loader = FileLoader {
            packages: &target.packages,
            files: HashMap::from([(target.display.clone(), (target.entry.clone(), 0))]),
        };
        let entry = Module {
            identity: identity(&target.entry),
            path: target.display.clone(),
            text,
        };
        let mut db = Compiler::default();
        if let Some(code) = incremental::target::Target::for_board(&target.board) {
            db.set_target(code);
        }
        let entry = modules::load(&mut db, entry, &mut loader);
        let modules = modules::init_order(&db, entry);
        modules::settle(&mut db, &modules);
        let disk = modules
            .iter()
            .filter_map(|m| {
                let file = loader.files.get(m.path(&db))?.0.clone();
                let canonical = file.canonicalize().unwrap_or_else(|_| file.clone());
                Some((*m, file, canonical))
            })
            .collect();
        Ok(Program {
            db,
            entry,
            modules,
            first_file: None,
            device: None,
            disk,
        })
    }

    /// Reads the module files among `saved` (every module's file with `None`) again and gives
    /// the database the texts that changed; returns whether any did (a file that cannot be
    /// read keeps its old text).
    pub fn refresh(&mut self, saved: Option<&[PathBuf]>) -> bool {
        let saved: Option<Vec<PathBuf>> = saved.map(|paths| {
            paths
                .iter()
                .map(|p| p.canonicalize().unwrap_or_else(|_| p.clone()))
                .collect()
        });
        let mut changed = false;
        for (file, path, canonical) in &self.disk {
            if saved.as_ref().is_some_and(|s| !s.contains(canonical)) {
                continue;
            }
            let Ok(text) = read_text(path) else { continue };
            if *file.text(&self.db) != text {
                // An edited file is volatile from now on; the others stay settled.
                file.set_text(&mut self.db)
                    .with_durability(Durability::LOW)
                    .to(text);
                changed = true;
            }
        }
        changed
    }

    /// The directories that hold the program's files.
    pub fn directories(&self) -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = self
            .disk
            .iter()
            .map(|(_, p, _)| {
                p.parent()
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            })
            .map(|d| {
                if d.as_os_str().is_empty() {
                    PathBuf::from(".")
                } else {
                    d
                }
            })
            .collect();
        dirs.sort();
        dirs.dedup();
        dirs
    }

    /// A program whose entry file is `text`, shown as `path` and importing relative to the
    /// current directory (a REPL cell).
    pub fn from_text(path: &str, text: &str) -> Program {
        let packages = [Package {
            entry: PathBuf::from(path),
            entry_display: path.to_string(),
            source: PathBuf::from("."),
            source_display: String::new(),
            dependencies: Default::default(),
        }];
        let mut loader = FileLoader {
            packages: &packages,
            files: HashMap::from([(path.to_string(), (PathBuf::from(path), 0))]),
        };
        let entry = Module {
            identity: path.to_string(),
            path: path.to_string(),
            text: text.to_string(),
        };
        let mut db = Compiler::default();
        let entry = modules::load(&mut db, entry, &mut loader);
        let modules = modules::init_order(&db, entry);
        Program {
            db,
            entry,
            modules,
            first_file: None,
            device: None,
            disk: Vec::new(),
        }
    }

    /// Makes this program the next of a session: its entry file sees `prelude`, the names
    /// earlier programs defined, and its modules are numbered from `first_index` on, after
    /// the files of the earlier programs (so that run-time error locations tell them apart).
    /// Only the first call has an effect: a program recompiled after an edit keeps both.
    /// Returns the number after its last file.
    pub fn join_session(&mut self, prelude: &Interface, first_index: u32) -> u32 {
        let first = *self.first_file.get_or_insert_with(|| {
            let settled = Durability::MEDIUM;
            let entry = self.entry;
            entry
                .set_prelude(&mut self.db)
                .with_durability(settled)
                .to(prelude.clone());
            for (i, m) in self.modules.iter().enumerate() {
                m.set_index(&mut self.db)
                    .with_durability(settled)
                    .to(first_index + i as u32);
            }
            first_index
        });
        first + self.modules.len() as u32
    }

    /// Makes `shadow`, the device state numbered `generation` in the program's session, the
    /// device input of its database, unless it holds that one already.
    pub fn sync_device(&mut self, shadow: &Shadow, generation: u64) {
        if self.device != Some(generation) {
            self.db.set_device(shadow.clone());
            self.device = Some(generation);
        }
    }

    /// The program's name in messages: its entry file's path.
    pub fn name(&self) -> &str {
        self.entry.path(&self.db)
    }

    /// The text of the module at `path`.
    pub fn text(&self, path: &str) -> &str {
        self.modules
            .iter()
            .find(|m| m.path(&self.db) == path)
            .map_or("", |m| m.text(&self.db))
    }

    /// The module numbered `index`.
    pub fn module(&self, index: u32) -> Option<SourceFile> {
        self.modules
            .iter()
            .copied()
            .find(|m| m.index(&self.db) == index)
    }
}

/// Finds modules on disk for the module graph.
struct FileLoader<'a> {
    packages: &'a [Package],
    /// Every module loaded so far, by the path shown to users: its file and its package.
    files: HashMap<String, (PathBuf, usize)>,
}

impl Loader for FileLoader<'_> {
    fn load(&mut self, importer: &str, specifier: &str) -> Result<Module, String> {
        let (importer_file, package) = self
            .files
            .get(importer)
            .cloned()
            .ok_or_else(|| format!("`{importer}` was not loaded from disk"))?;
        let (file, path, package) = if specifier.starts_with("./") || specifier.starts_with("../") {
            let rel = with_extension(specifier);
            let dir = importer_file.parent().unwrap_or(Path::new("."));
            let display_dir = importer.rsplit_once('/').map_or("", |(d, _)| d);
            (dir.join(&rel), join_display(display_dir, &rel), package)
        } else {
            self.in_package(package, specifier)?
        };
        let text = read_text(&file).map_err(|e| match e {
            ReadError::Io(_) if !file.is_file() => format!("there is no file `{path}`"),
            ReadError::Io(e) => format!("cannot read `{path}`: {e}"),
            ReadError::NotUtf8(at) => format!("`{path}` is not valid UTF-8 text (byte {at})"),
        })?;
        self.files.insert(path.clone(), (file.clone(), package));
        Ok(Module {
            identity: identity(&file),
            path,
            text,
        })
    }
}

impl FileLoader<'_> {
    /// The file, display path and package of `specifier` (`pkg` or `pkg/sub`), a dependency of
    /// package `from`.
    fn in_package(&self, from: usize, specifier: &str) -> Result<(PathBuf, String, usize), String> {
        let (name, sub) = match specifier.split_once('/') {
            Some((name, sub)) => (name, Some(sub)),
            None => (specifier, None),
        };
        let Some(&index) = self.packages[from].dependencies.get(name) else {
            return Err(format!(
                "a module path starts with `./` or `../`, or names a dependency; to use a package \
                 `{name}`, add `{name} = {{ path = \"../{name}\" }}` under `[dependencies]` in \
                 bluescript.toml"
            ));
        };
        let package = &self.packages[index];
        let Some(sub) = sub else {
            return Ok((package.entry.clone(), package.entry_display.clone(), index));
        };
        let rel = with_extension(sub);
        Ok((
            package.source.join(&rel),
            join_display(&package.source_display, &rel),
            index,
        ))
    }
}

/// `spec.bs`, unless `spec` already ends in `.bs`.
fn with_extension(spec: &str) -> String {
    if spec.ends_with(".bs") {
        spec.to_string()
    } else {
        format!("{spec}.bs")
    }
}

/// What tells two files apart: the canonical path when there is one.
fn identity(file: &Path) -> String {
    file.canonicalize()
        .unwrap_or_else(|_| file.to_path_buf())
        .display()
        .to_string()
}

/// Why a source file could not be read.
enum ReadError {
    Io(std::io::Error),
    /// Not UTF-8: the first bad byte.
    NotUtf8(usize),
}

fn read_text(file: &Path) -> Result<String, ReadError> {
    let bytes = std::fs::read(file).map_err(ReadError::Io)?;
    String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8(e.utf8_error().valid_up_to()))
}
