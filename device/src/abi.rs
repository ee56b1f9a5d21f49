//! The contract between generated code, the host compiler and the device runtime: the value
//! model, object layouts, the native function table, run-time error kinds and the host board's
//! context layout. Everything here is shared by every board unless its name says otherwise.
//!
//! # Values
//! Every value is one 32-bit word. Typed `integer`/`boolean`/enum values are raw i32 (booleans 0
//! or 1), `float` is raw f32 bits, references are device addresses (0 is `null`/`undefined`).
//! An `any` word is tagged by its low bits:
//! - `…1`: a 31-bit integer `v`, stored as `(v << 1) | 1`; integers that need all 32 bits are
//!   boxed in a [`KIND_BOXED_INT`] object;
//! - `…10`: a float whose 30-bit payload keeps every bit of it: ±0.0 and the floats with a
//!   biased exponent in 96..=158 (magnitudes from 2⁻³¹ to below 2³²) are inline (see
//!   [`inline_float_word`]); the others (tiny, huge, infinities, NaN) are boxed in a
//!   [`KIND_BOXED_FLOAT`] object, so no float loses precision or range in an `any`;
//! - `…00`: [`UNDEFINED`] (0), [`FALSE`], [`TRUE`], or the address of an object (always above
//!   [`MIN_OBJECT_ADDRESS`]). A reference therefore *is* its own `any` word.
//!
//! # Objects
//! Every object starts with a header word whose low 8 bits are its kind (`KIND_*`); the other
//! bits belong to the runtime (mark bit, size). Layouts, as byte offsets:
//! - string: header, `len: u32` at [`STRING_LEN`], bytes from [`STRING_BYTES`] (not terminated);
//! - array: header, descriptor address at [`ARRAY_DESC`], `len: u32` at [`ARRAY_LEN`], address
//!   of the element storage at [`ARRAY_DATA`] (elements are 4-byte words: i32, f32 bits, or
//!   references/any words, as the descriptor says, or single bytes for [`ELEM_U8`]); the
//!   runtime keeps the capacity after that;
//! - boxed integer: header, `value: i32` at [`BOXED_INT_VALUE`];
//! - boxed float: header, the f32 bits at [`BOXED_FLOAT_VALUE`];
//! - class instance: header, class descriptor address at [`INSTANCE_CLASS`], then one word per
//!   field from [`INSTANCE_FIELDS`] (inherited fields first), in the representation its
//!   [run-time type](#run-time-types) says (raw i32, f32 bits, reference or `any` word);
//! - closure (a function value): header, function descriptor address at [`CLOSURE_FUNCTION`],
//!   then one word per captured value from [`CLOSURE_CAPTURES`];
//! - cell (a captured variable that is assigned after capture, shared by reference): header,
//!   the value word at [`CELL_VALUE`], and at [`CELL_TRACED`] 1 when the value is a reference or
//!   `any` word (traced), else 0.
//!
//! Static objects (string constants, static closures) and descriptors (array, class, function)
//! are placed by the host in the data region and are never collected; the GC only traces
//! addresses inside the heap.
//!
//! An array descriptor is four words at a host-chosen static address: the element storage kind
//! (`ELEM_*`), the address of a static string naming the array type (`integer[]`), and the
//! run-time type of the elements (kind and aux word, see below). `Uint8Array` is an array whose
//! storage kind is [`ELEM_U8`] (one byte per element); `FixedArray` is an array of `any` words
//! with its own descriptor. Neither grows.
//!
//! # Run-time types
//! Where the runtime must check or convert a value by its static type (a field set through
//! `any`, an array element set through `any`, an `any` converted to a class or function type),
//! the type is a pair of words: a kind (`TYPE_*`, possibly or-ed with [`TYPE_NULLABLE`]) and an
//! aux word whose meaning depends on the kind (an array descriptor, a class descriptor, or a
//! function type's name string).
//!
//! # Class descriptors
//! Static, placed by the host in the data region, 4-aligned, at byte offsets:
//! - [`CLASS_SUPER`]: the superclass's descriptor address, or 0;
//! - [`CLASS_NAME`]: a static string with the class name;
//! - [`CLASS_FIELD_COUNT`]: the number of instance fields, inherited ones included;
//! - [`CLASS_FIELDS`]: the address of the field table: [`CLASS_FIELD_COUNT`] entries of
//!   [`FIELD_ENTRY_SIZE`] bytes, in instance order: the name (static string address), the
//!   run-time type kind, its aux word;
//! - [`CLASS_METHOD_COUNT`]: the number of entries of the method table (the vtable);
//! - from [`CLASS_METHODS`]: the method table, entries of [`METHOD_ENTRY_SIZE`] bytes: the
//!   name (static string address), the arity (without `this`), the function-table slot of the
//!   typed method (`this`, typed arguments), and the slot of its `any` adapter (`this`, `any`
//!   arguments → `any` result). A subclass's table starts with its superclass's entries, in the
//!   same order (overrides replace the slots in place), so a method's index is the same in
//!   every subclass: a virtual call loads the slot from the receiver's descriptor.
//!
//! # Function descriptors
//! Static, one per function body that becomes a value (an arrow function, or a top-level
//! function used as a value), at byte offsets:
//! - [`FUNC_TYPE_NAME`]: a static string with the function type's name
//!   (`(integer, any) => float`); converting an `any` to a function type compares it;
//! - [`FUNC_ARITY`]: the number of parameters;
//! - [`FUNC_SLOT`]: the slot of the typed entry (closure, typed arguments);
//! - [`FUNC_ADAPTER`]: the slot of the `any` adapter (closure, `any` arguments → `any`);
//! - [`FUNC_CAPTURE_COUNT`]: how many words the closure captures;
//! - from [`FUNC_CAPTURE_TRACED`]: one word per capture, 1 when that capture is traced
//!   (a reference, an `any` word or a cell), else 0.
//!
//! A top-level function used as a value is a static closure object (header, descriptor) in the
//! data region.

