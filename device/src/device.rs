//! The device's command loop: reads host messages, applies them to the runtime and the board
//! (through [`Port`]) and replies. Corrupt frames and bad requests get a
//! [`DeviceMessage::Error`] reply; the device keeps its state and reads on.

use core::fmt::{self, Write as _};

use embedded_io::{Read, Write};

use crate::error::{RuntimeError, TextBuf};
use crate::memory::MemError;
use crate::patch::{PatchError, Staged};
use crate::protocol::frame::FrameReader;
use crate::protocol::message::{CONFIGURE_GC_STRESS, DeviceMessage, HelloInfo, HostMessage};
use crate::protocol::{MAX_PAYLOAD, ProtocolError, VERSION};
use crate::runtime::Runtime;

/// Why a load, slot or roots request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadError {
    /// The bytes do not fit in the code or data region.
    Memory(MemError),
    /// The slot number is not below the number of function slots.
    BadSlot {
        /// The slot asked for.
        slot: u32,
        /// The number of slots.
        slots: u32,
    },
    /// The root address is not 4-byte aligned.
    Misaligned {
        /// The address.
        addr: u32,
    },
    /// The global root set is full.
    RootsFull,
    /// A slot swap could not be staged, or a patch not committed.
    Patch(PatchError),
    /// A release image is corrupt or not a release image.
    Image(crate::image::ImageError),
    /// A release image cannot be booted, and why.
    Boot(&'static str),
    /// A release image holds code of another architecture than the board runs.
    WrongArchitecture {
        /// The image's.
        image: crate::image::Architecture,
        /// The board's.
        board: crate::image::Architecture,
    },
    /// What this board does not support yet.
    Unsupported(&'static str),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Memory(e) => write!(f, "{e}"),
            LoadError::BadSlot { slot, slots } => {
                write!(
                    f,
                    "function slot {slot} out of range (the device has {slots})"
                )
            }
            LoadError::Misaligned { addr } => write!(f, "root address {addr:#010x} is not aligned"),
            LoadError::RootsFull => f.write_str("too many root ranges"),
            LoadError::Patch(e) => write!(f, "{e}"),
            LoadError::Image(e) => write!(f, "{e}"),
            LoadError::Boot(why) => write!(f, "cannot boot the image: {why}"),
            LoadError::WrongArchitecture { image, board } => write!(
                f,
                "cannot boot the image: it holds {} code, but this board runs {} code (build the image for this board)",
                image.name(),
                board.name()
            ),
            LoadError::Unsupported(what) => write!(f, "not supported yet: {what}"),
        }
    }
}

impl From<MemError> for LoadError {
    fn from(e: MemError) -> Self {
        LoadError::Memory(e)
    }
}

/// A run that stopped with a run-time error.
#[derive(Debug, Clone, Copy)]
pub struct Fault {
    /// The error.
    pub error: RuntimeError,
    /// The code address the error is attributed to (the failing call's return address), or 0.
    pub code_addr: u32,
}

/// Receives program output while a program runs.
pub trait OutputSink {
    /// Sends `bytes` to output stream `stream`.
    fn output(&mut self, stream: u8, bytes: &[u8]);
}

/// The board-specific part of a device.
pub trait Port {
    /// The board's name, reported in the hello.
    fn board_name(&self) -> &[u8];
    /// Number of function slots.
    fn function_slots(&self) -> u32;
    /// The instruction set the board runs (release images of another are refused).
    fn architecture(&self) -> crate::image::Architecture;
    /// Copies machine code to `addr` (inside the code region, which the caller checked) and
    /// makes it executable.
    fn load_code(&mut self, addr: u32, bytes: &[u8]) -> Result<(), LoadError>;
    /// Points function slot `slot` at code address `addr` (0: back to "not loaded").
    fn set_slot(&mut self, slot: u32, addr: u32) -> Result<(), LoadError>;
    /// Resets every function slot to "not loaded".
    fn clear_slots(&mut self);
    /// Runs the entry point at code address `entry` (inside the code region) with an empty
    /// shadow stack, natives working on `rt` and printing to `out`.
    fn run(&mut self, entry: u32, rt: &mut Runtime, out: &mut dyn OutputSink) -> Result<(), Fault>;
    /// The number of instructions the latest run executed, on boards that count them.
    fn instructions(&self) -> Option<u64> {
        None
    }
    /// Called when a run is over and its [`RunControl`] takes no more requests: a board that
    /// applies patches accepted during a run at its own pace applies what is left of them
    /// here, before the device serves anything else.
    fn run_ended(&mut self) {}
}

