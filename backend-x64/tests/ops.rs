//! Arithmetic, comparisons, conversions and memory accesses, executed natively.

mod harness;

use harness::{Arg, Builder, Machine};
use ir::{Cond, FloatOp, IntOp, Ty, UnOp, Width};

const INTS: [i32; 14] = [
    0,
    1,
    -1,
    2,
    -2,
    7,
    -7,
    31,
    32,
    33,
    100,
    -100,
    i32::MAX,
    i32::MIN,
];

const INT_OPS: [IntOp; 12] = IntOp::ALL;

/// `(a, b) -> a op b`, `(a, b) -> b op a` (the result lands in `b`'s register) and `a op a`.
#[test]
fn int_ops_match_the_reference() {
    for op in INT_OPS {
        let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32], Some(Ty::I32));
        let r = b.int(op, p[0], p[1]);
        b.ret(r);
        let fwd = b.finish();
        let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32], Some(Ty::I32));
        let r = b.int(op, p[1], p[0]);
        b.ret(r);
        let rev = b.finish();
        let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
        let r = b.int(op, p[0], p[0]);
        b.ret(r);
        let same = b.finish();
        let mut m = Machine::compile(&[&fwd, &rev, &same]);
        for x in INTS {
            for y in INTS {
                let (sx, sy) = (Arg::I(x), Arg::I(y));
                if y != 0 {
                    assert_eq!(m.call_i32(0, &[sx, sy]), op.apply(x, y), "{x} {op:?} {y}");
                }
                if x != 0 {
                    assert_eq!(m.call_i32(1, &[sx, sy]), op.apply(y, x), "{y} {op:?} {x}");
                }
            }
            if x != 0 {
                assert_eq!(
                    m.call_i32(2, &[Arg::I(x)]),
                    op.apply(x, x),
                    "{x} {op:?} {x}"
                );
            }
        }
    }
}

#[test]
fn int_imm_ops_match_the_reference() {
    let imms = [
        0,
        1,
        -1,
        2,
        -2,
        3,
        4,
        8,
        16,
        1 << 30,
        31,
        32,
        33,
        1000,
        -1000,
        i32::MAX,
        i32::MIN,
    ];
    for op in INT_OPS {
        let imms: Vec<i32> = imms
            .iter()
            .copied()
            .filter(|i| *i != 0 || !matches!(op, IntOp::DivS | IntOp::RemS))
            .collect();
        let funcs: Vec<ir::Function> = imms
            .iter()
            .map(|&imm| {
                let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
                let r = b.int_imm(op, p[0], imm);
                b.ret(r);
                b.finish()
            })
            .collect();
        let mut m = Machine::compile(&funcs.iter().collect::<Vec<_>>());
        for (slot, imm) in imms.iter().enumerate() {
            for x in INTS.iter().chain(&[5, -5, 9, -9, 1023, -1024, -1025]) {
                assert_eq!(
                    m.call_i32(slot as u32, &[Arg::I(*x)]),
                    op.apply(*x, *imm),
                    "{x} {op:?} #{imm}"
                );
            }
        }
    }
}

#[test]
fn unary_int_ops() {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let r = b.unary(UnOp::Neg, p[0]);
    b.ret(r);
    let neg = b.finish();
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let r = b.unary(UnOp::Not, p[0]);
    b.ret(r);
    let not = b.finish();
    let mut m = Machine::compile(&[&neg, &not]);
    for x in INTS {
        assert_eq!(m.call_i32(0, &[Arg::I(x)]), x.wrapping_neg());
        assert_eq!(m.call_i32(1, &[Arg::I(x)]), !x);
    }
}

const INT_CONDS: [Cond; 8] = [
    Cond::Eq,
    Cond::Ne,
    Cond::LtS,
    Cond::LeS,
    Cond::GtS,
    Cond::GeS,
    Cond::LtU,
    Cond::GeU,
];
const FLOAT_CONDS: [Cond; 6] = [
    Cond::FEq,
    Cond::FNe,
    Cond::FLt,
    Cond::FLe,
    Cond::FGt,
    Cond::FGe,
];

fn int_cond(c: Cond, a: i32, b: i32) -> bool {
    match c {
        Cond::Eq => a == b,
        Cond::Ne => a != b,
        Cond::LtS => a < b,
        Cond::LeS => a <= b,
        Cond::GtS => a > b,
        Cond::GeS => a >= b,
        Cond::LtU => (a as u32) < b as u32,
        Cond::GeU => a as u32 >= b as u32,
        _ => unreachable!(),
    }
}

