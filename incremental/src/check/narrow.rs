//! Null narrowing: inside `if (x != null) { … }` (and after `if (x == null) return`, on the
//! right of `x != null && …`, in the body of `while (x != null)` …) a local `x` of type
//! `T | null` has type `T`. Facts come from conditions; an assignment to the local ends them,
//! and a loop forgets the facts about every local it assigns before checking its body.

use super::body::BodyChecker;
use crate::hir::LocalId;
use crate::types::Type;
use std::collections::HashMap;
use syntax::ast::{self, BinaryOp, Expr, LogicalOp, Stmt, UnaryOp};
use syntax::visit;

/// A variable that narrowing can know about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Subject {
    /// A local or parameter.
    Local(LocalId),
    /// A global (top-level `let`), narrowed like TypeScript does for module variables.
    Global(String),
}

/// The variables known to be non-null, with their narrowed types.
pub(super) type Facts = HashMap<Subject, Type>;

/// What a condition proves when it is true and when it is false.
#[derive(Default)]
pub(super) struct CondFacts {
    /// Locals non-null when the condition holds.
    pub when_true: Vec<Subject>,
    /// Locals non-null when it does not.
    pub when_false: Vec<Subject>,
}

impl BodyChecker<'_> {
    /// The narrowed type of `subject`, if it is known to be non-null here.
    pub(super) fn narrowed(&self, subject: &Subject) -> Option<Type> {
        self.facts.get(subject).cloned()
    }

    /// Whether null checks on `subject` prove nothing, because a closure may assign it.
    fn is_unstable(&self, subject: &Subject) -> bool {
        match subject {
            Subject::Local(id) => self.closure.unstable.contains(&id.0),
            Subject::Global(name) => self.arrows.is_unstable(name),
        }
    }

    /// The declared type of `subject`.
    fn declared(&mut self, subject: &Subject) -> Type {
        match subject {
            Subject::Local(id) => self.locals[id.0 as usize].clone(),
            Subject::Global(name) => self
                .lookup_global(name, syntax::Span::default())
                .map_or(Type::Error, |g| g.ty),
        }
    }

    /// Adds the facts that `subjects` are non-null.
    pub(super) fn assume_non_null(&mut self, subjects: &[Subject]) {
        for s in subjects {
            if self.is_unstable(s) {
                continue;
            }
            if let Type::Nullable(t) = self.declared(s) {
                self.facts.insert(s.clone(), *t);
            }
        }
    }

    /// Records an assignment to `subject` of a value of type `ty`: it is non-null afterwards
    /// exactly when `ty` is.
    pub(super) fn assigned(&mut self, subject: Subject, ty: &Type) {
        self.assigned_log.push(subject.clone());
        if self.declared(&subject).is_nullable() && !self.is_unstable(&subject) {
            if ty.is_nullable() || *ty == Type::Null || *ty == Type::Any || *ty == Type::Error {
                self.facts.remove(&subject);
            } else {
                self.facts.insert(subject, ty.clone());
            }
        }
    }

    /// Runs `check` with extra facts `ids`; afterwards the facts are those from before, minus
    /// any local assigned meanwhile.
    pub(super) fn with_facts<T>(
        &mut self,
        ids: &[Subject],
        check: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let saved = self.facts.clone();
        let log_start = self.assigned_log.len();
        self.assume_non_null(ids);
        let result = check(self);
        self.facts = saved;
        let BodyChecker {
            facts,
            assigned_log,
            ..
        } = self;
        for subject in &assigned_log[log_start..] {
            facts.remove(subject);
        }
        result
    }

    /// Forgets the facts about the locals a loop assigns (syntactically, anywhere in it).
    pub(super) fn forget_assigned_in(&mut self, parts: &[&Stmt], exprs: &[&Expr]) {
        let mut names: Vec<String> = parts
            .iter()
            .flat_map(|s| visit::assigned_names(s))
            .collect();
        for e in exprs {
            visit::each_expr(e, &mut |x| {
                if let Some(name) = visit::assigned_name(x) {
                    names.push(name.to_string());
                }
            });
        }
        for name in names {
            let subject = match self.lookup_local(&name) {
                Some(local) => Subject::Local(local.id),
                None => Subject::Global(self.item_name(&name)),
            };
            self.facts.remove(&subject);
        }
    }

    /// The facts condition `e` establishes about nullable locals.
    pub(super) fn condition_facts(&mut self, e: &Expr) -> CondFacts {
        match e {
            Expr::Binary(
                op @ (BinaryOp::Eq | BinaryOp::StrictEq | BinaryOp::Ne | BinaryOp::StrictNe),
                a,
                b,
                _,
            ) => {
                let local = match (&**a, &**b) {
                    (x, n) | (n, x) if is_null(n) => self.nullable_subject(x),
                    _ => None,
                };
                let Some(id) = local else {
                    return CondFacts::default();
                };
                if matches!(op, BinaryOp::Ne | BinaryOp::StrictNe) {
                    CondFacts {
                        when_true: vec![id],
                        when_false: vec![],
                    }
                } else {
                    CondFacts {
                        when_true: vec![],
                        when_false: vec![id],
                    }
                }
            }
            Expr::Unary(UnaryOp::Not, x, _) => {
                let f = self.condition_facts(x);
                CondFacts {
                    when_true: f.when_false,
                    when_false: f.when_true,
                }
            }
            Expr::Logical(op, a, b, _) => {
                let (fa, fb) = (self.condition_facts(a), self.condition_facts(b));
                match op {
                    LogicalOp::And => CondFacts {
                        when_true: [fa.when_true, fb.when_true].concat(),
                        when_false: intersect(&fa.when_false, &fb.when_false),
                    },
                    LogicalOp::Or => CondFacts {
                        when_true: intersect(&fa.when_true, &fb.when_true),
                        when_false: [fa.when_false, fb.when_false].concat(),
                    },
                }
            }
            x => CondFacts {
                when_true: self.nullable_subject(x).into_iter().collect(),
                when_false: vec![],
            },
        }
    }

    /// The variable `e` names, if it is a variable of a nullable type.
    fn nullable_subject(&mut self, e: &Expr) -> Option<Subject> {
        let Expr::Ident(id) = e else { return None };
        let subject = match self.lookup_local(&id.name) {
            Some(local) => Subject::Local(local.id),
            None => Subject::Global(self.item_name(&id.name)),
        };
        self.declared(&subject).is_nullable().then_some(subject)
    }
}

fn is_null(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Lit(ast::Literal::Null | ast::Literal::Undefined, _)
    ) || matches!(e, Expr::Ident(id) if id.name == "undefined")
}

fn intersect(a: &[Subject], b: &[Subject]) -> Vec<Subject> {
    a.iter().filter(|x| b.contains(x)).cloned().collect()
}

/// Whether control never continues after `s` (it returns, breaks or continues on every path).
pub(super) fn always_exits(s: &Stmt) -> bool {
    match s {
        Stmt::Return(..) | Stmt::Break(_) | Stmt::Continue(_) => true,
        Stmt::Block(b) => b.stmts.iter().any(always_exits),
        Stmt::If {
            then,
            other: Some(o),
            ..
        } => always_exits(then) && always_exits(o),
        _ => false,
    }
}
