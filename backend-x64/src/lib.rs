//! IR → x86-64 machine code for the `host` board.
//!
//! [`compile`] turns one verified [`ir::Function`] into position-independent code that follows the
//! System V calling convention with two pinned registers: `r14` points to the context block
//! ([`device::abi::host`]) and `r15` holds the arena bias, so device address `a` is at host
//! address `r15 + a`. Calls go through the context's function and native tables, and every call
//! is recorded as a [`CallSite`] so that run-time errors map back to source locations.
//!
//! Pipeline: the shared optimisations ([`ir::opt`]) → liveness ([`ir::analysis`]) → register allocation by graph colouring with copy
//! coalescing (`regalloc`) → frame layout, prologue and epilogue (`frame`) → instruction
//! selection (`emit`), with parallel moves for parameters and call arguments (`moves`).
//!
//! Registers: `r14`/`r15` pinned; `rax`, `rcx`, `xmm14`, `xmm15` scratch; `rdx` holds vars that
//! no division touches; `r13` holds the shadow-stack frame base in functions with GC root slots;
//! the other general registers and `xmm0`–`xmm13` hold vars (see `regs`). Vars live across calls
//! use `rbx`, `r12`, `rbp`, `r13` or stack slots; traced ones also have a shadow-stack slot that
//! every definition writes, so that the collector finds them at every call. Functions whose early
//! returns need no frame set it up only on the other paths (`shrink`).

#![warn(missing_docs)]

mod asm;
mod emit;
mod frame;
mod linear;
mod moves;
mod regalloc;
mod regs;
mod shrink;

use std::fmt;

/// A call instruction in the generated code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct CallSite {
    /// Byte offset, from the start of the code, right after the call instruction: the return
    /// address the callee sees.
    pub return_offset: u32,
    /// The source location of the call. The last call site is the prologue's stack-overflow
    /// path, which uses `LocId(0)`.
    pub loc: ir::LocId,
}

/// The machine code of one function.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MachineCode {
    /// Position-independent x86-64 code; execution starts at offset 0.
    pub code: Vec<u8>,
    /// Every call instruction, in code order.
    pub call_sites: Vec<CallSite>,
    /// Fields the linker must patch, in code order.
    pub relocs: Vec<Reloc>,
}

/// A 32-bit little-endian field in the code that the linker patches with [`Reloc::patch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Reloc {
    /// The displacement of `call qword [r14 + disp32]` calling [`ir::Function::callees`]`[callee]`
    /// through the function table. It must become `CTX_FUNCTIONS + 8 * slot`; the placeholder
    /// uses `slot = callee`.
    Slot {
        /// Byte offset of the displacement.
        offset: u32,
        /// Index into [`ir::Function::callees`].
        callee: u32,
    },
    /// The immediate of an instruction that loads the device address of
    /// [`ir::Function::symbols`]`[sym]`. It must become that address; the placeholder is 0.
    Data {
        /// Byte offset of the immediate.
        offset: u32,
        /// Index into [`ir::Function::symbols`].
        sym: u32,
    },
}

impl Reloc {
    /// Byte offset of the patched field.
    pub fn offset(&self) -> u32 {
        match *self {
            Reloc::Slot { offset, .. } | Reloc::Data { offset, .. } => offset,
        }
    }

    /// Resolves this relocation in `code` (the [`MachineCode::code`] it came with): `target` is
    /// the function-table slot for [`Reloc::Slot`] and the device address for [`Reloc::Data`].
    pub fn patch(&self, code: &mut [u8], target: u32) -> Result<(), CodegenError> {
        let value = match self {
            Reloc::Slot { .. } => {
                slot_displacement(target).ok_or(CodegenError::SlotOutOfRange(target))? as u32
            }
            Reloc::Data { .. } => target,
        };
        let at = self.offset() as usize;
        code[at..at + 4].copy_from_slice(&value.to_le_bytes());
        Ok(())
    }
}

/// The displacement from `r14` of function-table slot `slot`, if it fits in 32 bits.
fn slot_displacement(slot: u32) -> Option<i32> {
    i32::try_from(device::abi::host::CTX_FUNCTIONS as i64 + 8 * slot as i64).ok()
}

/// Why a function could not be compiled or patched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodegenError {
    /// The IR broke an invariant checked by [`ir::verify::verify`].
    InvalidIr(String),
    /// A call to a native number outside the native table.
    NativeOutOfRange(u32),
    /// A function-table slot too far from the context base to address.
    SlotOutOfRange(u32),
    /// The assembler rejected the code (a bug in this backend).
    Assembler(String),
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodegenError::InvalidIr(msg) => write!(f, "invalid IR: {msg}"),
            CodegenError::NativeOutOfRange(n) => write!(f, "native {n} is outside the table"),
            CodegenError::SlotOutOfRange(s) => write!(f, "function slot {s} is out of range"),
            CodegenError::Assembler(msg) => write!(f, "assembler error: {msg}"),
        }
    }
}

impl std::error::Error for CodegenError {}

/// Compiles `f` to x86-64 machine code for the `host` board.
pub fn compile(f: &ir::Function) -> Result<MachineCode, CodegenError> {
    ir::verify::verify(f).map_err(CodegenError::InvalidIr)?;
    let mut optimized = f.clone();
    ir::opt::optimize(&mut optimized);
    debug_assert_eq!(ir::verify::verify(&optimized), Ok(()));
    let f = &optimized;
    let live = ir::analysis::Liveness::compute(f);
    let alloc = regalloc::allocate(f, &live);
    let frame = frame::Frame::new(f, &live, &alloc, None);
    if !frame.is_empty()
        && let Some(w) = shrink::split(f)
    {
        let live = ir::analysis::Liveness::compute(&w.f);
        if let Some(alloc) = regalloc::allocate_frameless(&w.f, &live, &w.frameless_vars) {
            let frame = frame::Frame::new(&w.f, &live, &alloc, Some(&w));
            return emit::emit(&w.f, &live, &alloc, &frame, Some(&w));
        }
    }
    emit::emit(f, &live, &alloc, &frame, None)
}
