//! Differential tests: random straight-line code with forward branches, counted loops, calls
//! deep enough to overflow the register window, integer and FP instructions, run in QEMU
//! (`de233_fpu`) and in the simulator; registers (dumped to memory), memory, stacks (window
//! spills) and faults must match. `BS_QEMU_CASES=N` runs N cases instead of the default 2,000;
//! `BS_QEMU_SEED=S` changes the seed.
//!
//! Left out because `de233_fpu` differs from the ESP32: `muluh`/`mulsh` (not configured on
//! de233_fpu). Left out because QEMU differs from the ISA: `srl`/`sra` after `ssl` in the same
//! translation block (see the shift generator). The simulator runs the cases with de233_fpu's 32 physical registers and its
//! DFPU NaN rule; the ESP32's (64 registers, FPU2000 NaN rule) are unit-tested in the crate.

use backend_xtensa::*;
use xtensa_sim::qemu::{
    Case, Outcome, Program, Segment, Status, code_base, data_base, run_programs_in_qemu,
    run_programs_in_sim, run_qemu, run_sim, run_sim_with,
};

/// SplitMix64: a tiny deterministic generator (the registry is not reachable from the test
/// machines, so no `rand`).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u32) -> u32 {
        (self.next() % u64::from(n)) as u32
    }
    fn range(&mut self, lo: i32, hi: i32) -> i32 {
        lo + self.below((hi - lo + 1) as u32) as i32
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u32) as usize]
    }
    fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent
    }
    /// A word biased towards edge cases.
    fn word(&mut self) -> u32 {
        match self.below(6) {
            0 => self.pick(&[0, 1, 2, u32::MAX, 0x8000_0000, 0x7fff_ffff, 31, 32]),
            1 => self.range(-300, 300) as u32,
            2 => 1 << self.below(32),
            _ => self.next() as u32,
        }
    }
    /// f32 bits biased towards interesting values.
    fn float(&mut self) -> u32 {
        match self.below(8) {
            0 => self.pick(&[
                0,
                0x8000_0000,
                0x7f80_0000,
                0xff80_0000,
                0x7fc0_0000,
                0x7f80_0001,
                0xffc0_1234,
                0x0000_0001,
                0x807f_ffff,
                0x7f7f_ffff,
                0x3f80_0000,
                0xbf00_0000,
                0x4f00_0000,
            ]),
            1 => (self.range(-100, 100) as f32).to_bits(),
            2 => ((self.range(-1000, 1000) as f32) / 8.0).to_bits(),
            _ => {
                let exp = self.range(100, 160) as u32;
                (self.below(2) << 31) | (exp << 23) | (self.below(1 << 23))
            }
        }
    }
}

/// Data block layout: register dump, FP registers, scratch memory.
const DUMP: u32 = 0;
const FREGS: u32 = 64;
const SCRATCH: u32 = 128;
const DATA_SIZE: usize = 256;
/// The loop counter register; random instructions never write it.
const COUNTER: u8 = 15;

/// An instruction or a forward jump whose offset is known once the code is laid out.
enum Item {
    Inst(Inst),
    /// Two instructions a branch must not separate (the second uses what the first computes).
    Pair(Inst, Inst),
    /// A branch (its offset still 0) over the next `skip` items.
    Skip(Inst, usize),
    /// A branch (its offset still 0) back to the item `back` places earlier (loops).
    Back(Inst, usize),
    /// `call{4,8,12}` of the helper function.
    Call(CallOp),
    /// `l32i a{n+1}, a2, 0; callx{n}` of the helper function (its address is data word 0).
    Callx(CallxOp),
    /// `mov save, a0; call0 helper0; mov a0, save` (the call0 ABI inside a windowed function).
    Call0(Reg),
}