/// The `any` word of `null`/`undefined` (also the null reference).
pub const UNDEFINED: u32 = 0;
/// The `any` word of `false`.
pub const FALSE: u32 = 4;
/// The `any` word of `true`.
pub const TRUE: u32 = 8;
/// Object addresses are at least this large, so small words are never mistaken for objects.
pub const MIN_OBJECT_ADDRESS: u32 = 0x1000;

/// Object kind: an immutable byte string.
pub const KIND_STRING: u32 = 1;
/// Object kind: an array with a descriptor.
pub const KIND_ARRAY: u32 = 2;
/// Object kind: the element storage of a grown array (runtime-internal).
pub const KIND_STORAGE: u32 = 3;
/// Object kind: an integer that does not fit in 31 bits, boxed for `any`.
pub const KIND_BOXED_INT: u32 = 4;
/// Object kind: a float without an inline `any` word, boxed for `any`.
pub const KIND_BOXED_FLOAT: u32 = 8;
/// Byte offset of a boxed float's bits.
pub const BOXED_FLOAT_VALUE: i32 = 4;

/// Subtracted from a float's bits rotated left by one (exponent on top, sign at the bottom) to
/// put the inline exponent window 96..=158 at 1..=63.
pub const FLOAT_WINDOW_BIAS: u32 = 95 << 24;

/// The inline `any` word of the float with bits `bits`, if it has one: the bits are rotated
/// left by one and, unless they are ±0.0, moved down by [`FLOAT_WINDOW_BIAS`]; the payload
/// then fits in 30 bits exactly when the exponent is in the window.
pub const fn inline_float_word(bits: u32) -> Option<u32> {
    let r = bits.rotate_left(1);
    if r <= 1 {
        return Some((r << 2) | 2);
    }
    let d = r.wrapping_sub(FLOAT_WINDOW_BIAS);
    if d.wrapping_sub(1 << 24) < (1 << 30) - (1 << 24) {
        Some((d << 2) | 2)
    } else {
        None
    }
}

/// The float bits of inline float `any` word `word` (the inverse of [`inline_float_word`]).
pub const fn inline_float_bits(word: u32) -> u32 {
    let d = word >> 2;
    let r = if d <= 1 {
        d
    } else {
        d.wrapping_add(FLOAT_WINDOW_BIAS)
    };
    r.rotate_right(1)
}

/// Object kind: an instance of a user class.
pub const KIND_INSTANCE: u32 = 5;
/// Object kind: a closure (function value).
pub const KIND_CLOSURE: u32 = 6;
/// Object kind: a cell holding a captured variable.
pub const KIND_CELL: u32 = 7;
/// Mask of the kind bits in an object header.
pub const KIND_MASK: u32 = 0xff;

/// Byte offset of a string's length.
pub const STRING_LEN: i32 = 4;
/// Byte offset of a string's first byte.
pub const STRING_BYTES: i32 = 8;
/// Byte offset of an array's descriptor address.
pub const ARRAY_DESC: i32 = 4;
/// Byte offset of an array's length.
pub const ARRAY_LEN: i32 = 8;
/// Byte offset of an array's element storage address.
pub const ARRAY_DATA: i32 = 12;
/// Byte offset of a boxed integer's value.
pub const BOXED_INT_VALUE: i32 = 4;

/// Byte offset of an instance's class descriptor address.
pub const INSTANCE_CLASS: i32 = 4;
/// Byte offset of an instance's first field.
pub const INSTANCE_FIELDS: i32 = 8;
/// Byte offset of a closure's function descriptor address.
pub const CLOSURE_FUNCTION: i32 = 4;
/// Byte offset of a closure's first captured word.
pub const CLOSURE_CAPTURES: i32 = 8;
/// Byte offset of a cell's value.
pub const CELL_VALUE: i32 = 4;
/// Byte offset of a cell's traced flag.
pub const CELL_TRACED: i32 = 8;

