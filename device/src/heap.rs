//! The heap: allocation of objects in the heap part of the arena, object headers, the sweep
//! that rebuilds the free list after marking, and heap statistics.
//!
//! # Header word
//! `kind` in bits 0..8 (the `abi::KIND_*` values, or [`KIND_FREE`] for a free block), the mark
//! bit in bit 8, and the block size in 4-byte words in bits 9..32 (so a block is at most
//! [`MAX_BLOCK_SIZE`] bytes). Every block, live or free, starts with such a header, so the heap
//! can be walked from its first to its last byte. Objects are 4-byte aligned and at least
//! [`MIN_BLOCK_SIZE`] bytes long.
//!
//! # Allocation
//! Allocation bumps a pointer through the current *chunk* (a free block); when the request does
//! not fit, the rest of the chunk is retired (turned into a free block, listed if big enough) and
//! the next chunk is taken first-fit from the free list, which the sweep rebuilds in address
//! order, merging neighbouring free blocks.

use crate::abi;
use crate::memory::{MemError, Memory, MemoryMap};

/// Kind of a free block (runtime-internal; never a live object).
pub const KIND_FREE: u32 = 0;
/// The mark bit of a header.
pub const MARK_BIT: u32 = 1 << 8;
/// Shift of the size field (in words) in a header.
const SIZE_SHIFT: u32 = 9;
/// The largest block, in bytes.
pub const MAX_BLOCK_SIZE: u32 = (u32::MAX >> SIZE_SHIFT) * 4;
/// What [`Heap::sweep`] writes over freed objects when asked to: a word that is neither a
/// heap address nor a plausible length.
pub const POISON: u32 = 0xA5A5_A5A5;
/// The smallest block, in bytes (a header and one more word, which links free blocks).
pub const MIN_BLOCK_SIZE: u32 = 8;
/// Free blocks smaller than this are not listed; the next sweep merges them with neighbours.
const MIN_LISTED: u32 = 16;

/// The header word of a block of `kind` that is `size` bytes long (a multiple of 4).
pub const fn header(kind: u32, size: u32) -> u32 {
    (kind & abi::KIND_MASK) | ((size / 4) << SIZE_SHIFT)
}

/// The kind of a header.
pub const fn header_kind(h: u32) -> u32 {
    h & abi::KIND_MASK
}

/// The block size in bytes of a header.
pub const fn header_size(h: u32) -> u32 {
    (h >> SIZE_SHIFT) * 4
}

/// Heap statistics, as reported to the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HeapStats {
    /// Size of the heap in bytes.
    pub heap_size: u32,
    /// Bytes in blocks allocated since start or live at the last collection (headers and
    /// rounding to 4 bytes included). Right after a collection: exactly the live bytes.
    pub in_use: u32,
    /// `heap_size - in_use`.
    pub free: u32,
    /// Objects allocated since the last collection plus those that survived it. Right after
    /// a collection: exactly the live objects.
    pub live_objects: u32,
    /// Number of collections so far.
    pub collections: u32,
    /// The highest `in_use` seen.
    pub peak: u32,
}

/// The allocator state. The heap's memory itself lives in the [`Memory`] arena.
pub struct Heap {
    base: u32,
    end: u32,
    bump: u32,
    limit: u32,
    free_head: u32,
    in_use: u32,
    live_objects: u32,
    collections: u32,
    peak: u32,
}

impl Heap {
    /// An empty heap over the heap region of `mem`'s map.
    pub fn new(mem: &mut Memory) -> Result<Heap, MemError> {
        let map: MemoryMap = *mem.map();
        let mut heap = Heap {
            base: map.heap_base,
            end: map.heap_end(),
            bump: 0,
            limit: 0,
            free_head: 0,
            in_use: 0,
            live_objects: 0,
            collections: 0,
            peak: 0,
        };
        heap.reset(mem)?;
        Ok(heap)
    }

    /// Frees every object (statistics other than the collection count are reset too).
    pub fn reset(&mut self, mem: &mut Memory) -> Result<(), MemError> {
        self.bump = 0;
        self.limit = 0;
        self.free_head = 0;
        self.in_use = 0;
        self.live_objects = 0;
        self.peak = 0;
        let mut tail = 0;
        self.emit_free(mem, self.base, self.end - self.base, &mut tail)
    }

