//! The `esp32-sim` board: the device runtime as a local process that executes the Xtensa code
//! an ESP32 would get, in the `xtensa-sim` instruction-set simulator.
//!
//! Memory ([`crate::abi::esp32`], real ESP32 addresses): instruction RAM from the native vector
//! at 0x4008_0000 to 0x400A_0000 (word access only, as on the chip); internal data RAM from
//! the context block at 0x3FFB_0000 (shadow-stack pointer and limit, then the function table at
//! 0x3FFB_0100) up to the top of the machine stack at 0x4000_0000 (64 KiB of stack, checked
//! at every `entry`); the data arena (data region, shadow stack, heap) in the PSRAM window
//! from 0x3F80_0000, shared with the runtime. The simulator has the ESP32's 64 physical
//! address registers and its window vectors' spills.
//!
//! A run `callx8`s its entry from a sentinel ([`RUN_RETURN`](crate::abi::esp32::RUN_RETURN));
//! a `callx8` into the native vector stops the simulator, and the board runs that native
//! ([`crate::natives::dispatch`]) on the caller's `a10..a15` and returns its result in `a10`.
//! A native that raises ends the run with the call's return address as the fault address, as
//! on the host board. The instructions of the latest run are counted
//! ([`Port::instructions`](crate::device::Port::instructions)). Requests that arrive during a
//! run are read on another thread ([`crate::threaded`]); `Interrupt` sets the program's
//! interrupt flag and diverts the function table between slices of simulated instructions,
//! and the simulator's thread applies the patches received meanwhile there too
//! ([`patches`]).

pub mod patches;
pub mod port;

use std::fmt;
use std::io;

use crate::device::{Device, ServeError};
use crate::memory::MemError;
use crate::process::Options;
use crate::protocol::MAX_PAYLOAD;
pub use port::{Esp32SimControl, Esp32SimPort, SetupError};

/// Why an `esp32-sim` device stopped.
#[derive(Debug)]
pub enum Esp32SimError {
    /// The board could not be built (heap too large, too many slots).
    Setup(SetupError),
    /// The runtime could not use the arena.
    Memory(MemError),
    /// Reading requests or writing replies failed.
    Io(ServeError<io::Error, io::Error>),
}

impl fmt::Display for Esp32SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Esp32SimError::Setup(e) => write!(f, "cannot set up the esp32-sim device: {e}"),
            Esp32SimError::Memory(e) => write!(f, "cannot set up the esp32-sim device: {e}"),
            Esp32SimError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Esp32SimError {}

/// Runs an `esp32-sim` device that reads requests from `input` and writes replies to `output`
/// until `input` ends. The heap is at most, and by default,
/// [`MAX_HEAP_SIZE`](crate::abi::esp32::MAX_HEAP_SIZE) bytes; the function slots at most,
/// and by default, [`FUNCTION_SLOTS`](crate::abi::esp32::FUNCTION_SLOTS).
pub fn serve<R: io::Read + Send, W: io::Write + Send>(
    input: R,
    output: W,
    options: Options,
) -> Result<(), Esp32SimError> {
    use crate::abi::esp32::{FUNCTION_SLOTS, MAX_HEAP_SIZE};
    let heap_size = options.heap_size.unwrap_or(MAX_HEAP_SIZE);
    let slots = options.function_slots.unwrap_or(FUNCTION_SLOTS);
    let mut port = Esp32SimPort::new(heap_size, slots).map_err(Esp32SimError::Setup)?;
    let mut rt = port.runtime().map_err(Esp32SimError::Memory)?;
    rt.gc_stress = options.gc_stress;
    let control = port.run_control();
    let mut device = Device::new(port, rt);
    crate::threaded::serve(
        &mut device,
        &control,
        input,
        io::BufWriter::new(output),
        MAX_PAYLOAD,
    )
    .map_err(Esp32SimError::Io)
}
