//! Dead-code removal: instructions without effects whose result is dead (not read before
//! the var is assigned again, on every path), repeated until none is left (a removed
//! instruction may leave its operands dead). Liveness, not a count of reads, decides: an
//! assignment on a path that no longer reaches the var's reads (after jump threading, say)
//! goes even though other assignments of the var stay.
//!
//! Calls and stores have effects; loads are kept too (a load may fault, and the differential
//! tests expect a faulting program to fault). Instructions that read a traced var are kept so
//! that the GC roots live across each call stay those of the unoptimised function, unless the
//! function has no call that may collect garbage (then it needs no roots at all).

use crate::analysis::Liveness;
use crate::{BlockId, Function, Inst};

/// Removes the dead instructions of `f`.
pub(crate) fn run(f: &mut Function) {
    let collects = f.blocks.iter().flat_map(|b| &b.insts).any(|inst| {
        matches!(inst, Inst::Call { callee, .. } if !crate::analysis::never_collects(f, callee))
    });
    loop {
        let live = Liveness::compute(f);
        let mut removed = false;
        for b in 0..f.blocks.len() {
            let after = live.live_after_each(f, BlockId(b as u32));
            let vars = &f.vars;
            let mut i = 0;
            f.blocks[b].insts.retain(|inst| {
                let dead = removable(inst, vars, collects)
                    && inst.def().is_some_and(|d| !after[i].contains(d.0 as usize));
                i += 1;
                removed |= dead;
                !dead
            });
        }
        if !removed {
            return;
        }
    }
}

/// Whether `inst` may go when its result is unread, in a function that has a call that may
/// collect garbage when `collects`.
fn removable(inst: &Inst, vars: &[crate::Ty], collects: bool) -> bool {
    let mut reads_traced = false;
    inst.for_each_use(|v| reads_traced |= vars[v.0 as usize].is_traced());
    let effects = matches!(
        inst,
        Inst::Call { .. } | Inst::Store { .. } | Inst::Load { .. }
    );
    let needed_for_roots = reads_traced && collects;
    !effects && !needed_for_roots
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Block, IntOp, Terminator, Ty, Var, Width};

    #[test]
    fn unread_arithmetic_goes_and_effects_stay() {
        let insts = vec![
            Inst::IConst {
                dst: Var(1),
                value: 3,
            },
            // Read only by the dead v3.
            Inst::IntImm {
                op: IntOp::Add,
                dst: Var(2),
                a: Var(1),
                imm: 1,
            },
            Inst::IntImm {
                op: IntOp::Mul,
                dst: Var(3),
                a: Var(2),
                imm: 2,
            },
            Inst::Load {
                width: Width::W32,
                dst: Var(4),
                addr: Var(0),
                offset: 0,
            },
            Inst::Store {
                width: Width::W32,
                src: Var(1),
                addr: Var(0),
                offset: 4,
            },
            // Reads a traced var: kept, as the function makes a call that may collect.
            Inst::Copy {
                dst: Var(5),
                src: Var(6),
            },
            Inst::Call {
                dst: None,
                callee: crate::Callee::Native(3),
                args: vec![],
                loc: crate::LocId(0),
            },
        ];
        let mut f = Function {
            name: "f".into(),
            params: vec![Var(0), Var(6)],
            ret: Some(Ty::I32),
            vars: vec![
                Ty::I32,
                Ty::I32,
                Ty::I32,
                Ty::I32,
                Ty::I32,
                Ty::Ref,
                Ty::Ref,
            ],
            blocks: vec![Block {
                insts,
                term: Terminator::Return(Some(Var(1))),
            }],
            locs: vec![],
            symbols: vec![],
            callees: vec![],
            callees_without_gc: vec![],
            natives_without_gc: vec![],
            callees_without_stores: vec![],
            globals_set_once: vec![],
        };
        let without_gc = {
            let mut f = f.clone();
            f.natives_without_gc = vec![3];
            f
        };
        run(&mut f);
        let kept: Vec<_> = f.blocks[0].insts.iter().map(|i| i.def()).collect();
        assert_eq!(
            kept,
            vec![Some(Var(1)), Some(Var(4)), None, Some(Var(5)), None]
        );
        // Without a call that may collect, the function needs no roots: the copy goes too.
        let mut f = without_gc;
        run(&mut f);
        let kept: Vec<_> = f.blocks[0].insts.iter().map(|i| i.def()).collect();
        assert_eq!(kept, vec![Some(Var(1)), Some(Var(4)), None, None]);
    }

    #[test]
    fn an_assignment_no_path_reads_goes_while_others_of_the_var_stay() {
        let iconst = |dst, value| Inst::IConst {
            dst: Var(dst),
            value,
        };
        let block = |insts, term| Block { insts, term };
        let mut f = Function::empty("f", Some(Ty::I32));
        f.params = vec![Var(0)];
        f.vars = vec![Ty::I32; 3];
        f.blocks = vec![
            block(
                vec![],
                Terminator::Branch {
                    cond: crate::Cond::Eq,
                    a: Var(0),
                    b: Var(0),
                    then: crate::BlockId(1),
                    other: crate::BlockId(2),
                },
            ),
            block(vec![iconst(1, 1)], Terminator::Jump(crate::BlockId(3))),
            // What jump threading leaves: `v1 = 0` was for a test it now skips.
            block(vec![iconst(1, 0)], Terminator::Jump(crate::BlockId(4))),
            block(vec![], Terminator::Return(Some(Var(1)))),
            block(vec![iconst(2, 7)], Terminator::Return(Some(Var(2)))),
        ];
        run(&mut f);
        let lens: Vec<usize> = f.blocks.iter().map(|b| b.insts.len()).collect();
        assert_eq!(lens, vec![0, 1, 0, 0, 1]);
    }
}
