//! Loop-invariant loads: a load of an object word (through a `Ref` address the loop never
//! reassigns) that nothing in the loop can change is done once, before the loop. This takes
//! array lengths, fields and the like out of loops that make no calls.
//!
//! Volatile loads (through the address of the interrupt flag, which the device sets while the
//! program runs) are never hoisted.
//!
//! Memory: by the IR's invariant, stores through `I32` addresses (elements, globals) never write
//! a word read through a `Ref` address, so only stores through `Ref` or `Any` addresses whose
//! bytes overlap the load's offset (whatever their base) can change it. A call can change
//! anything, so loops with calls are left alone, unless every call is known to collect no
//! garbage and store into no object ([`Function::callees_without_stores`], set in release
//! images): then nothing changes the words read, and no collection can free what a hoisted
//! value points into while the var it was read through is dead.
//!
//! A load through the result of a hoisted load (an array's length, read through a field
//! holding the array) is invariant too, and hoisted after it.
//!
//! Safety: a hoisted load must not run where the original would not have (it could fault on a
//! null address), so only loads that every entry into the loop executes are hoisted: those of
//! the header, and those of the blocks the header's in-loop successor falls through to by
//! jumps, before any branch (a bounds check ends the run). Since the header tests the loop
//! condition first, the loop is *inverted*: a copy of the header (the guard) tests the
//! condition on entry and leads to a preheader that holds the hoisted loads, then to the
//! header. Only headers without effects that give the same result when run twice qualify.
//!
//! Vars (not SSA): a hoisted load's result must be assigned nowhere else in the loop and be
//! dead on entry to the header, so that every read in or after the loop sees the hoisted value.

use super::loops::{Loop, natural_loops};
use super::range;
use crate::analysis::Liveness;
use crate::{Block, BlockId, Callee, Function, Inst, Terminator, Ty, Var};

/// Hoists the invariant loads of every loop of `f`, innermost loops first.
pub(crate) fn run(f: &mut Function) {
    let mut done: Vec<BlockId> = Vec::new();
    while let Some(l) = natural_loops(f)
        .into_iter()
        .find(|l| !done.contains(&l.header))
    {
        done.push(l.header);
        hoist(f, &l);
    }
}

