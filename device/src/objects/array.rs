//! Arrays: a header, the descriptor address, the length, the element storage address and the
//! capacity, followed by the initial elements inline. Elements are 4-byte words, or bytes for
//! the storage kind [`abi::ELEM_U8`] (`Uint8Array`). Growing moves the elements into a separate
//! [`abi::KIND_STORAGE`] object (a header followed by the elements) with double the capacity.
//! Only arrays whose type name ends with `[]` grow; `Uint8Array` and `FixedArray` do not.

use crate::abi;
use crate::error::RuntimeError;
use crate::memory::Memory;
use crate::objects::any::{self, Value};
use crate::objects::runtime_type::{self, RuntimeType};
use crate::objects::{dispatch, string};
use crate::runtime::Runtime;

/// Byte offset of an array's capacity (in elements).
pub const ARRAY_CAP: i32 = 16;
/// Byte offset of the inline elements of a new array.
pub const ARRAY_INLINE: u32 = 20;
/// The smallest capacity after growth.
const MIN_GROWN_CAPACITY: u32 = 4;

const DESC: u32 = abi::ARRAY_DESC as u32;
const LEN: u32 = abi::ARRAY_LEN as u32;
const DATA: u32 = abi::ARRAY_DATA as u32;
const CAP: u32 = ARRAY_CAP as u32;

/// The type name of descriptor `desc` (`integer[]`).
pub fn descriptor_name(mem: &Memory, desc: u32) -> Option<&[u8]> {
    let name = mem
        .read_u32(desc.wrapping_add(abi::DESC_NAME as u32))
        .ok()?;
    string::bytes(mem, name).ok()
}

/// The type name of array `a`.
pub fn type_name(mem: &Memory, a: u32) -> Option<&[u8]> {
    descriptor_name(mem, mem.read_u32(a + DESC).ok()?)
}

/// Whether array `a` has the type of descriptor `desc`: the same descriptor, or one with the
/// same type name (descriptors of one type may be placed more than once).
pub fn has_type(mem: &Memory, a: u32, desc: u32) -> bool {
    let own = mem.read_u32(a + DESC).ok();
    own == Some(desc)
        || own.is_some_and(|d| {
            let name = descriptor_name(mem, d);
            name.is_some() && name == descriptor_name(mem, desc)
        })
}

/// Whether array `a` can grow (`push`, `pop`, `shift`, `unshift`): its type name ends with
/// `[]`.
pub fn growable(mem: &Memory, a: u32) -> bool {
    type_name(mem, a).is_some_and(|n| n.ends_with(b"[]"))
}

/// Array `src` as a new array of descriptor `desc` when one of the two types is `any[]` and
/// the other a growable array (`T[]` ↔ `any[]`): each element converted, raising a type error for
/// one that does not fit; `None` for any other pair of types.
pub fn convert(rt: &mut Runtime, src: u32, desc: u32) -> Option<Result<u32, RuntimeError>> {
    let mem = &rt.mem;
    let any_array = |name: Option<&[u8]>| name == Some(b"any[]".as_slice());
    let (from, to) = (type_name(mem, src), descriptor_name(mem, desc));
    let growable = |name: Option<&[u8]>| name.is_some_and(|n| n.ends_with(b"[]"));
    if !(growable(from) && growable(to) && (any_array(from) || any_array(to))) {
        return None;
    }
    Some(copy_converted(rt, src, desc))
}

fn copy_converted(rt: &mut Runtime, src: u32, desc: u32) -> Result<u32, RuntimeError> {
    let len = length(&rt.mem, src)?;
    rt.protect(src);
    let dst = create(rt, desc, len as i32, 0)?;
    rt.protect(dst);
    for i in 0..len as i32 {
        let w = any_get(rt, src, i)?;
        any_set(rt, dst, i, w)?;
    }
    Ok(dst)
}

/// How an array stores its elements, and their run-time type.
#[derive(Debug, Clone, Copy)]
struct Elements {
    /// The storage kind (`ELEM_*`).
    storage: u32,
    /// The elements' run-time type (integers for byte storage, whatever the descriptor says).
    ty: RuntimeType,
}

impl Elements {
    /// The elements of arrays with descriptor `desc`.
    fn of_descriptor(mem: &Memory, desc: u32) -> Result<Elements, RuntimeError> {
        let storage = mem.read_u32(desc.wrapping_add_signed(abi::DESC_ELEM_KIND))?;
        let ty = if storage == abi::ELEM_U8 {
            RuntimeType::INT
        } else {
            RuntimeType::read(mem, desc.wrapping_add_signed(abi::DESC_ELEM_TYPE))?
        };
        Ok(Elements { storage, ty })
    }

