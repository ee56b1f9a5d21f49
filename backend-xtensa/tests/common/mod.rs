//! Instructions for the tests: every instruction with boundary operands, and a seeded random
//! generator.

#![allow(dead_code)] // each test binary uses part of this

use backend_xtensa::*;

/// A small xorshift generator, so the sweep is the same on every run and machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.next() as usize % items.len()]
    }

    pub fn reg(&mut self) -> Reg {
        Reg::new(self.range(0, 15) as u8).unwrap()
    }

    pub fn freg(&mut self) -> FReg {
        FReg::new(self.range(0, 15) as u8).unwrap()
    }

    pub fn breg(&mut self) -> BReg {
        BReg::new(self.range(0, 15) as u8).unwrap()
    }
}

/// Whether the ESP8266's lx106 core (and so `xtensa-lx106-elf-as`) has the instruction; the
/// rest is checked against the QEMU/ESP32 opcode tables instead.
pub fn in_lx106(inst: &Inst) -> bool {
    match inst {
        Inst::Rrr { op, .. } => !matches!(
            op,
            RrrOp::Min
                | RrrOp::Max
                | RrrOp::Minu
                | RrrOp::Maxu
                | RrrOp::Muluh
                | RrrOp::Mulsh
                | RrrOp::Quos
                | RrrOp::Quou
                | RrrOp::Rems
                | RrrOp::Remu
        ),
        Inst::Call { op, .. } => *op == CallOp::Call0,
        Inst::Callx { op, .. } => *op == CallxOp::Callx0,
        Inst::Retw | Inst::RetwN | Inst::Entry { .. } | Inst::Movsp { .. } => false,
        Inst::BranchBool { .. }
        | Inst::Fp { .. }
        | Inst::FpUnary { .. }
        | Inst::Wfr { .. }
        | Inst::Rfr { .. }
        | Inst::FpToInt { .. }
        | Inst::IntToFp { .. }
        | Inst::FpCmp { .. }
        | Inst::FpMovA { .. }
        | Inst::FpMovB { .. }
        | Inst::FpMem { .. } => false,
        _ => true,
    }
}

const A: [Reg; 3] = [Reg::A0, Reg::A7, Reg::A15];
const F: [FReg; 2] = [FReg::F0, FReg::F15];
const B: [BReg; 2] = [BReg::B0, BReg::B15];

/// Branch offsets at the ends of a signed `bits`-bit field (target = pc + 4 + imm) and between.
fn branch_offsets(bits: u32) -> Vec<i32> {
    let half = 1 << (bits - 1);
    vec![4 - half, 4 - half + 1, -4, 0, 3, 4, 5, 100, 4 + half - 2, 4 + half - 1]
}

