//! IR → Xtensa machine code for the ESP32 boards, following the windowed-ABI contract of
//! `device::abi::esp32` (its numbers are in `abi`).
//!
//! Pipeline: the shared optimisations ([`ir::opt`]) → float divisions become calls of the
//! `FloatDiv` native (the ESP32's FPU has no `div.s`), and loops test at their bottom →
//! liveness → the shared graph-colouring allocator ([`ir::regalloc`]) over this target's
//! registers (`regs`) → instruction selection with the frame, shadow-stack root slots and
//! parallel moves (`select`), in the block order of `layout` → assembly with literal pools
//! and branch relaxation (`asm`).

pub mod abi;
mod asm;
mod frame;
mod layout;
mod regs;
mod select;

pub use asm::CHUNK;

use crate::encode;
use crate::isa::{CallOp, Inst as XInst, Reg, call_offset, l32r_offset};
use abi::{FLOAT_DIV, FUNCTION_SLOTS, FUNCTION_TABLE};
use ir::{Callee, FloatOp, Function, Inst, LocId, Terminator};

/// How generated code calls other BlueScript functions ([`ir::Callee::Slot`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Calls {
    /// Through the function table: `l32r` of the slot's address, `l32i`, `callx8` (8 bytes).
    /// Development code, which patches replace a function at a time.
    #[default]
    Table,
    /// `call8` straight to the callee (3 bytes), a [`Reloc::Call`] the release linker resolves
    /// once every function has its address; the entry point is word-aligned, as `call8`
    /// needs of its targets. Release code: its literals also go in the image's one pool
    /// ([`Reloc::Pooled`]), not in pools of its own.
    Direct,
}

/// A call instruction in the generated code.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallSite {
    /// Byte offset, from the start of the code, right after the `callx8` or `call8`: the return address
    /// the callee sees. The function's `entry` instruction is a call site too: a machine-stack
    /// overflow faults there.
    pub return_offset: u32,
    /// The source location of the call (`LocId(0)` for the `entry` and the prologue's
    /// shadow-stack overflow).
    pub loc: LocId,
}

/// The machine code of one function.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineCode {
    /// Literal pools and instructions; must be placed at a 4-byte-aligned address.
    pub code: Vec<u8>,
    /// Offset of the first instruction (after the first literal pool).
    pub start: u32,
    /// Offset of the function's `entry` instruction: the address the function table holds.
    /// Only the shadow-stack overflow path (a native call) may come between `start` and it.
    pub entry: u32,
    /// Every call instruction, in code order.
    pub call_sites: Vec<CallSite>,
    /// Literal words the linker must patch, in code order.
    pub relocs: Vec<Reloc>,
}

/// A 32-bit little-endian literal word in the code that the linker patches with
/// [`Reloc::patch`]; the placeholder is 0.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reloc {
    /// The address of the function-table entry of [`ir::Function::callees`]`[callee]`:
    /// `FUNCTION_TABLE + 4 * slot`.
    Slot {
        /// Byte offset of the literal.
        offset: u32,
        /// Index into [`ir::Function::callees`].
        callee: u32,
    },
    /// The device address of [`ir::Function::symbols`]`[sym]`.
    Data {
        /// Byte offset of the literal.
        offset: u32,
        /// Index into [`ir::Function::symbols`].
        sym: u32,
    },
    /// A `call8` of [`ir::Function::callees`]`[callee]` (code compiled with [`Calls::Direct`]),
    /// resolved with [`Reloc::patch_call`].
    Call {
        /// Byte offset of the `call8`.
        offset: u32,
        /// Index into [`ir::Function::callees`].
        callee: u32,
    },
    /// A `call8` of the native numbered `native` (code compiled with [`Calls::Direct`]), which
    /// the release linker resolves with [`Reloc::patch_call`] to [`native_entry`]`(native)`.
    NativeCall {
        /// Byte offset of the `call8`.
        offset: u32,
        /// The native's number.
        native: u32,
    },
    /// An `l32r` of `literal` (code compiled with [`Calls::Direct`]), which the release linker
    /// points at that value in the image's literal pool with [`Reloc::patch_l32r`].
    Pooled {
        /// Byte offset of the `l32r`.
        offset: u32,
        /// The word it loads.
        literal: PoolLiteral,
    },
}

/// A word in the literal pool of a release image.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PoolLiteral {
    /// A constant.
    Word(u32),
    /// The address of the function-table entry of [`ir::Function::callees`]`[n]`
    /// ([`slot_address`]).
    Slot(u32),
    /// The device address of [`ir::Function::symbols`]`[n]`.
    Data(u32),
}

/// The code address where native `id` is entered: its entry in the native vector.
pub fn native_entry(id: u32) -> u32 {
    abi::NATIVE_VECTOR + 4 * id
}

