//! Class layouts and enum members: inheritance chains, instance fields (inherited first),
//! method tables with overrides in place, constructors, and the override compatibility rule.

use super::items::{constructor_name, method_name, qualify, unqualify};
use super::signatures::{ClassInfo, EnumInfo, FnSig, Signatures, VtableEntry};
use super::type_expr::resolve;
use crate::diagnostic::Sink;
use crate::types::{ClassType, Type, display_name};
use std::collections::{BTreeMap, HashMap};
use syntax::ast::{self, ClassMember, Expr, Literal, UnaryOp};

/// Builds every class of a file.
pub(super) struct ClassBuilder;

impl ClassBuilder {
    /// Lays out `decls`, the classes of file `module`, keyed by program-wide name; `types`
    /// already knows the file's enums, its imported classes and its scope.
    pub fn build(
        decls: &[&ast::ClassDecl],
        module: &str,
        types: &Signatures,
        sink: &mut Sink,
    ) -> BTreeMap<String, ClassInfo> {
        let by_name: HashMap<&str, &ast::ClassDecl> =
            decls.iter().map(|c| (c.name.name.as_str(), *c)).collect();
        // Ancestor chains first, so that every class type is complete before fields are read.
        let mut scope = types.clone();
        let mut order: Vec<&ast::ClassDecl> = Vec::new();
        for c in decls {
            let ancestors = ancestors(c, module, &by_name, types, sink);
            order.push(c);
            scope.classes.insert(
                qualify(&c.name.name, module),
                ClassInfo {
                    ty: ClassType {
                        key: qualify(&c.name.name, module),
                        name: c.name.name.clone(),
                        ancestors,
                    },
                    span: c.name.span,
                    fields: Vec::new(),
                    field_spans: Vec::new(),
                    own_fields: 0,
                    methods: Vec::new(),
                    constructor: None,
                    own_constructor: false,
                    statics: Vec::new(),
                },
            );
        }
        // Superclasses before subclasses.
        let key = |c: &ast::ClassDecl| qualify(&c.name.name, module);
        order.sort_by_key(|c| scope.classes[&key(c)].ty.ancestors.len());
        let mut done: BTreeMap<String, ClassInfo> = BTreeMap::new();
        for c in order {
            let mut info = scope.classes[&key(c)].clone();
            let parent = info
                .ty
                .ancestors
                .first()
                .and_then(|p| done.get(p).or_else(|| types.classes.get(p)))
                .cloned();
            lay_out(&mut info, c, module, parent.as_ref(), &scope, sink);
            done.insert(key(c), info);
        }
        mark_overridden(&mut done);
        let exported: Vec<String> = decls
            .iter()
            .filter(|c| c.exported)
            .map(|c| key(c))
            .collect();
        mark_visible_outside(&mut done, &exported);
        done
    }
}

/// The program-wide names of `c`'s superclass, its superclass, … (reporting unknown bases and
/// cycles, which end the chain). A base imported from another module ends the walk with that
/// class's own ancestors.
fn ancestors(
    c: &ast::ClassDecl,
    module: &str,
    by_name: &HashMap<&str, &ast::ClassDecl>,
    types: &Signatures,
    sink: &mut Sink,
) -> Vec<String> {
    let mut chain: Vec<String> = Vec::new();
    let mut next = c.extends.as_ref();
    while let Some(base) = next {
        let key = qualify(&base.name, module);
        if base.name == c.name.name || chain.contains(&key) {
            sink.error(
                "E0221",
                c.name.span,
                format!("class `{}` inherits from itself", c.name.name),
            );
            break;
        }
        let Some(decl) = by_name.get(base.name.as_str()) else {
            match types.classes.get(&types.qualified(&base.name)) {
                Some(imported) => {
                    chain.push(imported.ty.key.clone());
                    chain.extend(imported.ty.ancestors.iter().cloned());
                }
                None => sink.error_hint(
                    "E0211",
                    base.span,
                    format!("unknown class `{}`", base.name),
                    "a class can only extend a class declared in the same module or imported into it",
                ),
            }
            break;
        };
        chain.push(key);
        next = decl.extends.as_ref();
    }
    chain
}

