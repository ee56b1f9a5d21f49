//! Runs compiled functions in-process: a context block laid out as `device::abi::host` says, a
//! 64 KiB arena, a trampoline and escape stubs for natives that never return.

use backend_x64::MachineCode;
use device::abi::host::{CTX_FUNCTIONS, CTX_NATIVES, CTX_SHADOW_LIMIT, CTX_SHADOW_SP};
use device::abi::host::{CTX_STACK_LIMIT, NATIVE_SLOTS};
use dynasmrt::mmap::MutableBuffer;
use dynasmrt::x64::Assembler;
use dynasmrt::{DynasmApi, DynasmLabelApi, ExecutableBuffer, dynasm};

/// Context offsets private to the test machine (unused by the ABI).
const CTX_SAVED_RSP: i32 = 32;
/// Native number + 1 of the escape stub that ran, or 0.
const CTX_RAISED: i32 = 40;
/// Return address seen by the escape stub.
const CTX_RAISE_RETURN: i32 = 48;
/// Set when a callee-saved register was not preserved, or a native saw a misaligned stack.
const CTX_BROKEN: i32 = 56;

/// Function-table slots in the test context.
pub const SLOTS: usize = 64;
/// Arena size; the shadow stack grows down from its end.
pub const ARENA: usize = 0x10000;
/// Initial shadow-stack pointer.
pub const SHADOW_TOP: u32 = ARENA as u32;

/// An argument for [`Machine::call`].
#[derive(Debug, Clone, Copy)]
pub enum Arg {
    I(i32),
    F(f32),
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// Returned normally with `eax` and `xmm0`'s low bits.
    Return { word: u32, float: u32 },
    /// A native whose table entry is an escape stub was called.
    Raise { native: u32, return_address: u64 },
}

type Trampoline = extern "sysv64" fn(*mut u8, *mut u8, *const u8, *const u64) -> u64;

/// Compiled functions loaded at their slots, with the runtime pieces to run them.
pub struct Machine {
    pub ctx: Box<[u64]>,
    pub arena: Box<[u8]>,
    stubs: ExecutableBuffer,
    trampoline: dynasmrt::AssemblyOffset,
    code: ExecutableBuffer,
    /// Offset of each loaded function in `code`, by slot.
    offsets: Vec<Option<usize>>,
}

impl Machine {
    /// Loads `funcs` at the given function-table slots. Every native slot starts out as an
    /// escape stub; install others with [`Machine::set_native`].
    pub fn new(funcs: &[(u32, &MachineCode)]) -> Machine {
        let mut ctx = vec![0u64; (CTX_FUNCTIONS as usize + 8 * SLOTS) / 8].into_boxed_slice();
        let arena = vec![0u8; ARENA].into_boxed_slice();

        let mut size = 16;
        let mut offsets = vec![None; SLOTS];
        for (slot, mc) in funcs {
            offsets[*slot as usize] = Some(size);
            size += mc.code.len().next_multiple_of(16);
        }
        let mut buf = MutableBuffer::new(size).unwrap();
        buf.set_len(size);
        for (slot, mc) in funcs {
            let at = offsets[*slot as usize].unwrap();
            buf[at..at + mc.code.len()].copy_from_slice(&mc.code);
        }
        let code = buf.make_exec().unwrap();

        let (stubs, trampoline, escapes, check_align) = build_stubs();
        for n in 0..NATIVE_SLOTS as usize {
            ctx[(CTX_NATIVES as usize) / 8 + n] = stubs.ptr(escapes[n]) as u64;
        }
        for (slot, off) in offsets.iter().enumerate() {
            if let Some(off) = off {
                ctx[CTX_FUNCTIONS as usize / 8 + slot] = code.as_ptr() as u64 + *off as u64;
            }
        }
        let mut m = Machine {
            ctx,
            arena,
            stubs,
            trampoline,
            code,
            offsets,
        };
        m.set_word(CTX_SHADOW_SP, SHADOW_TOP);
        m.set_word(CTX_SHADOW_LIMIT, SHADOW_TOP - 0x1000);
        m.ctx[CTX_STACK_LIMIT as usize / 8] = 0;
        let align = m.stubs.ptr(check_align) as u64;
        m.ctx[(CTX_NATIVES as usize) / 8 + CHECK_ALIGN_NATIVE as usize] = align;
        m
    }