impl Item {
    fn size(&self) -> u32 {
        match self {
            Item::Inst(i) => i.size(),
            Item::Pair(a, b) => a.size() + b.size(),
            Item::Skip(branch, _) | Item::Back(branch, _) => branch.size(),
            Item::Call(_) => 3,
            Item::Callx(_) => 6,
            Item::Call0(_) => 9,
        }
    }
}

fn reg(n: u8) -> Reg {
    Reg::new(n).unwrap()
}

struct Gen<'a> {
    rng: &'a mut Rng,
    items: Vec<Item>,
}

impl Gen<'_> {
    /// A register random instructions may write: a3..a14.
    fn dst(&mut self) -> Reg {
        reg(self.rng.range(3, 14) as u8)
    }
    /// A register to read: a2..a15.
    fn src(&mut self) -> Reg {
        reg(self.rng.range(2, 15) as u8)
    }
    fn freg(&mut self) -> FReg {
        FReg::new(self.rng.below(16) as u8).unwrap()
    }
    fn breg(&mut self) -> BReg {
        BReg::new(self.rng.below(16) as u8).unwrap()
    }
    fn push(&mut self, inst: Inst) {
        self.items.push(Item::Inst(inst));
    }

    /// One random instruction that is not a control transfer.
    fn plain(&mut self) {
        let r = &mut *self.rng;
        let kind = r.below(24);
        let inst = match kind {
            0..=3 => {
                let ops: Vec<RrrOp> = RrrOp::ALL
                    .iter()
                    .copied()
                    .filter(|op| !matches!(op, RrrOp::Muluh | RrrOp::Mulsh))
                    .collect();
                let op = self.rng.pick(&ops);
                if matches!(op, RrrOp::Quos | RrrOp::Quou | RrrOp::Rems | RrrOp::Remu)
                    && !self.rng.chance(3)
                {
                    // Mostly a nonzero divisor.
                    let t = self.dst();
                    let imm = self.rng.range(1, 2047);
                    let div = Inst::Rrr {
                        op,
                        r: self.dst(),
                        s: self.src(),
                        t,
                    };
                    self.items.push(Item::Pair(Inst::Movi { t, imm }, div));
                    return;
                } else {
                    Inst::Rrr {
                        op,
                        r: self.dst(),
                        s: self.src(),
                        t: self.src(),
                    }
                }
            }
            4 => Inst::Neg {
                r: self.dst(),
                t: self.src(),
            },
            5 => Inst::Abs {
                r: self.dst(),
                t: self.src(),
            },
            6 => Inst::Movi {
                t: self.dst(),
                imm: self.rng.range(-2048, 2047),
            },
            7 => Inst::Addi {
                t: self.dst(),
                s: self.src(),
                imm: self.rng.range(-128, 127),
            },
            8 => Inst::Addmi {
                t: self.dst(),
                s: self.src(),
                imm: self.rng.range(-128, 127) * 256,
            },
            9 => match self.rng.below(3) {
                0 => Inst::Slli {
                    r: self.dst(),
                    s: self.src(),
                    sa: self.rng.range(1, 31) as u8,
                },
                1 => Inst::Srli {
                    r: self.dst(),
                    t: self.src(),
                    sa: self.rng.below(16) as u8,
                },
                _ => Inst::Srai {
                    r: self.dst(),
                    t: self.src(),
                    sa: self.rng.below(32) as u8,
                },
            },
            10 => {
                // SAR is set right before each use: after `ssl`, QEMU shifts `srl`/`sra` by SAR
                // with a 32-bit TCG shift, so SAR = 32 (`ssl` of a multiple of 32) leaves the
                // value unshifted where the chip (and the simulator) gives 0.
                let set = match self.rng.below(3) {
                    0 => Inst::Ssl { s: self.src() },
                    1 => Inst::Ssr { s: self.src() },
                    _ => Inst::Ssai {
                        sa: self.rng.below(32) as u8,
                    },
                };
                let shift = match (set, self.rng.below(2)) {
                    (Inst::Ssl { .. }, _) | (Inst::Ssai { .. }, 0) => Inst::Sll {
                        r: self.dst(),
                        s: self.src(),
                    },
                    (_, 0) => Inst::Srl {
                        r: self.dst(),
                        t: self.src(),
                    },
                    _ => Inst::Sra {
                        r: self.dst(),
                        t: self.src(),
                    },
                };
                self.items.push(Item::Pair(set, shift));
                return;
            }
            11 => {
                let shift = self.rng.below(32) as u8;
                let bits = self.rng.range(1, 16.min(32 - i32::from(shift))) as u8;
                Inst::Extui {
                    r: self.dst(),
                    t: self.src(),
                    shift,
                    bits,
                }
            }
            12 | 13 => {
                let op = self.rng.pick(MemOp::ALL);
                let size = match op {
                    MemOp::L8ui | MemOp::S8i => 1,
                    MemOp::L16ui | MemOp::L16si | MemOp::S16i => 2,
                    _ => 4,
                };
                let offset = SCRATCH + self.rng.below(128 / size) * size;
                let t = if matches!(op, MemOp::S8i | MemOp::S16i | MemOp::S32i) {
                    self.src()
                } else {
                    self.dst()
                };
                Inst::Mem {
                    op,
                    t,
                    s: Reg::A2,
                    offset,
                }
            }
            14 => match self.rng.below(6) {
                0 => Inst::AddN {
                    r: self.dst(),
                    s: self.src(),
                    t: self.src(),
                },
                1 => {
                    let imm = self.rng.pick(&[-1, 1, 2, 5, 15]);
                    Inst::AddiN {
                        r: self.dst(),
                        s: self.src(),
                        imm,
                    }
                }
                2 => Inst::MovN {
                    t: self.dst(),
                    s: self.src(),
                },
                3 => Inst::MoviN {
                    s: self.dst(),
                    imm: self.rng.range(-32, 95),
                },
                4 => Inst::L32iN {
                    t: self.dst(),
                    s: Reg::A2,
                    offset: 4 * self.rng.below(16),
                },
                // Into the register dump area, past the helpers' addresses in words 0 and 1.
                _ => Inst::S32iN {
                    t: self.src(),
                    s: Reg::A2,
                    offset: 4 * (2 + self.rng.below(14)),
                },
            },
            15 | 16 => {
                let op = self.rng.pick(FpOp::ALL);
                Inst::Fp {
                    op,
                    r: self.freg(),
                    s: self.freg(),
                    t: self.freg(),
                }
            }
            17 => match self.rng.below(3) {
                0 => Inst::FpUnary {
                    op: self.rng.pick(FpUnaryOp::ALL),
                    r: self.freg(),
                    s: self.freg(),
                },
                1 => Inst::Wfr {
                    r: self.freg(),
                    s: self.src(),
                },
                _ => Inst::Rfr {
                    r: self.dst(),
                    s: self.freg(),
                },
            },
            18 => {
                let op = self.rng.pick(FpToIntOp::ALL);
                Inst::FpToInt {
                    op,
                    r: self.dst(),
                    s: self.freg(),
                    scale: self.rng.below(16) as u8,
                }
            }
            19 => {
                let op = self.rng.pick(IntToFpOp::ALL);
                Inst::IntToFp {
                    op,
                    r: self.freg(),
                    s: self.src(),
                    scale: self.rng.below(16) as u8,
                }
            }
            20 => {
                let op = self.rng.pick(FpCmpOp::ALL);
                Inst::FpCmp {
                    op,
                    r: self.breg(),
                    s: self.freg(),
                    t: self.freg(),
                }
            }
            21 => match self.rng.below(2) {
                0 => Inst::FpMovB {
                    op: self.rng.pick(FpMovBOp::ALL),
                    r: self.freg(),
                    s: self.freg(),
                    t: self.breg(),
                },
                _ => Inst::FpMovA {
                    op: self.rng.pick(FpMovAOp::ALL),
                    r: self.freg(),
                    s: self.freg(),
                    t: self.src(),
                },
            },
            _ => {
                let op = self.rng.pick(FpMemOp::ALL);
                let offset = 4 * self.rng.below(32);
                if matches!(op, FpMemOp::Lsip | FpMemOp::Ssip) {
                    // Post-increment through a temporary pointer into the register dump
                    // area (which the epilogue overwrites), past the helpers' addresses.
                    let p = self.dst();
                    let at = Inst::Addi {
                        t: p,
                        s: Reg::A2,
                        imm: 4 * (2 + self.rng.below(16)) as i32,
                    };
                    let offset = 4 * self.rng.below(16);
                    let mem = Inst::FpMem {
                        op,
                        t: self.freg(),
                        s: p,
                        offset,
                    };
                    self.items.push(Item::Pair(at, mem));
                    return;
                } else {
                    Inst::FpMem {
                        op,
                        t: self.freg(),
                        s: Reg::A2,
                        offset: SCRATCH + offset,
                    }
                }
            }
        };
        self.push(inst);
    }

    /// A forward branch over the next few items (which are then generated).
    fn branch(&mut self, depth: u32) {
        let skip = self.rng.range(0, 3) as usize;
        let (s, t) = (self.src(), self.src());
        let branch = match self.rng.below(7) {
            0 => Inst::Branch {
                op: self.rng.pick(BranchOp::ALL),
                s,
                t,
                offset: 0,
            },
            1 => Inst::BranchZ {
                op: self.rng.pick(BranchZOp::ALL),
                s,
                offset: 0,
            },
            2 => Inst::BranchZN {
                op: self.rng.pick(BranchZNOp::ALL),
                s,
                offset: 0,
            },
            3 => {
                let op = self.rng.pick(BranchImmOp::ALL);
                let table = match op {
                    BranchImmOp::Bltui | BranchImmOp::Bgeui => B4CONSTU,
                    _ => B4CONST,
                };
                Inst::BranchImm {
                    op,
                    s,
                    imm: self.rng.pick(&table),
                    offset: 0,
                }
            }
            4 => {
                let op = self.rng.pick(BranchBitOp::ALL);
                Inst::BranchBit {
                    op,
                    s,
                    bit: self.rng.below(32) as u8,
                    offset: 0,
                }
            }
            // The prologue writes every boolean register.
            5 => Inst::BranchBool {
                op: self.rng.pick(BranchBoolOp::ALL),
                s: self.breg(),
                offset: 0,
            },
            _ => Inst::J { offset: 0 },
        };
        // `beqz.n`/`bnez.n` cannot branch to the next instruction.
        let skip = if branch.is_narrow() {
            skip.max(1)
        } else {
            skip
        };
        self.items.push(Item::Skip(branch, skip));
        for _ in 0..skip {
            self.item(depth + 1);
        }
    }

    /// A counted loop of a few plain instructions.
    fn counted_loop(&mut self) {
        let n = self.rng.range(1, 5);
        self.push(Inst::Movi {
            t: reg(COUNTER),
            imm: n,
        });
        let body = self.rng.range(1, 5) as usize;
        let start = self.items.len();
        for _ in 0..body {
            self.plain();
        }
        self.push(Inst::Addi {
            t: reg(COUNTER),
            s: reg(COUNTER),
            imm: -1,
        });
        let back = self.items.len() - start;
        let bnez = Inst::BranchZ {
            op: BranchZOp::Bnez,
            s: reg(COUNTER),
            offset: 0,
        };
        self.items.push(Item::Back(bnez, back));
    }

    /// A call of the recursive helper, deep enough to overflow the window sometimes, or of
    /// the call0 helper.
    fn call(&mut self) {
        if self.rng.chance(20) {
            // Not a5 or a12, which the call0 helper writes.
            let save = reg(self.rng.range(6, 11) as u8);
            self.items.push(Item::Call0(save));
            return;
        }
        let (op, opx, n) = self.rng.pick(&[
            (CallOp::Call4, CallxOp::Callx4, 4u8),
            (CallOp::Call8, CallxOp::Callx8, 8),
            (CallOp::Call12, CallxOp::Callx12, 12),
        ]);
        let depth = self.rng.range(0, 24);
        self.push(Inst::Movi {
            t: reg(n + 2),
            imm: depth,
        });
        let x = self.src();
        if n + 3 <= 15 {
            self.push(Inst::mov(reg(n + 3), x));
        }
        if self.rng.chance(50) {
            self.items.push(Item::Call(op));
        } else {
            self.items.push(Item::Callx(opx));
        }
    }

    fn item(&mut self, depth: u32) {
        match self.rng.below(20) {
            0..=1 if depth < 2 => self.branch(depth),
            2 if depth == 0 => self.counted_loop(),
            3 if depth == 0 && self.rng.chance(40) => self.call(),
            _ => self.plain(),
        }
    }
}

