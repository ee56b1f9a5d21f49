//! An instruction-set simulator for the Xtensa LX6 of the ESP32: the instructions
//! `backend-xtensa` encodes (core ALU, shifts, loads and stores, `l32r`, branches, MUL32 and
//! DIV32, `call0`/`callx0`/`ret`, the windowed ABI with `entry`/`retw`/`call4/8/12`/`callx4/8/12`
//! and `movsp`, and the single-precision FPU with its boolean registers).
//!
//! # Model
//! - Registers: 64 physical address registers on the ESP32 (32 to match QEMU's `de233_fpu`),
//!   WindowBase/WindowStart, SAR, PS.CALLINC, `f0..f15`, `b0..b15`. Window overflow and
//!   underflow do what the ESP32's window vectors do, to the same stack save areas (see
//!   `window.rs`), and their instructions are counted.
//! - Memory: a list of [`RegionSpec`]s; instruction RAM is word-only as on the chip. Each
//!   executable address's instruction is decoded once (with [`backend_xtensa::decode`]) and
//!   cached; a store into the region forgets the instructions it overlaps.
//! - Faults (illegal instruction, unmapped or unaligned access, narrow access to instruction
//!   RAM, division by zero, `entry` below the stack limit, `break`) stop the run with a
//!   [`Fault`] carrying the PC; nothing panics.
//!
//! Feature `qemu`: `xtensa_sim::qemu`, the differential harness that runs the same code in
//! `qemu-system-xtensa` and in the simulator.
//!
//! # Calling out to the embedder
//! [`Config::intercept`] is a range of addresses the simulator never executes: when the PC
//! reaches one, [`Sim::run`] returns [`Stop::Intercepted`] with it. Two uses:
//! - *Native functions*: generated code `callx8`s an address in the range (the ESP32 boards'
//!   native vector). At the stop, the PC is the callee and the window has not rotated yet
//!   (that is `entry`'s job), so the embedder reads the arguments with [`Sim::call_arg`]
//!   (the caller's `a10..a15`), does the work, and calls [`Sim::return_from_call`] with the
//!   result: it lands in the caller's `a10` and execution resumes at the return address, as if
//!   the callee had returned with `retw`. [`Sim::call_return_address`] is the call's return
//!   address, which a run-time error reports.
//! - *Returning to the embedder*: [`Sim::call8`] starts a function as a `callx8` from a root
//!   frame would, with a sentinel return address inside the range; the function's `retw`
//!   jumps there and the run stops, with the result in `a10`.
//!
//! ```
//! use backend_xtensa::{encode, Inst, Reg, RrrOp};
//! use xtensa_sim::{Access, Config, NanRule, RegionSpec, Sim, Stop};
//! let code = [
//!     Inst::Entry { s: Reg::A1, frame: 32 },
//!     Inst::Rrr { op: RrrOp::Add, r: Reg::A2, s: Reg::A2, t: Reg::A3 },
//!     Inst::Retw,
//! ];
//! let bytes: Vec<u8> = code.iter().flat_map(|i| encode(i).unwrap().as_bytes().to_vec()).collect();
//! let config = Config {
//!     regions: vec![
//!         RegionSpec { name: "iram", base: 0x4008_0000, size: 0x1000, access: Access::WordOnly, executable: true },
//!         RegionSpec { name: "dram", base: 0x3ffb_0000, size: 0x1000, access: Access::Any, executable: false },
//!     ],
//!     physical_registers: 64,
//!     stack_limit: Some(0x3ffb_0000),
//!     intercept: 0x4008_0ff0..0x4008_1000,
//!     nan_rule: NanRule::FirstOperand,
//! };
//! let mut sim = Sim::new(&config).unwrap();
//! sim.memory.write(0x4008_0000, &bytes).unwrap();
//! sim.call8(0x4008_0000, 0x4008_0ff0, 0x3ffb_1000, &[40, 2]).unwrap();
//! assert_eq!(sim.run(1000), Ok(Stop::Intercepted(0x4008_0ff0)));
//! assert_eq!(sim.reg(10), 42);
//! assert_eq!(sim.instructions(), 3);
//! ```

#![warn(missing_docs)]

mod cpu;
pub mod elf;
mod exec;
mod fault;
pub mod fpu;
mod memory;
#[cfg(feature = "qemu")]
pub mod qemu;
mod window;

pub use cpu::{Config, ConfigError, ROOT_FRAME, Sim, Stop};
pub use fault::Fault;
pub use fpu::NanRule;
pub use memory::{Access, Memory, MemoryError, RegionSpec};