    /// Compiles `funcs` and loads function `i` at slot `i`.
    pub fn compile(funcs: &[&ir::Function]) -> Machine {
        let codes: Vec<MachineCode> = funcs
            .iter()
            .map(|f| backend_x64::compile(f).unwrap())
            .collect();
        let slots: Vec<(u32, &MachineCode)> = codes
            .iter()
            .enumerate()
            .map(|(i, c)| (i as u32, c))
            .collect();
        Machine::new(&slots)
    }

    /// Points native `n` at `f`.
    pub fn set_native(&mut self, n: u32, f: *const u8) {
        self.ctx[(CTX_NATIVES as usize) / 8 + n as usize] = f as u64;
    }

    /// A 32-bit field of the context.
    pub fn word(&self, offset: i32) -> u32 {
        let q = self.ctx[offset as usize / 8];
        (q >> (8 * (offset as usize % 8))) as u32
    }

    /// Sets a 32-bit field of the context.
    pub fn set_word(&mut self, offset: i32, value: u32) {
        let shift = 8 * (offset as usize % 8);
        let q = &mut self.ctx[offset as usize / 8];
        *q = (*q & !(0xffff_ffffu64 << shift)) | ((value as u64) << shift);
    }

    /// Sets the machine-stack limit.
    pub fn set_stack_limit(&mut self, limit: u64) {
        self.ctx[CTX_STACK_LIMIT as usize / 8] = limit;
    }

    /// The host address of the code of the function at `slot`.
    pub fn code_address(&self, slot: u32) -> u64 {
        self.code.as_ptr() as u64 + self.offsets[slot as usize].unwrap() as u64
    }

    /// Calls the function at `slot` with up to 6 word and 8 float arguments. Word arguments get
    /// garbage in their upper 32 bits, as the ABI allows. Panics if a callee-saved register was
    /// not preserved or a native saw a misaligned stack.
    pub fn call(&mut self, slot: u32, args: &[Arg]) -> Outcome {
        let mut regs = [0u64; 14];
        let (mut ints, mut floats) = (0, 0);
        for a in args {
            match *a {
                Arg::I(v) => {
                    regs[ints] = 0xdead_beef_0000_0000 | v as u32 as u64;
                    ints += 1;
                }
                Arg::F(v) => {
                    regs[6 + floats] = v.to_bits() as u64;
                    floats += 1;
                }
            }
        }
        assert!(
            ints <= 6 && floats <= 8,
            "too many arguments for the trampoline"
        );
        let target = self.code_address(slot) as *const u8;
        let tramp: Trampoline = unsafe { std::mem::transmute(self.stubs.ptr(self.trampoline)) };
        let ctx = self.ctx.as_mut_ptr() as *mut u8;
        let bias = self.arena.as_mut_ptr();
        let result = tramp(ctx, bias, target, regs.as_ptr());
        assert_eq!(
            self.ctx[CTX_BROKEN as usize / 8],
            0,
            "ABI violation detected"
        );
        match self.ctx[CTX_RAISED as usize / 8] {
            0 => Outcome::Return {
                word: result as u32,
                float: (result >> 32) as u32,
            },
            n => Outcome::Raise {
                native: n as u32 - 1,
                return_address: self.ctx[CTX_RAISE_RETURN as usize / 8],
            },
        }
    }

    /// Calls and expects an integer result.
    pub fn call_i32(&mut self, slot: u32, args: &[Arg]) -> i32 {
        match self.call(slot, args) {
            Outcome::Return { word, .. } => word as i32,
            o => panic!("expected a return, got {o:?}"),
        }
    }

    /// Calls and expects a float result (as bits).
    pub fn call_f32_bits(&mut self, slot: u32, args: &[Arg]) -> u32 {
        match self.call(slot, args) {
            Outcome::Return { float, .. } => float,
            o => panic!("expected a return, got {o:?}"),
        }
    }