    /// The elements of array `a`.
    fn of(mem: &Memory, a: u32) -> Result<Elements, RuntimeError> {
        check(mem, a)?;
        Elements::of_descriptor(mem, mem.read_u32(a + DESC)?)
    }

    /// Bytes per element.
    fn size(self) -> u32 {
        if self.storage == abi::ELEM_U8 { 1 } else { 4 }
    }

    /// Element `i` of the storage at `data`, as a word (a byte is zero-extended).
    fn read(self, mem: &Memory, data: u32, i: u32) -> Result<u32, RuntimeError> {
        Ok(if self.storage == abi::ELEM_U8 {
            mem.read_u8(data + i)? as u32
        } else {
            mem.read_u32(data + 4 * i)?
        })
    }

    /// Sets element `i` of the storage at `data` to `w` (its low byte for byte storage).
    fn write(self, mem: &mut Memory, data: u32, i: u32, w: u32) -> Result<(), RuntimeError> {
        if self.storage == abi::ELEM_U8 {
            mem.write_bytes(data + i, &[w as u8])?;
        } else {
            mem.write_u32(data + 4 * i, w)?;
        }
        Ok(())
    }
}

/// Checks that `a` is an array.
fn check(mem: &Memory, a: u32) -> Result<(), RuntimeError> {
    match any::classify(mem, a) {
        Value::Array(_) => Ok(()),
        _ => Err(any::type_error(mem, b"array", a)),
    }
}

/// The length of array `a`.
pub fn length(mem: &Memory, a: u32) -> Result<u32, RuntimeError> {
    check(mem, a)?;
    Ok(mem.read_u32(a + LEN)?)
}

/// A new array with descriptor `desc`, `len` elements, each set to `init` (its low byte for
/// byte storage).
pub fn create(rt: &mut Runtime, desc: u32, len: i32, init: u32) -> Result<u32, RuntimeError> {
    let el = Elements::of_descriptor(&rt.mem, desc)?;
    let n = u32::try_from(len).map_err(|_| {
        RuntimeError::new(
            abi::ErrorKind::IndexOutOfRange,
            format_args!("invalid array length: {len}"),
        )
    })?;
    let size = n
        .checked_mul(el.size())
        .and_then(|b| b.checked_add(ARRAY_INLINE))
        .ok_or_else(|| RuntimeError::out_of_memory(rt.map().heap_size))?;
    rt.protect(init);
    let a = rt.alloc(abi::KIND_ARRAY, size)?;
    rt.mem.write_u32(a + DESC, desc)?;
    rt.mem.write_u32(a + LEN, n)?;
    rt.mem.write_u32(a + DATA, a + ARRAY_INLINE)?;
    rt.mem.write_u32(a + CAP, n)?;
    if init != 0 {
        for i in 0..n {
            el.write(&mut rt.mem, a + ARRAY_INLINE, i, init)?;
        }
    }
    Ok(a)
}

/// Makes room for one more element, moving the elements to a larger storage object if full.
/// Returns the (possibly new) element storage address and the length.
fn reserve_one(rt: &mut Runtime, a: u32, el: Elements, v: u32) -> Result<(u32, u32), RuntimeError> {
    let (len, data, cap) = (
        rt.mem.read_u32(a + LEN)?,
        rt.mem.read_u32(a + DATA)?,
        rt.mem.read_u32(a + CAP)?,
    );
    if len < cap {
        return Ok((data, len));
    }
    let new_cap = cap.saturating_mul(2).max(MIN_GROWN_CAPACITY);
    let size = new_cap
        .checked_mul(el.size())
        .and_then(|b| b.checked_add(4))
        .ok_or_else(|| RuntimeError::out_of_memory(rt.map().heap_size))?;
    rt.protect(a);
    rt.protect(v);
    let storage = rt.alloc(abi::KIND_STORAGE, size)?;
    // The collector does not move objects: the old storage, reachable from `a`, is intact.
    rt.mem.copy_within(data, storage + 4, el.size() * len)?;
    rt.mem.write_u32(a + DATA, storage + 4)?;
    rt.mem.write_u32(a + CAP, new_cap)?;
    Ok((storage + 4, len))
}

