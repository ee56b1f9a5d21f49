//! Rotate recognition: `(x >>> n) | (x << (32 - n))`, the only way to write a rotation in the
//! language, becomes one [`IntOp::RotR`]. Also `(x << n) | (x >>> (32 - n))` (a left rotation)
//! and constant amounts whose sum is a multiple of 32. The shifts stay (dead ones go in
//! [`super::dce`]).
//!
//! Shift amounts use their low 5 bits, so `32 - n` shifts by `-n mod 32`, and a rotation by
//! `n mod 32 == 0` is `x | x == x` on both sides. Only `|` qualifies: `^` and `+` differ there.

use super::Defs;
use crate::{Function, Inst, IntOp, UnOp, Var};

/// A shift amount: a constant, or a stable var.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Amount {
    Const(i32),
    Var(Var),
}

/// A shift of a stable value by an amount.
struct Shift {
    op: IntOp,
    value: Var,
    amount: Amount,
}

/// Rewrites every rotate idiom of `f` into a rotation.
pub(crate) fn run(f: &mut Function) {
    let defs = Defs::compute(f);
    let mut rewrites = Vec::new();
    for (bi, block) in f.blocks.iter().enumerate() {
        for (ii, inst) in block.insts.iter().enumerate() {
            if let Inst::Int {
                op: IntOp::Or,
                dst,
                a,
                b,
            } = *inst
                && let Some(rot) =
                    rotation(f, &defs, dst, a, b).or_else(|| rotation(f, &defs, dst, b, a))
            {
                rewrites.push((bi, ii, rot));
            }
        }
    }
    for (bi, ii, rot) in rewrites {
        f.blocks[bi].insts[ii] = rot;
    }
}

/// `dst = right | left` as a rotation, if `right` is `x >>> n` and `left` is `x << -n`.
fn rotation(f: &Function, defs: &Defs, dst: Var, right: Var, left: Var) -> Option<Inst> {
    let r = shift(f, defs, right)?;
    let l = shift(f, defs, left)?;
    if r.op != IntOp::ShrU || l.op != IntOp::Shl || r.value != l.value {
        return None;
    }
    let a = r.value;
    match (r.amount, l.amount) {
        (Amount::Const(k), Amount::Const(j)) if k.wrapping_add(j) & 31 == 0 => Some(Inst::IntImm {
            op: IntOp::RotR,
            dst,
            a,
            imm: k & 31,
        }),
        (Amount::Var(n), Amount::Var(m))
            if negation(f, defs, m) == Some(n) || negation(f, defs, n) == Some(m) =>
        {
            Some(Inst::Int {
                op: IntOp::RotR,
                dst,
                a,
                b: n,
            })
        }
        _ => None,
    }
}

/// The shift assigning stable var `v`, with its value and amount resolved to stable vars.
fn shift(f: &Function, defs: &Defs, v: Var) -> Option<Shift> {
    let (op, a, amount) = match *defs.inst(f, v)? {
        Inst::Int { op, a, b, .. } => match defs.constant(f, b) {
            Some(c) => (op, a, Amount::Const(c)),
            None => (op, a, Amount::Var(stable_root(f, defs, b)?)),
        },
        Inst::IntImm { op, a, imm, .. } => (op, a, Amount::Const(imm)),
        _ => return None,
    };
    Some(Shift {
        op,
        value: stable_root(f, defs, a)?,
        amount,
    })
}

/// The stable var whose value `v` holds at every use of `v`.
fn stable_root(f: &Function, defs: &Defs, v: Var) -> Option<Var> {
    let r = defs.root(f, v);
    (defs.is_stable(v) && defs.is_stable(r)).then_some(r)
}

