//! The file-level part of checking: every function's signature and every global's type.
//! Omitted return types and global types are inferred on demand, in dependency order; a cycle
//! (a function whose inferred result depends on itself) is reported instead of looping.

use super::ItemEnv;
use super::body::BodyChecker;
use super::type_expr::resolve;
use crate::diagnostic::{Diagnostic, Sink};
use crate::types::Type;
use std::collections::{BTreeMap, HashMap, HashSet};
use syntax::Span;
use syntax::ast::{self, DeclKind, Item, Stmt};

/// A function's parameter and result types.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FnSig {
    /// Parameter types in order.
    pub params: Vec<Type>,
    /// The result type (`Void` for none).
    pub ret: Type,
}

/// A global variable's type and mutability.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GlobalInfo {
    /// Its type.
    pub ty: Type,
    /// Declared with `const`.
    pub is_const: bool,
}

/// The signatures of one file's top-level items.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Signatures {
    /// Top-level functions by name.
    pub functions: BTreeMap<String, FnSig>,
    /// Top-level variables by name.
    pub globals: BTreeMap<String, GlobalInfo>,
    /// Errors in declarations (duplicates, unknown types, inference cycles, unsupported items).
    pub diagnostics: Vec<Diagnostic>,
}

enum State<T> {
    InProgress,
    Done(T),
}

struct Resolver<'a> {
    functions: HashMap<&'a str, &'a ast::FunctionDecl>,
    globals: HashMap<&'a str, (&'a ast::VarDeclarator, DeclKind)>,
    fn_state: HashMap<String, State<FnSig>>,
    global_state: HashMap<String, State<GlobalInfo>>,
    sink: Sink,
}

/// Computes the signatures of every top-level function and global of `source`.
pub fn signatures(file: &str, source: &ast::SourceFile) -> Signatures {
    let mut r = Resolver {
        functions: HashMap::new(),
        globals: HashMap::new(),
        fn_state: HashMap::new(),
        global_state: HashMap::new(),
        sink: Sink::new(file),
    };
    r.collect(source);
    let mut fn_names: Vec<&str> = r.functions.keys().copied().collect();
    fn_names.sort_unstable();
    let mut global_names: Vec<&str> = r.globals.keys().copied().collect();
    global_names.sort_unstable();
    let mut out = Signatures::default();
    for name in fn_names {
        if let Some(sig) = r.function_sig(name, Span::default()) {
            out.functions.insert(name.to_string(), sig);
        }
    }
    for name in global_names {
        if let Some(info) = r.global_info(name) {
            out.globals.insert(name.to_string(), info);
        }
    }
    out.diagnostics = r.sink.diagnostics;
    out
}

