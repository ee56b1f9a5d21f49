//! Shrink-wrapping: early returns that need no frame skip the register saves and the stack and
//! shadow-stack frames, which the other paths set up before their first call. The harness checks
//! callee-saved registers and stack alignment on every call.

mod harness;

use backend_x64::compile;
use device::abi::Native;
use device::abi::host::{CTX_SHADOW_LIMIT, CTX_SHADOW_SP};
use harness::machine::{CHECK_ALIGN_NATIVE, SHADOW_TOP};
use harness::{Arg, Builder, Machine, Outcome};
use ir::{Callee, Cond, FloatOp, IntOp, Ty, Width};

/// A shrink-wrapped function starts with its stack check, `lea rax, [rsp - n]`.
fn wrapped(f: &ir::Function) -> bool {
    compile(f)
        .unwrap()
        .code
        .starts_with(&[0x48, 0x8d, 0x84, 0x24])
}

fn raised(o: Outcome) -> u32 {
    match o {
        Outcome::Raise { native, .. } => native,
        o => panic!("expected a raise, got {o:?}"),
    }
}

/// `f(a: Ref, n) = n <= 0 ? 7 : (r = load(a); f(a, n - 1) + load(r))`: `r` is a GC root
/// across the call (`a`, a parameter, is the caller's), so the frame block also sets up the
/// shadow-stack frame.
fn sum_with_root() -> ir::Function {
    let (mut b, p) = Builder::new(&[Ty::Ref, Ty::I32], Some(Ty::I32));
    let zero = b.iconst(0);
    let (base, rec) = (b.block(), b.block());
    b.branch(Cond::LeS, p[1], zero, base, rec);
    b.switch(base);
    let seven = b.iconst(7);
    b.ret(seven);
    b.switch(rec);
    let root = b.load(Width::W32, Ty::Ref, p[0], 0);
    let n1 = b.int_imm(IntOp::Sub, p[1], 1);
    let r = b.call(Callee::Slot(0), &[p[0], n1], Some(Ty::I32)).unwrap();
    let x = b.load(Width::W32, Ty::I32, root, 0);
    let s = b.int(IntOp::Add, r, x);
    b.ret(s);
    b.finish()
}

#[test]
fn roots_are_set_up_by_the_frame_block() {
    let f = sum_with_root();
    assert!(wrapped(&f));
    let mut m = Machine::compile(&[&f]);
    m.set_arena_word(0x2000, 0x3000);
    m.set_arena_word(0x3000, 3);
    for n in [0, 1, 5, 50] {
        assert_eq!(m.call_i32(0, &[Arg::I(0x2000), Arg::I(n)]), 7 + 3 * n);
        assert_eq!(m.word(CTX_SHADOW_SP), SHADOW_TOP, "shadow stack restored");
    }
    // The shadow-stack check is in the frame block: 100 frames of one slot fit, not 101.
    m.set_word(CTX_SHADOW_LIMIT, SHADOW_TOP - 400);
    assert_eq!(m.call_i32(0, &[Arg::I(0x2000), Arg::I(100)]), 307);
    m.set_word(CTX_SHADOW_SP, SHADOW_TOP);
    let o = m.call(0, &[Arg::I(0x2000), Arg::I(101)]);
    assert_eq!(raised(o), Native::RaiseStackOverflow as u32);
}

#[test]
fn the_machine_stack_check_covers_the_frame_it_defers() {
    let f = sum_with_root();
    let mut m = Machine::compile(&[&f]);
    m.set_arena_word(0x2000, 0x3000);
    m.set_arena_word(0x3000, 1);
    // Fails on entry, even on the path that needs no frame.
    m.set_stack_limit(u64::MAX);
    let o = m.call(0, &[Arg::I(0x2000), Arg::I(0)]);
    assert_eq!(raised(o), Native::RaiseStackOverflow as u32);
    // Deep recursion stops at the limit.
    m.set_word(CTX_SHADOW_SP, SHADOW_TOP);
    m.set_word(CTX_SHADOW_LIMIT, 0);
    let here = &m as *const Machine as u64;
    m.set_stack_limit(here - 64 * 1024);
    let o = m.call(0, &[Arg::I(0x2000), Arg::I(1_000_000)]);
    assert_eq!(raised(o), Native::RaiseStackOverflow as u32);
}

