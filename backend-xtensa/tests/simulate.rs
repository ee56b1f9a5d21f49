//! Generated Xtensa code run in the simulator: operations against the IR's reference
//! semantics, control flow, calls through the function table, stack arguments, spills under
//! pressure, GC root slots and run-time errors.

mod machine;

use backend_xtensa::Calls;
use device::abi::Native;
use device::abi::esp32::{ARENA_BASE, CTX_SHADOW_SP};
use ir::builder::Builder;
use ir::{Callee, Cond, FloatOp, IntOp, Ty, UnOp, Width};
use machine::{Machine, Outcome, SHADOW_TOP};

const INTS: [i32; 12] = [0, 1, -1, 2, -7, 31, 32, 33, 1000, -100_000, i32::MAX, i32::MIN];

const INT_OPS: [IntOp; 12] = IntOp::ALL;

#[test]
fn int_ops_match_the_reference() {
    for op in INT_OPS {
        let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32], Some(Ty::I32));
        let r = b.int(op, p[0], p[1]);
        b.ret(r);
        let f = b.finish();
        let mut m = Machine::compile(&[&f]);
        for x in INTS {
            for y in INTS {
                if y == 0 && matches!(op, IntOp::DivS | IntOp::RemS) {
                    continue;
                }
                let got = m.call_word(0, &[x as u32, y as u32]) as i32;
                assert_eq!(got, op.apply(x, y), "{x} {op:?} {y}");
            }
        }
    }
}

#[test]
fn int_imm_ops_match_the_reference() {
    let imms = [
        1,
        -1,
        3,
        7,
        15,
        16,
        31,
        100,
        127,
        128,
        -128,
        -129,
        255,
        256,
        4095,
        65535,
        70000,
        -70000,
        i32::MIN,
    ];
    for op in INT_OPS {
        for imm in imms {
            if imm == 0 && matches!(op, IntOp::DivS | IntOp::RemS) {
                continue;
            }
            let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
            let r = b.int_imm(op, p[0], imm);
            b.ret(r);
            let f = b.finish();
            let mut m = Machine::compile(&[&f]);
            for x in INTS {
                let got = m.call_word(0, &[x as u32]) as i32;
                assert_eq!(got, op.apply(x, imm), "{x} {op:?} {imm}");
            }
        }
    }
}

const CONDS: [Cond; 8] =
    [Cond::Eq, Cond::Ne, Cond::LtS, Cond::LeS, Cond::GtS, Cond::GeS, Cond::LtU, Cond::GeU];

fn holds(cond: Cond, a: i32, b: i32) -> bool {
    match cond {
        Cond::Eq => a == b,
        Cond::Ne => a != b,
        Cond::LtS => a < b,
        Cond::LeS => a <= b,
        Cond::GtS => a > b,
        Cond::GeS => a >= b,
        Cond::LtU => (a as u32) < b as u32,
        Cond::GeU => (a as u32) >= b as u32,
        _ => unreachable!(),
    }
}

/// Compares as values (`Cmp`) and as branches, against registers and constants (which take
/// the compare-with-immediate forms where they exist).
#[test]
fn compares_and_branches_match_the_reference() {
    for cond in CONDS {
        let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32], Some(Ty::I32));
        let r = b.cmp(cond, p[0], p[1]);
        b.ret(r);
        let value = b.finish();
        let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32], Some(Ty::I32));
        let (yes, no) = (b.block(), b.block());
        b.branch(cond, p[0], p[1], yes, no);
        b.switch(yes);
        let one = b.iconst(1);
        b.ret(one);
        b.switch(no);
        let zero = b.iconst(0);
        b.ret(zero);
        let branch = b.finish();
        let mut m = Machine::compile(&[&value, &branch]);
        for x in INTS {
            for y in INTS {
                let want = holds(cond, x, y) as u32;
                assert_eq!(m.call_word(0, &[x as u32, y as u32]), want, "{x} {cond:?} {y}");
                assert_eq!(m.call_word(1, &[x as u32, y as u32]), want, "{x} {cond:?} {y}");
            }
        }
        for c in [0, 1, -1, 7, 8, 9, 256, 32768, 65536, 100_000] {
            let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
            let k = b.iconst(c);
            let (yes, no) = (b.block(), b.block());
            b.branch(cond, p[0], k, yes, no);
            b.switch(yes);
            let one = b.iconst(1);
            b.ret(one);
            b.switch(no);
            let zero = b.iconst(0);
            b.ret(zero);
            let f = b.finish();
            let mut m = Machine::compile(&[&f]);
            for x in INTS.iter().copied().chain([c - 1, c, c + 1]) {
                let want = holds(cond, x, c) as u32;
                assert_eq!(m.call_word(0, &[x as u32]), want, "{x} {cond:?} {c}");
            }
        }
    }
}

