//! BlueScript's static types and the rules that relate them (names, subtyping, conversions).

use std::fmt;

/// A static type of a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    /// `integer` / `number`: signed 32-bit.
    Integer,
    /// `int32`: an integer that may never become `any`.
    Int32,
    /// `float`: 32-bit IEEE.
    Float,
    /// `boolean`.
    Boolean,
    /// `string`.
    String,
    /// `any`.
    Any,
    /// `void` (function results only).
    Void,
    /// `null` / `undefined`.
    Null,
    /// `T[]`.
    Array(Box<Type>),
    /// The type of an expression that already had an error: compatible with everything, so one
    /// mistake gives one diagnostic.
    Error,
}

impl Type {
    /// Whether this is `integer` or `int32`.
    pub fn is_integer(&self) -> bool {
        matches!(self, Type::Integer | Type::Int32)
    }

    /// Whether this is an integer type or `float`.
    pub fn is_numeric(&self) -> bool {
        self.is_integer() || *self == Type::Float
    }

    /// The machine class of values of this type, or `None` for `void`.
    pub fn ir_ty(&self) -> Option<ir::Ty> {
        Some(match self {
            Type::Integer | Type::Int32 | Type::Boolean => ir::Ty::I32,
            Type::Float => ir::Ty::F32,
            Type::String | Type::Array(_) => ir::Ty::Ref,
            Type::Any | Type::Null | Type::Error => ir::Ty::Any,
            Type::Void => return None,
        })
    }

    /// The array descriptor element kind for arrays of this element type.
    pub fn elem_kind(&self) -> u32 {
        use device::abi::*;
        match self.ir_ty() {
            Some(ir::Ty::I32) => ELEM_I32,
            Some(ir::Ty::F32) => ELEM_F32,
            Some(ir::Ty::Ref) => ELEM_REF,
            _ => ELEM_ANY,
        }
    }

    /// What the runtime checks values of this type against.
    pub fn runtime_type(&self) -> ir::RuntimeType {
        use ir::RuntimeType as R;
        match self {
            Type::Integer | Type::Int32 => R::Int,
            Type::Float => R::Float,
            Type::Boolean => R::Bool,
            Type::String => R::String { nullable: false },
            Type::Array(_) => R::Array {
                descriptor: Box::new(self.array_descriptor()),
                nullable: false,
            },
            Type::Any | Type::Void | Type::Null | Type::Error => R::Any,
        }
    }

    /// The descriptor symbol of array type `self` (`T[]`).
    pub fn array_descriptor(&self) -> ir::DataSymbol {
        let Type::Array(elem) = self else {
            unreachable!("descriptors exist only for array types")
        };
        ir::DataSymbol::ArrayDescriptor {
            elem_kind: elem.elem_kind(),
            type_name: self.to_string(),
            elem_type: elem.runtime_type(),
        }
    }

    /// Whether values of this type are references (arrays of them are growable with `push`).
    pub fn is_reference(&self) -> bool {
        matches!(self, Type::String | Type::Array(_) | Type::Any)
    }

    /// Whether a value of type `self` may be stored where `to` is expected, possibly with an
    /// implicit conversion (widening, boxing into `any`, checked unboxing from `any`).
    pub fn converts_to(&self, to: &Type) -> bool {
        if self == to || *self == Type::Error || *to == Type::Error {
            return true;
        }
        match (self, to) {
            (Type::Integer | Type::Int32, Type::Float) => true,
            (Type::Integer, Type::Int32) | (Type::Int32, Type::Integer) => true,
            (Type::Void | Type::Int32, Type::Any) => false,
            (_, Type::Any) => true,
            (Type::Any, t) => !matches!(t, Type::Void | Type::Int32 | Type::Null),
            _ => false,
        }
    }

    /// The least type both `a` and `b` convert to without a run-time check, if any
    /// (`integer` and `float` give `float`).
    pub fn common(a: &Type, b: &Type) -> Option<Type> {
        if a == b || *b == Type::Error {
            return Some(a.clone());
        }
        match (a, b) {
            (Type::Error, _) => Some(b.clone()),
            (x, y) if x.is_numeric() && y.is_numeric() => {
                Some(if *x == Type::Float || *y == Type::Float {
                    Type::Float
                } else {
                    Type::Integer
                })
            }
            _ => None,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Integer => f.write_str("integer"),
            Type::Int32 => f.write_str("int32"),
            Type::Float => f.write_str("float"),
            Type::Boolean => f.write_str("boolean"),
            Type::String => f.write_str("string"),
            Type::Any => f.write_str("any"),
            Type::Void => f.write_str("void"),
            Type::Null => f.write_str("undefined"),
            Type::Array(t) => write!(f, "{t}[]"),
            Type::Error => f.write_str("{unknown}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_language() {
        assert_eq!(
            Type::Array(Box::new(Type::Array(Box::new(Type::Float)))).to_string(),
            "float[][]"
        );
    }

    #[test]
    fn conversions() {
        assert!(Type::Integer.converts_to(&Type::Float));
        assert!(!Type::Float.converts_to(&Type::Integer));
        assert!(Type::Any.converts_to(&Type::String));
        assert!(!Type::Int32.converts_to(&Type::Any));
        assert!(
            !Type::Array(Box::new(Type::Integer)).converts_to(&Type::Array(Box::new(Type::Float)))
        );
        assert_eq!(
            Type::common(&Type::Integer, &Type::Float),
            Some(Type::Float)
        );
        assert_eq!(Type::common(&Type::String, &Type::Integer), None);
    }
}
