//! Register allocation for x86-64: the shared graph-colouring allocator
//! ([`ir::regalloc`]: Chaitin–Briggs with copy coalescing) over this backend's register file.
//!
//! Register numbers in the shared allocator's masks are general registers by encoding (0..16)
//! and xmm registers at 16 plus their encoding. Divisions clobber `rdx` (`cdq`/`idiv`), so the
//! vars a division reads, writes or lives across avoid it; vars live across a call use the
//! callee-saved registers; shrink-wrapping's frameless versions only caller-saved ones.
//!
//! Functions whose interference graph would exceed [`EDGE_BUDGET`] edges (thousands of vars live
//! at once) are allocated by linear scan instead (`linear`).

use crate::frame::{ArgLoc, arg_locations};
use crate::regs::{CALLEE_SAVED, CALLER_SAVED, SHADOW_BASE, XMMS};
use dynasmrt::Register;
use dynasmrt::x64::{Rq, Rx};
use ir::analysis::Liveness;
use ir::regalloc::{Constraints, Registers};
use ir::{Function, Inst, IntOp, Var};

pub use ir::regalloc::{constants, layout_order};

/// Where a var lives for the whole function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    /// A general-purpose register (used as a 32-bit register).
    Gpr(Rq),
    /// An xmm register (F32 vars).
    Xmm(Rx),
    /// Stack spill slot number `n` (8 bytes each).
    Spill(u32),
    /// GC root slot number `n` of the shadow-stack frame (4 bytes each).
    Shadow(u32),
    /// No storage: a word var whose only definition is this constant (see `constants`), so every
    /// read sees it and instruction selection uses it as an immediate (or materializes it in a
    /// scratch register).
    Const(i32),
}

/// The result of register allocation.
#[derive(Debug, Clone)]
pub struct Allocation {
    /// The home of every var, indexed by `Var.0`; `None` for vars never live in reachable code.
    pub homes: Vec<Option<Home>>,
    /// For traced vars live across a call that have a register home: their GC root slot in the
    /// shadow-stack frame, which every definition also writes (write-through), so that the slot
    /// is current at every call. The collector does not move objects, so the register copy stays
    /// valid across calls.
    pub roots: Vec<Option<u32>>,
    /// The reachable blocks in layout order (see [`layout_order`]).
    pub order: Vec<ir::BlockId>,
    /// Number of stack spill slots used.
    pub spill_slots: u32,
    /// Number of GC root slots in the shadow-stack frame.
    pub shadow_slots: u32,
    /// Callee-saved registers that hold vars or the shadow frame base, in encoding order.
    pub callee_saved: Vec<Rq>,
}

impl Allocation {
    /// The home of `v`. Every var used or defined in reachable code has one.
    pub fn home(&self, v: Var) -> Home {
        self.homes[v.0 as usize].expect("var without a home in reachable code")
    }
}

/// A register's bit in a register mask: general registers in the low half, xmm in the high half.
pub fn reg_bit(home: Home) -> u32 {
    match home {
        Home::Gpr(r) => 1 << r.code(),
        Home::Xmm(r) => 1 << (16 + r.code()),
        _ => 0,
    }
}

/// The most interference edges a function may have before it is allocated by linear scan
/// instead (see `linear`): about 16 MiB of adjacency lists.
const EDGE_BUDGET: usize = 2_000_000;

/// Allocates homes for every var of `f`.
pub fn allocate(f: &Function, live: &Liveness) -> Allocation {
    allocate_with(f, live, &[], EDGE_BUDGET).unwrap_or_else(|| crate::linear::allocate(f, live))
}

/// Allocates homes for every var of `f` such that the vars marked in `frameless` (indexed by
/// var number; missing entries are `false`) live in caller-saved registers or are constants;
/// `None` when that is impossible.
pub fn allocate_frameless(f: &Function, live: &Liveness, frameless: &[bool]) -> Option<Allocation> {
    allocate_with(f, live, frameless, EDGE_BUDGET)
}

