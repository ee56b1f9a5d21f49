//! Instruction selection: every IR instruction and terminator into x86-64 with dynasm, over the
//! homes chosen by the register allocator. Operands that live in memory are loaded into the
//! scratch registers (`rax`, `rcx`, `xmm14`, `xmm15`); results computed in a scratch register
//! are stored back to their slot.

use crate::asm::{Alu, Asm, Mem, adjust_rsp, alu_imm, mov32, movss, store_imm32, store32};
use crate::frame::{ArgLoc, Frame, Overflow, arg_locations};
use crate::moves::{Move, Place, copy, parallel_move};
use crate::regalloc::{Allocation, Home};
use crate::regs::{XMM_SCRATCH, XMM_SCRATCH2};
use crate::shrink::Wrapped;
use crate::{CallSite, CodegenError, MachineCode, Reloc, slot_displacement};
use device::abi::Native;
use device::abi::host::{CTX_FUNCTIONS, CTX_NATIVES, NATIVE_SLOTS};
use dynasmrt::x64::{Rq, Rx};
use dynasmrt::{DynamicLabel, DynasmApi, DynasmLabelApi, dynasm};
use ir::analysis::Liveness;
use ir::{
    BlockId, Callee, Cond, FloatOp, Function, Inst, IntOp, LocId, Terminator, Ty, UnOp, Var, Width,
};

/// An x86 condition code, as tested after `cmp` or `ucomiss`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cc {
    E,
    Ne,
    L,
    Le,
    G,
    Ge,
    B,
    Ae,
    A,
    Be,
}

impl Cc {
    /// The condition that holds exactly when `self` does not.
    fn negate(self) -> Cc {
        match self {
            Cc::E => Cc::Ne,
            Cc::Ne => Cc::E,
            Cc::L => Cc::Ge,
            Cc::Ge => Cc::L,
            Cc::Le => Cc::G,
            Cc::G => Cc::Le,
            Cc::B => Cc::Ae,
            Cc::Ae => Cc::B,
            Cc::A => Cc::Be,
            Cc::Be => Cc::A,
        }
    }

    /// The condition that holds for `cmp b, a` when `self` holds for `cmp a, b`.
    fn mirror(self) -> Cc {
        match self {
            Cc::E | Cc::Ne => self,
            Cc::L => Cc::G,
            Cc::G => Cc::L,
            Cc::Le => Cc::Ge,
            Cc::Ge => Cc::Le,
            Cc::B => Cc::A,
            Cc::A => Cc::B,
            Cc::Ae => Cc::Be,
            Cc::Be => Cc::Ae,
        }
    }

    /// The condition code of an integer comparison `cmp a, b`.
    fn of_int(cond: Cond) -> Cc {
        match cond {
            Cond::Eq => Cc::E,
            Cond::Ne => Cc::Ne,
            Cond::LtS => Cc::L,
            Cond::LeS => Cc::Le,
            Cond::GtS => Cc::G,
            Cond::GeS => Cc::Ge,
            Cond::LtU => Cc::B,
            Cond::GeU => Cc::Ae,
            _ => unreachable!("float condition {cond:?} in an integer compare"),
        }
    }
}

/// How a condition is read from the flags after `cmp` or `ucomiss`.
#[derive(Debug, Clone, Copy)]
enum FlagTest {
    /// A single condition code (after `ucomiss`, one that is false when unordered: `ucomiss`
    /// sets ZF, PF and CF then).
    Simple(Cc),
    /// Float equal: ZF set and PF clear.
    Eq,
    /// Float not equal: ZF clear or PF set.
    Ne,
}

/// Emits `f` with the given liveness, allocation and frame; `wrap` says which blocks are in the
/// frameless prefix and which set up the frame when the frame is wrapped (see `shrink`).
pub fn emit(
    f: &Function,
    live: &Liveness,
    alloc: &Allocation,
    frame: &Frame,
    wrap: Option<&Wrapped>,
) -> Result<MachineCode, CodegenError> {
    let mut a = Asm::new(0);
    let blocks = (0..f.blocks.len()).map(|_| a.new_dynamic_label()).collect();
    let overflow = Overflow {
        entry: a.new_dynamic_label(),
        body: a.new_dynamic_label(),
    };
    let n = f.blocks.len();
    let (frameless, setup, teardown) = match wrap {
        Some(w) => (w.frameless.clone(), w.setup.clone(), w.teardown.clone()),
        None => (vec![false; n], vec![false; n], vec![false; n]),
    };
    let mut uses = vec![0u32; f.vars.len()];
    for &b in &alloc.order {
        let block = f.block(b);
        for inst in &block.insts {
            inst.for_each_use(|v| uses[v.0 as usize] += 1);
        }
        block.term.for_each_use(|v| uses[v.0 as usize] += 1);
    }
    let mut e = Emitter {
        a,
        f,
        alloc,
        frame,
        blocks,
        uses,
        result_in: None,
        inlining: false,
        resolved: Vec::new(),
        frameless,
        setup,
        teardown,
        overflow,
        in_frameless: false,
        aligning: false,
        call_sites: Vec::new(),
        relocs: Vec::new(),
    };
    e.resolve_targets();
    frame.prologue(&mut e.a, f, live, alloc, overflow);
    // Blocks that emit nothing but a jump are never jumped to (see `target`): leave them out.
    let emitted: Vec<BlockId> = alloc
        .order
        .iter()
        .copied()
        .filter(|&b| b.0 == 0 || e.resolved[b.0 as usize] == b)
        .collect();
    for (i, &b) in emitted.iter().enumerate() {
        let next = emitted.get(i + 1).copied();
        let label = e.blocks[b.0 as usize];
        dynasm!(e.a ; .arch x64 ; =>label);
        e.block(b, next)?;
    }
    // The stack-overflow path, entered with the entry `rsp` (wrapped frames) or with the frame
    // set up; the native is called with `rsp` aligned.
    // The entry `rsp` is 8 mod 16; with the frame set up it is either aligned or 8 mod 16 too.
    if frame.body_aligned() {
        dynasm!(e.a ; .arch x64 ; =>overflow.entry);
        adjust_rsp(&mut e.a, -8);
        dynasm!(e.a ; .arch x64 ; =>overflow.body);
    } else {
        dynasm!(e.a ; .arch x64 ; =>overflow.entry ; =>overflow.body);
        adjust_rsp(&mut e.a, -8);
    }
    e.call_native(Native::RaiseStackOverflow as u32, &[], LocId(0))?;
    dynasm!(e.a ; .arch x64 ; ud2);
    let code =
        e.a.finalize()
            .map_err(|err| CodegenError::Assembler(err.to_string()))?;
    Ok(MachineCode {
        code,
        call_sites: e.call_sites,
        relocs: e.relocs,
    })
}

