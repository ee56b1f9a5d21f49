//! Entering generated code and unwinding out of it.
//!
//! `bs_device_enter(ctx, bias, entry)` saves the callee-saved registers, pins r14 = ctx and
//! r15 = bias, stores its stack pointer at `CTX_SAVED_RSP`, calls `entry` and returns 0.
//! `bs_device_unwind(ctx)` restores that stack pointer and returns 1 from the same
//! `bs_device_enter` call, abandoning every frame in between (generated code and the Rust
//! frames of the raising native, which must own nothing with a destructor at that point).

use crate::abi::host::CTX_SAVED_RSP;

std::arch::global_asm!(
    ".text",
    ".globl bs_device_enter",
    ".type bs_device_enter,@function",
    ".p2align 4",
    "bs_device_enter:",
    "push rbp",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    "sub rsp, 8",
    "mov r14, rdi",
    "mov r15, rsi",
    "mov [r14 + {saved}], rsp",
    "call rdx",
    "xor eax, eax",
    "2:",
    "add rsp, 8",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rbp",
    "ret",
    ".size bs_device_enter, . - bs_device_enter",
    ".globl bs_device_unwind",
    ".type bs_device_unwind,@function",
    ".p2align 4",
    "bs_device_unwind:",
    "mov rsp, [rdi + {saved}]",
    "mov eax, 1",
    "jmp 2b",
    ".size bs_device_unwind, . - bs_device_unwind",
    saved = const CTX_SAVED_RSP,
);

unsafe extern "C" {
    /// Runs `entry` with r14 = `ctx` and r15 = `bias`; 0 if it returned, 1 if a native
    /// unwound.
    pub fn bs_device_enter(ctx: *mut u8, bias: u64, entry: u64) -> u64;
    /// Unwinds to the `bs_device_enter` call that owns `ctx`, which returns 1.
    pub fn bs_device_unwind(ctx: *mut u8) -> !;
}