/// Class descriptor: superclass descriptor address or 0.
pub const CLASS_SUPER: i32 = 0;
/// Class descriptor: class name string address.
pub const CLASS_NAME: i32 = 4;
/// Class descriptor: number of instance fields.
pub const CLASS_FIELD_COUNT: i32 = 8;
/// Class descriptor: address of the field table.
pub const CLASS_FIELDS: i32 = 12;
/// Class descriptor: number of method table entries.
pub const CLASS_METHOD_COUNT: i32 = 16;
/// Class descriptor: the first method table entry.
pub const CLASS_METHODS: i32 = 20;
/// Size of a field table entry: name, type kind, type aux.
pub const FIELD_ENTRY_SIZE: u32 = 12;
/// Size of a method table entry: name, arity, typed slot, adapter slot.
pub const METHOD_ENTRY_SIZE: u32 = 16;
/// Offset of the typed slot within a method table entry.
pub const METHOD_SLOT: i32 = 8;
/// Offset of the adapter slot within a method table entry.
pub const METHOD_ADAPTER: i32 = 12;

/// Function descriptor: the function type's name string address.
pub const FUNC_TYPE_NAME: i32 = 0;
/// Function descriptor: the number of parameters.
pub const FUNC_ARITY: i32 = 4;
/// Function descriptor: the typed entry's slot.
pub const FUNC_SLOT: i32 = 8;
/// Function descriptor: the `any` adapter's slot.
pub const FUNC_ADAPTER: i32 = 12;
/// Function descriptor: the number of captured words.
pub const FUNC_CAPTURE_COUNT: i32 = 16;
/// Function descriptor: the first capture's traced flag.
pub const FUNC_CAPTURE_TRACED: i32 = 20;

/// Run-time type kind: a raw i32 integer (also enums).
pub const TYPE_INT: u32 = 0;
/// Run-time type kind: f32 bits.
pub const TYPE_FLOAT: u32 = 1;
/// Run-time type kind: a boolean (raw 0 or 1).
pub const TYPE_BOOL: u32 = 2;
/// Run-time type kind: an `any` word.
pub const TYPE_ANY: u32 = 3;
/// Run-time type kind: a string reference.
pub const TYPE_STRING: u32 = 4;
/// Run-time type kind: an array with the array descriptor in the aux word.
pub const TYPE_ARRAY: u32 = 5;
/// Run-time type kind: an instance of the class whose descriptor is the aux word (or of a
/// subclass).
pub const TYPE_INSTANCE: u32 = 6;
/// Run-time type kind: a closure whose function type's name equals the string in the aux word.
pub const TYPE_FUNCTION: u32 = 7;
/// Run-time type kind: `object` (any string, array, instance or closure).
pub const TYPE_OBJECT: u32 = 8;
/// Flag or-ed into a reference type kind: `null`/`undefined` is also accepted.
pub const TYPE_NULLABLE: u32 = 0x100;

/// Array descriptor element kind: raw i32 (integer, boolean, enum).
pub const ELEM_I32: u32 = 0;
/// Array descriptor element kind: raw f32 bits.
pub const ELEM_F32: u32 = 1;
/// Array descriptor element kind: references (traced).
pub const ELEM_REF: u32 = 2;
/// Array descriptor element kind: `any` words (traced).
pub const ELEM_ANY: u32 = 3;
/// Array descriptor element kind: bytes (`Uint8Array`), one per element.
pub const ELEM_U8: u32 = 4;
/// Byte offset of the element kind in an array descriptor.
pub const DESC_ELEM_KIND: i32 = 0;
/// Byte offset of the type-name string address in an array descriptor.
pub const DESC_NAME: i32 = 4;
/// Byte offset of the elements' run-time type kind (`TYPE_*`) in an array descriptor.
pub const DESC_ELEM_TYPE: i32 = 8;
/// Byte offset of the elements' run-time type aux word in an array descriptor.
pub const DESC_ELEM_AUX: i32 = 12;
/// Size in bytes of an array descriptor.
pub const DESC_SIZE: u32 = 16;

/// The header word of a static string placed by the host (kind only; the runtime ignores the
/// other bits of objects outside its heap).
pub const STATIC_STRING_HEADER: u32 = KIND_STRING;
/// The header word of a static closure object placed by the host.
pub const STATIC_CLOSURE_HEADER: u32 = KIND_CLOSURE;

/// Output stream numbers used by the print natives and [`crate::protocol`] output frames.
pub const STREAM_STDOUT: u32 = 1;
/// Standard error (`console.error`).
pub const STREAM_STDERR: u32 = 2;
/// The names of a program's tests, one per output frame ([`Native::ListTest`]).
pub const STREAM_TEST: u32 = 3;

/// The kind of a run-time error, reported with the faulting code address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ErrorKind {
    /// An array or string index outside `0..length`.
    IndexOutOfRange = 1,
    /// Integer division or remainder by zero.
    DivisionByZero = 2,
    /// A value of the wrong type where a type was required (failed `any` conversion).
    TypeError = 3,
    /// The heap is full even after a collection.
    OutOfMemory = 4,
    /// The call stack (machine or shadow) is exhausted.
    StackOverflow = 5,
    /// The host interrupted the running program.
    Interrupted = 6,
    /// A property or method that an `any` value lacks, or calling a value that is not a
    /// function (or with the wrong number of arguments).
    NoSuchProperty = 7,
    /// A failed `assert` or `assertEqual` (in a test).
    AssertionFailed = 8,
}

