//! Differential testing: random valid IR functions (loops, copies, every integer and float
//! operation, loads and stores, calls) run natively and in a reference interpreter, which must
//! agree on the result and on memory.

mod harness;

use device::abi::host::CTX_SHADOW_SP;
use harness::machine::SHADOW_TOP;
use harness::{Arg, Machine, Outcome};
use ir::analysis::Liveness;
use ir::interp::End;
use ir::*;
use std::cell::RefCell;

thread_local! {
    /// The context and arena of the machine running, for [`snapshot`].
    static CURRENT: RefCell<(usize, usize)> = const { RefCell::new((0, 0)) };
    /// The shadow-stack contents at each call, recorded by [`snapshot`].
    static SNAPSHOTS: RefCell<Vec<Vec<u32>>> = const { RefCell::new(Vec::new()) };
}

/// The raise native of random functions.
const RAISE: u32 = 0;
/// A native whose table entry stays the harness's escape stub.
const ESCAPE: u32 = 1;
/// Where [`raise_stub`] records its arguments and whether `rsp` was misaligned.
const RAISED: usize = 0x3000;

/// A raise native: records its two arguments and the stack alignment in the arena, then
/// escapes like the harness's stubs (as native [`ESCAPE`]).
fn raise_stub() -> dynasmrt::ExecutableBuffer {
    use dynasmrt::{DynasmApi, DynasmLabelApi, dynasm};
    let mut a = dynasmrt::x64::Assembler::new().unwrap();
    let escape = device::abi::host::CTX_NATIVES + 8 * ESCAPE as i32;
    let at = RAISED as i32;
    dynasm!(a
        ; .arch x64
        ; mov DWORD [r15 + at], edi
        ; mov DWORD [r15 + at + 4], esi
        ; mov DWORD [r15 + at + 8], 0
        ; lea rax, [rsp + 8]
        ; test eax, 15
        ; jz >aligned
        ; mov DWORD [r15 + at + 8], 1
        ; aligned:
        ; jmp QWORD [r14 + escape]
    );
    a.finalize().unwrap()
}

/// A native that records the live shadow stack (what the collector would scan) and returns
/// its first argument.
extern "C" fn snapshot(first: i32) -> i32 {
    let (ctx, arena) = CURRENT.with(|c| *c.borrow());
    unsafe {
        let sp = *((ctx + CTX_SHADOW_SP as usize) as *const u32);
        let words = (sp..SHADOW_TOP)
            .step_by(4)
            .map(|a| *((arena + a as usize) as *const u32))
            .collect();
        SNAPSHOTS.with(|s| s.borrow_mut().push(words));
    }
    first
}

/// A small deterministic random number generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.next(xs.len())]
    }

    fn imm(&mut self) -> i32 {
        self.pick(&[
            0,
            1,
            2,
            3,
            -1,
            -2,
            7,
            127,
            128,
            -128,
            -129,
            255,
            1000,
            -5000,
            65536,
            i32::MAX,
            i32::MIN,
            0x1234_5678,
        ])
    }
}

/// The region of the arena random loads and stores use.
const MEM: i32 = 0x2000;
const MEM_SIZE: usize = 0x800;
/// The native that returns its first argument and records the shadow stack (see [`snapshot`]).
const ID: u32 = 104;

const INT_OPS: [IntOp; 12] = IntOp::ALL;
const CONDS: [Cond; 8] = [
    Cond::Eq,
    Cond::Ne,
    Cond::LtS,
    Cond::LeS,
    Cond::GtS,
    Cond::GeS,
    Cond::LtU,
    Cond::GeU,
];
const FCONDS: [Cond; 6] = [
    Cond::FEq,
    Cond::FNe,
    Cond::FLt,
    Cond::FLe,
    Cond::FGt,
    Cond::FGe,
];

