//! Register allocation: one live interval per var over the reverse-post-order block sequence,
//! then linear scan (Poletto & Sarkar) with whole-interval spilling.
//!
//! Homes are permanent: a var lives in one register or one memory slot for the whole function.
//! Traced vars live across a call get a GC root slot in the shadow-stack frame; other vars live
//! across a call get a callee-saved register or a stack slot; the rest prefer caller-saved
//! registers. F32 vars use xmm registers (all caller-saved) or stack slots. I32 vars defined once,
//! by a constant, get no storage at all.

use crate::frame::{ArgLoc, arg_locations};
use crate::regs::{CALLEE_SAVED, CALLER_SAVED, SHADOW_BASE, XMMS};
use dynasmrt::Register;
use dynasmrt::x64::{Rq, Rx};
use ir::analysis::{BitSet, Liveness};
use ir::{BlockId, Function, Inst, Ty, Var};

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
    /// No storage: an I32 var whose only definition is this constant, so every read sees it and
    /// instruction selection uses it as an immediate (or materializes it in a scratch register).
    Const(i32),
}

/// The result of register allocation.
#[derive(Debug, Clone)]
pub struct Allocation {
    /// The home of every var, indexed by `Var.0`; `None` for vars never live in reachable code.
    pub homes: Vec<Option<Home>>,
    /// The reachable blocks in layout order (see [`layout_order`]).
    pub order: Vec<BlockId>,
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

/// A var's live range in linear positions, both ends inclusive.
#[derive(Debug, Clone, Copy)]
struct Interval {
    var: usize,
    start: u32,
    end: u32,
}

/// Allocates homes for every var of `f`.
pub fn allocate(f: &Function, live: &Liveness) -> Allocation {
    let order = layout_order(f);
    let nv = f.vars.len();
    let mut homes: Vec<Option<Home>> = vec![None; nv];

    // GC roots first: exactly the traced vars that are live across a call.
    let mut shadow_slots = 0;
    for v in live.live_across_calls(f) {
        homes[v.0 as usize] = Some(Home::Shadow(shadow_slots));
        shadow_slots += 1;
    }

    for (v, value) in constants(f) {
        homes[v] = homes[v].or(Some(Home::Const(value)));
    }

    let crosses = crossing_calls(f, live, &order);
    let mut intervals = intervals(f, live, &order);
    intervals.retain(|iv| homes[iv.var].is_none());
    intervals.sort_by_key(|iv| (iv.start, iv.var));

    let hints = hints(f);
    let mut scan = Scan {
        homes,
        active: Vec::new(),
        busy: 0,
        spill_slots: 0,
    };
    let callee: Vec<Home> = CALLEE_SAVED
        .iter()
        .filter(|&&r| shadow_slots == 0 || r != SHADOW_BASE)
        .map(|&r| Home::Gpr(r))
        .collect();
    let caller = CALLER_SAVED.iter().map(|&r| Home::Gpr(r));
    let any_gpr: Vec<Home> = caller.chain(callee.iter().copied()).collect();
    let any_xmm: Vec<Home> = XMMS.iter().map(|&r| Home::Xmm(r)).collect();
    for iv in intervals {
        scan.expire(iv.start);
        let float = f.vars[iv.var] == Ty::F32;
        let pool: &[Home] = match (float, crosses.contains(iv.var)) {
            (false, false) => &any_gpr,
            (false, true) => &callee,
            (true, false) => &any_xmm,
            (true, true) => &[],
        };
        scan.assign(iv, pool, hints[iv.var]);
    }

    let mut callee_saved: Vec<Rq> = CALLEE_SAVED
        .iter()
        .copied()
        .filter(|r| scan.homes.contains(&Some(Home::Gpr(*r))))
        .chain((shadow_slots > 0).then_some(SHADOW_BASE))
        .collect();
    callee_saved.sort_by_key(|r| r.code());
    callee_saved.dedup();
    Allocation {
        homes: scan.homes,
        order,
        spill_slots: scan.spill_slots,
        shadow_slots,
        callee_saved,
    }
}

/// Linear-scan state.
struct Scan {
    homes: Vec<Option<Home>>,
    /// Intervals currently holding a register.
    active: Vec<Interval>,
    /// The registers of `active`, as [`reg_bit`]s.
    busy: u32,
    spill_slots: u32,
}

/// A register's bit in [`Scan::busy`]: general registers in the low half, xmm in the high half.
fn reg_bit(home: Home) -> u32 {
    match home {
        Home::Gpr(r) => 1 << r.code(),
        Home::Xmm(r) => 1 << (16 + r.code()),
        _ => 0,
    }
}

impl Scan {
    /// Frees the registers of intervals that end before `pos`.
    fn expire(&mut self, pos: u32) {
        let (done, still): (Vec<Interval>, Vec<Interval>) =
            self.active.iter().partition(|iv| iv.end < pos);
        self.active = still;
        for iv in done {
            self.busy &= !self.homes[iv.var].map_or(0, reg_bit);
        }
    }