/// What a board offers the requests that arrive while a program runs. The device reads them
/// on another thread (host port), between simulated instructions or in a receive interrupt,
/// while generated code runs, so every method must be safe to call concurrently with the running
/// program and with the device's own thread.
pub trait RunControl {
    /// Asks the running program to stop at its next poll or call: sets the interrupt flag
    /// ([`MemoryMap::interrupt_flag`](crate::memory::MemoryMap::interrupt_flag)) to 1 and
    /// diverts the function table ([`crate::divert`]).
    fn interrupt(&self);
    /// Clears the interrupt flag and puts the function table back (between runs).
    fn clear_interrupt(&self);
    /// Copies `bytes` to `addr` in the code or data region while a program runs. The host
    /// sends only addresses that nothing on the device refers to yet (the code and data of a
    /// patch), so the running program cannot see a half-written function.
    fn load(&self, addr: u32, bytes: &[u8]) -> Result<(), LoadError>;
    /// Stages a slot swap of a patch sent while a program runs (see [`crate::patch`]).
    fn stage_slot(&self, slot: u32, addr: u32) -> Result<(), LoadError>;
    /// Applies the staged swaps at once if there are `count`: a function running now finishes
    /// in its old version, and its next call runs the new one.
    fn commit(&self, count: u32) -> Result<(), LoadError>;
}

/// Serves one request that arrived while a program runs (see [`RunControl`]): `Interrupt` asks
/// `control` to stop the program and is not answered; the messages of a patch (`Load`,
/// `StageSlot`, `Commit`) are carried out through `control` and answered `Ack` or `Error`; a
/// corrupt or truncated frame, or any other request, gets an [`DeviceMessage::Error`] reply
/// (not flushed) and the run goes on.
pub fn serve_during_run<C, E, W>(
    control: &C,
    request: Result<HostMessage<'_>, ProtocolError<E>>,
    w: &mut W,
) -> Result<(), ProtocolError<W::Error>>
where
    C: RunControl + ?Sized,
    E: fmt::Debug,
    W: Write,
{
    let result = match request {
        Ok(HostMessage::Interrupt) => {
            control.interrupt();
            return Ok(());
        }
        Ok(
            msg @ (HostMessage::Load { .. }
            | HostMessage::StageSlot { .. }
            | HostMessage::Commit { .. }),
        ) => {
            let result = match msg {
                HostMessage::Load { addr, bytes } => control.load(addr, bytes),
                HostMessage::StageSlot { slot, addr } => control.stage_slot(slot, addr),
                HostMessage::Commit { count } => control.commit(count),
                _ => unreachable!("matched above"),
            };
            match result {
                Ok(()) => reply::<(), W>(w, DeviceMessage::Ack),
                Err(e) => reply_error::<(), W>(w, format_args!("{e}")),
            }
        }
        Ok(msg) => reply_error::<(), W>(
            w,
            format_args!(
                "`{}` is not allowed while a program runs (only `Interrupt` and patches are)",
                msg.name()
            ),
        ),
        Err(e) => reply_error(w, format_args!("{e}")),
    };
    result.map_err(|e| match e {
        ServeError::Write(e) => e,
        ServeError::Read(()) => unreachable!("replying reads nothing"),
    })
}

/// Why [`Device::serve`] stopped.
#[derive(Debug)]
pub enum ServeError<R, W> {
    /// Reading requests failed.
    Read(R),
    /// Writing replies failed.
    Write(ProtocolError<W>),
}

impl<R: fmt::Debug, W: fmt::Debug> fmt::Display for ServeError<R, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::Read(e) => write!(f, "reading requests failed: {e:?}"),
            ServeError::Write(e) => write!(f, "writing replies failed: {e}"),
        }
    }
}

impl<R: fmt::Debug, W: fmt::Debug> core::error::Error for ServeError<R, W> {}

/// Sends output as [`DeviceMessage::Output`] frames (flushed), remembering the first write
/// failure.
struct FrameSink<'w, W: Write> {
    w: &'w mut W,
    failed: Option<ProtocolError<W::Error>>,
}

impl<W: Write> OutputSink for FrameSink<'_, W> {
    fn output(&mut self, stream: u8, bytes: &[u8]) {
        for chunk in bytes.chunks(MAX_PAYLOAD - 1) {
            if self.failed.is_some() {
                return;
            }
            let msg = DeviceMessage::Output {
                stream,
                bytes: chunk,
            };
            self.failed = msg.write(self.w).err();
        }
        // Output shows up on the host as it is printed, not when the run ends.
        if self.failed.is_none() {
            self.failed = self.w.flush().map_err(ProtocolError::Io).err();
        }
    }
}

