//! The fallback register allocator for functions whose interference graph would be too large
//! (thousands of vars live at once): one live interval per var over the layout order, then
//! linear scan (Poletto & Sarkar) with whole-interval spilling. No coalescing; traced vars live
//! across a call live in their GC root slot; `rdx` is never used (divisions clobber it).

use crate::regalloc::{Allocation, Home, constants, layout_order, reg_bit};
use crate::regs::{CALLEE_SAVED, CALLER_SAVED, SHADOW_BASE, XMMS};
use dynasmrt::Register;
use dynasmrt::x64::Rq;
use ir::analysis::{BitSet, Liveness};
use ir::{BlockId, Function, Inst, Ty};

/// A var's live range in linear positions, both ends inclusive.
#[derive(Debug, Clone, Copy)]
struct Interval {
    var: usize,
    start: u32,
    end: u32,
}

/// Allocates homes for every var of `f` by linear scan.
pub fn allocate(f: &Function, live: &Liveness) -> Allocation {
    let order = layout_order(f);
    let nv = f.vars.len();
    let mut homes: Vec<Option<Home>> = vec![None; nv];

    // GC roots first: exactly the traced vars that are live across a call.
    let mut shadow_slots = 0;
    for v in live.roots(f) {
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
    let caller = CALLER_SAVED
        .iter()
        .filter(|&&r| r != Rq::RDX)
        .map(|&r| Home::Gpr(r));
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
        scan.assign(iv, pool);
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
        roots: vec![None; nv],
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
    /// The registers of `active`, as register bits.
    busy: u32,
    spill_slots: u32,
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

    /// Gives `iv` a register from `pool`, stealing one from the active interval that ends last
    /// when that ends after `iv`, or else a spill slot.
    fn assign(&mut self, iv: Interval, pool: &[Home]) {
        let free = |h: &Home| self.busy & reg_bit(*h) == 0;
        if let Some(home) = pool.iter().copied().find(free) {
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
