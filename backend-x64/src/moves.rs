//! Parallel moves: a set of simultaneous copies (parameters into their homes, call arguments into
//! ABI registers) turned into a sequence of instructions, breaking cycles through the scratch
//! registers.

use crate::asm::{Asm, Mem, load32, loadss, mov32, movss, store_imm32, store32, storess};
use crate::regs::XMM_SCRATCH;
use dynasmrt::x64::{Rq, Rx};
use dynasmrt::{DynasmApi, dynasm};

/// A place a word or f32 can be copied from or to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A general-purpose register.
    Gpr(Rq),
    /// An xmm register.
    Xmm(Rx),
    /// A memory slot holding a word (`float == false`) or an f32.
    Mem(Mem, bool),
    /// A word constant (only ever a source).
    Imm(i32),
}

/// One copy of a parallel move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Move {
    /// Where the value is.
    pub src: Place,
    /// Where it must go.
    pub dst: Place,
}

/// Emits `moves` as if all were done at once. Destinations must be distinct, and no memory
/// destination may be the source of another move. Uses `rax` and `xmm15` as temporaries.
pub fn parallel_move(a: &mut Asm, moves: &[Move]) {
    // Stores to memory cannot clobber any source: do them first.
    for m in moves.iter().filter(|m| matches!(m.dst, Place::Mem(..))) {
        debug_assert!(!moves.iter().any(|o| o.src == m.dst));
        copy(a, m.src, m.dst);
    }
    let mut pending: Vec<Move> = moves
        .iter()
        .filter(|m| !matches!(m.dst, Place::Mem(..)) && m.src != m.dst)
        .copied()
        .collect();
    while !pending.is_empty() {
        let ready = (0..pending.len()).find(|&i| !pending.iter().any(|o| o.src == pending[i].dst));
        if let Some(i) = ready {
            let m = pending.remove(i);
            copy(a, m.src, m.dst);
            continue;
        }
        // Every pending destination is still needed as a source: a cycle of registers. Park one
        // source in a scratch register.
        let parked = pending
            .iter()
            .map(|m| m.src)
            .find(|s| matches!(s, Place::Gpr(_) | Place::Xmm(_)))
            .expect("a move cycle goes through registers");
        let temp = match parked {
            Place::Xmm(_) => Place::Xmm(XMM_SCRATCH),
            _ => Place::Gpr(Rq::RAX),
        };
        copy(a, parked, temp);
        for m in pending.iter_mut().filter(|m| m.src == parked) {
            m.src = temp;
        }
    }
}

/// Emits one copy. Never changes the flags.
pub fn copy(a: &mut Asm, src: Place, dst: Place) {
    match (src, dst) {
        (Place::Imm(c), Place::Gpr(d)) => dynasm!(a ; .arch x64 ; mov Rd(d), c),
        (Place::Imm(c), Place::Mem(m, _)) => store_imm32(a, m, c),
        (Place::Gpr(s), Place::Gpr(d)) => mov32(a, d, s, false),
        (Place::Xmm(s), Place::Xmm(d)) => movss(a, d, s),
        (Place::Mem(m, _), Place::Gpr(d)) => load32(a, d, m),
        (Place::Mem(m, _), Place::Xmm(d)) => loadss(a, d, m),
        (Place::Gpr(s), Place::Mem(m, _)) => store32(a, m, s),
        (Place::Xmm(s), Place::Mem(m, _)) => storess(a, m, s),
        (Place::Mem(s, false), Place::Mem(d, _)) => {
            load32(a, Rq::RAX, s);
            store32(a, d, Rq::RAX);
        }
        (Place::Mem(s, true), Place::Mem(d, _)) => {
            loadss(a, XMM_SCRATCH, s);
            storess(a, d, XMM_SCRATCH);
        }
        (Place::Gpr(_), Place::Xmm(_))
        | (Place::Xmm(_), Place::Gpr(_))
        | (Place::Imm(_), Place::Xmm(_)) => unreachable!("moves never change register class"),
        (_, Place::Imm(_)) => unreachable!("a constant is never a destination"),
    }
}