/// Capacity of an error reply's text.
const ERROR_TEXT: usize = 160;

/// A device: the runtime and the board.
pub struct Device<P: Port> {
    port: P,
    rt: Runtime,
    staged: Staged,
    /// Whether the heap holds a release image being staged ([`HostMessage::Stage`]).
    staging: bool,
}

impl<P: Port> Device<P> {
    /// A device over a board and a runtime.
    pub fn new(port: P, rt: Runtime) -> Self {
        Device {
            port,
            rt,
            staged: Staged::default(),
            staging: false,
        }
    }

    /// The runtime.
    pub fn runtime(&mut self) -> &mut Runtime {
        &mut self.rt
    }

    /// Serves requests from `r`, replying on `w` (flushed after each reply), until `r` ends.
    /// `buf` holds one request payload; its length (at most [`MAX_PAYLOAD`]) is the largest
    /// request accepted.
    pub fn serve<R: Read, W: Write>(
        &mut self,
        r: &mut R,
        w: &mut W,
        buf: &mut [u8],
    ) -> Result<(), ServeError<R::Error, W::Error>> {
        let max_payload = buf.len().min(MAX_PAYLOAD) as u32;
        let mut reader = FrameReader::new(buf);
        loop {
            match reader.read_frame(r).and_then(HostMessage::decode) {
                Err(ProtocolError::Eof) => return Ok(()),
                request => self.serve_request(request, w, max_payload)?,
            }
            w.flush()
                .map_err(|e| ServeError::Write(ProtocolError::Io(e)))?;
        }
    }

    /// Serves one received request as [`serve`](Self::serve) does: carries it out and writes
    /// its reply (or replies, for a run's output; not flushed), or answers a corrupt frame with
    /// an `Error` reply. A read failure is returned as [`ServeError::Read`].
    pub fn serve_request<E: fmt::Debug, W: Write>(
        &mut self,
        request: Result<HostMessage<'_>, ProtocolError<E>>,
        w: &mut W,
        max_payload: u32,
    ) -> Result<(), ServeError<E, W::Error>> {
        match request {
            Ok(msg) => self.handle(msg, w, max_payload),
            Err(ProtocolError::Io(e)) => Err(ServeError::Read(e)),
            Err(e) => reply_error(w, format_args!("{e}")),
        }
    }

    /// Carries out one request and writes its reply (or replies, for a run's output).
    fn handle<RE, W: Write>(
        &mut self,
        msg: HostMessage<'_>,
        w: &mut W,
        max_payload: u32,
    ) -> Result<(), ServeError<RE, W::Error>> {
        let map = self.rt.map();
        let staging_message = matches!(
            msg,
            HostMessage::Stage { .. } | HostMessage::Boot { .. } | HostMessage::Hello { .. }
        );
        if self.staging && !staging_message {
            // The heap holds image bytes, not objects: it must be empty again.
            self.staging = false;
            if let Err(e) = self.rt.reset_heap() {
                return reply_error(w, format_args!("{e}"));
            }
        }
        let result = match msg {
            HostMessage::Hello { version } if version != VERSION => {
                return reply_error(
                    w,
                    format_args!(
                        "protocol version {version} is not supported (device speaks {VERSION})"
                    ),
                );
            }
            HostMessage::Hello { .. } => {
                let info = HelloInfo {
                    version: VERSION,
                    map,
                    function_slots: self.port.function_slots(),
                    max_payload,
                    board: self.port.board_name(),
                };
                return reply(w, DeviceMessage::HelloAck(info));
            }
            HostMessage::Load { addr, bytes } => self.load(addr, bytes),
            HostMessage::SetSlot { slot, addr } => self.port.set_slot(slot, addr),
            HostMessage::AddRoots { addr, count } => self.add_roots(addr, count),
            HostMessage::Run { entry } => return self.run(entry, w, || {}),
            HostMessage::HeapStats => return reply(w, DeviceMessage::Stats(self.rt.heap_stats())),
            HostMessage::Reset => {
                self.port.clear_slots();
                self.rt.reset().map_err(LoadError::from)
            }
            HostMessage::Configure { flags } => {
                self.rt.gc_stress = flags & CONFIGURE_GC_STRESS != 0;
                Ok(())
            }
            HostMessage::Collect => match self.rt.collect_permanent() {
                Ok(stats) => return reply(w, DeviceMessage::Stats(stats)),
                Err(e) => Err(LoadError::Memory(e)),
            },
            // No program runs, so there is nothing to stop (and no reply, see the message).
            HostMessage::Interrupt => return Ok(()),
            HostMessage::StageSlot { slot, addr } => self.stage_slot(slot, addr),
            HostMessage::Commit { count } => self.commit(count),
            HostMessage::RunStats => return self.run_stats(w),
            HostMessage::Stage { offset, bytes } => self.stage(offset, bytes),
            HostMessage::Boot { len } => self.boot(len),
        };
        match result {
            Ok(()) => reply(w, DeviceMessage::Ack),
            Err(e) => reply_error(w, format_args!("{e}")),
        }
    }