/// `branch` with its PC-relative operand set to `offset`.
fn with_offset(branch: Inst, offset: i32) -> Inst {
    match branch {
        Inst::Branch { op, s, t, .. } => Inst::Branch { op, s, t, offset },
        Inst::BranchZ { op, s, .. } => Inst::BranchZ { op, s, offset },
        Inst::BranchZN { op, s, .. } => Inst::BranchZN { op, s, offset },
        Inst::BranchImm { op, s, imm, .. } => Inst::BranchImm { op, s, imm, offset },
        Inst::BranchBit { op, s, bit, .. } => Inst::BranchBit { op, s, bit, offset },
        Inst::BranchBool { op, s, .. } => Inst::BranchBool { op, s, offset },
        Inst::J { .. } => Inst::J { offset },
        other => panic!("not a branch: {other:?}"),
    }
}

/// The call0 helper: mixes a3 into a12 and a12 into a5 of the caller's window, returns with
/// `ret`.
fn helper0() -> Vec<Inst> {
    vec![
        Inst::Rrr {
            op: RrrOp::Sub,
            r: Reg::A12,
            s: Reg::A12,
            t: Reg::A3,
        },
        Inst::Rrr {
            op: RrrOp::Xor,
            r: Reg::A5,
            s: Reg::A5,
            t: Reg::A12,
        },
        Inst::RetN,
    ]
}

