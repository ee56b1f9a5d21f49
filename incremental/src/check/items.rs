//! The compiled units of a file: every top-level function, every class's constructor, methods
//! and static methods, each as a function with a unique name. Methods become functions whose
//! first parameter is `this`.
//!
//! Names come in two forms. A *local* name is unique within its module (`f`, `C.m`, `C::x`);
//! the program-wide name of a module's item is its local name, `@`, and the module's path
//! (`f@lib/util.bs`), so that private items of different modules never clash in the link.

use std::collections::HashMap;
use syntax::ast::{self, ClassMember, Item};
use syntax::visit;

/// What a callable belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Owner {
    /// A top-level function.
    TopLevel,
    /// An instance method of the class with this name.
    Method(String),
    /// The constructor of the class with this name.
    Constructor(String),
    /// A static method of the class with this name.
    Static(String),
}

/// One function, method or constructor of a file, named uniquely.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Callable {
    /// Its unique name: `f`, `C.m` (method), `C.constructor`, `C::s` (static method).
    pub name: String,
    /// Its syntax, as a function declaration (the name is the member's name).
    pub decl: ast::FunctionDecl,
    /// What it belongs to.
    pub owner: Owner,
}

/// The name of method `m` of class `c`.
pub fn method_name(class: &str, m: &str) -> String {
    format!("{class}.{m}")
}

/// The name of the constructor of class `c`.
pub fn constructor_name(class: &str) -> String {
    format!("{class}.constructor")
}

/// The name of static member `m` of class `c` (a static method or a static field's global).
pub fn static_name(class: &str, m: &str) -> String {
    format!("{class}::{m}")
}

/// The program-wide name of item `local` of `module`.
pub fn qualify(local: &str, module: &str) -> String {
    format!("{local}@{module}")
}

/// The local name and the module of a program-wide name (local names never contain `@`).
pub fn unqualify(name: &str) -> Option<(&str, &str)> {
    name.split_once('@')
}

/// What ends the name of an `any` adapter.
pub const ADAPTER_SUFFIX: &str = "<any>";

/// The name of the `any` adapter of function `f`.
pub fn adapter_name(f: &str) -> String {
    format!("{f}{ADAPTER_SUFFIX}")
}

/// Every callable of `file`, in source order.
pub fn callables(file: &ast::SourceFile) -> Vec<Callable> {
    let mut out = Vec::new();
    for item in &file.items {
        match item {
            Item::Function(f) => out.push(Callable {
                name: f.name.name.clone(),
                decl: f.clone(),
                owner: Owner::TopLevel,
            }),
            Item::Class(c) => out.extend(class_callables(c)),
            _ => {}
        }
    }
    out
}

/// What a method is parsed inside when it is parsed again from its own text: a class of its
/// own. Every method starts at least this far into its file (`class X{` is the shortest
/// class head), so its origin is never negative.
const METHOD_WRAPPER: &str = "class C{";

/// `callable` parsed again from its own text in `text`, so that its positions are relative to
/// its start (for a method or constructor, to [`METHOD_WRAPPER`]'s length before it), and that
/// origin; `None` when the text alone does not parse into the same callable cleanly.
pub fn relative(callable: &Callable, text: &str) -> Option<(Callable, u32)> {
    let span = callable.decl.span;
    let own = text.get(span.start as usize..span.end as usize)?;
    let (decl, origin) = match &callable.owner {
        Owner::TopLevel => {
            let parse = syntax::parse(own);
            let [Item::Function(decl)] = parse.file.items.as_slice() else {
                return None;
            };
            if !parse.errors.is_empty() {
                return None;
            }
            (decl.clone(), span.start)
        }
        Owner::Method(_) | Owner::Static(_) | Owner::Constructor(_) => {
            let origin = span.start.checked_sub(METHOD_WRAPPER.len() as u32)?;
            let parse = syntax::parse(&format!("{METHOD_WRAPPER}{own}}}"));
            let [Item::Class(class)] = parse.file.items.as_slice() else {
                return None;
            };
            let [member] = class_callables(class).collect::<Vec<_>>().try_into().ok()?;
            let same_kind = matches!(
                (&member.owner, &callable.owner),
                (Owner::Method(_), Owner::Method(_))
                    | (Owner::Static(_), Owner::Static(_))
                    | (Owner::Constructor(_), Owner::Constructor(_))
            );
            if !parse.errors.is_empty() || class.members.len() != 1 || !same_kind {
                return None;
            }
            (member.decl, origin)
        }
    };
    if decl.name.name != callable.decl.name.name {
        return None;
    }
    let relative = Callable {
        name: callable.name.clone(),
        decl,
        owner: callable.owner.clone(),
    };
    Some((relative, origin))
}

/// The compiled unit whose positions the unit `name` shares: an adapter's function, a
/// closure's owner (`f` for `f/0` and `f/0<any>`), otherwise `name` itself.
pub fn unit_owner(name: &str) -> &str {
    let name = name.strip_suffix(ADAPTER_SUFFIX).unwrap_or(name);
    super::closures::parse_arrow_name(name).map_or(name, |(owner, _)| owner)
}

