//! Checking one body: scopes, statements and return paths. Expressions are in `expr.rs`,
//! calls in `call.rs`.

use super::ItemEnv;
use super::closures::{Arrows, ClosureFrame, Frame};
use super::items::{Callable, Owner, qualify};
use super::narrow::{Facts, Subject, always_exits};
use super::signatures::{FnSig, GlobalInfo};
use super::type_expr::resolve;
use crate::diagnostic::Sink;
use crate::hir::{self, LocalId};
use crate::types::{ClassType, Type};
use std::collections::{HashMap, HashSet};
use syntax::Span;
use syntax::ast::{self, DeclKind, Item};

/// What `return` statements are checked against.
pub(super) enum Ret {
    /// A declared (or previously inferred) result type.
    Declared(Type),
    /// Collecting the types of returned values to infer the result type.
    Infer(Vec<Type>),
    /// Top-level code, where `return` is not allowed.
    Main,
}

/// A name visible in a scope.
#[derive(Clone, Copy)]
pub(super) struct LocalVar {
    pub id: LocalId,
    pub is_const: bool,
}

/// What a constructor body must do, tracked while checking it.
pub(super) struct ConstructorRules {
    /// Whether the class has a superclass (so the body must start with `super(…)`).
    pub needs_super: bool,
    /// The properties assigned so far (`this.x = …`).
    pub assigned: HashSet<String>,
}

/// Checks one function body (or top-level code) and builds its typed tree.
pub(crate) struct BodyChecker<'a> {
    pub(super) env: &'a mut dyn ItemEnv,
    pub(super) sink: &'a mut Sink,
    pub(super) locals: Vec<Type>,
    pub(super) scopes: Vec<HashMap<String, LocalVar>>,
    pub(super) ret: Ret,
    pub(super) loop_depth: u32,
    /// The class of `this`, inside methods and constructors.
    pub(super) this: Option<ClassType>,
    /// The constructor rules, inside a constructor.
    pub(super) constructor: Option<ConstructorRules>,
    /// The locals known to be non-null at this point.
    pub(super) facts: Facts,
    /// Every local assignment checked so far, in order (to end facts after branches).
    pub(super) assigned_log: Vec<Subject>,
    /// The bodies enclosing the current one (an arrow function's), innermost last.
    pub(super) outer: Vec<Frame>,
    /// What the current body records about captures.
    pub(super) closure: ClosureFrame,
    /// The arrow functions of the outermost body.
    pub(super) arrows: Arrows,
}

impl<'a> BodyChecker<'a> {
    fn new(env: &'a mut dyn ItemEnv, sink: &'a mut Sink, ret: Ret) -> Self {
        BodyChecker {
            env,
            sink,
            locals: Vec::new(),
            scopes: vec![HashMap::new()],
            ret,
            loop_depth: 0,
            this: None,
            constructor: None,
            facts: Facts::new(),
            assigned_log: Vec::new(),
            outer: Vec::new(),
            closure: ClosureFrame::default(),
            arrows: Arrows::default(),
        }
    }

    /// A checker for `callable`'s body with `this` (local 0 in methods and constructors) and
    /// the parameters declared.
    fn for_callable(
        env: &'a mut dyn ItemEnv,
        sink: &'a mut Sink,
        callable: &Callable,
        sig: &FnSig,
        ret: Ret,
    ) -> (Self, Vec<LocalId>) {
        let mut c = BodyChecker::new(env, sink, ret);
        let owner = qualify(&callable.name, &c.sink.file);
        c.arrows = Arrows::of(&owner, &callable.decl.body.stmts);
        let mut params = Vec::new();
        if let Owner::Method(class) | Owner::Constructor(class) = &callable.owner
            && let Some(info) = c.env.types().classes.get(&c.item_name(class))
        {
            let ty = info.ty.clone();
            let needs_super = !ty.ancestors.is_empty();
            c.this = Some(ty.clone());
            // `this` is a keyword, so this name never clashes with a variable.
            params.push(c.declare("this", Type::Class(Box::new(ty)), true));
            if matches!(callable.owner, Owner::Constructor(_)) {
                c.constructor = Some(ConstructorRules {
                    needs_super,
                    assigned: HashSet::new(),
                });
            }
        }
        params.extend(c.declare_param_list(&callable.decl.params, &sig.params));
        (c, params)
    }

