//! Dynamic operators on `any` words: arithmetic, comparison, equality and conversion to text.

use core::cmp::Ordering;

use crate::error::{RuntimeError, TextBuf};
use crate::memory::Memory;
use crate::objects::any::{self, Value};
use crate::objects::string;
use crate::objects::text::{self, Style};
use crate::runtime::Runtime;

/// Capacity of the text of a non-string value converted for concatenation.
const VALUE_TEXT: usize = 160;

/// A number held by an `any` word.
#[derive(Debug, Clone, Copy)]
enum Num {
    Int(i32),
    Float(f32),
}

impl Num {
    fn float(self) -> f32 {
        match self {
            Num::Int(v) => v as f32,
            Num::Float(x) => x,
        }
    }
}

/// The number in `w`, or a type error expecting a number.
fn number(mem: &Memory, w: u32) -> Result<Num, RuntimeError> {
    match any::classify(mem, w) {
        Value::Int(v) => Ok(Num::Int(v)),
        Value::Float(x) => Ok(Num::Float(x)),
        _ => Err(any::type_error(mem, b"number", w)),
    }
}

/// A binary arithmetic operator other than `+`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arith {
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (truncating for integers)
    Div,
    /// `%` (integers only)
    Rem,
}

/// Dynamic `+`: concatenation when either side is a string, else arithmetic.
pub fn add(rt: &mut Runtime, a: u32, b: u32) -> Result<u32, RuntimeError> {
    let is_str = |w| matches!(any::classify(&rt.mem, w), Value::Str(_));
    if is_str(a) || is_str(b) {
        rt.protect(a);
        rt.protect(b);
        let sa = to_string(rt, a)?;
        rt.protect(sa);
        let sb = to_string(rt, b)?;
        return string::concat(rt, sa, sb);
    }
    match (number(&rt.mem, a)?, number(&rt.mem, b)?) {
        (Num::Int(x), Num::Int(y)) => any::from_int(rt, x.wrapping_add(y)),
        (x, y) => any::from_float(rt, x.float() + y.float()),
    }
}

/// Dynamic `-`, `*`, `/` and `%` with the language's rules: two integers give integer
/// arithmetic (wrapping; division by zero is an error), a float on either side gives float
/// arithmetic, and `%` needs integers.
pub fn arith(rt: &mut Runtime, op: Arith, a: u32, b: u32) -> Result<u32, RuntimeError> {
    let (x, y) = (number(&rt.mem, a)?, number(&rt.mem, b)?);
    match (x, y) {
        (Num::Int(x), Num::Int(y)) => {
            let v = match op {
                Arith::Sub => x.wrapping_sub(y),
                Arith::Mul => x.wrapping_mul(y),
                _ if y == 0 => return Err(RuntimeError::division_by_zero()),
                Arith::Div => x.wrapping_div(y),
                Arith::Rem => x.wrapping_rem(y),
            };
            any::from_int(rt, v)
        }
        _ if op == Arith::Rem => {
            let bad = if matches!(x, Num::Int(_)) { b } else { a };
            Err(any::type_error(&rt.mem, b"integer", bad))
        }
        (x, y) => {
            let (x, y) = (x.float(), y.float());
            let v = match op {
                Arith::Sub => x - y,
                Arith::Mul => x * y,
                _ => x / y,
            };
            any::from_float(rt, v)
        }
    }
}

/// Dynamic `**`: [`pow_int`] for two integers, else float power.
pub fn pow(rt: &mut Runtime, a: u32, b: u32) -> Result<u32, RuntimeError> {
    match (number(&rt.mem, a)?, number(&rt.mem, b)?) {
        (Num::Int(x), Num::Int(y)) => any::from_int(rt, pow_int(x, y)),
        (x, y) => any::from_float(rt, libm::powf(x.float(), y.float())),
    }
}

/// Dynamic unary `-`.
pub fn neg(rt: &mut Runtime, a: u32) -> Result<u32, RuntimeError> {
    match number(&rt.mem, a)? {
        Num::Int(v) => any::from_int(rt, v.wrapping_neg()),
        Num::Float(x) => any::from_float(rt, -x),
    }
}

