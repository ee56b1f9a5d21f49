//! Modules seen from outside: what a module shows the modules that import it (its exported
//! names and the signatures an importer needs to use them), and bringing an imported name into
//! an importing module's scope.
//!
//! An interface holds only what importers can reach, so that an edit to a module's private
//! items or bodies leaves its interface unchanged and its importers unchecked (early cutoff).

use super::items::{qualify, static_name, unqualify};
use super::signatures::Signatures;
use crate::diagnostic::Sink;
use crate::types::Type;
use std::collections::{BTreeMap, BTreeSet};
use syntax::ast::{self, Item, Stmt};

/// Why an import specifier leads to no module.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ImportError {
    /// There is no module for it; the text says where it was looked for.
    NotFound(String),
    /// Importing it closes a cycle: the paths of the modules on the cycle, first one last again.
    Cycle(Vec<String>),
}

impl ImportError {
    /// Reports this error at `decl`'s specifier.
    pub(super) fn report(&self, decl: &ast::ImportDecl, sink: &mut Sink) {
        match self {
            ImportError::NotFound(reason) => sink.error_hint(
                "E0240",
                decl.from_span,
                format!("cannot find module `{}`", decl.from),
                reason.clone(),
            ),
            ImportError::Cycle(chain) => sink.error_hint(
                "E0241",
                decl.from_span,
                format!("import cycle: {}", chain.join(" -> ")),
                "move what the modules of the cycle share into a module that imports none of them",
            ),
        }
    }
}

/// What a module shows to the modules that import it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Interface {
    /// The module's path.
    pub module: String,
    /// Exported names → program-wide names.
    pub exports: BTreeMap<String, String>,
    /// The names of top-level items that are not exported (for a precise error).
    pub private: BTreeSet<String>,
    /// The signatures of the exported items and of everything their types mention: classes
    /// with their ancestors, methods, constructors and static members; enums.
    pub items: Signatures,
}

/// The interface of module `module` whose syntax is `source` and signatures `sigs`.
pub fn interface(module: &str, source: &ast::SourceFile, sigs: &Signatures) -> Interface {
    let mut exports = BTreeMap::new();
    let mut private = BTreeSet::new();
    for item in &source.items {
        let (exported, names): (bool, Vec<&str>) = match item {
            Item::Function(f) => (f.exported, vec![&f.name.name]),
            Item::Class(c) => (c.exported, vec![&c.name.name]),
            Item::Enum(e) => (e.exported, vec![&e.name.name]),
            Item::Stmt(Stmt::VarDecl {
                exported, decls, ..
            }) => (
                *exported,
                decls.iter().map(|d| d.name.name.as_str()).collect(),
            ),
            _ => continue,
        };
        for name in names {
            if exported {
                exports.insert(name.to_string(), qualify(name, module));
            } else {
                private.insert(name.to_string());
            }
        }
    }
    let mut reach = Reach {
        from: sigs,
        out: Signatures::default(),
    };
    for name in exports.values() {
        reach.item(name);
    }
    Interface {
        module: module.to_string(),
        exports,
        private,
        items: reach.out,
    }
}

impl Interface {
    /// Brings `name` of import `decl` into `scope` under its local name, with everything its
    /// use needs; reports a name this module does not export.
    pub(super) fn import(
        &self,
        name: &ast::ImportName,
        decl: &ast::ImportDecl,
        scope: &mut Signatures,
        sink: &mut Sink,
    ) {
        let wanted = &name.name.name;
        let Some(qualified) = self.exports.get(wanted) else {
            if self.private.contains(wanted) {
                sink.error_hint(
                    "E0242",
                    name.name.span,
                    format!("`{wanted}` is not exported by `{}`", decl.from),
                    format!("add `export` to its declaration in `{}`", self.module),
                );
            } else {
                let exported: Vec<String> = self.exports.keys().map(|n| format!("`{n}`")).collect();
                let hint = if exported.is_empty() {
                    format!("`{}` exports nothing", self.module)
                } else {
                    format!("`{}` exports {}", self.module, exported.join(", "))
                };
                sink.error_hint(
                    "E0242",
                    name.name.span,
                    format!("`{}` has no export named `{wanted}`", decl.from),
                    hint,
                );
            }
            return;
        };
        let local = &name.alias.as_ref().unwrap_or(&name.name).name;
        scope.merge(&self.items);
        if let Some(class) = self.items.classes.get(qualified)
            && let Some((class_local, module)) = unqualify(qualified)
        {
            for member in &class.statics {
                scope.scope.insert(
                    static_name(local, member),
                    qualify(&static_name(class_local, member), module),
                );
            }
        }
        scope.scope.insert(local.clone(), qualified.clone());
    }
}

/// Collects an item and everything reachable from its signature.
struct Reach<'a> {
    from: &'a Signatures,
    out: Signatures,
}

impl Reach<'_> {
    fn item(&mut self, name: &str) {
        if let Some(sig) = self.from.functions.get(name) {
            if self.out.functions.contains_key(name) {
                return;
            }
            self.out.functions.insert(name.to_string(), sig.clone());
            for t in sig.params.iter().chain([&sig.ret]) {
                self.ty(t);
            }
        } else if let Some(info) = self.from.globals.get(name) {
            if self.out.globals.contains_key(name) {
                return;
            }
            self.out.globals.insert(name.to_string(), info.clone());
            self.ty(&info.ty);
        } else if let Some(info) = self.from.classes.get(name) {
            if self.out.classes.contains_key(name) {
                return;
            }
            self.out.classes.insert(name.to_string(), info.clone());
            for ancestor in &info.ty.ancestors {
                self.item(ancestor);
            }
            for (_, t) in &info.fields {
                self.ty(t);
            }
            for m in &info.methods {
                self.item(&m.function);
            }
            if let Some(c) = &info.constructor {
                self.item(c);
            }
            if let Some((class_local, module)) = unqualify(name) {
                for member in &info.statics {
                    self.item(&qualify(&static_name(class_local, member), module));
                }
            }
        } else if let Some(info) = self.from.enums.get(name) {
            self.out.enums.insert(name.to_string(), info.clone());
        }
    }

    fn ty(&mut self, t: &Type) {
        match t {
            Type::Class(c) => self.item(&c.key),
            Type::Enum(key) => self.item(key),
            Type::Array(t) | Type::Nullable(t) => self.ty(t),
            Type::Function(f) => {
                for t in f.params.iter().chain([&f.ret]) {
                    self.ty(t);
                }
            }
            _ => {}
        }
    }
}