    /// Checks a function, method or constructor against its signature; also returns the
    /// properties a constructor leaves unassigned.
    pub fn check_function(
        env: &'a mut dyn ItemEnv,
        sink: &'a mut Sink,
        callable: &Callable,
        sig: &FnSig,
    ) -> ((hir::Body, Vec<hir::Body>), Vec<String>) {
        let decl = &callable.decl;
        let (mut c, params) =
            BodyChecker::for_callable(env, sink, callable, sig, Ret::Declared(sig.ret.clone()));
        let stmts = c.constructor_prologue_and_body(&decl.body.stmts, decl.name.span);
        let unassigned = match &callable.owner {
            Owner::Constructor(class) => c.unassigned_properties(class),
            _ => Vec::new(),
        };
        let what = format!("`{}`", decl.name.name);
        c.check_returns_everywhere(&stmts, &sig.ret, decl.name.span, &what);
        let (cells, closures) = c.finish_closures();
        let (name, span) = (callable.name.clone(), decl.name.span);
        let body = hir::Body {
            name,
            span,
            params,
            locals: c.locals,
            ret: sig.ret.clone(),
            stmts,
            captures: None,
            cells,
        };
        ((body, closures), unassigned)
    }

    /// Reports a body with a result type `ret` whose end can be reached without a `return`;
    /// `what` names the function.
    pub(super) fn check_returns_everywhere(
        &mut self,
        stmts: &[hir::Stmt],
        ret: &Type,
        at: Span,
        what: &str,
    ) {
        if *ret != Type::Void && *ret != Type::Error && !always_returns(stmts) {
            self.sink.error_hint(
                "E0206",
                at,
                format!("{what} must return a `{ret}` on every path"),
                "add a `return` statement at the end of the function",
            );
        }
    }

    /// Infers the result type of a function without a declared one, from its `return`s.
    pub fn infer_return(
        env: &'a mut dyn ItemEnv,
        sink: &'a mut Sink,
        callable: &Callable,
        sig: &FnSig,
    ) -> Type {
        let (mut c, _) =
            BodyChecker::for_callable(env, sink, callable, sig, Ret::Infer(Vec::new()));
        c.block(&callable.decl.body.stmts);
        let Ret::Infer(types) = c.ret else {
            unreachable!("the mode is fixed at creation")
        };
        common_result(types)
    }

    /// The type of a global's initializer expression.
    pub fn infer_expr(env: &'a mut dyn ItemEnv, sink: &'a mut Sink, e: &ast::Expr) -> Type {
        BodyChecker::new(env, sink, Ret::Main).expr(e, None).ty
    }

    /// Checks a file's top-level statements as the body of `<main>`.
    pub fn check_main(
        env: &'a mut dyn ItemEnv,
        sink: &'a mut Sink,
        source: &ast::SourceFile,
    ) -> (hir::Body, Vec<hir::Body>) {
        let mut c = BodyChecker::new(env, sink, Ret::Main);
        c.arrows = Arrows::of(
            &qualify(crate::db::MAIN, &c.sink.file),
            source.items.iter().filter_map(|i| match i {
                Item::Stmt(s) => Some(s),
                _ => None,
            }),
        );
        let mut stmts = Vec::new();
        for item in &source.items {
            match item {
                Item::Stmt(ast::Stmt::VarDecl { decls, .. }) => {
                    for d in decls {
                        c.global_decl(d, &mut stmts);
                    }
                }
                Item::Stmt(s) => c.stmt(s, &mut stmts),
                _ => {}
            }
        }
        let (cells, closures) = c.finish_closures();
        let body = hir::Body {
            name: crate::db::MAIN.into(),
            span: Span::default(),
            params: Vec::new(),
            locals: c.locals,
            ret: Type::Void,
            stmts,
            captures: None,
            cells,
        };
        (body, closures)
    }