fn class_callables(c: &ast::ClassDecl) -> impl Iterator<Item = Callable> + '_ {
    let class = &c.name.name;
    c.members.iter().filter_map(move |m| match m {
        ClassMember::Field { .. } => None,
        ClassMember::Constructor { params, body, span } => Some(Callable {
            name: constructor_name(class),
            decl: ast::FunctionDecl {
                exported: false,
                name: ast::Ident {
                    name: "constructor".into(),
                    span: syntax::Span::new(span.start, span.start + 11),
                },
                params: params.clone(),
                ret: None,
                body: body.clone(),
                span: *span,
            },
            owner: Owner::Constructor(class.clone()),
        }),
        ClassMember::Method {
            is_static,
            name,
            params,
            ret,
            body,
            span,
        } => Some(Callable {
            name: if *is_static {
                static_name(class, &name.name)
            } else {
                method_name(class, &name.name)
            },
            decl: ast::FunctionDecl {
                exported: false,
                name: name.clone(),
                params: params.clone(),
                ret: ret.clone(),
                body: body.clone(),
                span: *span,
            },
            owner: if *is_static {
                Owner::Static(class.clone())
            } else {
                Owner::Method(class.clone())
            },
        }),
    })
}

/// The static fields of every class of `file`, as declarations of globals named `C::x`.
pub fn static_fields(file: &ast::SourceFile) -> Vec<ast::VarDeclarator> {
    let mut out = Vec::new();
    for item in &file.items {
        let Item::Class(c) = item else { continue };
        out.extend(
            c.members
                .iter()
                .filter_map(|m| static_field(&c.name.name, m)),
        );
    }
    out
}

/// Member `m` of class `class`, when it is a static field, as the declaration of global
/// `class::x`.
pub fn static_field(class: &str, m: &ClassMember) -> Option<ast::VarDeclarator> {
    let ClassMember::Field {
        is_static: true,
        name,
        ty,
        init,
        span,
    } = m
    else {
        return None;
    };
    Some(ast::VarDeclarator {
        name: ast::Ident {
            name: static_name(class, &name.name),
            span: name.span,
        },
        ty: ty.clone(),
        init: init.clone(),
        span: *span,
    })
}

/// The top-level functions of `file` that may be used as values (named other than as the callee
/// of a call in this file, or exported), which need an `any` adapter for their static closure.
pub fn functions_used_as_values(file: &ast::SourceFile) -> Vec<String> {
    // Occurrences of each name, minus its occurrences as a callee.
    let mut uses: HashMap<String, i64> = HashMap::new();
    let mut count = |e: &ast::Expr| match e {
        ast::Expr::Ident(id) => *uses.entry(id.name.clone()).or_default() += 1,
        ast::Expr::Call(callee, _, _) => {
            if let ast::Expr::Ident(id) = &**callee {
                *uses.entry(id.name.clone()).or_default() -= 1;
            }
        }
        _ => {}
    };
    let all = callables(file);
    for c in &all {
        for s in &c.decl.body.stmts {
            visit::each_expr_in_stmt(s, &mut count);
        }
    }
    for item in &file.items {
        if let Item::Stmt(s) = item {
            visit::each_expr_in_stmt(s, &mut count);
        }
    }
    for d in static_fields(file) {
        if let Some(e) = &d.init {
            visit::each_expr(e, &mut count);
        }
    }
    all.into_iter()
        .filter(|c| {
            c.owner == Owner::TopLevel
                && (c.decl.exported || uses.get(&c.name).is_some_and(|n| *n > 0))
        })
        .map(|c| c.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_top_level_function_has_positions_relative_to_its_start() {
        let text = "let g = 1\nexport function f(x: integer): integer { return x }\n\
                    class C { m(): integer { return 1 } }\n";
        let all = callables(&syntax::parse(text).file);
        let (f, origin) = relative(&all[0], text).expect("a top-level function");
        assert_eq!(origin, text.find("export").unwrap() as u32);
        assert_eq!(f.decl.span.start, 0);
        assert!(f.decl.exported);
        assert_eq!(f.decl.name.span.start, "export function ".len() as u32);
    }

    #[test]
    fn methods_and_constructors_have_positions_relative_to_their_start() {
        let text = "class Counter {\n  n: integer\n  constructor() { this.n = 0 }\n\
                    static make(): Counter { return new Counter() }\n  bump(by: integer) { this.n += by }\n}\n";
        let all = callables(&syntax::parse(text).file);
        let names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["Counter.constructor", "Counter::make", "Counter.bump"]
        );
        let starts = ["constructor(", "static make", "bump("];
        for (callable, at) in all.iter().zip(starts) {
            let (m, origin) = relative(callable, text).expect("a method");
            let start = text.find(at).unwrap() as u32;
            assert_eq!(m.decl.span.start + origin, start, "{}", m.name);
            assert_eq!(m.decl.span.end + origin, callable.decl.span.end);
            assert_eq!(
                m.decl.body.span.start + origin,
                callable.decl.body.span.start
            );
            assert_eq!((&m.name, &m.owner), (&callable.name, &callable.owner));
        }
    }

    #[test]
    fn units_share_the_positions_of_their_owner() {
        assert_eq!(unit_owner("f"), "f");
        assert_eq!(unit_owner("f<any>"), "f");
        assert_eq!(unit_owner("f/2"), "f");
        assert_eq!(unit_owner("f/2<any>"), "f");
        assert_eq!(unit_owner("C.m/0"), "C.m");
    }
}