fn float_cond(c: Cond, a: f32, b: f32) -> bool {
    match c {
        Cond::FEq => a == b,
        Cond::FNe => a != b,
        Cond::FLt => a < b,
        Cond::FLe => a <= b,
        Cond::FGt => a > b,
        Cond::FGe => a >= b,
        _ => unreachable!(),
    }
}

/// Three functions per condition: `Cmp`, a branch whose `then` side follows in layout, and a
/// do-while loop whose back edge is the `then` side (so `other` follows).
fn cond_functions(cond: Cond, ty: Ty) -> Vec<ir::Function> {
    let (mut b, p) = Builder::new(&[ty, ty], Some(Ty::I32));
    let r = b.cmp(cond, p[0], p[1]);
    b.ret(r);
    let cmp = b.finish();

    let (mut b, p) = Builder::new(&[ty, ty], Some(Ty::I32));
    let (yes, no) = (b.block(), b.block());
    b.branch(cond, p[0], p[1], yes, no);
    b.switch(yes);
    let one = b.iconst(1);
    b.ret(one);
    b.switch(no);
    let zero = b.iconst(0);
    b.ret(zero);
    let diamond = b.finish();

    // n = 0; do { n += 1 } while (n < 2 && a cond b); return n - 1
    let (mut b, p) = Builder::new(&[ty, ty], Some(Ty::I32));
    let n = b.iconst(0);
    let two = b.iconst(2);
    let (body, test, exit) = (b.block(), b.block(), b.block());
    b.term(ir::Terminator::Jump(body));
    b.switch(body);
    b.push(ir::Inst::IntImm {
        op: IntOp::Add,
        dst: n,
        a: n,
        imm: 1,
    });
    b.branch(Cond::LtS, n, two, test, exit);
    b.switch(test);
    b.branch(cond, p[0], p[1], body, exit);
    b.switch(exit);
    let r = b.int_imm(IntOp::Sub, n, 1);
    b.ret(r);
    let looped = b.finish();
    vec![cmp, diamond, looped]
}

#[test]
fn int_conditions_in_cmp_and_branches() {
    for cond in INT_CONDS {
        let fs = cond_functions(cond, Ty::I32);
        let mut m = Machine::compile(&fs.iter().collect::<Vec<_>>());
        for x in INTS {
            for y in INTS {
                let want = int_cond(cond, x, y) as i32;
                for slot in 0..3 {
                    let got = m.call_i32(slot, &[Arg::I(x), Arg::I(y)]);
                    assert_eq!(got, want, "{x} {cond:?} {y} (variant {slot})");
                }
            }
        }
    }
}

const FLOATS: [f32; 9] = [
    0.0,
    -0.0,
    1.5,
    -1.5,
    2.0,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    f32::MIN_POSITIVE,
];

#[test]
fn float_conditions_with_nan() {
    for cond in FLOAT_CONDS {
        let fs = cond_functions(cond, Ty::F32);
        let mut m = Machine::compile(&fs.iter().collect::<Vec<_>>());
        for x in FLOATS {
            for y in FLOATS {
                let want = float_cond(cond, x, y) as i32;
                for slot in 0..3 {
                    let got = m.call_i32(slot, &[Arg::F(x), Arg::F(y)]);
                    assert_eq!(got, want, "{x} {cond:?} {y} (variant {slot})");
                }
            }
        }
    }
}

#[test]
fn float_arithmetic() {
    for op in [FloatOp::Add, FloatOp::Sub, FloatOp::Mul, FloatOp::Div] {
        let (mut b, p) = Builder::new(&[Ty::F32, Ty::F32], Some(Ty::F32));
        let r = b.float(op, p[0], p[1]);
        b.ret(r);
        let fwd = b.finish();
        let (mut b, p) = Builder::new(&[Ty::F32, Ty::F32], Some(Ty::F32));
        let r = b.float(op, p[1], p[0]);
        b.ret(r);
        let rev = b.finish();
        let mut m = Machine::compile(&[&fwd, &rev]);
        let f = |a: f32, b: f32| match op {
            FloatOp::Add => a + b,
            FloatOp::Sub => a - b,
            FloatOp::Mul => a * b,
            FloatOp::Div => a / b,
        };
        for x in [1.5f32, -2.25, 3.0, 0.1, 1e30] {
            for y in [0.5f32, -4.0, 7.0, 1e-3] {
                let args = [Arg::F(x), Arg::F(y)];
                assert_eq!(
                    m.call_f32_bits(0, &args),
                    f(x, y).to_bits(),
                    "{x} {op:?} {y}"
                );
                assert_eq!(
                    m.call_f32_bits(1, &args),
                    f(y, x).to_bits(),
                    "{y} {op:?} {x}"
                );
            }
        }
    }
}

