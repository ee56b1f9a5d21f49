//! Lowering expressions: arithmetic, comparisons, places, arrays, calls and built-ins.

use super::objects::MethodTarget;
use super::{Lowerer, ir_ty};
use crate::hir::{ArithOp, Builtin, CmpOp, Conversion, Domain, Expr, ExprKind, Place};
use crate::types::Type;
use device::abi::{self, Native};
use ir::{Cond, DataSymbol, FloatOp, Inst, IntOp, Terminator, Ty, UnOp, Var};
use syntax::Span;

impl Lowerer {
    /// Lowers an expression that has a value.
    pub(super) fn value(&mut self, e: &Expr) -> Var {
        match self.expr(e) {
            Some(v) => v,
            // Only `void` calls have no value, and the checker never uses them as values.
            None => self.b.iconst(Ty::Any, 0),
        }
    }

    /// Lowers an expression; `None` for `void` calls.
    pub(super) fn expr(&mut self, e: &Expr) -> Option<Var> {
        let span = e.span;
        let v = match &e.kind {
            ExprKind::Int(v) => self.b.iconst(ir_ty(&e.ty), *v),
            ExprKind::Float(bits) => self.b.fconst(f32::from_bits(*bits)),
            ExprKind::Str(bytes) => {
                let a = self.b.sym_addr(DataSymbol::Str(bytes.clone()));
                self.b.retype(a, Ty::Ref)
            }
            ExprKind::Undefined => self.b.iconst(ir_ty(&e.ty), 0),
            // A copy, so that a later assignment to the local does not change this value.
            ExprKind::Local(id) => {
                let place = self.local_place(*id);
                self.load(&place, &e.ty, span)
            }
            ExprKind::Global(name) => self.load_global(name, &e.ty),
            ExprKind::ArrayLit(items) => self.array_literal(&e.ty, items, span),
            ExprKind::NewArray(len, init) => {
                let desc = self.descriptor(&e.ty);
                let len = self.value(len);
                let init = self.value(init);
                let init = self.word(init);
                let a = self
                    .b
                    .native_value(Native::ArrayNew, vec![desc, len, init], span);
                self.b.retype(a, Ty::Ref)
            }
            ExprKind::Neg(domain, x) => {
                let x = self.value(x);
                match domain {
                    Domain::Int => self.unary(UnOp::Neg, x, Ty::I32),
                    Domain::Float => self.unary(UnOp::FNeg, x, Ty::F32),
                    _ => self.b.native_value(Native::AnyNeg, vec![x], span),
                }
            }
            ExprKind::BitNot(x) => {
                let x = self.value(x);
                self.unary(UnOp::Not, x, Ty::I32)
            }
            ExprKind::Not(_) | ExprKind::Logical(..) | ExprKind::Cmp(..) => self.boolean_value(e),
            ExprKind::Arith(op, domain, a, b) => {
                let a = self.value(a);
                let b = self.value(b);
                self.arith(*op, *domain, a, b, span)
            }
            ExprKind::Concat(a, b) => {
                let a = self.value(a);
                let b = self.value(b);
                self.b.native_value(Native::StringConcat, vec![a, b], span)
            }
            ExprKind::Cond(c, x, y) => {
                let result = self.b.var(ir_ty(&e.ty));
                let (bt, bf, join) = (self.b.block(), self.b.block(), self.b.block());
                self.branch(c, bt, bf);
                for (block, arm) in [(bt, x), (bf, y)] {
                    self.b.switch_to(block);
                    let v = self.value(arm);
                    self.b.copy_and_jump(result, v, join);
                }
                self.b.switch_to(join);
                result
            }
            ExprKind::Convert(Conversion::Downcast(to), x) => {
                let v = self.value(x);
                if matches!(x.ty, Type::Nullable(_)) && x.ty.non_null() == *to {
                    self.non_null_reference(v, to, span)
                } else {
                    let instance = matches!(x.ty.non_null(), Type::Class(_));
                    self.checked_reference(v, instance, to, span)
                }
            }
            ExprKind::Convert(c, x) => {
                let v = self.value(x);
                self.convert(c, v, span)
            }
            ExprKind::Assign(place, value) => {
                let place = self.place(place);
                let v = self.value(value);
                self.store(&place, &e.ty, v, span);
                v
            }
            ExprKind::Update {
                place,
                op,
                domain,
                value,
                postfix,
            } => {
                let place = self.place(place);
                let old = self.load(&place, &e.ty, span);
                let rhs = self.value(value);
                let new = match domain {
                    Domain::Str => self
                        .b
                        .native_value(Native::StringConcat, vec![old, rhs], span),
                    // A typed number updated with an `any`: box, compute, check back.
                    Domain::Any if e.ty != Type::Any => {
                        let boxed = self.convert(&Conversion::Box(e.ty.clone()), old, span);
                        let new = self.arith(*op, Domain::Any, boxed, rhs, span);
                        self.convert(&Conversion::Unbox(e.ty.clone()), new, span)
                    }
                    // An integer updated with a float: truncated back.
                    Domain::Float if e.ty.is_integer() => {
                        let wide = self.convert(&Conversion::IntToFloat, old, span);
                        let new = self.arith(*op, Domain::Float, wide, rhs, span);
                        self.convert(&Conversion::FloatToInt, new, span)
                    }
                    _ => self.arith(*op, *domain, old, rhs, span),
                };
                self.store(&place, &e.ty, new, span);
                if *postfix { old } else { new }
            }
            ExprKind::Call(name, args) => {
                let args: Vec<Var> = args.iter().map(|a| self.value(a)).collect();
                let callee = self.b.callee(name);
                return self.call(callee, args, e.ty.ir_ty(), span);
            }
            ExprKind::Builtin(b, args) => return self.builtin(*b, args, &e.ty, span),
            ExprKind::Index(arr, index) => {
                let place = self.index_place(arr, index);
                self.load(&place, &e.ty, span)
            }
            ExprKind::AnyIndex(obj, index) => {
                let (obj, index) = (self.value(obj), self.value(index));
                self.load(&LoweredPlace::AnyIndex(obj, index), &e.ty, span)
            }
            ExprKind::Length(x) => {
                let offset = if x.ty == Type::String {
                    abi::STRING_LEN
                } else {
                    abi::ARRAY_LEN
                };
                let x = self.value(x);
                self.b.load(Ty::I32, x, offset)
            }
            ExprKind::AnyLength(x) => {
                let x = self.value(x);
                self.any_length(x, span)
            }
            ExprKind::New {
                class,
                constructor,
                args,
            } => self.new_instance(class, constructor.as_deref(), args, span),
            ExprKind::Field(obj, index) => {
                let obj = self.value(obj);
                self.load(&LoweredPlace::Field(obj, *index), &e.ty, span)
            }
            ExprKind::AnyProperty(obj, name) => {
                let obj = self.value(obj);
                self.load(&LoweredPlace::AnyProperty(obj, name.clone()), &e.ty, span)
            }
            ExprKind::MethodCall {
                receiver,
                index,
                function,
                dispatch,
                args,
            } => {
                let r = self.value(receiver);
                let args = args.iter().map(|a| self.value(a)).collect();
                let target = MethodTarget {
                    index: *index,
                    function,
                    dispatch: *dispatch,
                };
                return self.method_call(r, target, args, e.ty.ir_ty(), span);
            }
            ExprKind::AnyMethodCall(receiver, name, args) => {
                let r = self.value(receiver);
                let args = args.iter().map(|a| self.value(a)).collect();
                self.any_method_call(r, name, args, span)
            }
            ExprKind::AnyCall(f, args) => {
                let f = self.value(f);
                let args = args.iter().map(|a| self.value(a)).collect();
                self.any_call(f, args, span)
            }
            ExprKind::IsString(x) => {
                let x = self.value(x);
                self.has_kind(x, abi::KIND_STRING)
            }
            ExprKind::IsArray(x) => {
                let x = self.value(x);
                self.has_kind(x, abi::KIND_ARRAY)
            }
            ExprKind::InstanceOf(x, class) => {
                let x = self.value(x);
                self.instance_of(x, class, span)
            }
            ExprKind::CallValue(f, args) => {
                let f = self.value(f);
                let args = args.iter().map(|a| self.value(a)).collect();
                return self.call_value(f, args, e.ty.ir_ty(), span);
            }
            ExprKind::Closure { function, captures } => {
                self.arrow_closure(function, captures, &e.ty, span)
            }
            ExprKind::Bridge { function, value } => {
                let v = self.value(value);
                self.closure(function, &e.ty, vec![(v, true)], span)
            }
            ExprKind::FunctionValue(name) => self.function_value(name, &e.ty),
        };
        Some(v)
    }

