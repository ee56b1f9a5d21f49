//! The instructions: registers, operation groups and [`Inst`].
//!
//! Operands are named after the ISA reference's syntax (`add ar, as, at`): `r`, `s` and `t` are
//! the registers that go into the fields of the same names. Immediates are the values the
//! assembler syntax shows (byte offsets, shift amounts, frame sizes), never the scaled field
//! contents; the encoder range-checks and scales them.
//!
//! # PC-relative operands
//!
//! Every PC-relative operand is a byte offset measured from the instruction's own address `pc`,
//! so that an instruction encodes the same wherever a 4-byte-aligned copy of it lands:
//!
//! | instructions | operand | the ISA computes |
//! |---|---|---|
//! | branches (RRI8, BRI8, BRI12), `j`, `beqz.n`/`bnez.n` | `offset = target − pc` | `target = pc + 4 + imm` (the field holds `offset − 4`) |
//! | `call0`, `call4`, `call8`, `call12` | `offset = target − (pc & !3)` | `target = (pc & !3) + 4 + (imm18 << 2)` |
//! | `l32r` | `offset = literal − ((pc + 3) & !3)` | `literal = ((pc + 3) & !3) + (0xFFFC_0000 \| imm16 << 2)` |
//!
//! For a 4-byte-aligned `pc` all three are simply `target − pc`. The `l32r` field is
//! *one*-extended, so a literal always lies below the instruction: `offset` is in
//! `−262144..=−4`. [`branch_offset`], [`call_offset`] and [`l32r_offset`] compute the operand
//! from two addresses; [`Inst::target`] goes back.

/// An address register `a0`–`a15` (in windowed code, of the current window).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reg(u8);

/// A floating-point register `f0`–`f15` (ESP32's single-precision FP coprocessor).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FReg(u8);

/// A boolean register `b0`–`b15` (set by FP compares, tested by `bt`/`bf`, `movt.s`/`movf.s`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BReg(u8);

macro_rules! register {
    ($ty:ident, $prefix:literal, $($name:ident = $n:literal),* $(,)?) => {
        impl $ty {
            $(
                #[doc = concat!("Register `", $prefix, stringify!($n), "`.")]
                pub const $name: $ty = $ty($n);
            )*

            #[doc = concat!("Register `", $prefix, "n`, or `None` unless `n < 16`.")]
            pub const fn new(n: u8) -> Option<$ty> {
                if n < 16 { Some($ty(n)) } else { None }
            }

            /// The register number, `0..16`, as it goes into an instruction field.
            pub const fn index(self) -> u8 {
                self.0
            }

            /// The register from the low four bits of an instruction field.
            pub(crate) const fn from_field(bits: u32) -> $ty {
                $ty((bits & 15) as u8)
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

register!(
    Reg,
    "a",
    A0 = 0,
    A1 = 1,
    A2 = 2,
    A3 = 3,
    A4 = 4,
    A5 = 5,
    A6 = 6,
    A7 = 7,
    A8 = 8,
    A9 = 9,
    A10 = 10,
    A11 = 11,
    A12 = 12,
    A13 = 13,
    A14 = 14,
    A15 = 15
);
register!(
    FReg,
    "f",
    F0 = 0,
    F1 = 1,
    F2 = 2,
    F3 = 3,
    F4 = 4,
    F5 = 5,
    F6 = 6,
    F7 = 7,
    F8 = 8,
    F9 = 9,
    F10 = 10,
    F11 = 11,
    F12 = 12,
    F13 = 13,
    F14 = 14,
    F15 = 15
);
register!(
    BReg,
    "b",
    B0 = 0,
    B1 = 1,
    B2 = 2,
    B3 = 3,
    B4 = 4,
    B5 = 5,
    B6 = 6,
    B7 = 7,
    B8 = 8,
    B9 = 9,
    B10 = 10,
    B11 = 11,
    B12 = 12,
    B13 = 13,
    B14 = 14,
    B15 = 15
);

/// Declares an operation group: the enum, `ALL` in a fixed order, and the GNU mnemonic.
macro_rules! ops {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $v:ident = $m:literal),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* #[doc = concat!("`", $m, "`")] $v),*
        }

        impl $name {
            /// Every operation of the group.
            pub const ALL: &'static [$name] = &[$($name::$v),*];

            /// The mnemonic in GNU assembler syntax.
            pub const fn mnemonic(self) -> &'static str {
                match self { $($name::$v => $m),* }
            }
        }
    };
}

