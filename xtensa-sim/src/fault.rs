//! Faults: what stops a program that the chip would send to an exception vector.

/// A fault of the simulated program, with the address of the instruction that caused it.
///
/// Each corresponds to an Xtensa exception cause ([`Fault::exccause`]); the simulator stops
/// instead of entering the exception vector, except for window overflow and underflow, which it
/// handles itself as the ESP32's window vectors do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    /// The bytes at `pc` are not an instruction the simulator knows (or `retw` with no
    /// window increment in `a0`, `entry` with a bad register or outside windowed code).
    #[error("illegal instruction at {pc:#010x}")]
    IllegalInstruction {
        /// The instruction's address.
        pc: u32,
    },
    /// A load, store or instruction fetch outside every memory region.
    #[error("access to unmapped address {addr:#010x} at {pc:#010x}")]
    Unmapped {
        /// The instruction's address.
        pc: u32,
        /// The address accessed.
        addr: u32,
    },
    /// A load or store whose address is not a multiple of its size.
    #[error("unaligned access to {addr:#010x} at {pc:#010x}")]
    Unaligned {
        /// The instruction's address.
        pc: u32,
        /// The address accessed.
        addr: u32,
    },
    /// An 8- or 16-bit access to word-only memory (the ESP32's instruction RAM).
    #[error("load/store error: narrow access to word-only memory at {addr:#010x} at {pc:#010x}")]
    LoadStoreError {
        /// The instruction's address.
        pc: u32,
        /// The address accessed.
        addr: u32,
    },
    /// `quos`, `quou`, `rems` or `remu` with a zero divisor.
    #[error("integer division by zero at {pc:#010x}")]
    DivideByZero {
        /// The instruction's address.
        pc: u32,
    },
    /// An `entry` that would move the stack pointer below the configured stack limit.
    #[error("stack overflow: entry at {pc:#010x} moves the stack pointer to {sp:#010x}")]
    StackOverflow {
        /// The instruction's address.
        pc: u32,
        /// The stack pointer the `entry` would have set.
        sp: u32,
    },
    /// `movsp` while the caller's frame is already spilled (the chip's alloca exception, whose
    /// handler the simulator does not model).
    #[error("alloca exception (movsp with the caller's window spilled) at {pc:#010x}")]
    Alloca {
        /// The instruction's address.
        pc: u32,
    },
    /// A `break` instruction.
    #[error("break {s}, {t} at {pc:#010x}")]
    Break {
        /// The instruction's address.
        pc: u32,
        /// The first code.
        s: u8,
        /// The second code.
        t: u8,
    },
}

impl Fault {
    /// The address of the faulting instruction.
    pub fn pc(&self) -> u32 {
        match *self {
            Fault::IllegalInstruction { pc }
            | Fault::Unmapped { pc, .. }
            | Fault::Unaligned { pc, .. }
            | Fault::LoadStoreError { pc, .. }
            | Fault::DivideByZero { pc }
            | Fault::StackOverflow { pc, .. }
            | Fault::Alloca { pc }
            | Fault::Break { pc, .. } => pc,
        }
    }

    /// The Xtensa exception cause (`EXCCAUSE`) the chip reports for this fault; `None` for the
    /// stack limit, which the chip detects with a watchpoint, and `break`, a debug exception.
    pub fn exccause(&self) -> Option<u32> {
        match self {
            Fault::IllegalInstruction { .. } => Some(0),
            Fault::LoadStoreError { .. } => Some(3),
            Fault::Alloca { .. } => Some(5),
            Fault::DivideByZero { .. } => Some(6),
            Fault::Unaligned { .. } => Some(9),
            // No memory answers: the chip reports a load/store (bus) error.
            Fault::Unmapped { .. } => Some(3),
            Fault::StackOverflow { .. } | Fault::Break { .. } => None,
        }
    }
}