const FLOATS: [f32; 10] =
    [0.0, -0.0, 1.0, -1.5, 3.25, 1e-3, 1e30, f32::INFINITY, f32::NEG_INFINITY, f32::NAN];

#[test]
fn float_ops_compares_and_conversions_match_the_reference() {
    let ops = [FloatOp::Add, FloatOp::Sub, FloatOp::Mul, FloatOp::Div];
    let conds = [Cond::FEq, Cond::FNe, Cond::FLt, Cond::FLe, Cond::FGt, Cond::FGe];
    let mut funcs = Vec::new();
    for op in ops {
        let (mut b, p) = Builder::new(&[Ty::F32, Ty::F32], Some(Ty::F32));
        let r = b.float(op, p[0], p[1]);
        b.ret(r);
        funcs.push(b.finish());
    }
    for cond in conds {
        let (mut b, p) = Builder::new(&[Ty::F32, Ty::F32], Some(Ty::I32));
        let r = b.cmp(cond, p[0], p[1]);
        b.ret(r);
        funcs.push(b.finish());
    }
    let refs: Vec<&ir::Function> = funcs.iter().collect();
    let mut m = Machine::compile(&refs);
    let same = |a: f32, b: f32| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
    for x in FLOATS {
        for y in FLOATS {
            let args = [x.to_bits(), y.to_bits()];
            for (i, op) in ops.iter().enumerate() {
                let want = match op {
                    FloatOp::Add => x + y,
                    FloatOp::Sub => x - y,
                    FloatOp::Mul => x * y,
                    FloatOp::Div => x / y,
                };
                let got = f32::from_bits(m.call_word(i, &args));
                assert!(same(got, want), "{x} {op:?} {y} = {got}, want {want}");
            }
            for (i, cond) in conds.iter().enumerate() {
                let want = match cond {
                    Cond::FEq => x == y,
                    Cond::FNe => x != y,
                    Cond::FLt => x < y,
                    Cond::FLe => x <= y,
                    Cond::FGt => x > y,
                    _ => x >= y,
                };
                assert_eq!(m.call_word(ops.len() + i, &args), want as u32, "{x} {cond:?} {y}");
            }
        }
    }
    let (mut b, p) = Builder::new(&[Ty::F32], Some(Ty::I32));
    let r = b.unary(UnOp::FloatToInt, p[0]);
    b.ret(r);
    let to_int = b.finish();
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::F32));
    let r = b.unary(UnOp::IntToFloat, p[0]);
    b.ret(r);
    let to_float = b.finish();
    let (mut b, p) = Builder::new(&[Ty::F32], Some(Ty::F32));
    let r = b.unary(UnOp::FNeg, p[0]);
    b.ret(r);
    let neg = b.finish();
    let mut m = Machine::compile(&[&to_int, &to_float, &neg]);
    for x in FLOATS.into_iter().chain([2.5, -2.5, 3e9, -3e9]) {
        assert_eq!(m.call_word(0, &[x.to_bits()]) as i32, x as i32, "{x} as int");
        assert_eq!(m.call_word(2, &[x.to_bits()]), (-x).to_bits(), "-{x}");
    }
    for x in INTS {
        assert_eq!(m.call_word(1, &[x as u32]), (x as f32).to_bits(), "{x} as float");
    }
}

/// `sum(n)`: a loop adding 1..=n.
#[test]
fn loops_run() {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let (i, s) = (b.var(Ty::I32), b.var(Ty::I32));
    let one = b.iconst(1);
    b.copy(i, one);
    let zero = b.iconst(0);
    b.copy(s, zero);
    let (head, body, done) = (b.block(), b.block(), b.block());
    b.term(ir::Terminator::Jump(head));
    b.switch(head);
    b.branch(Cond::LeS, i, p[0], body, done);
    b.switch(body);
    let t = b.int(IntOp::Add, s, i);
    b.copy(s, t);
    let u = b.int_imm(IntOp::Add, i, 1);
    b.copy(i, u);
    b.term(ir::Terminator::Jump(head));
    b.switch(done);
    b.ret(s);
    let f = b.finish();
    let mut m = Machine::compile(&[&f]);
    assert_eq!(m.call_word(0, &[100]), 5050);
    assert_eq!(m.call_word(0, &[0]), 0);
}

