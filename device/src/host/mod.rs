//! The host board: the device runtime as a local process that executes x86-64 code emitted by
//! the host backend (Linux x86-64 only).
//!
//! Memory map ([`MemoryMap::host`]): data region at 0x2000_0000 (1 MiB), shadow stack at
//! 0x2010_0000 (256 KiB), heap at 0x2014_0000 (configurable, 4 MiB by default), all in one host
//! mapping addressed as `bias + device address` (r15 holds the bias); code region at
//! 0x4000_0000 (4 MiB, read/write/execute); 4096 function slots by default. Generated code runs
//! on a dedicated thread with a 64 MiB stack; `CTX_STACK_LIMIT` is set [`port::STACK_MARGIN`]
//! above its end.

pub mod ctx;
pub mod mmap;
pub mod natives;
pub mod port;
pub mod trampoline;

use std::fmt;
use std::io::{self, BufWriter};

use crate::device::{Device, ServeError};
use crate::memory::{MemError, MemoryMap};
use crate::protocol::MAX_PAYLOAD;
use crate::threaded;
use port::HostPort;

/// Stack size of the thread that runs generated code.
pub const RUN_STACK_SIZE: usize = 64 << 20;

/// Options of a host device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostConfig {
    /// Heap size in bytes (rounded down to a multiple of 4).
    pub heap_size: u32,
    /// Number of function slots.
    pub function_slots: u32,
    /// Collect garbage before every allocation.
    pub gc_stress: bool,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            heap_size: 4 << 20,
            function_slots: 4096,
            gc_stress: false,
        }
    }
}

/// Why a host device stopped.
#[derive(Debug)]
pub enum HostError {
    /// Mapping memory or starting the run thread failed.
    Setup(io::Error),
    /// The memory map is unusable (for example a heap too large for the address space).
    Memory(MemError),
    /// Reading requests or writing replies failed.
    Io(ServeError<io::Error, io::Error>),
    /// The run thread panicked.
    Panicked,
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Setup(e) => write!(f, "cannot set up the host device: {e}"),
            HostError::Memory(e) => write!(f, "cannot set up the host device: {e}"),
            HostError::Io(e) => write!(f, "{e}"),
            HostError::Panicked => f.write_str("the host device's run thread panicked"),
        }
    }
}

impl std::error::Error for HostError {}

/// Runs a host device that reads requests from `input` and writes replies to `output` until
/// `input` ends. Generated code runs on a dedicated thread with a [`RUN_STACK_SIZE`] stack;
/// another thread keeps reading requests while it runs ([`threaded::serve`]), so that
/// `Interrupt` can stop it.
pub fn serve<R, W>(input: R, output: W, config: HostConfig) -> Result<(), HostError>
where
    R: io::Read + Send,
    W: io::Write + Send,
{
    std::thread::scope(|s| {
        std::thread::Builder::new()
            .name("bs-device".into())
            .stack_size(RUN_STACK_SIZE)
            .spawn_scoped(s, move || serve_on_this_thread(input, output, config))
            .map_err(HostError::Setup)?
            .join()
            .map_err(|_| HostError::Panicked)?
    })
}

/// The body of [`serve`], on the run thread.
fn serve_on_this_thread<R: io::Read + Send, W: io::Write + Send>(
    input: R,
    output: W,
    config: HostConfig,
) -> Result<(), HostError> {
    let map = MemoryMap::host(config.heap_size);
    map.validate().map_err(HostError::Memory)?;
    let port = HostPort::new(map, config.function_slots).map_err(HostError::Setup)?;
    let mut rt = port.runtime().map_err(HostError::Memory)?;
    rt.gc_stress = config.gc_stress;
    let control = port.run_control();
    let mut device = Device::new(port, rt);
    threaded::serve(
        &mut device,
        &control,
        input,
        BufWriter::new(output),
        MAX_PAYLOAD,
    )
    .map_err(HostError::Io)
}