/// `a.push(v)`, `v` in the element representation; returns the new length.
pub fn push(rt: &mut Runtime, a: u32, v: u32) -> Result<u32, RuntimeError> {
    let el = Elements::of(&rt.mem, a)?;
    let (data, len) = reserve_one(rt, a, el, v)?;
    el.write(&mut rt.mem, data, len, v)?;
    rt.mem.write_u32(a + LEN, len + 1)?;
    Ok(len + 1)
}

/// `a.unshift(v)`, `v` in the element representation; returns the new length.
pub fn unshift(rt: &mut Runtime, a: u32, v: u32) -> Result<u32, RuntimeError> {
    let el = Elements::of(&rt.mem, a)?;
    let (data, len) = reserve_one(rt, a, el, v)?;
    rt.mem
        .copy_within(data, data + el.size(), el.size() * len)?;
    el.write(&mut rt.mem, data, 0, v)?;
    rt.mem.write_u32(a + LEN, len + 1)?;
    Ok(len + 1)
}

/// `a.pop()`: the last element word, or 0 when empty.
pub fn pop(rt: &mut Runtime, a: u32) -> Result<u32, RuntimeError> {
    let el = Elements::of(&rt.mem, a)?;
    let len = rt.mem.read_u32(a + LEN)?;
    if len == 0 {
        return Ok(0);
    }
    let data = rt.mem.read_u32(a + DATA)?;
    let v = el.read(&rt.mem, data, len - 1)?;
    el.write(&mut rt.mem, data, len - 1, 0)?;
    rt.mem.write_u32(a + LEN, len - 1)?;
    Ok(v)
}

/// `a.shift()`: the first element word, or 0 when empty.
pub fn shift(rt: &mut Runtime, a: u32) -> Result<u32, RuntimeError> {
    let el = Elements::of(&rt.mem, a)?;
    let len = rt.mem.read_u32(a + LEN)?;
    if len == 0 {
        return Ok(0);
    }
    let data = rt.mem.read_u32(a + DATA)?;
    let v = el.read(&rt.mem, data, 0)?;
    rt.mem
        .copy_within(data + el.size(), data, el.size() * (len - 1))?;
    el.write(&mut rt.mem, data, len - 1, 0)?;
    rt.mem.write_u32(a + LEN, len - 1)?;
    Ok(v)
}

/// Index `i` of array `a` as an unsigned index, or an index error.
fn index(mem: &Memory, a: u32, i: i32) -> Result<u32, RuntimeError> {
    let len = length(mem, a)?;
    match u32::try_from(i) {
        Ok(i) if i < len => Ok(i),
        _ => Err(RuntimeError::index_out_of_range(i, len as i32)),
    }
}

/// `v[i]` for an `any` holding an array (the element as an `any` word) or a string (a
/// one-byte string).
pub fn any_get(rt: &mut Runtime, v: u32, i: i32) -> Result<u32, RuntimeError> {
    match any::classify(&rt.mem, v) {
        Value::Array(a) => {
            let el = Elements::of(&rt.mem, a)?;
            let i = index(&rt.mem, a, i)?;
            let w = el.read(&rt.mem, rt.mem.read_u32(a + DATA)?, i)?;
            runtime_type::to_any(rt, w, el.ty)
        }
        Value::Str(s) => {
            let c = string::char_code_at(&rt.mem, s, i)? as u8;
            string::create(rt, &[c])
        }
        _ => Err(any::type_error(&rt.mem, b"array", v)),
    }
}

/// `v[i] = x` for an `any` holding an array; `x` is converted to the element type.
pub fn any_set(rt: &mut Runtime, v: u32, i: i32, x: u32) -> Result<(), RuntimeError> {
    let Value::Array(a) = any::classify(&rt.mem, v) else {
        return Err(any::type_error(&rt.mem, b"array", v));
    };
    let el = Elements::of(&rt.mem, a)?;
    let i = index(&rt.mem, a, i)?;
    let w = runtime_type::from_any(&rt.mem, x, el.ty)?;
    let data = rt.mem.read_u32(a + DATA)?;
    el.write(&mut rt.mem, data, i, w)
}

/// The array in `v` for a call of its growth method `method`: a type error unless `v` is an
/// array, a missing method unless the array can grow.
fn growable_array(mem: &Memory, v: u32, method: &[u8]) -> Result<u32, RuntimeError> {
    match any::classify(mem, v) {
        Value::Array(a) if growable(mem, a) => Ok(a),
        Value::Array(_) => Err(dispatch::no_method(mem, v, method)),
        _ => Err(any::type_error(mem, b"array", v)),
    }
}

