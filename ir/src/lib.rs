//! The typed, target-independent intermediate representation shared by every code generator.
//!
//! A [`Function`] is a control-flow graph of [`Block`]s over numbered virtual registers
//! ([`Var`]). Vars are *not* SSA: a var may be assigned in several places (source variables map
//! to one var each), which keeps lowering simple; backends compute liveness ([`analysis`]).
//!
//! The IR is deliberately low level: object layouts, boxing fast paths and bounds checks are
//! expanded by lowering into loads, stores, compares and branches, so that backends only translate
//! instructions and never re-implement language semantics. Memory is addressed with 32-bit device
//! addresses; a backend adds its arena base where the board needs one.
//!
//! Invariants (checked by [`verify::verify`]):
//! - every var has exactly one [`Ty`]; instructions only combine vars of the types they expect;
//! - every block ends with exactly one [`Terminator`]; block 0 is the entry;
//! - a var is assigned before every use on every path (lowering zero-initializes source vars);
//! - vars of type [`Ty::Ref`] or [`Ty::Any`] hold GC-traced words; a backend must keep the vars
//!   [`analysis::Liveness::roots`] names in GC root slots: those live across a [`Inst::Call`]
//!   and the arguments of calls of BlueScript functions (a caller keeps those rooted for the
//!   whole call, so a function never roots the parameters it does not assign).
//!
//! Memory (not checked by the verifier; lowering guarantees it and [`opt`] relies on it): a
//! [`Inst::Load`] or [`Inst::Store`] whose address is a `Ref` var reaches a word or byte of the
//! object that var points to, and a store through an `I32` address never writes a byte that is
//! read through a `Ref` address. (Lowering reaches object headers and fields through `Ref`
//! vars, and element storage and global cells, which no `Ref` var points into, through `I32`
//! addresses.) A load through the address of a volatile symbol ([`DataSymbol::is_volatile`],
//! the interrupt flag) reads a word the device changes while the program runs: optimizations
//! keep every such load in place.

pub mod analysis;
pub mod builder;
pub mod inline;
pub mod interp;
pub mod moves;
pub mod opt;
pub mod print;
pub mod promote;
pub mod regalloc;
pub mod verify;

use std::fmt;

/// The machine class of a var's value. Every class is one 32-bit word except that `F32` lives in
/// floating-point registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Ty {
    /// A signed or unsigned 32-bit integer (also booleans 0/1 and enum values).
    I32,
    /// A 32-bit IEEE float.
    F32,
    /// A device address of a heap object, or 0 for null; traced by the GC.
    Ref,
    /// A tagged `any` word; traced by the GC.
    Any,
}

impl Ty {
    /// Whether values of this type must be visible to the garbage collector.
    pub fn is_traced(self) -> bool {
        matches!(self, Ty::Ref | Ty::Any)
    }
}

/// A virtual register, numbered within one function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Var(pub u32);

/// A basic block, numbered within one function; block 0 is the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct BlockId(pub u32);

/// An index into [`Function::locs`]: the source location an instruction came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LocId(pub u32);

/// A source location: a file (index into the program's file list) and a byte span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SourceLoc {
    /// Which file, as numbered by the compiler driver.
    pub file: u32,
    /// First byte of the construct.
    pub start: u32,
    /// One past its last byte.
    pub end: u32,
}

/// Integer binary operations. Division and remainder are signed; lowering guarantees a non-zero
/// divisor, and backends must give `i32::MIN / -1 == i32::MIN` and `i32::MIN % -1 == 0`.
/// Shifts use the low 5 bits of the shift amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum IntOp {
    /// Wrapping addition.
    Add,
    /// Wrapping subtraction.
    Sub,
    /// Wrapping multiplication.
    Mul,
    /// Signed division truncating toward zero.
    DivS,
    /// Signed remainder (sign of the dividend).
    RemS,
    /// Bitwise and.
    And,
    /// Bitwise or.
    Or,
    /// Bitwise exclusive or.
    Xor,
    /// Shift left.
    Shl,
    /// Arithmetic shift right.
    ShrS,
    /// Logical shift right.
    ShrU,
    /// Rotate right (produced by [`opt`] from the shift-and-or idiom, never by lowering).
    RotR,
}

