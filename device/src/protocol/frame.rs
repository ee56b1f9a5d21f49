//! Reading and writing frames over `embedded_io` streams.

use embedded_io::{Read, ReadExactError, Write};

use super::crc::Crc32;
use super::{HEADER_LEN, MAGIC, MAX_PAYLOAD, ProtocolError, VERSION};

/// A received frame: its type byte and payload (borrowed from the reader's buffer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The message type.
    pub kind: u8,
    /// The payload.
    pub payload: &'a [u8],
}

/// Reads frames into a buffer (`&mut [u8]`, `Vec<u8>`…), whose length is the largest payload
/// accepted.
pub struct FrameReader<B> {
    buf: B,
    magic_consumed: bool,
}

/// Maps a failed `read_exact` inside a frame.
fn mid_frame<E>(e: ReadExactError<E>) -> ProtocolError<E> {
    match e {
        ReadExactError::UnexpectedEof => ProtocolError::Truncated,
        ReadExactError::Other(e) => ProtocolError::Io(e),
    }
}

impl<B: AsMut<[u8]>> FrameReader<B> {
    /// A reader whose payloads may be up to `buf.len()` (at most [`MAX_PAYLOAD`]) bytes.
    pub fn new(buf: B) -> Self {
        FrameReader {
            buf,
            magic_consumed: false,
        }
    }

    /// Reads one byte; `None` at the end of input.
    fn byte<R: Read>(r: &mut R) -> Result<Option<u8>, ProtocolError<R::Error>> {
        let mut b = [0u8; 1];
        loop {
            match r.read(&mut b) {
                Ok(0) => return Ok(None),
                Ok(_) => return Ok(Some(b[0])),
                Err(e) if embedded_io::Error::kind(&e) == embedded_io::ErrorKind::Interrupted => {}
                Err(e) => return Err(ProtocolError::Io(e)),
            }
        }
    }

    /// Skips to just after the next magic. Returns `Ok(())` if the magic came first, or the
    /// number of bytes skipped as [`ProtocolError::Garbage`] (the magic is then consumed and the
    /// next call reads that frame), or [`ProtocolError::Eof`] at a clean end.
    fn find_magic<R: Read>(&mut self, r: &mut R) -> Result<(), ProtocolError<R::Error>> {
        let mut skipped: u32 = 0;
        let mut after_first = false;
        loop {
            let Some(b) = Self::byte(r)? else {
                let total = skipped.saturating_add(after_first as u32);
                return Err(match total {
                    0 => ProtocolError::Eof,
                    skipped => ProtocolError::Garbage { skipped },
                });
            };
            if after_first && b == MAGIC[1] {
                if skipped == 0 {
                    return Ok(());
                }
                self.magic_consumed = true;
                return Err(ProtocolError::Garbage { skipped });
            }
            // A first magic byte not followed by the second one was garbage too.
            skipped = skipped.saturating_add(after_first as u32);
            after_first = b == MAGIC[0];
            skipped = skipped.saturating_add(!after_first as u32);
        }
    }

    /// Reads the next frame. After an error other than `Io` and `Eof`, calling again continues
    /// with the bytes that follow (resynchronising on the next magic).
    pub fn read_frame<R: Read>(&mut self, r: &mut R) -> Result<Frame<'_>, ProtocolError<R::Error>> {
        if !self.magic_consumed {
            self.find_magic(r)?;
        }
        self.magic_consumed = false;
        let mut head = [0u8; HEADER_LEN - 2];
        r.read_exact(&mut head).map_err(mid_frame)?;
        let len = u32::from_le_bytes([head[2], head[3], head[4], head[5]]);
        let buf = self.buf.as_mut();
        if len as usize > buf.len().min(MAX_PAYLOAD) {
            return Err(ProtocolError::Oversize { len });
        }
        let payload = &mut buf[..len as usize];
        r.read_exact(payload).map_err(mid_frame)?;
        let mut crc_bytes = [0u8; 4];
        r.read_exact(&mut crc_bytes).map_err(mid_frame)?;
        let mut crc = Crc32::new();
        crc.update(&head);
        crc.update(payload);
        if crc.finish() != u32::from_le_bytes(crc_bytes) {
            return Err(ProtocolError::BadCrc);
        }
        if head[0] != VERSION {
            return Err(ProtocolError::BadVersion { version: head[0] });
        }
        Ok(Frame {
            kind: head[1],
            payload,
        })
    }
}