fn callx_increment(op: CallxOp) -> u8 {
    match op {
        CallxOp::Callx0 => 0,
        CallxOp::Callx4 => 1,
        CallxOp::Callx8 => 2,
        CallxOp::Callx12 => 3,
    }
}

/// `helper(n, x)`: `x` when `n == 0`, else `helper(n − 1, x·3 + n) ^ n` through `call8`.
fn helper() -> Vec<Inst> {
    vec![
        Inst::Entry {
            s: Reg::A1,
            frame: 48,
        },
        Inst::BranchZ {
            op: BranchZOp::Beqz,
            s: Reg::A2,
            offset: 27,
        },
        Inst::Addi {
            t: Reg::A10,
            s: Reg::A2,
            imm: -1,
        },
        Inst::Rrr {
            op: RrrOp::Addx2,
            r: Reg::A11,
            s: Reg::A3,
            t: Reg::A3,
        },
        Inst::Rrr {
            op: RrrOp::Add,
            r: Reg::A11,
            s: Reg::A11,
            t: Reg::A2,
        },
        Inst::Mem {
            op: MemOp::S32i,
            t: Reg::A11,
            s: Reg::A1,
            offset: 0,
        },
        Inst::Call {
            op: CallOp::Call8,
            offset: -16,
        },
        Inst::Rrr {
            op: RrrOp::Xor,
            r: Reg::A2,
            s: Reg::A10,
            t: Reg::A2,
        },
        Inst::Mem {
            op: MemOp::L32i,
            t: Reg::A3,
            s: Reg::A1,
            offset: 0,
        },
        Inst::Retw,
        Inst::mov(Reg::A2, Reg::A3),
        Inst::Retw,
    ]
}

