//! A tiny builder for hand-written IR functions (tests of every backend use it).

use crate::*;

/// Builds one [`Function`]; instructions go to the current block.
pub struct Builder {
    f: Function,
    cur: BlockId,
}

impl Builder {
    /// A function with the given parameter types; returns the builder and the parameter vars.
    pub fn new(params: &[Ty], ret: Option<Ty>) -> (Builder, Vec<Var>) {
        let mut b = Builder {
            f: Function::empty("test", ret),
            cur: BlockId(0),
        };
        b.block();
        let ps: Vec<Var> = params.iter().map(|t| b.var(*t)).collect();
        b.f.params = ps.clone();
        (b, ps)
    }

    /// A fresh var.
    pub fn var(&mut self, ty: Ty) -> Var {
        self.f.vars.push(ty);
        Var(self.f.vars.len() as u32 - 1)
    }

    /// A new empty block (terminated by `Return(None)` until [`Builder::term`]).
    pub fn block(&mut self) -> BlockId {
        self.f.blocks.push(Block {
            insts: vec![],
            term: Terminator::Return(None),
        });
        BlockId(self.f.blocks.len() as u32 - 1)
    }

    /// Continues in block `b`.
    pub fn switch(&mut self, b: BlockId) {
        self.cur = b;
    }

    /// Appends an instruction.
    pub fn push(&mut self, inst: Inst) {
        self.f.blocks[self.cur.0 as usize].insts.push(inst);
    }

    /// Ends the current block.
    pub fn term(&mut self, t: Terminator) {
        self.f.blocks[self.cur.0 as usize].term = t;
    }

    /// `return v`.
    pub fn ret(&mut self, v: Var) {
        self.term(Terminator::Return(Some(v)));
    }

    /// `if a cond b goto then else other`.
    pub fn branch(&mut self, cond: Cond, a: Var, b: Var, then: BlockId, other: BlockId) {
        self.term(Terminator::Branch {
            cond,
            a,
            b,
            then,
            other,
        });
    }

    /// A new I32 var set to `value`.
    pub fn iconst(&mut self, value: i32) -> Var {
        self.iconst_ty(Ty::I32, value)
    }

    /// A new var of type `ty` set to the word `value`.
    pub fn iconst_ty(&mut self, ty: Ty, value: i32) -> Var {
        let dst = self.var(ty);
        self.push(Inst::IConst { dst, value });
        dst
    }

    /// A new F32 var set to `value`.
    pub fn fconst(&mut self, value: f32) -> Var {
        let dst = self.var(Ty::F32);
        self.push(Inst::FConst {
            dst,
            bits: value.to_bits(),
        });
        dst
    }

    /// `dst = src`.
    pub fn copy(&mut self, dst: Var, src: Var) {
        self.push(Inst::Copy { dst, src });
    }

    /// A new I32 var `a op b`.
    pub fn int(&mut self, op: IntOp, a: Var, b: Var) -> Var {
        let dst = self.var(Ty::I32);
        self.push(Inst::Int { op, dst, a, b });
        dst
    }

    /// A new I32 var `a op imm`.
    pub fn int_imm(&mut self, op: IntOp, a: Var, imm: i32) -> Var {
        let dst = self.var(Ty::I32);
        self.push(Inst::IntImm { op, dst, a, imm });
        dst
    }

    /// A new F32 var `a op b`.
    pub fn float(&mut self, op: FloatOp, a: Var, b: Var) -> Var {
        let dst = self.var(Ty::F32);
        self.push(Inst::Float { op, dst, a, b });
        dst
    }

    /// A new I32 var `a cond b`.
    pub fn cmp(&mut self, cond: Cond, a: Var, b: Var) -> Var {
        let dst = self.var(Ty::I32);
        self.push(Inst::Cmp { cond, dst, a, b });
        dst
    }

    /// A new var `op src`, typed by the operation.
    pub fn unary(&mut self, op: UnOp, src: Var) -> Var {
        let ty = match op {
            UnOp::FNeg | UnOp::IntToFloat | UnOp::BitsFloat => Ty::F32,
            _ => Ty::I32,
        };
        let dst = self.var(ty);
        self.push(Inst::Unary { op, dst, src });
        dst
    }

    /// A new var of type `ty` loaded from `addr + offset`.
    pub fn load(&mut self, width: Width, ty: Ty, addr: Var, offset: i32) -> Var {
        let dst = self.var(ty);
        self.push(Inst::Load {
            width,
            dst,
            addr,
            offset,
        });
        dst
    }

    /// Stores `src` at `addr + offset`.
    pub fn store(&mut self, width: Width, src: Var, addr: Var, offset: i32) {
        self.push(Inst::Store {
            width,
            src,
            addr,
            offset,
        });
    }

    /// A fresh source location (file 0, span `n..n+1` with `n` its index).
    pub fn loc(&mut self) -> LocId {
        let n = self.f.locs.len() as u32;
        self.f.locs.push(SourceLoc {
            file: 0,
            start: n,
            end: n + 1,
        });
        LocId(n)
    }

    /// Calls `callee`; declares function-table callees `f0`, `f1`, … as needed.
    pub fn call(&mut self, callee: Callee, args: &[Var], ret: Option<Ty>) -> Option<Var> {
        if let Callee::Slot(i) = callee {
            while self.f.callees.len() <= i as usize {
                let n = self.f.callees.len();
                self.f.callees.push(format!("f{n}"));
            }
        }
        let dst = ret.map(|t| self.var(t));
        let loc = self.loc();
        self.push(Inst::Call {
            dst,
            callee,
            args: args.to_vec(),
            loc,
        });
        dst
    }

    /// Ends the current block with a call to a native that never returns.
    pub fn raise(&mut self, native: u32, args: &[Var]) {
        let loc = self.loc();
        self.term(Terminator::Raise {
            native,
            args: args.to_vec(),
            loc,
        });
    }

    /// Declares a data symbol; returns its index.
    pub fn symbol(&mut self, s: DataSymbol) -> u32 {
        self.f.symbols.push(s);
        self.f.symbols.len() as u32 - 1
    }

    /// The type of `v`.
    pub fn ty(&self, v: Var) -> Ty {
        self.f.ty(v)
    }

    /// The finished function.
    pub fn finish(self) -> Function {
        self.f
    }
}

/// `fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2)`, calling itself through function slot 0: a
/// sample with calls and a value live across one, shared by the backends' tests.
pub fn fib() -> Function {
    let (mut b, p) = Builder::new(&[Ty::I32], Some(Ty::I32));
    let two = b.iconst(2);
    let (small, big) = (b.block(), b.block());
    b.branch(Cond::LtS, p[0], two, small, big);
    b.switch(small);
    b.ret(p[0]);
    b.switch(big);
    let n1 = b.int_imm(IntOp::Sub, p[0], 1);
    let f1 = b.call(Callee::Slot(0), &[n1], Some(Ty::I32)).unwrap();
    let n2 = b.int_imm(IntOp::Sub, p[0], 2);
    let f2 = b.call(Callee::Slot(0), &[n2], Some(Ty::I32)).unwrap();
    let r = b.int(IntOp::Add, f1, f2);
    b.ret(r);
    b.finish()
}
