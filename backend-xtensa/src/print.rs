//! Printing in GNU assembler syntax, and the [`disasm`] listing.
//!
//! `Display` on an [`Inst`] prints PC-relative operands as `.+N` / `.-N`, `N` being the
//! operand as stored (see [`crate::isa`]): for branches and `j` that is exactly what GNU `as`
//! means by `.+N`; for calls and `l32r` it is exact when the instruction is 4-byte aligned.
//! [`Inst::display_at`] prints the absolute target instead (`beq a2, a3, 0x4008000c`), which
//! GNU `as` assembles to the same bytes at that address.

use std::fmt::{self, Write as _};

use crate::decode::decode;
use crate::isa::*;

/// An instruction printed with absolute targets, as if it were at `pc`.
#[derive(Clone, Copy, Debug)]
pub struct DisplayAt {
    inst: Inst,
    pc: u32,
}

impl Inst {
    /// Prints the instruction as if it were at address `pc`, with absolute targets.
    pub fn display_at(&self, pc: u32) -> DisplayAt {
        DisplayAt { inst: *self, pc }
    }
}

impl fmt::Display for Inst {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_inst(f, self, None)
    }
}

impl fmt::Display for DisplayAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_inst(f, &self.inst, Some(self.pc))
    }
}

/// The label operand: `.+N`/`.-N` without an address, the absolute target with one.
struct Label {
    offset: i32,
    absolute: Option<u32>,
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.absolute {
            Some(target) => write!(f, "{target:#x}"),
            None if self.offset < 0 => write!(f, ".-{}", self.offset.unsigned_abs()),
            None => write!(f, ".+{}", self.offset),
        }
    }
}

