//! The release image format (`.bsimg`): a whole program laid out at fixed addresses, read by
//! the device when it boots one and by `bs inspect`. All numbers are little-endian.
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | magic `BSIMAGE\0` |
//! | 8 | 4 | format version ([`FORMAT_VERSION`]) |
//! | 12 | 4 | runtime version needed: the protocol version ([`crate::protocol::VERSION`]) |
//! | 16 | 4 | code base the image was laid out for |
//! | 20 | 4 | data base the image was laid out for |
//! | 24 | 4 | entry point (code address) |
//! | 28 | 4 | number of sections |
//! | 32 | 4 | architecture of the code ([`Architecture`]: 1 x86-64, 2 Xtensa) |
//!
//! Then each section: kind (u32, `SECTION_*`), address (u32; 0 where it has none), payload
//! length (u32), the payload, and zero bytes up to a multiple of 4. Last, a CRC-32 (the
//! protocol's, [`crate::protocol::crc::crc32`]) of every byte before it: the device refuses an
//! image whose checksum does not match, before it loads anything.
//!
//! Sections: [`SECTION_CODE`] and [`SECTION_DATA`] bytes to load at their address;
//! [`SECTION_SLOTS`] `(slot, code address)` pairs for the function table (only what calls
//! through the table need: closures, virtual methods, `any` adapters); [`SECTION_ROOTS`]
//! `(address, word count)` global root ranges; [`SECTION_SYMBOLS`] one record per function
//! (address, size, name length, UTF-8 name, padded to 4) for tools; [`SECTION_INPUTS`] one
//! record per build input (32-byte SHA-256, name length, UTF-8 name, padded to 4). The device
//! skips the last two.
//!
//! A device boots only an image of its own architecture and memory map: x86-64 images are
//! laid out for the `host` board's map, Xtensa images for `abi::esp32`'s (the `esp32-sim`,
//! `esp32` and `esp32s3` boards).

use crate::protocol::crc::crc32;

/// The magic bytes an image starts with.
pub const MAGIC: [u8; 8] = *b"BSIMAGE\0";
/// The version of this format (2: the architecture in the header).
pub const FORMAT_VERSION: u32 = 2;
/// Header length in bytes.
pub const HEADER_LEN: usize = 36;
/// Bytes to load into the code region.
pub const SECTION_CODE: u32 = 1;
/// Bytes to load into the data region.
pub const SECTION_DATA: u32 = 2;
/// Function-table entries: `(slot, address)` word pairs.
pub const SECTION_SLOTS: u32 = 3;
/// Global root ranges: `(address, count)` word pairs.
pub const SECTION_ROOTS: u32 = 4;
/// Function names, addresses and sizes.
pub const SECTION_SYMBOLS: u32 = 5;
/// The hashes of the build's inputs.
pub const SECTION_INPUTS: u32 = 6;

/// The instruction set of an image's code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// x86-64 (the `host` board).
    X86_64,
    /// Xtensa LX6/LX7, windowed ABI (the ESP32 boards and `esp32-sim`).
    Xtensa,
}

impl Architecture {
    /// The number in the header.
    pub const fn code(self) -> u32 {
        match self {
            Architecture::X86_64 => 1,
            Architecture::Xtensa => 2,
        }
    }

    /// The architecture numbered `code` in a header.
    pub const fn from_code(code: u32) -> Option<Architecture> {
        match code {
            1 => Some(Architecture::X86_64),
            2 => Some(Architecture::Xtensa),
            _ => None,
        }
    }

    /// Its name in messages.
    pub const fn name(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86-64",
            Architecture::Xtensa => "Xtensa",
        }
    }
}

/// The header of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The instruction set of its code.
    pub architecture: Architecture,
    /// The runtime version the image needs.
    pub runtime_version: u32,
    /// The code base it was laid out for.
    pub code_base: u32,
    /// The data base it was laid out for.
    pub data_base: u32,
    /// The entry point.
    pub entry: u32,
}

