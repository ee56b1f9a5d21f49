//! [`encode`]: an [`Inst`] to its 2 or 3 bytes, with every immediate range-checked.
//!
//! The opcode numbers of each operation group live here (`codes`); the decoder finds an
//! operation by searching its group's `ALL` for the codes it read, so each number is written
//! once.

use crate::format::{bri8, bri12, call, callx, ri6, ri7, ri16, rri8, rrr, rrrn};
use crate::isa::*;

/// The bytes of one encoded instruction, in memory order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Encoded {
    bytes: [u8; 3],
    len: u8,
}

impl Encoded {
    fn wide(word: u32) -> Encoded {
        let [b0, b1, b2, _] = word.to_le_bytes();
        Encoded { bytes: [b0, b1, b2], len: 3 }
    }

    fn narrow(word: u32) -> Encoded {
        let [b0, b1, _, _] = word.to_le_bytes();
        Encoded { bytes: [b0, b1, 0], len: 2 }
    }

    /// The bytes: 3 for a standard instruction, 2 for a narrow (`.n`) one.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// The instruction as a little-endian word (the form the ISA reference draws).
    pub fn word(&self) -> u32 {
        u32::from_le_bytes([self.bytes[0], self.bytes[1], self.bytes[2], 0])
    }

    /// 2 or 3.
    #[allow(clippy::len_without_is_empty)] // never empty
    pub fn len(&self) -> usize {
        self.len as usize
    }
}

/// Why an instruction cannot be encoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// An immediate or offset outside what the field can hold.
    #[error("{mnemonic}: {operand} {value} is out of range {min}..={max}")]
    OutOfRange {
        /// The instruction.
        mnemonic: &'static str,
        /// Which operand.
        operand: &'static str,
        /// The value given.
        value: i64,
        /// The smallest value the field can hold.
        min: i64,
        /// The largest value the field can hold.
        max: i64,
    },
    /// An immediate or offset that is not a multiple of the field's scale.
    #[error("{mnemonic}: {operand} {value} is not a multiple of {align}")]
    Misaligned {
        /// The instruction.
        mnemonic: &'static str,
        /// Which operand.
        operand: &'static str,
        /// The value given.
        value: i64,
        /// The required multiple.
        align: u32,
    },
    /// A compare-with-immediate constant that is not in the instruction's table.
    #[error("{mnemonic}: {value} is not an encodable constant (one of {table:?})")]
    NotInTable {
        /// The instruction.
        mnemonic: &'static str,
        /// The value given.
        value: i32,
        /// The constants that can be encoded.
        table: &'static [i32; 16],
    },
}

/// Checks `value` against `min..=max` and the multiple `align`, and returns `value / align`.
fn field(
    mnemonic: &'static str,
    operand: &'static str,
    value: i64,
    min: i64,
    max: i64,
    align: u32,
) -> Result<i64, EncodeError> {
    if value < min || value > max {
        return Err(EncodeError::OutOfRange { mnemonic, operand, value, min, max });
    }
    if value % i64::from(align) != 0 {
        return Err(EncodeError::Misaligned { mnemonic, operand, value, align });
    }
    Ok(value / i64::from(align))
}

/// The field of a branch whose target is `pc + 4 + imm`, for an `offset` from `pc`, in a
/// signed field of `bits` bits.
fn branch_field(mnemonic: &'static str, offset: i32, bits: u32) -> Result<u32, EncodeError> {
    let half = 1i64 << (bits - 1);
    let imm = field(mnemonic, "offset", i64::from(offset), 4 - half, 4 + half - 1, 1)? - 4;
    Ok(imm as u32)
}

fn reg(r: Reg) -> u32 {
    u32::from(r.index())
}

fn freg(r: FReg) -> u32 {
    u32::from(r.index())
}

fn breg(r: BReg) -> u32 {
    u32::from(r.index())
}

impl RrrOp {
    /// `(op1, op2)` under op0 = QRST.
    pub(crate) const fn codes(self) -> (u32, u32) {
        match self {
            RrrOp::And => (0, 1),
            RrrOp::Or => (0, 2),
            RrrOp::Xor => (0, 3),
            RrrOp::Add => (0, 8),
            RrrOp::Addx2 => (0, 9),
            RrrOp::Addx4 => (0, 10),
            RrrOp::Addx8 => (0, 11),
            RrrOp::Sub => (0, 12),
            RrrOp::Subx2 => (0, 13),
            RrrOp::Subx4 => (0, 14),
            RrrOp::Subx8 => (0, 15),
            RrrOp::Mull => (2, 8),
            RrrOp::Muluh => (2, 10),
            RrrOp::Mulsh => (2, 11),
            RrrOp::Quou => (2, 12),
            RrrOp::Quos => (2, 13),
            RrrOp::Remu => (2, 14),
            RrrOp::Rems => (2, 15),
            RrrOp::Min => (3, 4),
            RrrOp::Max => (3, 5),
            RrrOp::Minu => (3, 6),
            RrrOp::Maxu => (3, 7),
            RrrOp::Moveqz => (3, 8),
            RrrOp::Movnez => (3, 9),
            RrrOp::Movltz => (3, 10),
            RrrOp::Movgez => (3, 11),
        }
    }
}