impl<'a> Resolver<'a> {
    fn collect(&mut self, source: &'a ast::SourceFile) {
        let mut seen: HashSet<&'a str> = HashSet::new();
        let mut declare = |sink: &mut Sink, name: &'a ast::Ident| {
            let first = seen.insert(&name.name);
            if !first {
                sink.error_hint(
                    "E0208",
                    name.span,
                    format!("`{}` is declared twice at top level", name.name),
                    "rename one of the two declarations",
                );
            }
            first
        };
        for item in &source.items {
            match item {
                Item::Function(f) => {
                    if declare(&mut self.sink, &f.name) {
                        self.functions.insert(&f.name.name, f);
                    }
                }
                Item::Stmt(Stmt::VarDecl { kind, decls, .. }) => {
                    for d in decls {
                        if declare(&mut self.sink, &d.name) {
                            self.globals.insert(&d.name.name, (d, *kind));
                        }
                    }
                }
                Item::Stmt(_) => {}
                Item::Class(c) => self.sink.unsupported(c.span, "`class`"),
                Item::Enum(e) => self.sink.unsupported(e.span, "`enum`"),
                Item::Import(i) if i.type_only => {}
                Item::Import(i) => self.sink.unsupported(i.span, "`import` (modules)"),
                Item::TypeAlias(t) => {
                    let ignored = matches!(
                        (&*t.name.name, &t.ty),
                        ("integer" | "float", ast::TypeExpr::Named(n)) if n.name == "number"
                    );
                    if !ignored {
                        self.sink.unsupported(t.span, "a `type` alias other than `type integer = number` or `type float = number`");
                    }
                }
            }
            if let Item::Function(ast::FunctionDecl {
                exported: true,
                span,
                ..
            }) = item
            {
                self.sink.unsupported(*span, "`export` (modules)");
            }
        }
    }

    fn function_sig(&mut self, name: &str, at: Span) -> Option<FnSig> {
        match self.fn_state.get(name) {
            Some(State::Done(sig)) => return Some(sig.clone()),
            Some(State::InProgress) => {
                self.sink.error_hint(
                    "E0210",
                    at,
                    format!("the result type of `{name}` depends on itself"),
                    format!("write the result type of `{name}` explicitly, for example `function {name}(…): integer`"),
                );
                return Some(FnSig {
                    params: self.params_of(name),
                    ret: Type::Error,
                });
            }
            None => {}
        }
        let decl = *self.functions.get(name)?;
        let params = self.params_of(name);
        let ret = match &decl.ret {
            Some(t) => resolve(t, &mut self.sink),
            None => {
                self.fn_state.insert(name.to_string(), State::InProgress);
                let mut scratch = Sink::new(&self.sink.file);
                let sig = FnSig {
                    params: params.clone(),
                    ret: Type::Error,
                };
                BodyChecker::infer_return(self, &mut scratch, decl, &sig)
            }
        };
        let sig = FnSig { params, ret };
        self.fn_state
            .insert(name.to_string(), State::Done(sig.clone()));
        Some(sig)
    }

    fn params_of(&mut self, name: &str) -> Vec<Type> {
        let Some(decl) = self.functions.get(name).copied() else {
            return Vec::new();
        };
        let mut scratch = Sink::new(&self.sink.file);
        let sink = if self.fn_state.contains_key(name) {
            &mut scratch
        } else {
            &mut self.sink
        };
        decl.params
            .iter()
            .map(|p| p.ty.as_ref().map_or(Type::Any, |t| resolve(t, sink)))
            .collect()
    }

    fn global_info(&mut self, name: &str) -> Option<GlobalInfo> {
        match self.global_state.get(name) {
            Some(State::Done(info)) => return Some(info.clone()),
            Some(State::InProgress) => {
                return Some(GlobalInfo {
                    ty: Type::Error,
                    is_const: false,
                });
            }
            None => {}
        }
        let (decl, kind) = *self.globals.get(name)?;
        self.global_state
            .insert(name.to_string(), State::InProgress);
        let ty = match (&decl.ty, &decl.init) {
            (Some(t), _) => resolve(t, &mut self.sink),
            (None, Some(init)) => {
                let mut scratch = Sink::new(&self.sink.file);
                BodyChecker::infer_expr(self, &mut scratch, init).widened_for_variable()
            }
            (None, None) => Type::Any,
        };
        let info = GlobalInfo {
            ty,
            is_const: kind == DeclKind::Const,
        };
        self.global_state
            .insert(name.to_string(), State::Done(info.clone()));
        Some(info)
    }
}

impl ItemEnv for Resolver<'_> {
    fn function(&mut self, name: &str, _: &mut Sink, at: Span) -> Option<FnSig> {
        self.function_sig(name, at)
    }

    fn global(&mut self, name: &str, _: &mut Sink, _: Span) -> Option<GlobalInfo> {
        self.global_info(name)
    }
}

impl Type {
    /// The type a variable gets from an initializer of this type: `null` widens to `any`.
    pub(crate) fn widened_for_variable(self) -> Type {
        if self == Type::Null { Type::Any } else { self }
    }
}