/// Allocation by the shared graph colouring; `None` when a `frameless` var cannot have a
/// caller-saved register or the graph would have more than `budget` edges.
fn allocate_with(
    f: &Function,
    live: &Liveness,
    frameless: &[bool],
    budget: usize,
) -> Option<Allocation> {
    let code = |r: Rq| r.code();
    let regs = Registers {
        word_clobbered: CALLER_SAVED.iter().map(|&r| code(r)).collect(),
        word_preserved: CALLEE_SAVED.iter().map(|&r| code(r)).collect(),
        float: XMMS.iter().map(|&r| 16 + r.code()).collect(),
        shadow_base: Some(code(SHADOW_BASE)),
    };
    let rdx = reg_bit(Home::Gpr(Rq::RDX)) as u64;
    let clobbers = |inst: &Inst| match inst {
        Inst::Int {
            op: IntOp::DivS | IntOp::RemS,
            ..
        }
        | Inst::IntImm {
            op: IntOp::DivS | IntOp::RemS,
            ..
        } => rdx,
        _ => 0,
    };
    let hints = abi_hints(f)
        .into_iter()
        .map(|h| h.map_or(0, |h| reg_bit(h) as u64))
        .collect();
    let constraints = Constraints {
        hints,
        clobbers: &clobbers,
        frameless,
        budget,
    };
    let shared = ir::regalloc::allocate(f, live, &regs, &constraints)?;
    let homes: Vec<Option<Home>> = shared.homes.iter().map(|h| h.map(home)).collect();
    let mut callee_saved: Vec<Rq> = CALLEE_SAVED
        .iter()
        .copied()
        .filter(|r| homes.contains(&Some(Home::Gpr(*r))))
        .chain((shared.shadow_slots > 0).then_some(SHADOW_BASE))
        .collect();
    callee_saved.sort_by_key(|r| r.code());
    callee_saved.dedup();
    Some(Allocation {
        homes,
        roots: shared.roots,
        order: shared.order,
        spill_slots: shared.spill_slots,
        shadow_slots: shared.shadow_slots,
        callee_saved,
    })
}

/// The x86-64 home of a shared allocator's home.
fn home(h: ir::regalloc::Home) -> Home {
    match h {
        ir::regalloc::Home::Reg(n) if n < 16 => Home::Gpr(RQ[n as usize]),
        ir::regalloc::Home::Reg(n) => Home::Xmm(
            XMMS[XMMS
                .iter()
                .position(|r| 16 + r.code() == n)
                .expect("an xmm register")],
        ),
        ir::regalloc::Home::Spill(s) => Home::Spill(s),
        ir::regalloc::Home::Shadow(s) => Home::Shadow(s),
        ir::regalloc::Home::Const(c) => Home::Const(c),
    }
}

/// The general registers by encoding.
const RQ: [Rq; 16] = [
    Rq::RAX,
    Rq::RCX,
    Rq::RDX,
    Rq::RBX,
    Rq::RSP,
    Rq::RBP,
    Rq::RSI,
    Rq::RDI,
    Rq::R8,
    Rq::R9,
    Rq::R10,
    Rq::R11,
    Rq::R12,
    Rq::R13,
    Rq::R14,
    Rq::R15,
];

