//! The host–device protocol: versioned, framed, checksummed messages, identical on a pipe and a
//! serial line.
//!
//! # Frame
//! | bytes | field |
//! |---|---|
//! | 2 | magic `0xB5 0x53` |
//! | 1 | protocol version ([`VERSION`]) |
//! | 1 | message type (`HOST_*` / `DEVICE_*` constants in [`message`]) |
//! | 4 | payload length, u32 little-endian, at most [`MAX_PAYLOAD`] |
//! | n | payload |
//! | 4 | CRC-32 (IEEE) of version, type, length and payload, u32 little-endian |
//!
//! All integers in payloads are little-endian. A reader that meets bytes that are not a magic
//! skips to the next magic and reports how much it skipped; a bad checksum, an oversized length,
//! a wrong version, an unknown type or a malformed payload is reported as a typed error, after
//! which the reader continues with the following bytes.

pub mod crc;
pub mod frame;
pub mod message;

use core::fmt;

/// The protocol version this crate speaks. Both sides must speak the same one.
///
/// | version | change |
/// |---|---|
/// | 1 | the first |
/// | 2 | `Collect` (a collection on request, answered by `Stats`) |
/// | 3 | `Interrupt` (stop the running program); the device reads requests during a run |
/// | 4 | `RunStats` (instructions of the latest run), `Stage` and `Boot` (release images) |
pub const VERSION: u8 = 4;
/// The two bytes every frame starts with.
pub const MAGIC: [u8; 2] = [0xB5, 0x53];
/// The largest payload, in bytes.
pub const MAX_PAYLOAD: usize = 64 * 1024;
/// Bytes before the payload: magic, version, type, length.
pub const HEADER_LEN: usize = 8;

/// Everything that can go wrong when receiving or sending a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProtocolError<E> {
    /// The underlying reader or writer failed.
    Io(E),
    /// The input ended cleanly, between frames.
    Eof,
    /// The input ended in the middle of a frame.
    Truncated,
    /// Bytes that do not start a frame were skipped up to the next magic (or the end of input).
    Garbage {
        /// How many bytes were skipped.
        skipped: u32,
    },
    /// The payload length exceeds the limit.
    Oversize {
        /// The length the header announced.
        len: u32,
    },
    /// The checksum does not match.
    BadCrc,
    /// The frame is for another protocol version.
    BadVersion {
        /// The frame's version.
        version: u8,
    },
    /// The message type is not known.
    UnknownType {
        /// The frame's type byte.
        kind: u8,
    },
    /// The payload does not fit the message type.
    Malformed {
        /// The frame's type byte.
        kind: u8,
    },
}

impl<E: fmt::Debug> fmt::Display for ProtocolError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProtocolError::Io(e) => write!(f, "i/o error: {e:?}"),
            ProtocolError::Eof => f.write_str("end of input"),
            ProtocolError::Truncated => f.write_str("truncated frame"),
            ProtocolError::Garbage { skipped } => {
                write!(
                    f,
                    "corrupt frame: skipped {skipped} bytes without a frame start"
                )
            }
            ProtocolError::Oversize { len } => {
                write!(
                    f,
                    "corrupt frame: payload of {len} bytes exceeds {MAX_PAYLOAD}"
                )
            }
            ProtocolError::BadCrc => f.write_str("corrupt frame: checksum mismatch"),
            ProtocolError::BadVersion { version } => {
                write!(
                    f,
                    "protocol version {version} is not supported (this side speaks {VERSION})"
                )
            }
            ProtocolError::UnknownType { kind } => write!(f, "unknown message type {kind:#04x}"),
            ProtocolError::Malformed { kind } => {
                write!(f, "malformed payload for message type {kind:#04x}")
            }
        }
    }
}

impl<E: fmt::Debug> core::error::Error for ProtocolError<E> {}
