//! Copy coalescing: copies between vars that can share a register compile to nothing, and the
//! cases where they cannot (a source or destination redefined while the other is still live,
//! swaps, loop-carried copies) still compute the right values.

mod harness;

use backend_x64::compile;
use harness::machine::CHECK_ALIGN_NATIVE;
use harness::{Arg, Builder, Machine};
use ir::{Callee, Cond, FloatOp, Inst, IntOp, Terminator, Ty};

fn code(f: &ir::Function) -> Vec<u8> {
    compile(f).unwrap().code
}

/// `f(a) = (a + 1) * a`, computed from `a` directly or through a chain of copies.
fn chain(copies: usize) -> ir::Function {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let mut a = p[0];
    for _ in 0..copies {
        let c = b.var(Ty::I32);
        b.copy(c, a);
        a = c;
    }
    let s = b.int_imm(IntOp::Add, a, 1);
    let mut s2 = s;
    for _ in 0..copies {
        let c = b.var(Ty::I32);
        b.copy(c, s2);
        s2 = c;
    }
    let r = b.int(IntOp::Mul, s2, a);
    b.ret(r);
    b.finish()
}

#[test]
fn copy_chains_compile_to_nothing() {
    let plain = code(&chain(0));
    for n in [1, 2, 5] {
        assert_eq!(code(&chain(n)), plain, "{n} copies in a row");
        let mut m = Machine::compile(&[&chain(n)]);
        assert_eq!(m.call_i32(0, &[Arg::I(6)]), 42);
    }
}

/// `b = copy a` where `a` stays live but is never redefined: `b` shares `a`'s register.
#[test]
fn copy_of_a_var_that_stays_live_shares_its_register() {
    let build = |copy: bool| {
        let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32], Some(Ty::I32));
        let x = if copy {
            let x = b.var(Ty::I32);
            b.copy(x, p[0]);
            x
        } else {
            p[0]
        };
        let s = b.int(IntOp::Sub, x, p[1]);
        let r = b.int(IntOp::Mul, s, p[0]);
        b.ret(r);
        b.finish()
    };
    assert_eq!(code(&build(true)), code(&build(false)));
    let mut m = Machine::compile(&[&build(true)]);
    assert_eq!(m.call_i32(0, &[Arg::I(7), Arg::I(3)]), 28);
}

/// `b = copy a; a = a + 1; return a * 100 + b`: `a` changes while `b` is live, so they must not
/// share a register.
#[test]
fn copy_whose_source_is_redefined_while_live_is_kept() {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let a = b.var(Ty::I32);
    b.copy(a, p[0]);
    let old = b.var(Ty::I32);
    b.copy(old, a);
    b.push(Inst::IntImm {
        op: IntOp::Add,
        dst: a,
        a,
        imm: 1,
    });
    let hundred = b.int_imm(IntOp::Mul, a, 100);
    let r = b.int(IntOp::Add, hundred, old);
    b.ret(r);
    let mut m = Machine::compile(&[&b.finish()]);
    assert_eq!(m.call_i32(0, &[Arg::I(5)]), 605);
    assert_eq!(m.call_i32(0, &[Arg::I(-1)]), -1);
}

/// `b = copy a; b = b * 2; return a + b`: the destination changes while the source is live.
#[test]
fn copy_whose_destination_is_redefined_while_the_source_is_live_is_kept() {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let c = b.var(Ty::I32);
    b.copy(c, p[0]);
    b.push(Inst::IntImm {
        op: IntOp::Mul,
        dst: c,
        a: c,
        imm: 2,
    });
    let r = b.int(IntOp::Add, p[0], c);
    b.ret(r);
    let mut m = Machine::compile(&[&b.finish()]);
    assert_eq!(m.call_i32(0, &[Arg::I(5)]), 15);
}

/// Iterative Fibonacci with a swap through a temporary: `t = x + y; x = copy y; y = copy t`,
/// all copies loop-carried.
#[test]
fn swaps_in_a_loop() {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let (x, y, n) = (b.var(Ty::I32), b.var(Ty::I32), b.var(Ty::I32));
    b.push(Inst::IConst { dst: x, value: 0 });
    b.push(Inst::IConst { dst: y, value: 1 });
    b.copy(n, p[0]);
    let (head, body, exit) = (b.block(), b.block(), b.block());
    b.term(Terminator::Jump(head));
    b.switch(head);
    let zero = b.iconst(0);
    let n1 = b.var(Ty::I32);
    b.copy(n1, n);
    b.branch(Cond::GtS, n1, zero, body, exit);
    b.switch(body);
    let (x1, y1) = (b.var(Ty::I32), b.var(Ty::I32));
    b.copy(x1, x);
    b.copy(y1, y);
    let t = b.int(IntOp::Add, x1, y1);
    b.copy(x, y1);
    b.copy(y, t);
    b.push(Inst::IntImm {
        op: IntOp::Sub,
        dst: n,
        a: n1,
        imm: 1,
    });
    b.term(Terminator::Jump(head));
    b.switch(exit);
    let r = b.var(Ty::I32);
    b.copy(r, x);
    b.ret(r);
    let mut m = Machine::compile(&[&b.finish()]);
    let mut want = (0i32, 1i32);
    for k in 0..40 {
        assert_eq!(m.call_i32(0, &[Arg::I(k)]), want.0, "fib({k})");
        want = (want.1, want.0.wrapping_add(want.1));
    }
}