/// A preferred register per var: the ABI register a parameter arrives in, or else the one it is
/// first passed in to a call, so that fewer moves are needed.
fn abi_hints(f: &Function) -> Vec<Option<Home>> {
    let mut hints = vec![None; f.vars.len()];
    let mut prefer = |vars: &[Var]| {
        let locs = arg_locations(vars.iter().map(|v| f.ty(*v)));
        for (v, loc) in vars.iter().zip(locs) {
            let reg = match loc {
                ArgLoc::Gpr(r) => Some(Home::Gpr(r)),
                ArgLoc::Xmm(r) => Some(Home::Xmm(r)),
                ArgLoc::Stack(_) => None,
            };
            let hint = &mut hints[v.0 as usize];
            *hint = hint.or(reg);
        }
    };
    prefer(&f.params);
    for inst in f.blocks.iter().flat_map(|b| &b.insts) {
        if let Inst::Call { args, .. } = inst {
            prefer(args);
        }
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regs::CALLER_SAVED;
    use ir::{Block, Callee, FloatOp, LocId, Terminator, Ty, UnOp};
    use std::collections::{BTreeMap, BTreeSet};

    /// `f(i: I32, x: F32, r: Ref)`: `n` word vars and `n` float vars live at once, optionally
    /// across a call, then summed; `r` is used after the call.
    fn pressure(n: u32, call: bool) -> Function {
        let mut vars = vec![Ty::I32, Ty::F32, Ty::Ref];
        let mut insts = vec![];
        let new = |ty: Ty, vars: &mut Vec<Ty>| {
            vars.push(ty);
            Var(vars.len() as u32 - 1)
        };
        let ints: Vec<Var> = (0..n).map(|_| new(Ty::I32, &mut vars)).collect();
        let floats: Vec<Var> = (0..n).map(|_| new(Ty::F32, &mut vars)).collect();
        for (k, (&v, &x)) in ints.iter().zip(&floats).enumerate() {
            insts.push(Inst::IntImm {
                op: IntOp::Add,
                dst: v,
                a: Var(0),
                imm: k as i32,
            });
            insts.push(Inst::Float {
                op: FloatOp::Add,
                dst: x,
                a: Var(1),
                b: Var(1),
            });
        }
        if call {
            insts.push(Inst::Call {
                dst: None,
                callee: Callee::Native(0),
                args: vec![Var(0), Var(2)],
                loc: LocId(0),
            });
        }
        let (s, fs) = (new(Ty::I32, &mut vars), new(Ty::F32, &mut vars));
        insts.push(Inst::Load {
            width: ir::Width::W32,
            dst: s,
            addr: Var(2),
            offset: 0,
        });
        insts.push(Inst::Unary {
            op: UnOp::IntToFloat,
            dst: fs,
            src: s,
        });
        for (&v, &x) in ints.iter().zip(&floats) {
            insts.push(Inst::Int {
                op: IntOp::Add,
                dst: s,
                a: s,
                b: v,
            });
            insts.push(Inst::Float {
                op: FloatOp::Add,
                dst: fs,
                a: fs,
                b: x,
            });
        }
        let t = new(Ty::I32, &mut vars);
        insts.push(Inst::Unary {
            op: UnOp::FloatToInt,
            dst: t,
            src: fs,
        });
        insts.push(Inst::Int {
            op: IntOp::Add,
            dst: s,
            a: s,
            b: t,
        });
        Function {
            name: "pressure".into(),
            params: vec![Var(0), Var(1), Var(2)],
            ret: Some(Ty::I32),
            vars,
            blocks: vec![Block {
                insts,
                term: Terminator::Return(Some(s)),
            }],
            locs: vec![Default::default()],
            symbols: vec![],
            callees: vec![],
            callees_without_gc: vec![],
            natives_without_gc: vec![],
            callees_without_stores: vec![],
            globals_set_once: vec![],
        }
    }

    /// A storage location as a number, for [`check`].
    fn loc(h: Home) -> Option<u32> {
        match h {
            Home::Gpr(r) => Some(r.code() as u32),
            Home::Xmm(r) => Some(16 + r.code() as u32),
            Home::Spill(n) => Some(100 + n),
            Home::Shadow(n) => Some(1_000_000 + n),
            Home::Const(_) => None,
        }
    }

    /// Which vars' current values each location holds.
    type State = BTreeMap<u32, BTreeSet<usize>>;

    /// Validates an allocation by simulating it: a forward dataflow tracks, for every location,
    /// the vars whose current value it holds (a copy into the same location adds its
    /// destination, a call clobbers the caller-saved registers), and every read of a var must
    /// find it in its home. Also checks that nothing live across a call is in a caller-saved
    /// register and that the vars `Liveness::roots` names are in their GC root slots at calls.
    fn check(f: &Function, alloc: &Allocation) {
        let live = Liveness::compute(f);
        let home_loc = |v: usize| loc(alloc.homes[v].expect("a home"));
        let read = |state: &State, v: usize, what: &str| {
            if let Some(l) = home_loc(v) {
                assert!(
                    state.get(&l).is_some_and(|s| s.contains(&v)),
                    "v{v} ({:?}) does not hold its value at {what}",
                    alloc.homes[v]
                );
            }
        };
        let root_loc = |v: usize| alloc.roots[v].map(|s| loc(Home::Shadow(s)).unwrap());
        let roots: BTreeSet<usize> = live.roots(f).iter().map(|v| v.0 as usize).collect();
        let mut entry = State::new();
        for v in live.live_in[0].iter() {
            if let Some(l) = home_loc(v) {
                assert!(
                    entry.insert(l, BTreeSet::from([v])).is_none(),
                    "entry vars share"
                );
            }
            if let Some(l) = root_loc(v) {
                entry.insert(l, BTreeSet::from([v]));
            }
        }
        let mut at: Vec<Option<State>> = vec![None; f.blocks.len()];
        at[alloc.order[0].0 as usize] = Some(entry);
        let mut changed = true;
        while changed {
            changed = false;
            for &b in &alloc.order {
                let Some(mut state) = at[b.0 as usize].clone() else {
                    continue;
                };
                let block = f.block(b);
                let lives = live.live_after_each(f, b);
                for (i, inst) in block.insts.iter().enumerate() {
                    inst.for_each_use(|v| read(&state, v.0 as usize, &format!("{inst:?}")));
                    if let Inst::Int {
                        op: IntOp::DivS | IntOp::RemS,
                        ..
                    }
                    | Inst::IntImm {
                        op: IntOp::DivS | IntOp::RemS,
                        ..
                    } = inst
                    {
                        // `cdq`/`idiv` clobber `rdx`, which no operand may live in.
                        inst.for_each_use(|v| {
                            assert_ne!(alloc.homes[v.0 as usize], Some(Home::Gpr(Rq::RDX)))
                        });
                        state.remove(&(Rq::RDX.code() as u32));
                    }
                    if let Inst::Call { callee, args, .. } = inst {
                        let mut across = lives[i].clone();
                        if let Some(d) = inst.def() {
                            across.remove(d.0 as usize);
                        }
                        let rooted = |v: usize| {
                            let in_root = root_loc(v)
                                .is_some_and(|l| state.get(&l).is_some_and(|s| s.contains(&v)));
                            let h = alloc.homes[v].unwrap();
                            assert!(
                                matches!(h, Home::Shadow(_)) || in_root,
                                "v{v} is not in its GC root slot at a call"
                            );
                        };
                        for v in across.iter() {
                            let h = alloc.homes[v].unwrap();
                            assert!(!matches!(h, Home::Xmm(_)), "v{v} in xmm across a call");
                            if let Home::Gpr(r) = h {
                                assert!(!CALLER_SAVED.contains(&r), "v{v} in {r:?} across a call");
                            }
                            if roots.contains(&v) {
                                rooted(v);
                            }
                        }
                        if !matches!(callee, ir::Callee::Native(_)) {
                            args.iter()
                                .map(|a| a.0 as usize)
                                .filter(|a| roots.contains(a))
                                .for_each(rooted);
                        }
                        state.retain(|&l, _| {
                            l >= 100 || CALLEE_SAVED.iter().any(|r| r.code() as u32 == l)
                        });
                    }
                    let self_copy = matches!(*inst, Inst::Copy { dst, src } if dst == src);
                    if let Some(d) = inst.def()
                        && !self_copy
                    {
                        let d = d.0 as usize;
                        let src = match *inst {
                            Inst::Copy { src, .. } => Some(src.0 as usize),
                            _ => None,
                        };
                        let copied = src
                            .and_then(home_loc)
                            .and_then(|l| state.get(&l).cloned())
                            .unwrap_or_default();
                        // `d` now holds `src`'s value: every location that holds it holds `d`'s.
                        for s in state.values_mut() {
                            s.remove(&d);
                            if src.is_some_and(|src| s.contains(&src)) {
                                s.insert(d);
                            }
                        }
                        if let Some(l) = home_loc(d) {
                            let mut now = copied;
                            now.remove(&d);
                            now.insert(d);
                            state.insert(l, now.clone());
                            // Write-through to the root slot.
                            if let Some(r) = root_loc(d) {
                                state.insert(r, now);
                            }
                        }
                    }
                }
                block
                    .term
                    .for_each_use(|v| read(&state, v.0 as usize, "the terminator"));
                for s in block.term.successors() {
                    let slot = &mut at[s.0 as usize];
                    let merged = match slot {
                        None => state.clone(),
                        Some(old) => old
                            .iter()
                            .filter_map(|(l, vs)| {
                                let both: BTreeSet<usize> = state
                                    .get(l)
                                    .map(|n| vs.intersection(n).copied().collect())
                                    .unwrap_or_default();
                                (!both.is_empty()).then_some((*l, both))
                            })
                            .collect(),
                    };
                    if slot.as_ref() != Some(&merged) {
                        *slot = Some(merged);
                        changed = true;
                    }
                }
            }
        }
    }

    /// A random function over a few vars of every type: blocks of random instructions (calls
    /// included) with random jumps, branches and loops between them.
    fn random_function(seed: u64) -> Function {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize % n
        };
        let tys = [Ty::I32, Ty::I32, Ty::I32, Ty::F32, Ty::Ref, Ty::Any];
        let vars: Vec<Ty> = (0..24).map(|i| tys[i % tys.len()]).collect();
        let of = |ty: Ty| -> Vec<Var> {
            (0..vars.len() as u32)
                .map(Var)
                .filter(|v| vars[v.0 as usize] == ty)
                .collect()
        };
        let (ints, floats, words) = (of(Ty::I32), of(Ty::F32), of(Ty::Ref));
        let nblocks = 2 + next(6);
        let blocks = (0..nblocks)
            .map(|b| {
                let insts = (0..next(12))
                    .map(|_| {
                        let pick = |n: usize, vs: &[Var]| vs[n % vs.len()];
                        let (x, y, z) = (next(64), next(64), next(64));
                        match next(9) {
                            0 => Inst::IConst {
                                dst: pick(x, &ints),
                                value: y as i32,
                            },
                            1 => Inst::Int {
                                op: IntOp::Add,
                                dst: pick(x, &ints),
                                a: pick(y, &ints),
                                b: pick(z, &ints),
                            },
                            2 => Inst::Float {
                                op: FloatOp::Mul,
                                dst: pick(x, &floats),
                                a: pick(y, &floats),
                                b: pick(z, &floats),
                            },
                            3 => {
                                let vs = [&ints, &floats, &words][z % 3];
                                Inst::Copy {
                                    dst: pick(x, vs),
                                    src: pick(y, vs),
                                }
                            }
                            4 => Inst::Load {
                                width: ir::Width::W32,
                                dst: Var(x as u32 % 24),
                                addr: pick(y, &words),
                                offset: 4,
                            },
                            7 | 8 => {
                                // Copy chains: a copy of a copy, often of a var still live.
                                let vs = [&ints, &floats, &words][z % 3];
                                Inst::Copy {
                                    dst: pick(x, vs),
                                    src: pick(x + 1, vs),
                                }
                            }
                            5 => Inst::Unary {
                                op: UnOp::IntToFloat,
                                dst: pick(x, &floats),
                                src: pick(y, &ints),
                            },
                            _ => Inst::Call {
                                dst: Some(Var(x as u32 % 24)),
                                callee: Callee::Native(3),
                                args: (0..next(9)).map(|_| Var(next(24) as u32)).collect(),
                                loc: LocId(0),
                            },
                        }
                    })
                    .collect();
                let term = if b + 1 == nblocks {
                    Terminator::Return(Some(ints[next(ints.len())]))
                } else if next(3) == 0 {
                    Terminator::Jump(ir::BlockId(next(nblocks) as u32))
                } else {
                    Terminator::Branch {
                        cond: ir::Cond::LtS,
                        a: ints[next(ints.len())],
                        b: ints[next(ints.len())],
                        then: ir::BlockId(next(nblocks) as u32),
                        other: ir::BlockId((b + 1 + next(nblocks - b - 1)) as u32),
                    }
                };
                Block { insts, term }
            })
            .collect();
        Function {
            name: format!("random{seed}"),
            params: vec![Var(0), Var(1), Var(3), Var(4), Var(5)],
            ret: Some(Ty::I32),
            vars,
            blocks,
            locs: vec![Default::default()],
            symbols: vec![],
            callees: vec![],
            callees_without_gc: vec![],
            natives_without_gc: vec![],
            callees_without_stores: vec![],
            globals_set_once: vec![],
        }
    }

    #[test]
    fn random_functions_allocate_soundly() {
        for seed in 0..2000 {
            let f = random_function(seed);
            let live = Liveness::compute(&f);
            check(&f, &allocate(&f, &live));
            check(&f, &crate::linear::allocate(&f, &live));
        }
    }

    #[test]
    fn large_graphs_fall_back_to_linear_scan() {
        let f = pressure(30, true);
        let live = Liveness::compute(&f);
        assert!(allocate_with(&f, &live, &[], 100).is_none());
        assert!(allocate_with(&f, &live, &[], EDGE_BUDGET).is_some());
    }

    #[test]
    fn live_vars_never_share_a_home() {
        for n in [1, 5, 13, 14, 15, 30] {
            for call in [false, true] {
                let f = pressure(n, call);
                let alloc = allocate(&f, &Liveness::compute(&f));
                check(&f, &alloc);
                if call {
                    assert_eq!(
                        alloc.shadow_slots, 0,
                        "r, a parameter, is the caller's root"
                    );
                    assert!(alloc.spill_slots >= n, "floats live across the call spill");
                } else if n <= 8 {
                    assert_eq!(
                        alloc.spill_slots, 0,
                        "10 word registers hold {n} vars, r and i"
                    );
                }
            }
        }
    }

    #[test]
    fn constants_get_no_storage() {
        // v1 = 7; v2: Ref = 0; v3 = v0 + v1; store [v2], v3; v4: Ref = 0x5000; call; v5 = v4 + v3
        let f = Function {
            name: "k".into(),
            params: vec![Var(0)],
            ret: Some(Ty::I32),
            vars: vec![Ty::I32, Ty::I32, Ty::Ref, Ty::I32, Ty::Ref, Ty::I32],
            blocks: vec![Block {
                insts: vec![
                    Inst::IConst {
                        dst: Var(1),
                        value: 7,
                    },
                    Inst::IConst {
                        dst: Var(2),
                        value: 0,
                    },
                    Inst::Int {
                        op: IntOp::Add,
                        dst: Var(3),
                        a: Var(0),
                        b: Var(1),
                    },
                    Inst::Store {
                        width: ir::Width::W32,
                        src: Var(3),
                        addr: Var(2),
                        offset: 0,
                    },
                    Inst::IConst {
                        dst: Var(4),
                        value: 0x5000,
                    },
                    Inst::Call {
                        dst: None,
                        callee: Callee::Native(0),
                        args: vec![],
                        loc: LocId(0),
                    },
                    Inst::Int {
                        op: IntOp::Add,
                        dst: Var(5),
                        a: Var(4),
                        b: Var(3),
                    },
                ],
                term: Terminator::Return(Some(Var(5))),
            }],
            locs: vec![Default::default()],
            symbols: vec![],
            callees: vec![],
            callees_without_gc: vec![],
            natives_without_gc: vec![],
            callees_without_stores: vec![],
            globals_set_once: vec![],
        };
        let alloc = allocate(&f, &Liveness::compute(&f));
        check(&f, &alloc);
        assert_eq!(alloc.homes[1], Some(Home::Const(7)));
        assert_eq!(
            alloc.homes[2],
            Some(Home::Const(0)),
            "a traced constant needs no storage"
        );
        assert_eq!(
            (alloc.homes[4], alloc.roots[4], alloc.shadow_slots),
            (Some(Home::Const(0x5000)), None, 0),
            "a traced constant live across a call needs no root: it is never a heap address"
        );
        assert_eq!(
            alloc.homes[0],
            Some(Home::Gpr(Rq::RDI)),
            "a parameter stays put"
        );
    }
}
