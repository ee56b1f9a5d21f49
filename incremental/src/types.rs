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
    /// `object`: any string, array, instance or function value.
    Object,
    /// `T[]`.
    Array(Box<Type>),
    /// `Uint8Array`: a fixed-length array of bytes.
    Uint8Array,
    /// `FixedArray`: a fixed-length array of `any`.
    FixedArray,
    /// An instance of a user class (or of a subclass).
    Class(Box<ClassType>),
    /// A value of a user enum.
    Enum(String),
    /// A function value: `(a: A) => R`.
    Function(Box<FunctionType>),
    /// `T | null` where `T` is a reference type.
    Nullable(Box<Type>),
    /// The type of an expression that already had an error: compatible with everything, so one
    /// mistake gives one diagnostic.
    Error,
}

/// A class type: its qualified name and the qualified names of its ancestors, so that
/// subtyping needs no table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClassType {
    /// The qualified name (unique in the program).
    pub key: String,
    /// The name users see.
    pub name: String,
    /// The qualified names of the superclass, its superclass, and so on.
    pub ancestors: Vec<String>,
}

/// The parameter and result types of a function value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FunctionType {
    /// Parameter types.
    pub params: Vec<Type>,
    /// Result type.
    pub ret: Type,
}

impl Type {
    /// Whether this is `integer` or `int32`.
    pub fn is_integer(&self) -> bool {
        matches!(self, Type::Integer | Type::Int32)
    }

    /// Whether this is an integer type, an enum, or `float`.
    pub fn is_numeric(&self) -> bool {
        self.is_integer() || matches!(self, Type::Float | Type::Enum(_))
    }

    /// Whether this is an integer type or an enum (a raw i32 that converts to `float`).
    pub fn is_integral(&self) -> bool {
        self.is_integer() || matches!(self, Type::Enum(_))
    }

