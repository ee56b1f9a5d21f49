//! Adapters from `std::io` streams to the `embedded_io` traits the protocol is written against.

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
