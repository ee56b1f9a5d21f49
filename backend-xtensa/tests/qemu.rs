//! Differential tests of the code generator: random IR programs (integer and float arithmetic,
//! comparisons, branches, counted loops, calls, loads and stores) compiled to Xtensa and run in
//! QEMU (`qemu-system-xtensa`, core `de233_fpu`) and in the simulator, which must agree on the
//! result, the memory and the stack; and with the IR's reference interpreter on the result and
//! the memory. `BS_XTENSA_CASES=N` runs N programs instead of the default 2,000;
//! `BS_XTENSA_SEED=S` changes the seed.
//!
//! A program is `main(i0, i1, i2, base, x)` and a helper it calls through a function-table
//! slot (every other case: directly, with `call8`, as release code does); the slot's table is
//! the last word of the case's data block (QEMU's `sim` machine has no ESP32 memory map). Programs call no natives (float division is one, so it is left out)
//! and keep no traced vars (no shadow stack). Float results enter integers only through
//! compares, conversions and `FloatBits` masked to 0 for NaNs, since NaN payloads differ
//! between QEMU's core, the ESP32 and the host.

use backend_xtensa::{Calls, MachineCode, PoolLiteral, Reloc, compile_with_calls};
use ir::interp::{End, Host};
use ir::*;
use xtensa_sim::qemu::{Case, MAX_BATCH, code_base, data_base, run_qemu, run_sim};

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.next(xs.len())]
    }

    fn imm(&mut self) -> i32 {
        match self.next(3) {
            0 => self.pick(&[
                0,
                1,
                2,
                -1,
                7,
                15,
                16,
                31,
                32,
                127,
                128,
                -128,
                255,
                256,
                4096,
                65535,
                100_000,
                i32::MAX,
                i32::MIN,
            ]),
            1 => self.next(600) as i32 - 300,
            _ => self.next(1 << 31) as i32 ^ (self.next(2) as i32 * i32::MIN),
        }
    }
}

const DATA_SIZE: usize = 1024;
/// The data block's last word: the function table (slot 0, the helper).
const TABLE: u32 = DATA_SIZE as u32 - 4;

const INT_OPS: [IntOp; 12] = IntOp::ALL;
const CONDS: [Cond; 14] = [
    Cond::Eq,
    Cond::Ne,
    Cond::LtS,
    Cond::LeS,
    Cond::GtS,
    Cond::GeS,
    Cond::LtU,
    Cond::GeU,
    Cond::FEq,
    Cond::FNe,
    Cond::FLt,
    Cond::FLe,
    Cond::FGt,
    Cond::FGe,
];

/// Builds functions instruction by instruction over pools of int and float vars.
struct Gen<'a> {
    r: &'a mut Rng,
    vars: Vec<Ty>,
    ints: Vec<Var>,
    floats: Vec<Var>,
    base: Var,
}

