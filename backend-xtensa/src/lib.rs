//! Xtensa machine code for ESP32 (LX6) and ESP32-S3 (LX7): the instruction encoder and the
//! disassembler that the code generator and its tests build on.
//!
//! [`Inst`] is one instruction of the subset a code generator needs: the core ALU, loads and
//! stores, `l32r`, branches, `call0` and the windowed ABI (`entry`, `call8`, `retw`, …), the
//! MUL32 and DIV32 options, the single-precision FP coprocessor, the narrow (`.n`) forms, and
//! `break`/`simcall`. [`encode`] turns one into 2 or 3 little-endian bytes, checking every
//! immediate; [`decode`] goes back; `Display` prints GNU assembler syntax and [`disasm`] lists
//! a block of code.
//!
//! Modules: `isa` (registers, operation groups, [`Inst`], PC-relative conventions), `format`
//! (one builder per instruction format), `encode`, `decode`, `print`.
//!
//! ```
//! use backend_xtensa::{encode, decode, Inst, Reg, RrrOp};
//! let add = Inst::Rrr { op: RrrOp::Add, r: Reg::A2, s: Reg::A3, t: Reg::A4 };
//! let bytes = encode(&add).unwrap();
//! assert_eq!(bytes.as_bytes(), [0x40, 0x23, 0x80]);
//! assert_eq!(decode(bytes.as_bytes()), Some((add, 3)));
//! assert_eq!(add.to_string(), "add a2, a3, a4");
//! ```

#![warn(missing_docs)]

mod codegen;
mod decode;
mod encode;
mod format;
pub mod isa;
mod print;

pub use codegen::{
    CallSite, Calls, CodegenError, MachineCode, PoolLiteral, Reloc, TABLE_CALL_THUNK_SIZE, abi,
    compile, compile_with_calls, compile_with_chunk, native_entry, slot_address, table_call_thunk,
};
pub use decode::{decode, length};
pub use encode::{EncodeError, Encoded, encode};
pub use isa::*;
pub use print::{DisplayAt, disasm};
