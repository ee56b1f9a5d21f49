//! Strings: immutable byte strings in the heap (or static ones in the data region).

use core::cmp::Ordering;

use crate::abi;
use crate::error::RuntimeError;
use crate::memory::Memory;
use crate::objects::any;
use crate::runtime::Runtime;

const LEN: u32 = abi::STRING_LEN as u32;
const BYTES: u32 = abi::STRING_BYTES as u32;

/// The length of string `s`, or a type error if `s` is not a string.
pub fn len(mem: &Memory, s: u32) -> Result<u32, RuntimeError> {
    if any::object_kind(mem, s) != Some(abi::KIND_STRING) {
        return Err(any::type_error(mem, b"string", s));
    }
    Ok(mem.read_u32(s + LEN)?)
}

/// The bytes of string `s`, or a type error if `s` is not a string.
pub fn bytes(mem: &Memory, s: u32) -> Result<&[u8], RuntimeError> {
    let n = len(mem, s)?;
    Ok(mem.bytes(s + BYTES, n)?)
}

/// A new string of `n` zero bytes; returns its address.
fn alloc(rt: &mut Runtime, n: u32) -> Result<u32, RuntimeError> {
    let size = n
        .checked_add(BYTES)
        .ok_or_else(|| RuntimeError::out_of_memory(rt.map().heap_size))?;
    let s = rt.alloc(abi::KIND_STRING, size)?;
    rt.mem.write_u32(s + LEN, n)?;
    Ok(s)
}

/// A new string holding `text` (which must not live in the arena).
pub fn create(rt: &mut Runtime, text: &[u8]) -> Result<u32, RuntimeError> {
    let s = alloc(rt, text.len() as u32)?;
    rt.mem.write_bytes(s + BYTES, text)?;
    Ok(s)
}

/// A new string: `a` followed by `b`. Both are protected from collection meanwhile.
pub fn concat(rt: &mut Runtime, a: u32, b: u32) -> Result<u32, RuntimeError> {
    let (la, lb) = (len(&rt.mem, a)?, len(&rt.mem, b)?);
    if lb == 0 {
        return Ok(a);
    }
    if la == 0 {
        return Ok(b);
    }
    rt.protect(a);
    rt.protect(b);
    let total = la
        .checked_add(lb)
        .ok_or_else(|| RuntimeError::out_of_memory(rt.map().heap_size))?;
    let s = alloc(rt, total)?;
    rt.mem.copy_within(a + BYTES, s + BYTES, la)?;
    rt.mem.copy_within(b + BYTES, s + BYTES + la, lb)?;
    Ok(s)
}

/// Byte-wise comparison.
pub fn compare(mem: &Memory, a: u32, b: u32) -> Result<Ordering, RuntimeError> {
    Ok(bytes(mem, a)?.cmp(bytes(mem, b)?))
}

/// Equality by content.
pub fn equal(mem: &Memory, a: u32, b: u32) -> Result<bool, RuntimeError> {
    Ok(a == b || bytes(mem, a)? == bytes(mem, b)?)
}

/// `s.startsWith(t)`.
pub fn starts_with(mem: &Memory, s: u32, t: u32) -> Result<bool, RuntimeError> {
    Ok(bytes(mem, s)?.starts_with(bytes(mem, t)?))
}

/// `s.endsWith(t)`.
pub fn ends_with(mem: &Memory, s: u32, t: u32) -> Result<bool, RuntimeError> {
    Ok(bytes(mem, s)?.ends_with(bytes(mem, t)?))
}

/// `s.indexOf(t)`: the first position of `t` in `s`, or -1.
pub fn index_of(mem: &Memory, s: u32, t: u32) -> Result<i32, RuntimeError> {
    let (hay, needle) = (bytes(mem, s)?, bytes(mem, t)?);
    if needle.is_empty() {
        return Ok(0);
    }
    Ok(hay
        .windows(needle.len())
        .position(|w| w == needle)
        .map_or(-1, |p| p as i32))
}