/// `fib(n)` calling itself through the function table.
#[test]
fn recursion_through_the_function_table() {
    let f = ir::builder::fib();
    let mut m = Machine::compile(&[&f]);
    assert_eq!(m.call_word(0, &[20]), 6765);
    assert!(m.sim.instructions() > 6765);
}

/// `fib(n)` calling itself with `call8`, as release code does: the same result, with two
/// instructions fewer per call (no `l32r` and `l32i` of the table entry).
#[test]
fn recursion_through_direct_calls() {
    let f = ir::builder::fib();
    let mut table = Machine::compile(&[&f]);
    let mut direct = Machine::compile_with(&[&f], Calls::Direct);
    assert_eq!(direct.call_word(0, &[20]), 6765);
    assert_eq!(table.call_word(0, &[20]), 6765);
    // fib(20) makes 21890 calls, the first from the test.
    assert_eq!(table.sim.instructions() - direct.sim.instructions(), 2 * 21890);
}

/// A function with GC root slots has its shadow-stack overflow path before its entry; with
/// direct calls the entry is padded to a word boundary (as `call8` needs) and a caller reaches
/// it.
#[test]
fn direct_calls_reach_entries_after_an_overflow_path() {
    let callee = rooted_across_a_native_call();
    // f1(x) = f0(x) + 1.
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let v = b.call(Callee::Slot(0), &[p[0]], Some(Ty::I32)).unwrap();
    let w = b.int_imm(IntOp::Add, v, 1);
    b.ret(w);
    let caller = b.finish();
    let mut m = Machine::compile_with(&[&callee, &caller], Calls::Direct);
    let code = &m.code[0];
    assert!(code.entry > code.start, "an overflow path before the entry");
    assert_eq!(code.entry % 4, 0);
    m.native = Box::new(|_, id| (id == 100).then_some(0));
    assert_eq!(m.call_word(1, &[5]), 0x1000 + 5 + 1);
}

/// `f(x)`: keeps the reference `x + 0x1000` across a call of native 100 (so in a GC root slot,
/// with a shadow-stack overflow path before the entry), returns it.
fn rooted_across_a_native_call() -> ir::Function {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let r = b.var(Ty::Ref);
    b.push(ir::Inst::IntImm { op: IntOp::Add, dst: r, a: p[0], imm: 0x1000 });
    b.call(Callee::Native(100), &[p[0]], None);
    let s = b.var(Ty::I32);
    b.push(ir::Inst::IntImm { op: IntOp::Add, dst: s, a: r, imm: 0 });
    b.ret(s);
    b.finish()
}

/// Eight arguments (two on the stack), mixed floats, passed through a dynamic call and back.
#[test]
fn stack_arguments_and_dynamic_calls() {
    let tys = [Ty::I32, Ty::F32, Ty::I32, Ty::I32, Ty::F32, Ty::I32, Ty::I32, Ty::F32];
    // f0: weighted sum of its eight arguments.
    let (mut b, p) = Builder::new(&tys, Some(Ty::I32));
    let mut acc = b.iconst(0);
    for (k, &v) in p.iter().enumerate() {
        let w = if b.ty(v) == Ty::F32 { b.unary(UnOp::FloatToInt, v) } else { v };
        let scaled = b.int_imm(IntOp::Mul, w, k as i32 + 1);
        acc = b.int(IntOp::Add, acc, scaled);
    }
    b.ret(acc);
    let callee = b.finish();
    // f1(slot, x): calls slot with (x, 2.0, x+1, …) in rotated orders.
    let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32], Some(Ty::I32));
    let two = b.fconst(2.0);
    let args: Vec<_> = tys
        .iter()
        .enumerate()
        .map(|(k, &t)| if t == Ty::F32 { two } else { b.int_imm(IntOp::Add, p[1], k as i32) })
        .collect();
    let r = b.call(Callee::Dynamic(p[0]), &args, Some(Ty::I32)).unwrap();
    let s = b.int(IntOp::Add, r, p[1]);
    b.ret(s);
    let caller = b.finish();
    let mut m = Machine::compile(&[&callee, &caller]);
    let x = 10;
    let want: i32 = tys
        .iter()
        .enumerate()
        .map(|(k, &t)| (k as i32 + 1) * if t == Ty::F32 { 2 } else { x + k as i32 })
        .sum::<i32>()
        + x;
    assert_eq!(m.call_word(1, &[0, x as u32]) as i32, want);
}