/// The address of function-table slot `slot`.
pub fn slot_address(slot: u32) -> Result<u32, CodegenError> {
    if slot >= FUNCTION_SLOTS {
        return Err(CodegenError::SlotOutOfRange(slot));
    }
    Ok(FUNCTION_TABLE + 4 * slot)
}

impl Reloc {
    /// Byte offset of the patched literal or call.
    pub fn offset(&self) -> u32 {
        match *self {
            Reloc::Slot { offset, .. }
            | Reloc::Data { offset, .. }
            | Reloc::Call { offset, .. }
            | Reloc::NativeCall { offset, .. }
            | Reloc::Pooled { offset, .. } => offset,
        }
    }

    /// Resolves this literal relocation in `code` (the [`MachineCode::code`] it came with):
    /// `target` is the function-table slot for [`Reloc::Slot`] and the device address for
    /// [`Reloc::Data`]. A [`Reloc::Call`] or [`Reloc::NativeCall`] needs [`Reloc::patch_call`]
    /// instead, a
    /// [`Reloc::Pooled`] [`Reloc::patch_l32r`].
    pub fn patch(&self, code: &mut [u8], target: u32) -> Result<(), CodegenError> {
        let value = match self {
            Reloc::Slot { .. } => slot_address(target)?,
            Reloc::Data { .. } => target,
            Reloc::Call { .. } | Reloc::NativeCall { .. } | Reloc::Pooled { .. } => {
                return Err(CodegenError::NotALiteral);
            }
        };
        let at = self.offset() as usize;
        code[at..at + 4].copy_from_slice(&value.to_le_bytes());
        Ok(())
    }

    /// Resolves this [`Reloc::Pooled`] in `code` (the [`MachineCode::code`] it came with, to be
    /// loaded at address `base`): its `l32r` loads the word at address `literal`, which must be
    /// word-aligned, below it and within 256 KiB.
    pub fn patch_l32r(&self, code: &mut [u8], base: u32, literal: u32) -> Result<(), CodegenError> {
        let Reloc::Pooled { offset, .. } = *self else {
            return Err(CodegenError::NotALiteral);
        };
        let at = offset as usize;
        let Some((XInst::L32r { t, .. }, 3)) = crate::decode(&code[at..]) else {
            return Err(CodegenError::NotALiteral);
        };
        let pc = base.wrapping_add(offset);
        let load = XInst::L32r { t, offset: l32r_offset(pc, literal) };
        let bytes = encode(&load).map_err(|_| CodegenError::LiteralOutOfRange { pc, literal })?;
        code[at..at + 3].copy_from_slice(bytes.as_bytes());
        Ok(())
    }

    /// Resolves this [`Reloc::Call`] or [`Reloc::NativeCall`] in `code` (the
    /// [`MachineCode::code`] it came with, to be loaded at address `base`): its `call8` calls
    /// the code address `target`, which must be word-aligned and within ±512 KiB.
    pub fn patch_call(&self, code: &mut [u8], base: u32, target: u32) -> Result<(), CodegenError> {
        let (Reloc::Call { offset, .. } | Reloc::NativeCall { offset, .. }) = *self else {
            return Err(CodegenError::NotACall);
        };
        let pc = base.wrapping_add(offset);
        let call = XInst::Call { op: CallOp::Call8, offset: call_offset(pc, target) };
        let bytes = encode(&call).map_err(|_| CodegenError::CallOutOfRange { pc, target })?;
        let at = offset as usize;
        code[at..at + 3].copy_from_slice(bytes.as_bytes());
        Ok(())
    }
}

/// The size in bytes of a [`table_call_thunk`].
pub const TABLE_CALL_THUNK_SIZE: u32 = 8;

/// A thunk at address `at` that continues a `call8` through a function-table entry: `l32r a9,
/// <literal>; l32i.n a9, a9, 0; jx a9`, where the word at address `literal` (below `at`, within
/// 256 KiB) is the entry's address. It runs in the caller's window before the callee's `entry`
/// (which takes `a9`, the callee's future stack pointer, so `a9` is free), with the return
/// address in `a8` as `call8` left it: whatever the entry holds is called as by `callx8`.
/// Release images call through one where a call can recurse, so that an interrupt, which
/// diverts the table, stops every recursion.
pub fn table_call_thunk(at: u32, literal: u32) -> Result<Vec<u8>, CodegenError> {
    let insts = [
        XInst::L32r { t: Reg::A9, offset: l32r_offset(at, literal) },
        XInst::L32iN { t: Reg::A9, s: Reg::A9, offset: 0 },
        XInst::Jx { s: Reg::A9 },
    ];
    let mut out = Vec::new();
    for i in insts {
        let e = encode(&i).map_err(|_| CodegenError::LiteralOutOfRange { pc: at, literal })?;
        out.extend_from_slice(e.as_bytes());
    }
    debug_assert_eq!(out.len() as u32, TABLE_CALL_THUNK_SIZE);
    Ok(out)
}

