//! The owned syntax tree of one BlueScript source file.
//!
//! Trees are plain values (`Clone + Eq + Hash`) so that salsa can compare them for early cutoff.
//! Every node carries the [`Span`] of the source text it came from. The parser never fails: where the
//! source is broken it records a [`crate::SyntaxError`] and produces an [`Expr::Error`] or
//! [`Stmt::Error`] node so that later phases still see a complete tree.

use crate::Span;

/// One parsed source file: its top-level items and statements, in source order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SourceFile {
    /// Top-level declarations and statements in source order.
    pub items: Vec<Item>,
}

/// A top-level element of a source file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Item {
    /// `function f(…) { … }`, possibly `export`ed.
    Function(FunctionDecl),
    /// `class C extends B { … }`, possibly `export`ed.
    Class(ClassDecl),
    /// `enum E { A = 1, … }`, possibly `export`ed.
    Enum(EnumDecl),
    /// `import { a, b as c } from './x'` (also `import type …`, which is ignored).
    Import(ImportDecl),
    /// `type integer = number` and similar aliases, accepted and ignored.
    TypeAlias(TypeAliasDecl),
    /// Any statement at top level, including `let`/`const` (globals) and `export let …`.
    Stmt(Stmt),
}

/// An identifier with its span.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Ident {
    /// The identifier text.
    pub name: String,
    /// Where it is in the source.
    pub span: Span,
}

/// `function name(params): ret { body }`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FunctionDecl {
    /// `export function …`.
    pub exported: bool,
    /// The function's name.
    pub name: Ident,
    /// Parameters in order.
    pub params: Vec<Param>,
    /// The declared return type, if any (otherwise it is inferred).
    pub ret: Option<TypeExpr>,
    /// The body block.
    pub body: Block,
    /// From `function` to the closing brace.
    pub span: Span,
}

/// A function or method parameter: `name` or `name: Type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Param {
    /// The parameter's name.
    pub name: Ident,
    /// Its annotation; a parameter without one is `any`.
    pub ty: Option<TypeExpr>,
    /// The whole parameter.
    pub span: Span,
}

/// `class Name extends Base { members }`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClassDecl {
    /// `export class …`.
    pub exported: bool,
    /// The class name.
    pub name: Ident,
    /// The superclass, if any.
    pub extends: Option<Ident>,
    /// Fields, constructor and methods in source order.
    pub members: Vec<ClassMember>,
    /// The whole declaration.
    pub span: Span,
}

/// One member of a class body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ClassMember {
    /// `x: integer;` or `static count: integer;`.
    Field {
        /// `static`.
        is_static: bool,
        /// The property name.
        name: Ident,
        /// Its annotation (none means `any`).
        ty: Option<TypeExpr>,
        /// An initializer, which the language rejects for instance fields; kept for the diagnostic.
        init: Option<Expr>,
        /// The whole member.
        span: Span,
    },
    /// `constructor(params) { body }`.
    Constructor {
        /// Parameters.
        params: Vec<Param>,
        /// Body.
        body: Block,
        /// The whole member.
        span: Span,
    },
    /// `m(params): ret { body }` or `static m(…) { … }`.
    Method {
        /// `static`.
        is_static: bool,
        /// The method name.
        name: Ident,
        /// Parameters.
        params: Vec<Param>,
        /// Declared return type.
        ret: Option<TypeExpr>,
        /// Body.
        body: Block,
        /// The whole member.
        span: Span,
    },
}

/// `enum E { A = 1, B = -2 }`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnumDecl {
    /// `export enum …`.
    pub exported: bool,
    /// The enum's name.
    pub name: Ident,
    /// Members with their (possibly missing, which is an error) values.
    pub members: Vec<EnumMember>,
    /// The whole declaration.
    pub span: Span,
}

/// One `Name = value` of an enum.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnumMember {
    /// The member's name.
    pub name: Ident,
    /// Its initializer expression (an integer literal, possibly negated).
    pub value: Option<Expr>,
    /// The whole member.
    pub span: Span,
}

/// `import { a, b as c } from 'path'`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImportDecl {
    /// `import type { … }`: accepted and ignored.
    pub type_only: bool,
    /// The imported names.
    pub names: Vec<ImportName>,
    /// The module specifier without quotes.
    pub from: String,
    /// The span of the specifier string literal.
    pub from_span: Span,
    /// The whole declaration.
    pub span: Span,
}

/// One `name` or `name as local` inside `import { … }`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImportName {
    /// The exported name in the other module.
    pub name: Ident,
    /// The local alias, if any.
    pub alias: Option<Ident>,
}

/// `type Name = Type`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeAliasDecl {
    /// `export type …`.
    pub exported: bool,
    /// The alias name.
    pub name: Ident,
    /// The aliased type.
    pub ty: TypeExpr,
    /// The whole declaration.
    pub span: Span,
}