/// Every instruction of the subset, with each operand at its boundaries.
pub fn samples() -> Vec<Inst> {
    let mut out = Vec::new();
    for &op in RrrOp::ALL {
        for (r, s, t) in [(A[0], A[1], A[2]), (A[2], A[0], A[1]), (Reg::A2, Reg::A3, Reg::A4)] {
            out.push(Inst::Rrr { op, r, s, t });
        }
    }
    out.push(Inst::mov(Reg::A2, Reg::A3));
    for (r, t) in [(A[0], A[2]), (A[2], A[1])] {
        out.extend([Inst::Neg { r, t }, Inst::Abs { r, t }]);
        out.extend([Inst::Srl { r, t }, Inst::Sra { r, t }, Inst::Sll { r, s: t }]);
        out.extend([Inst::Ssl { s: r }, Inst::Ssr { s: t }, Inst::MovN { t: r, s: t }]);
        out.extend([Inst::Jx { s: t }, Inst::Movsp { t: r, s: t }]);
        out.push(Inst::AddN { r, s: t, t: r });
        for &op in CallxOp::ALL {
            out.push(Inst::Callx { op, s: t });
        }
    }
    for imm in [-2048, -2047, -1, 0, 1, 255, 256, 2047] {
        out.push(Inst::Movi { t: Reg::A5, imm });
    }
    for imm in [-128, -1, 0, 1, 127] {
        out.push(Inst::Addi { t: Reg::A15, s: Reg::A0, imm });
    }
    for imm in [-32768, -256, 0, 256, 32512] {
        out.push(Inst::Addmi { t: Reg::A1, s: Reg::A14, imm });
    }
    for sa in [1, 15, 16, 31] {
        out.push(Inst::Slli { r: Reg::A2, s: Reg::A3, sa });
    }
    for sa in [0, 1, 15] {
        out.push(Inst::Srli { r: Reg::A2, t: Reg::A3, sa });
    }
    for sa in [0, 15, 16, 31] {
        out.push(Inst::Srai { r: Reg::A2, t: Reg::A3, sa });
        out.push(Inst::Ssai { sa });
    }
    for (shift, bits) in [(0, 1), (0, 16), (15, 8), (16, 16), (31, 1), (4, 4)] {
        out.push(Inst::Extui { r: Reg::A4, t: Reg::A9, shift, bits });
    }
    out.extend([Inst::Nop, Inst::Ret, Inst::Retw, Inst::Simcall]);
    out.extend([Inst::RetN, Inst::RetwN, Inst::NopN]);
    for (s, t) in [(0, 0), (1, 2), (15, 15)] {
        out.push(Inst::Break { s, t });
    }
    for &op in MemOp::ALL {
        let size = match op {
            MemOp::L8ui | MemOp::S8i => 1,
            MemOp::L16ui | MemOp::L16si | MemOp::S16i => 2,
            _ => 4,
        };
        for offset in [0, size, 255 * size] {
            out.push(Inst::Mem { op, t: Reg::A2, s: Reg::A1, offset });
            out.push(Inst::Mem { op, t: Reg::A15, s: Reg::A0, offset });
        }
    }
    for offset in [-262_144, -262_140, -8, -4] {
        out.push(Inst::L32r { t: Reg::A6, offset });
    }
    for &op in BranchOp::ALL {
        for offset in branch_offsets(8) {
            out.push(Inst::Branch { op, s: Reg::A2, t: Reg::A15, offset });
        }
    }
    for &op in BranchZOp::ALL {
        for offset in branch_offsets(12) {
            out.push(Inst::BranchZ { op, s: Reg::A3, offset });
        }
    }
    for &op in BranchImmOp::ALL {
        let table =
            if matches!(op, BranchImmOp::Bltui | BranchImmOp::Bgeui) { B4CONSTU } else { B4CONST };
        for (i, imm) in table.into_iter().enumerate() {
            let offsets = branch_offsets(8);
            out.push(Inst::BranchImm { op, s: Reg::A4, imm, offset: offsets[i % offsets.len()] });
        }
    }
    for &op in BranchBitOp::ALL {
        for bit in [0, 15, 16, 31] {
            for offset in [-124, 131] {
                out.push(Inst::BranchBit { op, s: Reg::A5, bit, offset });
            }
        }
    }
    for &op in BranchBoolOp::ALL {
        for s in B {
            for offset in [-124, 8, 131] {
                out.push(Inst::BranchBool { op, s, offset });
            }
        }
    }
    for offset in branch_offsets(18) {
        out.push(Inst::J { offset });
    }
    for &op in CallOp::ALL {
        for offset in [-524_284, -4, 0, 4, 8, 524_288] {
            out.push(Inst::Call { op, offset });
        }
    }
    for frame in [0, 8, 32, 32760] {
        out.push(Inst::Entry { s: Reg::A1, frame });
    }
    for &op in FpOp::ALL {
        out.push(Inst::Fp { op, r: F[0], s: F[1], t: FReg::F7 });
    }
    for &op in FpUnaryOp::ALL {
        out.push(Inst::FpUnary { op, r: F[1], s: F[0] });
    }
    out.extend([Inst::Wfr { r: F[1], s: A[0] }, Inst::Rfr { r: A[2], s: F[0] }]);
    for &op in FpToIntOp::ALL {
        for scale in [0, 15] {
            out.push(Inst::FpToInt { op, r: A[1], s: F[1], scale });
        }
    }
    for &op in IntToFpOp::ALL {
        for scale in [0, 15] {
            out.push(Inst::IntToFp { op, r: F[1], s: A[2], scale });
        }
    }
    for &op in FpCmpOp::ALL {
        out.push(Inst::FpCmp { op, r: B[1], s: F[0], t: F[1] });
    }
    for &op in FpMovAOp::ALL {
        out.push(Inst::FpMovA { op, r: F[0], s: F[1], t: A[2] });
    }
    for &op in FpMovBOp::ALL {
        out.push(Inst::FpMovB { op, r: F[1], s: F[0], t: B[1] });
    }
    for &op in FpMemOp::ALL {
        for offset in [0, 4, 1020] {
            out.push(Inst::FpMem { op, t: F[1], s: A[1], offset });
        }
    }
    for imm in [-1, 1, 15] {
        out.push(Inst::AddiN { r: Reg::A2, s: Reg::A15, imm });
    }
    for offset in [0, 4, 60] {
        out.push(Inst::L32iN { t: Reg::A2, s: Reg::A1, offset });
        out.push(Inst::S32iN { t: Reg::A15, s: Reg::A0, offset });
    }
    for imm in [-32, -1, 0, 1, 95] {
        out.push(Inst::MoviN { s: Reg::A7, imm });
    }
    for &op in BranchZNOp::ALL {
        for offset in [4, 5, 67] {
            out.push(Inst::BranchZN { op, s: Reg::A8, offset });
        }
    }
    out
}

