//! The runtime state shared by every native: the arena, the heap and its collector, the global
//! roots, the native's temporaries, and the current output line.

use crate::abi::STREAM_STDOUT;
use crate::error::{RuntimeError, TextBuf};
use crate::gc::{Marker, RootSet, RootSetFull, Roots};
use crate::heap::{Heap, HeapStats};
use crate::memory::{MemError, Memory, MemoryMap};

/// How many words a native can protect from collection at once.
pub const TEMPS: usize = 8;
/// Capacity of the output line buffer; a longer line is sent in several frames.
pub const LINE_CAPACITY: usize = 1024;

/// Where output lines and the board's clock come from while a native runs.
pub trait NativeIo {
    /// Sends `bytes` (part of, or a whole, output line) to output stream `stream`.
    fn output(&mut self, stream: u8, bytes: &[u8]);
    /// Milliseconds since start-up.
    fn now_ms(&mut self) -> f32;
    /// Waits `ms` milliseconds.
    fn delay_ms(&mut self, ms: u32);
    /// Whether the host asked to interrupt the run, for boards that cannot set the interrupt
    /// flag in memory while a native runs (a long `time.delay` checks both).
    fn interrupt_requested(&mut self) -> bool {
        false
    }
}

impl From<MemError> for RuntimeError {
    fn from(e: MemError) -> Self {
        RuntimeError::new(
            crate::abi::ErrorKind::TypeError,
            format_args!("invalid memory access: {e}"),
        )
    }
}

/// The device's run-time state.
pub struct Runtime {
    /// The data arena.
    pub mem: Memory,
    heap: Heap,
    marker: Marker,
    roots: RootSet,
    temps: [u32; TEMPS],
    temp_count: usize,
    /// The lowest live shadow-stack slot, as set by the board before a native runs.
    pub shadow_sp: u32,
    /// Collect before every allocation, overwriting what is freed (for testing the collector
    /// and the GC roots of generated code).
    pub gc_stress: bool,
    line: TextBuf<LINE_CAPACITY>,
    /// The stream the current output line goes to (pieces of an overlong line are sent early).
    line_stream: u8,
}

impl Runtime {
    /// A runtime over `mem` with an empty heap and no roots.
    pub fn new(mut mem: Memory) -> Result<Runtime, MemError> {
        let heap = Heap::new(&mut mem)?;
        let shadow_sp = mem.map().shadow_top();
        Ok(Runtime {
            mem,
            heap,
            marker: Marker::new(),
            roots: RootSet::new(),
            temps: [0; TEMPS],
            temp_count: 0,
            shadow_sp,
            gc_stress: false,
            line: TextBuf::new(),
            line_stream: STREAM_STDOUT as u8,
        })
    }

    /// The memory map.
    pub fn map(&self) -> MemoryMap {
        *self.mem.map()
    }

    /// Back to the state after start-up: empty heap, no roots, a zeroed data region and shadow
    /// stack, an empty output line.
    pub fn reset(&mut self) -> Result<(), MemError> {
        let map = self.map();
        self.mem
            .fill(map.data_base, map.data_size + map.shadow_size, 0)?;
        self.heap.reset(&mut self.mem)?;
        self.roots.clear();
        self.temp_count = 0;
        self.shadow_sp = map.shadow_top();
        self.line.clear();
        Ok(())
    }

    /// Empties the heap (and nothing else): for after the heap held bytes that are not objects.
    pub fn reset_heap(&mut self) -> Result<(), MemError> {
        self.heap.reset(&mut self.mem)
    }

    /// Registers `count` words at `addr` in the data region as permanent roots.
    pub fn add_roots(&mut self, addr: u32, count: u32) -> Result<(), RootSetFull> {
        self.roots.add(addr, count)
    }

    /// Heap statistics.
    pub fn heap_stats(&self) -> HeapStats {
        self.heap.stats()
    }

