//! Jump threading: an edge to a block that only jumps goes straight to that jump's target, so
//! that the exact-class path of a cast or the end of an `if` arm leaves no `j` behind (and the
//! emptied block, now unreachable, is laid out nowhere).

use crate::{BlockId, Function, Terminator};

/// Retargets every edge of `f` that leads to a block without instructions ending in a jump.
pub(crate) fn run(f: &mut Function) {
    let forward = |f: &Function, mut b: BlockId| {
        // A chain of empty jumps is followed as far as it goes, but not around a cycle.
        for _ in 0..f.blocks.len() {
            match f.block(b) {
                block if block.insts.is_empty() => match block.term {
                    Terminator::Jump(next) if next != b => b = next,
                    _ => break,
                },
                _ => break,
            }
        }
        b
    };
    for i in 0..f.blocks.len() {
        let mut term = f.blocks[i].term.clone();
        match &mut term {
            Terminator::Jump(t) => *t = forward(f, *t),
            Terminator::Branch { then, other, .. } => {
                *then = forward(f, *then);
                *other = forward(f, *other);
            }
            Terminator::Return(_) | Terminator::Raise { .. } => {}
        }
        f.blocks[i].term = term;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Block, Cond, Ty, Var};

    #[test]
    fn a_branch_to_an_empty_jump_goes_to_its_target() {
        let x = Var(0);
        let mut f = Function::empty("f", None);
        f.params = vec![x];
        f.vars = vec![Ty::I32];
        let block = |term| Block {
            insts: vec![],
            term,
        };
        f.blocks = vec![
            block(Terminator::Branch {
                cond: Cond::Eq,
                a: x,
                b: x,
                then: BlockId(1),
                other: BlockId(3),
            }),
            block(Terminator::Jump(BlockId(2))),
            block(Terminator::Jump(BlockId(3))),
            block(Terminator::Return(None)),
        ];
        run(&mut f);
        assert_eq!(
            f.blocks[0].term,
            Terminator::Branch {
                cond: Cond::Eq,
                a: x,
                b: x,
                then: BlockId(3),
                other: BlockId(3),
            }
        );
        assert_eq!(f.blocks[1].term, Terminator::Jump(BlockId(3)));
    }

    #[test]
    fn an_empty_endless_loop_stays() {
        let mut f = Function::empty("spin", None);
        let block = |term| Block {
            insts: vec![],
            term,
        };
        f.blocks = vec![
            block(Terminator::Jump(BlockId(1))),
            block(Terminator::Jump(BlockId(2))),
            block(Terminator::Jump(BlockId(1))),
        ];
        run(&mut f);
        assert!(matches!(f.blocks[0].term, Terminator::Jump(_)));
        assert_eq!(crate::verify::verify(&f), Ok(()));
    }
}