    fn unary(&mut self, op: UnOp, src: Var, ty: Ty) -> Var {
        let dst = self.b.var(ty);
        self.b.emit(Inst::Unary { op, dst, src });
        dst
    }

    /// `a op b` in a domain (Int, Float or Any).
    fn arith(&mut self, op: ArithOp, domain: Domain, a: Var, b: Var, span: Span) -> Var {
        match (domain, op) {
            (Domain::Float, ArithOp::Pow) => {
                let (a, b) = (self.word(a), self.word(b));
                return self.b.native_value(Native::PowFloat, vec![a, b], span);
            }
            (Domain::Any, ArithOp::Pow) => {
                return self.b.native_value(Native::AnyPow, vec![a, b], span);
            }
            (_, ArithOp::Pow) => return self.b.native_value(Native::PowInt, vec![a, b], span),
            _ => {}
        }
        match domain {
            Domain::Float => {
                let fop = match op {
                    ArithOp::Add => FloatOp::Add,
                    ArithOp::Sub => FloatOp::Sub,
                    ArithOp::Mul => FloatOp::Mul,
                    _ => FloatOp::Div,
                };
                let dst = self.b.var(Ty::F32);
                self.b.emit(Inst::Float { op: fop, dst, a, b });
                dst
            }
            Domain::Any => {
                let n = match op {
                    ArithOp::Add => Native::AnyAdd,
                    ArithOp::Sub => Native::AnySub,
                    ArithOp::Mul => Native::AnyMul,
                    ArithOp::Div => Native::AnyDiv,
                    _ => Native::AnyRem,
                };
                self.b.native_value(n, vec![a, b], span)
            }
            _ => {
                let iop = match op {
                    ArithOp::Add => IntOp::Add,
                    ArithOp::Sub => IntOp::Sub,
                    ArithOp::Mul => IntOp::Mul,
                    ArithOp::Div => IntOp::DivS,
                    ArithOp::Rem => IntOp::RemS,
                    ArithOp::And => IntOp::And,
                    ArithOp::Or => IntOp::Or,
                    ArithOp::Xor => IntOp::Xor,
                    ArithOp::Shl => IntOp::Shl,
                    ArithOp::Shr => IntOp::ShrS,
                    ArithOp::UShr => IntOp::ShrU,
                    ArithOp::Pow => unreachable!("handled above"),
                };
                if matches!(iop, IntOp::DivS | IntOp::RemS) {
                    self.check_divisor(b, span);
                }
                let dst = self.b.var(Ty::I32);
                self.b.emit(Inst::Int { op: iop, dst, a, b });
                dst
            }
        }
    }

