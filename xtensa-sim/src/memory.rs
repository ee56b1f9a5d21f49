//! The address space: a list of regions, each backed by host memory, with the access rules of
//! the chip (instruction RAM takes only 32-bit loads and stores, like the ESP32's IRAM).

use crate::Fault;

/// How a region may be accessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Any aligned load or store of 8, 16 or 32 bits.
    Any,
    /// Only 32-bit loads and stores (and instruction fetch): the ESP32's instruction RAM. A
    /// narrower access raises a load/store error, as on the chip.
    WordOnly,
}

/// One region of the address space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionSpec {
    /// A name for error messages and debugging (`"iram"`).
    pub name: &'static str,
    /// First address.
    pub base: u32,
    /// Size in bytes.
    pub size: u32,
    /// Access rule.
    pub access: Access,
    /// Whether code may be fetched from it (decoded instructions are cached per address).
    pub executable: bool,
}

/// A region's bytes: a heap allocation owned through a raw pointer, so that an embedder may
/// keep a pointer into it (see [`Memory::region_ptr`]) while the simulator also reads and
/// writes it; all access goes through raw-pointer copies, never through references.
struct Bytes {
    ptr: *mut u8,
    len: usize,
}

impl Bytes {
    fn zeroed(len: usize) -> Bytes {
        let ptr = Box::into_raw(vec![0u8; len].into_boxed_slice()).cast::<u8>();
        Bytes { ptr, len }
    }

    /// Copies `out.len()` bytes at `off` (the caller checked the range).
    #[inline]
    fn read(&self, off: usize, out: &mut [u8]) {
        debug_assert!(off + out.len() <= self.len);
        // SAFETY: the range lies inside the allocation, which lives as long as `self`.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.add(off), out.as_mut_ptr(), out.len()) }
    }

    /// Copies `bytes` to `off` (the caller checked the range).
    #[inline]
    fn write(&mut self, off: usize, bytes: &[u8]) {
        debug_assert!(off + bytes.len() <= self.len);
        // SAFETY: the range lies inside the allocation, which lives as long as `self`.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.add(off), bytes.len()) }
    }
}

impl Drop for Bytes {
    fn drop(&mut self) {
        // SAFETY: `ptr` and `len` came from `Box::into_raw` of a boxed slice of that length.
        drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.ptr, self.len)) });
    }
}

// SAFETY: `Bytes` owns its allocation exclusively, like a `Box<[u8]>`.
unsafe impl Send for Bytes {}

/// A region with its contents and, when executable, its decode cache.
pub(crate) struct Region {
    pub(crate) spec: RegionSpec,
    bytes: Bytes,
    /// One entry per byte address when executable: the instruction decoded there, if any yet.
    pub(crate) decoded: Vec<Option<crate::exec::Decoded>>,
}

impl Region {
    fn new(spec: RegionSpec) -> Region {
        let decoded = if spec.executable {
            vec![None; spec.size as usize]
        } else {
            Vec::new()
        };
        Region {
            bytes: Bytes::zeroed(spec.size as usize),
            decoded,
            spec,
        }
    }

    /// Up to `out.len()` bytes at `off`, stopping at the region's end; the number copied.
    pub(crate) fn peek(&self, off: usize, out: &mut [u8]) -> usize {
        let n = out.len().min(self.bytes.len.saturating_sub(off));
        self.bytes.read(off, &mut out[..n]);
        n
    }

    /// The offset of `len` bytes at `addr` in this region, if they lie inside it.
    #[inline]
    fn offset(&self, addr: u32, len: u32) -> Option<usize> {
        let off = addr.wrapping_sub(self.spec.base);
        (off < self.spec.size && self.spec.size - off >= len).then_some(off as usize)
    }

    /// Forgets the decoded instructions that overlap bytes `off..off + len`.
    fn invalidate(&mut self, off: usize, len: usize) {
        if !self.decoded.is_empty() {
            let end = (off + len).min(self.decoded.len());
            for entry in &mut self.decoded[off.saturating_sub(2)..end] {
                *entry = None;
            }
        }
    }
}

/// Errors of setting up or accessing memory from the embedder.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemoryError {
    /// Two regions overlap, or one wraps around the address space.
    #[error("memory region {0} overlaps another region or wraps around the address space")]
    Overlap(&'static str),
    /// An access outside every region.
    #[error("{len} bytes at {addr:#010x} are not inside one memory region")]
    Unmapped {
        /// The first address.
        addr: u32,
        /// The number of bytes.
        len: u32,
    },
}

/// The simulated address space.
pub struct Memory {
    pub(crate) regions: Vec<Region>,
    /// The region of the latest data access, tried first.
    last: usize,
}

impl Memory {
    /// An address space of the given regions, all zero-filled.
    pub fn new(specs: &[RegionSpec]) -> Result<Memory, MemoryError> {
        for (i, a) in specs.iter().enumerate() {
            if a.base as u64 + a.size as u64 > 1 << 32 {
                return Err(MemoryError::Overlap(a.name));
            }
            let a_end = a.base as u64 + a.size as u64;
            for b in &specs[i + 1..] {
                let b_end = b.base as u64 + b.size as u64;
                if (a.base as u64) < b_end && (b.base as u64) < a_end {
                    return Err(MemoryError::Overlap(b.name));
                }
            }
        }
        Ok(Memory {
            regions: specs.iter().cloned().map(Region::new).collect(),
            last: 0,
        })
    }

