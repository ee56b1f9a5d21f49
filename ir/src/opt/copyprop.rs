//! Copy propagation: a read of a var assigned once, by a copy of a var assigned at most once,
//! reads the source instead (through chains of such copies). Lowering copies every source
//! variable into a temporary before using it, so this turns `v9 = copy limit` into a direct use
//! of `limit`, and of its constant when `limit` is one, which the backends fold into immediates.
//! The copies left unread go in [`super::dce`].

use super::Defs;
use crate::{Function, Var};

/// Replaces every read of a propagatable copy by the copy's root.
pub(crate) fn run(f: &mut Function) {
    let defs = Defs::compute(f);
    let roots: Vec<Var> = (0..f.vars.len() as u32)
        .map(|v| defs.root(f, Var(v)))
        .collect();
    let map = |v: &mut Var| *v = roots[v.0 as usize];
    for block in &mut f.blocks {
        for inst in &mut block.insts {
            inst.for_each_use_mut(map);
        }
        block.term.for_each_use_mut(map);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Block, Cond, Inst, IntOp, Terminator, Ty};

    #[test]
    fn reads_of_copies_of_stable_vars_read_the_source() {
        // v1 = 500; v2 = copy v1; v3 = copy v2; v4 = copy v0 (param); v0 reassigned later,
        // so v4 keeps its own value.
        let insts = vec![
            Inst::IConst {
                dst: Var(1),
                value: 500,
            },
            Inst::Copy {
                dst: Var(2),
                src: Var(1),
            },
            Inst::Copy {
                dst: Var(3),
                src: Var(2),
            },
            Inst::Copy {
                dst: Var(4),
                src: Var(0),
            },
            Inst::IntImm {
                op: IntOp::Add,
                dst: Var(0),
                a: Var(0),
                imm: 1,
            },
            Inst::Int {
                op: IntOp::Add,
                dst: Var(5),
                a: Var(3),
                b: Var(4),
            },
        ];
        let mut f = Function {
            name: "f".into(),
            params: vec![Var(0)],
            ret: Some(Ty::I32),
            vars: vec![Ty::I32; 6],
            blocks: vec![Block {
                insts,
                term: Terminator::Branch {
                    cond: Cond::LtS,
                    a: Var(3),
                    b: Var(5),
                    then: crate::BlockId(0),
                    other: crate::BlockId(0),
                },
            }],
            locs: vec![],
            symbols: vec![],
            callees: vec![],
            callees_without_gc: vec![],
            natives_without_gc: vec![],
            callees_without_stores: vec![],
            globals_set_once: vec![],
        };
        run(&mut f);
        assert_eq!(
            f.blocks[0].insts[5],
            Inst::Int {
                op: IntOp::Add,
                dst: Var(5),
                a: Var(1),
                b: Var(4),
            }
        );
        assert!(matches!(
            f.blocks[0].term,
            Terminator::Branch {
                a: Var(1),
                b: Var(5),
                ..
            }
        ));
    }
}
