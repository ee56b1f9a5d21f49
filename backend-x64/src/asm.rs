//! Small emitters shared by the other modules: the assembler type, memory operands for frame
//! slots, and 32-bit / f32 moves between registers and slots.

use dynasmrt::x64::{Rq, Rx, X64Relocation};
use dynasmrt::{DynasmApi, Register, dynasm};

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

/// Two-operand ALU operations with an immediate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alu {
    Add,
    Sub,
    And,
    Or,
    Xor,
    Cmp,
}

/// `op dst32, imm`, with the short `imm8` encoding when the immediate fits.
pub fn alu_imm(a: &mut Asm, op: Alu, dst: Rq, imm: i32) {
    if let Ok(b) = i8::try_from(imm) {
        match op {
            Alu::Add => dynasm!(a ; .arch x64 ; add Rd(dst), BYTE b as _),
            Alu::Sub => dynasm!(a ; .arch x64 ; sub Rd(dst), BYTE b as _),
            Alu::And => dynasm!(a ; .arch x64 ; and Rd(dst), BYTE b as _),
            Alu::Or => dynasm!(a ; .arch x64 ; or Rd(dst), BYTE b as _),
            Alu::Xor => dynasm!(a ; .arch x64 ; xor Rd(dst), BYTE b as _),
            Alu::Cmp => {
                // dynasm only has the imm32 form of `cmp r32, imm`: `83 /7 ib` by hand.
                let code = dst.code();
                if code >= 8 {
                    a.push(0x41);
                }
                a.push(0x83);
                a.push(0xf8 | (code & 7));
                a.push(b as u8);
            }
        }
        return;
    }
    match op {
        Alu::Add => dynasm!(a ; .arch x64 ; add Rd(dst), imm),
        Alu::Sub => dynasm!(a ; .arch x64 ; sub Rd(dst), imm),
        Alu::And => dynasm!(a ; .arch x64 ; and Rd(dst), imm),
        Alu::Or => dynasm!(a ; .arch x64 ; or Rd(dst), imm),
        Alu::Xor => dynasm!(a ; .arch x64 ; xor Rd(dst), imm),
        Alu::Cmp => dynasm!(a ; .arch x64 ; cmp Rd(dst), imm),
    }
}

/// `add rsp, n` (a negative `n` allocates), short when it fits.
pub fn adjust_rsp(a: &mut Asm, n: i32) {
    if let Ok(b) = i8::try_from(n) {
        if b != 0 {
            dynasm!(a ; .arch x64 ; add rsp, BYTE b as _);
        }
    } else {
        dynasm!(a ; .arch x64 ; add rsp, n);
    }
}
