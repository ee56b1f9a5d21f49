//! A compact S-expression rendering of syntax trees, for readable test expectations.

use crate::ast::*;

/// Renders all items of `file`, separated by spaces.
pub(crate) fn file(file: &SourceFile) -> String {
    file.items.iter().map(item).collect::<Vec<_>>().join(" ")
}

pub(crate) fn item(item: &Item) -> String {
    match item {
        Item::Function(f) => {
            let ret = f
                .ret
                .as_ref()
                .map(|t| format!(" :{}", ty(t)))
                .unwrap_or_default();
            format!(
                "({}fn {} ({}){ret} {})",
                export(f.exported),
                f.name.name,
                params(&f.params),
                block(&f.body)
            )
        }
        Item::Class(c) => {
            let extends = c
                .extends
                .as_ref()
                .map(|b| format!(" extends {}", b.name))
                .unwrap_or_default();
            let members: String = c
                .members
                .iter()
                .map(|m| format!(" {}", member(m)))
                .collect();
            format!(
                "({}class {}{extends}{members})",
                export(c.exported),
                c.name.name
            )
        }
        Item::Enum(e) => {
            let members: String = e
                .members
                .iter()
                .map(|m| match &m.value {
                    Some(v) => format!(" ({} {})", m.name.name, expr(v)),
                    None => format!(" {}", m.name.name),
                })
                .collect();
            format!("({}enum {}{members})", export(e.exported), e.name.name)
        }
        Item::Import(i) => {
            let names: String = i
                .names
                .iter()
                .map(|n| match &n.alias {
                    Some(a) => format!(" {}:{}", n.name.name, a.name),
                    None => format!(" {}", n.name.name),
                })
                .collect();
            let kind = if i.type_only { "import-type" } else { "import" };
            format!("({kind}{names} from {:?})", i.from)
        }
        Item::TypeAlias(t) => format!("({}type {} {})", export(t.exported), t.name.name, ty(&t.ty)),
        Item::Stmt(s) => stmt(s),
    }
}

fn export(exported: bool) -> &'static str {
    if exported { "export " } else { "" }
}

fn member(m: &ClassMember) -> String {
    match m {
        ClassMember::Field {
            is_static,
            name,
            ty: t,
            init,
            ..
        } => {
            let t = t
                .as_ref()
                .map(|t| format!(":{}", ty(t)))
                .unwrap_or_default();
            let init = init
                .as_ref()
                .map(|e| format!("={}", expr(e)))
                .unwrap_or_default();
            format!(
                "({}field {}{t}{init})",
                if *is_static { "static " } else { "" },
                name.name
            )
        }
        ClassMember::Constructor {
            params: p, body, ..
        } => format!("(ctor ({}) {})", params(p), block(body)),
        ClassMember::Method {
            is_static,
            name,
            params: p,
            ret,
            body,
            ..
        } => {
            let ret = ret
                .as_ref()
                .map(|t| format!(" :{}", ty(t)))
                .unwrap_or_default();
            let s = if *is_static { "static " } else { "" };
            format!(
                "({s}method {} ({}){ret} {})",
                name.name,
                params(p),
                block(body)
            )
        }
    }
}

