//! Calls, loops, register pressure, GC roots on the shadow stack, stack checks, call sites and
//! relocations, executed natively.

mod harness;

use backend_x64::{CodegenError, Reloc, compile};
use device::abi::Native;
use device::abi::host::{CTX_SHADOW_LIMIT, CTX_SHADOW_SP};
use harness::machine::{CHECK_ALIGN_NATIVE, SHADOW_TOP};
use harness::{Arg, Builder, Machine, Outcome};
use ir::builder::fib;
use ir::{Callee, Cond, FloatOp, Inst, IntOp, Terminator, Ty, UnOp, Width};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// `sum(n) = 1 + 2 + … + n` with a counting loop.
#[test]
fn loop_sums_one_to_n() {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let (i, s) = (b.iconst(1), b.iconst(0));
    let (head, body, exit) = (b.block(), b.block(), b.block());
    b.term(Terminator::Jump(head));
    b.switch(head);
    b.branch(Cond::LeS, i, p[0], body, exit);
    b.switch(body);
    b.push(Inst::Int {
        op: IntOp::Add,
        dst: s,
        a: s,
        b: i,
    });
    b.push(Inst::IntImm {
        op: IntOp::Add,
        dst: i,
        a: i,
        imm: 1,
    });
    b.term(Terminator::Jump(head));
    b.switch(exit);
    b.ret(s);
    let mut m = Machine::compile(&[&b.finish()]);
    for n in [0, 1, 2, 10, 1000, 65535] {
        assert_eq!(
            m.call_i32(0, &[Arg::I(n)]),
            (1..=n).sum::<i32>(),
            "sum to {n}"
        );
    }
}

#[test]
fn recursive_fib_through_the_function_table() {
    let mut m = Machine::compile(&[&fib()]);
    assert_eq!(m.call_i32(0, &[Arg::I(10)]), 55);
    assert_eq!(m.call_i32(0, &[Arg::I(25)]), 75025);
}

/// Counts the primes below `n` with a byte array in the arena at 0x100.
fn sieve() -> ir::Function {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let n = p[0];
    let (base, count, i, one) = (b.iconst(0x100), b.iconst(0), b.iconst(2), b.iconst(1));
    let j = b.var(Ty::I32);
    let (outer, test, mark, inner, next, exit) = (
        b.block(),
        b.block(),
        b.block(),
        b.block(),
        b.block(),
        b.block(),
    );
    b.term(Terminator::Jump(outer));
    b.switch(outer);
    b.branch(Cond::LtS, i, n, test, exit);
    b.switch(test);
    let at = b.int(IntOp::Add, base, i);
    let flag = b.load(Width::U8, Ty::I32, at, 0);
    let zero = b.iconst(0);
    b.branch(Cond::Eq, flag, zero, mark, next);
    b.switch(mark);
    b.push(Inst::IntImm {
        op: IntOp::Add,
        dst: count,
        a: count,
        imm: 1,
    });
    b.push(Inst::Int {
        op: IntOp::Mul,
        dst: j,
        a: i,
        b: i,
    });
    let (inner_body, inner_exit) = (b.block(), next);
    b.term(Terminator::Jump(inner));
    b.switch(inner);
    b.branch(Cond::LtS, j, n, inner_body, inner_exit);
    b.switch(inner_body);
    let at = b.int(IntOp::Add, base, j);
    b.store(Width::U8, one, at, 0);
    b.push(Inst::Int {
        op: IntOp::Add,
        dst: j,
        a: j,
        b: i,
    });
    b.term(Terminator::Jump(inner));
    b.switch(next);
    b.push(Inst::IntImm {
        op: IntOp::Add,
        dst: i,
        a: i,
        imm: 1,
    });
    b.term(Terminator::Jump(outer));
    b.switch(exit);
    b.ret(count);
    b.finish()
}

