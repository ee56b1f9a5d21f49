//! Resolving written types (`integer[]`, `number`, `string | null` …) to [`Type`]s.

use crate::diagnostic::Sink;
use crate::types::Type;
use syntax::ast::TypeExpr;

/// Resolves a type annotation, reporting unknown or unsupported types.
pub(crate) fn resolve(t: &TypeExpr, sink: &mut Sink) -> Type {
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
            "object" | "Uint8Array" | "FixedArray" => {
                sink.unsupported(id.span, &format!("the type `{}`", id.name));
                Type::Error
            }
            other => {
                sink.error_hint(
                    "E0211",
                    id.span,
                    format!("unknown type `{other}`"),
                    "the types are integer, number, float, boolean, string, any, void and arrays such as integer[]",
                );
                Type::Error
            }
        },
        TypeExpr::Array(elem, _) => array_of(resolve(elem, sink), t, sink),
        TypeExpr::Generic(name, args, _) if name.name == "Array" && args.len() == 1 => {
            array_of(resolve(&args[0], sink), t, sink)
        }
        TypeExpr::Generic(name, _, span) => {
            sink.error(
                "E0211",
                *span,
                format!("unknown generic type `{}`", name.name),
            );
            Type::Error
        }
        TypeExpr::Union(_, span) => {
            sink.unsupported(
                *span,
                "a union type (nullable types such as `string | null`)",
            );
            Type::Error
        }
        TypeExpr::Function(_, _, span) => {
            sink.unsupported(*span, "a function type");
            Type::Error
        }
        TypeExpr::Error(_) => Type::Error,
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
