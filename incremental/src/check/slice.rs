//! The part of a file's signatures that one body's check reads: the top-level names the body
//! writes, its own signature, and every class and enum (their members are reached through
//! types, not names). Checking a body against its slice instead of the whole file's
//! signatures is what makes a changed signature re-check only the bodies that name it.

use super::items::{Callable, unqualify};
use super::signatures::Signatures;
use std::collections::BTreeSet;
use syntax::ast::{self, Expr, Item, Stmt};
use syntax::visit;

/// The top-level names that function `callable` may refer to: its own name and every name it
/// writes as an expression (calls, uses and assignments, arrow bodies included).
pub fn function_names_used(callable: &Callable) -> BTreeSet<String> {
    let mut names = BTreeSet::from([callable.name.clone()]);
    for s in &callable.decl.body.stmts {
        collect_idents(s, &mut names);
    }
    names
}

/// The top-level names that the top-level statements `source` may refer to: the globals they
/// declare and every name they write as an expression.
pub fn main_names_used(source: &ast::SourceFile) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for item in &source.items {
        let Item::Stmt(s) = item else { continue };
        if let Stmt::VarDecl { decls, .. } = s {
            names.extend(decls.iter().map(|d| d.name.name.clone()));
        }
        collect_idents(s, &mut names);
    }
    names
}

fn collect_idents(s: &Stmt, names: &mut BTreeSet<String>) {
    visit::each_expr_in_stmt(s, &mut |e| {
        if let Expr::Ident(id) = e {
            names.insert(id.name.clone());
        }
    });
}

/// `sigs` restricted to the names in `used` (local names as the file writes them), plus every
/// class, enum and class member; without the declaration diagnostics, which belong to the file.
pub fn slice(sigs: &Signatures, used: &BTreeSet<String>) -> Signatures {
    let member = |local: &str| local.contains('.') || local.contains("::");
    let scope: std::collections::BTreeMap<String, String> = sigs
        .scope
        .iter()
        .filter(|(local, target)| {
            used.contains(*local)
                || member(local)
                || sigs.classes.contains_key(*target)
                || sigs.enums.contains_key(*target)
        })
        .map(|(l, t)| (l.clone(), t.clone()))
        .collect();
    let reachable: BTreeSet<&String> = scope.values().collect();
    // Class members (`C.m@file`, `C::x@file`) are reached through types, so all of them stay.
    let keep = |name: &String| {
        let local = unqualify(name).map_or(name.as_str(), |(local, _)| local);
        reachable.contains(name) || used.contains(name) || member(local)
    };
    Signatures {
        functions: sigs
            .functions
            .iter()
            .filter(|(k, _)| keep(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        globals: sigs
            .globals
            .iter()
            .filter(|(k, _)| keep(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        classes: sigs.classes.clone(),
        enums: sigs.enums.clone(),
        scope,
        diagnostics: Vec::new(),
    }
}

/// `sigs` without the file positions of its classes (where each class, field and method is
/// declared): a check that never reports at them reads the same slice after a class moved.
pub fn without_class_positions(mut sigs: Signatures) -> Signatures {
    for info in sigs.classes.values_mut() {
        info.span = Default::default();
        info.field_spans.fill(Default::default());
        for m in &mut info.methods {
            m.span = Default::default();
        }
    }
    sigs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::items::callables;

    fn sigs_of(src: &str) -> (ast::SourceFile, Signatures) {
        let file = syntax::parse(src).file;
        let none = |_: &str| Err(crate::check::ImportError::NotFound("none".into()));
        let all = callables(&file);
        let sigs = crate::check::signatures("m.bs", &file, &all, &none, &Default::default());
        (file, sigs)
    }

    #[test]
    fn a_function_sees_what_it_names_and_every_class() {
        let (file, sigs) = sigs_of(
            "function a(): integer { return 1 }\nfunction b(): integer { return a() }\n\
             function c(): integer { return 2 }\nclass P { x: integer; constructor() { this.x = 1 } }\n\
             let g = 1\n",
        );
        let b = callables(&file)
            .into_iter()
            .find(|c| c.name == "b")
            .unwrap();
        let s = slice(&sigs, &function_names_used(&b));
        let functions: Vec<&str> = s.functions.keys().map(|k| k.as_str()).collect();
        assert_eq!(functions, ["P.constructor@m.bs", "a@m.bs", "b@m.bs"]);
        assert!(s.globals.is_empty());
        assert_eq!(s.classes.len(), 1);
        let moved = sigs_of(
            "function a(): integer { return 1 + 0 }\nfunction b(): integer { return a() }\n\
             function c(): integer { return 2 }\nclass P { x: integer; constructor() { this.x = 1 } }\n\
             let g = 1\n",
        )
        .1;
        let moved = slice(&moved, &function_names_used(&b));
        assert_ne!(moved, s, "the class moved");
        assert_eq!(without_class_positions(moved), without_class_positions(s));
    }

    #[test]
    fn top_level_code_sees_the_globals_it_declares() {
        let (file, sigs) = sigs_of("function f() {}\nlet g = 1\nlet h = g + 1\n");
        let main = ast::SourceFile {
            items: file
                .items
                .iter()
                .filter(|i| matches!(i, Item::Stmt(_)))
                .cloned()
                .collect(),
        };
        let s = slice(&sigs, &main_names_used(&main));
        assert!(s.functions.is_empty());
        let globals: Vec<&str> = s.globals.keys().map(|k| k.as_str()).collect();
        assert_eq!(globals, ["g@m.bs", "h@m.bs"]);
    }
}
