//! The host board: generated x86-64 code runs natively in this process.

use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Instant;

use super::ctx::Ctx;
use super::mmap::{Mapping, READ_WRITE, READ_WRITE_EXEC};
use super::natives::{RunEnv, RunScope, Thunks};
use super::trampoline::bs_device_enter;
use crate::abi::Native;
use crate::abi::host::{self as abi, NATIVE_SLOTS};
use crate::device::{Fault, LoadError, OutputSink, Port, RunControl};
use crate::divert::{Diversion, SlotTable};
use crate::error::RuntimeError;
use crate::memory::{MemError, Memory, MemoryMap};
use crate::patch::{Staged, check_load, check_swap};
use crate::runtime::Runtime;
use crate::std_io::ProcessIo;

/// How far above the real end of the machine stack generated code must stop: room for the
/// natives (and the Rust code they call) that run after the last stack check.
pub const STACK_MARGIN: u64 = 256 << 10;

/// The host board's memory and tables.
pub struct HostPort {
    map: MemoryMap,
    arena: Mapping,
    code: Mapping,
    thunks: Thunks,
    ctx: Ctx,
    start: Instant,
}

impl HostPort {
    /// Maps the arena and the code region for `map` and builds the tables, with `slots`
    /// function slots.
    pub fn new(map: MemoryMap, slots: u32) -> io::Result<HostPort> {
        map.validate()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e.to_string()))?;
        let arena = Mapping::new(map.arena_size() as usize, READ_WRITE)?;
        let code = Mapping::new(map.code_size as usize, READ_WRITE_EXEC)?;
        let thunks = Thunks::new()?;
        let ctx = Ctx::new(slots);
        for id in 0..NATIVE_SLOTS {
            ctx.set_native(id, thunks.native(id));
        }
        let port = HostPort {
            map,
            arena,
            code,
            thunks,
            ctx,
            start: Instant::now(),
        };
        port.clear_all_slots();
        Ok(port)
    }

    /// A runtime over this port's arena.
    pub fn runtime(&self) -> Result<Runtime, MemError> {
        // SAFETY: the arena mapping covers `map.arena_size()` bytes and outlives the runtime
        // as long as the port does (the caller keeps both in one `Device`, whose port field
        // only unmaps after the runtime is no longer used).
        let mem = unsafe { Memory::from_raw(self.arena.ptr(), self.map)? };
        Runtime::new(mem)
    }

    /// The control over this port's runs that another thread uses while a program runs. It
    /// points into the arena: use it only while the port lives.
    pub fn run_control(&self) -> HostRunControl {
        let offset = (self.map.interrupt_flag() - self.map.data_base) as usize;
        // SAFETY: the flag is a 4-aligned word inside the arena mapping (the map was validated).
        let flag = unsafe { self.arena.ptr().add(offset) }.cast::<AtomicU32>();
        // SAFETY: the function table starts CTX_FUNCTIONS bytes into the context block.
        let functions =
            unsafe { self.ctx.ptr().add(abi::CTX_FUNCTIONS as usize) }.cast::<AtomicU64>();
        HostRunControl {
            flag,
            map: self.map,
            arena: self.arena.ptr(),
            code: self.code.ptr(),
            functions,
            slots: self.ctx.slots(),
            unset: self.thunks.unset_slot(),
            raise: self.thunks.native(Native::RaiseInterrupted as u32),
            staged: Mutex::new(Box::default()),
            diversion: Mutex::new(Diversion::default()),
        }
    }

    /// The arena bias: host address of device address 0 (r15).
    fn bias(&self) -> u64 {
        (self.arena.ptr() as u64).wrapping_sub(self.map.data_base as u64)
    }

    /// The host address of code address `addr` (inside the code region).
    fn code_host(&self, addr: u32) -> u64 {
        self.code.ptr() as u64 + (addr - self.map.code_base) as u64
    }

    fn clear_all_slots(&self) {
        for slot in 0..self.ctx.slots() {
            self.ctx.set_function(slot, self.thunks.unset_slot());
        }
    }
}

/// Sets and clears a host port's interrupt flag from any thread (see [`HostPort::run_control`]),
/// and diverts its function table while a run is interrupted ([`crate::divert`]). Generated
/// code reads the flag and the table with plain loads, which see the stores (x86-64 keeps
/// stores in order and makes them visible to other cores).
pub struct HostRunControl {
    flag: *const AtomicU32,
    map: MemoryMap,
    /// Host address of the data region's first byte.
    arena: *mut u8,
    /// Host address of the code region's first byte.
    code: *mut u8,
    /// The function table (host code addresses, read by generated code with plain loads).
    functions: *const AtomicU64,
    slots: u32,
    /// What an empty slot points at.
    unset: u64,
    /// The thunk of `RaiseInterrupted`, which every slot points at while a run is interrupted.
    raise: u64,
    /// The swaps of a patch sent during a run.
    staged: Mutex<Box<Staged>>,
    /// The real function table while a run is interrupted.
    diversion: Mutex<Diversion>,
}

// SAFETY: the flag and the function table are only accessed atomically; loads during a run
// write only to code and data that nothing refers to yet (the host's promise, see
// `RunControl::load`); the mappings outlive every use (`HostPort::run_control`).
unsafe impl Send for HostRunControl {}
// SAFETY: as for `Send`.
unsafe impl Sync for HostRunControl {}

impl HostRunControl {
    fn flag(&self) -> &AtomicU32 {
        // SAFETY: see `HostPort::run_control`.
        unsafe { &*self.flag }
    }

    /// The function table, as a diversion changes it.
    fn table(&self) -> Table<'_> {
        Table(self)
    }
}

/// A host port's function table through its atomic words.
struct Table<'c>(&'c HostRunControl);

