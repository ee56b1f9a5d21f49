//! Run-time errors raised by natives, and the fixed-capacity text buffer their messages live in.

use core::fmt;

use crate::abi::ErrorKind;

/// A fixed-capacity byte buffer that implements [`fmt::Write`]; text past the capacity is
/// silently dropped, so writing never fails and never allocates. `N` is at most 65535.
#[derive(Clone, Copy)]
pub struct TextBuf<const N: usize> {
    bytes: [u8; N],
    len: u16,
}

impl<const N: usize> TextBuf<N> {
    /// An empty buffer.
    pub const fn new() -> Self {
        const { assert!(N <= u16::MAX as usize) };
        TextBuf {
            bytes: [0; N],
            len: 0,
        }
    }

    /// The bytes written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len as usize]
    }

    /// Appends bytes, dropping what does not fit; returns how many were taken.
    pub fn push_bytes(&mut self, bytes: &[u8]) -> usize {
        let start = self.len as usize;
        let n = bytes.len().min(N - start);
        self.bytes[start..start + n].copy_from_slice(&bytes[..n]);
        self.len += n as u16;
        n
    }

    /// Room left, in bytes.
    pub fn remaining(&self) -> usize {
        N - self.len as usize
    }

    /// Removes all bytes.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Shortens the buffer to `len` bytes (no effect if it is already shorter).
    pub fn truncate(&mut self, len: usize) {
        if len < self.len as usize {
            self.len = len as u16;
        }
    }
}

impl<const N: usize> Default for TextBuf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> fmt::Write for TextBuf<N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_bytes(s.as_bytes());
        Ok(())
    }
}

impl<const N: usize> fmt::Debug for TextBuf<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?}",
            core::str::from_utf8(self.as_bytes()).unwrap_or("<bytes>")
        )
    }
}

/// Capacity of a run-time error message, in bytes.
pub const MESSAGE_CAPACITY: usize = 112;

/// A run-time error: what went wrong, and the message shown to the user
/// (`array index out of range: 5 (length 3)`).
#[derive(Clone, Copy, Debug)]
pub struct RuntimeError {
    /// The error's kind, as sent on the wire.
    pub kind: ErrorKind,
    /// The message text (without the source position, which the host adds).
    pub message: TextBuf<MESSAGE_CAPACITY>,
}

impl RuntimeError {
    /// An error of `kind` whose message is formatted from `args`.
    pub fn new(kind: ErrorKind, args: fmt::Arguments<'_>) -> Self {
        let mut message = TextBuf::new();
        // Writing to a TextBuf never fails.
        let _ = fmt::write(&mut message, args);
        RuntimeError { kind, message }
    }

    /// `array index out of range: 5 (length 3)`.
    pub fn index_out_of_range(index: i32, length: i32) -> Self {
        Self::new(
            ErrorKind::IndexOutOfRange,
            format_args!("array index out of range: {index} (length {length})"),
        )
    }

    /// `division by zero`.
    pub fn division_by_zero() -> Self {
        Self::new(ErrorKind::DivisionByZero, format_args!("division by zero"))
    }

    /// `stack overflow`.
    pub fn stack_overflow() -> Self {
        Self::new(ErrorKind::StackOverflow, format_args!("stack overflow"))
    }

    /// `interrupted` (the host stopped the run).
    pub fn interrupted() -> Self {
        Self::new(ErrorKind::Interrupted, format_args!("interrupted"))
    }

    /// `out of memory (heap 65536 bytes)`.
    pub fn out_of_memory(heap_size: u32) -> Self {
        Self::new(
            ErrorKind::OutOfMemory,
            format_args!("out of memory (heap {heap_size} bytes)"),
        )
    }

    /// `type error: expected EXPECTED, got ACTUAL`, where both are type names given as bytes.
    pub fn type_error(expected: &[u8], actual: &[u8]) -> Self {
        Self::new(
            ErrorKind::TypeError,
            format_args!(
                "type error: expected {}, got {}",
                Lossy(expected),
                Lossy(actual)
            ),
        )
    }

    /// The message as text (invalid UTF-8 is shown as `?`).
    pub fn message_bytes(&self) -> &[u8] {
        self.message.as_bytes()
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Lossy(self.message.as_bytes()))
    }
}

/// Displays bytes as text, replacing every byte of an invalid UTF-8 sequence by `?`.
pub struct Lossy<'a>(pub &'a [u8]);

impl fmt::Display for Lossy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for chunk in self.0.utf8_chunks() {
            f.write_str(chunk.valid())?;
            for _ in chunk.invalid() {
                f.write_str("?")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_the_language_reference() {
        assert_eq!(
            RuntimeError::index_out_of_range(5, 3).message_bytes(),
            b"array index out of range: 5 (length 3)"
        );
        assert_eq!(
            RuntimeError::division_by_zero().message_bytes(),
            b"division by zero"
        );
        assert_eq!(
            RuntimeError::type_error(b"integer", b"string").message_bytes(),
            b"type error: expected integer, got string"
        );
        assert_eq!(
            RuntimeError::out_of_memory(65536).message_bytes(),
            b"out of memory (heap 65536 bytes)"
        );
    }

    #[test]
    fn text_buffer_truncates_instead_of_failing() {
        let mut b = TextBuf::<4>::new();
        assert_eq!(b.push_bytes(b"abcdef"), 4);
        assert_eq!(b.as_bytes(), b"abcd");
        assert_eq!(b.remaining(), 0);
        b.truncate(1);
        assert_eq!(b.as_bytes(), b"a");
    }

    #[test]
    fn lossy_replaces_invalid_bytes() {
        let mut b = TextBuf::<16>::new();
        fmt::write(&mut b, format_args!("{}", Lossy(b"a\xffb"))).unwrap();
        assert_eq!(b.as_bytes(), b"a?b");
    }
}
