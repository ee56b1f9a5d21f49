//! Arrow functions, captured variables and calls of function values.
//!
//! An arrow function is checked where it appears, as a nested body: the state of the enclosing
//! body is saved in a [`Frame`] on `BodyChecker::outer` while the arrow's body is the current
//! one. A name found in an enclosing body is *captured*: every body between gets a local that
//! receives it from its closure, recorded as `(enclosing local, own local)`.
//!
//! Whether a captured variable must live in a cell (shared by reference) depends on whether it is
//! assigned after its declaration anywhere, which is only known once the whole outermost body has
//! been checked; so finished arrow bodies wait in [`Arrows`] until [`BodyChecker::finish_closures`]
//! decides their cells. Arrows are named `owner/N`, `N` counting the arrows of the owner's syntax
//! in pre-order ([`arrow_starts`]), so that a name stays the same across edits that add or
//! remove no arrow. Conversions between function types that change how a parameter or the
//! result is represented (`(x: float) => float` used as `(x: integer) => float`) wrap the
//! function in a *bridge*: a synthetic closure body numbered after the arrows.

use super::body::{BodyChecker, LocalVar, Ret};
use super::narrow::Facts;
use crate::hir::{self, Expr, ExprKind, LocalId};
use crate::types::{FunctionType, Type};
use std::collections::{BTreeMap, HashMap, HashSet};
use syntax::Span;
use syntax::ast::{self, ArrowBody};
use syntax::visit;

/// The name of arrow function number `n` of function `owner`.
pub fn arrow_name(owner: &str, n: usize) -> String {
    format!("{owner}/{n}")
}

/// The owner and number of an arrow function's name, if `name` is one.
pub fn parse_arrow_name(name: &str) -> Option<(&str, usize)> {
    let (owner, n) = name.rsplit_once('/')?;
    Some((owner, n.parse().ok()?))
}

/// The start offsets of the arrow functions in `stmts`, in pre-order: the `N` of `owner/N`.
fn arrow_starts<'a>(stmts: impl IntoIterator<Item = &'a ast::Stmt>) -> Vec<u32> {
    let mut out = Vec::new();
    for s in stmts {
        visit::each_expr_in_stmt(s, &mut |e| {
            if let ast::Expr::Arrow { span, .. } = e {
                out.push(span.start);
            }
        });
    }
    out
}

/// The names assigned inside arrow functions of `stmts`: a closure may change them whenever it
/// runs, so null checks on them prove nothing.
fn assigned_in_arrows<'a>(stmts: impl IntoIterator<Item = &'a ast::Stmt>) -> HashSet<String> {
    let mut out = HashSet::new();
    for s in stmts {
        visit::each_expr_in_stmt(s, &mut |e| {
            if let ast::Expr::Arrow { .. } = e {
                visit::each_expr(e, &mut |x| {
                    if let Some(name) = visit::assigned_name(x) {
                        out.insert(name.to_string());
                    }
                });
            }
        });
    }
    out
}

/// The arrow functions of the body being checked (shared by all its nested bodies).
#[derive(Default)]
pub(super) struct Arrows {
    /// The name of the outermost body (`f`, `C.m`, `<main>`).
    owner: String,
    /// Arrow number by start offset.
    numbers: HashMap<u32, u32>,
    /// Names assigned inside arrows (see [`assigned_in_arrows`]).
    unstable: HashSet<String>,
    /// Finished arrow bodies by number, waiting for their cells.
    finished: BTreeMap<u32, Finished>,
    /// How many bridges were made.
    bridges: u32,
}

impl Arrows {
    /// The arrows of `owner`, whose syntax is `stmts`.
    pub(super) fn of<'a>(
        owner: &str,
        stmts: impl IntoIterator<Item = &'a ast::Stmt> + Clone,
    ) -> Self {
        Arrows {
            owner: owner.to_string(),
            numbers: arrow_starts(stmts.clone())
                .into_iter()
                .enumerate()
                .map(|(n, start)| (start, n as u32))
                .collect(),
            unstable: assigned_in_arrows(stmts),
            finished: BTreeMap::new(),
            bridges: 0,
        }
    }

    /// Whether null checks on variable `name` prove nothing.
    pub(super) fn is_unstable(&self, name: &str) -> bool {
        self.unstable.contains(name)
    }
}

/// An arrow body checked, before its cells are known.
struct Finished {
    /// The enclosing arrow's number (`None`: the outermost body).
    parent: Option<u32>,
    body: hir::Body,
    closure: ClosureFrame,
}