impl Table<'_> {
    fn word(&self, slot: u32) -> &AtomicU64 {
        // SAFETY: callers pass slot < slots, which keeps the word inside the table.
        unsafe { &*self.0.functions.add(slot as usize) }
    }
}

impl SlotTable for Table<'_> {
    fn slots(&self) -> u32 {
        self.0.slots
    }

    fn read(&mut self, slot: u32) -> u64 {
        self.word(slot).load(Ordering::SeqCst)
    }

    fn write(&mut self, slot: u32, entry: u64) {
        self.word(slot).store(entry, Ordering::SeqCst);
    }
}

impl RunControl for HostRunControl {
    fn interrupt(&self) {
        lock(&self.diversion).divert(&mut self.table(), self.raise);
        self.flag().store(1, Ordering::SeqCst);
    }

    fn clear_interrupt(&self) {
        lock(&self.diversion).restore(&mut self.table());
        self.flag().store(0, Ordering::SeqCst);
    }

    fn load(&self, addr: u32, bytes: &[u8]) -> Result<(), LoadError> {
        let len = bytes.len() as u32;
        check_load(&self.map, addr, len)?;
        let target = if self.map.in_code(addr, len) {
            // SAFETY: the range is inside the code mapping.
            unsafe { self.code.add((addr - self.map.code_base) as usize) }
        } else {
            // SAFETY: the range is inside the data region, at the start of the arena mapping.
            unsafe { self.arena.add((addr - self.map.data_base) as usize) }
        };
        // SAFETY: inside a mapping (checked above); nothing reads these bytes until a slot
        // swap points at them.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), target, bytes.len()) };
        Ok(())
    }

    fn stage_slot(&self, slot: u32, addr: u32) -> Result<(), LoadError> {
        check_swap(&self.map, self.slots, slot, addr)?;
        lock(&self.staged)
            .stage(slot, addr)
            .map_err(LoadError::Patch)
    }

    fn commit(&self, count: u32) -> Result<(), LoadError> {
        let mut staged = lock(&self.staged);
        let swaps = staged.take(count).map_err(LoadError::Patch)?;
        let mut diversion = lock(&self.diversion);
        critical_section::with(|_| {
            for &(slot, addr) in swaps {
                let target = match addr {
                    0 => self.unset,
                    a => self.code as u64 + (a - self.map.code_base) as u64,
                };
                // slot < slots was checked when it was staged.
                diversion.set(&mut self.table(), slot, target);
            }
        });
        Ok(())
    }
}

/// Locks `m`, whatever a panicking holder left behind (the staging area stays consistent).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The lowest address of the current thread's stack.
fn stack_low() -> Option<u64> {
    // SAFETY: plain pthread queries on the calling thread with out-parameters we own.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr: *mut libc::c_void = std::ptr::null_mut();
        let mut size: libc::size_t = 0;
        let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        ok.then_some(addr as u64)
    }
}

impl Port for HostPort {
    fn board_name(&self) -> &[u8] {
        b"host"
    }

    fn function_slots(&self) -> u32 {
        self.ctx.slots()
    }

    fn architecture(&self) -> crate::image::Architecture {
        crate::image::Architecture::X86_64
    }

    fn load_code(&mut self, addr: u32, bytes: &[u8]) -> Result<(), LoadError> {
        if !self.map.in_code(addr, bytes.len() as u32) {
            return Err(MemError::OutOfRange {
                addr,
                len: bytes.len() as u32,
            }
            .into());
        }
        // SAFETY: the range is inside the code mapping, which is writable; no code runs now.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.code_host(addr) as *mut u8,
                bytes.len(),
            )
        };
        Ok(())
    }

    fn set_slot(&mut self, slot: u32, addr: u32) -> Result<(), LoadError> {
        let slots = self.ctx.slots();
        if slot >= slots {
            return Err(LoadError::BadSlot { slot, slots });
        }
        let target = match addr {
            0 => self.thunks.unset_slot(),
            a if self.map.in_code(a, 1) => self.code_host(a),
            a => return Err(MemError::OutOfRange { addr: a, len: 1 }.into()),
        };
        self.ctx.set_function(slot, target);
        Ok(())
    }

    fn clear_slots(&mut self) {
        self.clear_all_slots();
    }

    fn run(&mut self, entry: u32, rt: &mut Runtime, out: &mut dyn OutputSink) -> Result<(), Fault> {
        let map = self.map;
        self.ctx.set_shadow(map.shadow_top(), map.shadow_base);
        self.ctx
            .set_stack_limit(stack_low().map_or(0, |low| low + STACK_MARGIN));
        let host_entry = self.code_host(entry);
        let bias = self.bias();
        let mut env = RunEnv {
            rt,
            io: ProcessIo {
                out,
                start: self.start,
                interrupt: None,
            },
            ctx: &self.ctx,
            fault: None,
        };
        let mut scope = RunScope::new(&mut env);
        // SAFETY: the entry lies in the code region (the device checked it); generated code
        // follows the calling convention of `abi::host` and reaches memory only through the
        // context block and the arena, which live as long as `self`.
        let raised = unsafe { bs_device_enter(self.ctx.ptr(), bias, host_entry) } != 0;
        if !raised {
            return Ok(());
        }
        let error = scope.env().fault.take().unwrap_or_else(|| {
            RuntimeError::new(
                crate::abi::ErrorKind::TypeError,
                format_args!("unknown run-time error"),
            )
        });
        drop(scope);
        let ret = self.ctx.native_return();
        let code_addr = if self.code.contains(ret) {
            map.code_base + (ret - self.code.ptr() as u64) as u32
        } else {
            0
        };
        Err(Fault { error, code_addr })
    }
}
