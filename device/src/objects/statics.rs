//! Test helpers: static objects written into the data region as the host's linker lays them
//! out (strings, array, class and function descriptors, static closures).

use crate::abi;
use crate::objects::runtime_type::RuntimeType;
use crate::runtime::Runtime;

/// A method table entry: name, arity, typed slot, adapter slot.
pub(crate) type Method<'a> = (&'a [u8], u32, u32, u32);

/// Places static objects one after the other in the first 2 KiB of the data region (tests
/// keep their globals above that).
pub(crate) struct Statics {
    next: u32,
    end: u32,
}

impl Statics {
    /// Starts at the beginning of `rt`'s data region.
    pub(crate) fn new(rt: &Runtime) -> Statics {
        let base = rt.map().data_base;
        Statics {
            next: base,
            end: base + 0x800,
        }
    }

    /// Writes `words` at the next free address; returns that address.
    fn words(&mut self, rt: &mut Runtime, words: &[u32]) -> u32 {
        let at = self.next;
        assert!(at + 4 * words.len() as u32 <= self.end, "statics overflow");
        for (i, w) in words.iter().enumerate() {
            rt.mem.write_u32(at + 4 * i as u32, *w).unwrap();
        }
        self.next += 4 * words.len() as u32;
        at
    }

    /// A static string.
    pub(crate) fn string(&mut self, rt: &mut Runtime, s: &[u8]) -> u32 {
        let mut words = vec![abi::STATIC_STRING_HEADER, s.len() as u32];
        words.extend(s.chunks(4).map(|c| {
            let mut b = [0u8; 4];
            b[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(b)
        }));
        self.words(rt, &words)
    }

    /// An array descriptor: storage kind, type name, element run-time type.
    pub(crate) fn array(
        &mut self,
        rt: &mut Runtime,
        storage: u32,
        name: &[u8],
        elem: RuntimeType,
    ) -> u32 {
        let name = self.string(rt, name);
        self.words(rt, &[storage, name, elem.kind, elem.aux])
    }

    /// The descriptor of `integer[]`.
    pub(crate) fn int_array(&mut self, rt: &mut Runtime) -> u32 {
        self.array(rt, abi::ELEM_I32, b"integer[]", RuntimeType::INT)
    }

    /// The descriptor of `string[]`.
    pub(crate) fn string_array(&mut self, rt: &mut Runtime) -> u32 {
        let ty = RuntimeType::new(abi::TYPE_STRING, 0);
        self.array(rt, abi::ELEM_REF, b"string[]", ty)
    }

    /// The descriptor of `any[]`.
    pub(crate) fn any_array(&mut self, rt: &mut Runtime) -> u32 {
        let ty = RuntimeType::new(abi::TYPE_ANY, 0);
        self.array(rt, abi::ELEM_ANY, b"any[]", ty)
    }

    /// A class descriptor with its field table after the method table, as the linker places
    /// them. `fields` and `methods` include the inherited ones.
    pub(crate) fn class(
        &mut self,
        rt: &mut Runtime,
        name: &[u8],
        superclass: u32,
        fields: &[(&[u8], RuntimeType)],
        methods: &[Method<'_>],
    ) -> u32 {
        let name = self.string(rt, name);
        let field_names: Vec<u32> = fields.iter().map(|f| self.string(rt, f.0)).collect();
        let method_names: Vec<u32> = methods.iter().map(|m| self.string(rt, m.0)).collect();
        let fields_at =
            self.next + abi::CLASS_METHODS as u32 + abi::METHOD_ENTRY_SIZE * methods.len() as u32;
        let mut words = vec![
            superclass,
            name,
            fields.len() as u32,
            fields_at,
            methods.len() as u32,
        ];
        for (m, n) in methods.iter().zip(method_names) {
            words.extend([n, m.1, m.2, m.3]);
        }
        for (f, n) in fields.iter().zip(field_names) {
            words.extend([n, f.1.kind, f.1.aux]);
        }
        self.words(rt, &words)
    }

    /// A function descriptor; `traced` has one flag per capture.
    pub(crate) fn function(
        &mut self,
        rt: &mut Runtime,
        type_name: &[u8],
        arity: u32,
        slot: u32,
        adapter: u32,
        traced: &[bool],
    ) -> u32 {
        let name = self.string(rt, type_name);
        let mut words = vec![name, arity, slot, adapter, traced.len() as u32];
        words.extend(traced.iter().map(|&t| t as u32));
        self.words(rt, &words)
    }

    /// A static closure object for function descriptor `desc`.
    pub(crate) fn static_closure(&mut self, rt: &mut Runtime, desc: u32) -> u32 {
        self.words(rt, &[abi::STATIC_CLOSURE_HEADER, desc])
    }
}