/// Why a function could not be compiled or patched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodegenError {
    /// The IR broke an invariant checked by [`ir::verify::verify`].
    #[error("invalid IR: {0}")]
    InvalidIr(String),
    /// A call to a native number outside the native vector.
    #[error("native {0} is outside the native vector")]
    NativeOutOfRange(u32),
    /// A function-table slot outside the table.
    #[error("function slot {0} is outside the function table")]
    SlotOutOfRange(u32),
    /// The function is too large for its jumps, literals or frame.
    #[error("the function is too large for Xtensa code (jumps, literals or stack frame)")]
    TooLarge,
    /// A call relocation patched as a literal word.
    #[error("a call relocation patched as a literal word")]
    NotALiteral,
    /// A literal relocation patched as a call.
    #[error("a literal relocation patched as a call")]
    NotACall,
    /// A direct call whose target `call8` cannot reach (unaligned, or beyond ±512 KiB).
    #[error("a call at {pc:#010x} cannot reach {target:#010x} with call8")]
    CallOutOfRange {
        /// The address of the call.
        pc: u32,
        /// The callee's address.
        target: u32,
    },
    /// A pooled literal that its `l32r` cannot reach (unaligned, not below it, or more than
    /// 256 KiB away).
    #[error("an l32r at {pc:#010x} cannot load the literal at {literal:#010x}")]
    LiteralOutOfRange {
        /// The address of the `l32r`.
        pc: u32,
        /// The literal's address.
        literal: u32,
    },
    /// The encoder rejected an instruction (a bug in this backend).
    #[error("encoder error: {0}")]
    Encode(String),
}

/// The most interference edges a function may have (about 16 MiB of adjacency lists).
const EDGE_BUDGET: usize = 2_000_000;

/// Compiles `f` to Xtensa machine code for the ESP32 boards, calling through the function
/// table.
pub fn compile(f: &Function) -> Result<MachineCode, CodegenError> {
    compile_with_chunk(f, CHUNK)
}

/// [`compile`] with the calls `calls` says.
pub fn compile_with_calls(f: &Function, calls: Calls) -> Result<MachineCode, CodegenError> {
    compile_all(f, CHUNK, calls)
}

/// [`compile`] with at most `chunk` code bytes between literal pools (tests use small chunks).
pub fn compile_with_chunk(f: &Function, chunk: u32) -> Result<MachineCode, CodegenError> {
    compile_all(f, chunk, Calls::Table)
}

fn compile_all(f: &Function, chunk: u32, calls: Calls) -> Result<MachineCode, CodegenError> {
    ir::verify::verify(f).map_err(CodegenError::InvalidIr)?;
    let mut f = f.clone();
    ir::opt::optimize(&mut f);
    divisions_to_calls(&mut f);
    test_at_the_bottom(&mut f);
    flag_address_once(&mut f);
    loop_constants_once(&mut f);
    debug_assert_eq!(ir::verify::verify(&f), Ok(()));
    let live = ir::analysis::Liveness::compute(&f);
    let no_clobbers = |_: &Inst| 0;
    let constraints = ir::regalloc::Constraints {
        hints: regs::hints(&f),
        clobbers: &no_clobbers,
        frameless: &[],
        budget: EDGE_BUDGET,
    };
    let alloc = ir::regalloc::allocate(&f, &live, &regs::registers(), &constraints)
        .ok_or(CodegenError::TooLarge)?;
    let assembled = select::select(&f, &alloc, &live, chunk, calls)?;
    let relocs = relocations(&assembled);
    // A machine-stack overflow faults at the `entry` instruction, and the board reports the
    // address after it (`abi::ENTRY_FAULT_OFFSET`): it names the function's location, as the
    // shadow-stack overflow call before the entry does (which returns to the entry). The
    // address after `entry` is never another call's return address; the entry itself may be
    // the return address of a raise that ends the code placed before this function.
    let entry_fault = assembled.entry + abi::ENTRY_FAULT_OFFSET;
    let overflow_path = (assembled.entry > assembled.start).then_some(assembled.entry);
    let mut call_sites: Vec<CallSite> = overflow_path
        .into_iter()
        .chain([entry_fault])
        .map(|at| (at, LocId(0)))
        .chain(assembled.calls)
        .map(|(return_offset, loc)| CallSite { return_offset, loc })
        .collect();
    call_sites.sort_by_key(|c| c.return_offset);
    Ok(MachineCode {
        code: assembled.code,
        start: assembled.start,
        entry: assembled.entry,
        call_sites,
        relocs,
    })
}

