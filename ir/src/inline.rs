//! Inlining: a call of a known BlueScript function ([`Callee::Slot`]) replaced by a copy of
//! the callee's body. Only whole-program (release) linking may use it: in development every
//! call goes through its function-table slot, so that a patched callee reaches every caller.
//!
//! The copy keeps the callee's source locations (appended to the caller's), so a run-time error
//! in inlined code still names the callee's line.

use crate::{Block, BlockId, Callee, Function, Inst, LocId, Terminator, Var};

/// The number of instructions and terminators of `f`: the size [`inline_call`]'s callers weigh.
pub fn size(f: &Function) -> usize {
    f.blocks.iter().map(|b| b.insts.len() + 1).sum()
}

/// Replaces the call at instruction `index` of block `block` of `f`, a call of `callee` (which
/// must be `f.callees[n]` for its [`Callee::Slot`]`(n)`, with matching arguments), by a copy
/// of `callee`'s body: the arguments are copied into the callee's parameters, each return
/// copies its value into the call's result and continues after the call. Returns `false`,
/// changing nothing, when that instruction is not a call by slot.
pub fn inline_call(f: &mut Function, block: usize, index: usize, callee: &Function) -> bool {
    let Some(Inst::Call {
        dst,
        callee: Callee::Slot(_),
        args,
        ..
    }) = f.blocks[block].insts.get(index).cloned()
    else {
        return false;
    };
    let var_base = f.vars.len() as u32;
    f.vars.extend(callee.vars.iter().copied());
    let loc_base = f.locs.len() as u32;
    f.locs.extend(callee.locs.iter().copied());
    let symbols: Vec<u32> = callee
        .symbols
        .iter()
        .map(|s| index_of(&mut f.symbols, s))
        .collect();
    let callees: Vec<u32> = callee
        .callees
        .iter()
        .map(|c| index_of(&mut f.callees, c))
        .collect();
    let entry = BlockId(f.blocks.len() as u32);
    let after = BlockId(entry.0 + callee.blocks.len() as u32);
    let rename = Renaming {
        var_base,
        loc_base,
        block_base: entry.0,
        symbols: &symbols,
        callees: &callees,
    };
    // The call's block ends with the arguments copied into the parameters and a jump to the
    // copy; what followed the call continues in a block of its own.
    let caller = &mut f.blocks[block];
    let rest = caller.insts.split_off(index + 1);
    caller.insts.pop();
    let params = callee.params.iter().zip(&args);
    caller.insts.extend(params.map(|(p, &src)| Inst::Copy {
        dst: rename.var(*p),
        src,
    }));
    let term = std::mem::replace(&mut caller.term, Terminator::Jump(entry));
    for b in &callee.blocks {
        let mut copy = rename.block(b);
        if let Terminator::Return(value) = copy.term {
            if let (Some(dst), Some(src)) = (dst, value) {
                copy.insts.push(Inst::Copy { dst, src });
            }
            copy.term = Terminator::Jump(after);
        }
        f.blocks.push(copy);
    }
    f.blocks.push(Block { insts: rest, term });
    true
}

/// Removes the names of [`Function::callees`] that no call refers to any more (after their
/// calls were inlined), renumbering the calls of the others.
pub fn drop_unused_callees(f: &mut Function) {
    let mut used = vec![false; f.callees.len()];
    for n in slot_calls(f) {
        used[*n as usize] = true;
    }
    let mut new_index = vec![0; f.callees.len()];
    let mut kept = Vec::new();
    for (i, name) in f.callees.iter().enumerate() {
        if used[i] {
            new_index[i] = kept.len() as u32;
            kept.push(name.clone());
        }
    }
    f.callees = kept;
    for n in slot_calls(f) {
        *n = new_index[*n as usize];
    }
}

/// The callee numbers of `f`'s calls by slot.
fn slot_calls(f: &mut Function) -> impl Iterator<Item = &mut u32> {
    f.blocks
        .iter_mut()
        .flat_map(|b| &mut b.insts)
        .filter_map(|i| match i {
            Inst::Call {
                callee: Callee::Slot(n),
                ..
            } => Some(n),
            _ => None,
        })
}

/// The index of `x` in `list`, added at its end when missing.
fn index_of<T: PartialEq + Clone>(list: &mut Vec<T>, x: &T) -> u32 {
    match list.iter().position(|y| y == x) {
        Some(i) => i as u32,
        None => {
            list.push(x.clone());
            list.len() as u32 - 1
        }
    }
}

/// How the callee's numbers become the caller's.
struct Renaming<'a> {
    var_base: u32,
    loc_base: u32,
    block_base: u32,
    symbols: &'a [u32],
    callees: &'a [u32],
}