impl ErrorKind {
    /// The kind with wire number `n`.
    pub fn from_u8(n: u8) -> Option<ErrorKind> {
        use ErrorKind::*;
        [
            IndexOutOfRange,
            DivisionByZero,
            TypeError,
            OutOfMemory,
            StackOverflow,
            Interrupted,
            NoSuchProperty,
            AssertionFailed,
        ]
        .into_iter()
        .find(|k| *k as u8 == n)
    }
}

/// The machine class of a native function's parameter or result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NativeTy {
    /// A raw i32 word.
    I32,
    /// An f32.
    F32,
    /// A reference.
    Ref,
    /// An `any` word.
    Any,
}

macro_rules! natives {
    ($( $(#[$doc:meta])* $name:ident = $id:literal ( $($p:ident),* ) -> $ret:tt ),* $(,)?) => {
        /// The native functions of the device runtime, numbered as in the native table.
        /// Generated code calls them through that table; their numbers are part of the protocol.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum Native {
            $( $(#[$doc])* $name = $id, )*
        }

        impl Native {
            /// Every native, in table order.
            pub const ALL: &'static [Native] = &[$(Native::$name),*];

            /// The parameter classes.
            pub fn params(self) -> &'static [NativeTy] {
                match self { $( Native::$name => &[$(NativeTy::$p),*], )* }
            }

            /// The result class; `None` for no result. Natives named `Raise*` never return.
            pub fn result(self) -> Option<NativeTy> {
                match self { $( Native::$name => natives!(@ret $ret), )* }
            }

            /// The native with table number `id`.
            pub fn from_id(id: u32) -> Option<Native> {
                Native::ALL.get(id as usize).copied().filter(|n| *n as u32 == id)
            }
        }
    };
    (@ret None) => { None };
    (@ret $t:ident) => { Some(NativeTy::$t) };
}

natives! {
    /// Raise an index error: `(index, length)`.
    RaiseIndexOutOfRange = 0 (I32, I32) -> None,
    /// Raise an integer division by zero.
    RaiseDivisionByZero = 1 () -> None,
    /// Raise a stack overflow (generated prologues check the stack limits).
    RaiseStackOverflow = 2 () -> None,
    /// Box an integer that may not fit in 31 bits.
    BoxInt = 3 (I32) -> Any,
    /// Box a float (also used for exact NaN/infinity handling).
    BoxFloat = 4 (F32) -> Any,
    /// `any` → integer; raises a type error unless the value is an integer.
    UnboxInt = 5 (Any) -> I32,
    /// `any` → float; accepts integers and floats.
    UnboxFloat = 6 (Any) -> F32,
    /// `any` → boolean; raises unless the value is a boolean.
    UnboxBool = 7 (Any) -> I32,
    /// `any` → string; raises unless the value is a string.
    UnboxString = 8 (Any) -> Ref,
    /// `any` → array with the given descriptor address: the array itself when its type is that
    /// one, a converted copy between `T[]` and `any[]`; raises otherwise.
    UnboxArray = 9 (Any, I32) -> Ref,
    /// Dynamic `+` (numbers, or concatenation when either side is a string).
    AnyAdd = 10 (Any, Any) -> Any,
    /// Dynamic `-`.
    AnySub = 11 (Any, Any) -> Any,
    /// Dynamic `*`.
    AnyMul = 12 (Any, Any) -> Any,
    /// Dynamic `/` (integer division when both are integers).
    AnyDiv = 13 (Any, Any) -> Any,
    /// Dynamic `%` (both must be integers).
    AnyRem = 14 (Any, Any) -> Any,
    /// Dynamic unary `-`.
    AnyNeg = 15 (Any) -> Any,
    /// Dynamic `<`, `<=`, `>`, `>=`: `(a, b, op)` with op 0, 1, 2, 3; result 0 or 1.
    AnyCompare = 16 (Any, Any, I32) -> I32,
    /// Dynamic `===` (numbers compare by value, strings by content); result 0 or 1.
    AnyEqual = 17 (Any, Any) -> I32,
    /// Truthiness of an `any`; result 0 or 1.
    AnyTruthy = 18 (Any) -> I32,
    /// Concatenate two strings.
    StringConcat = 19 (Ref, Ref) -> Ref,
    /// String equality by content; result 0 or 1.
    StringEqual = 20 (Ref, Ref) -> I32,
    /// Byte-wise comparison: -1, 0 or 1.
    StringCompare = 21 (Ref, Ref) -> I32,
    /// Decimal text of an integer.
    IntToString = 22 (I32) -> Ref,
    /// Short text of a float (`2.5`, `2.0`, `0.333333`, `nan`).
    FloatToString = 23 (F32) -> Ref,
    /// `true` / `false`.
    BoolToString = 24 (I32) -> Ref,
    /// Text of any value, as string concatenation shows it.
    AnyToString = 25 (Any) -> Ref,
    /// `s.startsWith(t)`.
    StringStartsWith = 26 (Ref, Ref) -> I32,
    /// `s.endsWith(t)`.
    StringEndsWith = 27 (Ref, Ref) -> I32,
    /// `s.substring(start, end)` with JavaScript's clamping and swapping.
    StringSubstring = 28 (Ref, I32, I32) -> Ref,
    /// `s.charCodeAt(i)`; raises an index error outside the string.
    StringCharCodeAt = 29 (Ref, I32) -> I32,
    /// `s.indexOf(t)`; -1 when absent.
    StringIndexOf = 30 (Ref, Ref) -> I32,
    /// A new array: `(descriptor, length, initial element word)` (its low byte for
    /// [`ELEM_U8`]); raises on a negative length.
    ArrayNew = 31 (I32, I32, I32) -> Ref,
    /// `a.push(v)` → new length.
    ArrayPush = 32 (Ref, I32) -> I32,
    /// `a.pop()` → the removed element word (0 when empty).
    ArrayPop = 33 (Ref) -> I32,
    /// `a.shift()` → the removed first element word (0 when empty).
    ArrayShift = 34 (Ref) -> I32,
    /// `a.unshift(v)` → new length.
    ArrayUnshift = 35 (Ref, I32) -> I32,
    /// `v[i]` where `v` is an `any` holding an array or string.
    AnyIndexGet = 36 (Any, I32) -> Any,
    /// `v[i] = x` where `v` is an `any` holding an array (checked against the element type).
    AnyIndexSet = 37 (Any, I32, Any) -> None,
    /// `v.length` where `v` is an `any`: the length of an array or string, or the `length`
    /// property of an instance, as an `any` word.
    AnyLength = 38 (Any) -> Any,
    /// Append an integer's text to the current output line.
    PrintInt = 39 (I32) -> None,
    /// Append a float with C's `%f` (six decimals).
    PrintFloat = 40 (F32) -> None,
    /// Append `true` / `false`.
    PrintBool = 41 (I32) -> None,
    /// Append any reference: a string's bytes, `<class T[]>` for arrays, `undefined` for null.
    PrintRef = 42 (Ref) -> None,
    /// Append an `any` value.
    PrintAny = 43 (Any) -> None,
    /// Append one space.
    PrintSpace = 44 () -> None,
    /// End the current output line with a newline and send it to the stream (`STREAM_*`).
    PrintEnd = 45 (I32) -> None,
    /// Milliseconds since start-up.
    TimeNow = 46 () -> F32,
    /// Wait for the given number of milliseconds.
    TimeDelay = 47 (I32) -> None,
    /// Raise a type error naming the expected type: `(expected type name string, value)`.
    RaiseTypeError = 48 (Ref, Any) -> None,
    /// Integer `a ** b` with wrapping multiplication; a negative exponent gives the integer part
    /// of the exact result (0, except for the bases 1 and -1).
    PowInt = 49 (I32, I32) -> I32,
    /// Float `a ** b`, both operands given as their bits.
    PowFloat = 50 (I32, I32) -> F32,
    /// Start an output line for a stream (`STREAM_*`), so that the pieces of a line too long to
    /// buffer go to that stream; `PrintEnd` returns to standard output.
    PrintBegin = 51 (I32) -> None,
    /// A new instance of the class with descriptor `desc`, every field zero.
    NewInstance = 52 (I32) -> Ref,
    /// A new closure with function descriptor `desc`, every capture zero.
    NewClosure = 53 (I32) -> Ref,
    /// A new cell, value zero: `(traced)`.
    NewCell = 54 (I32) -> Ref,
    /// Whether a value is an instance of the class with descriptor `desc` or of a subclass:
    /// `(value, desc)` → 0 or 1 (0 for `null` and non-instances).
    InstanceOf = 55 (Any, I32) -> I32,
    /// Checked conversion of an `any` (or a reference being down-cast) to a reference type:
    /// `(value, type kind, type aux)` → the reference; raises a type error when it does not fit.
    UnboxRef = 56 (Any, I32, I32) -> Ref,
    /// `value.name` on an `any` value: an instance's field (boxed to `any`), or `length` of an
    /// array or string; raises when there is no such property.
    AnyGetProperty = 57 (Any, Ref) -> Any,
    /// `value.name = x` on an `any` value: converts `x` to the field's type (raising when it does
    /// not fit) and stores it; raises when there is no such field.
    AnySetProperty = 58 (Any, Ref, Any) -> None,
    /// The adapter slot of method `name` of an `any` receiver called with `argc` arguments:
    /// `(receiver, name, argc)`; raises when there is no such method or the arity differs.
    /// Built-in methods of arrays and strings answer with the slots of [`BUILTIN_METHODS`]
    /// (the array methods only on growable arrays, whose type name ends with `[]`).
    AnyMethod = 59 (Any, Ref, I32) -> I32,
    /// The adapter slot of an `any` value called as a function with `argc` arguments; raises
    /// when it is not a function or the arity differs.
    AnyFunction = 60 (Any, I32) -> I32,
    /// Dynamic `**`.
    AnyPow = 61 (Any, Any) -> Any,
    /// `Math.sqrt`.
    MathSqrt = 62 (F32) -> F32,
    /// `Math.sin`.
    MathSin = 63 (F32) -> F32,
    /// `Math.cos`.
    MathCos = 64 (F32) -> F32,
    /// `Math.tan`.
    MathTan = 65 (F32) -> F32,
    /// `Math.atan2(y, x)`.
    MathAtan2 = 66 (F32, F32) -> F32,
    /// `Math.exp`.
    MathExp = 67 (F32) -> F32,
    /// `Math.log` (natural logarithm).
    MathLog = 68 (F32) -> F32,
    /// `Math.floor`.
    MathFloor = 69 (F32) -> F32,
    /// `Math.ceil`.
    MathCeil = 70 (F32) -> F32,
    /// `Math.round`: JavaScript's rounding, halves toward positive infinity.
    MathRound = 71 (F32) -> F32,
    /// `a.push(v)` on an `any` array: converts `v` to the element type → new length.
    AnyArrayPush = 72 (Any, Any) -> I32,
    /// `a.pop()` on an `any` array → the element as `any` (`undefined` when empty).
    AnyArrayPop = 73 (Any) -> Any,
    /// `a.shift()` on an `any` array → the element as `any`.
    AnyArrayShift = 74 (Any) -> Any,
    /// `a.unshift(v)` on an `any` array → new length.
    AnyArrayUnshift = 75 (Any, Any) -> I32,
    /// Raise [`ErrorKind::Interrupted`]: generated code polls the interrupt flag
    /// (`MemoryMap::interrupt_flag`) at loop back-edges and before calls and calls this
    /// when the host has interrupted the run.
    RaiseInterrupted = 76 () -> None,
    /// `assert(cond)`: raises [`ErrorKind::AssertionFailed`] unless `cond` is 1.
    AssertTrue = 77 (I32) -> None,
    /// `assertEqual(actual, expected)`: raises [`ErrorKind::AssertionFailed`], showing both
    /// values, unless they are equal as `===` compares them.
    AssertEqual = 78 (Any, Any) -> None,
    /// Sends a test's name (a string) on [`STREAM_TEST`] (`bs test` listing a program's tests).
    ListTest = 79 (Ref) -> None,
    /// Float `a / b` (the ESP32's FPU has no division instruction).
    FloatDiv = 80 (F32, F32) -> F32,
}

impl Native {
    /// Whether the native never allocates, and so never collects garbage: a call of it is no
    /// safepoint. (Those that raise stop the program.) Every native is listed, so that a new
    /// one must be classified.
    pub fn never_collects(self) -> bool {
        use Native::*;
        match self {
            RaiseIndexOutOfRange | RaiseDivisionByZero | RaiseStackOverflow | RaiseTypeError
            | RaiseInterrupted | UnboxInt | UnboxFloat | UnboxBool | UnboxString | UnboxRef
            | AnyCompare | AnyEqual | AnyTruthy | StringEqual | StringCompare
            | StringStartsWith | StringEndsWith | StringCharCodeAt | StringIndexOf | PrintInt
            | PrintFloat | PrintBool | PrintRef | PrintAny | PrintSpace | PrintEnd | PrintBegin
            | TimeNow | TimeDelay | PowInt | PowFloat | InstanceOf | AnyMethod | AnyFunction
            | MathSqrt | MathSin | MathCos | MathTan | MathAtan2 | MathExp | MathLog
            | MathFloor | MathCeil | MathRound | FloatDiv | AssertTrue | AssertEqual | ListTest => {
                true
            }
            BoxInt | BoxFloat | UnboxArray | AnyAdd | AnySub | AnyMul | AnyDiv | AnyRem
            | AnyNeg | StringConcat | IntToString | FloatToString | BoolToString | AnyToString
            | StringSubstring | ArrayNew | ArrayPush | ArrayPop | ArrayShift | ArrayUnshift
            | AnyIndexGet | AnyIndexSet | AnyLength | NewInstance | NewClosure | NewCell
            | AnyGetProperty | AnySetProperty | AnyPow | AnyArrayPush | AnyArrayPop
            | AnyArrayShift | AnyArrayUnshift => false,
        }
    }
}

/// A built-in method that an `any` receiver can call by name: the receiver's kind, the name
/// and the arity. The host compiler generates an `any` adapter for each and places it at the
/// function-table slot equal to its index here, so these slots are reserved in every program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BuiltinMethod {
    /// The receiver's object kind (`KIND_STRING` or `KIND_ARRAY`).
    pub receiver: u32,
    /// The method name.
    pub name: &'static str,
    /// The number of arguments.
    pub arity: u32,
}

/// What [`Native::AnyMethod`] answers when the receiver has a property (field) of that name
/// rather than a method: the caller reads the property and calls its value as a function.
pub const PROPERTY_SLOT: u32 = u32::MAX;

/// The built-in methods callable on `any` receivers; the index is the reserved slot.
pub const BUILTIN_METHODS: &[BuiltinMethod] = &[
    BuiltinMethod {
        receiver: KIND_ARRAY,
        name: "push",
        arity: 1,
    },
    BuiltinMethod {
        receiver: KIND_ARRAY,
        name: "pop",
        arity: 0,
    },
    BuiltinMethod {
        receiver: KIND_ARRAY,
        name: "shift",
        arity: 0,
    },
    BuiltinMethod {
        receiver: KIND_ARRAY,
        name: "unshift",
        arity: 1,
    },
    BuiltinMethod {
        receiver: KIND_STRING,
        name: "startsWith",
        arity: 1,
    },
    BuiltinMethod {
        receiver: KIND_STRING,
        name: "endsWith",
        arity: 1,
    },
    BuiltinMethod {
        receiver: KIND_STRING,
        name: "substring",
        arity: 2,
    },
    BuiltinMethod {
        receiver: KIND_STRING,
        name: "charCodeAt",
        arity: 1,
    },
    BuiltinMethod {
        receiver: KIND_STRING,
        name: "indexOf",
        arity: 1,
    },
];

/// The host board's context block, which generated x86-64 code reaches through a pinned register.
/// Generated code and the host port must agree on these byte offsets.
pub mod host {
    /// Offset of the shadow-stack pointer (a device address, u32): the lowest used slot.
    pub const CTX_SHADOW_SP: i32 = 8;
    /// Offset of the shadow-stack limit (u32): the shadow stack may not grow below it.
    pub const CTX_SHADOW_LIMIT: i32 = 12;
    /// Offset of the machine-stack limit (u64 host address): `rsp` must stay above it.
    pub const CTX_STACK_LIMIT: i32 = 16;
    /// Offset of the stack pointer saved by the host port's entry trampoline (u64, private to
    /// the host port): a raising native unwinds to it.
    pub const CTX_SAVED_RSP: i32 = 24;
    /// Offset of the return address of the latest native call (u64 host address, private to the
    /// host port): the native table's thunks store `[rsp]` here before entering the native.
    pub const CTX_NATIVE_RETURN: i32 = 32;
    /// Offset of the number of the native being called (u32, private to the host port): stored
    /// by the native table's thunks (or a sentinel for an unset function slot or native).
    pub const CTX_NATIVE_ID: i32 = 40;
    /// Offset of the native table: `NATIVE_SLOTS` host code pointers (u64).
    pub const CTX_NATIVES: i32 = 64;
    /// Number of native table entries reserved.
    pub const NATIVE_SLOTS: u32 = 128;
    /// Offset of the BlueScript function table: host code pointers (u64), one per slot.
    pub const CTX_FUNCTIONS: i32 = CTX_NATIVES + 8 * NATIVE_SLOTS as i32;
}

/// The ESP32 boards (`esp32-sim`, and the runtime firmware on an ESP32): where generated Xtensa
/// code finds the runtime. Addresses are real ESP32 addresses: the code lives in instruction RAM,
/// the context block, the function table and the machine stack in internal data RAM, and the data
/// arena (data region, shadow stack, heap) in the external PSRAM window of an ESP32-WROVER.
///
/// Generated code follows the windowed ABI: a BlueScript function starts with `entry`, takes its
/// arguments in `a2..a7` and returns its result in `a2` with `retw`; callers use `call8`/`callx8`
/// (arguments in `a10..a15`, result in `a10`). Floats travel as their bits in address registers.
/// - A BlueScript function `slot` is called by loading the word at `FUNCTION_TABLE + 4 * slot`
///   and `callx8`-ing it.
/// - Native `id` (`Native as u32`) is called with `callx8` at `NATIVE_VECTOR + 4 * id`. On the
///   chip the firmware places a jump to the native there; the simulator intercepts execution at
///   these addresses and runs the runtime's native with the caller's `a10..a15` as arguments,
///   writes the result to the caller's `a10`, and returns to the caller. The return address the
///   native sees (the call's) is what a run-time error reports, as on the host board.
/// - The shadow stack pointer is the u32 at [`esp32::CTX_SHADOW_SP`](self::esp32::CTX_SHADOW_SP),
///   its limit at [`esp32::CTX_SHADOW_LIMIT`](self::esp32::CTX_SHADOW_LIMIT); a function with GC
///   root slots moves the pointer down in its prologue (raising a stack overflow below the
///   limit) and back up before it returns, as on the host board.
/// - The machine stack grows down from [`esp32::STACK_TOP`](self::esp32::STACK_TOP); an `entry`
///   that would move `a1` below [`esp32::STACK_LIMIT`](self::esp32::STACK_LIMIT) raises a stack
///   overflow (the simulator checks it; on the chip, the firmware's stack-end watchpoint).
pub mod esp32 {
    /// A machine-stack overflow faults at a function's `entry` instruction; the board reports
    /// the address this far after it (the end of the 3-byte `entry`), where the code generator
    /// records the function's location. (The `entry` itself may be the return address of a
    /// raise that ends the function placed before.)
    pub const ENTRY_FAULT_OFFSET: u32 = 3;
    /// The native vector in instruction RAM: native `id` is entered at `NATIVE_VECTOR + 4 * id`.
    pub const NATIVE_VECTOR: u32 = 0x4008_0000;
    /// Number of native vector entries; the last one is where unset function slots point, and
    /// entering it raises an error.
    pub const NATIVE_SLOTS: u32 = 128;
    /// The vector entry that unset function-table slots hold.
    pub const UNSET_SLOT_ENTRY: u32 = NATIVE_VECTOR + 4 * (NATIVE_SLOTS - 1);
    /// The return address a run's entry point is called with (the vector entry before
    /// [`UNSET_SLOT_ENTRY`]): reaching it ends the run. Natives are numbered below it.
    pub const RUN_RETURN: u32 = NATIVE_VECTOR + 4 * (NATIVE_SLOTS - 2);
    /// First address of the code region (instruction RAM after the native vector).
    pub const CODE_BASE: u32 = NATIVE_VECTOR + 4 * NATIVE_SLOTS;
    /// One past the last address of instruction RAM.
    pub const CODE_END: u32 = 0x400A_0000;
    /// The context block in internal data RAM.
    pub const CONTEXT: u32 = 0x3FFB_0000;
    /// Address of the shadow-stack pointer (u32): the lowest used slot.
    pub const CTX_SHADOW_SP: u32 = CONTEXT;
    /// Address of the shadow-stack limit (u32): the shadow stack may not grow below it.
    pub const CTX_SHADOW_LIMIT: u32 = CONTEXT + 4;
    /// The function table: slot `s` holds the code address of its function at
    /// `FUNCTION_TABLE + 4 * s`.
    pub const FUNCTION_TABLE: u32 = CONTEXT + 0x100;
    /// Number of function-table slots.
    pub const FUNCTION_SLOTS: u32 = 4096;
    /// One past the highest machine-stack address: `a1` at the start of a run.
    pub const STACK_TOP: u32 = 0x4000_0000;
    /// The machine stack may not go below this address (64 KiB of stack).
    pub const STACK_LIMIT: u32 = STACK_TOP - (64 << 10);
    /// First address of the data arena (the PSRAM window).
    pub const ARENA_BASE: u32 = 0x3F80_0000;
    /// Size of the data arena: 4 MiB of PSRAM.
    pub const ARENA_SIZE: u32 = 4 << 20;
    /// Size of the data region at the start of the arena.
    pub const DATA_SIZE: u32 = 256 << 10;
    /// Size of the shadow stack after the data region.
    pub const SHADOW_SIZE: u32 = 64 << 10;
    /// The largest heap: the rest of the arena.
    pub const MAX_HEAP_SIZE: u32 = ARENA_SIZE - DATA_SIZE - SHADOW_SIZE;

    /// The flash layout of an ESP32 board that `bs build --release` writes
    /// (`target/release/NAME.flash.bin`, from flash address 0) and `bs flash` flashes: the
    /// ESP-IDF second-stage bootloader at the chip's boot address (0x1000 on the ESP32, 0 on
    /// the ESP32-S3), the partition table at [`PARTITION_TABLE`](flash::PARTITION_TABLE), the
    /// runtime firmware in the `factory` app partition, and the program's `.bsimg` (see
    /// [`crate::image`]) at the first byte of the data partition `bsimg`, where the runtime
    /// firmware reads it at boot. The image is self-delimiting (header, sections, CRC-32; see
    /// [`crate::image::length`]); the rest of the partition is erased flash (0xFF). The layout
    /// ends at 3 MiB: a board needs 4 MiB of flash, the size espflash's bootloader header
    /// states.
    ///
    /// | name | type | subtype | offset | size |
    /// |---|---|---|---|---|
    /// | `nvs` | data | nvs (0x02) | 0x9000 | 0x6000 |
    /// | `phy_init` | data | phy (0x01) | 0xF000 | 0x1000 |
    /// | `factory` | app | factory (0x00) | 0x10000 | 0x1F0000 |
    /// | `bsimg` | data | undefined (0x06) | 0x200000 | 0x100000 |
    pub mod flash {
        /// Flash address of the partition table.
        pub const PARTITION_TABLE: u32 = 0x8000;
        /// Flash address of the `factory` app partition, which holds the runtime firmware.
        pub const APP_OFFSET: u32 = 0x1_0000;
        /// Size of the `factory` app partition.
        pub const APP_SIZE: u32 = 0x1F_0000;
        /// Name of the data partition that holds the release image.
        pub const IMAGE_PARTITION: &str = "bsimg";
        /// Subtype of that data partition: `undefined`, the one ESP-IDF leaves to an
        /// application's own data.
        pub const IMAGE_SUBTYPE: u8 = 0x06;
        /// Flash address of that partition: the release image's first byte.
        pub const IMAGE_OFFSET: u32 = 0x20_0000;
        /// Size of that partition: the largest release image a board can hold.
        pub const IMAGE_SIZE: u32 = 0x10_0000;
    }
}
