//! Interrupt polls of short counted loops move to the loop's exits.
//!
//! Lowering puts a poll of the interrupt flag on every loop back-edge, so that a run that
//! never ends can be stopped. A loop that counts a var from a constant to a constant bound,
//! by a constant step it takes once per iteration, runs at most [`MAX_TRIPS`] times and
//! needs no poll per iteration: a poll on each way out of the loop (other than a raise)
//! keeps every stretch without a poll bounded, since every execution of such a loop ends with
//! one. Only innermost loops qualify, so an inner loop's many iterations are never multiplied
//! by an outer loop's.
//!
//! A counted loop, in vars that are not SSA: its header branches on `iv < K` (or `<=`, `>`,
//! `>=`, either way round) with `K` a constant; inside the loop `iv` is assigned only once,
//! `iv = iv + step` (or through a copy of such a sum computed just before), in a block that
//! every back-edge passes; and every way into the loop assigns `iv` a constant before it.

use super::Defs;
use super::loops::{Loop, dominates, dominators, natural_loops, predecessors};
use crate::{Block, BlockId, Cond, Function, Inst, IntOp, Terminator, Ty, Var, Width};

/// The most iterations of a loop whose polls move to its exits.
pub(crate) const MAX_TRIPS: i64 = 1024;

/// Moves the polls of every short counted innermost loop of `f` to the loop's exits.
pub(crate) fn run(f: &mut Function) {
    let loops = natural_loops(f);
    let cfg = Cfg::of(f);
    let short: Vec<&Loop> = loops
        .iter()
        .filter(|l| {
            let innermost = !loops
                .iter()
                .any(|o| o.header != l.header && l.contains(o.header));
            innermost && trips(f, &cfg, l).is_some_and(|n| n <= MAX_TRIPS)
        })
        .collect();
    for l in short {
        move_polls_to_exits(f, l);
    }
}

/// What the counting of every loop of a function reads: its assignments, predecessors and
/// dominators.
struct Cfg {
    defs: Defs,
    preds: Vec<Vec<BlockId>>,
    idom: Vec<Option<BlockId>>,
}

impl Cfg {
    fn of(f: &Function) -> Cfg {
        let preds = predecessors(f);
        let idom = dominators(f, &preds);
        Cfg {
            defs: Defs::compute(f),
            preds,
            idom,
        }
    }
}

/// A bound on the iterations of `l` when it is a counted loop.
fn trips(f: &Function, cfg: &Cfg, l: &Loop) -> Option<i64> {
    let Terminator::Branch {
        cond,
        a,
        b,
        then,
        other,
    } = f.block(l.header).term
    else {
        return None;
    };
    let cond = match (l.contains(then), l.contains(other)) {
        (true, false) => cond,
        (false, true) => cond.negate()?,
        _ => return None,
    };
    let constant = |v| cfg.defs.constant(f, v).map(i64::from);
    let (iv, k, cond) = match (constant(a), constant(b)) {
        (None, Some(k)) => (a, k, cond),
        (Some(k), None) => (b, k, mirrored(cond)?),
        _ => return None,
    };
    let iv = copied_from(&f.block(l.header).insts, iv);
    // Normalised: the loop goes on while `iv < limit` (counting up) or `iv > limit` (down).
    let (limit, up) = match cond {
        Cond::LtS => (k, true),
        Cond::LeS => (k + 1, true),
        Cond::GtS => (k, false),
        Cond::GeS => (k - 1, false),
        _ => return None,
    };
    let step = step_once_per_iteration(f, cfg, l, iv)?;
    if (step > 0) != up {
        return None;
    }
    // The step never wraps while the loop goes on.
    let last = if up { limit - 1 } else { limit + 1 };
    if i32::try_from(last + step).is_err() {
        return None;
    }
    let mut most = 0;
    for &p in cfg.preds[l.header.0 as usize]
        .iter()
        .filter(|&&p| !l.contains(p))
    {
        let start = value_on_leaving(f, cfg, p, iv)?;
        let distance = if up { limit - start } else { start - limit };
        let n = if distance <= 0 {
            0
        } else {
            (distance + step.abs() - 1) / step.abs()
        };
        most = most.max(n);
    }
    Some(most)
}

/// `cond` with its operands swapped (`k < iv` is `iv > k`), for signed comparisons.
fn mirrored(cond: Cond) -> Option<Cond> {
    Some(match cond {
        Cond::LtS => Cond::GtS,
        Cond::LeS => Cond::GeS,
        Cond::GtS => Cond::LtS,
        Cond::GeS => Cond::LeS,
        _ => return None,
    })
}