#[test]
fn sieve_counts_primes() {
    let mut m = Machine::compile(&[&sieve()]);
    assert_eq!(m.call_i32(0, &[Arg::I(10000)]), 1229);
}

extern "C" fn weighted8(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32, g: i32, h: i32) -> i32 {
    [a, b, c, d, e, f, g, h]
        .iter()
        .enumerate()
        .map(|(i, v)| (i as i32 + 1) * v)
        .sum()
}

/// Eight word arguments (two on the stack) to an IR function and to a native, and from the
/// caller's own incoming stack arguments.
#[test]
fn eight_int_arguments() {
    let (mut b, p) = Builder::new(&[Ty::I32; 8], Some(Ty::I32));
    let mut s = b.iconst(0);
    for (i, v) in p.iter().enumerate() {
        let t = b.int_imm(IntOp::Mul, *v, i as i32 + 1);
        s = b.int(IntOp::Add, s, t);
    }
    b.ret(s);
    let callee = b.finish();

    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let args: Vec<_> = (0..8)
        .map(|i| b.int_imm(IntOp::Add, p[0], i * 10))
        .collect();
    let r1 = b.call(Callee::Slot(1), &args, Some(Ty::I32)).unwrap();
    let rev: Vec<_> = args.iter().rev().copied().collect();
    let r2 = b.call(Callee::Native(101), &rev, Some(Ty::I32)).unwrap();
    let r2k = b.int_imm(IntOp::Mul, r2, 100_000);
    let r = b.int(IntOp::Add, r1, r2k);
    b.ret(r);
    let caller = b.finish();

    let mut m = Machine::compile(&[&caller, &callee]);
    m.set_native(101, weighted8 as *const u8);
    for x in [0, 3, -7] {
        let a: Vec<i32> = (0..8).map(|i| x + 10 * i).collect();
        let rev: Vec<i32> = a.iter().rev().copied().collect();
        let w = |v: &[i32]| weighted8(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
        let want = w(&a).wrapping_add(w(&rev).wrapping_mul(100_000));
        assert_eq!(m.call_i32(0, &[Arg::I(x)]), want);
    }
}

extern "C" fn mixed(
    f0: f32,
    i0: i32,
    f1: f32,
    i1: i32,
    f2: f32,
    f3: f32,
    f4: f32,
    f5: f32,
    f6: f32,
    f7: f32,
    f8: f32,
    i2: i32,
    f9: f32,
) -> f32 {
    let fs = [f0, f1, f2, f3, f4, f5, f6, f7, f8, f9];
    let is = [i0, i1, i2];
    let mut s = 0.0;
    for (k, f) in fs.iter().enumerate() {
        s += (k + 1) as f32 * f;
    }
    for (k, i) in is.iter().enumerate() {
        s += 1000.0 * (k + 1) as f32 * *i as f32;
    }
    s
}

const MIXED: [Ty; 13] = [
    Ty::F32,
    Ty::I32,
    Ty::F32,
    Ty::I32,
    Ty::F32,
    Ty::F32,
    Ty::F32,
    Ty::F32,
    Ty::F32,
    Ty::F32,
    Ty::F32,
    Ty::I32,
    Ty::F32,
];

/// Ten float and three word arguments, interleaved (two floats go on the stack), to an IR
/// function and to a native.
#[test]
fn mixed_float_and_int_arguments() {
    // The IR callee computes what `mixed` computes.
    let (mut b, p) = Builder::new(&MIXED, Some(Ty::F32));
    let mut s = b.fconst(0.0);
    let (mut nf, mut ni) = (0, 0);
    for v in &p {
        if b.ty(*v) == Ty::F32 {
            nf += 1;
            let k = b.fconst(nf as f32);
            let t = b.float(FloatOp::Mul, k, *v);
            s = b.float(FloatOp::Add, s, t);
        } else {
            ni += 1;
            let t = b.int_imm(IntOp::Mul, *v, 1000 * ni);
            let t = b.unary(UnOp::IntToFloat, t);
            s = b.float(FloatOp::Add, s, t);
        }
    }
    b.ret(s);
    let callee = b.finish();

    // caller(x: I32, y: F32) passes floats y + k and words x + k.
    let (mut b, p) = Builder::new(&[Ty::I32, Ty::F32], Some(Ty::F32));
    let mut args = vec![];
    for (k, ty) in MIXED.iter().enumerate() {
        if *ty == Ty::F32 {
            let c = b.fconst(k as f32);
            args.push(b.float(FloatOp::Add, p[1], c));
        } else {
            args.push(b.int_imm(IntOp::Add, p[0], k as i32));
        }
    }
    let r1 = b.call(Callee::Slot(1), &args, Some(Ty::F32)).unwrap();
    let r2 = b.call(Callee::Native(102), &args, Some(Ty::F32)).unwrap();
    let r = b.float(FloatOp::Sub, r1, r2);
    let big = b.fconst(1e6);
    let r = b.float(FloatOp::Mul, r, big);
    let r = b.float(FloatOp::Add, r, r1);
    b.ret(r);
    let caller = b.finish();

    let mut m = Machine::compile(&[&caller, &callee]);
    m.set_native(102, mixed as *const u8);
    let (x, y) = (5, 0.5f32);
    let fa: Vec<f32> = (0..13).map(|k| y + k as f32).collect();
    let ia: Vec<i32> = (0..13).map(|k| x + k).collect();
    let want = mixed(
        fa[0], ia[1], fa[2], ia[3], fa[4], fa[5], fa[6], fa[7], fa[8], fa[9], fa[10], ia[11],
        fa[12],
    );
    // r1 == r2 makes the difference term vanish.
    assert_eq!(m.call_f32_bits(0, &[Arg::I(x), Arg::F(y)]), want.to_bits());
}

/// Argument shuffles that form cycles among the argument registers.
#[test]
fn argument_cycles() {
    // h(a, b, c, d, e, f) = a + 2b + 4c + 8d + 16e + 32f.
    let (mut b, p) = Builder::new(&[Ty::I32; 6], Some(Ty::I32));
    let mut s = b.iconst(0);
    for (i, v) in p.iter().enumerate() {
        let t = b.int_imm(IntOp::Shl, *v, 4 * i as i32);
        s = b.int(IntOp::Add, s, t);
    }
    b.ret(s);
    let h = b.finish();
    // swap(a, b) = h(b, a, 0, 0, 0, 0); rot(a..f) = h(b, e, c, d, f, a).
    let (mut b, p) = Builder::new(&[Ty::I32; 2], Some(Ty::I32));
    let z = b.iconst(0);
    let r = b.call(Callee::Slot(2), &[p[1], p[0], z, z, z, z], Some(Ty::I32));
    b.ret(r.unwrap());
    let swap = b.finish();
    let (mut b, p) = Builder::new(&[Ty::I32; 6], Some(Ty::I32));
    let args = [p[1], p[4], p[2], p[3], p[5], p[0]];
    let r = b.call(Callee::Slot(2), &args, Some(Ty::I32));
    b.ret(r.unwrap());
    let rot = b.finish();
    // fswap(x, y, z) = hf(z, x, y) with hf(a, b, c) = a - 2b + 4c ... as floats.
    let (mut b, p) = Builder::new(&[Ty::F32; 3], Some(Ty::F32));
    let two = b.fconst(2.0);
    let four = b.fconst(4.0);
    let t1 = b.float(FloatOp::Mul, p[1], two);
    let t2 = b.float(FloatOp::Mul, p[2], four);
    let s = b.float(FloatOp::Sub, p[0], t1);
    let s = b.float(FloatOp::Add, s, t2);
    b.ret(s);
    let hf = b.finish();
    let (mut b, p) = Builder::new(&[Ty::F32; 3], Some(Ty::F32));
    let r = b.call(Callee::Slot(4), &[p[2], p[0], p[1]], Some(Ty::F32));
    b.ret(r.unwrap());
    let fswap = b.finish();

    let mut m = Machine::compile(&[&swap, &rot, &h, &fswap, &hf]);
    assert_eq!(m.call_i32(0, &[Arg::I(1), Arg::I(2)]), 0x12);
    let args: Vec<Arg> = (1..=6).map(Arg::I).collect();
    assert_eq!(m.call_i32(1, &args), 0x164352);
    let got = m.call_f32_bits(3, &[Arg::F(1.0), Arg::F(10.0), Arg::F(100.0)]);
    assert_eq!(got, (100.0f32 - 2.0 + 40.0).to_bits());
}

/// 30 word vars and 20 float vars live at once, across a call: most are spilled.
#[test]
fn register_pressure_with_spills() {
    let (mut b, p) = Builder::new(&[Ty::I32, Ty::F32], Some(Ty::I32));
    let ints: Vec<_> = (0..30)
        .map(|i| {
            let t = b.int_imm(IntOp::Mul, p[0], i + 1);
            b.int_imm(IntOp::Add, t, i)
        })
        .collect();
    let floats: Vec<_> = (0..20)
        .map(|i| {
            let c = b.fconst(i as f32);
            b.float(FloatOp::Add, p[1], c)
        })
        .collect();
    let seven = b.iconst(7);
    let r = b.call(Callee::Native(CHECK_ALIGN_NATIVE), &[seven], Some(Ty::I32));
    let mut s = r.unwrap();
    for (i, v) in ints.iter().enumerate().rev() {
        let t = b.int_imm(IntOp::Mul, *v, i as i32 + 1);
        s = b.int(IntOp::Add, s, t);
    }
    let mut fs = b.fconst(0.0);
    for v in floats.iter().rev() {
        fs = b.float(FloatOp::Add, fs, *v);
    }
    let fi = b.unary(UnOp::FloatToInt, fs);
    let s = b.int(IntOp::Add, s, fi);
    b.ret(s);
    let f = b.finish();
    let mut m = Machine::compile(&[&f]);
    for x in [1, -3, 1000] {
        let y = 0.5f32;
        let ints: i32 = (0..30).map(|i| (x * (i + 1) + i) * (i + 1)).sum();
        let floats: f32 = (0..20).rev().map(|i| y + i as f32).sum();
        let want = 7 + ints + floats as i32;
        assert_eq!(m.call_i32(0, &[Arg::I(x), Arg::F(y)]), want);
    }
}

thread_local! {
    /// Shadow-stack snapshots taken by [`inspect_shadow`]: (shadow sp, first four slots).
    static SNAPSHOTS: RefCell<Vec<(u32, [u32; 4])>> = const { RefCell::new(Vec::new()) };
    /// The machine [`inspect_shadow`] looks at: its context and arena.
    static CURRENT: RefCell<(usize, usize)> = const { RefCell::new((0, 0)) };
}

extern "C" fn inspect_shadow() -> i32 {
    let (ctx, arena) = CURRENT.with(|c| *c.borrow());
    unsafe {
        let sp = *((ctx + CTX_SHADOW_SP as usize) as *const u32);
        let word = |i: u32| *((arena + sp as usize + 4 * i as usize) as *const u32);
        SNAPSHOTS.with(|s| {
            s.borrow_mut()
                .push((sp, [word(0), word(1), word(2), word(3)]))
        });
    }
    0
}

/// Traced vars live across calls sit in shadow-stack slots that a native can read, but not
/// parameters (the caller roots those) or constants (never heap addresses); a traced var
/// defined later reads as 0 before its definition; the shadow stack pointer is restored.
#[test]
fn traced_vars_live_across_calls_are_gc_roots() {
    // f(x, y, k: I32, p: Ref) {
    //   r1: Ref = x + 0; a: Any = y + 0; w: Ref = k + 0; z: Ref = 0x5000
    //   inspect(); r3 = r1 + 16; inspect(); return r1 + a + r3 + w + z + p
    // }
    let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32, Ty::I32, Ty::Ref], Some(Ty::I32));
    let zero = b.iconst(0);
    let computed = |b: &mut Builder, ty: Ty, v: ir::Var| {
        let dst = b.var(ty);
        b.push(Inst::Int {
            op: IntOp::Add,
            dst,
            a: v,
            b: zero,
        });
        dst
    };
    let r1 = computed(&mut b, Ty::Ref, p[0]);
    let a = computed(&mut b, Ty::Any, p[1]);
    let w = computed(&mut b, Ty::Ref, p[2]);
    let z = b.iconst_ty(Ty::Ref, 0x5000);
    b.call(Callee::Native(103), &[], Some(Ty::I32));
    let r3 = b.var(Ty::Ref);
    b.push(Inst::IntImm {
        op: IntOp::Add,
        dst: r3,
        a: r1,
        imm: 16,
    });
    b.call(Callee::Native(103), &[], Some(Ty::I32));
    let mut s = b.int(IntOp::Add, r1, a);
    for v in [r3, w, z, p[3]] {
        s = b.int(IntOp::Add, s, v);
    }
    b.ret(s);
    let f = b.finish();
    let mut m = Machine::compile(&[&f]);
    m.set_native(103, inspect_shadow as *const u8);
    for a in (SHADOW_TOP - 64..SHADOW_TOP).step_by(4) {
        m.set_arena_word(a, 0xaaaa_aaaa);
    }
    CURRENT.with(|c| *c.borrow_mut() = (m.ctx.as_ptr() as usize, m.arena.as_ptr() as usize));
    SNAPSHOTS.with(|s| s.borrow_mut().clear());
    let args = [Arg::I(0x2000), Arg::I(0x3001), Arg::I(5), Arg::I(0x7000)];
    let got = m.call_i32(0, &args);
    assert_eq!(got, 0x2000 + 0x3001 + 0x2010 + 5 + 0x5000 + 0x7000);
    let snaps: Vec<(u32, Vec<u32>)> = SNAPSHOTS.with(|s| {
        s.borrow()
            .iter()
            .map(|(sp, words)| (*sp, words.iter().copied().collect::<BTreeSet<u32>>()))
            .map(|(sp, words)| (sp, words.into_iter().collect()))
            .collect()
    });
    let sp = SHADOW_TOP - 16;
    let first = vec![0, 5, 0x2000, 0x3001];
    let second = vec![5, 0x2000, 0x2010, 0x3001];
    assert_eq!(snaps, vec![(sp, first), (sp, second)]);
    assert_eq!(m.word(CTX_SHADOW_SP), SHADOW_TOP);
}

