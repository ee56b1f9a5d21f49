//! Redundant loads and checks: along a chain of blocks where each has a single predecessor
//! (a body split by bounds checks, a method's straight-line code), a load of an object word
//! that an earlier load already read becomes a copy of that load's result (also after a join
//! of such chains, when every way in knows the word: each way then copies what it knows into
//! one var, `if (x > 500) x = 500; … x …` reading `x` once), and a branch that an
//! earlier branch on the same values already decided becomes a jump. `a[i] = a[j]; a[j] = t`
//! then reads `a`'s length and storage once and checks `i` and `j` once each. A word stored
//! through a reference is reused the same way by the loads from there that follow, and so is
//! the result of an integer operation (not a division) on the same operands.
//!
//! Memory, as for loop-invariant loads: only loads through `Ref` addresses are reused (never
//! volatile ones), a store through a `Ref` or `Any` address forgets the loads whose bytes it may
//! overlap, a store through an `I32` address (an element, a global) forgets none, and a call
//! forgets everything.
//!
//! Vars (not SSA): what is known mentions vars by name, so assigning a var forgets everything
//! known about it. Copies are followed, so that a check on a reused load's copy matches the
//! check on the original.

use super::range;
use crate::{BlockId, Cond, Function, Inst, IntOp, Terminator, Ty, Var, Width};

/// A pure integer operation on resolved operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expr {
    /// `a op b`.
    Vars(IntOp, Var, Var),
    /// `a op imm`.
    Imm(IntOp, Var, i32),
}

impl Expr {
    fn mentions(self, v: Var) -> bool {
        match self {
            Expr::Vars(_, a, b) => a == v || b == v,
            Expr::Imm(_, a, _) => a == v,
        }
    }
}

/// What is known at a point of a block chain.
#[derive(Clone, Default)]
struct Known {
    /// `(addr, width, offset, value)`: `value` holds the word at `addr + offset`.
    loads: Vec<(Var, Width, i32, Var)>,
    /// `(cond, a, b, holds)`: `a cond b` is `holds` (operands resolved through `copies`).
    facts: Vec<(Cond, Var, Var, bool)>,
    /// `(dst, src)`: `dst` holds the value of `src`.
    copies: Vec<(Var, Var)>,
    /// `(expr, value)`: `value` holds the result of `expr`.
    exprs: Vec<(Expr, Var)>,
}

impl Known {
    /// Forgets everything that mentions `v`, which is being assigned.
    fn assign(&mut self, v: Var) {
        self.loads.retain(|&(a, _, _, x)| a != v && x != v);
        self.facts.retain(|&(_, a, b, _)| a != v && b != v);
        self.copies.retain(|&(d, s)| d != v && s != v);
        self.exprs.retain(|&(e, x)| x != v && !e.mentions(v));
    }

    /// Updates what is known over `inst`, which computes `e` into `dst`: a copy of an earlier
    /// var that holds `e`, if there is one.
    fn compute(&mut self, inst: &mut Inst, e: Expr, dst: Var, vars: &[Ty]) {
        let earlier = self.exprs.iter().find(|&&(x, _)| x == e).map(|&(_, v)| v);
        self.assign(dst);
        match earlier {
            Some(v) if v != dst && vars[v.0 as usize] == vars[dst.0 as usize] => {
                *inst = Inst::Copy { dst, src: v };
                self.copies.push((dst, v));
            }
            _ if !e.mentions(dst) => self.exprs.push((e, dst)),
            _ => {}
        }
    }

    /// The var whose value `v` holds, through copies.
    fn resolve(&self, mut v: Var) -> Var {
        while let Some(&(_, s)) = self.copies.iter().find(|&&(d, _)| d == v) {
            v = s;
        }
        v
    }
}

