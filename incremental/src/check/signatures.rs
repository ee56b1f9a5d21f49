//! The file-level part of checking: every function's and method's signature, every global's
//! type, every class's layout and every enum's members. Omitted return types and global types
//! are inferred on demand, in dependency order; a cycle (a function whose inferred result
//! depends on itself) is reported instead of looping.

use super::ItemEnv;
use super::body::BodyChecker;
use super::classes::ClassBuilder;
use super::items::{Callable, Owner, callables, static_fields};
use super::type_expr::{TypeNames, resolve};
use crate::diagnostic::{Diagnostic, Sink};
use crate::types::{ClassType, Type};
use std::collections::{BTreeMap, HashMap, HashSet};
use syntax::Span;
use syntax::ast::{self, DeclKind, Item, Stmt};

/// A function's parameter and result types (for methods, without `this`).
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

/// A class as the checker and lowering see it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClassInfo {
    /// Its type (name and ancestors).
    pub ty: ClassType,
    /// Where its name is declared.
    pub span: Span,
    /// Every instance field, inherited ones first: name and type.
    pub fields: Vec<(String, Type)>,
    /// Where each field is declared.
    pub field_spans: Vec<Span>,
    /// The index in `fields` of the first field this class declares itself.
    pub own_fields: usize,
    /// The method table (vtable): inherited entries first, overrides in place.
    pub methods: Vec<VtableEntry>,
    /// The function that constructs instances (this class's constructor or the nearest
    /// ancestor's), if any.
    pub constructor: Option<String>,
    /// Whether this class declares its own constructor.
    pub own_constructor: bool,
    /// The names of the static fields (globals `C::x`) and static methods (functions `C::m`).
    pub statics: Vec<String>,
}

/// One entry of a class's method table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VtableEntry {
    /// The method name.
    pub name: String,
    /// The function implementing it for this class (`Owner.m`).
    pub function: String,
    /// Whether a subclass implements it differently (calls must then be virtual).
    pub overridden: bool,
    /// Where the implementing method's name is.
    pub span: Span,
}

/// An enum's members and their values.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct EnumInfo {
    /// Member name → value.
    pub members: BTreeMap<String, i32>,
}

/// The signatures of one file's top-level items.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Signatures {
    /// Functions, methods (`C.m`), constructors (`C.constructor`) and static methods (`C::m`)
    /// by name.
    pub functions: BTreeMap<String, FnSig>,
    /// Top-level variables and static fields (`C::x`) by name.
    pub globals: BTreeMap<String, GlobalInfo>,
    /// Classes by name.
    pub classes: BTreeMap<String, ClassInfo>,
    /// Enums by name.
    pub enums: BTreeMap<String, EnumInfo>,
    /// Errors in declarations (duplicates, unknown types, inference cycles, unsupported items).
    pub diagnostics: Vec<Diagnostic>,
}

impl TypeNames for Signatures {
    fn named(&self, name: &str) -> Option<Type> {
        if let Some(c) = self.classes.get(name) {
            return Some(Type::Class(Box::new(c.ty.clone())));
        }
        self.enums
            .contains_key(name)
            .then(|| Type::Enum(name.to_string()))
    }
}

enum State<T> {
    InProgress,
    Done(T),
}

struct Resolver<'a> {
    callables: HashMap<String, Callable>,
    globals: HashMap<String, (ast::VarDeclarator, DeclKind)>,
    fn_state: HashMap<String, State<FnSig>>,
    /// Calls to functions whose result type was being inferred, by callee.
    cycle_hits: Vec<(String, Span)>,
    global_state: HashMap<String, State<GlobalInfo>>,
    /// Classes and enums, complete before any signature is resolved.
    types: Signatures,
    sink: Sink,
    source: &'a ast::SourceFile,
}

/// Computes the signatures of every top-level item of `source`.
pub fn signatures(file: &str, source: &ast::SourceFile) -> Signatures {
    let mut r = Resolver {
        callables: HashMap::new(),
        globals: HashMap::new(),
        fn_state: HashMap::new(),
        cycle_hits: Vec::new(),
        global_state: HashMap::new(),
        types: Signatures::default(),
        sink: Sink::new(file),
        source,
    };
    r.collect();
    let mut fn_names: Vec<String> = r.callables.keys().cloned().collect();
    fn_names.sort_unstable();
    let mut global_names: Vec<String> = r.globals.keys().cloned().collect();
    global_names.sort_unstable();
    let mut out = Signatures::default();
    for name in fn_names {
        if let Some(sig) = r.function_sig(&name, Span::default()) {
            out.functions.insert(name, sig);
        }
    }
    for name in global_names {
        if let Some(info) = r.global_info(&name) {
            out.globals.insert(name, info);
        }
    }
    super::classes::check_overrides(&r.types.classes, &out.functions, &mut r.sink);
    out.classes = std::mem::take(&mut r.types.classes);
    out.enums = std::mem::take(&mut r.types.enums);
    out.diagnostics = r.sink.diagnostics;
    out
}