/// One section of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section<'a> {
    /// `SECTION_*`.
    pub kind: u32,
    /// The load address (0 for sections that are not loaded).
    pub addr: u32,
    /// The payload.
    pub bytes: &'a [u8],
    /// Where the payload starts in the image.
    pub offset: usize,
}

/// Why an image was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageError {
    /// Not a `.bsimg` file.
    BadMagic,
    /// A format version this runtime does not read.
    Format(u32),
    /// The bytes end before a header, section or checksum does.
    Truncated,
    /// The header names an architecture this format does not know.
    Architecture(u32),
    /// The checksum does not match: the image is corrupt.
    Checksum {
        /// The checksum stored in the image.
        stored: u32,
        /// The checksum of its bytes.
        actual: u32,
    },
}

impl core::fmt::Display for ImageError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ImageError::BadMagic => f.write_str("not a BlueScript image (bad magic)"),
            ImageError::Format(v) => write!(f, "image format version {v} is not supported"),
            ImageError::Truncated => f.write_str("the image is truncated"),
            ImageError::Architecture(a) => write!(f, "the image's architecture {a} is unknown"),
            ImageError::Checksum { stored, actual } => write!(
                f,
                "the image is corrupt: its checksum is {stored:#010x} but its bytes give {actual:#010x}"
            ),
        }
    }
}

/// A checked image: its header, and its sections to iterate.
#[derive(Debug, Clone, Copy)]
pub struct Image<'a> {
    /// The header.
    pub header: Header,
    count: u32,
    body: &'a [u8],
}

fn word(bytes: &[u8], at: usize) -> Result<u32, ImageError> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or(ImageError::Truncated)
}

impl<'a> Image<'a> {
    /// Checks `bytes` (magic, format, checksum, section bounds) and reads the header.
    pub fn parse(bytes: &'a [u8]) -> Result<Image<'a>, ImageError> {
        if bytes.len() < HEADER_LEN + 4 {
            return Err(if bytes.starts_with(&MAGIC) || MAGIC.starts_with(bytes) {
                ImageError::Truncated
            } else {
                ImageError::BadMagic
            });
        }
        if bytes[..8] != MAGIC {
            return Err(ImageError::BadMagic);
        }
        let format = word(bytes, 8)?;
        if format != FORMAT_VERSION {
            return Err(ImageError::Format(format));
        }
        let (content, tail) = bytes.split_at(bytes.len() - 4);
        let stored = word(tail, 0)?;
        let actual = crc32(content);
        if stored != actual {
            return Err(ImageError::Checksum { stored, actual });
        }
        let architecture = word(bytes, 32)?;
        let image = Image {
            header: Header {
                architecture: Architecture::from_code(architecture)
                    .ok_or(ImageError::Architecture(architecture))?,
                runtime_version: word(bytes, 12)?,
                code_base: word(bytes, 16)?,
                data_base: word(bytes, 20)?,
                entry: word(bytes, 24)?,
            },
            count: word(bytes, 28)?,
            body: &content[HEADER_LEN..],
        };
        // Every section must be whole, and nothing may follow the last.
        let mut end = 0;
        for section in image.sections() {
            let s = section?;
            end += 12 + s.bytes.len().next_multiple_of(4);
        }
        if end != image.body.len() {
            return Err(ImageError::Truncated);
        }
        Ok(image)
    }

    /// The sections, in order.
    pub fn sections(&self) -> impl Iterator<Item = Result<Section<'a>, ImageError>> + 'a {
        let body = self.body;
        let mut at = 0usize;
        (0..self.count).map(move |_| {
            let kind = word(body, at)?;
            let addr = word(body, at + 4)?;
            let len = word(body, at + 8)? as usize;
            let start = at + 12;
            let bytes = body
                .get(start..start.checked_add(len).ok_or(ImageError::Truncated)?)
                .ok_or(ImageError::Truncated)?;
            at = start + len.next_multiple_of(4);
            Ok(Section {
                kind,
                addr,
                bytes,
                offset: HEADER_LEN + start,
            })
        })
    }
}

/// The `(a, b)` word pairs of a [`SECTION_SLOTS`] or [`SECTION_ROOTS`] payload.
pub fn word_pairs(bytes: &[u8]) -> impl Iterator<Item = (u32, u32)> + '_ {
    bytes.chunks_exact(8).map(|c| {
        (
            u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
            u32::from_le_bytes([c[4], c[5], c[6], c[7]]),
        )
    })
}

