//! Analyses every backend needs: block order, predecessors and liveness, and from liveness the
//! set of traced vars that must live in GC root slots.

use crate::{BlockId, Callee, Function, Inst, IntOp, Var, Width};

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

/// For every var of `f`, the value it always holds when every definition of it is an `IConst`
/// of that one value (as when a loop's guard repeats its header's constants); `None` for
/// parameters and vars with any other definition.
pub fn constant_values(f: &Function) -> Vec<Option<i32>> {
    // Per var: no definition seen yet, one value so far, or not constant.
    let mut value: Vec<Option<Option<i32>>> = vec![None; f.vars.len()];
    for p in &f.params {
        value[p.0 as usize] = Some(None);
    }
    for inst in f.blocks.iter().flat_map(|b| &b.insts) {
        if let Some(d) = inst.def() {
            let c = match *inst {
                Inst::IConst { value: c, .. } => Some(c),
                _ => None,
            };
            let v = &mut value[d.0 as usize];
            *v = match *v {
                None => Some(c),
                Some(old) => Some(old.filter(|_| old == c)),
            };
        }
    }
    value.into_iter().map(Option::flatten).collect()
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

    /// The traced (Ref/Any) vars `f` must keep in GC root slots (or at least store there
    /// before every call that needs them), by the calling convention of generated code: a
    /// caller keeps every traced argument of a BlueScript function rooted for the whole call,
    /// and a callee roots none of the parameters it never assigns. So a root is needed for a
    /// traced var that is live across a call or is an argument of a call of a BlueScript
    /// function, unless its value is [rooted elsewhere](rooted_elsewhere).
    pub fn roots(&self, f: &Function) -> Vec<Var> {
        let nv = f.vars.len();
        let elsewhere = rooted_elsewhere(f);
        let mut result = BitSet::new(nv);
        let need = |v: usize, result: &mut BitSet| {
            if f.vars[v].is_traced() && !elsewhere[v] {
                result.insert(v);
            }
        };
        for (bi, block) in f.blocks.iter().enumerate() {
            let mut live = self.live_out[bi].clone();
            block.term.for_each_use(|v| {
                live.insert(v.0 as usize);
            });
            for inst in block.insts.iter().rev() {
                if let Some(d) = inst.def() {
                    live.remove(d.0 as usize);
                }
                if let Inst::Call { callee, args, .. } = inst
                    && !never_collects(f, callee)
                {
                    for v in live.iter() {
                        need(v, &mut result);
                    }
                    if !matches!(callee, Callee::Native(_)) {
                        for a in args {
                            need(a.0 as usize, &mut result);
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

/// Whether a call of `callee` from `f` is known never to collect garbage (see
/// [`Function::callees_without_gc`] and [`Function::natives_without_gc`]).
pub(crate) fn never_collects(f: &Function, callee: &Callee) -> bool {
    match callee {
        Callee::Slot(n) => f.callees_without_gc.contains(n),
        Callee::Native(n) => f.natives_without_gc.contains(n),
        Callee::Dynamic(_) => false,
    }
}

/// For every var of `f`, whether every value it can hold is kept alive without a GC root of
/// `f`'s: a parameter's value (the caller roots it for the whole call; see
/// [`Liveness::roots`]), the address of static data (the collector neither frees nor moves
/// what lies outside the heap), a constant (never a heap address), the value of a global
/// assigned once ([`Function::globals_set_once`]: its cell keeps it), or a copy of such a
/// value. A var assigned anything else (another load, a call's result, arithmetic) is not.
pub fn rooted_elsewhere(f: &Function) -> Vec<bool> {
    let set_once = addresses_of(f, &f.globals_set_once);
    held_by_every_definition(f, vec![true; f.vars.len()], |inst, held| match *inst {
        Inst::IConst { .. } | Inst::SymAddr { .. } => true,
        Inst::Load {
            width: Width::W32,
            addr,
            offset: 0,
            ..
        } => set_once[addr.0 as usize],
        Inst::Copy { src, .. } => held[src.0 as usize],
        Inst::IntImm {
            op: IntOp::Add,
            a,
            imm: 0,
            ..
        } => held[a.0 as usize],
        _ => false,
    })
}

/// The blocks of `f` holding a store into the cell of data symbol `sym` (a global), one entry
/// per store; `None` when the cell's address is used otherwise than to load or store its
/// whole word (so that what writes the cell is not known).
pub fn cell_stores(f: &Function, sym: u32) -> Option<Vec<BlockId>> {
    let accesses = cell_accesses(f, sym, &addresses_of(f, &[sym]))?;
    let stores = accesses
        .into_iter()
        .filter(|(_, inst)| matches!(inst, Inst::Store { .. }))
        .map(|(b, _)| b);
    Some(stores.collect())
}

/// The loads and stores of the whole word of the cell of data symbol `sym` (a global) in `f`,
/// with their blocks, through the vars `address` marks as holding the cell's address; `None`
/// when such a var is assigned anything but that address (its `SymAddr`, or a copy of such a
/// var) or used otherwise.
pub fn cell_accesses<'f>(
    f: &'f Function,
    sym: u32,
    address: &[bool],
) -> Option<Vec<(BlockId, &'f Inst)>> {
    let is_address = |v: Var| address[v.0 as usize];
    let mut accesses = Vec::new();
    for (b, block) in f.blocks.iter().enumerate() {
        for inst in &block.insts {
            let ok = match *inst {
                Inst::SymAddr { dst, sym: s } => s == sym || !is_address(dst),
                Inst::Copy { dst, src } if is_address(dst) => is_address(src),
                Inst::Load {
                    width: Width::W32,
                    dst: value,
                    addr,
                    offset: 0,
                }
                | Inst::Store {
                    width: Width::W32,
                    src: value,
                    addr,
                    offset: 0,
                } if is_address(addr) => {
                    accesses.push((BlockId(b as u32), inst));
                    !is_address(value)
                }
                _ => {
                    let mut uses_address = inst.def().is_some_and(is_address);
                    inst.for_each_use(|v| uses_address |= is_address(v));
                    !uses_address
                }
            };
            if !ok {
                return None;
            }
        }
        let mut uses_address = false;
        block.term.for_each_use(|v| uses_address |= is_address(v));
        if uses_address {
            return None;
        }
    }
    Some(accesses)
}

/// For every var of `f`, whether it always holds the address of one of the data symbols
/// `syms` (indices into [`Function::symbols`]): assigned only their `SymAddr`s and copies of
/// such vars.
fn addresses_of(f: &Function, syms: &[u32]) -> Vec<bool> {
    let mut initial = vec![true; f.vars.len()];
    for p in &f.params {
        initial[p.0 as usize] = false;
    }
    held_by_every_definition(f, initial, |inst, address| match *inst {
        Inst::SymAddr { sym, .. } => syms.contains(&sym),
        Inst::Copy { src, .. } => address[src.0 as usize],
        _ => false,
    })
}

/// For every var of `f`, whether a property holds of it, optimistically: starting from
/// `initial`, a var loses the property for good with its first definition that `keeps` does
/// not accept (given the property of every var so far), until nothing changes.
fn held_by_every_definition(
    f: &Function,
    mut held: Vec<bool>,
    keeps: impl Fn(&Inst, &[bool]) -> bool,
) -> Vec<bool> {
    let insts = || f.blocks.iter().flat_map(|b| &b.insts);
    let mut changed = true;
    while changed {
        changed = false;
        for inst in insts() {
            let Some(d) = inst.def() else { continue };
            if held[d.0 as usize] && !keeps(inst, &held) {
                held[d.0 as usize] = false;
                changed = true;
            }
        }
    }
    held
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Block, Callee, Cond, IntOp, LocId, Terminator, Ty};

    /// A function of `vars` with params `params` and one block of `insts` returning nothing.
    fn one_block(params: Vec<Var>, vars: Vec<Ty>, insts: Vec<Inst>) -> Function {
        Function {
            name: "f".into(),
            params,
            ret: None,
            vars,
            blocks: vec![Block {
                insts,
                term: Terminator::Return(None),
            }],
            locs: vec![Default::default()],
            symbols: vec![crate::DataSymbol::Str(b"s".to_vec())],
            callees: vec!["g".into()],
            callees_without_gc: vec![],
            natives_without_gc: vec![],
            callees_without_stores: vec![],
            globals_set_once: vec![],
        }
    }

    #[test]
    fn a_var_every_definition_of_which_sets_one_constant_is_that_constant() {
        let set = |dst: u32, value| Inst::IConst {
            dst: Var(dst),
            value,
        };
        let copy = Inst::Copy {
            dst: Var(3),
            src: Var(0),
        };
        let f = one_block(
            vec![Var(0)],
            vec![Ty::I32; 4],
            vec![
                set(1, 8),
                set(1, 8),
                set(2, 8),
                set(2, 9),
                set(0, 8),
                copy,
                set(3, 8),
            ],
        );
        assert_eq!(constant_values(&f), vec![None, Some(8), None, None]);
    }

    fn call(callee: Callee, args: Vec<Var>) -> Inst {
        Inst::Call {
            dst: None,
            callee,
            args,
            loc: LocId(0),
        }
    }

    fn load(dst: Var, addr: Var) -> Inst {
        Inst::Load {
            width: crate::Width::W32,
            dst,
            addr,
            offset: 8,
        }
    }

    /// `v0: Ref` (loaded) is live across the call, `v1: I32` too but is not traced, `v2: Ref`
    /// dies before.
    #[test]
    fn traced_vars_live_across_calls_need_roots() {
        let f = Function {
            name: "f".into(),
            params: vec![Var(4), Var(1), Var(2)],
            ret: Some(Ty::I32),
            vars: vec![Ty::Ref, Ty::I32, Ty::Ref, Ty::I32, Ty::Ref],
            blocks: vec![
                Block {
                    insts: vec![
                        load(Var(0), Var(4)),
                        Inst::Call {
                            dst: Some(Var(3)),
                            callee: Callee::Native(0),
                            args: vec![Var(2)],
                            loc: LocId(0),
                        },
                    ],
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
            callees_without_gc: vec![],
            natives_without_gc: vec![],
            callees_without_stores: vec![],
            globals_set_once: vec![],
        };
        let live = Liveness::compute(&f);
        assert_eq!(live.roots(&f), vec![Var(0)]);
        assert!(live.live_in[1].contains(0) && live.live_in[1].contains(1));
        assert!(!live.live_in[1].contains(2));
    }

    /// Parameters, copies of them, static data and constants live across a call need no root
    /// of the function's own; a loaded value does.
    #[test]
    fn values_rooted_elsewhere_need_no_root_across_calls() {
        let insts = vec![
            Inst::Copy {
                dst: Var(1),
                src: Var(0),
            },
            Inst::SymAddr {
                dst: Var(2),
                sym: 0,
            },
            Inst::IntImm {
                op: IntOp::Add,
                dst: Var(3),
                a: Var(2),
                imm: 0,
            },
            Inst::IConst {
                dst: Var(4),
                value: 0,
            },
            load(Var(5), Var(0)),
            call(Callee::Native(0), vec![]),
            call(
                Callee::Native(0),
                vec![Var(0), Var(1), Var(3), Var(4), Var(5)],
            ),
        ];
        let f = one_block(vec![Var(0)], vec![Ty::Ref; 6], insts);
        assert_eq!(rooted_elsewhere(&f), [true, true, true, true, true, false]);
        assert_eq!(Liveness::compute(&f).roots(&f), vec![Var(5)]);
    }

    /// A value loaded from a global assigned once stays reachable through its cell; one loaded
    /// from another global needs a root across a call.
    #[test]
    fn values_of_globals_set_once_need_no_root() {
        let sym = |dst, sym| Inst::SymAddr { dst: Var(dst), sym };
        let cell = |dst, addr| Inst::Load {
            width: crate::Width::W32,
            dst: Var(dst),
            addr: Var(addr),
            offset: 0,
        };
        let insts = vec![
            sym(0, 0),
            Inst::Copy {
                dst: Var(1),
                src: Var(0),
            },
            cell(2, 1),
            sym(3, 1),
            cell(4, 3),
            call(Callee::Native(0), vec![]),
            call(Callee::Native(0), vec![Var(2), Var(4)]),
        ];
        let mut f = one_block(vec![], vec![Ty::Ref; 5], insts);
        f.symbols = vec![
            crate::DataSymbol::Global {
                name: "bench".into(),
                traced: true,
            },
            crate::DataSymbol::Global {
                name: "list".into(),
                traced: true,
            },
        ];
        assert_eq!(Liveness::compute(&f).roots(&f), vec![Var(2), Var(4)]);
        f.globals_set_once = vec![0];
        assert_eq!(rooted_elsewhere(&f), [true, true, true, true, false]);
        assert_eq!(Liveness::compute(&f).roots(&f), vec![Var(4)]);
        assert_eq!(cell_stores(&f, 0), Some(vec![]));
    }

    /// A parameter assigned a loaded value needs a root like any other var.
    #[test]
    fn an_assigned_parameter_is_rooted_by_the_function() {
        let insts = vec![
            load(Var(0), Var(0)),
            call(Callee::Native(0), vec![]),
            call(Callee::Native(0), vec![Var(0)]),
        ];
        let f = one_block(vec![Var(0)], vec![Ty::Ref], insts);
        assert_eq!(Liveness::compute(&f).roots(&f), vec![Var(0)]);
    }

    /// The traced arguments of a call of a BlueScript function are rooted for the call even
    /// when they die there (the callee does not root its parameters); a native's are not.
    #[test]
    fn arguments_of_bluescript_calls_are_rooted_by_the_caller() {
        for (callee, roots) in [
            (Callee::Slot(0), vec![Var(1)]),
            (Callee::Dynamic(Var(2)), vec![Var(1)]),
            (Callee::Native(0), vec![]),
        ] {
            let insts = vec![
                load(Var(1), Var(0)),
                Inst::IConst {
                    dst: Var(2),
                    value: 3,
                },
                call(callee, vec![Var(0), Var(1)]),
            ];
            let vars = vec![Ty::Ref, Ty::Ref, Ty::I32];
            let f = one_block(vec![Var(0)], vars, insts);
            assert_eq!(Liveness::compute(&f).roots(&f), roots);
        }
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
            callees_without_gc: vec![],
            natives_without_gc: vec![],
            callees_without_stores: vec![],
            globals_set_once: vec![],
        };
        let live = Liveness::compute(&f);
        assert!(live.live_out[2].contains(0) && live.live_out[2].contains(1));
        assert!(live.live_in[3].contains(0) && !live.live_in[3].contains(1));
        assert_eq!(reverse_postorder(&f).len(), 4);
    }
}