impl IntOp {
    /// Every integer operation (for tests that try them all).
    pub const ALL: [IntOp; 12] = [
        IntOp::Add,
        IntOp::Sub,
        IntOp::Mul,
        IntOp::DivS,
        IntOp::RemS,
        IntOp::And,
        IntOp::Or,
        IntOp::Xor,
        IntOp::Shl,
        IntOp::ShrS,
        IntOp::ShrU,
        IntOp::RotR,
    ];
}

impl IntOp {
    /// The operation's result, as the IR defines it (for interpreters and tests).
    pub fn apply(self, a: i32, b: i32) -> i32 {
        match self {
            IntOp::Add => a.wrapping_add(b),
            IntOp::Sub => a.wrapping_sub(b),
            IntOp::Mul => a.wrapping_mul(b),
            IntOp::DivS => a.wrapping_div(b),
            IntOp::RemS => a.wrapping_rem(b),
            IntOp::And => a & b,
            IntOp::Or => a | b,
            IntOp::Xor => a ^ b,
            IntOp::Shl => a.wrapping_shl(b as u32),
            IntOp::ShrS => a.wrapping_shr(b as u32),
            IntOp::ShrU => (a as u32).wrapping_shr(b as u32) as i32,
            IntOp::RotR => (a as u32).rotate_right(b as u32 & 31) as i32,
        }
    }
}

/// Float binary operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum FloatOp {
    /// Addition.
    Add,
    /// Subtraction.
    Sub,
    /// Multiplication.
    Mul,
    /// Division.
    Div,
}

/// Unary operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum UnOp {
    /// Integer wrapping negation (I32 → I32).
    Neg,
    /// Bitwise not (I32 → I32).
    Not,
    /// Float negation (F32 → F32).
    FNeg,
    /// Signed integer to float (I32 → F32).
    IntToFloat,
    /// Float to integer, truncating toward zero; NaN gives 0 and out-of-range values saturate
    /// (F32 → I32).
    FloatToInt,
    /// Reinterpret float bits as an integer (F32 → I32).
    FloatBits,
    /// Reinterpret integer bits as a float (I32 → F32).
    BitsFloat,
}

/// Comparison conditions. Integer conditions compare I32 (or Ref/Any words bit-for-bit, for
/// `Eq`/`Ne`); float conditions compare F32 and are false when either side is NaN (except `FNe`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Cond {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Signed less than.
    LtS,
    /// Signed less or equal.
    LeS,
    /// Signed greater than.
    GtS,
    /// Signed greater or equal.
    GeS,
    /// Unsigned less than.
    LtU,
    /// Unsigned greater or equal.
    GeU,
    /// Float equal.
    FEq,
    /// Float not equal (true when unordered).
    FNe,
    /// Float less than.
    FLt,
    /// Float less or equal.
    FLe,
    /// Float greater than.
    FGt,
    /// Float greater or equal.
    FGe,
}

impl Cond {
    /// Whether this condition compares floats.
    pub fn is_float(self) -> bool {
        matches!(
            self,
            Cond::FEq | Cond::FNe | Cond::FLt | Cond::FLe | Cond::FGt | Cond::FGe
        )
    }

    /// The condition that holds exactly when `self` does not.
    /// Float conditions other than `FEq`/`FNe` have no exact negation under NaN and return `None`.
    pub fn negate(self) -> Option<Cond> {
        Some(match self {
            Cond::Eq => Cond::Ne,
            Cond::Ne => Cond::Eq,
            Cond::LtS => Cond::GeS,
            Cond::GeS => Cond::LtS,
            Cond::LeS => Cond::GtS,
            Cond::GtS => Cond::LeS,
            Cond::LtU => Cond::GeU,
            Cond::GeU => Cond::LtU,
            Cond::FEq => Cond::FNe,
            Cond::FNe => Cond::FEq,
            _ => return None,
        })
    }
}