impl Gen<'_> {
    fn new_var(&mut self, ty: Ty) -> Var {
        self.vars.push(ty);
        Var(self.vars.len() as u32 - 1)
    }

    fn int(&mut self) -> Var {
        let ints = self.ints.clone();
        self.r.pick(&ints)
    }

    fn float(&mut self) -> Var {
        let floats = self.floats.clone();
        self.r.pick(&floats)
    }

    /// `dst = bits(f)`, or 0 when `f` is a NaN.
    fn float_bits(&mut self, out: &mut Vec<Inst>, dst: Var, f: Var) {
        let (ok, bits) = (self.new_var(Ty::I32), self.new_var(Ty::I32));
        out.push(Inst::Cmp { cond: Cond::FEq, dst: ok, a: f, b: f });
        out.push(Inst::Unary { op: UnOp::FloatBits, dst: bits, src: f });
        out.push(Inst::Int { op: IntOp::Mul, dst, a: bits, b: ok });
    }

    /// One random instruction (or a short pattern); `call` allows calls of the helper.
    fn inst(&mut self, out: &mut Vec<Inst>, call: bool) {
        match self.r.next(if call { 17 } else { 16 }) {
            0 => {
                let (dst, value) = (self.int(), self.r.imm());
                out.push(Inst::IConst { dst, value });
            }
            1 => {
                let (dst, src) = (self.int(), self.int());
                out.push(Inst::Copy { dst, src });
            }
            2 | 3 => {
                let op = self.r.pick(&INT_OPS);
                let (dst, a) = (self.int(), self.int());
                let mut b = self.int();
                if matches!(op, IntOp::DivS | IntOp::RemS) {
                    let nz = self.new_var(Ty::I32);
                    out.push(Inst::IntImm { op: IntOp::Or, dst: nz, a: b, imm: 1 });
                    b = nz;
                }
                out.push(Inst::Int { op, dst, a, b });
            }
            4 | 5 => {
                let op = self.r.pick(&INT_OPS);
                let (dst, a) = (self.int(), self.int());
                let mut imm = self.r.imm();
                if imm == 0 && matches!(op, IntOp::DivS | IntOp::RemS) {
                    imm = 3;
                }
                out.push(Inst::IntImm { op, dst, a, imm });
            }
            6 | 7 => {
                let op = self.r.pick(&[FloatOp::Add, FloatOp::Sub, FloatOp::Mul]);
                let (dst, a, b) = (self.float(), self.float(), self.float());
                out.push(Inst::Float { op, dst, a, b });
            }
            8 => {
                let (dst, value) = (self.float(), self.r.imm());
                out.push(Inst::FConst { dst, bits: (value as f32 * 0.125).to_bits() });
            }
            9 => {
                let kind = self.r.next(6);
                let (i, f) = (self.int(), self.float());
                let (j, g) = (self.int(), self.float());
                match kind {
                    0 => out.push(Inst::Unary { op: UnOp::Neg, dst: i, src: j }),
                    1 => out.push(Inst::Unary { op: UnOp::Not, dst: i, src: j }),
                    2 => out.push(Inst::Unary { op: UnOp::FNeg, dst: f, src: g }),
                    3 => out.push(Inst::Unary { op: UnOp::IntToFloat, dst: f, src: j }),
                    4 => out.push(Inst::Unary { op: UnOp::FloatToInt, dst: i, src: g }),
                    _ => out.push(Inst::Unary { op: UnOp::BitsFloat, dst: f, src: j }),
                }
            }
            10 => {
                let (dst, f) = (self.int(), self.float());
                self.float_bits(out, dst, f);
            }
            11 => {
                let cond = self.r.pick(&CONDS);
                let dst = self.int();
                let (a, b) = if cond.is_float() {
                    (self.float(), self.float())
                } else {
                    (self.int(), self.int())
                };
                out.push(Inst::Cmp { cond, dst, a, b });
            }
            12 | 13 => {
                let (word, float) = (self.r.next(2) == 0, self.r.next(3) == 0);
                let dst = if word && float { self.float() } else { self.int() };
                let (width, offset) = if word {
                    (Width::W32, 4 * self.r.next(TABLE as usize / 4))
                } else {
                    (Width::U8, self.r.next(TABLE as usize))
                };
                out.push(Inst::Load { width, dst, addr: self.base, offset: offset as i32 });
            }
            14 | 15 => {
                let src = self.int();
                let (width, offset) = if self.r.next(2) == 0 {
                    (Width::W32, 4 * self.r.next(TABLE as usize / 4))
                } else {
                    (Width::U8, self.r.next(TABLE as usize))
                };
                out.push(Inst::Store { width, src, addr: self.base, offset: offset as i32 });
            }
            _ => {
                let args = vec![self.int(), self.int(), self.float(), self.base];
                let dst = self.int();
                out.push(Inst::Call {
                    dst: Some(dst),
                    callee: Callee::Slot(0),
                    args,
                    loc: LocId(0),
                });
            }
        }
    }

    /// `h = h * 31 + v` for every var into `h` (floats through [`Gen::float_bits`]).
    fn hash(&mut self, out: &mut Vec<Inst>) -> Var {
        let h = self.new_var(Ty::I32);
        out.push(Inst::IConst { dst: h, value: 17 });
        let all: Vec<(Var, bool)> = self
            .ints
            .iter()
            .map(|&v| (v, false))
            .chain(self.floats.iter().map(|&v| (v, true)))
            .collect();
        for (v, float) in all {
            let w = if float {
                let w = self.new_var(Ty::I32);
                self.float_bits(out, w, v);
                w
            } else {
                v
            };
            let t = self.new_var(Ty::I32);
            out.push(Inst::IntImm { op: IntOp::Mul, dst: t, a: h, imm: 31 });
            out.push(Inst::Int { op: IntOp::Add, dst: h, a: t, b: w });
        }
        h
    }
}