/// A function whose only traced var dies before the call needs no shadow frame.
#[test]
fn no_shadow_frame_without_roots() {
    let (mut b, p) = Builder::new(&[Ty::Ref], Some(Ty::I32));
    let x = b.load(Width::W32, Ty::I32, p[0], 0);
    b.call(Callee::Native(103), &[], Some(Ty::I32));
    b.ret(x);
    let f = b.finish();
    let mut m = Machine::compile(&[&f]);
    m.set_native(103, inspect_shadow as *const u8);
    m.set_arena_word(0x2000, 99);
    CURRENT.with(|c| *c.borrow_mut() = (m.ctx.as_ptr() as usize, m.arena.as_ptr() as usize));
    SNAPSHOTS.with(|s| s.borrow_mut().clear());
    assert_eq!(m.call_i32(0, &[Arg::I(0x2000)]), 99);
    assert_eq!(SNAPSHOTS.with(|s| s.borrow()[0].0), SHADOW_TOP);
}

fn raised(o: Outcome) -> u32 {
    match o {
        Outcome::Raise { native, .. } => native,
        o => panic!("expected a raise, got {o:?}"),
    }
}

#[test]
fn prologue_checks_the_machine_stack() {
    let mut m = Machine::compile(&[&fib()]);
    m.set_stack_limit(u64::MAX);
    let o = m.call(0, &[Arg::I(3)]);
    assert_eq!(raised(o), Native::RaiseStackOverflow as u32);

    // Unbounded recursion stops at a real limit instead of crashing.
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let n = b.int_imm(IntOp::Add, p[0], 1);
    let r = b.call(Callee::Slot(0), &[n], Some(Ty::I32)).unwrap();
    let r = b.int_imm(IntOp::Add, r, 1);
    b.ret(r);
    let mut m = Machine::compile(&[&b.finish()]);
    let here = &m as *const Machine as u64;
    m.set_stack_limit(here - 256 * 1024);
    assert_eq!(
        raised(m.call(0, &[Arg::I(0)])),
        Native::RaiseStackOverflow as u32
    );
}