fn write_inst(f: &mut fmt::Formatter<'_>, inst: &Inst, pc: Option<u32>) -> fmt::Result {
    let label = |offset: i32| Label { offset, absolute: pc.and_then(|pc| inst.target(pc)) };
    match *inst {
        Inst::Rrr { op, r, s, t } => write!(f, "{} {r}, {s}, {t}", op.mnemonic()),
        Inst::Neg { r, t } => write!(f, "neg {r}, {t}"),
        Inst::Abs { r, t } => write!(f, "abs {r}, {t}"),
        Inst::Movi { t, imm } => write!(f, "movi {t}, {imm}"),
        Inst::Addi { t, s, imm } => write!(f, "addi {t}, {s}, {imm}"),
        Inst::Addmi { t, s, imm } => write!(f, "addmi {t}, {s}, {imm}"),
        Inst::Slli { r, s, sa } => write!(f, "slli {r}, {s}, {sa}"),
        Inst::Srli { r, t, sa } => write!(f, "srli {r}, {t}, {sa}"),
        Inst::Srai { r, t, sa } => write!(f, "srai {r}, {t}, {sa}"),
        Inst::Sll { r, s } => write!(f, "sll {r}, {s}"),
        Inst::Srl { r, t } => write!(f, "srl {r}, {t}"),
        Inst::Sra { r, t } => write!(f, "sra {r}, {t}"),
        Inst::Ssl { s } => write!(f, "ssl {s}"),
        Inst::Ssr { s } => write!(f, "ssr {s}"),
        Inst::Ssai { sa } => write!(f, "ssai {sa}"),
        Inst::Extui { r, t, shift, bits } => write!(f, "extui {r}, {t}, {shift}, {bits}"),
        Inst::Nop => f.write_str("nop"),
        Inst::Mem { op, t, s, offset } => write!(f, "{} {t}, {s}, {offset}", op.mnemonic()),
        Inst::L32r { t, offset } => write!(f, "l32r {t}, {}", label(offset)),
        Inst::Branch { op, s, t, offset } => {
            write!(f, "{} {s}, {t}, {}", op.mnemonic(), label(offset))
        }
        Inst::BranchZ { op, s, offset } => write!(f, "{} {s}, {}", op.mnemonic(), label(offset)),
        Inst::BranchImm { op, s, imm, offset } => {
            write!(f, "{} {s}, {imm}, {}", op.mnemonic(), label(offset))
        }
        Inst::BranchBit { op, s, bit, offset } => {
            write!(f, "{} {s}, {bit}, {}", op.mnemonic(), label(offset))
        }
        Inst::BranchBool { op, s, offset } => {
            write!(f, "{} {s}, {}", op.mnemonic(), label(offset))
        }
        Inst::J { offset } => write!(f, "j {}", label(offset)),
        Inst::Jx { s } => write!(f, "jx {s}"),
        Inst::Call { op, offset } => write!(f, "{} {}", op.mnemonic(), label(offset)),
        Inst::Callx { op, s } => write!(f, "{} {s}", op.mnemonic()),
        Inst::Ret => f.write_str("ret"),
        Inst::Retw => f.write_str("retw"),
        Inst::Entry { s, frame } => write!(f, "entry {s}, {frame}"),
        Inst::Movsp { t, s } => write!(f, "movsp {t}, {s}"),
        Inst::Break { s, t } => write!(f, "break {s}, {t}"),
        Inst::Simcall => f.write_str("simcall"),
        Inst::Fp { op, r, s, t } => write!(f, "{} {r}, {s}, {t}", op.mnemonic()),
        Inst::FpUnary { op, r, s } => write!(f, "{} {r}, {s}", op.mnemonic()),
        Inst::Wfr { r, s } => write!(f, "wfr {r}, {s}"),
        Inst::Rfr { r, s } => write!(f, "rfr {r}, {s}"),
        Inst::FpToInt { op, r, s, scale } => write!(f, "{} {r}, {s}, {scale}", op.mnemonic()),
        Inst::IntToFp { op, r, s, scale } => write!(f, "{} {r}, {s}, {scale}", op.mnemonic()),
        Inst::FpCmp { op, r, s, t } => write!(f, "{} {r}, {s}, {t}", op.mnemonic()),
        Inst::FpMovA { op, r, s, t } => write!(f, "{} {r}, {s}, {t}", op.mnemonic()),
        Inst::FpMovB { op, r, s, t } => write!(f, "{} {r}, {s}, {t}", op.mnemonic()),
        Inst::FpMem { op, t, s, offset } => write!(f, "{} {t}, {s}, {offset}", op.mnemonic()),
        Inst::AddN { r, s, t } => write!(f, "add.n {r}, {s}, {t}"),
        Inst::AddiN { r, s, imm } => write!(f, "addi.n {r}, {s}, {imm}"),
        Inst::L32iN { t, s, offset } => write!(f, "l32i.n {t}, {s}, {offset}"),
        Inst::S32iN { t, s, offset } => write!(f, "s32i.n {t}, {s}, {offset}"),
        Inst::MovN { t, s } => write!(f, "mov.n {t}, {s}"),
        Inst::MoviN { s, imm } => write!(f, "movi.n {s}, {imm}"),
        Inst::BranchZN { op, s, offset } => write!(f, "{} {s}, {}", op.mnemonic(), label(offset)),
        Inst::RetN => f.write_str("ret.n"),
        Inst::RetwN => f.write_str("retw.n"),
        Inst::NopN => f.write_str("nop.n"),
    }
}

/// A listing of `bytes` loaded at `base`: one line per instruction with its address, its bytes
/// in memory order and the instruction with absolute targets, e.g.
///
/// ```text
/// 40080000:  40 23 80   add a2, a3, a4
/// 40080003:  0d f0      ret.n
/// ```
///
/// Bytes that are not an instruction of the subset are listed one per line as `.byte 0x..`.
pub fn disasm(bytes: &[u8], base: u32) -> String {
    let mut out = String::new();
    let mut at = 0;
    while at < bytes.len() {
        let pc = base.wrapping_add(at as u32);
        let (text, len) = match decode(&bytes[at..]) {
            Some((inst, len)) => (inst.display_at(pc).to_string(), len),
            None => (format!(".byte {:#04x}", bytes[at]), 1),
        };
        let hex: Vec<String> = bytes[at..at + len].iter().map(|b| format!("{b:02x}")).collect();
        let _ = writeln!(out, "{pc:08x}:  {:<8}   {text}", hex.join(" "));
        at += len;
    }
    out
}