    fn check_divisor(&mut self, b: Var, span: Span) {
        let zero = self.b.iconst(Ty::I32, 0);
        let (ok, fail) = (self.b.block(), self.b.block());
        self.b.terminate(Terminator::Branch {
            cond: Cond::Ne,
            a: b,
            b: zero,
            then: ok,
            other: fail,
        });
        self.b.switch_to(fail);
        self.b.raise(Native::RaiseDivisionByZero, vec![], span);
        self.b.switch_to(ok);
    }

    /// A boolean-valued expression materialized as 0 or 1.
    fn boolean_value(&mut self, e: &Expr) -> Var {
        if let ExprKind::Cmp(op, domain @ (Domain::Int | Domain::Float | Domain::Ref), a, b) =
            &e.kind
        {
            let a = self.value(a);
            let b = self.value(b);
            let dst = self.b.var(Ty::I32);
            self.b.emit(Inst::Cmp {
                cond: cond_of(*op, *domain),
                dst,
                a,
                b,
            });
            return dst;
        }
        let result = self.b.var(Ty::I32);
        let (bt, bf, join) = (self.b.block(), self.b.block(), self.b.block());
        self.branch(e, bt, bf);
        for (block, value) in [(bt, 1), (bf, 0)] {
            self.b.switch_to(block);
            self.b.emit(Inst::IConst { dst: result, value });
            self.b.terminate(Terminator::Jump(join));
        }
        self.b.switch_to(join);
        result
    }

