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
pub type Move = ir::moves::Move<Place>;

/// Emits `moves` as if all were done at once. Destinations must be distinct, and no memory
/// destination may be the source of another move. Uses `rax` and `xmm15` as temporaries.
pub fn parallel_move(a: &mut Asm, moves: &[Move]) {
    let is_memory = |p: Place| matches!(p, Place::Mem(..));
    let temp = |p: Place| match p {
        Place::Xmm(_) => Place::Xmm(XMM_SCRATCH),
        _ => Place::Gpr(Rq::RAX),
    };
    for m in ir::moves::sequence(moves, is_memory, temp) {
        copy(a, m.src, m.dst);
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
