//! Text of values: for printing (`print`, floats with C's `%f`), for string concatenation
//! (floats in short form), and for naming values in error messages.

use core::fmt::{self, Write};

use crate::error::{Lossy, TextBuf};
use crate::memory::Memory;
use crate::objects::any::{self, Value};
use crate::objects::{array, instance, string};

/// Capacity of the text of one number or class name (the longest `%f` of an f32 is 48 bytes).
pub const NUMBER_TEXT: usize = 64;

/// Which text a float gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// As printed: C's `%f` (`2.500000`).
    Print,
    /// As in string concatenation: `2.5`, `2.0`, `0.333333`.
    Concat,
}

/// Decimal text of an integer.
pub fn int_text(v: i32) -> TextBuf<NUMBER_TEXT> {
    let mut t = TextBuf::new();
    let _ = write!(t, "{v}");
    t
}

/// `true` or `false`.
pub fn bool_text(b: bool) -> &'static [u8] {
    if b { b"true" } else { b"false" }
}

/// A float as C's `%f` prints it: six decimals, `inf`, `-inf`, `nan`.
pub fn float_print_text(x: f32) -> TextBuf<NUMBER_TEXT> {
    let mut t = TextBuf::new();
    if x.is_nan() {
        t.push_bytes(b"nan");
    } else if x.is_infinite() {
        t.push_bytes(if x < 0.0 { b"-inf" } else { b"inf" });
    } else {
        let _ = write!(t, "{:.6}", x as f64);
    }
    t
}

/// A float in short form: its `%f` text with trailing fraction zeros removed, keeping at least
/// one fraction digit (`2.5`, `2.0`, `0.333333`, `nan`, `inf`).
pub fn float_short_text(x: f32) -> TextBuf<NUMBER_TEXT> {
    let mut t = float_print_text(x);
    if x.is_finite() {
        let b = t.as_bytes();
        let dot = b.iter().position(|&c| c == b'.').unwrap_or(b.len());
        let mut end = b.len();
        while end > dot + 2 && b[end - 1] == b'0' {
            end -= 1;
        }
        t.truncate(end);
    }
    t
}

/// Calls `sink` with the text of `any` word `w` in `style`, in one or more pieces; strings
/// give their bytes, `null` gives `undefined`, arrays and instances `<class NAME>`, closures
/// `<function>`.
pub fn any_text(mem: &Memory, w: u32, style: Style, sink: &mut dyn FnMut(&[u8])) {
    match any::classify(mem, w) {
        Value::Undefined => sink(b"undefined"),
        Value::Bool(b) => sink(bool_text(b)),
        Value::Int(v) => sink(int_text(v).as_bytes()),
        Value::Float(x) => match style {
            Style::Print => sink(float_print_text(x).as_bytes()),
            Style::Concat => sink(float_short_text(x).as_bytes()),
        },
        Value::Str(s) => sink(string::bytes(mem, s).unwrap_or(b"")),
        object => {
            object_text(mem, object, sink);
        }
    }
}

/// Calls `sink` with the text of an object other than a string: `<class NAME>` for arrays
/// (their type name) and instances (their class name), `<function>` for closures, `<class
/// object>` for anything else; returns false (and calls nothing) for strings and primitives.
fn object_text(mem: &Memory, v: Value, sink: &mut dyn FnMut(&[u8])) -> bool {
    let class = match v {
        Value::Array(a) => array::type_name(mem, a).unwrap_or(b"Array"),
        Value::Instance(o) => instance::class_name(mem, o).unwrap_or(b"object"),
        Value::Other(_) => b"object",
        Value::Closure(_) => {
            sink(b"<function>");
            return true;
        }
        _ => return false,
    };
    sink(b"<class ");
    sink(class);
    sink(b">");
    true
}

/// A value as error messages name it: an object by its text (`<class Point>`,
/// `<class integer[]>`, `<function>`), anything else by its type name (`string`, `integer`,
/// `undefined`).
pub struct Describe<'a>(pub &'a Memory, pub u32);

