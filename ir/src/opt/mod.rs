//! Target-independent optimisations on the IR, run by every backend before instruction
//! selection ([`optimize`]). Each pass keeps the invariants of [`crate::verify`] and the
//! function's observable behaviour (result, memory, calls, raises); none moves code across
//! functions, so every call still goes through its function-table slot.
//!
//! Because vars are not SSA, the passes reason about vars assigned exactly once ([`Defs`]):
//! such a var holds one value wherever it is used, since its only definition reaches every use.

mod copyprop;
mod dce;
mod jumps;
mod licm;
mod loops;
mod polls;
mod redundant;
mod rotate;

use crate::{Function, Inst, Var, Width};
pub(crate) use loops::natural_loops;

/// Runs every pass on `f`, in order: copy propagation, redundant loads and checks (and copy
/// propagation again over the copies that leaves), rotate recognition, the polls of short
/// loops moved to their exits, loop-invariant loads,
/// jump threading, then dead-code removal.
pub fn optimize(f: &mut Function) {
    copyprop::run(f);
    redundant::run(f);
    copyprop::run(f);
    rotate::run(f);
    polls::run(f);
    licm::run(f);
    jumps::run(f);
    dce::run(f);
}

/// How each var is assigned: parameters count as one assignment, and the instruction of a var
/// assigned exactly once by an instruction is remembered.
pub(crate) struct Defs {
    count: Vec<u32>,
    single: Vec<Option<(usize, usize)>>,
}

impl Defs {
    /// Counts the assignments of every var of `f`.
    pub(crate) fn compute(f: &Function) -> Defs {
        let mut count = vec![0u32; f.vars.len()];
        let mut single = vec![None; f.vars.len()];
        for p in &f.params {
            count[p.0 as usize] += 1;
        }
        for (bi, block) in f.blocks.iter().enumerate() {
            for (ii, inst) in block.insts.iter().enumerate() {
                if let Some(d) = inst.def() {
                    count[d.0 as usize] += 1;
                    single[d.0 as usize] = Some((bi, ii));
                }
            }
        }
        for (c, s) in count.iter().zip(single.iter_mut()) {
            if *c != 1 {
                *s = None;
            }
        }
        Defs { count, single }
    }

    /// Whether `v` is assigned at most once (a parameter or one instruction).
    pub(crate) fn is_stable(&self, v: Var) -> bool {
        self.count[v.0 as usize] <= 1
    }

    /// The only instruction assigning `v`, if `v` is assigned exactly once by an instruction.
    pub(crate) fn inst<'f>(&self, f: &'f Function, v: Var) -> Option<&'f Inst> {
        self.single[v.0 as usize].map(|(b, i)| &f.blocks[b].insts[i])
    }

    /// The var `v`'s value comes from through copies of stable vars: at every use of `v`, the
    /// result holds the same value (if `v` itself is stable).
    pub(crate) fn root(&self, f: &Function, mut v: Var) -> Var {
        while let Some(Inst::Copy { src, .. }) = self.inst(f, v) {
            if !self.is_stable(*src) {
                break;
            }
            v = *src;
        }
        v
    }

    /// The constant a stable var holds, if it is assigned by `IConst` (through copies).
    pub(crate) fn constant(&self, f: &Function, v: Var) -> Option<i32> {
        match self.inst(f, self.root(f, v)) {
            Some(Inst::IConst { value, .. }) => Some(*value),
            _ => None,
        }
    }
}

/// The bytes `[offset, offset + size)` an access of `width` at `offset` touches.
pub(crate) fn range(width: Width, offset: i32) -> (i64, i64) {
    let size = match width {
        Width::U8 => 1,
        Width::W32 => 4,
    };
    (offset as i64, offset as i64 + size)
}