/// The width of a memory access. Loads of `U8` zero-extend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Width {
    /// One byte.
    U8,
    /// One 32-bit word (4-aligned).
    W32,
}

/// What a call calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Callee {
    /// A BlueScript function through its function-table slot (patchable in development).
    /// The number indexes [`Function::callees`]; the slot itself is chosen at link time, so a
    /// backend emits the call with that index as a placeholder and records a relocation
    /// (`Reloc::Slot`) for the linker to patch.
    Slot(u32),
    /// A native function of the device runtime, by its number in the native table.
    Native(u32),
    /// The BlueScript function whose function-table slot number is in this I32 var, known only
    /// at run time (virtual methods, closures, `any` calls): the backend loads the table entry
    /// and calls it.
    Dynamic(Var),
}

/// One instruction. `dst` vars are written; all other vars are read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Inst {
    /// `dst = value` for I32, Ref or Any vars (the raw 32-bit word).
    IConst { dst: Var, value: i32 },
    /// `dst = address of data symbol` (an index into [`Function::symbols`]), for I32/Ref vars.
    /// Addresses are chosen at link time: a backend emits a 32-bit placeholder and records a
    /// relocation (`Reloc::Data`) for the linker to patch.
    SymAddr { dst: Var, sym: u32 },
    /// `dst = value` for an F32 var, given as the float's bits.
    FConst { dst: Var, bits: u32 },
    /// `dst = src`; both have the same type.
    Copy { dst: Var, src: Var },
    /// `dst = op src`.
    Unary { op: UnOp, dst: Var, src: Var },
    /// `dst = a op b` on I32 vars (also Ref/Any words for `And`, `Or`, `Xor`, `Add`, `Sub`,
    /// which boxing fast paths use; the result type is `dst`'s).
    Int { op: IntOp, dst: Var, a: Var, b: Var },
    /// `dst = a op imm` on I32 vars; same semantics as [`Inst::Int`].
    IntImm {
        op: IntOp,
        dst: Var,
        a: Var,
        imm: i32,
    },
    /// `dst = a op b` on F32 vars.
    Float {
        op: FloatOp,
        dst: Var,
        a: Var,
        b: Var,
    },
    /// `dst = (a cond b) ? 1 : 0`; `dst` is I32.
    Cmp {
        cond: Cond,
        dst: Var,
        a: Var,
        b: Var,
    },
    /// `dst = load(addr + offset)`; `dst` may be any type (F32 loads the word's bits).
    Load {
        width: Width,
        dst: Var,
        addr: Var,
        offset: i32,
    },
    /// `store(addr + offset) = src`; `src` may be any type (U8 stores its low byte).
    Store {
        width: Width,
        src: Var,
        addr: Var,
        offset: i32,
    },
    /// `dst = callee(args)`; may run the garbage collector (a safepoint). Its location is the
    /// source position reported if the callee raises a run-time error.
    Call {
        dst: Option<Var>,
        callee: Callee,
        args: Vec<Var>,
        loc: LocId,
    },
}

/// How a block ends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Terminator {
    /// Continue at another block.
    Jump(BlockId),
    /// `if (a cond b) goto then else goto other`.
    Branch {
        cond: Cond,
        a: Var,
        b: Var,
        then: BlockId,
        other: BlockId,
    },
    /// Return from the function, with a value when the function has a result type.
    Return(Option<Var>),
    /// Call a native that never returns (a run-time error): `Native(id)(args)`.
    Raise {
        native: u32,
        args: Vec<Var>,
        loc: LocId,
    },
}

/// A basic block: straight-line instructions and one terminator.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Block {
    /// Instructions in order.
    pub insts: Vec<Inst>,
    /// How the block ends.
    pub term: Terminator,
}

