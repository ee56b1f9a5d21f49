//! The host native table: one small machine-code thunk per native that records the native's
//! number and the call's return address in the context block, then jumps to one of five
//! `extern "C"` wrappers (by argument and result classes), which run the portable native on the
//! runtime of the current run. A failing native records its error and unwinds to the entry
//! trampoline.
//!
//! Unwinding invariant: when `raise` calls `bs_device_unwind`, the only Rust frames being
//! abandoned are `raise`, `enter` and a wrapper, and they own nothing with a destructor (the
//! error is `Copy` and already stored in the run environment).

use std::cell::Cell;
use std::io;

use super::ctx::Ctx;
use super::mmap::{Mapping, READ_EXEC, READ_WRITE};
use super::trampoline::bs_device_unwind;
use crate::abi::host::{CTX_NATIVE_ID, CTX_NATIVE_RETURN, NATIVE_SLOTS};
use crate::abi::{Native, NativeTy};
use crate::error::RuntimeError;
use crate::natives;
use crate::runtime::Runtime;
use crate::std_io::ProcessIo;

/// Native number recorded by the thunk of an unset function slot.
pub const ID_UNSET_SLOT: u32 = u32::MAX;
/// Native number recorded by the thunk of a native table entry that has no native.
pub const ID_NO_NATIVE: u32 = u32::MAX - 1;
/// Bytes per thunk.
const THUNK_SIZE: usize = 32;

/// Everything a native needs during one run; installed in a thread-local by [`RunScope`].
pub struct RunEnv<'a> {
    /// The runtime.
    pub rt: &'a mut Runtime,
    /// Output and clock.
    pub io: ProcessIo<'a>,
    /// The context block of the run.
    pub ctx: &'a Ctx,
    /// The error that stopped the run, if any.
    pub fault: Option<RuntimeError>,
}

thread_local! {
    /// The environment of the run in progress on this thread (null when none).
    static CURRENT: Cell<*mut ()> = const { Cell::new(std::ptr::null_mut()) };
}

/// Installs a run environment for the natives while it lives.
pub struct RunScope<'e, 'a> {
    env: &'e mut RunEnv<'a>,
}