/// More vars live across a call than registers survive it: they spill, and every value is
/// still right afterwards; the traced ones are in GC root slots during the call.
#[test]
fn pressure_across_calls_spills_and_roots() {
    let n = 12;
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let ints: Vec<_> = (0..n).map(|k| b.int_imm(IntOp::Mul, p[0], k + 2)).collect();
    let refs: Vec<_> = (0..4)
        .map(|k| {
            let v = b.var(Ty::Ref);
            b.push(ir::Inst::IConst { dst: v, value: 0x1000 + k });
            let w = b.var(Ty::Ref);
            b.push(ir::Inst::Int { op: IntOp::Add, dst: w, a: v, b: p[0] });
            w
        })
        .collect();
    let floats: Vec<_> = (0..3)
        .map(|k| {
            let f = b.unary(UnOp::IntToFloat, p[0]);
            let c = b.fconst(k as f32 + 0.5);
            b.float(FloatOp::Add, f, c)
        })
        .collect();
    b.call(Callee::Native(100), &[p[0]], None);
    let mut acc = b.iconst(0);
    for &v in ints.iter().chain(&refs) {
        acc = b.int(IntOp::Add, acc, v);
    }
    for &f in &floats {
        let i = b.unary(UnOp::FloatToInt, f);
        acc = b.int(IntOp::Add, acc, i);
    }
    b.ret(acc);
    let f = b.finish();
    let mut m = Machine::compile(&[&f]);
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let record = seen.clone();
    m.native = Box::new(move |sim, id| {
        (id == 100).then(|| {
            let sp = sim.memory.read_u32(CTX_SHADOW_SP).unwrap();
            let roots: Vec<u32> =
                (sp..SHADOW_TOP).step_by(4).map(|a| sim.memory.read_u32(a).unwrap()).collect();
            record.borrow_mut().push(roots);
            0
        })
    });
    let x = 7i32;
    let want: i32 = (0..n).map(|k| x * (k + 2)).sum::<i32>()
        + (0..4).map(|k| 0x1000 + k + x).sum::<i32>()
        + (0..3).map(|k| (x as f32 + k as f32 + 0.5) as i32).sum::<i32>();
    assert_eq!(m.call_word(0, &[x as u32]) as i32, want);
    let mut roots = seen.borrow()[0].clone();
    roots.sort();
    assert_eq!(roots, (0..4).map(|k| (0x1000 + k + x) as u32).collect::<Vec<_>>());
    assert_eq!(m.word(CTX_SHADOW_SP), SHADOW_TOP, "the shadow frame is popped");
}

/// A raising terminator reports its native, arguments and the return address of its call.
#[test]
fn raise_reports_its_call_site() {
    let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32], Some(Ty::I32));
    let (ok, bad) = (b.block(), b.block());
    b.branch(Cond::LtU, p[0], p[1], ok, bad);
    b.switch(ok);
    b.ret(p[0]);
    b.switch(bad);
    b.raise(Native::RaiseIndexOutOfRange as u32, &[p[0], p[1]]);
    let f = b.finish();
    let mut m = Machine::compile(&[&f]);
    assert_eq!(m.call_word(0, &[3, 5]), 3);
    match m.call(0, &[9, 5]) {
        Outcome::Raised(id, args, ra) => {
            assert_eq!(id, Native::RaiseIndexOutOfRange as u32);
            assert_eq!(args, vec![9, 5]);
            let site = m.code[0].call_sites.last().unwrap();
            assert_eq!(ra, m.entry(0) - m.code[0].entry + site.return_offset);
        }
        other => panic!("{other:?}"),
    }
}