impl fmt::Display for Describe<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Describe(mem, w) = *self;
        let v = any::classify(mem, w);
        let mut result = Ok(());
        let object = object_text(mem, v, &mut |b| {
            result = result.and_then(|()| write!(f, "{}", Lossy(b)));
        });
        if object {
            result
        } else {
            write!(f, "{}", Lossy(any::type_name(mem, v)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi;
    use crate::objects::statics::Statics;
    use crate::objects::string::tests::rt;

    fn short(x: f32) -> Vec<u8> {
        float_short_text(x).as_bytes().to_vec()
    }

    fn print(x: f32) -> Vec<u8> {
        float_print_text(x).as_bytes().to_vec()
    }

    #[test]
    fn floats_print_like_c() {
        assert_eq!(print(2.5), b"2.500000");
        assert_eq!(print(-0.125), b"-0.125000");
        assert_eq!(print(1.0 / 3.0), b"0.333333");
        assert_eq!(print(f32::INFINITY), b"inf");
        assert_eq!(print(f32::NEG_INFINITY), b"-inf");
        assert_eq!(print(f32::NAN), b"nan");
        assert_eq!(print(-f32::NAN), b"nan");
        assert_eq!(print(1e30), b"1000000015047466219876688855040.000000");
        assert_eq!(print(f32::MIN).len(), 47);
    }

    #[test]
    fn floats_concatenate_in_short_form() {
        assert_eq!(short(2.5), b"2.5");
        assert_eq!(short(2.0), b"2.0");
        assert_eq!(short(1.0 / 3.0), b"0.333333");
        assert_eq!(short(-10.0), b"-10.0");
        assert_eq!(short(0.1), b"0.1");
        assert_eq!(short(f32::NAN), b"nan");
        assert_eq!(short(f32::NEG_INFINITY), b"-inf");
    }

    #[test]
    fn any_values_in_both_styles() {
        let mut rt = rt();
        let mut st = Statics::new(&rt);
        let d = st.int_array(&mut rt);
        let point = st.class(&mut rt, b"Point", 0, &[], &[]);
        let f = st.function(&mut rt, b"() => void", 0, 1, 2, &[]);
        let a = crate::objects::array::create(&mut rt, d, 1, 0).unwrap();
        let s = crate::objects::string::create(&mut rt, b"txt").unwrap();
        let p = crate::objects::instance::create(&mut rt, point).unwrap();
        let c = crate::objects::closure::create(&mut rt, f).unwrap();
        let cases: [(u32, &[u8], &[u8]); 10] = [
            (abi::UNDEFINED, b"undefined", b"undefined"),
            (abi::TRUE, b"true", b"true"),
            (abi::FALSE, b"false", b"false"),
            ((-42i32 << 1 | 1) as u32, b"-42", b"-42"),
            (any::float_word(2.5), b"2.500000", b"2.5"),
            (s, b"txt", b"txt"),
            (a, b"<class integer[]>", b"<class integer[]>"),
            (any::float_word(2.0), b"2.000000", b"2.0"),
            (p, b"<class Point>", b"<class Point>"),
            (c, b"<function>", b"<function>"),
        ];
        for (w, printed, concatenated) in cases {
            for (style, want) in [(Style::Print, printed), (Style::Concat, concatenated)] {
                let mut got = Vec::new();
                any_text(&rt.mem, w, style, &mut |b| got.extend_from_slice(b));
                assert_eq!(got, want, "{w:#x} {style:?}");
            }
        }
        let described =
            [p, c, a, s, abi::UNDEFINED, 3, abi::TRUE].map(|w| Describe(&rt.mem, w).to_string());
        assert_eq!(
            described,
            [
                "<class Point>",
                "<function>",
                "<class integer[]>",
                "string",
                "undefined",
                "integer",
                "boolean"
            ]
        );
    }
}
