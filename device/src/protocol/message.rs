//! The messages, their type bytes and payload layouts, and their encoding and decoding.
//!
//! Host → device:
//! | type | message | payload |
//! |---|---|---|
//! | 0x01 | `Hello` | version u8 |
//! | 0x02 | `Load` | address u32, bytes… |
//! | 0x03 | `SetSlot` | slot u32, code address u32 (0 clears the slot) |
//! | 0x04 | `AddRoots` | address u32, word count u32 |
//! | 0x05 | `Run` | entry code address u32 |
//! | 0x06 | `HeapStats` | — |
//! | 0x07 | `Reset` | — |
//! | 0x08 | `Configure` | flags u32 (bit 0: collect on every allocation) |
//! | 0x09 | `Collect` | — (since version 2) |
//! | 0x0a | `Interrupt` | — (since version 3; no reply) |
//! | 0x0b | `RunStats` | — (since version 4) |
//! | 0x0c | `Stage` | offset u32, bytes… of a release image (since version 4) |
//! | 0x0d | `Boot` | image length u32 (since version 4) |
//!
//! Device → host:
//! | type | message | payload |
//! |---|---|---|
//! | 0x81 | `HelloAck` | version u8, code base, code size, data base, data size, shadow base, shadow size, heap base, heap size, function slots, max payload (u32 each), board name… |
//! | 0x82 | `Ack` | — |
//! | 0x83 | `Output` | stream u8, bytes… |
//! | 0x84 | `Done` | — |
//! | 0x85 | `RuntimeError` | kind u8, code address u32, message… |
//! | 0x86 | `Stats` | heap size, in use, free, live objects, collections, peak (u32 each) |
//! | 0x87 | `Error` | message… |
//! | 0x88 | `RunStats` | (since version 4) instructions executed by the latest run, u64 as low and high u32 |
//!
//! `HeapStats` and `Collect` are both answered by `Stats`; after `Collect` (a full collection
//! whose only roots are the registered global ranges) its "in use" and "live objects" are
//! exactly the bytes and the number of the objects the globals reach.
//!
//! While a program runs the device keeps reading frames: `Interrupt` makes the running program
//! stop at its next poll (a loop back-edge or a function entry), and the run then ends with a
//! `RuntimeError` of kind `Interrupted`; any other request gets an `Error` reply (and the run goes
//! on). `Interrupt` itself is never answered, so that it cannot race with the run's own replies;
//! between runs it does nothing.

use embedded_io::Write;

use super::ProtocolError;
use super::frame::{Frame, write_frame};
use crate::abi::ErrorKind;
use crate::heap::HeapStats;
use crate::memory::MemoryMap;

/// Type byte of [`HostMessage::Hello`].
pub const HOST_HELLO: u8 = 0x01;
/// Type byte of [`HostMessage::Load`].
pub const HOST_LOAD: u8 = 0x02;
/// Type byte of [`HostMessage::SetSlot`].
pub const HOST_SET_SLOT: u8 = 0x03;
/// Type byte of [`HostMessage::AddRoots`].
pub const HOST_ADD_ROOTS: u8 = 0x04;
/// Type byte of [`HostMessage::Run`].
pub const HOST_RUN: u8 = 0x05;
/// Type byte of [`HostMessage::HeapStats`].
pub const HOST_HEAP_STATS: u8 = 0x06;
/// Type byte of [`HostMessage::Reset`].
pub const HOST_RESET: u8 = 0x07;
/// Type byte of [`HostMessage::Configure`].
pub const HOST_CONFIGURE: u8 = 0x08;
/// Type byte of [`HostMessage::Collect`].
pub const HOST_COLLECT: u8 = 0x09;
/// Type byte of [`HostMessage::Interrupt`].
pub const HOST_INTERRUPT: u8 = 0x0a;
/// Type byte of [`HostMessage::Stage`].
pub const HOST_STAGE: u8 = 0x0c;
/// Type byte of [`HostMessage::Boot`].
pub const HOST_BOOT: u8 = 0x0d;
/// Type byte of [`DeviceMessage::HelloAck`].
pub const DEVICE_HELLO_ACK: u8 = 0x81;
/// Type byte of [`DeviceMessage::Ack`].
pub const DEVICE_ACK: u8 = 0x82;
/// Type byte of [`DeviceMessage::Output`].
pub const DEVICE_OUTPUT: u8 = 0x83;
/// Type byte of [`DeviceMessage::Done`].
pub const DEVICE_DONE: u8 = 0x84;
/// Type byte of [`DeviceMessage::RuntimeError`].
pub const DEVICE_RUNTIME_ERROR: u8 = 0x85;
/// Type byte of [`DeviceMessage::Stats`].
pub const DEVICE_STATS: u8 = 0x86;
/// Type byte of [`DeviceMessage::Error`].
pub const DEVICE_ERROR: u8 = 0x87;
/// Type byte of [`HostMessage::RunStats`].
pub const HOST_RUN_STATS: u8 = 0x0b;
/// Type byte of [`DeviceMessage::RunStats`].
pub const DEVICE_RUN_STATS: u8 = 0x88;

