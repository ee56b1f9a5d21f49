//! Walking every expression of a statement or expression, outer before inner (pre-order), for
//! the syntactic questions later passes ask: which arrow functions a body contains, which names
//! it assigns or uses as values. Arrow function bodies are walked too; nested declarations
//! (`NestedItem`) are not, since they are not part of the body.

use crate::ast::{ArrowBody, Expr, Stmt};

/// Calls `f` on every expression of `s`, in source order, each before the expressions inside it.
pub fn each_expr_in_stmt(s: &Stmt, f: &mut dyn FnMut(&Expr)) {
    match s {
        Stmt::VarDecl { decls, .. } => {
            for d in decls {
                if let Some(e) = &d.init {
                    each_expr(e, f);
                }
            }
        }
        Stmt::Expr(e) | Stmt::Return(Some(e), _) => each_expr(e, f),
        Stmt::If {
            cond, then, other, ..
        } => {
            each_expr(cond, f);
            each_expr_in_stmt(then, f);
            if let Some(o) = other {
                each_expr_in_stmt(o, f);
            }
        }
        Stmt::While { cond, body, .. } => {
            each_expr(cond, f);
            each_expr_in_stmt(body, f);
        }
        Stmt::DoWhile { body, cond, .. } => {
            each_expr_in_stmt(body, f);
            each_expr(cond, f);
        }
        Stmt::For {
            init,
            cond,
            step,
            body,
            ..
        } => {
            if let Some(i) = init {
                each_expr_in_stmt(i, f);
            }
            if let Some(c) = cond {
                each_expr(c, f);
            }
            each_expr_in_stmt(body, f);
            if let Some(s) = step {
                each_expr(s, f);
            }
        }
        Stmt::Block(b) => b.stmts.iter().for_each(|s| each_expr_in_stmt(s, f)),
        Stmt::Return(None, _)
        | Stmt::Break(_)
        | Stmt::Continue(_)
        | Stmt::Empty(_)
        | Stmt::Unsupported { .. }
        | Stmt::NestedItem(_)
        | Stmt::Error(_) => {}
    }
}

/// Calls `f` on `e` and then on every expression inside it, in source order.
pub fn each_expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match e {
        Expr::Array(items, _) => items.iter().for_each(|x| each_expr(x, f)),
        Expr::Call(callee, args, _) => {
            each_expr(callee, f);
            args.iter().for_each(|x| each_expr(x, f));
        }
        Expr::New { args, .. } => args.iter().for_each(|x| each_expr(x, f)),
        Expr::Unary(_, x, _)
        | Expr::Member(x, _, _)
        | Expr::As(x, _, _)
        | Expr::InstanceOf(x, _, _)
        | Expr::Update { target: x, .. } => each_expr(x, f),
        Expr::Binary(_, a, b, _)
        | Expr::Logical(_, a, b, _)
        | Expr::Assign(_, a, b, _)
        | Expr::Index(a, b, _) => {
            each_expr(a, f);
            each_expr(b, f);
        }
        Expr::Conditional(c, a, b, _) => {
            each_expr(c, f);
            each_expr(a, f);
            each_expr(b, f);
        }
        Expr::Arrow { body, .. } => match body {
            ArrowBody::Expr(x) => each_expr(x, f),
            ArrowBody::Block(b) => b.stmts.iter().for_each(|s| each_expr_in_stmt(s, f)),
        },
        Expr::Lit(..)
        | Expr::Ident(_)
        | Expr::This(_)
        | Expr::Super(_)
        | Expr::Unsupported { .. }
        | Expr::Error(_) => {}
    }
}

/// The names of the variables that `s` assigns (`x = …`, `x += …`, `x++`), with repetitions.
pub fn assigned_names(s: &Stmt) -> Vec<String> {
    let mut out = Vec::new();
    each_expr_in_stmt(s, &mut |e| {
        if let Some(name) = assigned_name(e) {
            out.push(name.to_string());
        }
    });
    out
}

/// The variable an assignment or update expression writes, if `e` is one and its target is a
/// plain name.
pub fn assigned_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Assign(_, target, _, _) | Expr::Update { target, .. } => match &**target {
            Expr::Ident(id) => Some(&id.name),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn exprs_of(src: &str) -> Vec<String> {
        let file = parse(src).file;
        let mut out = Vec::new();
        for item in &file.items {
            if let crate::ast::Item::Stmt(s) = item {
                each_expr_in_stmt(s, &mut |e| {
                    if let Expr::Ident(id) = e {
                        out.push(id.name.clone());
                    }
                });
            }
        }
        out
    }

    #[test]
    fn walks_in_source_order_into_arrow_bodies() {
        let names = exprs_of("let f = (a) => { let b = c + d(e) }; for (g; h; i) j");
        assert_eq!(names, ["c", "d", "e", "g", "h", "j", "i"]);
    }

    #[test]
    fn finds_assigned_names() {
        let file =
            parse("while (x) { a = 1; b += 2; c++; d.e = 3; g[0] = 4; () => { h = 5 } }").file;
        let crate::ast::Item::Stmt(s) = &file.items[0] else {
            panic!("a statement")
        };
        assert_eq!(assigned_names(s), ["a", "b", "c", "h"]);
    }
}