/// A leaf (no calls) with a small frame skips the machine-stack check: its caller's check
/// keeps a margin far larger than the leaf's frame. A leaf with a large frame still checks.
#[test]
fn small_leaves_skip_the_machine_stack_check() {
    let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32], Some(Ty::I32));
    let zero = b.iconst(0);
    let (raise, ok) = (b.block(), b.block());
    b.branch(Cond::Eq, p[1], zero, raise, ok);
    b.switch(raise);
    b.raise(0, &[p[0], p[1]]);
    b.switch(ok);
    let q = b.int(IntOp::DivS, p[0], p[1]);
    b.ret(q);
    let mut m = Machine::compile(&[&b.finish()]);
    m.set_stack_limit(u64::MAX);
    assert_eq!(m.call_i32(0, &[Arg::I(42), Arg::I(6)]), 7);
    assert_eq!(raised(m.call(0, &[Arg::I(42), Arg::I(0)])), 0);

    // Enough simultaneously live loads to spill well past the unchecked size.
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let xs: Vec<_> = (0..200)
        .map(|i| b.load(Width::W32, Ty::I32, p[0], 4 * i))
        .collect();
    let mut acc = xs[0];
    for x in &xs[1..] {
        acc = b.int(IntOp::Add, acc, *x);
    }
    b.ret(acc);
    let mut m = Machine::compile(&[&b.finish()]);
    m.set_arena_word(0x2000 + 4 * 199, 5);
    assert_eq!(m.call_i32(0, &[Arg::I(0x2000)]), 5);
    m.set_stack_limit(u64::MAX);
    let o = m.call(0, &[Arg::I(0x2000)]);
    assert_eq!(raised(o), Native::RaiseStackOverflow as u32);
}