/// Removes the redundant loads and branches of `f`.
pub(crate) fn run(f: &mut Function) {
    let order = crate::analysis::reverse_postorder(f);
    let mut preds: Vec<Vec<BlockId>> = vec![Vec::new(); f.blocks.len()];
    for &b in &order {
        for s in f.block(b).term.successors() {
            preds[s.0 as usize].push(b);
        }
    }
    let volatile = f.volatile_addresses();
    // What is known on entry to each block, from its predecessor (used when it is the only one),
    // and what is known at the end of each block done.
    let mut entry: Vec<Option<Known>> = vec![None; f.blocks.len()];
    let mut at_exit: Vec<Option<Known>> = vec![None; f.blocks.len()];
    // The words known at a join under another var on each way in: (var, [(pred, value)]).
    let mut merges: Vec<(Var, Vec<(BlockId, Var)>)> = Vec::new();
    for &b in &order {
        let mut known = match &preds[b.0 as usize][..] {
            [_] if b.0 != 0 => entry[b.0 as usize].take().unwrap_or_default(),
            [_, _, ..] if b.0 != 0 => join(f, &preds[b.0 as usize], &at_exit, &mut merges),
            _ => Known::default(),
        };
        let block = &mut f.blocks[b.0 as usize];
        for inst in &mut block.insts {
            step(inst, &mut known, &f.vars, &volatile);
        }
        at_exit[b.0 as usize] = Some(known.clone());
        if let Terminator::Branch {
            cond,
            a,
            b: rhs,
            then,
            other,
        } = block.term
        {
            let (ra, rb) = (known.resolve(a), known.resolve(rhs));
            let decided = known
                .facts
                .iter()
                .find(|&&(c, x, y, _)| c == cond && x == ra && y == rb)
                .map(|&(_, _, _, holds)| holds);
            match decided {
                Some(true) => block.term = Terminator::Jump(then),
                Some(false) => block.term = Terminator::Jump(other),
                None if then != other => {
                    for (to, holds) in [(then, true), (other, false)] {
                        let mut k = known.clone();
                        k.facts.push((cond, ra, rb, holds));
                        entry[to.0 as usize] = Some(k);
                    }
                    continue;
                }
                None => {}
            }
        }
        for s in f.block(b).term.successors() {
            entry[s.0 as usize] = Some(known.clone());
        }
    }
    // Each merge a reused load reads is set at the end of every way into its join.
    let mut read = vec![false; f.vars.len()];
    for block in &f.blocks {
        for inst in &block.insts {
            inst.for_each_use(|v| read[v.0 as usize] = true);
        }
    }
    for (t, sources) in merges {
        if read[t.0 as usize] {
            for (p, v) in sources {
                f.blocks[p.0 as usize]
                    .insts
                    .push(Inst::Copy { dst: t, src: v });
            }
        }
    }
}

/// What is known on entry to a block joining the ways from `preds` (all done, else nothing):
/// an object word every way knows, under one var if they agree, else under a new var that
/// each way will copy its own into (recorded in `merges`).
fn join(
    f: &mut Function,
    preds: &[BlockId],
    at_exit: &[Option<Known>],
    merges: &mut Vec<(Var, Vec<(BlockId, Var)>)>,
) -> Known {
    let Some(exits) = preds
        .iter()
        .map(|p| at_exit[p.0 as usize].as_ref())
        .collect::<Option<Vec<&Known>>>()
    else {
        return Known::default();
    };
    let mut known = Known::default();
    for &(base, width, offset, first) in &exits[0].loads {
        let values: Option<Vec<Var>> = exits
            .iter()
            .map(|k| {
                k.loads
                    .iter()
                    .find(|&&(a, w, o, _)| a == base && w == width && o == offset)
                    .map(|&(.., v)| v)
            })
            .collect();
        let Some(values) = values else { continue };
        let ty = f.ty(first);
        if values.iter().any(|&v| f.ty(v) != ty || v == base) {
            continue;
        }
        let value = if values.iter().all(|&v| v == first) {
            first
        } else {
            f.vars.push(ty);
            let t = Var(f.vars.len() as u32 - 1);
            merges.push((t, preds.iter().copied().zip(values).collect()));
            t
        };
        known.loads.push((base, width, offset, value));
    }
    known
}