/// A random instruction of the subset with operands anywhere in their ranges.
pub fn random(rng: &mut Rng) -> Inst {
    let branch = |rng: &mut Rng, bits: u32| {
        let half = 1i64 << (bits - 1);
        rng.range(4 - half, 3 + half) as i32
    };
    match rng.range(0, 37) {
        0 => Inst::Rrr { op: rng.pick(RrrOp::ALL), r: rng.reg(), s: rng.reg(), t: rng.reg() },
        1 => Inst::Neg { r: rng.reg(), t: rng.reg() },
        2 => Inst::Abs { r: rng.reg(), t: rng.reg() },
        3 => Inst::Movi { t: rng.reg(), imm: rng.range(-2048, 2047) as i32 },
        4 => Inst::Addi { t: rng.reg(), s: rng.reg(), imm: rng.range(-128, 127) as i32 },
        5 => Inst::Addmi { t: rng.reg(), s: rng.reg(), imm: rng.range(-128, 127) as i32 * 256 },
        6 => Inst::Slli { r: rng.reg(), s: rng.reg(), sa: rng.range(1, 31) as u8 },
        7 => Inst::Srli { r: rng.reg(), t: rng.reg(), sa: rng.range(0, 15) as u8 },
        8 => Inst::Srai { r: rng.reg(), t: rng.reg(), sa: rng.range(0, 31) as u8 },
        9 => match rng.range(0, 4) {
            0 => Inst::Sll { r: rng.reg(), s: rng.reg() },
            1 => Inst::Srl { r: rng.reg(), t: rng.reg() },
            2 => Inst::Sra { r: rng.reg(), t: rng.reg() },
            3 => Inst::Ssl { s: rng.reg() },
            _ => Inst::Ssr { s: rng.reg() },
        },
        10 => Inst::Ssai { sa: rng.range(0, 31) as u8 },
        11 => {
            let shift = rng.range(0, 31);
            let bits = rng.range(1, (32 - shift).min(16)) as u8;
            Inst::Extui { r: rng.reg(), t: rng.reg(), shift: shift as u8, bits }
        }
        12 => {
            let op = rng.pick(MemOp::ALL);
            let size = match op {
                MemOp::L8ui | MemOp::S8i => 1,
                MemOp::L16ui | MemOp::L16si | MemOp::S16i => 2,
                _ => 4,
            };
            Inst::Mem { op, t: rng.reg(), s: rng.reg(), offset: rng.range(0, 255) as u32 * size }
        }
        13 => Inst::L32r { t: rng.reg(), offset: rng.range(-65536, -1) as i32 * 4 },
        14 => Inst::Branch {
            op: rng.pick(BranchOp::ALL),
            s: rng.reg(),
            t: rng.reg(),
            offset: branch(rng, 8),
        },
        15 => Inst::BranchZ { op: rng.pick(BranchZOp::ALL), s: rng.reg(), offset: branch(rng, 12) },
        16 => {
            let op = rng.pick(BranchImmOp::ALL);
            let table = if matches!(op, BranchImmOp::Bltui | BranchImmOp::Bgeui) {
                B4CONSTU
            } else {
                B4CONST
            };
            Inst::BranchImm { op, s: rng.reg(), imm: rng.pick(&table), offset: branch(rng, 8) }
        }
        17 => Inst::BranchBit {
            op: rng.pick(BranchBitOp::ALL),
            s: rng.reg(),
            bit: rng.range(0, 31) as u8,
            offset: branch(rng, 8),
        },
        18 => Inst::BranchBool {
            op: rng.pick(BranchBoolOp::ALL),
            s: rng.breg(),
            offset: branch(rng, 8),
        },
        19 => Inst::J { offset: branch(rng, 18) },
        20 => Inst::Call {
            op: rng.pick(CallOp::ALL),
            offset: rng.range(-131_071, 131_072) as i32 * 4,
        },
        21 => match rng.range(0, 2) {
            0 => Inst::Callx { op: rng.pick(CallxOp::ALL), s: rng.reg() },
            1 => Inst::Jx { s: rng.reg() },
            _ => Inst::Movsp { t: rng.reg(), s: rng.reg() },
        },
        22 => rng.pick(&[
            Inst::Nop,
            Inst::Ret,
            Inst::Retw,
            Inst::Simcall,
            Inst::RetN,
            Inst::RetwN,
            Inst::NopN,
        ]),
        23 => Inst::Entry { s: rng.reg(), frame: rng.range(0, 4095) as u32 * 8 },
        24 => Inst::Break { s: rng.range(0, 15) as u8, t: rng.range(0, 15) as u8 },
        25 => Inst::Fp { op: rng.pick(FpOp::ALL), r: rng.freg(), s: rng.freg(), t: rng.freg() },
        26 => match rng.range(0, 2) {
            0 => Inst::FpUnary { op: rng.pick(FpUnaryOp::ALL), r: rng.freg(), s: rng.freg() },
            1 => Inst::Wfr { r: rng.freg(), s: rng.reg() },
            _ => Inst::Rfr { r: rng.reg(), s: rng.freg() },
        },
        27 => Inst::FpToInt {
            op: rng.pick(FpToIntOp::ALL),
            r: rng.reg(),
            s: rng.freg(),
            scale: rng.range(0, 15) as u8,
        },
        28 => Inst::IntToFp {
            op: rng.pick(IntToFpOp::ALL),
            r: rng.freg(),
            s: rng.reg(),
            scale: rng.range(0, 15) as u8,
        },
        29 => {
            Inst::FpCmp { op: rng.pick(FpCmpOp::ALL), r: rng.breg(), s: rng.freg(), t: rng.freg() }
        }
        30 => match rng.range(0, 1) {
            0 => Inst::FpMovA {
                op: rng.pick(FpMovAOp::ALL),
                r: rng.freg(),
                s: rng.freg(),
                t: rng.reg(),
            },
            _ => Inst::FpMovB {
                op: rng.pick(FpMovBOp::ALL),
                r: rng.freg(),
                s: rng.freg(),
                t: rng.breg(),
            },
        },
        31 => Inst::FpMem {
            op: rng.pick(FpMemOp::ALL),
            t: rng.freg(),
            s: rng.reg(),
            offset: rng.range(0, 255) as u32 * 4,
        },
        32 => Inst::AddN { r: rng.reg(), s: rng.reg(), t: rng.reg() },
        33 => Inst::AddiN {
            r: rng.reg(),
            s: rng.reg(),
            imm: rng.pick(&[-1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
        },
        34 => match rng.range(0, 1) {
            0 => Inst::L32iN { t: rng.reg(), s: rng.reg(), offset: rng.range(0, 15) as u32 * 4 },
            _ => Inst::S32iN { t: rng.reg(), s: rng.reg(), offset: rng.range(0, 15) as u32 * 4 },
        },
        35 => Inst::MovN { t: rng.reg(), s: rng.reg() },
        36 => Inst::MoviN { s: rng.reg(), imm: rng.range(-32, 95) as i32 },
        _ => Inst::BranchZN {
            op: rng.pick(BranchZNOp::ALL),
            s: rng.reg(),
            offset: rng.range(4, 67) as i32,
        },
    }
}