/// One function in IR form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Function {
    /// The function's name, for listings and diagnostics.
    pub name: String,
    /// Parameters, in order; their vars are assigned on entry.
    pub params: Vec<Var>,
    /// The result type, if the function returns a value.
    pub ret: Option<Ty>,
    /// The type of every var, indexed by `Var.0`.
    pub vars: Vec<Ty>,
    /// The blocks; `blocks[0]` is the entry.
    pub blocks: Vec<Block>,
    /// Source locations referenced by [`LocId`].
    pub locs: Vec<SourceLoc>,
    /// The data symbols [`Inst::SymAddr`] refers to.
    pub symbols: Vec<DataSymbol>,
    /// The names of the functions [`Callee::Slot`] refers to.
    pub callees: Vec<String>,
    /// Indices into [`Function::callees`] of functions that never collect garbage, themselves
    /// or through what they call. Only the release linker, which sees the whole program, sets
    /// them: a call of one is no safepoint, so what is live across it or passed to it needs
    /// no GC root for it ([`analysis::Liveness::roots`]).
    #[cfg_attr(feature = "serde", serde(default))]
    pub callees_without_gc: Vec<u32>,
    /// The numbers of natives ([`Callee::Native`]) this function calls that never collect
    /// garbage (the runtime's contract, which this crate does not know; set by the release
    /// linker): like [`Function::callees_without_gc`], a call of one is no safepoint.
    #[cfg_attr(feature = "serde", serde(default))]
    pub natives_without_gc: Vec<u32>,
    /// Indices into [`Function::callees`] of functions that, besides never collecting
    /// garbage, never store into an object word (a store through a `Ref` or `Any` address),
    /// themselves or through what they call. Set by the release linker, like
    /// [`Function::callees_without_gc`]: a loop whose calls are all of these, or of natives
    /// without GC (which never store into objects), may keep the object words it reads in
    /// vars ([`opt`]'s loop-invariant loads).
    #[cfg_attr(feature = "serde", serde(default))]
    pub callees_without_stores: Vec<u32>,
    /// Indices into [`Function::symbols`] of traced globals that the whole program assigns at
    /// most once, in code that runs once and outside any loop (set by the release linker). A
    /// value loaded from one stays reachable through the global's cell, a permanent root, so
    /// it needs no GC root of its own ([`analysis::rooted_elsewhere`]).
    #[cfg_attr(feature = "serde", serde(default))]
    pub globals_set_once: Vec<u32>,
}

/// Static data a function refers to by address; the linker places each distinct symbol once.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum DataSymbol {
    /// The 4-byte cell of a global variable, by its qualified name; `traced` cells are GC roots.
    Global { name: String, traced: bool },
    /// A constant string object with these bytes.
    Str(Vec<u8>),
    /// An array descriptor: element storage kind, type name (`integer[]`) and the elements'
    /// run-time type.
    ArrayDescriptor {
        elem_kind: u32,
        type_name: String,
        elem_type: RuntimeType,
    },
    /// The descriptor of a class, by its qualified name; the linker lays it out from the
    /// program's class layouts.
    ClassDescriptor(String),
    /// The descriptor of a function value's body.
    FunctionDescriptor(FunctionDescriptor),
    /// A static closure object (no captures) for a top-level function used as a value.
    StaticClosure(FunctionDescriptor),
    /// The board's interrupt flag: a word that the device sets while the program runs when the
    /// host interrupts it. The linker resolves it to the address the board reported and places
    /// nothing there. It is [volatile](DataSymbol::is_volatile).
    InterruptFlag,
}

impl DataSymbol {
    /// Whether the word changes behind the program's back: every load through its address
    /// must stay where lowering put it (no optimization hoists, merges or removes it; see
    /// [`Function::volatile_addresses`]).
    pub fn is_volatile(&self) -> bool {
        matches!(self, DataSymbol::InterruptFlag)
    }
}