/// A type as written in the source.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TypeExpr {
    /// A named type: `integer`, `number`, `float`, `boolean`, `string`, `any`, `void`, `null`,
    /// `undefined`, `object`, `int32`, `Uint8Array`, `FixedArray`, a class or an enum name.
    Named(Ident),
    /// `T[]`.
    Array(Box<TypeExpr>, Span),
    /// `Name<T, …>` such as `Array<integer>`.
    Generic(Ident, Vec<TypeExpr>, Span),
    /// `A | B | …`.
    Union(Vec<TypeExpr>, Span),
    /// `(a: A, b: B) => R`.
    Function(Vec<Param>, Box<TypeExpr>, Span),
    /// A type the parser could not read; an error was recorded.
    Error(Span),
}

/// A `{ … }` block.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Block {
    /// The statements in order.
    pub stmts: Vec<Stmt>,
    /// From `{` to `}`.
    pub span: Span,
}

/// `let` or `const`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeclKind {
    /// `let` (also `var`, which the parser accepts as `let`).
    Let,
    /// `const`.
    Const,
}

/// One `name: T = init` of a variable declaration.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VarDeclarator {
    /// The variable name.
    pub name: Ident,
    /// Its annotation.
    pub ty: Option<TypeExpr>,
    /// Its initializer.
    pub init: Option<Expr>,
    /// The whole declarator.
    pub span: Span,
}

/// A statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stmt {
    /// `let a = 1, b: integer;` (possibly `export`ed at top level).
    VarDecl {
        /// `export let …`.
        exported: bool,
        /// `let` or `const`.
        kind: DeclKind,
        /// The declared variables.
        decls: Vec<VarDeclarator>,
        /// The whole statement.
        span: Span,
    },
    /// An expression followed by `;` (or an inserted semicolon).
    Expr(Expr),
    /// `if (cond) then else other`.
    If {
        /// The condition.
        cond: Expr,
        /// The then branch.
        then: Box<Stmt>,
        /// The else branch.
        other: Option<Box<Stmt>>,
        /// The whole statement.
        span: Span,
    },
    /// `while (cond) body`.
    While {
        /// The condition.
        cond: Expr,
        /// The body.
        body: Box<Stmt>,
        /// The whole statement.
        span: Span,
    },
    /// `do body while (cond)`.
    DoWhile {
        /// The body.
        body: Box<Stmt>,
        /// The condition.
        cond: Expr,
        /// The whole statement.
        span: Span,
    },
    /// `for (init; cond; step) body`.
    For {
        /// A `VarDecl` or `Expr` statement, if any.
        init: Option<Box<Stmt>>,
        /// The condition, if any.
        cond: Option<Expr>,
        /// The step expression, if any.
        step: Option<Expr>,
        /// The body.
        body: Box<Stmt>,
        /// The whole statement.
        span: Span,
    },
    /// `break;`.
    Break(Span),
    /// `continue;`.
    Continue(Span),
    /// `return value;`.
    Return(Option<Expr>, Span),
    /// `{ … }`.
    Block(Block),
    /// `;` on its own.
    Empty(Span),
    /// A construct that parses but is not supported yet (`switch`, `for … of`, `try`, `throw`, …):
    /// the parser records nothing; the checker reports "`<what>` is not supported yet".
    Unsupported {
        /// What it is, for the message (for example "`switch` statement").
        what: String,
        /// The whole construct.
        span: Span,
    },
    /// A nested `function` or `class` declaration (not at top level), kept for a clear error.
    NestedItem(Box<Item>),
    /// A statement the parser could not read; an error was recorded.
    Error(Span),
}

/// A unary prefix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`.
    Neg,
    /// `+x`.
    Plus,
    /// `!x`.
    Not,
    /// `~x`.
    BitNot,
    /// `typeof x`.
    TypeOf,
}

/// A binary operator (not assignment, not `&&`/`||`, which are [`Expr::Logical`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `%`.
    Rem,
    /// `**`.
    Pow,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `===`.
    StrictEq,
    /// `!==`.
    StrictNe,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `&`.
    BitAnd,
    /// `|`.
    BitOr,
    /// `^`.
    BitXor,
    /// `<<`.
    Shl,
    /// `>>`.
    Shr,
    /// `>>>`.
    UShr,
}

/// `&&` or `||`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogicalOp {
    /// `&&`.
    And,
    /// `||`.
    Or,
}

/// `++` or `--`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IncDec {
    /// `++`.
    Inc,
    /// `--`.
    Dec,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Literal {
    /// An integer literal (decimal, hex, binary, octal), kept as `i64` so that the checker can
    /// report literals that do not fit in 32 bits.
    Int(i64),
    /// A float literal, stored as the bits of the `f64` the text denotes (for `Eq`/`Hash`).
    Float(u64),
    /// A string literal with escapes resolved, as bytes.
    Str(Vec<u8>),
    /// `true` / `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// `undefined`.
    Undefined,
}

