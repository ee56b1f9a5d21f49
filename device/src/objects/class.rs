//! Class descriptors (static, placed by the host): the class name, the superclass chain, and
//! lookups in the field and method tables.

use crate::abi;
use crate::memory::Memory;
use crate::objects::runtime_type::RuntimeType;
use crate::objects::string;

/// The longest superclass chain followed; a longer one (a corrupt descriptor) ends the walk.
const MAX_DEPTH: u32 = 1024;

/// An instance field found by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Its index among the instance's fields.
    pub index: u32,
    /// Its run-time type.
    pub ty: RuntimeType,
}

/// A method table entry found by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Method {
    /// The number of arguments (without `this`).
    pub arity: u32,
    /// The function-table slot of its `any` adapter.
    pub adapter: u32,
}

/// The word at byte offset `off` of descriptor `desc`.
fn word(mem: &Memory, desc: u32, off: i32) -> Option<u32> {
    mem.read_u32(desc.wrapping_add_signed(off)).ok()
}

/// The class name of descriptor `desc`.
pub fn name(mem: &Memory, desc: u32) -> Option<&[u8]> {
    string::bytes(mem, word(mem, desc, abi::CLASS_NAME)?).ok()
}

/// Whether class `desc` is `ancestor` or one of its subclasses.
pub fn is_subclass(mem: &Memory, desc: u32, ancestor: u32) -> bool {
    let mut c = desc;
    for _ in 0..MAX_DEPTH {
        if c == 0 {
            return false;
        }
        if c == ancestor {
            return true;
        }
        match word(mem, c, abi::CLASS_SUPER) {
            Some(s) => c = s,
            None => return false,
        }
    }
    false
}

/// The number of instance fields of class `desc` (0 if the descriptor is unreadable).
pub fn field_count(mem: &Memory, desc: u32) -> u32 {
    word(mem, desc, abi::CLASS_FIELD_COUNT).unwrap_or(0)
}

/// The address of field table entry `i` of class `desc`.
fn field_entry(mem: &Memory, desc: u32, i: u32) -> Option<u32> {
    Some(word(mem, desc, abi::CLASS_FIELDS)? + abi::FIELD_ENTRY_SIZE * i)
}

/// The run-time type of field `i` of class `desc`.
pub fn field_type(mem: &Memory, desc: u32, i: u32) -> Option<RuntimeType> {
    RuntimeType::read(mem, field_entry(mem, desc, i)? + 4).ok()
}

/// Whether the static string at `s` holds `name`.
fn named(mem: &Memory, s: Option<u32>, name: &[u8]) -> bool {
    s.is_some_and(|s| string::bytes(mem, s).ok() == Some(name))
}

/// The field of class `desc` called `name`.
pub fn field(mem: &Memory, desc: u32, name: &[u8]) -> Option<Field> {
    (0..field_count(mem, desc)).find_map(|index| {
        let entry = field_entry(mem, desc, index)?;
        let ty = RuntimeType::read(mem, entry + 4).ok()?;
        named(mem, mem.read_u32(entry).ok(), name).then_some(Field { index, ty })
    })
}

/// The method of class `desc` called `name` (inherited methods included: the table holds
/// them, with overrides in place).
pub fn method(mem: &Memory, desc: u32, name: &[u8]) -> Option<Method> {
    let count = word(mem, desc, abi::CLASS_METHOD_COUNT)?;
    (0..count).find_map(|i| {
        let entry = desc.wrapping_add_signed(abi::CLASS_METHODS) + abi::METHOD_ENTRY_SIZE * i;
        let entry_word = |off: i32| word(mem, entry, off);
        named(mem, entry_word(0), name).then_some(Method {
            arity: entry_word(4)?,
            adapter: entry_word(abi::METHOD_ADAPTER)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::statics::Statics;
    use crate::objects::string::tests::rt;

    #[test]
    fn lookups_by_name_and_superclass_chains() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let float = RuntimeType::new(abi::TYPE_FLOAT, 0);
        let base = st.class(
            &mut rt,
            b"Base",
            0,
            &[(b"x", RuntimeType::INT)],
            &[(b"area", 0, 10, 11)],
        );
        let derived = st.class(
            &mut rt,
            b"Derived",
            base,
            &[(b"x", RuntimeType::INT), (b"y", float)],
            &[(b"area", 0, 12, 13), (b"scale", 2, 14, 15)],
        );
        let mem = &rt.mem;
        assert_eq!(name(mem, derived), Some(&b"Derived"[..]));
        assert!(is_subclass(mem, derived, base));
        assert!(is_subclass(mem, derived, derived));
        assert!(!is_subclass(mem, base, derived));
        assert!(!is_subclass(mem, 0, 0));
        assert_eq!(field_count(mem, derived), 2);
        assert_eq!(
            field(mem, derived, b"y"),
            Some(Field {
                index: 1,
                ty: float
            })
        );
        assert_eq!(field(mem, base, b"y"), None);
        assert_eq!(field_type(mem, derived, 0), Some(RuntimeType::INT));
        let m = |arity, adapter| Some(Method { arity, adapter });
        assert_eq!(method(mem, derived, b"area"), m(0, 13));
        assert_eq!(method(mem, derived, b"scale"), m(2, 15));
        assert_eq!(method(mem, base, b"area"), m(0, 11));
        assert_eq!(method(mem, base, b"scale"), None);
    }

    #[test]
    fn a_cyclic_superclass_chain_ends() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let a = st.class(&mut rt, b"A", 0, &[], &[]);
        let b = st.class(&mut rt, b"B", a, &[], &[]);
        rt.mem.write_u32(a, b).unwrap();
        assert!(!is_subclass(&rt.mem, a, 0x2000_0004));
    }
}