/// A true swap of two loop-carried vars with no temporary var: `x, y = y, x` written as
/// `t = copy x; x = copy y; y = copy t` where `t` is only a copy.
#[test]
fn pure_copy_swaps_in_a_loop() {
    let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32, Ty::I32], Some(Ty::I32));
    let (x, y, n) = (b.var(Ty::I32), b.var(Ty::I32), b.var(Ty::I32));
    b.copy(x, p[0]);
    b.copy(y, p[1]);
    b.copy(n, p[2]);
    let (head, body, exit) = (b.block(), b.block(), b.block());
    b.term(Terminator::Jump(head));
    b.switch(head);
    let zero = b.iconst(0);
    b.branch(Cond::GtS, n, zero, body, exit);
    b.switch(body);
    let t = b.var(Ty::I32);
    b.copy(t, x);
    b.copy(x, y);
    b.copy(y, t);
    b.push(Inst::IntImm {
        op: IntOp::Sub,
        dst: n,
        a: n,
        imm: 1,
    });
    b.term(Terminator::Jump(head));
    b.switch(exit);
    let hundred = b.int_imm(IntOp::Mul, x, 100);
    let r = b.int(IntOp::Add, hundred, y);
    b.ret(r);
    let mut m = Machine::compile(&[&b.finish()]);
    for k in 0..6 {
        let want = if k % 2 == 0 { 102 } else { 201 };
        assert_eq!(
            m.call_i32(0, &[Arg::I(1), Arg::I(2), Arg::I(k)]),
            want,
            "{k} swaps"
        );
    }
}

/// Float copies in a loop: `s = s + x; x = copy x * 2` style accumulation with a copy whose
/// source is redefined while it is live.
#[test]
fn float_copies_in_a_loop() {
    let (mut b, p) = Builder::new(&[Ty::F32, Ty::I32], Some(Ty::F32));
    let (x, s, n) = (b.var(Ty::F32), b.var(Ty::F32), b.var(Ty::I32));
    b.copy(x, p[0]);
    b.push(Inst::FConst { dst: s, bits: 0 });
    b.copy(n, p[1]);
    let (head, body, exit) = (b.block(), b.block(), b.block());
    b.term(Terminator::Jump(head));
    b.switch(head);
    let zero = b.iconst(0);
    b.branch(Cond::GtS, n, zero, body, exit);
    b.switch(body);
    let old = b.var(Ty::F32);
    b.copy(old, x);
    b.push(Inst::Float {
        op: FloatOp::Add,
        dst: x,
        a: x,
        b: x,
    });
    b.push(Inst::Float {
        op: FloatOp::Add,
        dst: s,
        a: s,
        b: old,
    });
    b.push(Inst::IntImm {
        op: IntOp::Sub,
        dst: n,
        a: n,
        imm: 1,
    });
    b.term(Terminator::Jump(head));
    b.switch(exit);
    let r = b.float(FloatOp::Add, s, x);
    b.ret(r);
    let mut m = Machine::compile(&[&b.finish()]);
    // s = x (1 + 2 + … + 2^(k-1)) = x (2^k - 1), plus x 2^k.
    for k in 0..10 {
        let want = 1.5f32 * ((1 << k) - 1) as f32 + 1.5 * (1 << k) as f32;
        assert_eq!(
            m.call_f32_bits(0, &[Arg::F(1.5), Arg::I(k)]),
            want.to_bits()
        );
    }
}

/// Copies of traced vars across calls live in GC root slots; a copy of a root that is redefined
/// after a call keeps a slot of its own.
#[test]
fn copies_of_roots_across_calls() {
    let (mut b, p) = Builder::new(&[Ty::Ref, Ty::Ref], Some(Ty::I32));
    let (r, keep) = (b.var(Ty::Ref), b.var(Ty::Ref));
    b.copy(r, p[0]);
    b.copy(keep, r);
    b.call(Callee::Native(CHECK_ALIGN_NATIVE), &[p[1]], Some(Ty::I32));
    b.copy(r, p[1]);
    b.call(Callee::Native(CHECK_ALIGN_NATIVE), &[r], Some(Ty::I32));
    let s = b.int(IntOp::Sub, keep, r);
    b.ret(s);
    let mut m = Machine::compile(&[&b.finish()]);
    assert_eq!(m.call_i32(0, &[Arg::I(0x3000), Arg::I(0x1000)]), 0x2000);
}

/// Two copies of one var live at the same time hold the same value: they share its register
/// (`x = copy p; y = copy p; x + y` is `p + p`).
#[test]
fn copies_of_one_value_share_a_register() {
    let build = |copies: bool| {
        let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
        let (x, y) = if copies {
            let (x, y) = (b.var(Ty::I32), b.var(Ty::I32));
            b.copy(x, p[0]);
            b.copy(y, p[0]);
            (x, y)
        } else {
            (p[0], p[0])
        };
        let s = b.int(IntOp::Add, x, y);
        let r = b.int(IntOp::Mul, s, p[0]);
        b.ret(r);
        b.finish()
    };
    assert_eq!(code(&build(true)), code(&build(false)));
    let mut m = Machine::compile(&[&build(true)]);
    assert_eq!(m.call_i32(0, &[Arg::I(7)]), 98);
}

/// `x = copy p; y = copy p; x = x + 1; x * 100 + y`: equal values until `x` changes while `y`
/// is live.
#[test]
fn copies_of_one_value_part_when_one_changes() {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let (x, y) = (b.var(Ty::I32), b.var(Ty::I32));
    b.copy(x, p[0]);
    b.copy(y, p[0]);
    b.push(Inst::IntImm {
        op: IntOp::Add,
        dst: x,
        a: x,
        imm: 1,
    });
    let h = b.int_imm(IntOp::Mul, x, 100);
    let r = b.int(IntOp::Add, h, y);
    b.ret(r);
    let mut m = Machine::compile(&[&b.finish()]);
    assert_eq!(m.call_i32(0, &[Arg::I(5)]), 605);
}
