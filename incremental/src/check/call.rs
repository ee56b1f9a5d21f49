//! Checking calls: top-level functions, `print`/`console`/`time`, and string and array methods.

use super::body::BodyChecker;
use super::members::StaticTarget;
use crate::hir::{Builtin, Expr, ExprKind, MathFn};
use crate::types::Type;
use syntax::Span;
use syntax::ast;

impl BodyChecker<'_> {
    /// Checks `callee(args)`.
    pub(super) fn call(&mut self, callee: &ast::Expr, args: &[ast::Expr], span: Span) -> Expr {
        match callee {
            ast::Expr::Ident(id) => self.call_name(id, args, span),
            ast::Expr::Member(obj, method, _) => {
                if matches!(**obj, ast::Expr::Super(_)) {
                    return self.call_super_method(method, args, span);
                }
                if let ast::Expr::Ident(o) = &**obj {
                    if let Some(target) = self.static_member(o, method) {
                        return self.call_static(target, o, method, args, span);
                    }
                    if let Some(e) = self.call_global_object(o, method, args, span) {
                        return e;
                    }
                }
                let obj = self.expr(obj, None);
                self.call_method(obj, method, args, span)
            }
            ast::Expr::Super(_) => {
                self.check_args(args);
                self.error(
                    "E0222",
                    span,
                    "`super(…)` can only be the first statement of a subclass constructor".into(),
                )
            }
            other => {
                let callee = self.expr(other, None);
                self.call_value(callee, "this function", args, span)
            }
        }
    }

    fn is_variable(&mut self, name: &ast::Ident) -> bool {
        self.lookup_local(&name.name).is_some()
            || self.lookup_global(&name.name, name.span).is_some()
    }

    fn call_name(&mut self, id: &ast::Ident, args: &[ast::Expr], span: Span) -> Expr {
        if self.is_variable(id) {
            let callee = self.expr(&ast::Expr::Ident(id.clone()), None);
            return self.call_value(callee, &id.name, args, span);
        }
        if !id.name.contains(['.', ':'])
            && let Some(sig) = self.env.function(&id.name, self.sink, id.span)
        {
            let Some(args) = self.arguments(&id.name, &sig.params, args, span) else {
                return Expr::new(ExprKind::Undefined, Type::Error, span);
            };
            return Expr::new(
                ExprKind::Call(self.item_name(&id.name), args),
                sig.ret,
                span,
            );
        }
        if id.name == "print" {
            let args = self.check_args(args);
            return Expr::new(ExprKind::Builtin(Builtin::Print, args), Type::Void, span);
        }
        if let Some((builtin, params)) = test_api(&id.name) {
            let Some(args) = self.arguments(&id.name, &params, args, span) else {
                return Expr::new(ExprKind::Undefined, Type::Error, span);
            };
            return Expr::new(ExprKind::Builtin(builtin, args), Type::Void, span);
        }
        self.check_args(args);
        let e = self.expr(&ast::Expr::Ident(id.clone()), None);
        if e.ty == Type::Error {
            return e;
        }
        self.error("E0203", id.span, format!("`{}` is not a function", id.name))
    }

    /// `Math.f(args)`.
    fn math_call(&mut self, name: &str, at: Span, args: &[ast::Expr], span: Span) -> Expr {
        let f = match name {
            "sqrt" => MathFn::Sqrt,
            "sin" => MathFn::Sin,
            "cos" => MathFn::Cos,
            "tan" => MathFn::Tan,
            "atan2" => MathFn::Atan2,
            "exp" => MathFn::Exp,
            "log" => MathFn::Log,
            "floor" => MathFn::Floor,
            "ceil" => MathFn::Ceil,
            "round" => MathFn::Round,
            "pow" => MathFn::Pow,
            "abs" => MathFn::Abs,
            "min" => MathFn::Min,
            "max" => MathFn::Max,
            _ => {
                self.check_args(args);
                return self.error("E0214", at, format!("`Math` has no function `{name}`"));
            }
        };
        let arity = match f {
            MathFn::Atan2 | MathFn::Pow | MathFn::Min | MathFn::Max => 2,
            _ => 1,
        };
        let checked = self.check_args(args);
        let integral = matches!(f, MathFn::Abs | MathFn::Min | MathFn::Max)
            && checked.iter().all(|a| a.ty.is_integral());
        let ty = if integral { Type::Integer } else { Type::Float };
        if checked.len() != arity {
            let msg = format!(
                "`Math.{name}` takes {arity} argument{} but {} were given",
                if arity == 1 { "" } else { "s" },
                checked.len()
            );
            return self.error("E0202", span, msg);
        }
        let args = checked.into_iter().map(|a| self.coerce(a, &ty)).collect();
        Expr::new(ExprKind::Builtin(Builtin::Math(f), args), ty, span)
    }

    /// `Math.PI` and the other constants.
    pub(super) fn math_constant(&mut self, name: &ast::Ident, span: Span) -> Expr {
        let value = match name.name.as_str() {
            "PI" => std::f32::consts::PI,
            "E" => std::f32::consts::E,
            "SQRT2" => std::f32::consts::SQRT_2,
            "LN2" => std::f32::consts::LN_2,
            "LN10" => std::f32::consts::LN_10,
            n => {
                return self.error(
                    "E0214",
                    name.span,
                    format!("`Math` has no constant `{n}` (functions are called: `Math.{n}(…)`)"),
                );
            }
        };
        Expr::new(ExprKind::Float(value.to_bits()), Type::Float, span)
    }

    /// `C.m(args)` for a static method, or the error for calling another static member.
    fn call_static(
        &mut self,
        target: StaticTarget,
        owner: &ast::Ident,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Expr {
        let StaticTarget::Method(name) = target else {
            self.check_args(args);
            return self.error(
                "E0203",
                span,
                format!("`{}.{}` is not a function", owner.name, method.name),
            );
        };
        let Some(sig) = self.env.function(&name, self.sink, span) else {
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        };
        let Some(args) = self.arguments(&method.name, &sig.params, args, span) else {
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        };
        Expr::new(ExprKind::Call(name, args), sig.ret, span)
    }

    /// Checks the arguments of a call through `any`: each converted to `any`.
    pub(super) fn any_args(&mut self, args: &[ast::Expr]) -> Vec<Expr> {
        args.iter()
            .map(|a| {
                let a = self.expr(a, None);
                self.coerce(a, &Type::Any)
            })
            .collect()
    }

    /// Checks arguments that are printed or otherwise taken as values of any type.
    pub(super) fn check_args(&mut self, args: &[ast::Expr]) -> Vec<Expr> {
        args.iter()
            .map(|a| {
                let e = self.expr(a, None);
                if e.ty == Type::Void {
                    self.error(
                        "E0216",
                        e.span,
                        "this expression does not produce a value".into(),
                    )
                } else {
                    e
                }
            })
            .collect()
    }

    /// `console.log(…)`, `time.now()` and friends, unless a variable shadows the object's name.
    fn call_global_object(
        &mut self,
        obj: &ast::Ident,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Option<Expr> {
        if self.is_variable(obj) {
            return None;
        }
        let e = match (obj.name.as_str(), method.name.as_str()) {
            ("console", "log") => {
                let args = self.check_args(args);
                Expr::new(ExprKind::Builtin(Builtin::Print, args), Type::Void, span)
            }
            ("console", "error") => {
                let args = self.check_args(args);
                Expr::new(
                    ExprKind::Builtin(Builtin::PrintError, args),
                    Type::Void,
                    span,
                )
            }
            ("time", "now") => self.builtin(Builtin::TimeNow, &[], args, Type::Float, span),
            ("time", "delay") => {
                self.builtin(Builtin::TimeDelay, &[Type::Integer], args, Type::Void, span)
            }
            ("Math", m) => self.math_call(m, method.span, args, span),
            ("console" | "time", m) => {
                let msg = format!("`{}` has no function `{m}`", obj.name);
                self.error("E0214", method.span, msg)
            }
            _ => return None,
        };
        Some(e)
    }

    fn builtin(
        &mut self,
        b: Builtin,
        params: &[Type],
        args: &[ast::Expr],
        ret: Type,
        span: Span,
    ) -> Expr {
        if args.len() != params.len() {
            self.check_args(args);
            let msg = format!(
                "this function takes {} argument(s) but {} were given",
                params.len(),
                args.len()
            );
            return self.error("E0202", span, msg);
        }
        let args = args
            .iter()
            .zip(params)
            .map(|(a, t)| {
                let a = self.expr(a, Some(t));
                self.coerce(a, t)
            })
            .collect();
        Expr::new(ExprKind::Builtin(b, args), ret, span)
    }

    fn call_method(
        &mut self,
        obj: Expr,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Expr {
        let ty = obj.ty.clone();
        let (b, params, ret) = match (&ty, method.name.as_str()) {
            (Type::Error, _) => {
                self.check_args(args);
                return Expr::new(ExprKind::Undefined, Type::Error, span);
            }
            (Type::String, "startsWith") => {
                (Builtin::StartsWith, vec![Type::String], Type::Boolean)
            }
            (Type::String, "endsWith") => (Builtin::EndsWith, vec![Type::String], Type::Boolean),
            (Type::String, "substring") if args.len() == 1 => {
                (Builtin::Substring, vec![Type::Integer], Type::String)
            }
            (Type::String, "substring") => (
                Builtin::Substring,
                vec![Type::Integer, Type::Integer],
                Type::String,
            ),
            (Type::String, "charCodeAt") => {
                (Builtin::CharCodeAt, vec![Type::Integer], Type::Integer)
            }
            (Type::String, "indexOf") => (Builtin::IndexOf, vec![Type::String], Type::Integer),
            (Type::Array(elem), "push" | "pop" | "shift" | "unshift") => {
                if !elem.is_reference() {
                    self.check_args(args);
                    let msg = format!(
                        "`{}` is only available on arrays of reference type (`string[]`, `any[]` …), not on `{ty}`",
                        method.name
                    );
                    return self.error("E0214", method.span, msg);
                }
                let elem = (**elem).clone();
                match method.name.as_str() {
                    "push" => (Builtin::Push, vec![elem], Type::Integer),
                    "unshift" => (Builtin::Unshift, vec![elem], Type::Integer),
                    "pop" => (Builtin::Pop, vec![], elem),
                    _ => (Builtin::Shift, vec![], elem),
                }
            }
            (Type::Any, _) => {
                let args = self.any_args(args);
                return Expr::new(
                    ExprKind::AnyMethodCall(Box::new(obj), method.name.clone(), args),
                    Type::Any,
                    span,
                );
            }
            (Type::Class(c), _) => {
                let c = (**c).clone();
                return self.call_class_method(obj, &c, method, args, span);
            }
            (Type::Nullable(_), _) => {
                self.check_args(args);
                return self.possibly_null(&obj, span);
            }
            (t, m) => {
                self.check_args(args);
                let msg = format!("`{t}` has no method `{m}`");
                return self.error("E0214", method.span, msg);
            }
        };
        let mut call = self.builtin(b, &params, args, ret, span);
        if let ExprKind::Builtin(_, a) = &mut call.kind {
            a.insert(0, obj);
        }
        call
    }
}

/// The test API (`bs test`): `test(name: string, body: () => void)`, `assert(cond: boolean)`,
/// `assertEqual(actual: any, expected: any)`; the builtin and the parameter types of `name`.
fn test_api(name: &str) -> Option<(Builtin, Vec<Type>)> {
    Some(match name {
        "test" => {
            let body = crate::types::FunctionType {
                params: Vec::new(),
                ret: Type::Void,
            };
            (
                Builtin::Test,
                vec![Type::String, Type::Function(Box::new(body))],
            )
        }
        "assert" => (Builtin::Assert, vec![Type::Boolean]),
        "assertEqual" => (Builtin::AssertEqual, vec![Type::Any, Type::Any]),
        _ => return None,
    })
}