/// Eight word parameters (two on the stack) and a float: the early path reads stack parameters
/// relative to the entry `rsp`, the other path after a call.
#[test]
fn stack_parameters_on_both_paths() {
    let mut tys = vec![Ty::I32; 8];
    tys.push(Ty::F32);
    let (mut b, p) = Builder::new(&tys, Some(Ty::I32));
    let zero = b.iconst(0);
    let (early, late) = (b.block(), b.block());
    b.branch(Cond::LtS, p[0], zero, early, late);
    b.switch(early);
    let s = b.int(IntOp::Add, p[7], p[6]);
    let t = b.int_imm(IntOp::Mul, s, 10);
    let u = b.int(IntOp::Add, t, p[1]);
    let fx = b.unary(ir::UnOp::FloatToInt, p[8]);
    let v = b.int(IntOp::Add, u, fx);
    b.ret(v);
    b.switch(late);
    let r = b
        .call(Callee::Native(CHECK_ALIGN_NATIVE), &[p[7]], Some(Ty::I32))
        .unwrap();
    let s = b.int(IntOp::Add, r, p[6]);
    let f2 = b.float(FloatOp::Add, p[8], p[8]);
    let fx = b.unary(ir::UnOp::FloatToInt, f2);
    let s = b.int(IntOp::Add, s, fx);
    let s = b.int(IntOp::Add, s, p[0]);
    b.ret(s);
    let callee = b.finish();
    assert!(wrapped(&callee));

    // The harness passes at most six word arguments: call through a caller.
    let (mut b, p) = Builder::new(&[Ty::I32, Ty::F32], Some(Ty::I32));
    let args: Vec<_> = (1..8)
        .map(|i| b.int_imm(IntOp::Mul, p[0], i * 100))
        .collect();
    let mut all = vec![p[0]];
    all.extend(args);
    all.push(p[1]);
    let r = b.call(Callee::Slot(1), &all, Some(Ty::I32)).unwrap();
    b.ret(r);
    let caller = b.finish();
    let mut m = Machine::compile(&[&caller, &callee]);
    for x in [-1, -3, 2, 5] {
        let a: Vec<i32> = (0..8)
            .map(|i| if i == 0 { x } else { x * i * 100 })
            .collect();
        let want = if x < 0 {
            (a[7] + a[6]) * 10 + a[1] + 2
        } else {
            a[7] + a[6] + 5 + a[0]
        };
        assert_eq!(m.call_i32(0, &[Arg::I(x), Arg::F(2.5)]), want, "x = {x}");
    }
}

/// A function whose entry block calls is not wrapped; neither is one whose early exits all go
/// through a call.
#[test]
fn only_frameless_returns_are_wrapped() {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let r = b
        .call(Callee::Native(CHECK_ALIGN_NATIVE), &[p[0]], Some(Ty::I32))
        .unwrap();
    b.ret(r);
    assert!(!wrapped(&b.finish()));
    assert!(wrapped(&sum_with_root()));
}

thread_local! {
    /// What [`record_root`] saw: the shadow-stack words at the call.
    static SEEN: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
    static CTX: std::cell::RefCell<(usize, usize)> = const { std::cell::RefCell::new((0, 0)) };
}

/// Records the live shadow stack; returns its argument.
extern "C" fn record_root(x: i32) -> i32 {
    let (ctx, arena) = CTX.with(|c| *c.borrow());
    unsafe {
        let sp = *((ctx + CTX_SHADOW_SP as usize) as *const u32);
        let words = (sp..SHADOW_TOP)
            .step_by(4)
            .map(|a| *((arena + a as usize) as *const u32))
            .collect();
        SEEN.with(|s| *s.borrow_mut() = words);
    }
    x
}

/// `f(a: Ref, x) { r = load(a); if (x < 0) x = report(x) * 2; return load(r) + x }`: the call
/// is a cold island; the frame is set up before it and torn down after it, and the hot path
/// never touches the frame.
#[test]
fn a_cold_call_gets_the_frame_only_around_it() {
    let (mut b, p) = Builder::new(&[Ty::Ref, Ty::I32], Some(Ty::I32));
    let root = b.load(Width::W32, Ty::Ref, p[0], 0);
    let x = b.var(Ty::I32);
    b.copy(x, p[1]);
    let zero = b.iconst(0);
    let (cold, join) = (b.block(), b.block());
    b.branch(Cond::LtS, x, zero, cold, join);
    b.switch(cold);
    let r = b.call(Callee::Native(105), &[x], Some(Ty::I32)).unwrap();
    b.push(ir::Inst::IntImm {
        op: IntOp::Mul,
        dst: x,
        a: r,
        imm: 2,
    });
    b.term(ir::Terminator::Jump(join));
    b.switch(join);
    let v = b.load(Width::W32, Ty::I32, root, 0);
    let s = b.int(IntOp::Add, v, x);
    b.ret(s);
    let f = b.finish();
    assert!(wrapped(&f));
    let mut m = Machine::compile(&[&f]);
    m.set_native(105, record_root as *const u8);
    CTX.with(|c| *c.borrow_mut() = (m.ctx.as_ptr() as usize, m.arena.as_ptr() as usize));
    m.set_arena_word(0x2000, 0x3000);
    m.set_arena_word(0x3000, 100);
    assert_eq!(m.call_i32(0, &[Arg::I(0x2000), Arg::I(5)]), 105);
    assert_eq!(m.call_i32(0, &[Arg::I(0x2000), Arg::I(-5)]), 90);
    assert_eq!(m.word(CTX_SHADOW_SP), SHADOW_TOP, "shadow frame popped");
    assert!(
        SEEN.with(|s| s.borrow().contains(&0x3000)),
        "the reference is a root at the call"
    );
}