/// The constant step of `iv` when the loop assigns it exactly once, `iv = iv + step`, in a
/// block every back-edge passes.
fn step_once_per_iteration(f: &Function, cfg: &Cfg, l: &Loop, iv: Var) -> Option<i64> {
    let mut assignments = (0..f.blocks.len()).filter(|&b| l.body[b]).flat_map(|b| {
        f.blocks[b]
            .insts
            .iter()
            .enumerate()
            .filter(move |(_, inst)| inst.def() == Some(iv))
            .map(move |(i, _)| (b, i))
    });
    let (b, i) = assignments.next()?;
    if assignments.next().is_some() {
        return None;
    }
    let insts = &f.blocks[b].insts;
    let step = match &insts[i] {
        Inst::Copy { src, .. } => {
            // `t = iv + step` earlier in the block, `iv = t` here.
            let at = insts[..i]
                .iter()
                .rposition(|inst| inst.def() == Some(*src))?;
            if !cfg.defs.is_stable(*src) {
                return None;
            }
            increment(f, &cfg.defs, &insts[..=at], iv)?
        }
        _ => increment(f, &cfg.defs, &insts[..=i], iv)?,
    };
    let latches = cfg.preds[l.header.0 as usize]
        .iter()
        .filter(|&&p| l.contains(p));
    let every_iteration = latches
        .clone()
        .all(|&p| dominates(&cfg.idom, BlockId(b as u32), p));
    (every_iteration && latches.count() > 0 && step != 0).then_some(step)
}

/// The var whose value `v` holds after `insts`: `v`, or what its last assignment there copied,
/// followed through copies.
fn copied_from(mut insts: &[Inst], mut v: Var) -> Var {
    while let Some(at) = insts.iter().rposition(|i| i.def() == Some(v)) {
        let Inst::Copy { src, .. } = insts[at] else {
            break;
        };
        (insts, v) = (&insts[..at], src);
    }
    v
}

/// `step` when the last of `insts` computes `iv + step` (or `iv - k`) with a constant step,
/// reading `iv` directly or through copies made earlier in `insts`.
fn increment(f: &Function, defs: &Defs, insts: &[Inst], iv: Var) -> Option<i64> {
    let constant = |v| defs.constant(f, v).map(i64::from);
    let (inst, before) = insts.split_last()?;
    let is_iv = |v| copied_from(before, v) == iv;
    match *inst {
        Inst::IntImm {
            op: IntOp::Add,
            a,
            imm,
            ..
        } if is_iv(a) => Some(imm.into()),
        Inst::IntImm {
            op: IntOp::Sub,
            a,
            imm,
            ..
        } if is_iv(a) => Some(-i64::from(imm)),
        Inst::Int {
            op: IntOp::Add,
            a,
            b,
            ..
        } if is_iv(a) => constant(b),
        Inst::Int {
            op: IntOp::Add,
            a,
            b,
            ..
        } if is_iv(b) => constant(a),
        Inst::Int {
            op: IntOp::Sub,
            a,
            b,
            ..
        } if is_iv(a) => constant(b).map(|k| -k),
        _ => None,
    }
}

/// The constant `iv` holds when control leaves block `b`: its last assignment in `b`, or in
/// the blocks before it while each has a single predecessor.
fn value_on_leaving(f: &Function, cfg: &Cfg, mut b: BlockId, iv: Var) -> Option<i64> {
    for _ in 0..f.blocks.len() {
        let last = f.block(b).insts.iter().rev().find(|i| i.def() == Some(iv));
        match last {
            Some(Inst::IConst { value, .. }) => return Some((*value).into()),
            Some(Inst::Copy { src, .. }) => return cfg.defs.constant(f, *src).map(i64::from),
            Some(_) => return None,
            None => match cfg.preds[b.0 as usize][..] {
                [p] => b = p,
                _ => return None,
            },
        }
    }
    None
}

/// A poll: a block that loads the interrupt flag last and branches to a raise when it is set.
struct Poll {
    block: usize,
    raise: BlockId,
    go_on: BlockId,
}

/// The poll ending block `b`, if it ends with one.
fn poll_at(f: &Function, volatile: &[bool], b: usize) -> Option<Poll> {
    let block = &f.blocks[b];
    let Terminator::Branch {
        cond: Cond::Ne,
        a: set,
        then,
        other,
        ..
    } = block.term
    else {
        return None;
    };
    let Some(Inst::Load { dst, addr, .. }) = block.insts.last() else {
        return None;
    };
    let raises = |t: BlockId| {
        let t = f.block(t);
        t.insts.is_empty() && matches!(t.term, Terminator::Raise { .. })
    };
    (*dst == set && volatile[addr.0 as usize] && raises(then)).then_some(Poll {
        block: b,
        raise: then,
        go_on: other,
    })
}