ops! {
    /// Operations `op ar, as, at` in RRR format: arithmetic, logic, the Miscellaneous option's
    /// min/max, conditional moves, and the MUL32 and DIV32 options (all present on ESP32 and
    /// ESP32-S3; the ESP8266's lx106 lacks min/max, `muluh`/`mulsh` and division).
    RrrOp {
        Add = "add", Addx2 = "addx2", Addx4 = "addx4", Addx8 = "addx8",
        Sub = "sub", Subx2 = "subx2", Subx4 = "subx4", Subx8 = "subx8",
        And = "and", Or = "or", Xor = "xor",
        Min = "min", Max = "max", Minu = "minu", Maxu = "maxu",
        Moveqz = "moveqz", Movnez = "movnez", Movltz = "movltz", Movgez = "movgez",
        Mull = "mull", Muluh = "muluh", Mulsh = "mulsh",
        Quos = "quos", Quou = "quou", Rems = "rems", Remu = "remu",
    }
}

ops! {
    /// Loads and stores `op at, as, offset` (RRI8): the offset is in bytes, unsigned and a
    /// multiple of the access size.
    MemOp {
        L8ui = "l8ui", L16ui = "l16ui", L16si = "l16si", L32i = "l32i",
        S8i = "s8i", S16i = "s16i", S32i = "s32i",
    }
}

ops! {
    /// Register–register conditional branches `op as, at, label` (RRI8).
    BranchOp {
        Beq = "beq", Bne = "bne", Blt = "blt", Bge = "bge", Bltu = "bltu", Bgeu = "bgeu",
        Bany = "bany", Bnone = "bnone", Ball = "ball", Bnall = "bnall",
        /// Branch if bit `at` (low five bits) of `as` is clear.
        Bbc = "bbc",
        /// Branch if bit `at` (low five bits) of `as` is set.
        Bbs = "bbs",
    }
}

ops! {
    /// Compare-with-zero branches `op as, label` (BRI12, ±2 KiB).
    BranchZOp { Beqz = "beqz", Bnez = "bnez", Bltz = "bltz", Bgez = "bgez" }
}

ops! {
    /// Compare-with-constant branches `op as, imm, label` (BRI8). The constant must be one of
    /// [`B4CONST`] (signed forms) or [`B4CONSTU`] (unsigned forms).
    BranchImmOp {
        Beqi = "beqi", Bnei = "bnei", Blti = "blti", Bgei = "bgei",
        Bltui = "bltui", Bgeui = "bgeui",
    }
}

ops! {
    /// Bit-test branches with an immediate bit number `op as, bit, label` (RRI8).
    BranchBitOp { Bbci = "bbci", Bbsi = "bbsi" }
}

ops! {
    /// Boolean-register branches `op bs, label` (BRI8).
    BranchBoolOp { Bf = "bf", Bt = "bt" }
}

ops! {
    /// PC-relative calls `op label` (CALL). `call4`/`call8`/`call12` rotate the register
    /// window by 4, 8 or 12 (windowed ABI); `call0` does not (call0 ABI).
    CallOp { Call0 = "call0", Call4 = "call4", Call8 = "call8", Call12 = "call12" }
}

ops! {
    /// Register-indirect calls `op as` (CALLX), windowed as [`CallOp`].
    CallxOp { Callx0 = "callx0", Callx4 = "callx4", Callx8 = "callx8", Callx12 = "callx12" }
}

ops! {
    /// Single-precision arithmetic `op fr, fs, ft` (RRR). `madd.s`/`msub.s` accumulate into
    /// `fr`: `fr ± fs × ft`.
    FpOp { AddS = "add.s", SubS = "sub.s", MulS = "mul.s", MaddS = "madd.s", MsubS = "msub.s" }
}

