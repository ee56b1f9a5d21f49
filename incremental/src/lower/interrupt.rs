//! Interrupt polls: the running program checks the board's interrupt flag at every loop
//! back-edge. A poll is a volatile load of [`ir::DataSymbol::InterruptFlag`], a compare with
//! zero and a rarely taken branch to a raise of `RaiseInterrupted`, attributed to the loop.
//!
//! A run that never ends either goes round a loop or makes ever more calls. Calls need no
//! poll: when the host interrupts a run, the board points every function-table slot at its
//! `RaiseInterrupted` entry (`device::divert`), and every call between BlueScript functions
//! goes through the table in development. Release images call directly, so their linker keeps
//! the calls that can recurse going through the table.

use super::Lowerer;
use device::abi::Native;
use ir::{Cond, DataSymbol, Terminator, Ty};
use syntax::Span;

impl Lowerer {
    /// A poll here, attributed to `span` (loop back-edges). The flag's address and load come
    /// last before the branch, which backends fuse into one compare of the word in memory.
    pub(super) fn poll_interrupt(&mut self, span: Span) {
        let zero = self.b.iconst(Ty::I32, 0);
        let flag = self.b.sym_addr(DataSymbol::InterruptFlag);
        let set = self.b.load(Ty::I32, flag, 0);
        let (stop, go) = (self.b.block(), self.b.block());
        self.b.terminate(Terminator::Branch {
            cond: Cond::Ne,
            a: set,
            b: zero,
            then: stop,
            other: go,
        });
        self.b.switch_to(stop);
        self.b.raise(Native::RaiseInterrupted, vec![], span);
        self.b.switch_to(go);
    }
}
