//! The stack frame: layout of spill slots and stack arguments, the prologue (register saves,
//! machine-stack check, shadow-stack frame, parameters into their homes) and the epilogue.
//!
//! Layout, from high to low addresses: incoming stack arguments, return address, saved
//! callee-saved registers, padding, spill slots, outgoing stack arguments at `[rsp]`. `rsp` stays
//! fixed (and 16-byte aligned) in the body, so every call site is aligned.

use crate::asm::{Alu, Asm, Mem, adjust_rsp, alu_imm, mov32, store32};
use crate::moves::{Move, Place, parallel_move};
use crate::regalloc::{Allocation, Home};
use crate::regs::{ARG_GPRS, ARG_XMMS};
use crate::shrink::Wrapped;
use device::abi::host::{CTX_SHADOW_LIMIT, CTX_SHADOW_SP, CTX_STACK_LIMIT};
use dynasmrt::x64::{Rq, Rx};
use dynasmrt::{DynamicLabel, DynasmApi, DynasmLabelApi, dynasm};
use ir::analysis::Liveness;
use ir::{Function, Inst, Terminator, Ty};

/// The labels of the stack-overflow path.
#[derive(Debug, Clone, Copy)]
pub struct Overflow {
    /// Reached with the entry `rsp` (from the check of a wrapped frame).
    pub entry: DynamicLabel,
    /// Reached with the frame set up.
    pub body: DynamicLabel,
}

/// Where one argument travels under the System V calling convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgLoc {
    /// An integer argument register.
    Gpr(Rq),
    /// An xmm argument register.
    Xmm(Rx),
    /// Stack argument number `n` (8 bytes each, in argument order).
    Stack(u32),
}

/// The System V locations of arguments of the given types.
pub fn arg_locations(tys: impl Iterator<Item = Ty>) -> Vec<ArgLoc> {
    let (mut ints, mut floats, mut stack) = (0, 0, 0);
    tys.map(|ty| {
        let reg = if ty == Ty::F32 {
            floats += 1;
            ARG_XMMS.get(floats - 1).map(|r| ArgLoc::Xmm(*r))
        } else {
            ints += 1;
            ARG_GPRS.get(ints - 1).map(|r| ArgLoc::Gpr(*r))
        };
        reg.unwrap_or_else(|| {
            stack += 1;
            ArgLoc::Stack(stack - 1)
        })
    })
    .collect()
}

/// The stack frame of one function.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Callee-saved registers pushed by the prologue, in push order.
    saved: Vec<Rq>,
    /// Bytes subtracted from `rsp` after the pushes.
    locals: i32,
    /// Bytes of outgoing stack arguments at `[rsp]`.
    out_args: i32,
    /// Bytes of GC root slots in the shadow-stack frame.
    shadow_bytes: i32,
    /// Whether the frame is set up by frame blocks rather than on entry (see `shrink`).
    wrapped: bool,
    /// Per GC root slot: whether setting up the shadow-stack frame zeroes it (see
    /// [`slots_to_zero`]).
    zero: Vec<bool>,
    /// Whether the prologue checks the machine-stack limit (see [`needs_stack_check`]).
    check_stack: bool,
}

/// The most machine stack, in bytes, that a function calling nothing may use without checking
/// the limit: its caller checked its own frame against a limit that keeps far more than this
/// (`STACK_MARGIN`, 256 KiB on the host board) in reserve for natives.
pub const UNCHECKED_LEAF_BYTES: i32 = 1024;

/// Whether a function must check the machine-stack limit on entry: it calls something (a leaf
/// cannot recurse, and a raise never returns) or its frame is large.
fn needs_stack_check(f: &Function, frame_bytes: i32) -> bool {
    let calls = f
        .blocks
        .iter()
        .any(|b| b.insts.iter().any(|i| matches!(i, Inst::Call { .. })));
    calls || frame_bytes > UNCHECKED_LEAF_BYTES
}

