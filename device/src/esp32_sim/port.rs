//! The `esp32-sim` board's [`Port`]: the ESP32 memory map in an Xtensa simulator, generated
//! code run from a sentinel `callx8`, and native-vector calls dispatched to the runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use xtensa_sim::{Access, Config, NanRule, RegionSpec, Sim, Stop};

use super::patches::{Op, Patches};
use crate::abi::Native;
use crate::abi::esp32::*;
use crate::device::{Fault, LoadError, OutputSink, Port, RunControl};
use crate::divert::{Diversion, SlotTable};
use crate::error::RuntimeError;
use crate::memory::{MemError, Memory, MemoryMap};
use crate::natives::{self, Entry};
use crate::patch::check_swap;
use crate::runtime::Runtime;
use crate::std_io::ProcessIo;

/// Instructions simulated between looks at the interrupt request and the patches received
/// (about a few milliseconds).
const FUEL: u64 = 1 << 20;

/// Internal data RAM: the context block, the function table and the machine stack.
const DRAM: u32 = CONTEXT;

/// The `esp32-sim` board: a simulated ESP32 whose PSRAM window holds the runtime's arena.
pub struct Esp32SimPort {
    sim: Sim,
    map: MemoryMap,
    slots: u32,
    start: Instant,
    /// Instructions the latest run executed.
    last_run: Option<u64>,
    /// Set by [`Esp32SimControl::interrupt`] from the thread that reads requests.
    interrupt: Arc<AtomicBool>,
    /// The real function table while the run is interrupted.
    diversion: Diversion,
    /// Patches received during the run, applied between slices.
    patches: Arc<Patches>,
}

/// Interrupts and patches an `esp32-sim` board's running program from any thread (see
/// [`Esp32SimPort::run_control`]): an interrupt is a flag the board copies into the simulated
/// interrupt flag ([`MemoryMap::interrupt_flag`]) between slices of simulated instructions,
/// and patches wait in a queue ([`super::patches`]), so the simulator's memory is only ever
/// touched by the thread that runs it.
pub struct Esp32SimControl {
    interrupt: Arc<AtomicBool>,
    patches: Arc<Patches>,
}

impl RunControl for Esp32SimControl {
    fn interrupt(&self) {
        self.interrupt.store(true, Ordering::SeqCst);
    }

    fn clear_interrupt(&self) {
        self.interrupt.store(false, Ordering::SeqCst);
    }

    fn load(&self, addr: u32, bytes: &[u8]) -> Result<(), LoadError> {
        self.patches.load(addr, bytes)
    }

    fn stage_slot(&self, slot: u32, addr: u32) -> Result<(), LoadError> {
        self.patches.stage_slot(slot, addr)
    }

    fn commit(&self, count: u32) -> Result<(), LoadError> {
        self.patches.commit(count)
    }
}

/// Why the board could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupError {
    /// The heap does not fit in the PSRAM arena.
    HeapTooLarge {
        /// The heap size asked for.
        heap_size: u32,
    },
    /// More function slots than the function table has.
    TooManySlots {
        /// The number asked for.
        slots: u32,
    },
    /// The memory map is unusable.
    Memory(MemError),
}

