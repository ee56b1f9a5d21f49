//! The `any` value model: classifying words, boxing and unboxing, and dynamic type names.

use crate::abi;
use crate::error::RuntimeError;
use crate::memory::Memory;
use crate::objects::runtime_type::{self, RuntimeType};
use crate::objects::{array, closure, instance};
use crate::runtime::Runtime;

/// What an `any` word holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// `null` / `undefined`.
    Undefined,
    /// A boolean.
    Bool(bool),
    /// An integer (tagged or boxed).
    Int(i32),
    /// A float.
    Float(f32),
    /// A string object at this address.
    Str(u32),
    /// An array object at this address.
    Array(u32),
    /// A class instance at this address.
    Instance(u32),
    /// A closure (heap or static) at this address.
    Closure(u32),
    /// Any other word (an object of another kind, or a word that is no valid value).
    Other(u32),
}

/// The smallest and largest integers that fit in a tagged `any` word.
const TAGGED_MIN: i32 = -(1 << 30);
const TAGGED_MAX: i32 = (1 << 30) - 1;

/// The object kind at `addr`, if `addr` can be an object and its header is readable.
pub fn object_kind(mem: &Memory, addr: u32) -> Option<u32> {
    if addr & 3 != 0 || addr < abi::MIN_OBJECT_ADDRESS {
        return None;
    }
    mem.read_u32(addr).ok().map(|h| h & abi::KIND_MASK)
}

/// Classifies an `any` word.
pub fn classify(mem: &Memory, w: u32) -> Value {
    match w {
        abi::UNDEFINED => Value::Undefined,
        abi::FALSE => Value::Bool(false),
        abi::TRUE => Value::Bool(true),
        _ if w & 1 == 1 => Value::Int((w as i32) >> 1),
        _ if w & 3 == 2 => Value::Float(f32::from_bits(abi::inline_float_bits(w))),
        _ => match object_kind(mem, w) {
            Some(abi::KIND_STRING) => Value::Str(w),
            Some(abi::KIND_ARRAY) => Value::Array(w),
            Some(abi::KIND_INSTANCE) => Value::Instance(w),
            Some(abi::KIND_CLOSURE) => Value::Closure(w),
            Some(abi::KIND_BOXED_INT) => match mem.read_u32(w + abi::BOXED_INT_VALUE as u32) {
                Ok(v) => Value::Int(v as i32),
                Err(_) => Value::Other(w),
            },
            Some(abi::KIND_BOXED_FLOAT) => match mem.read_u32(w + abi::BOXED_FLOAT_VALUE as u32) {
                Ok(bits) => Value::Float(f32::from_bits(bits)),
                Err(_) => Value::Other(w),
            },
            _ => Value::Other(w),
        },
    }
}

/// The name of the dynamic type of `v` for error messages: `integer`, `float`, `boolean`,
/// `string`, `undefined`, an array's type name, a class name, a function type's name, or
/// `object`.
pub fn type_name(mem: &Memory, v: Value) -> &[u8] {
    match v {
        Value::Undefined => b"undefined",
        Value::Bool(_) => b"boolean",
        Value::Int(_) => b"integer",
        Value::Float(_) => b"float",
        Value::Str(_) => b"string",
        Value::Array(a) => array::type_name(mem, a).unwrap_or(b"array"),
        Value::Instance(o) => instance::class_name(mem, o).unwrap_or(b"object"),
        Value::Closure(c) => closure::type_name(mem, c).unwrap_or(b"function"),
        Value::Other(_) => b"object",
    }
}

/// A type error for value `w` where `expected` was required.
pub fn type_error(mem: &Memory, expected: &[u8], w: u32) -> RuntimeError {
    RuntimeError::type_error(expected, type_name(mem, classify(mem, w)))
}

/// The `any` word of a boolean.
pub fn from_bool(b: bool) -> u32 {
    if b { abi::TRUE } else { abi::FALSE }
}

/// The `any` word of a float: inline when it has an inline word, else boxed (every bit kept).
pub fn from_float(rt: &mut Runtime, x: f32) -> Result<u32, RuntimeError> {
    if let Some(w) = abi::inline_float_word(x.to_bits()) {
        return Ok(w);
    }
    let b = rt.alloc(abi::KIND_BOXED_FLOAT, 8)?;
    rt.mem
        .write_u32(b + abi::BOXED_FLOAT_VALUE as u32, x.to_bits())?;
    Ok(b)
}

/// The inline `any` word of a float that has one (for tests: they use such floats).
#[cfg(test)]
pub fn float_word(x: f32) -> u32 {
    abi::inline_float_word(x.to_bits()).expect("a float with an inline word")
}

/// The `any` word of an integer, boxing it when it does not fit in 31 bits.
pub fn from_int(rt: &mut Runtime, v: i32) -> Result<u32, RuntimeError> {
    if (TAGGED_MIN..=TAGGED_MAX).contains(&v) {
        return Ok(((v as u32) << 1) | 1);
    }
    let b = rt.alloc(abi::KIND_BOXED_INT, 8)?;
    rt.mem
        .write_u32(b + abi::BOXED_INT_VALUE as u32, v as u32)?;
    Ok(b)
}

/// `any` → integer, or a type error.
pub fn to_int(mem: &Memory, w: u32) -> Result<i32, RuntimeError> {
    match classify(mem, w) {
        Value::Int(v) => Ok(v),
        _ => Err(type_error(mem, b"integer", w)),
    }
}

/// `any` → float (integers widen), or a type error.
pub fn to_float(mem: &Memory, w: u32) -> Result<f32, RuntimeError> {
    match classify(mem, w) {
        Value::Int(v) => Ok(v as f32),
        Value::Float(x) => Ok(x),
        _ => Err(type_error(mem, b"float", w)),
    }
}

