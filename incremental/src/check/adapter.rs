//! `any` adapters: for a method that may be called by name on an `any` receiver, a function
//! `(this, any…) → any`; for a function value called through `any`, `(any…, closure) → any`.
//! An adapter converts each argument to the parameter's type (raising a type error when it does
//! not fit), calls the function directly, and boxes its result.

use super::Signatures;
use super::items::{adapter_name, qualify};
use crate::hir::{Body, Builtin, Conversion, Expr, ExprKind, LocalId, Stmt};
use crate::types::{FunctionType, Type};
use device::abi::{BuiltinMethod, KIND_ARRAY};
use syntax::Span;

/// What an adapter passes on besides the converted arguments.
enum Receiver {
    /// A method's `this` (the adapter's first parameter).
    This(Type),
    /// A closure (the adapter's last parameter, passed on as the callee's last argument).
    Closure(Type),
    /// Nothing: a top-level function used as a value ignores its closure.
    Nothing,
}

/// The typed tree of the adapter of `target` (local to module `module`): a method (`C.m`,
/// called by name on `any` receivers) or a top-level function used as a value (called through
/// `any`). `at` is where its conversion errors point: the target's name, in the positions of the
/// target's own syntax (which the adapter shares, see `function_origin`).
pub fn adapter_body(target: &str, module: &str, sigs: &Signatures, at: Span) -> Option<Body> {
    let qualified = qualify(target, module);
    let sig = sigs.functions.get(&qualified)?;
    let receiver = match target.split_once('.') {
        Some((class, _)) => {
            let info = sigs.classes.get(&qualify(class, module))?;
            Receiver::This(Type::Class(Box::new(info.ty.clone())))
        }
        None => Receiver::Nothing,
    };
    Some(adapter(&qualified, &sig.params, &sig.ret, receiver, at))
}

/// The typed tree of the adapter of an arrow function's body `closure`.
pub fn closure_adapter_body(closure: &Body) -> Body {
    let params: Vec<Type> = closure
        .params
        .iter()
        .map(|p| closure.locals[p.0 as usize].clone())
        .collect();
    let ty = Type::Function(Box::new(FunctionType {
        params: params.clone(),
        ret: closure.ret.clone(),
    }));
    adapter(
        &closure.name,
        &params,
        &closure.ret,
        Receiver::Closure(ty),
        closure.span,
    )
}

/// `(receiver?, any…, closure?) → any`: converts each argument to its parameter's type (raising a
/// type error when it does not fit), calls `target` and boxes its result.
fn adapter(target: &str, params: &[Type], ret: &Type, receiver: Receiver, span: Span) -> Body {
    let local = |i: usize, ty: Type| Expr::new(ExprKind::Local(LocalId(i as u32)), ty, span);
    let mut locals = Vec::new();
    let mut args = Vec::new();
    if let Receiver::This(ty) = &receiver {
        args.push(local(0, ty.clone()));
        locals.push(ty.clone());
    }
    for p in params {
        let arg = local(locals.len(), Type::Any);
        locals.push(Type::Any);
        args.push(match p {
            Type::Any => arg,
            p => Expr::new(
                ExprKind::Convert(Conversion::Unbox(p.clone()), Box::new(arg)),
                p.clone(),
                span,
            ),
        });
    }
    if let Receiver::Closure(ty) = &receiver {
        args.push(local(locals.len(), ty.clone()));
        locals.push(ty.clone());
    }
    let call = Expr::new(ExprKind::Call(target.to_string(), args), ret.clone(), span);
    Body {
        name: adapter_name(target),
        span,
        params: (0..locals.len()).map(|i| LocalId(i as u32)).collect(),
        locals,
        ret: Type::Any,
        stmts: return_boxed(call),
        captures: None,
        cells: Vec::new(),
    }
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
        captures: None,
        cells: Vec::new(),
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