    /// Answers how many instructions the latest run executed, if the board counts them.
    fn run_stats<RE, W: Write>(&mut self, w: &mut W) -> Result<(), ServeError<RE, W::Error>> {
        match self.port.instructions() {
            Some(instructions) => reply(w, DeviceMessage::RunStats { instructions }),
            None => {
                let board = core::str::from_utf8(self.port.board_name()).unwrap_or("this");
                reply_error(
                    w,
                    format_args!("the {board} board does not count instructions (or has not run)"),
                )
            }
        }
    }

    /// Copies part of a release image into the staging area, the heap; a stage at offset 0
    /// clears the program state first.
    fn stage(&mut self, offset: u32, bytes: &[u8]) -> Result<(), LoadError> {
        if offset == 0 {
            self.port.clear_slots();
            self.rt.reset()?;
            self.staging = true;
        }
        if !self.staging {
            return Err(LoadError::Boot("stage the image from offset 0 first"));
        }
        let map = self.rt.map();
        let fits = offset
            .checked_add(bytes.len() as u32)
            .is_some_and(|end| end <= map.heap_size);
        if !fits {
            return Err(LoadError::Boot("the image is larger than the heap"));
        }
        Ok(self.rt.mem.write_bytes(map.heap_base + offset, bytes)?)
    }

    /// Boots the staged release image of `len` bytes: every check first (checksum, runtime
    /// version, memory map), then its sections, then an empty heap. A failure while loading
    /// leaves the device reset.
    fn boot(&mut self, len: u32) -> Result<(), LoadError> {
        if !core::mem::take(&mut self.staging) {
            return Err(LoadError::Boot("no image is staged"));
        }
        let loaded = self.load_staged(len);
        let emptied = self.rt.reset_heap().map_err(LoadError::from);
        if loaded.is_err() || emptied.is_err() {
            self.port.clear_slots();
            let _ = self.rt.reset();
        }
        loaded.and(emptied)
    }

