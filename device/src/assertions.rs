//! The natives behind `bs test`: `assert`, `assertEqual` and the listing of test names.

use crate::abi::{ErrorKind, STREAM_TEST};
use crate::error::RuntimeError;
use crate::memory::Memory;
use crate::objects::any::{self, Value};
use crate::objects::text::{self, Style};
use crate::objects::{ops, string};
use crate::runtime::NativeIo;

/// `assert(cond)`: an `AssertionFailed` error unless `cond` (0 or 1) is 1.
pub fn assert_true(cond: u32) -> Result<u32, RuntimeError> {
    if cond != 0 {
        return Ok(0);
    }
    Err(RuntimeError::new(
        ErrorKind::AssertionFailed,
        format_args!("assertion failed"),
    ))
}

/// `assertEqual(actual, expected)` on two `any` words: equal as `===` says (numbers by value,
/// so `2` equals `2.0`; strings by content; objects by identity), or an `AssertionFailed` error
/// that shows both values (strings in quotes).
pub fn assert_equal(mem: &Memory, actual: u32, expected: u32) -> Result<u32, RuntimeError> {
    if ops::equal(mem, actual, expected)? {
        return Ok(0);
    }
    let mut e = RuntimeError::new(
        ErrorKind::AssertionFailed,
        format_args!("assertion failed: expected "),
    );
    let mut push = |b: &[u8]| {
        e.message.push_bytes(b);
    };
    shown(mem, expected, &mut push);
    push(b", got ");
    shown(mem, actual, &mut push);
    Err(e)
}

/// The text of a value in an assertion message: strings quoted, numbers as in concatenation.
fn shown(mem: &Memory, w: u32, sink: &mut dyn FnMut(&[u8])) {
    if let Value::Str(s) = any::classify(mem, w) {
        sink(b"\"");
        sink(string::bytes(mem, s).unwrap_or(b""));
        sink(b"\"");
    } else {
        text::any_text(mem, w, Style::Concat, sink);
    }
}

/// Sends the name of a test (a string) on [`STREAM_TEST`], so that the host learns the tests
/// of a program in the order they are declared.
pub fn list_test(mem: &Memory, io: &mut dyn NativeIo, name: u32) -> Result<u32, RuntimeError> {
    io.output(STREAM_TEST as u8, string::bytes(mem, name)?);
    Ok(0)
}