/// Emission state for one function.
struct Emitter<'a> {
    a: Asm,
    f: &'a Function,
    alloc: &'a Allocation,
    frame: &'a Frame,
    /// One label per block (unreachable blocks' labels stay unused).
    blocks: Vec<DynamicLabel>,
    /// How many times each var is read in reachable code.
    uses: Vec<u32>,
    /// A var computed straight into the result register (`eax` or `xmm0`) because the block
    /// returns it right after its definition.
    result_in: Option<(Var, Home)>,
    /// Set while emitting a copy of another block's terminator (at most one level deep).
    inlining: bool,
    /// Per block, where control really goes (see [`Self::target`]).
    resolved: Vec<BlockId>,
    /// Per block: runs without the frame (returns are a bare `ret`).
    frameless: Vec<bool>,
    /// Per block: sets up the wrapped frame on entry.
    setup: Vec<bool>,
    /// Per block: tears the wrapped frame down after its instructions.
    teardown: Vec<bool>,
    overflow: Overflow,
    /// Whether the block being emitted runs without the frame.
    in_frameless: bool,
    /// Set while emitting a raise that must align `rsp` before its call.
    aligning: bool,
    call_sites: Vec<CallSite>,
    relocs: Vec<Reloc>,
}

impl Emitter<'_> {
    fn is_float(&self, v: Var) -> bool {
        self.f.ty(v) == Ty::F32
    }

    fn home(&self, v: Var) -> Home {
        match self.result_in {
            Some((r, h)) if r == v => h,
            _ => self.alloc.home(v),
        }
    }

    /// Writes the value `inst` just computed into its destination's register through to its GC
    /// root slot, if it has one (see [`Allocation::roots`]) and it does not hold that value
    /// already (a copy within one home and slot).
    fn write_root(&mut self, inst: &Inst) {
        if let Inst::Copy { dst, src } = *inst
            && self.alloc.roots[dst.0 as usize] == self.alloc.roots[src.0 as usize]
            && self.home(dst) == self.home(src)
        {
            return;
        }
        if let Some(d) = inst.def()
            && let Some(slot) = self.alloc.roots[d.0 as usize]
            && let Home::Gpr(r) = self.home(d)
            && r != Rq::RAX
        {
            store32(&mut self.a, Mem::Shadow(4 * slot as i32), r);
        }
    }

    /// Emits block `b`, followed in layout by `next`.
    fn block(&mut self, b: BlockId, next: Option<BlockId>) -> Result<(), CodegenError> {
        let f = self.f;
        let block = f.block(b);
        self.in_frameless = self.frameless[b.0 as usize];
        if self.setup[b.0 as usize] {
            self.frame.setup(&mut self.a, self.overflow);
        }
        let insts = &block.insts;
        let mut i = 0;
        while i < insts.len() {
            // A value returned right after it is computed goes straight to the result register
            // (`xmm0` may be an operand's home too: instructions read operands first).
            if i + 1 == insts.len()
                && let Terminator::Return(Some(r)) = block.term
                && insts[i].def() == Some(r)
            {
                let mut reads = false;
                insts[i].for_each_use(|v| reads |= v == r);
                if !reads {
                    let result = if self.is_float(r) {
                        Home::Xmm(Rx::XMM0)
                    } else {
                        Home::Gpr(Rq::RAX)
                    };
                    self.result_in = Some((r, result));
                }
            }
            if let Some(done) = self.fused_load_branch(&insts[i..], &block.term, next) {
                self.result_in = None;
                return done;
            }
            if i + 1 == insts.len()
                && let Some(done) = self.fused_branch(&insts[i], &block.term, next)
            {
                self.result_in = None;
                return done;
            }
            if let Some(next_inst) = insts.get(i + 1)
                && self.fused_scaled_add(&insts[i], next_inst)
            {
                self.write_root(next_inst);
                i += 2;
                continue;
            }
            self.inst(&insts[i])?;
            self.write_root(&insts[i]);
            i += 1;
        }
        if self.teardown[b.0 as usize] {
            self.frame.teardown(&mut self.a);
        }
        let done = self.term(&block.term, next);
        self.result_in = None;
        done
    }

    fn place(&self, v: Var) -> Place {
        self.frame.place(self.home(v), self.is_float(v))
    }

    /// The general register `v` lives in, if any.
    fn gpr(&self, v: Var) -> Option<Rq> {
        match self.home(v) {
            Home::Gpr(r) => Some(r),
            _ => None,
        }
    }

    /// The xmm register `v` lives in, if any.
    fn xmm(&self, v: Var) -> Option<Rx> {
        match self.home(v) {
            Home::Xmm(r) => Some(r),
            _ => None,
        }
    }

    /// The constant `v` always holds, if its home is one.
    fn constant(&self, v: Var) -> Option<i32> {
        match self.home(v) {
            Home::Const(c) => Some(c),
            _ => None,
        }
    }

    /// A register holding `v`'s word: its home, or `scratch` loaded from its slot or constant.
    fn use_gpr(&mut self, v: Var, scratch: Rq) -> Rq {
        self.gpr(v).unwrap_or_else(|| {
            self.load_gpr(scratch, v);
            scratch
        })
    }

    /// A register holding `v`'s f32: its home, or `scratch` loaded from its slot.
    fn use_xmm(&mut self, v: Var, scratch: Rx) -> Rx {
        self.xmm(v).unwrap_or_else(|| {
            self.load_xmm(scratch, v);
            scratch
        })
    }

    /// The register to compute word var `v` into: its home, or `scratch` (then
    /// [`Self::commit_gpr`]).
    fn def_gpr(&self, v: Var, scratch: Rq) -> Rq {
        self.gpr(v).unwrap_or(scratch)
    }

    /// The register to compute float var `v` into: its home, or `scratch` (then
    /// [`Self::commit_xmm`]).
    fn def_xmm(&self, v: Var, scratch: Rx) -> Rx {
        self.xmm(v).unwrap_or(scratch)
    }

    /// Moves the word computed in `r` into `v`'s home.
    fn commit_gpr(&mut self, v: Var, r: Rq) {
        let dst = self.place(v);
        copy(&mut self.a, Place::Gpr(r), dst);
    }

    /// Moves the f32 computed in `r` into `v`'s home.
    fn commit_xmm(&mut self, v: Var, r: Rx) {
        let dst = self.place(v);
        copy(&mut self.a, Place::Xmm(r), dst);
    }

    /// Copies word var `v` into register `r`.
    fn load_gpr(&mut self, r: Rq, v: Var) {
        let src = self.place(v);
        copy(&mut self.a, src, Place::Gpr(r));
    }

    /// Copies float var `v` into register `r`.
    fn load_xmm(&mut self, r: Rx, v: Var) {
        let src = self.place(v);
        copy(&mut self.a, src, Place::Xmm(r));
    }

    fn inst(&mut self, inst: &Inst) -> Result<(), CodegenError> {
        match *inst {
            Inst::IConst { dst, value } => self.iconst(dst, value),
            Inst::SymAddr { dst, sym } => self.sym_addr(dst, sym),
            Inst::FConst { dst, bits } => self.fconst(dst, bits),
            Inst::Copy { dst, src } => {
                if let (Some(0), Some(d)) = (self.constant(src), self.gpr(dst)) {
                    // Flags are never live between instructions.
                    dynasm!(self.a ; .arch x64 ; xor Rd(d), Rd(d));
                } else if self.home(dst) != self.home(src) {
                    let (from, to) = (self.place(src), self.place(dst));
                    copy(&mut self.a, from, to);
                }
            }
            Inst::Unary { op, dst, src } => self.unary(op, dst, src),
            Inst::Int { op, dst, a, b } => self.int(op, dst, a, b),
            Inst::IntImm { op, dst, a, imm } => self.int_imm(op, dst, a, imm),
            Inst::Float { op, dst, a, b } => self.float(op, dst, a, b),
            Inst::Cmp { cond, dst, a, b } => {
                let test = self.compare(cond, a, b);
                self.set_cc(test);
                let d = self.def_gpr(dst, Rq::RAX);
                dynasm!(self.a ; .arch x64 ; movzx Rd(d), al);
                self.commit_gpr(dst, d);
            }
            Inst::Load {
                width,
                dst,
                addr,
                offset,
            } => self.load_mem(width, dst, addr, offset),
            Inst::Store {
                width,
                src,
                addr,
                offset,
            } => self.store_mem(width, src, addr, offset),
            Inst::Call {
                dst,
                callee,
                ref args,
                loc,
            } => {
                match callee {
                    Callee::Slot(s) => self.call_slot(s, args, loc)?,
                    Callee::Native(n) => self.call_native(n, args, loc)?,
                    Callee::Dynamic(v) => self.call_dynamic(v, args, loc),
                }
                if let Some(d) = dst {
                    let result = if self.is_float(d) {
                        Place::Xmm(Rx::XMM0)
                    } else {
                        Place::Gpr(Rq::RAX)
                    };
                    let to = self.place(d);
                    copy(&mut self.a, result, to);
                }
            }
        }
        Ok(())
    }

    fn iconst(&mut self, dst: Var, value: i32) {
        match self.place(dst) {
            Place::Gpr(r) if value == 0 => dynasm!(self.a ; .arch x64 ; xor Rd(r), Rd(r)),
            Place::Gpr(r) => dynasm!(self.a ; .arch x64 ; mov Rd(r), value),
            Place::Mem(m, _) => store_imm32(&mut self.a, m, value),
            // A constant home: readers use the value directly.
            Place::Imm(_) => {}
            Place::Xmm(_) => unreachable!("word constant into an xmm register"),
        }
    }

    /// A 32-bit placeholder immediate patched by the linker with the symbol's address.
    fn sym_addr(&mut self, dst: Var, sym: u32) {
        let placeholder = 0i32;
        match self.place(dst) {
            Place::Gpr(r) => dynasm!(self.a ; .arch x64 ; mov Rd(r), DWORD placeholder),
            Place::Mem(m, _) => store_imm32(&mut self.a, m, placeholder),
            Place::Xmm(_) | Place::Imm(_) => unreachable!("symbol address into a non-word home"),
        }
        // Both forms end with the imm32.
        self.relocs.push(Reloc::Data {
            offset: self.a.offset().0 as u32 - 4,
            sym,
        });
    }

    fn fconst(&mut self, dst: Var, bits: u32) {
        match self.place(dst) {
            Place::Xmm(r) if bits == 0 => dynasm!(self.a ; .arch x64 ; xorps Rx(r), Rx(r)),
            Place::Xmm(r) => dynasm!(self.a
                ; .arch x64
                ; mov eax, bits as i32
                ; movd Rx(r), eax
            ),
            Place::Mem(m, _) => store_imm32(&mut self.a, m, bits as i32),
            Place::Gpr(_) | Place::Imm(_) => unreachable!("float constant into a word home"),
        }
    }

    fn unary(&mut self, op: UnOp, dst: Var, src: Var) {
        match op {
            UnOp::Neg | UnOp::Not => {
                let d = self.def_gpr(dst, Rq::RAX);
                self.load_gpr(d, src);
                if op == UnOp::Neg {
                    dynasm!(self.a ; .arch x64 ; neg Rd(d));
                } else {
                    dynasm!(self.a ; .arch x64 ; not Rd(d));
                }
                self.commit_gpr(dst, d);
            }
            UnOp::FNeg => {
                dynasm!(self.a
                    ; .arch x64
                    ; mov eax, i32::MIN
                    ; movd Rx(XMM_SCRATCH2), eax
                );
                let d = self.def_xmm(dst, XMM_SCRATCH);
                self.load_xmm(d, src);
                dynasm!(self.a ; .arch x64 ; xorps Rx(d), Rx(XMM_SCRATCH2));
                self.commit_xmm(dst, d);
            }
            UnOp::IntToFloat => {
                let s = self.use_gpr(src, Rq::RAX);
                let d = self.def_xmm(dst, XMM_SCRATCH);
                dynasm!(self.a
                    ; .arch x64
                    ; xorps Rx(d), Rx(d)
                    ; cvtsi2ss Rx(d), Rd(s)
                );
                self.commit_xmm(dst, d);
            }
            UnOp::FloatToInt => {
                let s = self.use_xmm(src, XMM_SCRATCH);
                let d = self.def_gpr(dst, Rq::RAX);
                // cvttss2si gives i32::MIN for NaN and out-of-range inputs: fix those up.
                dynasm!(self.a
                    ; .arch x64
                    ; cvttss2si Rd(d), Rx(s)
                    ; cmp Rd(d), i32::MIN
                    ; jne >done
                    ; ucomiss Rx(s), Rx(s)
                    ; jp >nan
                    ; xorps Rx(XMM_SCRATCH2), Rx(XMM_SCRATCH2)
                    ; ucomiss Rx(s), Rx(XMM_SCRATCH2)
                    ; jb >done
                    ; mov Rd(d), i32::MAX
                    ; jmp >done
                    ; nan:
                    ; xor Rd(d), Rd(d)
                    ; done:
                );
                self.commit_gpr(dst, d);
            }
            UnOp::FloatBits => {
                let s = self.use_xmm(src, XMM_SCRATCH);
                let d = self.def_gpr(dst, Rq::RAX);
                dynasm!(self.a ; .arch x64 ; movd Rd(d), Rx(s));
                self.commit_gpr(dst, d);
            }
            UnOp::BitsFloat => {
                let s = self.use_gpr(src, Rq::RAX);
                let d = self.def_xmm(dst, XMM_SCRATCH);
                dynasm!(self.a ; .arch x64 ; movd Rx(d), Rd(s));
                self.commit_xmm(dst, d);
            }
        }
    }

    /// `d op= s` for the two-address integer operations.
    fn int_rr(&mut self, op: IntOp, d: Rq, s: Rq) {
        match op {
            IntOp::Add => dynasm!(self.a ; .arch x64 ; add Rd(d), Rd(s)),
            IntOp::Sub => dynasm!(self.a ; .arch x64 ; sub Rd(d), Rd(s)),
            IntOp::Mul => dynasm!(self.a ; .arch x64 ; imul Rd(d), Rd(s)),
            IntOp::And => dynasm!(self.a ; .arch x64 ; and Rd(d), Rd(s)),
            IntOp::Or => dynasm!(self.a ; .arch x64 ; or Rd(d), Rd(s)),
            IntOp::Xor => dynasm!(self.a ; .arch x64 ; xor Rd(d), Rd(s)),
            IntOp::Shl => dynasm!(self.a ; .arch x64 ; shl Rd(d), cl),
            IntOp::ShrS => dynasm!(self.a ; .arch x64 ; sar Rd(d), cl),
            IntOp::ShrU => dynasm!(self.a ; .arch x64 ; shr Rd(d), cl),
            IntOp::RotR => dynasm!(self.a ; .arch x64 ; ror Rd(d), cl),
            IntOp::DivS | IntOp::RemS => unreachable!("division is not two-address"),
        }
    }

    fn int(&mut self, op: IntOp, dst: Var, a: Var, b: Var) {
        let commutative = matches!(
            op,
            IntOp::Add | IntOp::Mul | IntOp::And | IntOp::Or | IntOp::Xor
        );
        if let Some(c) = self.constant(b) {
            return self.int_imm(op, dst, a, c);
        }
        if let (Some(c), true) = (self.constant(a), commutative) {
            return self.int_imm(op, dst, b, c);
        }
        match op {
            IntOp::DivS | IntOp::RemS => {
                let rb = self.use_gpr(b, Rq::RCX);
                self.load_gpr(Rq::RAX, a);
                self.divide(op == IntOp::RemS, rb);
                self.commit_gpr(dst, Rq::RAX);
            }
            IntOp::Shl | IntOp::ShrS | IntOp::ShrU | IntOp::RotR => {
                self.load_gpr(Rq::RCX, b);
                let d = self.def_gpr(dst, Rq::RAX);
                self.load_gpr(d, a);
                self.int_rr(op, d, Rq::RCX);
                self.commit_gpr(dst, d);
            }
            IntOp::Add
                if self.gpr(a).is_some_and(|r| Some(r) != self.gpr(dst))
                    && self.gpr(b).is_some_and(|r| Some(r) != self.gpr(dst)) =>
            {
                let (ra, rb) = (self.use_gpr(a, Rq::RAX), self.use_gpr(b, Rq::RCX));
                let d = self.def_gpr(dst, Rq::RAX);
                dynasm!(self.a ; .arch x64 ; lea Rd(d), [Rq(ra) + Rq(rb)]);
                self.commit_gpr(dst, d);
            }
            _ => {
                let d = self.def_gpr(dst, Rq::RAX);
                if self.gpr(b) == Some(d) && self.gpr(a) != Some(d) {
                    if op == IntOp::Sub {
                        mov32(&mut self.a, Rq::RCX, d, false);
                        self.load_gpr(d, a);
                        self.int_rr(op, d, Rq::RCX);
                    } else {
                        let ra = self.use_gpr(a, Rq::RCX);
                        self.int_rr(op, d, ra);
                    }
                } else {
                    let rb = self.use_gpr(b, Rq::RCX);
                    self.load_gpr(d, a);
                    self.int_rr(op, d, rb);
                }
                self.commit_gpr(dst, d);
            }
        }
    }

    /// `eax = eax / divisor` (or `eax % divisor`), with `x / -1 == -x` (wrapping) and
    /// `x % -1 == 0` instead of the `idiv` overflow trap.
    fn divide(&mut self, rem: bool, divisor: Rq) {
        dynasm!(self.a
            ; .arch x64
            ; cmp Rd(divisor), -1
            ; jne >divide
        );
        if rem {
            dynasm!(self.a ; .arch x64 ; xor eax, eax);
        } else {
            dynasm!(self.a ; .arch x64 ; neg eax);
        }
        dynasm!(self.a
            ; .arch x64
            ; jmp >done
            ; divide:
            ; cdq
            ; idiv Rd(divisor)
        );
        if rem {
            dynasm!(self.a ; .arch x64 ; mov eax, edx);
        }
        dynasm!(self.a ; .arch x64 ; done:);
    }

    fn int_imm(&mut self, op: IntOp, dst: Var, a: Var, imm: i32) {
        match op {
            IntOp::Add | IntOp::Sub => {
                let imm = if op == IntOp::Sub {
                    imm.wrapping_neg()
                } else {
                    imm
                };
                let d = self.def_gpr(dst, Rq::RAX);
                match self.gpr(a) {
                    Some(ra) if ra != d && imm != 0 => {
                        dynasm!(self.a ; .arch x64 ; lea Rd(d), [Rq(ra) + imm]);
                    }
                    _ => {
                        self.load_gpr(d, a);
                        if imm != 0 {
                            alu_imm(&mut self.a, Alu::Add, d, imm);
                        }
                    }
                }
                self.commit_gpr(dst, d);
            }
            IntOp::Mul => {
                let ra = self.use_gpr(a, Rq::RCX);
                let d = self.def_gpr(dst, Rq::RAX);
                if let Ok(b) = i8::try_from(imm) {
                    dynasm!(self.a ; .arch x64 ; imul Rd(d), Rd(ra), BYTE b as _);
                } else {
                    dynasm!(self.a ; .arch x64 ; imul Rd(d), Rd(ra), imm);
                }
                self.commit_gpr(dst, d);
            }
            IntOp::And | IntOp::Or | IntOp::Xor => {
                let d = self.def_gpr(dst, Rq::RAX);
                self.load_gpr(d, a);
                let alu = match op {
                    IntOp::And => Alu::And,
                    IntOp::Or => Alu::Or,
                    _ => Alu::Xor,
                };
                alu_imm(&mut self.a, alu, d, imm);
                self.commit_gpr(dst, d);
            }
            IntOp::Shl | IntOp::ShrS | IntOp::ShrU | IntOp::RotR => {
                let d = self.def_gpr(dst, Rq::RAX);
                self.load_gpr(d, a);
                let n = (imm & 31) as i8;
                if n != 0 {
                    match op {
                        IntOp::Shl => dynasm!(self.a ; .arch x64 ; shl Rd(d), n),
                        IntOp::ShrS => dynasm!(self.a ; .arch x64 ; sar Rd(d), n),
                        IntOp::RotR => dynasm!(self.a ; .arch x64 ; ror Rd(d), n),
                        _ => dynasm!(self.a ; .arch x64 ; shr Rd(d), n),
                    }
                }
                self.commit_gpr(dst, d);
            }
            IntOp::DivS | IntOp::RemS => self.div_imm(op == IntOp::RemS, dst, a, imm),
        }
    }

    /// Division by a constant: `-1` and powers of two without `idiv`.
    fn div_imm(&mut self, rem: bool, dst: Var, a: Var, imm: i32) {
        self.load_gpr(Rq::RAX, a);
        if imm == -1 || imm == 1 {
            if rem {
                dynasm!(self.a ; .arch x64 ; xor eax, eax);
            } else if imm == -1 {
                dynasm!(self.a ; .arch x64 ; neg eax);
            }
        } else if imm > 0 && imm.count_ones() == 1 {
            // Round toward zero: add 2^k - 1 to negative dividends before the arithmetic shift.
            let k = imm.trailing_zeros() as i8;
            dynasm!(self.a
                ; .arch x64
                ; mov ecx, eax
                ; sar ecx, 31
                ; shr ecx, 32 - k
                ; add ecx, eax
            );
            if rem {
                dynasm!(self.a
                    ; .arch x64
                    ; and ecx, imm.wrapping_neg()
                    ; sub eax, ecx
                );
            } else {
                dynasm!(self.a
                    ; .arch x64
                    ; sar ecx, k
                    ; mov eax, ecx
                );
            }
        } else {
            dynasm!(self.a
                ; .arch x64
                ; mov ecx, imm
                ; cdq
                ; idiv ecx
            );
            if rem {
                dynasm!(self.a ; .arch x64 ; mov eax, edx);
            }
        }
        self.commit_gpr(dst, Rq::RAX);
    }

    fn float(&mut self, op: FloatOp, dst: Var, a: Var, b: Var) {
        let d = self.def_xmm(dst, XMM_SCRATCH);
        let commutative = matches!(op, FloatOp::Add | FloatOp::Mul);
        let s = if self.xmm(b) == Some(d) && self.xmm(a) != Some(d) {
            if commutative {
                self.use_xmm(a, XMM_SCRATCH2)
            } else {
                movss(&mut self.a, XMM_SCRATCH2, d);
                self.load_xmm(d, a);
                XMM_SCRATCH2
            }
        } else {
            let s = self.use_xmm(b, XMM_SCRATCH2);
            self.load_xmm(d, a);
            s
        };
        match op {
            FloatOp::Add => dynasm!(self.a ; .arch x64 ; addss Rx(d), Rx(s)),
            FloatOp::Sub => dynasm!(self.a ; .arch x64 ; subss Rx(d), Rx(s)),
            FloatOp::Mul => dynasm!(self.a ; .arch x64 ; mulss Rx(d), Rx(s)),
            FloatOp::Div => dynasm!(self.a ; .arch x64 ; divss Rx(d), Rx(s)),
        }
        self.commit_xmm(dst, d);
    }

    /// Emits the comparison of `a` and `b` and says how to read `cond` from the flags.
    fn compare(&mut self, cond: Cond, a: Var, b: Var) -> FlagTest {
        if !cond.is_float() {
            let cc = Cc::of_int(cond);
            if let Some(c) = self.constant(b) {
                let ra = self.use_gpr(a, Rq::RAX);
                self.cmp_imm(ra, c);
                return FlagTest::Simple(cc);
            }
            if let Some(c) = self.constant(a) {
                let rb = self.use_gpr(b, Rq::RCX);
                self.cmp_imm(rb, c);
                return FlagTest::Simple(cc.mirror());
            }
            let ra = self.use_gpr(a, Rq::RAX);
            let rb = self.use_gpr(b, Rq::RCX);
            dynasm!(self.a ; .arch x64 ; cmp Rd(ra), Rd(rb));
            return FlagTest::Simple(cc);
        }
        // `a < b` is `b > a`: only "above" conditions are false when unordered.
        let (x, y) = match cond {
            Cond::FLt | Cond::FLe => (b, a),
            _ => (a, b),
        };
        let rx = self.use_xmm(x, XMM_SCRATCH);
        let ry = self.use_xmm(y, XMM_SCRATCH2);
        dynasm!(self.a ; .arch x64 ; ucomiss Rx(rx), Rx(ry));
        match cond {
            Cond::FEq => FlagTest::Eq,
            Cond::FNe => FlagTest::Ne,
            Cond::FLt | Cond::FGt => FlagTest::Simple(Cc::A),
            _ => FlagTest::Simple(Cc::Ae),
        }
    }

    /// `cmp r, c`; `test r, r` (the same flags) for zero.
    fn cmp_imm(&mut self, r: Rq, c: i32) {
        if c == 0 {
            dynasm!(self.a ; .arch x64 ; test Rd(r), Rd(r));
        } else {
            alu_imm(&mut self.a, Alu::Cmp, r, c);
        }
    }

    /// `al = test ? 1 : 0` from the flags.
    fn set_cc(&mut self, test: FlagTest) {
        match test {
            FlagTest::Simple(cc) => self.setcc_al(cc),
            FlagTest::Eq => dynasm!(self.a
                ; .arch x64
                ; sete al
                ; setnp cl
                ; and al, cl
            ),
            FlagTest::Ne => dynasm!(self.a
                ; .arch x64
                ; setne al
                ; setp cl
                ; or al, cl
            ),
        }
    }

    fn setcc_al(&mut self, cc: Cc) {
        match cc {
            Cc::E => dynasm!(self.a ; .arch x64 ; sete al),
            Cc::Ne => dynasm!(self.a ; .arch x64 ; setne al),
            Cc::L => dynasm!(self.a ; .arch x64 ; setl al),
            Cc::Le => dynasm!(self.a ; .arch x64 ; setle al),
            Cc::G => dynasm!(self.a ; .arch x64 ; setg al),
            Cc::Ge => dynasm!(self.a ; .arch x64 ; setge al),
            Cc::B => dynasm!(self.a ; .arch x64 ; setb al),
            Cc::Ae => dynasm!(self.a ; .arch x64 ; setae al),
            Cc::A => dynasm!(self.a ; .arch x64 ; seta al),
            Cc::Be => dynasm!(self.a ; .arch x64 ; setbe al),
        }
    }

    fn jcc(&mut self, cc: Cc, to: DynamicLabel) {
        match cc {
            Cc::E => dynasm!(self.a ; .arch x64 ; je =>to),
            Cc::Ne => dynasm!(self.a ; .arch x64 ; jne =>to),
            Cc::L => dynasm!(self.a ; .arch x64 ; jl =>to),
            Cc::Le => dynasm!(self.a ; .arch x64 ; jle =>to),
            Cc::G => dynasm!(self.a ; .arch x64 ; jg =>to),
            Cc::Ge => dynasm!(self.a ; .arch x64 ; jge =>to),
            Cc::B => dynasm!(self.a ; .arch x64 ; jb =>to),
            Cc::Ae => dynasm!(self.a ; .arch x64 ; jae =>to),
            Cc::A => dynasm!(self.a ; .arch x64 ; ja =>to),
            Cc::Be => dynasm!(self.a ; .arch x64 ; jbe =>to),
        }
    }

    fn load_mem(&mut self, width: Width, dst: Var, addr: Var, offset: i32) {
        let ra = self.use_gpr(addr, Rq::RAX);
        if self.is_float(dst) {
            let d = self.def_xmm(dst, XMM_SCRATCH);
            match width {
                Width::W32 => {
                    dynasm!(self.a ; .arch x64 ; movss Rx(d), DWORD [r15 + Rq(ra) + offset])
                }
                Width::U8 => dynasm!(self.a
                    ; .arch x64
                    ; movzx eax, BYTE [r15 + Rq(ra) + offset]
                    ; movd Rx(d), eax
                ),
            }
            self.commit_xmm(dst, d);
        } else {
            let d = self.def_gpr(dst, Rq::RAX);
            match width {
                Width::W32 if offset == 0 => {
                    dynasm!(self.a ; .arch x64 ; mov Rd(d), DWORD [r15 + Rq(ra)])
                }
                Width::W32 => {
                    dynasm!(self.a ; .arch x64 ; mov Rd(d), DWORD [r15 + Rq(ra) + offset])
                }
                Width::U8 => {
                    dynasm!(self.a ; .arch x64 ; movzx Rd(d), BYTE [r15 + Rq(ra) + offset])
                }
            }
            self.commit_gpr(dst, d);
        }
    }

    fn store_mem(&mut self, width: Width, src: Var, addr: Var, offset: i32) {
        let ra = self.use_gpr(addr, Rq::RAX);
        if let Some(c) = self.constant(src) {
            match width {
                Width::W32 if offset == 0 => {
                    dynasm!(self.a ; .arch x64 ; mov DWORD [r15 + Rq(ra)], c)
                }
                Width::W32 => {
                    dynasm!(self.a ; .arch x64 ; mov DWORD [r15 + Rq(ra) + offset], c)
                }
                Width::U8 => {
                    dynasm!(self.a ; .arch x64 ; mov BYTE [r15 + Rq(ra) + offset], c as i8)
                }
            }
            return;
        }
        let rs = if self.is_float(src) {
            let s = self.use_xmm(src, XMM_SCRATCH);
            if width == Width::W32 {
                dynasm!(self.a ; .arch x64 ; movss DWORD [r15 + Rq(ra) + offset], Rx(s));
                return;
            }
            dynasm!(self.a ; .arch x64 ; movd ecx, Rx(s));
            Rq::RCX
        } else {
            self.use_gpr(src, Rq::RCX)
        };
        match width {
            Width::W32 if offset == 0 => {
                dynasm!(self.a ; .arch x64 ; mov DWORD [r15 + Rq(ra)], Rd(rs))
            }
            Width::W32 => {
                dynasm!(self.a ; .arch x64 ; mov DWORD [r15 + Rq(ra) + offset], Rd(rs))
            }
            Width::U8 => {
                dynasm!(self.a ; .arch x64 ; mov BYTE [r15 + Rq(ra) + offset], Rb(rs))
            }
        }
    }

    /// Moves the arguments into their ABI locations, and `extra` moves with them (in the same
    /// parallel move, so that sources are read before any destination is written).
    fn pass_args(&mut self, args: &[Var], extra: Option<Move>) {
        let locs = arg_locations(args.iter().map(|v| self.f.ty(*v)));
        let mut moves: Vec<Move> = args
            .iter()
            .zip(locs)
            .map(|(v, loc)| Move {
                src: self.place(*v),
                dst: match loc {
                    ArgLoc::Gpr(r) => Place::Gpr(r),
                    ArgLoc::Xmm(r) => Place::Xmm(r),
                    ArgLoc::Stack(n) => Place::Mem(self.frame.outgoing(n), self.is_float(*v)),
                },
            })
            .collect();
        moves.extend(extra);
        parallel_move(&mut self.a, &moves);
    }

    /// Calls through `[r14 + disp]` and records the call site.
    fn call_ctx(&mut self, disp: i32, args: &[Var], loc: LocId) {
        self.pass_args(args, None);
        if self.aligning {
            // A raise where `rsp` is 8 mod 16 (see `Frame::new`): it never returns, so moving
            // `rsp` after its (register) arguments are in place is enough.
            adjust_rsp(&mut self.a, -8);
        }
        dynasm!(self.a ; .arch x64 ; call QWORD [r14 + disp]);
        self.record_call_site(loc);
    }

    fn record_call_site(&mut self, loc: LocId) {
        self.call_sites.push(CallSite {
            return_offset: self.a.offset().0 as u32,
            loc,
        });
    }

    /// Calls the function-table slot whose number is in `slot`. The slot number travels to
    /// `r11` (caller-saved and never an argument register) with the arguments.
    fn call_dynamic(&mut self, slot: Var, args: &[Var], loc: LocId) {
        let to_r11 = Move {
            src: self.place(slot),
            dst: Place::Gpr(Rq::R11),
        };
        self.pass_args(args, Some(to_r11));
        dynasm!(self.a ; .arch x64 ; call QWORD [r14 + r11 * 8 + CTX_FUNCTIONS]);
        self.record_call_site(loc);
    }

    /// Calls function `callee` of [`Function::callees`] through the function table. The
    /// displacement is a placeholder (slot number = callee index) patched by the linker.
    fn call_slot(&mut self, callee: u32, args: &[Var], loc: LocId) -> Result<(), CodegenError> {
        let disp = slot_displacement(callee).ok_or(CodegenError::SlotOutOfRange(callee))?;
        self.call_ctx(disp, args, loc);
        // `call [r14 + disp32]` ends with the displacement.
        self.relocs.push(Reloc::Slot {
            offset: self.a.offset().0 as u32 - 4,
            callee,
        });
        Ok(())
    }

    fn call_native(&mut self, native: u32, args: &[Var], loc: LocId) -> Result<(), CodegenError> {
        if native >= NATIVE_SLOTS {
            return Err(CodegenError::NativeOutOfRange(native));
        }
        self.call_ctx(CTX_NATIVES + 8 * native as i32, args, loc);
        Ok(())
    }

    fn term(&mut self, term: &Terminator, next: Option<BlockId>) -> Result<(), CodegenError> {
        match *term {
            Terminator::Jump(to) => self.jump(to, next),
            Terminator::Branch {
                cond,
                a,
                b,
                then,
                other,
            } => self.branch(cond, a, b, then, other, next),
            Terminator::Return(v) => {
                if let Some(v) = v {
                    let result = if self.is_float(v) {
                        Place::Xmm(Rx::XMM0)
                    } else {
                        Place::Gpr(Rq::RAX)
                    };
                    let src = self.place(v);
                    copy(&mut self.a, src, result);
                }
                if self.in_frameless {
                    dynasm!(self.a ; .arch x64 ; ret);
                } else {
                    self.frame.epilogue(&mut self.a);
                }
                Ok(())
            }
            Terminator::Raise {
                native,
                ref args,
                loc,
            } => {
                // Raises run where the frame is set up; without stack arguments, they may need
                // to align `rsp` themselves (see `Frame::new`).
                self.aligning = self.in_frameless || !self.frame.body_aligned();
                let done = self.call_native(native, args, loc);
                self.aligning = false;
                done?;
                dynasm!(self.a ; .arch x64 ; ud2);
                Ok(())
            }
        }
    }

    /// Whether instruction `inst` emits no code: a copy within one home, or a constant with no
    /// storage.
    fn emits_nothing(&self, inst: &Inst) -> bool {
        match *inst {
            Inst::Copy { dst, src } => self.alloc.home(dst) == self.alloc.home(src),
            Inst::IConst { dst, .. } => matches!(self.alloc.home(dst), Home::Const(_)),
            _ => false,
        }
    }

    /// Whether block `b` emits no code of its own (a frame or teardown block always does).
    fn is_trivial(&self, b: BlockId) -> bool {
        let bi = b.0 as usize;
        !self.setup[bi]
            && !self.teardown[bi]
            && self.f.block(b).insts.iter().all(|i| self.emits_nothing(i))
    }

    /// Where control really goes when it goes to `b`: past blocks that emit nothing but a jump.
    fn target(&self, b: BlockId) -> BlockId {
        self.resolved[b.0 as usize]
    }

    /// Computes [`Self::target`] for every reachable block. A cycle of blocks that only jump
    /// (an empty infinite loop) resolves to itself.
    fn resolve_targets(&mut self) {
        let n = self.f.blocks.len();
        let mut resolved: Vec<BlockId> = (0..n as u32).map(BlockId).collect();
        let forwards = |b: BlockId| match self.f.block(b).term {
            Terminator::Jump(c) if self.is_trivial(b) => Some(c),
            _ => None,
        };
        for &start in &self.alloc.order {
            let mut path = vec![start];
            let mut b = start;
            while let Some(c) = forwards(b) {
                if path.contains(&c) {
                    // A cycle: its blocks are kept as they are.
                    b = c;
                    break;
                }
                path.push(c);
                b = c;
            }
            let end = if forwards(b).is_some() { start } else { b };
            resolved[start.0 as usize] = end;
        }
        self.resolved = resolved;
    }

    /// Continues at block `to`: nothing when it comes next, a copy of its terminator when it is
    /// trivial (a loop header's test, a return), or else a `jmp`.
    fn jump(&mut self, to: BlockId, next: Option<BlockId>) -> Result<(), CodegenError> {
        let to = self.target(to);
        if Some(to) == next {
            return Ok(());
        }
        let term = &self.f.block(to).term;
        if !self.inlining
            && self.is_trivial(to)
            && matches!(term, Terminator::Branch { .. } | Terminator::Return(_))
        {
            self.inlining = true;
            let done = self.term(term, next);
            self.inlining = false;
            return done;
        }
        let l = self.blocks[to.0 as usize];
        dynasm!(self.a ; .arch x64 ; jmp =>l);
        Ok(())
    }

    fn branch(
        &mut self,
        cond: Cond,
        a: Var,
        b: Var,
        then: BlockId,
        other: BlockId,
        next: Option<BlockId>,
    ) -> Result<(), CodegenError> {
        if then == other {
            return self.jump(then, next);
        }
        let test = self.compare(cond, a, b);
        self.branch_on(test, then, other, next)
    }

    /// Goes to `then` if `test` holds after a comparison, else to `other`.
    fn branch_on(
        &mut self,
        test: FlagTest,
        then: BlockId,
        other: BlockId,
        next: Option<BlockId>,
    ) -> Result<(), CodegenError> {
        let (then, other) = (self.target(then), self.target(other));
        let (lt, lo) = (self.blocks[then.0 as usize], self.blocks[other.0 as usize]);
        match test {
            FlagTest::Simple(cc) if Some(then) == next => {
                self.jcc(cc.negate(), lo);
                Ok(())
            }
            FlagTest::Simple(cc) => {
                self.jcc(cc, lt);
                self.jump(other, next)
            }
            FlagTest::Eq => {
                dynasm!(self.a ; .arch x64 ; jne =>lo ; jp =>lo);
                self.jump(then, next)
            }
            FlagTest::Ne => {
                dynasm!(self.a ; .arch x64 ; jne =>lt ; jp =>lt);
                self.jump(other, next)
            }
        }
    }

    /// `dst = cmp a, b` as the last instruction, branched on by `term` (`dst != 0` or
    /// `dst == 0`) and read nowhere else: one comparison and conditional jump.
    fn fused_branch(
        &mut self,
        inst: &Inst,
        term: &Terminator,
        next: Option<BlockId>,
    ) -> Option<Result<(), CodegenError>> {
        let Inst::Cmp { cond, dst, a, b } = *inst else {
            return None;
        };
        let (then, other) = self.branch_on_nonzero(term, dst)?;
        let test = self.compare(cond, a, b);
        Some(self.branch_on(test, then, other, next))
    }

    /// Where `term` goes when `x` is non-zero and when it is zero, if `term` only tests `x`
    /// against zero (`x != 0` or `x == 0`) and nothing else reads `x`.
    fn branch_on_nonzero(&self, term: &Terminator, x: Var) -> Option<(BlockId, BlockId)> {
        let Terminator::Branch {
            cond,
            a,
            b,
            then,
            other,
        } = *term
        else {
            return None;
        };
        let zero = |v: Var| v != x && self.constant(v) == Some(0);
        if self.uses[x.0 as usize] != 1 || !((a == x && zero(b)) || (b == x && zero(a))) {
            return None;
        }
        match cond {
            Cond::Ne => Some((then, other)),
            Cond::Eq => Some((other, then)),
            _ => None,
        }
    }

    /// A word loaded by the block's last instruction that emits code and read only by `term`,
    /// which tests it against zero: one `cmp dword [mem], 0` and a conditional jump. `rest`
    /// is what is left of the block; when it starts with the load's address, a data symbol's
    /// (an interrupt poll), the address is the compare's displacement and needs no register.
    fn fused_load_branch(
        &mut self,
        rest: &[Inst],
        term: &Terminator,
        next: Option<BlockId>,
    ) -> Option<Result<(), CodegenError>> {
        let end = rest.len()
            - rest
                .iter()
                .rev()
                .take_while(|i| self.emits_nothing(i))
                .count();
        let (sym, load) = match &rest[..end] {
            [
                Inst::SymAddr { dst, sym },
                load @ Inst::Load {
                    addr, offset: 0, ..
                },
            ] if addr == dst && self.uses[dst.0 as usize] == 1 => (Some(*sym), load),
            [load @ Inst::Load { .. }] => (None, load),
            _ => return None,
        };
        let Inst::Load {
            width: Width::W32,
            dst: x,
            addr,
            offset,
        } = *load
        else {
            return None;
        };
        let (then, other) = self.branch_on_nonzero(term, x)?;
        match sym {
            Some(sym) => {
                // cmp dword [r15 + disp32], 0 (imm8 form), the displacement a placeholder
                // that the linker patches with the symbol's address (data addresses are below
                // 2^31 on the host board, so the sign-extended displacement is the address).
                self.a.extend([0x41, 0x83, 0xBF]);
                self.relocs.push(Reloc::Data {
                    offset: self.a.offset().0 as u32,
                    sym,
                });
                self.a.extend([0, 0, 0, 0, 0]);
            }
            None => {
                let ra = self.use_gpr(addr, Rq::RAX);
                if offset == 0 {
                    dynasm!(self.a ; .arch x64 ; cmp DWORD [r15 + Rq(ra)], BYTE 0);
                } else {
                    dynasm!(self.a ; .arch x64 ; cmp DWORD [r15 + Rq(ra) + offset], BYTE 0);
                }
            }
        }
        Some(self.branch_on(FlagTest::Simple(Cc::Ne), then, other, next))
    }

    /// `t = x << k; y = b + t` (or `t + b`) with `t` read nowhere else: one `lea`.
    fn fused_scaled_add(&mut self, first: &Inst, second: &Inst) -> bool {
        let Inst::IntImm {
            op: IntOp::Shl,
            dst: t,
            a: x,
            imm: k @ 1..=3,
        } = *first
        else {
            return false;
        };
        let Inst::Int {
            op: IntOp::Add,
            dst: y,
            a,
            b,
        } = *second
        else {
            return false;
        };
        let base = match (a == t, b == t) {
            (true, false) => b,
            (false, true) => a,
            _ => return false,
        };
        if self.uses[t.0 as usize] != 1 {
            return false;
        }
        let rx = self.use_gpr(x, Rq::RAX);
        let d = self.def_gpr(y, Rq::RAX);
        match self.constant(base) {
            Some(c) => match k {
                1 => dynasm!(self.a ; .arch x64 ; lea Rd(d), [Rq(rx) * 2 + c]),
                2 => dynasm!(self.a ; .arch x64 ; lea Rd(d), [Rq(rx) * 4 + c]),
                _ => dynasm!(self.a ; .arch x64 ; lea Rd(d), [Rq(rx) * 8 + c]),
            },
            None => {
                let rb = self.use_gpr(base, Rq::RCX);
                match k {
                    1 => dynasm!(self.a ; .arch x64 ; lea Rd(d), [Rq(rb) + Rq(rx) * 2]),
                    2 => dynasm!(self.a ; .arch x64 ; lea Rd(d), [Rq(rb) + Rq(rx) * 4]),
                    _ => dynasm!(self.a ; .arch x64 ; lea Rd(d), [Rq(rb) + Rq(rx) * 8]),
                }
            }
        }
        self.commit_gpr(y, d);
        true
    }
}
