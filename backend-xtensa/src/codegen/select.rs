//! Instruction selection: one allocated IR function to assembler items, with the frame.
//!
//! Frame (the windowed ABI's, `entry a1, frame`), from `a1` up: outgoing stack arguments (the
//! seventh argument and later), spill slots (4 bytes each), then 32 bytes at the top that the
//! window-overflow handlers use for the caller's and this function's saved registers; the frame
//! is a multiple of 16. Incoming stack arguments are at `a1 + frame`.
//!
//! Functions with GC root slots move the shadow-stack pointer (the word at
//! [`CTX_SHADOW_SP`]) down by 4 bytes per slot in the prologue, raising a stack overflow
//! below the limit, zero the slots, keep the frame base in [`SHADOW_BASE`] and move the
//! pointer back before returning. Every definition of a rooted var in a register is also
//! written to its slot. Functions whose calls are on some paths only push the frame before
//! their first call on each path instead ([`super::frame`]).

use super::abi::{CTX_SHADOW_SP, FUNCTION_TABLE, NATIVE_SLOTS, RAISE_STACK_OVERFLOW};
use super::asm::{Assembled, Assembler, CallTarget, Cond as Br, Label, Literal};
use super::frame::{self, Framed, LazyFrame};
use super::layout;
use super::regs::*;
use super::{Calls, CodegenError, native_entry};
use crate::isa::*;
use ir::analysis::{BitSet, Liveness};
use ir::moves::Move;
use ir::regalloc::{Allocation, Home};
use ir::{Callee, Cond, FloatOp, Function, Inst as I, IntOp, LocId, Terminator, UnOp, Var, Width};

/// Where a value is or goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// An address register.
    A(Reg),
    /// A float register.
    F(FReg),
    /// The word at `base + offset`.
    Mem(Reg, i32),
    /// A constant (only ever a source).
    Imm(i32),
}

/// Selects the instructions of `f` with allocation `alloc` and liveness `live`, at most `chunk`
/// code bytes between literal pools, calling other BlueScript functions as `calls` says.
pub fn select(
    f: &Function,
    alloc: &Allocation,
    live: &Liveness,
    chunk: u32,
    calls: Calls,
) -> Result<Assembled, CodegenError> {
    let mut out_words = 0;
    for b in &alloc.order {
        let block = f.block(*b);
        let args = block.insts.iter().filter_map(|i| match i {
            I::Call { args, .. } => Some(args.len()),
            _ => None,
        });
        let raise = match &block.term {
            Terminator::Raise { args, .. } => Some(args.len()),
            _ => None,
        };
        for n in args.chain(raise) {
            out_words = out_words.max(n.saturating_sub(REG_ARGS) as u32);
        }
    }
    if out_words > 255 {
        return Err(CodegenError::TooLarge);
    }
    let out_args = 4 * out_words;
    let frame = (out_args + 4 * alloc.spill_slots + 32).next_multiple_of(16);
    if frame > 32760 {
        return Err(CodegenError::TooLarge);
    }
    let mut uses = vec![0u32; f.vars.len()];
    for block in &f.blocks {
        for inst in &block.insts {
            inst.for_each_use(|v| uses[v.0 as usize] += 1);
        }
        block.term.for_each_use(|v| uses[v.0 as usize] += 1);
    }
    let mut a = Assembler::new(chunk);
    if calls == Calls::Direct {
        a.align_entry();
        a.share_literals();
    }
    let blocks = (0..f.blocks.len()).map(|_| a.label()).collect();
    let param_in_base = f.params.len() > (SHADOW_BASE.index() - FIRST_PARAM) as usize;
    let shadow_homes = alloc.homes.iter().any(|h| matches!(h, Some(Home::Shadow(_))));
    let lazy = if alloc.shadow_slots > 0 && !param_in_base && !shadow_homes {
        frame::lazy_frame(f, &alloc.order)
    } else {
        None
    };
    let mut s = Sel {
        f,
        alloc,
        a,
        frame,
        out_args,
        blocks,
        overflow: None,
        lazy,
        state: Framed::Yes,
        calls,
    };
    if alloc.shadow_slots > 0 {
        // The shadow-stack overflow path goes before the entry point, within a short
        // backward branch of the prologue's check.
        let overflow = s.a.label();
        s.overflow = Some(overflow);
        s.a.bind(overflow);
        s.call_native(RAISE_STACK_OVERFLOW, LocId(0))?;
    }
    s.a.mark_entry();
    s.prologue()?;
    let order = layout::headers_at_the_bottom(f, &alloc.order);
    for (i, &b) in order.iter().enumerate() {
        let next = order.get(i + 1).copied();
        s.a.bind(s.blocks[b.0 as usize]);
        if let Some(lazy) = &s.lazy {
            s.state = lazy.entry[b.0 as usize].unwrap_or(Framed::No);
        }
        let insts = &f.block(b).insts;
        let after = live.live_after_each(f, b);
        let mut i = 0;
        while i < insts.len() {
            if matches!(insts[i], I::Call { .. }) && s.state != Framed::Yes {
                let before = match i {
                    0 => live.live_in[b.0 as usize].clone(),
                    _ => after[i - 1].clone(),
                };
                s.push_frame_lazily(&before)?;
            }
            if let I::Copy { dst, .. } = insts[i]
                && !after[i].contains(dst.0 as usize)
            {
                // A copy nothing reads (kept in the IR only so that its source's roots stay
                // those of the unoptimised function) needs no code.
                i += 1;
                continue;
            }
            if s.scaled_add(&insts[i], insts.get(i + 1), &uses) {
                i += 2;
            } else {
                s.inst(&insts[i])?;
                i += 1;
            }
        }
        s.terminator(&f.block(b).term, next.map(|n| s.blocks[n.0 as usize]))?;
    }
    s.a.finish()
}

