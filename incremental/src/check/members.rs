//! Checking what classes, enums and `any` objects add to expressions: `this`, properties,
//! method calls (virtual, direct, `super.m(…)`, by name on `any`), `new C(…)`, `super(…)`,
//! `instanceof`, static members and enum members.

use super::body::BodyChecker;
use super::items::static_name;
use super::signatures::ClassInfo;
use crate::hir::{Expr, ExprKind, Place};
use crate::types::{ClassType, Type};
use syntax::Span;
use syntax::ast;

fn bx(e: Expr) -> Box<Expr> {
    Box::new(e)
}

/// What `Name.member` means when `Name` is not a variable.
pub(super) enum StaticTarget {
    /// A static field: the global's name.
    Field(String),
    /// A static method: the function's name.
    Method(String),
    /// An enum member: its type and value.
    EnumMember(Type, i32),
}

impl BodyChecker<'_> {
    /// `this`.
    pub(super) fn this_expr(&mut self, span: Span) -> Expr {
        match (self.this_local(), &self.this) {
            (Some(id), Some(ty)) => {
                Expr::new(ExprKind::Local(id), Type::Class(Box::new(ty.clone())), span)
            }
            _ => self.error(
                "E0224",
                span,
                "`this` can only be used inside a method or constructor".into(),
            ),
        }
    }

    /// The class of a class type.
    pub(super) fn class_info(&self, ty: &ClassType) -> Option<ClassInfo> {
        self.env.types().classes.get(&ty.key).cloned()
    }

    /// `Name.member` where `Name` names a class or an enum rather than a variable.
    pub(super) fn static_member(
        &mut self,
        owner: &ast::Ident,
        member: &ast::Ident,
    ) -> Option<StaticTarget> {
        if self.lookup_local(&owner.name).is_some()
            || self.lookup_global(&owner.name, owner.span).is_some()
        {
            return None;
        }
        let key = self.item_name(&owner.name);
        let types = self.env.types();
        if let Some(e) = types.enums.get(&key) {
            let value = e.members.get(&member.name).copied();
            let ty = Type::Enum(key);
            return Some(match value {
                Some(v) => StaticTarget::EnumMember(ty, v),
                None => {
                    self.sink.error(
                        "E0214",
                        member.span,
                        format!("enum `{}` has no member `{}`", owner.name, member.name),
                    );
                    StaticTarget::EnumMember(Type::Error, 0)
                }
            });
        }
        let class = types.classes.get(&key)?;
        if !class.statics.contains(&member.name) {
            self.sink.error(
                "E0214",
                member.span,
                format!(
                    "class `{}` has no static member `{}`",
                    owner.name, member.name
                ),
            );
            return Some(StaticTarget::EnumMember(Type::Error, 0));
        }
        let name = self.item_name(&static_name(&owner.name, &member.name));
        Some(
            if types.globals.contains_key(&name)
                || self.env.global(&name, self.sink, member.span).is_some()
            {
                StaticTarget::Field(name)
            } else {
                StaticTarget::Method(name)
            },
        )
    }

    /// `obj.name` read as a value.
    pub(super) fn member(&mut self, obj: &ast::Expr, name: &ast::Ident, span: Span) -> Expr {
        if let ast::Expr::Ident(owner) = obj
            && let Some(target) = self.static_member(owner, name)
        {
            return match target {
                StaticTarget::Field(g) => {
                    let ty = self.lookup_global(&g, span).map_or(Type::Error, |g| g.ty);
                    Expr::new(ExprKind::Global(g), ty, span)
                }
                StaticTarget::Method(_) => self.error(
                    "E0225",
                    span,
                    format!("`{}.{}` is a method; call it", owner.name, name.name),
                ),
                StaticTarget::EnumMember(ty, v) => Expr::new(ExprKind::Int(v), ty, span),
            };
        }
        if let ast::Expr::Ident(m) = obj
            && m.name == "Math"
            && self.lookup_local("Math").is_none()
        {
            return self.math_constant(name, span);
        }
        let obj = self.expr(obj, None);
        match (&obj.ty, name.name.as_str()) {
            (Type::Error, _) => Expr::new(ExprKind::Undefined, Type::Error, span),
            (Type::String | Type::Array(_) | Type::Uint8Array | Type::FixedArray, "length") => {
                Expr::new(ExprKind::Length(bx(obj)), Type::Integer, span)
            }
            (Type::Any, "length") => Expr::new(ExprKind::AnyLength(bx(obj)), Type::Any, span),
            (Type::Any, n) => {
                let n = n.to_string();
                Expr::new(ExprKind::AnyProperty(bx(obj), n), Type::Any, span)
            }
            (Type::Class(c), n) => {
                let c = (**c).clone();
                match self.field(&c, n, name.span) {
                    Some((index, ty)) => Expr::new(ExprKind::Field(bx(obj), index), ty, span),
                    None => Expr::new(ExprKind::Undefined, Type::Error, span),
                }
            }
            (Type::Nullable(_), _) => self.possibly_null(&obj, span),
            (t, n) => {
                let msg = format!("`{t}` has no property `{n}`");
                self.error("E0214", name.span, msg)
            }
        }
    }

    /// Reports the use of a possibly-null value as an object.
    pub(super) fn possibly_null(&mut self, obj: &Expr, span: Span) -> Expr {
        self.sink.error_hint(
            "E0226",
            obj.span,
            format!("this value may be null (its type is `{}`)", obj.ty),
            "check it first with `if (x != null) …`, or convert it with `x as T`",
        );
        Expr::new(ExprKind::Undefined, Type::Error, span)
    }

    /// The index and type of field `name` of class `c`, reporting a missing one (or a method
    /// used as a value).
    fn field(&mut self, c: &ClassType, name: &str, at: Span) -> Option<(u32, Type)> {
        let info = self.class_info(c)?;
        if let Some(i) = info.fields.iter().position(|(n, _)| n == name) {
            return Some((i as u32, info.fields[i].1.clone()));
        }
        if info.methods.iter().any(|m| m.name == name) {
            self.sink.error_hint(
                "E0225",
                at,
                format!("`{name}` is a method of `{}`, not a value", c.name),
                format!("call it: `.{name}(…)`"),
            );
        } else {
            self.sink.error(
                "E0214",
                at,
                format!("class `{}` has no property `{name}`", c.name),
            );
        }
        None
    }

    /// `obj.name` as an assignment target.
    pub(super) fn member_place(
        &mut self,
        obj: &ast::Expr,
        name: &ast::Ident,
        span: Span,
    ) -> Option<(Place, Type)> {
        if let ast::Expr::Ident(owner) = obj
            && let Some(target) = self.static_member(owner, name)
        {
            return match target {
                StaticTarget::Field(g) => {
                    let ty = self.lookup_global(&g, span)?.ty;
                    Some((Place::Global(g), ty))
                }
                StaticTarget::Method(_) | StaticTarget::EnumMember(..) => {
                    self.sink
                        .error("E0205", span, "cannot assign to this member".to_string());
                    None
                }
            };
        }
        let is_this = matches!(obj, ast::Expr::This(_));
        let obj = self.expr(obj, None);
        match obj.ty.clone() {
            Type::Error => None,
            Type::Any => Some((Place::AnyProperty(bx(obj), name.name.clone()), Type::Any)),
            Type::Class(c) => {
                let (index, ty) = self.field(&c, &name.name, name.span)?;
                if is_this && let Some(rules) = &mut self.constructor {
                    rules.assigned.insert(name.name.clone());
                }
                Some((Place::Field(bx(obj), index), ty))
            }
            Type::Nullable(_) => {
                self.possibly_null(&obj, span);
                None
            }
            t => {
                let msg = if name.name == "length" {
                    "cannot assign to `length`".to_string()
                } else {
                    format!("`{t}` has no property `{}`", name.name)
                };
                self.sink.error("E0205", span, msg);
                None
            }
        }
    }

    /// `obj.m(args)` on an instance of a class.
    pub(super) fn call_class_method(
        &mut self,
        obj: Expr,
        c: &ClassType,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Expr {
        let Some(info) = self.class_info(c) else {
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        };
        let Some(index) = info.methods.iter().position(|m| m.name == method.name) else {
            if let Some((field, _)) = info
                .fields
                .iter()
                .enumerate()
                .find(|(_, (n, _))| *n == method.name)
            {
                let ty = info.fields[field].1.clone();
                let value = Expr::new(ExprKind::Field(bx(obj), field as u32), ty, method.span);
                return self.call_value(value, &method.name, args, span);
            }
            self.check_args(args);
            return self.error(
                "E0214",
                method.span,
                format!("class `{}` has no method `{}`", c.name, method.name),
            );
        };
        let entry = info.methods[index].clone();
        let Some(sig) = self.env.function(&entry.function, self.sink, span) else {
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        };
        let Some(args) = self.arguments(&method.name, &sig.params, args, span) else {
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        };
        Expr::new(
            ExprKind::MethodCall {
                receiver: bx(obj),
                index: index as u32,
                function: entry.function,
                dispatch: entry.overridden,
                args,
            },
            sig.ret,
            span,
        )
    }

    /// The superclass of the class of `this`, if any.
    fn parent_class(&self) -> Option<ClassInfo> {
        let parent = self.this.as_ref()?.ancestors.first()?;
        self.env.types().classes.get(parent).cloned()
    }

    /// `super.m(args)`: the superclass's implementation, called directly.
    pub(super) fn call_super_method(
        &mut self,
        method: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Expr {
        let parent = self.parent_class();
        let (Some(parent), Some(this)) = (parent, self.this_local()) else {
            self.check_args(args);
            return self.error(
                "E0224",
                span,
                "`super.m(…)` can only be used in a method of a subclass".into(),
            );
        };
        let Some(entry) = parent
            .methods
            .iter()
            .find(|m| m.name == method.name)
            .cloned()
        else {
            self.check_args(args);
            return self.error(
                "E0214",
                method.span,
                format!("class `{}` has no method `{}`", parent.ty.name, method.name),
            );
        };
        let Some(sig) = self.env.function(&entry.function, self.sink, span) else {
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        };
        let Some(mut args) = self.arguments(&method.name, &sig.params, args, span) else {
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        };
        let this_ty = Type::Class(Box::new(parent.ty.clone()));
        args.insert(0, Expr::new(ExprKind::Local(this), this_ty, span));
        Expr::new(ExprKind::Call(entry.function, args), sig.ret, span)
    }

    /// `super(args)` as the first statement of a subclass constructor.
    pub(super) fn super_constructor_call(&mut self, args: &[ast::Expr], span: Span) -> Expr {
        let parent = self.parent_class();
        let (Some(parent), Some(this)) = (parent, self.this_local()) else {
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        };
        let Some(function) = parent.constructor.clone() else {
            if !args.is_empty() {
                self.check_args(args);
                return self.error(
                    "E0202",
                    span,
                    format!("the constructor of `{}` takes no arguments", parent.ty.name),
                );
            }
            return Expr::new(ExprKind::Int(0), Type::Integer, span);
        };
        let params = self
            .env
            .function(&function, self.sink, span)
            .map(|s| s.params)
            .unwrap_or_default();
        let Some(mut args) = self.arguments("super", &params, args, span) else {
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        };
        let this_ty = Type::Class(Box::new(parent.ty.clone()));
        args.insert(0, Expr::new(ExprKind::Local(this), this_ty, span));
        Expr::new(ExprKind::Call(function, args), Type::Void, span)
    }

    /// `new C(args)` for a user class.
    pub(super) fn new_instance(
        &mut self,
        class: &ast::Ident,
        args: &[ast::Expr],
        span: Span,
    ) -> Expr {
        let key = self.item_name(&class.name);
        let Some(info) = self.env.types().classes.get(&key).cloned() else {
            self.check_args(args);
            return self.error(
                "E0211",
                class.span,
                format!("unknown class `{}`", class.name),
            );
        };
        let params = match &info.constructor {
            Some(f) => self
                .env
                .function(f, self.sink, span)
                .map(|s| s.params)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let Some(args) = self.arguments(&class.name, &params, args, span) else {
            return Expr::new(ExprKind::Undefined, Type::Error, span);
        };
        Expr::new(
            ExprKind::New {
                class: info.ty.key.clone(),
                constructor: info.constructor.clone(),
                args,
            },
            Type::Class(Box::new(info.ty)),
            span,
        )
    }

    /// `x instanceof C`.
    pub(super) fn instance_of(&mut self, x: &ast::Expr, class: &ast::Ident, span: Span) -> Expr {
        let x = self.expr(x, None);
        if x.ty == Type::Error {
            return x;
        }
        if x.ty.is_numeric() || x.ty == Type::Boolean {
            return self.error(
                "E0200",
                x.span,
                format!(
                    "the left side of `instanceof` must be an object, not a `{}`",
                    x.ty
                ),
            );
        }
        let is_string = match class.name.as_str() {
            "string" | "String" => true,
            "Array" => false,
            _ => {
                let key = self.item_name(&class.name);
                let Some(info) = self.env.types().classes.get(&key).cloned() else {
                    return self.error(
                        "E0211",
                        class.span,
                        format!("unknown class `{}`", class.name),
                    );
                };
                let target = Type::Class(Box::new(info.ty.clone()));
                if x.ty.is_subtype_of(&target) && !x.ty.is_nullable() {
                    return Expr::new(ExprKind::Int(1), Type::Boolean, span);
                }
                if !x.ty.is_reference() && x.ty != Type::Null {
                    return Expr::new(ExprKind::Int(0), Type::Boolean, span);
                }
                let x = self.coerce(x, &Type::Any);
                return Expr::new(
                    ExprKind::InstanceOf(bx(x), info.ty.key),
                    Type::Boolean,
                    span,
                );
            }
        };
        let inner = x.ty.non_null();
        let statically = match inner {
            Type::Any | Type::Object => None,
            Type::String => Some(is_string),
            Type::Array(_) | Type::Uint8Array | Type::FixedArray => Some(!is_string),
            _ => Some(false),
        };
        if let Some(known) = statically
            && !x.ty.is_nullable()
        {
            return Expr::new(ExprKind::Int(known as i32), Type::Boolean, span);
        }
        let x = bx(self.coerce(x, &Type::Any));
        let kind = if is_string {
            ExprKind::IsString(x)
        } else {
            ExprKind::IsArray(x)
        };
        Expr::new(kind, Type::Boolean, span)
    }

    /// Checks call arguments against parameter types; reports a wrong count.
    pub(super) fn arguments(
        &mut self,
        name: &str,
        params: &[Type],
        args: &[ast::Expr],
        span: Span,
    ) -> Option<Vec<Expr>> {
        if args.len() != params.len() {
            let msg = format!(
                "`{}` takes {} argument{} but {} {} given",
                name,
                params.len(),
                if params.len() == 1 { "" } else { "s" },
                args.len(),
                if args.len() == 1 { "was" } else { "were" }
            );
            self.check_args(args);
            self.sink.error("E0202", span, msg);
            return None;
        }
        Some(
            args.iter()
                .zip(params)
                .map(|(a, t)| {
                    let a = self.expr(a, Some(t));
                    self.coerce(a, t)
                })
                .collect(),
        )
    }
}
