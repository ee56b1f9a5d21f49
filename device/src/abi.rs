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
//! - `…10`: a float, stored as its bits with the two lowest mantissa bits replaced by the tag
//!   (`(bits & !3) | 2`): the full exponent range is kept;
//! - `…00`: [`UNDEFINED`] (0), [`FALSE`], [`TRUE`], or the address of an object (always above
//!   [`MIN_OBJECT_ADDRESS`]). A reference therefore *is* its own `any` word.
//!
//! # Objects
//! Every object starts with a header word whose low 8 bits are its kind (`KIND_*`); the other
//! bits belong to the runtime (mark bit, size). Layouts, as byte offsets:
//! - string: header, `len: u32` at [`STRING_LEN`], bytes from [`STRING_BYTES`] (not terminated);
//! - array: header, descriptor address at [`ARRAY_DESC`], `len: u32` at [`ARRAY_LEN`], address
//!   of the element storage at [`ARRAY_DATA`] (elements are 4-byte words: i32, f32 bits, or
//!   references/any words, as the descriptor says); the runtime keeps the capacity after that;
//! - boxed integer: header, `value: i32` at [`BOXED_INT_VALUE`].
//!
//! Static objects (string constants, array descriptors) are placed by the host in the data region
//! and are never collected; the GC only traces addresses inside the heap.
//!
//! An array descriptor is two words at a host-chosen static address: the element kind
//! (`ELEM_*`) and the address of a static string naming the array type (`integer[]`).

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

/// Array descriptor element kind: raw i32 (integer, boolean, enum).
pub const ELEM_I32: u32 = 0;
/// Array descriptor element kind: raw f32 bits.
pub const ELEM_F32: u32 = 1;
/// Array descriptor element kind: references (traced).
pub const ELEM_REF: u32 = 2;
/// Array descriptor element kind: `any` words (traced).
pub const ELEM_ANY: u32 = 3;
/// Byte offset of the element kind in an array descriptor.
pub const DESC_ELEM_KIND: i32 = 0;
/// Byte offset of the type-name string address in an array descriptor.
pub const DESC_NAME: i32 = 4;
/// Size in bytes of an array descriptor.
pub const DESC_SIZE: u32 = 8;

/// The header word of a static string placed by the host (kind only; the runtime ignores the
/// other bits of objects outside its heap).
pub const STATIC_STRING_HEADER: u32 = KIND_STRING;

/// Output stream numbers used by the print natives and [`crate::protocol`] output frames.
pub const STREAM_STDOUT: u32 = 1;
/// Standard error (`console.error`).
pub const STREAM_STDERR: u32 = 2;

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
    /// `any` → array with the given descriptor address; raises unless it matches.
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
    /// A new array: `(descriptor, length, initial element word)`; raises on a negative length.
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
    /// `v.length` where `v` is an `any` holding an array or string.
    AnyLength = 38 (Any) -> I32,
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
}

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