/// A random function over `nparams` int parameters, a float one and the data base: counted
/// loops of random blocks, then the hash of every var.
fn random_function(r: &mut Rng, name: &str, calls: bool) -> Function {
    let mut g = Gen { r, vars: vec![], ints: vec![], floats: vec![], base: Var(0) };
    let params: Vec<Var> =
        [Ty::I32, Ty::I32, Ty::F32, Ty::I32].iter().map(|&t| g.new_var(t)).collect();
    g.base = params[3];
    let nints = 2 + g.r.next(10);
    let nfloats = 1 + g.r.next(4);
    let mut entry = Vec::new();
    for k in 0..nints {
        let v = g.new_var(Ty::I32);
        let src = params[k % 2];
        entry.push(if g.r.next(3) == 0 {
            Inst::IConst { dst: v, value: g.r.imm() }
        } else {
            Inst::Copy { dst: v, src }
        });
        g.ints.push(v);
    }
    for _ in 0..nfloats {
        let v = g.new_var(Ty::F32);
        entry.push(Inst::Copy { dst: v, src: params[2] });
        g.floats.push(v);
    }
    let fuel = g.new_var(Ty::I32);
    entry.push(Inst::IConst { dst: fuel, value: 1 + g.r.next(12) as i32 });
    let nbodies = 1 + g.r.next(4);
    let guard = |i: usize| BlockId(1 + 2 * i as u32);
    let body = |i: usize| BlockId(2 + 2 * i as u32);
    let exit = BlockId(1 + 2 * nbodies as u32);
    let mut blocks = vec![Block { insts: entry, term: Terminator::Jump(guard(0)) }];
    for i in 0..nbodies {
        blocks.push(Block {
            insts: vec![Inst::IntImm { op: IntOp::Sub, dst: fuel, a: fuel, imm: 1 }],
            term: Terminator::Branch {
                cond: Cond::LtS,
                a: fuel,
                b: fuel,
                then: exit,
                other: body(i),
            },
        });
        let mut insts = Vec::new();
        for _ in 0..g.r.next(12) {
            g.inst(&mut insts, calls);
        }
        let target = |r: &mut Rng| {
            if r.next(4) == 0 { exit } else { guard(r.next(nbodies)) }
        };
        let cond = g.r.pick(&CONDS);
        let (a, b) = if cond.is_float() { (g.float(), g.float()) } else { (g.int(), g.int()) };
        let term = Terminator::Branch { cond, a, b, then: target(g.r), other: target(g.r) };
        blocks.push(Block { insts, term });
    }
    let mut insts = Vec::new();
    let h = g.hash(&mut insts);
    blocks.push(Block { insts, term: Terminator::Return(Some(h)) });
    // The guards compare the fuel with zero (a constant var, declared last).
    let zero = g.new_var(Ty::I32);
    blocks[0].insts.push(Inst::IConst { dst: zero, value: 0 });
    for i in 0..nbodies {
        if let Terminator::Branch { b, .. } = &mut blocks[guard(i).0 as usize].term {
            *b = zero;
        }
    }
    Function {
        name: name.into(),
        params,
        ret: Some(Ty::I32),
        vars: g.vars,
        blocks,
        locs: vec![SourceLoc::default()],
        symbols: vec![],
        callees: if calls { vec!["helper".into()] } else { vec![] },
        callees_without_gc: vec![],
        natives_without_gc: vec![],
        callees_without_stores: vec![],
        globals_set_once: vec![],
    }
}

/// The reference semantics over the data block at `base`, calling `helper` for slot 0.
struct Reference<'a> {
    base: u32,
    data: &'a mut Vec<u8>,
    helper: &'a Function,
}

impl Host for Reference<'_> {
    fn load(&mut self, width: Width, addr: u32) -> u32 {
        let at = (addr - self.base) as usize;
        match width {
            Width::U8 => self.data[at] as u32,
            Width::W32 => u32::from_le_bytes(self.data[at..at + 4].try_into().unwrap()),
        }
    }

    fn store(&mut self, width: Width, addr: u32, value: u32) {
        let at = (addr - self.base) as usize;
        match width {
            Width::U8 => self.data[at] = value as u8,
            Width::W32 => self.data[at..at + 4].copy_from_slice(&value.to_le_bytes()),
        }
    }

    fn call(&mut self, _: (BlockId, usize), _: &[u32], _: Callee, args: &[u32]) -> u32 {
        let helper = self.helper;
        match ir::interp::interpret(helper, args, self) {
            End::Return(w) => w,
            End::Raise(..) => unreachable!("the helper does not raise"),
        }
    }
}

