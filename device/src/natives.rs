//! The board-independent implementations of every [`Native`]: one entry point, [`call`], that
//! takes the arguments as 32-bit words (floats as their bits) and returns the result word.

use crate::abi::{self, Native};
use crate::error::RuntimeError;
use crate::objects::ops::{self, Arith};
use crate::objects::text::{self, Style};
use crate::objects::{any, array, string};
use crate::runtime::{NativeIo, Runtime};

/// Runs native `native` with `args` (missing arguments read as 0; f32 arguments and results
/// are their bits; natives without a result return 0). A failing or `Raise*` native returns the
/// run-time error to raise. The native's protected temporaries are released afterwards.
pub fn call(
    rt: &mut Runtime,
    io: &mut dyn NativeIo,
    native: Native,
    args: &[u32],
) -> Result<u32, RuntimeError> {
    let r = run(rt, io, native, args);
    rt.release_temps();
    r
}

/// `call` without the clean-up.
fn run(
    rt: &mut Runtime,
    io: &mut dyn NativeIo,
    native: Native,
    args: &[u32],
) -> Result<u32, RuntimeError> {
    let arg = |i: usize| args.get(i).copied().unwrap_or(0);
    let (a, b, c) = (arg(0), arg(1), arg(2));
    let mem = &rt.mem;
    let flag = |b: bool| Ok(b as u32);
    match native {
        Native::RaiseIndexOutOfRange => Err(RuntimeError::index_out_of_range(a as i32, b as i32)),
        Native::RaiseDivisionByZero => Err(RuntimeError::division_by_zero()),
        Native::RaiseStackOverflow => Err(RuntimeError::stack_overflow()),
        Native::RaiseTypeError => {
            let expected = string::bytes(mem, a).unwrap_or(b"value");
            Err(any::type_error(mem, expected, b))
        }
        Native::BoxInt => any::from_int(rt, a as i32),
        Native::BoxFloat => Ok(any::from_float(f32::from_bits(a))),
        Native::UnboxInt => any::to_int(mem, a).map(|v| v as u32),
        Native::UnboxFloat => any::to_float(mem, a).map(f32::to_bits),
        Native::UnboxBool => any::to_bool(mem, a),
        Native::UnboxString => any::to_string_ref(mem, a),
        Native::UnboxArray => any::to_array(mem, a, b),
        Native::AnyAdd => ops::add(rt, a, b),
        Native::AnySub => ops::arith(rt, Arith::Sub, a, b),
        Native::AnyMul => ops::arith(rt, Arith::Mul, a, b),
        Native::AnyDiv => ops::arith(rt, Arith::Div, a, b),
        Native::AnyRem => ops::arith(rt, Arith::Rem, a, b),
        Native::AnyNeg => ops::neg(rt, a),
        Native::AnyCompare => flag(ops::compare(mem, a, b, c as i32)?),
        Native::AnyEqual => flag(ops::equal(mem, a, b)?),
        Native::AnyTruthy => flag(any::truthy(mem, a)),
        Native::StringConcat => string::concat(rt, a, b),
        Native::StringEqual => flag(string::equal(mem, a, b)?),
        Native::StringCompare => Ok(string::compare(mem, a, b)? as i32 as u32),
        Native::IntToString => string::create(rt, text::int_text(a as i32).as_bytes()),
        Native::FloatToString => {
            string::create(rt, text::float_short_text(f32::from_bits(a)).as_bytes())
        }
        Native::BoolToString => string::create(rt, text::bool_text(a != 0)),
        Native::AnyToString => ops::to_string(rt, a),
        Native::StringStartsWith => flag(string::starts_with(mem, a, b)?),
        Native::StringEndsWith => flag(string::ends_with(mem, a, b)?),
        Native::StringSubstring => string::substring(rt, a, b as i32, c as i32),
        Native::StringCharCodeAt => string::char_code_at(mem, a, b as i32).map(|v| v as u32),
        Native::StringIndexOf => string::index_of(mem, a, b).map(|v| v as u32),
        Native::ArrayNew => array::create(rt, a, b as i32, c),
        Native::ArrayPush => array::push(rt, a, b),
        Native::ArrayPop => array::pop(rt, a),
        Native::ArrayShift => array::shift(rt, a),
        Native::ArrayUnshift => array::unshift(rt, a, b),
        Native::AnyIndexGet => array::any_get(rt, a, b as i32),
        Native::AnyIndexSet => array::any_set(rt, a, b as i32, c).map(|()| 0),
        Native::AnyLength => array::any_length(mem, a),
        Native::PrintInt => print_bytes(rt, io, text::int_text(a as i32).as_bytes()),
        Native::PrintFloat => {
            print_bytes(rt, io, text::float_print_text(f32::from_bits(a)).as_bytes())
        }
        Native::PrintBool => print_bytes(rt, io, text::bool_text(a != 0)),
        Native::PrintRef | Native::PrintAny => print_any(rt, io, a),
        Native::PrintSpace => print_bytes(rt, io, b" "),
        Native::PrintEnd => {
            let stream = if a == abi::STREAM_STDERR {
                abi::STREAM_STDERR
            } else {
                abi::STREAM_STDOUT
            };
            rt.print_end(io, stream as u8);
            Ok(0)
        }
        Native::TimeNow => Ok(io.now_ms().to_bits()),
        Native::TimeDelay => {
            io.delay_ms((a as i32).max(0) as u32);
            Ok(0)
        }
    }
}

/// Appends `bytes` to the output line.
fn print_bytes(rt: &mut Runtime, io: &mut dyn NativeIo, bytes: &[u8]) -> Result<u32, RuntimeError> {
    rt.print_bytes(io, bytes);
    Ok(0)
}

/// Appends the printed text of `any` word (or reference) `w` to the output line; a string's
/// bytes are copied straight from the arena.
fn print_any(rt: &mut Runtime, io: &mut dyn NativeIo, w: u32) -> Result<u32, RuntimeError> {
    if let any::Value::Str(s) = any::classify(&rt.mem, w) {
        let n = string::len(&rt.mem, s)?;
        rt.print_arena_bytes(io, s + abi::STRING_BYTES as u32, n)?;
        return Ok(0);
    }
    let mut t = crate::error::TextBuf::<{ text::NUMBER_TEXT * 3 }>::new();
    text::any_text(&rt.mem, w, Style::Print, &mut |b| {
        t.push_bytes(b);
    });
    rt.print_bytes(io, t.as_bytes());
    Ok(0)
}