/// `any` → boolean (0 or 1), or a type error.
pub fn to_bool(mem: &Memory, w: u32) -> Result<u32, RuntimeError> {
    match classify(mem, w) {
        Value::Bool(b) => Ok(b as u32),
        // `undefined` is false, as in the reference implementation.
        Value::Undefined => Ok(0),
        _ => Err(type_error(mem, b"boolean", w)),
    }
}

/// `any` → string reference, or a type error.
pub fn to_string_ref(mem: &Memory, w: u32) -> Result<u32, RuntimeError> {
    match classify(mem, w) {
        Value::Str(s) => Ok(s),
        _ => Err(type_error(mem, b"string", w)),
    }
}

/// `any` → array of the type of descriptor `desc` (a converted copy between `T[]` and `any[]`,
/// see [`crate::objects::array::convert`]), or a type error naming that type.
pub fn to_array(rt: &mut Runtime, w: u32, desc: u32) -> Result<u32, RuntimeError> {
    let ty = RuntimeType::new(abi::TYPE_ARRAY, desc);
    if runtime_type::fits(&rt.mem, w, ty) {
        return Ok(w);
    }
    if let Value::Array(a) = classify(&rt.mem, w)
        && let Some(copy) = crate::objects::array::convert(rt, a, desc)
    {
        return copy;
    }
    Err(type_error(&rt.mem, runtime_type::name(&rt.mem, ty), w))
}

/// Truthiness: 0, 0.0, `false` and `undefined` are false, everything else is true.
pub fn truthy(mem: &Memory, w: u32) -> bool {
    match classify(mem, w) {
        Value::Undefined | Value::Bool(false) | Value::Int(0) => false,
        Value::Float(x) => x != 0.0,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::tests::{small_map, test_memory};

    fn rt() -> Runtime {
        Runtime::new(test_memory(small_map(1024))).unwrap()
    }

    #[test]
    fn integers_tag_or_box() {
        let mut rt = rt();
        for v in [
            0,
            1,
            -1,
            TAGGED_MAX,
            TAGGED_MIN,
            TAGGED_MAX + 1,
            TAGGED_MIN - 1,
            i32::MAX,
            i32::MIN,
        ] {
            let w = from_int(&mut rt, v).unwrap();
            assert_eq!(classify(&rt.mem, w), Value::Int(v), "{v}");
            assert!(matches!(to_int(&rt.mem, w), Ok(x) if x == v));
        }
        assert_eq!(rt.heap_stats().live_objects, 4);
    }

    #[test]
    fn floats_keep_every_bit_inline_or_boxed() {
        let mut rt = rt();
        let values = [
            0.0f32,
            -0.0,
            1.5,
            -0.25,
            7.2,
            239.3,
            f32::from_bits(0x2f80_0000), // 2^-32: below the inline window
            f32::from_bits(0x3000_0000), // 2^-31: the smallest inline exponent
            4_294_967_000.0,             // just below 2^32: inline
            4_294_967_296.0,             // 2^32: boxed
            1e30,
            -1e-30,
            f32::MIN_POSITIVE / 2.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ];
        for x in values {
            let w = from_float(&mut rt, x).unwrap();
            let Value::Float(y) = classify(&rt.mem, w) else {
                panic!("not a float")
            };
            assert_eq!(y.to_bits(), x.to_bits(), "{x}");
        }
        assert_eq!(rt.heap_stats().live_objects, 7, "the boxed ones");
        for bits in [0x7fc0_0000, 0x7f80_0001, 0xffc0_1234] {
            let w = from_float(&mut rt, f32::from_bits(bits)).unwrap();
            assert!(matches!(classify(&rt.mem, w), Value::Float(y) if y.is_nan()));
        }
    }

    #[test]
    fn inline_float_words_round_trip_over_every_exponent() {
        for e in 0..=255u32 {
            for m in [0, 1, 0x40_0000, 0x7f_ffff] {
                for s in [0, 1u32 << 31] {
                    let bits = s | e << 23 | m;
                    let inline = (96..=158).contains(&e) || e == 0 && m == 0;
                    let word = abi::inline_float_word(bits);
                    assert_eq!(word.is_some(), inline, "{bits:#x}");
                    if let Some(w) = word {
                        assert_eq!(w & 3, 2, "{bits:#x}");
                        assert_eq!(abi::inline_float_bits(w), bits, "{bits:#x}");
                    }
                }
            }
        }
    }

    #[test]
    fn unboxing_checks_types() {
        let rt = rt();
        let e = to_int(&rt.mem, float_word(1.5)).unwrap_err();
        assert_eq!(
            e.message_bytes(),
            b"type error: expected integer, got float"
        );
        assert_eq!(to_bool(&rt.mem, abi::UNDEFINED).ok(), Some(0));
        let e = to_bool(&rt.mem, 7 << 1 | 1).unwrap_err();
        assert_eq!(
            e.message_bytes(),
            b"type error: expected boolean, got integer"
        );
        assert_eq!(to_float(&rt.mem, 7 << 1 | 1).ok(), Some(7.0));
        assert_eq!(to_bool(&rt.mem, abi::TRUE).ok(), Some(1));
        assert!(to_string_ref(&rt.mem, abi::TRUE).is_err());
    }

    #[test]
    fn truthiness_follows_the_language() {
        let mem = &rt().mem;
        for (w, t) in [
            (abi::UNDEFINED, false),
            (abi::FALSE, false),
            (abi::TRUE, true),
            (1, false),
            (3, true),
            (float_word(0.0), false),
            (float_word(-0.0), false),
            (float_word(0.5), true),
        ] {
            assert_eq!(truthy(mem, w), t, "{w:#x}");
        }
    }
}