/// What a body records about captures while it is checked.
#[derive(Default)]
pub(super) struct ClosureFrame {
    /// This body's arrow number (`None`: the outermost body).
    number: Option<u32>,
    /// `(enclosing body's local, own local)` for each captured variable, in capture order.
    captures: Vec<(LocalId, LocalId)>,
    /// Own locals assigned after their declaration.
    pub(super) written: HashSet<u32>,
    /// Own locals that some arrow captures.
    captured: HashSet<u32>,
    /// Own locals whose null checks prove nothing (see [`Arrows::is_unstable`]).
    pub(super) unstable: HashSet<u32>,
}

/// The saved state of a body while an arrow inside it is being checked.
pub(super) struct Frame {
    locals: Vec<Type>,
    scopes: Vec<HashMap<String, LocalVar>>,
    ret: Ret,
    loop_depth: u32,
    constructor: Option<super::body::ConstructorRules>,
    facts: Facts,
    assigned_log: Vec<super::narrow::Subject>,
    closure: ClosureFrame,
}

impl Frame {
    /// The local of this body that receives `parent_local` of the enclosing body `parent`.
    fn capture(&mut self, parent: &mut Frame, parent_local: LocalId) -> LocalId {
        if let Some(&(_, own)) = self
            .closure
            .captures
            .iter()
            .find(|(p, _)| *p == parent_local)
        {
            return own;
        }
        let own = LocalId(self.locals.len() as u32);
        self.locals
            .push(parent.locals[parent_local.0 as usize].clone());
        self.closure.captures.push((parent_local, own));
        if parent.closure.unstable.contains(&parent_local.0) {
            self.closure.unstable.insert(own.0);
        }
        parent.closure.captured.insert(parent_local.0);
        own
    }
}

