//! Lowering what classes and dynamic objects add: allocation and construction, fields, virtual
//! and direct method calls, calls by name on `any` values, `instanceof`, checked down-casts,
//! and the `Math` functions.

use super::Lowerer;
use crate::hir::{Expr, MathFn};
use crate::link::runtime_type_kind;
use crate::types::Type;
use device::abi::{self, Native};
use ir::{
    BlockId, Callee, Cond, DataSymbol, Inst, IntOp, RuntimeType, Terminator, Ty, UnOp, Var, Width,
};
use syntax::Span;

/// Which method a method call calls.
pub(super) struct MethodTarget<'a> {
    /// Its index in the method table.
    pub index: u32,
    /// The implementation for the receiver's static class.
    pub function: &'a str,
    /// Whether the call must go through the receiver's method table.
    pub dispatch: bool,
}

impl Lowerer {
    /// `new C(args)`: evaluate the arguments, allocate, run the constructor.
    pub(super) fn new_instance(
        &mut self,
        class: &str,
        constructor: Option<&str>,
        args: &[Expr],
        span: Span,
    ) -> Var {
        let mut vals: Vec<Var> = args.iter().map(|a| self.value(a)).collect();
        let desc = self
            .b
            .sym_addr(DataSymbol::ClassDescriptor(class.to_string()));
        let obj = self.b.native_value(Native::NewInstance, vec![desc], span);
        if let Some(ctor) = constructor {
            vals.insert(0, obj);
            let callee = self.b.callee(ctor);
            self.call(callee, vals, None, span);
        }
        obj
    }

    /// Emits a call and returns its result var (of type `ret`) if it has one.
    pub(super) fn call(
        &mut self,
        callee: Callee,
        args: Vec<Var>,
        ret: Option<Ty>,
        span: Span,
    ) -> Option<Var> {
        let dst = ret.map(|t| self.b.var(t));
        let loc = self.b.loc(span);
        self.b.emit(Inst::Call {
            dst,
            callee,
            args,
            loc,
        });
        dst
    }

    /// The byte offset of field `index` in an instance.
    pub(super) fn field_offset(index: u32) -> i32 {
        abi::INSTANCE_FIELDS + 4 * index as i32
    }

    /// A method call: through the receiver's method table when the target says so, else
    /// directly.
    pub(super) fn method_call(
        &mut self,
        receiver: Var,
        target: MethodTarget,
        mut args: Vec<Var>,
        ret: Option<Ty>,
        span: Span,
    ) -> Option<Var> {
        args.insert(0, receiver);
        let callee = if target.dispatch {
            let desc = self.b.load(Ty::I32, receiver, abi::INSTANCE_CLASS);
            let entry = abi::CLASS_METHODS + (abi::METHOD_ENTRY_SIZE * target.index) as i32;
            let slot = self.b.load(Ty::I32, desc, entry + abi::METHOD_SLOT);
            Callee::Dynamic(slot)
        } else {
            self.b.callee(target.function)
        };
        self.call(callee, args, ret, span)
    }

    /// A static string constant's address as a reference.
    pub(super) fn string_constant(&mut self, s: &str) -> Var {
        let a = self.b.sym_addr(DataSymbol::Str(s.as_bytes().to_vec()));
        self.b.retype(a, Ty::Ref)
    }

    /// `receiver.name(args)` on an `any` receiver: find the adapter by name, then call it; or,
    /// when the receiver has a property of that name, call the property's value.
    pub(super) fn any_method_call(
        &mut self,
        receiver: Var,
        name: &str,
        args: Vec<Var>,
        span: Span,
    ) -> Var {
        let name = self.string_constant(name);
        let argc = self.b.iconst(Ty::I32, args.len() as i32);
        let slot = self
            .b
            .native_value(Native::AnyMethod, vec![receiver, name, argc], span);
        let property = self.b.iconst(Ty::I32, abi::PROPERTY_SLOT as i32);
        let (method_block, property_block, join) = (self.b.block(), self.b.block(), self.b.block());
        let result = self.b.var(Ty::Any);
        self.b.terminate(Terminator::Branch {
            cond: Cond::Ne,
            a: slot,
            b: property,
            then: method_block,
            other: property_block,
        });
        self.b.switch_to(method_block);
        let mut method_args = vec![receiver];
        method_args.extend(&args);
        let r = self
            .call(Callee::Dynamic(slot), method_args, Some(Ty::Any), span)
            .expect("adapters return a value");
        self.b.copy_and_jump(result, r, join);
        self.b.switch_to(property_block);
        let f = self
            .b
            .native_value(Native::AnyGetProperty, vec![receiver, name], span);
        let r = self.any_call(f, args, span);
        self.b.emit(Inst::Copy {
            dst: result,
            src: r,
        });
        self.b.jump_to(join);
        result
    }

