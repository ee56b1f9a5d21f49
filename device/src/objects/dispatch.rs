//! Calls on `any` values: which `any` adapter to call for `value.name(…)` (a class's method
//! table, or the built-in methods of strings and growable arrays) and for `value(…)` (a
//! closure's function descriptor), with the number of arguments checked.

use crate::abi::{self, ErrorKind};
use crate::error::{Lossy, RuntimeError};
use crate::memory::Memory;
use crate::objects::any::{self, Value};
use crate::objects::text::Describe;
use crate::objects::{array, class, closure, instance, string};

/// The error for a method `name` that `receiver` lacks: ``no such method: `name` on <class
/// Point>``, or ``no such method: `name` of undefined``.
pub fn no_method(mem: &Memory, receiver: u32, name: &[u8]) -> RuntimeError {
    let (name, what) = (Lossy(name), Describe(mem, receiver));
    let kind = ErrorKind::NoSuchProperty;
    if receiver == abi::UNDEFINED {
        RuntimeError::new(kind, format_args!("no such method: `{name}` of undefined"))
    } else {
        RuntimeError::new(kind, format_args!("no such method: `{name}` on {what}"))
    }
}

/// Whether `receiver` is an instance with a property (field) `name`.
fn has_field(mem: &Memory, receiver: u32, name: &[u8]) -> bool {
    match any::classify(mem, receiver) {
        Value::Instance(o) => {
            instance::class(mem, o).is_ok_and(|c| class::field(mem, c, name).is_some())
        }
        _ => false,
    }
}

/// Checks a call's number of arguments: `wrong number of arguments: WHAT takes N, got M`.
fn check_arity(
    expected: u32,
    argc: i32,
    what: core::fmt::Arguments<'_>,
) -> Result<(), RuntimeError> {
    if u32::try_from(argc) == Ok(expected) {
        return Ok(());
    }
    Err(RuntimeError::new(
        ErrorKind::NoSuchProperty,
        format_args!("wrong number of arguments: {what} takes {expected}, got {argc}"),
    ))
}

/// The arity and reserved slot of the built-in method `name` of objects of `kind`.
fn builtin(kind: u32, name: &[u8]) -> Option<(u32, u32)> {
    abi::BUILTIN_METHODS
        .iter()
        .position(|m| m.receiver == kind && m.name.as_bytes() == name)
        .map(|i| (abi::BUILTIN_METHODS[i].arity, i as u32))
}

/// `receiver.name(…)` with `argc` arguments: the function-table slot of the method's `any`
/// adapter. Instances search their class's method table; strings and growable arrays answer
/// with the reserved slots of [`abi::BUILTIN_METHODS`]. An instance with a property (not a
/// method) of that name answers [`abi::PROPERTY_SLOT`]: the caller reads the property and calls
/// it as a function value.
pub fn method(mem: &Memory, receiver: u32, name: u32, argc: i32) -> Result<u32, RuntimeError> {
    let name = string::bytes(mem, name)?;
    let found = match any::classify(mem, receiver) {
        Value::Instance(o) => {
            class::method(mem, instance::class(mem, o)?, name).map(|m| (m.arity, m.adapter))
        }
        Value::Array(a) if array::growable(mem, a) => builtin(abi::KIND_ARRAY, name),
        Value::Str(_) => builtin(abi::KIND_STRING, name),
        _ => None,
    };
    let Some((arity, slot)) = found else {
        if has_field(mem, receiver, name) {
            return Ok(abi::PROPERTY_SLOT);
        }
        return Err(no_method(mem, receiver, name));
    };
    let what = Describe(mem, receiver);
    check_arity(
        arity,
        argc,
        format_args!("method `{}` of {what}", Lossy(name)),
    )?;
    Ok(slot)
}

