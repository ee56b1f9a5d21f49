//! Natural loops: dominators (Cooper, Harvey and Kennedy's iterative algorithm over reverse
//! post-order), back edges (an edge to a block that dominates its source) and, per header, the
//! blocks that reach a back edge without passing through the header.

use crate::analysis::reverse_postorder;
use crate::{BlockId, Function};

/// A natural loop: its header and every block of its body (header included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Loop {
    pub(crate) header: BlockId,
    /// Indexed by block number.
    pub(crate) body: Vec<bool>,
}

impl Loop {
    /// Whether `b` is in the loop.
    pub(crate) fn contains(&self, b: BlockId) -> bool {
        self.body[b.0 as usize]
    }

    fn size(&self) -> usize {
        self.body.iter().filter(|&&x| x).count()
    }
}

/// The predecessors of every block (unreachable blocks included).
pub(crate) fn predecessors(f: &Function) -> Vec<Vec<BlockId>> {
    let mut preds = vec![Vec::new(); f.blocks.len()];
    for (b, block) in f.blocks.iter().enumerate() {
        for s in block.term.successors() {
            preds[s.0 as usize].push(BlockId(b as u32));
        }
    }
    preds
}

/// The immediate dominator of every reachable block (the entry's is itself); `None` for
/// unreachable blocks.
pub(crate) fn dominators(f: &Function, preds: &[Vec<BlockId>]) -> Vec<Option<BlockId>> {
    let order = reverse_postorder(f);
    let mut index = vec![usize::MAX; f.blocks.len()];
    for (i, b) in order.iter().enumerate() {
        index[b.0 as usize] = i;
    }
    let mut idom: Vec<Option<BlockId>> = vec![None; f.blocks.len()];
    idom[0] = Some(BlockId(0));
    let intersect = |idom: &[Option<BlockId>], mut a: BlockId, mut b: BlockId| {
        while a != b {
            while index[a.0 as usize] > index[b.0 as usize] {
                a = idom[a.0 as usize].expect("processed");
            }
            while index[b.0 as usize] > index[a.0 as usize] {
                b = idom[b.0 as usize].expect("processed");
            }
        }
        a
    };
    let mut changed = true;
    while changed {
        changed = false;
        for &b in order.iter().skip(1) {
            let mut new: Option<BlockId> = None;
            for &p in &preds[b.0 as usize] {
                if idom[p.0 as usize].is_none() {
                    continue;
                }
                new = Some(match new {
                    None => p,
                    Some(n) => intersect(&idom, p, n),
                });
            }
            if new.is_some() && idom[b.0 as usize] != new {
                idom[b.0 as usize] = new;
                changed = true;
            }
        }
    }
    idom
}

/// Whether `a` dominates `b` (both reachable).
pub(crate) fn dominates(idom: &[Option<BlockId>], a: BlockId, mut b: BlockId) -> bool {
    loop {
        if a == b {
            return true;
        }
        match idom[b.0 as usize] {
            Some(d) if d != b => b = d,
            _ => return false,
        }
    }
}

/// The natural loops of `f`, one per header, smallest (innermost) first.
pub(crate) fn natural_loops(f: &Function) -> Vec<Loop> {
    let preds = predecessors(f);
    let idom = dominators(f, &preds);
    let mut loops: Vec<Loop> = Vec::new();
    for (t, block) in f.blocks.iter().enumerate() {
        if idom[t].is_none() {
            continue;
        }
        for h in block.term.successors() {
            if !dominates(&idom, h, BlockId(t as u32)) {
                continue;
            }
            let i = match loops.iter().position(|l| l.header == h) {
                Some(i) => i,
                None => {
                    let mut body = vec![false; f.blocks.len()];
                    body[h.0 as usize] = true;
                    loops.push(Loop { header: h, body });
                    loops.len() - 1
                }
            };
            let body = &mut loops[i].body;
            let mut stack = vec![BlockId(t as u32)];
            while let Some(b) = stack.pop() {
                if !body[b.0 as usize] {
                    body[b.0 as usize] = true;
                    stack.extend(&preds[b.0 as usize]);
                }
            }
        }
    }
    loops.sort_by_key(Loop::size);
    loops
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Block, Cond, Terminator, Ty, Var};

    fn block(term: Terminator) -> Block {
        Block {
            insts: vec![],
            term,
        }
    }

    fn branch(then: u32, other: u32) -> Terminator {
        Terminator::Branch {
            cond: Cond::LtS,
            a: Var(0),
            b: Var(0),
            then: BlockId(then),
            other: BlockId(other),
        }
    }

    #[test]
    fn nested_loops_innermost_first() {
        // 0 → 1 (outer header) → 2 (inner header) ⇄ 3; 2 → 4 → 1; 1 → 5 return.
        let f = Function {
            name: "f".into(),
            params: vec![Var(0)],
            ret: None,
            vars: vec![Ty::I32],
            blocks: vec![
                block(Terminator::Jump(BlockId(1))),
                block(branch(2, 5)),
                block(branch(3, 4)),
                block(Terminator::Jump(BlockId(2))),
                block(Terminator::Jump(BlockId(1))),
                block(Terminator::Return(None)),
            ],
            locs: vec![],
            symbols: vec![],
            callees: vec![],
            callees_without_gc: vec![],
            natives_without_gc: vec![],
            callees_without_stores: vec![],
            globals_set_once: vec![],
        };
        let loops = natural_loops(&f);
        let bodies: Vec<(u32, Vec<bool>)> =
            loops.iter().map(|l| (l.header.0, l.body.clone())).collect();
        assert_eq!(
            bodies,
            vec![
                (2, vec![false, false, true, true, false, false]),
                (1, vec![false, true, true, true, true, false]),
            ]
        );
    }
}
