//! The context block that generated code reaches through r14 (`abi::host`).

use crate::abi::host::{
    CTX_FUNCTIONS, CTX_NATIVE_ID, CTX_NATIVE_RETURN, CTX_NATIVES, CTX_SHADOW_LIMIT, CTX_SHADOW_SP,
    CTX_STACK_LIMIT, NATIVE_SLOTS,
};

/// An owned, 8-byte aligned context block with room for `slots` function slots. Generated code
/// reads and writes it while it runs, so it is only accessed through raw pointers.
pub struct Ctx {
    words: *mut u64,
    len: usize,
    slots: u32,
}

impl Ctx {
    /// A zeroed block with `slots` function slots.
    pub fn new(slots: u32) -> Ctx {
        let len = CTX_FUNCTIONS as usize / 8 + slots as usize;
        let words = Box::into_raw(vec![0u64; len].into_boxed_slice()).cast::<u64>();
        Ctx { words, len, slots }
    }

    /// The block's address, for r14.
    pub fn ptr(&self) -> *mut u8 {
        self.words.cast()
    }

    /// Number of function slots.
    pub fn slots(&self) -> u32 {
        self.slots
    }

    fn read_u32(&self, off: i32) -> u32 {
        // SAFETY: every offset used is inside the block (fixed fields below CTX_NATIVES).
        unsafe { self.ptr().add(off as usize).cast::<u32>().read_volatile() }
    }

    fn write_u32(&self, off: i32, v: u32) {
        // SAFETY: as in `read_u32`.
        unsafe { self.ptr().add(off as usize).cast::<u32>().write_volatile(v) }
    }

    fn read_u64(&self, off: i32) -> u64 {
        // SAFETY: 8-aligned offsets inside the block.
        unsafe { self.ptr().add(off as usize).cast::<u64>().read_volatile() }
    }

    fn write_u64(&self, off: i32, v: u64) {
        // SAFETY: as in `read_u64`.
        unsafe { self.ptr().add(off as usize).cast::<u64>().write_volatile(v) }
    }

    /// The shadow-stack pointer.
    pub fn shadow_sp(&self) -> u32 {
        self.read_u32(CTX_SHADOW_SP)
    }

    /// Sets the shadow-stack pointer and its lower limit.
    pub fn set_shadow(&self, sp: u32, limit: u32) {
        self.write_u32(CTX_SHADOW_SP, sp);
        self.write_u32(CTX_SHADOW_LIMIT, limit);
    }

    /// Sets the lowest `rsp` generated code may use.
    pub fn set_stack_limit(&self, limit: u64) {
        self.write_u64(CTX_STACK_LIMIT, limit);
    }

    /// The return address of the latest native call.
    pub fn native_return(&self) -> u64 {
        self.read_u64(CTX_NATIVE_RETURN)
    }

    /// The number of the native being called.
    pub fn native_id(&self) -> u32 {
        self.read_u32(CTX_NATIVE_ID)
    }

    /// Sets native table entry `id` (below `NATIVE_SLOTS`).
    pub fn set_native(&self, id: u32, target: u64) {
        if id < NATIVE_SLOTS {
            self.write_u64(CTX_NATIVES + 8 * id as i32, target);
        }
    }

    /// Sets function slot `slot` (ignored when out of range; the caller checks).
    pub fn set_function(&self, slot: u32, target: u64) {
        if slot < self.slots {
            // SAFETY: slot < slots keeps the word inside the block.
            unsafe {
                self.words
                    .add(CTX_FUNCTIONS as usize / 8 + slot as usize)
                    .write_volatile(target)
            }
        }
    }
}

impl Drop for Ctx {
    fn drop(&mut self) {
        // SAFETY: `words` came from `Box::into_raw` of a slice of `len` words.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.words, self.len)) });
    }
}