impl MemOp {
    /// The `r` field under op0 = LSAI, and the access size (the offset's scale).
    pub(crate) const fn codes(self) -> (u32, u32) {
        match self {
            MemOp::L8ui => (0, 1),
            MemOp::L16ui => (1, 2),
            MemOp::L32i => (2, 4),
            MemOp::S8i => (4, 1),
            MemOp::S16i => (5, 2),
            MemOp::S32i => (6, 4),
            MemOp::L16si => (9, 2),
        }
    }
}

impl BranchOp {
    /// The `r` field under op0 = B.
    pub(crate) const fn code(self) -> u32 {
        match self {
            BranchOp::Bnone => 0,
            BranchOp::Beq => 1,
            BranchOp::Blt => 2,
            BranchOp::Bltu => 3,
            BranchOp::Ball => 4,
            BranchOp::Bbc => 5,
            BranchOp::Bany => 8,
            BranchOp::Bne => 9,
            BranchOp::Bge => 10,
            BranchOp::Bgeu => 11,
            BranchOp::Bnall => 12,
            BranchOp::Bbs => 13,
        }
    }
}

impl BranchZOp {
    /// The `m` field under op0 = SI, n = BZ.
    pub(crate) const fn code(self) -> u32 {
        match self {
            BranchZOp::Beqz => 0,
            BranchZOp::Bnez => 1,
            BranchZOp::Bltz => 2,
            BranchZOp::Bgez => 3,
        }
    }
}

impl BranchImmOp {
    /// `(n, m)` under op0 = SI.
    pub(crate) const fn codes(self) -> (u32, u32) {
        match self {
            BranchImmOp::Beqi => (2, 0),
            BranchImmOp::Bnei => (2, 1),
            BranchImmOp::Blti => (2, 2),
            BranchImmOp::Bgei => (2, 3),
            BranchImmOp::Bltui => (3, 2),
            BranchImmOp::Bgeui => (3, 3),
        }
    }

    /// The constants the `r` field selects from.
    pub(crate) const fn table(self) -> &'static [i32; 16] {
        match self {
            BranchImmOp::Bltui | BranchImmOp::Bgeui => &B4CONSTU,
            _ => &B4CONST,
        }
    }
}

impl BranchBitOp {
    /// The `r` field (its low bit is bit 4 of the bit number) under op0 = B.
    pub(crate) const fn code(self) -> u32 {
        match self {
            BranchBitOp::Bbci => 6,
            BranchBitOp::Bbsi => 14,
        }
    }
}

impl BranchBoolOp {
    /// The `r` field under op0 = SI, n = BI1, m = B1.
    pub(crate) const fn code(self) -> u32 {
        match self {
            BranchBoolOp::Bf => 0,
            BranchBoolOp::Bt => 1,
        }
    }
}

impl CallOp {
    /// The `n` field under op0 = CALLN: the window increment / 4.
    pub(crate) const fn code(self) -> u32 {
        match self {
            CallOp::Call0 => 0,
            CallOp::Call4 => 1,
            CallOp::Call8 => 2,
            CallOp::Call12 => 3,
        }
    }
}

impl CallxOp {
    /// The `n` field of CALLX (m = 3).
    pub(crate) const fn code(self) -> u32 {
        match self {
            CallxOp::Callx0 => 0,
            CallxOp::Callx4 => 1,
            CallxOp::Callx8 => 2,
            CallxOp::Callx12 => 3,
        }
    }
}

impl FpOp {
    /// `op2` under op1 = FP0.
    pub(crate) const fn code(self) -> u32 {
        match self {
            FpOp::AddS => 0,
            FpOp::SubS => 1,
            FpOp::MulS => 2,
            FpOp::MaddS => 4,
            FpOp::MsubS => 5,
        }
    }
}

impl FpUnaryOp {
    /// The `t` field under op1 = FP0, op2 = FP1OP.
    pub(crate) const fn code(self) -> u32 {
        match self {
            FpUnaryOp::MovS => 0,
            FpUnaryOp::AbsS => 1,
            FpUnaryOp::NegS => 6,
        }
    }
}