    /// The machine class of values of this type, or `None` for `void`.
    pub fn ir_ty(&self) -> Option<ir::Ty> {
        Some(match self {
            Type::Integer | Type::Int32 | Type::Boolean | Type::Enum(_) => ir::Ty::I32,
            Type::Float => ir::Ty::F32,
            Type::String
            | Type::Array(_)
            | Type::Object
            | Type::Uint8Array
            | Type::FixedArray
            | Type::Class(_)
            | Type::Function(_)
            | Type::Nullable(_) => ir::Ty::Ref,
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
        let (inner, nullable) = match self {
            Type::Nullable(t) => (&**t, true),
            t => (t, false),
        };
        match inner {
            Type::Integer | Type::Int32 | Type::Enum(_) => R::Int,
            Type::Float => R::Float,
            Type::Boolean => R::Bool,
            Type::String => R::String { nullable },
            Type::Array(_) | Type::Uint8Array | Type::FixedArray => R::Array {
                descriptor: Box::new(inner.array_descriptor()),
                nullable,
            },
            Type::Class(c) => R::Instance {
                class: c.key.clone(),
                nullable,
            },
            Type::Function(_) => R::Function {
                type_name: inner.to_string(),
                nullable,
            },
            Type::Object => R::Object { nullable },
            Type::Any | Type::Void | Type::Null | Type::Nullable(_) | Type::Error => R::Any,
        }
    }

    /// The descriptor symbol of array type `self` (`T[]`, `Uint8Array`, `FixedArray`).
    pub fn array_descriptor(&self) -> ir::DataSymbol {
        let (elem_kind, elem_type) = match self {
            Type::Array(elem) => (elem.elem_kind(), elem.runtime_type()),
            Type::Uint8Array => (device::abi::ELEM_U8, ir::RuntimeType::Int),
            Type::FixedArray => (device::abi::ELEM_ANY, ir::RuntimeType::Any),
            _ => unreachable!("descriptors exist only for array types"),
        };
        ir::DataSymbol::ArrayDescriptor {
            elem_kind,
            type_name: self.to_string(),
            elem_type,
        }
    }

    /// Whether values of this type are references (arrays of them are growable with `push`,
    /// and `null` may stand for them when nullable).
    pub fn is_reference(&self) -> bool {
        matches!(self.ir_ty(), Some(ir::Ty::Ref)) || *self == Type::Any
    }

    /// Whether `T | null` is allowed for this `T`.
    pub fn may_be_nullable(&self) -> bool {
        matches!(
            self,
            Type::String
                | Type::Array(_)
                | Type::Object
                | Type::Uint8Array
                | Type::FixedArray
                | Type::Class(_)
                | Type::Function(_)
        )
    }

    /// Whether values of type `self` are values of type `to` without any conversion of their
    /// representation (subclasses, function subtyping, `T` in `T | null`, `string` in `object`).
    pub fn is_subtype_of(&self, to: &Type) -> bool {
        if self == to || *self == Type::Error || *to == Type::Error {
            return true;
        }
        match (self, to) {
            (Type::Class(a), Type::Class(b)) => a.ancestors.contains(&b.key),
            (Type::Function(a), Type::Function(b)) => {
                a.params.len() == b.params.len()
                    && a.params
                        .iter()
                        .zip(&b.params)
                        .all(|(x, y)| y.is_subtype_of(x))
                    && (b.ret == Type::Void || a.ret.is_subtype_of(&b.ret))
            }
            (Type::Null, Type::Nullable(_)) => true,
            (Type::Nullable(a), Type::Nullable(b)) => a.is_subtype_of(b),
            (a, Type::Nullable(b)) => a.is_subtype_of(b),
            (a, Type::Object) => a.is_reference() && *a != Type::Any && !a.is_nullable(),
            _ => false,
        }
    }

    /// Whether this is `T | null`.
    pub fn is_nullable(&self) -> bool {
        matches!(self, Type::Nullable(_))
    }

    /// Whether a value of type `self` may be stored where `to` is expected, possibly with an
    /// implicit conversion (widening, boxing into `any`, checked unboxing from `any`).
    pub fn converts_to(&self, to: &Type) -> bool {
        if self.is_subtype_of(to) {
            return true;
        }
        match (self, to) {
            (Type::Function(a), Type::Function(b)) => {
                a.params.len() == b.params.len()
                    && a.params
                        .iter()
                        .zip(&b.params)
                        .all(|(x, y)| y.converts_to(x))
                    && (b.ret == Type::Void || a.ret.converts_to(&b.ret))
            }
            // `T[]` ↔ `any[]` by copying, each element converted.
            (Type::Array(a), Type::Array(b)) => {
                (**a == Type::Any) != (**b == Type::Any) && a.converts_to(b)
            }
            (f, Type::Float) if f.is_integral() => true,
            (f, t) if f.is_integral() && t.is_integer() => true,
            (Type::Void | Type::Int32, Type::Any) => false,
            (_, Type::Any) => true,
            (Type::Any, t) => !matches!(t, Type::Void | Type::Int32),
            _ => false,
        }
    }

    /// The least type both `a` and `b` convert to without a run-time check, if any
    /// (`integer` and `float` give `float`; a class and `null` give the nullable class).
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
            (Type::Null, t) | (t, Type::Null) if t.may_be_nullable() => {
                Some(Type::Nullable(Box::new(t.clone())))
            }
            (Type::Null, t @ Type::Nullable(_)) | (t @ Type::Nullable(_), Type::Null) => {
                Some(t.clone())
            }
            (x, y) if x.is_subtype_of(y) => Some(y.clone()),
            (x, y) if y.is_subtype_of(x) => Some(x.clone()),
            (Type::Class(x), Type::Class(y)) => {
                let shared = x.ancestors.iter().position(|k| y.ancestors.contains(k))?;
                let key = &x.ancestors[shared];
                let at = y.ancestors.iter().position(|k| k == key)?;
                Some(Type::Class(Box::new(ClassType {
                    key: key.clone(),
                    name: display_name(key).to_string(),
                    ancestors: y.ancestors[at..].to_vec(),
                })))
            }
            _ => None,
        }
    }

    /// The type without its `| null`.
    pub fn non_null(&self) -> Type {
        match self {
            Type::Nullable(t) => (**t).clone(),
            t => t.clone(),
        }
    }
}

/// The name users see of a qualified class or enum name (`Point` of `Point@lib/geo.bs`).
pub fn display_name(key: &str) -> &str {
    key.split('@').next().unwrap_or(key)
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
            Type::Object => f.write_str("object"),
            Type::Array(t) if matches!(**t, Type::Function(_) | Type::Nullable(_)) => {
                write!(f, "({t})[]")
            }
            Type::Array(t) => write!(f, "{t}[]"),
            Type::Uint8Array => f.write_str("Uint8Array"),
            Type::FixedArray => f.write_str("FixedArray"),
            Type::Class(c) => f.write_str(&c.name),
            Type::Enum(e) => f.write_str(display_name(e)),
            Type::Function(t) => {
                f.write_str("(")?;
                for (i, p) in t.params.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{p}")?;
                }
                write!(f, ") => {}", t.ret)
            }
            Type::Nullable(t) => write!(f, "{t} | null"),
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
