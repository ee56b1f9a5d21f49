//! The module graph: loading every module a program's entry file imports, transitively, into
//! the database, and the order in which the modules initialize.
//!
//! Where a specifier leads (relative paths, packages) is the [`Loader`]'s business; this module
//! numbers the files, shares a module imported twice, and cuts every import that would close a
//! cycle, recording it as an error instead, so that the queries never see a cyclic graph.

use crate::check::ImportError;
use crate::db::{Compiler, Resolution, SourceFile, parse};
use salsa::{Durability, Setter};
use std::collections::{BTreeMap, HashMap, HashSet};
use syntax::ast::Item;

/// Finds and reads the module an import specifier names.
pub trait Loader {
    /// The module `specifier` names when the module at `importer` (its [`Module::path`])
    /// imports it, or why there is none.
    fn load(&mut self, importer: &str, specifier: &str) -> Result<Module, String>;
}

/// A module's source, as a [`Loader`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// What tells files apart: two specifiers that name the same file give the same identity
    /// (for example the canonical path).
    pub identity: String,
    /// The path shown to users; it also qualifies the module's names, so it must differ
    /// between modules.
    pub path: String,
    /// The source text.
    pub text: String,
}

/// Modules held in memory as `(path, text)`, for tests and benchmarks: `./name` (from any
/// importer) names the module at `name.bs`.
pub struct InMemory(pub Vec<(String, String)>);

impl Loader for InMemory {
    fn load(&mut self, _importer: &str, specifier: &str) -> Result<Module, String> {
        let path = format!("{}.bs", specifier.trim_start_matches("./"));
        let (_, text) = self
            .0
            .iter()
            .find(|(p, _)| *p == path)
            .ok_or_else(|| format!("no module `{path}`"))?;
        Ok(Module {
            identity: path.clone(),
            path,
            text: text.clone(),
        })
    }
}

/// Adds `entry` (as file 0) and every module it imports, transitively, to `db`, and records
/// what each import specifier resolved to. Returns the entry file.
pub fn load(db: &mut Compiler, entry: Module, loader: &mut dyn Loader) -> SourceFile {
    let file = SourceFile::new(db, entry.path.clone(), entry.text, 0);
    let mut walk = Walk {
        db,
        loader,
        files: HashMap::from([(entry.identity, file)]),
        stack: Vec::new(),
        visited: HashSet::new(),
        resolved: Vec::new(),
    };
    walk.visit(file);
    let resolved = walk.resolved;
    for (file, imports) in resolved {
        file.set_imports(db).to(imports);
    }
    file
}

/// Marks every input of `modules` as rarely changing (medium durability), so that after an
/// edit salsa re-validates the queries of the files that were not edited at once, without
/// walking their dependencies: a one-function edit costs the same in a large project.
pub fn settle(db: &mut Compiler, modules: &[SourceFile]) {
    for &m in modules {
        let text = m.text(db).clone();
        m.set_text(db).with_durability(Durability::MEDIUM).to(text);
        let path = m.path(db).clone();
        m.set_path(db).with_durability(Durability::MEDIUM).to(path);
        let index = m.index(db);
        m.set_index(db)
            .with_durability(Durability::MEDIUM)
            .to(index);
        let imports = m.imports(db).clone();
        m.set_imports(db)
            .with_durability(Durability::MEDIUM)
            .to(imports);
        let prelude = m.prelude(db).clone();
        m.set_prelude(db)
            .with_durability(Durability::MEDIUM)
            .to(prelude);
    }
}

/// The modules of the program whose entry file is `entry`, in initialization order: each
/// module after the modules it imports, depth-first in import order, the entry file last.
pub fn init_order(db: &dyn salsa::Database, entry: SourceFile) -> Vec<SourceFile> {
    module_order(db, entry).clone()
}

/// [`init_order`], as a query: an edit that changes no file's imports leaves it as it was.
#[salsa::tracked(returns(ref))]
fn module_order(db: &dyn salsa::Database, entry: SourceFile) -> Vec<SourceFile> {
    fn visit(
        db: &dyn salsa::Database,
        file: SourceFile,
        seen: &mut HashSet<SourceFile>,
        out: &mut Vec<SourceFile>,
    ) {
        if !seen.insert(file) {
            return;
        }
        for specifier in specifiers(db, file) {
            if let Some(Resolution::Module(m)) = file.imports(db).get(specifier) {
                visit(db, *m, seen, out);
            }
        }
        out.push(file);
    }
    let mut out = Vec::new();
    visit(db, entry, &mut HashSet::new(), &mut out);
    out
}

/// The specifiers `file` imports values from, in source order, each once (`import type` loads
/// nothing); a query, so that an edit of anything else stops here.
#[salsa::tracked(returns(ref))]
fn specifiers(db: &dyn salsa::Database, file: SourceFile) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in &parse(db, file).file.items {
        if let Item::Import(i) = item
            && !i.type_only
            && !i.from.is_empty()
            && !out.contains(&i.from)
        {
            out.push(i.from.clone());
        }
    }
    out
}

/// A depth-first walk over imports that creates a file for every new module.
struct Walk<'a> {
    db: &'a Compiler,
    loader: &'a mut dyn Loader,
    /// Every file so far, by identity.
    files: HashMap<String, SourceFile>,
    /// The modules being visited, outermost first (an import of one of them closes a cycle).
    stack: Vec<SourceFile>,
    visited: HashSet<SourceFile>,
    /// What each visited file's specifiers resolved to.
    resolved: Vec<(SourceFile, BTreeMap<String, Resolution>)>,
}

impl Walk<'_> {
    fn visit(&mut self, file: SourceFile) {
        self.visited.insert(file);
        self.stack.push(file);
        let mut imports = BTreeMap::new();
        for specifier in specifiers(self.db, file).clone() {
            let resolution = match self.loader.load(file.path(self.db), &specifier) {
                Err(reason) => Resolution::Error(ImportError::NotFound(reason)),
                Ok(module) => self.enter(module),
            };
            imports.insert(specifier, resolution);
        }
        self.stack.pop();
        self.resolved.push((file, imports));
    }

    /// The resolution of an import of `module` from the innermost module being visited.
    fn enter(&mut self, module: Module) -> Resolution {
        let next = self.files.len() as u32;
        let db = self.db;
        let file = *self
            .files
            .entry(module.identity)
            .or_insert_with(|| SourceFile::new(db, module.path, module.text, next));
        if let Some(at) = self.stack.iter().position(|f| *f == file) {
            let chain = self.stack[at..]
                .iter()
                .chain([&file])
                .map(|f| f.path(db).clone())
                .collect();
            return Resolution::Error(ImportError::Cycle(chain));
        }
        if !self.visited.contains(&file) {
            self.visit(file);
        }
        Resolution::Module(file)
    }
}