    /// `f(args)` where `f` is an `any` value: find the adapter, then call it with the closure
    /// last.
    pub(super) fn any_call(&mut self, f: Var, mut args: Vec<Var>, span: Span) -> Var {
        let argc = self.b.iconst(Ty::I32, args.len() as i32);
        let slot = self
            .b
            .native_value(Native::AnyFunction, vec![f, argc], span);
        args.push(f);
        self.call(Callee::Dynamic(slot), args, Some(Ty::Any), span)
            .expect("adapters return a value")
    }

    /// `x instanceof C` on an `any` word.
    pub(super) fn instance_of(&mut self, x: Var, class: &str, span: Span) -> Var {
        let desc = self
            .b
            .sym_addr(DataSymbol::ClassDescriptor(class.to_string()));
        self.b.native_value(Native::InstanceOf, vec![x, desc], span)
    }

    /// A reference or `any` word checked against reference type `to` at run time (raising a
    /// type error when it does not fit), as a reference. A check against a class first tries
    /// inline whether the word is an instance of exactly that class (or null, when `to` is
    /// nullable), and calls the native only for subclasses and failures. `instance` says that
    /// the word is statically null or an instance of some class (a reference of a class
    /// type): then only null needs testing before its descriptor is compared.
    pub(super) fn checked_reference(
        &mut self,
        v: Var,
        instance: bool,
        to: &Type,
        span: Span,
    ) -> Var {
        let rt = to.runtime_type();
        let RuntimeType::Instance { class, nullable } = &rt else {
            return self.unbox_ref(v, &rt, span);
        };
        let word = v;
        let result = self.b.var(Ty::Ref);
        let (ok, slow, join) = (self.b.block(), self.b.block(), self.b.block());
        let small = self.b.block();
        if instance {
            let null = self.b.iconst(Ty::I32, abi::UNDEFINED as i32);
            let object = self.continue_if(Cond::Ne, word, null, small);
            self.b.switch_to(object);
        } else {
            let kind = self.object_kind(word, slow, small);
            let instance = self.b.iconst(Ty::I32, abi::KIND_INSTANCE as i32);
            let is_instance = self.continue_if(Cond::Eq, kind, instance, slow);
            self.b.switch_to(is_instance);
        }
        let desc = self.b.load(Ty::I32, word, abi::INSTANCE_CLASS);
        let wanted = self.b.sym_addr(DataSymbol::ClassDescriptor(class.clone()));
        let exact = self.continue_if(Cond::Eq, desc, wanted, slow);
        self.b.switch_to(exact);
        self.b.terminate(Terminator::Jump(ok));
        self.b.switch_to(small);
        if *nullable {
            let null = self.b.iconst(Ty::I32, abi::UNDEFINED as i32);
            let is_null = self.continue_if(Cond::Eq, word, null, slow);
            self.b.switch_to(is_null);
            self.b.terminate(Terminator::Jump(ok));
        } else {
            self.b.terminate(Terminator::Jump(slow));
        }
        self.b.switch_to(ok);
        let reference = self.b.retype(word, Ty::Ref);
        self.b.copy_and_jump(result, reference, join);
        self.b.switch_to(slow);
        let checked = self.unbox_ref(word, &rt, span);
        self.b.copy_and_jump(result, checked, join);
        self.b.switch_to(join);
        result
    }