impl core::fmt::Display for SetupError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SetupError::HeapTooLarge { heap_size } => write!(
                f,
                "a heap of {heap_size} bytes does not fit: the esp32-sim board's heap is at \
                 most {MAX_HEAP_SIZE} bytes (the PSRAM arena after the data region and shadow \
                 stack); choose a smaller --heap-size"
            ),
            SetupError::TooManySlots { slots } => write!(
                f,
                "{slots} function slots do not fit: the esp32-sim board has at most \
                 {FUNCTION_SLOTS}"
            ),
            SetupError::Memory(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for SetupError {}

impl Esp32SimPort {
    /// A board with a heap of `heap_size` bytes and `slots` function slots.
    pub fn new(heap_size: u32, slots: u32) -> Result<Esp32SimPort, SetupError> {
        if heap_size > MAX_HEAP_SIZE {
            return Err(SetupError::HeapTooLarge { heap_size });
        }
        if slots > FUNCTION_SLOTS {
            return Err(SetupError::TooManySlots { slots });
        }
        let map = MemoryMap::esp32(heap_size);
        map.validate().map_err(SetupError::Memory)?;
        let region = |name, base, end: u32, access, executable| RegionSpec {
            name,
            base,
            size: end - base,
            access,
            executable,
        };
        let config = Config {
            regions: vec![
                region("iram", NATIVE_VECTOR, CODE_END, Access::WordOnly, true),
                region("dram", DRAM, STACK_TOP, Access::Any, false),
                region(
                    "psram",
                    ARENA_BASE,
                    ARENA_BASE + map.arena_size(),
                    Access::Any,
                    false,
                ),
            ],
            physical_registers: 64,
            stack_limit: Some(STACK_LIMIT),
            intercept: NATIVE_VECTOR..CODE_BASE,
            nan_rule: NanRule::FirstOperand,
        };
        let sim = Sim::new(&config).expect("the ESP32 regions are disjoint");
        let mut port = Esp32SimPort {
            sim,
            map,
            slots,
            start: Instant::now(),
            last_run: None,
            interrupt: Arc::new(AtomicBool::new(false)),
            diversion: Diversion::default(),
            patches: Arc::new(Patches::new(map, slots)),
        };
        port.clear_slots();
        Ok(port)
    }

    /// What the thread that reads requests during a run uses to interrupt it.
    pub fn run_control(&self) -> Esp32SimControl {
        Esp32SimControl {
            interrupt: Arc::clone(&self.interrupt),
            patches: Arc::clone(&self.patches),
        }
    }

    /// Copies a pending interrupt request into the simulated interrupt flag and diverts the
    /// function table.
    fn forward_interrupt(&mut self) {
        if self.interrupt.load(Ordering::SeqCst) && !self.diversion.is_diverted() {
            let flag = self.map.interrupt_flag();
            // The flag is the last word of the data region, inside the PSRAM region.
            self.sim
                .memory
                .write_u32(flag, 1)
                .expect("flag inside PSRAM");
            let raise = NATIVE_VECTOR + 4 * Native::RaiseInterrupted as u32;
            let mut diversion = core::mem::take(&mut self.diversion);
            diversion.divert(&mut SimTable(self), raise.into());
            self.diversion = diversion;
        }
    }

    /// Applies the patches received so far, all at once (between two instructions).
    fn apply_patches(&mut self) {
        for op in self.patches.take() {
            match op {
                Op::Load { addr, bytes } => {
                    // Checked when queued: inside the code or the data region.
                    let written = self.sim.memory.write(addr, &bytes);
                    written.expect("a checked load fits its region");
                }
                Op::Swaps(swaps) => {
                    let mut diversion = core::mem::take(&mut self.diversion);
                    for (slot, addr) in swaps {
                        let entry = slot_entry(addr);
                        diversion.set(&mut SimTable(self), slot, entry.into());
                    }
                    self.diversion = diversion;
                }
            }
        }
    }

    /// Puts the function table back after an interrupted run.
    fn end_diversion(&mut self) {
        let mut diversion = core::mem::take(&mut self.diversion);
        diversion.restore(&mut SimTable(self));
    }

    /// A runtime whose arena is the simulator's PSRAM region.
    pub fn runtime(&mut self) -> Result<Runtime, MemError> {
        let (ptr, len) = self
            .sim
            .memory
            .region_ptr(ARENA_BASE)
            .expect("the PSRAM region exists");
        if (len as u64) < self.map.arena_size() as u64 {
            return Err(MemError::BadMap);
        }
        // SAFETY: the region's bytes live as long as the simulator, which this port owns, and
        // the port outlives the runtime in a `Device`. The simulator touches them only inside
        // `Sim::run`, while no runtime method runs (natives run between `Sim::run` calls).
        let mem = unsafe { Memory::from_raw(ptr, self.map)? };
        Runtime::new(mem)
    }

    fn write_word(&mut self, addr: u32, value: u32) {
        // The context block and function table are inside the DRAM region.
        self.sim
            .memory
            .write_u32(addr, value)
            .expect("address inside DRAM");
    }

    fn read_word(&mut self, addr: u32) -> u32 {
        self.sim.memory.read_u32(addr).expect("address inside DRAM")
    }

    /// Runs one native-vector call the simulator stopped at; `Err` ends the run.
    fn native_call(
        &mut self,
        pc: u32,
        rt: &mut Runtime,
        io: &mut ProcessIo<'_>,
    ) -> Result<(), Fault> {
        let entry = if pc == UNSET_SLOT_ENTRY {
            Entry::UnsetSlot
        } else if (pc - NATIVE_VECTOR).is_multiple_of(4) {
            Entry::Native((pc - NATIVE_VECTOR) / 4)
        } else {
            Entry::Native(u32::MAX)
        };
        let args: [u32; 6] = core::array::from_fn(|i| self.sim.call_arg(i as u32));
        rt.shadow_sp = self.read_word(CTX_SHADOW_SP);
        match natives::dispatch(rt, io, entry, &args) {
            Ok(result) => {
                self.sim.return_from_call(result);
                Ok(())
            }
            Err(error) => Err(Fault {
                error,
                code_addr: self.sim.call_return_address(),
            }),
        }
    }
}

/// The function-table entry of code address `addr` (0: not loaded).
fn slot_entry(addr: u32) -> u32 {
    match addr {
        0 => UNSET_SLOT_ENTRY,
        a => a,
    }
}

/// The simulated function table.
struct SimTable<'p>(&'p mut Esp32SimPort);

