//! Where the harness puts things in the physical RAM of QEMU's `sim` machine (128 MiB at 0),
//! and the same addresses in the simulator.

/// The reset vector of `de233_fpu`, in the `sim` machine's ROM: execution starts here.
pub const RESET: u32 = 0xfe00_0000;
/// The stub's literals, code, window vectors (at `VECBASE`) and fault handler.
pub(crate) const STUB: u32 = 0x1000;
/// `VECBASE`: the window and exception vectors.
pub(crate) const VECBASE: u32 = 0x2000;
/// The fault handler, after the vectors.
pub(crate) const FAULT_HANDLER: u32 = 0x2400;
/// The word holding the address of the current case's table entry.
pub(crate) const CURSOR: u32 = 0x3000;
/// The case table: [`ENTRY_SIZE`] bytes per case, ended by an entry whose function is 0.
pub(crate) const TABLE: u32 = 0x4000;
/// Bytes per case table entry.
pub(crate) const ENTRY_SIZE: u32 = 64;
/// Byte offset, in a table entry, of the 16-byte record the stub reports: status, `a10`,
/// exception cause, exception PC.
pub(crate) const ENTRY_RECORD: u32 = 48;

/// The most cases one QEMU process runs; longer lists are split.
pub const MAX_BATCH: usize = 1024;
/// Code of case `i` is loaded at `CODE + i * CODE_STRIDE`.
pub const CODE: u32 = 0x0010_0000;
/// The code bytes each case may have.
pub const CODE_STRIDE: u32 = 8 << 10;
/// Data of case `i` is at `DATA + i * DATA_STRIDE`.
pub const DATA: u32 = 0x0100_0000;
/// The data bytes each case may have.
pub const DATA_STRIDE: u32 = 1 << 10;
/// The machine stack of case `i` is `STACKS + i * STACK_STRIDE .. + STACK_STRIDE`, growing down
/// from its top; the root frame takes its top [`crate::ROOT_FRAME`] bytes.
pub const STACKS: u32 = 0x0200_0000;
/// The stack bytes each case has.
pub const STACK_STRIDE: u32 = 4 << 10;

// The areas of a full batch stay apart, inside the 128 MiB of RAM.
const _: () = assert!(CODE + MAX_BATCH as u32 * CODE_STRIDE <= DATA);
const _: () = assert!(DATA + MAX_BATCH as u32 * DATA_STRIDE <= STACKS);
const _: () = assert!(STACKS + MAX_BATCH as u32 * STACK_STRIDE <= 128 << 20);

/// The address case `index` of a batch has its code at.
pub fn code_base(index: usize) -> u32 {
    CODE + index as u32 * CODE_STRIDE
}

/// The address case `index` of a batch has its data at.
pub fn data_base(index: usize) -> u32 {
    DATA + index as u32 * DATA_STRIDE
}

/// The lowest address of the stack of case `index` of a batch.
pub fn stack_base(index: usize) -> u32 {
    STACKS + index as u32 * STACK_STRIDE
}
