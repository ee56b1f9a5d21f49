//! Adapters from `std::io` streams to the `embedded_io` traits the protocol is written against,
//! and the natives' I/O for a device that runs as a process on the host computer.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::device::OutputSink;
use crate::runtime::NativeIo;

/// The natives' I/O in a device process (every simulated board): output through the device's
/// sink, time since the board started, delays by sleeping.
pub struct ProcessIo<'a> {
    /// Where output goes.
    pub out: &'a mut dyn OutputSink,
    /// When the board started.
    pub start: Instant,
    /// Set when the host asks to interrupt the run, on boards whose reader thread cannot write
    /// the interrupt flag itself (the simulator's memory belongs to the thread that runs it).
    pub interrupt: Option<&'a AtomicBool>,
}

impl NativeIo for ProcessIo<'_> {
    fn output(&mut self, stream: u8, bytes: &[u8]) {
        self.out.output(stream, bytes);
    }

    fn now_ms(&mut self) -> f32 {
        self.start.elapsed().as_secs_f64() as f32 * 1000.0
    }

    fn delay_ms(&mut self, ms: u32) {
        std::thread::sleep(std::time::Duration::from_millis(ms as u64));
    }

    fn interrupt_requested(&mut self) -> bool {
        self.interrupt.is_some_and(|i| i.load(Ordering::SeqCst))
    }
}

/// A `std::io` reader or writer used as an `embedded_io` one.
#[derive(Debug)]
pub struct FromStd<T>(pub T);

impl<T> embedded_io::ErrorType for FromStd<T> {
    type Error = std::io::Error;
}

impl<T: std::io::Read> embedded_io::Read for FromStd<T> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        self.0.read(buf)
    }
}

impl<T: std::io::Write> embedded_io::Write for FromStd<T> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.0.flush()
    }
}