fn saturating_trunc(x: f32) -> i32 {
    // Rust's `as` has exactly the IR's semantics: truncation, NaN → 0, saturation.
    x as i32
}

#[test]
fn float_conversions() {
    let unary = |op: UnOp, from: Ty, to: Ty| {
        let (mut b, p) = Builder::new(&[from], Some(to));
        let r = b.unary(op, p[0]);
        b.ret(r);
        b.finish()
    };
    let fs = [
        unary(UnOp::FloatToInt, Ty::F32, Ty::I32),
        unary(UnOp::IntToFloat, Ty::I32, Ty::F32),
        unary(UnOp::FloatBits, Ty::F32, Ty::I32),
        unary(UnOp::BitsFloat, Ty::I32, Ty::F32),
        unary(UnOp::FNeg, Ty::F32, Ty::F32),
    ];
    let mut m = Machine::compile(&fs.iter().collect::<Vec<_>>());
    let edge = [
        f32::NAN,
        -f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        3e9,
        -3e9,
        2147483520.0,
        2147483648.0,
        -2147483648.0,
        -2147483904.0,
        1.9,
        -1.9,
        0.5,
        -0.5,
        -0.0,
        0.0,
        12345.678,
    ];
    for x in edge {
        assert_eq!(
            m.call_i32(0, &[Arg::F(x)]),
            saturating_trunc(x),
            "FloatToInt {x}"
        );
        assert_eq!(
            m.call_i32(2, &[Arg::F(x)]),
            x.to_bits() as i32,
            "FloatBits {x}"
        );
        assert_eq!(m.call_f32_bits(4, &[Arg::F(x)]), (-x).to_bits(), "FNeg {x}");
    }
    for i in INTS.iter().chain(&[16777217, -16777217]) {
        assert_eq!(
            m.call_f32_bits(1, &[Arg::I(*i)]),
            (*i as f32).to_bits(),
            "IntToFloat {i}"
        );
        assert_eq!(
            m.call_f32_bits(3, &[Arg::I(*i)]),
            *i as u32,
            "BitsFloat {i}"
        );
    }
}

#[test]
fn constants() {
    let (mut b, _) = Builder::new(&[], Some(Ty::I32));
    let x = b.iconst(-123456);
    let z = b.iconst(0);
    let r = b.int(IntOp::Add, x, z);
    b.ret(r);
    let ic = b.finish();
    let (mut b, _) = Builder::new(&[], Some(Ty::F32));
    let x = b.fconst(2.5);
    let z = b.fconst(0.0);
    let r = b.float(FloatOp::Sub, z, x);
    b.ret(r);
    let fc = b.finish();
    let mut m = Machine::compile(&[&ic, &fc]);
    assert_eq!(m.call_i32(0, &[]), -123456);
    assert_eq!(m.call_f32_bits(1, &[]), (-2.5f32).to_bits());
}