/// Builds a random function `f(i0, i1, i2: I32, x: F32) -> I32`. Every var is initialized in the
/// entry block; every block is guarded by a fuel counter so that loops end; the exit block
/// returns a hash of every var.
fn random_function(seed: u64) -> Function {
    let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0xdead_beef);
    let mut vars = vec![Ty::I32, Ty::I32, Ty::I32, Ty::F32];
    let params: Vec<Var> = (0..4).map(Var).collect();
    let new = |ty: Ty, vars: &mut Vec<Ty>| {
        vars.push(ty);
        Var(vars.len() as u32 - 1)
    };
    let nints = 3 + r.next(12);
    let nfloats = 1 + r.next(5);
    let ints: Vec<Var> = (0..nints).map(|_| new(Ty::I32, &mut vars)).collect();
    let refs: Vec<Var> = (0..2).map(|_| new(Ty::Ref, &mut vars)).collect();
    let floats: Vec<Var> = (0..nfloats).map(|_| new(Ty::F32, &mut vars)).collect();
    let fuel = new(Ty::I32, &mut vars);
    let base = new(Ty::I32, &mut vars);
    let one = new(Ty::I32, &mut vars);
    let zero = new(Ty::I32, &mut vars);
    let nbodies = 1 + r.next(6);
    // Blocks: 0 entry, then (guard, body) pairs, then exit.
    let guard = |i: usize| BlockId(1 + 2 * i as u32);
    let body = |i: usize| BlockId(2 + 2 * i as u32);
    let exit = BlockId(1 + 2 * nbodies as u32);
    // Sometimes an early return that needs no frame (shrink-wrapping).
    let early = (r.next(2) == 0).then_some(BlockId(2 + 2 * nbodies as u32));
    // Sometimes a run-time error path, after the exit (and the early return).
    let raise =
        (r.next(2) == 0).then_some(BlockId(2 + 2 * nbodies as u32 + early.is_some() as u32));
    let mut blocks = Vec::new();
    let mut calls = 0u32;

    // Entry: initialize everything.
    let mut entry = vec![
        Inst::IConst {
            dst: fuel,
            value: 1 + r.next(40) as i32,
        },
        Inst::IConst {
            dst: base,
            value: MEM,
        },
        Inst::IConst { dst: one, value: 1 },
        Inst::IConst {
            dst: zero,
            value: 0,
        },
    ];
    for &v in &ints {
        entry.push(match r.next(3) {
            0 => Inst::IConst {
                dst: v,
                value: r.imm(),
            },
            _ => Inst::Copy {
                dst: v,
                src: params[r.next(3)],
            },
        });
    }
    for &v in &refs {
        // Distinct traced values, so that the GC root check can tell them apart.
        let value = MEM + 0x100 * (v.0 as i32 % 5);
        entry.push(Inst::IConst { dst: v, value });
    }
    for &v in &floats {
        entry.push(match r.next(2) {
            0 => Inst::FConst {
                dst: v,
                bits: (r.imm() as f32 * 0.25).to_bits(),
            },
            _ => Inst::Copy {
                dst: v,
                src: params[3],
            },
        });
    }
    let term = match early {
        Some(e) => Terminator::Branch {
            cond: r.pick(&CONDS),
            a: r.pick(&ints),
            b: r.pick(&ints),
            then: e,
            other: guard(0),
        },
        None => Terminator::Jump(guard(0)),
    };
    blocks.push(Block { insts: entry, term });

    for i in 0..nbodies {
        // Guard: fuel -= 1; if fuel <= 0 goto exit.
        blocks.push(Block {
            insts: vec![Inst::IntImm {
                op: IntOp::Sub,
                dst: fuel,
                a: fuel,
                imm: 1,
            }],
            term: Terminator::Branch {
                cond: Cond::LeS,
                a: fuel,
                b: zero,
                then: exit,
                other: body(i),
            },
        });
        let mut insts = Vec::new();
        for _ in 0..r.next(14) {
            random_inst(
                &mut r,
                &mut insts,
                &ints,
                &refs,
                &floats,
                base,
                one,
                Some(&mut calls),
                &mut |ty| {
                    vars.push(ty);
                    Var(vars.len() as u32 - 1)
                },
            );
        }
        let target = |r: &mut Rng| match (r.next(12), raise) {
            (0, Some(raise)) => raise,
            (0..3, _) => exit,
            _ => guard(r.next(nbodies)),
        };
        let term = match r.next(4) {
            0 => Terminator::Jump(target(&mut r)),
            1 => Terminator::Branch {
                cond: r.pick(&FCONDS),
                a: r.pick(&floats),
                b: r.pick(&floats),
                then: target(&mut r),
                other: target(&mut r),
            },
            _ => Terminator::Branch {
                cond: r.pick(&CONDS),
                a: r.pick(&ints),
                b: if r.next(3) == 0 { zero } else { r.pick(&ints) },
                then: target(&mut r),
                other: target(&mut r),
            },
        };
        blocks.push(Block { insts, term });
    }

    // Exit: h = h * 31 + v for every int; floats through their bits.
    let mut insts = Vec::new();
    let h = Var(vars.len() as u32);
    vars.push(Ty::I32);
    insts.push(Inst::IConst { dst: h, value: 17 });
    let all: Vec<Var> = ints.iter().chain(&refs).copied().collect();
    for v in all.iter().copied().chain(floats.iter().copied()) {
        let w = if vars[v.0 as usize] == Ty::F32 {
            let w = Var(vars.len() as u32);
            vars.push(Ty::I32);
            insts.push(Inst::Unary {
                op: UnOp::FloatBits,
                dst: w,
                src: v,
            });
            w
        } else {
            v
        };
        mix(&mut insts, h, w, 31);
    }
    blocks.push(Block {
        insts,
        term: Terminator::Return(Some(h)),
    });
    if early.is_some() {
        let mut insts = Vec::new();
        for _ in 0..r.next(8) {
            random_inst(
                &mut r,
                &mut insts,
                &ints,
                &refs,
                &floats,
                base,
                one,
                None,
                &mut |ty| {
                    vars.push(ty);
                    Var(vars.len() as u32 - 1)
                },
            );
        }
        let h = Var(vars.len() as u32);
        vars.push(Ty::I32);
        insts.push(Inst::IConst { dst: h, value: 3 });
        for _ in 0..3 {
            let v = r.pick(&ints);
            mix(&mut insts, h, v, 7);
        }
        let term = if r.next(3) == 0 {
            // Or rejoin the main path.
            Terminator::Branch {
                cond: Cond::GtS,
                a: h,
                b: zero,
                then: guard(0),
                other: exit,
            }
        } else {
            Terminator::Return(Some(h))
        };
        blocks.push(Block { insts, term });
    }
    if raise.is_some() {
        calls += 1;
        blocks.push(Block {
            insts: vec![],
            term: Terminator::Raise {
                native: RAISE,
                args: vec![r.pick(&ints), r.pick(&ints)],
                loc: LocId(calls),
            },
        });
    }
    Function {
        name: format!("random{seed}"),
        params,
        ret: Some(Ty::I32),
        vars,
        blocks,
        locs: (0..=calls).map(|_| SourceLoc::default()).collect(),
        symbols: vec![],
        callees: vec![],
        callees_without_gc: vec![],
        natives_without_gc: vec![],
        callees_without_stores: vec![],
        globals_set_once: vec![],
    }
}