/// A run-time type (`device::abi` `TYPE_*` kinds): what the runtime checks a value against.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum RuntimeType {
    /// Raw i32 integer or enum.
    Int,
    /// f32.
    Float,
    /// Boolean.
    Bool,
    /// `any`.
    Any,
    /// A string (`nullable`: or null).
    String { nullable: bool },
    /// An array with this descriptor (a [`DataSymbol::ArrayDescriptor`]).
    Array {
        descriptor: Box<DataSymbol>,
        nullable: bool,
    },
    /// An instance of the class with this qualified name, or of a subclass.
    Instance { class: String, nullable: bool },
    /// A closure of the function type with this name (`(integer) => float`).
    Function { type_name: String, nullable: bool },
    /// Any object (`object`).
    Object { nullable: bool },
}

impl RuntimeType {
    /// The data symbol the type's aux word points at, if any: an array descriptor, a class
    /// descriptor, or a function type's name string.
    pub fn aux_symbol(&self) -> Option<DataSymbol> {
        match self {
            RuntimeType::Array { descriptor, .. } => Some((**descriptor).clone()),
            RuntimeType::Instance { class, .. } => Some(DataSymbol::ClassDescriptor(class.clone())),
            RuntimeType::Function { type_name, .. } => {
                Some(DataSymbol::Str(type_name.as_bytes().to_vec()))
            }
            _ => None,
        }
    }
}

/// What the runtime needs to know about a function body that becomes a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FunctionDescriptor {
    /// The function type's name (`(integer) => float`).
    pub type_name: String,
    /// The number of parameters.
    pub arity: u32,
    /// The typed entry (closure, typed arguments), by function name.
    pub entry: String,
    /// The `any` adapter (closure, `any` arguments → `any`), by function name.
    pub adapter: String,
    /// For each captured word, whether it is traced.
    pub captures: Vec<bool>,
}

impl Function {
    /// A function named `name` returning `ret`, with no params, vars, blocks, locations,
    /// symbols or callees yet.
    pub fn empty(name: impl Into<String>, ret: Option<Ty>) -> Function {
        Function {
            name: name.into(),
            params: vec![],
            ret,
            vars: vec![],
            blocks: vec![],
            locs: vec![],
            symbols: vec![],
            callees: vec![],
            callees_without_gc: vec![],
            natives_without_gc: vec![],
            callees_without_stores: vec![],
            globals_set_once: vec![],
        }
    }

    /// The type of `v`.
    pub fn ty(&self, v: Var) -> Ty {
        self.vars[v.0 as usize]
    }

    /// The block with id `b`.
    pub fn block(&self, b: BlockId) -> &Block {
        &self.blocks[b.0 as usize]
    }

    /// For every var (by index), whether it may hold the address of a
    /// [volatile](DataSymbol::is_volatile) symbol: assigned a `SymAddr` of one, or copied from
    /// such a var. Loads through these vars are volatile.
    pub fn volatile_addresses(&self) -> Vec<bool> {
        let mut volatile = vec![false; self.vars.len()];
        let insts = || self.blocks.iter().flat_map(|b| b.insts.iter());
        for inst in insts() {
            if let Inst::SymAddr { dst, sym } = *inst
                && self.symbols[sym as usize].is_volatile()
            {
                volatile[dst.0 as usize] = true;
            }
        }
        let mut changed = true;
        while changed {
            changed = false;
            for inst in insts() {
                if let Inst::Copy { dst, src } = *inst
                    && volatile[src.0 as usize]
                    && !volatile[dst.0 as usize]
                {
                    volatile[dst.0 as usize] = true;
                    changed = true;
                }
            }
        }
        volatile
    }
}

impl fmt::Display for Var {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.0)
    }
}

impl fmt::Display for BlockId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b{}", self.0)
    }
}

impl Inst {
    /// The var this instruction writes, if any.
    pub fn def(&self) -> Option<Var> {
        match *self {
            Inst::IConst { dst, .. }
            | Inst::SymAddr { dst, .. }
            | Inst::FConst { dst, .. }
            | Inst::Copy { dst, .. }
            | Inst::Unary { dst, .. }
            | Inst::Int { dst, .. }
            | Inst::IntImm { dst, .. }
            | Inst::Float { dst, .. }
            | Inst::Cmp { dst, .. }
            | Inst::Load { dst, .. } => Some(dst),
            Inst::Call { dst, .. } => dst,
            Inst::Store { .. } => None,
        }
    }