    /// The index of the region holding `len` bytes at `addr`, and the offset in it.
    #[inline]
    fn find(&mut self, addr: u32, len: u32) -> Option<(usize, usize)> {
        if let Some(off) = self
            .regions
            .get(self.last)
            .and_then(|r| r.offset(addr, len))
        {
            return Some((self.last, off));
        }
        let (i, off) = self
            .regions
            .iter()
            .enumerate()
            .find_map(|(i, r)| r.offset(addr, len).map(|off| (i, off)))?;
        self.last = i;
        Some((i, off))
    }

    /// Copies `buf.len()` bytes at `addr` into `buf` (embedder access: no access rules).
    pub fn read(&mut self, addr: u32, buf: &mut [u8]) -> Result<(), MemoryError> {
        let len = buf.len() as u32;
        let (i, off) = self
            .find(addr, len)
            .ok_or(MemoryError::Unmapped { addr, len })?;
        self.regions[i].bytes.read(off, buf);
        Ok(())
    }

    /// Writes `bytes` at `addr` (embedder access: no access rules; cached code is forgotten).
    pub fn write(&mut self, addr: u32, bytes: &[u8]) -> Result<(), MemoryError> {
        let len = bytes.len() as u32;
        let (i, off) = self
            .find(addr, len)
            .ok_or(MemoryError::Unmapped { addr, len })?;
        let region = &mut self.regions[i];
        region.bytes.write(off, bytes);
        region.invalidate(off, bytes.len());
        Ok(())
    }

    /// Reads the little-endian word at `addr` (embedder access).
    pub fn read_u32(&mut self, addr: u32) -> Result<u32, MemoryError> {
        let mut b = [0; 4];
        self.read(addr, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Writes the little-endian word `value` at `addr` (embedder access).
    pub fn write_u32(&mut self, addr: u32, value: u32) -> Result<(), MemoryError> {
        self.write(addr, &value.to_le_bytes())
    }

    /// The host address and size of the bytes of the non-executable region starting at `base`.
    ///
    /// The pointer stays valid, for reads and writes of that many bytes, as long as this
    /// `Memory` lives: an embedder may keep data the program shares there (the ESP32 boards'
    /// data arena). It must not touch those bytes while [`Sim::run`](crate::Sim::run) runs.
    /// Executable regions are excluded: their decode cache must see every write.
    pub fn region_ptr(&mut self, base: u32) -> Option<(*mut u8, usize)> {
        self.regions
            .iter()
            .find(|r| r.spec.base == base && !r.spec.executable)
            .map(|r| (r.bytes.ptr, r.bytes.len))
    }

    /// Loads `N` bytes at `addr` for the program at `pc`, with the chip's access rules.
    #[inline]
    pub(crate) fn load<const N: usize>(&mut self, pc: u32, addr: u32) -> Result<[u8; N], Fault> {
        let (i, off) = self.checked(pc, addr, N as u32)?;
        let mut out = [0; N];
        self.regions[i].bytes.read(off, &mut out);
        Ok(out)
    }

    /// Stores `bytes` at `addr` for the program at `pc`, with the chip's access rules.
    #[inline]
    pub(crate) fn store<const N: usize>(
        &mut self,
        pc: u32,
        addr: u32,
        bytes: [u8; N],
    ) -> Result<(), Fault> {
        let (i, off) = self.checked(pc, addr, N as u32)?;
        let region = &mut self.regions[i];
        region.bytes.write(off, &bytes);
        region.invalidate(off, N);
        Ok(())
    }

    /// Finds `len` bytes at `addr` for an access by the program: alignment, mapping, access rule.
    #[inline]
    fn checked(&mut self, pc: u32, addr: u32, len: u32) -> Result<(usize, usize), Fault> {
        if addr & (len - 1) != 0 {
            return Err(Fault::Unaligned { pc, addr });
        }
        let (i, off) = self.find(addr, len).ok_or(Fault::Unmapped { pc, addr })?;
        if len != 4 && self.regions[i].spec.access == Access::WordOnly {
            return Err(Fault::LoadStoreError { pc, addr });
        }
        Ok((i, off))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &'static str, base: u32, size: u32, access: Access) -> RegionSpec {
        RegionSpec {
            name,
            base,
            size,
            access,
            executable: access == Access::WordOnly,
        }
    }

    #[test]
    fn overlapping_regions_are_refused() {
        let a = spec("a", 0x1000, 0x100, Access::Any);
        let b = spec("b", 0x10f0, 0x100, Access::Any);
        assert_eq!(Memory::new(&[a, b]).err(), Some(MemoryError::Overlap("b")));
    }

    #[test]
    fn accesses_follow_the_chip_rules() {
        let iram = spec("iram", 0x4000_0000, 0x100, Access::WordOnly);
        let dram = spec("dram", 0x3ff0_0000, 0x100, Access::Any);
        let mut m = Memory::new(&[iram, dram]).unwrap();
        m.store(0, 0x3ff0_0002, [1u8, 2]).unwrap();
        assert_eq!(m.load::<2>(0, 0x3ff0_0002).unwrap(), [1, 2]);
        assert_eq!(
            m.load::<4>(7, 0x3ff0_0002),
            Err(Fault::Unaligned {
                pc: 7,
                addr: 0x3ff0_0002
            })
        );
        assert_eq!(
            m.load::<1>(7, 0x4000_0000),
            Err(Fault::LoadStoreError {
                pc: 7,
                addr: 0x4000_0000
            })
        );
        m.store(0, 0x4000_0004, [9u8, 0, 0, 0]).unwrap();
        assert_eq!(m.read_u32(0x4000_0004).unwrap(), 9);
        assert_eq!(
            m.load::<4>(3, 0x3ff0_0100),
            Err(Fault::Unmapped {
                pc: 3,
                addr: 0x3ff0_0100
            })
        );
        assert!(m.write(0x3ff0_00fe, &[0; 4]).is_err());
    }
}