    /// Reference `v` of type `to | null` as a `to` (`x as T` on a `T | null`): only its
    /// nullness needs a test; a null goes to the runtime's check of `to`, which raises the
    /// type error.
    pub(super) fn non_null_reference(&mut self, v: Var, to: &Type, span: Span) -> Var {
        let slow = self.b.block();
        let null = self.b.iconst(Ty::I32, abi::UNDEFINED as i32);
        let ok = self.continue_if(Cond::Ne, v, null, slow);
        // A null never fits `to`: the check raises, so this path is a raise, laid out cold.
        self.b.switch_to(slow);
        let args = self.unbox_ref_args(v, &to.runtime_type());
        self.b.raise(Native::UnboxRef, args.to_vec(), span);
        self.b.switch_to(ok);
        self.b.retype(v, Ty::Ref)
    }

    /// The object kind (header byte) of `any` word `word`, read in the block this leaves
    /// current; a tagged word (an integer or float) jumps to `tagged`, a small word (`undefined`,
    /// `false`, `true`) to `small`.
    fn object_kind(&mut self, word: Var, tagged: BlockId, small: BlockId) -> Var {
        // Only words with the low bits 00 above `true` are object addresses. A reference is
        // never tagged: only its nullness needs testing.
        if self.b.ty(word) != Ty::Ref {
            let tag = self.b.var(Ty::I32);
            self.b.emit(Inst::IntImm {
                op: IntOp::And,
                dst: tag,
                a: word,
                imm: 3,
            });
            let zero = self.b.iconst(Ty::I32, 0);
            let untagged = self.continue_if(Cond::Eq, tag, zero, tagged);
            self.b.switch_to(untagged);
        }
        let first_address = self.b.iconst(Ty::I32, abi::TRUE as i32 + 1);
        let object = self.continue_if(Cond::GeU, word, first_address, small);
        self.b.switch_to(object);
        let kind = self.b.var(Ty::I32);
        self.b.emit(Inst::Load {
            width: Width::U8,
            dst: kind,
            addr: word,
            offset: 0,
        });
        kind
    }

    /// `.length` of `any` word `word`: an array's length read inline, anything else (strings,
    /// instances with a `length` property, errors) through the runtime.
    pub(super) fn any_length(&mut self, word: Var, span: Span) -> Var {
        let result = self.b.var(Ty::Any);
        let (slow, join) = (self.b.block(), self.b.block());
        let kind = self.object_kind(word, slow, slow);
        let array = self.b.iconst(Ty::I32, abi::KIND_ARRAY as i32);
        let is_array = self.continue_if(Cond::Eq, kind, array, slow);
        self.b.switch_to(is_array);
        let len = self.b.load(Ty::I32, word, abi::ARRAY_LEN);
        // Lengths are below 2^30, so the tagged integer never needs boxing.
        let shifted = self.b.var(Ty::I32);
        self.b.emit(Inst::IntImm {
            op: IntOp::Shl,
            dst: shifted,
            a: len,
            imm: 1,
        });
        let tagged = self.b.var(Ty::Any);
        self.b.emit(Inst::IntImm {
            op: IntOp::Or,
            dst: tagged,
            a: shifted,
            imm: 1,
        });
        self.b.copy_and_jump(result, tagged, join);
        self.b.switch_to(slow);
        let r = self.b.native_value(Native::AnyLength, vec![word], span);
        self.b.copy_and_jump(result, r, join);
        self.b.switch_to(join);
        result
    }

    /// Whether `any` word `word` is an object of kind `kind` (`abi::KIND_*`), as 0 or 1.
    pub(super) fn has_kind(&mut self, word: Var, kind: u32) -> Var {
        let result = self.b.var(Ty::I32);
        let (no, join) = (self.b.block(), self.b.block());
        let actual = self.object_kind(word, no, no);
        let wanted = self.b.iconst(Ty::I32, kind as i32);
        let yes = self.continue_if(Cond::Eq, actual, wanted, no);
        for (block, value) in [(yes, 1), (no, 0)] {
            self.b.switch_to(block);
            let v = self.b.iconst(Ty::I32, value);
            self.b.copy_and_jump(result, v, join);
        }
        self.b.switch_to(join);
        result
    }