ops! {
    /// Single-precision moves `op fr, fs` (RRR).
    FpUnaryOp { MovS = "mov.s", AbsS = "abs.s", NegS = "neg.s" }
}

ops! {
    /// Float to integer `op ar, fs, scale` (RRR): converts `fs × 2^scale`.
    FpToIntOp {
        RoundS = "round.s", TruncS = "trunc.s", FloorS = "floor.s", CeilS = "ceil.s",
        UtruncS = "utrunc.s",
    }
}

ops! {
    /// Integer to float `op fr, as, scale` (RRR): converts `as × 2^−scale`.
    IntToFpOp { FloatS = "float.s", UfloatS = "ufloat.s" }
}

ops! {
    /// Single-precision compares `op br, fs, ft` (RRR) setting a boolean register: ordered
    /// (false if either is NaN) or unordered (true if either is NaN).
    FpCmpOp {
        UnS = "un.s", OeqS = "oeq.s", UeqS = "ueq.s", OltS = "olt.s", UltS = "ult.s",
        OleS = "ole.s", UleS = "ule.s",
    }
}

ops! {
    /// FP moves conditional on an address register `op fr, fs, at` (RRR).
    FpMovAOp {
        MoveqzS = "moveqz.s", MovnezS = "movnez.s", MovltzS = "movltz.s", MovgezS = "movgez.s",
    }
}

ops! {
    /// FP moves conditional on a boolean register `op fr, fs, bt` (RRR).
    FpMovBOp { MovfS = "movf.s", MovtS = "movt.s" }
}

ops! {
    /// FP loads and stores `op ft, as, offset` (RRI8), the offset unsigned, a multiple of 4.
    /// ESP32's FP coprocessor has the post-increment forms `lsip`/`ssip` (access at `as`, then
    /// `as += offset`) where the older ISA had `lsiu`/`ssiu` (same encoding slot,
    /// pre-increment); ESP32 has no `lsiu`/`ssiu`.
    FpMemOp { Lsi = "lsi", Ssi = "ssi", Lsip = "lsip", Ssip = "ssip" }
}

ops! {
    /// Narrow compare-with-zero branches `op as, label` (RI6): forward only, offset 4..=67.
    BranchZNOp { BeqzN = "beqz.n", BnezN = "bnez.n" }
}

/// The constants a signed compare-with-immediate branch (`beqi`, `bnei`, `blti`, `bgei`) can
/// encode, indexed by the `r` field.
pub const B4CONST: [i32; 16] = [-1, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 32, 64, 128, 256];

/// The constants an unsigned compare-with-immediate branch (`bltui`, `bgeui`) can encode,
/// indexed by the `r` field.
pub const B4CONSTU: [i32; 16] = [32768, 65536, 2, 3, 4, 5, 6, 7, 8, 10, 12, 16, 32, 64, 128, 256];

