//! The device memory map and checked access to the data arena (data region, shadow stack and
//! heap, contiguous in that order) through u32 device addresses.

use core::fmt;

/// Where the regions of a device live, as device addresses and sizes in bytes.
///
/// The data region (statics and globals placed by the host), the shadow stack and the heap are
/// contiguous in that order and form the *data arena*; the code region is separate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryMap {
    /// First address of the code region.
    pub code_base: u32,
    /// Size of the code region.
    pub code_size: u32,
    /// First address of the data region (the data arena starts here).
    pub data_base: u32,
    /// Size of the data region.
    pub data_size: u32,
    /// Lowest address of the shadow stack (it grows down from `shadow_base + shadow_size`).
    pub shadow_base: u32,
    /// Size of the shadow stack.
    pub shadow_size: u32,
    /// First address of the heap.
    pub heap_base: u32,
    /// Size of the heap.
    pub heap_size: u32,
}

/// Errors of the memory map and of checked memory access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemError {
    /// `len` bytes at `addr` are not inside the region or arena accessed.
    OutOfRange {
        /// The first address accessed.
        addr: u32,
        /// The number of bytes accessed.
        len: u32,
    },
    /// The map's data region, shadow stack and heap are not contiguous, not 4-byte aligned,
    /// or the arena buffer is smaller than the map says.
    BadMap,
}

impl fmt::Display for MemError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemError::OutOfRange { addr, len } => {
                write!(f, "address out of range: {len} bytes at {addr:#010x}")
            }
            MemError::BadMap => f.write_str("inconsistent memory map"),
        }
    }
}

impl MemoryMap {
    /// The host board's map: code at 0x4000_0000 (4 MiB), data at 0x2000_0000 (1 MiB), then a
    /// 256 KiB shadow stack, then a heap of `heap_size` bytes (rounded down to 4 bytes).
    pub const fn host(heap_size: u32) -> MemoryMap {
        let data_base = 0x2000_0000;
        let data_size = 1 << 20;
        let shadow_size = 256 << 10;
        MemoryMap {
            code_base: 0x4000_0000,
            code_size: 4 << 20,
            data_base,
            data_size,
            shadow_base: data_base + data_size,
            shadow_size,
            heap_base: data_base + data_size + shadow_size,
            heap_size: heap_size & !3,
        }
    }

    /// The ESP32 boards' map ([`crate::abi::esp32`]): code in instruction RAM after the native
    /// vector, and the data arena in the PSRAM window: a 256 KiB data region, a 64 KiB shadow
    /// stack, then a heap of `heap_size` bytes (rounded down to 4 bytes). A port must reject
    /// heaps larger than [`MAX_HEAP_SIZE`](crate::abi::esp32::MAX_HEAP_SIZE), which do not fit.
    pub const fn esp32(heap_size: u32) -> MemoryMap {
        use crate::abi::esp32::*;
        let heap_size = heap_size & !3;
        MemoryMap {
            code_base: CODE_BASE,
            code_size: CODE_END - CODE_BASE,
            data_base: ARENA_BASE,
            data_size: DATA_SIZE,
            shadow_base: ARENA_BASE + DATA_SIZE,
            shadow_size: SHADOW_SIZE,
            heap_base: ARENA_BASE + DATA_SIZE + SHADOW_SIZE,
            heap_size,
        }
    }

    /// Size of the data arena (data region + shadow stack + heap).
    pub fn arena_size(&self) -> u32 {
        self.data_size + self.shadow_size + self.heap_size
    }

    /// The interrupt flag: the last word of the data region, which the host's linker never
    /// fills. Generated code polls it (at loop back-edges and function entries) and stops the run
    /// with an `Interrupted` error when it is not zero; the device sets it when the host sends
    /// `Interrupt` during a run and clears it between runs.
    pub fn interrupt_flag(&self) -> u32 {
        self.data_base + self.data_size - 4
    }

    /// The bytes of the data region the host may fill with statics and globals: all of it but
    /// the [interrupt flag](Self::interrupt_flag).
    pub fn linkable_data_size(&self) -> u32 {
        self.data_size - 4
    }

    /// One past the highest shadow-stack address: the initial shadow-stack pointer.
    pub fn shadow_top(&self) -> u32 {
        self.shadow_base + self.shadow_size
    }

    /// One past the last heap address.
    pub fn heap_end(&self) -> u32 {
        self.heap_base + self.heap_size
    }

    /// Whether `addr` lies inside the heap.
    pub fn in_heap(&self, addr: u32) -> bool {
        addr >= self.heap_base && addr < self.heap_end()
    }

    /// Whether `len` bytes at `addr` lie inside the code region.
    pub fn in_code(&self, addr: u32, len: u32) -> bool {
        within(addr, len, self.code_base, self.code_size)
    }