/// Hoists the invariant loads of loop `l` into a new preheader behind a copy of its header.
fn hoist(f: &mut Function, l: &Loop) {
    let h = l.header;
    if h.0 == 0 {
        return;
    }
    let blocks: Vec<BlockId> = (0..f.blocks.len() as u32)
        .map(BlockId)
        .filter(|&b| l.contains(b))
        .collect();
    let body_insts = || blocks.iter().flat_map(|&b| f.block(b).insts.iter());
    let noisy_call =
        |i: &Inst| matches!(i, Inst::Call { callee, .. } if !leaves_objects_alone(f, callee));
    if body_insts().any(noisy_call) {
        return;
    }
    let Terminator::Branch { then, other, .. } = f.block(h).term else {
        return;
    };
    let into = match (l.contains(then), l.contains(other)) {
        (true, false) => then,
        (false, true) => other,
        _ => return,
    };
    if !rerunnable(f.block(h)) {
        return;
    }
    let mut defs_in_loop = vec![0u32; f.vars.len()];
    for inst in body_insts() {
        if let Some(d) = inst.def() {
            defs_in_loop[d.0 as usize] += 1;
        }
    }
    // Byte ranges of object stores in the loop.
    let stores: Vec<(i64, i64)> = body_insts()
        .filter_map(|i| match *i {
            Inst::Store {
                width,
                addr,
                offset,
                ..
            } if f.ty(addr) != Ty::I32 => Some(range(width, offset)),
            _ => None,
        })
        .collect();
    let live = Liveness::compute(f);
    let volatile = f.volatile_addresses();
    let invariant = |inst: &Inst, defs_in_loop: &[u32]| match *inst {
        Inst::Load {
            width,
            dst,
            addr,
            offset,
        } => {
            let (lo, hi) = range(width, offset);
            f.ty(addr) == Ty::Ref
                && !volatile[addr.0 as usize]
                && defs_in_loop[addr.0 as usize] == 0
                && defs_in_loop[dst.0 as usize] == 1
                && !live.live_in[h.0 as usize].contains(dst.0 as usize)
                && stores.iter().all(|&(a, b)| b <= lo || hi <= a)
        }
        _ => false,
    };
    // (block, instruction index) of every load to hoist; header loads stay in the guard. A
    // hoisted load's result counts as assigned outside the loop from then on.
    let mut hoisted: Vec<(BlockId, usize)> = Vec::new();
    let mut hoist_from = |b: BlockId, defs_in_loop: &mut Vec<u32>| {
        for (i, inst) in f.block(b).insts.iter().enumerate() {
            if invariant(inst, defs_in_loop) {
                hoisted.push((b, i));
                if let Some(d) = inst.def() {
                    defs_in_loop[d.0 as usize] -= 1;
                }
            }
        }
    };
    hoist_from(h, &mut defs_in_loop);
    let mut b = into;
    let mut seen = vec![h];
    while l.contains(b) && !seen.contains(&b) {
        seen.push(b);
        hoist_from(b, &mut defs_in_loop);
        match f.block(b).term {
            Terminator::Jump(next) => b = next,
            _ => break,
        }
    }
    if hoisted.is_empty() {
        return;
    }
    let guard = BlockId(f.blocks.len() as u32);
    let pre = BlockId(guard.0 + 1);
    let mut guard_block = f.block(h).clone();
    if let Terminator::Branch { then, other, .. } = &mut guard_block.term {
        for t in [then, other] {
            if *t == into {
                *t = pre;
            }
        }
    }
    let pre_insts: Vec<Inst> = hoisted
        .iter()
        .filter(|(b, _)| *b != h)
        .map(|&(b, i)| f.block(b).insts[i].clone())
        .collect();
    // Remove from the back so that earlier indices stay valid.
    for &(b, i) in hoisted.iter().rev() {
        f.blocks[b.0 as usize].insts.remove(i);
    }
    for (bi, block) in f.blocks.iter_mut().enumerate() {
        if !l.body[bi] {
            retarget(&mut block.term, h, guard);
        }
    }
    f.blocks.push(guard_block);
    f.blocks.push(Block {
        insts: pre_insts,
        term: Terminator::Jump(h),
    });
}

/// Whether a call of `callee` from `f` is known to collect no garbage and store into no
/// object.
fn leaves_objects_alone(f: &Function, callee: &Callee) -> bool {
    // Natives that never collect never store into objects either (the runtime's contract).
    crate::analysis::never_collects(f, callee)
        && match callee {
            Callee::Slot(n) => f.callees_without_stores.contains(n),
            Callee::Native(_) | Callee::Dynamic(_) => true,
        }
}

/// Whether running `b`'s instructions twice in a row gives the same vars as running them once:
/// no effects, and no instruction reads a var that it or a later one assigns.
fn rerunnable(b: &Block) -> bool {
    b.insts.iter().enumerate().all(|(i, inst)| {
        if matches!(inst, Inst::Call { .. } | Inst::Store { .. }) {
            return false;
        }
        let later: Vec<Var> = b.insts[i..].iter().filter_map(Inst::def).collect();
        let mut ok = true;
        inst.for_each_use(|v| ok &= !later.contains(&v));
        ok
    })
}