/// Appends one random instruction (or a short pattern) over the given vars.
#[allow(clippy::too_many_arguments)]
fn random_inst(
    r: &mut Rng,
    insts: &mut Vec<Inst>,
    ints: &[Var],
    refs: &[Var],
    floats: &[Var],
    base: Var,
    one: Var,
    calls: Option<&mut u32>,
    new: &mut dyn FnMut(Ty) -> Var,
) {
    let i = |r: &mut Rng| r.pick(ints);
    match r.next(16) {
        0 => insts.push(Inst::IConst {
            dst: i(r),
            value: r.imm(),
        }),
        1 | 2 => {
            // Copies, often chains of copies of a var that stays live.
            let (d, s) = (i(r), i(r));
            insts.push(Inst::Copy { dst: d, src: s });
            if r.next(2) == 0 {
                let t = new(Ty::I32);
                insts.push(Inst::Copy { dst: t, src: d });
                if r.next(3) == 0 {
                    // The source changes while the copy is live (copy propagation must not
                    // read the source instead).
                    insts.push(Inst::IntImm {
                        op: IntOp::Xor,
                        dst: d,
                        a: d,
                        imm: r.imm(),
                    });
                }
                insts.push(Inst::IntImm {
                    op: IntOp::Add,
                    dst: i(r),
                    a: t,
                    imm: r.imm(),
                });
            }
        }
        3 | 4 => {
            let op = r.pick(&INT_OPS);
            let (dst, a) = (i(r), i(r));
            let mut b = i(r);
            if matches!(op, IntOp::DivS | IntOp::RemS) {
                // A non-zero divisor: b | 1.
                let t = new(Ty::I32);
                insts.push(Inst::IntImm {
                    op: IntOp::Or,
                    dst: t,
                    a: b,
                    imm: 1,
                });
                b = t;
            }
            insts.push(Inst::Int { op, dst, a, b });
        }
        5 | 6 => {
            let op = r.pick(&INT_OPS);
            let mut imm = r.imm();
            if matches!(op, IntOp::DivS | IntOp::RemS) && imm == 0 {
                imm = 3;
            }
            insts.push(Inst::IntImm {
                op,
                dst: i(r),
                a: i(r),
                imm,
            });
        }
        7 => insts.push(Inst::Cmp {
            cond: r.pick(&CONDS),
            dst: i(r),
            a: i(r),
            b: i(r),
        }),
        8 => {
            let op = r.pick(&[FloatOp::Add, FloatOp::Sub, FloatOp::Mul]);
            insts.push(Inst::Float {
                op,
                dst: r.pick(floats),
                a: r.pick(floats),
                b: r.pick(floats),
            });
        }
        9 => {
            let (op, dst, src) = match r.next(5) {
                0 => (UnOp::Neg, i(r), i(r)),
                1 => (UnOp::Not, i(r), i(r)),
                2 => (UnOp::IntToFloat, r.pick(floats), i(r)),
                3 => (UnOp::FloatToInt, i(r), r.pick(floats)),
                _ => (UnOp::FNeg, r.pick(floats), r.pick(floats)),
            };
            insts.push(Inst::Unary { op, dst, src });
        }
        10 | 11 => {
            // An array access: addr = base + ((x & 0xff) << 2), as lowering writes it.
            let (t, s, a) = (new(Ty::I32), new(Ty::I32), new(Ty::I32));
            insts.push(Inst::IntImm {
                op: IntOp::And,
                dst: t,
                a: i(r),
                imm: 0xff,
            });
            insts.push(Inst::IntImm {
                op: IntOp::Shl,
                dst: s,
                a: t,
                imm: 2,
            });
            let addr_base = if r.next(2) == 0 { base } else { r.pick(refs) };
            insts.push(Inst::Int {
                op: IntOp::Add,
                dst: a,
                a: addr_base,
                b: s,
            });
            match r.next(4) {
                0 => insts.push(Inst::Load {
                    width: Width::W32,
                    dst: i(r),
                    addr: a,
                    offset: 0,
                }),
                1 => insts.push(Inst::Load {
                    width: Width::U8,
                    dst: i(r),
                    addr: a,
                    offset: 1,
                }),
                2 => insts.push(Inst::Store {
                    width: Width::W32,
                    src: if r.next(3) == 0 { one } else { i(r) },
                    addr: a,
                    offset: 0,
                }),
                _ => insts.push(Inst::Store {
                    width: Width::U8,
                    src: i(r),
                    addr: a,
                    offset: 2,
                }),
            }
        }
        12 if calls.is_some() => {
            let calls = calls.unwrap();
            *calls += 1;
            let n = 1 + r.next(7);
            let args: Vec<Var> = (0..n).map(|_| i(r)).collect();
            insts.push(Inst::Call {
                dst: Some(i(r)),
                callee: Callee::Native(ID),
                args,
                loc: LocId(*calls),
            });
        }
        12 => insts.push(Inst::IConst {
            dst: i(r),
            value: r.imm(),
        }),
        13 => {
            // A compare whose only use is the next instruction.
            let c = new(Ty::I32);
            insts.push(Inst::Cmp {
                cond: r.pick(&CONDS),
                dst: c,
                a: i(r),
                b: if r.next(2) == 0 { base } else { i(r) },
            });
            insts.push(Inst::Int {
                op: IntOp::Add,
                dst: i(r),
                a: i(r),
                b: c,
            });
        }
        14 if r.next(2) == 0 => rotate_idiom(r, insts, ints, new),
        14 => insts.push(Inst::Copy {
            dst: r.pick(floats),
            src: r.pick(floats),
        }),
        _ => {
            let rf = r.pick(refs);
            insts.push(Inst::Copy {
                dst: rf,
                src: r.pick(refs),
            });
        }
    }
}

