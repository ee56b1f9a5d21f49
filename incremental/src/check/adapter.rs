//! `any` adapters: for a method that may be called by name on an `any` receiver, a function
//! `(this, any…) → any` that converts each argument to the parameter's type (raising a type
//! error when it does not fit), calls the method directly, and boxes its result.

use super::Signatures;
use super::items::{adapter_name, qualify};
use crate::hir::{Body, Builtin, Conversion, Expr, ExprKind, LocalId, Stmt};
use crate::types::Type;
use device::abi::{BuiltinMethod, KIND_ARRAY};
use syntax::Span;

/// The typed tree of the adapter of method `target` (`C.m`, local to module `module`), if the
/// method exists.
pub fn adapter_body(target: &str, module: &str, sigs: &Signatures) -> Option<Body> {
    let (class, method) = target.split_once('.')?;
    let target = qualify(target, module);
    let sig = sigs.functions.get(&target)?;
    let info = sigs.classes.get(&qualify(class, module))?;
    let span = info
        .methods
        .iter()
        .find(|m| m.name == method)
        .map_or(Span::default(), |m| m.span);
    let this_ty = Type::Class(Box::new(info.ty.clone()));
    let mut locals = vec![this_ty.clone()];
    locals.extend(sig.params.iter().map(|_| Type::Any));
    let local = |i: usize, ty: Type| Expr::new(ExprKind::Local(LocalId(i as u32)), ty, span);
    let mut args = vec![local(0, this_ty)];
    for (i, p) in sig.params.iter().enumerate() {
        let arg = local(i + 1, Type::Any);
        args.push(match p {
            Type::Any => arg,
            p => Expr::new(
                ExprKind::Convert(Conversion::Unbox(p.clone()), Box::new(arg)),
                p.clone(),
                span,
            ),
        });
    }
    let call = Expr::new(ExprKind::Call(target.clone(), args), sig.ret.clone(), span);
    Some(Body {
        name: adapter_name(&target),
        span,
        params: (0..locals.len()).map(|i| LocalId(i as u32)).collect(),
        locals,
        ret: Type::Any,
        stmts: return_boxed(call),
    })
}

/// The name of the adapter of built-in method `m` (`<array.push>`).
pub fn builtin_adapter_name(m: &BuiltinMethod) -> String {
    let receiver = if m.receiver == KIND_ARRAY {
        "array"
    } else {
        "string"
    };
    format!("<{receiver}.{}>", m.name)
}

/// The typed tree of the adapter of built-in method `m`: `(receiver: any, any…) → any`.
pub fn builtin_adapter_body(m: &BuiltinMethod) -> Body {
    let span = Span::default();
    let locals = vec![Type::Any; 1 + m.arity as usize];
    let local = |i: usize| Expr::new(ExprKind::Local(LocalId(i as u32)), Type::Any, span);
    let unbox = |e: Expr, to: Type| {
        Expr::new(
            ExprKind::Convert(Conversion::Unbox(to.clone()), Box::new(e)),
            to,
            span,
        )
    };
    let (builtin, args, ret) = match (m.receiver == KIND_ARRAY, m.name) {
        (true, "push") => (Builtin::AnyPush, vec![local(0), local(1)], Type::Integer),
        (true, "unshift") => (Builtin::AnyUnshift, vec![local(0), local(1)], Type::Integer),
        (true, "pop") => (Builtin::AnyPop, vec![local(0)], Type::Any),
        (true, _) => (Builtin::AnyShift, vec![local(0)], Type::Any),
        (false, name) => {
            let receiver = unbox(local(0), Type::String);
            let (b, params, ret) = match name {
                "startsWith" => (Builtin::StartsWith, vec![Type::String], Type::Boolean),
                "endsWith" => (Builtin::EndsWith, vec![Type::String], Type::Boolean),
                "substring" => (
                    Builtin::Substring,
                    vec![Type::Integer, Type::Integer],
                    Type::String,
                ),
                "charCodeAt" => (Builtin::CharCodeAt, vec![Type::Integer], Type::Integer),
                _ => (Builtin::IndexOf, vec![Type::String], Type::Integer),
            };
            let mut args = vec![receiver];
            args.extend(
                params
                    .into_iter()
                    .enumerate()
                    .map(|(i, t)| unbox(local(i + 1), t)),
            );
            (b, args, ret)
        }
    };
    let call = Expr::new(ExprKind::Builtin(builtin, args), ret, span);
    Body {
        name: builtin_adapter_name(m),
        span,
        params: (0..locals.len()).map(|i| LocalId(i as u32)).collect(),
        locals,
        ret: Type::Any,
        stmts: return_boxed(call),
    }
}

/// `return call` with the result boxed to `any` (`undefined` for `void`).
fn return_boxed(call: Expr) -> Vec<Stmt> {
    let span = call.span;
    match &call.ty {
        Type::Void => vec![
            Stmt::Expr(call),
            Stmt::Return(Some(Expr::new(ExprKind::Undefined, Type::Any, span))),
        ],
        Type::Any => vec![Stmt::Return(Some(call))],
        ret => {
            let boxed_as = if *ret == Type::Int32 {
                Type::Integer
            } else {
                ret.clone()
            };
            vec![Stmt::Return(Some(Expr::new(
                ExprKind::Convert(Conversion::Box(boxed_as), Box::new(call)),
                Type::Any,
                span,
            )))]
        }
    }
}