/// Writes one frame whose payload is the concatenation of `parts` (not flushed).
pub fn write_frame<W: Write>(
    w: &mut W,
    kind: u8,
    parts: &[&[u8]],
) -> Result<(), ProtocolError<W::Error>> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    if len > MAX_PAYLOAD {
        return Err(ProtocolError::Oversize { len: len as u32 });
    }
    let len = (len as u32).to_le_bytes();
    let head = [VERSION, kind, len[0], len[1], len[2], len[3]];
    let mut crc = Crc32::new();
    crc.update(&head);
    w.write_all(&MAGIC).map_err(ProtocolError::Io)?;
    w.write_all(&head).map_err(ProtocolError::Io)?;
    for p in parts {
        crc.update(p);
        w.write_all(p).map_err(ProtocolError::Io)?;
    }
    w.write_all(&crc.finish().to_le_bytes())
        .map_err(ProtocolError::Io)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::convert::Infallible;

    fn frame(kind: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        write_frame(&mut out, kind, &[payload]).unwrap();
        out
    }

    /// A frame's type and payload, or the error reading it.
    type Read = Result<(u8, Vec<u8>), ProtocolError<Infallible>>;

    fn read_all(mut input: &[u8]) -> Vec<Read> {
        let mut reader = FrameReader::new(vec![0u8; 64]);
        let mut out = Vec::new();
        loop {
            match reader.read_frame(&mut input) {
                Err(ProtocolError::Eof) => return out,
                r => out.push(r.map(|f| (f.kind, f.payload.to_vec()))),
            }
        }
    }

    #[test]
    fn frames_round_trip() {
        let mut bytes = frame(7, b"hello");
        bytes.extend(frame(8, b""));
        assert_eq!(
            read_all(&bytes),
            [Ok((7, b"hello".to_vec())), Ok((8, vec![]))]
        );
    }

    #[test]
    fn garbage_before_a_frame_is_skipped_and_reported() {
        let mut bytes = vec![1, 2, 0xB5, 0xB5, 3];
        bytes.extend(frame(7, b"x"));
        assert_eq!(
            read_all(&bytes),
            [
                Err(ProtocolError::Garbage { skipped: 5 }),
                Ok((7, b"x".to_vec()))
            ]
        );
        assert_eq!(
            read_all(&[9, 9, 0xB5]),
            [Err(ProtocolError::Garbage { skipped: 3 })]
        );
    }

    #[test]
    fn bad_checksum_is_reported_and_the_next_frame_read() {
        let mut bytes = frame(7, b"hello");
        bytes[9] ^= 0x20;
        bytes.extend(frame(8, b"ok"));
        assert_eq!(
            read_all(&bytes),
            [Err(ProtocolError::BadCrc), Ok((8, b"ok".to_vec()))]
        );
    }

    #[test]
    fn oversize_is_reported_then_resynchronised() {
        let mut bytes = frame(7, &[0u8; 65]);
        bytes.extend(frame(8, b"ok"));
        let got = read_all(&bytes);
        assert_eq!(got[0], Err(ProtocolError::Oversize { len: 65 }));
        assert!(matches!(got[1], Err(ProtocolError::Garbage { .. })));
        assert_eq!(got[2], Ok((8, b"ok".to_vec())));
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn truncation_is_reported() {
        let bytes = frame(7, b"hello");
        for cut in [3, 8, 10, bytes.len() - 1] {
            // Whatever a reader left unconsumed after the truncation is skipped as garbage.
            let got = read_all(&bytes[..cut]);
            assert_eq!(got[0], Err(ProtocolError::Truncated), "cut at {cut}");
            assert!(
                got[1..]
                    .iter()
                    .all(|r| matches!(r, Err(ProtocolError::Garbage { .. })))
            );
        }
    }

    #[test]
    fn other_versions_are_rejected() {
        let mut bytes = frame(7, b"v");
        bytes[2] = VERSION + 1;
        let crc = crate::protocol::crc::crc32(&bytes[2..bytes.len() - 4]);
        let n = bytes.len();
        bytes[n - 4..].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(
            read_all(&bytes),
            [Err(ProtocolError::BadVersion {
                version: VERSION + 1
            })]
        );
    }

    #[test]
    fn writing_an_oversized_frame_fails() {
        let big = vec![0u8; MAX_PAYLOAD + 1];
        let mut out = Vec::new();
        assert_eq!(
            write_frame(&mut out, 1, &[&big]),
            Err(ProtocolError::Oversize {
                len: MAX_PAYLOAD as u32 + 1
            })
        );
        assert!(out.is_empty());
    }
}