    /// Reads a little-endian word of the arena.
    pub fn arena_word(&self, addr: u32) -> u32 {
        let a = addr as usize;
        u32::from_le_bytes(self.arena[a..a + 4].try_into().unwrap())
    }

    /// Writes a little-endian word of the arena.
    pub fn set_arena_word(&mut self, addr: u32, value: u32) {
        let a = addr as usize;
        self.arena[a..a + 4].copy_from_slice(&value.to_le_bytes());
    }
}

/// The native number whose entry checks the stack alignment and returns its first argument.
pub const CHECK_ALIGN_NATIVE: u32 = 100;

/// Builds the trampoline, one escape stub per native, and the alignment-checking native.
fn build_stubs() -> (
    ExecutableBuffer,
    dynasmrt::AssemblyOffset,
    Vec<dynasmrt::AssemblyOffset>,
    dynasmrt::AssemblyOffset,
) {
    let mut a = Assembler::new().unwrap();
    let trampoline = a.offset();
    dynasm!(a
        ; .arch x64
        ; push rbx ; push rbp ; push r12 ; push r13 ; push r14 ; push r15
        ; sub rsp, 8
        ; mov r14, rdi
        ; mov r15, rsi
        ; mov [r14 + CTX_SAVED_RSP], rsp
        ; mov QWORD [r14 + CTX_RAISED], 0
        ; mov QWORD [r14 + CTX_BROKEN], 0
        ; mov r11, rdx
        ; mov r10, rcx
        ; mov rdi, [r10] ; mov rsi, [r10 + 8] ; mov rdx, [r10 + 16]
        ; mov rcx, [r10 + 24] ; mov r8, [r10 + 32] ; mov r9, [r10 + 40]
        ; movd xmm0, [r10 + 48] ; movd xmm1, [r10 + 56] ; movd xmm2, [r10 + 64]
        ; movd xmm3, [r10 + 72] ; movd xmm4, [r10 + 80] ; movd xmm5, [r10 + 88]
        ; movd xmm6, [r10 + 96] ; movd xmm7, [r10 + 104]
        ; mov rbx, QWORD 0x1111_2222_3333_4444
        ; mov rbp, QWORD 0x5555_6666_7777_0000
        ; mov r12, QWORD 0x1234_5678_9abc_def0
        ; mov r13, QWORD 0x0fed_cba9_8765_4321
        ; call r11
        ; mov r10, QWORD 0x1111_2222_3333_4444
        ; cmp rbx, r10 ; jne >broken
        ; mov r10, QWORD 0x5555_6666_7777_0000
        ; cmp rbp, r10 ; jne >broken
        ; mov r10, QWORD 0x1234_5678_9abc_def0
        ; cmp r12, r10 ; jne >broken
        ; mov r10, QWORD 0x0fed_cba9_8765_4321
        ; cmp r13, r10 ; jne >broken
        ; cmp rsp, [r14 + CTX_SAVED_RSP] ; jne >broken
        ; jmp ->exit
        ; broken:
        ; mov QWORD [r14 + CTX_BROKEN], 1
        ; ->exit:
        ; movd edx, xmm0
        ; shl rdx, 32
        ; mov eax, eax
        ; or rax, rdx
        ; mov rsp, [r14 + CTX_SAVED_RSP]
        ; add rsp, 8
        ; pop r15 ; pop r14 ; pop r13 ; pop r12 ; pop rbp ; pop rbx
        ; ret
    );
    let mut escapes = Vec::new();
    for n in 0..NATIVE_SLOTS as i32 {
        escapes.push(a.offset());
        dynasm!(a
            ; .arch x64
            ; mov rax, [rsp]
            ; mov [r14 + CTX_RAISE_RETURN], rax
            ; mov QWORD [r14 + CTX_RAISED], n + 1
            ; jmp ->exit
        );
    }
    let check_align = a.offset();
    dynasm!(a
        ; .arch x64
        ; lea rax, [rsp + 8]
        ; test eax, 15
        ; jz >ok
        ; mov QWORD [r14 + CTX_BROKEN], 1
        ; ok:
        ; mov eax, edi
        ; ret
    );
    (a.finalize().unwrap(), trampoline, escapes, check_align)
}