    /// Keeps `w` alive (if it is a reference) until [`Runtime::release_temps`]. Natives protect
    /// their reference arguments and intermediate objects before allocating; at most [`TEMPS`]
    /// words are held, and no native needs more than four.
    pub fn protect(&mut self, w: u32) {
        if self.temp_count < TEMPS {
            self.temps[self.temp_count] = w;
            self.temp_count += 1;
        }
    }

    /// Drops every protected temporary (called when a native finishes).
    pub fn release_temps(&mut self) {
        self.temp_count = 0;
    }

    /// Collects garbage now.
    pub fn collect(&mut self) -> Result<(), MemError> {
        let map = self.map();
        let shadow_sp = self.shadow_sp.clamp(map.shadow_base, map.shadow_top());
        let roots = Roots {
            globals: &self.roots,
            shadow_sp,
            shadow_top: map.shadow_top(),
            temps: &self.temps[..self.temp_count],
        };
        self.marker
            .collect(&mut self.heap, &mut self.mem, &roots, self.gc_stress)
    }

    /// Collects garbage between runs, with only the permanent roots (the registered global
    /// ranges): the shadow stack is empty and no native holds temporaries. Afterwards the heap
    /// statistics' in use and live objects are exactly the bytes and number of the objects
    /// the globals reach.
    pub fn collect_permanent(&mut self) -> Result<HeapStats, MemError> {
        self.release_temps();
        self.shadow_sp = self.map().shadow_top();
        self.collect()?;
        Ok(self.heap_stats())
    }

    /// Allocates a zeroed object of `kind` and `size` bytes (header included), collecting
    /// garbage when the heap is full (or always, under [`Runtime::gc_stress`]).
    pub fn alloc(&mut self, kind: u32, size: u32) -> Result<u32, RuntimeError> {
        if self.gc_stress {
            self.collect()?;
        }
        if let Some(a) = self.heap.alloc(&mut self.mem, kind, size) {
            return Ok(a);
        }
        self.collect()?;
        self.heap
            .alloc(&mut self.mem, kind, size)
            .ok_or_else(|| RuntimeError::out_of_memory(self.map().heap_size))
    }

    /// Appends bytes to the output line, sending full buffers to standard output early.
    pub fn print_bytes(&mut self, io: &mut dyn NativeIo, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let n = self.line.push_bytes(bytes);
            bytes = &bytes[n..];
            if self.line.remaining() == 0 {
                io.output(self.line_stream, self.line.as_bytes());
                self.line.clear();
            }
        }
    }

    /// Starts an output line for `stream` (`PrintEnd` sends it there and returns to stdout).
    pub fn print_begin(&mut self, stream: u8) {
        self.line_stream = stream;
    }

    /// Appends the bytes at `addr` in the arena to the output line.
    pub fn print_arena_bytes(
        &mut self,
        io: &mut dyn NativeIo,
        addr: u32,
        len: u32,
    ) -> Result<(), MemError> {
        let mut done = 0;
        while done < len {
            let n = (len - done).min(self.line.remaining() as u32);
            let chunk = self.mem.bytes(addr + done, n)?;
            self.line.push_bytes(chunk);
            done += n;
            if self.line.remaining() == 0 {
                io.output(self.line_stream, self.line.as_bytes());
                self.line.clear();
            }
        }
        Ok(())
    }

    /// Ends the output line with a newline and sends it to `stream`.
    pub fn print_end(&mut self, io: &mut dyn NativeIo, stream: u8) {
        if self.line.remaining() == 0 {
            io.output(stream, self.line.as_bytes());
            self.line.clear();
        }
        self.line.push_bytes(b"\n");
        io.output(stream, self.line.as_bytes());
        self.line.clear();
        self.line_stream = STREAM_STDOUT as u8;
    }

    /// Removes and returns the unfinished output line (text printed without a `PrintEnd`) with
    /// the stream it was meant for; the next line goes to standard output.
    pub fn take_line(&mut self) -> (u8, TextBuf<LINE_CAPACITY>) {
        let stream = core::mem::replace(&mut self.line_stream, STREAM_STDOUT as u8);
        (stream, core::mem::take(&mut self.line))
    }
}
