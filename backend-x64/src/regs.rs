//! The register conventions of generated code: which registers are pinned, which are scratch for
//! instruction selection, and which the allocator may hand out.
//!
//! - `r14` (context block) and `r15` (arena bias) are pinned: set by the runtime, never written.
//!   They appear literally in the emitted assembly, as does [`SHADOW_BASE`] (`r13`).
//! - `rax` and `rcx` are scratch: results and temporaries, shift counts, `idiv`, parallel-move
//!   cycles. They never hold a var. `xmm14` and `xmm15` are the float scratch registers.
//! - `rdx` holds vars except those a division touches or lives across (`cdq`/`idiv` clobber it).
//! - Everything else holds vars; `rsp` is the only frame register (no frame pointer).

use dynasmrt::x64::{Rq, Rx};

/// Callee-saved register holding the shadow-stack frame base (a device address) in functions
/// with GC root slots; allocatable in the others.
pub const SHADOW_BASE: Rq = Rq::R13;

/// Scratch xmm register for spilled float results, constants and move cycles.
pub const XMM_SCRATCH: Rx = Rx::XMM15;
/// Second scratch xmm register (spilled second operands, masks).
pub const XMM_SCRATCH2: Rx = Rx::XMM14;

/// Integer argument registers of the System V ABI, in order.
pub const ARG_GPRS: [Rq; 6] = [Rq::RDI, Rq::RSI, Rq::RDX, Rq::RCX, Rq::R8, Rq::R9];
/// Float argument registers of the System V ABI, in order.
pub const ARG_XMMS: [Rx; 8] = [
    Rx::XMM0,
    Rx::XMM1,
    Rx::XMM2,
    Rx::XMM3,
    Rx::XMM4,
    Rx::XMM5,
    Rx::XMM6,
    Rx::XMM7,
];

/// Allocatable caller-saved registers, in order of preference (argument registers last so that
/// call sequences shuffle less).
pub const CALLER_SAVED: [Rq; 7] = [Rq::R11, Rq::R10, Rq::R9, Rq::R8, Rq::RDX, Rq::RSI, Rq::RDI];
/// Allocatable callee-saved registers, in order of preference.
pub const CALLEE_SAVED: [Rq; 4] = [Rq::RBX, Rq::R12, Rq::RBP, Rq::R13];
/// Allocatable xmm registers (all caller-saved), in order of preference.
pub const XMMS: [Rx; 14] = [
    Rx::XMM0,
    Rx::XMM1,
    Rx::XMM2,
    Rx::XMM3,
    Rx::XMM4,
    Rx::XMM5,
    Rx::XMM6,
    Rx::XMM7,
    Rx::XMM8,
    Rx::XMM9,
    Rx::XMM10,
    Rx::XMM11,
    Rx::XMM12,
    Rx::XMM13,
];