impl Frame {
    /// Lays out the frame of `f` given its register allocation. A wrapped frame is set up by
    /// [`Frame::setup`] in the frame blocks of `wrap` (see `shrink`), not on entry.
    pub fn new(f: &Function, live: &Liveness, alloc: &Allocation, wrap: Option<&Wrapped>) -> Frame {
        let wrapped = wrap.is_some();
        let mut out_slots = 0;
        let mut calls_anything = false;
        for b in &alloc.order {
            let block = f.block(*b);
            let calls = block.insts.iter().filter_map(|i| match i {
                Inst::Call { args, .. } => Some(args),
                _ => None,
            });
            let raise = match &block.term {
                Terminator::Raise { args, .. } => Some(args),
                _ => None,
            };
            let raises = raise.is_some();
            let ncalls = calls.clone().count();
            for (k, args) in calls.chain(raise).enumerate() {
                let stack = arg_locations(args.iter().map(|v| f.ty(*v)))
                    .into_iter()
                    .filter(|l| matches!(l, ArgLoc::Stack(_)))
                    .count();
                // A raise without stack arguments aligns `rsp` itself (it never returns).
                let is_raise = raises && k == ncalls;
                calls_anything |= !is_raise || stack > 0;
                out_slots = out_slots.max(stack as i32);
            }
        }
        let saved = alloc.callee_saved.clone();
        let out_args = 8 * out_slots;
        let mut locals = out_args + 8 * alloc.spill_slots as i32;
        // Entry rsp is 8 mod 16 (the return address); keep rsp 16-aligned in a body that calls.
        if calls_anything && (8 + 8 * saved.len() as i32 + locals) % 16 != 0 {
            locals += 8;
        }
        let check_stack = needs_stack_check(f, 8 * saved.len() as i32 + locals);
        Frame {
            check_stack,
            saved,
            locals,
            out_args,
            shadow_bytes: 4 * alloc.shadow_slots as i32,
            wrapped,
            zero: slots_to_zero(f, live, alloc, wrap),
        }
    }

    /// Whether the frame is empty: nothing saved, no stack or shadow-stack space.
    pub fn is_empty(&self) -> bool {
        self.saved.is_empty() && self.locals == 0 && self.shadow_bytes == 0
    }

    /// Whether `rsp` is 16-aligned once the frame is set up.
    pub fn body_aligned(&self) -> bool {
        (8 + 8 * self.saved.len() as i32 + self.locals) % 16 == 0
    }

    /// The memory slot of a home that is not a register.
    pub fn slot(&self, home: Home) -> Option<Mem> {
        match home {
            Home::Spill(n) => Some(Mem::Stack(self.out_args + 8 * n as i32)),
            Home::Shadow(n) => Some(Mem::Shadow(4 * n as i32)),
            Home::Gpr(_) | Home::Xmm(_) | Home::Const(_) => None,
        }
    }

    /// A home as a parallel-move place.
    pub fn place(&self, home: Home, float: bool) -> Place {
        match home {
            Home::Gpr(r) => Place::Gpr(r),
            Home::Xmm(r) => Place::Xmm(r),
            Home::Const(c) => Place::Imm(c),
            _ => Place::Mem(self.slot(home).expect("memory home"), float),
        }
    }

    /// Outgoing stack argument `n` of a call made by this function.
    pub fn outgoing(&self, n: u32) -> Mem {
        Mem::Stack(8 * n as i32)
    }

    /// Incoming stack argument `n` of this function, addressed from the entry `rsp` when the
    /// frame is wrapped (parameters move to their homes before the frame is set up).
    fn incoming(&self, n: u32) -> Mem {
        let frame = if self.wrapped {
            0
        } else {
            self.locals + 8 * self.saved.len() as i32
        };
        Mem::Stack(frame + 8 + 8 * n as i32)
    }

    /// Emits the prologue: the frame (unless wrapped), the machine-stack check (for the whole
    /// frame, even when it is set up later; leaves with small frames skip it) and the parameter
    /// moves.
    pub fn prologue(
        &self,
        a: &mut Asm,
        f: &Function,
        live: &Liveness,
        alloc: &Allocation,
        overflow: Overflow,
    ) {
        if self.wrapped {
            if self.check_stack {
                let bytes = 8 * self.saved.len() as i32 + self.locals;
                dynasm!(a
                    ; .arch x64
                    ; lea rax, [rsp - bytes]
                    ; cmp rax, QWORD [r14 + CTX_STACK_LIMIT]
                    ; jb =>overflow.entry
                );
            }
        } else {
            self.push_frame(a);
            if self.check_stack {
                dynasm!(a
                    ; .arch x64
                    ; cmp rsp, QWORD [r14 + CTX_STACK_LIMIT]
                    ; jb =>overflow.body
                );
            }
            if self.shadow_bytes > 0 {
                self.enter_shadow_frame(a, overflow.body);
            }
        }
        self.move_params(a, f, live, alloc);
    }

