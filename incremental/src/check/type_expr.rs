//! Resolving written types (`integer[]`, `number`, `string | null`, `(x: integer) => float`,
//! class and enum names …) to [`Type`]s.

use crate::diagnostic::Sink;
use crate::types::{FunctionType, Type};
use syntax::ast::TypeExpr;

/// The user-defined type names in scope (classes and enums).
pub(crate) trait TypeNames {
    /// The type named `name`, if a class or enum of that name is in scope.
    fn named(&self, name: &str) -> Option<Type>;
}

/// Resolves a type annotation, reporting unknown or unsupported types.
pub(crate) fn resolve(t: &TypeExpr, names: &dyn TypeNames, sink: &mut Sink) -> Type {
    match t {
        TypeExpr::Named(id) => match id.name.as_str() {
            "integer" | "number" => Type::Integer,
            "int32" => Type::Int32,
            "float" => Type::Float,
            "boolean" => Type::Boolean,
            "string" => Type::String,
            "any" => Type::Any,
            "void" => Type::Void,
            "null" | "undefined" => Type::Null,
            "object" => Type::Object,
            "Uint8Array" => Type::Uint8Array,
            "FixedArray" => Type::FixedArray,
            other => names.named(other).unwrap_or_else(|| {
                sink.error_hint(
                    "E0211",
                    id.span,
                    format!("unknown type `{other}`"),
                    "the types are integer, number, float, boolean, string, any, void, object, arrays such as integer[], classes and enums",
                );
                Type::Error
            }),
        },
        TypeExpr::Array(elem, _) => array_of(resolve(elem, names, sink), t, sink),
        TypeExpr::Generic(name, args, _) if name.name == "Array" && args.len() == 1 => {
            array_of(resolve(&args[0], names, sink), t, sink)
        }
        TypeExpr::Generic(name, _, span) => {
            sink.error(
                "E0211",
                *span,
                format!("unknown generic type `{}`", name.name),
            );
            Type::Error
        }
        TypeExpr::Union(members, span) => union(members, *span, names, sink),
        TypeExpr::Function(params, ret, _) => {
            let params = params
                .iter()
                .map(|p| p.ty.as_ref().map_or(Type::Any, |t| resolve(t, names, sink)))
                .collect();
            let ret = resolve(ret, names, sink);
            Type::Function(Box::new(FunctionType { params, ret }))
        }
        TypeExpr::Error(_) => Type::Error,
    }
}

/// `T | null` (or `T | undefined`, in either order); other unions are not supported.
fn union(members: &[TypeExpr], span: syntax::Span, names: &dyn TypeNames, sink: &mut Sink) -> Type {
    let resolved: Vec<Type> = members.iter().map(|m| resolve(m, names, sink)).collect();
    if resolved.contains(&Type::Error) {
        return Type::Error;
    }
    let mut others = resolved.iter().filter(|t| **t != Type::Null);
    match (others.next(), others.next()) {
        (Some(t), None) if t.may_be_nullable() && resolved.len() >= 2 => {
            Type::Nullable(Box::new(t.clone()))
        }
        (Some(t @ Type::Nullable(_)), None) => t.clone(),
        (Some(Type::Any), None) => Type::Any,
        (Some(t), None) if resolved.len() >= 2 => {
            sink.error_hint(
                "E0211",
                span,
                format!("`{t}` cannot be `null`"),
                "only classes, strings, arrays, functions and `object` may be nullable",
            );
            Type::Error
        }
        _ => {
            sink.unsupported(span, "a union type other than `T | null`");
            Type::Error
        }
    }
}

fn array_of(elem: Type, t: &TypeExpr, sink: &mut Sink) -> Type {
    match elem {
        Type::Error => Type::Error,
        Type::Void | Type::Null => {
            sink.error(
                "E0211",
                t.span(),
                format!("an array cannot hold `{elem}` values"),
            );
            Type::Error
        }
        e => Type::Array(Box::new(e)),
    }
}
