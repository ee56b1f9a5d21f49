//! Closures (function values): a header, the function descriptor address, then one word per
//! captured value; and the function descriptors they point at (static, placed by the host).

use crate::abi;
use crate::error::RuntimeError;
use crate::memory::Memory;
use crate::objects::string;
use crate::runtime::Runtime;

/// The word at byte offset `off` of function descriptor `desc`.
fn word(mem: &Memory, desc: u32, off: i32) -> Option<u32> {
    mem.read_u32(desc.wrapping_add_signed(off)).ok()
}

/// A new closure of function descriptor `desc` with every capture zero.
pub fn create(rt: &mut Runtime, desc: u32) -> Result<u32, RuntimeError> {
    let count = rt
        .mem
        .read_u32(desc.wrapping_add_signed(abi::FUNC_CAPTURE_COUNT))?;
    let size = count
        .checked_mul(4)
        .and_then(|b| b.checked_add(abi::CLOSURE_CAPTURES as u32))
        .ok_or_else(|| RuntimeError::out_of_memory(rt.map().heap_size))?;
    let c = rt.alloc(abi::KIND_CLOSURE, size)?;
    rt.mem.write_u32(c + abi::CLOSURE_FUNCTION as u32, desc)?;
    Ok(c)
}

/// The function descriptor of closure `c`.
pub fn function(mem: &Memory, c: u32) -> Option<u32> {
    mem.read_u32(c + abi::CLOSURE_FUNCTION as u32).ok()
}

/// The function type's name of closure `c` (`(integer) => float`).
pub fn type_name(mem: &Memory, c: u32) -> Option<&[u8]> {
    let name = word(mem, function(mem, c)?, abi::FUNC_TYPE_NAME)?;
    string::bytes(mem, name).ok()
}

/// The number of parameters and the `any` adapter's slot of closure `c`.
pub fn arity_and_adapter(mem: &Memory, c: u32) -> Option<(u32, u32)> {
    let desc = function(mem, c)?;
    Some((
        word(mem, desc, abi::FUNC_ARITY)?,
        word(mem, desc, abi::FUNC_ADAPTER)?,
    ))
}

/// The number of captured words of function descriptor `desc` (0 if it is unreadable).
pub fn capture_count(mem: &Memory, desc: u32) -> u32 {
    word(mem, desc, abi::FUNC_CAPTURE_COUNT).unwrap_or(0)
}

/// Whether capture `i` of function descriptor `desc` is traced.
pub fn capture_traced(mem: &Memory, desc: u32, i: u32) -> bool {
    let off = abi::FUNC_CAPTURE_TRACED.wrapping_add_unsigned(4 * i);
    word(mem, desc, off).is_some_and(|t| t != 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::any;
    use crate::objects::statics::Statics;
    use crate::objects::string::tests::rt;

    #[test]
    fn closures_read_their_descriptor() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let d = st.function(&mut rt, b"(any) => any", 1, 5, 6, &[true, false]);
        let c = create(&mut rt, d).unwrap();
        let mem = &rt.mem;
        assert_eq!(any::object_kind(mem, c), Some(abi::KIND_CLOSURE));
        assert_eq!(crate::heap::header_size(mem.read_u32(c).unwrap()), 16);
        assert_eq!(mem.read_u32(c + abi::CLOSURE_CAPTURES as u32), Ok(0));
        assert_eq!(function(mem, c), Some(d));
        assert_eq!(type_name(mem, c), Some(&b"(any) => any"[..]));
        assert_eq!(arity_and_adapter(mem, c), Some((1, 6)));
        assert_eq!(capture_count(mem, d), 2);
        assert!(capture_traced(mem, d, 0) && !capture_traced(mem, d, 1));
        let s = st.static_closure(&mut rt, d);
        assert_eq!(any::object_kind(&rt.mem, s), Some(abi::KIND_CLOSURE));
        assert_eq!(type_name(&rt.mem, s), Some(&b"(any) => any"[..]));
    }
}