/// An expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    /// A literal.
    Lit(Literal, Span),
    /// A name.
    Ident(Ident),
    /// `[a, b, c]`.
    Array(Vec<Expr>, Span),
    /// `op x`.
    Unary(UnaryOp, Box<Expr>, Span),
    /// `a op b`.
    Binary(BinaryOp, Box<Expr>, Box<Expr>, Span),
    /// `a && b`, `a || b`.
    Logical(LogicalOp, Box<Expr>, Box<Expr>, Span),
    /// `target = value` or `target op= value` (`op` is `None` for plain `=`).
    Assign(Option<BinaryOp>, Box<Expr>, Box<Expr>, Span),
    /// `++x`, `--x` (`prefix = true`) or `x++`, `x--`.
    Update {
        /// Increment or decrement.
        op: IncDec,
        /// Prefix form.
        prefix: bool,
        /// The variable, property or element.
        target: Box<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `cond ? a : b`.
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>, Span),
    /// `callee(args)`.
    Call(Box<Expr>, Vec<Expr>, Span),
    /// `new Name<T>(args)`.
    New {
        /// The class or built-in name (`Array`, `Uint8Array`, a class).
        class: Ident,
        /// Explicit type arguments: `new Array<integer>(…)`.
        type_args: Vec<TypeExpr>,
        /// Constructor arguments.
        args: Vec<Expr>,
        /// The whole expression.
        span: Span,
    },
    /// `object.name`.
    Member(Box<Expr>, Ident, Span),
    /// `object[index]`.
    Index(Box<Expr>, Box<Expr>, Span),
    /// `x as T`.
    As(Box<Expr>, TypeExpr, Span),
    /// `x instanceof C`.
    InstanceOf(Box<Expr>, Ident, Span),
    /// `(params): R => body`: the body is either an expression or a block.
    Arrow {
        /// Parameters.
        params: Vec<Param>,
        /// Declared return type.
        ret: Option<TypeExpr>,
        /// The body.
        body: ArrowBody,
        /// The whole expression.
        span: Span,
    },
    /// `this`.
    This(Span),
    /// `super` (only valid as `super(…)` or `super.m(…)`).
    Super(Span),
    /// A construct that parses but is not supported yet (template literals, object literals,
    /// `function` expressions, inline C `` code`…` ``…): the checker reports it.
    Unsupported {
        /// What it is, for the message (for example "template literal").
        what: String,
        /// The whole construct.
        span: Span,
    },
    /// An expression the parser could not read; an error was recorded.
    Error(Span),
}

/// The body of an arrow function.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ArrowBody {
    /// `=> expr`.
    Expr(Box<Expr>),
    /// `=> { … }`.
    Block(Block),
}

impl Expr {
    /// The source span of this expression.
    pub fn span(&self) -> Span {
        match self {
            Expr::Lit(_, s)
            | Expr::Array(_, s)
            | Expr::Unary(_, _, s)
            | Expr::Binary(_, _, _, s)
            | Expr::Logical(_, _, _, s)
            | Expr::Assign(_, _, _, s)
            | Expr::Conditional(_, _, _, s)
            | Expr::Call(_, _, s)
            | Expr::Member(_, _, s)
            | Expr::Index(_, _, s)
            | Expr::As(_, _, s)
            | Expr::InstanceOf(_, _, s)
            | Expr::This(s)
            | Expr::Super(s)
            | Expr::Error(s) => *s,
            Expr::Ident(id) => id.span,
            Expr::Update { span, .. }
            | Expr::New { span, .. }
            | Expr::Arrow { span, .. }
            | Expr::Unsupported { span, .. } => *span,
        }
    }
}

impl Stmt {
    /// The source span of this statement.
    pub fn span(&self) -> Span {
        match self {
            Stmt::VarDecl { span, .. }
            | Stmt::If { span, .. }
            | Stmt::While { span, .. }
            | Stmt::DoWhile { span, .. }
            | Stmt::For { span, .. }
            | Stmt::Unsupported { span, .. } => *span,
            Stmt::Expr(e) => e.span(),
            Stmt::Break(s)
            | Stmt::Continue(s)
            | Stmt::Return(_, s)
            | Stmt::Empty(s)
            | Stmt::Error(s) => *s,
            Stmt::Block(b) => b.span,
            Stmt::NestedItem(item) => item.span(),
        }
    }
}

impl Item {
    /// The source span of this item.
    pub fn span(&self) -> Span {
        match self {
            Item::Function(f) => f.span,
            Item::Class(c) => c.span,
            Item::Enum(e) => e.span,
            Item::Import(i) => i.span,
            Item::TypeAlias(t) => t.span,
            Item::Stmt(s) => s.span(),
        }
    }
}

impl TypeExpr {
    /// The source span of this type.
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(id) => id.span,
            TypeExpr::Array(_, s)
            | TypeExpr::Generic(_, _, s)
            | TypeExpr::Union(_, s)
            | TypeExpr::Function(_, _, s)
            | TypeExpr::Error(s) => *s,
        }
    }
}