/// Points the edges of `t` to `from` at `to`.
fn retarget(t: &mut Terminator, from: BlockId, to: BlockId) {
    match t {
        Terminator::Jump(b) if *b == from => *b = to,
        Terminator::Branch { then, other, .. } => {
            for b in [then, other] {
                if *b == from {
                    *b = to;
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Width;
    use crate::{Cond, IntOp};

    const A: Var = Var(0);
    const N: Var = Var(1);
    const I: Var = Var(2);
    const LEN: Var = Var(3);
    const DATA: Var = Var(4);
    const P: Var = Var(5);

    /// `for (i = 0; i < n; i++) a[i] = i`, as lowering writes it (after copy propagation),
    /// with `extra` at the start of the body.
    fn fill(extra: Vec<Inst>) -> Function {
        let mut body = extra;
        body.push(Inst::Load {
            width: Width::W32,
            dst: LEN,
            addr: A,
            offset: 8,
        });
        let block = |insts, term| Block { insts, term };
        Function {
            name: "fill".into(),
            params: vec![A, N],
            ret: None,
            vars: vec![
                Ty::Ref,
                Ty::I32,
                Ty::I32,
                Ty::I32,
                Ty::I32,
                Ty::I32,
                Ty::I32,
            ],
            blocks: vec![
                block(
                    vec![Inst::IConst { dst: I, value: 0 }],
                    Terminator::Jump(BlockId(1)),
                ),
                block(
                    vec![],
                    Terminator::Branch {
                        cond: Cond::LtS,
                        a: I,
                        b: N,
                        then: BlockId(2),
                        other: BlockId(4),
                    },
                ),
                block(
                    body,
                    Terminator::Branch {
                        cond: Cond::LtU,
                        a: I,
                        b: LEN,
                        then: BlockId(3),
                        other: BlockId(5),
                    },
                ),
                block(
                    vec![
                        Inst::Load {
                            width: Width::W32,
                            dst: DATA,
                            addr: A,
                            offset: 12,
                        },
                        Inst::IntImm {
                            op: IntOp::Shl,
                            dst: P,
                            a: I,
                            imm: 2,
                        },
                        Inst::Int {
                            op: IntOp::Add,
                            dst: P,
                            a: DATA,
                            b: P,
                        },
                        Inst::Store {
                            width: Width::W32,
                            src: I,
                            addr: P,
                            offset: 0,
                        },
                        Inst::IntImm {
                            op: IntOp::Add,
                            dst: I,
                            a: I,
                            imm: 1,
                        },
                    ],
                    Terminator::Jump(BlockId(1)),
                ),
                block(vec![], Terminator::Return(None)),
                block(
                    vec![],
                    Terminator::Raise {
                        native: 0,
                        args: vec![I, LEN],
                        loc: crate::LocId(0),
                    },
                ),
            ],
            locs: vec![Default::default()],
            symbols: vec![],
            callees: vec![],
            callees_without_gc: vec![],
            natives_without_gc: vec![],
            callees_without_stores: vec![],
            globals_set_once: vec![],
        }
    }

    /// Whether the length load moved to a preheader behind a guard.
    fn length_hoisted(f: &Function) -> bool {
        f.blocks.len() == 8
            && f.blocks[0].term == Terminator::Jump(BlockId(6))
            && f.blocks[7].insts
                == vec![Inst::Load {
                    width: Width::W32,
                    dst: LEN,
                    addr: A,
                    offset: 8,
                }]
    }

    #[test]
    fn a_volatile_load_stays_in_the_loop() {
        // The flag's address in a `Ref` var that the loop never reassigns: only volatility
        // keeps its load in the body, while the array length still leaves.
        const FLAG: Var = Var(6);
        const POLL: Var = Var(7);
        let poll = Inst::Load {
            width: Width::W32,
            dst: POLL,
            addr: FLAG,
            offset: 0,
        };
        let mut f = fill(vec![poll.clone()]);
        f.vars[FLAG.0 as usize] = Ty::Ref;
        f.vars.push(Ty::I32);
        f.symbols.push(crate::DataSymbol::InterruptFlag);
        f.blocks[0].insts.push(Inst::SymAddr { dst: FLAG, sym: 0 });
        run(&mut f);
        assert!(crate::verify::verify(&f).is_ok());
        assert_eq!(f.blocks[2].insts, vec![poll], "{f}");
        assert!(
            f.blocks[7].insts.iter().all(|i| i.def() == Some(LEN)),
            "{f}"
        );
    }

    #[test]
    fn array_length_leaves_the_loop_behind_a_guard() {
        let mut f = fill(vec![]);
        run(&mut f);
        assert!(length_hoisted(&f), "{f}");
        assert!(crate::verify::verify(&f).is_ok());
        // The guard tests the loop condition and enters through the preheader.
        assert_eq!(
            f.blocks[6].term,
            Terminator::Branch {
                cond: Cond::LtS,
                a: I,
                b: N,
                then: BlockId(7),
                other: BlockId(4),
            }
        );
        assert_eq!(f.blocks[7].term, Terminator::Jump(BlockId(1)));
        // The data pointer is read after the bounds check: it stays (a hoisted read could run
        // where the check fails).
        assert!(matches!(
            f.blocks[3].insts[0],
            Inst::Load { offset: 12, .. }
        ));
        assert!(f.blocks[2].insts.is_empty());
    }

    #[test]
    fn element_stores_do_not_stop_hoisting_but_object_stores_and_calls_do() {
        let store = |offset| Inst::Store {
            width: Width::W32,
            src: I,
            addr: A,
            offset,
        };
        let mut f = fill(vec![store(16)]);
        run(&mut f);
        assert!(length_hoisted(&f), "{f}");
        for blocker in [
            store(8),
            Inst::Store {
                width: Width::U8,
                src: I,
                addr: A,
                offset: 11,
            },
            Inst::Call {
                dst: None,
                callee: crate::Callee::Native(3),
                args: vec![],
                loc: crate::LocId(0),
            },
        ] {
            let mut f = fill(vec![blocker]);
            let before = f.clone();
            run(&mut f);
            assert_eq!(f, before);
        }
    }

    #[test]
    fn results_read_on_entry_to_the_header_stay() {
        // The length var is also read before the load in the loop: its old value matters.
        let mut f = fill(vec![Inst::Copy { dst: P, src: LEN }]);
        f.blocks[0].insts.push(Inst::IConst { dst: LEN, value: 0 });
        let before = f.clone();
        run(&mut f);
        assert_eq!(f, before);
    }

    #[test]
    fn calls_that_neither_collect_nor_store_into_objects_do_not_stop_hoisting() {
        let call = |callee| Inst::Call {
            dst: None,
            callee,
            args: vec![],
            loc: crate::LocId(0),
        };
        let quiet = |without_stores: bool| {
            let mut f = fill(vec![call(crate::Callee::Slot(0))]);
            f.callees = vec!["g".into()];
            f.callees_without_gc = vec![0];
            if without_stores {
                f.callees_without_stores = vec![0];
            }
            f
        };
        let mut f = quiet(true);
        run(&mut f);
        assert!(length_hoisted(&f), "{f}");
        let mut f = fill(vec![call(crate::Callee::Native(3))]);
        f.natives_without_gc = vec![3];
        run(&mut f);
        assert!(length_hoisted(&f), "{f}");
        // A callee without GC that may store into objects keeps the load in the loop.
        let mut f = quiet(false);
        let before = f.clone();
        run(&mut f);
        assert_eq!(f, before);
    }

    #[test]
    fn a_load_through_a_hoisted_load_is_hoisted_after_it() {
        // `len = this.items.length`: the field, then the length read through it.
        const ITEMS: Var = Var(7);
        let field = Inst::Load {
            width: Width::W32,
            dst: ITEMS,
            addr: A,
            offset: 20,
        };
        let mut f = fill(vec![field.clone()]);
        f.vars.push(Ty::Ref);
        let Some(Inst::Load { addr, .. }) = f.blocks[2].insts.last_mut() else {
            unreachable!()
        };
        *addr = ITEMS;
        run(&mut f);
        assert!(crate::verify::verify(&f).is_ok());
        let length = Inst::Load {
            width: Width::W32,
            dst: LEN,
            addr: ITEMS,
            offset: 8,
        };
        assert_eq!(f.blocks[7].insts, vec![field, length], "{f}");
        assert!(f.blocks[2].insts.is_empty(), "{f}");
    }
}