/// One Xtensa instruction of the subset the ESP32 code generator uses.
///
/// Field names follow the ISA syntax; see the [module documentation](self) for immediates and
/// PC-relative operands. `mov ar, as` is `or ar, as, as` ([`Inst::mov`]).
///
/// Field names are uniform instead of documented one by one: `op` is the operation of a group,
/// `r`/`s`/`t` the registers in the fields of those names (`ar`/`as`/`at`, `fr`/`fs`/`ft`,
/// `br`/`bs`/`bt` in the ISA syntax), `imm` a signed immediate, `offset` a byte offset (for
/// PC-relative instructions as in the [module documentation](self)), `sa` a shift amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[allow(missing_docs)] // fields: see above
pub enum Inst {
    /// `op ar, as, at`.
    Rrr { op: RrrOp, r: Reg, s: Reg, t: Reg },
    /// `neg ar, at`: `ar = −at`.
    Neg { r: Reg, t: Reg },
    /// `abs ar, at`.
    Abs { r: Reg, t: Reg },
    /// `movi at, imm`, imm in −2048..=2047.
    Movi { t: Reg, imm: i32 },
    /// `addi at, as, imm`, imm in −128..=127.
    Addi { t: Reg, s: Reg, imm: i32 },
    /// `addmi at, as, imm`, imm a multiple of 256 in −32768..=32512.
    Addmi { t: Reg, s: Reg, imm: i32 },
    /// `slli ar, as, sa`, sa in 1..=31.
    Slli { r: Reg, s: Reg, sa: u8 },
    /// `srli ar, at, sa`, sa in 0..=15.
    Srli { r: Reg, t: Reg, sa: u8 },
    /// `srai ar, at, sa`, sa in 0..=31.
    Srai { r: Reg, t: Reg, sa: u8 },
    /// `sll ar, as`: shift left by `32 − SAR` (set by `ssl`).
    Sll { r: Reg, s: Reg },
    /// `srl ar, at`: logical shift right by SAR (set by `ssr`).
    Srl { r: Reg, t: Reg },
    /// `sra ar, at`: arithmetic shift right by SAR (set by `ssr`).
    Sra { r: Reg, t: Reg },
    /// `ssl as`: set SAR for a left shift by `as`.
    Ssl { s: Reg },
    /// `ssr as`: set SAR for a right shift by `as`.
    Ssr { s: Reg },
    /// `ssai sa`: SAR = sa, in 0..=31.
    Ssai { sa: u8 },
    /// `extui ar, at, shift, bits`: `(at >> shift) & ((1 << bits) − 1)`, shift in 0..=31, bits
    /// in 1..=16, `shift + bits <= 32`.
    Extui { r: Reg, t: Reg, shift: u8, bits: u8 },
    /// `nop`.
    Nop,
    /// `op at, as, offset`.
    Mem { op: MemOp, t: Reg, s: Reg, offset: u32 },
    /// `l32r at, label`: load a literal below the instruction.
    L32r { t: Reg, offset: i32 },
    /// `op as, at, label`.
    Branch { op: BranchOp, s: Reg, t: Reg, offset: i32 },
    /// `op as, label`.
    BranchZ { op: BranchZOp, s: Reg, offset: i32 },
    /// `op as, imm, label`.
    BranchImm { op: BranchImmOp, s: Reg, imm: i32, offset: i32 },
    /// `op as, bit, label`, bit in 0..=31.
    BranchBit { op: BranchBitOp, s: Reg, bit: u8, offset: i32 },
    /// `op bs, label`.
    BranchBool { op: BranchBoolOp, s: BReg, offset: i32 },
    /// `j label`, ±128 KiB.
    J { offset: i32 },
    /// `jx as`.
    Jx { s: Reg },
    /// `op label`.
    Call { op: CallOp, offset: i32 },
    /// `op as`.
    Callx { op: CallxOp, s: Reg },
    /// `ret` (call0 ABI).
    Ret,
    /// `retw` (windowed ABI).
    Retw,
    /// `entry as, frame`: windowed prologue, `as −= frame`; frame a multiple of 8 in
    /// 0..=32760.
    Entry { s: Reg, frame: u32 },
    /// `movsp at, as`: move to the stack pointer, checking that the caller's window is spilled.
    Movsp { t: Reg, s: Reg },
    /// `break s, t`: debug exception with two 4-bit codes.
    Break { s: u8, t: u8 },
    /// `simcall`: simulator call (QEMU semihosting: request in a2, arguments in a3…).
    Simcall,
    /// `op fr, fs, ft`.
    Fp { op: FpOp, r: FReg, s: FReg, t: FReg },
    /// `op fr, fs`.
    FpUnary { op: FpUnaryOp, r: FReg, s: FReg },
    /// `wfr fr, as`: move bits from an address register to an FP register.
    Wfr { r: FReg, s: Reg },
    /// `rfr ar, fs`: move bits from an FP register to an address register.
    Rfr { r: Reg, s: FReg },
    /// `op ar, fs, scale`, scale in 0..=15.
    FpToInt { op: FpToIntOp, r: Reg, s: FReg, scale: u8 },
    /// `op fr, as, scale`, scale in 0..=15.
    IntToFp { op: IntToFpOp, r: FReg, s: Reg, scale: u8 },
    /// `op br, fs, ft`.
    FpCmp { op: FpCmpOp, r: BReg, s: FReg, t: FReg },
    /// `op fr, fs, at`.
    FpMovA { op: FpMovAOp, r: FReg, s: FReg, t: Reg },
    /// `op fr, fs, bt`.
    FpMovB { op: FpMovBOp, r: FReg, s: FReg, t: BReg },
    /// `op ft, as, offset`.
    FpMem { op: FpMemOp, t: FReg, s: Reg, offset: u32 },
    /// `add.n ar, as, at`.
    AddN { r: Reg, s: Reg, t: Reg },
    /// `addi.n ar, as, imm`, imm −1 or 1..=15.
    AddiN { r: Reg, s: Reg, imm: i32 },
    /// `l32i.n at, as, offset`, offset a multiple of 4 in 0..=60.
    L32iN { t: Reg, s: Reg, offset: u32 },
    /// `s32i.n at, as, offset`, offset a multiple of 4 in 0..=60.
    S32iN { t: Reg, s: Reg, offset: u32 },
    /// `mov.n at, as`.
    MovN { t: Reg, s: Reg },
    /// `movi.n as, imm`, imm in −32..=95.
    MoviN { s: Reg, imm: i32 },
    /// `op as, label`.
    BranchZN { op: BranchZNOp, s: Reg, offset: i32 },
    /// `ret.n`.
    RetN,
    /// `retw.n`.
    RetwN,
    /// `nop.n`.
    NopN,
}

