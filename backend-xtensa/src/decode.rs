//! [`decode`]: bytes back to an [`Inst`].
//!
//! The decoder accepts exactly the words [`encode`](crate::encode()) produces: a word whose
//! unused fields are not zero, or whose opcode is outside the subset, decodes to `None`, so
//! that `encode(decode(bytes)) == bytes` whenever decoding succeeds.

use crate::encode::{fixed, op0, op1};
use crate::format::{Fields, sign_extend};
use crate::isa::*;

/// The length in bytes of the instruction starting with `first` (the byte holding `op0`):
/// 2 for the narrow opcodes, 3 otherwise. ESP32 has no FLIX bundles (op0 14 and 15).
pub fn length(first: u8) -> Option<usize> {
    match first & 15 {
        0..=7 => Some(3),
        8..=13 => Some(2),
        _ => None,
    }
}

/// Decodes the instruction at the start of `bytes` and returns it with its length in bytes;
/// `None` if the bytes are too few or not an instruction of the subset.
pub fn decode(bytes: &[u8]) -> Option<(Inst, usize)> {
    let len = length(*bytes.first()?)?;
    let raw = bytes.get(..len)?;
    let word = raw.iter().rev().fold(0u32, |w, &b| w << 8 | u32::from(b));
    let f = Fields(word);
    let inst = if len == 2 { narrow(f)? } else { wide(f)? };
    Some((inst, len))
}

fn a(bits: u32) -> Reg {
    Reg::from_field(bits)
}

fn fr(bits: u32) -> FReg {
    FReg::from_field(bits)
}

fn br(bits: u32) -> BReg {
    BReg::from_field(bits)
}

/// `Some(value)` when `cond` holds: the decoder's guard for fields that must be zero.
fn when<T>(cond: bool, value: T) -> Option<T> {
    cond.then_some(value)
}

/// The offset of a branch from its signed `bits`-bit field.
fn branch(imm: u32, bits: u32) -> i32 {
    sign_extend(imm, bits) + 4
}

fn wide(f: Fields) -> Option<Inst> {
    match f.op0() {
        op0::QRST => qrst(f),
        op0::L32R => Some(Inst::L32r { t: a(f.t()), offset: (f.imm16() as i32 - 0x1_0000) * 4 }),
        op0::LSAI => lsai(f),
        op0::LSCI => {
            let op = *FpMemOp::ALL.iter().find(|op| op.code() == f.r())?;
            Some(Inst::FpMem { op, t: fr(f.t()), s: a(f.s()), offset: f.imm8() * 4 })
        }
        op0::CALLN => {
            let op = *CallOp::ALL.iter().find(|op| op.code() == f.n())?;
            Some(Inst::Call { op, offset: (sign_extend(f.offset18(), 18) + 1) * 4 })
        }
        op0::SI => si(f),
        op0::B => b(f),
        _ => None,
    }
}

