//! Shrink-wrapping: functions whose early exits need no frame (`if (n < 2) return n` before any
//! call) set up the frame only on the paths that need it.
//!
//! The *frameless prefix* is the set of blocks, starting at the entry, that make no call and
//! whose predecessors are all in the prefix. If it contains a return, the function is rewritten
//! before register allocation: every var the prefix mentions (and every parameter) gets a fresh
//! *prefix version* used inside the prefix, and every edge leaving the prefix goes through a new
//! *frame block* that copies the prefix versions of the vars live there into the originals. The
//! allocator keeps prefix versions in caller-saved registers (see `regalloc::allocate`'s
//! `frameless`), so the prefix needs no saved registers, spill slots or GC roots; frame blocks
//! push the callee-saved registers and set up the stack and shadow-stack frames before their
//! copies; returns inside the prefix are a bare `ret`. The stack check stays on entry and
//! accounts for the whole frame.

use ir::analysis::Liveness;
use ir::{Block, BlockId, Function, Inst, Terminator, Var};

/// A function rewritten for shrink-wrapping.
pub struct Wrapped {
    /// The rewritten function.
    pub f: Function,
    /// Per block of `f`: whether it is in the frameless prefix.
    pub prefix: Vec<bool>,
    /// Per block of `f`: whether it sets up the frame on entry.
    pub setup: Vec<bool>,
    /// Per var of `f`: whether it is a prefix version (it must live in a caller-saved register).
    pub frameless: Vec<bool>,
}

/// Rewrites `f` for shrink-wrapping, or `None` when no return can skip the frame.
pub fn split(f: &Function) -> Option<Wrapped> {
    let f = &duplicate_returns(f);
    let live = &Liveness::compute(f);
    let n = f.blocks.len();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (b, block) in f.blocks.iter().enumerate() {
        for s in block.term.successors() {
            preds[s.0 as usize].push(b);
        }
    }
    let frameless = |b: usize| {
        let block = &f.blocks[b];
        !block.insts.iter().any(|i| matches!(i, Inst::Call { .. }))
            && !matches!(block.term, Terminator::Raise { .. })
    };
    if !frameless(0) || !preds[0].is_empty() {
        return None;
    }
    let mut prefix = vec![false; n];
    prefix[0] = true;
    let mut changed = true;
    while changed {
        changed = false;
        for b in 1..n {
            if !prefix[b]
                && !preds[b].is_empty()
                && preds[b].iter().all(|&p| prefix[p])
                && frameless(b)
            {
                prefix[b] = true;
                changed = true;
            }
        }
    }
    let returns = (0..n).any(|b| prefix[b] && matches!(f.blocks[b].term, Terminator::Return(_)));
    let leaves = (0..n).any(|b| {
        prefix[b]
            && f.blocks[b]
                .term
                .successors()
                .iter()
                .any(|s| !prefix[s.0 as usize])
    });
    if !returns || !leaves {
        return None;
    }

    // Vars that are constants need no storage anywhere: they keep their names.
    let mut constant = vec![false; f.vars.len()];
    for (v, _) in crate::regalloc::constants(f, live) {
        constant[v] = true;
    }
    let keep = |v: Var| constant[v.0 as usize];

    let mut g = f.clone();
    let mut primed: Vec<Option<Var>> = vec![None; f.vars.len()];
    let mut frameless_vars = vec![false; f.vars.len()];
    let mut prime = |v: Var, g: &mut Function, fl: &mut Vec<bool>| -> Var {
        if keep(v) {
            return v;
        }
        *primed[v.0 as usize].get_or_insert_with(|| {
            g.vars.push(f.ty(v));
            fl.push(true);
            Var(g.vars.len() as u32 - 1)
        })
    };
    g.params = f
        .params
        .iter()
        .map(|&p| prime(p, &mut g, &mut frameless_vars))
        .collect();
    let in_prefix: Vec<usize> = (0..n).filter(|&b| prefix[b]).collect();
    for &b in &in_prefix {
        let mut block = g.blocks[b].clone();
        for inst in &mut block.insts {
            rename_inst(inst, |v| prime(v, &mut g, &mut frameless_vars));
        }
        rename_term(&mut block.term, |v| prime(v, &mut g, &mut frameless_vars));
        g.blocks[b] = block;
    }
    let mut setup = vec![false; n];
    // One frame block per edge leaving the prefix.
    for b in in_prefix {
        let mut targets: Vec<BlockId> = Vec::new();
        for s in g.blocks[b].term.successors() {
            if !prefix[s.0 as usize] && !targets.contains(&s) {
                targets.push(s);
            }
        }
        for s in targets {
            let insts = live.live_in[s.0 as usize]
                .iter()
                .map(|v| Var(v as u32))
                .filter_map(|v| primed[v.0 as usize].map(|src| Inst::Copy { dst: v, src }))
                .collect();
            g.blocks.push(Block {
                insts,
                term: Terminator::Jump(s),
            });
            let e = BlockId(g.blocks.len() as u32 - 1);
            prefix.push(false);
            setup.push(true);
            retarget(&mut g.blocks[b].term, s, e);
        }
    }
    Some(Wrapped {
        f: g,
        prefix,
        setup,
        frameless: frameless_vars,
    })
}