#[test]
fn prologue_checks_the_shadow_stack() {
    // f(r: Ref) = (q = r + 4; f(q) + q): q is a root across the recursive call.
    let (mut b, p) = Builder::new(&[Ty::Ref], Some(Ty::I32));
    let q = b.var(Ty::Ref);
    b.push(Inst::IntImm {
        op: IntOp::Add,
        dst: q,
        a: p[0],
        imm: 4,
    });
    let r = b.call(Callee::Slot(0), &[q], Some(Ty::I32)).unwrap();
    let s = b.int(IntOp::Add, r, q);
    b.ret(s);
    let mut m = Machine::compile(&[&b.finish()]);
    m.set_word(CTX_SHADOW_LIMIT, SHADOW_TOP - 400);
    assert_eq!(
        raised(m.call(0, &[Arg::I(0x2000)])),
        Native::RaiseStackOverflow as u32
    );
    // Exactly 100 frames of one slot fit.
    assert_eq!(m.arena_word(SHADOW_TOP - 400), 0x2000 + 4 * 100);
}

/// Call sites point right after `call qword [r14 + disp32]`, in order, with their locations; a
/// raise reports the return address of its call.
#[test]
fn call_sites_are_return_addresses() {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let r = b.call(Callee::Native(CHECK_ALIGN_NATIVE), &[p[0]], Some(Ty::I32));
    let r2 = b.call(Callee::Slot(3), &[], None);
    assert!(r2.is_none());
    let (ok, bad) = (b.block(), b.block());
    let zero = b.iconst(0);
    b.branch(Cond::GeS, r.unwrap(), zero, ok, bad);
    b.switch(ok);
    b.ret(p[0]);
    b.switch(bad);
    b.raise(Native::RaiseIndexOutOfRange as u32, &[p[0], zero]);
    let f = b.finish();
    let mc = compile(&f).unwrap();
    let locs: Vec<u32> = mc.call_sites.iter().map(|c| c.loc.0).collect();
    assert_eq!(
        locs,
        vec![0, 1, 2, 0],
        "three calls, then the stack-overflow path"
    );
    for cs in &mc.call_sites {
        let at = cs.return_offset as usize;
        // REX.B, FF /2 with ModRM (disp32, base r14), then the disp32.
        assert_eq!(
            &mc.code[at - 7..at - 4],
            &[0x41, 0xff, 0x96],
            "call [r14 + disp32]"
        );
    }
    // Slot 3 holds a function returning nothing.
    let (b, _) = Builder::new(&[], None);
    let nop = compile(&b.finish()).unwrap();
    let mut m = Machine::new(&[(0, &mc), (3, &nop)]);
    assert_eq!(m.call_i32(0, &[Arg::I(4)]), 4);
    match m.call(0, &[Arg::I(-4)]) {
        Outcome::Raise {
            native,
            return_address,
        } => {
            assert_eq!(native, Native::RaiseIndexOutOfRange as u32);
            let offset = return_address - m.code_address(0);
            assert_eq!(offset, mc.call_sites[2].return_offset as u64);
        }
        o => panic!("expected a raise, got {o:?}"),
    }
}