    /// Declares parameters `params` of types `types` in the current scope.
    pub(super) fn declare_param_list(
        &mut self,
        params: &[ast::Param],
        types: &[Type],
    ) -> Vec<LocalId> {
        let mut ids = Vec::new();
        for (p, ty) in params.iter().zip(types) {
            if self
                .scopes
                .last()
                .is_some_and(|s| s.contains_key(&p.name.name))
            {
                self.sink.error(
                    "E0208",
                    p.name.span,
                    format!("parameter `{}` is declared twice", p.name.name),
                );
            }
            ids.push(self.declare(&p.name.name, ty.clone(), false));
        }
        ids
    }

    fn global_decl(&mut self, d: &ast::VarDeclarator, out: &mut Vec<hir::Stmt>) {
        let name = self.item_name(&d.name.name);
        let Some(GlobalInfo { ty, is_const }) =
            self.env.global(&d.name.name, self.sink, d.name.span)
        else {
            return;
        };
        if ty == Type::Void {
            self.sink.error(
                "E0216",
                d.span,
                format!("`{}` cannot hold a `void` value", d.name.name),
            );
            return;
        }
        if is_const && d.init.is_none() {
            self.sink.error(
                "E0212",
                d.span,
                format!("`const {}` needs an initial value", d.name.name),
            );
        }
        if let Some(init) = &d.init {
            let value = self.expr(init, Some(&ty));
            self.assigned(Subject::Global(name.clone()), &value.ty);
            let value = self.coerce(value, &ty);
            out.push(hir::Stmt::InitGlobal(name, value));
        } else {
            self.check_zero_initializable(&ty, d);
        }
    }

    /// The local holding `this` in methods and constructors (captured inside arrows).
    pub(super) fn this_local(&mut self) -> Option<LocalId> {
        self.this.as_ref()?;
        self.lookup_local("this").map(|v| v.id)
    }

    /// Checks a body; in a subclass constructor the first statement must be `super(…)`.
    fn constructor_prologue_and_body(&mut self, stmts: &[ast::Stmt], at: Span) -> Vec<hir::Stmt> {
        let needs_super = self.constructor.as_ref().is_some_and(|c| c.needs_super);
        if !needs_super {
            return self.block(stmts);
        }
        let first_is_super = matches!(
            stmts.first(),
            Some(ast::Stmt::Expr(ast::Expr::Call(callee, _, _))) if matches!(**callee, ast::Expr::Super(_))
        );
        if !first_is_super {
            self.sink.error_hint(
                "E0222",
                at,
                "a subclass constructor must call `super(…)` first",
                "make `super(…)` the first statement of the constructor",
            );
            return self.block(stmts);
        }
        self.scopes.push(HashMap::new());
        let mut out = Vec::new();
        if let Some(ast::Stmt::Expr(ast::Expr::Call(_, args, span))) = stmts.first() {
            let call = self.super_constructor_call(args, *span);
            out.push(hir::Stmt::Expr(call));
        }
        for s in &stmts[1..] {
            self.stmt(s, &mut out);
        }
        self.scopes.pop();
        out
    }