/// Fills in `info`'s fields, method table and constructor from its declaration and its
/// parent's finished layout.
fn lay_out(
    info: &mut ClassInfo,
    c: &ast::ClassDecl,
    module: &str,
    parent: Option<&ClassInfo>,
    scope: &Signatures,
    sink: &mut Sink,
) {
    let class = &c.name.name;
    if let Some(p) = parent {
        info.fields = p.fields.clone();
        info.field_spans = p.field_spans.clone();
        info.methods = p.methods.clone();
        info.constructor = p.constructor.clone();
    }
    info.own_fields = info.fields.len();
    let mut members: HashMap<(bool, &str), ()> = HashMap::new();
    for m in &c.members {
        let (is_static, name) = match m {
            ClassMember::Field {
                is_static, name, ..
            }
            | ClassMember::Method {
                is_static, name, ..
            } => (*is_static, name),
            ClassMember::Constructor { span, .. } => {
                if info.own_constructor {
                    sink.error(
                        "E0208",
                        *span,
                        format!("class `{class}` has two constructors"),
                    );
                }
                info.own_constructor = true;
                info.constructor = Some(qualify(&constructor_name(class), module));
                continue;
            }
        };
        if members.insert((is_static, &name.name), ()).is_some() {
            sink.error(
                "E0208",
                name.span,
                format!("`{}` is declared twice in class `{class}`", name.name),
            );
            continue;
        }
        if is_static {
            info.statics.push(name.name.clone());
            continue;
        }
        match m {
            ClassMember::Field { ty, init, span, .. } => {
                if let Some(init) = init {
                    sink.error_hint(
                        "E0217",
                        init.span(),
                        format!("property `{}` cannot have an initializer", name.name),
                        "declare it without a value and assign it in the constructor",
                    );
                }
                if info.fields.iter().any(|(n, _)| *n == name.name) {
                    sink.error(
                        "E0208",
                        name.span,
                        format!(
                            "property `{}` is already declared by a superclass",
                            name.name
                        ),
                    );
                    continue;
                }
                let ty = ty.as_ref().map_or(Type::Any, |t| resolve(t, scope, sink));
                if ty == Type::Void {
                    sink.error(
                        "E0216",
                        *span,
                        format!("property `{}` cannot hold a `void` value", name.name),
                    );
                }
                info.fields.push((name.name.clone(), ty));
                info.field_spans.push(name.span);
            }
            ClassMember::Method { .. } => {
                let entry = VtableEntry {
                    name: name.name.clone(),
                    function: qualify(&method_name(class, &name.name), module),
                    overridden: false,
                    span: name.span,
                };
                match info.methods.iter_mut().find(|e| e.name == name.name) {
                    Some(inherited) => *inherited = entry,
                    None => info.methods.push(entry),
                }
            }
            ClassMember::Constructor { .. } => unreachable!("handled above"),
        }
    }
    for (name, _) in &info.fields {
        if let Some(m) = info.methods.iter().find(|e| e.name == *name) {
            sink.error(
                "E0208",
                m.span,
                format!("`{name}` is both a property and a method of class `{class}`"),
            );
        }
    }
    if !info.own_constructor && info.fields.len() > info.own_fields {
        sink.error_hint(
            "E0218",
            c.name.span,
            format!("class `{class}` declares properties but has no constructor"),
            "add a constructor that assigns every property",
        );
    }
}

/// Marks the method table entries that some subclass implements differently.
fn mark_overridden(classes: &mut BTreeMap<String, ClassInfo>) {
    let snapshot = classes.clone();
    for info in classes.values_mut() {
        for (i, entry) in info.methods.iter_mut().enumerate() {
            entry.overridden = snapshot.values().any(|sub| {
                sub.ty.ancestors.contains(&info.ty.key)
                    && sub
                        .methods
                        .get(i)
                        .is_some_and(|e| e.function != entry.function)
            });
        }
    }
}

