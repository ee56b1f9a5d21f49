//! The simulator: processor state, configuration and the embedder interface.

use crate::fpu::NanRule;
use crate::memory::{Memory, MemoryError, RegionSpec};
use crate::window::Window;
use crate::{Fault, exec};

/// The bytes below the stack top that [`Sim::call8`] gives the root frame.
pub const ROOT_FRAME: u32 = 64;

/// How to build a simulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// The memory regions.
    pub regions: Vec<RegionSpec>,
    /// Physical address registers: 64 on the ESP32, 32 on QEMU's `de233_fpu`.
    pub physical_registers: u32,
    /// The lowest stack pointer an `entry` may set; below it, [`Fault::StackOverflow`].
    pub stack_limit: Option<u32>,
    /// Addresses at which [`Sim::run`] stops instead of executing: `start..end`.
    pub intercept: core::ops::Range<u32>,
    /// The FPU's NaN propagation.
    pub nan_rule: NanRule,
}

/// Why [`Sim::run`] returned control to the embedder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The program reached this address in the intercepted range (a native-vector entry or a
    /// sentinel return address); nothing there was executed.
    Intercepted(u32),
    /// The instruction budget given to [`Sim::run`] ran out.
    OutOfFuel,
}

/// Errors of building a simulator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// The memory regions are inconsistent.
    #[error(transparent)]
    Memory(#[from] MemoryError),
    /// The number of physical registers is not 32 or 64.
    #[error("{0} physical address registers: the simulator supports 32 or 64")]
    Registers(u32),
}

/// An Xtensa processor with its memory.
pub struct Sim {
    /// The address space.
    pub memory: Memory,
    pub(crate) ar: [u32; 64],
    pub(crate) window: Window,
    pub(crate) pc: u32,
    pub(crate) sar: u32,
    /// PS.CALLINC: the window increment of the latest call, for `entry`.
    pub(crate) callinc: u32,
    pub(crate) fr: [u32; 16],
    pub(crate) br: u16,
    pub(crate) count: u64,
    pub(crate) stack_limit: u32,
    pub(crate) intercept: core::ops::Range<u32>,
    pub(crate) nan_rule: NanRule,
    /// The index of the executable region holding the latest `pc`.
    pub(crate) code_region: usize,
}

impl Sim {
    /// A simulator with zeroed memory and registers, window base 0 with only that window live
    /// (the state of the root frame after reset).
    pub fn new(config: &Config) -> Result<Sim, ConfigError> {
        if !matches!(config.physical_registers, 32 | 64) {
            return Err(ConfigError::Registers(config.physical_registers));
        }
        Ok(Sim {
            memory: Memory::new(&config.regions)?,
            ar: [0; 64],
            window: Window::new(config.physical_registers / 4),
            pc: 0,
            sar: 0,
            callinc: 0,
            fr: [0; 16],
            br: 0,
            count: 0,
            stack_limit: config.stack_limit.unwrap_or(0),
            intercept: config.intercept.clone(),
            nan_rule: config.nan_rule,
            code_region: 0,
        })
    }

    /// Register `a{r}` of the current window.
    pub fn reg(&self, r: u32) -> u32 {
        self.ar[self.window.physical(r)]
    }

    /// Sets register `a{r}` of the current window.
    pub fn set_reg(&mut self, r: u32, value: u32) {
        let i = self.window.physical(r);
        self.ar[i] = value;
    }

    /// FP register `f{r}` as raw bits.
    pub fn freg(&self, r: usize) -> u32 {
        self.fr[r & 15]
    }

    /// Sets FP register `f{r}` to raw bits.
    pub fn set_freg(&mut self, r: usize, bits: u32) {
        self.fr[r & 15] = bits;
    }

    /// The program counter.
    pub fn pc(&self) -> u32 {
        self.pc
    }

    /// Sets the program counter.
    pub fn set_pc(&mut self, pc: u32) {
        self.pc = pc;
    }

    /// Instructions executed so far, the instructions of the window overflow and underflow
    /// handlers included (as the chip would run them).
    pub fn instructions(&self) -> u64 {
        self.count
    }

    /// Sets the lowest stack pointer an `entry` may set.
    pub fn set_stack_limit(&mut self, limit: u32) {
        self.stack_limit = limit;
    }

    /// Makes the current window the only live one: the state of a root frame, for starting a
    /// new run after a fault left frames behind.
    pub fn reset_windows(&mut self) {
        self.window.reset();
    }

    /// Prepares a windowed call of `target` as `callx8` from a root frame does: the arguments
    /// in the caller's `a10..`, the return address `ret` (with the window increment in its top
    /// bits) in `a8`. Run with [`Sim::run`] until `ret` (which must lie in the intercepted
    /// range) is reached; the result is then in `a10`.
    ///
    /// The root frame takes the [`ROOT_FRAME`] bytes below `stack_top`: its `a1` is
    /// `stack_top − ROOT_FRAME`, and the word 12 bytes below that (where a caller's stack
    /// pointer would be saved) is set to `stack_top`, so that spilling the root frame's
    /// `a4..a11` on window overflow writes inside those bytes, as any frame's would.
    pub fn call8(
        &mut self,
        target: u32,
        ret: u32,
        stack_top: u32,
        args: &[u32],
    ) -> Result<(), MemoryError> {
        let sp = stack_top.wrapping_sub(ROOT_FRAME);
        self.memory.write_u32(sp.wrapping_sub(12), stack_top)?;
        self.set_reg(1, sp);
        for (i, &a) in args.iter().take(6).enumerate() {
            self.set_reg(10 + i as u32, a);
        }
        self.set_reg(8, (2 << 30) | (ret & 0x3fff_ffff));
        self.callinc = 2;
        self.pc = target;
        Ok(())
    }

    /// For an intercepted windowed call (`callN`/`callxN`, the PC at the callee): the caller's
    /// register `a{N + 2 + i}`, the callee's argument `i`.
    pub fn call_arg(&self, i: u32) -> u32 {
        self.reg(self.callinc * 4 + 2 + i)
    }

    /// For an intercepted windowed call: the return address, as the caller's `a{N}` holds it
    /// (window increment in the top two bits).
    pub fn call_return_address(&self) -> u32 {
        let ra = self.reg(self.callinc * 4);
        (self.pc & 0xc000_0000) | (ra & 0x3fff_ffff)
    }

    /// Completes an intercepted windowed call as if the callee returned `result`: writes it to
    /// the caller's `a{N + 2}` and continues at the return address.
    pub fn return_from_call(&mut self, result: u32) {
        let pc = self.call_return_address();
        self.set_reg(self.callinc * 4 + 2, result);
        self.pc = pc;
    }

    /// Runs from the current PC until it reaches an intercepted address, a fault, or `fuel`
    /// instructions have run.
    pub fn run(&mut self, fuel: u64) -> Result<Stop, Fault> {
        exec::run(self, fuel)
    }
}