/// The relocations of `assembled`'s literal words, direct calls and pooled `l32r`s, in code
/// order.
fn relocations(assembled: &asm::Assembled) -> Vec<Reloc> {
    let literals = assembled.relocs.iter().map(|r| match r.literal {
        asm::Literal::Slot(callee) => Reloc::Slot { offset: r.offset, callee },
        asm::Literal::Data(sym) => Reloc::Data { offset: r.offset, sym },
        asm::Literal::Word(_) => unreachable!("constant literals are not relocated"),
    });
    let calls = assembled.direct_calls.iter().map(|&(offset, target)| match target {
        asm::CallTarget::Function(callee) => Reloc::Call { offset, callee },
        asm::CallTarget::Native(native) => Reloc::NativeCall { offset, native },
    });
    let pooled = assembled.pooled.iter().map(|&(offset, literal)| Reloc::Pooled {
        offset,
        literal: match literal {
            asm::Literal::Word(w) => PoolLiteral::Word(w),
            asm::Literal::Slot(n) => PoolLiteral::Slot(n),
            asm::Literal::Data(n) => PoolLiteral::Data(n),
        },
    });
    let mut relocs: Vec<Reloc> = literals.chain(calls).chain(pooled).collect();
    relocs.sort_by_key(Reloc::offset);
    relocs
}

/// Replaces every jump to a block that only branches (a loop's test) by a copy of that branch,
/// so that a loop tests its condition at its bottom instead of jumping back to the test.
fn test_at_the_bottom(f: &mut Function) {
    for i in 0..f.blocks.len() {
        if let Terminator::Jump(t) = f.blocks[i].term {
            let target = f.block(t);
            if t.0 as usize != i
                && target.insts.is_empty()
                && matches!(target.term, Terminator::Branch { .. })
            {
                f.blocks[i].term = target.term.clone();
            }
        }
    }
}

/// Loads the address of each volatile symbol (the interrupt flag) once, at the entry: a loop's
/// poll then reads the flag through a register (`l32i`, `bnez`) instead of first loading the
/// address from the literal pool. Across calls it stays in one of the registers a `call8`
/// keeps (`a2`–`a7`); under pressure it is spilled and reloaded like any value (as many
/// instructions as the `l32r` it replaces).
fn flag_address_once(f: &mut Function) {
    let mut hoisted: Vec<(u32, ir::Var)> = Vec::new();
    for b in 0..f.blocks.len() {
        for i in 0..f.blocks[b].insts.len() {
            let Inst::SymAddr { dst, sym } = f.blocks[b].insts[i] else {
                continue;
            };
            if !f.symbols[sym as usize].is_volatile() {
                continue;
            }
            let src = match hoisted.iter().find(|(s, _)| *s == sym) {
                Some(&(_, v)) => v,
                None => {
                    f.vars.push(f.vars[dst.0 as usize]);
                    let v = ir::Var(f.vars.len() as u32 - 1);
                    hoisted.push((sym, v));
                    v
                }
            };
            f.blocks[b].insts[i] = Inst::Copy { dst, src };
        }
    }
    let entry = &mut f.blocks[0].insts;
    for (i, &(sym, dst)) in hoisted.iter().enumerate() {
        entry.insert(i, Inst::SymAddr { dst, sym });
    }
}

/// Keeps in a register each constant that a store in a loop writes (`flags[k] = false`) or
/// that a branch in a loop compares with and cannot take as an immediate (`x > 500`), and
/// each constant a loop uses that a `movi` cannot make (`k <= 5000`): a var defined only by a
/// constant has no storage and is made again at each use (a `movi` into a scratch register
/// before the `s32i`, or an `l32r` from the literal pool), so such a use now reads a var that
/// the entry copies the constant into once. Under register pressure that var is spilled and
/// reloaded like any value (one instruction, as the `movi` or `l32r` it replaces).
fn loop_constants_once(f: &mut Function) {
    let value = ir::analysis::constant_values(f);
    let in_loop = ir::analysis::in_loops(f);
    let mut made: Vec<(i32, ir::Ty, ir::Var)> = Vec::new();
    let vars = &mut f.vars;
    let mut once = |v: &mut ir::Var, any_value: bool| {
        // Vars made here (past `value`) already hold their constant.
        let Some(c) = value.get(v.0 as usize).copied().flatten() else {
            return;
        };
        if !any_value && (-2048..2048).contains(&c) {
            return;
        }
        let ty = vars[v.0 as usize];
        *v = match made.iter().find(|&&(k, t, _)| k == c && t == ty) {
            Some(&(_, _, held)) => held,
            None => {
                vars.push(ty);
                let held = ir::Var(vars.len() as u32 - 1);
                made.push((c, ty, held));
                held
            }
        };
    };
    for (b, block) in f.blocks.iter_mut().enumerate() {
        if !in_loop[b] {
            continue;
        }
        for inst in &mut block.insts {
            if let Inst::Store { src, .. } = inst {
                once(src, true);
            }
            inst.for_each_use_mut(|v| once(v, false));
        }
        match &mut block.term {
            Terminator::Branch { cond, a, b, .. } => {
                // A constant the branch cannot test as an immediate takes a register anyway.
                let b_is_immediate = value
                    .get(b.0 as usize)
                    .copied()
                    .flatten()
                    .is_some_and(|c| select::branch_with_immediate(*cond, c).is_some());
                once(a, true);
                if !b_is_immediate {
                    once(b, true);
                }
            }
            term => term.for_each_use_mut(|v| once(v, false)),
        }
    }
    let mut entry = Vec::new();
    for (c, ty, v) in made {
        f.vars.push(ty);
        let k = ir::Var(f.vars.len() as u32 - 1);
        entry.push(Inst::IConst { dst: k, value: c });
        entry.push(Inst::Copy { dst: v, src: k });
    }
    f.blocks[0].insts.splice(0..0, entry);
}