/// If stable var `v` is `c - n` with `c` a multiple of 32, or `-n`: `n` (as a stable root).
fn negation(f: &Function, defs: &Defs, v: Var) -> Option<Var> {
    match *defs.inst(f, v)? {
        Inst::Int {
            op: IntOp::Sub,
            a,
            b,
            ..
        } if defs.constant(f, a)? & 31 == 0 => stable_root(f, defs, b),
        Inst::Unary {
            op: UnOp::Neg, src, ..
        } => stable_root(f, defs, src),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Block, Terminator, Ty};

    /// `f(x, n)` with the given instructions after `v2 = copy x; v3 = copy n`, returning `ret`.
    fn function(insts: Vec<Inst>, nvars: usize, ret: Var) -> Function {
        let mut all = vec![
            Inst::Copy {
                dst: Var(2),
                src: Var(0),
            },
            Inst::Copy {
                dst: Var(3),
                src: Var(1),
            },
        ];
        all.extend(insts);
        Function {
            name: "f".into(),
            params: vec![Var(0), Var(1)],
            ret: Some(Ty::I32),
            vars: vec![Ty::I32; nvars],
            blocks: vec![Block {
                insts: all,
                term: Terminator::Return(Some(ret)),
            }],
            locs: vec![],
            symbols: vec![],
            callees: vec![],
            callees_without_gc: vec![],
            natives_without_gc: vec![],
            callees_without_stores: vec![],
            globals_set_once: vec![],
        }
    }

    fn int(op: IntOp, dst: u32, a: u32, b: u32) -> Inst {
        Inst::Int {
            op,
            dst: Var(dst),
            a: Var(a),
            b: Var(b),
        }
    }

    fn last(f: &Function) -> &Inst {
        f.blocks[0].insts.last().unwrap()
    }

    /// `rotr` as lowering writes it: `(x >>> n) | (x << (32 - n))`.
    fn rotr(c: i32) -> Function {
        function(
            vec![
                int(IntOp::ShrU, 4, 2, 3),
                Inst::IConst {
                    dst: Var(5),
                    value: c,
                },
                int(IntOp::Sub, 6, 5, 3),
                int(IntOp::Shl, 7, 2, 6),
                int(IntOp::Or, 8, 4, 7),
            ],
            9,
            Var(8),
        )
    }

    #[test]
    fn shift_or_idiom_becomes_a_rotation() {
        let mut f = rotr(32);
        run(&mut f);
        assert_eq!(*last(&f), int(IntOp::RotR, 8, 0, 1));
        // 64 - n shifts by the same amount.
        let mut f = rotr(64);
        run(&mut f);
        assert_eq!(*last(&f), int(IntOp::RotR, 8, 0, 1));
    }

    #[test]
    fn other_amounts_stay_shifts() {
        let mut f = rotr(31);
        run(&mut f);
        assert_eq!(*last(&f), int(IntOp::Or, 8, 4, 7));
    }

    #[test]
    fn left_rotation_and_constants() {
        // (x << n) | (x >>> (32 - n)) rotates right by 32 - n.
        let mut f = function(
            vec![
                int(IntOp::Shl, 4, 2, 3),
                Inst::IConst {
                    dst: Var(5),
                    value: 32,
                },
                int(IntOp::Sub, 6, 5, 3),
                int(IntOp::ShrU, 7, 2, 6),
                int(IntOp::Or, 8, 4, 7),
            ],
            9,
            Var(8),
        );
        run(&mut f);
        assert_eq!(*last(&f), int(IntOp::RotR, 8, 0, 6));
        let imm = |op, dst, imm| Inst::IntImm {
            op,
            dst: Var(dst),
            a: Var(2),
            imm,
        };
        let mut f = function(
            vec![
                imm(IntOp::ShrU, 4, 7),
                imm(IntOp::Shl, 5, 25),
                int(IntOp::Or, 6, 5, 4),
            ],
            7,
            Var(6),
        );
        run(&mut f);
        assert_eq!(
            *last(&f),
            Inst::IntImm {
                op: IntOp::RotR,
                dst: Var(6),
                a: Var(0),
                imm: 7
            }
        );
    }

    #[test]
    fn reassigned_values_are_not_rotated() {
        // x is reassigned between the two shifts: they shift different values.
        let mut f = rotr(32);
        f.blocks[0].insts.insert(
            3,
            Inst::IConst {
                dst: Var(2),
                value: 5,
            },
        );
        run(&mut f);
        assert_eq!(*last(&f), int(IntOp::Or, 8, 4, 7));
    }
}
