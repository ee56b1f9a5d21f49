//! Lowering conversions between representations: numeric widening and truncation, boxing into
//! and checked unboxing out of `any` (with inline fast paths for the common tags), text for
//! concatenation, and truthiness.

use super::{Lowerer, ir_ty};
use crate::hir::Conversion;
use crate::types::Type;
use device::abi::{self, Native};
use ir::{Cond, Inst, IntOp, Terminator, Ty, UnOp, Var};
use syntax::Span;

impl Lowerer {
    /// Applies conversion `c` to `v`.
    pub(super) fn convert(&mut self, c: &Conversion, v: Var, span: Span) -> Var {
        match c {
            Conversion::IntToFloat => self.un(UnOp::IntToFloat, v, Ty::F32),
            Conversion::FloatToInt => self.un(UnOp::FloatToInt, v, Ty::I32),
            Conversion::Box(from) => self.box_value(from, v, span),
            Conversion::Unbox(to) => self.unbox(to, v, span),
            Conversion::Downcast(to) => self.checked_reference(v, false, to, span),
            Conversion::ToString(from) => {
                let n = match from {
                    t if t.is_integral() => Native::IntToString,
                    Type::Float => Native::FloatToString,
                    Type::Boolean => Native::BoolToString,
                    _ => Native::AnyToString,
                };
                self.b.native_value(n, vec![v], span)
            }
            Conversion::Truthy(from) => self.truthy(from, v, span),
            Conversion::Elements(from, to) => self.convert_elements(v, from, to, span),
        }
    }

    fn un(&mut self, op: UnOp, src: Var, ty: Ty) -> Var {
        let dst = self.b.var(ty);
        self.b.emit(Inst::Unary { op, dst, src });
        dst
    }

    /// `a op imm` into a new var of type `ty`.
    pub(super) fn int_imm(&mut self, op: IntOp, a: Var, imm: i32, ty: Ty) -> Var {
        let dst = self.b.var(ty);
        self.b.emit(Inst::IntImm { op, dst, a, imm });
        dst
    }

    /// A value of static type `from` as an `any` word.
    fn box_value(&mut self, from: &Type, v: Var, span: Span) -> Var {
        match from {
            t if t.is_integral() => {
                // Fast path: the integer fits in 31 bits, so `(v << 1) | 1` is its word.
                let result = self.b.var(Ty::Any);
                let shifted = self.int_imm(IntOp::Shl, v, 1, Ty::I32);
                let back = self.int_imm(IntOp::ShrS, shifted, 1, Ty::I32);
                let (small, big, join) = (self.b.block(), self.b.block(), self.b.block());
                self.b.terminate(Terminator::Branch {
                    cond: Cond::Eq,
                    a: back,
                    b: v,
                    then: small,
                    other: big,
                });
                self.b.switch_to(small);
                self.b.emit(Inst::IntImm {
                    op: IntOp::Or,
                    dst: result,
                    a: shifted,
                    imm: 1,
                });
                self.b.terminate(Terminator::Jump(join));
                self.b.switch_to(big);
                let boxed = self.b.native_value(Native::BoxInt, vec![v], span);
                self.b.copy_and_jump(result, boxed, join);
                self.b.switch_to(join);
                result
            }
            Type::Float => self.box_float(v, span),
            Type::Boolean => {
                // false → FALSE (4), true → TRUE (8).
                let scaled = self.int_imm(IntOp::Shl, v, 2, Ty::I32);
                self.int_imm(IntOp::Add, scaled, abi::FALSE as i32, Ty::Any)
            }
            _ => self.b.retype(v, Ty::Any),
        }
    }

    /// A float as an `any` word (`abi::inline_float_word` inline, else boxed by the runtime):
    /// the bits rotated left by one are the payload for ±0.0, or, moved down by
    /// `abi::FLOAT_WINDOW_BIAS`, when the exponent is in the inline window.
    fn box_float(&mut self, v: Var, span: Span) -> Var {
        let bits = self.un(UnOp::FloatBits, v, Ty::I32);
        let high = self.int_imm(IntOp::Shl, bits, 1, Ty::I32);
        let sign = self.int_imm(IntOp::ShrU, bits, 31, Ty::I32);
        let rotated = self.b.var(Ty::I32);
        self.b.emit(Inst::Int {
            op: IntOp::Or,
            dst: rotated,
            a: high,
            b: sign,
        });
        let result = self.b.var(Ty::Any);
        let payload = self.b.var(Ty::I32);
        let (zero, nonzero, inline, boxed, join) = (
            self.b.block(),
            self.b.block(),
            self.b.block(),
            self.b.block(),
            self.b.block(),
        );
        let two = self.b.iconst(Ty::I32, 2);
        self.b.terminate(Terminator::Branch {
            cond: Cond::LtU,
            a: rotated,
            b: two,
            then: zero,
            other: nonzero,
        });
        self.b.switch_to(zero);
        self.b.copy_and_jump(payload, rotated, inline);
        self.b.switch_to(nonzero);
        let moved = self.int_imm(IntOp::Sub, rotated, abi::FLOAT_WINDOW_BIAS as i32, Ty::I32);
        let from_window = self.int_imm(IntOp::Sub, moved, 1 << 24, Ty::I32);
        let window = self.b.iconst(Ty::I32, (1 << 30) - (1 << 24));
        self.b.emit(Inst::Copy {
            dst: payload,
            src: moved,
        });
        self.b.terminate(Terminator::Branch {
            cond: Cond::LtU,
            a: from_window,
            b: window,
            then: inline,
            other: boxed,
        });
        self.b.switch_to(inline);
        let shifted = self.int_imm(IntOp::Shl, payload, 2, Ty::I32);
        let word = self.int_imm(IntOp::Or, shifted, 2, Ty::Any);
        self.b.copy_and_jump(result, word, join);
        self.b.switch_to(boxed);
        let word = self.b.native_value(Native::BoxFloat, vec![bits], span);
        self.b.copy_and_jump(result, word, join);
        self.b.switch_to(join);
        result
    }