fn qrst(f: Fields) -> Option<Inst> {
    let (r, s, t) = (f.r(), f.s(), f.t());
    if let Some(&op) = RrrOp::ALL.iter().find(|op| op.codes() == (f.op1(), f.op2())) {
        return Some(Inst::Rrr { op, r: a(r), s: a(s), t: a(t) });
    }
    match (f.op1(), f.op2()) {
        (op1::RST0, 0) => st0(f),
        (op1::RST0, 4) => match r {
            0 => when(t == 0, Inst::Ssr { s: a(s) }),
            1 => when(t == 0, Inst::Ssl { s: a(s) }),
            4 => when(t <= 1, Inst::Ssai { sa: (t << 4 | s) as u8 }),
            _ => None,
        },
        (op1::RST0, 6) => match s {
            0 => Some(Inst::Neg { r: a(r), t: a(t) }),
            1 => Some(Inst::Abs { r: a(r), t: a(t) }),
            _ => None,
        },
        (op1::RST1, op2 @ (0 | 1)) => {
            let sa = 32 - (op2 << 4 | t);
            when(sa < 32, Inst::Slli { r: a(r), s: a(s), sa: sa as u8 })
        }
        (op1::RST1, op2 @ (2 | 3)) => {
            Some(Inst::Srai { r: a(r), t: a(t), sa: ((op2 & 1) << 4 | s) as u8 })
        }
        (op1::RST1, 4) => Some(Inst::Srli { r: a(r), t: a(t), sa: s as u8 }),
        (op1::RST1, 9) => when(s == 0, Inst::Srl { r: a(r), t: a(t) }),
        (op1::RST1, 10) => when(t == 0, Inst::Sll { r: a(r), s: a(s) }),
        (op1::RST1, 11) => when(s == 0, Inst::Sra { r: a(r), t: a(t) }),
        (o1 @ (4 | 5), op2) => {
            let (shift, bits) = ((o1 & 1) << 4 | s, op2 + 1);
            let extui = Inst::Extui { r: a(r), t: a(t), shift: shift as u8, bits: bits as u8 };
            when(shift + bits <= 32, extui)
        }
        (op1::FP0, 15) => match t {
            5 => Some(Inst::Wfr { r: fr(r), s: a(s) }),
            4 => Some(Inst::Rfr { r: a(r), s: fr(s) }),
            _ => {
                let op = *FpUnaryOp::ALL.iter().find(|op| op.code() == t)?;
                Some(Inst::FpUnary { op, r: fr(r), s: fr(s) })
            }
        },
        (op1::FP0, op2) => {
            if let Some(&op) = FpOp::ALL.iter().find(|op| op.code() == op2) {
                Some(Inst::Fp { op, r: fr(r), s: fr(s), t: fr(t) })
            } else if let Some(&op) = FpToIntOp::ALL.iter().find(|op| op.code() == op2) {
                Some(Inst::FpToInt { op, r: a(r), s: fr(s), scale: t as u8 })
            } else {
                let op = *IntToFpOp::ALL.iter().find(|op| op.code() == op2)?;
                Some(Inst::IntToFp { op, r: fr(r), s: a(s), scale: t as u8 })
            }
        }
        (op1::FP1, op2) => {
            if let Some(&op) = FpCmpOp::ALL.iter().find(|op| op.code() == op2) {
                Some(Inst::FpCmp { op, r: br(r), s: fr(s), t: fr(t) })
            } else if let Some(&op) = FpMovAOp::ALL.iter().find(|op| op.code() == op2) {
                Some(Inst::FpMovA { op, r: fr(r), s: fr(s), t: a(t) })
            } else {
                let op = *FpMovBOp::ALL.iter().find(|op| op.code() == op2)?;
                Some(Inst::FpMovB { op, r: fr(r), s: fr(s), t: br(t) })
            }
        }
        _ => None,
    }
}

/// op0 = QRST, op1 = RST0, op2 = ST0: jumps, calls through registers, returns, `movsp`,
/// `nop`, `break`, `simcall`.
fn st0(f: Fields) -> Option<Inst> {
    let (r, s) = (f.r(), f.s());
    match r {
        0 => match (f.m(), f.n()) {
            (2, 0) => when(s == 0, Inst::Ret),
            (2, 1) => when(s == 0, Inst::Retw),
            (2, 2) => Some(Inst::Jx { s: a(s) }),
            (3, n) => {
                let op = *CallxOp::ALL.iter().find(|op| op.code() == n)?;
                Some(Inst::Callx { op, s: a(s) })
            }
            _ => None,
        },
        1 => Some(Inst::Movsp { t: a(f.t()), s: a(s) }),
        2 => when(f.0 == fixed::NOP, Inst::Nop),
        4 => Some(Inst::Break { s: s as u8, t: f.t() as u8 }),
        5 => when(f.0 == fixed::SIMCALL, Inst::Simcall),
        _ => None,
    }
}