/// Loads and stores of every width at positive and negative offsets, from addresses held in
/// argument registers (whose upper halves arrive with garbage).
#[test]
fn loads_and_stores() {
    // (addr, v) -> stores v as w32 at addr+8 and as u8 at addr-3; returns
    // load_u8(addr+0) + load_w32(addr+4) + load_u8(addr+8) (the low byte just stored).
    let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32], Some(Ty::I32));
    b.store(Width::W32, p[1], p[0], 8);
    b.store(Width::U8, p[1], p[0], -3);
    let x = b.load(Width::U8, Ty::I32, p[0], 0);
    let y = b.load(Width::W32, Ty::I32, p[0], 4);
    let z = b.load(Width::U8, Ty::I32, p[0], 8);
    let s = b.int(IntOp::Add, x, y);
    let s = b.int(IntOp::Add, s, z);
    b.ret(s);
    let words = b.finish();
    // (addr, f) -> stores f at addr+4, returns the float loaded from addr.
    let (mut b, p) = Builder::new(&[Ty::I32, Ty::F32], Some(Ty::F32));
    b.store(Width::W32, p[1], p[0], 4);
    let r = b.load(Width::W32, Ty::F32, p[0], 0);
    b.ret(r);
    let floats = b.finish();
    let mut m = Machine::compile(&[&words, &floats]);
    m.arena[0x1000] = 0xfe;
    m.set_arena_word(0x1004, 1_000_000);
    let got = m.call_i32(0, &[Arg::I(0x1000), Arg::I(0x1234_56ab)]);
    assert_eq!(got, 0xfe + 1_000_000 + 0xab);
    assert_eq!(m.arena_word(0x1008), 0x1234_56ab);
    assert_eq!(m.arena[0x1000 - 3], 0xab);
    assert_eq!(m.arena[0x1000 - 2], 0);

    m.set_arena_word(0x2000, 7.25f32.to_bits());
    let got = m.call_f32_bits(1, &[Arg::I(0x2000), Arg::F(-1.5)]);
    assert_eq!(got, 7.25f32.to_bits());
    assert_eq!(m.arena_word(0x2004), (-1.5f32).to_bits());
}

/// A word loaded and tested against zero by the branch that ends the block (one `cmp` with
/// memory), at offsets 0 and 8, for `!= 0` and `== 0`.
#[test]
fn a_loaded_word_tested_against_zero() {
    let mut fs = Vec::new();
    for (cond, offset) in [(Cond::Ne, 0), (Cond::Eq, 0), (Cond::Ne, 8), (Cond::Eq, 8)] {
        // (addr) -> word at addr + offset cond 0 ? 1 : 2
        let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
        let w = b.load(Width::W32, Ty::I32, p[0], offset);
        let zero = b.iconst(0);
        let (yes, no) = (b.block(), b.block());
        b.branch(cond, w, zero, yes, no);
        b.switch(yes);
        let one = b.iconst(1);
        b.ret(one);
        b.switch(no);
        let two = b.iconst(2);
        b.ret(two);
        fs.push(b.finish());
    }
    let mut m = Machine::compile(&fs.iter().collect::<Vec<_>>());
    for word in [0u32, 1, 0x8000_0000, 0x100] {
        m.set_arena_word(0x3000, word);
        m.set_arena_word(0x3008, word);
        let (ne, eq) = if word != 0 { (1, 2) } else { (2, 1) };
        for (slot, want) in [(0, ne), (1, eq), (2, ne), (3, eq)] {
            assert_eq!(
                m.call_i32(slot, &[Arg::I(0x3000)]),
                want,
                "{word:#x} {slot}"
            );
        }
    }
}

/// An interrupt poll (`symaddr`, a load through it and a branch on zero) is one compare of the
/// word at the symbol's address, `cmp dword [r15 + disp32], 0`, whose displacement the linker
/// patches: no register holds the address.
#[test]
fn a_poll_compares_the_flag_in_memory() {
    let (mut b, _) = Builder::new(&[], None);
    let zero = b.iconst(0);
    let sym = b.symbol(ir::DataSymbol::InterruptFlag);
    let flag = b.var(Ty::I32);
    b.push(ir::Inst::SymAddr { dst: flag, sym });
    let set = b.load(Width::W32, Ty::I32, flag, 0);
    let (stop, go) = (b.block(), b.block());
    b.branch(Cond::Ne, set, zero, stop, go);
    b.switch(stop);
    b.raise(device::abi::Native::RaiseInterrupted as u32, &[]);
    b.switch(go);
    b.term(ir::Terminator::Return(None));
    let code = backend_x64::compile(&b.finish()).unwrap();
    let [backend_x64::Reloc::Data { offset, sym: 0 }] = code.relocs[..] else {
        panic!("{:?}", code.relocs);
    };
    let at = offset as usize;
    assert_eq!(code.code[at - 3..at], [0x41, 0x83, 0xBF]);
    assert_eq!(code.code[at + 4], 0, "the immediate");
    assert_eq!(code.code[at + 5..at + 7], [0x0F, 0x85], "jne");
}