    /// The float of inline float word `w` (`abi::inline_float_bits`): payloads 0 and 1 are
    /// ±0.0, the others move up by `abi::FLOAT_WINDOW_BIAS`; then rotate right by one.
    fn inline_float(&mut self, w: Var) -> Var {
        let payload = self.int_imm(IntOp::ShrU, w, 2, Ty::I32);
        let two = self.b.iconst(Ty::I32, 2);
        let nonzero = self.b.var(Ty::I32);
        self.b.emit(Inst::Cmp {
            cond: Cond::GeU,
            dst: nonzero,
            a: payload,
            b: two,
        });
        // All ones when the payload is not ±0.0, else zero: selects the bias without a branch.
        let mask = self.un(UnOp::Neg, nonzero, Ty::I32);
        let bias = self.int_imm(IntOp::And, mask, abi::FLOAT_WINDOW_BIAS as i32, Ty::I32);
        let rotated = self.b.var(Ty::I32);
        self.b.emit(Inst::Int {
            op: IntOp::Add,
            dst: rotated,
            a: payload,
            b: bias,
        });
        let low = self.int_imm(IntOp::ShrU, rotated, 1, Ty::I32);
        let sign = self.int_imm(IntOp::Shl, rotated, 31, Ty::I32);
        let bits = self.b.var(Ty::I32);
        self.b.emit(Inst::Int {
            op: IntOp::Or,
            dst: bits,
            a: low,
            b: sign,
        });
        self.un(UnOp::BitsFloat, bits, Ty::F32)
    }

    /// An `any` word converted to static type `to`, raising a type error when it does not fit.
    fn unbox(&mut self, to: &Type, v: Var, span: Span) -> Var {
        match to {
            t if t.is_integral() => {
                // Fast path: tag bit 1 means a 31-bit integer.
                self.tag_fast_path(
                    v,
                    1,
                    1,
                    Ty::I32,
                    span,
                    |l, w| l.int_imm(IntOp::ShrS, w, 1, Ty::I32),
                    Native::UnboxInt,
                )
            }
            Type::Float => self.tag_fast_path(
                v,
                3,
                2,
                Ty::F32,
                span,
                |l, w| l.inline_float(w),
                Native::UnboxFloat,
            ),
            Type::Boolean => self.b.native_value(Native::UnboxBool, vec![v], span),
            Type::Null => {
                // Only `undefined` fits.
                let (ok, bad) = (self.b.block(), self.b.block());
                let zero = self.b.iconst(Ty::Any, abi::UNDEFINED as i32);
                self.b.terminate(Terminator::Branch {
                    cond: Cond::Eq,
                    a: v,
                    b: zero,
                    then: ok,
                    other: bad,
                });
                self.b.switch_to(bad);
                let expected = self.string_constant("undefined");
                self.b
                    .raise(Native::RaiseTypeError, vec![expected, v], span);
                self.b.switch_to(ok);
                v
            }
            Type::String => self.b.native_value(Native::UnboxString, vec![v], span),
            Type::Array(_) => {
                let desc = self.descriptor(to);
                self.b.native_value(Native::UnboxArray, vec![v, desc], span)
            }
            t if ir_ty(t) == Ty::Ref => self.checked_reference(v, false, to, span),
            _ => self.b.retype(v, ir_ty(to)),
        }
    }

    /// `if (v & mask) == tag { fast(v) } else { slow(v) }`, joined into one var of type `ty`.
    #[allow(clippy::too_many_arguments)]
    fn tag_fast_path(
        &mut self,
        v: Var,
        mask: i32,
        tag: i32,
        ty: Ty,
        span: Span,
        fast: impl FnOnce(&mut Lowerer, Var) -> Var,
        slow: Native,
    ) -> Var {
        let result = self.b.var(ty);
        let bits = self.int_imm(IntOp::And, v, mask, Ty::I32);
        let tag = self.b.iconst(Ty::I32, tag);
        let (yes, no, join) = (self.b.block(), self.b.block(), self.b.block());
        self.b.terminate(Terminator::Branch {
            cond: Cond::Eq,
            a: bits,
            b: tag,
            then: yes,
            other: no,
        });
        self.b.switch_to(yes);
        let f = fast(self, v);
        self.b.copy_and_jump(result, f, join);
        self.b.switch_to(no);
        let s = self.b.native_value(slow, vec![v], span);
        self.b.copy_and_jump(result, s, join);
        self.b.switch_to(join);
        result
    }

    /// The truthiness (0 or 1) of a value of static type `from`.
    fn truthy(&mut self, from: &Type, v: Var, span: Span) -> Var {
        match from {
            Type::Float => {
                // language.md: only 0.0 is false among floats (NaN is true, like the runtime's
                // truthiness of `any`); FNe is true for NaN.
                let zero = self.b.fconst(0.0);
                let dst = self.b.var(Ty::I32);
                self.b.emit(Inst::Cmp {
                    cond: Cond::FNe,
                    dst,
                    a: v,
                    b: zero,
                });
                dst
            }
            Type::Any | Type::Error => self.b.native_value(Native::AnyTruthy, vec![v], span),
            _ => {
                let zero = self.b.iconst(self.b.ty(v), 0);
                let dst = self.b.var(Ty::I32);
                self.b.emit(Inst::Cmp {
                    cond: Cond::Ne,
                    dst,
                    a: v,
                    b: zero,
                });
                dst
            }
        }
    }
}