/// Appends `dst = (x >>> n) | (x << (c - n))` (or its left-rotating or constant forms) over
/// fresh copies of random vars, as lowering writes `rotr`; `c` is sometimes not a multiple of
/// 32, and sometimes the value is reassigned between the shifts, so that the rotate
/// recognition (`ir::opt`) must also leave some alone.
fn rotate_idiom(r: &mut Rng, insts: &mut Vec<Inst>, ints: &[Var], new: &mut dyn FnMut(Ty) -> Var) {
    let (x, n, c) = (new(Ty::I32), new(Ty::I32), new(Ty::I32));
    insts.push(Inst::Copy {
        dst: x,
        src: r.pick(ints),
    });
    insts.push(Inst::Copy {
        dst: n,
        src: r.pick(ints),
    });
    let value = r.pick(&[32, 32, 64, 0, 31, 33]);
    insts.push(Inst::IConst { dst: c, value });
    let (first, second, m) = (new(Ty::I32), new(Ty::I32), new(Ty::I32));
    let (op1, op2) = if r.next(2) == 0 {
        (IntOp::ShrU, IntOp::Shl)
    } else {
        (IntOp::Shl, IntOp::ShrU)
    };
    if r.next(3) == 0 {
        let k = r.pick(&[0, 1, 7, 13, 31, 32]);
        let j = r.pick(&[25, 19, 1, 0, 32 - k, 64 - k]);
        insts.push(Inst::IntImm {
            op: op1,
            dst: first,
            a: x,
            imm: k,
        });
        insts.push(Inst::IntImm {
            op: op2,
            dst: second,
            a: x,
            imm: j,
        });
    } else {
        insts.push(Inst::Int {
            op: op1,
            dst: first,
            a: x,
            b: n,
        });
        insts.push(Inst::Int {
            op: IntOp::Sub,
            dst: m,
            a: c,
            b: n,
        });
        if r.next(6) == 0 {
            // x reassigned: the second shift sees another value.
            insts.push(Inst::IntImm {
                op: IntOp::Add,
                dst: x,
                a: x,
                imm: 1,
            });
        }
        insts.push(Inst::Int {
            op: op2,
            dst: second,
            a: x,
            b: m,
        });
    }
    let (a, b) = if r.next(2) == 0 {
        (first, second)
    } else {
        (second, first)
    };
    insts.push(Inst::Int {
        op: IntOp::Or,
        dst: r.pick(ints),
        a,
        b,
    });
}

