//! The type checker: resolves names, computes types, reports errors and produces [`crate::hir`].
//!
//! Checking is split the way the incremental engine needs it: [`signatures`] computes every
//! top-level function's signature and every global's type for a file (inferring omitted return
//! types on demand), and [`check_function`] / [`check_main`] check one body against those
//! signatures, so that editing one body re-checks that body only.

mod adapter;
mod body;
mod call;
mod classes;
mod closures;
mod expr;
mod interface;
pub mod items;
mod members;
mod narrow;
mod signatures;
pub mod slice;
mod type_expr;

pub use adapter::{adapter_body, builtin_adapter_body, closure_adapter_body};
pub use closures::{arrow_name, parse_arrow_name};
pub use interface::{ImportError, Interface, interface};
pub use signatures::{ClassInfo, EnumInfo, FnSig, GlobalInfo, Signatures, VtableEntry, signatures};

use crate::diagnostic::{Diagnostic, Sink};
use crate::hir;
use syntax::ast;

/// What a body checker needs to know about the file's top-level items.
pub(crate) trait ItemEnv {
    /// The signature of top-level function `name` (as the code writes it, or program-wide), if
    /// there is one.
    fn function(&mut self, name: &str, sink: &mut Sink, at: syntax::Span) -> Option<FnSig>;
    /// The type of global `name` (as the code writes it, or program-wide), if there is one.
    fn global(&mut self, name: &str, sink: &mut Sink, at: syntax::Span) -> Option<GlobalInfo>;
    /// The file's classes and enums and its scope (complete: they need no inference). Lookups
    /// by the names the code writes go through [`Signatures::qualified`].
    fn types(&self) -> &Signatures;
}

/// The result of checking one body: the typed tree (absent when there were errors), the typed
/// trees of its arrow functions, and the diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Checked {
    /// The typed body, when checking found no errors.
    pub body: Option<hir::Body>,
    /// The bodies of its arrow functions by number (`owner/N`), when checking found no errors.
    pub closures: Vec<hir::Body>,
    /// The errors found.
    pub diagnostics: Vec<Diagnostic>,
    /// The properties of its class that a constructor leaves unassigned, also errors: reported
    /// at their declarations by [`unassigned_property_errors`], since a body's check reads no
    /// position outside its own text.
    pub unassigned: Vec<String>,
}

/// Checks the body of function, method or constructor `callable` of module `file` against the
/// file's signatures.
pub fn check_function(file: &str, callable: &items::Callable, sigs: &Signatures) -> Checked {
    let mut sink = Sink::new(file);
    let mut env = Known(sigs);
    let Some(sig) = sigs
        .functions
        .get(&items::qualify(&callable.name, file))
        .cloned()
    else {
        return Checked {
            body: None,
            closures: Vec::new(),
            diagnostics: sink.diagnostics,
            unassigned: Vec::new(),
        };
    };
    let (body, unassigned) = body::BodyChecker::check_function(&mut env, &mut sink, callable, &sig);
    finish(file, body, sink, unassigned)
}

/// Checks the top-level statements of module `file` as the body of its `<main>` function.
pub fn check_main(file: &str, source: &ast::SourceFile, sigs: &Signatures) -> Checked {
    let mut sink = Sink::new(file);
    let mut env = Known(sigs);
    let body = body::BodyChecker::check_main(&mut env, &mut sink, source);
    finish(file, body, sink, Vec::new())
}

/// The result of a check of a body of module `file`, the body named program-wide (its arrow
/// functions are named after it already).
fn finish(
    file: &str,
    (mut body, closures): (hir::Body, Vec<hir::Body>),
    sink: Sink,
    unassigned: Vec<String>,
) -> Checked {
    let ok = sink.diagnostics.is_empty() && unassigned.is_empty();
    body.name = items::qualify(&body.name, file);
    Checked {
        body: ok.then_some(body),
        closures: if ok { closures } else { Vec::new() },
        diagnostics: sink.diagnostics,
        unassigned,
    }
}

/// The errors for the properties `unassigned` that the constructor of class `class` (local to
/// module `file`, whose signatures are `sigs`) leaves unassigned, at their declarations.
pub fn unassigned_property_errors(
    file: &str,
    class: &str,
    unassigned: &[String],
    sigs: &Signatures,
) -> Vec<Diagnostic> {
    let Some(info) = sigs.classes.get(&items::qualify(class, file)) else {
        return Vec::new();
    };
    let mut sink = Sink::new(file);
    for name in unassigned {
        let at = info
            .fields
            .iter()
            .position(|(n, _)| n == name)
            .and_then(|i| info.field_spans.get(i))
            .copied()
            .unwrap_or(info.span);
        sink.error_hint(
            "E0223",
            at,
            format!("the constructor of `{class}` does not assign property `{name}`"),
            format!("add `this.{name} = …` to the constructor"),
        );
    }
    sink.diagnostics
}

/// The environment of a body check: the file's signatures, already complete.
struct Known<'a>(&'a Signatures);

impl ItemEnv for Known<'_> {
    fn function(&mut self, name: &str, _: &mut Sink, _: syntax::Span) -> Option<FnSig> {
        self.0.functions.get(&self.0.qualified(name)).cloned()
    }

    fn global(&mut self, name: &str, _: &mut Sink, _: syntax::Span) -> Option<GlobalInfo> {
        self.0.globals.get(&self.0.qualified(name)).cloned()
    }

    fn types(&self) -> &Signatures {
        self.0
    }
}
