//! The reference semantics of the IR: an interpreter that backends' tests compare generated
//! code against. Memory and calls are the embedder's ([`Host`]).

use crate::{BlockId, Callee, Cond, FloatOp, Function, Inst, Terminator, UnOp, Var, Width};

/// What the interpreted function reaches outside itself.
pub trait Host {
    /// The byte (zero-extended) or word at `addr`.
    fn load(&mut self, width: Width, addr: u32) -> u32;
    /// Stores `value` (its low byte for [`Width::U8`]) at `addr`.
    fn store(&mut self, width: Width, addr: u32, value: u32);
    /// Performs `callee(args)` for the call at instruction `index` of block `block`, where `vars`
    /// holds every var's value just before the call; returns the result word.
    fn call(&mut self, at: (BlockId, usize), vars: &[u32], callee: Callee, args: &[u32]) -> u32;
}

/// How an interpreted function ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// It returned this word (0 without a result).
    Return(u32),
    /// It raised: the native and its arguments.
    Raise(u32, Vec<u32>),
}

/// Whether `a cond b` holds for the words `a` and `b` (f32 bits for float conditions).
pub fn test(cond: Cond, a: u32, b: u32) -> bool {
    let (x, y) = (f32::from_bits(a), f32::from_bits(b));
    match cond {
        Cond::Eq => a == b,
        Cond::Ne => a != b,
        Cond::LtS => (a as i32) < (b as i32),
        Cond::LeS => (a as i32) <= (b as i32),
        Cond::GtS => (a as i32) > (b as i32),
        Cond::GeS => (a as i32) >= (b as i32),
        Cond::LtU => a < b,
        Cond::GeU => a >= b,
        Cond::FEq => x == y,
        Cond::FNe => x != y,
        Cond::FLt => x < y,
        Cond::FLe => x <= y,
        Cond::FGt => x > y,
        Cond::FGe => x >= y,
    }
}

/// The result of float operation `op` on the f32 bits `a` and `b`.
pub fn float_op(op: FloatOp, a: u32, b: u32) -> u32 {
    let (x, y) = (f32::from_bits(a), f32::from_bits(b));
    match op {
        FloatOp::Add => x + y,
        FloatOp::Sub => x - y,
        FloatOp::Mul => x * y,
        FloatOp::Div => x / y,
    }
    .to_bits()
}

/// The result of unary operation `op` on the word `s`.
pub fn unary(op: UnOp, s: u32) -> u32 {
    let fl = f32::from_bits;
    match op {
        UnOp::Neg => (s as i32).wrapping_neg() as u32,
        UnOp::Not => !s,
        UnOp::FNeg => (-fl(s)).to_bits(),
        UnOp::IntToFloat => (s as i32 as f32).to_bits(),
        UnOp::FloatToInt => fl(s) as i32 as u32,
        UnOp::FloatBits | UnOp::BitsFloat => s,
    }
}

/// Runs `f` on `args` (words; floats as bits) until it returns or raises. [`Inst::SymAddr`]
/// gives 0 (the linker would choose the address).
pub fn interpret(f: &Function, args: &[u32], host: &mut dyn Host) -> End {
    let mut v = vec![0u32; f.vars.len()];
    for (p, a) in f.params.iter().zip(args) {
        v[p.0 as usize] = *a;
    }
    let get = |v: &[u32], x: Var| v[x.0 as usize];
    let mut b = BlockId(0);
    loop {
        let block = f.block(b);
        for (i, inst) in block.insts.iter().enumerate() {
            let result = match *inst {
                Inst::IConst { value, .. } => value as u32,
                Inst::FConst { bits, .. } => bits,
                Inst::SymAddr { .. } => 0,
                Inst::Copy { src, .. } => get(&v, src),
                Inst::Int { op, a, b, .. } => op.apply(get(&v, a) as i32, get(&v, b) as i32) as u32,
                Inst::IntImm { op, a, imm, .. } => op.apply(get(&v, a) as i32, imm) as u32,
                Inst::Float { op, a, b, .. } => float_op(op, get(&v, a), get(&v, b)),
                Inst::Unary { op, src, .. } => unary(op, get(&v, src)),
                Inst::Cmp { cond, a, b, .. } => test(cond, get(&v, a), get(&v, b)) as u32,
                Inst::Load {
                    width,
                    addr,
                    offset,
                    ..
                } => host.load(width, get(&v, addr).wrapping_add_signed(offset)),
                Inst::Store {
                    width,
                    src,
                    addr,
                    offset,
                } => {
                    let at = get(&v, addr).wrapping_add_signed(offset);
                    host.store(width, at, get(&v, src));
                    continue;
                }
                Inst::Call {
                    callee, ref args, ..
                } => {
                    let words: Vec<u32> = args.iter().map(|&a| get(&v, a)).collect();
                    host.call((b, i), &v, callee, &words)
                }
            };
            if let Some(d) = inst.def() {
                v[d.0 as usize] = result;
            }
        }
        match block.term {
            Terminator::Jump(t) => b = t,
            Terminator::Branch {
                cond,
                a,
                b: y,
                then,
                other,
            } => {
                b = if test(cond, get(&v, a), get(&v, y)) {
                    then
                } else {
                    other
                }
            }
            Terminator::Return(r) => return End::Return(r.map_or(0, |r| get(&v, r))),
            Terminator::Raise {
                native, ref args, ..
            } => return End::Raise(native, args.iter().map(|&a| get(&v, a)).collect()),
        }
    }
}