    /// Checks the image of `len` bytes staged in the heap and loads its sections.
    fn load_staged(&mut self, len: u32) -> Result<(), LoadError> {
        use crate::image::{self, Image};
        /// Sections an image may have (the host writes at most 7).
        const MAX_SECTIONS: usize = 16;
        let map = self.rt.map();
        if len > map.heap_size {
            return Err(LoadError::Boot("the image is larger than the heap"));
        }
        // Where each section's payload is in the heap, gathered first: loading writes memory.
        let mut sections = [(0u32, 0u32, 0u32, 0u32); MAX_SECTIONS];
        let mut count = 0;
        {
            let img =
                Image::parse(self.rt.mem.bytes(map.heap_base, len)?).map_err(LoadError::Image)?;
            let board = self.port.architecture();
            if img.header.architecture != board {
                return Err(LoadError::WrongArchitecture {
                    image: img.header.architecture,
                    board,
                });
            }
            if img.header.runtime_version != u32::from(VERSION) {
                return Err(LoadError::Boot("it was built for another runtime version"));
            }
            if img.header.code_base != map.code_base || img.header.data_base != map.data_base {
                return Err(LoadError::Boot("it was built for another memory map"));
            }
            for section in img.sections() {
                let s = section.map_err(LoadError::Image)?;
                let slot = sections
                    .get_mut(count)
                    .ok_or(LoadError::Boot("it has too many sections"))?;
                *slot = (
                    s.kind,
                    s.addr,
                    map.heap_base + s.offset as u32,
                    s.bytes.len() as u32,
                );
                count += 1;
            }
        }
        for &(kind, addr, src, len) in &sections[..count] {
            match kind {
                image::SECTION_CODE if map.in_code(addr, len) => {
                    self.port.load_code(addr, self.rt.mem.bytes(src, len)?)?;
                }
                image::SECTION_DATA if map.in_data(addr, len) => {
                    self.rt.mem.copy_within(src, addr, len)?;
                }
                image::SECTION_CODE | image::SECTION_DATA => {
                    return Err(MemError::OutOfRange { addr, len }.into());
                }
                image::SECTION_SLOTS | image::SECTION_ROOTS => {
                    for at in (src..src + len / 8 * 8).step_by(8) {
                        let (a, b) = (self.rt.mem.read_u32(at)?, self.rt.mem.read_u32(at + 4)?);
                        if kind == image::SECTION_SLOTS {
                            self.port.set_slot(a, b)?;
                        } else {
                            self.add_roots(a, b)?;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Copies `bytes` into the code region (through the board) or the data region.
    fn load(&mut self, addr: u32, bytes: &[u8]) -> Result<(), LoadError> {
        let map = self.rt.map();
        let len = bytes.len() as u32;
        if map.in_code(addr, len) {
            self.port.load_code(addr, bytes)
        } else if map.in_data(addr, len) {
            Ok(self.rt.mem.write_bytes(addr, bytes)?)
        } else {
            Err(MemError::OutOfRange { addr, len }.into())
        }
    }

    /// Stages a slot swap after checking it, so that the commit cannot fail half-way.
    fn stage_slot(&mut self, slot: u32, addr: u32) -> Result<(), LoadError> {
        let slots = self.port.function_slots();
        if slot >= slots {
            return Err(LoadError::BadSlot { slot, slots });
        }
        if addr != 0 && !self.rt.map().in_code(addr, 1) {
            return Err(MemError::OutOfRange { addr, len: 1 }.into());
        }
        self.staged.stage(slot, addr).map_err(LoadError::Patch)
    }

    /// Applies the staged swaps, if there are `count`, in one critical section.
    fn commit(&mut self, count: u32) -> Result<(), LoadError> {
        let swaps = self.staged.take(count).map_err(LoadError::Patch)?;
        let port = &mut self.port;
        critical_section::with(|_| {
            swaps
                .iter()
                .try_for_each(|&(slot, addr)| port.set_slot(slot, addr))
        })
    }

    /// Registers global roots, which must lie in the data region.
    fn add_roots(&mut self, addr: u32, count: u32) -> Result<(), LoadError> {
        let bytes = count.checked_mul(4).ok_or(MemError::OutOfRange {
            addr,
            len: u32::MAX,
        })?;
        if !self.rt.map().in_data(addr, bytes) {
            return Err(MemError::OutOfRange { addr, len: bytes }.into());
        }
        if !addr.is_multiple_of(4) {
            return Err(LoadError::Misaligned { addr });
        }
        self.rt
            .add_roots(addr, count)
            .map_err(|_| LoadError::RootsFull)
    }

    /// Runs an entry point, streaming its output, and replies `Done` or `RuntimeError` (or
    /// `Error` when the entry is not in the code region). `ended` is called once the program
    /// has stopped, before that reply is written: a device that serves requests during the run
    /// (see [`RunControl`]) stops doing so there, so that the host's next request, sent after
    /// the reply, is served as usual.
    pub fn run<RE, W: Write>(
        &mut self,
        entry: u32,
        w: &mut W,
        ended: impl FnOnce(),
    ) -> Result<(), ServeError<RE, W::Error>> {
        if !self.rt.map().in_code(entry, 1) {
            ended();
            self.port.run_ended();
            let e = LoadError::Memory(MemError::OutOfRange {
                addr: entry,
                len: 1,
            });
            return reply_error(w, format_args!("cannot run: {e}"));
        }
        let mut sink = FrameSink {
            w: &mut *w,
            failed: None,
        };
        let outcome = self.port.run(entry, &mut self.rt, &mut sink);
        self.rt.release_temps();
        self.rt.shadow_sp = self.rt.map().shadow_top();
        let reply_msg = match &outcome {
            Ok(()) => {
                let (stream, rest) = self.rt.take_line();
                if !rest.as_bytes().is_empty() {
                    sink.output(stream, rest.as_bytes());
                }
                DeviceMessage::Done
            }
            Err(fault) => {
                self.rt.take_line();
                DeviceMessage::RuntimeError {
                    kind: fault.error.kind,
                    code_addr: fault.code_addr,
                    message: fault.error.message_bytes(),
                }
            }
        };
        ended();
        self.port.run_ended();
        if let Some(e) = sink.failed {
            return Err(ServeError::Write(e));
        }
        reply(w, reply_msg)
    }
}

/// Writes one reply.
fn reply<RE, W: Write>(w: &mut W, msg: DeviceMessage<'_>) -> Result<(), ServeError<RE, W::Error>> {
    msg.write(w).map_err(ServeError::Write)
}

/// Writes an `Error` reply with a formatted message.
fn reply_error<RE, W: Write>(
    w: &mut W,
    args: fmt::Arguments<'_>,
) -> Result<(), ServeError<RE, W::Error>> {
    let mut text = TextBuf::<ERROR_TEXT>::new();
    let _ = text.write_fmt(args);
    reply(
        w,
        DeviceMessage::Error {
            message: text.as_bytes(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::{ErrorKind, Native};
    use crate::heap::HeapStats;
    use crate::memory::tests::{small_map, test_memory};
    use crate::natives;
    use crate::protocol::frame::{Frame, FrameReader};
    use crate::runtime::NativeIo;
    use core::convert::Infallible;

    /// A board whose "code" at offset 0 prints 42 and at offset 4 raises an index error.
    struct FakePort {
        loaded: Vec<(u32, Vec<u8>)>,
        slots: Vec<u32>,
    }

    struct Io<'a>(&'a mut dyn OutputSink);

    impl NativeIo for Io<'_> {
        fn output(&mut self, stream: u8, bytes: &[u8]) {
            self.0.output(stream, bytes);
        }
        fn now_ms(&mut self) -> f32 {
            0.0
        }
        fn delay_ms(&mut self, _ms: u32) {}
    }

    impl Port for FakePort {
        fn board_name(&self) -> &[u8] {
            b"fake"
        }
        fn function_slots(&self) -> u32 {
            self.slots.len() as u32
        }
        fn architecture(&self) -> crate::image::Architecture {
            crate::image::Architecture::X86_64
        }
        fn load_code(&mut self, addr: u32, bytes: &[u8]) -> Result<(), LoadError> {
            self.loaded.push((addr, bytes.to_vec()));
            Ok(())
        }
        fn set_slot(&mut self, slot: u32, addr: u32) -> Result<(), LoadError> {
            let slots = self.slots.len() as u32;
            *self
                .slots
                .get_mut(slot as usize)
                .ok_or(LoadError::BadSlot { slot, slots })? = addr;
            Ok(())
        }
        fn clear_slots(&mut self) {
            self.slots.iter_mut().for_each(|s| *s = 0);
        }
        fn run(
            &mut self,
            entry: u32,
            rt: &mut Runtime,
            out: &mut dyn OutputSink,
        ) -> Result<(), Fault> {
            let mut io = Io(out);
            let call = |rt: &mut Runtime, io: &mut Io<'_>, n, args: &[u32]| {
                natives::call(rt, io, n, args).map_err(|error| Fault {
                    error,
                    code_addr: entry + 9,
                })
            };
            call(rt, &mut io, Native::PrintInt, &[42])?;
            if entry % 8 == 4 {
                call(rt, &mut io, Native::RaiseIndexOutOfRange, &[5, 3])?;
            }
            call(rt, &mut io, Native::PrintEnd, &[1])?;
            Ok(())
        }
    }

    /// Sends `input` to a fresh fake device; returns its replies.
    fn session(input: &[u8]) -> (Vec<DeviceMessage<'static>>, FakePort) {
        session_with(input, |_| {})
    }

    /// Like [`session`], with the runtime prepared by `prepare` first.
    fn session_with(
        input: &[u8],
        prepare: impl FnOnce(&mut Runtime),
    ) -> (Vec<DeviceMessage<'static>>, FakePort) {
        let map = small_map(4096);
        let mut rt = Runtime::new(test_memory(map)).unwrap();
        prepare(&mut rt);
        let mut dev = Device::new(
            FakePort {
                loaded: vec![],
                slots: vec![0; 4],
            },
            rt,
        );
        let mut out = Vec::new();
        let mut buf = vec![0u8; 1024];
        let mut r = input;
        dev.serve(&mut r, &mut out, &mut buf).unwrap();
        let out: &'static [u8] = out.leak();
        let mut replies = Vec::new();
        let mut rest = out;
        let rbuf: &'static mut [u8] = vec![0u8; 70000].leak();
        let mut reader = FrameReader::new(rbuf);
        loop {
            match reader.read_frame::<&[u8]>(&mut rest) {
                Ok(f) => {
                    let owned: &'static [u8] = f.payload.to_vec().leak();
                    let frame = Frame {
                        kind: f.kind,
                        payload: owned,
                    };
                    replies.push(DeviceMessage::decode::<Infallible>(frame).unwrap());
                }
                Err(ProtocolError::Eof) => break,
                Err(e) => panic!("bad reply stream: {e:?}"),
            }
        }
        (replies, dev.port)
    }

    fn request(msgs: &[HostMessage<'_>]) -> Vec<u8> {
        let mut v = Vec::new();
        for m in msgs {
            m.write(&mut v).unwrap();
        }
        v
    }

    #[test]
    fn hello_load_run_and_runtime_error() {
        let map = small_map(4096);
        let input = request(&[
            HostMessage::Hello { version: VERSION },
            HostMessage::Load {
                addr: map.code_base,
                bytes: &[0xc3],
            },
            HostMessage::Load {
                addr: map.data_base + 16,
                bytes: b"data",
            },
            HostMessage::SetSlot {
                slot: 1,
                addr: map.code_base,
            },
            HostMessage::Run {
                entry: map.code_base,
            },
            HostMessage::Run {
                entry: map.code_base + 4,
            },
            HostMessage::Run {
                entry: map.code_base,
            },
            HostMessage::HeapStats,
        ]);
        let (replies, port) = session(&input);
        let DeviceMessage::HelloAck(info) = replies[0] else {
            panic!("{:?}", replies[0])
        };
        assert_eq!(
            (info.map, info.function_slots, info.max_payload, info.board),
            (map, 4, 1024, &b"fake"[..])
        );
        assert_eq!(&replies[1..4], [DeviceMessage::Ack; 3]);
        assert_eq!(
            replies[4],
            DeviceMessage::Output {
                stream: 1,
                bytes: b"42\n"
            }
        );
        assert_eq!(replies[5], DeviceMessage::Done);
        assert_eq!(
            replies[6],
            DeviceMessage::RuntimeError {
                kind: ErrorKind::IndexOutOfRange,
                code_addr: map.code_base + 13,
                message: b"array index out of range: 5 (length 3)"
            }
        );
        // The partial line "42" of the failed run is dropped; the next run works.
        assert_eq!(
            replies[7],
            DeviceMessage::Output {
                stream: 1,
                bytes: b"42\n"
            }
        );
        assert_eq!(replies[8], DeviceMessage::Done);
        assert!(matches!(replies[9], DeviceMessage::Stats(s) if s.heap_size == 4096));
        assert_eq!(port.loaded, [(map.code_base, vec![0xc3])]);
        assert_eq!(port.slots[1], map.code_base);
    }

    #[test]
    fn collect_reclaims_garbage_and_reports_exact_statistics() {
        use crate::objects::string;
        let map = small_map(4096);
        let global = map.data_base + 0x100;
        let input = request(&[
            HostMessage::HeapStats,
            HostMessage::Collect,
            HostMessage::Collect,
            HostMessage::HeapStats,
        ]);
        let (replies, _) = session_with(&input, |rt| {
            rt.add_roots(global, 1).unwrap();
            // Kept by the global: 8 + 5 bytes, rounded up to 16.
            let kept = string::create(rt, b"kept!").unwrap();
            rt.mem.write_u32(global, kept).unwrap();
            // Garbage: 8 + 9 bytes (20), and one held by a stale shadow-stack slot and a
            // stale temporary, which a collection between runs must ignore (8 + 3: 12).
            string::create(rt, b"garbage!!").unwrap();
            let stale = string::create(rt, b"old").unwrap();
            let slot = map.shadow_top() - 4;
            rt.mem.write_u32(slot, stale).unwrap();
            rt.shadow_sp = slot;
            rt.protect(stale);
        });
        let stats: Vec<HeapStats> = replies
            .iter()
            .map(|r| match r {
                DeviceMessage::Stats(s) => *s,
                other => panic!("expected stats, got {other:?}"),
            })
            .collect();
        let row = |s: &HeapStats| (s.in_use, s.free, s.live_objects, s.collections, s.peak);
        assert_eq!(row(&stats[0]), (48, 4048, 3, 0, 48));
        assert_eq!(row(&stats[1]), (16, 4080, 1, 1, 48));
        assert_eq!(row(&stats[2]), (16, 4080, 1, 2, 48));
        assert_eq!(stats[3], stats[2]);
        assert_eq!(stats[3].heap_size, 4096);
    }

    #[test]
    fn a_patch_with_a_corrupt_frame_changes_nothing_and_the_next_one_commits() {
        let map = small_map(4096);
        let (old, new) = (map.code_base, map.code_base + 16);
        let mut input = request(&[
            HostMessage::SetSlot { slot: 0, addr: old },
            HostMessage::SetSlot { slot: 1, addr: old },
            HostMessage::StageSlot { slot: 0, addr: new },
        ]);
        let mut corrupt = request(&[HostMessage::StageSlot { slot: 1, addr: new }]);
        corrupt[9] ^= 1;
        input.extend(corrupt);
        input.extend(request(&[HostMessage::Commit { count: 2 }]));
        // The failed patch changed nothing: the old program is what runs.
        let (_, port) = session(&input);
        assert_eq!(port.slots[..2], [old, old]);
        input.extend(request(&[
            // Swaps that could not be applied are refused when staged, not at the commit.
            HostMessage::StageSlot { slot: 9, addr: new },
            HostMessage::StageSlot {
                slot: 0,
                addr: map.data_base,
            },
            HostMessage::Commit { count: 0 },
            // The host re-syncs: the whole patch again.
            HostMessage::StageSlot { slot: 0, addr: new },
            HostMessage::StageSlot { slot: 1, addr: new },
            HostMessage::Commit { count: 2 },
        ]));
        let (replies, port) = session(&input);
        let texts: Vec<&str> = replies
            .iter()
            .map(|r| match r {
                DeviceMessage::Ack => "ack",
                DeviceMessage::Error { message } => core::str::from_utf8(message).unwrap(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            texts,
            [
                "ack",
                "ack",
                "ack",
                "corrupt frame: checksum mismatch",
                "incomplete patch: 1 of 2 slot swaps arrived; nothing was changed",
                "function slot 9 out of range (the device has 4)",
                &format!("address out of range: 1 bytes at {:#010x}", map.data_base),
                "ack",
                "ack",
                "ack",
                "ack",
            ]
        );
        assert_eq!(port.slots[..2], [new, new]);
    }

    #[test]
    fn bad_requests_get_errors_and_the_device_carries_on() {
        let map = small_map(4096);
        let mut input = request(&[HostMessage::Hello {
            version: VERSION + 1,
        }]);
        let mut corrupt = request(&[HostMessage::Run {
            entry: map.code_base,
        }]);
        corrupt[9] ^= 1;
        input.extend(corrupt);
        input.extend(request(&[
            HostMessage::Load {
                addr: map.heap_base,
                bytes: b"x",
            },
            HostMessage::Run {
                entry: map.data_base,
            },
            HostMessage::SetSlot {
                slot: 9,
                addr: map.code_base,
            },
            HostMessage::AddRoots {
                addr: map.data_base + 2,
                count: 1,
            },
            HostMessage::AddRoots {
                addr: map.data_base,
                count: 0x1000,
            },
            HostMessage::AddRoots {
                addr: map.data_base,
                count: 2,
            },
            HostMessage::Configure {
                flags: CONFIGURE_GC_STRESS,
            },
            HostMessage::Reset,
            HostMessage::Run {
                entry: map.code_base,
            },
        ]));
        let (replies, _) = session(&input);
        let text = |m: &DeviceMessage<'_>| match m {
            DeviceMessage::Error { message } => String::from_utf8_lossy(message).into_owned(),
            other => format!("{other:?}"),
        };
        let texts: Vec<String> = replies.iter().map(text).collect();
        assert_eq!(
            texts[0],
            format!(
                "protocol version {} is not supported (device speaks {VERSION})",
                VERSION + 1
            )
        );
        assert_eq!(texts[1], "corrupt frame: checksum mismatch");
        assert_eq!(texts[2], "address out of range: 1 bytes at 0x20001400");
        assert_eq!(
            texts[3],
            "cannot run: address out of range: 1 bytes at 0x20000000"
        );
        assert_eq!(texts[4], "function slot 9 out of range (the device has 4)");
        assert_eq!(texts[5], "root address 0x20000002 is not aligned");
        assert_eq!(texts[6], "address out of range: 16384 bytes at 0x20000000");
        assert_eq!(&replies[7..10], [DeviceMessage::Ack; 3]);
        assert_eq!(
            replies[10],
            DeviceMessage::Output {
                stream: 1,
                bytes: b"42\n"
            }
        );
        assert_eq!(replies[11], DeviceMessage::Done);
        assert_eq!(replies.len(), 12);
    }
}
