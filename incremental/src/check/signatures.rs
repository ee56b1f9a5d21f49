//! The file-level part of checking: every function's and method's signature, every global's
//! type, every class's layout and every enum's members, plus what the file imports. Omitted
//! return types and global types are inferred on demand, in dependency order; a cycle (a
//! function whose inferred result depends on itself) is reported instead of looping.
//!
//! Every item is keyed by its program-wide name (`f@util.bs`, see [`super::items::qualify`]);
//! the file's `scope` maps the names its code writes to those.

use super::ItemEnv;
use super::body::BodyChecker;
use super::classes::ClassBuilder;
use super::interface::{ImportError, Interface};
use super::items::{Callable, Owner, qualify, static_fields, unqualify};
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

/// The signatures of one file's top-level items and of the imported items it can reach, all
/// keyed by program-wide name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Signatures {
    /// Functions, methods (`C.m`), constructors (`C.constructor`) and static methods (`C::m`).
    pub functions: BTreeMap<String, FnSig>,
    /// Top-level variables and static fields (`C::x`).
    pub globals: BTreeMap<String, GlobalInfo>,
    /// Classes.
    pub classes: BTreeMap<String, ClassInfo>,
    /// Enums.
    pub enums: BTreeMap<String, EnumInfo>,
    /// The top-level names the file's code may write (its own items, including `C.m` and
    /// `C::x`, and its imports) → program-wide names.
    pub scope: BTreeMap<String, String>,
    /// Errors in declarations (duplicates, unknown types, inference cycles, unsupported items,
    /// imports that cannot be resolved).
    pub diagnostics: Vec<Diagnostic>,
}

