//! Dead-code removal: instructions without effects whose result is never read, repeated until
//! none is left (a removed instruction may leave its operands unread).
//!
//! Calls and stores have effects; loads are kept too (a load may fault, and the differential
//! tests expect a faulting program to fault). Instructions that read a traced var are kept so
//! that the GC roots live across each call stay those of the unoptimised function.

use crate::{Function, Inst};

/// Removes the dead instructions of `f`.
pub(crate) fn run(f: &mut Function) {
    loop {
        let mut uses = vec![0u32; f.vars.len()];
        for block in &f.blocks {
            for inst in &block.insts {
                inst.for_each_use(|v| uses[v.0 as usize] += 1);
            }
            block.term.for_each_use(|v| uses[v.0 as usize] += 1);
        }
        let mut removed = false;
        let vars = &f.vars;
        for block in &mut f.blocks {
            block.insts.retain(|inst| {
                let dead =
                    removable(inst, vars) && inst.def().is_some_and(|d| uses[d.0 as usize] == 0);
                removed |= dead;
                !dead
            });
        }
        if !removed {
            return;
        }
    }
}

/// Whether `inst` may go when its result is unread.
fn removable(inst: &Inst, vars: &[crate::Ty]) -> bool {
    let mut reads_traced = false;
    inst.for_each_use(|v| reads_traced |= vars[v.0 as usize].is_traced());
    !reads_traced
        && !matches!(
            inst,
            Inst::Call { .. } | Inst::Store { .. } | Inst::Load { .. }
        )
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
            // Reads a traced var: kept.
            Inst::Copy {
                dst: Var(5),
                src: Var(6),
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
        };
        run(&mut f);
        let kept: Vec<_> = f.blocks[0].insts.iter().map(|i| i.def()).collect();
        assert_eq!(kept, vec![Some(Var(1)), Some(Var(4)), None, Some(Var(5))]);
    }
}