/// Slot calls and data addresses are placeholders the linker patches.
#[test]
fn relocations_patch_slots_and_data_addresses() {
    let (mut b, _) = Builder::new(&[], Some(Ty::I32));
    let sym = b.symbol(ir::DataSymbol::Global {
        name: "g".into(),
        traced: false,
    });
    let addr = b.var(Ty::I32);
    b.push(Inst::SymAddr { dst: addr, sym });
    let g = b.load(Width::W32, Ty::I32, addr, 0);
    let r = b.call(Callee::Slot(0), &[], Some(Ty::I32)).unwrap();
    let s = b.int(IntOp::Add, g, r);
    b.ret(s);
    let mut mc = compile(&b.finish()).unwrap();
    assert_eq!(mc.relocs.len(), 2);
    for reloc in mc.relocs.clone() {
        match reloc {
            Reloc::Data { sym: 0, .. } => reloc.patch(&mut mc.code, 0x1230).unwrap(),
            Reloc::Slot { callee: 0, .. } => reloc.patch(&mut mc.code, 7).unwrap(),
            r => panic!("unexpected {r:?}"),
        }
    }
    let (mut b, _) = Builder::new(&[], Some(Ty::I32));
    let five = b.iconst(5);
    b.ret(five);
    let callee = compile(&b.finish()).unwrap();
    let mut m = Machine::new(&[(0, &mc), (7, &callee)]);
    m.set_arena_word(0x1230, 37);
    assert_eq!(m.call_i32(0, &[]), 42);
}

#[test]
fn bad_input_is_an_error() {
    let (mut b, _) = Builder::new(&[], Some(Ty::I32));
    let v = b.var(Ty::I32);
    b.ret(v);
    assert!(matches!(
        compile(&b.finish()),
        Err(CodegenError::InvalidIr(_))
    ));

    let (mut b, _) = Builder::new(&[], None);
    b.call(Callee::Native(200), &[], None);
    assert_eq!(
        compile(&b.finish()),
        Err(CodegenError::NativeOutOfRange(200))
    );
}