/// Bit of [`HostMessage::Configure`]'s flags: collect garbage before every allocation.
pub const CONFIGURE_GC_STRESS: u32 = 1;

/// A message from the host to the device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostMessage<'a> {
    /// Start of a session; the device answers [`DeviceMessage::HelloAck`].
    Hello {
        /// The host's protocol version.
        version: u8,
    },
    /// Copy `bytes` to `addr` in the code or data region.
    Load {
        /// The first device address.
        addr: u32,
        /// The bytes.
        bytes: &'a [u8],
    },
    /// Point function slot `slot` at code address `addr` (0 clears it).
    SetSlot {
        /// The slot number.
        slot: u32,
        /// The code address.
        addr: u32,
    },
    /// Register `count` words at `addr` in the data region as permanent GC roots.
    AddRoots {
        /// The first root word's address.
        addr: u32,
        /// The number of words.
        count: u32,
    },
    /// Run the entry point at code address `entry`.
    Run {
        /// The entry point.
        entry: u32,
    },
    /// Ask for [`DeviceMessage::Stats`] as they are (in use and live objects count what
    /// was allocated since the last collection as live).
    HeapStats,
    /// Clear the heap, roots, function table and data region.
    Reset,
    /// Set run-time options.
    Configure {
        /// `CONFIGURE_*` bits.
        flags: u32,
    },
    /// Collect garbage now, between runs, with only the permanent roots (the registered
    /// global ranges; static data is never collected), and answer [`DeviceMessage::Stats`]:
    /// then in use and live objects are exact.
    Collect,
    /// Stop the running program at its next poll; it ends with a run-time error of kind
    /// `Interrupted`. Never answered; does nothing between runs.
    Interrupt,
    /// Ask how many instructions the latest run executed; boards that count them (the
    /// simulators) answer [`DeviceMessage::RunStats`], others [`DeviceMessage::Error`].
    RunStats,
    /// Copy part of a release image ([`crate::image`]) into the staging area (the heap, which
    /// a stage at offset 0 empties along with the rest of the program state). Any message but
    /// `Stage`, `Boot` or `Hello` abandons a staged image.
    Stage {
        /// Where the bytes go in the image.
        offset: u32,
        /// The bytes.
        bytes: &'a [u8],
    },
    /// Boot the staged release image of `len` bytes: check its checksum, runtime version and
    /// addresses, then load its sections. Nothing is loaded from an image that fails a check.
    /// Answered by `Ack`; a `Run` of its entry point follows.
    Boot {
        /// The image's length in bytes.
        len: u32,
    },
}

/// What the device tells the host in [`DeviceMessage::HelloAck`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelloInfo<'a> {
    /// The device's protocol version.
    pub version: u8,
    /// The device's memory map.
    pub map: MemoryMap,
    /// Number of function slots.
    pub function_slots: u32,
    /// The largest payload the device accepts.
    pub max_payload: u32,
    /// The board's name (`host`, `esp32`…).
    pub board: &'a [u8],
}

