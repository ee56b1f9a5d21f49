//! A bound on the depth of finished trees, so that every recursive pass over them (including
//! `Drop`) stays within a small stack.
//!
//! The parser limits its own recursion, but loops build left-nested chains (`a + b + c + …`,
//! `a.b.c…`, `f()()…`) without recursing. After each top-level item is parsed, its depth is measured
//! without recursion; an item deeper than [`MAX_TREE_DEPTH`] is reported and replaced by an error
//! node, and the deep tree is taken apart iteratively instead of being dropped recursively.

use crate::ast::{ArrowBody, Block, ClassMember, Expr, Item, Param, Stmt, TypeExpr};

/// The deepest tree the parser returns, counting items, statements, expressions and types.
pub const MAX_TREE_DEPTH: usize = 500;

/// A borrowed node.
enum Ref<'a> {
    Item(&'a Item),
    Stmt(&'a Stmt),
    Expr(&'a Expr),
    Type(&'a TypeExpr),
}

/// An owned node.
enum Owned {
    Item(Item),
    Stmt(Stmt),
    Expr(Expr),
    Type(TypeExpr),
}

/// Whether `item` is nested deeper than [`MAX_TREE_DEPTH`].
pub(crate) fn too_deep(item: &Item) -> bool {
    let mut stack = vec![(Ref::Item(item), 1usize)];
    let mut children = Vec::new();
    while let Some((node, depth)) = stack.pop() {
        if depth > MAX_TREE_DEPTH {
            return true;
        }
        ref_children(node, &mut children);
        stack.extend(children.drain(..).map(|c| (c, depth + 1)));
    }
    false
}

/// Drops `item` without recursion, however deep it is.
pub(crate) fn dismantle(item: Item) {
    let mut stack = vec![Owned::Item(item)];
    while let Some(node) = stack.pop() {
        owned_children(node, &mut stack);
    }
}

fn ref_params<'a>(params: &'a [Param], out: &mut Vec<Ref<'a>>) {
    out.extend(params.iter().filter_map(|p| p.ty.as_ref()).map(Ref::Type));
}

fn ref_block<'a>(block: &'a Block, out: &mut Vec<Ref<'a>>) {
    out.extend(block.stmts.iter().map(Ref::Stmt));
}

fn ref_children<'a>(node: Ref<'a>, out: &mut Vec<Ref<'a>>) {
    match node {
        Ref::Item(item) => match item {
            Item::Function(f) => {
                ref_params(&f.params, out);
                out.extend(f.ret.iter().map(Ref::Type));
                ref_block(&f.body, out);
            }
            Item::Class(c) => {
                for m in &c.members {
                    match m {
                        ClassMember::Field { ty, init, .. } => {
                            out.extend(ty.iter().map(Ref::Type));
                            out.extend(init.iter().map(Ref::Expr));
                        }
                        ClassMember::Constructor { params, body, .. } => {
                            ref_params(params, out);
                            ref_block(body, out);
                        }
                        ClassMember::Method {
                            params, ret, body, ..
                        } => {
                            ref_params(params, out);
                            out.extend(ret.iter().map(Ref::Type));
                            ref_block(body, out);
                        }
                    }
                }
            }
            Item::Enum(e) => out.extend(
                e.members
                    .iter()
                    .filter_map(|m| m.value.as_ref())
                    .map(Ref::Expr),
            ),
            Item::Import(_) => {}
            Item::TypeAlias(t) => out.push(Ref::Type(&t.ty)),
            Item::Stmt(s) => out.push(Ref::Stmt(s)),
        },
        Ref::Stmt(stmt) => match stmt {
            Stmt::VarDecl { decls, .. } => {
                for d in decls {
                    out.extend(d.ty.iter().map(Ref::Type));
                    out.extend(d.init.iter().map(Ref::Expr));
                }
            }
            Stmt::Expr(e) | Stmt::Return(Some(e), _) => out.push(Ref::Expr(e)),
            Stmt::If {
                cond, then, other, ..
            } => {
                out.push(Ref::Expr(cond));
                out.push(Ref::Stmt(then));
                out.extend(other.iter().map(|o| Ref::Stmt(o)));
            }
            Stmt::While { cond, body, .. } | Stmt::DoWhile { body, cond, .. } => {
                out.push(Ref::Expr(cond));
                out.push(Ref::Stmt(body));
            }
            Stmt::For {
                init,
                cond,
                step,
                body,
                ..
            } => {
                out.extend(init.iter().map(|s| Ref::Stmt(s)));
                out.extend(cond.iter().map(Ref::Expr));
                out.extend(step.iter().map(Ref::Expr));
                out.push(Ref::Stmt(body));
            }
            Stmt::Block(b) => ref_block(b, out),
            Stmt::NestedItem(item) => out.push(Ref::Item(item)),
            Stmt::Return(None, _)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::Empty(_)
            | Stmt::Unsupported { .. }
            | Stmt::Error(_) => {}
        },
        Ref::Expr(expr) => match expr {
            Expr::Array(items, _) => out.extend(items.iter().map(Ref::Expr)),
            Expr::Unary(_, x, _)
            | Expr::Update { target: x, .. }
            | Expr::Member(x, _, _)
            | Expr::InstanceOf(x, _, _) => out.push(Ref::Expr(x)),
            Expr::Binary(_, a, b, _)
            | Expr::Logical(_, a, b, _)
            | Expr::Assign(_, a, b, _)
            | Expr::Index(a, b, _) => {
                out.push(Ref::Expr(a));
                out.push(Ref::Expr(b));
            }
            Expr::Conditional(a, b, c, _) => out.extend([Ref::Expr(a), Ref::Expr(b), Ref::Expr(c)]),
            Expr::Call(f, args, _) => {
                out.push(Ref::Expr(f));
                out.extend(args.iter().map(Ref::Expr));
            }
            Expr::New {
                type_args, args, ..
            } => {
                out.extend(type_args.iter().map(Ref::Type));
                out.extend(args.iter().map(Ref::Expr));
            }
            Expr::As(x, t, _) => {
                out.push(Ref::Expr(x));
                out.push(Ref::Type(t));
            }
            Expr::Arrow {
                params, ret, body, ..
            } => {
                ref_params(params, out);
                out.extend(ret.iter().map(Ref::Type));
                match body {
                    ArrowBody::Expr(e) => out.push(Ref::Expr(e)),
                    ArrowBody::Block(b) => ref_block(b, out),
                }
            }
            Expr::Lit(..)
            | Expr::Ident(_)
            | Expr::This(_)
            | Expr::Super(_)
            | Expr::Unsupported { .. }
            | Expr::Error(_) => {}
        },
        Ref::Type(ty) => match ty {
            TypeExpr::Array(t, _) => out.push(Ref::Type(t)),
            TypeExpr::Generic(_, args, _) | TypeExpr::Union(args, _) => {
                out.extend(args.iter().map(Ref::Type))
            }
            TypeExpr::Function(params, ret, _) => {
                ref_params(params, out);
                out.push(Ref::Type(ret));
            }
            TypeExpr::Named(_) | TypeExpr::Error(_) => {}
        },
    }
}