    /// The class's own properties that the constructor never assigns. They are reported at
    /// their declarations by the caller of the check, which knows where the class is: the
    /// check itself reads no position outside the constructor's own text.
    fn unassigned_properties(&self, class: &str) -> Vec<String> {
        let Some(info) = self.env.types().classes.get(&self.item_name(class)) else {
            return Vec::new();
        };
        let assigned = self.constructor.as_ref().map(|c| &c.assigned);
        info.fields[info.own_fields..]
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| !assigned.is_some_and(|a| a.contains(n)))
            .collect()
    }

    /// Declares a local in the innermost scope.
    pub(super) fn declare(&mut self, name: &str, ty: Type, is_const: bool) -> LocalId {
        let id = LocalId(self.locals.len() as u32);
        self.locals.push(ty);
        self.scopes
            .last_mut()
            .expect("there is always a scope")
            .insert(name.to_string(), LocalVar { id, is_const });
        self.note_declared(name, id);
        id
    }

    /// The program-wide name of top-level item `name` as this file writes it (see
    /// [`crate::check::Signatures::qualified`]).
    pub(super) fn item_name(&self, name: &str) -> String {
        self.env.types().qualified(name)
    }

    /// Finds a global by name unless a local shadows it.
    pub(super) fn lookup_global(&mut self, name: &str, at: Span) -> Option<GlobalInfo> {
        self.env.global(name, self.sink, at)
    }

    /// Checks the statements of a block in a new scope.
    pub(super) fn block(&mut self, stmts: &[ast::Stmt]) -> Vec<hir::Stmt> {
        self.scopes.push(HashMap::new());
        let mut out = Vec::new();
        for s in stmts {
            self.stmt(s, &mut out);
        }
        self.scopes.pop();
        out
    }

    fn sub_block(&mut self, s: &ast::Stmt) -> Vec<hir::Stmt> {
        self.block(std::slice::from_ref(s))
    }

    fn stmt(&mut self, s: &ast::Stmt, out: &mut Vec<hir::Stmt>) {
        match s {
            ast::Stmt::VarDecl { kind, decls, .. } => {
                for d in decls {
                    self.local_decl(*kind, d, out);
                }
            }
            ast::Stmt::Expr(e) => {
                let e = self.expr(e, None);
                out.push(hir::Stmt::Expr(e));
            }
            ast::Stmt::If {
                cond, then, other, ..
            } => {
                let facts = self.condition_facts(cond);
                let cond = self.condition(cond);
                let before = self.facts.clone();
                let then_stmts = self.with_facts(&facts.when_true, |c| c.sub_block(then));
                // The `else` branch starts from the facts before the `if`, not from those left
                // after the `then` branch's assignments; afterwards, what either branch
                // assigned is forgotten.
                let after_then = std::mem::replace(&mut self.facts, before);
                let other_stmts = other
                    .as_ref()
                    .map(|o| self.with_facts(&facts.when_false, |c| c.sub_block(o)))
                    .unwrap_or_default();
                self.facts.retain(|s, _| after_then.contains_key(s));
                if always_exits(then) {
                    self.assume_non_null(&facts.when_false);
                } else if other.as_deref().is_some_and(always_exits) {
                    self.assume_non_null(&facts.when_true);
                }
                out.push(hir::Stmt::If(cond, then_stmts, other_stmts));
            }
            ast::Stmt::While { cond, body, .. } => {
                self.forget_assigned_in(&[body], &[cond]);
                let facts = self.condition_facts(cond);
                let cond = self.condition(cond);
                let body = self.with_facts(&facts.when_true, |c| c.loop_body(body));
                out.push(hir::Stmt::Loop {
                    cond: Some(cond),
                    body,
                    step: None,
                    test_first: true,
                    fresh: Vec::new(),
                });
            }
            ast::Stmt::DoWhile { body, cond, .. } => {
                self.forget_assigned_in(&[body], &[cond]);
                let body = self.with_facts(&[], |c| c.loop_body(body));
                let cond = self.condition(cond);
                out.push(hir::Stmt::Loop {
                    cond: Some(cond),
                    body,
                    step: None,
                    test_first: false,
                    fresh: Vec::new(),
                });
            }
            ast::Stmt::For {
                init,
                cond,
                step,
                body,
                ..
            } => {
                self.scopes.push(HashMap::new());
                let mut stmts = Vec::new();
                if let Some(init) = init {
                    self.stmt(init, &mut stmts);
                }
                let mut fresh: Vec<LocalId> = self
                    .scopes
                    .last()
                    .map(|s| s.values().map(|v| v.id).collect())
                    .unwrap_or_default();
                fresh.sort_by_key(|id| id.0);
                let loop_exprs: Vec<&ast::Expr> = cond.iter().chain(step.iter()).collect();
                self.forget_assigned_in(&[body], &loop_exprs);
                let facts = cond
                    .as_ref()
                    .map(|c| self.condition_facts(c))
                    .unwrap_or_default();
                let cond = cond.as_ref().map(|c| self.condition(c));
                let (body, step) = self.with_facts(&facts.when_true, |c| {
                    let body = c.loop_body(body);
                    (body, step.as_ref().map(|s| c.expr(s, None)))
                });
                stmts.push(hir::Stmt::Loop {
                    cond,
                    body,
                    step,
                    test_first: true,
                    fresh,
                });
                self.scopes.pop();
                out.push(hir::Stmt::Block(stmts));
            }
            ast::Stmt::Break(span) | ast::Stmt::Continue(span) => {
                let is_break = matches!(s, ast::Stmt::Break(_));
                if self.loop_depth == 0 {
                    let word = if is_break { "break" } else { "continue" };
                    self.sink
                        .error("E0207", *span, format!("`{word}` outside of a loop"));
                } else {
                    out.push(if is_break {
                        hir::Stmt::Break
                    } else {
                        hir::Stmt::Continue
                    });
                }
            }
            ast::Stmt::Return(value, span) => self.return_stmt(value.as_ref(), *span, out),
            ast::Stmt::Block(b) => {
                let stmts = self.block(&b.stmts);
                out.push(hir::Stmt::Block(stmts));
            }
            ast::Stmt::Empty(_) | ast::Stmt::Error(_) => {}
            ast::Stmt::Unsupported { what, span } => self.sink.unsupported(*span, what),
            ast::Stmt::NestedItem(item) => {
                let what = match **item {
                    Item::Function(_) => {
                        "a function declared inside another function or block (use an arrow function: `const f = (x: integer) => …`)"
                    }
                    Item::Class(_) => "a class declared inside a function or block",
                    _ => "a declaration inside a function or block",
                };
                self.sink.unsupported(item.span(), what);
            }
        }
    }

    fn loop_body(&mut self, body: &ast::Stmt) -> Vec<hir::Stmt> {
        self.loop_depth += 1;
        let body = self.sub_block(body);
        self.loop_depth -= 1;
        body
    }

    fn local_decl(&mut self, kind: DeclKind, d: &ast::VarDeclarator, out: &mut Vec<hir::Stmt>) {
        let declared =
            d.ty.as_ref()
                .map(|t| resolve(t, self.env.types(), self.sink));
        let init = d.init.as_ref().map(|e| self.expr(e, declared.as_ref()));
        let ty = match (&declared, &init) {
            (Some(t), _) => t.clone(),
            (None, Some(e)) => e.ty.clone().widened_for_variable(),
            (None, None) => Type::Any,
        };
        if ty == Type::Void {
            self.sink.error(
                "E0216",
                d.span,
                format!("`{}` cannot hold a `void` value", d.name.name),
            );
        }
        if self
            .scopes
            .last()
            .is_some_and(|s| s.contains_key(&d.name.name))
        {
            self.sink.error_hint(
                "E0208",
                d.name.span,
                format!("`{}` is already declared in this block", d.name.name),
                "rename it, or assign to the existing variable without `let`",
            );
        }
        let init_ty = init.as_ref().map(|e| e.ty.clone());
        let value = match init {
            Some(e) => self.coerce(e, &ty),
            None => {
                if kind == DeclKind::Const {
                    self.sink.error(
                        "E0212",
                        d.span,
                        format!("`const {}` needs an initial value", d.name.name),
                    );
                }
                self.check_zero_initializable(&ty, d);
                zero_value(&ty, d.span)
            }
        };
        let id = self.declare(&d.name.name, ty, kind == DeclKind::Const);
        if let Some(t) = init_ty {
            self.assigned(Subject::Local(id), &t);
        }
        out.push(hir::Stmt::InitLocal(id, value));
    }

    fn check_zero_initializable(&mut self, ty: &Type, d: &ast::VarDeclarator) {
        if ty.ir_ty() == Some(ir::Ty::Ref) && !ty.is_nullable() {
            self.sink.error_hint(
                "E0212",
                d.span,
                format!("`{}` of type `{ty}` needs an initial value", d.name.name),
                "only numbers, booleans, enums, `any` and nullable types (`T | null`) start without one",
            );
        }
    }

    fn return_stmt(&mut self, value: Option<&ast::Expr>, span: Span, out: &mut Vec<hir::Stmt>) {
        let declared = match &self.ret {
            Ret::Main => {
                self.sink
                    .error("E0215", span, "`return` outside of a function");
                return;
            }
            Ret::Infer(_) => None,
            Ret::Declared(t) => Some(t.clone()),
        };
        match (value, declared) {
            (value, None) => {
                let v = value.map(|e| self.expr(e, None));
                if let Ret::Infer(types) = &mut self.ret {
                    types.push(v.as_ref().map_or(Type::Void, |e| e.ty.clone()));
                }
                out.push(hir::Stmt::Return(v));
            }
            (None, Some(Type::Void)) => out.push(hir::Stmt::Return(None)),
            (Some(e), Some(Type::Void)) => {
                self.sink.error_hint(
                    "E0215",
                    e.span(),
                    "this function does not return a value",
                    "remove the value, or declare the function's result type",
                );
            }
            (None, Some(t)) => {
                self.sink
                    .error("E0215", span, format!("this function must return a `{t}`"));
            }
            (Some(e), Some(t)) => {
                let v = self.expr(e, Some(&t));
                let v = self.coerce(v, &t);
                out.push(hir::Stmt::Return(Some(v)));
            }
        }
    }

    /// Checks an expression used as a condition and turns it into a boolean.
    pub(super) fn condition(&mut self, e: &ast::Expr) -> hir::Expr {
        let e = self.expr(e, None);
        self.truthy(e)
    }

    /// Converts a checked expression to its truthiness (a boolean).
    pub(super) fn truthy(&mut self, e: hir::Expr) -> hir::Expr {
        match &e.ty {
            Type::Boolean | Type::Error => e,
            Type::Void => {
                self.sink
                    .error("E0216", e.span, "a `void` value has no truth value");
                e
            }
            t => {
                let span = e.span;
                let t = t.clone();
                hir::Expr::new(
                    hir::ExprKind::Convert(hir::Conversion::Truthy(t), Box::new(e)),
                    Type::Boolean,
                    span,
                )
            }
        }
    }
}