impl<'e, 'a> RunScope<'e, 'a> {
    /// Makes `env` the current run environment of this thread.
    pub fn new(env: &'e mut RunEnv<'a>) -> Self {
        CURRENT.set((env as *mut RunEnv<'a>).cast());
        RunScope { env }
    }

    /// The environment (after the run).
    pub fn env(&mut self) -> &mut RunEnv<'a> {
        self.env
    }
}

impl Drop for RunScope<'_, '_> {
    fn drop(&mut self) {
        CURRENT.set(std::ptr::null_mut());
    }
}

/// Runs the native the thunk recorded on `args` and returns its result word; on failure,
/// records the error and unwinds (never returns).
fn enter(args: [u32; 3]) -> u32 {
    let env = CURRENT.get().cast::<RunEnv<'_>>();
    if env.is_null() {
        // A native called outside a run cannot unwind anywhere.
        std::process::abort();
    }
    // SAFETY: `RunScope` keeps the environment alive and installed for the whole run, and
    // nothing else touches it while generated code (and so this native) runs.
    let env = unsafe { &mut *env };
    env.rt.shadow_sp = env.ctx.shadow_sp();
    let entry = match env.ctx.native_id() {
        ID_UNSET_SLOT => natives::Entry::UnsetSlot,
        id => natives::Entry::Native(id),
    };
    match natives::dispatch(env.rt, &mut env.io, entry, &args) {
        Ok(v) => v,
        Err(e) => raise(env, e),
    }
}

/// Records `error` and unwinds to the entry trampoline.
fn raise(env: &mut RunEnv<'_>, error: RuntimeError) -> ! {
    env.fault = Some(error);
    let ctx = env.ctx.ptr();
    // SAFETY: a run is in progress (the environment is installed), so the trampoline's frame
    // is live below us; see the module's unwinding invariant.
    unsafe { bs_device_unwind(ctx) }
}

/// Wrapper for natives with up to three integer/reference/any arguments and a word result.
extern "C" fn words_to_word(a: u32, b: u32, c: u32) -> u32 {
    enter([a, b, c])
}

/// Wrapper for natives with up to three word arguments and an f32 result.
extern "C" fn words_to_float(a: u32, b: u32, c: u32) -> f32 {
    f32::from_bits(enter([a, b, c]))
}

/// Wrapper for natives with one f32 argument and a word result.
extern "C" fn float_to_word(x: f32) -> u32 {
    enter([x.to_bits(), 0, 0])
}

/// Wrapper for natives with one f32 argument and an f32 result.
extern "C" fn float_to_float(x: f32) -> f32 {
    f32::from_bits(enter([x.to_bits(), 0, 0]))
}

/// Wrapper for natives with two f32 arguments and an f32 result.
extern "C" fn floats_to_float(x: f32, y: f32) -> f32 {
    f32::from_bits(enter([x.to_bits(), y.to_bits(), 0]))
}

/// The wrapper that fits a native's classes, if any does.
fn wrapper_for(n: Native) -> Option<u64> {
    use NativeTy::F32;
    let params = n.params();
    let float_result = n.result() == Some(F32);
    let words = params.len() <= 3 && !params.contains(&F32);
    match (params, float_result) {
        ([F32], false) => Some(float_to_word as extern "C" fn(f32) -> u32 as usize as u64),
        ([F32], true) => Some(float_to_float as extern "C" fn(f32) -> f32 as usize as u64),
        ([F32, F32], true) => {
            Some(floats_to_float as extern "C" fn(f32, f32) -> f32 as usize as u64)
        }
        (_, false) if words => {
            Some(words_to_word as extern "C" fn(u32, u32, u32) -> u32 as usize as u64)
        }
        (_, true) if words => {
            Some(words_to_float as extern "C" fn(u32, u32, u32) -> f32 as usize as u64)
        }
        _ => None,
    }
}

/// Machine code of a thunk: records `id` and the return address, jumps to `target`.
fn thunk(id: u32, target: u64) -> [u8; THUNK_SIZE] {
    let mut code = [0xCC; THUNK_SIZE];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        code[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    // mov dword [r14 + CTX_NATIVE_ID], id
    put(&[0x41, 0xC7, 0x46, CTX_NATIVE_ID as u8]);
    put(&id.to_le_bytes());
    // mov rax, [rsp]
    put(&[0x48, 0x8B, 0x04, 0x24]);
    // mov [r14 + CTX_NATIVE_RETURN], rax
    put(&[0x49, 0x89, 0x46, CTX_NATIVE_RETURN as u8]);
    // mov rax, target ; jmp rax
    put(&[0x48, 0xB8]);
    put(&target.to_le_bytes());
    put(&[0xFF, 0xE0]);
    code
}

/// The executable thunks: one per native table entry, then the unset-slot thunk.
pub struct Thunks {
    page: Mapping,
}

impl Thunks {
    /// Builds the thunks.
    pub fn new() -> io::Result<Thunks> {
        let count = NATIVE_SLOTS as usize + 1;
        let page = Mapping::new(count * THUNK_SIZE, READ_WRITE)?;
        let fallback = words_to_word as extern "C" fn(u32, u32, u32) -> u32 as usize as u64;
        for id in 0..=NATIVE_SLOTS {
            let (tid, target) = match Native::from_id(id).and_then(|n| Some((id, wrapper_for(n)?)))
            {
                Some(t) => t,
                None if id == NATIVE_SLOTS => (ID_UNSET_SLOT, fallback),
                None => (ID_NO_NATIVE, fallback),
            };
            let code = thunk(tid, target);
            // SAFETY: entry `id` lies inside the freshly mapped, writable page.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    code.as_ptr(),
                    page.ptr().add(id as usize * THUNK_SIZE),
                    THUNK_SIZE,
                )
            };
        }
        page.protect(READ_EXEC)?;
        Ok(Thunks { page })
    }

    /// The thunk of native table entry `id`.
    pub fn native(&self, id: u32) -> u64 {
        self.page.ptr() as u64 + (id.min(NATIVE_SLOTS) as usize * THUNK_SIZE) as u64
    }

    /// The thunk that unset function slots point to.
    pub fn unset_slot(&self) -> u64 {
        self.native(NATIVE_SLOTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_native_has_a_wrapper() {
        for &n in Native::ALL {
            assert!(wrapper_for(n).is_some(), "{n:?}");
        }
        assert_eq!(
            wrapper_for(Native::UnboxFloat),
            Some(words_to_float as extern "C" fn(u32, u32, u32) -> f32 as usize as u64)
        );
        assert_eq!(
            wrapper_for(Native::PrintFloat),
            Some(float_to_word as extern "C" fn(f32) -> u32 as usize as u64)
        );
        assert_eq!(
            wrapper_for(Native::MathSqrt),
            Some(float_to_float as extern "C" fn(f32) -> f32 as usize as u64)
        );
        assert_eq!(
            wrapper_for(Native::MathAtan2),
            Some(floats_to_float as extern "C" fn(f32, f32) -> f32 as usize as u64)
        );
    }

    #[test]
    fn thunks_fit_their_slot() {
        let code = thunk(7, 0x1122_3344_5566_7788);
        assert_eq!(&code[4..8], &7u32.to_le_bytes());
        assert_eq!(&code[18..26], &0x1122_3344_5566_7788u64.to_le_bytes());
        assert_eq!(&code[26..28], &[0xFF, 0xE0]);
    }
}