/// A random case: a prologue that defines every register, a random body, a dump of every
/// register to the data block, and the helper function.
fn case(rng: &mut Rng, index: usize) -> Case {
    let mut g = Gen {
        rng,
        items: Vec::new(),
    };
    g.push(Inst::Entry {
        s: Reg::A1,
        frame: 64,
    });
    for r in 8..16u8 {
        g.push(Inst::Mem {
            op: MemOp::L32i,
            t: reg(r),
            s: Reg::A2,
            offset: DUMP + 4 * u32::from(r),
        });
    }
    for f in 0..16u8 {
        g.push(Inst::FpMem {
            op: FpMemOp::Lsi,
            t: FReg::new(f).unwrap(),
            s: Reg::A2,
            offset: FREGS + 4 * u32::from(f),
        });
    }
    for b in 0..16u8 {
        let (s, t) = (g.freg(), g.freg());
        let op = g.rng.pick(FpCmpOp::ALL);
        g.push(Inst::FpCmp {
            op,
            r: BReg::new(b).unwrap(),
            s,
            t,
        });
    }
    let sa = g.rng.below(32) as u8;
    g.push(Inst::Ssai { sa });
    let len = g.rng.range(10, 60);
    for _ in 0..len {
        g.item(0);
    }
    for r in 3..16u8 {
        g.push(Inst::Mem {
            op: MemOp::S32i,
            t: reg(r),
            s: Reg::A2,
            offset: DUMP + 4 * u32::from(r),
        });
    }
    for f in 0..16u8 {
        g.push(Inst::FpMem {
            op: FpMemOp::Ssi,
            t: FReg::new(f).unwrap(),
            s: Reg::A2,
            offset: FREGS + 4 * u32::from(f),
        });
    }
    let ret = g.src();
    g.push(Inst::mov(Reg::A2, ret));
    g.push(Inst::Retw);
    let items = g.items;

    // Lay out: the body, padding to 4 bytes, the helper.
    let mut addrs = Vec::with_capacity(items.len() + 1);
    let mut pc = 0u32;
    for item in &items {
        addrs.push(pc);
        pc += item.size();
    }
    addrs.push(pc);
    let helper_at = (pc + 3) & !3;
    let helper0_at = helper_at
        + helper()
            .iter()
            .map(Inst::size)
            .sum::<u32>()
            .next_multiple_of(4);
    let mut code = Vec::new();
    let enc = |i: &Inst| {
        encode(i)
            .unwrap_or_else(|e| panic!("{i:?}: {e}"))
            .as_bytes()
            .to_vec()
    };
    for (k, item) in items.iter().enumerate() {
        let at = addrs[k];
        let inst = match item {
            Item::Inst(i) => *i,
            Item::Pair(a, b) => {
                code.extend(enc(a));
                *b
            }
            Item::Skip(branch, skip) => with_offset(*branch, (addrs[k + 1 + skip] - at) as i32),
            Item::Back(branch, back) => with_offset(*branch, addrs[k - back] as i32 - at as i32),
            Item::Call(op) => Inst::Call {
                op: *op,
                offset: call_offset(at, helper_at),
            },
            Item::Callx(op) => {
                let t = reg(4 * callx_increment(*op) + 1);
                code.extend(enc(&Inst::Mem {
                    op: MemOp::L32i,
                    t,
                    s: Reg::A2,
                    offset: 0,
                }));
                Inst::Callx { op: *op, s: t }
            }
            Item::Call0(save) => {
                code.extend(enc(&Inst::mov(*save, Reg::A0)));
                let call = Inst::Call {
                    op: CallOp::Call0,
                    offset: call_offset(at + 3, helper0_at),
                };
                code.extend(enc(&call));
                Inst::mov(Reg::A0, *save)
            }
        };
        code.extend(enc(&inst));
    }
    code.resize(helper_at as usize, 0);
    for i in helper() {
        code.extend(enc(&i));
    }
    code.resize(helper0_at as usize, 0);
    for i in helper0() {
        code.extend(enc(&i));
    }

    let mut data = vec![0u8; DATA_SIZE];
    for w in 0..16 {
        data[4 * w..4 * w + 4].copy_from_slice(&rng.word().to_le_bytes());
    }
    for w in 16..32 {
        data[4 * w..4 * w + 4].copy_from_slice(&rng.float().to_le_bytes());
    }
    for w in 32..64 {
        let v = if rng.chance(30) {
            rng.float()
        } else {
            rng.word()
        };
        data[4 * w..4 * w + 4].copy_from_slice(&v.to_le_bytes());
    }
    // Data words 0 and 1 (never dumped to) hold the helpers' addresses.
    data[..4].copy_from_slice(&(code_base(index) + helper_at).to_le_bytes());
    data[4..8].copy_from_slice(&(code_base(index) + helper0_at).to_le_bytes());
    let mut args = [0u32; 6];
    args[0] = data_base(index);
    for a in &mut args[1..] {
        *a = rng.word();
    }
    Case {
        code,
        entry: 0,
        args,
        data,
    }
}

