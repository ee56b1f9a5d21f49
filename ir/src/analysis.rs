//! Analyses every backend needs: block order, predecessors and liveness, and from liveness the
//! set of traced vars that must live in GC root slots.

use crate::{BlockId, Function, Inst, Var};

/// Live-variable sets per block, computed by the classic backward dataflow.
#[derive(Debug, Clone)]
pub struct Liveness {
    /// Vars live on entry to each block.
    pub live_in: Vec<BitSet>,
    /// Vars live on exit from each block.
    pub live_out: Vec<BitSet>,
}

/// A fixed-size set of small integers (var numbers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BitSet {
    words: Vec<u64>,
}

impl BitSet {
    /// An empty set able to hold `0..n`.
    pub fn new(n: usize) -> BitSet {
        BitSet {
            words: vec![0; n.div_ceil(64)],
        }
    }

    /// Adds `i`; returns whether it was new.
    pub fn insert(&mut self, i: usize) -> bool {
        let (w, b) = (i / 64, 1u64 << (i % 64));
        let new = self.words[w] & b == 0;
        self.words[w] |= b;
        new
    }

    /// Removes `i`.
    pub fn remove(&mut self, i: usize) {
        self.words[i / 64] &= !(1u64 << (i % 64));
    }

    /// Whether `i` is in the set.
    pub fn contains(&self, i: usize) -> bool {
        self.words[i / 64] & (1u64 << (i % 64)) != 0
    }

    /// Adds every element of `other`; returns whether anything was new.
    pub fn union_with(&mut self, other: &BitSet) -> bool {
        let mut changed = false;
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            let n = *a | *b;
            changed |= n != *a;
            *a = n;
        }
        changed
    }

    /// The elements in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &w)| {
            (0..64)
                .filter(move |b| w & (1u64 << b) != 0)
                .map(move |b| wi * 64 + b)
        })
    }
}

/// For every var of `f`, the value of the `IConst` that is its only definition (parameters
/// count as definitions), if it has one.
pub fn constant_values(f: &Function) -> Vec<Option<i32>> {
    let mut defs = vec![0u32; f.vars.len()];
    let mut value = vec![None; f.vars.len()];
    for p in &f.params {
        defs[p.0 as usize] += 1;
    }
    for inst in f.blocks.iter().flat_map(|b| &b.insts) {
        if let Some(d) = inst.def() {
            defs[d.0 as usize] += 1;
            if let Inst::IConst { value: c, .. } = *inst {
                value[d.0 as usize] = Some(c);
            }
        }
    }
    value
        .into_iter()
        .zip(defs)
        .map(|(v, n)| v.filter(|_| n == 1))
        .collect()
}

/// For every block of `f`, whether it is in a loop (the body of a natural loop).
pub fn in_loops(f: &Function) -> Vec<bool> {
    let mut out = vec![false; f.blocks.len()];
    for l in crate::opt::natural_loops(f) {
        for (b, inside) in out.iter_mut().enumerate() {
            *inside |= l.contains(BlockId(b as u32));
        }
    }
    out
}

/// The blocks in reverse post-order from the entry (unreachable blocks are left out).
pub fn reverse_postorder(f: &Function) -> Vec<BlockId> {
    let n = f.blocks.len();
    let mut seen = vec![false; n];
    let mut order = Vec::with_capacity(n);
    // Iterative DFS: (block, next successor index).
    let mut stack: Vec<(BlockId, usize)> = vec![(BlockId(0), 0)];
    seen[0] = true;
    while let Some(&mut (b, ref mut i)) = stack.last_mut() {
        let succs = f.block(b).term.successors();
        if *i < succs.len() {
            let s = succs[*i];
            *i += 1;
            if !seen[s.0 as usize] {
                seen[s.0 as usize] = true;
                stack.push((s, 0));
            }
        } else {
            order.push(b);
            stack.pop();
        }
    }
    order.reverse();
    order
}

impl Liveness {
    /// The vars live after each instruction of block `b` (index `i` is the set after
    /// instruction `i`; the terminator's uses count as live after the last one).
    pub fn live_after_each(&self, f: &Function, b: BlockId) -> Vec<BitSet> {
        let block = f.block(b);
        let mut after = self.live_out[b.0 as usize].clone();
        block.term.for_each_use(|v| {
            after.insert(v.0 as usize);
        });
        let mut lives = vec![after.clone()];
        for inst in block.insts.iter().rev() {
            if let Some(d) = inst.def() {
                after.remove(d.0 as usize);
            }
            inst.for_each_use(|v| {
                after.insert(v.0 as usize);
            });
            lives.push(after.clone());
        }
        lives.pop();
        lives.reverse();
        lives
    }