    /// Whether `addr` lies in the heap.
    pub fn contains(&self, addr: u32) -> bool {
        addr >= self.base && addr < self.end
    }

    /// The first and one-past-the-last heap addresses.
    pub fn bounds(&self) -> (u32, u32) {
        (self.base, self.end)
    }

    /// The current statistics.
    pub fn stats(&self) -> HeapStats {
        let heap_size = self.end - self.base;
        HeapStats {
            heap_size,
            in_use: self.in_use,
            free: heap_size - self.in_use,
            live_objects: self.live_objects,
            collections: self.collections,
            peak: self.peak,
        }
    }

    /// Allocates a zeroed object of `kind` with `size` bytes (header included); `None` when no
    /// free block is large enough. Never collects.
    pub fn alloc(&mut self, mem: &mut Memory, kind: u32, size: u32) -> Option<u32> {
        let size = size.max(MIN_BLOCK_SIZE).checked_add(3)? & !3;
        if size > MAX_BLOCK_SIZE {
            return None;
        }
        while self.limit - self.bump < size {
            if !self.refill(mem, size) {
                return None;
            }
        }
        let addr = self.bump;
        self.bump += size;
        mem.write_u32(addr, header(kind, size)).ok()?;
        mem.fill(addr + 4, size - 4, 0).ok()?;
        self.in_use += size;
        self.live_objects += 1;
        self.peak = self.peak.max(self.in_use);
        Some(addr)
    }

    /// Retires the current chunk and takes the first listed free block of at least `size`
    /// bytes as the new chunk.
    fn refill(&mut self, mem: &mut Memory, size: u32) -> bool {
        if self.retire_chunk(mem).is_err() {
            return false;
        }
        let mut prev = 0;
        let mut cur = self.free_head;
        while cur != 0 {
            let (Ok(h), Ok(next)) = (mem.read_u32(cur), mem.read_u32(cur + 4)) else {
                return false;
            };
            let block = header_size(h);
            if block >= size {
                let unlinked = if prev == 0 {
                    self.free_head = next;
                    Ok(())
                } else {
                    mem.write_u32(prev + 4, next)
                };
                self.bump = cur;
                self.limit = cur + block;
                return unlinked.is_ok();
            }
            prev = cur;
            cur = next;
        }
        false
    }

    /// Turns the unused rest of the current chunk into a free block (listing it if it is big
    /// enough), leaving no current chunk.
    fn retire_chunk(&mut self, mem: &mut Memory) -> Result<(), MemError> {
        let rest = self.limit - self.bump;
        if rest > 0 {
            mem.write_u32(self.bump, header(KIND_FREE, rest))?;
            if rest >= MIN_LISTED {
                mem.write_u32(self.bump + 4, self.free_head)?;
                self.free_head = self.bump;
            }
        }
        self.bump = 0;
        self.limit = 0;
        Ok(())
    }

    /// Writes free blocks covering `len` bytes at `addr`, appending the listable ones to the
    /// free list after `*tail` (0: the list is empty so far).
    fn emit_free(
        &mut self,
        mem: &mut Memory,
        mut addr: u32,
        mut len: u32,
        tail: &mut u32,
    ) -> Result<(), MemError> {
        while len > 0 {
            let piece = len.min(MAX_BLOCK_SIZE & !3);
            mem.write_u32(addr, header(KIND_FREE, piece))?;
            if piece >= MIN_LISTED {
                mem.write_u32(addr + 4, 0)?;
                if *tail == 0 {
                    self.free_head = addr;
                } else {
                    mem.write_u32(*tail + 4, addr)?;
                }
                *tail = addr;
            }
            addr += piece;
            len -= piece;
        }
        Ok(())
    }

    /// Prepares for marking: makes the whole heap walkable (retires the current chunk).
    pub(crate) fn begin_collection(&mut self, mem: &mut Memory) -> Result<(), MemError> {
        self.retire_chunk(mem)
    }

