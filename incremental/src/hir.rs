//! The typed tree: what the checker produces for one function body and lowering consumes.
//!
//! Names are resolved (locals are numbered, globals and functions are named), every expression
//! carries its type, operators are resolved to the kind of operation they perform, and every
//! implicit conversion is an explicit [`ExprKind::Convert`]. Lowering never has to look at types
//! to decide what an operator means.

use crate::types::Type;
use syntax::Span;

/// A local variable or parameter, numbered within one function body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LocalId(pub u32);

/// A checked function body (or the top-level code of a file, as its `main`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Body {
    /// The function's name (`<main>` for top-level code).
    pub name: String,
    /// The function's name in its declaration (the start of the file for `<main>`): run-time
    /// errors raised on entry (stack overflow) point here.
    pub span: Span,
    /// The parameters, as locals `0..params.len()`.
    pub params: Vec<LocalId>,
    /// The type of every local, indexed by `LocalId.0`.
    pub locals: Vec<Type>,
    /// The result type (`Void` for none).
    pub ret: Type,
    /// The statements.
    pub stmts: Vec<Stmt>,
}

/// A checked statement.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stmt {
    /// Evaluate and discard.
    Expr(Expr),
    /// Assign an initial value to a local (declarations without initializer get a zero value).
    InitLocal(LocalId, Expr),
    /// Assign an initial value to a global.
    InitGlobal(String, Expr),
    /// `if`.
    If(Expr, Vec<Stmt>, Vec<Stmt>),
    /// A loop: `while (cond) body` with `step` run after the body and on `continue` (for `for`),
    /// and `test_first = false` for `do … while`.
    Loop {
        /// The condition (a boolean-valued truth test), if any.
        cond: Option<Expr>,
        /// The body.
        body: Vec<Stmt>,
        /// The step expression of a `for`.
        step: Option<Expr>,
        /// Whether the condition is tested before the first iteration.
        test_first: bool,
    },
    /// `break`.
    Break,
    /// `continue`.
    Continue,
    /// `return` with an optional (already converted) value.
    Return(Option<Expr>),
    /// A nested block (only for scoping; lowering flattens it).
    Block(Vec<Stmt>),
}

/// A checked expression with its type and span.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Expr {
    /// What it does.
    pub kind: ExprKind,
    /// Its static type.
    pub ty: Type,
    /// Where it came from (run-time errors point here).
    pub span: Span,
}

/// Arithmetic on typed operands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithOp {
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
    /// `&`.
    And,
    /// `|`.
    Or,
    /// `^`.
    Xor,
    /// `<<`.
    Shl,
    /// `>>`.
    Shr,
    /// `>>>`.
    UShr,
    /// `**`.
    Pow,
}

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `==`, `===`.
    Eq,
    /// `!=`, `!==`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

/// Which representation an operation works on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    /// Raw i32 (integers, booleans).
    Int,
    /// f32.
    Float,
    /// Strings (by content).
    Str,
    /// `any` words (dynamic).
    Any,
    /// References compared by identity.
    Ref,
}

/// An implicit or explicit conversion between representations.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Conversion {
    /// integer → float.
    IntToFloat,
    /// float → integer (truncating; `as integer`).
    FloatToInt,
    /// A value of the given static type → `any`.
    Box(Type),
    /// `any` → the given type, checked at run time.
    Unbox(Type),
    /// Any value → its text, for string concatenation.
    ToString(Type),
    /// Truthiness of a value of the given type → boolean.
    Truthy(Type),
}

/// A place that can be assigned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Place {
    /// A local variable.
    Local(LocalId),
    /// A global variable.
    Global(String),
    /// `array[index]` on a typed array (element type is the place's type).
    Index(Box<Expr>, Box<Expr>),
    /// `value[index]` where `value` is `any` (the place's type is `any`).
    AnyIndex(Box<Expr>, Box<Expr>),
}

/// A built-in function or method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// `print(x…)` / `console.log(x…)`: to standard output.
    Print,
    /// `console.error(x…)`: to standard error.
    PrintError,
    /// `time.now()`.
    TimeNow,
    /// `time.delay(ms)`.
    TimeDelay,
    /// `s.startsWith(t)`.
    StartsWith,
    /// `s.endsWith(t)`.
    EndsWith,
    /// `s.substring(a, b)`.
    Substring,
    /// `s.charCodeAt(i)`.
    CharCodeAt,
    /// `s.indexOf(t)`.
    IndexOf,
    /// `a.push(x)`.
    Push,
    /// `a.pop()`.
    Pop,
    /// `a.shift()`.
    Shift,
    /// `a.unshift(x)`.
    Unshift,
}

/// What a checked expression does.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExprKind {
    /// An integer or boolean constant.
    Int(i32),
    /// A float constant (bits).
    Float(u32),
    /// A string constant.
    Str(Vec<u8>),
    /// `null` / `undefined`.
    Undefined,
    /// Read a local.
    Local(LocalId),
    /// Read a global.
    Global(String),
    /// An array literal of the expression's array type.
    ArrayLit(Vec<Expr>),
    /// `new Array<T>(len, init)`.
    NewArray(Box<Expr>, Box<Expr>),
    /// Integer or float negation (`domain` Int, Float or Any).
    Neg(Domain, Box<Expr>),
    /// Bitwise not of an integer.
    BitNot(Box<Expr>),
    /// Boolean not of a boolean.
    Not(Box<Expr>),
    /// Arithmetic in a domain (Int, Float or Any); string `+` is [`ExprKind::Concat`].
    Arith(ArithOp, Domain, Box<Expr>, Box<Expr>),
    /// String concatenation of two strings.
    Concat(Box<Expr>, Box<Expr>),
    /// A comparison in a domain; result boolean.
    Cmp(CmpOp, Domain, Box<Expr>, Box<Expr>),
    /// `a && b` / `a || b` on booleans (`and = true` for `&&`).
    Logical(bool, Box<Expr>, Box<Expr>),
    /// `c ? a : b`.
    Cond(Box<Expr>, Box<Expr>, Box<Expr>),
    /// A conversion.
    Convert(Conversion, Box<Expr>),
    /// Store into a place; the value is already of the place's type. Yields the stored value.
    Assign(Place, Box<Expr>),
    /// `place op= value` (and `++`/`--`): `op` in `domain`; `value` has the place's operand type
    /// (converted as needed); yields the new value, or the old one when `postfix`.
    Update {
        /// The place.
        place: Place,
        /// The operation.
        op: ArithOp,
        /// Its domain.
        domain: Domain,
        /// The right operand.
        value: Box<Expr>,
        /// Yield the old value (`x++`).
        postfix: bool,
    },
    /// Call a BlueScript function by name with converted arguments.
    Call(String, Vec<Expr>),
    /// Call a built-in.
    Builtin(Builtin, Vec<Expr>),
    /// Read an element of a typed array.
    Index(Box<Expr>, Box<Expr>),
    /// Read an element of an `any` (array or string).
    AnyIndex(Box<Expr>, Box<Expr>),
    /// `.length` of an array or string of known type.
    Length(Box<Expr>),
    /// `.length` of an `any`.
    AnyLength(Box<Expr>),
}

impl Expr {
    /// An expression of type `ty` at `span`.
    pub fn new(kind: ExprKind, ty: Type, span: Span) -> Expr {
        Expr { kind, ty, span }
    }
}
