//! The register conventions of generated code: which registers are pinned, which are scratch for
//! instruction selection, and which the allocator may hand out.
//!
//! Registers are numbered as x86-64 encodes them (`rax` = 0 … `r15` = 15; `xmm0` = 0 …).

/// `rax`: scratch (results, dividend, temporaries, parallel-move cycles); never holds a var.
pub const RAX: u8 = 0;
/// `rcx`: scratch (shift counts, second operands); never holds a var.
pub const RCX: u8 = 1;
/// `rdx`: scratch (`idiv`); never holds a var.
pub const RDX: u8 = 2;
/// `rbx`: callee-saved, allocatable.
pub const RBX: u8 = 3;
/// `rbp`: callee-saved, allocatable (frames are addressed from `rsp`).
pub const RBP: u8 = 5;
/// `rsi`: caller-saved, allocatable, second integer argument.
pub const RSI: u8 = 6;
/// `rdi`: caller-saved, allocatable, first integer argument.
pub const RDI: u8 = 7;
/// `r8`: caller-saved, allocatable, fifth integer argument.
pub const R8: u8 = 8;
/// `r9`: caller-saved, allocatable, sixth integer argument.
pub const R9: u8 = 9;
/// `r10`: caller-saved, allocatable.
pub const R10: u8 = 10;
/// `r11`: caller-saved, allocatable.
pub const R11: u8 = 11;
/// `r12`: callee-saved, allocatable.
pub const R12: u8 = 12;
/// `r13`: callee-saved; the shadow-stack frame base in functions with GC root slots, otherwise
/// allocatable.
pub const R13: u8 = 13;
/// `r14`: pinned pointer to the context block.
pub const CTX: u8 = 14;
/// `r15`: pinned arena bias (host address of device address 0).
pub const BIAS: u8 = 15;

/// The shadow-stack frame base register (a device address, zero-extended).
pub const SHADOW_BASE: u8 = R13;

/// Scratch xmm register for spilled float destinations, constants and move cycles.
pub const XMM_SCRATCH: u8 = 15;
/// Second scratch xmm register (spilled second operands, masks).
pub const XMM_SCRATCH2: u8 = 14;
/// The xmm registers the allocator may hand out (all caller-saved).
pub const XMM_ALLOCATABLE: u8 = 14;

/// Integer argument registers of the System V ABI, in order.
pub const ARG_GPRS: [u8; 6] = [RDI, RSI, RDX, RCX, R8, R9];
/// Number of xmm argument registers (`xmm0`–`xmm7`).
pub const ARG_XMMS: u8 = 8;

/// Allocatable caller-saved registers, in order of preference (argument registers last so that
/// call sequences shuffle less).
pub const CALLER_SAVED: [u8; 6] = [R11, R10, R9, R8, RSI, RDI];
/// Allocatable callee-saved registers, in order of preference.
pub const CALLEE_SAVED: [u8; 4] = [RBX, R12, RBP, R13];