/// Dynamic `<` (op 0), `<=` (1), `>` (2), `>=` (3) on two numbers or two strings.
pub fn compare(mem: &Memory, a: u32, b: u32, op: i32) -> Result<bool, RuntimeError> {
    let ord = match (any::classify(mem, a), any::classify(mem, b)) {
        (Value::Str(x), Value::Str(y)) => Some(string::compare(mem, x, y)?),
        (Value::Str(_), _) => return Err(any::type_error(mem, b"string", b)),
        _ => match (number(mem, a)?, number(mem, b)?) {
            (Num::Int(x), Num::Int(y)) => Some(x.cmp(&y)),
            (x, y) => x.float().partial_cmp(&y.float()),
        },
    };
    Ok(match (ord, op) {
        (None, _) => false,
        (Some(o), 0) => o == Ordering::Less,
        (Some(o), 1) => o != Ordering::Greater,
        (Some(o), 2) => o == Ordering::Greater,
        (Some(o), _) => o != Ordering::Less,
    })
}

/// Dynamic `===`: numbers by value (`1 === 1.0`), strings by content, others by identity.
pub fn equal(mem: &Memory, a: u32, b: u32) -> Result<bool, RuntimeError> {
    Ok(match (any::classify(mem, a), any::classify(mem, b)) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Int(x), Value::Float(y)) | (Value::Float(y), Value::Int(x)) => x as f64 == y as f64,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => string::equal(mem, x, y)?,
        _ => a == b,
    })
}