/// A message from the device to the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceMessage<'a> {
    /// Answer to [`HostMessage::Hello`].
    HelloAck(HelloInfo<'a>),
    /// A load, slot, roots, reset or configure request succeeded.
    Ack,
    /// Program output for a stream (`abi::STREAM_*`).
    Output {
        /// The stream.
        stream: u8,
        /// The bytes.
        bytes: &'a [u8],
    },
    /// The entry point returned.
    Done,
    /// The program stopped with a run-time error.
    RuntimeError {
        /// The error's kind.
        kind: ErrorKind,
        /// The code address of the failing call's return address (0 if unknown).
        code_addr: u32,
        /// The message (`array index out of range: 5 (length 3)`).
        message: &'a [u8],
    },
    /// Heap statistics (the answer to [`HostMessage::HeapStats`] and
    /// [`HostMessage::Collect`]).
    Stats(HeapStats),
    /// A request failed (corrupt frame, address out of range…); the device stays up.
    Error {
        /// What went wrong.
        message: &'a [u8],
    },
    /// The answer to [`HostMessage::RunStats`].
    RunStats {
        /// Instructions the latest run executed.
        instructions: u64,
    },
}

/// Fixed-size leading fields of a payload.
struct Head {
    bytes: [u8; 48],
    len: usize,
}

impl Head {
    fn new() -> Self {
        Head {
            bytes: [0; 48],
            len: 0,
        }
    }

    fn u8(mut self, v: u8) -> Self {
        self.bytes[self.len] = v;
        self.len += 1;
        self
    }

    fn u32(mut self, v: u32) -> Self {
        self.bytes[self.len..self.len + 4].copy_from_slice(&v.to_le_bytes());
        self.len += 4;
        self
    }

    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Reads a payload's fields; any shortfall or leftover makes the payload malformed.
struct Cursor<'a> {
    rest: &'a [u8],
    kind: u8,
}

impl<'a> Cursor<'a> {
    fn new(frame: &Frame<'a>) -> Self {
        Cursor {
            rest: frame.payload,
            kind: frame.kind,
        }
    }

    fn malformed<E>(&self) -> ProtocolError<E> {
        ProtocolError::Malformed { kind: self.kind }
    }

    fn u8<E>(&mut self) -> Result<u8, ProtocolError<E>> {
        let (&b, rest) = self.rest.split_first().ok_or(self.malformed())?;
        self.rest = rest;
        Ok(b)
    }

    fn u32<E>(&mut self) -> Result<u32, ProtocolError<E>> {
        let (b, rest) = self.rest.split_first_chunk::<4>().ok_or(self.malformed())?;
        self.rest = rest;
        Ok(u32::from_le_bytes(*b))
    }

    fn rest(self) -> &'a [u8] {
        self.rest
    }

    fn end<E>(self) -> Result<(), ProtocolError<E>> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(self.malformed())
        }
    }
}

impl<'a> HostMessage<'a> {
    /// Writes the message as one frame (not flushed).
    pub fn write<W: Write>(&self, w: &mut W) -> Result<(), ProtocolError<W::Error>> {
        let (kind, head, tail): (u8, Head, &[u8]) = match *self {
            HostMessage::Hello { version } => (HOST_HELLO, Head::new().u8(version), &[]),
            HostMessage::Load { addr, bytes } => (HOST_LOAD, Head::new().u32(addr), bytes),
            HostMessage::SetSlot { slot, addr } => {
                (HOST_SET_SLOT, Head::new().u32(slot).u32(addr), &[])
            }
            HostMessage::AddRoots { addr, count } => {
                (HOST_ADD_ROOTS, Head::new().u32(addr).u32(count), &[])
            }
            HostMessage::Run { entry } => (HOST_RUN, Head::new().u32(entry), &[]),
            HostMessage::HeapStats => (HOST_HEAP_STATS, Head::new(), &[]),
            HostMessage::Reset => (HOST_RESET, Head::new(), &[]),
            HostMessage::Configure { flags } => (HOST_CONFIGURE, Head::new().u32(flags), &[]),
            HostMessage::Collect => (HOST_COLLECT, Head::new(), &[]),
            HostMessage::Interrupt => (HOST_INTERRUPT, Head::new(), &[]),
            HostMessage::RunStats => (HOST_RUN_STATS, Head::new(), &[]),
            HostMessage::Stage { offset, bytes } => (HOST_STAGE, Head::new().u32(offset), bytes),
            HostMessage::Boot { len } => (HOST_BOOT, Head::new().u32(len), &[]),
        };
        write_frame(w, kind, &[head.as_bytes(), tail])
    }

