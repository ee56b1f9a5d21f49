//! Arrays: a header, the descriptor address, the length, the element storage address and the
//! capacity, followed by the initial elements inline. Growing moves the elements into a
//! separate [`abi::KIND_STORAGE`] object (a header followed by the elements) with double the
//! capacity.

use crate::abi;
use crate::error::RuntimeError;
use crate::memory::Memory;
use crate::objects::any::{self, Value};
use crate::objects::string;
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

/// A new array with descriptor `desc`, `len` elements, each set to `init`.
pub fn create(rt: &mut Runtime, desc: u32, len: i32, init: u32) -> Result<u32, RuntimeError> {
    rt.mem.read_u32(desc)?;
    let n = u32::try_from(len).map_err(|_| {
        RuntimeError::new(
            abi::ErrorKind::IndexOutOfRange,
            format_args!("invalid array length: {len}"),
        )
    })?;
    let size = n
        .checked_mul(4)
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
            rt.mem.write_u32(a + ARRAY_INLINE + 4 * i, init)?;
        }
    }
    Ok(a)
}

/// Makes room for one more element, moving the elements to a larger storage object if full.
/// Returns the (possibly new) element storage address and the length.
fn reserve_one(rt: &mut Runtime, a: u32, v: u32) -> Result<(u32, u32), RuntimeError> {
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
        .checked_mul(4)
        .and_then(|b| b.checked_add(4))
        .ok_or_else(|| RuntimeError::out_of_memory(rt.map().heap_size))?;
    rt.protect(a);
    rt.protect(v);
    let storage = rt.alloc(abi::KIND_STORAGE, size)?;
    // The collector does not move objects: the old storage, reachable from `a`, is intact.
    rt.mem.copy_within(data, storage + 4, 4 * len)?;
    rt.mem.write_u32(a + DATA, storage + 4)?;
    rt.mem.write_u32(a + CAP, new_cap)?;
    Ok((storage + 4, len))
}

/// `a.push(v)`; returns the new length.
pub fn push(rt: &mut Runtime, a: u32, v: u32) -> Result<u32, RuntimeError> {
    check(&rt.mem, a)?;
    let (data, len) = reserve_one(rt, a, v)?;
    rt.mem.write_u32(data + 4 * len, v)?;
    rt.mem.write_u32(a + LEN, len + 1)?;
    Ok(len + 1)
}

/// `a.unshift(v)`; returns the new length.
pub fn unshift(rt: &mut Runtime, a: u32, v: u32) -> Result<u32, RuntimeError> {
    check(&rt.mem, a)?;
    let (data, len) = reserve_one(rt, a, v)?;
    rt.mem.copy_within(data, data + 4, 4 * len)?;
    rt.mem.write_u32(data, v)?;
    rt.mem.write_u32(a + LEN, len + 1)?;
    Ok(len + 1)
}

/// `a.pop()`: the last element word, or 0 when empty.
pub fn pop(rt: &mut Runtime, a: u32) -> Result<u32, RuntimeError> {
    let len = length(&rt.mem, a)?;
    if len == 0 {
        return Ok(0);
    }
    let slot = rt.mem.read_u32(a + DATA)? + 4 * (len - 1);
    let v = rt.mem.read_u32(slot)?;
    rt.mem.write_u32(slot, 0)?;
    rt.mem.write_u32(a + LEN, len - 1)?;
    Ok(v)
}

/// `a.shift()`: the first element word, or 0 when empty.
pub fn shift(rt: &mut Runtime, a: u32) -> Result<u32, RuntimeError> {
    let len = length(&rt.mem, a)?;
    if len == 0 {
        return Ok(0);
    }
    let data = rt.mem.read_u32(a + DATA)?;
    let v = rt.mem.read_u32(data)?;
    rt.mem.copy_within(data + 4, data, 4 * (len - 1))?;
    rt.mem.write_u32(data + 4 * (len - 1), 0)?;
    rt.mem.write_u32(a + LEN, len - 1)?;
    Ok(v)
}

/// The address of element `i` of `a`, or an index error.
fn element(mem: &Memory, a: u32, i: i32) -> Result<u32, RuntimeError> {
    let len = length(mem, a)?;
    match u32::try_from(i) {
        Ok(i) if i < len => Ok(mem.read_u32(a + DATA)? + 4 * i),
        _ => Err(RuntimeError::index_out_of_range(i, len as i32)),
    }
}

/// The element kind (`ELEM_*`) of `a`, and whether its elements are booleans.
fn element_kind(mem: &Memory, a: u32) -> Result<(u32, bool), RuntimeError> {
    let desc = mem.read_u32(a + DESC)?;
    let kind = mem.read_u32(desc)?;
    let boolean = type_name(mem, a).is_some_and(|n| n.starts_with(b"boolean"));
    Ok((kind, boolean))
}