/// Updates `known` over `inst`, replacing a redundant load by a copy.
fn step(inst: &mut Inst, known: &mut Known, vars: &[Ty], volatile: &[bool]) {
    match *inst {
        Inst::Load {
            width,
            dst,
            addr,
            offset,
        } if vars[addr.0 as usize] == Ty::Ref && !volatile[addr.0 as usize] => {
            let base = known.resolve(addr);
            let earlier = known
                .loads
                .iter()
                .find(|&&(a, w, o, _)| a == base && w == width && o == offset)
                .map(|&(_, _, _, v)| v);
            known.assign(dst);
            match earlier {
                Some(v) if v != dst => {
                    *inst = Inst::Copy { dst, src: v };
                    known.copies.push((dst, v));
                }
                _ if base != dst => known.loads.push((base, width, offset, dst)),
                _ => {}
            }
        }
        Inst::Store {
            width,
            src,
            addr,
            offset,
        } => {
            if vars[addr.0 as usize] != Ty::I32 {
                let (lo, hi) = range(width, offset);
                known.loads.retain(|&(_, w, o, _)| {
                    let (a, b) = range(w, o);
                    b <= lo || hi <= a
                });
            }
            // A word stored through a reference is what a load from there reads next.
            if vars[addr.0 as usize] == Ty::Ref && width == Width::W32 && !volatile[addr.0 as usize]
            {
                known.loads.push((known.resolve(addr), width, offset, src));
            }
        }
        Inst::Call { dst, .. } => {
            known.loads.clear();
            if let Some(d) = dst {
                known.assign(d);
            }
        }
        // Divisions trap on a zero divisor: they stay where they are.
        Inst::Int { op, dst, a, b } if !matches!(op, IntOp::DivS | IntOp::RemS) => {
            let e = Expr::Vars(op, known.resolve(a), known.resolve(b));
            known.compute(inst, e, dst, vars);
        }
        Inst::IntImm { op, dst, a, imm } if !matches!(op, IntOp::DivS | IntOp::RemS) => {
            let e = Expr::Imm(op, known.resolve(a), imm);
            known.compute(inst, e, dst, vars);
        }
        Inst::Copy { dst, src } => {
            let src = known.resolve(src);
            known.assign(dst);
            if src != dst {
                known.copies.push((dst, src));
            }
        }
        _ => {
            if let Some(d) = inst.def() {
                known.assign(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Block, BlockId, Callee, LocId};

    const A: Var = Var(0);
    const I: Var = Var(1);
    const LEN1: Var = Var(2);
    const LEN2: Var = Var(3);
    const X: Var = Var(4);
    const OTHER: Var = Var(5);

    /// `i` stored at `addr + 8` (where `a`'s length is).
    fn store(addr: Var) -> Inst {
        Inst::Store {
            width: Width::W32,
            src: I,
            addr,
            offset: 8,
        }
    }

    fn load(dst: Var, offset: i32) -> Inst {
        Inst::Load {
            width: Width::W32,
            dst,
            addr: A,
            offset,
        }
    }

    fn check(len: Var, ok: u32) -> Terminator {
        Terminator::Branch {
            cond: Cond::LtU,
            a: I,
            b: len,
            then: BlockId(ok),
            other: BlockId(3),
        }
    }

    /// `a[i]` twice: length load and bounds check, then again, then return.
    fn twice(between: Vec<Inst>) -> Function {
        let mut f = Function::empty("twice", None);
        f.params = vec![A, I, X, OTHER];
        f.vars = vec![Ty::Ref, Ty::I32, Ty::I32, Ty::I32, Ty::I32, Ty::Ref];
        f.locs = vec![Default::default()];
        let block = |insts, term| Block { insts, term };
        let mut second = between;
        second.push(load(LEN2, 8));
        f.blocks = vec![
            block(vec![load(LEN1, 8)], check(LEN1, 1)),
            block(second, check(LEN2, 2)),
            block(vec![], Terminator::Return(None)),
            block(
                vec![],
                Terminator::Raise {
                    native: 0,
                    args: vec![I],
                    loc: LocId(0),
                },
            ),
        ];
        f
    }

    #[test]
    fn a_second_length_load_and_bounds_check_go() {
        let mut f = twice(vec![]);
        run(&mut f);
        assert_eq!(
            f.blocks[1].insts.last(),
            Some(&Inst::Copy {
                dst: LEN2,
                src: LEN1
            }),
            "{f}"
        );
        assert_eq!(f.blocks[1].term, Terminator::Jump(BlockId(2)), "{f}");
        assert_eq!(crate::verify::verify(&f), Ok(()));
    }

    #[test]
    fn an_element_store_keeps_the_length() {
        let store = store(X);
        let mut f = twice(vec![store]);
        run(&mut f);
        assert_eq!(f.blocks[1].term, Terminator::Jump(BlockId(2)), "{f}");
    }

    #[test]
    fn a_store_through_another_reference_or_a_call_forgets_the_length() {
        let store = store(OTHER);
        let call = Inst::Call {
            dst: None,
            callee: Callee::Slot(0),
            args: vec![],
            loc: LocId(0),
        };
        for between in [store, call] {
            let mut f = twice(vec![between]);
            run(&mut f);
            assert_eq!(f.blocks[1].insts.last(), Some(&load(LEN2, 8)), "{f}");
            assert_eq!(f.blocks[1].term, check(LEN2, 2), "{f}");
        }
    }

    #[test]
    fn a_load_after_a_store_reads_the_stored_var() {
        let store = store(A);
        let mut f = twice(vec![store]);
        run(&mut f);
        assert_eq!(
            f.blocks[1].insts.last(),
            Some(&Inst::Copy { dst: LEN2, src: I }),
            "{f}"
        );
    }

    #[test]
    fn an_address_computed_twice_is_computed_once() {
        let shl = |dst| Inst::IntImm {
            op: IntOp::Shl,
            dst,
            a: I,
            imm: 2,
        };
        let mut f = twice(vec![shl(X)]);
        f.blocks[0].insts.push(shl(LEN1));
        run(&mut f);
        assert_eq!(
            f.blocks[1].insts[0],
            Inst::Copy { dst: X, src: LEN1 },
            "{f}"
        );
    }

    #[test]
    fn assigning_the_index_forgets_the_check() {
        let bump = Inst::IntImm {
            op: crate::IntOp::Add,
            dst: I,
            a: I,
            imm: 1,
        };
        let mut f = twice(vec![bump]);
        run(&mut f);
        assert_eq!(f.blocks[1].term, check(LEN2, 2), "{f}");
    }

    #[test]
    fn a_join_starts_with_nothing_known() {
        let mut f = twice(vec![]);
        // A second way into the second check.
        f.blocks[0].term = Terminator::Branch {
            cond: Cond::LtU,
            a: I,
            b: LEN1,
            then: BlockId(1),
            other: BlockId(4),
        };
        f.blocks.push(Block {
            insts: vec![],
            term: Terminator::Jump(BlockId(1)),
        });
        run(&mut f);
        assert_eq!(f.blocks[1].term, check(LEN2, 2), "{f}");
    }

    /// `x = a.f; if (x > i) a.f = i; return a.f`: both ways into the return know `a.f` (as
    /// `x` and as `i`), so the last load becomes a copy of a var each way sets; with a call on
    /// one way, the load stays.
    #[test]
    fn a_word_every_way_into_a_join_knows_is_not_loaded_again() {
        let join = |on_store_path: Vec<Inst>| {
            let mut f = Function::empty("clamp", Some(Ty::I32));
            f.params = vec![A, I];
            f.vars = vec![Ty::Ref, Ty::I32, Ty::I32, Ty::I32];
            let block = |insts, term| Block { insts, term };
            let mut store_path = vec![store(A)];
            store_path.extend(on_store_path);
            f.blocks = vec![
                block(
                    vec![load(LEN1, 8)],
                    Terminator::Branch {
                        cond: Cond::GtS,
                        a: LEN1,
                        b: I,
                        then: BlockId(1),
                        other: BlockId(2),
                    },
                ),
                block(store_path, Terminator::Jump(BlockId(2))),
                block(vec![load(LEN2, 8)], Terminator::Return(Some(LEN2))),
            ];
            f
        };
        let mut f = join(vec![]);
        let before = f.clone();
        run(&mut f);
        assert_eq!(crate::verify::verify(&f), Ok(()));
        let merged = Var(4);
        assert_eq!(
            f.blocks[2].insts,
            [Inst::Copy {
                dst: LEN2,
                src: merged
            }],
            "{f}"
        );
        assert_eq!(
            f.blocks[0].insts.last(),
            Some(&Inst::Copy {
                dst: merged,
                src: LEN1
            })
        );
        assert_eq!(
            f.blocks[1].insts.last(),
            Some(&Inst::Copy {
                dst: merged,
                src: I
            })
        );
        for (field, i) in [(5, 9), (5, 2), (1, 1)] {
            let run = |f: &Function| {
                let mut memory = Cell(field);
                crate::interp::interpret(f, &[0, i], &mut memory)
            };
            assert_eq!(run(&f), run(&before), "field {field}, i {i}");
        }
        let call = Inst::Call {
            dst: None,
            callee: Callee::Native(0),
            args: vec![],
            loc: LocId(0),
        };
        let mut f = join(vec![call]);
        let before = f.clone();
        run(&mut f);
        assert_eq!(f, before);
    }

    /// One object word, at offset 8 of any address.
    struct Cell(u32);

    impl crate::interp::Host for Cell {
        fn load(&mut self, _: Width, _: u32) -> u32 {
            self.0
        }
        fn store(&mut self, _: Width, _: u32, value: u32) {
            self.0 = value;
        }
        fn call(&mut self, _: (BlockId, usize), _: &[u32], _: Callee, _: &[u32]) -> u32 {
            0
        }
    }
}