    /// The message's name, as in the table above (`Load`), for error messages.
    pub fn name(&self) -> &'static str {
        match self {
            HostMessage::Hello { .. } => "Hello",
            HostMessage::Load { .. } => "Load",
            HostMessage::SetSlot { .. } => "SetSlot",
            HostMessage::AddRoots { .. } => "AddRoots",
            HostMessage::Run { .. } => "Run",
            HostMessage::HeapStats => "HeapStats",
            HostMessage::Reset => "Reset",
            HostMessage::Configure { .. } => "Configure",
            HostMessage::Collect => "Collect",
            HostMessage::Interrupt => "Interrupt",
            HostMessage::RunStats => "RunStats",
            HostMessage::Stage { .. } => "Stage",
            HostMessage::Boot { .. } => "Boot",
        }
    }

    /// Decodes a received frame.
    pub fn decode<E>(frame: Frame<'a>) -> Result<Self, ProtocolError<E>> {
        let mut c = Cursor::new(&frame);
        let msg = match frame.kind {
            HOST_HELLO => HostMessage::Hello { version: c.u8()? },
            HOST_LOAD => {
                let addr = c.u32()?;
                return Ok(HostMessage::Load {
                    addr,
                    bytes: c.rest(),
                });
            }
            HOST_SET_SLOT => HostMessage::SetSlot {
                slot: c.u32()?,
                addr: c.u32()?,
            },
            HOST_ADD_ROOTS => HostMessage::AddRoots {
                addr: c.u32()?,
                count: c.u32()?,
            },
            HOST_RUN => HostMessage::Run { entry: c.u32()? },
            HOST_HEAP_STATS => HostMessage::HeapStats,
            HOST_RESET => HostMessage::Reset,
            HOST_CONFIGURE => HostMessage::Configure { flags: c.u32()? },
            HOST_COLLECT => HostMessage::Collect,
            HOST_INTERRUPT => HostMessage::Interrupt,
            HOST_RUN_STATS => HostMessage::RunStats,
            HOST_STAGE => {
                let offset = c.u32()?;
                return Ok(HostMessage::Stage {
                    offset,
                    bytes: c.rest(),
                });
            }
            HOST_BOOT => HostMessage::Boot { len: c.u32()? },
            kind => return Err(ProtocolError::UnknownType { kind }),
        };
        c.end()?;
        Ok(msg)
    }
}