/// `v[i]` for an `any` holding an array (the element as an `any` word) or a string (a
/// one-byte string).
pub fn any_get(rt: &mut Runtime, v: u32, i: i32) -> Result<u32, RuntimeError> {
    match any::classify(&rt.mem, v) {
        Value::Array(a) => {
            let w = rt.mem.read_u32(element(&rt.mem, a, i)?)?;
            match element_kind(&rt.mem, a)? {
                (abi::ELEM_I32, true) => Ok(any::from_bool(w != 0)),
                (abi::ELEM_I32, false) => any::from_int(rt, w as i32),
                (abi::ELEM_F32, _) => Ok(any::from_float(f32::from_bits(w))),
                _ => Ok(w),
            }
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
    let slot = element(&rt.mem, a, i)?;
    let mem = &rt.mem;
    let word = match element_kind(mem, a)? {
        (abi::ELEM_I32, true) => any::to_bool(mem, x)?,
        (abi::ELEM_I32, false) => any::to_int(mem, x)? as u32,
        (abi::ELEM_F32, _) => any::to_float(mem, x)?.to_bits(),
        (abi::ELEM_REF, _) => check_reference(mem, a, x)?,
        _ => x,
    };
    rt.mem.write_u32(slot, word)?;
    Ok(())
}

/// Checks that `x` may be stored in the reference array `a`: `undefined`, a string for
/// `string[]`, an array or other object otherwise.
fn check_reference(mem: &Memory, a: u32, x: u32) -> Result<u32, RuntimeError> {
    let name = type_name(mem, a).unwrap_or(b"object[]");
    let elem = name.strip_suffix(b"[]").unwrap_or(name);
    let ok = match any::classify(mem, x) {
        Value::Undefined => true,
        Value::Str(_) => elem == b"string" || elem == b"object",
        Value::Array(b) => type_name(mem, b) == Some(elem) || elem == b"object",
        Value::Other(_) => elem != b"string",
        _ => false,
    };
    if ok {
        Ok(x)
    } else {
        Err(any::type_error(mem, elem, x))
    }
}

/// `v.length` for an `any` holding an array or a string.
pub fn any_length(mem: &Memory, v: u32) -> Result<u32, RuntimeError> {
    match any::classify(mem, v) {
        Value::Array(a) => length(mem, a),
        Value::Str(s) => string::len(mem, s),
        _ => Err(any::type_error(mem, b"array", v)),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::objects::string::tests::rt;

    /// Writes a static string and a descriptor for it into the data region; returns the
    /// descriptor address.
    pub(crate) fn descriptor(rt: &mut Runtime, at: u32, elem: u32, name: &[u8]) -> u32 {
        let s = at + 8;
        rt.mem.write_u32(at, elem).unwrap();
        rt.mem.write_u32(at + 4, s).unwrap();
        rt.mem.write_u32(s, abi::STATIC_STRING_HEADER).unwrap();
        rt.mem.write_u32(s + 4, name.len() as u32).unwrap();
        rt.mem.write_bytes(s + 8, name).unwrap();
        at
    }

    fn elements(rt: &Runtime, a: u32) -> Vec<u32> {
        let n = length(&rt.mem, a).unwrap();
        let data = rt.mem.read_u32(a + DATA).unwrap();
        (0..n)
            .map(|i| rt.mem.read_u32(data + 4 * i).unwrap())
            .collect()
    }

    #[test]
    fn push_pop_shift_unshift_grow() {
        let mut rt = rt();
        let base = rt.map().data_base;
        let d = descriptor(&mut rt, base, abi::ELEM_I32, b"integer[]");
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
        let base = rt.map().data_base;
        let di = descriptor(&mut rt, base, abi::ELEM_I32, b"integer[]");
        let df = descriptor(&mut rt, base + 64, abi::ELEM_F32, b"float[]");
        let ds = descriptor(&mut rt, base + 128, abi::ELEM_REF, b"string[]");
        let ai = create(&mut rt, di, 3, 5).unwrap();
        let af = create(&mut rt, df, 1, 1.5f32.to_bits()).unwrap();
        let as_ = create(&mut rt, ds, 1, 0).unwrap();
        assert_eq!(any_get(&mut rt, ai, 1).unwrap(), 5 << 1 | 1);
        assert_eq!(any_get(&mut rt, af, 0).unwrap(), any::from_float(1.5));
        let err = any_get(&mut rt, ai, 3).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"array index out of range: 3 (length 3)"
        );
        any_set(&mut rt, ai, 0, 9 << 1 | 1).unwrap();
        assert_eq!(elements(&rt, ai)[0], 9);
        let err = any_set(&mut rt, ai, 0, abi::TRUE).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"type error: expected integer, got boolean"
        );
        let err = any_set(&mut rt, as_, 0, ai).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"type error: expected string, got integer[]"
        );
        let s = string::create(&mut rt, b"hi").unwrap();
        any_set(&mut rt, as_, 0, s).unwrap();
        assert_eq!(any_length(&rt.mem, as_).unwrap(), 1);
        assert_eq!(any_length(&rt.mem, s).unwrap(), 2);
        let c = any_get(&mut rt, s, 1).unwrap();
        assert_eq!(string::bytes(&rt.mem, c).unwrap(), b"i");
    }
}