/// `v.push(x)` (`insert` = [`push`]) or `v.unshift(x)` ([`unshift`]) on an `any` array: `x`
/// is converted to the element type; returns the new length.
fn any_insert(
    rt: &mut Runtime,
    v: u32,
    x: u32,
    method: &[u8],
    insert: fn(&mut Runtime, u32, u32) -> Result<u32, RuntimeError>,
) -> Result<u32, RuntimeError> {
    let a = growable_array(&rt.mem, v, method)?;
    let w = runtime_type::from_any(&rt.mem, x, Elements::of(&rt.mem, a)?.ty)?;
    insert(rt, a, w)
}

/// `v.pop()` (`remove` = [`pop`]) or `v.shift()` ([`shift`]) on an `any` array: the removed
/// element as an `any` word, `undefined` when the array is empty.
fn any_remove(
    rt: &mut Runtime,
    v: u32,
    method: &[u8],
    remove: fn(&mut Runtime, u32) -> Result<u32, RuntimeError>,
) -> Result<u32, RuntimeError> {
    let a = growable_array(&rt.mem, v, method)?;
    let ty = Elements::of(&rt.mem, a)?.ty;
    if length(&rt.mem, a)? == 0 {
        return Ok(abi::UNDEFINED);
    }
    let w = remove(rt, a)?;
    runtime_type::to_any(rt, w, ty)
}

/// `v.push(x)` on an `any` array; returns the new length.
pub fn any_push(rt: &mut Runtime, v: u32, x: u32) -> Result<u32, RuntimeError> {
    any_insert(rt, v, x, b"push", push)
}

/// `v.unshift(x)` on an `any` array; returns the new length.
pub fn any_unshift(rt: &mut Runtime, v: u32, x: u32) -> Result<u32, RuntimeError> {
    any_insert(rt, v, x, b"unshift", unshift)
}

/// `v.pop()` on an `any` array.
pub fn any_pop(rt: &mut Runtime, v: u32) -> Result<u32, RuntimeError> {
    any_remove(rt, v, b"pop", pop)
}