/// `s.charCodeAt(i)`: the byte at `i`, or an index error.
pub fn char_code_at(mem: &Memory, s: u32, i: i32) -> Result<i32, RuntimeError> {
    let b = bytes(mem, s)?;
    usize::try_from(i)
        .ok()
        .and_then(|i| b.get(i))
        .map(|&c| c as i32)
        .ok_or_else(|| RuntimeError::index_out_of_range(i, b.len() as i32))
}

/// `s.substring(start, end)`: both are clamped to `0..=len` and swapped if reversed.
pub fn substring(rt: &mut Runtime, s: u32, start: i32, end: i32) -> Result<u32, RuntimeError> {
    let n = len(&rt.mem, s)?;
    let clamp = |v: i32| (v.max(0) as u32).min(n);
    let (mut a, mut b) = (clamp(start), clamp(end));
    if a > b {
        core::mem::swap(&mut a, &mut b);
    }
    if a == 0 && b == n {
        return Ok(s);
    }
    rt.protect(s);
    let r = alloc(rt, b - a)?;
    rt.mem.copy_within(s + BYTES + a, r + BYTES, b - a)?;
    Ok(r)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::memory::tests::{small_map, test_memory};

    pub(crate) fn rt() -> Runtime {
        Runtime::new(test_memory(small_map(4096))).unwrap()
    }

    #[test]
    fn concat_and_compare() {
        let mut rt = rt();
        let a = create(&mut rt, b"blue").unwrap();
        let b = create(&mut rt, b"script").unwrap();
        let c = concat(&mut rt, a, b).unwrap();
        assert_eq!(bytes(&rt.mem, c).unwrap(), b"bluescript");
        let e = create(&mut rt, b"").unwrap();
        assert_eq!(concat(&mut rt, a, e).unwrap(), a);
        assert_eq!(compare(&rt.mem, a, b).unwrap(), Ordering::Less);
        assert_eq!(compare(&rt.mem, c, a).unwrap(), Ordering::Greater);
        let a2 = create(&mut rt, b"blue").unwrap();
        assert!(equal(&rt.mem, a, a2).unwrap());
        assert!(!equal(&rt.mem, a, c).unwrap());
    }

    #[test]
    fn searching() {
        let mut rt = rt();
        let s = create(&mut rt, b"hello world").unwrap();
        let w = create(&mut rt, b"world").unwrap();
        let h = create(&mut rt, b"hello").unwrap();
        let e = create(&mut rt, b"").unwrap();
        assert!(starts_with(&rt.mem, s, h).unwrap());
        assert!(!starts_with(&rt.mem, s, w).unwrap());
        assert!(ends_with(&rt.mem, s, w).unwrap());
        assert_eq!(index_of(&rt.mem, s, w).unwrap(), 6);
        assert_eq!(index_of(&rt.mem, h, s).unwrap(), -1);
        assert_eq!(index_of(&rt.mem, s, e).unwrap(), 0);
        assert_eq!(char_code_at(&rt.mem, s, 1).unwrap(), b'e' as i32);
        let err = char_code_at(&rt.mem, s, 11).unwrap_err();
        assert_eq!(
            err.message_bytes(),
            b"array index out of range: 11 (length 11)"
        );
    }

    #[test]
    fn substring_clamps_and_swaps() {
        let mut rt = rt();
        let s = create(&mut rt, b"abcdef").unwrap();
        for (a, b, want) in [
            (1, 3, &b"bc"[..]),
            (3, 1, b"bc"),
            (-5, 2, b"ab"),
            (4, 100, b"ef"),
            (2, 2, b""),
        ] {
            let r = substring(&mut rt, s, a, b).unwrap();
            assert_eq!(bytes(&rt.mem, r).unwrap(), want, "{a} {b}");
        }
        assert_eq!(substring(&mut rt, s, 0, 6).unwrap(), s);
    }

    #[test]
    fn non_strings_are_type_errors() {
        let rt = rt();
        let e = bytes(&rt.mem, abi::UNDEFINED).unwrap_err();
        assert_eq!(
            e.message_bytes(),
            b"type error: expected string, got undefined"
        );
    }
}
