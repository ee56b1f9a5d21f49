//! Jump threading: an edge to a block that only jumps goes straight to that jump's target, so
//! that the exact-class path of a cast or the end of an `if` arm leaves no `j` behind (and the
//! emptied block, now unreachable, is laid out nowhere). Likewise a jump to a block that only
//! branches on a var the jumping block has just set to a constant (perhaps through copies
//! nothing reads later) goes straight to the side the branch takes: `a && b` used as a
//! condition (or the result of an inlined call) sets a flag to 1 or 0 and then tests it, and
//! the tests go away.

use crate::analysis::{Liveness, constant_values};
use crate::interp::test;
use crate::{BlockId, Function, Inst, Terminator, Var};

/// Retargets every edge of `f` that leads to a block without instructions ending in a jump,
/// makes every branch between constants a jump, and retargets every jump that leads, through
/// copies nothing reads later, to a branch decided by constants.
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
    let constants = constant_values(f);
    for block in &mut f.blocks {
        if let Terminator::Branch {
            cond,
            a,
            b,
            then,
            other,
        } = block.term
            && let (Some(x), Some(y)) = (constants[a.0 as usize], constants[b.0 as usize])
        {
            // Decided wherever it runs (a division by a constant's zero test, say).
            block.term = Terminator::Jump(taken(cond, x, y, then, other));
        }
    }
    let live = Liveness::compute(f);
    for i in 0..f.blocks.len() {
        if let Terminator::Jump(t) = f.blocks[i].term
            && let Some(side) = decided_branch(f, &constants, &live, i, t)
        {
            f.blocks[i].term = Terminator::Jump(forward(f, side));
        }
    }
}

/// Where control goes after block `from` jumps to block `t`, when `t` (and the blocks it
/// jumps on to) only copies and sets constants that the side finally taken does not read, and
/// ends in a branch whose operands are constants there: set along the way, by `from`'s last
/// assignment of them, or constants everywhere (`constants`).
fn decided_branch(
    f: &Function,
    constants: &[Option<i32>],
    live: &Liveness,
    from: usize,
    t: BlockId,
) -> Option<BlockId> {
    let in_from = |v: Var| -> Option<i32> {
        let last = f.blocks[from]
            .insts
            .iter()
            .rev()
            .find(|i| i.def() == Some(v));
        match last {
            Some(Inst::IConst { value, .. }) => Some(*value),
            Some(_) => None,
            None => constants[v.0 as usize],
        }
    };
    // The values the skipped blocks assign, in order.
    let mut set: Vec<(Var, Option<i32>)> = Vec::new();
    let value = |v: Var, set: &[(Var, Option<i32>)]| match set.iter().rfind(|c| c.0 == v) {
        Some(&(_, known)) => known,
        None => in_from(v),
    };
    let mut at = t;
    // A chain of such blocks is followed as far as it goes, but not around a cycle.
    for _ in 0..f.blocks.len() {
        if at.0 as usize == from {
            return None;
        }
        let block = f.block(at);
        for inst in &block.insts {
            let known = match *inst {
                Inst::Copy { src, .. } => value(src, &set),
                Inst::IConst { value, .. } => Some(value),
                _ => return None,
            };
            set.push((inst.def()?, known));
        }
        match block.term {
            Terminator::Jump(next) => at = next,
            Terminator::Branch {
                cond,
                a,
                b,
                then,
                other,
            } => {
                let (x, y) = (value(a, &set)?, value(b, &set)?);
                let side = taken(cond, x, y, then, other);
                let reads = &live.live_in[side.0 as usize];
                let skips_nothing_read = set.iter().all(|(v, _)| !reads.contains(v.0 as usize));
                return skips_nothing_read.then_some(side);
            }
            Terminator::Return(_) | Terminator::Raise { .. } => return None,
        }
    }
    None
}