/// Byte stores from every allocatable register (`sil`/`dil` need a REX prefix).
#[test]
fn byte_stores_from_many_registers() {
    let (mut b, p) = Builder::new(
        &[Ty::I32, Ty::I32, Ty::I32, Ty::I32, Ty::I32, Ty::I32],
        None,
    );
    let base = b.iconst(0x3000);
    for (i, v) in p.iter().enumerate() {
        b.store(Width::U8, *v, base, i as i32);
    }
    b.term(ir::Terminator::Return(None));
    let f = b.finish();
    let mut m = Machine::compile(&[&f]);
    let args: Vec<Arg> = (0..6).map(|i| Arg::I(0x100 * i + 0x41 + i)).collect();
    m.call(0, &args);
    assert_eq!(&m.arena[0x3000..0x3006], b"ABCDEF");
}

/// Constants (vars defined once by `IConst`) used as either operand of every operation and
/// condition, as stored values and as returned values.
#[test]
fn constant_operands() {
    let consts = [0, 1, -1, 7, -100, i32::MAX, i32::MIN];
    for c in consts {
        for op in INT_OPS {
            let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
            let k = b.iconst(c);
            let r = b.int(op, p[0], k);
            b.ret(r);
            let right = b.finish();
            let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
            let k = b.iconst(c);
            let r = b.int(op, k, p[0]);
            b.ret(r);
            let left = b.finish();
            let mut m = Machine::compile(&[&right, &left]);
            for x in INTS {
                if c != 0 || !matches!(op, IntOp::DivS | IntOp::RemS) {
                    assert_eq!(
                        m.call_i32(0, &[Arg::I(x)]),
                        op.apply(x, c),
                        "{x} {op:?} {c}"
                    );
                }
                if x != 0 || !matches!(op, IntOp::DivS | IntOp::RemS) {
                    assert_eq!(
                        m.call_i32(1, &[Arg::I(x)]),
                        op.apply(c, x),
                        "{c} {op:?} {x}"
                    );
                }
            }
        }
        for cond in INT_CONDS {
            let mut fs = vec![];
            for const_left in [false, true] {
                let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
                let k = b.iconst(c);
                let (x, y) = if const_left { (k, p[0]) } else { (p[0], k) };
                let r = b.cmp(cond, x, y);
                b.ret(r);
                fs.push(b.finish());
                let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
                let k = b.iconst(c);
                let (x, y) = if const_left { (k, p[0]) } else { (p[0], k) };
                let (yes, no) = (b.block(), b.block());
                b.branch(cond, x, y, yes, no);
                b.switch(yes);
                let one = b.iconst(1);
                b.ret(one);
                b.switch(no);
                let zero = b.iconst(0);
                b.ret(zero);
                fs.push(b.finish());
            }
            let mut m = Machine::compile(&fs.iter().collect::<Vec<_>>());
            for x in INTS {
                let (r, l) = (int_cond(cond, x, c) as i32, int_cond(cond, c, x) as i32);
                assert_eq!(m.call_i32(0, &[Arg::I(x)]), r, "{x} {cond:?} {c}");
                assert_eq!(m.call_i32(1, &[Arg::I(x)]), r, "branch {x} {cond:?} {c}");
                assert_eq!(m.call_i32(2, &[Arg::I(x)]), l, "{c} {cond:?} {x}");
                assert_eq!(m.call_i32(3, &[Arg::I(x)]), l, "branch {c} {cond:?} {x}");
            }
        }
    }
    // Stores of constants; a constant copied, returned and used as an address.
    let (mut b, _) = Builder::new(&[], Some(Ty::I32));
    let addr = b.iconst(0x4000);
    let (big, byte) = (b.iconst(-559038737), b.iconst(0x1ff));
    b.store(Width::W32, big, addr, 0);
    b.store(Width::U8, byte, addr, 4);
    let copied = b.var(Ty::I32);
    b.copy(copied, byte);
    let loaded = b.load(Width::U8, Ty::I32, addr, 4);
    let r = b.int(IntOp::Add, copied, loaded);
    b.ret(r);
    let f = b.finish();
    let mut m = Machine::compile(&[&f]);
    assert_eq!(m.call_i32(0, &[]), 0x1ff + 0xff);
    assert_eq!(m.arena_word(0x4000), 0xdeadbeef);
    assert_eq!(m.arena[0x4004], 0xff);
}