/// Appends `h = h * k + v`, the step of the hashes random functions return.
fn mix(insts: &mut Vec<Inst>, h: Var, v: Var, k: i32) {
    insts.push(Inst::IntImm {
        op: IntOp::Mul,
        dst: h,
        a: h,
        imm: k,
    });
    insts.push(Inst::Int {
        op: IntOp::Add,
        dst: h,
        a: h,
        b: v,
    });
}

/// The interpreter's memory (the arena) and calls (every call is the `ID` native, which returns
/// its first argument); records, for every call, the values of the vars live across it that
/// need GC roots (`Liveness::roots`: traced, and not parameters or constants), which must be
/// in GC root slots.
struct Reference<'a> {
    f: &'a Function,
    live: Liveness,
    mem: &'a mut [u8],
    roots: &'a mut Vec<Vec<u32>>,
}

impl ir::interp::Host for Reference<'_> {
    fn load(&mut self, width: Width, addr: u32) -> u32 {
        let at = addr as usize;
        match width {
            Width::U8 => self.mem[at] as u32,
            Width::W32 => u32::from_le_bytes(self.mem[at..at + 4].try_into().unwrap()),
        }
    }

    fn store(&mut self, width: Width, addr: u32, value: u32) {
        let at = addr as usize;
        match width {
            Width::U8 => self.mem[at] = value as u8,
            Width::W32 => self.mem[at..at + 4].copy_from_slice(&value.to_le_bytes()),
        }
    }

    fn call(&mut self, at: (BlockId, usize), vars: &[u32], _: Callee, args: &[u32]) -> u32 {
        let (b, i) = at;
        let lives = self.live.live_after_each(self.f, b);
        let dst = self.f.block(b).insts[i].def();
        let roots = self.live.roots(self.f);
        let across = lives[i]
            .iter()
            .filter(|&x| Some(Var(x as u32)) != dst && roots.contains(&Var(x as u32)))
            .map(|x| vars[x])
            .collect();
        self.roots.push(across);
        args[0]
    }
}

/// Runs `f` in the reference interpreter over the arena `mem`, recording the GC roots at calls.
fn interpret(f: &Function, args: &[u32], mem: &mut [u8], roots: &mut Vec<Vec<u32>>) -> End {
    let live = Liveness::compute(f);
    let mut host = Reference {
        f,
        live,
        mem,
        roots,
    };
    ir::interp::interpret(f, args, &mut host)
}

#[test]
fn random_functions_match_the_interpreter() {
    let raise_stub = raise_stub();
    let mut wrapped = 0;
    for seed in 0..3000 {
        let f = random_function(seed);
        ir::verify::verify(&f).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{f}"));
        // A shrink-wrapped function starts with its stack check, `lea rax, [rsp - n]`.
        let code = backend_x64::compile(&f).unwrap().code;
        wrapped += code.starts_with(&[0x48, 0x8d, 0x84, 0x24]) as u32;
        check_against_interpreter(seed, &f, &raise_stub);
    }
    assert!(
        wrapped > 150,
        "only {wrapped} functions were shrink-wrapped"
    );
}

