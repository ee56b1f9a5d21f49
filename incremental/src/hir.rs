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
    /// For the body of an arrow function: the locals that receive its captured words, in the
    /// closure's order. The closure itself is passed as an extra last parameter after `params`.
    pub captures: Option<Vec<LocalId>>,
    /// The locals that live in a cell (captured by a closure and assigned after their
    /// declaration), so that the body and every closure share one variable.
    pub cells: Vec<LocalId>,
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
        /// The cell locals declared by a `for (let …)`: each iteration gets its own copy, made
        /// before the step, so closures created in an iteration keep that iteration's value.
        fresh: Vec<LocalId>,
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
    /// A reference → a narrower reference type (a subclass, or `T` from `T | null`), checked at
    /// run time.
    Downcast(Type),
    /// Any value → its text, for string concatenation.
    ToString(Type),
    /// Truthiness of a value of the given type → boolean.
    Truthy(Type),
    /// An array of the first type → a new array of the second type holding each element
    /// converted (`integer[]` → `any[]` boxes, `any[]` → `integer[]` checks each element).
    Elements(Type, Type),
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
    /// Field number `index` of an instance (the place's type is the field's type).
    Field(Box<Expr>, u32),
    /// Property `name` of an `any` value, looked up at run time (the place's type is `any`).
    AnyProperty(Box<Expr>, String),
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
    /// A `Math` function.
    Math(MathFn),
    /// `a.push(x)` on an `any` array (`x` is `any`).
    AnyPush,
    /// `a.pop()` on an `any` array.
    AnyPop,
    /// `a.shift()` on an `any` array.
    AnyShift,
    /// `a.unshift(x)` on an `any` array.
    AnyUnshift,
    /// `test(name, body)`: declares a test (see `lower` for how `bs test` selects one).
    Test,
    /// `assert(cond)`.
    Assert,
    /// `assertEqual(actual, expected)` (both `any`).
    AssertEqual,
}

/// A `Math` function. `Abs`, `Min` and `Max` work on integers when every argument is an
/// integer (the call's type says which); the others take and return floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MathFn {
    /// `Math.sqrt(x)`.
    Sqrt,
    /// `Math.sin(x)`.
    Sin,
    /// `Math.cos(x)`.
    Cos,
    /// `Math.tan(x)`.
    Tan,
    /// `Math.atan2(y, x)`.
    Atan2,
    /// `Math.exp(x)`.
    Exp,
    /// `Math.log(x)`.
    Log,
    /// `Math.floor(x)`.
    Floor,
    /// `Math.ceil(x)`.
    Ceil,
    /// `Math.round(x)`.
    Round,
    /// `Math.pow(x, y)`.
    Pow,
    /// `Math.abs(x)`.
    Abs,
    /// `Math.min(a, b)`.
    Min,
    /// `Math.max(a, b)`.
    Max,
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
    /// Call a function value (a closure) with converted arguments.
    CallValue(Box<Expr>, Vec<Expr>),
    /// Create a closure for arrow function `function` (`f/0`), capturing the given locals of
    /// this body (a cell local is captured as its cell).
    Closure {
        /// The arrow function's compiled name.
        function: String,
        /// The captured locals, in the order of the closure's capture words.
        captures: Vec<LocalId>,
    },
    /// A top-level function used as a value (a static closure).
    FunctionValue(String),
    /// A function value wrapped in a closure of bridge function `function` (`f/N`), which
    /// converts arguments and result between the value's function type and this one.
    Bridge {
        /// The bridge's compiled name.
        function: String,
        /// The wrapped function value (the bridge's only capture).
        value: Box<Expr>,
    },
    /// Call a built-in.
    Builtin(Builtin, Vec<Expr>),
    /// Read an element of a typed array.
    Index(Box<Expr>, Box<Expr>),
    /// Read an element of an `any` (array or string).
    AnyIndex(Box<Expr>, Box<Expr>),
    /// `.length` of an array or string of known type.
    Length(Box<Expr>),
    /// `.length` of an `any` (an array's or string's length, or an instance's `length`
    /// property), as an `any`.
    AnyLength(Box<Expr>),
    /// `new C(args)`: allocate an instance of class `class` (qualified name) and run
    /// `constructor` (a function taking the instance first), if the class has one.
    New {
        /// The class.
        class: String,
        /// The constructor function.
        constructor: Option<String>,
        /// The constructor's arguments (converted).
        args: Vec<Expr>,
    },
    /// Read field number `index` of an instance.
    Field(Box<Expr>, u32),
    /// Property `name` of an `any` value, looked up at run time.
    AnyProperty(Box<Expr>, String),
    /// Call method number `index` of the receiver's method table; `function` implements it
    /// for the receiver's static class, and is called directly when `dispatch` is false
    /// (no subclass overrides it).
    MethodCall {
        /// The receiver.
        receiver: Box<Expr>,
        /// The method table index.
        index: u32,
        /// The implementation for the static class.
        function: String,
        /// Whether the call must go through the receiver's method table.
        dispatch: bool,
        /// The (converted) arguments, without the receiver.
        args: Vec<Expr>,
    },
    /// Call method `name` of an `any` receiver, found at run time; arguments are `any`.
    AnyMethodCall(Box<Expr>, String, Vec<Expr>),
    /// Call an `any` value as a function; arguments are `any`.
    AnyCall(Box<Expr>, Vec<Expr>),
    /// Whether a value (of a reference or `any` type) is an instance of class `class`.
    InstanceOf(Box<Expr>, String),
    /// Whether an `any` value is a string (`x instanceof string`).
    IsString(Box<Expr>),
    /// Whether an `any` value is an array of any kind (`x instanceof Array`).
    IsArray(Box<Expr>),
}

impl Expr {
    /// An expression of type `ty` at `span`.
    pub fn new(kind: ExprKind, ty: Type, span: Span) -> Expr {
        Expr { kind, ty, span }
    }
}
