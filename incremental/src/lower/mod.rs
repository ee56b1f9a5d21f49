//! Lowering: a checked body ([`crate::hir`]) becomes an [`ir::Function`].
//!
//! Everything that is language semantics rather than machine detail is expanded here, once for
//! every backend: object layouts (`device::abi`), bounds and zero-divisor checks, the boxing and
//! unboxing fast paths of `any`, truthiness, and short-circuit control flow.

mod builder;
mod closures;
mod expr;
mod interrupt;
mod objects;
pub mod testing;
mod value;

use crate::hir::{self, Body};
use crate::types::Type;
use builder::Builder;
use ir::{BlockId, Ty, Var};
use syntax::Span;

/// Lowers one checked body. `file` numbers the source file for run-time error locations.
pub fn lower(body: &Body, file: u32) -> ir::Function {
    let mut cells = vec![false; body.locals.len()];
    for c in &body.cells {
        cells[c.0 as usize] = true;
    }
    let mut l = Lowerer {
        b: Builder::new(&body.name, file),
        locals: Vec::new(),
        types: body.locals.clone(),
        cells,
        loops: Vec::new(),
        span: body.span,
    };
    // Location 0 is the function itself: backends attribute entry checks (stack overflow) to it.
    l.b.loc(body.span);
    for (ty, cell) in body.locals.iter().zip(&l.cells) {
        let v = l.b.var(if *cell { Ty::Ref } else { ir_ty(ty) });
        l.locals.push(v);
    }
    let params = l.prologue(body);
    l.stmts(&body.stmts);
    l.b.finish(params, body.ret.ir_ty())
}

/// The IR type of values of a (non-void) type.
fn ir_ty(t: &Type) -> Ty {
    t.ir_ty().unwrap_or(Ty::Any)
}

/// What a loop runs after its body and on `continue`.
struct LoopStep<'a> {
    /// The step expression of a `for`.
    step: Option<&'a hir::Expr>,
    /// The `for (let …)` locals that get fresh cells before the step.
    fresh: &'a [hir::LocalId],
}

struct Lowerer {
    b: Builder,
    /// The var of each local, by `LocalId` (for a cell local, the var holds its cell).
    locals: Vec<Var>,
    /// The type of each local.
    types: Vec<Type>,
    /// Whether each local lives in a cell.
    cells: Vec<bool>,
    /// `(continue target, break target)` of the enclosing loops, innermost last.
    loops: Vec<(BlockId, BlockId)>,
    /// The body's span (a loop without condition or step reports an interrupt there).
    span: Span,
}

impl Lowerer {
    fn stmts(&mut self, stmts: &[hir::Stmt]) {
        for s in stmts {
            self.stmt(s);
        }
    }

    fn stmt(&mut self, s: &hir::Stmt) {
        match s {
            hir::Stmt::Expr(e) => {
                self.expr(e);
            }
            hir::Stmt::InitLocal(id, e) => {
                let v = self.value(e);
                if self.cells[id.0 as usize] {
                    self.init_cell(*id, v, e.span);
                } else {
                    let dst = self.locals[id.0 as usize];
                    self.b.emit(ir::Inst::Copy { dst, src: v });
                }
            }
            hir::Stmt::InitGlobal(name, e) => {
                let v = self.value(e);
                self.store_global(name, &e.ty, v);
            }
            hir::Stmt::If(cond, then, other) => {
                let (bt, join) = (self.b.block(), self.b.block());
                let bf = if other.is_empty() {
                    join
                } else {
                    self.b.block()
                };
                self.branch(cond, bt, bf);
                self.b.switch_to(bt);
                self.stmts(then);
                self.b.terminate(ir::Terminator::Jump(join));
                if !other.is_empty() {
                    self.b.switch_to(bf);
                    self.stmts(other);
                    self.b.terminate(ir::Terminator::Jump(join));
                }
                self.b.switch_to(join);
            }
            hir::Stmt::Loop {
                cond,
                body,
                step,
                test_first,
                fresh,
            } => self.loop_stmt(
                cond.as_ref(),
                body,
                LoopStep {
                    step: step.as_ref(),
                    fresh,
                },
                *test_first,
            ),
            hir::Stmt::Break => {
                let (_, brk) = *self
                    .loops
                    .last()
                    .expect("the checker rejects `break` outside loops");
                self.b.terminate(ir::Terminator::Jump(brk));
            }
            hir::Stmt::Continue => {
                let (cont, _) = *self
                    .loops
                    .last()
                    .expect("the checker rejects `continue` outside loops");
                self.b.terminate(ir::Terminator::Jump(cont));
            }
            hir::Stmt::Return(v) => {
                let v = v.as_ref().map(|e| self.value(e));
                self.b.terminate(ir::Terminator::Return(v));
            }
            hir::Stmt::Block(stmts) => self.stmts(stmts),
        }
    }

    fn loop_stmt(
        &mut self,
        cond: Option<&hir::Expr>,
        body: &[hir::Stmt],
        step: LoopStep,
        test_first: bool,
    ) {
        let (head, body_b, cont, exit) = (
            self.b.block(),
            self.b.block(),
            self.b.block(),
            self.b.block(),
        );
        self.b.jump_to(if test_first { head } else { body_b });
        self.b.switch_to(head);
        match cond {
            Some(c) => self.branch(c, body_b, exit),
            None => self.b.terminate(ir::Terminator::Jump(body_b)),
        }
        self.b.switch_to(body_b);
        self.loops.push((cont, exit));
        self.stmts(body);
        self.loops.pop();
        self.b.jump_to(cont);
        if let Some(e) = step.step {
            self.refresh_cells(step.fresh, e.span);
            self.expr(e);
        }
        // Every back-edge passes here (`continue` jumps to `cont`).
        let span = cond.or(step.step).map(|e| e.span);
        self.poll_interrupt(span.unwrap_or(self.span));
        self.b.terminate(ir::Terminator::Jump(head));
        self.b.switch_to(exit);
    }
}