    /// `if a cond b` continues in the returned block, else jumps to `other`. The branch names
    /// the continuation last, so that block layout (a reverse post-order) puts it right after
    /// the test, as the way that falls through.
    fn continue_if(&mut self, cond: Cond, a: Var, b: Var, other: BlockId) -> BlockId {
        let then = self.b.block();
        let branch = match cond.negate() {
            Some(not) => Terminator::Branch {
                cond: not,
                a,
                b,
                then: other,
                other: then,
            },
            None => Terminator::Branch {
                cond,
                a,
                b,
                then,
                other,
            },
        };
        self.b.terminate(branch);
        then
    }

    /// The native check of reference or `any` word `v` against `rt`, as a reference.
    fn unbox_ref(&mut self, v: Var, rt: &RuntimeType, span: Span) -> Var {
        let args = self.unbox_ref_args(v, rt);
        self.b.native_value(Native::UnboxRef, args.to_vec(), span)
    }

    /// The arguments of [`Native::UnboxRef`] checking word `v` against `rt`.
    fn unbox_ref_args(&mut self, v: Var, rt: &RuntimeType) -> [Var; 3] {
        let word = self.b.retype(v, Ty::Any);
        let kind = self.b.iconst(Ty::I32, runtime_type_kind(rt) as i32);
        let aux = match rt.aux_symbol() {
            Some(sym) => self.b.sym_addr(sym),
            None => self.b.iconst(Ty::I32, 0),
        };
        [word, kind, aux]
    }

    /// A `Math` function of already lowered arguments.
    pub(super) fn math(&mut self, f: MathFn, args: &[Var], ty: &Type, span: Span) -> Var {
        let unary = |n: Native| Some(n);
        let native = match f {
            MathFn::Sqrt => unary(Native::MathSqrt),
            MathFn::Sin => unary(Native::MathSin),
            MathFn::Cos => unary(Native::MathCos),
            MathFn::Tan => unary(Native::MathTan),
            MathFn::Atan2 => unary(Native::MathAtan2),
            MathFn::Exp => unary(Native::MathExp),
            MathFn::Log => unary(Native::MathLog),
            MathFn::Floor => unary(Native::MathFloor),
            MathFn::Ceil => unary(Native::MathCeil),
            MathFn::Round => unary(Native::MathRound),
            MathFn::Pow | MathFn::Abs | MathFn::Min | MathFn::Max => None,
        };
        if let Some(n) = native {
            return self.b.native_value(n, args.to_vec(), span);
        }
        let integral = *ty != Type::Float;
        match f {
            MathFn::Pow => {
                let (a, b) = (self.word(args[0]), self.word(args[1]));
                self.b.native_value(Native::PowFloat, vec![a, b], span)
            }
            MathFn::Abs if integral => {
                let zero = self.b.iconst(Ty::I32, 0);
                let neg = self.b.var(Ty::I32);
                self.b.emit(Inst::Unary {
                    op: UnOp::Neg,
                    dst: neg,
                    src: args[0],
                });
                self.select(Cond::LtS, args[0], zero, neg, args[0], Ty::I32)
            }
            MathFn::Abs => {
                let bits = self.word(args[0]);
                let cleared = self.b.var(Ty::I32);
                self.b.emit(Inst::IntImm {
                    op: IntOp::And,
                    dst: cleared,
                    a: bits,
                    imm: i32::MAX,
                });
                let dst = self.b.var(Ty::F32);
                self.b.emit(Inst::Unary {
                    op: UnOp::BitsFloat,
                    dst,
                    src: cleared,
                });
                dst
            }
            _ => {
                let (a, b) = (args[0], args[1]);
                let (cond, t) = match (f, integral) {
                    (MathFn::Min, true) => (Cond::LtS, Ty::I32),
                    (MathFn::Max, true) => (Cond::GtS, Ty::I32),
                    (MathFn::Min, false) => (Cond::FLt, Ty::F32),
                    _ => (Cond::FGt, Ty::F32),
                };
                self.select(cond, a, b, a, b, t)
            }
        }
    }

