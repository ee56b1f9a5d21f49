//! The register conventions of generated code (windowed ABI, `call8`/`callx8`):
//!
//! - `a0` holds the return address and `a1` the stack pointer; neither holds a var.
//! - `a2`–`a7` receive the arguments and survive calls (the callee's window starts at the
//!   caller's `a8`): they hold vars live across calls. In functions with GC root slots, `a7`
//!   holds the shadow-stack frame base ([`SHADOW_BASE`]).
//! - `a8` and `a9` are scratch: operands loaded from memory, constants, call targets,
//!   parallel-move cycles. Calls clobber them anyway (`a8` gets the return address).
//! - `a10`–`a15` pass arguments to calls and receive the result in `a10`; calls clobber them.
//!   Between calls they hold vars.
//! - `f0`–`f13` hold float vars; `f14`, `f15` are float scratch; `b0` is the boolean scratch
//!   register of float compares. Calls clobber every float register.
//!
//! In the shared allocator's masks, `aN` is bit `N` and `fN` bit `16 + N`.

use crate::isa::{BReg, FReg, Reg};
use ir::Ty;
use ir::regalloc::Registers;

/// First scratch address register.
pub const SCRATCH: Reg = Reg::A8;
/// Second scratch address register.
pub const SCRATCH2: Reg = Reg::A9;
/// The float scratch registers.
pub const FSCRATCH: FReg = FReg::F15;
/// Second float scratch register.
pub const FSCRATCH2: FReg = FReg::F14;
/// The boolean register float compares set.
pub const BSCRATCH: BReg = BReg::B0;
/// Holds the shadow-stack frame base in functions with GC root slots.
pub const SHADOW_BASE: Reg = Reg::A7;
/// The stack pointer.
pub const SP: Reg = Reg::A1;
/// Where a callee receives its first argument (its `a2`), and returns its result.
pub const FIRST_PARAM: u8 = 2;
/// Where a caller puts its first argument and finds the result (`a10`, the callee's `a2`).
pub const FIRST_ARG: u8 = 10;
/// Arguments passed in registers; the others go on the stack.
pub const REG_ARGS: usize = 6;

/// The allocatable registers for the shared allocator.
pub fn registers() -> Registers {
    Registers {
        word_clobbered: (10..16).collect(),
        word_preserved: (2..8).rev().collect(),
        float: (16..30).collect(),
        shadow_base: Some(SHADOW_BASE.index()),
    }
}

/// The register of allocator register number `n`, as an address or float register.
pub enum Phys {
    /// `aN`.
    A(Reg),
    /// `fN`.
    F(FReg),
}

/// The register with allocator number `n`.
pub fn phys(n: u8) -> Phys {
    if n < 16 {
        Phys::A(Reg::new(n).expect("an address register"))
    } else {
        Phys::F(FReg::new(n - 16).expect("a float register"))
    }
}

/// Where argument `i` of a call travels, seen from `first` (the caller's [`FIRST_ARG`] or the
/// callee's [`FIRST_PARAM`]): an address register (floats as their bits), or stack word
/// `i - 6` of the outgoing argument area at the caller's `a1`.
pub fn arg_register(first: u8, i: usize) -> Option<Reg> {
    (i < REG_ARGS).then(|| Reg::new(first + i as u8).expect("an argument register"))
}

/// The allocator hints: parameters in `a2…`, arguments of calls in `a10…` (the first time a
/// var is passed), results of calls in `a10`, returned vars in `a2`.
pub fn hints(f: &ir::Function) -> Vec<u64> {
    let mut hints = vec![0u64; f.vars.len()];
    let mut prefer = |v: ir::Var, r: Option<Reg>| {
        if let Some(r) = r
            && hints[v.0 as usize] == 0
            && f.ty(v) != Ty::F32
        {
            hints[v.0 as usize] = 1 << r.index();
        }
    };
    for (i, &p) in f.params.iter().enumerate() {
        prefer(p, arg_register(FIRST_PARAM, i));
    }
    for block in &f.blocks {
        if let ir::Terminator::Return(Some(v)) = block.term {
            prefer(v, Some(Reg::A2));
        }
    }
    for inst in f.blocks.iter().flat_map(|b| &b.insts) {
        if let ir::Inst::Call { args, dst, .. } = inst {
            for (i, &a) in args.iter().enumerate() {
                prefer(a, arg_register(FIRST_ARG, i));
            }
            if let Some(d) = dst {
                prefer(*d, Some(Reg::A10));
            }
        }
    }
    hints
}