/// Writing images (on the host).
#[cfg(feature = "std")]
pub mod write {
    use super::*;
    use std::vec::Vec;

    /// An image being assembled: sections in the order they are added.
    #[derive(Debug, Clone)]
    pub struct Writer {
        header: Header,
        sections: Vec<(u32, u32, Vec<u8>)>,
    }

    impl Writer {
        /// An image with `header` and no sections yet.
        pub fn new(header: Header) -> Writer {
            Writer {
                header,
                sections: Vec::new(),
            }
        }

        /// Adds a section.
        pub fn section(&mut self, kind: u32, addr: u32, bytes: Vec<u8>) -> &mut Writer {
            self.sections.push((kind, addr, bytes));
            self
        }

        /// Adds a section of `(a, b)` word pairs.
        pub fn pairs(&mut self, kind: u32, pairs: &[(u32, u32)]) -> &mut Writer {
            let bytes = pairs
                .iter()
                .flat_map(|&(a, b)| a.to_le_bytes().into_iter().chain(b.to_le_bytes()))
                .collect();
            self.section(kind, 0, bytes)
        }

        /// The image's bytes, checksum last.
        pub fn finish(&self) -> Vec<u8> {
            let mut out = Vec::new();
            out.extend_from_slice(&MAGIC);
            let h = &self.header;
            for w in [
                FORMAT_VERSION,
                h.runtime_version,
                h.code_base,
                h.data_base,
                h.entry,
                self.sections.len() as u32,
                h.architecture.code(),
            ] {
                out.extend_from_slice(&w.to_le_bytes());
            }
            for (kind, addr, bytes) in &self.sections {
                for w in [*kind, *addr, bytes.len() as u32] {
                    out.extend_from_slice(&w.to_le_bytes());
                }
                out.extend_from_slice(bytes);
                out.resize(out.len().next_multiple_of(4), 0);
            }
            let crc = crc32(&out);
            out.extend_from_slice(&crc.to_le_bytes());
            out
        }
    }

    /// A named record of a [`SECTION_SYMBOLS`] (`head` = address, size) or
    /// [`SECTION_INPUTS`] (`head` = the hash) payload.
    pub fn record(out: &mut Vec<u8>, head: &[u8], name: &str) {
        out.extend_from_slice(head);
        out.extend_from_slice(&(name.len() as u32).to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.resize(out.len().next_multiple_of(4), 0);
    }
}

/// The records of a [`SECTION_SYMBOLS`] (`head_len` 8) or [`SECTION_INPUTS`] (`head_len` 32)
/// payload: each fixed-size head and its name. A malformed record ends the list.
pub fn records(bytes: &[u8], head_len: usize) -> impl Iterator<Item = (&[u8], &str)> + '_ {
    let mut at = 0usize;
    core::iter::from_fn(move || {
        let head = bytes.get(at..at + head_len)?;
        let len = word(bytes, at + head_len).ok()? as usize;
        let start = at + head_len + 4;
        let name = core::str::from_utf8(bytes.get(start..start.checked_add(len)?)?).ok()?;
        at = (start + len).next_multiple_of(4);
        Some((head, name))
    })
}

