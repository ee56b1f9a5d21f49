//! Checking expressions: literals, names, operators, assignments, conversions and casts.

use super::body::BodyChecker;
use super::narrow::Subject;
use super::type_expr::resolve;
use crate::hir::{ArithOp, CmpOp, Conversion, Domain, Expr, ExprKind, Place};
use crate::types::{FunctionType, Type};
use syntax::Span;
use syntax::ast::{self, BinaryOp, IncDec, Literal, LogicalOp, UnaryOp};

fn bx(e: Expr) -> Box<Expr> {
    Box::new(e)
}

impl BodyChecker<'_> {
    /// Checks `e`; `expected` guides the typing of array literals.
    pub(super) fn expr(&mut self, e: &ast::Expr, expected: Option<&Type>) -> Expr {
        let span = e.span();
        match e {
            ast::Expr::Lit(lit, _) => self.literal(lit, span),
            ast::Expr::Ident(id) => self.name(id),
            ast::Expr::Array(elems, _) => self.array_literal(elems, expected, span),
            ast::Expr::Unary(op, x, _) => self.unary(*op, x, span),
            ast::Expr::Binary(op, a, b, _) => {
                let a = self.expr(a, None);
                let b = self.expr(b, None);
                self.binary(*op, a, b, span)
            }
            ast::Expr::Logical(op, a_ast, b, _) => {
                let facts = self.condition_facts(a_ast);
                let a = self.condition(a_ast);
                let proven = if *op == LogicalOp::And {
                    facts.when_true
                } else {
                    facts.when_false
                };
                let b = self.with_facts(&proven, |c| c.condition(b));
                Expr::new(
                    ExprKind::Logical(*op == LogicalOp::And, bx(a), bx(b)),
                    Type::Boolean,
                    span,
                )
            }
            ast::Expr::Assign(op, target, value, _) => self.assign(*op, target, value, span),
            ast::Expr::Update {
                op, prefix, target, ..
            } => self.update(*op, *prefix, target, span),
            ast::Expr::Conditional(c, a, b, _) => self.conditional(c, a, b, expected, span),
            ast::Expr::Call(callee, args, _) => self.call(callee, args, span),
            ast::Expr::New {
                class,
                type_args,
                args,
                ..
            } => self.new_expr(class, type_args, args, span),
            ast::Expr::Member(obj, name, _) => self.member(obj, name, span),
            ast::Expr::Index(obj, index, _) => {
                let obj = self.expr(obj, None);
                let index = self.expr(index, None);
                self.index(obj, index, span)
            }
            ast::Expr::As(x, t, _) => {
                let to = resolve(t, self.env.types(), self.sink);
                let x = self.expr(x, Some(&to));
                self.cast(x, &to, span)
            }
            ast::Expr::InstanceOf(x, class, _) => self.instance_of(x, class, span),
            ast::Expr::Arrow {
                params, ret, body, ..
            } => self.arrow(params, ret.as_ref(), body, span),
            ast::Expr::This(_) => self.this_expr(span),
            ast::Expr::Super(_) => self.error(
                "E0222",
                span,
                "`super` can only be called as `super(…)` first in a constructor, or as `super.m(…)`".into(),
            ),
            ast::Expr::Unsupported { what, .. } => self.unsupported(span, what),
            ast::Expr::Error(_) => Expr::new(ExprKind::Undefined, Type::Error, span),
        }
    }

    /// Reports an unsupported construct and returns an error-typed placeholder.
    pub(super) fn unsupported(&mut self, span: Span, what: &str) -> Expr {
        self.sink.unsupported(span, what);
        Expr::new(ExprKind::Undefined, Type::Error, span)
    }

    /// Reports an error and returns an error-typed placeholder.
    pub(super) fn error(&mut self, code: &'static str, span: Span, message: String) -> Expr {
        self.sink.error(code, span, message);
        Expr::new(ExprKind::Undefined, Type::Error, span)
    }

    fn literal(&mut self, lit: &Literal, span: Span) -> Expr {
        match lit {
            Literal::Int(v) => {
                if *v < i64::from(i32::MIN) || *v > i64::from(u32::MAX) {
                    return self.error(
                        "E0213",
                        span,
                        format!("the integer {v} does not fit in 32 bits"),
                    );
                }
                Expr::new(ExprKind::Int(*v as i32), Type::Integer, span)
            }
            Literal::Float(bits) => Expr::new(
                ExprKind::Float((f64::from_bits(*bits) as f32).to_bits()),
                Type::Float,
                span,
            ),
            Literal::Str(s) => Expr::new(ExprKind::Str(s.clone()), Type::String, span),
            Literal::Bool(b) => Expr::new(ExprKind::Int(*b as i32), Type::Boolean, span),
            Literal::Null | Literal::Undefined => Expr::new(ExprKind::Undefined, Type::Null, span),
        }
    }

    fn name(&mut self, id: &ast::Ident) -> Expr {
        if let Some(local) = self.lookup_local(&id.name) {
            let ty = self
                .narrowed(&Subject::Local(local.id))
                .unwrap_or_else(|| self.locals[local.id.0 as usize].clone());
            return Expr::new(ExprKind::Local(local.id), ty, id.span);
        }
        if let Some(g) = self.lookup_global(&id.name, id.span) {
            let name = self.item_name(&id.name);
            let ty = self
                .narrowed(&Subject::Global(name.clone()))
                .unwrap_or(g.ty);
            return Expr::new(ExprKind::Global(name), ty, id.span);
        }
        if !id.name.contains(['.', ':'])
            && let Some(sig) = self.env.function(&id.name, self.sink, id.span)
        {
            let ty = Type::Function(Box::new(FunctionType {
                params: sig.params,
                ret: sig.ret,
            }));
            let name = self.item_name(&id.name);
            return Expr::new(ExprKind::FunctionValue(name), ty, id.span);
        }
        match id.name.as_str() {
            "print" | "console" | "time" => self.error(
                "E0203",
                id.span,
                format!(
                    "`{}` can only be used in a call such as `console.log(x)`",
                    id.name
                ),
            ),
            "Math" => self.error(
                "E0203",
                id.span,
                "`Math` can only be used as `Math.f(x)` or `Math.PI`".into(),
            ),
            "NaN" => Expr::new(ExprKind::Float(f32::NAN.to_bits()), Type::Float, id.span),
            "Infinity" => Expr::new(
                ExprKind::Float(f32::INFINITY.to_bits()),
                Type::Float,
                id.span,
            ),
            _ => {
                self.sink.error_hint(
                    "E0201",
                    id.span,
                    format!("cannot find `{}` in this scope", id.name),
                    "declare it with `let`, `const` or `function` before using it",
                );
                Expr::new(ExprKind::Undefined, Type::Error, id.span)
            }
        }
    }

    fn array_literal(&mut self, elems: &[ast::Expr], expected: Option<&Type>, span: Span) -> Expr {
        let expected_elem = match expected {
            Some(Type::Array(t)) => Some((**t).clone()),
            _ => None,
        };
        let checked: Vec<Expr> = elems
            .iter()
            .map(|e| self.expr(e, expected_elem.as_ref()))
            .collect();
        let elem = match expected_elem {
            Some(t) if checked.iter().all(|e| e.ty.converts_to(&t)) => t,
            _ => {
                let mut tys = checked.iter().map(|e| e.ty.clone());
                match tys.next() {
                    None => Type::Any,
                    Some(first) => tys
                        .try_fold(first, |acc, t| Type::common(&acc, &t))
                        .unwrap_or(Type::Any),
                }
            }
        };
        let elem = if elem == Type::Null { Type::Any } else { elem };
        let items = checked.into_iter().map(|e| self.coerce(e, &elem)).collect();
        Expr::new(ExprKind::ArrayLit(items), Type::Array(Box::new(elem)), span)
    }

    fn unary(&mut self, op: UnaryOp, x: &ast::Expr, span: Span) -> Expr {
        if op == UnaryOp::Not {
            let x = self.condition(x);
            return Expr::new(ExprKind::Not(bx(x)), Type::Boolean, span);
        }
        let x = self.expr(x, None);
        match (op, &x.ty) {
            (_, Type::Error) => Expr::new(ExprKind::Undefined, Type::Error, span),
            (UnaryOp::TypeOf, t) => Expr::new(
                ExprKind::Str(t.to_string().into_bytes()),
                Type::String,
                span,
            ),
            (UnaryOp::Plus, t) if t.is_numeric() => x,
            (UnaryOp::Neg, t) if t.is_numeric() => {
                let (d, ty) = if t.is_integer() {
                    (Domain::Int, t.clone())
                } else if t.is_integral() {
                    (Domain::Int, Type::Integer)
                } else {
                    (Domain::Float, Type::Float)
                };
                Expr::new(ExprKind::Neg(d, bx(x)), ty, span)
            }
            (UnaryOp::Neg, Type::Any) => {
                Expr::new(ExprKind::Neg(Domain::Any, bx(x)), Type::Any, span)
            }
            // `+a` keeps a number as it is and rejects anything else at run time (`a * 1`).
            (UnaryOp::Plus, Type::Any) => {
                let one = Expr::new(ExprKind::Int(1), Type::Integer, span);
                let one = self.coerce(one, &Type::Any);
                Expr::new(
                    ExprKind::Arith(ArithOp::Mul, Domain::Any, bx(x), bx(one)),
                    Type::Any,
                    span,
                )
            }
            (UnaryOp::BitNot, t) if t.is_integral() => {
                Expr::new(ExprKind::BitNot(bx(x)), Type::Integer, span)
            }
            (UnaryOp::BitNot, Type::Any) => {
                let x = self.coerce(x, &Type::Integer);
                Expr::new(ExprKind::BitNot(bx(x)), Type::Integer, span)
            }
            (op, t) => {
                let sym = match op {
                    UnaryOp::Neg => "-",
                    UnaryOp::Plus => "+",
                    UnaryOp::BitNot => "~",
                    UnaryOp::Not => "!",
                    UnaryOp::TypeOf => "typeof",
                };
                self.error(
                    "E0209",
                    span,
                    format!("operator `{sym}` cannot be applied to `{t}`"),
                )
            }
        }
    }

    /// Checks a binary operator on two checked operands.
    pub(super) fn binary(&mut self, op: BinaryOp, a: Expr, b: Expr, span: Span) -> Expr {
        if a.ty == Type::Error || b.ty == Type::Error {
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        }
        match op {
            BinaryOp::Add
            | BinaryOp::Sub
            | BinaryOp::Mul
            | BinaryOp::Div
            | BinaryOp::Rem
            | BinaryOp::Pow => self.arith(op, a, b, span),
            BinaryOp::BitAnd
            | BinaryOp::BitOr
            | BinaryOp::BitXor
            | BinaryOp::Shl
            | BinaryOp::Shr
            | BinaryOp::UShr => {
                if a.ty.is_integral() && b.ty.is_integral() {
                    Expr::new(
                        ExprKind::Arith(arith_op(op), Domain::Int, bx(a), bx(b)),
                        Type::Integer,
                        span,
                    )
                } else {
                    let msg = format!(
                        "operator `{}` needs integer operands, found `{}` and `{}`",
                        sym(op),
                        a.ty,
                        b.ty
                    );
                    self.error("E0209", span, msg)
                }
            }
            BinaryOp::Eq | BinaryOp::StrictEq | BinaryOp::Ne | BinaryOp::StrictNe => {
                self.equality(op, a, b, span)
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                self.relational(op, a, b, span)
            }
        }
    }

    fn arith(&mut self, op: BinaryOp, a: Expr, b: Expr, span: Span) -> Expr {
        let aop = arith_op(op);
        if op == BinaryOp::Add
            && (a.ty == Type::String || b.ty == Type::String)
            && a.ty != Type::Void
            && b.ty != Type::Void
        {
            let a = self.text_of(a);
            let b = self.text_of(b);
            return Expr::new(ExprKind::Concat(bx(a), bx(b)), Type::String, span);
        }
        let numeric_or_any = |t: &Type| t.is_numeric() || *t == Type::Any;
        if (a.ty == Type::Any || b.ty == Type::Any)
            && numeric_or_any(&a.ty)
            && numeric_or_any(&b.ty)
        {
            if op == BinaryOp::Rem && (a.ty == Type::Float || b.ty == Type::Float) {
                return self.error("E0209", span, "operator `%` needs integer operands".into());
            }
            let a = self.coerce(a, &Type::Any);
            let b = self.coerce(b, &Type::Any);
            return Expr::new(
                ExprKind::Arith(aop, Domain::Any, bx(a), bx(b)),
                Type::Any,
                span,
            );
        }
        if a.ty.is_numeric() && b.ty.is_numeric() {
            if a.ty.is_integral() && b.ty.is_integral() {
                // `int32` arithmetic stays `int32` (it never converts to `any` by accident).
                let ty = if a.ty == Type::Int32 || b.ty == Type::Int32 {
                    Type::Int32
                } else {
                    Type::Integer
                };
                return Expr::new(ExprKind::Arith(aop, Domain::Int, bx(a), bx(b)), ty, span);
            }
            if op == BinaryOp::Rem {
                return self.error(
                    "E0209",
                    span,
                    "operator `%` needs integer operands, found `float`".into(),
                );
            }
            let a = self.coerce(a, &Type::Float);
            let b = self.coerce(b, &Type::Float);
            return Expr::new(
                ExprKind::Arith(aop, Domain::Float, bx(a), bx(b)),
                Type::Float,
                span,
            );
        }
        let msg = format!(
            "operator `{}` cannot be applied to `{}` and `{}`",
            sym(op),
            a.ty,
            b.ty
        );
        self.error("E0209", span, msg)
    }

    /// Converts a value to its text for string concatenation.
    fn text_of(&mut self, e: Expr) -> Expr {
        if e.ty == Type::String {
            return e;
        }
        let span = e.span;
        let ty = e.ty.clone();
        Expr::new(
            ExprKind::Convert(Conversion::ToString(ty), bx(e)),
            Type::String,
            span,
        )
    }

    fn equality(&mut self, op: BinaryOp, a: Expr, b: Expr, span: Span) -> Expr {
        let cmp = if matches!(op, BinaryOp::Eq | BinaryOp::StrictEq) {
            CmpOp::Eq
        } else {
            CmpOp::Ne
        };
        let (ta, tb) = (a.ty.clone(), b.ty.clone());
        let domain = if ta.is_numeric() && tb.is_numeric() {
            if ta == Type::Float || tb == Type::Float {
                Domain::Float
            } else {
                Domain::Int
            }
        } else if ta == Type::Boolean && tb == Type::Boolean {
            Domain::Int
        } else if ta == Type::String && tb == Type::String {
            Domain::Str
        } else if ta == Type::Any || tb == Type::Any {
            if ta == Type::Void || tb == Type::Void || ta == Type::Int32 || tb == Type::Int32 {
                return self.error("E0209", span, format!("cannot compare `{ta}` with `{tb}`"));
            }
            Domain::Any
        } else if string_like(&ta) && string_like(&tb) {
            // A nullable string compares by content, or with null: the dynamic comparison
            // handles both.
            let a = self.coerce(a, &Type::Any);
            let b = self.coerce(b, &Type::Any);
            return self.comparison(cmp, Domain::Any, a, b, span);
        } else if ta.is_subtype_of(&tb)
            || tb.is_subtype_of(&ta)
            || (ta == Type::Null && tb.is_reference())
            || (tb == Type::Null && ta.is_reference())
        {
            Domain::Ref
        } else {
            let hint = if ta == Type::Boolean || tb == Type::Boolean {
                " (a boolean compares only with a boolean)"
            } else {
                ""
            };
            return self.error(
                "E0209",
                span,
                format!("cannot compare `{ta}` with `{tb}`{hint}"),
            );
        };
        self.comparison(cmp, domain, a, b, span)
    }

    fn relational(&mut self, op: BinaryOp, a: Expr, b: Expr, span: Span) -> Expr {
        let cmp = match op {
            BinaryOp::Lt => CmpOp::Lt,
            BinaryOp::Le => CmpOp::Le,
            BinaryOp::Gt => CmpOp::Gt,
            _ => CmpOp::Ge,
        };
        let (ta, tb) = (&a.ty, &b.ty);
        let orderable = |t: &Type| t.is_numeric() || *t == Type::String || *t == Type::Any;
        let domain = if ta.is_numeric() && tb.is_numeric() {
            if *ta == Type::Float || *tb == Type::Float {
                Domain::Float
            } else {
                Domain::Int
            }
        } else if *ta == Type::String && *tb == Type::String {
            Domain::Str
        } else if (*ta == Type::Any || *tb == Type::Any) && orderable(ta) && orderable(tb) {
            Domain::Any
        } else {
            let msg = format!("operator `{}` cannot compare `{ta}` with `{tb}`", sym(op));
            return self.error("E0209", span, msg);
        };
        self.comparison(cmp, domain, a, b, span)
    }

    fn comparison(&mut self, cmp: CmpOp, domain: Domain, a: Expr, b: Expr, span: Span) -> Expr {
        let (a, b) = match domain {
            Domain::Float => (self.coerce(a, &Type::Float), self.coerce(b, &Type::Float)),
            Domain::Any => (self.coerce(a, &Type::Any), self.coerce(b, &Type::Any)),
            _ => (a, b),
        };
        Expr::new(
            ExprKind::Cmp(cmp, domain, bx(a), bx(b)),
            Type::Boolean,
            span,
        )
    }

    fn conditional(
        &mut self,
        c: &ast::Expr,
        a: &ast::Expr,
        b: &ast::Expr,
        expected: Option<&Type>,
        span: Span,
    ) -> Expr {
        let facts = self.condition_facts(c);
        let c = self.condition(c);
        let a = self.with_facts(&facts.when_true, |ch| ch.expr(a, expected));
        let b = self.with_facts(&facts.when_false, |ch| ch.expr(b, expected));
        let ty = match Type::common(&a.ty, &b.ty) {
            Some(t) => t,
            None if a.ty == Type::Any
                || b.ty == Type::Any
                || a.ty == Type::Null
                || b.ty == Type::Null =>
            {
                Type::Any
            }
            None => {
                let msg = format!(
                    "the branches of `?:` have no common type: `{}` and `{}`",
                    a.ty, b.ty
                );
                return self.error("E0200", span, msg);
            }
        };
        let a = self.coerce(a, &ty);
        let b = self.coerce(b, &ty);
        Expr::new(ExprKind::Cond(bx(c), bx(a), bx(b)), ty, span)
    }

    /// Resolves an assignment target to a place and its type.
    fn place(&mut self, target: &ast::Expr) -> Option<(Place, Type)> {
        match target {
            ast::Expr::Ident(id) => {
                if let Some(local) = self.lookup_local(&id.name) {
                    if local.is_const {
                        self.sink.error(
                            "E0204",
                            id.span,
                            format!("cannot assign to `{}` because it is a constant", id.name),
                        );
                    }
                    self.local_written(local.id);
                    return Some((
                        Place::Local(local.id),
                        self.locals[local.id.0 as usize].clone(),
                    ));
                }
                if let Some(g) = self.lookup_global(&id.name, id.span) {
                    if g.is_const {
                        self.sink.error(
                            "E0204",
                            id.span,
                            format!("cannot assign to `{}` because it is a constant", id.name),
                        );
                    }
                    return Some((Place::Global(self.item_name(&id.name)), g.ty));
                }
                if self.env.function(&id.name, self.sink, id.span).is_some() {
                    self.sink.error_hint(
                        "E0204",
                        id.span,
                        format!("cannot assign to `{}` because it is a function", id.name),
                        format!(
                            "to replace it, declare a variable instead: `let {} = (…) => …`",
                            id.name
                        ),
                    );
                    return None;
                }
                self.name(id);
                None
            }
            ast::Expr::Index(obj, index, span) => {
                let obj = self.expr(obj, None);
                let index = self.expr(index, None);
                let index = self.coerce(index, &Type::Integer);
                match obj.ty.clone() {
                    Type::Array(elem) => Some((Place::Index(bx(obj), bx(index)), *elem)),
                    Type::Uint8Array => Some((Place::Index(bx(obj), bx(index)), Type::Integer)),
                    Type::FixedArray => Some((Place::Index(bx(obj), bx(index)), Type::Any)),
                    Type::Any => Some((Place::AnyIndex(bx(obj), bx(index)), Type::Any)),
                    Type::Error => None,
                    t => {
                        self.sink.error(
                            "E0205",
                            *span,
                            format!("cannot assign to an element of `{t}`"),
                        );
                        None
                    }
                }
            }
            ast::Expr::Member(obj, name, span) => self.member_place(obj, name, *span),
            other => {
                if !matches!(other, ast::Expr::Error(_)) {
                    self.sink.error_hint(
                        "E0205",
                        other.span(),
                        "cannot assign to this expression",
                        "the left side of `=` must be a variable or an array element",
                    );
                }
                None
            }
        }
    }

    fn assign(
        &mut self,
        op: Option<BinaryOp>,
        target: &ast::Expr,
        value: &ast::Expr,
        span: Span,
    ) -> Expr {
        let Some((place, ty)) = self.place(target) else {
            self.expr(value, None);
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        };
        let value = self.expr(value, Some(&ty));
        let Some(op) = op else {
            match &place {
                Place::Local(id) => self.assigned(Subject::Local(*id), &value.ty),
                Place::Global(name) => self.assigned(Subject::Global(name.clone()), &value.ty),
                _ => {}
            }
            let value = self.coerce(value, &ty);
            return Expr::new(ExprKind::Assign(place, bx(value)), ty, span);
        };
        self.compound(place, ty, op, value, false, span)
    }

    /// `place op= value`: the operation must give a value of the place's type.
    fn compound(
        &mut self,
        place: Place,
        ty: Type,
        op: BinaryOp,
        value: Expr,
        postfix: bool,
        span: Span,
    ) -> Expr {
        if ty == Type::Error || value.ty == Type::Error {
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        }
        let aop = arith_op(op);
        let bitwise = matches!(
            op,
            BinaryOp::BitAnd
                | BinaryOp::BitOr
                | BinaryOp::BitXor
                | BinaryOp::Shl
                | BinaryOp::Shr
                | BinaryOp::UShr
        );
        let domain = match &ty {
            Type::String if op == BinaryOp::Add && value.ty != Type::Void => Domain::Str,
            t if t.is_integer() && value.ty.is_integral() => Domain::Int,
            // An integer updated with a float: computed in floats, truncated back (TypeScript's
            // `number` has no such distinction; the reference truncates).
            t if t.is_integer() && value.ty == Type::Float && !bitwise && op != BinaryOp::Rem => {
                Domain::Float
            }
            // A number updated with an `any`: computed dynamically, then checked back.
            t if (t.is_integer() || *t == Type::Float)
                && value.ty == Type::Any
                && !bitwise
                && *t != Type::Int32 =>
            {
                Domain::Any
            }
            Type::Float if value.ty.is_numeric() && !bitwise && op != BinaryOp::Rem => {
                Domain::Float
            }
            Type::Any if !bitwise && (value.ty.is_numeric() || value.ty == Type::Any) => {
                Domain::Any
            }
            Type::Any
                if op == BinaryOp::Add && matches!(value.ty, Type::String | Type::Boolean) =>
            {
                Domain::Any
            }
            _ => {
                let msg = format!(
                    "operator `{}=` cannot be applied to `{ty}` and `{}`",
                    sym(op),
                    value.ty
                );
                return self.error("E0209", span, msg);
            }
        };
        let value = match domain {
            Domain::Str => self.text_of(value),
            Domain::Any => self.coerce(value, &Type::Any),
            Domain::Float => self.coerce(value, &Type::Float),
            _ => value,
        };
        let kind = ExprKind::Update {
            place,
            op: aop,
            domain,
            value: bx(value),
            postfix,
        };
        Expr::new(kind, ty, span)
    }

    fn update(&mut self, op: IncDec, prefix: bool, target: &ast::Expr, span: Span) -> Expr {
        let Some((place, ty)) = self.place(target) else {
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        };
        if !(ty.is_numeric() || ty == Type::Any || ty == Type::Error) {
            let sym = if op == IncDec::Inc { "++" } else { "--" };
            return self.error(
                "E0209",
                span,
                format!("operator `{sym}` cannot be applied to `{ty}`"),
            );
        }
        let one = Expr::new(ExprKind::Int(1), Type::Integer, span);
        let bop = if op == IncDec::Inc {
            BinaryOp::Add
        } else {
            BinaryOp::Sub
        };
        self.compound(place, ty, bop, one, !prefix, span)
    }

    fn new_expr(
        &mut self,
        class: &ast::Ident,
        type_args: &[ast::TypeExpr],
        args: &[ast::Expr],
        span: Span,
    ) -> Expr {
        let fixed = match class.name.as_str() {
            "Array" => None,
            "Uint8Array" => Some(Type::Uint8Array),
            "FixedArray" => Some(Type::FixedArray),
            _ => return self.new_instance(class, args, span),
        };
        if let Some(ty) = fixed {
            return self.new_fixed_array(ty, args, span);
        }
        let elem = match type_args {
            [] => None,
            [t] => Some(resolve(t, self.env.types(), self.sink)),
            _ => return self.error("E0202", span, "`Array` takes one type argument".into()),
        };
        let (len, init) = match args {
            [len, init] => (len, Some(init)),
            [len] => (len, None),
            _ => {
                self.sink.error_hint(
                    "E0202",
                    span,
                    format!(
                        "`new Array` takes a length and an initial value, but {} arguments were given",
                        args.len()
                    ),
                    "write for example `new Array<integer>(10, 0)`",
                );
                return Expr::new(ExprKind::Undefined, Type::Error, span);
            }
        };
        let len = self.expr(len, Some(&Type::Integer));
        let len = self.coerce(len, &Type::Integer);
        let Some(init) = init else {
            // `new Array<T>(n)`: every element starts as T's zero value (`any` without `T`).
            let elem = elem.unwrap_or(Type::Any);
            if elem.ir_ty() == Some(ir::Ty::Ref) && !elem.is_nullable() {
                return self.error(
                    "E0212",
                    span,
                    format!("`new Array<{elem}>(n)` needs an initial value for its elements, such as `new Array<{elem}>(n, x)`"),
                );
            }
            let zero = super::body::zero_value(&elem, span);
            return Expr::new(
                ExprKind::NewArray(bx(len), bx(zero)),
                Type::Array(Box::new(elem)),
                span,
            );
        };
        let init = self.expr(init, elem.as_ref());
        let elem = elem.unwrap_or_else(|| init.ty.clone().widened_for_variable());
        if matches!(elem, Type::Void) {
            return self.error("E0216", span, "an array cannot hold `void` values".into());
        }
        let init = self.coerce(init, &elem);
        Expr::new(
            ExprKind::NewArray(bx(len), bx(init)),
            Type::Array(Box::new(elem)),
            span,
        )
    }

    fn index(&mut self, obj: Expr, index: Expr, span: Span) -> Expr {
        let index = self.coerce(index, &Type::Integer);
        match obj.ty.clone() {
            Type::Array(elem) => Expr::new(ExprKind::Index(bx(obj), bx(index)), *elem, span),
            Type::Uint8Array => Expr::new(ExprKind::Index(bx(obj), bx(index)), Type::Integer, span),
            Type::FixedArray => Expr::new(ExprKind::Index(bx(obj), bx(index)), Type::Any, span),
            Type::Any => Expr::new(ExprKind::AnyIndex(bx(obj), bx(index)), Type::Any, span),
            Type::Error => Expr::new(ExprKind::Undefined, Type::Error, span),
            Type::String => self.unsupported(span, "indexing a string (use `s.charCodeAt(i)`)"),
            t => self.error(
                "E0209",
                span,
                format!("a value of type `{t}` cannot be indexed"),
            ),
        }
    }

    /// `new Uint8Array(n, init)` or `new FixedArray(n, init)`.
    fn new_fixed_array(&mut self, ty: Type, args: &[ast::Expr], span: Span) -> Expr {
        let elem = if ty == Type::Uint8Array {
            Type::Integer
        } else {
            Type::Any
        };
        let params = [Type::Integer, elem];
        let Some(mut args) = self.arguments(&ty.to_string(), &params, args, span) else {
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        };
        let init = args.pop().expect("two arguments were checked");
        let len = args.pop().expect("two arguments were checked");
        Expr::new(ExprKind::NewArray(bx(len), bx(init)), ty, span)
    }

    fn cast(&mut self, x: Expr, to: &Type, span: Span) -> Expr {
        let from = x.ty.clone();
        if from == *to || from == Type::Error || *to == Type::Error {
            return Expr {
                ty: to.clone(),
                ..x
            };
        }
        let narrows = to.is_reference()
            && *to != Type::Any
            && from != Type::Any
            && (to.is_subtype_of(&from) || to.is_subtype_of(&from.non_null()));
        if narrows {
            return Expr::new(
                ExprKind::Convert(Conversion::Downcast(to.clone()), bx(x)),
                to.clone(),
                span,
            );
        }
        if from.is_integer() && matches!(to, Type::Enum(_)) {
            return Expr {
                ty: to.clone(),
                span,
                ..x
            };
        }
        if from == Type::Float && to.is_integer() {
            return Expr::new(
                ExprKind::Convert(Conversion::FloatToInt, bx(x)),
                to.clone(),
                span,
            );
        }
        if from.converts_to(to) {
            let e = self.coerce(x, to);
            return Expr { span, ..e };
        }
        self.error("E0200", span, format!("cannot cast `{from}` to `{to}`"))
    }

    /// Converts a checked expression to type `to`, inserting the implicit conversion, or reports
    /// a mismatch.
    pub(super) fn coerce(&mut self, e: Expr, to: &Type) -> Expr {
        let from = e.ty.clone();
        if from == *to || *to == Type::Error {
            return e;
        }
        let span = e.span;
        if from == Type::Error {
            return Expr {
                ty: to.clone(),
                ..e
            };
        }
        if from == Type::Void {
            return self.error(
                "E0216",
                span,
                "this expression does not produce a value".into(),
            );
        }
        if !from.converts_to(to) {
            let hint = match (&from, to) {
                (Type::Float, t) if t.is_integer() => {
                    Some("convert explicitly with `x as integer`")
                }
                (Type::Int32, Type::Any) => {
                    Some("an `int32` never converts to `any`; use `integer`")
                }
                _ => None,
            };
            let msg = format!("expected `{to}`, found `{from}`");
            match hint {
                Some(h) => self.sink.error_hint("E0200", span, msg, h),
                None => self.sink.error("E0200", span, msg),
            }
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        }
        let conversion = match (&from, to) {
            (f, Type::Float) if f.is_integral() => Conversion::IntToFloat,
            (f, t) if f.is_integral() && t.is_integer() => {
                return Expr {
                    ty: to.clone(),
                    ..e
                };
            }
            (Type::Null, Type::Any) => return Expr { ty: Type::Any, ..e },
            (Type::Array(_), Type::Array(_)) => Conversion::Elements(from, to.clone()),
            (Type::Function(a), Type::Function(b)) if !from.is_subtype_of(to) => {
                let (a, b) = ((**a).clone(), (**b).clone());
                return self.bridge(e, &a, &b);
            }
            (_, Type::Any) => Conversion::Box(from),
            (Type::Any, _) => Conversion::Unbox(to.clone()),
            _ => {
                return Expr {
                    ty: to.clone(),
                    ..e
                };
            }
        };
        Expr::new(ExprKind::Convert(conversion, bx(e)), to.clone(), span)
    }
}

