//! The host side of the protocol: drives a device process (or any byte stream pair).

use std::fmt;
use std::io;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::abi::ErrorKind;
use crate::error::Lossy;
use crate::heap::HeapStats;
use crate::memory::MemoryMap;
use crate::protocol::frame::FrameReader;
use crate::protocol::message::{CONFIGURE_GC_STRESS, DeviceMessage, HostMessage};
use crate::protocol::{MAX_PAYLOAD, ProtocolError, VERSION};
use crate::std_io::FromStd;

/// Bytes of a `Load` payload taken by the address.
const LOAD_HEADER: usize = 4;

/// What a device said about itself in the handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Its protocol version.
    pub version: u8,
    /// Its memory map.
    pub map: MemoryMap,
    /// Number of function slots.
    pub function_slots: u32,
    /// The largest payload it accepts.
    pub max_payload: u32,
    /// The board's name.
    pub board: String,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// The entry point returned.
    Completed,
    /// The program stopped with a run-time error.
    RuntimeError {
        /// The error's kind.
        kind: ErrorKind,
        /// The return address of the failing call (a code address), or 0.
        code_addr: u32,
        /// The message (`array index out of range: 5 (length 3)`).
        message: String,
    },
}

/// Errors talking to a device.
#[derive(Debug)]
pub enum ClientError {
    /// Starting the device process or a read or write failed.
    Io(io::Error),
    /// The device closed the connection (for example, its process died).
    Closed,
    /// A reply was corrupt.
    Protocol(ProtocolError<io::Error>),
    /// The device refused a request; its message.
    Device(String),
    /// The device sent a reply that does not answer the request.
    Unexpected(String),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Io(e) => write!(f, "device i/o failed: {e}"),
            ClientError::Closed => f.write_str("the device closed the connection"),
            ClientError::Protocol(e) => write!(f, "bad reply from the device: {e}"),
            ClientError::Device(m) => write!(f, "the device reported: {m}"),
            ClientError::Unexpected(m) => write!(f, "unexpected reply from the device: {m}"),
        }
    }
}

impl std::error::Error for ClientError {}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::BrokenPipe | io::ErrorKind::UnexpectedEof => ClientError::Closed,
            _ => ClientError::Io(e),
        }
    }
}

impl From<ProtocolError<io::Error>> for ClientError {
    fn from(e: ProtocolError<io::Error>) -> Self {
        match e {
            ProtocolError::Io(e) => e.into(),
            ProtocolError::Eof | ProtocolError::Truncated => ClientError::Closed,
            e => ClientError::Protocol(e),
        }
    }
}

/// Text of bytes from the device.
fn text(bytes: &[u8]) -> String {
    Lossy(bytes).to_string()
}

/// A connection to a device. A device process started by [`DeviceClient::spawn`] is killed when
/// the client is dropped.
pub struct DeviceClient<R: io::Read, W: io::Write> {
    reader: FromStd<R>,
    writer: Arc<Mutex<io::BufWriter<W>>>,
    frames: FrameReader<Vec<u8>>,
    info: DeviceInfo,
    child: Option<Child>,
}

impl DeviceClient<ChildStdout, ChildStdin> {
    /// Starts a device process (its standard input and output are the connection; its standard
    /// error is inherited) and does the handshake.
    pub fn spawn(mut command: Command) -> Result<Self, ClientError> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(ClientError::Io)?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ClientError::Io(io::Error::other(
                "device process has no pipes",
            )));
        };
        match Self::connect(stdout, stdin) {
            Ok(mut client) => {
                client.child = Some(child);
                Ok(client)
            }
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(e)
            }
        }
    }
}

impl<R: io::Read, W: io::Write> DeviceClient<R, W> {
    /// Connects over a reader (device → host) and a writer (host → device) and does the
    /// handshake.
    pub fn connect(reader: R, writer: W) -> Result<Self, ClientError> {
        let mut client = DeviceClient {
            reader: FromStd(reader),
            writer: Arc::new(Mutex::new(io::BufWriter::new(writer))),
            frames: FrameReader::new(vec![0u8; MAX_PAYLOAD]),
            info: DeviceInfo {
                version: 0,
                map: MemoryMap::host(0),
                function_slots: 0,
                max_payload: 0,
                board: String::new(),
            },
            child: None,
        };
        client.send(HostMessage::Hello { version: VERSION })?;
        client.info = match client.receive()? {
            DeviceMessage::HelloAck(h) => DeviceInfo {
                version: h.version,
                map: h.map,
                function_slots: h.function_slots,
                max_payload: h.max_payload,
                board: text(h.board),
            },
            other => return Err(unexpected(&other)),
        };
        Ok(client)
    }