/// The length of the image that `bytes` starts with, from its header and section lengths:
/// `bytes` may go on past it, as the flash partition that holds an image does
/// ([`crate::abi::esp32::flash`]). Only the magic, the format and the lengths are checked
/// here; [`Image::parse`] checks the image.
pub fn length(bytes: &[u8]) -> Result<usize, ImageError> {
    if !bytes.starts_with(&MAGIC) {
        return Err(ImageError::BadMagic);
    }
    let format = word(bytes, 8)?;
    if format != FORMAT_VERSION {
        return Err(ImageError::Format(format));
    }
    let mut end = HEADER_LEN;
    for _ in 0..word(bytes, 28)? {
        let len = word(bytes, end + 8)? as usize;
        end = len
            .checked_next_multiple_of(4)
            .and_then(|len| end.checked_add(12 + len))
            .ok_or(ImageError::Truncated)?;
    }
    end += 4;
    if end > bytes.len() {
        return Err(ImageError::Truncated);
    }
    Ok(end)
}

#[cfg(test)]
mod tests {
    use super::write::{Writer, record};
    use super::*;

    fn sample() -> std::vec::Vec<u8> {
        let mut symbols = std::vec::Vec::new();
        record(&mut symbols, &[1, 0, 0, 0x40, 16, 0, 0, 0], "main");
        Writer::new(Header {
            architecture: Architecture::Xtensa,
            runtime_version: 2,
            code_base: 0x4000_0000,
            data_base: 0x2000_0000,
            entry: 0x4000_0000,
        })
        .section(SECTION_CODE, 0x4000_0000, std::vec![0xC3, 0x90, 0x90])
        .pairs(SECTION_SLOTS, &[(0, 0x4000_0000)])
        .section(SECTION_SYMBOLS, 0, symbols)
        .finish()
    }

    #[test]
    fn an_image_followed_by_erased_flash_has_its_own_length() {
        let image = sample();
        let mut flash = image.clone();
        flash.resize(image.len() + 64, 0xFF);
        assert_eq!(length(&flash), Ok(image.len()));
        assert_eq!(
            length(&image[..image.len() - 1]),
            Err(ImageError::Truncated)
        );
        assert_eq!(length(&[0xFF; 64]), Err(ImageError::BadMagic));
        let mut huge = image.clone();
        huge[HEADER_LEN + 8..HEADER_LEN + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(length(&huge), Err(ImageError::Truncated));
    }

    #[test]
    fn an_image_reads_back_what_was_written() {
        let bytes = sample();
        let image = Image::parse(&bytes).unwrap();
        assert_eq!(image.header.entry, 0x4000_0000);
        assert_eq!(image.header.architecture, Architecture::Xtensa);
        let sections: std::vec::Vec<_> = image.sections().map(Result::unwrap).collect();
        assert_eq!(sections.len(), 3);
        assert_eq!(sections[0].bytes, [0xC3, 0x90, 0x90]);
        let at = sections[0].offset;
        assert_eq!(bytes[at..at + 3], [0xC3, 0x90, 0x90]);
        assert_eq!(
            word_pairs(sections[1].bytes).collect::<std::vec::Vec<_>>(),
            [(0, 0x4000_0000)]
        );
        let symbols: std::vec::Vec<_> = records(sections[2].bytes, 8).collect();
        assert_eq!(symbols.len(), 1);
        assert_eq!(symbols[0].1, "main");
    }

    #[test]
    fn corrupt_truncated_and_foreign_bytes_are_refused() {
        let bytes = sample();
        for i in [9, 20, HEADER_LEN + 13, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            assert!(Image::parse(&bad).is_err(), "flipping byte {i}");
        }
        let mut flipped = bytes.clone();
        flipped[HEADER_LEN + 13] ^= 1;
        assert!(matches!(
            Image::parse(&flipped),
            Err(ImageError::Checksum { .. })
        ));
        assert!(Image::parse(&bytes[..bytes.len() - 3]).is_err());
        assert_eq!(Image::parse(b"BSIM").unwrap_err(), ImageError::Truncated);
        assert_eq!(Image::parse(&[0u8; 64]).unwrap_err(), ImageError::BadMagic);
        // An architecture this format does not know, with a valid checksum.
        let mut unknown = bytes[..bytes.len() - 4].to_vec();
        unknown[32] = 9;
        let crc = crc32(&unknown);
        unknown.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(
            Image::parse(&unknown).unwrap_err(),
            ImageError::Architecture(9)
        );
    }
}