    /// Whether `len` bytes at `addr` lie inside the data region (not the shadow stack or heap).
    pub fn in_data(&self, addr: u32, len: u32) -> bool {
        within(addr, len, self.data_base, self.data_size)
    }

    /// Checks that the arena regions are 4-byte aligned, contiguous and inside the address space,
    /// and that the data region has room for the interrupt flag.
    pub fn validate(&self) -> Result<(), MemError> {
        let aligned = [
            self.data_base,
            self.data_size,
            self.shadow_size,
            self.heap_size,
        ]
        .iter()
        .all(|v| v % 4 == 0);
        let contiguous = self.data_base.checked_add(self.data_size) == Some(self.shadow_base)
            && self.shadow_base.checked_add(self.shadow_size) == Some(self.heap_base)
            && self.heap_base.checked_add(self.heap_size).is_some();
        // The data region holds at least the interrupt flag.
        let flag = self.data_size >= 4;
        if aligned && contiguous && flag && self.code_base.checked_add(self.code_size).is_some() {
            Ok(())
        } else {
            Err(MemError::BadMap)
        }
    }
}

/// Whether `[addr, addr + len)` lies inside `[base, base + size)`.
fn within(addr: u32, len: u32, base: u32, size: u32) -> bool {
    addr >= base && (addr - base) as u64 + len as u64 <= size as u64
}

/// Checked access to the data arena through device addresses. Out-of-range accesses return
/// [`MemError::OutOfRange`]; nothing here panics.
pub struct Memory {
    base: *mut u8,
    map: MemoryMap,
}

impl Memory {
    /// Wraps an arena buffer that lives for the rest of the program.
    pub fn from_static(arena: &'static mut [u8], map: MemoryMap) -> Result<Memory, MemError> {
        map.validate()?;
        if (arena.len() as u64) < map.arena_size() as u64 {
            return Err(MemError::BadMap);
        }
        Ok(Memory {
            base: arena.as_mut_ptr(),
            map,
        })
    }

    /// Wraps an arena at a raw host pointer.
    ///
    /// # Safety
    /// `base` must be valid for reads and writes of `map.arena_size()` bytes for as long as the
    /// returned value (or anything built on it) is used. Other code (generated machine code) may
    /// write the arena only while no method of this value is running.
    pub unsafe fn from_raw(base: *mut u8, map: MemoryMap) -> Result<Memory, MemError> {
        map.validate()?;
        Ok(Memory { base, map })
    }

    /// The memory map.
    pub fn map(&self) -> &MemoryMap {
        &self.map
    }

    /// The host offset of `len` bytes at device address `addr`, if they lie inside the arena.
    fn offset(&self, addr: u32, len: u32) -> Result<usize, MemError> {
        let off = addr.wrapping_sub(self.map.data_base);
        if addr >= self.map.data_base && off as u64 + len as u64 <= self.map.arena_size() as u64 {
            Ok(off as usize)
        } else {
            Err(MemError::OutOfRange { addr, len })
        }
    }

    /// Reads a little-endian u32 at `addr` (any alignment).
    pub fn read_u32(&self, addr: u32) -> Result<u32, MemError> {
        let off = self.offset(addr, 4)?;
        // SAFETY: `offset` checked that the four bytes lie inside the arena.
        Ok(u32::from_le(unsafe {
            self.base.add(off).cast::<u32>().read_unaligned()
        }))
    }

    /// Reads a little-endian u32 at `addr` with volatile loads, for a word that changes behind
    /// the runtime's back while a program runs (the interrupt flag).
    pub fn read_u32_volatile(&self, addr: u32) -> Result<u32, MemError> {
        let off = self.offset(addr, 4)?;
        let mut bytes = [0u8; 4];
        for (i, b) in bytes.iter_mut().enumerate() {
            // SAFETY: `offset` checked that the four bytes lie inside the arena.
            *b = unsafe { self.base.add(off + i).read_volatile() };
        }
        Ok(u32::from_le_bytes(bytes))
    }

    /// Writes a little-endian u32 at `addr` (any alignment).
    pub fn write_u32(&mut self, addr: u32, value: u32) -> Result<(), MemError> {
        let off = self.offset(addr, 4)?;
        // SAFETY: `offset` checked that the four bytes lie inside the arena.
        unsafe {
            self.base
                .add(off)
                .cast::<u32>()
                .write_unaligned(value.to_le())
        };
        Ok(())
    }

    /// Reads the byte at `addr`.
    pub fn read_u8(&self, addr: u32) -> Result<u8, MemError> {
        Ok(self.bytes(addr, 1)?[0])
    }