impl Renaming<'_> {
    fn var(&self, v: Var) -> Var {
        Var(v.0 + self.var_base)
    }

    fn block_id(&self, b: BlockId) -> BlockId {
        BlockId(b.0 + self.block_base)
    }

    fn loc(&self, l: LocId) -> LocId {
        LocId(l.0 + self.loc_base)
    }

    /// A copy of the callee's block `b` in the caller's numbers.
    fn block(&self, b: &Block) -> Block {
        let rename_var = |v: &mut Var| *v = self.var(*v);
        let insts = b
            .insts
            .iter()
            .map(|inst| {
                let mut inst = inst.clone();
                inst.for_each_use_mut(rename_var);
                if let Some(d) = inst.def_mut() {
                    *d = self.var(*d);
                }
                match &mut inst {
                    Inst::SymAddr { sym, .. } => *sym = self.symbols[*sym as usize],
                    Inst::Call { callee, loc, .. } => {
                        if let Callee::Slot(n) = callee {
                            *n = self.callees[*n as usize];
                        }
                        *loc = self.loc(*loc);
                    }
                    _ => {}
                }
                inst
            })
            .collect();
        let mut term = b.term.clone();
        term.for_each_use_mut(rename_var);
        match &mut term {
            Terminator::Jump(t) => *t = self.block_id(*t),
            Terminator::Branch { then, other, .. } => {
                *then = self.block_id(*then);
                *other = self.block_id(*other);
            }
            Terminator::Raise { loc, .. } => *loc = self.loc(*loc),
            Terminator::Return(_) => {}
        }
        Block { insts, term }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builder::Builder;
    use crate::interp::{End, Host, interpret};
    use crate::{Cond, DataSymbol, IntOp, SourceLoc, Ty, Width};

    /// `max(a, b) + 100`, with a raise when `a` is negative (at its location 0), and a read of
    /// the interrupt flag.
    fn callee() -> Function {
        let (mut b, p) = Builder::new(&[Ty::I32, Ty::I32], Some(Ty::I32));
        let zero = b.iconst(0);
        let (bad, ok, first, second) = (b.block(), b.block(), b.block(), b.block());
        b.branch(Cond::LtS, p[0], zero, bad, ok);
        b.switch(bad);
        b.raise(7, &[p[0]]);
        b.switch(ok);
        let flag = b.symbol(DataSymbol::InterruptFlag);
        let at = b.var(Ty::I32);
        b.push(Inst::SymAddr { dst: at, sym: flag });
        let _ = b.load(Width::W32, Ty::I32, at, 0);
        b.branch(Cond::GtS, p[0], p[1], first, second);
        b.switch(first);
        let r = b.int_imm(IntOp::Add, p[0], 100);
        b.ret(r);
        b.switch(second);
        let r = b.int_imm(IntOp::Add, p[1], 100);
        b.ret(r);
        let mut f = b.finish();
        f.locs[0] = SourceLoc {
            file: 1,
            start: 50,
            end: 60,
        };
        f
    }

    /// `callee(x, 3) * 2`, calling it through slot 0.
    fn caller() -> Function {
        let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
        let three = b.iconst(3);
        let r = b
            .call(Callee::Slot(0), &[p[0], three], Some(Ty::I32))
            .unwrap();
        let two = b.iconst(2);
        let out = b.int(IntOp::Mul, r, two);
        b.ret(out);
        b.finish()
    }

    struct NoCalls;
    impl Host for NoCalls {
        fn load(&mut self, _: Width, _: u32) -> u32 {
            0
        }
        fn store(&mut self, _: Width, _: u32, _: u32) {}
        fn call(&mut self, _: (BlockId, usize), _: &[u32], _: Callee, _: &[u32]) -> u32 {
            panic!("no call is left")
        }
    }

    #[test]
    fn an_inlined_call_computes_the_same_and_keeps_the_callees_locations() {
        let mut f = caller();
        let at = f.blocks[0]
            .insts
            .iter()
            .position(|i| matches!(i, Inst::Call { .. }))
            .unwrap();
        assert!(inline_call(&mut f, 0, at, &callee()));
        assert_eq!(crate::verify::verify(&f), Ok(()));
        for (x, want) in [(5, 210), (1, 206)] {
            assert_eq!(interpret(&f, &[x], &mut NoCalls), End::Return(want));
        }
        // The raise names the callee's location, now the caller's second.
        assert_eq!(
            interpret(&f, &[-4i32 as u32], &mut NoCalls),
            End::Raise(7, vec![-4i32 as u32])
        );
        let raise = f.blocks.iter().find_map(|b| match b.term {
            Terminator::Raise { loc, .. } => Some(loc),
            _ => None,
        });
        assert_eq!(f.locs[raise.unwrap().0 as usize].start, 50);
        assert_eq!(f.symbols, [DataSymbol::InterruptFlag]);
        assert_eq!(f.callees, ["f0"]);
        drop_unused_callees(&mut f);
        assert!(f.callees.is_empty(), "its only call was inlined");
        // Not a call by slot: nothing changes.
        let before = f.clone();
        assert!(!inline_call(&mut f, 0, 0, &callee()));
        assert_eq!(f, before);
    }
}