/// `value(…)` with `argc` arguments: the function-table slot of the closure's `any` adapter.
pub fn function(mem: &Memory, value: u32, argc: i32) -> Result<u32, RuntimeError> {
    let found = match any::classify(mem, value) {
        Value::Closure(c) => closure::arity_and_adapter(mem, c).map(|f| (c, f)),
        _ => None,
    };
    let Some((c, (arity, adapter))) = found else {
        return Err(RuntimeError::new(
            ErrorKind::NoSuchProperty,
            format_args!("not a function: {}", Describe(mem, value)),
        ));
    };
    let type_name = Lossy(closure::type_name(mem, c).unwrap_or(b"function"));
    check_arity(arity, argc, format_args!("function {type_name}"))?;
    Ok(adapter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::runtime_type::RuntimeType;
    use crate::objects::statics::Statics;
    use crate::objects::string::tests::rt;
    use crate::runtime::Runtime;

    fn message(r: Result<u32, RuntimeError>) -> String {
        let e = r.unwrap_err();
        assert_eq!(e.kind, ErrorKind::NoSuchProperty);
        String::from_utf8(e.message_bytes().to_vec()).unwrap()
    }

    /// Classes Shape (`area()`, `grow(a, b)`, field `f`) and Square (overrides `area`).
    fn square(rt: &mut Runtime, st: &mut Statics) -> u32 {
        let fun = RuntimeType::new(abi::TYPE_FUNCTION, st.string(rt, b"() => void"));
        let shape = st.class(
            rt,
            b"Shape",
            0,
            &[(b"f", fun)],
            &[(b"area", 0, 100, 101), (b"grow", 2, 102, 103)],
        );
        let square = st.class(
            rt,
            b"Square",
            shape,
            &[(b"f", fun)],
            &[(b"area", 0, 104, 105), (b"grow", 2, 102, 103)],
        );
        crate::objects::instance::create(rt, square).unwrap()
    }

    #[test]
    fn methods_of_instances_strings_and_arrays() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let sq = square(&mut rt, &mut st);
        let names = ["area", "grow", "push", "substring", "nope", "f"]
            .map(|n| st.string(&mut rt, n.as_bytes()));
        let [area, grow, push, substring, nope, f] = names;
        let ints = st.int_array(&mut rt);
        let a = array::create(&mut rt, ints, 0, 0).unwrap();
        let (d8, s) = (
            st.array(&mut rt, abi::ELEM_U8, b"Uint8Array", RuntimeType::INT),
            string::create(&mut rt, b"text").unwrap(),
        );
        let bytes = array::create(&mut rt, d8, 1, 0).unwrap();
        let mem = &rt.mem;
        assert_eq!(method(mem, sq, area, 0).unwrap(), 105);
        assert_eq!(method(mem, sq, grow, 2).unwrap(), 103);
        assert_eq!(method(mem, a, push, 1).unwrap(), 0);
        assert_eq!(method(mem, s, substring, 2).unwrap(), 6);
        let cases: [(Result<u32, RuntimeError>, &str); 7] = [
            (
                method(mem, sq, grow, 1),
                "wrong number of arguments: method `grow` of <class Square> takes 2, got 1",
            ),
            (
                method(mem, sq, area, 3),
                "wrong number of arguments: method `area` of <class Square> takes 0, got 3",
            ),
            (
                method(mem, a, push, 2),
                "wrong number of arguments: method `push` of <class integer[]> takes 1, got 2",
            ),
            (
                method(mem, sq, nope, 0),
                "no such method: `nope` on <class Square>",
            ),
            (method(mem, s, push, 1), "no such method: `push` on string"),
            (
                method(mem, bytes, push, 1),
                "no such method: `push` on <class Uint8Array>",
            ),
            (
                method(mem, abi::UNDEFINED, area, 0),
                "no such method: `area` of undefined",
            ),
        ];
        assert_eq!(method(mem, sq, f, 0).unwrap(), abi::PROPERTY_SLOT);
        for (r, want) in cases {
            assert_eq!(message(r), want);
        }
        assert_eq!(
            message(method(mem, 7, area, 0)),
            "no such method: `area` on integer"
        );
    }

    #[test]
    fn calling_function_values() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let d = st.function(&mut rt, b"(integer) => integer", 1, 40, 41, &[false]);
        let c = crate::objects::closure::create(&mut rt, d).unwrap();
        let fixed = st.static_closure(&mut rt, d);
        let sq = square(&mut rt, &mut st);
        let mem = &rt.mem;
        assert_eq!(function(mem, c, 1).unwrap(), 41);
        assert_eq!(function(mem, fixed, 1).unwrap(), 41);
        let cases: [(Result<u32, RuntimeError>, &str); 5] = [
            (
                function(mem, c, 2),
                "wrong number of arguments: function (integer) => integer takes 1, got 2",
            ),
            (
                function(mem, abi::UNDEFINED, 0),
                "not a function: undefined",
            ),
            (function(mem, 5 << 1 | 1, 0), "not a function: integer"),
            (function(mem, sq, 0), "not a function: <class Square>"),
            (function(mem, abi::TRUE, 1), "not a function: boolean"),
        ];
        for (r, want) in cases {
            assert_eq!(message(r), want);
        }
    }
}