impl FpToIntOp {
    /// `op2` under op1 = FP0.
    pub(crate) const fn code(self) -> u32 {
        match self {
            FpToIntOp::RoundS => 8,
            FpToIntOp::TruncS => 9,
            FpToIntOp::FloorS => 10,
            FpToIntOp::CeilS => 11,
            FpToIntOp::UtruncS => 14,
        }
    }
}

impl IntToFpOp {
    /// `op2` under op1 = FP0.
    pub(crate) const fn code(self) -> u32 {
        match self {
            IntToFpOp::FloatS => 12,
            IntToFpOp::UfloatS => 13,
        }
    }
}

impl FpCmpOp {
    /// `op2` under op1 = FP1.
    pub(crate) const fn code(self) -> u32 {
        match self {
            FpCmpOp::UnS => 1,
            FpCmpOp::OeqS => 2,
            FpCmpOp::UeqS => 3,
            FpCmpOp::OltS => 4,
            FpCmpOp::UltS => 5,
            FpCmpOp::OleS => 6,
            FpCmpOp::UleS => 7,
        }
    }
}

impl FpMovAOp {
    /// `op2` under op1 = FP1.
    pub(crate) const fn code(self) -> u32 {
        match self {
            FpMovAOp::MoveqzS => 8,
            FpMovAOp::MovnezS => 9,
            FpMovAOp::MovltzS => 10,
            FpMovAOp::MovgezS => 11,
        }
    }
}

impl FpMovBOp {
    /// `op2` under op1 = FP1.
    pub(crate) const fn code(self) -> u32 {
        match self {
            FpMovBOp::MovfS => 12,
            FpMovBOp::MovtS => 13,
        }
    }
}

impl FpMemOp {
    /// The `r` field under op0 = LSCI.
    pub(crate) const fn code(self) -> u32 {
        match self {
            FpMemOp::Lsi => 0,
            FpMemOp::Ssi => 4,
            FpMemOp::Lsip => 8,
            FpMemOp::Ssip => 12,
        }
    }
}

impl BranchZNOp {
    /// The RI6 `z` bit.
    pub(crate) const fn code(self) -> u32 {
        match self {
            BranchZNOp::BeqzN => 0,
            BranchZNOp::BnezN => 1,
        }
    }
}

/// Major opcodes (op0).
pub(crate) mod op0 {
    pub const QRST: u32 = 0;
    pub const L32R: u32 = 1;
    pub const LSAI: u32 = 2;
    pub const LSCI: u32 = 3;
    pub const CALLN: u32 = 5;
    pub const SI: u32 = 6;
    pub const B: u32 = 7;
    pub const L32I_N: u32 = 8;
    pub const S32I_N: u32 = 9;
    pub const ADD_N: u32 = 10;
    pub const ADDI_N: u32 = 11;
    pub const ST2: u32 = 12;
    pub const ST3: u32 = 13;
}

/// `op1` values under QRST.
pub(crate) mod op1 {
    pub const RST0: u32 = 0;
    pub const RST1: u32 = 1;
    pub const EXTUI: u32 = 4;
    pub const FP0: u32 = 10;
    pub const FP1: u32 = 11;
}

/// Fixed words of operand-less instructions.
pub(crate) mod fixed {
    pub const NOP: u32 = 0x0020f0;
    pub const RET: u32 = 0x000080;
    pub const RETW: u32 = 0x000090;
    pub const SIMCALL: u32 = 0x005100;
    pub const RET_N: u32 = 0xf00d;
    pub const RETW_N: u32 = 0xf01d;
    pub const NOP_N: u32 = 0xf03d;
}