impl Signatures {
    /// The program-wide name of `name` as this file writes it; a name that is not in scope
    /// (a program-wide name already, or an unknown one) comes back unchanged.
    pub fn qualified(&self, name: &str) -> String {
        self.scope
            .get(name)
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    /// Adds every item of `other` (keyed by program-wide names, so nothing collides).
    pub fn merge(&mut self, other: &Signatures) {
        self.functions
            .extend(other.functions.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.globals
            .extend(other.globals.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.classes
            .extend(other.classes.iter().map(|(k, v)| (k.clone(), v.clone())));
        self.enums
            .extend(other.enums.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
}

impl TypeNames for Signatures {
    fn named(&self, name: &str) -> Option<Type> {
        let key = self.qualified(name);
        if let Some(c) = self.classes.get(&key) {
            return Some(Type::Class(Box::new(c.ty.clone())));
        }
        self.enums.contains_key(&key).then_some(Type::Enum(key))
    }
}

enum State<T> {
    InProgress,
    Done(T),
}

struct Resolver<'a> {
    /// The file's path, which qualifies its names.
    module: &'a str,
    /// The file's callables and globals, by local name.
    callables: HashMap<String, &'a Callable>,
    globals: HashMap<String, (ast::VarDeclarator, DeclKind)>,
    fn_state: HashMap<String, State<FnSig>>,
    /// Calls to functions whose result type was being inferred, by callee.
    cycle_hits: Vec<(String, Span)>,
    global_state: HashMap<String, State<GlobalInfo>>,
    /// Classes, enums and the scope, complete before any signature is resolved, and the
    /// imported functions and globals.
    types: Signatures,
    sink: Sink,
    source: &'a ast::SourceFile,
}

/// Computes the signatures of every top-level item of `source`, the file at `module`, whose
/// functions, constructors and methods are `callables` (as [`super::items::callables`] gives
/// them); `imports` gives the interface of the module an import specifier names; `prelude` holds
/// what earlier programs of a session defined (the file sees those names unless it declares
/// them again, and then with the same signature).
pub fn signatures<'a, 'i>(
    module: &'a str,
    source: &'a ast::SourceFile,
    callables: &'a [Callable],
    imports: &dyn Fn(&str) -> Result<&'i Interface, ImportError>,
    prelude: &Interface,
) -> Signatures {
    let mut r = Resolver {
        module,
        callables: HashMap::new(),
        globals: HashMap::new(),
        fn_state: HashMap::new(),
        cycle_hits: Vec::new(),
        global_state: HashMap::new(),
        types: Signatures::default(),
        sink: Sink::new(module),
        source,
    };
    // What earlier programs of the session defined is in scope from the start, also while
    // this file's types are inferred; the file's own declarations and imports take over
    // their names (`collect` overwrites those entries).
    r.types.merge(&prelude.items);
    r.types.scope.extend(prelude.exports.clone());
    r.collect(callables, imports);
    let mut fn_names: Vec<String> = r.callables.keys().cloned().collect();
    fn_names.sort_unstable();
    let mut global_names: Vec<String> = r.globals.keys().cloned().collect();
    global_names.sort_unstable();
    let mut out = Signatures::default();
    for name in fn_names {
        if let Some(sig) = r.function_sig(&name, Span::default()) {
            out.functions.insert(qualify(&name, module), sig);
        }
    }
    for name in global_names {
        if let Some(info) = r.global_info(&name) {
            out.globals.insert(qualify(&name, module), info);
        }
    }
    r.check_redefinitions(prelude, &out);
    out.merge(&r.types);
    super::classes::check_overrides(module, &out.classes, &out.functions, &mut r.sink);
    out.scope = std::mem::take(&mut r.types.scope);
    out.diagnostics = r.sink.diagnostics;
    out
}

impl<'a> Resolver<'a> {
    /// Reports the functions and globals of this file that replace a definition of an earlier
    /// program of the session (`prelude`) with a different signature or type.
    fn check_redefinitions(&mut self, prelude: &Interface, own: &Signatures) {
        for (local, old) in &prelude.exports {
            let new = qualify(local, self.module);
            if self.types.scope.get(local) != Some(&new) {
                continue;
            }
            let (span, changed) = if let Some(c) = self.callables.get(local) {
                let same = prelude.items.functions.get(old) == own.functions.get(&new);
                (c.decl.name.span, !same)
            } else if let Some((d, _)) = self.globals.get(local) {
                let old_ty = prelude.items.globals.get(old).map(|g| &g.ty);
                (d.name.span, old_ty != own.globals.get(&new).map(|g| &g.ty))
            } else {
                continue;
            };
            if changed {
                self.sink.error_hint(
                    "E0250",
                    span,
                    format!("`{local}` is already defined with a different type"),
                    "a redefinition must keep the parameter, result or variable types; use a new name",
                );
            }
        }
    }

    fn collect<'i>(
        &mut self,
        callables: &'a [Callable],
        imports: &dyn Fn(&str) -> Result<&'i Interface, ImportError>,
    ) {
        let source = self.source;
        let module = self.module;
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
                // `import type` is ignored; an import without a path already has a syntax error.
                Item::Import(i) if i.type_only || i.from.is_empty() => {}
                Item::Import(i) => {
                    let interface = imports(&i.from).map_err(|e| e.report(i, &mut self.sink));
                    for name in &i.names {
                        let local = name.alias.as_ref().unwrap_or(&name.name);
                        if declare(&mut self.sink, local)
                            && let Ok(interface) = interface
                        {
                            interface.import(name, i, &mut self.types, &mut self.sink);
                        }
                    }
                }
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
        }
        let own = |types: &mut Signatures, local: &str| {
            types
                .scope
                .insert(local.to_string(), qualify(local, module));
        };
        for e in &enums {
            let info = super::classes::enum_info(e, &mut self.sink);
            self.types.enums.insert(qualify(&e.name.name, module), info);
            own(&mut self.types, &e.name.name);
        }
        for c in &classes {
            own(&mut self.types, &c.name.name);
        }
        let built = ClassBuilder::build(&classes, module, &self.types, &mut self.sink);
        self.types.classes.extend(built);
        for c in callables {
            let first_of_name = !self.callables.contains_key(&c.name);
            if first_of_name {
                own(&mut self.types, &c.name);
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
        for name in self.globals.keys() {
            own(&mut self.types, name);
        }
    }

    /// The local name of `name` (local or program-wide) when it is one of this file's items.
    fn own_name(&self, name: &str) -> Option<String> {
        let qualified = self.types.qualified(name);
        match unqualify(&qualified) {
            Some((local, m)) if m == self.module => Some(local.to_string()),
            _ => None,
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
        let callable = *self.callables.get(name)?;
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
                let ret = BodyChecker::infer_return(self, &mut scratch, callable, &sig);
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
        match self.own_name(name) {
            Some(local) => self.function_sig(&local, at),
            None => self
                .types
                .functions
                .get(&self.types.qualified(name))
                .cloned(),
        }
    }

    fn global(&mut self, name: &str, _: &mut Sink, _: Span) -> Option<GlobalInfo> {
        match self.own_name(name) {
            Some(local) => self.global_info(&local),
            None => self.types.globals.get(&self.types.qualified(name)).cloned(),
        }
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
