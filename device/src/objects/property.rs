//! Properties of `any` values by name: the fields of instances (through their class's field
//! table, converted between the field's type and `any`) and the `length` of arrays and strings.

use crate::abi::{self, ErrorKind};
use crate::error::{Lossy, RuntimeError};
use crate::memory::Memory;
use crate::objects::any::{self, Value};
use crate::objects::runtime_type::{self, RuntimeType};
use crate::objects::text::Describe;
use crate::objects::{array, class, instance, string};
use crate::runtime::Runtime;

/// What `value.name` is.
enum Property {
    /// A field at this address, of this type.
    Field(u32, RuntimeType),
    /// The read-only `length` of an array or string.
    Length(u32),
}

/// Finds property `name` of `value`; `verb` (`reading`, `setting`) words the error for
/// `undefined`.
fn find(mem: &Memory, value: u32, name: &[u8], verb: &str) -> Result<Property, RuntimeError> {
    let found = match any::classify(mem, value) {
        Value::Instance(o) => class::field(mem, instance::class(mem, o)?, name)
            .map(|f| Property::Field(instance::field_addr(o, f.index), f.ty)),
        Value::Array(a) if name == b"length" => Some(Property::Length(array::length(mem, a)?)),
        Value::Str(s) if name == b"length" => Some(Property::Length(string::len(mem, s)?)),
        _ => None,
    };
    let name = Lossy(name);
    found.ok_or_else(|| {
        let kind = ErrorKind::NoSuchProperty;
        if value == abi::UNDEFINED {
            RuntimeError::new(kind, format_args!("{verb} property `{name}` of undefined"))
        } else {
            let what = Describe(mem, value);
            RuntimeError::new(kind, format_args!("no such property: `{name}` on {what}"))
        }
    })
}

/// `value.name` (`name` is a string): a field converted to `any`, or a length.
pub fn get(rt: &mut Runtime, value: u32, name: u32) -> Result<u32, RuntimeError> {
    let mem = &rt.mem;
    let found = find(mem, value, string::bytes(mem, name)?, "reading")?;
    value_of(rt, found)
}

/// `value.length` of an `any` value: the length of an array or string, or the `length` property
/// of an instance, as an `any` word.
pub fn length(rt: &mut Runtime, value: u32) -> Result<u32, RuntimeError> {
    let found = find(&rt.mem, value, b"length", "reading")?;
    value_of(rt, found)
}

/// The `any` word of a property that was found.
fn value_of(rt: &mut Runtime, found: Property) -> Result<u32, RuntimeError> {
    let (word, ty) = match found {
        Property::Field(addr, ty) => (rt.mem.read_u32(addr)?, ty),
        Property::Length(n) => (n, RuntimeType::INT),
    };
    runtime_type::to_any(rt, word, ty)
}