    /// Ends the current block with a jump to `then` if boolean `e` is true, else to `other`.
    pub(super) fn branch(&mut self, e: &Expr, then: ir::BlockId, other: ir::BlockId) {
        match &e.kind {
            ExprKind::Int(v) => {
                self.b
                    .terminate(Terminator::Jump(if *v != 0 { then } else { other }))
            }
            ExprKind::Not(x) => self.branch(x, other, then),
            ExprKind::Logical(and, x, y) => {
                let mid = self.b.block();
                if *and {
                    self.branch(x, mid, other)
                } else {
                    self.branch(x, then, mid)
                }
                self.b.switch_to(mid);
                self.branch(y, then, other);
            }
            ExprKind::Cmp(op, domain, a, b) => {
                let a = self.value(a);
                let b = self.value(b);
                let (cond, a, b) = self.comparison(*op, *domain, a, b, e.span);
                self.b.terminate(Terminator::Branch {
                    cond,
                    a,
                    b,
                    then,
                    other,
                });
            }
            _ => {
                let v = self.value(e);
                let zero = self.b.iconst(Ty::I32, 0);
                self.b.terminate(Terminator::Branch {
                    cond: Cond::Ne,
                    a: v,
                    b: zero,
                    then,
                    other,
                });
            }
        }
    }