    /// Sets up a wrapped frame: register saves, stack space and the shadow-stack frame.
    pub fn setup(&self, a: &mut Asm, overflow: Overflow) {
        self.push_frame(a);
        if self.shadow_bytes > 0 {
            self.enter_shadow_frame(a, overflow.body);
        }
    }

    fn push_frame(&self, a: &mut Asm) {
        for &r in &self.saved {
            dynasm!(a ; .arch x64 ; push Rq(r));
        }
        adjust_rsp(a, -self.locals);
    }

    /// Allocates and zeroes the GC root slots; the base goes to `r13` ([`SHADOW_BASE`]).
    ///
    /// [`SHADOW_BASE`]: crate::regs::SHADOW_BASE
    fn enter_shadow_frame(&self, a: &mut Asm, overflow: DynamicLabel) {
        dynasm!(a
            ; .arch x64
            ; mov r13d, DWORD [r14 + CTX_SHADOW_SP]
        );
        alu_imm(a, Alu::Sub, Rq::R13, self.shadow_bytes);
        dynasm!(a
            ; .arch x64
            ; jb =>overflow
            ; cmp r13d, DWORD [r14 + CTX_SHADOW_LIMIT]
            ; jb =>overflow
            ; mov DWORD [r14 + CTX_SHADOW_SP], r13d
        );
        let mut slot = 0;
        while slot < self.zero.len() {
            let off = 4 * slot as i32;
            match (self.zero[slot], self.zero.get(slot + 1) == Some(&true)) {
                (true, true) => {
                    dynasm!(a ; .arch x64 ; mov QWORD [r15 + r13 + off], 0);
                    slot += 2;
                    continue;
                }
                (true, false) => dynasm!(a ; .arch x64 ; mov DWORD [r15 + r13 + off], 0),
                (false, _) => {}
            }
            slot += 1;
        }
    }

    /// Moves the parameters that are live on entry from their ABI locations into their homes.
    /// Word parameters that stay in their argument register are zero-extended when that register
    /// ever holds an address (see [`address_registers`]), because the ABI leaves the upper half
    /// undefined and addresses are formed with 64-bit adds.
    fn move_params(&self, a: &mut Asm, f: &Function, live: &Liveness, alloc: &Allocation) {
        let locs = arg_locations(f.params.iter().map(|p| f.ty(*p)));
        let addresses = address_registers(f, alloc);
        let mut moves = Vec::new();
        for (p, loc) in f.params.iter().zip(locs) {
            if !live.live_in[0].contains(p.0 as usize) {
                continue;
            }
            let float = f.ty(*p) == Ty::F32;
            let dst = self.place(alloc.home(*p), float);
            let src = match loc {
                ArgLoc::Gpr(r) => Place::Gpr(r),
                ArgLoc::Xmm(r) => Place::Xmm(r),
                ArgLoc::Stack(n) => Place::Mem(self.incoming(n), float),
            };
            if let (Place::Gpr(s), Place::Gpr(d)) = (src, dst)
                && s == d
                && addresses.contains(&d)
            {
                mov32(a, d, s, true);
            }
            moves.push(Move { src, dst });
        }
        parallel_move(a, &moves);
        for p in &f.params {
            if let Some(slot) = alloc.roots[p.0 as usize]
                && live.live_in[0].contains(p.0 as usize)
                && let Home::Gpr(r) = alloc.home(*p)
            {
                store32(a, Mem::Shadow(4 * slot as i32), r);
            }
        }
    }

    /// Emits a return from where the frame is set up; the result is already in `eax` or `xmm0`.
    pub fn epilogue(&self, a: &mut Asm) {
        self.teardown(a);
        dynasm!(a ; .arch x64 ; ret);
    }

