//! `test(name, body)` for `bs test`: the host chooses what the `test` calls of a run do by
//! writing the global [`SELECTED_TEST`] before the run (its address is in
//! [`Image::globals`](crate::link::Image::globals)):
//! - 0 (as loaded, so a plain `bs run`): nothing;
//! - -1: every call sends its name to the host ([`device::abi::STREAM_TEST`]), which so
//!   learns the program's tests in the order it declares them;
//! - K > 0: the K-th call of the run runs its body; the others do nothing.
//!
//! Running each test in a run of its own, on a freshly loaded image, isolates the tests from
//! each other: a failure or a run-time error in one cannot affect the next.

use super::Lowerer;
use crate::hir::Expr;
use crate::types::Type;
use device::abi::Native;
use ir::{Cond, IntOp, Terminator, Ty};
use syntax::Span;

/// The global the host sets to select what `test` calls do (see the module).
pub const SELECTED_TEST: &str = "<selected test>";
/// The number of `test` calls the run has made so far.
const TEST_CALLS: &str = "<test calls>";

impl Lowerer {
    /// `test(name, body)`.
    pub(super) fn test_declaration(&mut self, name: &Expr, body: &Expr, span: Span) {
        let selected = self.load_global(SELECTED_TEST, &Type::Integer);
        let list_all = self.b.iconst(Ty::I32, -1);
        let (list, count, run, join) = (
            self.b.block(),
            self.b.block(),
            self.b.block(),
            self.b.block(),
        );
        self.b.terminate(Terminator::Branch {
            cond: Cond::Eq,
            a: selected,
            b: list_all,
            then: list,
            other: count,
        });
        self.b.switch_to(list);
        let name = self.value(name);
        self.b.native(Native::ListTest, vec![name], span);
        self.b.terminate(Terminator::Jump(join));
        self.b.switch_to(count);
        let calls = self.load_global(TEST_CALLS, &Type::Integer);
        let calls = self.int_imm(IntOp::Add, calls, 1, Ty::I32);
        self.store_global(TEST_CALLS, &Type::Integer, calls);
        self.b.terminate(Terminator::Branch {
            cond: Cond::Eq,
            a: calls,
            b: selected,
            then: run,
            other: join,
        });
        self.b.switch_to(run);
        let body = self.value(body);
        self.call_value(body, Vec::new(), None, span);
        self.b.jump_to(join);
    }
}
