//! Interrupting calls at no cost to them: when the host interrupts a run, the board points
//! every function-table slot at its entry of the `RaiseInterrupted` native, so that the next
//! call between BlueScript functions (generated code calls them all through the table in
//! development) raises "interrupted" at that call's return address, whose call site gives the
//! source location. The table comes back whole when the run ends. Generated code polls the
//! interrupt flag only at loop back-edges; an endless recursion meets a diverted slot instead.
//!
//! A patch committed while the table is diverted goes into the saved table, so that it is in
//! place after the run and the diverted table keeps raising.

/// A board's function table as [`Diversion`] sees it: slot entries as the board stores them
/// (host code addresses, or Xtensa code addresses).
pub trait SlotTable {
    /// The number of slots.
    fn slots(&self) -> u32;
    /// The entry of `slot`.
    fn read(&mut self, slot: u32) -> u64;
    /// Sets the entry of `slot`.
    fn write(&mut self, slot: u32, entry: u64);
}

/// The saved function table of a diverted run, if the run was interrupted.
#[derive(Debug, Default)]
pub struct Diversion {
    saved: Option<Vec<u64>>,
}

impl Diversion {
    /// Whether the table is diverted now.
    pub fn is_diverted(&self) -> bool {
        self.saved.is_some()
    }

    /// Saves `table` and points every slot at `raise` (once: a second interrupt changes
    /// nothing).
    pub fn divert(&mut self, table: &mut impl SlotTable, raise: u64) {
        if self.saved.is_some() {
            return;
        }
        let saved = (0..table.slots()).map(|s| table.read(s)).collect();
        self.saved = Some(saved);
        for slot in 0..table.slots() {
            table.write(slot, raise);
        }
    }

    /// Puts the saved table back, if the table is diverted.
    pub fn restore(&mut self, table: &mut impl SlotTable) {
        if let Some(saved) = self.saved.take() {
            for (slot, entry) in (0..).zip(saved) {
                table.write(slot, entry);
            }
        }
    }

    /// Sets `slot` to `entry` for a committed patch: in `table`, or in the saved table while
    /// diverted. `slot` is below `table.slots()` (the caller checked).
    pub fn set(&mut self, table: &mut impl SlotTable, slot: u32, entry: u64) {
        match &mut self.saved {
            Some(saved) => saved[slot as usize] = entry,
            None => table.write(slot, entry),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Table(Vec<u64>);

    impl SlotTable for Table {
        fn slots(&self) -> u32 {
            self.0.len() as u32
        }
        fn read(&mut self, slot: u32) -> u64 {
            self.0[slot as usize]
        }
        fn write(&mut self, slot: u32, entry: u64) {
            self.0[slot as usize] = entry;
        }
    }

    #[test]
    fn a_diverted_table_raises_everywhere_and_comes_back_whole() {
        let mut t = Table(vec![10, 20, 30]);
        let mut d = Diversion::default();
        d.divert(&mut t, 99);
        assert!(d.is_diverted());
        assert_eq!(t.0, [99, 99, 99]);
        // A second interrupt must not save the diverted table over the real one.
        d.divert(&mut t, 99);
        d.restore(&mut t);
        assert!(!d.is_diverted());
        assert_eq!(t.0, [10, 20, 30]);
        d.restore(&mut t);
        assert_eq!(t.0, [10, 20, 30]);
    }

    #[test]
    fn a_patch_committed_while_diverted_lands_after_the_run() {
        let mut t = Table(vec![10, 20]);
        let mut d = Diversion::default();
        d.set(&mut t, 0, 11);
        assert_eq!(t.0, [11, 20]);
        d.divert(&mut t, 99);
        d.set(&mut t, 1, 21);
        assert_eq!(t.0, [99, 99], "the diverted table keeps raising");
        d.restore(&mut t);
        assert_eq!(t.0, [11, 21]);
    }
}
