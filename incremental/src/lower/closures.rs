//! Lowering closures and cells: the prologue of an arrow function's body (its captured words and
//! cell parameters), creating closures and static closures, calling function values, and the
//! per-iteration cells of `for (let …)` loops.
//!
//! Calling convention of a function value: the typed entry (`FUNC_SLOT`) and the `any` adapter
//! (`FUNC_ADAPTER`) take the closure as an extra *last* argument. A top-level function ignores
//! it, so its static closure's typed entry is the function itself.

use super::{Lowerer, ir_ty};
use crate::check::items::adapter_name;
use crate::hir::{Body, LocalId};
use crate::types::Type;
use device::abi::{self, Native};
use ir::{Callee, DataSymbol, FunctionDescriptor, Inst, Ty, Var};
use syntax::Span;

impl Lowerer {
    /// The IR params of `body`, after moving cell parameters into their cells and loading the
    /// captured words of an arrow function's closure (its extra last parameter).
    pub(super) fn prologue(&mut self, body: &Body) -> Vec<Var> {
        let mut params = Vec::new();
        for p in &body.params {
            let ty = self.types[p.0 as usize].clone();
            if self.cells[p.0 as usize] {
                let incoming = self.b.var(ir_ty(&ty));
                params.push(incoming);
                self.init_cell(*p, incoming, body.span);
            } else {
                params.push(self.locals[p.0 as usize]);
            }
        }
        if let Some(captures) = &body.captures {
            let closure = self.b.var(Ty::Ref);
            params.push(closure);
            for (i, c) in captures.iter().enumerate() {
                let dst = self.locals[c.0 as usize];
                let word = self.b.load(self.b.ty(dst), closure, capture_offset(i));
                self.b.emit(Inst::Copy { dst, src: word });
            }
        }
        params
    }

    /// Gives cell local `id` a new cell holding `value`.
    pub(super) fn init_cell(&mut self, id: LocalId, value: Var, span: Span) {
        let traced = ir_ty(&self.types[id.0 as usize]).is_traced();
        let traced = self.b.iconst(Ty::I32, traced as i32);
        let cell = self.b.native_value(Native::NewCell, vec![traced], span);
        let cell = self.b.retype(cell, Ty::Ref);
        self.b.store(value, cell, abi::CELL_VALUE);
        let dst = self.locals[id.0 as usize];
        self.b.emit(Inst::Copy { dst, src: cell });
    }

    /// Gives each cell local of `fresh` a new cell with the current value (the next iteration
    /// of a `for (let …)` loop gets its own variables).
    pub(super) fn refresh_cells(&mut self, fresh: &[LocalId], span: Span) {
        for id in fresh {
            if !self.cells[id.0 as usize] {
                continue;
            }
            let ty = ir_ty(&self.types[id.0 as usize]);
            let value = self.b.load(ty, self.locals[id.0 as usize], abi::CELL_VALUE);
            self.init_cell(*id, value, span);
        }
    }

    /// A new closure of arrow function `function` (of function type `ty`) capturing the
    /// locals `captures` (a cell local as its cell).
    pub(super) fn arrow_closure(
        &mut self,
        function: &str,
        captures: &[LocalId],
        ty: &Type,
        span: Span,
    ) -> Var {
        let words = captures
            .iter()
            .map(|c| {
                let traced =
                    self.cells[c.0 as usize] || ir_ty(&self.types[c.0 as usize]).is_traced();
                (self.locals[c.0 as usize], traced)
            })
            .collect();
        self.closure(function, ty, words, span)
    }

    /// A new closure of `function` (of function type `ty`) capturing `words` (each with
    /// whether it is traced).
    pub(super) fn closure(
        &mut self,
        function: &str,
        ty: &Type,
        words: Vec<(Var, bool)>,
        span: Span,
    ) -> Var {
        let traced = words.iter().map(|(_, t)| *t).collect();
        let desc = self.b.sym_addr(DataSymbol::FunctionDescriptor(descriptor(
            function, ty, traced,
        )));
        let closure = self.b.native_value(Native::NewClosure, vec![desc], span);
        let closure = self.b.retype(closure, Ty::Ref);
        for (i, (word, _)) in words.into_iter().enumerate() {
            self.b.store(word, closure, capture_offset(i));
        }
        closure
    }

    /// Top-level function `name` (of function type `ty`) as a value: its static closure.
    pub(super) fn function_value(&mut self, name: &str, ty: &Type) -> Var {
        let sym = DataSymbol::StaticClosure(descriptor(name, ty, Vec::new()));
        let a = self.b.sym_addr(sym);
        self.b.retype(a, Ty::Ref)
    }

    /// Calls closure `f` with typed `args` through its descriptor's typed entry.
    pub(super) fn call_value(
        &mut self,
        f: Var,
        mut args: Vec<Var>,
        ret: Option<Ty>,
        span: Span,
    ) -> Option<Var> {
        let desc = self.b.load(Ty::I32, f, abi::CLOSURE_FUNCTION);
        let slot = self.b.load(Ty::I32, desc, abi::FUNC_SLOT);
        args.push(f);
        self.call(Callee::Dynamic(slot), args, ret, span)
    }
}

/// The byte offset of capture word `i` in a closure.
fn capture_offset(i: usize) -> i32 {
    abi::CLOSURE_CAPTURES + 4 * i as i32
}

/// The descriptor of function `entry` of function type `ty` whose closures capture words traced
/// as `captures` says.
fn descriptor(entry: &str, ty: &Type, captures: Vec<bool>) -> FunctionDescriptor {
    // A closure converted to a nullable function type is still a function of the inner type.
    let ty = &ty.non_null();
    let arity = match ty {
        Type::Function(f) => f.params.len() as u32,
        _ => 0,
    };
    FunctionDescriptor {
        type_name: ty.to_string(),
        arity,
        entry: entry.to_string(),
        adapter: adapter_name(entry),
        captures,
    }
}