impl<'a> DeviceMessage<'a> {
    /// Writes the message as one frame (not flushed).
    pub fn write<W: Write>(&self, w: &mut W) -> Result<(), ProtocolError<W::Error>> {
        let (kind, head, tail): (u8, Head, &[u8]) = match *self {
            DeviceMessage::HelloAck(h) => {
                let m = h.map;
                let head = Head::new()
                    .u8(h.version)
                    .u32(m.code_base)
                    .u32(m.code_size)
                    .u32(m.data_base)
                    .u32(m.data_size)
                    .u32(m.shadow_base)
                    .u32(m.shadow_size)
                    .u32(m.heap_base)
                    .u32(m.heap_size)
                    .u32(h.function_slots)
                    .u32(h.max_payload);
                (DEVICE_HELLO_ACK, head, h.board)
            }
            DeviceMessage::Ack => (DEVICE_ACK, Head::new(), &[]),
            DeviceMessage::Output { stream, bytes } => {
                (DEVICE_OUTPUT, Head::new().u8(stream), bytes)
            }
            DeviceMessage::Done => (DEVICE_DONE, Head::new(), &[]),
            DeviceMessage::RuntimeError {
                kind,
                code_addr,
                message,
            } => (
                DEVICE_RUNTIME_ERROR,
                Head::new().u8(kind as u8).u32(code_addr),
                message,
            ),
            DeviceMessage::Stats(s) => {
                let head = Head::new()
                    .u32(s.heap_size)
                    .u32(s.in_use)
                    .u32(s.free)
                    .u32(s.live_objects)
                    .u32(s.collections)
                    .u32(s.peak);
                (DEVICE_STATS, head, &[])
            }
            DeviceMessage::Error { message } => (DEVICE_ERROR, Head::new(), message),
            DeviceMessage::RunStats { instructions } => {
                let head = Head::new()
                    .u32(instructions as u32)
                    .u32((instructions >> 32) as u32);
                (DEVICE_RUN_STATS, head, &[])
            }
        };
        write_frame(w, kind, &[head.as_bytes(), tail])
    }