    /// The `len` bytes at `addr`, borrowed from the arena.
    pub fn bytes(&self, addr: u32, len: u32) -> Result<&[u8], MemError> {
        let off = self.offset(addr, len)?;
        // SAFETY: in range, and `&self` prevents writes through this value meanwhile.
        Ok(unsafe { core::slice::from_raw_parts(self.base.add(off), len as usize) })
    }

    /// The `len` bytes at `addr`, mutably borrowed from the arena.
    pub fn bytes_mut(&mut self, addr: u32, len: u32) -> Result<&mut [u8], MemError> {
        let off = self.offset(addr, len)?;
        // SAFETY: in range, and `&mut self` makes this the only borrow.
        Ok(unsafe { core::slice::from_raw_parts_mut(self.base.add(off), len as usize) })
    }

    /// Copies `bytes` to `addr`.
    pub fn write_bytes(&mut self, addr: u32, bytes: &[u8]) -> Result<(), MemError> {
        let len = u32::try_from(bytes.len()).map_err(|_| MemError::OutOfRange {
            addr,
            len: u32::MAX,
        })?;
        self.bytes_mut(addr, len)?.copy_from_slice(bytes);
        Ok(())
    }

    /// Copies `len` bytes from `src` to `dst`; the ranges may overlap.
    pub fn copy_within(&mut self, src: u32, dst: u32, len: u32) -> Result<(), MemError> {
        let s = self.offset(src, len)?;
        let d = self.offset(dst, len)?;
        // SAFETY: both ranges are inside the arena; `copy` handles overlap.
        unsafe { core::ptr::copy(self.base.add(s), self.base.add(d), len as usize) };
        Ok(())
    }

    /// Sets `len` bytes at `addr` to `byte`.
    pub fn fill(&mut self, addr: u32, len: u32, byte: u8) -> Result<(), MemError> {
        self.bytes_mut(addr, len)?.fill(byte);
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A fresh arena for `map`, leaked for the rest of the test process.
    pub(crate) fn test_memory(map: MemoryMap) -> Memory {
        let arena = vec![0u8; map.arena_size() as usize].leak();
        Memory::from_static(arena, map).expect("valid map")
    }

    /// A small map for tests: 4 KiB data, 1 KiB shadow stack, `heap` bytes of heap.
    pub(crate) fn small_map(heap: u32) -> MemoryMap {
        MemoryMap {
            code_base: 0x4000_0000,
            code_size: 0x1000,
            data_base: 0x2000_0000,
            data_size: 0x1000,
            shadow_base: 0x2000_1000,
            shadow_size: 0x400,
            heap_base: 0x2000_1400,
            heap_size: heap,
        }
    }

    #[test]
    fn host_map_is_contiguous() {
        let m = MemoryMap::host(4 << 20);
        assert_eq!(m.validate(), Ok(()));
        assert_eq!(m.shadow_base, 0x2010_0000);
        assert_eq!(m.heap_base, 0x2014_0000);
        assert_eq!(m.arena_size(), (1 << 20) + (256 << 10) + (4 << 20));
    }

    #[test]
    fn esp32_map_fits_the_psram_window() {
        use crate::abi::esp32::{ARENA_BASE, ARENA_SIZE, MAX_HEAP_SIZE};
        let m = MemoryMap::esp32(MAX_HEAP_SIZE);
        assert_eq!(m.validate(), Ok(()));
        assert_eq!(m.data_base, ARENA_BASE);
        assert_eq!(m.heap_end(), ARENA_BASE + ARENA_SIZE);
        assert!(m.in_code(0x4008_0200, 4) && !m.in_code(0x4008_01fc, 4));
    }

    #[test]
    fn accesses_are_range_checked() {
        let map = small_map(256);
        let mut mem = test_memory(map);
        let last = map.heap_end() - 4;
        mem.write_u32(last, 0xdead_beef).unwrap();
        assert_eq!(mem.read_u32(last), Ok(0xdead_beef));
        assert_eq!(mem.read_u8(last), Ok(0xef));
        assert!(matches!(
            mem.read_u32(last + 1),
            Err(MemError::OutOfRange { .. })
        ));
        assert!(mem.read_u32(map.data_base - 4).is_err());
        assert!(mem.read_u32(u32::MAX - 1).is_err());
        assert!(mem.write_bytes(map.data_base, &[1, 2, 3]).is_ok());
        mem.copy_within(map.data_base, map.data_base + 1, 3)
            .unwrap();
        assert_eq!(mem.bytes(map.data_base, 4), Ok(&[1, 1, 2, 3][..]));
    }

    #[test]
    fn bad_maps_are_rejected() {
        let mut m = small_map(256);
        m.shadow_base += 4;
        assert_eq!(m.validate(), Err(MemError::BadMap));
        let short = vec![0u8; 16].leak();
        assert!(matches!(
            Memory::from_static(short, small_map(256)),
            Err(MemError::BadMap)
        ));
    }
}