/// Whether blocks `a` and `b` do the same: the same block, or both return the same constant
/// (or nothing) and do nothing else. Exits to such blocks share one poll, which goes on to `a`.
fn same_return(f: &Function, a: BlockId, b: BlockId) -> bool {
    let returned = |b: BlockId| match (&f.block(b).insts[..], &f.block(b).term) {
        ([], Terminator::Return(None)) => Some(None),
        ([Inst::IConst { dst, value }], Terminator::Return(Some(v))) if dst == v => {
            Some(Some((*value, f.ty(*v))))
        }
        _ => None,
    };
    a == b || returned(a).is_some_and(|r| returned(b) == Some(r))
}

/// Removes the polls inside `l` and polls instead on every edge leaving it, except edges to
/// raises; exits to blocks that return the same constant share their poll.
fn move_polls_to_exits(f: &mut Function, l: &Loop) {
    let volatile = f.volatile_addresses();
    let in_loop = |b: BlockId| l.body.get(b.0 as usize).copied().unwrap_or(false);
    let polls: Vec<Poll> = (0..f.blocks.len())
        .filter(|&b| in_loop(BlockId(b as u32)))
        .filter_map(|b| poll_at(f, &volatile, b))
        .collect();
    let Some(raise) = polls.first().map(|p| p.raise) else {
        return;
    };
    let Some(flag) = f.symbols.iter().position(|s| s.is_volatile()) else {
        return;
    };
    for p in &polls {
        let block = &mut f.blocks[p.block];
        block.insts.pop();
        block.term = Terminator::Jump(p.go_on);
    }
    let raises = |f: &Function, t: BlockId| matches!(f.block(t).term, Terminator::Raise { .. });
    let mut exits: Vec<(BlockId, BlockId)> = Vec::new();
    for b in (0..f.blocks.len()).filter(|&b| in_loop(BlockId(b as u32))) {
        let mut term = f.blocks[b].term.clone();
        let mut retarget = |t: &mut BlockId| {
            if in_loop(*t) || raises(f, *t) {
                return;
            }
            let poll = match exits.iter().find(|&&(to, _)| same_return(f, to, *t)) {
                Some(&(_, poll)) => poll,
                None => {
                    let poll = BlockId((f.blocks.len() + exits.len()) as u32);
                    exits.push((*t, poll));
                    poll
                }
            };
            *t = poll;
        };
        match &mut term {
            Terminator::Jump(t) => retarget(t),
            Terminator::Branch { then, other, .. } => {
                retarget(then);
                retarget(other);
            }
            Terminator::Return(_) | Terminator::Raise { .. } => {}
        }
        f.blocks[b].term = term;
    }
    for (to, _) in exits {
        let mut var = |ty| {
            f.vars.push(ty);
            Var(f.vars.len() as u32 - 1)
        };
        let (zero, addr, set) = (var(Ty::I32), var(Ty::I32), var(Ty::I32));
        f.blocks.push(Block {
            insts: vec![
                Inst::IConst {
                    dst: zero,
                    value: 0,
                },
                Inst::SymAddr {
                    dst: addr,
                    sym: flag as u32,
                },
                Inst::Load {
                    width: Width::W32,
                    dst: set,
                    addr,
                    offset: 0,
                },
            ],
            term: Terminator::Branch {
                cond: Cond::Ne,
                a: set,
                b: zero,
                then: raise,
                other: to,
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::Builder;
    use crate::{Callee, DataSymbol};

    /// `for (i = start; i < bound; i += step) { if (g(i)) return 1 } return 0`, shaped as
    /// lowering shapes it: the header tests a copy of `i`, the step block adds to a copy and
    /// copies the sum back, then polls. `start` is a parameter when `None`.
    fn counted(start: Option<i32>, bound: i32, step: i32) -> Function {
        let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
        let flag = b.symbol(DataSymbol::InterruptFlag);
        let i = b.var(Ty::I32);
        let [head, body, step_b, found, done, stop] = std::array::from_fn(|_| b.block());
        match start {
            Some(s) => {
                let s = b.iconst(s);
                b.copy(i, s);
            }
            None => b.copy(i, p[0]),
        }
        b.term(Terminator::Jump(head));
        b.switch(head);
        let test = b.var(Ty::I32);
        b.copy(test, i);
        let k = b.iconst(bound);
        b.branch(Cond::LtS, test, k, body, done);
        b.switch(body);
        let got = b.call(Callee::Slot(0), &[i], Some(Ty::I32)).unwrap();
        let zero = b.iconst(0);
        b.branch(Cond::Ne, got, zero, found, step_b);
        b.switch(step_b);
        let old = b.var(Ty::I32);
        b.copy(old, i);
        let inc = b.iconst(step);
        let sum = b.int(IntOp::Add, old, inc);
        b.copy(i, sum);
        let zero = b.iconst(0);
        let addr = b.var(Ty::I32);
        b.push(Inst::SymAddr {
            dst: addr,
            sym: flag,
        });
        let set = b.load(Width::W32, Ty::I32, addr, 0);
        b.branch(Cond::Ne, set, zero, stop, head);
        b.switch(found);
        let one = b.iconst(1);
        b.ret(one);
        b.switch(done);
        let zero = b.iconst(0);
        b.ret(zero);
        b.switch(stop);
        b.raise(76, &[]);
        b.finish()
    }

    /// The blocks ending in a poll: (block, where it goes on).
    fn polls(f: &Function) -> Vec<(usize, BlockId)> {
        let volatile = f.volatile_addresses();
        (0..f.blocks.len())
            .filter_map(|b| poll_at(f, &volatile, b).map(|p| (p.block, p.go_on)))
            .collect()
    }

    #[test]
    fn a_short_counted_loop_polls_on_each_way_out_instead_of_each_iteration() {
        let mut f = counted(Some(0), 8, 1);
        run(&mut f);
        assert_eq!(crate::verify::verify(&f), Ok(()));
        // One poll before `return 0` (block 5), one before `return 1` (block 4); none in the
        // step block (3) any more.
        assert_eq!(polls(&f), vec![(7, BlockId(5)), (8, BlockId(4))], "{f}");
        assert_eq!(f.blocks[3].term, Terminator::Jump(BlockId(1)));
    }

    #[test]
    fn exits_to_blocks_returning_the_same_constant_share_a_poll() {
        let mut f = counted(Some(0), 8, 1);
        // The body's call result is tested once more, leaving by another `return 1`.
        let one = Var(f.vars.len() as u32);
        f.vars.push(Ty::I32);
        let (again, found_too) = (BlockId(7), BlockId(8));
        let Terminator::Branch { other, .. } = &mut f.blocks[2].term else {
            unreachable!()
        };
        *other = again;
        let Inst::Call { dst: Some(got), .. } = f.blocks[2].insts[0] else {
            unreachable!()
        };
        f.blocks.push(Block {
            insts: vec![],
            term: Terminator::Branch {
                cond: Cond::Eq,
                a: got,
                b: got,
                then: found_too,
                other: BlockId(3),
            },
        });
        f.blocks.push(Block {
            insts: vec![Inst::IConst { dst: one, value: 1 }],
            term: Terminator::Return(Some(one)),
        });
        run(&mut f);
        assert_eq!(crate::verify::verify(&f), Ok(()));
        // Both `return 1` exits go through the poll before block 4.
        assert_eq!(polls(&f), vec![(9, BlockId(5)), (10, BlockId(4))], "{f}");
        assert_eq!(f.blocks[2].term.successors(), [BlockId(10), again]);
        assert_eq!(f.blocks[7].term.successors(), [BlockId(10), BlockId(3)]);
    }

    #[test]
    fn counting_down_and_by_steps_are_counted() {
        let mut f = counted(Some(1000), 0, -1);
        let Terminator::Branch { cond, .. } = &mut f.blocks[1].term else {
            unreachable!()
        };
        *cond = Cond::GtS;
        run(&mut f);
        assert_eq!(polls(&f).len(), 2, "{f}");
        let mut f = counted(Some(0), 4000, 4);
        run(&mut f);
        assert_eq!(polls(&f).len(), 2, "{f}");
    }

    #[test]
    fn long_unknown_or_irregular_loops_keep_their_poll() {
        let long = counted(Some(0), MAX_TRIPS as i32 + 1, 1);
        let from_a_parameter = counted(None, 8, 1);
        let backwards = counted(Some(0), 8, -1);
        let mut twice = counted(Some(0), 8, 1);
        // A second assignment of the counter in the body.
        let i = Var(1);
        twice.blocks[2]
            .insts
            .push(Inst::IConst { dst: i, value: 0 });
        for f in [long, from_a_parameter, backwards, twice] {
            let mut after = f.clone();
            run(&mut after);
            assert_eq!(after, f);
        }
    }
}