    /// Decodes a received frame.
    pub fn decode<E>(frame: Frame<'a>) -> Result<Self, ProtocolError<E>> {
        let mut c = Cursor::new(&frame);
        let msg = match frame.kind {
            DEVICE_HELLO_ACK => {
                let version = c.u8()?;
                let map = MemoryMap {
                    code_base: c.u32()?,
                    code_size: c.u32()?,
                    data_base: c.u32()?,
                    data_size: c.u32()?,
                    shadow_base: c.u32()?,
                    shadow_size: c.u32()?,
                    heap_base: c.u32()?,
                    heap_size: c.u32()?,
                };
                let function_slots = c.u32()?;
                let max_payload = c.u32()?;
                return Ok(DeviceMessage::HelloAck(HelloInfo {
                    version,
                    map,
                    function_slots,
                    max_payload,
                    board: c.rest(),
                }));
            }
            DEVICE_ACK => DeviceMessage::Ack,
            DEVICE_OUTPUT => {
                let stream = c.u8()?;
                return Ok(DeviceMessage::Output {
                    stream,
                    bytes: c.rest(),
                });
            }
            DEVICE_DONE => DeviceMessage::Done,
            DEVICE_RUNTIME_ERROR => {
                let kind = ErrorKind::from_u8(c.u8()?).ok_or(c.malformed())?;
                let code_addr = c.u32()?;
                return Ok(DeviceMessage::RuntimeError {
                    kind,
                    code_addr,
                    message: c.rest(),
                });
            }
            DEVICE_STATS => DeviceMessage::Stats(HeapStats {
                heap_size: c.u32()?,
                in_use: c.u32()?,
                free: c.u32()?,
                live_objects: c.u32()?,
                collections: c.u32()?,
                peak: c.u32()?,
            }),
            DEVICE_ERROR => return Ok(DeviceMessage::Error { message: c.rest() }),
            DEVICE_RUN_STATS => {
                let low = c.u32()?;
                let high = c.u32()?;
                DeviceMessage::RunStats {
                    instructions: u64::from(high) << 32 | u64::from(low),
                }
            }
            kind => return Err(ProtocolError::UnknownType { kind }),
        };
        c.end()?;
        Ok(msg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::frame::FrameReader;
    use core::convert::Infallible;

    fn frame_of(bytes: &[u8], buf: &mut [u8]) -> (u8, Vec<u8>) {
        let mut input = bytes;
        let mut reader = FrameReader::new(buf);
        let f = reader.read_frame(&mut input).unwrap();
        (f.kind, f.payload.to_vec())
    }

    #[test]
    fn every_host_message_round_trips() {
        let data = [1u8, 2, 3, 4, 5];
        let msgs = [
            HostMessage::Hello { version: 1 },
            HostMessage::Load {
                addr: 0x4000_0010,
                bytes: &data,
            },
            HostMessage::Load {
                addr: 0x2000_0000,
                bytes: &[],
            },
            HostMessage::SetSlot {
                slot: 7,
                addr: 0x4000_0000,
            },
            HostMessage::AddRoots {
                addr: 0x2000_0100,
                count: 3,
            },
            HostMessage::Run { entry: 0x4000_0020 },
            HostMessage::HeapStats,
            HostMessage::Reset,
            HostMessage::Configure {
                flags: CONFIGURE_GC_STRESS,
            },
            HostMessage::Collect,
            HostMessage::Interrupt,
            HostMessage::RunStats,
            HostMessage::Stage {
                offset: 64,
                bytes: &data,
            },
            HostMessage::Boot { len: 1234 },
        ];
        let mut buf = vec![0u8; 256];
        for m in msgs {
            let mut out = Vec::new();
            m.write(&mut out).unwrap();
            let (kind, payload) = frame_of(&out, &mut buf);
            let back = HostMessage::decode::<Infallible>(Frame {
                kind,
                payload: &payload,
            });
            assert_eq!(back, Ok(m));
        }
    }

    #[test]
    fn every_device_message_round_trips() {
        let info = HelloInfo {
            version: 1,
            map: MemoryMap::host(1 << 20),
            function_slots: 4096,
            max_payload: 65536,
            board: b"host",
        };
        let stats = HeapStats {
            heap_size: 1,
            in_use: 2,
            free: 3,
            live_objects: 4,
            collections: 5,
            peak: 6,
        };
        let msgs = [
            DeviceMessage::HelloAck(info),
            DeviceMessage::Ack,
            DeviceMessage::Output {
                stream: 2,
                bytes: b"hi\n",
            },
            DeviceMessage::Done,
            DeviceMessage::RuntimeError {
                kind: ErrorKind::IndexOutOfRange,
                code_addr: 0x4000_0011,
                message: b"array index out of range: 5 (length 3)",
            },
            DeviceMessage::Stats(stats),
            DeviceMessage::Error {
                message: b"corrupt frame",
            },
            DeviceMessage::RunStats {
                instructions: 0x1_2345_6789,
            },
        ];
        let mut buf = vec![0u8; 256];
        for m in msgs {
            let mut out = Vec::new();
            m.write(&mut out).unwrap();
            let (kind, payload) = frame_of(&out, &mut buf);
            let back = DeviceMessage::decode::<Infallible>(Frame {
                kind,
                payload: &payload,
            });
            assert_eq!(back, Ok(m));
        }
    }

    #[test]
    fn unknown_types_and_malformed_payloads_are_errors() {
        let f = |kind, payload: &'static [u8]| Frame { kind, payload };
        assert_eq!(
            HostMessage::decode::<Infallible>(f(0x7f, b"")),
            Err(ProtocolError::UnknownType { kind: 0x7f })
        );
        assert_eq!(
            DeviceMessage::decode::<Infallible>(f(0x01, b"")),
            Err(ProtocolError::UnknownType { kind: 0x01 })
        );
        assert_eq!(
            HostMessage::decode::<Infallible>(f(HOST_RUN, b"\x01\x02")),
            Err(ProtocolError::Malformed { kind: HOST_RUN })
        );
        assert_eq!(
            HostMessage::decode::<Infallible>(f(HOST_RESET, b"\x00")),
            Err(ProtocolError::Malformed { kind: HOST_RESET })
        );
        assert_eq!(
            HostMessage::decode::<Infallible>(f(HOST_COLLECT, b"\x00")),
            Err(ProtocolError::Malformed { kind: HOST_COLLECT })
        );
        assert_eq!(
            DeviceMessage::decode::<Infallible>(f(DEVICE_RUNTIME_ERROR, b"\x63\0\0\0\0")),
            Err(ProtocolError::Malformed {
                kind: DEVICE_RUNTIME_ERROR
            })
        );
    }
}
