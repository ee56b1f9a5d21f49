//! A walk over a whole tree that collects every node's span, for span invariants.

use crate::Span;
use crate::ast::*;

/// Every node span in the tree (with a label), and whether any `Error` node was found.
#[derive(Default)]
pub(crate) struct Nodes {
    pub(crate) spans: Vec<(&'static str, Span)>,
    pub(crate) has_error_node: bool,
}

pub(crate) fn collect(file: &SourceFile) -> Nodes {
    let mut n = Nodes::default();
    for i in &file.items {
        n.item(i);
    }
    n
}

impl Nodes {
    fn item(&mut self, i: &Item) {
        self.spans.push(("item", i.span()));
        match i {
            Item::Function(f) => {
                self.ident(&f.name);
                self.params(&f.params);
                if let Some(t) = &f.ret {
                    self.ty(t);
                }
                self.block(&f.body);
            }
            Item::Class(c) => {
                self.ident(&c.name);
                for m in &c.members {
                    match m {
                        ClassMember::Field {
                            name,
                            ty,
                            init,
                            span,
                            ..
                        } => {
                            self.spans.push(("field", *span));
                            self.ident(name);
                            if let Some(t) = ty {
                                self.ty(t);
                            }
                            if let Some(e) = init {
                                self.expr(e);
                            }
                        }
                        ClassMember::Constructor { params, body, span } => {
                            self.spans.push(("ctor", *span));
                            self.params(params);
                            self.block(body);
                        }
                        ClassMember::Method {
                            name,
                            params,
                            ret,
                            body,
                            span,
                            ..
                        } => {
                            self.spans.push(("method", *span));
                            self.ident(name);
                            self.params(params);
                            if let Some(t) = ret {
                                self.ty(t);
                            }
                            self.block(body);
                        }
                    }
                }
            }
            Item::Enum(e) => {
                for m in &e.members {
                    self.spans.push(("enum member", m.span));
                    if let Some(v) = &m.value {
                        self.expr(v);
                    }
                }
            }
            Item::Import(i) => self.spans.push(("import path", i.from_span)),
            Item::TypeAlias(t) => self.ty(&t.ty),
            Item::Stmt(s) => self.stmt(s),
        }
    }

    fn ident(&mut self, id: &Ident) {
        if !id.name.is_empty() {
            self.spans.push(("ident", id.span));
        }
    }

    fn params(&mut self, params: &[Param]) {
        for p in params {
            self.spans.push(("param", p.span));
            if let Some(t) = &p.ty {
                self.ty(t);
            }
        }
    }

    fn block(&mut self, b: &Block) {
        self.spans.push(("block", b.span));
        for s in &b.stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &Stmt) {
        self.spans.push(("stmt", s.span()));
        match s {
            Stmt::VarDecl { decls, .. } => {
                for d in decls {
                    self.spans.push(("declarator", d.span));
                    if let Some(t) = &d.ty {
                        self.ty(t);
                    }
                    if let Some(e) = &d.init {
                        self.expr(e);
                    }
                }
            }
            Stmt::Expr(e) => self.expr(e),
            Stmt::If {
                cond, then, other, ..
            } => {
                self.expr(cond);
                self.stmt(then);
                if let Some(o) = other {
                    self.stmt(o);
                }
            }
            Stmt::While { cond, body, .. } | Stmt::DoWhile { body, cond, .. } => {
                self.expr(cond);
                self.stmt(body);
            }
            Stmt::For {
                init,
                cond,
                step,
                body,
                ..
            } => {
                if let Some(i) = init {
                    self.stmt(i);
                }
                if let Some(c) = cond {
                    self.expr(c);
                }
                if let Some(s) = step {
                    self.expr(s);
                }
                self.stmt(body);
            }
            Stmt::Return(Some(e), _) => self.expr(e),
            Stmt::Block(b) => self.block(b),
            Stmt::NestedItem(i) => self.item(i),
            Stmt::Error(_) => self.has_error_node = true,
            Stmt::Return(None, _)
            | Stmt::Break(_)
            | Stmt::Continue(_)
            | Stmt::Empty(_)
            | Stmt::Unsupported { .. } => {}
        }
    }

    fn expr(&mut self, e: &Expr) {
        self.spans.push(("expr", e.span()));
        match e {
            Expr::Array(items, _) | Expr::New { args: items, .. } => {
                for x in items {
                    self.expr(x);
                }
                if let Expr::New { type_args, .. } = e {
                    for t in type_args {
                        self.ty(t);
                    }
                }
            }
            Expr::Call(f, args, _) => {
                self.expr(f);
                for x in args {
                    self.expr(x);
                }
            }
            Expr::Unary(_, x, _)
            | Expr::Update { target: x, .. }
            | Expr::Member(x, _, _)
            | Expr::InstanceOf(x, _, _) => self.expr(x),
            Expr::Binary(_, a, b, _)
            | Expr::Logical(_, a, b, _)
            | Expr::Assign(_, a, b, _)
            | Expr::Index(a, b, _) => {
                self.expr(a);
                self.expr(b);
            }
            Expr::Conditional(a, b, c, _) => {
                self.expr(a);
                self.expr(b);
                self.expr(c);
            }
            Expr::As(x, t, _) => {
                self.expr(x);
                self.ty(t);
            }
            Expr::Arrow {
                params, ret, body, ..
            } => {
                self.params(params);
                if let Some(t) = ret {
                    self.ty(t);
                }
                match body {
                    ArrowBody::Expr(x) => self.expr(x),
                    ArrowBody::Block(b) => self.block(b),
                }
            }
            Expr::Error(_) => self.has_error_node = true,
            Expr::Lit(..)
            | Expr::Ident(_)
            | Expr::This(_)
            | Expr::Super(_)
            | Expr::Unsupported { .. } => {}
        }
    }

    fn ty(&mut self, t: &TypeExpr) {
        self.spans.push(("type", t.span()));
        match t {
            TypeExpr::Array(t, _) => self.ty(t),
            TypeExpr::Generic(_, args, _) | TypeExpr::Union(args, _) => {
                for a in args {
                    self.ty(a);
                }
            }
            TypeExpr::Function(params, ret, _) => {
                self.params(params);
                self.ty(ret);
            }
            TypeExpr::Error(_) => self.has_error_node = true,
            TypeExpr::Named(_) => {}
        }
    }
}
