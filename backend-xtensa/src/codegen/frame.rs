//! Lazy shadow-stack frames: a function whose GC roots only matter on some paths (say, one
//! that calls a helper only when a ball bounces) pushes its shadow-stack frame right before its
//! first call on each path instead of in its prologue, so that the paths without calls pay
//! nothing for it.
//!
//! Where the frame may or may not have been pushed (after a join of a path with calls and one
//! without), `SHADOW_BASE` tells: the prologue sets it to 0 and pushing the frame sets it to the
//! frame's base. Root writes and returns test it there; elsewhere the state is known statically.
//! Pushing a frame writes the root slots of the rooted vars live at that point (their
//! definitions before it wrote nothing) and zeroes the others.
//!
//! Only functions without calls inside loops qualify (a loop would test the state at every
//! iteration), and only when some path returns without calling (otherwise the prologue is the
//! cheapest place).

use ir::{BlockId, Function, Inst, Terminator};

/// Whether the shadow-stack frame has been pushed at a point of the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framed {
    /// Not pushed: root writes are skipped, returns pop nothing.
    No,
    /// Pushed.
    Yes,
    /// Pushed on some paths only: `SHADOW_BASE` is 0 when not.
    Maybe,
}

impl Framed {
    /// The state where paths in states `self` and `other` join.
    fn join(self, other: Framed) -> Framed {
        if self == other { self } else { Framed::Maybe }
    }
}

/// The frame states of a function that pushes its frame lazily.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LazyFrame {
    /// The state at the entry of each block (`None` for unreachable blocks).
    pub entry: Vec<Option<Framed>>,
    /// Whether some block starts in state [`Framed::Maybe`] (the prologue must then zero
    /// `SHADOW_BASE`).
    pub maybe: bool,
}

fn has_call(f: &Function, b: BlockId) -> bool {
    f.block(b).insts.iter().any(|i| matches!(i, Inst::Call { .. }))
}

/// Whether `b` can be reached from its own successors.
fn on_a_cycle(f: &Function, b: BlockId) -> bool {
    let mut seen = vec![false; f.blocks.len()];
    let mut stack = f.block(b).term.successors();
    while let Some(x) = stack.pop() {
        if x == b {
            return true;
        }
        if !std::mem::replace(&mut seen[x.0 as usize], true) {
            stack.extend(f.block(x).term.successors());
        }
    }
    false
}

/// The frame states of `f` (blocks in `order`, the entry first) if it should push its frame
/// lazily: no call is inside a loop and some return can be reached without a call.
pub fn lazy_frame(f: &Function, order: &[BlockId]) -> Option<LazyFrame> {
    if order.iter().any(|&b| has_call(f, b) && on_a_cycle(f, b)) {
        return None;
    }
    let mut entry: Vec<Option<Framed>> = vec![None; f.blocks.len()];
    entry[order[0].0 as usize] = Some(Framed::No);
    let mut changed = true;
    while changed {
        changed = false;
        for &b in order {
            let Some(state) = entry[b.0 as usize] else { continue };
            let exit = if has_call(f, b) { Framed::Yes } else { state };
            for s in f.block(b).term.successors() {
                let old = entry[s.0 as usize];
                let new = old.map_or(exit, |o| o.join(exit));
                if old != Some(new) {
                    entry[s.0 as usize] = Some(new);
                    changed = true;
                }
            }
        }
    }
    let returns_without_frame = order.iter().any(|&b| {
        matches!(f.block(b).term, Terminator::Return(_))
            && !has_call(f, b)
            && entry[b.0 as usize] != Some(Framed::Yes)
    });
    if !returns_without_frame {
        return None;
    }
    let maybe = entry.contains(&Some(Framed::Maybe));
    Some(LazyFrame { entry, maybe })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ir::{Block, Callee, Cond, LocId, Ty, Var};

    fn call() -> Inst {
        Inst::Call { dst: None, callee: Callee::Slot(0), args: vec![], loc: LocId(0) }
    }

    /// `if (x < 0) g(); return`: entry → (call | skip) → join → return.
    fn call_on_one_side() -> Function {
        let x = Var(0);
        let mut f = Function::empty("f", None);
        f.params = vec![x];
        f.vars = vec![Ty::I32];
        f.callees = vec!["g".into()];
        let block = |insts, term| Block { insts, term };
        f.blocks = vec![
            block(
                vec![],
                Terminator::Branch {
                    cond: Cond::LtS,
                    a: x,
                    b: x,
                    then: BlockId(1),
                    other: BlockId(2),
                },
            ),
            block(vec![call()], Terminator::Jump(BlockId(2))),
            block(vec![], Terminator::Return(None)),
        ];
        f
    }

    #[test]
    fn a_call_on_one_side_of_a_branch_makes_the_join_maybe() {
        let f = call_on_one_side();
        let lazy = lazy_frame(&f, &[0, 1, 2].map(BlockId)).expect("lazy");
        assert_eq!(lazy.entry, vec![Some(Framed::No), Some(Framed::No), Some(Framed::Maybe)]);
        assert!(lazy.maybe);
    }

    #[test]
    fn a_call_on_every_path_keeps_the_frame_in_the_prologue() {
        let mut f = call_on_one_side();
        f.blocks[0].insts.push(call());
        assert_eq!(lazy_frame(&f, &[0, 1, 2].map(BlockId)), None);
    }

    #[test]
    fn a_call_in_a_loop_keeps_the_frame_in_the_prologue() {
        let mut f = call_on_one_side();
        f.blocks[1].term = Terminator::Jump(BlockId(0));
        assert_eq!(lazy_frame(&f, &[0, 1, 2].map(BlockId)), None);
    }
}
