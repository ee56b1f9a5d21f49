//! Small emitters shared by the other modules: the assembler type, memory operands for frame
//! slots, and 32-bit / f32 moves between registers and slots.

use dynasmrt::x64::{Rq, Rx, X64Relocation};
use dynasmrt::{DynasmApi, dynasm};

/// The assembler all code is emitted into.
pub type Asm = dynasmrt::VecAssembler<X64Relocation>;

/// A memory slot of the current function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mem {
    /// `[rsp + disp]`: spill slots, outgoing and incoming stack arguments.
    Stack(i32),
    /// `[r15 + r13 + disp]`: a GC root slot in the shadow-stack frame.
    Shadow(i32),
}

/// `mov dst32, src32`, which zero-extends; skipped when `dst == src` unless `always`.
pub fn mov32(a: &mut Asm, dst: Rq, src: Rq, always: bool) {
    if dst != src || always {
        dynasm!(a ; .arch x64 ; mov Rd(dst), Rd(src));
    }
}

/// `movaps dst, src` unless they are the same register.
pub fn movss(a: &mut Asm, dst: Rx, src: Rx) {
    if dst != src {
        dynasm!(a ; .arch x64 ; movaps Rx(dst), Rx(src));
    }
}

/// Loads the 32-bit word at `m` into `dst` (zero-extended).
pub fn load32(a: &mut Asm, dst: Rq, m: Mem) {
    match m {
        Mem::Stack(d) => dynasm!(a ; .arch x64 ; mov Rd(dst), DWORD [rsp + d]),
        Mem::Shadow(d) => dynasm!(a ; .arch x64 ; mov Rd(dst), DWORD [r15 + r13 + d]),
    }
}

/// Stores the low 32 bits of `src` at `m`.
pub fn store32(a: &mut Asm, m: Mem, src: Rq) {
    match m {
        Mem::Stack(d) => dynasm!(a ; .arch x64 ; mov DWORD [rsp + d], Rd(src)),
        Mem::Shadow(d) => dynasm!(a ; .arch x64 ; mov DWORD [r15 + r13 + d], Rd(src)),
    }
}

/// Stores the 32-bit immediate `value` at `m`.
pub fn store_imm32(a: &mut Asm, m: Mem, value: i32) {
    match m {
        Mem::Stack(d) => dynasm!(a ; .arch x64 ; mov DWORD [rsp + d], value),
        Mem::Shadow(d) => dynasm!(a ; .arch x64 ; mov DWORD [r15 + r13 + d], value),
    }
}

/// Loads the f32 at `m` into `dst`.
pub fn loadss(a: &mut Asm, dst: Rx, m: Mem) {
    match m {
        Mem::Stack(d) => dynasm!(a ; .arch x64 ; movss Rx(dst), DWORD [rsp + d]),
        Mem::Shadow(d) => dynasm!(a ; .arch x64 ; movss Rx(dst), DWORD [r15 + r13 + d]),
    }
}

/// Stores the f32 in `src` at `m`.
pub fn storess(a: &mut Asm, m: Mem, src: Rx) {
    match m {
        Mem::Stack(d) => dynasm!(a ; .arch x64 ; movss DWORD [rsp + d], Rx(src)),
        Mem::Shadow(d) => dynasm!(a ; .arch x64 ; movss DWORD [r15 + r13 + d], Rx(src)),
    }
}