    /// Gives `iv` a register from `pool` (its hint first), stealing one from the active interval
    /// that ends last when that ends after `iv`, or else a spill slot.
    fn assign(&mut self, iv: Interval, pool: &[Home], hint: Option<Home>) {
        let free = |h: &Home| self.busy & reg_bit(*h) == 0;
        let pick = hint
            .filter(|h| pool.contains(h) && free(h))
            .or_else(|| pool.iter().copied().find(free));
        if let Some(home) = pick {
            self.busy |= reg_bit(home);
            self.homes[iv.var] = Some(home);
            self.active.push(iv);
            return;
        }
        let victim = self
            .active
            .iter()
            .enumerate()
            .filter(|(_, a)| self.homes[a.var].is_some_and(|h| pool.contains(&h)))
            .max_by_key(|(_, a)| a.end)
            .map(|(i, a)| (i, *a));
        match victim {
            Some((i, a)) if a.end > iv.end => {
                self.homes[iv.var] = self.homes[a.var];
                self.homes[a.var] = Some(self.new_spill());
                self.active.remove(i);
                self.active.push(iv);
            }
            _ => self.homes[iv.var] = Some(self.new_spill()),
        }
    }

    fn new_spill(&mut self) -> Home {
        self.spill_slots += 1;
        Home::Spill(self.spill_slots - 1)
    }
}

/// The reachable blocks in reverse post-order, visiting a branch's `other` successor before its
/// `then` successor so that `then` (a loop body, the likely side) tends to follow the branch and
/// be reached by falling through.
pub fn layout_order(f: &Function) -> Vec<BlockId> {
    let mut seen = vec![false; f.blocks.len()];
    let mut post = Vec::with_capacity(f.blocks.len());
    // `successors()` is `[then, other]`; popping from the end visits `other` first.
    let succ_of = |b: BlockId| f.block(b).term.successors();
    let mut stack: Vec<(BlockId, Vec<BlockId>)> = vec![(BlockId(0), succ_of(BlockId(0)))];
    seen[0] = true;
    while let Some((b, succs)) = stack.last_mut() {
        match succs.pop() {
            Some(s) if !seen[s.0 as usize] => {
                seen[s.0 as usize] = true;
                stack.push((s, succ_of(s)));
            }
            Some(_) => {}
            None => {
                post.push(*b);
                stack.pop();
            }
        }
    }
    post.reverse();
    post
}

/// The I32 vars (not parameters) whose only definition is an `IConst`, with its value. The IR
/// requires every read to be preceded by a definition, so every read sees that value.
fn constants(f: &Function) -> Vec<(usize, i32)> {
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
    (0..f.vars.len())
        .filter(|&v| defs[v] == 1 && f.vars[v] == Ty::I32)
        .filter_map(|v| value[v].map(|c| (v, c)))
        .collect()
}

/// A preferred register per var: the ABI register a parameter arrives in, or else the one it is
/// first passed in to a call, so that fewer moves are needed.
fn hints(f: &Function) -> Vec<Option<Home>> {
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

/// One interval per var from its first to its last appearance in linear order, extended to the
/// start of every block it is live into and to the end of every block it is live out of (which
/// covers loops). Each block takes positions `start`, then two per instruction (uses at the even
/// position, the def at the odd one after it), two for the terminator.
fn intervals(f: &Function, live: &Liveness, order: &[BlockId]) -> Vec<Interval> {
    let mut range: Vec<Option<(u32, u32)>> = vec![None; f.vars.len()];
    let mut touch = |v: usize, p: u32| {
        let r = range[v].get_or_insert((p, p));
        r.0 = r.0.min(p);
        r.1 = r.1.max(p);
    };
    let mut pos = 0u32;
    for &b in order {
        let bi = b.0 as usize;
        let block = f.block(b);
        for v in live.live_in[bi].iter() {
            touch(v, pos);
        }
        for inst in &block.insts {
            pos += 2;
            inst.for_each_use(|v| touch(v.0 as usize, pos));
            if let Some(d) = inst.def() {
                touch(d.0 as usize, pos + 1);
            }
        }
        pos += 2;
        block.term.for_each_use(|v| touch(v.0 as usize, pos));
        pos += 1;
        for v in live.live_out[bi].iter() {
            touch(v, pos);
        }
        pos += 1;
    }
    range
        .iter()
        .enumerate()
        .filter_map(|(var, r)| r.map(|(start, end)| Interval { var, start, end }))
        .collect()
}

/// The vars (of any type) whose value is live across at least one call in reachable code: these
/// must not live in caller-saved registers.
fn crossing_calls(f: &Function, live: &Liveness, order: &[BlockId]) -> BitSet {
    let mut result = BitSet::new(f.vars.len());
    for &b in order {
        let block = f.block(b);
        let mut now = live.live_out[b.0 as usize].clone();
        block.term.for_each_use(|v| {
            now.insert(v.0 as usize);
        });
        for inst in block.insts.iter().rev() {
            if let Some(d) = inst.def() {
                now.remove(d.0 as usize);
            }
            if let Inst::Call { .. } = inst {
                result.union_with(&now);
            }
            inst.for_each_use(|v| {
                now.insert(v.0 as usize);
            });
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regs::CALLER_SAVED;
    use ir::{Block, Callee, FloatOp, IntOp, LocId, Terminator, UnOp};

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
        }
    }

    /// Checks that vars live at the same point never share a register or slot, that a
    /// definition never overwrites a var live after it, and that nothing live across a call is in
    /// a caller-saved register.
    fn check(f: &Function, alloc: &Allocation) {
        let live = Liveness::compute(f);
        let distinct = |now: &BitSet| {
            let homes: Vec<Home> = now
                .iter()
                .filter_map(|v| alloc.homes[v])
                .filter(|h| !matches!(h, Home::Const(_)))
                .collect();
            for (i, h) in homes.iter().enumerate() {
                assert!(!homes[i + 1..].contains(h), "{h:?} shared by live vars");
            }
        };
        for &b in &alloc.order {
            let block = f.block(b);
            let mut now = live.live_out[b.0 as usize].clone();
            block.term.for_each_use(|v| {
                now.insert(v.0 as usize);
            });
            distinct(&now);
            for inst in block.insts.iter().rev() {
                if let Some(d) = inst.def() {
                    now.remove(d.0 as usize);
                    let h = alloc.home(d);
                    let clobbers = now.iter().any(|v| alloc.homes[v] == Some(h));
                    assert!(
                        matches!(h, Home::Const(_)) || !clobbers,
                        "{d} in {h:?} clobbers a live var"
                    );
                }
                if let Inst::Call { .. } = inst {
                    for v in now.iter() {
                        let h = alloc.homes[v].unwrap();
                        assert!(!matches!(h, Home::Xmm(_)), "v{v} in xmm across a call");
                        if let Home::Gpr(r) = h {
                            assert!(!CALLER_SAVED.contains(&r), "v{v} in {r:?} across a call");
                        }
                        if f.vars[v].is_traced() {
                            assert!(matches!(h, Home::Shadow(_)), "v{v} is not a GC root");
                        }
                    }
                }
                inst.for_each_use(|v| {
                    now.insert(v.0 as usize);
                });
                distinct(&now);
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
                        match next(7) {
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
                            3 => Inst::Copy {
                                dst: pick(x, &words),
                                src: pick(y, &words),
                            },
                            4 => Inst::Load {
                                width: ir::Width::W32,
                                dst: Var(x as u32 % 24),
                                addr: pick(y, &words),
                                offset: 4,
                            },
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
        }
    }

    #[test]
    fn random_functions_allocate_soundly() {
        for seed in 0..500 {
            let f = random_function(seed);
            check(&f, &allocate(&f, &Liveness::compute(&f)));
        }
    }

    #[test]
    fn live_vars_never_share_a_home() {
        for n in [1, 5, 13, 14, 15, 30] {
            for call in [false, true] {
                let f = pressure(n, call);
                let alloc = allocate(&f, &Liveness::compute(&f));
                check(&f, &alloc);
                if call {
                    assert_eq!(alloc.shadow_slots, 1, "r is a root");
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
        let f = Function {
            name: "k".into(),
            params: vec![Var(0)],
            ret: Some(Ty::I32),
            vars: vec![Ty::I32, Ty::I32, Ty::Ref, Ty::I32],
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
                ],
                term: Terminator::Return(Some(Var(3))),
            }],
            locs: vec![],
            symbols: vec![],
            callees: vec![],
        };
        let alloc = allocate(&f, &Liveness::compute(&f));
        assert_eq!(alloc.homes[1], Some(Home::Const(7)));
        assert!(
            matches!(alloc.homes[2], Some(Home::Gpr(_))),
            "traced vars are stored"
        );
        assert_eq!(
            alloc.homes[0],
            Some(Home::Gpr(Rq::RDI)),
            "a parameter stays put"
        );
    }
}
