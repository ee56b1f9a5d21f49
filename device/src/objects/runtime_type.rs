//! Run-time types (a `TYPE_*` kind word, possibly with [`abi::TYPE_NULLABLE`], and an aux
//! word): the one check of an `any` word against a static type, the conversions between `any`
//! words and a type's machine representation, and the type's name for error messages.

use crate::abi;
use crate::error::RuntimeError;
use crate::memory::{MemError, Memory};
use crate::objects::any::{self, Value};
use crate::objects::{array, class, closure, instance, string};
use crate::runtime::Runtime;

/// A run-time type as generated code and descriptors give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeType {
    /// The kind (`abi::TYPE_*`), possibly or-ed with [`abi::TYPE_NULLABLE`].
    pub kind: u32,
    /// The aux word: an array descriptor, a class descriptor or a function type's name string.
    pub aux: u32,
}

impl RuntimeType {
    /// `integer` (raw i32).
    pub const INT: RuntimeType = RuntimeType::new(abi::TYPE_INT, 0);

    /// The type with `kind` and `aux`.
    pub const fn new(kind: u32, aux: u32) -> RuntimeType {
        RuntimeType { kind, aux }
    }

    /// The type stored as two words, kind then aux, at `addr` (array descriptors, field tables).
    pub fn read(mem: &Memory, addr: u32) -> Result<RuntimeType, MemError> {
        Ok(RuntimeType::new(
            mem.read_u32(addr)?,
            mem.read_u32(addr + 4)?,
        ))
    }

    /// The kind without the nullable flag.
    pub fn base(self) -> u32 {
        self.kind & !abi::TYPE_NULLABLE
    }

    /// Whether `null`/`undefined` is accepted.
    pub fn nullable(self) -> bool {
        self.kind & abi::TYPE_NULLABLE != 0
    }

    /// Whether values of this type are references or `any` words, which the collector traces
    /// (the nullable flag does not matter).
    pub fn traced(self) -> bool {
        matches!(
            self.base(),
            abi::TYPE_ANY
                | abi::TYPE_STRING
                | abi::TYPE_ARRAY
                | abi::TYPE_INSTANCE
                | abi::TYPE_FUNCTION
                | abi::TYPE_OBJECT
        )
    }
}

/// Whether `any` word `w` fits type `ty`.
pub fn fits(mem: &Memory, w: u32, ty: RuntimeType) -> bool {
    let v = any::classify(mem, w);
    if v == Value::Undefined && ty.nullable() {
        return true;
    }
    match (ty.base(), v) {
        (abi::TYPE_INT, Value::Int(_)) => true,
        (abi::TYPE_FLOAT, Value::Int(_) | Value::Float(_)) => true,
        (abi::TYPE_BOOL, Value::Bool(_)) => true,
        (abi::TYPE_ANY, _) => true,
        (abi::TYPE_STRING, Value::Str(_)) => true,
        (abi::TYPE_ARRAY, Value::Array(a)) => array::has_type(mem, a, ty.aux),
        (abi::TYPE_INSTANCE, Value::Instance(o)) => {
            instance::class(mem, o).is_ok_and(|c| class::is_subclass(mem, c, ty.aux))
        }
        (abi::TYPE_FUNCTION, Value::Closure(c)) => {
            let want = string::bytes(mem, ty.aux).ok();
            want.is_some() && closure::type_name(mem, c) == want
        }
        (abi::TYPE_OBJECT, Value::Str(_) | Value::Array(_)) => true,
        (abi::TYPE_OBJECT, Value::Instance(_) | Value::Closure(_)) => true,
        _ => false,
    }
}

/// The name of type `ty` in error messages: `integer`, `string`, an array type's name
/// (`integer[]`), a class name, a function type's name (`(integer) => float`), `object`.
pub fn name(mem: &Memory, ty: RuntimeType) -> &[u8] {
    match ty.base() {
        abi::TYPE_INT => b"integer",
        abi::TYPE_FLOAT => b"float",
        abi::TYPE_BOOL => b"boolean",
        abi::TYPE_ANY => b"any",
        abi::TYPE_STRING => b"string",
        abi::TYPE_ARRAY => array::descriptor_name(mem, ty.aux).unwrap_or(b"array"),
        abi::TYPE_INSTANCE => class::name(mem, ty.aux).unwrap_or(b"object"),
        abi::TYPE_FUNCTION => string::bytes(mem, ty.aux).unwrap_or(b"function"),
        abi::TYPE_OBJECT => b"object",
        _ => b"unknown type",
    }
}

/// `w` itself if it fits `ty`, else a type error naming `ty`.
pub fn check(mem: &Memory, w: u32, ty: RuntimeType) -> Result<u32, RuntimeError> {
    if fits(mem, w, ty) {
        Ok(w)
    } else {
        Err(any::type_error(mem, name(mem, ty), w))
    }
}

/// Converts `any` word `w` to the machine representation of `ty` (raw i32 for integers and
/// booleans, f32 bits for floats, the word itself otherwise), or raises a type error.
pub fn from_any(mem: &Memory, w: u32, ty: RuntimeType) -> Result<u32, RuntimeError> {
    match ty.base() {
        abi::TYPE_INT => any::to_int(mem, w).map(|v| v as u32),
        abi::TYPE_FLOAT => any::to_float(mem, w).map(f32::to_bits),
        abi::TYPE_BOOL => any::to_bool(mem, w),
        _ => check(mem, w, ty),
    }
}