    /// Computes liveness for `f`.
    pub fn compute(f: &Function) -> Liveness {
        let nv = f.vars.len();
        let nb = f.blocks.len();
        // Per-block upward-exposed uses and definitions.
        let mut uses = vec![BitSet::new(nv); nb];
        let mut defs = vec![BitSet::new(nv); nb];
        for (bi, block) in f.blocks.iter().enumerate() {
            let (u, d) = (&mut uses[bi], &mut defs[bi]);
            for inst in &block.insts {
                inst.for_each_use(|v| {
                    if !d.contains(v.0 as usize) {
                        u.insert(v.0 as usize);
                    }
                });
                if let Some(v) = inst.def() {
                    d.insert(v.0 as usize);
                }
            }
            block.term.for_each_use(|v| {
                if !d.contains(v.0 as usize) {
                    u.insert(v.0 as usize);
                }
            });
        }
        let mut live_in = vec![BitSet::new(nv); nb];
        let mut live_out = vec![BitSet::new(nv); nb];
        let mut order = reverse_postorder(f);
        order.reverse();
        let mut changed = true;
        while changed {
            changed = false;
            for &b in &order {
                let bi = b.0 as usize;
                let mut out = BitSet::new(nv);
                for s in f.block(b).term.successors() {
                    out.union_with(&live_in[s.0 as usize]);
                }
                let mut inn = out.clone();
                for v in defs[bi].iter() {
                    inn.remove(v);
                }
                inn.union_with(&uses[bi]);
                live_out[bi] = out;
                if live_in[bi] != inn {
                    live_in[bi] = inn;
                    changed = true;
                }
            }
        }
        Liveness { live_in, live_out }
    }

    /// The traced (Ref/Any) vars that are live across at least one call: a backend must keep these
    /// in GC root slots (or at least store them there around every call).
    pub fn live_across_calls(&self, f: &Function) -> Vec<Var> {
        let nv = f.vars.len();
        let mut result = BitSet::new(nv);
        for (bi, block) in f.blocks.iter().enumerate() {
            let mut live = self.live_out[bi].clone();
            block.term.for_each_use(|v| {
                live.insert(v.0 as usize);
            });
            for inst in block.insts.iter().rev() {
                if let Some(d) = inst.def() {
                    live.remove(d.0 as usize);
                }
                if let Inst::Call { .. } = inst {
                    for v in live.iter() {
                        if f.vars[v].is_traced() {
                            result.insert(v);
                        }
                    }
                }
                inst.for_each_use(|v| {
                    live.insert(v.0 as usize);
                });
            }
        }
        result.iter().map(|v| Var(v as u32)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Block, Callee, Cond, IntOp, LocId, Terminator, Ty};

    /// `v0: Ref` is live across the call, `v1: I32` too but is not traced, `v2: Ref` dies before.
    #[test]
    fn traced_vars_live_across_calls_need_roots() {
        let f = Function {
            name: "f".into(),
            params: vec![Var(0), Var(1), Var(2)],
            ret: Some(Ty::I32),
            vars: vec![Ty::Ref, Ty::I32, Ty::Ref, Ty::I32],
            blocks: vec![
                Block {
                    insts: vec![Inst::Call {
                        dst: Some(Var(3)),
                        callee: Callee::Native(0),
                        args: vec![Var(2)],
                        loc: LocId(0),
                    }],
                    term: Terminator::Branch {
                        cond: Cond::Eq,
                        a: Var(3),
                        b: Var(1),
                        then: BlockId(1),
                        other: BlockId(1),
                    },
                },
                Block {
                    insts: vec![Inst::Int {
                        op: IntOp::Add,
                        dst: Var(3),
                        a: Var(0),
                        b: Var(1),
                    }],
                    term: Terminator::Return(Some(Var(3))),
                },
            ],
            locs: vec![Default::default()],
            symbols: vec![],
            callees: vec![],
        };
        let live = Liveness::compute(&f);
        assert_eq!(live.live_across_calls(&f), vec![Var(0)]);
        assert!(live.live_in[1].contains(0) && live.live_in[1].contains(1));
        assert!(!live.live_in[1].contains(2));
    }

    #[test]
    fn loops_keep_vars_live_around_the_back_edge() {
        // b0: v0 = 0; jump b1.  b1: if v0 < v1 goto b2 else b3.  b2: v0 += 1; jump b1.  b3: ret v0.
        let f = Function {
            name: "loop".into(),
            params: vec![Var(1)],
            ret: Some(Ty::I32),
            vars: vec![Ty::I32, Ty::I32],
            blocks: vec![
                Block {
                    insts: vec![Inst::IConst {
                        dst: Var(0),
                        value: 0,
                    }],
                    term: Terminator::Jump(BlockId(1)),
                },
                Block {
                    insts: vec![],
                    term: Terminator::Branch {
                        cond: Cond::LtS,
                        a: Var(0),
                        b: Var(1),
                        then: BlockId(2),
                        other: BlockId(3),
                    },
                },
                Block {
                    insts: vec![Inst::IntImm {
                        op: IntOp::Add,
                        dst: Var(0),
                        a: Var(0),
                        imm: 1,
                    }],
                    term: Terminator::Jump(BlockId(1)),
                },
                Block {
                    insts: vec![],
                    term: Terminator::Return(Some(Var(0))),
                },
            ],
            locs: vec![],
            symbols: vec![],
            callees: vec![],
        };
        let live = Liveness::compute(&f);
        assert!(live.live_out[2].contains(0) && live.live_out[2].contains(1));
        assert!(live.live_in[3].contains(0) && !live.live_in[3].contains(1));
        assert_eq!(reverse_postorder(&f).len(), 4);
    }
}