/// Gives every predecessor of a small block that returns (at most four instructions, no call)
/// its own copy, so that an early exit and a late one do not share their return.
fn duplicate_returns(f: &Function) -> Function {
    let mut g = f.clone();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); f.blocks.len()];
    for (b, block) in f.blocks.iter().enumerate() {
        for s in block.term.successors() {
            if !preds[s.0 as usize].contains(&b) {
                preds[s.0 as usize].push(b);
            }
        }
    }
    for (s, block) in f.blocks.iter().enumerate() {
        let small = block.insts.len() <= 4
            && !block.insts.iter().any(|i| matches!(i, Inst::Call { .. }))
            && matches!(block.term, Terminator::Return(_));
        if s == 0 || !small {
            continue;
        }
        for &p in preds[s].iter().skip(1) {
            g.blocks.push(block.clone());
            let copy = BlockId(g.blocks.len() as u32 - 1);
            retarget(&mut g.blocks[p].term, BlockId(s as u32), copy);
        }
    }
    g
}

fn rename_inst(inst: &mut Inst, mut r: impl FnMut(Var) -> Var) {
    match inst {
        Inst::IConst { dst, .. } | Inst::SymAddr { dst, .. } | Inst::FConst { dst, .. } => {
            *dst = r(*dst)
        }
        Inst::Copy { dst, src } | Inst::Unary { dst, src, .. } => {
            *src = r(*src);
            *dst = r(*dst);
        }
        Inst::Int { dst, a, b, .. }
        | Inst::Float { dst, a, b, .. }
        | Inst::Cmp { dst, a, b, .. } => {
            *a = r(*a);
            *b = r(*b);
            *dst = r(*dst);
        }
        Inst::IntImm { dst, a, .. } => {
            *a = r(*a);
            *dst = r(*dst);
        }
        Inst::Load { dst, addr, .. } => {
            *addr = r(*addr);
            *dst = r(*dst);
        }
        Inst::Store { src, addr, .. } => {
            *src = r(*src);
            *addr = r(*addr);
        }
        Inst::Call { .. } => unreachable!("the frameless prefix makes no calls"),
    }
}

fn rename_term(term: &mut Terminator, mut r: impl FnMut(Var) -> Var) {
    match term {
        Terminator::Jump(_) | Terminator::Return(None) => {}
        Terminator::Branch { a, b, .. } => {
            *a = r(*a);
            *b = r(*b);
        }
        Terminator::Return(Some(v)) => *v = r(*v),
        Terminator::Raise { .. } => unreachable!("the frameless prefix raises nothing"),
    }
}

fn retarget(term: &mut Terminator, from: BlockId, to: BlockId) {
    match term {
        Terminator::Jump(t) => {
            if *t == from {
                *t = to
            }
        }
        Terminator::Branch { then, other, .. } => {
            if *then == from {
                *then = to;
            }
            if *other == from {
                *other = to;
            }
        }
        Terminator::Return(_) | Terminator::Raise { .. } => {}
    }
}