/// Replaces every float division by a call of the `FloatDiv` native: the ESP32's FPU has no
/// division instruction, only the steps of a Newton–Raphson sequence, and a native gives the
/// exactly rounded quotient every board computes.
fn divisions_to_calls(f: &mut Function) {
    for inst in f.blocks.iter_mut().flat_map(|b| &mut b.insts) {
        if let Inst::Float { op: FloatOp::Div, dst, a, b } = *inst {
            *inst = Inst::Call {
                dst: Some(dst),
                callee: Callee::Native(FLOAT_DIV),
                args: vec![a, b],
                loc: LocId(0),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The instructions of `f`'s code from its entry, one per line without addresses and bytes.
    fn listing(f: &Function) -> Vec<String> {
        let c = compile(f).unwrap();
        crate::disasm(&c.code[c.start as usize..], c.start)
            .lines()
            .map(|l| l.split("  ").last().unwrap().trim().to_string())
            .collect()
    }

    /// `for (i = 0; i < n; i++) mem[4 * i] = 7`: the 7 is made once, before the loop, not
    /// before each store.
    #[test]
    fn a_constant_stored_in_a_loop_is_made_once() {
        use ir::{Cond, IntOp, Ty, Width};
        let (mut b, p) = ir::builder::Builder::new(&[Ty::I32], None);
        let i = b.var(Ty::I32);
        b.push(Inst::IConst { dst: i, value: 0 });
        let (head, body, done) = (b.block(), b.block(), b.block());
        b.term(Terminator::Jump(head));
        b.switch(head);
        b.branch(Cond::LtS, i, p[0], body, done);
        b.switch(body);
        let seven = b.iconst(7);
        let at = b.int_imm(IntOp::Shl, i, 2);
        b.store(Width::W32, seven, at, 0);
        b.push(Inst::IntImm { op: IntOp::Add, dst: i, a: i, imm: 1 });
        b.term(Terminator::Jump(head));
        b.switch(done);
        b.term(Terminator::Return(None));
        let l = listing(&b.finish());
        let store = l.iter().position(|x| x.starts_with("s32i")).expect("a store");
        assert!(!l[store - 1].starts_with("movi"), "{l:#?}");
        assert_eq!(l.iter().filter(|x| x.starts_with("movi") && x.ends_with(", 7")).count(), 1);
    }

    /// `for (i = 0; i < n; i++) if (mem[4 * i] > 500) mem[4 * i] = i`: no branch form takes
    /// 500 as an immediate, so it is made once, before the loop, not before each test.
    #[test]
    fn a_constant_a_loop_branch_compares_with_is_made_once() {
        use ir::{Cond, IntOp, Ty, Width};
        let (mut b, p) = ir::builder::Builder::new(&[Ty::I32], None);
        let i = b.var(Ty::I32);
        b.push(Inst::IConst { dst: i, value: 0 });
        let (head, body, hit, step, done) = (b.block(), b.block(), b.block(), b.block(), b.block());
        b.term(Terminator::Jump(head));
        b.switch(head);
        b.branch(Cond::LtS, i, p[0], body, done);
        b.switch(body);
        let at = b.int_imm(IntOp::Shl, i, 2);
        let x = b.load(Width::W32, Ty::I32, at, 0);
        let limit = b.iconst(500);
        b.branch(Cond::GtS, x, limit, hit, step);
        b.switch(hit);
        b.store(Width::W32, i, at, 0);
        b.term(Terminator::Jump(step));
        b.switch(step);
        b.push(Inst::IntImm { op: IntOp::Add, dst: i, a: i, imm: 1 });
        b.term(Terminator::Jump(head));
        b.switch(done);
        b.term(Terminator::Return(None));
        let l = listing(&b.finish());
        let made = l.iter().position(|x| x.starts_with("movi") && x.ends_with(", 500"));
        let load = l.iter().position(|x| x.starts_with("l32i"));
        assert!(made.is_some() && made < load, "{l:#?}");
        assert_eq!(l.iter().filter(|x| x.ends_with(", 500")).count(), 1, "{l:#?}");
    }

    /// A copy of a reference nothing reads stays in the IR (the optimiser keeps the roots of
    /// the unoptimised function) but needs no code: `u = p; u = q; g(u, p)` compiles as
    /// `u = q; g(u, p)` does, though `u` and `p` cannot share a register.
    #[test]
    fn a_copy_nothing_reads_makes_no_code() {
        use ir::Ty;
        let build = |dead_copy: bool| {
            let (mut b, p) = ir::builder::Builder::new(&[Ty::Ref, Ty::Ref], None);
            let u = b.var(Ty::Ref);
            if dead_copy {
                b.copy(u, p[0]);
            }
            b.call(Callee::Native(14), &[p[0]], None);
            b.copy(u, p[1]);
            b.call(Callee::Native(14), &[u, p[0]], None);
            b.term(Terminator::Return(None));
            b.finish()
        };
        assert_eq!(listing(&build(true)), listing(&build(false)));
    }

    /// `return 0 - x` is one `neg`.
    #[test]
    fn zero_minus_a_value_is_a_negation() {
        use ir::{IntOp, Ty};
        let (mut b, p) = ir::builder::Builder::new(&[Ty::I32], Some(Ty::I32));
        let zero = b.iconst(0);
        let r = b.int(IntOp::Sub, zero, p[0]);
        b.ret(r);
        assert_eq!(listing(&b.finish()), ["entry a1, 32", "neg a2, a2", "retw.n"]);
    }

    /// `y = x < 0 ? 1 : 2; return y`: both arms return where they are instead of jumping to
    /// a shared `retw.n`.
    #[test]
    fn a_jump_to_a_return_is_a_return() {
        use ir::{Block, BlockId, Cond, Ty, Var};
        let (x, y, zero) = (Var(0), Var(1), Var(2));
        let mut f = Function::empty("sign", Some(Ty::I32));
        f.params = vec![x];
        f.vars = vec![Ty::I32; 3];
        let block = |insts, term| Block { insts, term };
        let set = |value| vec![Inst::IConst { dst: y, value }];
        f.blocks = vec![
            block(
                vec![Inst::IConst { dst: zero, value: 0 }],
                Terminator::Branch {
                    cond: Cond::LtS,
                    a: x,
                    b: zero,
                    then: BlockId(1),
                    other: BlockId(2),
                },
            ),
            block(set(1), Terminator::Jump(BlockId(3))),
            block(set(2), Terminator::Jump(BlockId(3))),
            block(vec![], Terminator::Return(Some(y))),
        ];
        let l = listing(&f);
        assert!(!l.iter().any(|i| i.starts_with("j ")), "{l:?}");
        assert_eq!(l.iter().filter(|i| *i == "retw.n").count(), 2, "{l:?}");
    }

    /// `fib(n)`: parameters and results stay in their ABI registers, the value live across the
    /// second call survives in a preserved register, constants compare by `bgei`, the callee is
    /// loaded from its function-table entry.
    #[test]
    fn fib_compiles_to_the_expected_code() {
        let f = ir::builder::fib();
        let code = compile(&f).unwrap();
        assert_eq!(code.start, code.entry, "no shadow-stack frame, no overflow path");
        // The machine-stack overflow site is after `entry`, not at it: the entry may be the
        // return address of a raise ending the code placed before.
        let sites: Vec<u32> = code.call_sites.iter().map(|s| s.return_offset).collect();
        assert_eq!(sites[0], code.entry + abi::ENTRY_FAULT_OFFSET, "{sites:?}");
        assert!(!sites.contains(&code.entry), "{sites:?}");
        assert_eq!(code.call_sites.len(), 3);
        let l = listing(&f);
        let want = [
            "entry a1, 32",
            "bgei a2, 2, 0xc",
            "retw.n",
            "addi.n a10, a2, -1",
            "l32r a8, 0x0",
            "l32i.n a8, a8, 0",
            "callx8 a8",
            "mov.n a7, a10",
            "addi a10, a2, -2",
            "l32r a8, 0x0",
            "l32i.n a8, a8, 0",
            "callx8 a8",
            "add.n a2, a7, a10",
            "retw.n",
        ];
        assert_eq!(l, want);
    }

    /// With direct calls, `fib` calls itself with `call8` (3 bytes instead of the table's 8),
    /// each a [`Reloc::Call`] whose patched bytes call the callee's entry.
    #[test]
    fn direct_calls_are_call8_relocations() {
        let f = ir::builder::fib();
        let table = compile(&f).unwrap();
        let direct = compile_with_calls(&f, Calls::Direct).unwrap();
        assert_eq!(table.code.len() - direct.code.len(), 2 * 5 + 4, "two calls and a literal");
        let calls: Vec<Reloc> =
            direct.relocs.iter().copied().filter(|r| matches!(r, Reloc::Call { .. })).collect();
        assert_eq!(calls.len(), 2);
        assert!(direct.relocs.iter().all(|r| !matches!(r, Reloc::Slot { .. })));
        // Each call is a call site, its return address right after the `call8`.
        for r in &calls {
            let ret = r.offset() + 3;
            assert!(direct.call_sites.iter().any(|s| s.return_offset == ret), "{r:?}");
        }
        // Loaded at the start of the ESP32 code region and calling a function 0x100 further
        // on (`fib` itself here): call8's offset field is (0x100 - 4 - (pc & 3 rounding)) / 4.
        let base = 0x4008_0200;
        let mut bytes = direct.code.clone();
        for r in &calls {
            r.patch_call(&mut bytes, base, base + 0x100).unwrap();
            let pc = base + r.offset();
            let (inst, len) = crate::decode(&bytes[r.offset() as usize..]).unwrap();
            assert_eq!(len, 3);
            assert!(matches!(inst, XInst::Call { op: CallOp::Call8, .. }), "{inst:?}");
            assert_eq!(inst.target(pc), Some(base + 0x100));
        }
        // Known bytes: call8 with offset 0x100 from an aligned pc is imm18 = 0x3f:
        // 0x25 | 0x3f << 6 = 0x000fe5.
        let mut one = vec![0; 8];
        let r = Reloc::Call { offset: 4, callee: 0 };
        r.patch_call(&mut one, base, base + 4 + 0x100).unwrap();
        assert_eq!(one[4..7], [0xe5, 0x0f, 0x00]);
        assert_eq!(
            crate::disasm(&one[4..7], base + 4).trim_end().rsplit("  ").next(),
            Some("call8 0x40080304")
        );
    }

    #[test]
    fn release_code_calls_natives_with_call8_at_their_vector_entries() {
        // A call of native 14 with the parameter.
        let (mut b, p) = ir::builder::Builder::new(&[ir::Ty::I32], None);
        b.call(Callee::Native(14), &[p[0]], None);
        let f = b.finish();
        let (table, direct) =
            (compile(&f).unwrap(), compile_with_calls(&f, Calls::Direct).unwrap());
        let natives: Vec<Reloc> = direct
            .relocs
            .iter()
            .copied()
            .filter(|r| matches!(r, Reloc::NativeCall { .. }))
            .collect();
        assert_eq!(natives, [Reloc::NativeCall { offset: natives[0].offset(), native: 14 }]);
        assert!(direct.relocs.iter().all(|r| !matches!(r, Reloc::Pooled { .. })), "{direct:?}");
        // `l32r` + `callx8` (6 bytes) and a literal word became one `call8`.
        assert_eq!(table.code.len() - direct.code.len(), 3 + 4);
        let base = 0x4008_0200;
        let mut bytes = direct.code.clone();
        let r = natives[0];
        r.patch_call(&mut bytes, base, native_entry(14)).unwrap();
        let (inst, _) = crate::decode(&bytes[r.offset() as usize..]).unwrap();
        assert_eq!(inst.target(base + r.offset()), Some(abi::NATIVE_VECTOR + 4 * 14));
        assert!(direct.call_sites.iter().any(|s| s.return_offset == r.offset() + 3));
    }

    #[test]
    fn direct_calls_out_of_reach_or_to_unaligned_targets_are_errors() {
        let r = Reloc::Call { offset: 0, callee: 0 };
        let mut code = vec![0; 3];
        let base = 0x4008_0000;
        assert_eq!(
            r.patch_call(&mut code, base, base + (1 << 20)),
            Err(CodegenError::CallOutOfRange { pc: base, target: base + (1 << 20) })
        );
        assert!(r.patch_call(&mut code, base, base + 6).is_err(), "unaligned");
        assert_eq!(r.patch(&mut code, 0), Err(CodegenError::NotALiteral));
        let data = Reloc::Data { offset: 0, sym: 0 };
        assert_eq!(data.patch_call(&mut code, base, base), Err(CodegenError::NotACall));
    }

    /// Release code has no literal pool: each `l32r` is a [`Reloc::Pooled`] of its word, which
    /// the linker points at that word in the image's pool.
    #[test]
    fn release_code_leaves_its_literals_to_the_image_pool() {
        use ir::Ty;
        let (mut b, p) = ir::builder::Builder::new(&[Ty::I32], Some(Ty::I32));
        let big = b.iconst(0x1234_5678);
        let sum = b.int(ir::IntOp::Add, p[0], big);
        b.term(Terminator::Return(Some(sum)));
        let f = b.finish();
        let table = compile(&f).unwrap();
        assert!(table.relocs.iter().all(|r| !matches!(r, Reloc::Pooled { .. })));
        let direct = compile_with_calls(&f, Calls::Direct).unwrap();
        let pooled: Vec<Reloc> =
            direct.relocs.iter().copied().filter(|r| matches!(r, Reloc::Pooled { .. })).collect();
        assert_eq!(
            pooled
                .iter()
                .map(|r| match r {
                    Reloc::Pooled { literal, .. } => *literal,
                    _ => unreachable!(),
                })
                .collect::<Vec<_>>(),
            [PoolLiteral::Word(0x1234_5678)]
        );
        assert_eq!(direct.start, 0, "no pool before the code");
        assert_eq!(table.code.len() - direct.code.len(), 4, "the literal word");
        // Loaded 0x40 bytes after a pool whose word is at its start.
        let (pool, base) = (0x4008_0200, 0x4008_0240);
        let mut bytes = direct.code.clone();
        let r = pooled[0];
        r.patch_l32r(&mut bytes, base, pool).unwrap();
        let (inst, _) = crate::decode(&bytes[r.offset() as usize..]).unwrap();
        assert!(matches!(inst, XInst::L32r { .. }), "{inst:?}");
        assert_eq!(inst.target(base + r.offset()), Some(pool));
        // Not below it, or more than 256 KiB back: errors.
        let after = base + 0x100;
        assert!(matches!(
            r.patch_l32r(&mut bytes, base, after),
            Err(CodegenError::LiteralOutOfRange { .. })
        ));
        assert!(r.patch_l32r(&mut bytes, base, base - (1 << 19)).is_err());
        assert_eq!(r.patch(&mut bytes, 0), Err(CodegenError::NotALiteral));
    }

    #[test]
    fn a_table_call_thunk_loads_the_entry_and_jumps_to_it() {
        let (literal, at) = (0x4008_0200, 0x4008_0210);
        let bytes = table_call_thunk(at, literal).unwrap();
        assert_eq!(bytes.len() as u32, TABLE_CALL_THUNK_SIZE);
        let listing = crate::disasm(&bytes, at);
        let insts: Vec<&str> =
            listing.lines().map(|l| l.rsplit("  ").next().unwrap().trim()).collect();
        assert_eq!(insts, ["l32r a9, 0x40080200", "l32i.n a9, a9, 0", "jx a9"], "{listing}");
        assert!(table_call_thunk(literal, at).is_err(), "a literal after the thunk");
    }

    /// `while (n != 0) n -= 1`, polling the interrupt flag at the back-edge, and after the
    /// loop a call of slot 0 if `call`.
    fn polling_loop(call: bool) -> Function {
        use ir::{Cond, DataSymbol, IntOp, Ty};
        let (mut b, p) = ir::builder::Builder::new(&[Ty::I32], None);
        let sym = b.symbol(DataSymbol::InterruptFlag);
        let zero = b.iconst(0);
        let (head, body, stop, done) = (b.block(), b.block(), b.block(), b.block());
        b.term(Terminator::Jump(head));
        b.switch(head);
        b.branch(Cond::Ne, p[0], zero, body, done);
        b.switch(body);
        let n = b.int_imm(IntOp::Sub, p[0], 1);
        b.copy(p[0], n);
        let flag = b.var(Ty::I32);
        b.push(Inst::SymAddr { dst: flag, sym });
        let set = b.load(ir::Width::W32, Ty::I32, flag, 0);
        b.branch(Cond::Ne, set, zero, stop, head);
        b.switch(stop);
        b.raise(device::abi::Native::RaiseInterrupted as u32, &[]);
        b.switch(done);
        if call {
            b.call(Callee::Slot(0), &[], None);
        }
        b.term(Terminator::Return(None));
        b.finish()
    }

    /// The flag's address is loaded once at the entry, with or without a call in the function,
    /// and the loop's poll is `l32i` and `bnez`.
    #[test]
    fn a_loop_polls_through_a_register() {
        for call in [false, true] {
            let l = listing(&polling_loop(call));
            let poll = l.iter().position(|x| x.starts_with("l32i")).unwrap();
            assert!(l[poll + 1].starts_with("bnez"), "{l:#?}");
            assert!(!l[poll - 1].starts_with("l32r"), "{l:#?}");
            assert!(l[1].starts_with("l32r"), "the address at the entry: {l:#?}");
        }
    }
}