fn params(params: &[Param]) -> String {
    params
        .iter()
        .map(|p| match &p.ty {
            Some(t) => format!("{}:{}", p.name.name, ty(t)),
            None => p.name.name.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn block(b: &Block) -> String {
    format!(
        "{{{}}}",
        b.stmts.iter().map(stmt).collect::<Vec<_>>().join(" ")
    )
}

fn opt_expr(e: &Option<Expr>) -> String {
    e.as_ref().map(expr).unwrap_or_else(|| "_".into())
}

pub(crate) fn stmt(s: &Stmt) -> String {
    match s {
        Stmt::VarDecl {
            exported,
            kind,
            decls,
            ..
        } => {
            let kind = if *kind == DeclKind::Const {
                "const"
            } else {
                "let"
            };
            let decls: String = decls
                .iter()
                .map(|d| {
                    let t =
                        d.ty.as_ref()
                            .map(|t| format!(":{}", ty(t)))
                            .unwrap_or_default();
                    let init = d
                        .init
                        .as_ref()
                        .map(|e| format!("={}", expr(e)))
                        .unwrap_or_default();
                    format!(" {}{t}{init}", d.name.name)
                })
                .collect();
            format!("({}{kind}{decls})", export(*exported))
        }
        Stmt::Expr(e) => expr(e),
        Stmt::If {
            cond, then, other, ..
        } => match other {
            Some(o) => format!("(if {} {} {})", expr(cond), stmt(then), stmt(o)),
            None => format!("(if {} {})", expr(cond), stmt(then)),
        },
        Stmt::While { cond, body, .. } => format!("(while {} {})", expr(cond), stmt(body)),
        Stmt::DoWhile { body, cond, .. } => format!("(do {} {})", stmt(body), expr(cond)),
        Stmt::For {
            init,
            cond,
            step,
            body,
            ..
        } => {
            let init = init.as_ref().map(|s| stmt(s)).unwrap_or_else(|| "_".into());
            format!(
                "(for {init} {} {} {})",
                opt_expr(cond),
                opt_expr(step),
                stmt(body)
            )
        }
        Stmt::Break(_) => "break".into(),
        Stmt::Continue(_) => "continue".into(),
        Stmt::Return(Some(e), _) => format!("(return {})", expr(e)),
        Stmt::Return(None, _) => "(return)".into(),
        Stmt::Block(b) => block(b),
        Stmt::Empty(_) => ";".into(),
        Stmt::Unsupported { what, .. } => format!("(unsupported {what:?})"),
        Stmt::NestedItem(i) => format!("(nested {})", item(i)),
        Stmt::Error(_) => "error".into(),
    }
}

fn binary_op(op: BinaryOp) -> &'static str {
    use BinaryOp::*;
    match op {
        Add => "+",
        Sub => "-",
        Mul => "*",
        Div => "/",
        Rem => "%",
        Pow => "**",
        Eq => "==",
        Ne => "!=",
        StrictEq => "===",
        StrictNe => "!==",
        Lt => "<",
        Le => "<=",
        Gt => ">",
        Ge => ">=",
        BitAnd => "&",
        BitOr => "|",
        BitXor => "^",
        Shl => "<<",
        Shr => ">>",
        UShr => ">>>",
    }
}

pub(crate) fn expr(e: &Expr) -> String {
    match e {
        Expr::Lit(l, _) => match l {
            Literal::Int(v) => v.to_string(),
            Literal::Float(bits) => format!("{:?}f", f64::from_bits(*bits)),
            Literal::Str(s) => format!("{:?}", String::from_utf8_lossy(s)),
            Literal::Bool(b) => b.to_string(),
            Literal::Null => "null".into(),
            Literal::Undefined => "undefined".into(),
        },
        Expr::Ident(id) => id.name.clone(),
        Expr::Array(items, _) => {
            format!("[{}]", items.iter().map(expr).collect::<Vec<_>>().join(" "))
        }
        Expr::Unary(op, x, _) => {
            let op = match op {
                UnaryOp::Neg => "-",
                UnaryOp::Plus => "+",
                UnaryOp::Not => "!",
                UnaryOp::BitNot => "~",
                UnaryOp::TypeOf => "typeof",
            };
            format!("({op} {})", expr(x))
        }
        Expr::Binary(op, a, b, _) => format!("({} {} {})", binary_op(*op), expr(a), expr(b)),
        Expr::Logical(op, a, b, _) => {
            format!(
                "({} {} {})",
                if *op == LogicalOp::And { "&&" } else { "||" },
                expr(a),
                expr(b)
            )
        }
        Expr::Assign(op, a, b, _) => {
            format!(
                "({}= {} {})",
                op.map(binary_op).unwrap_or(""),
                expr(a),
                expr(b)
            )
        }
        Expr::Update {
            op, prefix, target, ..
        } => {
            let op = if *op == IncDec::Inc { "++" } else { "--" };
            if *prefix {
                format!("({op}pre {})", expr(target))
            } else {
                format!("(post{op} {})", expr(target))
            }
        }
        Expr::Conditional(c, a, b, _) => format!("(? {} {} {})", expr(c), expr(a), expr(b)),
        Expr::Call(f, args, _) => {
            format!(
                "(call {}{})",
                expr(f),
                args.iter()
                    .map(|a| format!(" {}", expr(a)))
                    .collect::<String>()
            )
        }
        Expr::New {
            class,
            type_args,
            args,
            ..
        } => {
            let targs = if type_args.is_empty() {
                String::new()
            } else {
                format!(
                    "<{}>",
                    type_args.iter().map(ty).collect::<Vec<_>>().join(",")
                )
            };
            format!(
                "(new {}{targs}{})",
                class.name,
                args.iter()
                    .map(|a| format!(" {}", expr(a)))
                    .collect::<String>()
            )
        }
        Expr::Member(o, name, _) => format!("(. {} {})", expr(o), name.name),
        Expr::Index(o, i, _) => format!("(idx {} {})", expr(o), expr(i)),
        Expr::As(x, t, _) => format!("(as {} {})", expr(x), ty(t)),
        Expr::InstanceOf(x, c, _) => format!("(instanceof {} {})", expr(x), c.name),
        Expr::Arrow {
            params: p,
            ret,
            body,
            ..
        } => {
            let ret = ret
                .as_ref()
                .map(|t| format!(" :{}", ty(t)))
                .unwrap_or_default();
            let body = match body {
                ArrowBody::Expr(e) => expr(e),
                ArrowBody::Block(b) => block(b),
            };
            format!("(=> ({}){ret} {body})", params(p))
        }
        Expr::This(_) => "this".into(),
        Expr::Super(_) => "super".into(),
        Expr::Unsupported { what, .. } => format!("(unsupported {what:?})"),
        Expr::Error(_) => "error".into(),
    }
}

pub(crate) fn ty(t: &TypeExpr) -> String {
    match t {
        TypeExpr::Named(id) => id.name.clone(),
        TypeExpr::Array(t, _) => format!("{}[]", ty(t)),
        TypeExpr::Generic(name, args, _) => {
            format!(
                "{}<{}>",
                name.name,
                args.iter().map(ty).collect::<Vec<_>>().join(",")
            )
        }
        TypeExpr::Union(members, _) => format!(
            "(| {})",
            members.iter().map(ty).collect::<Vec<_>>().join(" ")
        ),
        TypeExpr::Function(p, r, _) => format!("(fn ({}) {})", params(p), ty(r)),
        TypeExpr::Error(_) => "?err".into(),
    }
}