/// Encodes one instruction.
///
/// # Errors
/// An [`EncodeError`] naming the operand when an immediate or offset does not fit its field.
pub fn encode(inst: &Inst) -> Result<Encoded, EncodeError> {
    use op0::*;
    let word = match *inst {
        Inst::Rrr { op, r, s, t } => {
            let (o1, o2) = op.codes();
            rrr(QRST, o1, o2, reg(r), reg(s), reg(t))
        }
        Inst::Neg { r, t } => rrr(QRST, op1::RST0, 6, reg(r), 0, reg(t)),
        Inst::Abs { r, t } => rrr(QRST, op1::RST0, 6, reg(r), 1, reg(t)),
        Inst::Movi { t, imm } => {
            let imm = field("movi", "immediate", imm.into(), -2048, 2047, 1)? as u32;
            rri8(LSAI, 10, imm >> 8, reg(t), imm)
        }
        Inst::Addi { t, s, imm } => {
            let imm = field("addi", "immediate", imm.into(), -128, 127, 1)? as u32;
            rri8(LSAI, 12, reg(s), reg(t), imm)
        }
        Inst::Addmi { t, s, imm } => {
            let imm = field("addmi", "immediate", imm.into(), -32768, 32512, 256)? as u32;
            rri8(LSAI, 13, reg(s), reg(t), imm)
        }
        Inst::Slli { r, s, sa } => {
            let field = 32 - field("slli", "shift", sa.into(), 1, 31, 1)? as u32;
            rrr(QRST, op1::RST1, field >> 4, reg(r), reg(s), field)
        }
        Inst::Srli { r, t, sa } => {
            let sa = field("srli", "shift", sa.into(), 0, 15, 1)? as u32;
            rrr(QRST, op1::RST1, 4, reg(r), sa, reg(t))
        }
        Inst::Srai { r, t, sa } => {
            let sa = field("srai", "shift", sa.into(), 0, 31, 1)? as u32;
            rrr(QRST, op1::RST1, 2 | sa >> 4, reg(r), sa, reg(t))
        }
        Inst::Sll { r, s } => rrr(QRST, op1::RST1, 10, reg(r), reg(s), 0),
        Inst::Srl { r, t } => rrr(QRST, op1::RST1, 9, reg(r), 0, reg(t)),
        Inst::Sra { r, t } => rrr(QRST, op1::RST1, 11, reg(r), 0, reg(t)),
        Inst::Ssr { s } => rrr(QRST, op1::RST0, 4, 0, reg(s), 0),
        Inst::Ssl { s } => rrr(QRST, op1::RST0, 4, 1, reg(s), 0),
        Inst::Ssai { sa } => {
            let sa = field("ssai", "shift", sa.into(), 0, 31, 1)? as u32;
            rrr(QRST, op1::RST0, 4, 4, sa, sa >> 4)
        }
        Inst::Extui { r, t, shift, bits } => {
            let shift = field("extui", "shift", shift.into(), 0, 31, 1)? as u32;
            // Bits above 31 would read as zero; GNU `as` refuses such fields, and so do we.
            let widest = (32 - i64::from(shift)).min(16);
            let bits = field("extui", "width", bits.into(), 1, widest, 1)? as u32;
            rrr(QRST, op1::EXTUI | shift >> 4, bits - 1, reg(r), shift, reg(t))
        }
        Inst::Nop => fixed::NOP,
        Inst::Mem { op, t, s, offset } => {
            let (r, size) = op.codes();
            let imm =
                field(op.mnemonic(), "offset", offset.into(), 0, 255 * i64::from(size), size)?;
            rri8(LSAI, r, reg(s), reg(t), imm as u32)
        }
        Inst::L32r { t, offset } => {
            let imm = field("l32r", "offset", offset.into(), -262_144, -4, 4)?;
            ri16(L32R, reg(t), imm as u32)
        }
        Inst::Branch { op, s, t, offset } => {
            rri8(B, op.code(), reg(s), reg(t), branch_field(op.mnemonic(), offset, 8)?)
        }
        Inst::BranchZ { op, s, offset } => {
            bri12(SI, reg(s), op.code(), 1, branch_field(op.mnemonic(), offset, 12)?)
        }
        Inst::BranchImm { op, s, imm, offset } => {
            let table = op.table();
            let Some(index) = table.iter().position(|&c| c == imm) else {
                return Err(EncodeError::NotInTable { mnemonic: op.mnemonic(), value: imm, table });
            };
            let (n, m) = op.codes();
            bri8(SI, index as u32, reg(s), m, n, branch_field(op.mnemonic(), offset, 8)?)
        }
        Inst::BranchBit { op, s, bit, offset } => {
            let bit = field(op.mnemonic(), "bit", bit.into(), 0, 31, 1)? as u32;
            let imm = branch_field(op.mnemonic(), offset, 8)?;
            rri8(B, op.code() | bit >> 4, reg(s), bit, imm)
        }
        Inst::BranchBool { op, s, offset } => {
            bri8(SI, op.code(), breg(s), 1, 3, branch_field(op.mnemonic(), offset, 8)?)
        }
        Inst::J { offset } => call(SI, 0, branch_field("j", offset, 18)?),
        Inst::Jx { s } => callx(QRST, 0, 0, 0, reg(s), 2, 2),
        Inst::Call { op, offset } => {
            let words = field(op.mnemonic(), "offset", offset.into(), -524_284, 524_288, 4)?;
            call(CALLN, op.code(), (words - 1) as u32)
        }
        Inst::Callx { op, s } => callx(QRST, 0, 0, 0, reg(s), 3, op.code()),
        Inst::Ret => fixed::RET,
        Inst::Retw => fixed::RETW,
        Inst::Entry { s, frame } => {
            let imm = field("entry", "frame size", frame.into(), 0, 32760, 8)? as u32;
            bri12(SI, reg(s), 0, 3, imm)
        }
        Inst::Movsp { t, s } => rrr(QRST, op1::RST0, 0, 1, reg(s), reg(t)),
        Inst::Break { s, t } => {
            let s = field("break", "first code", s.into(), 0, 15, 1)? as u32;
            let t = field("break", "second code", t.into(), 0, 15, 1)? as u32;
            rrr(QRST, op1::RST0, 0, 4, s, t)
        }
        Inst::Simcall => fixed::SIMCALL,
        Inst::Fp { op, r, s, t } => rrr(QRST, op1::FP0, op.code(), freg(r), freg(s), freg(t)),
        Inst::FpUnary { op, r, s } => rrr(QRST, op1::FP0, 15, freg(r), freg(s), op.code()),
        Inst::Wfr { r, s } => rrr(QRST, op1::FP0, 15, freg(r), reg(s), 5),
        Inst::Rfr { r, s } => rrr(QRST, op1::FP0, 15, reg(r), freg(s), 4),
        Inst::FpToInt { op, r, s, scale } => {
            let scale = field(op.mnemonic(), "scale", scale.into(), 0, 15, 1)? as u32;
            rrr(QRST, op1::FP0, op.code(), reg(r), freg(s), scale)
        }
        Inst::IntToFp { op, r, s, scale } => {
            let scale = field(op.mnemonic(), "scale", scale.into(), 0, 15, 1)? as u32;
            rrr(QRST, op1::FP0, op.code(), freg(r), reg(s), scale)
        }
        Inst::FpCmp { op, r, s, t } => rrr(QRST, op1::FP1, op.code(), breg(r), freg(s), freg(t)),
        Inst::FpMovA { op, r, s, t } => rrr(QRST, op1::FP1, op.code(), freg(r), freg(s), reg(t)),
        Inst::FpMovB { op, r, s, t } => rrr(QRST, op1::FP1, op.code(), freg(r), freg(s), breg(t)),
        Inst::FpMem { op, t, s, offset } => {
            let imm = field(op.mnemonic(), "offset", offset.into(), 0, 1020, 4)? as u32;
            rri8(LSCI, op.code(), reg(s), freg(t), imm)
        }
        Inst::AddN { r, s, t } => return Ok(Encoded::narrow(rrrn(ADD_N, reg(r), reg(s), reg(t)))),
        Inst::AddiN { r, s, imm } => {
            let code = match imm {
                -1 => 0,
                1..=15 => imm as u32,
                _ => field("addi.n", "immediate", imm.into(), 1, 15, 1)? as u32,
            };
            return Ok(Encoded::narrow(rrrn(ADDI_N, reg(r), reg(s), code)));
        }
        Inst::L32iN { t, s, offset } => {
            let imm = field("l32i.n", "offset", offset.into(), 0, 60, 4)? as u32;
            return Ok(Encoded::narrow(rrrn(L32I_N, imm, reg(s), reg(t))));
        }
        Inst::S32iN { t, s, offset } => {
            let imm = field("s32i.n", "offset", offset.into(), 0, 60, 4)? as u32;
            return Ok(Encoded::narrow(rrrn(S32I_N, imm, reg(s), reg(t))));
        }
        Inst::MovN { t, s } => return Ok(Encoded::narrow(rrrn(ST3, 0, reg(s), reg(t)))),
        Inst::MoviN { s, imm } => {
            let imm = field("movi.n", "immediate", imm.into(), -32, 95, 1)? as u32;
            return Ok(Encoded::narrow(ri7(ST2, reg(s), 0, imm)));
        }
        Inst::BranchZN { op, s, offset } => {
            let imm = field(op.mnemonic(), "offset", offset.into(), 4, 67, 1)? as u32 - 4;
            return Ok(Encoded::narrow(ri6(ST2, reg(s), 1, op.code(), imm)));
        }
        Inst::RetN => return Ok(Encoded::narrow(fixed::RET_N)),
        Inst::RetwN => return Ok(Encoded::narrow(fixed::RETW_N)),
        Inst::NopN => return Ok(Encoded::narrow(fixed::NOP_N)),
    };
    Ok(Encoded::wide(word))
}