/// `v.shift()` on an `any` array.
pub fn any_shift(rt: &mut Runtime, v: u32) -> Result<u32, RuntimeError> {
    any_remove(rt, v, b"shift", shift)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::property;
    use crate::objects::statics::Statics;
    use crate::objects::string::tests::rt;

    fn int(v: i32) -> u32 {
        ((v as u32) << 1) | 1
    }

    fn elements(rt: &Runtime, a: u32) -> Vec<u32> {
        let n = length(&rt.mem, a).unwrap();
        let el = Elements::of(&rt.mem, a).unwrap();
        let data = rt.mem.read_u32(a + DATA).unwrap();
        (0..n).map(|i| el.read(&rt.mem, data, i).unwrap()).collect()
    }

    /// Descriptors of `Uint8Array` and `FixedArray`.
    fn fixed_descriptors(rt: &mut Runtime, st: &mut Statics) -> (u32, u32) {
        let u8s = st.array(rt, abi::ELEM_U8, b"Uint8Array", RuntimeType::INT);
        let any = RuntimeType::new(abi::TYPE_ANY, 0);
        let fixed = st.array(rt, abi::ELEM_ANY, b"FixedArray", any);
        (u8s, fixed)
    }

    #[test]
    fn push_pop_shift_unshift_grow() {
        let mut rt = rt();
        let d = Statics::new(&rt).int_array(&mut rt);
        let a = create(&mut rt, d, 2, 7).unwrap();
        assert_eq!(elements(&rt, a), [7, 7]);
        for v in 0..10 {
            push(&mut rt, a, v).unwrap();
        }
        assert_eq!(rt.mem.read_u32(a + CAP).unwrap(), 16);
        assert_eq!(unshift(&mut rt, a, 99).unwrap(), 13);
        assert_eq!(shift(&mut rt, a).unwrap(), 99);
        assert_eq!(pop(&mut rt, a).unwrap(), 9);
        assert_eq!(elements(&rt, a), [7, 7, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
        let e = create(&mut rt, d, 0, 0).unwrap();
        assert_eq!(
            (pop(&mut rt, e).unwrap(), shift(&mut rt, e).unwrap()),
            (0, 0)
        );
        let err = create(&mut rt, d, -1, 0).unwrap_err();
        assert_eq!(err.message_bytes(), b"invalid array length: -1");
    }

    #[test]
    fn any_access_converts_elements() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let di = st.int_array(&mut rt);
        let float = RuntimeType::new(abi::TYPE_FLOAT, 0);
        let df = st.array(&mut rt, abi::ELEM_F32, b"float[]", float);
        let ds = st.string_array(&mut rt);
        let bool_ty = RuntimeType::new(abi::TYPE_BOOL, 0);
        let db = st.array(&mut rt, abi::ELEM_I32, b"boolean[]", bool_ty);
        let ai = create(&mut rt, di, 3, 5).unwrap();
        let af = create(&mut rt, df, 1, 1.5f32.to_bits()).unwrap();
        let as_ = create(&mut rt, ds, 1, 0).unwrap();
        let ab = create(&mut rt, db, 1, 1).unwrap();
        assert_eq!(any_get(&mut rt, ai, 1).unwrap(), int(5));
        assert_eq!(any_get(&mut rt, af, 0).unwrap(), any::float_word(1.5));
        assert_eq!(any_get(&mut rt, ab, 0).unwrap(), abi::TRUE);
        assert_eq!(any_get(&mut rt, as_, 0).unwrap(), abi::UNDEFINED);
        let err = any_get(&mut rt, ai, 3).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"array index out of range: 3 (length 3)"
        );
        any_set(&mut rt, ai, 0, int(9)).unwrap();
        assert_eq!(elements(&rt, ai)[0], 9);
        any_set(&mut rt, ab, 0, abi::FALSE).unwrap();
        assert_eq!(elements(&rt, ab)[0], 0);
        any_set(&mut rt, af, 0, int(2)).unwrap();
        assert_eq!(elements(&rt, af)[0], 2f32.to_bits());
        let err = any_set(&mut rt, ai, 0, abi::TRUE).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"type error: expected integer, got boolean"
        );
        let err = any_set(&mut rt, ab, 0, int(1)).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"type error: expected boolean, got integer"
        );
        let err = any_set(&mut rt, as_, 0, ai).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"type error: expected string, got integer[]"
        );
        let s = string::create(&mut rt, b"hi").unwrap();
        any_set(&mut rt, as_, 0, s).unwrap();
        let err = any_set(&mut rt, as_, 0, abi::UNDEFINED).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"type error: expected string, got undefined"
        );
        assert_eq!(property::length(&mut rt, as_).unwrap(), int(1));
        assert_eq!(property::length(&mut rt, s).unwrap(), int(2));
        let c = any_get(&mut rt, s, 1).unwrap();
        assert_eq!(string::bytes(&rt.mem, c).unwrap(), b"i");
        let err = property::length(&mut rt, int(1)).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"no such property: `length` on integer"
        );
    }

    #[test]
    fn arrays_of_arrays_and_nullable_elements_check_by_type() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let di = st.int_array(&mut rt);
        let di_again = st.int_array(&mut rt);
        let ds = st.string_array(&mut rt);
        let nested = RuntimeType::new(abi::TYPE_ARRAY | abi::TYPE_NULLABLE, di);
        let dn = st.array(&mut rt, abi::ELEM_REF, b"integer[][]", nested);
        let outer = create(&mut rt, dn, 1, 0).unwrap();
        let inner = create(&mut rt, di_again, 0, 0).unwrap();
        let strings = create(&mut rt, ds, 0, 0).unwrap();
        any_set(&mut rt, outer, 0, inner).unwrap();
        any_set(&mut rt, outer, 0, abi::UNDEFINED).unwrap();
        let err = any_set(&mut rt, outer, 0, strings).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"type error: expected integer[], got string[]"
        );
        assert!(has_type(&rt.mem, inner, di) && !has_type(&rt.mem, strings, di));
    }

    #[test]
    fn byte_arrays_store_one_byte_per_element() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let (d, _) = fixed_descriptors(&mut rt, &mut st);
        let a = create(&mut rt, d, 5, 0x1ff).unwrap();
        // Header, descriptor, length, data, capacity, then five bytes (rounded to 28).
        assert_eq!(crate::heap::header_size(rt.mem.read_u32(a).unwrap()), 28);
        assert_eq!(elements(&rt, a), [255; 5]);
        assert_eq!(any_get(&mut rt, a, 4).unwrap(), int(255));
        any_set(&mut rt, a, 1, int(256 + 7)).unwrap();
        any_set(&mut rt, a, 2, int(-1)).unwrap();
        assert_eq!(elements(&rt, a), [255, 7, 255, 255, 255]);
        assert_eq!(rt.mem.read_u8(a + ARRAY_INLINE + 1), Ok(7));
        let err = any_set(&mut rt, a, 0, any::float_word(1.0)).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"type error: expected integer, got float"
        );
        let err = any_get(&mut rt, a, 5).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"array index out of range: 5 (length 5)"
        );
        assert_eq!(property::length(&mut rt, a).unwrap(), int(5));
        let e = create(&mut rt, d, 0, 0).unwrap();
        assert_eq!(property::length(&mut rt, e).unwrap(), int(0));
    }

    #[test]
    fn any_growth_methods_convert_and_fixed_arrays_refuse() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let di = st.int_array(&mut rt);
        let (du, dfix) = fixed_descriptors(&mut rt, &mut st);
        let a = create(&mut rt, di, 0, 0).unwrap();
        assert_eq!(any_push(&mut rt, a, int(1)).unwrap(), 1);
        assert_eq!(any_push(&mut rt, a, int(2)).unwrap(), 2);
        assert_eq!(any_unshift(&mut rt, a, int(-5)).unwrap(), 3);
        assert_eq!(elements(&rt, a), [-5i32 as u32, 1, 2]);
        let big = any::from_int(&mut rt, i32::MIN).unwrap();
        any_push(&mut rt, a, big).unwrap();
        let popped = any_pop(&mut rt, a).unwrap();
        assert_eq!(any::classify(&rt.mem, popped), Value::Int(i32::MIN));
        assert_eq!(any_shift(&mut rt, a).unwrap(), int(-5));
        assert_eq!(any_pop(&mut rt, a).unwrap(), int(2));
        assert_eq!(any_pop(&mut rt, a).unwrap(), int(1));
        assert_eq!(any_pop(&mut rt, a).unwrap(), abi::UNDEFINED);
        assert_eq!(any_shift(&mut rt, a).unwrap(), abi::UNDEFINED);
        let err = any_push(&mut rt, a, abi::TRUE).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"type error: expected integer, got boolean"
        );
        assert_eq!(length(&rt.mem, a).unwrap(), 0);
        let u = create(&mut rt, du, 2, 0).unwrap();
        let fixed = create(&mut rt, dfix, 2, 0).unwrap();
        let errors = [
            any_push(&mut rt, u, int(1)).unwrap_err(),
            any_pop(&mut rt, fixed).unwrap_err(),
            any_shift(&mut rt, u).unwrap_err(),
            any_unshift(&mut rt, fixed, int(1)).unwrap_err(),
        ];
        let messages: [&[u8]; 4] = [
            b"no such method: `push` on <class Uint8Array>",
            b"no such method: `pop` on <class FixedArray>",
            b"no such method: `shift` on <class Uint8Array>",
            b"no such method: `unshift` on <class FixedArray>",
        ];
        for (e, m) in errors.iter().zip(messages) {
            assert_eq!(
                (e.kind, e.message_bytes()),
                (abi::ErrorKind::NoSuchProperty, m)
            );
        }
        assert_eq!(length(&rt.mem, u).unwrap(), 2);
        let s = string::create(&mut rt, b"s").unwrap();
        let err = any_pop(&mut rt, s).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"type error: expected array, got string"
        );
    }

    #[test]
    fn arrays_convert_to_and_from_any_arrays_by_copying() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let ints = st.int_array(&mut rt);
        let anys = st.array(
            &mut rt,
            abi::ELEM_ANY,
            b"any[]",
            RuntimeType::new(abi::TYPE_ANY, 0),
        );
        let a = create(&mut rt, ints, 2, 7).unwrap();
        let copy = convert(&mut rt, a, anys).unwrap().unwrap();
        assert_ne!(copy, a, "a new array");
        assert_eq!(any_get(&mut rt, copy, 1).unwrap(), int(7));
        let back = convert(&mut rt, copy, ints).unwrap().unwrap();
        assert_eq!(any_get(&mut rt, back, 0).unwrap(), int(7));
        let s = string::create(&mut rt, b"x").unwrap();
        any_set(&mut rt, copy, 0, s).unwrap();
        let err = convert(&mut rt, copy, ints).unwrap().unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"type error: expected integer, got string"
        );
        let bytes = st.array(&mut rt, abi::ELEM_U8, b"Uint8Array", RuntimeType::INT);
        assert!(
            convert(&mut rt, a, bytes).is_none(),
            "only T[] and any[] convert"
        );
    }
}