/// Runs `f` natively with two sets of arguments and checks the result, the memory and the GC
/// roots at every call against the interpreter.
fn check_against_interpreter(seed: u64, f: &Function, raise_stub: &dynasmrt::ExecutableBuffer) {
    let mut m = Machine::compile(&[f]);
    m.set_native(ID, snapshot as *const u8);
    m.set_native(RAISE, raise_stub.ptr(dynasmrt::AssemblyOffset(0)));
    for (k, args) in [[5u32, 7, 0xffff_fff0, 0x3fc0_0000], [0, 1, 2, 0xbf80_0000]]
        .iter()
        .enumerate()
    {
        let mut mem = vec![0u8; harness::machine::ARENA];
        for (i, byte) in mem[MEM as usize..MEM as usize + MEM_SIZE]
            .iter_mut()
            .enumerate()
        {
            *byte = (i * 7 + k) as u8;
        }
        m.arena.copy_from_slice(&mem);
        // Garbage where shadow-stack frames go: slots must be zeroed or written before any
        // call can see them.
        for a in (SHADOW_TOP as usize - 0x400..SHADOW_TOP as usize).step_by(4) {
            m.arena[a..a + 4].copy_from_slice(&0xaaaa_aaaau32.to_le_bytes());
        }
        // A raise leaves its shadow-stack frames behind; a new run starts afresh.
        m.set_word(CTX_SHADOW_SP, SHADOW_TOP);
        let mut roots = Vec::new();
        let want = interpret(f, args, &mut mem, &mut roots);
        CURRENT.with(|c| *c.borrow_mut() = (m.ctx.as_ptr() as usize, m.arena.as_ptr() as usize));
        SNAPSHOTS.with(|s| s.borrow_mut().clear());
        let call_args = [
            Arg::I(args[0] as i32),
            Arg::I(args[1] as i32),
            Arg::I(args[2] as i32),
            Arg::F(f32::from_bits(args[3])),
        ];
        let got = match m.call(0, &call_args) {
            Outcome::Return { word, .. } => End::Return(word),
            Outcome::Raise { native: ESCAPE, .. } => {
                let word = |a: usize| u32::from_le_bytes(m.arena[a..a + 4].try_into().unwrap());
                assert_eq!(
                    word(RAISED + 8),
                    0,
                    "seed {seed}: raise with rsp misaligned"
                );
                End::Raise(RAISE, vec![word(RAISED), word(RAISED + 4)])
            }
            o => panic!("seed {seed}: {o:?}"),
        };
        assert_eq!(got, want, "seed {seed}, args {k}\n{f}");
        assert!(
            m.arena[MEM as usize..MEM as usize + MEM_SIZE]
                == mem[MEM as usize..MEM as usize + MEM_SIZE],
            "seed {seed}, args {k}: memory differs\n{f}"
        );
        let snapshots = SNAPSHOTS.with(|s| s.borrow().clone());
        assert_eq!(snapshots.len(), roots.len(), "seed {seed}: calls made");
        for (n, (want, got)) in roots.iter().zip(&snapshots).enumerate() {
            let traced = |w: &u32| *w == 0 || (0..5).any(|k| *w == (MEM + 0x100 * k) as u32);
            assert!(
                got.iter().all(traced),
                "seed {seed}, args {k}, call {n}: garbage on the shadow stack {got:x?}\n{f}"
            );
            for value in want {
                assert!(
                    got.contains(value),
                    "seed {seed}, args {k}, call {n}: root {value:#x} not on the shadow \
                     stack {got:x?}\n{f}"
                );
            }
        }
    }
}

/// A function with thousands of vars live at once (past the allocator's edge budget, so it is
/// allocated by linear scan) still computes the right result, across a call too.
#[test]
fn huge_functions_run() {
    let n = 2500;
    let mut vars = vec![Ty::I32];
    let mut insts = Vec::new();
    let new = |vars: &mut Vec<Ty>| {
        vars.push(Ty::I32);
        Var(vars.len() as u32 - 1)
    };
    let values: Vec<Var> = (0..n)
        .map(|i| {
            let v = new(&mut vars);
            insts.push(Inst::IntImm {
                op: IntOp::Mul,
                dst: v,
                a: Var(0),
                imm: i + 1,
            });
            v
        })
        .collect();
    let r = new(&mut vars);
    insts.push(Inst::Call {
        dst: Some(r),
        callee: Callee::Native(ID),
        args: vec![values[7]],
        loc: LocId(0),
    });
    let h = new(&mut vars);
    insts.push(Inst::Copy { dst: h, src: r });
    for &v in values.iter().rev() {
        mix(&mut insts, h, v, 31);
    }
    let f = Function {
        name: "huge".into(),
        params: vec![Var(0)],
        ret: Some(Ty::I32),
        vars,
        blocks: vec![Block {
            insts,
            term: Terminator::Return(Some(h)),
        }],
        locs: vec![SourceLoc::default()],
        symbols: vec![],
        callees: vec![],
        callees_without_gc: vec![],
        natives_without_gc: vec![],
        callees_without_stores: vec![],
        globals_set_once: vec![],
    };
    let mut m = Machine::compile(&[&f]);
    m.set_native(ID, snapshot as *const u8);
    CURRENT.with(|c| *c.borrow_mut() = (m.ctx.as_ptr() as usize, m.arena.as_ptr() as usize));
    let mut mem = vec![0u8; harness::machine::ARENA];
    for x in [3u32, 0xffff_fff1] {
        let want = interpret(&f, &[x], &mut mem, &mut Vec::new());
        let got = m.call_i32(0, &[Arg::I(x as i32)]) as u32;
        assert_eq!(End::Return(got), want);
    }
}