impl Resolver<'_> {
    fn collect(&mut self) {
        let source = self.source;
        let mut seen: HashSet<String> = HashSet::new();
        let mut declare = |sink: &mut Sink, name: &ast::Ident| {
            let first = seen.insert(name.name.clone());
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
        let mut classes = Vec::new();
        let mut enums = Vec::new();
        for item in &source.items {
            match item {
                Item::Function(f) => {
                    declare(&mut self.sink, &f.name);
                }
                Item::Stmt(Stmt::VarDecl { kind, decls, .. }) => {
                    for d in decls {
                        if declare(&mut self.sink, &d.name) {
                            self.globals.insert(d.name.name.clone(), (d.clone(), *kind));
                        }
                    }
                }
                Item::Stmt(_) => {}
                Item::Class(c) => {
                    if declare(&mut self.sink, &c.name) {
                        classes.push(c);
                    }
                }
                Item::Enum(e) => {
                    if declare(&mut self.sink, &e.name) {
                        enums.push(e);
                    }
                }
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
            let exported = match item {
                Item::Function(f) => f.exported.then_some(f.span),
                Item::Class(c) => c.exported.then_some(c.span),
                Item::Enum(e) => e.exported.then_some(e.span),
                Item::Stmt(Stmt::VarDecl {
                    exported: true,
                    span,
                    ..
                }) => Some(*span),
                _ => None,
            };
            if let Some(span) = exported {
                self.sink.unsupported(span, "`export` (modules)");
            }
        }
        for e in enums {
            let info = super::classes::enum_info(e, &mut self.sink);
            self.types.enums.insert(e.name.name.clone(), info);
        }
        self.types.classes = ClassBuilder::build(&classes, &self.types, &mut self.sink);
        for c in callables(source) {
            let first_of_name = !self.callables.contains_key(&c.name);
            if first_of_name {
                self.callables.insert(c.name.clone(), c);
            } else {
                self.sink.error_hint(
                    "E0208",
                    c.decl.name.span,
                    format!("`{}` is declared twice", c.decl.name.name),
                    "rename one of the two declarations",
                );
            }
        }
        for d in static_fields(source) {
            self.globals.insert(d.name.name.clone(), (d, DeclKind::Let));
        }
    }

    fn function_sig(&mut self, name: &str, at: Span) -> Option<FnSig> {
        match self.fn_state.get(name) {
            Some(State::Done(sig)) => return Some(sig.clone()),
            Some(State::InProgress) => {
                // Reported only if the result type ends up depending on this call (see below).
                self.cycle_hits.push((name.to_string(), at));
                return Some(FnSig {
                    params: self.params_of(name),
                    ret: Type::Error,
                });
            }
            None => {}
        }
        let callable = self.callables.get(name)?.clone();
        let params = self.params_of(name);
        let ret = match (&callable.decl.ret, &callable.owner) {
            (_, Owner::Constructor(_)) => Type::Void,
            (Some(t), _) => resolve(t, &self.types, &mut self.sink),
            (None, _) => {
                self.fn_state.insert(name.to_string(), State::InProgress);
                let mut scratch = Sink::new(&self.sink.file);
                let sig = FnSig {
                    params: params.clone(),
                    ret: Type::Error,
                };
                let ret = BodyChecker::infer_return(self, &mut scratch, &callable, &sig);
                self.report_cycle(name, &ret);
                ret
            }
        };
        let sig = FnSig { params, ret };
        self.fn_state
            .insert(name.to_string(), State::Done(sig.clone()));
        Some(sig)
    }

    /// Reports the recursive calls made while inferring `name`'s result type, when that type
    /// could not be found without them (a call whose result is unused, or returned next to a
    /// value of known type, does not matter).
    fn report_cycle(&mut self, name: &str, inferred: &Type) {
        let (hits, rest) = std::mem::take(&mut self.cycle_hits)
            .into_iter()
            .partition(|(n, _)| n == name);
        self.cycle_hits = rest;
        if *inferred != Type::Error {
            return;
        }
        for (_, at) in hits {
            self.sink.error_hint(
                "E0210",
                at,
                format!("the result type of `{name}` depends on itself"),
                format!(
                    "write the result type of `{name}` explicitly, for example `{name}(…): integer`"
                ),
            );
        }
    }

    fn params_of(&mut self, name: &str) -> Vec<Type> {
        let Some(callable) = self.callables.get(name) else {
            return Vec::new();
        };
        let mut scratch = Sink::new(&self.sink.file);
        let sink = if self.fn_state.contains_key(name) {
            &mut scratch
        } else {
            &mut self.sink
        };
        callable
            .decl
            .params
            .iter()
            .map(|p| {
                p.ty.as_ref()
                    .map_or(Type::Any, |t| resolve(t, &self.types, sink))
            })
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
        let (decl, kind) = self.globals.get(name)?.clone();
        self.global_state
            .insert(name.to_string(), State::InProgress);
        let ty = match (&decl.ty, &decl.init) {
            (Some(t), _) => resolve(t, &self.types, &mut self.sink),
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

    fn types(&self) -> &Signatures {
        &self.types
    }
}

impl Type {
    /// The type a variable gets from an initializer of this type: `null` widens to `any`.
    pub(crate) fn widened_for_variable(self) -> Type {
        if self == Type::Null { Type::Any } else { self }
    }
}