/// `string`, `string | null` or `null`.
fn string_like(t: &Type) -> bool {
    matches!(t.non_null(), Type::String | Type::Null)
}

fn arith_op(op: BinaryOp) -> ArithOp {
    match op {
        BinaryOp::Add => ArithOp::Add,
        BinaryOp::Sub => ArithOp::Sub,
        BinaryOp::Mul => ArithOp::Mul,
        BinaryOp::Div => ArithOp::Div,
        BinaryOp::Rem => ArithOp::Rem,
        BinaryOp::Pow => ArithOp::Pow,
        BinaryOp::BitAnd => ArithOp::And,
        BinaryOp::BitOr => ArithOp::Or,
        BinaryOp::BitXor => ArithOp::Xor,
        BinaryOp::Shl => ArithOp::Shl,
        BinaryOp::Shr => ArithOp::Shr,
        BinaryOp::UShr => ArithOp::UShr,
        BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::StrictEq
        | BinaryOp::StrictNe
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge => unreachable!("comparisons are checked by `equality` and `relational`"),
    }
}

/// The source text of an operator, for messages.
pub(super) fn sym(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Rem => "%",
        BinaryOp::Pow => "**",
        BinaryOp::Eq => "==",
        BinaryOp::Ne => "!=",
        BinaryOp::StrictEq => "===",
        BinaryOp::StrictNe => "!==",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::BitAnd => "&",
        BinaryOp::BitOr => "|",
        BinaryOp::BitXor => "^",
        BinaryOp::Shl => "<<",
        BinaryOp::Shr => ">>",
        BinaryOp::UShr => ">>>",
    }
}
