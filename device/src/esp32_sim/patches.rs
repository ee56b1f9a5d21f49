//! Patches sent while a program runs on the `esp32-sim` board. Only the simulator's thread
//! touches the simulated memory, so the thread that reads requests checks each patch message
//! and queues it here; the simulator's thread applies the queue between two slices of
//! simulated instructions, after a native call, and when the run ends
//! ([`Port::run_ended`](crate::device::Port::run_ended)), all of it at once: the program
//! never runs with half of a patch. A function running at that moment finishes in its old
//! version; its next call through the table runs the new one.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::device::LoadError;
use crate::memory::MemoryMap;
use crate::patch::{Staged, check_load, check_swap};

/// A checked patch message, waiting for the simulator's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Copy `bytes` to `addr` (code or data nothing refers to yet).
    Load {
        /// Where.
        addr: u32,
        /// What.
        bytes: Vec<u8>,
    },
    /// A committed patch's slot swaps: (slot, code address or 0).
    Swaps(Vec<(u32, u32)>),
}

/// The patch messages received during a run and not applied yet.
pub struct Patches {
    map: MemoryMap,
    slots: u32,
    /// Whether `queue` holds any operation (so that the simulator's thread looks cheaply).
    pending: AtomicBool,
    queue: Mutex<Queue>,
}

#[derive(Default)]
struct Queue {
    staged: Box<Staged>,
    ops: Vec<Op>,
}

impl Patches {
    /// An empty queue for a board with memory map `map` and `slots` function slots.
    pub fn new(map: MemoryMap, slots: u32) -> Patches {
        Patches {
            map,
            slots,
            pending: AtomicBool::new(false),
            queue: Mutex::default(),
        }
    }

    fn queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, q: &mut Queue, op: Op) {
        q.ops.push(op);
        self.pending.store(true, Ordering::SeqCst);
    }

    /// Queues a load of `bytes` at `addr` (inside the code or data region).
    pub fn load(&self, addr: u32, bytes: &[u8]) -> Result<(), LoadError> {
        check_load(&self.map, addr, bytes.len() as u32)?;
        let mut q = self.queue();
        let op = Op::Load {
            addr,
            bytes: bytes.to_vec(),
        };
        self.push(&mut q, op);
        Ok(())
    }

    /// Stages a slot swap for the next commit.
    pub fn stage_slot(&self, slot: u32, addr: u32) -> Result<(), LoadError> {
        check_swap(&self.map, self.slots, slot, addr)?;
        let mut q = self.queue();
        q.staged.stage(slot, addr).map_err(LoadError::Patch)
    }

    /// Queues the staged swaps if there are `count` of them (otherwise the patch is void).
    pub fn commit(&self, count: u32) -> Result<(), LoadError> {
        let mut q = self.queue();
        let swaps = q.staged.take(count).map_err(LoadError::Patch)?.to_vec();
        self.push(&mut q, Op::Swaps(swaps));
        Ok(())
    }

    /// Takes every queued operation, in the order received (nothing when none is queued).
    pub fn take(&self) -> Vec<Op> {
        if !self.pending.load(Ordering::SeqCst) {
            return Vec::new();
        }
        let mut q = self.queue();
        self.pending.store(false, Ordering::SeqCst);
        std::mem::take(&mut q.ops)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemError;
    use crate::patch::PatchError;

    fn patches() -> Patches {
        Patches::new(MemoryMap::esp32(64 << 10), 8)
    }

    #[test]
    fn checked_messages_queue_in_order_until_taken() {
        let p = patches();
        let map = MemoryMap::esp32(64 << 10);
        assert_eq!(p.take(), []);
        p.load(map.code_base, &[1, 2, 3, 4]).unwrap();
        p.load(map.data_base, &[5]).unwrap();
        p.stage_slot(3, map.code_base).unwrap();
        p.stage_slot(4, 0).unwrap();
        p.commit(2).unwrap();
        assert_eq!(
            p.take(),
            [
                Op::Load {
                    addr: map.code_base,
                    bytes: vec![1, 2, 3, 4]
                },
                Op::Load {
                    addr: map.data_base,
                    bytes: vec![5]
                },
                Op::Swaps(vec![(3, map.code_base), (4, 0)]),
            ]
        );
        assert_eq!(p.take(), []);
    }

    #[test]
    fn bad_messages_are_refused_and_an_incomplete_patch_queues_nothing() {
        let p = patches();
        let map = MemoryMap::esp32(64 << 10);
        assert_eq!(
            p.load(0x1000, &[0; 4]),
            Err(LoadError::Memory(MemError::OutOfRange {
                addr: 0x1000,
                len: 4
            }))
        );
        assert_eq!(
            p.stage_slot(8, map.code_base),
            Err(LoadError::BadSlot { slot: 8, slots: 8 })
        );
        p.stage_slot(1, map.code_base).unwrap();
        assert_eq!(
            p.commit(2),
            Err(LoadError::Patch(PatchError::Incomplete {
                staged: 1,
                expected: 2
            }))
        );
        assert_eq!(p.take(), []);
    }
}