    /// Reduces a comparison in any domain to a machine condition on two vars.
    fn comparison(
        &mut self,
        op: CmpOp,
        domain: Domain,
        a: Var,
        b: Var,
        span: Span,
    ) -> (Cond, Var, Var) {
        match domain {
            Domain::Int | Domain::Float | Domain::Ref => (cond_of(op, domain), a, b),
            Domain::Str if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                let r = self.b.native_value(Native::StringEqual, vec![a, b], span);
                let zero = self.b.iconst(Ty::I32, 0);
                (if op == CmpOp::Eq { Cond::Ne } else { Cond::Eq }, r, zero)
            }
            Domain::Str => {
                let r = self.b.native_value(Native::StringCompare, vec![a, b], span);
                let zero = self.b.iconst(Ty::I32, 0);
                (cond_of(op, Domain::Int), r, zero)
            }
            Domain::Any if matches!(op, CmpOp::Eq | CmpOp::Ne) => {
                let r = self.b.native_value(Native::AnyEqual, vec![a, b], span);
                let zero = self.b.iconst(Ty::I32, 0);
                (if op == CmpOp::Eq { Cond::Ne } else { Cond::Eq }, r, zero)
            }
            Domain::Any => {
                let code = match op {
                    CmpOp::Lt => 0,
                    CmpOp::Le => 1,
                    CmpOp::Gt => 2,
                    _ => 3,
                };
                let code = self.b.iconst(Ty::I32, code);
                let r = self
                    .b
                    .native_value(Native::AnyCompare, vec![a, b, code], span);
                let zero = self.b.iconst(Ty::I32, 0);
                (Cond::Ne, r, zero)
            }
        }
    }

    fn array_literal(&mut self, ty: &Type, items: &[Expr], span: Span) -> Var {
        let desc = self.descriptor(ty);
        let len = self.b.iconst(Ty::I32, items.len() as i32);
        let zero = self.b.iconst(Ty::I32, 0);
        let arr = self
            .b
            .native_value(Native::ArrayNew, vec![desc, len, zero], span);
        let arr = self.b.retype(arr, Ty::Ref);
        for (i, item) in items.iter().enumerate() {
            let v = self.value(item);
            let data = self.b.load(Ty::I32, arr, abi::ARRAY_DATA);
            self.b.store(v, data, 4 * i as i32);
        }
        arr
    }

    /// A new array of type `to` holding the elements of array `src` (of type `from`), each
    /// converted (boxed into `any`, or checked out of it).
    pub(super) fn convert_elements(&mut self, src: Var, from: &Type, to: &Type, span: Span) -> Var {
        let (Type::Array(from_elem), Type::Array(to_elem)) = (from, to) else {
            unreachable!("the checker converts elements only between array types")
        };
        let conversion = if **to_elem == Type::Any {
            Conversion::Box((**from_elem).clone())
        } else {
            Conversion::Unbox((**to_elem).clone())
        };
        let len = self.b.load(Ty::I32, src, abi::ARRAY_LEN);
        let desc = self.descriptor(to);
        let zero = self.b.iconst(Ty::I32, 0);
        let dst = self
            .b
            .native_value(Native::ArrayNew, vec![desc, len, zero], span);
        let dst = self.b.retype(dst, Ty::Ref);
        let i = self.b.iconst(Ty::I32, 0);
        let (head, body, exit) = (self.b.block(), self.b.block(), self.b.block());
        self.b.jump_to(head);
        self.b.terminate(Terminator::Branch {
            cond: Cond::LtS,
            a: i,
            b: len,
            then: body,
            other: exit,
        });
        self.b.switch_to(body);
        let element = self.load(&LoweredPlace::Index(src, i), from_elem, span);
        let converted = self.convert(&conversion, element, span);
        self.store(&LoweredPlace::Index(dst, i), to_elem, converted, span);
        self.b.emit(Inst::IntImm {
            op: IntOp::Add,
            dst: i,
            a: i,
            imm: 1,
        });
        self.b.terminate(Terminator::Jump(head));
        self.b.switch_to(exit);
        dst
    }

    /// The address of the descriptor of array type `ty` (an array literal converted to
    /// `T[] | null` keeps the type of the array it creates).
    pub(super) fn descriptor(&mut self, ty: &Type) -> Var {
        self.b.sym_addr(ty.non_null().array_descriptor())
    }

    /// A value's raw 32-bit word (floats as their bits), for natives that take element words.
    pub(super) fn word(&mut self, v: Var) -> Var {
        match self.b.ty(v) {
            Ty::F32 => self.unary(UnOp::FloatBits, v, Ty::I32),
            _ => v,
        }
    }

    /// The address of `arr[index]` after a bounds check.
    fn element_address(&mut self, arr: Var, index: Var, span: Span) -> Var {
        self.scaled_element_address(arr, index, 2, span)
    }

    /// The address of byte `arr[index]` of a `Uint8Array` after a bounds check.
    fn byte_address(&mut self, arr: Var, index: Var, span: Span) -> Var {
        self.scaled_element_address(arr, index, 0, span)
    }

    /// The address of element `index` of elements `1 << shift` bytes wide, after a bounds
    /// check.
    fn scaled_element_address(&mut self, arr: Var, index: Var, shift: i32, span: Span) -> Var {
        let len = self.b.load(Ty::I32, arr, abi::ARRAY_LEN);
        // Loaded before the bounds check, like the length (the array is a valid reference
        // either way), so that both loads can leave a loop together (`ir::opt`).
        let data = self.b.load(Ty::I32, arr, abi::ARRAY_DATA);
        let (ok, fail) = (self.b.block(), self.b.block());
        self.b.terminate(Terminator::Branch {
            cond: Cond::LtU,
            a: index,
            b: len,
            then: ok,
            other: fail,
        });
        self.b.switch_to(fail);
        self.b
            .raise(Native::RaiseIndexOutOfRange, vec![index, len], span);
        self.b.switch_to(ok);
        let offset = if shift == 0 {
            index
        } else {
            let offset = self.b.var(Ty::I32);
            self.b.emit(Inst::IntImm {
                op: IntOp::Shl,
                dst: offset,
                a: index,
                imm: shift,
            });
            offset
        };
        let addr = self.b.var(Ty::I32);
        self.b.emit(Inst::Int {
            op: IntOp::Add,
            dst: addr,
            a: data,
            b: offset,
        });
        addr
    }

    fn global_symbol(name: &str, ty: &Type) -> DataSymbol {
        DataSymbol::Global {
            name: name.to_string(),
            traced: ir_ty(ty).is_traced(),
        }
    }

    pub(super) fn load_global(&mut self, name: &str, ty: &Type) -> Var {
        let addr = self.b.sym_addr(Self::global_symbol(name, ty));
        self.b.load(ir_ty(ty), addr, 0)
    }

    pub(super) fn store_global(&mut self, name: &str, ty: &Type, v: Var) {
        let addr = self.b.sym_addr(Self::global_symbol(name, ty));
        self.b.store(v, addr, 0);
    }

    /// Evaluates the parts of a place once, so that it can be read and then written.
    fn place(&mut self, place: &Place) -> LoweredPlace {
        match place {
            Place::Local(id) => self.local_place(*id),
            Place::Global(name) => LoweredPlace::Global(name.clone()),
            Place::Index(arr, index) => self.index_place(arr, index),
            Place::AnyIndex(obj, index) => {
                LoweredPlace::AnyIndex(self.value(obj), self.value(index))
            }
            Place::Field(obj, index) => LoweredPlace::Field(self.value(obj), *index),
            Place::AnyProperty(obj, name) => {
                LoweredPlace::AnyProperty(self.value(obj), name.clone())
            }
        }
    }

    /// A local as a place: its var, or its cell.
    fn local_place(&self, id: crate::hir::LocalId) -> LoweredPlace {
        let v = self.locals[id.0 as usize];
        if self.cells[id.0 as usize] {
            LoweredPlace::Cell(v)
        } else {
            LoweredPlace::Local(v)
        }
    }

    /// `arr[index]` of a typed array (bytes for a `Uint8Array`).
    fn index_place(&mut self, arr: &Expr, index: &Expr) -> LoweredPlace {
        let bytes = arr.ty == Type::Uint8Array;
        let (arr, index) = (self.value(arr), self.value(index));
        if bytes {
            LoweredPlace::ByteIndex(arr, index)
        } else {
            LoweredPlace::Index(arr, index)
        }
    }

    fn load(&mut self, place: &LoweredPlace, ty: &Type, span: Span) -> Var {
        match place {
            LoweredPlace::Local(v) => {
                let dst = self.b.var(self.b.ty(*v));
                self.b.emit(Inst::Copy { dst, src: *v });
                dst
            }
            LoweredPlace::Global(name) => self.load_global(name, ty),
            LoweredPlace::Cell(cell) => self.b.load(ir_ty(ty), *cell, abi::CELL_VALUE),
            LoweredPlace::Index(arr, index) => {
                let addr = self.element_address(*arr, *index, span);
                self.b.load(ir_ty(ty), addr, 0)
            }
            LoweredPlace::AnyIndex(obj, index) => {
                self.b
                    .native_value(Native::AnyIndexGet, vec![*obj, *index], span)
            }
            LoweredPlace::ByteIndex(arr, index) => {
                let addr = self.byte_address(*arr, *index, span);
                let dst = self.b.var(Ty::I32);
                self.b.emit(Inst::Load {
                    width: ir::Width::U8,
                    dst,
                    addr,
                    offset: 0,
                });
                dst
            }
            LoweredPlace::Field(obj, index) => {
                self.b.load(ir_ty(ty), *obj, Self::field_offset(*index))
            }
            LoweredPlace::AnyProperty(obj, name) => {
                let name = self.string_constant(name);
                self.b
                    .native_value(Native::AnyGetProperty, vec![*obj, name], span)
            }
        }
    }

    fn store(&mut self, place: &LoweredPlace, ty: &Type, v: Var, span: Span) {
        match place {
            LoweredPlace::Local(dst) => self.b.emit(Inst::Copy { dst: *dst, src: v }),
            LoweredPlace::Global(name) => self.store_global(name, ty, v),
            LoweredPlace::Cell(cell) => self.b.store(v, *cell, abi::CELL_VALUE),
            LoweredPlace::Index(arr, index) => {
                let addr = self.element_address(*arr, *index, span);
                self.b.store(v, addr, 0);
            }
            LoweredPlace::AnyIndex(obj, index) => {
                self.b
                    .native(Native::AnyIndexSet, vec![*obj, *index, v], span);
            }
            LoweredPlace::ByteIndex(arr, index) => {
                let addr = self.byte_address(*arr, *index, span);
                self.b.emit(Inst::Store {
                    width: ir::Width::U8,
                    src: v,
                    addr,
                    offset: 0,
                });
            }
            LoweredPlace::Field(obj, index) => {
                self.b.store(v, *obj, Self::field_offset(*index));
            }
            LoweredPlace::AnyProperty(obj, name) => {
                let name = self.string_constant(name);
                self.b
                    .native(Native::AnySetProperty, vec![*obj, name, v], span);
            }
        }
    }

    fn builtin(&mut self, b: Builtin, args: &[Expr], ty: &Type, span: Span) -> Option<Var> {
        if let Builtin::Print | Builtin::PrintError = b {
            if b == Builtin::PrintError {
                let stream = self.b.iconst(Ty::I32, abi::STREAM_STDERR as i32);
                self.b.native(Native::PrintBegin, vec![stream], span);
            }
            for (i, a) in args.iter().enumerate() {
                if i > 0 {
                    self.b.native(Native::PrintSpace, vec![], span);
                }
                let v = self.value(a);
                let n = match &a.ty {
                    t if t.is_integral() => Native::PrintInt,
                    Type::Float => Native::PrintFloat,
                    Type::Boolean => Native::PrintBool,
                    t if t.ir_ty() == Some(Ty::Ref) => Native::PrintRef,
                    _ => Native::PrintAny,
                };
                self.b.native(n, vec![v], span);
            }
            let stream = if b == Builtin::Print {
                abi::STREAM_STDOUT
            } else {
                abi::STREAM_STDERR
            };
            let stream = self.b.iconst(Ty::I32, stream as i32);
            self.b.native(Native::PrintEnd, vec![stream], span);
            return None;
        }
        if b == Builtin::Test {
            self.test_declaration(&args[0], &args[1], span);
            return None;
        }
        let mut vals: Vec<Var> = args.iter().map(|a| self.value(a)).collect();
        if let Builtin::Math(f) = b {
            return Some(self.math(f, &vals, ty, span));
        }
        let n = match b {
            Builtin::TimeNow => Native::TimeNow,
            Builtin::TimeDelay => Native::TimeDelay,
            Builtin::StartsWith => Native::StringStartsWith,
            Builtin::EndsWith => Native::StringEndsWith,
            Builtin::Substring => {
                if vals.len() == 2 {
                    vals.push(self.b.iconst(Ty::I32, i32::MAX));
                }
                Native::StringSubstring
            }
            Builtin::CharCodeAt => Native::StringCharCodeAt,
            Builtin::IndexOf => Native::StringIndexOf,
            Builtin::Push => Native::ArrayPush,
            Builtin::Pop => Native::ArrayPop,
            Builtin::Shift => Native::ArrayShift,
            Builtin::Unshift => Native::ArrayUnshift,
            Builtin::AnyPush => Native::AnyArrayPush,
            Builtin::AnyPop => Native::AnyArrayPop,
            Builtin::AnyShift => Native::AnyArrayShift,
            Builtin::AnyUnshift => Native::AnyArrayUnshift,
            Builtin::Assert => Native::AssertTrue,
            Builtin::AssertEqual => Native::AssertEqual,
            Builtin::Print | Builtin::PrintError | Builtin::Math(_) | Builtin::Test => {
                unreachable!("handled above")
            }
        };
        let r = self.b.native(n, vals, span)?;
        // Natives return raw words (an element of a `string[]` comes back as I32): view the
        // word as the expression's type.
        Some(self.b.retype(r, ty.ir_ty().unwrap_or(self.b.ty(r))))
    }
}