impl Inst {
    /// `mov ar, as`, which the ISA spells `or ar, as, as`.
    pub const fn mov(r: Reg, s: Reg) -> Inst {
        Inst::Rrr { op: RrrOp::Or, r, s, t: s }
    }

    /// Whether this is a narrow (2-byte, code density option) instruction.
    pub const fn is_narrow(&self) -> bool {
        matches!(
            self,
            Inst::AddN { .. }
                | Inst::AddiN { .. }
                | Inst::L32iN { .. }
                | Inst::S32iN { .. }
                | Inst::MovN { .. }
                | Inst::MoviN { .. }
                | Inst::BranchZN { .. }
                | Inst::RetN
                | Inst::RetwN
                | Inst::NopN
        )
    }

    /// The size in bytes, 2 or 3, known without encoding (for layout and branch relaxation).
    pub const fn size(&self) -> u32 {
        if self.is_narrow() { 2 } else { 3 }
    }

    /// The address this instruction at `pc` branches to, calls or loads its literal from;
    /// `None` for instructions without a PC-relative operand.
    pub fn target(&self, pc: u32) -> Option<u32> {
        match *self {
            Inst::Branch { offset, .. }
            | Inst::BranchZ { offset, .. }
            | Inst::BranchImm { offset, .. }
            | Inst::BranchBit { offset, .. }
            | Inst::BranchBool { offset, .. }
            | Inst::BranchZN { offset, .. }
            | Inst::J { offset } => Some(pc.wrapping_add_signed(offset)),
            Inst::Call { offset, .. } => Some((pc & !3).wrapping_add_signed(offset)),
            Inst::L32r { offset, .. } => {
                Some((pc.wrapping_add(3) & !3).wrapping_add_signed(offset))
            }
            _ => None,
        }
    }
}

/// The operand of a branch or `j` at `pc` that goes to `target`.
pub const fn branch_offset(pc: u32, target: u32) -> i32 {
    target.wrapping_sub(pc) as i32
}

/// The operand of a `call0`/`call4`/`call8`/`call12` at `pc` that calls `target`.
pub const fn call_offset(pc: u32, target: u32) -> i32 {
    target.wrapping_sub(pc & !3) as i32
}

/// The operand of an `l32r` at `pc` that loads the literal at `literal`.
pub const fn l32r_offset(pc: u32, literal: u32) -> i32 {
    literal.wrapping_sub(pc.wrapping_add(3) & !3) as i32
}