    /// Frees every unmarked object, clears the marks, merges neighbouring free blocks into a
    /// new address-ordered free list and recomputes the statistics.
    ///
    /// A block whose header has a size of zero or running past the heap end means the heap was
    /// overwritten; the walk stops there and the rest of the heap stays unavailable.
    /// With `poison`, the bytes of every object freed now are overwritten with
    /// [`POISON`], so that code reading an object the collector freed (a missing GC root) reads
    /// garbage at once instead of stale values that look right.
    pub(crate) fn sweep(&mut self, mem: &mut Memory, poison: bool) -> Result<(), MemError> {
        self.free_head = 0;
        self.in_use = 0;
        self.live_objects = 0;
        self.collections += 1;
        let mut tail = 0;
        let mut run_start = 0;
        let mut run_len = 0;
        let mut addr = self.base;
        while addr < self.end {
            let h = mem.read_u32(addr)?;
            let size = header_size(h);
            if size == 0 || size > self.end - addr {
                self.in_use += self.end - addr;
                break;
            }
            if header_kind(h) != KIND_FREE && h & MARK_BIT != 0 {
                mem.write_u32(addr, h & !MARK_BIT)?;
                self.in_use += size;
                self.live_objects += 1;
                self.emit_free(mem, run_start, run_len, &mut tail)?;
                run_len = 0;
            } else {
                if poison && header_kind(h) != KIND_FREE {
                    for word in (addr + 4..addr + size).step_by(4) {
                        mem.write_u32(word, POISON)?;
                    }
                }
                if run_len == 0 {
                    run_start = addr;
                }
                run_len += size;
            }
            addr += size;
        }
        self.emit_free(mem, run_start, run_len, &mut tail)?;
        self.peak = self.peak.max(self.in_use);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::tests::{small_map, test_memory};

    #[test]
    fn header_round_trips() {
        let h = header(abi::KIND_ARRAY, 24);
        assert_eq!(header_kind(h), abi::KIND_ARRAY);
        assert_eq!(header_size(h), 24);
        assert_eq!(h & MARK_BIT, 0);
    }

    #[test]
    fn allocates_aligned_zeroed_objects_until_full() {
        let mut mem = test_memory(small_map(256));
        let mut heap = Heap::new(&mut mem).unwrap();
        let a = heap.alloc(&mut mem, abi::KIND_STRING, 13).unwrap();
        assert_eq!(a % 4, 0);
        assert_eq!(header_size(mem.read_u32(a).unwrap()), 16);
        assert_eq!(mem.read_u32(a + 12), Ok(0));
        let mut count = 1;
        while heap.alloc(&mut mem, abi::KIND_BOXED_INT, 8).is_some() {
            count += 1;
        }
        assert_eq!(count, 1 + (256 - 16) / 8);
        let s = heap.stats();
        assert_eq!(
            (s.in_use, s.free, s.live_objects, s.peak),
            (256, 0, count, 256)
        );
    }

    #[test]
    fn sweep_frees_unmarked_and_merges_neighbours() {
        let mut mem = test_memory(small_map(256));
        let mut heap = Heap::new(&mut mem).unwrap();
        let objs: Vec<u32> = (0..8)
            .map(|_| heap.alloc(&mut mem, abi::KIND_BOXED_INT, 32).unwrap())
            .collect();
        assert!(heap.alloc(&mut mem, abi::KIND_BOXED_INT, 8).is_none());
        // Keep objects 0 and 7: the six in between become one 192-byte hole.
        for &o in [objs[0], objs[7]].iter() {
            let h = mem.read_u32(o).unwrap();
            mem.write_u32(o, h | MARK_BIT).unwrap();
        }
        heap.begin_collection(&mut mem).unwrap();
        heap.sweep(&mut mem, false).unwrap();
        let s = heap.stats();
        assert_eq!((s.in_use, s.live_objects, s.collections), (64, 2, 1));
        assert_eq!(mem.read_u32(objs[0]).unwrap() & MARK_BIT, 0);
        let big = heap.alloc(&mut mem, abi::KIND_STRING, 192).unwrap();
        assert_eq!(big, objs[1]);
    }

    #[test]
    fn oversized_requests_fail_cleanly() {
        let mut mem = test_memory(small_map(256));
        let mut heap = Heap::new(&mut mem).unwrap();
        assert!(heap.alloc(&mut mem, abi::KIND_STRING, 257).is_none());
        assert!(heap.alloc(&mut mem, abi::KIND_STRING, u32::MAX).is_none());
        assert!(heap.alloc(&mut mem, abi::KIND_STRING, 256).is_some());
    }
}
