//! A small builder for IR functions: vars, blocks, the current insertion point, interned data
//! symbols, callees and source locations.

use device::abi::Native;
use ir::{Block, BlockId, Callee, DataSymbol, Inst, LocId, SourceLoc, Terminator, Ty, Var};
use std::collections::HashMap;
use syntax::Span;

/// Builds one [`ir::Function`].
pub(super) struct Builder {
    name: String,
    file: u32,
    vars: Vec<Ty>,
    blocks: Vec<(Vec<Inst>, Option<Terminator>)>,
    current: BlockId,
    locs: Vec<SourceLoc>,
    loc_ids: HashMap<Span, LocId>,
    symbols: Vec<DataSymbol>,
    symbol_ids: HashMap<DataSymbol, u32>,
    callees: Vec<String>,
    callee_ids: HashMap<String, u32>,
}

impl Builder {
    /// A builder for function `name` whose source is file number `file`, positioned in the
    /// entry block.
    pub fn new(name: &str, file: u32) -> Builder {
        Builder {
            name: name.to_string(),
            file,
            vars: Vec::new(),
            blocks: vec![(Vec::new(), None)],
            current: BlockId(0),
            locs: Vec::new(),
            loc_ids: HashMap::new(),
            symbols: Vec::new(),
            symbol_ids: HashMap::new(),
            callees: Vec::new(),
            callee_ids: HashMap::new(),
        }
    }

    /// A fresh var of type `ty`.
    pub fn var(&mut self, ty: Ty) -> Var {
        self.vars.push(ty);
        Var(self.vars.len() as u32 - 1)
    }

    /// The type of `v`.
    pub fn ty(&self, v: Var) -> Ty {
        self.vars[v.0 as usize]
    }

    /// A fresh, empty block (not yet the insertion point).
    pub fn block(&mut self) -> BlockId {
        self.blocks.push((Vec::new(), None));
        BlockId(self.blocks.len() as u32 - 1)
    }

    /// Continues inserting at `b`.
    pub fn switch_to(&mut self, b: BlockId) {
        self.current = b;
    }

    /// Appends an instruction at the insertion point. Code after a terminator goes to a fresh
    /// unreachable block, which backends drop.
    pub fn emit(&mut self, inst: Inst) {
        if self.blocks[self.current.0 as usize].1.is_some() {
            let b = self.block();
            self.switch_to(b);
        }
        self.blocks[self.current.0 as usize].0.push(inst);
    }

    /// Ends the current block (if it is not already ended).
    pub fn terminate(&mut self, term: Terminator) {
        let slot = &mut self.blocks[self.current.0 as usize].1;
        if slot.is_none() {
            *slot = Some(term);
        }
    }

    /// Ends the current block with `dst = src` and a jump to `to`: one arm of a value that
    /// several blocks compute and `to` joins.
    pub fn copy_and_jump(&mut self, dst: Var, src: Var, to: BlockId) {
        self.emit(Inst::Copy { dst, src });
        self.terminate(Terminator::Jump(to));
    }

    /// Ends the current block with a jump to `b` and continues at `b`.
    pub fn jump_to(&mut self, b: BlockId) {
        self.terminate(Terminator::Jump(b));
        self.switch_to(b);
    }

    /// The location id of `span` in this function's file.
    pub fn loc(&mut self, span: Span) -> LocId {
        if let Some(id) = self.loc_ids.get(&span) {
            return *id;
        }
        let id = LocId(self.locs.len() as u32);
        self.locs.push(SourceLoc {
            file: self.file,
            start: span.start,
            end: span.end,
        });
        self.loc_ids.insert(span, id);
        id
    }

    /// `dst = address of sym`.
    pub fn sym_addr(&mut self, sym: DataSymbol) -> Var {
        let idx = match self.symbol_ids.get(&sym) {
            Some(i) => *i,
            None => {
                self.symbols.push(sym.clone());
                let i = self.symbols.len() as u32 - 1;
                self.symbol_ids.insert(sym, i);
                i
            }
        };
        let dst = self.var(Ty::I32);
        self.emit(Inst::SymAddr { dst, sym: idx });
        dst
    }

