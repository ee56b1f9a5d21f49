//! Class instances: a header, the class descriptor address, then one word per field.

use crate::abi;
use crate::error::RuntimeError;
use crate::memory::Memory;
use crate::objects::any::{self, Value};
use crate::objects::class;
use crate::runtime::Runtime;

/// A new instance of class `desc` with every field zero.
pub fn create(rt: &mut Runtime, desc: u32) -> Result<u32, RuntimeError> {
    let count = rt
        .mem
        .read_u32(desc.wrapping_add_signed(abi::CLASS_FIELD_COUNT))?;
    let size = count
        .checked_mul(4)
        .and_then(|b| b.checked_add(abi::INSTANCE_FIELDS as u32))
        .ok_or_else(|| RuntimeError::out_of_memory(rt.map().heap_size))?;
    let o = rt.alloc(abi::KIND_INSTANCE, size)?;
    rt.mem.write_u32(o + abi::INSTANCE_CLASS as u32, desc)?;
    Ok(o)
}

/// The class descriptor of instance `o`.
pub fn class(mem: &Memory, o: u32) -> Result<u32, RuntimeError> {
    Ok(mem.read_u32(o + abi::INSTANCE_CLASS as u32)?)
}

/// The class name of instance `o`.
pub fn class_name(mem: &Memory, o: u32) -> Option<&[u8]> {
    class::name(mem, class(mem, o).ok()?)
}

/// The address of field `index` of instance `o`.
pub fn field_addr(o: u32, index: u32) -> u32 {
    o + abi::INSTANCE_FIELDS as u32 + 4 * index
}

/// Whether `any` word `w` is an instance of class `desc` or of a subclass.
pub fn instance_of(mem: &Memory, w: u32, desc: u32) -> bool {
    match any::classify(mem, w) {
        Value::Instance(o) => class(mem, o).is_ok_and(|c| class::is_subclass(mem, c, desc)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::runtime_type::RuntimeType;
    use crate::objects::statics::Statics;
    use crate::objects::string::tests::rt;

    #[test]
    fn instances_have_zeroed_fields_and_know_their_class() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let int = RuntimeType::INT;
        let shape = st.class(&mut rt, b"Shape", 0, &[(b"x", int)], &[]);
        let square = st.class(&mut rt, b"Square", shape, &[(b"x", int), (b"s", int)], &[]);
        let other = st.class(&mut rt, b"Other", 0, &[], &[]);
        let o = create(&mut rt, square).unwrap();
        let mem = &rt.mem;
        assert_eq!(any::object_kind(mem, o), Some(abi::KIND_INSTANCE));
        assert_eq!(crate::heap::header_size(mem.read_u32(o).unwrap()), 16);
        assert_eq!(mem.read_u32(field_addr(o, 1)), Ok(0));
        assert_eq!(class_name(mem, o), Some(&b"Square"[..]));
        assert!(instance_of(mem, o, square) && instance_of(mem, o, shape));
        assert!(!instance_of(mem, o, other));
        assert!(!instance_of(mem, abi::UNDEFINED, shape));
        assert!(!instance_of(mem, 7, shape));
        let empty = create(&mut rt, other).unwrap();
        assert_eq!(class(&rt.mem, empty).unwrap(), other);
    }
}