impl BodyChecker<'_> {
    /// Takes the current body's state out, leaving a fresh one with `ret`.
    fn save_frame(&mut self, ret: Ret) -> Frame {
        Frame {
            locals: std::mem::take(&mut self.locals),
            scopes: std::mem::replace(&mut self.scopes, vec![HashMap::new()]),
            ret: std::mem::replace(&mut self.ret, ret),
            loop_depth: std::mem::take(&mut self.loop_depth),
            constructor: self.constructor.take(),
            facts: std::mem::take(&mut self.facts),
            assigned_log: std::mem::take(&mut self.assigned_log),
            closure: std::mem::take(&mut self.closure),
        }
    }

    /// Makes `f` the current body again, returning the state it replaces.
    fn restore_frame(&mut self, f: Frame) -> Frame {
        Frame {
            locals: std::mem::replace(&mut self.locals, f.locals),
            scopes: std::mem::replace(&mut self.scopes, f.scopes),
            ret: std::mem::replace(&mut self.ret, f.ret),
            loop_depth: std::mem::replace(&mut self.loop_depth, f.loop_depth),
            constructor: std::mem::replace(&mut self.constructor, f.constructor),
            facts: std::mem::replace(&mut self.facts, f.facts),
            assigned_log: std::mem::replace(&mut self.assigned_log, f.assigned_log),
            closure: std::mem::replace(&mut self.closure, f.closure),
        }
    }

    /// Finds a local by name: in the current body's scopes, innermost first, else in an
    /// enclosing body (capturing it through every arrow between).
    pub(super) fn lookup_local(&mut self, name: &str) -> Option<LocalVar> {
        if let Some(v) = find(&self.scopes, name) {
            return Some(v);
        }
        let depth = self
            .outer
            .iter()
            .rposition(|f| find(&f.scopes, name).is_some())?;
        let found = find(&self.outer[depth].scopes, name)?;
        let current = self.save_frame(Ret::Main);
        self.outer.push(current);
        let mut id = found.id;
        for d in depth + 1..self.outer.len() {
            let (before, after) = self.outer.split_at_mut(d);
            id = after[0].capture(&mut before[d - 1], id);
        }
        let current = self.outer.pop().expect("pushed above");
        self.restore_frame(current);
        Some(LocalVar { id, ..found })
    }

    /// Records an assignment to a local after its declaration.
    pub(super) fn local_written(&mut self, id: LocalId) {
        self.closure.written.insert(id.0);
    }

    /// Marks a newly declared local whose null checks prove nothing.
    pub(super) fn note_declared(&mut self, name: &str, id: LocalId) {
        if self.arrows.is_unstable(name) {
            self.closure.unstable.insert(id.0);
        }
    }

    /// Checks an arrow function expression and creates its closure.
    pub(super) fn arrow(
        &mut self,
        params: &[ast::Param],
        ret: Option<&ast::TypeExpr>,
        body: &ArrowBody,
        span: Span,
    ) -> Expr {
        let number = match self.arrows.numbers.get(&span.start) {
            Some(n) => *n,
            // Only scratch checks (result-type inference) see arrows outside the numbered
            // syntax; their bodies are discarded.
            None => u32::MAX - self.arrows.finished.len() as u32,
        };
        let declared = ret.map(|t| super::type_expr::resolve(t, self.env.types(), self.sink));
        let param_types: Vec<Type> = params
            .iter()
            .map(|p| {
                p.ty.as_ref().map_or(Type::Any, |t| {
                    super::type_expr::resolve(t, self.env.types(), self.sink)
                })
            })
            .collect();
        let mode = declared
            .clone()
            .map_or(Ret::Infer(Vec::new()), Ret::Declared);
        let enclosing = self.save_frame(mode);
        self.outer.push(enclosing);
        self.closure.number = Some(number);
        let param_ids = self.declare_param_list(params, &param_types);
        let (stmts, ret) = match body {
            ArrowBody::Expr(e) => self.expression_body(e, declared),
            ArrowBody::Block(b) => {
                let stmts = self.block(&b.stmts);
                self.block_result(stmts, span)
            }
        };
        let enclosing = self.outer.pop().expect("pushed above");
        let own = self.restore_frame(enclosing);
        for (parent_local, own_local) in &own.closure.captures {
            if own.closure.written.contains(&own_local.0) {
                self.closure.written.insert(parent_local.0);
            }
        }
        let name = arrow_name(&self.arrows.owner, number as usize);
        let ty = Type::Function(Box::new(FunctionType {
            params: param_types,
            ret: ret.clone(),
        }));
        let captures = own.closure.captures.iter().map(|(p, _)| *p).collect();
        let body = hir::Body {
            name: name.clone(),
            span,
            params: param_ids,
            locals: own.locals,
            ret,
            stmts,
            captures: Some(own.closure.captures.iter().map(|(_, o)| *o).collect()),
            cells: Vec::new(),
        };
        self.arrows.finished.insert(
            number,
            Finished {
                parent: self.closure.number,
                body,
                closure: own.closure,
            },
        );
        Expr::new(
            ExprKind::Closure {
                function: name,
                captures,
            },
            ty,
            span,
        )
    }

    /// `=> e`: returns `e` (converted to the declared result type), or evaluates it for a
    /// `void` result.
    fn expression_body(&mut self, e: &ast::Expr, declared: Option<Type>) -> (Vec<hir::Stmt>, Type) {
        let value = self.expr(e, declared.as_ref());
        let ret = declared.unwrap_or_else(|| value.ty.clone().widened_for_variable());
        if ret == Type::Void {
            return (vec![hir::Stmt::Expr(value)], Type::Void);
        }
        let value = self.coerce(value, &ret);
        (vec![hir::Stmt::Return(Some(value))], ret)
    }

    /// The result type of a block body (declared, or the common type of its `return`s, which
    /// are then converted to it), checking that a value is returned on every path.
    fn block_result(&mut self, stmts: Vec<hir::Stmt>, span: Span) -> (Vec<hir::Stmt>, Type) {
        let (stmts, ret) = match std::mem::replace(&mut self.ret, Ret::Main) {
            Ret::Declared(t) => (stmts, t),
            Ret::Infer(types) => {
                let ret = super::body::common_result(types);
                (self.convert_returns(stmts, &ret), ret)
            }
            Ret::Main => unreachable!("an arrow body is never top-level code"),
        };
        self.check_returns_everywhere(&stmts, &ret, span, "this arrow function");
        (stmts, ret)
    }

    /// Converts the values of the `return`s of one body (not of nested arrows) to `ret`.
    fn convert_returns(&mut self, stmts: Vec<hir::Stmt>, ret: &Type) -> Vec<hir::Stmt> {
        stmts
            .into_iter()
            .map(|s| match s {
                hir::Stmt::Return(Some(v)) => hir::Stmt::Return(Some(self.coerce(v, ret))),
                hir::Stmt::If(c, a, b) => hir::Stmt::If(
                    c,
                    self.convert_returns(a, ret),
                    self.convert_returns(b, ret),
                ),
                hir::Stmt::Block(b) => hir::Stmt::Block(self.convert_returns(b, ret)),
                hir::Stmt::Loop {
                    cond,
                    body,
                    step,
                    test_first,
                    fresh,
                } => hir::Stmt::Loop {
                    cond,
                    body: self.convert_returns(body, ret),
                    step,
                    test_first,
                    fresh,
                },
                s => s,
            })
            .collect()
    }

    /// The bodies of the arrows checked, by number, with their cells decided; also decides the
    /// cells of the outermost body.
    pub(super) fn finish_closures(&mut self) -> (Vec<LocalId>, Vec<hir::Body>) {
        let root_cells = cells_of(&self.closure, &HashSet::new());
        let mut cells_by_number: HashMap<u32, HashSet<u32>> = HashMap::new();
        let mut bodies = Vec::new();
        for (number, mut f) in std::mem::take(&mut self.arrows.finished) {
            let parent_cells = match f.parent {
                None => &root_cells,
                Some(p) => &cells_by_number[&p],
            };
            let cells = cells_of(&f.closure, parent_cells);
            f.body.cells = sorted(&cells);
            cells_by_number.insert(number, cells);
            bodies.push(f.body);
        }
        (sorted(&root_cells), bodies)
    }

    /// Wraps `value` (of function type `from`) in a closure of type `to` that converts the
    /// arguments to `from`'s parameter types, calls `value` and converts its result.
    pub(super) fn bridge(&mut self, value: Expr, from: &FunctionType, to: &FunctionType) -> Expr {
        let span = value.span;
        let number = self.arrows.numbers.len() as u32 + self.arrows.bridges;
        self.arrows.bridges += 1;
        let name = arrow_name(&self.arrows.owner, number as usize);
        let from_ty = Type::Function(Box::new(from.clone()));
        let inner = LocalId(to.params.len() as u32);
        let local =
            |i: usize, ty: &Type| Expr::new(ExprKind::Local(LocalId(i as u32)), ty.clone(), span);
        let args = to
            .params
            .iter()
            .zip(&from.params)
            .enumerate()
            .map(|(i, (t, f))| self.coerce(local(i, t), f))
            .collect();
        let call = Expr::new(
            ExprKind::CallValue(Box::new(local(inner.0 as usize, &from_ty)), args),
            from.ret.clone(),
            span,
        );
        let stmts = if to.ret == Type::Void {
            vec![hir::Stmt::Expr(call)]
        } else {
            vec![hir::Stmt::Return(Some(self.coerce(call, &to.ret)))]
        };
        let mut locals = to.params.clone();
        locals.push(from_ty);
        let body = hir::Body {
            name: name.clone(),
            span,
            params: (0..to.params.len() as u32).map(LocalId).collect(),
            locals,
            ret: to.ret.clone(),
            stmts,
            captures: Some(vec![inner]),
            cells: Vec::new(),
        };
        self.arrows.finished.insert(
            number,
            Finished {
                parent: None,
                body,
                closure: ClosureFrame::default(),
            },
        );
        Expr::new(
            ExprKind::Bridge {
                function: name,
                value: Box::new(value),
            },
            Type::Function(Box::new(to.clone())),
            span,
        )
    }

    /// Calls a value of function type (or `any`) with `args`; `what` names the callee in
    /// messages.
    pub(super) fn call_value(
        &mut self,
        callee: Expr,
        what: &str,
        args: &[ast::Expr],
        span: Span,
    ) -> Expr {
        match callee.ty.clone() {
            Type::Function(ft) => {
                let Some(args) = self.arguments(what, &ft.params, args, span) else {
                    return Expr::new(ExprKind::Undefined, Type::Error, span);
                };
                Expr::new(ExprKind::CallValue(Box::new(callee), args), ft.ret, span)
            }
            Type::Any => {
                let args = self.any_args(args);
                Expr::new(ExprKind::AnyCall(Box::new(callee), args), Type::Any, span)
            }
            Type::Error => {
                self.check_args(args);
                callee
            }
            Type::Nullable(_) => {
                self.check_args(args);
                self.possibly_null(&callee, span)
            }
            t => {
                self.check_args(args);
                self.sink.error_hint(
                    "E0203",
                    callee.span,
                    format!("a value of type `{t}` cannot be called"),
                    "only functions can be called; if the next line starts with `(`, end this line with `;`",
                );
                Expr::new(ExprKind::Undefined, Type::Error, span)
            }
        }
    }
}

/// The cells of a body: its captured locals assigned after their declaration, and the locals
/// receiving a cell of the enclosing body.
fn cells_of(c: &ClosureFrame, parent_cells: &HashSet<u32>) -> HashSet<u32> {
    let mut cells: HashSet<u32> = c.captured.intersection(&c.written).copied().collect();
    cells.extend(
        c.captures
            .iter()
            .filter(|(p, _)| parent_cells.contains(&p.0))
            .map(|(_, o)| o.0),
    );
    cells
}

fn sorted(ids: &HashSet<u32>) -> Vec<LocalId> {
    let mut v: Vec<u32> = ids.iter().copied().collect();
    v.sort_unstable();
    v.into_iter().map(LocalId).collect()
}

/// A name in a stack of scopes, innermost first.
fn find(scopes: &[HashMap<String, LocalVar>], name: &str) -> Option<LocalVar> {
    scopes.iter().rev().find_map(|s| s.get(name).copied())
}