    /// What the device said in the handshake.
    pub fn info(&self) -> &DeviceInfo {
        &self.info
    }

    /// The process id of the device process started by [`DeviceClient::spawn`], if any.
    pub fn process_id(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// A handle that interrupts the running program from another thread.
    pub fn interrupter(&self) -> Interrupter<W> {
        Interrupter {
            writer: Arc::clone(&self.writer),
        }
    }

    /// Sends one message and flushes.
    fn send(&mut self, msg: HostMessage<'_>) -> Result<(), ClientError> {
        send_on(&self.writer, msg)
    }

    /// Receives one reply.
    fn receive(&mut self) -> Result<DeviceMessage<'_>, ClientError> {
        let frame = self.frames.read_frame(&mut self.reader)?;
        Ok(DeviceMessage::decode(frame)?)
    }

    /// Sends raw bytes (for example a deliberately corrupt frame) and flushes.
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        let mut w = lock(&self.writer);
        io::Write::write_all(&mut *w, bytes)?;
        io::Write::flush(&mut *w)?;
        Ok(())
    }

    /// Receives a reply that must be `Ack`; an `Error` reply becomes [`ClientError::Device`].
    pub fn expect_ack(&mut self) -> Result<(), ClientError> {
        match self.receive()? {
            DeviceMessage::Ack => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    /// Sends a request answered by `Ack`.
    fn request(&mut self, msg: HostMessage<'_>) -> Result<(), ClientError> {
        self.send(msg)?;
        self.expect_ack()
    }

    /// Copies `bytes` to `addr` in the code or data region, in as many frames as needed.
    pub fn load(&mut self, addr: u32, bytes: &[u8]) -> Result<(), ClientError> {
        let chunk = (self.info.max_payload as usize)
            .saturating_sub(LOAD_HEADER)
            .max(1);
        if bytes.is_empty() {
            return self.request(HostMessage::Load { addr, bytes });
        }
        for (i, part) in bytes.chunks(chunk).enumerate() {
            let at = addr.wrapping_add((i * chunk) as u32);
            self.request(HostMessage::Load {
                addr: at,
                bytes: part,
            })?;
        }
        Ok(())
    }

    /// Points function slot `slot` at code address `addr` (0 clears it).
    pub fn set_slot(&mut self, slot: u32, addr: u32) -> Result<(), ClientError> {
        self.request(HostMessage::SetSlot { slot, addr })
    }

    /// Registers `count` words at `addr` in the data region as permanent GC roots.
    pub fn add_roots(&mut self, addr: u32, count: u32) -> Result<(), ClientError> {
        self.request(HostMessage::AddRoots { addr, count })
    }

    /// Boots the release image `image` (a whole `.bsimg` file), staged in as many frames as
    /// needed: the device checks it and loads it in place of its program state.
    pub fn boot(&mut self, image: &[u8]) -> Result<(), ClientError> {
        let chunk = (self.info.max_payload as usize)
            .saturating_sub(LOAD_HEADER)
            .max(1);
        for (i, part) in image.chunks(chunk).enumerate() {
            self.request(HostMessage::Stage {
                offset: (i * chunk) as u32,
                bytes: part,
            })?;
        }
        self.request(HostMessage::Boot {
            len: image.len() as u32,
        })
    }

    /// Clears the device's heap, roots, function table and data region.
    pub fn reset(&mut self) -> Result<(), ClientError> {
        self.request(HostMessage::Reset)
    }

    /// Makes the device collect garbage before every allocation (or stop doing so).
    pub fn set_gc_stress(&mut self, on: bool) -> Result<(), ClientError> {
        let flags = if on { CONFIGURE_GC_STRESS } else { 0 };
        self.request(HostMessage::Configure { flags })
    }

    /// The device's heap statistics as they are (without a collection).
    pub fn heap_stats(&mut self) -> Result<HeapStats, ClientError> {
        self.send(HostMessage::HeapStats)?;
        match self.receive()? {
            DeviceMessage::Stats(s) => Ok(s),
            other => Err(unexpected(&other)),
        }
    }

    /// How many instructions the latest run executed (boards that count them: the simulators).
    pub fn instructions(&mut self) -> Result<u64, ClientError> {
        self.send(HostMessage::RunStats)?;
        match self.receive()? {
            DeviceMessage::RunStats { instructions } => Ok(instructions),
            other => Err(unexpected(&other)),
        }
    }

    /// Makes the device collect garbage now, with only its permanent roots (the globals of
    /// every module; static data is never collected), and returns the heap statistics after
    /// that collection: in use and live objects are then exact.
    pub fn collect(&mut self) -> Result<HeapStats, ClientError> {
        self.send(HostMessage::Collect)?;
        match self.receive()? {
            DeviceMessage::Stats(s) => Ok(s),
            other => Err(unexpected(&other)),
        }
    }

    /// Runs the entry point at `entry`, passing each piece of output to `on_output(stream,
    /// bytes)` as it arrives.
    pub fn run(
        &mut self,
        entry: u32,
        on_output: impl FnMut(u8, &[u8]),
    ) -> Result<RunOutcome, ClientError> {
        self.send(HostMessage::Run { entry })?;
        self.finish_run(on_output)
    }

    /// Receives the rest of a run that was started with a raw `Run` frame: its output (passed to
    /// `on_output`) and how it ended.
    pub fn finish_run(
        &mut self,
        mut on_output: impl FnMut(u8, &[u8]),
    ) -> Result<RunOutcome, ClientError> {
        loop {
            match self.receive()? {
                DeviceMessage::Output { stream, bytes } => on_output(stream, bytes),
                DeviceMessage::Done => return Ok(RunOutcome::Completed),
                DeviceMessage::RuntimeError {
                    kind,
                    code_addr,
                    message,
                } => {
                    return Ok(RunOutcome::RuntimeError {
                        kind,
                        code_addr,
                        message: text(message),
                    });
                }
                other => return Err(unexpected(&other)),
            }
        }
    }
}

/// Sends `msg` on a shared writer and flushes.
fn send_on<W: io::Write>(
    writer: &Mutex<io::BufWriter<W>>,
    msg: HostMessage<'_>,
) -> Result<(), ClientError> {
    let mut w = FromStd(&mut *lock(writer));
    msg.write(&mut w)?;
    embedded_io::Write::flush(&mut w)?;
    Ok(())
}

/// Locks the writer; a panic elsewhere while it was locked leaves nothing half-done that
/// matters here (a frame is written whole before the next is begun).
fn lock<W>(writer: &Mutex<W>) -> MutexGuard<'_, W> {
    writer.lock().unwrap_or_else(|e| e.into_inner())
}

/// Interrupts the program a [`DeviceClient`] is running, from another thread (a Ctrl-C
/// handler, a timeout): the run then ends with a run-time error of kind
/// [`ErrorKind::Interrupted`]. Harmless when no program runs.
pub struct Interrupter<W: io::Write> {
    writer: Arc<Mutex<io::BufWriter<W>>>,
}

impl<W: io::Write> Interrupter<W> {
    /// Sends `Interrupt` to the device.
    pub fn interrupt(&self) -> Result<(), ClientError> {
        send_on(&self.writer, HostMessage::Interrupt)
    }
}

impl<W: io::Write> Clone for Interrupter<W> {
    fn clone(&self) -> Self {
        Interrupter {
            writer: Arc::clone(&self.writer),
        }
    }
}

/// The error for a reply that does not answer the request (an `Error` reply is the device's
/// refusal).
fn unexpected(msg: &DeviceMessage<'_>) -> ClientError {
    match msg {
        DeviceMessage::Error { message } => ClientError::Device(text(message)),
        other => ClientError::Unexpected(format!("{other:?}")),
    }
}

impl<R: io::Read, W: io::Write> Drop for DeviceClient<R, W> {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