    /// Tears the frame down: pops the shadow-stack frame, frees the stack space and restores the
    /// callee-saved registers.
    pub fn teardown(&self, a: &mut Asm) {
        if self.shadow_bytes > 0 {
            alu_imm(a, Alu::Add, Rq::R13, self.shadow_bytes);
            dynasm!(a ; .arch x64 ; mov DWORD [r14 + CTX_SHADOW_SP], r13d);
        }
        adjust_rsp(a, self.locals);
        for &r in self.saved.iter().rev() {
            dynasm!(a ; .arch x64 ; pop Rq(r));
        }
    }
}

/// The registers that hold a var used as a 64-bit address somewhere in `f` (a load or store
/// address, or a dynamic call's slot number): their upper halves must be zero. Every other use
/// of a word register reads only its low 32 bits.
pub fn address_registers(f: &Function, alloc: &Allocation) -> Vec<Rq> {
    let mut regs = Vec::new();
    let mut add = |v: ir::Var| {
        if let Some(Home::Gpr(r)) = alloc.homes[v.0 as usize]
            && !regs.contains(&r)
        {
            regs.push(r);
        }
    };
    for b in &alloc.order {
        for inst in &f.block(*b).insts {
            match *inst {
                Inst::Load { addr, .. } | Inst::Store { addr, .. } => add(addr),
                Inst::Call {
                    callee: ir::Callee::Dynamic(v),
                    ..
                } => add(v),
                _ => {}
            }
        }
    }
    regs
}

/// Which GC root slots setting up the shadow-stack frame must zero: those that some call (a
/// collection may happen in any) could find not yet written since the frame was set up. A
/// forward dataflow of definitely written slots: the prologue writes the slots of the
/// parameters, every definition of a rooted var writes its slot, and frame blocks of a wrapped
/// frame start with none written (frameless blocks have no shadow-stack frame to check).
fn slots_to_zero(
    f: &Function,
    live: &Liveness,
    alloc: &Allocation,
    wrap: Option<&Wrapped>,
) -> Vec<bool> {
    let setup = wrap.map(|w| &w.setup[..]);
    let frameless = |b: usize| wrap.is_some_and(|w| w.frameless[b]);
    let n = alloc.shadow_slots as usize;
    let mut zero = vec![false; n];
    if n == 0 {
        return zero;
    }
    let slot_of = |v: ir::Var| match alloc.homes[v.0 as usize] {
        Some(Home::Shadow(s)) => Some(s as usize),
        _ => alloc.roots[v.0 as usize].map(|s| s as usize),
    };
    let mut entry = vec![false; n];
    if setup.is_none() {
        for &p in &f.params {
            if live.live_in[0].contains(p.0 as usize)
                && let Some(s) = slot_of(p)
            {
                entry[s] = true;
            }
        }
    }
    let mut state_in: Vec<Option<Vec<bool>>> = vec![None; f.blocks.len()];
    state_in[0] = Some(entry);
    let mut changed = true;
    while changed {
        changed = false;
        for &b in &alloc.order {
            let bi = b.0 as usize;
            let Some(mut written) = state_in[bi].clone() else {
                continue;
            };
            if setup.is_some_and(|s| s[bi]) {
                written = vec![false; n];
            }
            let block = f.block(b);
            let mut check = |written: &[bool]| {
                if !frameless(bi) {
                    for (z, w) in zero.iter_mut().zip(written) {
                        *z |= !w;
                    }
                }
            };
            for inst in &block.insts {
                if let Inst::Call { .. } = inst {
                    check(&written);
                }
                if let Some(s) = inst.def().and_then(slot_of) {
                    written[s] = true;
                }
            }
            if let Terminator::Raise { .. } = block.term {
                check(&written);
            }
            for succ in block.term.successors() {
                let si = succ.0 as usize;
                let merged = match &state_in[si] {
                    None => written.clone(),
                    Some(old) => old.iter().zip(&written).map(|(a, b)| *a && *b).collect(),
                };
                if state_in[si].as_ref() != Some(&merged) {
                    state_in[si] = Some(merged);
                    changed = true;
                }
            }
        }
    }
    zero
}