/// A place whose sub-expressions have been evaluated.
enum LoweredPlace {
    Local(Var),
    /// A local living in a cell (the var holds the cell).
    Cell(Var),
    Global(String),
    Index(Var, Var),
    ByteIndex(Var, Var),
    AnyIndex(Var, Var),
    Field(Var, u32),
    AnyProperty(Var, String),
}

/// The machine condition of a comparison in a scalar domain.
fn cond_of(op: CmpOp, domain: Domain) -> Cond {
    match (domain, op) {
        (Domain::Float, CmpOp::Eq) => Cond::FEq,
        (Domain::Float, CmpOp::Ne) => Cond::FNe,
        (Domain::Float, CmpOp::Lt) => Cond::FLt,
        (Domain::Float, CmpOp::Le) => Cond::FLe,
        (Domain::Float, CmpOp::Gt) => Cond::FGt,
        (Domain::Float, CmpOp::Ge) => Cond::FGe,
        (_, CmpOp::Eq) => Cond::Eq,
        (_, CmpOp::Ne) => Cond::Ne,
        (_, CmpOp::Lt) => Cond::LtS,
        (_, CmpOp::Le) => Cond::LeS,
        (_, CmpOp::Gt) => Cond::GtS,
        (_, CmpOp::Ge) => Cond::GeS,
    }
}