/// A random counted loop, `for (i = 0; i < (i0 & 15); i++) { … }`, shaped as lowering writes
/// loops over arrays and objects, for the loop-invariant loads of `ir::opt`: loads of object
/// words through `Ref` vars (often into vars assigned once), stores to those objects and to
/// element-like memory through `I32` addresses, bounds-check-like branches to a raise, and
/// sometimes a call, a reassigned address or a header that must not run twice. Objects sit at
/// `MEM + 0x300` and `MEM + 0x400`; `I32` stores stay below `MEM + 0x100` (the IR's memory
/// invariant).
fn random_loop_function(seed: u64) -> Function {
    let mut r = Rng(seed.wrapping_mul(0x2545_f491_4f6c_dd1d) ^ 0x1007);
    let mut vars = vec![Ty::I32, Ty::I32, Ty::I32, Ty::F32];
    let params: Vec<Var> = (0..4).map(Var).collect();
    let mut new = |ty: Ty| {
        vars.push(ty);
        Var(vars.len() as u32 - 1)
    };
    let ints: Vec<Var> = (0..4).map(|_| new(Ty::I32)).collect();
    let objs: Vec<Var> = (0..2).map(|_| new(Ty::Ref)).collect();
    let (i, n, base) = (new(Ty::I32), new(Ty::I32), new(Ty::I32));
    let (header, body, tail, exit, raise) = (1, 2, 3, 4, 5);
    let mut blocks = Vec::new();

    let mut insts = vec![
        Inst::IConst { dst: i, value: 0 },
        Inst::IntImm {
            op: IntOp::And,
            dst: n,
            a: params[0],
            imm: 15,
        },
        Inst::IConst {
            dst: base,
            value: MEM,
        },
    ];
    for (k, &o) in objs.iter().enumerate() {
        insts.push(Inst::IConst {
            dst: o,
            value: MEM + 0x300 + 0x100 * k as i32,
        });
        // Distinct contents (the memory pattern repeats every 0x100 bytes).
        for w in 0..4 {
            let c = new(Ty::I32);
            let value = 0x0101_0101 * (1 + k as i32) + 0x1234 * w;
            insts.push(Inst::IConst { dst: c, value });
            insts.push(Inst::Store {
                width: Width::W32,
                src: c,
                addr: o,
                offset: 4 * w,
            });
        }
    }
    for &v in &ints {
        insts.push(Inst::Copy {
            dst: v,
            src: params[r.next(3)],
        });
    }
    blocks.push(Block {
        insts,
        term: Terminator::Jump(BlockId(header)),
    });

    // Header: maybe a load, maybe something that must not run twice; then the test.
    let mut insts = Vec::new();
    let mut header_load = None;
    if r.next(2) == 0 {
        let h = new(Ty::I32);
        let o = r.pick(&objs);
        insts.push(object_load(&mut r, h, o));
        header_load = Some(h);
        if r.next(4) == 0 {
            // Reads what it assigns: the header cannot be copied into a guard.
            let v = r.pick(&ints);
            insts.push(Inst::IntImm {
                op: IntOp::Add,
                dst: v,
                a: v,
                imm: 3,
            });
        }
    }
    let term = if r.next(2) == 0 {
        Terminator::Branch {
            cond: Cond::LtS,
            a: i,
            b: n,
            then: BlockId(body),
            other: BlockId(exit),
        }
    } else {
        Terminator::Branch {
            cond: Cond::GeS,
            a: i,
            b: n,
            then: BlockId(exit),
            other: BlockId(body),
        }
    };
    blocks.push(Block { insts, term });

    for b in [body, tail] {
        let mut insts = Vec::new();
        if b == body {
            // Every way back to the header passes here.
            insts.push(Inst::IntImm {
                op: IntOp::Add,
                dst: i,
                a: i,
                imm: 1,
            });
        }
        if let (true, Some(h)) = (b == body, header_load) {
            let v = r.pick(&ints);
            insts.push(Inst::Int {
                op: IntOp::Xor,
                dst: v,
                a: v,
                b: h,
            });
        }
        for _ in 0..1 + r.next(6) {
            loop_inst(&mut r, &mut insts, &ints, &objs, base, &mut new);
        }
        let term = if b == body {
            match r.next(3) {
                0 => Terminator::Jump(BlockId(tail)),
                // A bounds check: the rest of the loop is not run on every entry.
                1 => Terminator::Branch {
                    cond: Cond::LtU,
                    a: r.pick(&ints),
                    b: r.pick(&ints),
                    then: BlockId(tail),
                    other: BlockId(raise),
                },
                _ => Terminator::Branch {
                    cond: Cond::LtS,
                    a: r.pick(&ints),
                    b: base,
                    then: BlockId(tail),
                    other: BlockId(header),
                },
            }
        } else {
            Terminator::Jump(BlockId(header))
        };
        blocks.push(Block { insts, term });
    }

    // Exit: a hash of the ints.
    let h = new(Ty::I32);
    let mut insts = vec![Inst::IConst { dst: h, value: 17 }];
    for &v in &ints {
        mix(&mut insts, h, v, 31);
    }
    blocks.push(Block {
        insts,
        term: Terminator::Return(Some(h)),
    });
    blocks.push(Block {
        insts: vec![],
        term: Terminator::Raise {
            native: RAISE,
            args: vec![i, n],
            loc: LocId(1),
        },
    });
    debug_assert_eq!(blocks.len(), raise as usize + 1);
    Function {
        name: format!("loop{seed}"),
        params,
        ret: Some(Ty::I32),
        vars,
        blocks,
        locs: vec![SourceLoc::default(); 3],
        symbols: vec![],
        callees: vec![],
        callees_without_gc: vec![],
        natives_without_gc: vec![],
        callees_without_stores: vec![],
        globals_set_once: vec![],
    }
}