/// Converts `word`, in the machine representation of `ty`, to an `any` word (boxing an
/// integer that needs all 32 bits).
pub fn to_any(rt: &mut Runtime, word: u32, ty: RuntimeType) -> Result<u32, RuntimeError> {
    match ty.base() {
        abi::TYPE_INT => any::from_int(rt, word as i32),
        abi::TYPE_FLOAT => any::from_float(rt, f32::from_bits(word)),
        abi::TYPE_BOOL => Ok(any::from_bool(word != 0)),
        _ => Ok(word),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::statics::Statics;
    use crate::objects::string::tests::rt;

    fn int(v: i32) -> u32 {
        ((v as u32) << 1) | 1
    }

    #[test]
    fn primitive_types_follow_the_unbox_rules() {
        let mut rt = rt();
        let s = string::create(&mut rt, b"s").unwrap();
        let mem = &rt.mem;
        let t = |k| RuntimeType::new(k, 0);
        let f = any::float_word(1.5);
        for (w, kind, ok) in [
            (int(1), abi::TYPE_INT, true),
            (f, abi::TYPE_INT, false),
            (int(1), abi::TYPE_FLOAT, true),
            (f, abi::TYPE_FLOAT, true),
            (abi::TRUE, abi::TYPE_BOOL, true),
            (int(1), abi::TYPE_BOOL, false),
            (abi::UNDEFINED, abi::TYPE_ANY, true),
            (s, abi::TYPE_STRING, true),
            (abi::UNDEFINED, abi::TYPE_STRING, false),
            (abi::UNDEFINED, abi::TYPE_STRING | abi::TYPE_NULLABLE, true),
            (s, abi::TYPE_OBJECT, true),
            (int(1), abi::TYPE_OBJECT, false),
            (abi::UNDEFINED, abi::TYPE_OBJECT | abi::TYPE_NULLABLE, true),
            (abi::UNDEFINED, 99, false),
        ] {
            assert_eq!(fits(mem, w, t(kind)), ok, "{w:#x} {kind:#x}");
        }
        assert_eq!(
            from_any(mem, int(-3), t(abi::TYPE_INT)).unwrap(),
            -3i32 as u32
        );
        assert_eq!(
            from_any(mem, int(2), t(abi::TYPE_FLOAT)).unwrap(),
            2f32.to_bits()
        );
        assert_eq!(from_any(mem, abi::TRUE, t(abi::TYPE_BOOL)).unwrap(), 1);
        assert_eq!(from_any(mem, s, t(abi::TYPE_ANY)).unwrap(), s);
        let e = from_any(mem, s, t(abi::TYPE_FLOAT)).unwrap_err();
        assert_eq!(e.message_bytes(), b"type error: expected float, got string");
        assert_eq!(to_any(&mut rt, 0, t(abi::TYPE_BOOL)).unwrap(), abi::FALSE);
        let big = to_any(&mut rt, i32::MAX as u32, t(abi::TYPE_INT)).unwrap();
        assert_eq!(any::classify(&rt.mem, big), Value::Int(i32::MAX));
    }

    #[test]
    fn reference_types_check_descriptors_classes_and_function_types() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let ints = st.int_array(&mut rt);
        let ints2 = st.array(&mut rt, abi::ELEM_I32, b"integer[]", RuntimeType::INT);
        let floats = st.array(
            &mut rt,
            abi::ELEM_F32,
            b"float[]",
            RuntimeType::new(abi::TYPE_FLOAT, 0),
        );
        let shape = st.class(&mut rt, b"Shape", 0, &[], &[]);
        let circle = st.class(&mut rt, b"Circle", shape, &[], &[]);
        let other = st.class(&mut rt, b"Other", 0, &[], &[]);
        let f_ii = st.string(&mut rt, b"(integer) => integer");
        let f_desc = st.function(&mut rt, b"(integer) => integer", 1, 3, 4, &[]);
        let f_other = st.string(&mut rt, b"() => void");
        let fun = st.static_closure(&mut rt, f_desc);
        let a = array::create(&mut rt, ints2, 0, 0).unwrap();
        let c = instance::create(&mut rt, circle).unwrap();
        let mem = &rt.mem;
        let arr = |d| RuntimeType::new(abi::TYPE_ARRAY, d);
        let inst = |d| RuntimeType::new(abi::TYPE_INSTANCE, d);
        let func = |s| RuntimeType::new(abi::TYPE_FUNCTION, s);
        assert!(fits(mem, a, arr(ints2)));
        assert!(
            fits(mem, a, arr(ints)),
            "same type name, another descriptor"
        );
        assert!(!fits(mem, a, arr(floats)));
        assert!(fits(mem, c, inst(circle)));
        assert!(fits(mem, c, inst(shape)));
        assert!(!fits(mem, c, inst(other)));
        assert!(fits(mem, fun, func(f_ii)));
        assert!(!fits(mem, fun, func(f_other)));
        for w in [a, c, fun] {
            assert!(fits(mem, w, RuntimeType::new(abi::TYPE_OBJECT, 0)));
        }
        let cases: [(u32, RuntimeType, &[u8]); 4] = [
            (
                a,
                arr(floats),
                b"type error: expected float[], got integer[]",
            ),
            (c, inst(other), b"type error: expected Other, got Circle"),
            (
                fun,
                func(f_other),
                b"type error: expected () => void, got (integer) => integer",
            ),
            (
                abi::UNDEFINED,
                inst(shape),
                b"type error: expected Shape, got undefined",
            ),
        ];
        for (w, ty, message) in cases {
            let e = check(mem, w, ty).unwrap_err();
            assert_eq!(
                (e.kind, e.message_bytes()),
                (abi::ErrorKind::TypeError, message)
            );
        }
        let nullable = RuntimeType::new(abi::TYPE_INSTANCE | abi::TYPE_NULLABLE, shape);
        assert_eq!(
            check(mem, abi::UNDEFINED, nullable).unwrap(),
            abi::UNDEFINED
        );
        assert!(nullable.traced() && !RuntimeType::INT.traced());
    }
}