/// `value.name = x` (`name` is a string): `x` is converted to the field's type.
pub fn set(rt: &mut Runtime, value: u32, name: u32, x: u32) -> Result<(), RuntimeError> {
    let mem = &rt.mem;
    let name = string::bytes(mem, name)?;
    let (addr, word) = match find(mem, value, name, "setting")? {
        Property::Field(addr, ty) => (addr, runtime_type::from_any(mem, x, ty)?),
        Property::Length(_) => {
            return Err(RuntimeError::new(
                ErrorKind::NoSuchProperty,
                format_args!(
                    "property `{}` of {} is read-only",
                    Lossy(name),
                    Describe(mem, value)
                ),
            ));
        }
    };
    rt.mem.write_u32(addr, word)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::statics::Statics;
    use crate::objects::string::tests::rt;

    fn int(v: i32) -> u32 {
        ((v as u32) << 1) | 1
    }

    /// A `Point` (x: integer, y: float, ok: boolean, label: string | null, any: any) with
    /// x = 3, y = 1.5, ok = true.
    fn point(rt: &mut Runtime, st: &mut Statics) -> u32 {
        let t = RuntimeType::new;
        let fields: [(&[u8], RuntimeType); 5] = [
            (b"x", RuntimeType::INT),
            (b"y", t(abi::TYPE_FLOAT, 0)),
            (b"ok", t(abi::TYPE_BOOL, 0)),
            (b"label", t(abi::TYPE_STRING | abi::TYPE_NULLABLE, 0)),
            (b"any", t(abi::TYPE_ANY, 0)),
        ];
        let desc = st.class(rt, b"Point", 0, &fields, &[]);
        let p = instance::create(rt, desc).unwrap();
        rt.mem.write_u32(instance::field_addr(p, 0), 3).unwrap();
        rt.mem
            .write_u32(instance::field_addr(p, 1), 1.5f32.to_bits())
            .unwrap();
        rt.mem.write_u32(instance::field_addr(p, 2), 1).unwrap();
        p
    }

    fn message(e: RuntimeError) -> String {
        assert_eq!(e.kind, ErrorKind::NoSuchProperty);
        String::from_utf8(e.message_bytes().to_vec()).unwrap()
    }

    #[test]
    fn fields_read_as_any_and_lengths() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let p = point(&mut rt, &mut st);
        let names =
            ["x", "y", "ok", "label", "length", "foo"].map(|n| st.string(&mut rt, n.as_bytes()));
        let [x, y, ok, label, length, foo] = names;
        let ints = st.int_array(&mut rt);
        let a = array::create(&mut rt, ints, 4, 0).unwrap();
        let s = string::create(&mut rt, b"hello").unwrap();
        assert_eq!(get(&mut rt, p, x).unwrap(), int(3));
        assert_eq!(get(&mut rt, p, y).unwrap(), any::float_word(1.5));
        assert_eq!(get(&mut rt, p, ok).unwrap(), abi::TRUE);
        assert_eq!(get(&mut rt, p, label).unwrap(), abi::UNDEFINED);
        assert_eq!(get(&mut rt, a, length).unwrap(), int(4));
        assert_eq!(get(&mut rt, s, length).unwrap(), int(5));
        let cases: [(u32, u32, &str); 5] = [
            (p, foo, "no such property: `foo` on <class Point>"),
            (p, length, "no such property: `length` on <class Point>"),
            (abi::UNDEFINED, foo, "reading property `foo` of undefined"),
            (int(1), x, "no such property: `x` on integer"),
            (s, foo, "no such property: `foo` on string"),
        ];
        for (v, n, want) in cases {
            assert_eq!(message(get(&mut rt, v, n).unwrap_err()), want);
        }
        let big = 0x4000_0000;
        rt.mem.write_u32(instance::field_addr(p, 0), big).unwrap();
        let w = get(&mut rt, p, x).unwrap();
        assert_eq!(any::classify(&rt.mem, w), Value::Int(big as i32));
    }

    #[test]
    fn fields_are_set_with_conversion_and_checks() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let p = point(&mut rt, &mut st);
        let names = ["x", "y", "ok", "label", "any", "length", "foo"]
            .map(|n| st.string(&mut rt, n.as_bytes()));
        let [x, y, ok, label, any_field, length, foo] = names;
        let s = string::create(&mut rt, b"tag").unwrap();
        let field = |rt: &Runtime, i| rt.mem.read_u32(instance::field_addr(p, i)).unwrap();
        set(&mut rt, p, x, int(-8)).unwrap();
        set(&mut rt, p, y, int(2)).unwrap();
        set(&mut rt, p, ok, abi::FALSE).unwrap();
        set(&mut rt, p, label, s).unwrap();
        set(&mut rt, p, any_field, int(5)).unwrap();
        assert_eq!(
            [0, 1, 2, 3, 4].map(|i| field(&rt, i)),
            [-8i32 as u32, 2f32.to_bits(), 0, s, int(5)]
        );
        set(&mut rt, p, label, abi::UNDEFINED).unwrap();
        assert_eq!(field(&rt, 3), 0);
        let type_errors: [(u32, u32, &[u8]); 3] = [
            (
                x,
                any::float_word(0.5),
                b"type error: expected integer, got float",
            ),
            (ok, int(1), b"type error: expected boolean, got integer"),
            (label, int(1), b"type error: expected string, got integer"),
        ];
        for (n, v, want) in type_errors {
            let e = set(&mut rt, p, n, v).unwrap_err();
            assert_eq!((e.kind, e.message_bytes()), (ErrorKind::TypeError, want));
        }
        assert_eq!(field(&rt, 0), -8i32 as u32);
        let e = set(&mut rt, p, foo, int(1)).unwrap_err();
        assert_eq!(message(e), "no such property: `foo` on <class Point>");
        let e = set(&mut rt, abi::UNDEFINED, foo, int(1)).unwrap_err();
        assert_eq!(message(e), "setting property `foo` of undefined");
        let e = set(&mut rt, s, length, int(1)).unwrap_err();
        assert_eq!(message(e), "property `length` of string is read-only");
    }
}