/// Loads and stores of words, bytes and floats, at small and large offsets.
#[test]
fn memory_accesses() {
    let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32], Some(Ty::I32));
    for (k, off) in [0, 4, 60, 64, 1020, 1024, 40_000].into_iter().enumerate() {
        let v = b.int_imm(IntOp::Add, p[1], k as i32);
        b.store(Width::W32, v, p[0], off);
        b.store(Width::U8, v, p[0], off + 2);
    }
    let f = b.unary(UnOp::IntToFloat, p[1]);
    b.store(Width::W32, f, p[0], 100);
    let mut acc = b.iconst(0);
    for off in [0, 4, 60, 64, 1020, 1024, 40_000] {
        let w = b.load(Width::W32, Ty::I32, p[0], off);
        let c = b.load(Width::U8, Ty::I32, p[0], off + 3);
        acc = b.int(IntOp::Add, acc, w);
        acc = b.int(IntOp::Add, acc, c);
    }
    let g = b.load(Width::W32, Ty::F32, p[0], 100);
    let gi = b.unary(UnOp::FloatToInt, g);
    acc = b.int(IntOp::Add, acc, gi);
    b.ret(acc);
    let func = b.finish();
    let mut m = Machine::compile(&[&func]);
    let base = ARENA_BASE + 0x1000;
    let got = m.call_word(0, &[base, 0x10_0000]);
    let mut want = 0u32;
    for k in 0..7u32 {
        let v = 0x10_0000 + k;
        // The byte store at +2 changed byte 2 of the word.
        let w = (v & !0x00ff_0000) | ((v & 0xff) << 16);
        want = want.wrapping_add(w).wrapping_add(w >> 24);
    }
    want = want.wrapping_add(0x10_0000);
    assert_eq!(got, want);
}

/// A loop whose body is larger than a conditional branch reaches, with many distinct
/// constants and literal pools every 512 bytes: branches are relaxed, literals stay in range.
#[test]
fn long_bodies_relax_branches_and_split_literal_pools() {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let (i, s) = (b.var(Ty::I32), b.var(Ty::I32));
    let zero = b.iconst(0);
    b.copy(i, zero);
    b.copy(s, zero);
    let (head, body, done) = (b.block(), b.block(), b.block());
    b.term(ir::Terminator::Jump(head));
    b.switch(head);
    b.branch(Cond::LtS, i, p[0], body, done);
    b.switch(body);
    for k in 0..300 {
        let t = b.int_imm(IntOp::Xor, s, 100_000 + 7919 * k);
        b.copy(s, t);
    }
    let u = b.int_imm(IntOp::Add, i, 1);
    b.copy(i, u);
    b.term(ir::Terminator::Jump(head));
    b.switch(done);
    b.ret(s);
    let f = b.finish();
    let code = backend_xtensa::compile_with_chunk(&f, 512).unwrap();
    assert!(code.code.len() > 2048, "the body is long");
    let listing = backend_xtensa::disasm(&code.code[code.entry as usize..], code.entry);
    assert!(listing.contains("j "), "{listing}");
    let mut m = Machine::load(&[&f], vec![code]);
    let mut want = 0i32;
    for _ in 0..3 {
        for k in 0..300 {
            want ^= 100_000 + 7919 * k;
        }
    }
    assert_eq!(m.call_word(0, &[3]) as i32, want);
}

/// A full shadow stack raises a stack overflow from the prologue, through the path placed
/// before the entry point (no relaxed branch in the prologue).
#[test]
fn a_full_shadow_stack_raises_a_stack_overflow() {
    let f = rooted_across_a_native_call();
    let mut m = Machine::compile(&[&f]);
    m.native = Box::new(|_, id| (id == 100).then_some(0));
    assert_eq!(m.call_word(0, &[1]), 0x1001);
    let code = &m.code[0];
    assert!(code.start < code.entry, "the overflow path precedes the entry");
    let listing = backend_xtensa::disasm(&code.code[code.entry as usize..], code.entry);
    assert!(listing.contains("bltu a7, a9,"), "{listing}");
    assert!(!listing.contains(" j "), "{listing}");
    m.sim.memory.write_u32(device::abi::esp32::CTX_SHADOW_LIMIT, SHADOW_TOP).unwrap();
    match m.call(0, &[1]) {
        Outcome::Raised(id, _, _) => assert_eq!(id, Native::RaiseStackOverflow as u32),
        other => panic!("{other:?}"),
    }
}

/// A byte loaded into a float var keeps its value as the float's bits (the IR allows any
/// type for a load's destination).
#[test]
fn a_byte_load_into_a_float_var() {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let f = b.load(Width::U8, Ty::F32, p[0], 1);
    let r = b.unary(UnOp::FloatBits, f);
    b.ret(r);
    let func = b.finish();
    let mut m = Machine::compile(&[&func]);
    let base = ARENA_BASE + 0x2000;
    m.sim.memory.write_u32(base, 0x1234_5678).unwrap();
    assert_eq!(m.call_word(0, &[base]), 0x56);
}