fn describe(code: &[u8], entry: u32, q: &Outcome, s: &Outcome) -> String {
    let mut out = format!("qemu: {:?}\nsim:  {:?}\n", q.status, s.status);
    for (name, a, b) in [("data", &q.data, &s.data), ("stack", &q.stack, &s.stack)] {
        for (j, (x, y)) in a.chunks(4).zip(b.chunks(4)).enumerate() {
            if x != y {
                out += &format!("{name} +{:#x}: qemu {x:02x?} sim {y:02x?}\n", 4 * j);
            }
        }
    }
    out += &disasm(code, entry);
    out
}

#[test]
fn random_programs_match_qemu() {
    let count: usize = std::env::var("BS_QEMU_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let seed: u64 = std::env::var("BS_QEMU_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut rng = Rng(seed);
    let (mut done, mut faults, mut spills) = (0, 0, 0);
    while done < count {
        let n = (count - done).min(xtensa_sim::qemu::MAX_BATCH);
        let cases: Vec<Case> = (0..n).map(|i| case(&mut rng, i)).collect();
        let q = run_qemu(&cases).expect("qemu-system-xtensa runs (scripts/test installs it)");
        let s = run_sim(&cases);
        let esp32 = run_sim_with(&cases, 64);
        for (i, ((c, q), s)) in cases.iter().zip(&q).zip(&s).enumerate() {
            assert!(
                q == s,
                "case {} (seed {seed}) differs:\n{}",
                done + i,
                describe(&c.code, code_base(i), q, s)
            );
            // With the ESP32's 64 registers, frames spill later: only the stacks differ.
            let e = &esp32[i];
            assert!(
                (q.status, &q.data) == (e.status, &e.data),
                "case {} (seed {seed}) differs with 64 registers:\n{}",
                done + i,
                describe(&c.code, code_base(i), q, e)
            );
            faults += usize::from(matches!(q.status, Status::Fault { .. }));
            // Below the root frame (64 bytes) and the case's frame (64 bytes): spilled callees.
            let below = q.stack.len() - 128;
            spills += usize::from(q.stack[..below].iter().any(|&b| b != 0));
        }
        done += n;
    }
    // The cases exercise what they are meant to.
    assert!(
        faults > 0 && spills > count / 20,
        "{faults} faults, {spills} cases with spills"
    );
}

/// Encodes `insts` one after another.
fn assemble(insts: &[Inst]) -> Vec<u8> {
    insts
        .iter()
        .flat_map(|i| encode(i).expect("encodable").as_bytes().to_vec())
        .collect()
}

#[test]
fn cases_at_the_esp32_addresses_run_in_qemu_too() {
    // The esp32-sim board's addresses (device::abi::esp32): code in instruction RAM, the
    // function table in data RAM, the data arena in PSRAM, the stack below 0x4000_0000.
    const CODE: u32 = 0x4008_0200;
    const TABLE: u32 = 0x3ffb_0100;
    const ARENA: u32 = 0x3f80_0000;
    const CALLEE: u32 = CODE + 0x100;
    // f: a literal pool, then a = arena[0]; arena[1] = table[1](a); return arena[1].
    let mut code = [TABLE, ARENA]
        .iter()
        .flat_map(|w| w.to_le_bytes())
        .collect::<Vec<u8>>();
    let body = [
        Inst::Entry {
            s: Reg::A1,
            frame: 32,
        },
        Inst::L32r {
            t: Reg::A8,
            offset: l32r_offset(CODE + 11, CODE),
        },
        Inst::Mem {
            op: MemOp::L32i,
            t: Reg::A8,
            s: Reg::A8,
            offset: 4,
        },
        // a3 survives the call (a8..a15 become the callee's a0..a7).
        Inst::L32r {
            t: Reg::A3,
            offset: l32r_offset(CODE + 17, CODE + 4),
        },
        Inst::Mem {
            op: MemOp::L32i,
            t: Reg::A10,
            s: Reg::A3,
            offset: 0,
        },
        Inst::Callx {
            op: CallxOp::Callx8,
            s: Reg::A8,
        },
        Inst::Mem {
            op: MemOp::S32i,
            t: Reg::A10,
            s: Reg::A3,
            offset: 4,
        },
        Inst::mov(Reg::A2, Reg::A10),
        Inst::Retw,
    ];
    code.extend(assemble(&body));
    code.resize(0x100, 0);
    // g(x) = 2x + 1.
    code.extend(assemble(&[
        Inst::Entry {
            s: Reg::A1,
            frame: 32,
        },
        Inst::Slli {
            r: Reg::A2,
            s: Reg::A2,
            sa: 1,
        },
        Inst::Addi {
            t: Reg::A2,
            s: Reg::A2,
            imm: 1,
        },
        Inst::Retw,
    ]));
    code.resize(code.len().next_multiple_of(4), 0);
    let word_bytes = |words: &[u32]| words.iter().flat_map(|w| w.to_le_bytes()).collect();
    let program = Program {
        segments: vec![
            Segment {
                addr: CODE,
                bytes: code,
                code: true,
            },
            Segment {
                addr: TABLE,
                bytes: word_bytes(&[0, CALLEE]),
                code: false,
            },
            Segment {
                addr: ARENA,
                bytes: word_bytes(&[20, 0]),
                code: false,
            },
        ],
        entry: CODE + 8,
        args: [0; 6],
        stack_base: 0x3fff_0000,
        stack_size: 0x1_0000,
    };
    let programs = std::slice::from_ref(&program);
    let q = run_programs_in_qemu(programs).expect("qemu-system-xtensa runs");
    assert_eq!(q[0].status, Status::Returned(41));
    assert_eq!(q[0].segments[2], word_bytes(&[20, 41]));
    for registers in [32, 64] {
        let s = run_programs_in_sim(programs, registers).expect("valid program");
        assert_eq!(
            (&s[0].status, &s[0].segments),
            (&q[0].status, &q[0].segments)
        );
    }
    assert_eq!(
        run_programs_in_sim(programs, 32).unwrap()[0].stack,
        q[0].stack
    );

    // Memory the harness itself uses is refused.
    let mut bad = program.clone();
    bad.segments[2].addr = 0x1000;
    let e = run_programs_in_qemu(&[bad]).unwrap_err();
    assert!(
        e.to_string().contains("outside the RAM cases may use"),
        "{e}"
    );
}