/// The text of `w` as string concatenation shows it, as a string object (a string is its own
/// text).
pub fn to_string(rt: &mut Runtime, w: u32) -> Result<u32, RuntimeError> {
    if let Value::Str(s) = any::classify(&rt.mem, w) {
        return Ok(s);
    }
    let mut t = TextBuf::<VALUE_TEXT>::new();
    text::any_text(&rt.mem, w, Style::Concat, &mut |b| {
        t.push_bytes(b);
    });
    string::create(rt, t.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi;
    use crate::objects::string::tests::rt;

    fn int(v: i32) -> u32 {
        ((v as u32) << 1) | 1
    }

    fn show(rt: &Runtime, w: u32) -> String {
        let mut s = Vec::new();
        text::any_text(&rt.mem, w, Style::Concat, &mut |b| s.extend_from_slice(b));
        String::from_utf8(s).unwrap()
    }

    #[test]
    fn integer_and_float_arithmetic() {
        let mut rt = rt();
        let f = any::float_word;
        let cases: [(Arith, u32, u32, &str); 9] = [
            (Arith::Sub, int(5), int(7), "-2"),
            (Arith::Mul, int(6), int(7), "42"),
            (Arith::Div, int(-7), int(2), "-3"),
            (Arith::Rem, int(-7), int(2), "-1"),
            (Arith::Div, int(7), f(2.0), "3.5"),
            (Arith::Mul, f(1.5), int(2), "3.0"),
            (Arith::Sub, f(0.5), f(0.25), "0.25"),
            (Arith::Div, f(1.0), int(0), "inf"),
            (Arith::Mul, int(1 << 29), int(4), "-2147483648"),
        ];
        for (op, a, b, want) in cases {
            let r = arith(&mut rt, op, a, b).unwrap();
            assert_eq!(show(&rt, r), want, "{op:?}");
        }
        let big = add(&mut rt, int((1 << 30) - 1), int(1)).unwrap();
        assert_eq!(show(&rt, big), "1073741824");
        let max = any::from_int(&mut rt, i32::MAX).unwrap();
        let wrapped = add(&mut rt, big, max).unwrap();
        assert_eq!(show(&rt, wrapped), "-1073741825");
        let n = neg(&mut rt, int(3)).unwrap();
        assert_eq!(show(&rt, n), "-3");
        let n = neg(&mut rt, f(2.5)).unwrap();
        assert_eq!(show(&rt, n), "-2.5");
    }

    #[test]
    fn dynamic_power() {
        let mut rt = rt();
        let f = any::float_word;
        for (a, b, want) in [
            (int(2), int(10), "1024"),
            (int(2), int(31), "-2147483648"),
            (int(3), int(-1), "0"),
            (int(2), f(0.5), "1.414214"),
            (f(1.5), int(2), "2.25"),
            (f(-8.0), f(1.0 / 3.0), "nan"),
        ] {
            let r = pow(&mut rt, a, b).unwrap();
            assert_eq!(show(&rt, r), want);
        }
        let e = pow(&mut rt, abi::TRUE, int(1)).unwrap_err();
        assert_eq!(
            e.message_bytes(),
            b"type error: expected number, got boolean"
        );
    }

    #[test]
    fn arithmetic_errors() {
        let mut rt = rt();
        let e = arith(&mut rt, Arith::Div, int(1), int(0)).unwrap_err();
        assert_eq!(
            (e.kind, e.message_bytes()),
            (abi::ErrorKind::DivisionByZero, &b"division by zero"[..])
        );
        assert!(arith(&mut rt, Arith::Rem, int(1), int(0)).is_err());
        let e = arith(&mut rt, Arith::Rem, int(1), any::float_word(1.0)).unwrap_err();
        assert_eq!(
            e.message_bytes(),
            b"type error: expected integer, got float"
        );
        let e = arith(&mut rt, Arith::Sub, abi::TRUE, int(1)).unwrap_err();
        assert_eq!(
            e.message_bytes(),
            b"type error: expected number, got boolean"
        );
        let q = arith(&mut rt, Arith::Div, int(i32::MIN >> 1), int(-1)).unwrap();
        assert_eq!(show(&rt, q), "1073741824");
    }

    #[test]
    fn plus_concatenates_with_a_string_on_either_side() {
        let mut rt = rt();
        let s = string::create(&mut rt, b"s").unwrap();
        for (other, want) in [
            (any::float_word(2.5), "s2.5"),
            (int(-4), "s-4"),
            (abi::TRUE, "strue"),
            (abi::UNDEFINED, "sundefined"),
            (s, "ss"),
        ] {
            let r = add(&mut rt, s, other).unwrap();
            assert_eq!(show(&rt, r), want);
        }
        let r = add(&mut rt, any::float_word(2.0), s).unwrap();
        assert_eq!(show(&rt, r), "2.0s");
    }

    #[test]
    fn comparisons_and_equality() {
        let mut rt = rt();
        let a = string::create(&mut rt, b"abc").unwrap();
        let b = string::create(&mut rt, b"abd").unwrap();
        let a2 = string::create(&mut rt, b"abc").unwrap();
        let nan = any::from_float(&mut rt, f32::NAN).unwrap();
        let f = any::float_word;
        let mem = &rt.mem;
        assert!(compare(mem, a, b, 0).unwrap());
        assert!(compare(mem, a, a2, 1).unwrap());
        assert!(!compare(mem, a, b, 2).unwrap());
        assert!(compare(mem, int(3), f(2.5), 3).unwrap());
        assert!(!compare(mem, nan, int(1), 0).unwrap());
        assert!(compare(mem, int(-1), int(0), 0).unwrap());
        assert!(compare(mem, a, int(1), 0).is_err());
        assert!(equal(mem, int(1), f(1.0)).unwrap());
        assert!(equal(mem, a, a2).unwrap());
        assert!(!equal(mem, a, b).unwrap());
        assert!(!equal(mem, nan, nan).unwrap());
        assert!(!equal(mem, abi::TRUE, int(1)).unwrap());
        assert!(equal(mem, abi::UNDEFINED, abi::UNDEFINED).unwrap());
    }
}

/// Integer `base ** exp` with wrapping multiplication (square and multiply). A negative exponent
/// gives the integer part of the exact result: 1 for base 1, ±1 for base -1, 0 otherwise
/// (including base 0, whose exact result is infinite).
pub fn pow_int(base: i32, exp: i32) -> i32 {
    if exp < 0 {
        return match base {
            1 => 1,
            -1 if exp % 2 == 0 => 1,
            -1 => -1,
            _ => 0,
        };
    }
    let (mut result, mut base, mut exp) = (1i32, base, exp as u32);
    while exp > 0 {
        if exp & 1 == 1 {
            result = result.wrapping_mul(base);
        }
        base = base.wrapping_mul(base);
        exp >>= 1;
    }
    result
}

#[cfg(test)]
mod pow_tests {
    use super::pow_int;

    #[test]
    fn integer_power() {
        assert_eq!(pow_int(2, 10), 1024);
        assert_eq!(pow_int(-3, 3), -27);
        assert_eq!(pow_int(7, 0), 1);
        assert_eq!(pow_int(2, 31), i32::MIN);
        assert_eq!(pow_int(2, 32), 0);
        assert_eq!(pow_int(2, -1), 0);
        assert_eq!(pow_int(-1, -3), -1);
        assert_eq!(pow_int(1, -5), 1);
    }
}