impl SlotTable for SimTable<'_> {
    fn slots(&self) -> u32 {
        self.0.slots
    }

    fn read(&mut self, slot: u32) -> u64 {
        self.0.read_word(FUNCTION_TABLE + 4 * slot).into()
    }

    fn write(&mut self, slot: u32, entry: u64) {
        self.0.write_word(FUNCTION_TABLE + 4 * slot, entry as u32);
    }
}

/// The run-time error of a fault of the simulated processor, at the address whose source
/// location names it: a machine-stack overflow (at an `entry`) is reported after the `entry`
/// ([`ENTRY_FAULT_OFFSET`](crate::abi::esp32::ENTRY_FAULT_OFFSET)).
fn machine_fault(fault: xtensa_sim::Fault) -> Fault {
    let code_addr = match fault {
        xtensa_sim::Fault::StackOverflow { pc, .. } => pc + crate::abi::esp32::ENTRY_FAULT_OFFSET,
        _ => fault.pc(),
    };
    let error = match fault {
        xtensa_sim::Fault::StackOverflow { .. } => RuntimeError::stack_overflow(),
        xtensa_sim::Fault::DivideByZero { .. } => RuntimeError::division_by_zero(),
        other => RuntimeError::new(
            crate::abi::ErrorKind::TypeError,
            format_args!("the Xtensa code faulted: {other}"),
        ),
    };
    Fault { error, code_addr }
}

impl Port for Esp32SimPort {
    fn board_name(&self) -> &[u8] {
        b"esp32-sim"
    }

    fn function_slots(&self) -> u32 {
        self.slots
    }

    fn architecture(&self) -> crate::image::Architecture {
        crate::image::Architecture::Xtensa
    }

    fn load_code(&mut self, addr: u32, bytes: &[u8]) -> Result<(), LoadError> {
        let len = bytes.len() as u32;
        if !self.map.in_code(addr, len) {
            return Err(MemError::OutOfRange { addr, len }.into());
        }
        self.sim
            .memory
            .write(addr, bytes)
            .map_err(|_| LoadError::Memory(MemError::OutOfRange { addr, len }))
    }

    fn set_slot(&mut self, slot: u32, addr: u32) -> Result<(), LoadError> {
        check_swap(&self.map, self.slots, slot, addr)?;
        self.write_word(FUNCTION_TABLE + 4 * slot, slot_entry(addr));
        Ok(())
    }

    fn clear_slots(&mut self) {
        for slot in 0..self.slots {
            self.write_word(FUNCTION_TABLE + 4 * slot, UNSET_SLOT_ENTRY);
        }
    }

    fn run(&mut self, entry: u32, rt: &mut Runtime, out: &mut dyn OutputSink) -> Result<(), Fault> {
        let map = self.map;
        self.write_word(CTX_SHADOW_SP, map.shadow_top());
        self.write_word(CTX_SHADOW_LIMIT, map.shadow_base);
        // A request that arrives from now on is forwarded at the next slice.
        self.sim
            .memory
            .write_u32(map.interrupt_flag(), 0)
            .expect("flag inside PSRAM");
        self.sim.reset_windows();
        self.sim
            .call8(entry, RUN_RETURN, STACK_TOP, &[])
            .expect("the stack top is inside DRAM");
        let before = self.sim.instructions();
        let interrupt = Arc::clone(&self.interrupt);
        let mut io = ProcessIo {
            out,
            start: self.start,
            interrupt: Some(&interrupt),
        };
        let result = loop {
            self.forward_interrupt();
            self.apply_patches();
            match self.sim.run(FUEL) {
                Ok(Stop::Intercepted(RUN_RETURN)) => break Ok(()),
                Ok(Stop::Intercepted(pc)) => {
                    if let Err(fault) = self.native_call(pc, rt, &mut io) {
                        break Err(fault);
                    }
                }
                Ok(Stop::OutOfFuel) => {}
                Err(fault) => break Err(machine_fault(fault)),
            }
        };
        self.end_diversion();
        self.last_run = Some(self.sim.instructions() - before);
        result
    }

    fn instructions(&self) -> Option<u64> {
        self.last_run
    }

    fn run_ended(&mut self) {
        self.apply_patches();
    }
}
