//! Staged patches: function-table swaps that a host sends one by one ([`HostMessage::StageSlot`])
//! and the device applies all at once ([`HostMessage::Commit`]), inside a critical section, so
//! that no program ever runs with half of a patch. A commit applies the staged swaps only when
//! their number is the one the host sent; a swap lost to a corrupt frame makes the whole patch
//! void and the old program keeps running. Either way the staging area is emptied.
//!
//! The code and data a patch brings are loaded with plain `Load`s beforehand: they go to
//! addresses nothing refers to until the swaps are committed.
//!
//! [`HostMessage::StageSlot`]: crate::protocol::message::HostMessage::StageSlot
//! [`HostMessage::Commit`]: crate::protocol::message::HostMessage::Commit

use core::fmt;

use crate::device::LoadError;
use crate::memory::{MemError, MemoryMap};

/// Checks a load sent while a program runs: `len` bytes at `addr` must lie inside the code
/// region or inside the data region of `map`.
pub fn check_load(map: &MemoryMap, addr: u32, len: u32) -> Result<(), LoadError> {
    if map.in_code(addr, len) || map.in_data(addr, len) {
        Ok(())
    } else {
        Err(MemError::OutOfRange { addr, len }.into())
    }
}

/// Checks a slot swap: `slot` must be one of the board's `slots`, and `addr` a code address
/// (or 0, back to "not loaded").
pub fn check_swap(map: &MemoryMap, slots: u32, slot: u32, addr: u32) -> Result<(), LoadError> {
    if slot >= slots {
        return Err(LoadError::BadSlot { slot, slots });
    }
    if addr != 0 && !map.in_code(addr, 1) {
        return Err(MemError::OutOfRange { addr, len: 1 }.into());
    }
    Ok(())
}

/// The most slot swaps one patch may stage.
pub const MAX_STAGED_SWAPS: usize = 1024;

/// Slot swaps waiting for their commit.
pub struct Staged {
    swaps: [(u32, u32); MAX_STAGED_SWAPS],
    len: usize,
}

/// Why a swap could not be staged or a patch not committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchError {
    /// More swaps than [`MAX_STAGED_SWAPS`].
    Full,
    /// The commit expected `expected` swaps but `staged` arrived: nothing was changed.
    Incomplete {
        /// Swaps staged.
        staged: u32,
        /// Swaps the host sent.
        expected: u32,
    },
}

impl fmt::Display for PatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatchError::Full => write!(f, "a patch stages at most {MAX_STAGED_SWAPS} slot swaps"),
            PatchError::Incomplete { staged, expected } => write!(
                f,
                "incomplete patch: {staged} of {expected} slot swaps arrived; nothing was changed"
            ),
        }
    }
}

impl Default for Staged {
    fn default() -> Self {
        Staged {
            swaps: [(0, 0); MAX_STAGED_SWAPS],
            len: 0,
        }
    }
}

impl Staged {
    /// Adds the swap of `slot` to code address `addr` (both already checked by the caller).
    pub fn stage(&mut self, slot: u32, addr: u32) -> Result<(), PatchError> {
        let entry = self.swaps.get_mut(self.len).ok_or(PatchError::Full)?;
        *entry = (slot, addr);
        self.len += 1;
        Ok(())
    }

    /// The staged swaps, if there are exactly `expected` of them; empties the staging area.
    pub fn take(&mut self, expected: u32) -> Result<&[(u32, u32)], PatchError> {
        let staged = core::mem::take(&mut self.len);
        if staged as u32 != expected {
            return Err(PatchError::Incomplete {
                staged: staged as u32,
                expected,
            });
        }
        Ok(&self.swaps[..staged])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_commit_takes_exactly_the_swaps_staged_and_empties_the_stage() {
        let mut s = Staged::default();
        s.stage(3, 0x4000_0010).unwrap();
        s.stage(4, 0x4000_0020).unwrap();
        assert_eq!(s.take(2).unwrap(), [(3, 0x4000_0010), (4, 0x4000_0020)]);
        assert_eq!(s.take(0).unwrap(), []);
    }

    #[test]
    fn a_missing_swap_voids_the_patch() {
        let mut s = Staged::default();
        s.stage(3, 0x4000_0010).unwrap();
        assert_eq!(
            s.take(2),
            Err(PatchError::Incomplete {
                staged: 1,
                expected: 2
            })
        );
        // The next patch starts from nothing.
        s.stage(5, 0x4000_0030).unwrap();
        assert_eq!(s.take(1).unwrap(), [(5, 0x4000_0030)]);
    }

    #[test]
    fn the_stage_has_a_bound() {
        let mut s = Staged::default();
        for i in 0..MAX_STAGED_SWAPS as u32 {
            s.stage(i, 0).unwrap();
        }
        assert_eq!(s.stage(0, 0), Err(PatchError::Full));
    }
}
