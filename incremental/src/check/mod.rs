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
pub mod items;
mod members;
mod narrow;
mod signatures;
mod type_expr;

pub use adapter::{adapter_body, builtin_adapter_body, closure_adapter_body};
pub use closures::{arrow_name, parse_arrow_name};
pub use signatures::{ClassInfo, EnumInfo, FnSig, GlobalInfo, Signatures, VtableEntry, signatures};

use crate::diagnostic::{Diagnostic, Sink};
use crate::hir;
use syntax::ast;

/// What a body checker needs to know about the file's top-level items.
pub(crate) trait ItemEnv {
    /// The signature of top-level function `name`, if there is one.
    fn function(&mut self, name: &str, sink: &mut Sink, at: syntax::Span) -> Option<FnSig>;
    /// The type of global `name`, if there is one.
    fn global(&mut self, name: &str, sink: &mut Sink, at: syntax::Span) -> Option<GlobalInfo>;
    /// The file's classes and enums (complete: they need no inference).
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
}

/// Checks the body of function, method or constructor `callable` against the file's
/// signatures.
pub fn check_function(file: &str, callable: &items::Callable, sigs: &Signatures) -> Checked {
    let mut sink = Sink::new(file);
    let mut env = Known(sigs);
    let Some(sig) = sigs.functions.get(&callable.name).cloned() else {
        return Checked {
            body: None,
            closures: Vec::new(),
            diagnostics: sink.diagnostics,
        };
    };
    let body = body::BodyChecker::check_function(&mut env, &mut sink, callable, &sig);
    finish(body, sink)
}

/// Checks the top-level statements of a file as the body of its `<main>` function.
pub fn check_main(file: &str, source: &ast::SourceFile, sigs: &Signatures) -> Checked {
    let mut sink = Sink::new(file);
    let mut env = Known(sigs);
    let body = body::BodyChecker::check_main(&mut env, &mut sink, source);
    finish(body, sink)
}

fn finish((body, closures): (hir::Body, Vec<hir::Body>), sink: Sink) -> Checked {
    let ok = sink.diagnostics.is_empty();
    Checked {
        body: ok.then_some(body),
        closures: if ok { closures } else { Vec::new() },
        diagnostics: sink.diagnostics,
    }
}

/// The environment of a body check: the file's signatures, already complete.
struct Known<'a>(&'a Signatures);

impl ItemEnv for Known<'_> {
    fn function(&mut self, name: &str, _: &mut Sink, _: syntax::Span) -> Option<FnSig> {
        self.0.functions.get(name).cloned()
    }

    fn global(&mut self, name: &str, _: &mut Sink, _: syntax::Span) -> Option<GlobalInfo> {
        self.0.globals.get(name).cloned()
    }

    fn types(&self) -> &Signatures {
        self.0
    }
}