fn owned_params(params: Vec<Param>, out: &mut Vec<Owned>) {
    out.extend(params.into_iter().filter_map(|p| p.ty).map(Owned::Type));
}

fn owned_block(block: Block, out: &mut Vec<Owned>) {
    out.extend(block.stmts.into_iter().map(Owned::Stmt));
}

/// Moves the children of `node` onto `out`; what is left of `node` is then dropped shallowly.
fn owned_children(node: Owned, out: &mut Vec<Owned>) {
    match node {
        Owned::Item(item) => match item {
            Item::Function(f) => {
                owned_params(f.params, out);
                out.extend(f.ret.map(Owned::Type));
                owned_block(f.body, out);
            }
            Item::Class(c) => {
                for m in c.members {
                    match m {
                        ClassMember::Field { ty, init, .. } => {
                            out.extend(ty.map(Owned::Type));
                            out.extend(init.map(Owned::Expr));
                        }
                        ClassMember::Constructor { params, body, .. } => {
                            owned_params(params, out);
                            owned_block(body, out);
                        }
                        ClassMember::Method {
                            params, ret, body, ..
                        } => {
                            owned_params(params, out);
                            out.extend(ret.map(Owned::Type));
                            owned_block(body, out);
                        }
                    }
                }
            }
            Item::Enum(e) => out.extend(
                e.members
                    .into_iter()
                    .filter_map(|m| m.value)
                    .map(Owned::Expr),
            ),
            Item::Import(_) => {}
            Item::TypeAlias(t) => out.push(Owned::Type(t.ty)),
            Item::Stmt(s) => out.push(Owned::Stmt(s)),
        },
        Owned::Stmt(stmt) => match stmt {
            Stmt::VarDecl { decls, .. } => {
                for d in decls {
                    out.extend(d.ty.map(Owned::Type));
                    out.extend(d.init.map(Owned::Expr));
                }
            }
            Stmt::Expr(e) | Stmt::Return(Some(e), _) => out.push(Owned::Expr(e)),
            Stmt::If {
                cond, then, other, ..
            } => {
                out.push(Owned::Expr(cond));
                out.push(Owned::Stmt(*then));
                out.extend(other.map(|o| Owned::Stmt(*o)));
            }
            Stmt::While { cond, body, .. } | Stmt::DoWhile { body, cond, .. } => {
                out.push(Owned::Expr(cond));
                out.push(Owned::Stmt(*body));
            }
            Stmt::For {
                init,
                cond,
                step,
                body,
                ..
            } => {
                out.extend(init.map(|s| Owned::Stmt(*s)));
                out.extend(cond.map(Owned::Expr));
                out.extend(step.map(Owned::Expr));
                out.push(Owned::Stmt(*body));
            }
            Stmt::Block(b) => owned_block(b, out),
            Stmt::NestedItem(item) => out.push(Owned::Item(*item)),
            Stmt::Return(None, _)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::Empty(_)
            | Stmt::Unsupported { .. }
            | Stmt::Error(_) => {}
        },
        Owned::Expr(expr) => match expr {
            Expr::Array(items, _) => out.extend(items.into_iter().map(Owned::Expr)),
            Expr::Unary(_, x, _)
            | Expr::Update { target: x, .. }
            | Expr::Member(x, _, _)
            | Expr::InstanceOf(x, _, _) => out.push(Owned::Expr(*x)),
            Expr::Binary(_, a, b, _)
            | Expr::Logical(_, a, b, _)
            | Expr::Assign(_, a, b, _)
            | Expr::Index(a, b, _) => {
                out.push(Owned::Expr(*a));
                out.push(Owned::Expr(*b));
            }
            Expr::Conditional(a, b, c, _) => {
                out.extend([Owned::Expr(*a), Owned::Expr(*b), Owned::Expr(*c)])
            }
            Expr::Call(f, args, _) => {
                out.push(Owned::Expr(*f));
                out.extend(args.into_iter().map(Owned::Expr));
            }
            Expr::New {
                type_args, args, ..
            } => {
                out.extend(type_args.into_iter().map(Owned::Type));
                out.extend(args.into_iter().map(Owned::Expr));
            }
            Expr::As(x, t, _) => {
                out.push(Owned::Expr(*x));
                out.push(Owned::Type(t));
            }
            Expr::Arrow {
                params, ret, body, ..
            } => {
                owned_params(params, out);
                out.extend(ret.map(Owned::Type));
                match body {
                    ArrowBody::Expr(e) => out.push(Owned::Expr(*e)),
                    ArrowBody::Block(b) => owned_block(b, out),
                }
            }
            Expr::Lit(..)
            | Expr::Ident(_)
            | Expr::This(_)
            | Expr::Super(_)
            | Expr::Unsupported { .. }
            | Expr::Error(_) => {}
        },
        Owned::Type(ty) => match ty {
            TypeExpr::Array(t, _) => out.push(Owned::Type(*t)),
            TypeExpr::Generic(_, args, _) | TypeExpr::Union(args, _) => {
                out.extend(args.into_iter().map(Owned::Type))
            }
            TypeExpr::Function(params, ret, _) => {
                owned_params(params, out);
                out.push(Owned::Type(*ret));
            }
            TypeExpr::Named(_) | TypeExpr::Error(_) => {}
        },
    }
}