    /// The callee index of BlueScript function `name`.
    pub fn callee(&mut self, name: &str) -> Callee {
        if let Some(i) = self.callee_ids.get(name) {
            return Callee::Slot(*i);
        }
        self.callees.push(name.to_string());
        let i = self.callees.len() as u32 - 1;
        self.callee_ids.insert(name.to_string(), i);
        Callee::Slot(i)
    }

    /// `dst = value` of type `ty` (a word type).
    pub fn iconst(&mut self, ty: Ty, value: i32) -> Var {
        let dst = self.var(ty);
        self.emit(Inst::IConst { dst, value });
        dst
    }

    /// `dst = word at addr + offset`, as a var of type `ty`.
    pub fn load(&mut self, ty: Ty, addr: Var, offset: i32) -> Var {
        let dst = self.var(ty);
        self.emit(Inst::Load {
            width: ir::Width::W32,
            dst,
            addr,
            offset,
        });
        dst
    }

    /// `word at addr + offset = src`.
    pub fn store(&mut self, src: Var, addr: Var, offset: i32) {
        self.emit(Inst::Store {
            width: ir::Width::W32,
            src,
            addr,
            offset,
        });
    }

    /// A float constant.
    pub fn fconst(&mut self, value: f32) -> Var {
        let dst = self.var(Ty::F32);
        self.emit(Inst::FConst {
            dst,
            bits: value.to_bits(),
        });
        dst
    }

    /// Calls a native; returns its result var (typed from the native's signature) if it has one.
    pub fn native(&mut self, n: Native, args: Vec<Var>, span: Span) -> Option<Var> {
        let dst = n.result().map(|t| self.var(native_ty(t)));
        let loc = self.loc(span);
        self.emit(Inst::Call {
            dst,
            callee: Callee::Native(n as u32),
            args,
            loc,
        });
        dst
    }

    /// Calls a native that has a result.
    pub fn native_value(&mut self, n: Native, args: Vec<Var>, span: Span) -> Var {
        self.native(n, args, span)
            .expect("natives used as values have results")
    }

    /// Ends the block with a call to a raising native.
    pub fn raise(&mut self, n: Native, args: Vec<Var>, span: Span) {
        let loc = self.loc(span);
        self.terminate(Terminator::Raise {
            native: n as u32,
            args,
            loc,
        });
    }

    /// The same word as `v`, viewed as type `ty` (Ref/Any/I32 words are interchangeable bits).
    pub fn retype(&mut self, v: Var, ty: Ty) -> Var {
        if self.ty(v) == ty {
            return v;
        }
        let dst = self.var(ty);
        self.emit(Inst::IntImm {
            op: ir::IntOp::Add,
            dst,
            a: v,
            imm: 0,
        });
        dst
    }

    /// Finishes the function: unterminated blocks return (`ret_zero` supplies a value for
    /// functions with a result, on paths the checker proved unreachable).
    pub fn finish(mut self, params: Vec<Var>, ret: Option<Ty>) -> ir::Function {
        let mut blocks = Vec::with_capacity(self.blocks.len());
        let pending: Vec<usize> = (0..self.blocks.len())
            .filter(|i| self.blocks[*i].1.is_none())
            .collect();
        for i in pending {
            self.switch_to(BlockId(i as u32));
            let value = ret.map(|t| match t {
                Ty::F32 => self.fconst(0.0),
                t => self.iconst(t, 0),
            });
            self.blocks[i].1 = Some(Terminator::Return(value));
        }
        for (insts, term) in self.blocks {
            blocks.push(Block {
                insts,
                term: term.expect("every block was terminated above"),
            });
        }
        ir::Function {
            name: self.name,
            params,
            ret,
            vars: self.vars,
            blocks,
            locs: self.locs,
            symbols: self.symbols,
            callees: self.callees,
            callees_without_gc: Vec::new(),
            natives_without_gc: Vec::new(),
            callees_without_stores: Vec::new(),
            globals_set_once: Vec::new(),
        }
    }
}

/// The IR type of a native parameter or result class.
pub(super) fn native_ty(t: device::abi::NativeTy) -> Ty {
    match t {
        device::abi::NativeTy::I32 => Ty::I32,
        device::abi::NativeTy::F32 => Ty::F32,
        device::abi::NativeTy::Ref => Ty::Ref,
        device::abi::NativeTy::Any => Ty::Any,
    }
}