struct Sel<'a> {
    f: &'a Function,
    alloc: &'a Allocation,
    a: Assembler,
    frame: u32,
    out_args: u32,
    blocks: Vec<Label>,
    /// The shadow-stack overflow path, in functions with GC root slots.
    overflow: Option<Label>,
    calls: Calls,
    /// The frame states when the function pushes its shadow-stack frame lazily.
    lazy: Option<LazyFrame>,
    /// Whether the shadow-stack frame is pushed where code is being selected.
    state: Framed,
}

impl Sel<'_> {
    // ----- places and moves -----

    fn place(&self, v: Var) -> Place {
        match self.alloc.home(v) {
            Home::Reg(n) => match phys(n) {
                Phys::A(r) => Place::A(r),
                Phys::F(r) => Place::F(r),
            },
            Home::Spill(s) => Place::Mem(SP, (self.out_args + 4 * s) as i32),
            Home::Shadow(s) => Place::Mem(SHADOW_BASE, 4 * s as i32),
            Home::Const(c) => Place::Imm(c),
        }
    }

    fn movi(&mut self, r: Reg, c: i32) {
        match c {
            -32..=95 => self.a.inst(Inst::MoviN { s: r, imm: c }),
            -2048..=2047 => self.a.inst(Inst::Movi { t: r, imm: c }),
            _ => self.a.l32r(r, Literal::Word(c as u32)),
        }
    }

    fn mov(&mut self, d: Reg, s: Reg) {
        if d != s {
            self.a.inst(Inst::MovN { t: d, s });
        }
    }

    /// `d = s + c`, using `d` as the temporary (or a scratch register that is not `d` when
    /// `d == s` and `c` needs more than `addmi` and `addi`).
    fn add_imm(&mut self, d: Reg, s: Reg, c: i32) {
        let hi = (c.wrapping_add(128)) & !255;
        let lo = c.wrapping_sub(hi);
        if c == 0 {
            self.mov(d, s);
        } else if c == -1 || (1..=15).contains(&c) {
            self.a.inst(Inst::AddiN { r: d, s, imm: c });
        } else if (-128..=127).contains(&c) {
            self.a.inst(Inst::Addi { t: d, s, imm: c });
        } else if (-32768..=32512).contains(&hi) {
            self.a.inst(Inst::Addmi { t: d, s, imm: hi });
            if lo != 0 {
                self.a.inst(Inst::Addi { t: d, s: d, imm: lo });
            }
        } else if d != s {
            self.movi(d, c);
            self.a.inst(Inst::AddN { r: d, s: d, t: s });
        } else {
            let t = if d == SCRATCH2 { SCRATCH } else { SCRATCH2 };
            self.movi(t, c);
            self.a.inst(Inst::AddN { r: d, s: d, t });
        }
    }

    /// A base register and an offset in `0..=max` (a multiple of `align`) that address
    /// `base + offset`, computing the address in `tmp` when the offset does not fit.
    fn address(&mut self, base: Reg, offset: i32, max: i32, align: i32, tmp: Reg) -> (Reg, u32) {
        if (0..=max).contains(&offset) && offset % align == 0 {
            return (base, offset as u32);
        }
        let lo = offset & 0xff;
        let hi = offset.wrapping_sub(lo);
        if offset % align == 0 && (-32768..=32512).contains(&hi) {
            self.a.inst(Inst::Addmi { t: tmp, s: base, imm: hi });
            (tmp, lo as u32)
        } else if tmp == base {
            self.add_imm(tmp, base, offset);
            (tmp, 0)
        } else {
            self.movi(tmp, offset);
            self.a.inst(Inst::AddN { r: tmp, s: tmp, t: base });
            (tmp, 0)
        }
    }

    /// `t = word at base + offset`.
    fn load_word(&mut self, t: Reg, base: Reg, offset: i32) {
        let (s, offset) = self.address(base, offset, 1020, 4, t);
        if offset <= 60 {
            self.a.inst(Inst::L32iN { t, s, offset });
        } else {
            self.a.inst(Inst::Mem { op: MemOp::L32i, t, s, offset });
        }
    }

    /// `word at base + offset = t`.
    fn store_word(&mut self, t: Reg, base: Reg, offset: i32) {
        let tmp = if t == SCRATCH2 { SCRATCH } else { SCRATCH2 };
        let (s, offset) = self.address(base, offset, 1020, 4, tmp);
        if offset <= 60 {
            self.a.inst(Inst::S32iN { t, s, offset });
        } else {
            self.a.inst(Inst::Mem { op: MemOp::S32i, t, s, offset });
        }
    }

    /// A float load or store of `t` at `base + offset`.
    fn float_mem(&mut self, op: FpMemOp, t: FReg, base: Reg, offset: i32) {
        let (s, offset) = self.address(base, offset, 1020, 4, SCRATCH2);
        self.a.inst(Inst::FpMem { op, t, s, offset });
    }

    /// Copies one value between places (never changes SAR or `b0`). Uses `a8` for memory to
    /// memory copies and constants into memory.
    fn copy(&mut self, src: Place, dst: Place) {
        match (src, dst) {
            _ if src == dst => {}
            (Place::Imm(c), Place::A(d)) => self.movi(d, c),
            (Place::Imm(c), Place::F(d)) => {
                self.movi(SCRATCH, c);
                self.a.inst(Inst::Wfr { r: d, s: SCRATCH });
            }
            (Place::Imm(c), Place::Mem(b, o)) => {
                self.movi(SCRATCH, c);
                self.store_word(SCRATCH, b, o);
            }
            (Place::A(s), Place::A(d)) => self.mov(d, s),
            (Place::F(s), Place::F(d)) => {
                self.a.inst(Inst::FpUnary { op: FpUnaryOp::MovS, r: d, s })
            }
            (Place::A(s), Place::F(d)) => self.a.inst(Inst::Wfr { r: d, s }),
            (Place::F(s), Place::A(d)) => self.a.inst(Inst::Rfr { r: d, s }),
            (Place::Mem(b, o), Place::A(d)) => self.load_word(d, b, o),
            (Place::Mem(b, o), Place::F(d)) => self.float_mem(FpMemOp::Lsi, d, b, o),
            (Place::A(s), Place::Mem(b, o)) => self.store_word(s, b, o),
            (Place::F(s), Place::Mem(b, o)) => self.float_mem(FpMemOp::Ssi, s, b, o),
            (Place::Mem(sb, so), Place::Mem(db, dof)) => {
                self.load_word(SCRATCH, sb, so);
                self.store_word(SCRATCH, db, dof);
            }
            (_, Place::Imm(_)) => unreachable!("a constant is never a destination"),
        }
    }

    /// Emits `moves` as if all were done at once (`a8`/`f15` break cycles).
    fn parallel_move(&mut self, moves: &[Move<Place>]) {
        let is_memory = |p: Place| matches!(p, Place::Mem(..));
        let temp = |p: Place| match p {
            Place::F(_) => Place::F(FSCRATCH),
            _ => Place::A(SCRATCH),
        };
        for m in ir::moves::sequence(moves, is_memory, temp) {
            self.copy(m.src, m.dst);
        }
    }

    // ----- operands -----

    /// The register holding word var `v`, loaded into `scratch` when it has none.
    fn read(&mut self, v: Var, scratch: Reg) -> Reg {
        match self.place(v) {
            Place::A(r) => r,
            Place::F(r) => {
                self.a.inst(Inst::Rfr { r: scratch, s: r });
                scratch
            }
            Place::Mem(b, o) => {
                self.load_word(scratch, b, o);
                scratch
            }
            Place::Imm(c) => {
                self.movi(scratch, c);
                scratch
            }
        }
    }

    /// The float register holding F32 var `v`, loaded into `scratch` when it has none.
    fn read_f(&mut self, v: Var, scratch: FReg) -> FReg {
        match self.place(v) {
            Place::F(r) => r,
            p => {
                self.copy(p, Place::F(scratch));
                scratch
            }
        }
    }

    /// The register to compute word var `v` into: its home, or `a8`.
    fn def(&self, v: Var) -> Reg {
        match self.place(v) {
            Place::A(r) => r,
            _ => SCRATCH,
        }
    }

    /// Finishes the definition of `v` computed into `r`: stores it home, and to its GC root
    /// slot when it has one.
    fn done(&mut self, v: Var, r: Reg) {
        let home = self.place(v);
        if home != Place::A(r) {
            self.copy(Place::A(r), home);
        }
        self.root(v, r);
    }

    /// Writes a rooted var's new value (in `r`) through to its GC root slot, if the frame is
    /// pushed (pushing it lazily writes the live vars' slots).
    fn root(&mut self, v: Var, r: Reg) {
        if let Some(slot) = self.alloc.roots[v.0 as usize] {
            self.when_framed(|s| s.store_word(r, SHADOW_BASE, 4 * slot as i32));
        }
    }

    /// Emits `code` if the shadow-stack frame is pushed: always, never, or behind a test of
    /// [`SHADOW_BASE`] where it may or may not be.
    fn when_framed(&mut self, code: impl FnOnce(&mut Self)) {
        match self.state {
            Framed::No => {}
            Framed::Yes => code(self),
            Framed::Maybe => {
                let skip = self.a.label();
                self.a.branch(Br::Z(BranchZOp::Beqz, SHADOW_BASE), skip);
                code(self);
                self.a.bind(skip);
            }
        }
    }

    /// The float register to compute F32 var `v` into: its home, or `f15`.
    fn def_f(&self, v: Var) -> FReg {
        match self.place(v) {
            Place::F(r) => r,
            _ => FSCRATCH,
        }
    }

    fn done_f(&mut self, v: Var, r: FReg) {
        let home = self.place(v);
        if home != Place::F(r) {
            self.copy(Place::F(r), home);
        }
    }

    // ----- frame -----

    fn prologue(&mut self) -> Result<(), CodegenError> {
        self.a.inst(Inst::Entry { s: SP, frame: self.frame });
        let shadow = self.alloc.shadow_slots;
        if 4 * shadow > 32000 {
            return Err(CodegenError::TooLarge);
        }
        let param_in_base = self.f.params.len() > (SHADOW_BASE.index() - FIRST_PARAM) as usize;
        if let Some(lazy) = &self.lazy {
            if lazy.maybe {
                self.movi(SHADOW_BASE, 0);
            }
            self.state = Framed::No;
        } else if let Some(overflow) = self.overflow {
            if param_in_base {
                // a9 keeps the parameter arriving in a7: the limit takes a8's context address,
                // which is loaded again to store the new pointer.
                self.a.l32r(SCRATCH, Literal::Word(CTX_SHADOW_SP));
                self.mov(SCRATCH2, SHADOW_BASE);
                self.load_word(SHADOW_BASE, SCRATCH, 0);
                self.add_imm(SHADOW_BASE, SHADOW_BASE, -4 * shadow as i32);
                self.load_word(SCRATCH, SCRATCH, 4);
                self.a.branch(Br::Rr(BranchOp::Bltu, SHADOW_BASE, SCRATCH), overflow);
                self.a.l32r(SCRATCH, Literal::Word(CTX_SHADOW_SP));
                self.store_word(SHADOW_BASE, SCRATCH, 0);
            } else {
                self.push_frame(overflow);
            }
            // Zero the slots, except those written before any call can see them: the
            // parameters' and those of the vars the entry block defines before its first call.
            let early_defs = self.f.blocks[0]
                .insts
                .iter()
                .take_while(|i| !matches!(i, I::Call { .. }))
                .filter_map(I::def);
            let slot = |v: Var| match self.alloc.homes[v.0 as usize] {
                Some(Home::Shadow(s)) => Some(s),
                _ => self.alloc.roots[v.0 as usize],
            };
            let written: Vec<u32> =
                self.f.params.iter().copied().chain(early_defs).filter_map(slot).collect();
            self.zero_slots_except(&written);
        }
        let mut moves = Vec::new();
        for (i, &p) in self.f.params.iter().enumerate() {
            if self.alloc.homes[p.0 as usize].is_none() {
                continue;
            }
            let src = match arg_register(FIRST_PARAM, i) {
                Some(r) if r == SHADOW_BASE && shadow > 0 => Place::A(SCRATCH2),
                Some(r) => Place::A(r),
                None => Place::Mem(SP, (self.frame + 4 * (i - REG_ARGS) as u32) as i32),
            };
            moves.push(Move { src, dst: self.place(p) });
        }
        self.parallel_move(&moves);
        for &p in &self.f.params {
            if self.alloc.roots[p.0 as usize].is_some()
                && let Place::A(r) = self.place(p)
            {
                self.root(p, r);
            }
        }
        Ok(())
    }

    /// Moves the shadow-stack pointer down by the frame's slots, keeping the new pointer (the
    /// frame's base) in [`SHADOW_BASE`]; below the limit, raises a stack overflow.
    fn push_frame(&mut self, overflow: Label) {
        self.a.l32r(SCRATCH, Literal::Word(CTX_SHADOW_SP));
        self.load_word(SCRATCH2, SCRATCH, 4);
        self.load_word(SHADOW_BASE, SCRATCH, 0);
        self.add_imm(SHADOW_BASE, SHADOW_BASE, -4 * self.alloc.shadow_slots as i32);
        self.a.branch(Br::Rr(BranchOp::Bltu, SHADOW_BASE, SCRATCH2), overflow);
        self.store_word(SHADOW_BASE, SCRATCH, 0);
    }

    /// Zeroes the frame's root slots but `written`.
    fn zero_slots_except(&mut self, written: &[u32]) {
        let zero: Vec<u32> =
            (0..self.alloc.shadow_slots).filter(|k| !written.contains(k)).collect();
        if !zero.is_empty() {
            self.movi(SCRATCH, 0);
            for k in zero {
                self.store_word(SCRATCH, SHADOW_BASE, 4 * k as i32);
            }
        }
    }

    /// Pushes the frame of a function that pushes it lazily, before a call where it may not be
    /// pushed yet: the root slots of the rooted vars in `live` get their values, the others 0.
    fn push_frame_lazily(&mut self, live: &BitSet) -> Result<(), CodegenError> {
        let overflow = self.overflow.ok_or(CodegenError::Encode(
            "a lazy shadow-stack frame without an overflow path".into(),
        ))?;
        let pushed = self.a.label();
        if self.state == Framed::Maybe {
            self.a.branch(Br::Z(BranchZOp::Bnez, SHADOW_BASE), pushed);
        }
        self.push_frame(overflow);
        let mut written = Vec::new();
        for v in live.iter().map(|v| Var(v as u32)) {
            if let Some(slot) = self.alloc.roots[v.0 as usize] {
                let r = self.read(v, SCRATCH);
                self.store_word(r, SHADOW_BASE, 4 * slot as i32);
                written.push(slot);
            }
        }
        self.zero_slots_except(&written);
        self.a.bind(pushed);
        self.state = Framed::Yes;
        Ok(())
    }

    fn epilogue(&mut self) {
        let shadow = self.alloc.shadow_slots;
        if shadow > 0 {
            self.when_framed(|s| {
                s.a.l32r(SCRATCH, Literal::Word(CTX_SHADOW_SP));
                s.add_imm(SCRATCH2, SHADOW_BASE, 4 * shadow as i32);
                s.store_word(SCRATCH2, SCRATCH, 0);
            });
        }
        self.a.inst(Inst::RetwN);
    }

    // ----- calls -----

    /// Moves `args` into the argument registers and the outgoing stack area.
    fn pass_args(&mut self, args: &[Var]) {
        let moves: Vec<Move<Place>> = args
            .iter()
            .enumerate()
            .map(|(i, &v)| Move {
                src: self.place(v),
                dst: match arg_register(FIRST_ARG, i) {
                    Some(r) => Place::A(r),
                    None => Place::Mem(SP, 4 * (i - REG_ARGS) as i32),
                },
            })
            .collect();
        self.parallel_move(&moves);
    }

    /// `callx8` native `id` through the native vector.
    fn call_native(&mut self, id: u32, loc: LocId) -> Result<(), CodegenError> {
        if id >= NATIVE_SLOTS {
            return Err(CodegenError::NativeOutOfRange(id));
        }
        if self.calls == Calls::Direct {
            self.a.call_direct(CallTarget::Native(id), loc);
        } else {
            self.a.l32r(SCRATCH, Literal::Word(native_entry(id)));
            self.a.call(Inst::Callx { op: CallxOp::Callx8, s: SCRATCH }, loc);
        }
        Ok(())
    }

    fn call(
        &mut self,
        dst: Option<Var>,
        callee: Callee,
        args: &[Var],
        loc: LocId,
    ) -> Result<(), CodegenError> {
        if let Callee::Dynamic(slot) = callee {
            // The slot's table entry, into a9 before the arguments take their registers.
            let r = self.read(slot, SCRATCH2);
            self.a.l32r(SCRATCH, Literal::Word(FUNCTION_TABLE));
            self.a.inst(Inst::Rrr { op: RrrOp::Addx4, r: SCRATCH2, s: r, t: SCRATCH });
            self.load_word(SCRATCH2, SCRATCH2, 0);
        }
        self.pass_args(args);
        match callee {
            Callee::Native(id) => self.call_native(id, loc)?,
            Callee::Slot(n) if self.calls == Calls::Direct => {
                self.a.call_direct(CallTarget::Function(n), loc)
            }
            Callee::Slot(n) => {
                self.a.l32r(SCRATCH, Literal::Slot(n));
                self.load_word(SCRATCH, SCRATCH, 0);
                self.a.call(Inst::Callx { op: CallxOp::Callx8, s: SCRATCH }, loc);
            }
            Callee::Dynamic(_) => {
                self.a.call(Inst::Callx { op: CallxOp::Callx8, s: SCRATCH2 }, loc)
            }
        }
        if let Some(d) = dst {
            let home = self.place(d);
            self.copy(Place::A(Reg::A10), home);
            self.root(d, Reg::A10);
        }
        Ok(())
    }

    // ----- instructions -----

    fn inst(&mut self, inst: &I) -> Result<(), CodegenError> {
        match *inst {
            I::IConst { dst, value } => {
                if !matches!(self.place(dst), Place::Imm(_)) {
                    let d = self.def(dst);
                    self.movi(d, value);
                    self.done(dst, d);
                }
            }
            I::SymAddr { dst, sym } => {
                let d = self.def(dst);
                self.a.l32r(d, Literal::Data(sym));
                self.done(dst, d);
            }
            I::FConst { dst, bits } => {
                let home = self.place(dst);
                self.copy(Place::Imm(bits as i32), home);
            }
            I::Copy { dst, src } => {
                let (s, d) = (self.place(src), self.place(dst));
                self.copy(s, d);
                let root = self.alloc.roots[dst.0 as usize];
                // A source with the same root slot has its value there already.
                if root.is_some() && root != self.alloc.roots[src.0 as usize] {
                    let r = self.read(dst, SCRATCH);
                    self.root(dst, r);
                }
            }
            I::Unary { op, dst, src } => self.unary(op, dst, src),
            I::Int { op, dst, a, b } => self.int(op, dst, a, b),
            I::IntImm { op, dst, a, imm } => self.int_imm(op, dst, a, imm),
            I::Float { op, dst, a, b } => {
                let fa = self.read_f(a, FSCRATCH);
                let fb = self.read_f(b, FSCRATCH2);
                let d = self.def_f(dst);
                let op = match op {
                    FloatOp::Add => FpOp::AddS,
                    FloatOp::Sub => FpOp::SubS,
                    FloatOp::Mul => FpOp::MulS,
                    FloatOp::Div => unreachable!("float divisions are calls of FloatDiv"),
                };
                self.a.inst(Inst::Fp { op, r: d, s: fa, t: fb });
                self.done_f(dst, d);
            }
            I::Cmp { cond, dst, a, b } => {
                let br = self.condition(cond, a, b);
                let inputs = match br {
                    Br::Rr(_, s, t) => vec![s, t],
                    Br::Z(_, s) | Br::Imm(_, s, _) => vec![s],
                    Br::Bool(..) => vec![],
                };
                let d = self.def(dst);
                let done = self.a.label();
                if inputs.contains(&d) {
                    let yes = self.a.label();
                    self.a.branch(br, yes);
                    self.movi(d, 0);
                    self.a.jump(done);
                    self.a.bind(yes);
                    self.movi(d, 1);
                } else {
                    self.movi(d, 1);
                    self.a.branch(br, done);
                    self.movi(d, 0);
                }
                self.a.bind(done);
                self.done(dst, d);
            }
            I::Load { width, dst, addr, offset } => {
                let base = self.read(addr, SCRATCH);
                match (width, self.place(dst)) {
                    (Width::W32, Place::F(d)) => self.float_mem(FpMemOp::Lsi, d, base, offset),
                    (Width::W32, _) => {
                        let d = self.def(dst);
                        self.load_word(d, base, offset);
                        self.done(dst, d);
                    }
                    (Width::U8, _) => {
                        let d = self.def(dst);
                        let (s, offset) = self.address(base, offset, 255, 1, d);
                        self.a.inst(Inst::Mem { op: MemOp::L8ui, t: d, s, offset });
                        self.done(dst, d);
                    }
                }
            }
            I::Store { width, src, addr, offset } => match (width, self.place(src)) {
                (Width::W32, Place::F(s)) => {
                    let base = self.read(addr, SCRATCH);
                    let (b, o) = self.address(base, offset, 1020, 4, SCRATCH);
                    self.a.inst(Inst::FpMem { op: FpMemOp::Ssi, t: s, s: b, offset: o });
                }
                (Width::W32, _) => {
                    let s = self.read(src, SCRATCH);
                    let base = self.read(addr, SCRATCH2);
                    self.store_word(s, base, offset);
                }
                (Width::U8, _) => {
                    let s = self.read(src, SCRATCH);
                    let base = self.read(addr, SCRATCH2);
                    let (b, o) = self.address(base, offset, 255, 1, SCRATCH2);
                    self.a.inst(Inst::Mem { op: MemOp::S8i, t: s, s: b, offset: o });
                }
            },
            I::Call { dst, callee, ref args, loc } => self.call(dst, callee, args, loc)?,
        }
        Ok(())
    }

    /// `t = x << k; d = t + y` (or `y + t`) with `k` in 1..=3 and `t` used nowhere else: one
    /// `addx2`/`addx4`/`addx8`, as array indexing needs. Returns whether it applied.
    fn scaled_add(&mut self, first: &I, second: Option<&I>, uses: &[u32]) -> bool {
        let (
            &I::IntImm { op: IntOp::Shl, dst: t, a: x, imm: k @ 1..=3 },
            Some(&I::Int { op: IntOp::Add, dst, a, b }),
        ) = (first, second)
        else {
            return false;
        };
        let y = match (a == t, b == t) {
            (true, false) => b,
            (false, true) => a,
            _ => return false,
        };
        if uses[t.0 as usize] != 1 || x == t || y == t {
            return false;
        }
        let rx = self.read(x, SCRATCH);
        let ry = self.read(y, SCRATCH2);
        let d = self.def(dst);
        let op = [RrrOp::Addx2, RrrOp::Addx4, RrrOp::Addx8][k as usize - 1];
        self.a.inst(Inst::Rrr { op, r: d, s: rx, t: ry });
        self.done(dst, d);
        true
    }

    fn unary(&mut self, op: UnOp, dst: Var, src: Var) {
        match op {
            UnOp::Neg | UnOp::Not | UnOp::FloatBits => {
                let s = self.read(src, SCRATCH);
                let d = self.def(dst);
                match op {
                    UnOp::Neg => self.a.inst(Inst::Neg { r: d, t: s }),
                    UnOp::Not => {
                        self.movi(SCRATCH2, -1);
                        self.a.inst(Inst::Rrr { op: RrrOp::Xor, r: d, s, t: SCRATCH2 });
                    }
                    _ => self.mov(d, s),
                }
                self.done(dst, d);
            }
            UnOp::FNeg => {
                let s = self.read_f(src, FSCRATCH);
                let d = self.def_f(dst);
                self.a.inst(Inst::FpUnary { op: FpUnaryOp::NegS, r: d, s });
                self.done_f(dst, d);
            }
            UnOp::IntToFloat | UnOp::BitsFloat => {
                let s = self.read(src, SCRATCH);
                let d = self.def_f(dst);
                if op == UnOp::IntToFloat {
                    self.a.inst(Inst::IntToFp { op: IntToFpOp::FloatS, r: d, s, scale: 0 });
                } else {
                    self.a.inst(Inst::Wfr { r: d, s });
                }
                self.done_f(dst, d);
            }
            UnOp::FloatToInt => {
                let s = self.read_f(src, FSCRATCH);
                let d = self.def(dst);
                self.a.inst(Inst::FpToInt { op: FpToIntOp::TruncS, r: d, s, scale: 0 });
                // NaN converts to 0 (`trunc.s` saturates, and gives a maximum for NaN).
                let ordered = self.a.label();
                self.a.inst(Inst::FpCmp { op: FpCmpOp::UnS, r: BSCRATCH, s, t: s });
                self.a.branch(Br::Bool(BranchBoolOp::Bf, BSCRATCH), ordered);
                self.movi(d, 0);
                self.a.bind(ordered);
                self.done(dst, d);
            }
        }
    }

    fn int(&mut self, op: IntOp, dst: Var, a: Var, b: Var) {
        let commutes = matches!(op, IntOp::Add | IntOp::Mul | IntOp::And | IntOp::Or | IntOp::Xor);
        match (self.place(a), self.place(b)) {
            (_, Place::Imm(c)) => return self.int_imm(op, dst, a, c),
            (Place::Imm(c), _) if commutes => return self.int_imm(op, dst, b, c),
            (Place::Imm(0), _) if op == IntOp::Sub => {
                // `0 - b`.
                let rb = self.read(b, SCRATCH2);
                let d = self.def(dst);
                self.a.inst(Inst::Neg { r: d, t: rb });
                return self.done(dst, d);
            }
            _ => {}
        }
        let ra = self.read(a, SCRATCH);
        let rb = self.read(b, SCRATCH2);
        let d = self.def(dst);
        let rrr = |op| Inst::Rrr { op, r: d, s: ra, t: rb };
        match op {
            IntOp::Add => self.a.inst(Inst::AddN { r: d, s: ra, t: rb }),
            IntOp::Sub => self.a.inst(rrr(RrrOp::Sub)),
            IntOp::Mul => self.a.inst(rrr(RrrOp::Mull)),
            IntOp::DivS => self.a.inst(rrr(RrrOp::Quos)),
            IntOp::RemS => self.a.inst(rrr(RrrOp::Rems)),
            IntOp::And => self.a.inst(rrr(RrrOp::And)),
            IntOp::Or => self.a.inst(rrr(RrrOp::Or)),
            IntOp::Xor => self.a.inst(rrr(RrrOp::Xor)),
            IntOp::Shl => {
                self.a.inst(Inst::Ssl { s: rb });
                self.a.inst(Inst::Sll { r: d, s: ra });
            }
            IntOp::ShrS => {
                self.a.inst(Inst::Ssr { s: rb });
                self.a.inst(Inst::Sra { r: d, t: ra });
            }
            IntOp::ShrU => {
                self.a.inst(Inst::Ssr { s: rb });
                self.a.inst(Inst::Srl { r: d, t: ra });
            }
            IntOp::RotR => {
                // x >> n | x << (32 - n), with x parked in f15 (the scratch registers are
                // the only free ones).
                self.mov(SCRATCH2, rb);
                self.mov(SCRATCH, ra);
                self.a.inst(Inst::Wfr { r: FSCRATCH, s: SCRATCH });
                self.a.inst(Inst::Ssr { s: SCRATCH2 });
                self.a.inst(Inst::Srl { r: SCRATCH, t: SCRATCH });
                self.a.inst(Inst::Neg { r: SCRATCH2, t: SCRATCH2 });
                self.a.inst(Inst::Ssl { s: SCRATCH2 });
                self.a.inst(Inst::Rfr { r: SCRATCH2, s: FSCRATCH });
                self.a.inst(Inst::Sll { r: SCRATCH2, s: SCRATCH2 });
                self.a.inst(Inst::Rrr { op: RrrOp::Or, r: d, s: SCRATCH, t: SCRATCH2 });
            }
        }
        self.done(dst, d);
    }

    fn int_imm(&mut self, op: IntOp, dst: Var, a: Var, imm: i32) {
        let ra = self.read(a, SCRATCH);
        let d = self.def(dst);
        let sa = (imm & 31) as u8;
        match op {
            IntOp::Add => self.add_imm(d, ra, imm),
            IntOp::Sub if imm != i32::MIN => self.add_imm(d, ra, -imm),
            IntOp::Shl | IntOp::ShrS | IntOp::ShrU | IntOp::RotR if sa == 0 => self.mov(d, ra),
            IntOp::Shl => self.a.inst(Inst::Slli { r: d, s: ra, sa }),
            IntOp::ShrS => self.a.inst(Inst::Srai { r: d, t: ra, sa }),
            IntOp::ShrU => self.shift_right_u(d, ra, sa),
            IntOp::RotR => {
                self.shift_right_u(SCRATCH2, ra, sa);
                self.a.inst(Inst::Slli { r: SCRATCH, s: ra, sa: 32 - sa });
                self.a.inst(Inst::Rrr { op: RrrOp::Or, r: d, s: SCRATCH, t: SCRATCH2 });
            }
            IntOp::And if imm > 0 && (imm as u32 + 1).is_power_of_two() && imm <= 0xffff => {
                self.a.inst(Inst::Extui {
                    r: d,
                    t: ra,
                    shift: 0,
                    bits: (imm as u32 + 1).trailing_zeros() as u8,
                })
            }
            _ => {
                self.movi(SCRATCH2, imm);
                let op = match op {
                    IntOp::Sub => RrrOp::Sub,
                    IntOp::Mul => RrrOp::Mull,
                    IntOp::DivS => RrrOp::Quos,
                    IntOp::RemS => RrrOp::Rems,
                    IntOp::And => RrrOp::And,
                    IntOp::Or => RrrOp::Or,
                    _ => RrrOp::Xor,
                };
                self.a.inst(Inst::Rrr { op, r: d, s: ra, t: SCRATCH2 });
            }
        }
        self.done(dst, d);
    }

    /// `d = s >>> sa` for sa in 1..=31.
    fn shift_right_u(&mut self, d: Reg, s: Reg, sa: u8) {
        if sa < 16 {
            self.a.inst(Inst::Srli { r: d, t: s, sa });
        } else {
            self.a.inst(Inst::Extui { r: d, t: s, shift: sa, bits: 32 - sa });
        }
    }

    /// The branch taken when `a cond b` holds, after the instructions that prepare it.
    fn condition(&mut self, cond: Cond, a: Var, b: Var) -> Br {
        if cond.is_float() {
            let fa = self.read_f(a, FSCRATCH);
            let fb = self.read_f(b, FSCRATCH2);
            let (op, s, t, when) = match cond {
                Cond::FEq => (FpCmpOp::OeqS, fa, fb, BranchBoolOp::Bt),
                Cond::FNe => (FpCmpOp::OeqS, fa, fb, BranchBoolOp::Bf),
                Cond::FLt => (FpCmpOp::OltS, fa, fb, BranchBoolOp::Bt),
                Cond::FLe => (FpCmpOp::OleS, fa, fb, BranchBoolOp::Bt),
                Cond::FGt => (FpCmpOp::OltS, fb, fa, BranchBoolOp::Bt),
                _ => (FpCmpOp::OleS, fb, fa, BranchBoolOp::Bt),
            };
            self.a.inst(Inst::FpCmp { op, r: BSCRATCH, s, t });
            return Br::Bool(when, BSCRATCH);
        }
        if let Place::Imm(c) = self.place(b)
            && let Some(br) = self.condition_imm(cond, a, c)
        {
            return br;
        }
        let ra = self.read(a, SCRATCH);
        let rb = self.read(b, SCRATCH2);
        match cond {
            Cond::Eq => Br::Rr(BranchOp::Beq, ra, rb),
            Cond::Ne => Br::Rr(BranchOp::Bne, ra, rb),
            Cond::LtS => Br::Rr(BranchOp::Blt, ra, rb),
            Cond::GeS => Br::Rr(BranchOp::Bge, ra, rb),
            Cond::LeS => Br::Rr(BranchOp::Bge, rb, ra),
            Cond::GtS => Br::Rr(BranchOp::Blt, rb, ra),
            Cond::LtU => Br::Rr(BranchOp::Bltu, ra, rb),
            _ => Br::Rr(BranchOp::Bgeu, ra, rb),
        }
    }

    /// A compare-with-zero or compare-with-constant branch for `a cond c`, if one exists.
    fn condition_imm(&mut self, cond: Cond, a: Var, c: i32) -> Option<Br> {
        let form = branch_with_immediate(cond, c)?;
        let ra = self.read(a, SCRATCH);
        Some(match form {
            ImmBranch::Zero(op) => Br::Z(op, ra),
            ImmBranch::Imm(op, c) => Br::Imm(op, ra, c),
        })
    }

    fn terminator(&mut self, t: &Terminator, next: Option<Label>) -> Result<(), CodegenError> {
        match t {
            Terminator::Jump(b) => {
                let to = self.blocks[b.0 as usize];
                let target = self.f.block(*b);
                let frameless = self.alloc.shadow_slots == 0 || self.state == Framed::No;
                if Some(to) != next
                    && frameless
                    && target.insts.is_empty()
                    && matches!(target.term, Terminator::Return(_))
                {
                    // A `retw.n` (after the result's move) is no longer than a `j` to one.
                    return self.terminator(&target.term, next);
                }
                if Some(to) != next {
                    self.a.jump(to);
                }
            }
            Terminator::Branch { cond, a, b, then, other } => {
                let br = self.condition(*cond, *a, *b);
                let (then, other) = (self.blocks[then.0 as usize], self.blocks[other.0 as usize]);
                if Some(then) == next {
                    self.a.branch(br.invert(), other);
                } else {
                    self.a.branch(br, then);
                    if Some(other) != next {
                        self.a.jump(other);
                    }
                }
            }
            Terminator::Return(v) => {
                if let Some(v) = v {
                    let p = self.place(*v);
                    self.copy(p, Place::A(Reg::A2));
                }
                self.epilogue();
            }
            Terminator::Raise { native, args, loc } => {
                self.pass_args(args);
                self.call_native(*native, *loc)?;
            }
        }
        Ok(())
    }
}

