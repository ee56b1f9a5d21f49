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

use abi::{FLOAT_DIV, FUNCTION_SLOTS, FUNCTION_TABLE};
use ir::{Callee, FloatOp, Function, Inst, LocId, Terminator};

/// A call instruction in the generated code.
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallSite {
    /// Byte offset, from the start of the code, right after the `callx8`: the return address
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
}

impl Reloc {
    /// Byte offset of the patched literal.
    pub fn offset(&self) -> u32 {
        match *self {
            Reloc::Slot { offset, .. } | Reloc::Data { offset, .. } => offset,
        }
    }

    /// Resolves this relocation in `code` (the [`MachineCode::code`] it came with): `target` is
    /// the function-table slot for [`Reloc::Slot`] and the device address for [`Reloc::Data`].
    pub fn patch(&self, code: &mut [u8], target: u32) -> Result<(), CodegenError> {
        let value = match self {
            Reloc::Slot { .. } if target >= FUNCTION_SLOTS => {
                return Err(CodegenError::SlotOutOfRange(target));
            }
            Reloc::Slot { .. } => FUNCTION_TABLE + 4 * target,
            Reloc::Data { .. } => target,
        };
        let at = self.offset() as usize;
        code[at..at + 4].copy_from_slice(&value.to_le_bytes());
        Ok(())
    }
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
    /// The encoder rejected an instruction (a bug in this backend).
    #[error("encoder error: {0}")]
    Encode(String),
}

/// The most interference edges a function may have (about 16 MiB of adjacency lists).
const EDGE_BUDGET: usize = 2_000_000;

/// Compiles `f` to Xtensa machine code for the ESP32 boards.
pub fn compile(f: &Function) -> Result<MachineCode, CodegenError> {
    compile_with_chunk(f, CHUNK)
}

/// [`compile`] with at most `chunk` code bytes between literal pools (tests use small chunks).
pub fn compile_with_chunk(f: &Function, chunk: u32) -> Result<MachineCode, CodegenError> {
    ir::verify::verify(f).map_err(CodegenError::InvalidIr)?;
    let mut f = f.clone();
    ir::opt::optimize(&mut f);
    divisions_to_calls(&mut f);
    test_at_the_bottom(&mut f);
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
    let assembled = select::select(&f, &alloc, &live, chunk)?;
    let mut call_sites: Vec<CallSite> = std::iter::once((assembled.entry, LocId(0)))
        .chain(assembled.calls)
        .map(|(return_offset, loc)| CallSite { return_offset, loc })
        .collect();
    call_sites.sort_by_key(|c| c.return_offset);
    Ok(MachineCode {
        code: assembled.code,
        start: assembled.start,
        entry: assembled.entry,
        // The `entry` instruction is where a machine-stack overflow faults: it reports the
        // function's location, as the shadow-stack overflow call does.
        call_sites,
        relocs: assembled
            .relocs
            .into_iter()
            .map(|r| match r.literal {
                asm::Literal::Slot(callee) => Reloc::Slot { offset: r.offset, callee },
                asm::Literal::Data(sym) => Reloc::Data { offset: r.offset, sym },
                asm::Literal::Word(_) => unreachable!("constant literals are not relocated"),
            })
            .collect(),
    })
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
        assert_eq!(code.call_sites[0].return_offset, code.entry, "the entry is a call site");
        assert_eq!(code.start, code.entry, "no shadow-stack frame, no overflow path");
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
}
