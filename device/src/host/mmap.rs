//! Anonymous memory mappings owned by the host port.

use std::io;
use std::ptr::NonNull;

/// An anonymous private mapping, unmapped on drop.
pub struct Mapping {
    ptr: NonNull<u8>,
    len: usize,
}

/// Read and write access.
pub const READ_WRITE: libc::c_int = libc::PROT_READ | libc::PROT_WRITE;
/// Read, write and execute access (the code region).
pub const READ_WRITE_EXEC: libc::c_int = libc::PROT_READ | libc::PROT_WRITE | libc::PROT_EXEC;
/// Read and execute access.
pub const READ_EXEC: libc::c_int = libc::PROT_READ | libc::PROT_EXEC;

impl Mapping {
    /// Maps `len` zeroed bytes with protection `prot` (memory is committed lazily).
    pub fn new(len: usize, prot: libc::c_int) -> io::Result<Mapping> {
        // SAFETY: an anonymous mapping at an address the kernel chooses touches no existing memory.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                prot,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let ptr = NonNull::new(p.cast::<u8>()).ok_or_else(io::Error::last_os_error)?;
        Ok(Mapping { ptr, len })
    }

    /// Changes the protection of the whole mapping.
    pub fn protect(&self, prot: libc::c_int) -> io::Result<()> {
        // SAFETY: the range is exactly this mapping.
        if unsafe { libc::mprotect(self.ptr.as_ptr().cast(), self.len, prot) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The first byte.
    pub fn ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Whether `p` points into the mapping.
    pub fn contains(&self, p: u64) -> bool {
        let base = self.ptr.as_ptr() as u64;
        p >= base && p - base < self.len as u64
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly what `new` mapped; nothing uses it after drop.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}