fn lsai(f: Fields) -> Option<Inst> {
    let (r, s, t, imm8) = (f.r(), f.s(), f.t(), f.imm8());
    match r {
        10 => Some(Inst::Movi { t: a(t), imm: sign_extend(s << 8 | imm8, 12) }),
        12 => Some(Inst::Addi { t: a(t), s: a(s), imm: sign_extend(imm8, 8) }),
        13 => Some(Inst::Addmi { t: a(t), s: a(s), imm: sign_extend(imm8, 8) * 256 }),
        _ => {
            let op = *MemOp::ALL.iter().find(|op| op.codes().0 == r)?;
            Some(Inst::Mem { op, t: a(t), s: a(s), offset: imm8 * op.codes().1 })
        }
    }
}

/// op0 = SI: `j`, compare-with-zero and compare-with-immediate branches, `entry`, `bt`/`bf`.
fn si(f: Fields) -> Option<Inst> {
    let s = f.s();
    match (f.n(), f.m()) {
        (0, _) => Some(Inst::J { offset: branch(f.offset18(), 18) }),
        (1, m) => {
            let op = *BranchZOp::ALL.iter().find(|op| op.code() == m)?;
            Some(Inst::BranchZ { op, s: a(s), offset: branch(f.imm12(), 12) })
        }
        (3, 0) => Some(Inst::Entry { s: a(s), frame: f.imm12() * 8 }),
        (3, 1) => {
            let op = *BranchBoolOp::ALL.iter().find(|op| op.code() == f.r())?;
            Some(Inst::BranchBool { op, s: br(s), offset: branch(f.imm8(), 8) })
        }
        (n, m) => {
            let op = *BranchImmOp::ALL.iter().find(|op| op.codes() == (n, m))?;
            let imm = op.table()[f.r() as usize];
            Some(Inst::BranchImm { op, s: a(s), imm, offset: branch(f.imm8(), 8) })
        }
    }
}

/// op0 = B: register–register and bit-immediate branches.
fn b(f: Fields) -> Option<Inst> {
    let (r, s, t) = (f.r(), f.s(), f.t());
    let offset = branch(f.imm8(), 8);
    if let Some(&op) = BranchBitOp::ALL.iter().find(|op| op.code() == r & !1) {
        let bit = ((r & 1) << 4 | t) as u8;
        return Some(Inst::BranchBit { op, s: a(s), bit, offset });
    }
    let op = *BranchOp::ALL.iter().find(|op| op.code() == r)?;
    Some(Inst::Branch { op, s: a(s), t: a(t), offset })
}

fn narrow(f: Fields) -> Option<Inst> {
    let (r, s, t) = (f.r(), f.s(), f.t());
    match f.op0() {
        op0::L32I_N => Some(Inst::L32iN { t: a(t), s: a(s), offset: r * 4 }),
        op0::S32I_N => Some(Inst::S32iN { t: a(t), s: a(s), offset: r * 4 }),
        op0::ADD_N => Some(Inst::AddN { r: a(r), s: a(s), t: a(t) }),
        op0::ADDI_N => {
            let imm = if t == 0 { -1 } else { t as i32 };
            Some(Inst::AddiN { r: a(r), s: a(s), imm })
        }
        op0::ST2 if f.i() == 0 => {
            // movi.n: the 7-bit immediate covers −32..=95, values with both top bits set being
            // negative.
            let imm = f.imm7() as i32;
            let imm = if imm >= 96 { imm - 128 } else { imm };
            Some(Inst::MoviN { s: a(s), imm })
        }
        op0::ST2 => {
            let op = *BranchZNOp::ALL.iter().find(|op| op.code() == f.z())?;
            Some(Inst::BranchZN { op, s: a(s), offset: f.imm6() as i32 + 4 })
        }
        op0::ST3 => match f.0 {
            fixed::RET_N => Some(Inst::RetN),
            fixed::RETW_N => Some(Inst::RetwN),
            fixed::NOP_N => Some(Inst::NopN),
            _ => when(r == 0, Inst::MovN { t: a(t), s: a(s) }),
        },
        _ => None,
    }
}