/// How a branch on `a cond c` tests the constant `c` without a register for it.
pub(super) enum ImmBranch {
    /// Against zero (`beqz`, `bnez`, `bltz`, `bgez`).
    Zero(BranchZOp),
    /// Against an encodable constant (`beqi`, `blti`, `bltui`…), possibly adjusted (`a <= 4`
    /// is `a < 5`).
    Imm(BranchImmOp, i32),
}

/// The compare-with-zero or compare-with-constant branch for `a cond c`, if the ISA has one.
pub(super) fn branch_with_immediate(cond: Cond, c: i32) -> Option<ImmBranch> {
    let (cond, c) = match cond {
        Cond::LeS if c != i32::MAX => (Cond::LtS, c + 1),
        Cond::GtS if c != i32::MAX => (Cond::GeS, c + 1),
        _ => (cond, c),
    };
    let zero = match cond {
        Cond::Eq => Some(BranchZOp::Beqz),
        Cond::Ne => Some(BranchZOp::Bnez),
        Cond::LtS => Some(BranchZOp::Bltz),
        Cond::GeS => Some(BranchZOp::Bgez),
        _ => None,
    };
    if c == 0
        && let Some(op) = zero
    {
        return Some(ImmBranch::Zero(op));
    }
    let op = match cond {
        Cond::Eq if B4CONST.contains(&c) => BranchImmOp::Beqi,
        Cond::Ne if B4CONST.contains(&c) => BranchImmOp::Bnei,
        Cond::LtS if B4CONST.contains(&c) => BranchImmOp::Blti,
        Cond::GeS if B4CONST.contains(&c) => BranchImmOp::Bgei,
        Cond::LtU if B4CONSTU.contains(&c) => BranchImmOp::Bltui,
        Cond::GeU if B4CONSTU.contains(&c) => BranchImmOp::Bgeui,
        _ => return None,
    };
    Some(ImmBranch::Imm(op, c))
}