    /// Calls `f` on every var this instruction reads.
    pub fn for_each_use(&self, mut f: impl FnMut(Var)) {
        match self {
            Inst::IConst { .. } | Inst::SymAddr { .. } | Inst::FConst { .. } => {}
            Inst::Copy { src, .. } | Inst::Unary { src, .. } => f(*src),
            Inst::Int { a, b, .. } | Inst::Float { a, b, .. } | Inst::Cmp { a, b, .. } => {
                f(*a);
                f(*b)
            }
            Inst::IntImm { a, .. } => f(*a),
            Inst::Load { addr, .. } => f(*addr),
            Inst::Store { src, addr, .. } => {
                f(*src);
                f(*addr)
            }
            Inst::Call { args, callee, .. } => {
                if let Callee::Dynamic(v) = callee {
                    f(*v)
                }
                args.iter().copied().for_each(f)
            }
        }
    }
}

impl Inst {
    /// Calls `f` on every var `self` reads, allowing it to be replaced.
    pub fn for_each_use_mut(&mut self, mut f: impl FnMut(&mut Var)) {
        match self {
            Inst::IConst { .. } | Inst::SymAddr { .. } | Inst::FConst { .. } => {}
            Inst::Copy { src, .. } | Inst::Unary { src, .. } => f(src),
            Inst::Int { a, b, .. } | Inst::Float { a, b, .. } | Inst::Cmp { a, b, .. } => {
                f(a);
                f(b)
            }
            Inst::IntImm { a, .. } => f(a),
            Inst::Load { addr, .. } => f(addr),
            Inst::Store { src, addr, .. } => {
                f(src);
                f(addr)
            }
            Inst::Call { args, callee, .. } => {
                if let Callee::Dynamic(v) = callee {
                    f(v)
                }
                args.iter_mut().for_each(f)
            }
        }
    }

    /// The var `self` writes, if any, to be replaced.
    pub fn def_mut(&mut self) -> Option<&mut Var> {
        match self {
            Inst::IConst { dst, .. }
            | Inst::SymAddr { dst, .. }
            | Inst::FConst { dst, .. }
            | Inst::Copy { dst, .. }
            | Inst::Unary { dst, .. }
            | Inst::Int { dst, .. }
            | Inst::IntImm { dst, .. }
            | Inst::Float { dst, .. }
            | Inst::Cmp { dst, .. }
            | Inst::Load { dst, .. } => Some(dst),
            Inst::Call { dst, .. } => dst.as_mut(),
            Inst::Store { .. } => None,
        }
    }
}

impl Terminator {
    /// Calls `f` on every var `self` reads, allowing it to be replaced.
    pub fn for_each_use_mut(&mut self, mut f: impl FnMut(&mut Var)) {
        match self {
            Terminator::Jump(_) => {}
            Terminator::Branch { a, b, .. } => {
                f(a);
                f(b)
            }
            Terminator::Return(v) => v.iter_mut().for_each(f),
            Terminator::Raise { args, .. } => args.iter_mut().for_each(f),
        }
    }

    /// The blocks control may continue at.
    pub fn successors(&self) -> Vec<BlockId> {
        match *self {
            Terminator::Jump(b) => vec![b],
            Terminator::Branch { then, other, .. } => vec![then, other],
            Terminator::Return(_) | Terminator::Raise { .. } => vec![],
        }
    }

    /// Calls `f` on every var this terminator reads.
    pub fn for_each_use(&self, mut f: impl FnMut(Var)) {
        match self {
            Terminator::Jump(_) => {}
            Terminator::Branch { a, b, .. } => {
                f(*a);
                f(*b)
            }
            Terminator::Return(v) => v.iter().copied().for_each(f),
            Terminator::Raise { args, .. } => args.iter().copied().for_each(f),
        }
    }
}