/// Case `index` of a batch: `main` then `helper`, the slot's literal pointing at the table word
/// of the data block, which holds the helper's entry. Code compiled for release
/// ([`Calls::Direct`]) has its literals in a pool the linker makes: here, one before `main`
/// holding both functions' words.
fn case(
    index: usize,
    main: &MachineCode,
    helper: &MachineCode,
    data: &[u8],
    args: [u32; 6],
) -> Case {
    let base = code_base(index);
    let table = data_base(index) + TABLE;
    let word = |literal: PoolLiteral| match literal {
        PoolLiteral::Word(w) => w,
        PoolLiteral::Slot(_) => table,
        PoolLiteral::Data(_) => unreachable!("no data symbols"),
    };
    let mut pool: Vec<u32> = [main, helper]
        .iter()
        .flat_map(|f| &f.relocs)
        .filter_map(|r| match *r {
            Reloc::Pooled { literal, .. } => Some(word(literal)),
            _ => None,
        })
        .collect();
    pool.sort_unstable();
    pool.dedup();
    let mut code: Vec<u8> = pool.iter().flat_map(|w| w.to_le_bytes()).collect();
    let main_at = code.len() as u32;
    code.extend_from_slice(&main.code);
    code.resize(code.len().next_multiple_of(4), 0);
    let helper_at = code.len() as u32;
    code.extend_from_slice(&helper.code);
    let entry = base + helper_at + helper.entry;
    for (f, at) in [(main, main_at), (helper, helper_at)] {
        let bytes = &mut code[at as usize..at as usize + f.code.len()];
        for r in &f.relocs {
            match *r {
                Reloc::Slot { offset, .. } => {
                    let at = offset as usize;
                    bytes[at..at + 4].copy_from_slice(&table.to_le_bytes());
                }
                Reloc::Call { .. } => r.patch_call(bytes, base + at, entry).unwrap(),
                Reloc::Pooled { literal, .. } => {
                    let k = pool.binary_search(&word(literal)).unwrap() as u32;
                    r.patch_l32r(bytes, base + at, base + 4 * k).unwrap();
                }
                Reloc::Data { .. } => unreachable!("no data symbols"),
                Reloc::NativeCall { .. } => unreachable!("no natives"),
            }
        }
    }
    let mut data = data.to_vec();
    data[TABLE as usize..].copy_from_slice(&entry.to_le_bytes());
    Case { code, entry: main_at + main.entry, args, data }
}

#[test]
fn random_programs_agree_in_qemu_the_simulator_and_the_interpreter() {
    let count: usize =
        std::env::var("BS_XTENSA_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let seed: u64 = std::env::var("BS_XTENSA_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(1);
    let mut r = Rng(seed);
    let mut done = 0;
    while done < count {
        let n = (count - done).min(MAX_BATCH);
        let mut cases = Vec::new();
        let mut programs = Vec::new();
        for index in 0..n {
            let helper = random_function(&mut r, "helper", false);
            let main = random_function(&mut r, "main", true);
            let data: Vec<u8> = (0..DATA_SIZE).map(|_| r.next(256) as u8).collect();
            let args = [
                r.imm() as u32,
                r.imm() as u32,
                (r.imm() as f32 * 0.25).to_bits(),
                data_base(index),
                0,
                0,
            ];
            // Every other case calls the helper directly (`call8`), as release code does.
            let calls = if index % 2 == 0 { Calls::Table } else { Calls::Direct };
            let compiled = (compile_with_calls(&main, calls), compile_with_calls(&helper, calls));
            let (Ok(m), Ok(h)) = compiled else {
                panic!("compile failed: {compiled:?}\n{main}\n{helper}");
            };
            cases.push(case(index, &m, &h, &data, args));
            programs.push((main, helper, data, args));
        }
        let qemu = match run_qemu(&cases) {
            Ok(outcomes) => outcomes,
            Err(e) => panic!("QEMU cannot run the cases (install `qemu-system-misc`): {e}"),
        };
        let sim = run_sim(&cases);
        for (k, ((q, s), (main, helper, data, args))) in
            qemu.iter().zip(&sim).zip(&programs).enumerate()
        {
            assert_eq!(q, s, "case {}: QEMU and the simulator differ\n{main}\n{helper}", done + k);
            let mut reference = data.clone();
            let mut host = Reference { base: data_base(k), data: &mut reference, helper };
            let want = ir::interp::interpret(main, &args[..4], &mut host);
            let got = match q.status {
                xtensa_sim::qemu::Status::Returned(w) => End::Return(w),
                other => panic!("case {}: {other:?}\n{main}\n{helper}", done + k),
            };
            assert_eq!(
                got,
                want,
                "case {}: the result differs from the IR's\n{main}\n{helper}",
                done + k
            );
            assert!(
                q.data[..TABLE as usize] == reference[..TABLE as usize],
                "case {}: memory differs from the IR's\n{main}\n{helper}",
                done + k
            );
        }
        done += n;
    }
}