/// The result type of a function from the types of its `return`s: their common type (`any` if
/// there is none), `void` without any. A returned value of unknown type (an error, or a call
/// whose result type depends on this inference, as in `return n * fact(n - 1)`) does not count
/// when others are known: the body is checked against the result afterwards. When every one is
/// unknown, so is the result.
pub(super) fn common_result(types: Vec<Type>) -> Type {
    let known: Vec<Type> = types
        .iter()
        .filter(|t| **t != Type::Error)
        .cloned()
        .collect();
    if known.is_empty() && !types.is_empty() {
        return Type::Error;
    }
    let mut types = known.into_iter();
    let Some(first) = types.next() else {
        return Type::Void;
    };
    types
        .try_fold(first, |acc, t| Type::common(&acc, &t))
        .unwrap_or(Type::Any)
        .widened_for_variable()
}

/// The value a variable declared without an initializer starts with.
pub(super) fn zero_value(ty: &Type, span: Span) -> hir::Expr {
    let kind = match ty {
        Type::Float => hir::ExprKind::Float(0),
        Type::Integer | Type::Int32 | Type::Boolean | Type::Enum(_) => hir::ExprKind::Int(0),
        _ => hir::ExprKind::Undefined,
    };
    hir::Expr::new(kind, ty.clone(), span)
}

/// Whether control can never fall off the end of `stmts`.
fn always_returns(stmts: &[hir::Stmt]) -> bool {
    stmts.iter().any(|s| match s {
        hir::Stmt::Return(_) => true,
        hir::Stmt::If(_, a, b) => always_returns(a) && always_returns(b),
        hir::Stmt::Block(b) => always_returns(b),
        // `while (true)` without `break` never falls through.
        hir::Stmt::Loop { cond, body, .. } => {
            let infinite = cond
                .as_ref()
                .is_none_or(|c| matches!(c.kind, hir::ExprKind::Int(1)));
            infinite && !contains_break(body)
        }
        _ => false,
    })
}

fn contains_break(stmts: &[hir::Stmt]) -> bool {
    stmts.iter().any(|s| match s {
        hir::Stmt::Break => true,
        hir::Stmt::If(_, a, b) => contains_break(a) || contains_break(b),
        hir::Stmt::Block(b) => contains_break(b),
        _ => false,
    })
}
