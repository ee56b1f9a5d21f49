//! Shrink-wrapping: the frame (saved registers, stack and shadow-stack frames) is set up only
//! where it is needed, so that paths that make no call (`if (n < 2) return n` before the
//! recursive calls, a method whose only call reports a rare error) run without it.
//!
//! A block *needs the frame* when it makes a call (or raises with stack arguments). The
//! *framed region* is every block both reachable from and reaching a block that needs the frame
//! (so every loop that calls, and everything between two calls, is framed); the other blocks
//! are *frameless*. When the entry is frameless and some return is reachable without entering
//! the framed region, the function is rewritten before register allocation: every var the
//! frameless blocks mention (and every parameter) gets a fresh *frameless version* used in
//! those blocks, and every edge between the regions goes through a new transition block that
//! copies the vars live there from one version to the other: a *frame block* on edges into the
//! framed region (it pushes the callee-saved registers and sets up the stack and shadow-stack
//! frames before its copies) and a *teardown block* on edges out of it (it tears the frame down
//! after its copies). No path enters the framed region twice. The allocator keeps frameless
//! versions in caller-saved registers (see `regalloc::allocate_frameless`), so frameless
//! blocks need no saved registers, spill slots or GC roots, and their returns are a bare `ret`.
//! The stack check stays on entry and accounts for the whole frame.

use crate::frame::{ArgLoc, arg_locations};
use ir::analysis::Liveness;
use ir::{Block, BlockId, Function, Inst, Terminator, Var};

/// A function rewritten for shrink-wrapping.
pub struct Wrapped {
    /// The rewritten function.
    pub f: Function,
    /// Per block of `f`: whether it runs without the frame.
    pub frameless: Vec<bool>,
    /// Per block of `f`: whether it sets up the frame on entry.
    pub setup: Vec<bool>,
    /// Per block of `f`: whether it tears the frame down after its instructions.
    pub teardown: Vec<bool>,
    /// Per var of `f`: whether it is a frameless version (it must live in a caller-saved
    /// register).
    pub frameless_vars: Vec<bool>,
}

/// Rewrites `f` for shrink-wrapping, or `None` when no return can skip the frame.
pub fn split(f: &Function) -> Option<Wrapped> {
    let f = &duplicate_returns(f);
    let live = &Liveness::compute(f);
    let n = f.blocks.len();
    let succs: Vec<Vec<usize>> = f
        .blocks
        .iter()
        .map(|b| b.term.successors().iter().map(|s| s.0 as usize).collect())
        .collect();
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (b, ss) in succs.iter().enumerate() {
        for &s in ss {
            preds[s].push(b);
        }
    }
    let needs = |b: usize| {
        let block = &f.blocks[b];
        block.insts.iter().any(|i| matches!(i, Inst::Call { .. }))
            || match &block.term {
                Terminator::Raise { args, .. } => arg_locations(args.iter().map(|v| f.ty(*v)))
                    .iter()
                    .any(|l| matches!(l, ArgLoc::Stack(_))),
                _ => false,
            }
    };
    let closure = |edges: &[Vec<usize>]| {
        let mut seen: Vec<bool> = (0..n).map(needs).collect();
        let mut work: Vec<usize> = (0..n).filter(|&b| seen[b]).collect();
        while let Some(b) = work.pop() {
            for &s in &edges[b] {
                if !seen[s] {
                    seen[s] = true;
                    work.push(s);
                }
            }
        }
        seen
    };
    let after_call = closure(&succs);
    let before_call = closure(&preds);
    let mut framed: Vec<bool> = (0..n).map(|b| after_call[b] && before_call[b]).collect();
    if framed[0] || !framed.contains(&true) {
        return None;
    }
    // Some return must be reachable without the frame.
    let mut reach = vec![false; n];
    reach[0] = true;
    let mut work = vec![0];
    while let Some(b) = work.pop() {
        for &s in &succs[b] {
            if !reach[s] && !framed[s] {
                reach[s] = true;
                work.push(s);
            }
        }
    }
    if !(0..n).any(|b| reach[b] && matches!(f.blocks[b].term, Terminator::Return(_))) {
        return None;
    }

    // Vars that are constants need no storage anywhere: they keep their names.
    let mut constant = vec![false; f.vars.len()];
    for (v, _) in crate::regalloc::constants(f) {
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
    let frameless: Vec<usize> = (0..n).filter(|&b| !framed[b]).collect();
    for &b in &frameless {
        let mut block = g.blocks[b].clone();
        for inst in &mut block.insts {
            rename_inst(inst, |v| prime(v, &mut g, &mut frameless_vars));
        }
        rename_term(&mut block.term, |v| prime(v, &mut g, &mut frameless_vars));
        g.blocks[b] = block;
    }
    let (mut setup, mut teardown) = (vec![false; n], vec![false; n]);
    // One transition block per edge between the regions.
    for b in 0..n {
        let mut targets: Vec<BlockId> = Vec::new();
        for s in g.blocks[b].term.successors() {
            if framed[s.0 as usize] != framed[b] && !targets.contains(&s) {
                targets.push(s);
            }
        }
        for s in targets {
            let entering = framed[s.0 as usize];
            let insts = live.live_in[s.0 as usize]
                .iter()
                .map(|v| Var(v as u32))
                .filter(|&v| !keep(v))
                .map(|v| {
                    let p = prime(v, &mut g, &mut frameless_vars);
                    if entering {
                        Inst::Copy { dst: v, src: p }
                    } else {
                        Inst::Copy { dst: p, src: v }
                    }
                })
                .collect();
            g.blocks.push(Block {
                insts,
                term: Terminator::Jump(s),
            });
            let e = BlockId(g.blocks.len() as u32 - 1);
            framed.push(entering);
            setup.push(entering);
            teardown.push(!entering);
            retarget(&mut g.blocks[b].term, s, e);
        }
    }
    Some(Wrapped {
        f: g,
        frameless: framed.iter().map(|f| !f).collect(),
        setup,
        teardown,
        frameless_vars,
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
        Inst::Call { .. } => unreachable!("frameless blocks make no calls"),
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
        Terminator::Raise { args, .. } => args.iter_mut().for_each(|v| *v = r(*v)),
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
