//! The board-independent implementations of every [`Native`]: one entry point, [`call`], that
//! takes the arguments as 32-bit words (floats as their bits) and returns the result word.

use crate::abi::{self, Native};
use crate::assertions;
use crate::error::RuntimeError;
use crate::math;
use crate::objects::ops::{self, Arith};
use crate::objects::runtime_type::{self, RuntimeType};
use crate::objects::text::{self, Style};
use crate::objects::{any, array, cell, closure, dispatch, instance, property, string};
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

/// What a board's native entry point was entered for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// Native number `id` (which may be a number no native has).
    Native(u32),
    /// The entry that unset function-table slots point to.
    UnsetSlot,
}

/// Runs what a board's native entry point was entered for, on the call's argument words (at
/// least as many as the native has parameters; extra words are ignored). Every board
/// dispatches its native calls here.
pub fn dispatch(
    rt: &mut Runtime,
    io: &mut dyn NativeIo,
    entry: Entry,
    args: &[u32],
) -> Result<u32, RuntimeError> {
    match entry {
        Entry::Native(id) => match Native::from_id(id) {
            Some(n) => call(rt, io, n, &args[..n.params().len().min(args.len())]),
            None => Err(RuntimeError::new(
                abi::ErrorKind::TypeError,
                format_args!("call of an unknown native function"),
            )),
        },
        Entry::UnsetSlot => Err(RuntimeError::new(
            abi::ErrorKind::TypeError,
            format_args!("call of a function that is not loaded"),
        )),
    }
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
        Native::RaiseInterrupted => Err(RuntimeError::interrupted()),
        Native::AssertTrue => assertions::assert_true(a),
        Native::AssertEqual => assertions::assert_equal(mem, a, b),
        Native::ListTest => assertions::list_test(mem, io, a),
        Native::RaiseTypeError => {
            let expected = string::bytes(mem, a).unwrap_or(b"value");
            Err(any::type_error(mem, expected, b))
        }
        Native::BoxInt => any::from_int(rt, a as i32),
        Native::BoxFloat => any::from_float(rt, f32::from_bits(a)),
        Native::UnboxInt => any::to_int(mem, a).map(|v| v as u32),
        Native::UnboxFloat => any::to_float(mem, a).map(f32::to_bits),
        Native::UnboxBool => any::to_bool(mem, a),
        Native::UnboxString => any::to_string_ref(mem, a),
        Native::UnboxArray => any::to_array(rt, a, b),
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
        Native::AnyLength => property::length(rt, a),
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
        Native::PrintBegin => {
            rt.print_begin(a as u8);
            Ok(0)
        }
        Native::PowInt => Ok(ops::pow_int(a as i32, b as i32) as u32),
        Native::PowFloat => Ok(libm::powf(f32::from_bits(a), f32::from_bits(b)).to_bits()),
        Native::TimeDelay => delay(rt, io, (a as i32).max(0) as u32),
        Native::NewInstance => instance::create(rt, a),
        Native::NewClosure => closure::create(rt, a),
        Native::NewCell => cell::create(rt, a != 0),
        Native::InstanceOf => flag(instance::instance_of(mem, a, b)),
        Native::UnboxRef => runtime_type::check(mem, a, RuntimeType::new(b, c)),
        Native::AnyGetProperty => property::get(rt, a, b),
        Native::AnySetProperty => property::set(rt, a, b, c).map(|()| 0),
        Native::AnyMethod => dispatch::method(mem, a, b, c as i32),
        Native::AnyFunction => dispatch::function(mem, a, b as i32),
        Native::AnyPow => ops::pow(rt, a, b),
        Native::MathSqrt
        | Native::MathSin
        | Native::MathCos
        | Native::MathTan
        | Native::MathAtan2
        | Native::MathExp
        | Native::MathLog
        | Native::MathFloor
        | Native::MathCeil
        | Native::MathRound
        | Native::FloatDiv => {
            let r = math::call(native, f32::from_bits(a), f32::from_bits(b));
            Ok(r.unwrap_or(f32::NAN).to_bits())
        }
        Native::AnyArrayPush => array::any_push(rt, a, b),
        Native::AnyArrayPop => array::any_pop(rt, a),
        Native::AnyArrayShift => array::any_shift(rt, a),
        Native::AnyArrayUnshift => array::any_unshift(rt, a, b),
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

/// Longest wait between two looks at the interrupt flag during `time.delay`.
const DELAY_SLICE_MS: u32 = 10;

/// `time.delay(ms)`: waits in slices, so that an interrupt from the host stops a long delay
/// as a poll in generated code would.
fn delay(rt: &Runtime, io: &mut dyn NativeIo, ms: u32) -> Result<u32, RuntimeError> {
    let flag = rt.map().interrupt_flag();
    let mut left = ms;
    loop {
        if rt.mem.read_u32_volatile(flag)? != 0 || io.interrupt_requested() {
            return Err(RuntimeError::interrupted());
        }
        if left == 0 {
            return Ok(0);
        }
        let slice = left.min(DELAY_SLICE_MS);
        io.delay_ms(slice);
        left -= slice;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::ErrorKind;
    use crate::objects::runtime_type::RuntimeType;
    use crate::objects::statics::Statics;
    use crate::objects::string::tests::rt;
    use crate::runtime::LINE_CAPACITY;

    /// Collects output frames; the clock stands still at 12.5 ms.
    #[derive(Default)]
    struct Capture(Vec<(u8, Vec<u8>)>);

    impl NativeIo for Capture {
        fn output(&mut self, stream: u8, bytes: &[u8]) {
            self.0.push((stream, bytes.to_vec()));
        }
        fn now_ms(&mut self) -> f32 {
            12.5
        }
        fn delay_ms(&mut self, _ms: u32) {}
    }

    fn int(v: i32) -> u32 {
        ((v as u32) << 1) | 1
    }

    #[test]
    fn dispatch_runs_natives_and_refuses_unset_slots_and_unknown_numbers() {
        let mut rt = rt();
        let mut io = Capture::default();
        let id = Native::IntToString as u32;
        let s = dispatch(&mut rt, &mut io, Entry::Native(id), &[42, 7, 7, 7, 7, 7]).unwrap();
        assert_eq!(crate::objects::string::bytes(&rt.mem, s).unwrap(), b"42");
        let unset = dispatch(&mut rt, &mut io, Entry::UnsetSlot, &[]).unwrap_err();
        assert_eq!(unset.kind, ErrorKind::TypeError);
        assert_eq!(
            unset.message_bytes(),
            b"call of a function that is not loaded"
        );
        let unknown = dispatch(&mut rt, &mut io, Entry::Native(9999), &[]).unwrap_err();
        assert_eq!(
            unknown.message_bytes(),
            b"call of an unknown native function"
        );
    }

    /// The natives that say they never collect do not, whatever their arguments, even when
    /// every allocation collects; one that allocates does.
    #[test]
    fn natives_that_never_collect_do_not() {
        let mut rt = rt();
        rt.gc_stress = true;
        let mut io = Capture::default();
        let s = crate::objects::string::create(&mut rt, b"abc").unwrap();
        let arg_sets = [
            [0, 0, 0],
            [int(5), int(7), 1],
            [s, s, 2],
            [s, int(1), 3],
            [7, 2, 0],
        ];
        for &native in Native::ALL.iter().filter(|n| n.never_collects()) {
            for args in arg_sets {
                let args = if native == Native::TimeDelay {
                    [5, 0, 0]
                } else {
                    args
                };
                let before = rt.heap_stats().collections;
                let _ = dispatch(&mut rt, &mut io, Entry::Native(native as u32), &args);
                rt.release_temps();
                assert_eq!(rt.heap_stats().collections, before, "{native:?} {args:x?}");
            }
        }
        let before = rt.heap_stats().collections;
        let id = Native::IntToString as u32;
        dispatch(&mut rt, &mut io, Entry::Native(id), &[42, 0, 0]).unwrap();
        assert!(rt.heap_stats().collections > before);
    }

    #[test]
    fn print_natives_build_lines_per_stream() {
        let mut rt = rt();
        let mut io = Capture::default();
        let d = Statics::new(&rt).int_array(&mut rt);
        let arr = call(&mut rt, &mut io, Native::ArrayNew, &[d, 2, 0]).unwrap();
        let s = string::create(&mut rt, b"str").unwrap();
        let steps: [(Native, u32); 12] = [
            (Native::PrintInt, -7i32 as u32),
            (Native::PrintSpace, 0),
            (Native::PrintFloat, 2.5f32.to_bits()),
            (Native::PrintSpace, 0),
            (Native::PrintBool, 1),
            (Native::PrintSpace, 0),
            (Native::PrintRef, arr),
            (Native::PrintSpace, 0),
            (Native::PrintAny, any::float_word(0.5)),
            (Native::PrintSpace, 0),
            (Native::PrintRef, s),
            (Native::PrintEnd, 2),
        ];
        for (n, a) in steps {
            call(&mut rt, &mut io, n, &[a]).unwrap();
        }
        call(&mut rt, &mut io, Native::PrintRef, &[abi::UNDEFINED]).unwrap();
        call(&mut rt, &mut io, Native::PrintEnd, &[1]).unwrap();
        assert_eq!(
            io.0,
            [
                (
                    2,
                    b"-7 2.500000 true <class integer[]> 0.500000 str\n".to_vec()
                ),
                (1, b"undefined\n".to_vec())
            ]
        );
    }

    #[test]
    fn long_lines_are_sent_in_pieces() {
        let mut rt = rt();
        let mut io = Capture::default();
        for _ in 0..LINE_CAPACITY {
            call(&mut rt, &mut io, Native::PrintInt, &[7]).unwrap();
        }
        call(&mut rt, &mut io, Native::PrintInt, &[7]).unwrap();
        call(&mut rt, &mut io, Native::PrintEnd, &[1]).unwrap();
        let text: Vec<u8> = io.0.iter().flat_map(|(_, b)| b.clone()).collect();
        assert_eq!(io.0.len(), 2);
        assert_eq!(text.len(), LINE_CAPACITY + 2);
        assert!(text.ends_with(b"77\n"));
    }

    /// Records the slices `time.delay` waits.
    #[derive(Default)]
    struct Sleeper(Vec<u32>);

    impl NativeIo for Sleeper {
        fn output(&mut self, _stream: u8, _bytes: &[u8]) {}
        fn now_ms(&mut self) -> f32 {
            0.0
        }
        fn delay_ms(&mut self, ms: u32) {
            self.0.push(ms);
        }
    }

    #[test]
    fn a_delay_waits_in_slices_and_stops_when_interrupted() {
        let mut rt = rt();
        let mut io = Sleeper::default();
        assert_eq!(
            call(&mut rt, &mut io, Native::TimeDelay, &[25]).ok(),
            Some(0)
        );
        assert_eq!(io.0, [10, 10, 5]);
        let flag = rt.map().interrupt_flag();
        rt.mem.write_u32(flag, 1).unwrap();
        let mut io = Sleeper::default();
        let e = call(&mut rt, &mut io, Native::TimeDelay, &[100_000]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Interrupted);
        assert!(io.0.is_empty());
    }

    #[test]
    fn raising_natives_return_errors() {
        let mut rt = rt();
        let mut io = Capture::default();
        let expected = string::create(&mut rt, b"string").unwrap();
        let cases: [(Native, &[u32], ErrorKind, &[u8]); 9] = [
            (
                Native::RaiseIndexOutOfRange,
                &[5, 3],
                ErrorKind::IndexOutOfRange,
                b"array index out of range: 5 (length 3)",
            ),
            (
                Native::RaiseDivisionByZero,
                &[],
                ErrorKind::DivisionByZero,
                b"division by zero",
            ),
            (
                Native::RaiseStackOverflow,
                &[],
                ErrorKind::StackOverflow,
                b"stack overflow",
            ),
            (
                Native::RaiseInterrupted,
                &[],
                ErrorKind::Interrupted,
                b"interrupted",
            ),
            (
                Native::AssertTrue,
                &[0],
                ErrorKind::AssertionFailed,
                b"assertion failed",
            ),
            (
                Native::AssertEqual,
                &[int(4), int(5)],
                ErrorKind::AssertionFailed,
                b"assertion failed: expected 5, got 4",
            ),
            (
                Native::AssertEqual,
                &[expected, int(1)],
                ErrorKind::AssertionFailed,
                b"assertion failed: expected 1, got \"string\"",
            ),
            (
                Native::RaiseTypeError,
                &[expected, int(1)],
                ErrorKind::TypeError,
                b"type error: expected string, got integer",
            ),
            (
                Native::UnboxInt,
                &[expected],
                ErrorKind::TypeError,
                b"type error: expected integer, got string",
            ),
        ];
        for (n, args, kind, message) in cases {
            let e = call(&mut rt, &mut io, n, args).unwrap_err();
            assert_eq!((e.kind, e.message_bytes()), (kind, message), "{n:?}");
        }
        // Passing assertions: numbers compare by value, strings by content.
        let same = string::create(&mut rt, b"string").unwrap();
        for (n, args) in [
            (Native::AssertTrue, &[1][..]),
            (Native::AssertEqual, &[int(2), any::float_word(2.0)]),
            (Native::AssertEqual, &[same, expected]),
        ] {
            assert_eq!(call(&mut rt, &mut io, n, args).ok(), Some(0), "{n:?}");
        }
    }

    #[test]
    fn conversions_and_dynamic_operators() {
        let mut rt = rt();
        let mut io = Capture::default();
        let mut c = |n, args: &[u32]| call(&mut rt, &mut io, n, args).unwrap();
        let third = c(Native::FloatToString, &[(1.0f32 / 3.0).to_bits()]);
        let sum = c(Native::AnyAdd, &[int(40), int(2)]);
        let text = c(Native::AnyToString, &[sum]);
        let both = c(Native::StringConcat, &[third, text]);
        assert_eq!(c(Native::UnboxFloat, &[int(3)]), 3.0f32.to_bits());
        assert_eq!(c(Native::AnyCompare, &[int(1), int(2), 0]), 1);
        assert_eq!(c(Native::AnyEqual, &[int(2), any::float_word(2.0)]), 1);
        assert_eq!(c(Native::AnyTruthy, &[abi::UNDEFINED]), 0);
        assert_eq!(c(Native::TimeNow, &[]), 12.5f32.to_bits());
        let yes = c(Native::BoolToString, &[1]);
        assert_eq!(c(Native::StringCompare, &[yes, both]), 1);
        assert_eq!(c(Native::StringCompare, &[both, yes]), -1i32 as u32);
        assert_eq!(string::bytes(&rt.mem, both).unwrap(), b"0.33333342");
    }

    #[test]
    fn object_natives() {
        let mut rt = rt();
        let mut io = Capture::default();
        let mut st = Statics::new(&rt);
        let shape = st.class(&mut rt, b"Shape", 0, &[(b"n", RuntimeType::INT)], &[]);
        let square = st.class(
            &mut rt,
            b"Square",
            shape,
            &[(b"n", RuntimeType::INT)],
            &[(b"area", 0, 30, 31)],
        );
        let f = st.function(&mut rt, b"(integer) => integer", 1, 20, 21, &[true]);
        let (n, area) = (st.string(&mut rt, b"n"), st.string(&mut rt, b"area"));
        let fty = st.string(&mut rt, b"(integer) => integer");
        let ints = st.int_array(&mut rt);
        let mut c = |native, args: &[u32]| call(&mut rt, &mut io, native, args);
        let sq = c(Native::NewInstance, &[square]).unwrap();
        let clo = c(Native::NewClosure, &[f]).unwrap();
        let cell = c(Native::NewCell, &[1]).unwrap();
        let arr = c(Native::ArrayNew, &[ints, 1, 0]).unwrap();
        assert_eq!(c(Native::InstanceOf, &[sq, shape]).ok(), Some(1));
        assert_eq!(c(Native::InstanceOf, &[sq, ints]).ok(), Some(0));
        assert_eq!(
            c(Native::InstanceOf, &[abi::UNDEFINED, shape]).ok(),
            Some(0)
        );
        let instance = abi::TYPE_INSTANCE;
        assert_eq!(c(Native::UnboxRef, &[sq, instance, shape]).ok(), Some(sq));
        assert_eq!(
            c(Native::UnboxRef, &[clo, abi::TYPE_FUNCTION, fty]).ok(),
            Some(clo)
        );
        assert_eq!(
            c(Native::UnboxRef, &[arr, abi::TYPE_OBJECT, 0]).ok(),
            Some(arr)
        );
        let nullable = instance | abi::TYPE_NULLABLE;
        assert_eq!(c(Native::UnboxRef, &[0, nullable, shape]).ok(), Some(0));
        assert_eq!(c(Native::UnboxArray, &[arr, ints]).ok(), Some(arr));
        let e = c(Native::UnboxRef, &[arr, instance, square]).unwrap_err();
        assert_eq!(
            e.message_bytes(),
            b"type error: expected Square, got integer[]"
        );
        assert_eq!(c(Native::AnySetProperty, &[sq, n, int(-4)]).ok(), Some(0));
        assert_eq!(c(Native::AnyGetProperty, &[sq, n]).ok(), Some(int(-4)));
        assert_eq!(c(Native::AnyMethod, &[sq, area, 0]).ok(), Some(31));
        assert_eq!(c(Native::AnyFunction, &[clo, 1]).ok(), Some(21));
        let e = c(Native::AnyFunction, &[cell, 0]).unwrap_err();
        assert_eq!(
            (e.kind, e.message_bytes()),
            (
                ErrorKind::NoSuchProperty,
                &b"not a function: <class object>"[..]
            )
        );
        // Identity, truthiness and text.
        let other = c(Native::NewInstance, &[square]).unwrap();
        assert_eq!(c(Native::AnyEqual, &[sq, sq]).ok(), Some(1));
        assert_eq!(c(Native::AnyEqual, &[sq, other]).ok(), Some(0));
        assert_eq!(c(Native::AnyEqual, &[clo, clo]).ok(), Some(1));
        assert_eq!(c(Native::AnyTruthy, &[sq]).ok(), Some(1));
        assert_eq!(c(Native::AnyTruthy, &[clo]).ok(), Some(1));
        let text = c(Native::AnyToString, &[sq]).unwrap();
        let fun_text = c(Native::AnyToString, &[clo]).unwrap();
        for (native, w) in [
            (Native::PrintRef, sq),
            (Native::PrintSpace, 0),
            (Native::PrintAny, clo),
            (Native::PrintEnd, 1),
        ] {
            c(native, &[w]).unwrap();
        }
        assert_eq!(string::bytes(&rt.mem, text).unwrap(), b"<class Square>");
        assert_eq!(string::bytes(&rt.mem, fun_text).unwrap(), b"<function>");
        assert_eq!(io.0, [(1, b"<class Square> <function>\n".to_vec())]);
        assert_eq!(rt.mem.read_u32(cell + abi::CELL_TRACED as u32), Ok(1));
    }

    #[test]
    fn math_power_and_any_array_natives() {
        let mut rt = rt();
        let mut io = Capture::default();
        let d = Statics::new(&rt).string_array(&mut rt);
        let s = string::create(&mut rt, b"s").unwrap();
        let t = string::create(&mut rt, b"t").unwrap();
        let mut c = |native, args: &[u32]| call(&mut rt, &mut io, native, args).unwrap();
        let fl = |x: f32| x.to_bits();
        assert_eq!(c(Native::AnyPow, &[int(3), int(4)]), int(81));
        assert_eq!(
            c(Native::AnyPow, &[int(4), any::float_word(0.5)]),
            any::float_word(2.0)
        );
        for (native, args, want) in [
            (Native::MathSqrt, [fl(9.0), 0], 3.0f32),
            (Native::MathSin, [fl(0.0), 0], 0.0),
            (Native::MathCos, [fl(0.0), 0], 1.0),
            (Native::MathTan, [fl(0.0), 0], 0.0),
            (
                Native::MathAtan2,
                [fl(1.0), fl(1.0)],
                core::f32::consts::FRAC_PI_4,
            ),
            (Native::MathExp, [fl(0.0), 0], 1.0),
            (Native::MathLog, [fl(1.0), 0], 0.0),
            (Native::MathFloor, [fl(-0.5), 0], -1.0),
            (Native::MathCeil, [fl(-0.5), 0], -0.0),
            (Native::MathRound, [fl(2.5), 0], 3.0),
        ] {
            assert_eq!(c(native, &args), want.to_bits(), "{native:?}");
        }
        let a = c(Native::ArrayNew, &[d, 0, 0]);
        assert_eq!(c(Native::AnyArrayPush, &[a, s]), 1);
        assert_eq!(c(Native::AnyArrayUnshift, &[a, t]), 2);
        assert_eq!(c(Native::AnyArrayPop, &[a]), s);
        assert_eq!(c(Native::AnyArrayShift, &[a]), t);
        assert_eq!(c(Native::AnyArrayPop, &[a]), abi::UNDEFINED);
        let e = call(&mut rt, &mut io, Native::AnyArrayPush, &[a, int(1)]).unwrap_err();
        assert_eq!(
            e.message_bytes(),
            b"type error: expected string, got integer"
        );
    }
}