    /// `(a cond b) ? yes : no` as a var of type `ty`.
    fn select(&mut self, cond: Cond, a: Var, b: Var, yes: Var, no: Var, ty: Ty) -> Var {
        let result = self.b.var(ty);
        let (bt, bf, join) = (self.b.block(), self.b.block(), self.b.block());
        self.b.terminate(Terminator::Branch {
            cond,
            a,
            b,
            then: bt,
            other: bf,
        });
        for (block, v) in [(bt, yes), (bf, no)] {
            self.b.switch_to(block);
            self.b.copy_and_jump(result, v, join);
        }
        self.b.switch_to(join);
        result
    }
}

#[cfg(test)]
mod tests {
    use crate::db::{self, Compiler, FunctionName, SourceFile};

    /// The IR of function `name` of program `src`, as text.
    fn lowered(src: &str, name: &str) -> String {
        let db = Compiler::default();
        let file = SourceFile::new(&db, "main.bs".into(), src.into(), 0);
        assert!(db::diagnostics(&db, file).is_empty());
        let f = db::lower_function(&db, file, FunctionName::new(&db, name.to_string()));
        f.as_ref().expect("lowered").to_string()
    }

    const CLASS: &str = "class A { x: integer; constructor() { this.x = 1 } }\n";

    #[test]
    fn a_cast_to_a_class_compares_the_descriptor_before_calling_the_runtime() {
        let ir = lowered(
            &format!("{CLASS}function f(a: object): integer {{ return (a as A).x }}"),
            "f",
        );
        let inline = ir.find("load.u8").expect("the kind is read inline");
        assert!(
            ir[inline..].contains("symaddr ClassDescriptor(\"A@main.bs\")"),
            "{ir}"
        );
        assert_eq!(ir.matches("call native#").count(), 1, "one slow path: {ir}");
        // The exact class is the way that falls through: the branch leaves on a mismatch.
        let compare = ir[inline..].find("branch.").expect("the descriptor's test");
        assert!(ir[inline + compare..].starts_with("branch.Ne"), "{ir}");
    }

    #[test]
    fn a_cast_that_only_removes_null_tests_only_null() {
        let ir = lowered(
            &format!("{CLASS}function f(a: A | null): integer {{ return (a as A).x }}"),
            "f",
        );
        assert_eq!(ir.matches("branch").count(), 1, "the null test alone: {ir}");
        // The runtime's check of a null raises: the slow path is a raise, not a call.
        assert_eq!(ir.matches("call native#").count(), 0, "{ir}");
        assert_eq!(
            ir.matches("raise native#").count(),
            1,
            "one slow path: {ir}"
        );
    }

    #[test]
    fn a_cast_between_classes_tests_only_null_before_the_descriptor() {
        let ir = lowered(
            &format!(
                "{CLASS}class B extends A {{}}\nfunction f(a: A | null): integer {{ return (a as B).x }}"
            ),
            "f",
        );
        assert!(!ir.contains("load.u8"), "an instance's kind is known: {ir}");
        assert!(
            ir.contains("symaddr ClassDescriptor(\"B@main.bs\")"),
            "{ir}"
        );
        assert_eq!(ir.matches("call native#").count(), 1, "one slow path: {ir}");
    }

    #[test]
    fn a_cast_to_a_nullable_class_lets_null_through_inline() {
        let ir = lowered(
            &format!("{CLASS}function f(a: any): A | null {{ return a as A | null }}"),
            "f",
        );
        // The word compared with null: on to the result when it is, to the runtime when not.
        assert!(ir.contains("branch.Ne v1, "), "{ir}");
        assert!(ir.contains("load.u8"), "{ir}");
    }

    #[test]
    fn a_cast_to_another_reference_type_calls_the_runtime() {
        let ir = lowered("function f(a: any): string { return a as string }", "f");
        assert!(!ir.contains("load.u8"), "{ir}");
        assert_eq!(ir.matches("call native#").count(), 1, "{ir}");
    }
}