/// Marks every method table entry of `exported` classes and their ancestors as overridden:
/// another module may subclass them, so calls through them must always be virtual.
fn mark_visible_outside(classes: &mut BTreeMap<String, ClassInfo>, exported: &[String]) {
    let visible: Vec<String> = exported
        .iter()
        .filter_map(|k| classes.get(k))
        .flat_map(|info| std::iter::once(info.ty.key.clone()).chain(info.ty.ancestors.clone()))
        .collect();
    for key in visible {
        if let Some(info) = classes.get_mut(&key) {
            for entry in &mut info.methods {
                entry.overridden = true;
            }
        }
    }
}

/// Reports the overrides in classes of `module` whose signature is not compatible with the
/// method they replace: the same number of parameters, each accepting at least what the
/// overridden one accepts, and a result usable where the overridden one's is.
pub(super) fn check_overrides(
    module: &str,
    classes: &BTreeMap<String, ClassInfo>,
    functions: &BTreeMap<String, FnSig>,
    sink: &mut Sink,
) {
    let own = |key: &str| unqualify(key).is_some_and(|(_, m)| m == module);
    for info in classes.values().filter(|c| own(&c.ty.key)) {
        let Some(parent) = info.ty.ancestors.first().and_then(|p| classes.get(p)) else {
            continue;
        };
        for (mine, theirs) in info.methods.iter().zip(&parent.methods) {
            if mine.function == theirs.function {
                continue;
            }
            let (Some(a), Some(b)) = (
                functions.get(&mine.function),
                functions.get(&theirs.function),
            ) else {
                continue;
            };
            let compatible = a.params.len() == b.params.len()
                && b.params
                    .iter()
                    .zip(&a.params)
                    .all(|(x, y)| x.is_subtype_of(y))
                && (b.ret == Type::Void || a.ret.is_subtype_of(&b.ret));
            if !compatible {
                sink.error_hint(
                    "E0219",
                    mine.span,
                    format!(
                        "`{}` overrides `{}` with an incompatible signature",
                        display_name(&mine.function),
                        display_name(&theirs.function)
                    ),
                    format!(
                        "the overridden method takes ({}) and returns `{}`",
                        b.params
                            .iter()
                            .map(|t| t.to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                        b.ret
                    ),
                );
            }
        }
    }
}

/// The members of an enum, each with its explicit integer value.
pub(super) fn enum_info(e: &ast::EnumDecl, sink: &mut Sink) -> EnumInfo {
    let mut info = EnumInfo::default();
    for m in &e.members {
        let value = m.value.as_ref().and_then(integer_literal);
        let Some(value) = value else {
            // Point at the value that is not an integer, or at the member without one; the
            // member still exists, so its uses report nothing more.
            let at = m.value.as_ref().map_or(m.span, |v| v.span());
            sink.error_hint(
                "E0220",
                at,
                format!(
                    "enum member `{}` needs an explicit integer value",
                    m.name.name
                ),
                format!("write for example `{} = 0`", m.name.name),
            );
            info.members.insert(m.name.name.clone(), 0);
            continue;
        };
        if info.members.insert(m.name.name.clone(), value).is_some() {
            sink.error(
                "E0208",
                m.name.span,
                format!(
                    "`{}` is declared twice in enum `{}`",
                    m.name.name, e.name.name
                ),
            );
        }
    }
    info
}

/// The value of an integer literal, possibly negated, that fits in 32 bits.
fn integer_literal(e: &Expr) -> Option<i32> {
    match e {
        Expr::Lit(Literal::Int(v), _) => i32::try_from(*v).ok(),
        Expr::Unary(UnaryOp::Neg, x, _) => integer_literal(x)?.checked_neg(),
        _ => None,
    }
}