/// The side a branch on `x cond y` takes.
fn taken(cond: crate::Cond, x: i32, y: i32, then: BlockId, other: BlockId) -> BlockId {
    if test(cond, x as u32, y as u32) {
        then
    } else {
        other
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

    /// `if (x < 0 && y < 0) r = 1 else r = 2`, lowered with a flag: each side that sets the
    /// flag jumps straight to the arm the flag selects.
    #[test]
    fn a_flag_set_to_a_constant_and_tested_at_once_is_not_tested() {
        use crate::builder::Builder;
        let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32], Some(Ty::I32));
        let (zero, flag, r) = (b.iconst(0), b.var(Ty::I32), b.var(Ty::I32));
        let [second, yes, no, test, then, other, join] = std::array::from_fn(|_| b.block());
        b.branch(Cond::LtS, p[0], zero, second, no);
        b.switch(second);
        b.branch(Cond::LtS, p[1], zero, yes, no);
        set_flag(&mut b, flag, [yes, no], test);
        b.switch(test);
        b.branch(Cond::Ne, flag, zero, then, other);
        for (block, value) in [(then, 1), (other, 2)] {
            b.switch(block);
            b.push(Inst::IConst { dst: r, value });
            b.term(Terminator::Jump(join));
        }
        b.switch(join);
        b.ret(r);
        let before = b.finish();
        let mut f = before.clone();
        run(&mut f);
        assert_eq!(f.blocks[yes.0 as usize].term, Terminator::Jump(then));
        assert_eq!(f.blocks[no.0 as usize].term, Terminator::Jump(other));
        same_results(&before, &f, &[&[-1, -1], &[-1, 3], &[4, -1], &[4, 4]]);
    }

    /// The result of an inlined `a && b` reaches its test through a copy and a block of its
    /// own: the flag's setters still go straight to the arm, unless that arm reads the copy.
    #[test]
    fn a_flag_reaching_its_test_through_copies_is_not_tested() {
        use crate::builder::Builder;
        for arm_reads_the_copy in [false, true] {
            let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
            let (flag, result) = (b.var(Ty::I32), b.var(Ty::I32));
            let [yes, no, copy, test, then, other] = std::array::from_fn(|_| b.block());
            let zero = b.iconst(0);
            b.branch(Cond::LtS, p[0], zero, yes, no);
            set_flag(&mut b, flag, [yes, no], copy);
            b.switch(copy);
            b.copy(result, flag);
            b.term(Terminator::Jump(test));
            b.switch(test);
            let k = b.iconst(0);
            b.branch(Cond::Ne, result, k, then, other);
            b.switch(then);
            let seven = b.iconst(7);
            b.ret(if arm_reads_the_copy { result } else { seven });
            b.switch(other);
            let nine = b.iconst(9);
            b.ret(nine);
            let before = b.finish();
            let mut f = before.clone();
            run(&mut f);
            let expected = if arm_reads_the_copy { copy } else { then };
            assert_eq!(f.blocks[yes.0 as usize].term, Terminator::Jump(expected));
            same_results(&before, &f, &[&[-3], &[0], &[5]]);
        }
    }

    /// Ends blocks `yes` and `no` with `flag = 1` and `flag = 0` and a jump to `to`.
    fn set_flag(b: &mut crate::builder::Builder, flag: Var, [yes, no]: [BlockId; 2], to: BlockId) {
        for (block, value) in [(yes, 1), (no, 0)] {
            b.switch(block);
            b.push(Inst::IConst { dst: flag, value });
            b.term(Terminator::Jump(to));
        }
    }

    /// `after` is valid IR and gives the results `before` gives for each of `arg_lists`.
    fn same_results(before: &Function, after: &Function, arg_lists: &[&[i32]]) {
        assert_eq!(crate::verify::verify(after), Ok(()));
        for args in arg_lists {
            let args: Vec<u32> = args.iter().map(|&a| a as u32).collect();
            let run = |f: &Function| crate::interp::interpret(f, &args, &mut NoMemory);
            assert_eq!(run(after), run(before), "{args:?}");
        }
    }

    /// No memory and no calls (the functions tested here use neither).
    struct NoMemory;

    impl crate::interp::Host for NoMemory {
        fn load(&mut self, _: crate::Width, _: u32) -> u32 {
            unreachable!()
        }
        fn store(&mut self, _: crate::Width, _: u32, _: u32) {
            unreachable!()
        }
        fn call(&mut self, _: (BlockId, usize), _: &[u32], _: crate::Callee, _: &[u32]) -> u32 {
            unreachable!()
        }
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

    #[test]
    fn a_branch_between_constants_is_a_jump() {
        // `if (500 == 0) raise else return x`: a division's zero test of a constant divisor.
        let (mut b, p) = crate::builder::Builder::new(&[Ty::I32], Some(Ty::I32));
        let (divisor, zero) = (b.iconst(500), b.iconst(0));
        let (fails, ok) = (b.block(), b.block());
        b.branch(Cond::Eq, divisor, zero, fails, ok);
        b.switch(fails);
        b.raise(1, &[]);
        b.switch(ok);
        b.ret(p[0]);
        let mut f = b.finish();
        run(&mut f);
        assert_eq!(f.blocks[0].term, Terminator::Jump(BlockId(2)));
        assert_eq!(crate::verify::verify(&f), Ok(()));
    }
}