/// A load of a word or byte of object `obj` into `dst`.
fn object_load(r: &mut Rng, dst: Var, obj: Var) -> Inst {
    let (width, offset) = if r.next(3) == 0 {
        (Width::U8, r.next(16) as i32)
    } else {
        (Width::W32, 4 * r.next(4) as i32)
    };
    Inst::Load {
        width,
        dst,
        addr: obj,
        offset,
    }
}

/// Appends one random loop-body instruction (or a short pattern) for [`random_loop_function`].
fn loop_inst(
    r: &mut Rng,
    insts: &mut Vec<Inst>,
    ints: &[Var],
    objs: &[Var],
    base: Var,
    new: &mut dyn FnMut(Ty) -> Var,
) {
    let int = |r: &mut Rng| r.pick(ints);
    match r.next(12) {
        // A load into a var assigned once, folded into an int.
        0..=3 => {
            let t = new(Ty::I32);
            let o = r.pick(objs);
            insts.push(object_load(r, t, o));
            let v = int(r);
            insts.push(Inst::Int {
                op: r.pick(&[IntOp::Add, IntOp::Xor, IntOp::Mul]),
                dst: v,
                a: v,
                b: t,
            });
        }
        4 => {
            let v = int(r);
            let o = r.pick(objs);
            insts.push(object_load(r, v, o));
        }
        // A store to an object.
        5 => {
            let (width, offset) = if r.next(2) == 0 {
                (Width::U8, r.next(16) as i32)
            } else {
                (Width::W32, 4 * r.next(4) as i32)
            };
            insts.push(Inst::Store {
                width,
                src: int(r),
                addr: r.pick(objs),
                offset,
            });
        }
        // A store to element-like memory: base + ((x & 0x3f) << 2).
        6 | 7 => {
            let (t, a) = (new(Ty::I32), new(Ty::I32));
            insts.push(Inst::IntImm {
                op: IntOp::And,
                dst: t,
                a: int(r),
                imm: 0x3f,
            });
            insts.push(Inst::IntImm {
                op: IntOp::Shl,
                dst: t,
                a: t,
                imm: 2,
            });
            insts.push(Inst::Int {
                op: IntOp::Add,
                dst: a,
                a: base,
                b: t,
            });
            insts.push(Inst::Store {
                width: Width::W32,
                src: int(r),
                addr: a,
                offset: 0,
            });
        }
        8 => insts.push(Inst::Call {
            dst: Some(int(r)),
            callee: Callee::Native(ID),
            args: vec![int(r)],
            loc: LocId(2),
        }),
        // The address changes inside the loop.
        9 => insts.push(Inst::Copy {
            dst: objs[1],
            src: objs[0],
        }),
        _ => insts.push(Inst::Int {
            op: r.pick(&[IntOp::Add, IntOp::Sub, IntOp::Xor, IntOp::ShrU]),
            dst: int(r),
            a: int(r),
            b: int(r),
        }),
    }
}

#[test]
fn random_loops_match_the_interpreter() {
    let raise_stub = raise_stub();
    let mut hoisted = 0;
    for seed in 0..3000 {
        let f = random_loop_function(seed);
        ir::verify::verify(&f).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{f}"));
        let mut g = f.clone();
        ir::opt::optimize(&mut g);
        ir::verify::verify(&g).unwrap_or_else(|e| panic!("seed {seed}: {e}\n{g}"));
        hoisted += (g.blocks.len() > f.blocks.len()) as u32;
        check_against_interpreter(seed, &f, &raise_stub);
    }
    assert!(hoisted > 300, "only {hoisted} loops had loads hoisted");
}
