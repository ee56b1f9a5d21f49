//! Where the harness puts things in the RAM of QEMU's `sim` machine (started with 1280 MiB:
//! physical addresses 0..0x5000_0000, which include the ESP32's PSRAM, data RAM and
//! instruction RAM addresses), and a layout for batches of small cases.

/// The reset vector of `de233_fpu`, in the `sim` machine's ROM: execution starts here.
pub const RESET: u32 = 0xfe00_0000;
/// The RAM QEMU is given, in MiB (see the module documentation).
pub(crate) const RAM_MIB: u32 = 1280;
/// One past the last RAM address.
pub const RAM_END: u32 = RAM_MIB << 20;
/// The stub that calls cases whose entry lies below 0x4000_0000 (`retw` keeps the top two
/// bits of the PC, so the stub must share the 1 GiB region of the code it calls).
pub(crate) const LOW_STUB: u32 = 0x1000;
/// The stub for cases whose entry lies at or above 0x4000_0000.
pub const HIGH_STUB: u32 = 0x4c00_0000;
/// Bytes reserved for a stub.
pub const STUB_SIZE: u32 = 0x1000;
/// `VECBASE`: the window and exception vectors.
pub(crate) const VECBASE: u32 = 0x2000;
/// The fault handler's literals and code, after the vectors.
pub(crate) const FAULT_HANDLER: u32 = 0x2400;
/// The word holding the address of the next case's table entry.
pub(crate) const CURSOR: u32 = 0x3000;
/// The case table: [`ENTRY_SIZE`] bytes per case, ended by an entry whose function is 0.
pub(crate) const TABLE: u32 = 0x4000;
/// Bytes per case table entry.
pub(crate) const ENTRY_SIZE: u32 = 64;
/// Byte offsets in a table entry: the entry point, the stack top, the arguments (six words),
/// the segment list, the stack's base and size, and the 16-byte record the stub reports
/// (status, `a2`, exception cause, exception PC).
pub(crate) mod entry {
    pub const FUNCTION: u32 = 0;
    pub const STACK_TOP: u32 = 4;
    pub const ARGS: u32 = 8;
    pub const SEGMENTS: u32 = 32;
    pub const STACK_BASE: u32 = 36;
    pub const STACK_SIZE: u32 = 40;
    pub const RECORD: u32 = 48;
}
/// The segment lists: per case, a count and (staged copy, address, length) triples.
pub(crate) const SEGMENT_LISTS: u32 = 0x0002_0000;
/// Where the cases' segments wait until the stub copies them into place.
pub(crate) const STAGING: u32 = 0x0010_0000;
/// Case memory must lie at or above this address (and below [`RAM_END`], outside the high
/// stub's [`STUB_SIZE`] bytes at [`HIGH_STUB`]).
pub const HARNESS_END: u32 = 0x0400_0000;

/// The most cases one QEMU process runs; longer lists are split.
pub const MAX_BATCH: usize = 1024;

// The harness's tables fit below the staging area.
const _: () = assert!(TABLE + (MAX_BATCH as u32 + 1) * ENTRY_SIZE <= SEGMENT_LISTS);

/// A layout for batches of small cases: case `i`'s code at `CODE + i * CODE_STRIDE`, its data
/// at `DATA + i * DATA_STRIDE`, its stack `STACKS + i * STACK_STRIDE .. + STACK_STRIDE`.
pub const CODE: u32 = HARNESS_END;
/// The code bytes each case may have in the batch layout.
pub const CODE_STRIDE: u32 = 8 << 10;
/// See [`CODE`].
pub const DATA: u32 = 0x0500_0000;
/// The data bytes each case may have in the batch layout.
pub const DATA_STRIDE: u32 = 1 << 10;
/// See [`CODE`].
pub const STACKS: u32 = 0x0600_0000;
/// The stack bytes each case has in the batch layout.
pub const STACK_STRIDE: u32 = 4 << 10;

// The areas of a full batch stay apart.
const _: () = assert!(CODE + MAX_BATCH as u32 * CODE_STRIDE <= DATA);
const _: () = assert!(DATA + MAX_BATCH as u32 * DATA_STRIDE <= STACKS);

/// Case `index`'s code address in the batch layout.
pub fn code_base(index: usize) -> u32 {
    CODE + index as u32 * CODE_STRIDE
}

/// Case `index`'s data address in the batch layout.
pub fn data_base(index: usize) -> u32 {
    DATA + index as u32 * DATA_STRIDE
}

/// The lowest address of case `index`'s stack in the batch layout.
pub fn stack_base(index: usize) -> u32 {
    STACKS + index as u32 * STACK_STRIDE
}
