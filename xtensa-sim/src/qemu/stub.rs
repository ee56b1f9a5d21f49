//! The stub QEMU runs: reset code that sets up windowed mode, the window vectors (the same
//! handlers the ESP32 uses, which the simulator models), a fault handler, and a loop that calls
//! each case like [`Sim::call8`](crate::Sim::call8) does and reports what it left behind with
//! `simcall` writes.

use backend_xtensa::{BranchZOp, CallxOp, FReg, Inst, MemOp, Reg};

use super::asm::{self, Asm, Label, sr};
use super::layout::*;

/// `PS`: WOE (windowed overflow detection) and UM (user vector), interrupt level 0.
const PS: u32 = (1 << 18) | (1 << 5);

/// `PS.EXCM`: exception mode, in which register accesses raise no window overflow.
const PS_EXCM: u32 = 1 << 4;

/// Zeroes every physical address register, the FP and boolean registers and SAR, and leaves a
/// single live window at 0: each case starts from the state of a fresh simulator, whatever the
/// previous case left in registers (window spills store registers a frame never wrote).
fn clear_state(a: &mut Asm, ps: Label, ps_excm: Label) {
    a.to(ps_excm, |o| Inst::L32r {
        t: Reg::A2,
        offset: o,
    });
    a.raw(asm::wsr(2, sr::PS));
    a.raw(asm::RSYNC);
    for base in [0, 4] {
        a.inst(movi(Reg::A0, base));
        a.raw(asm::wsr(0, sr::WINDOWBASE));
        a.raw(asm::RSYNC);
        for r in 0..16 {
            a.inst(movi(Reg::new(r).expect("register"), 0));
        }
    }
    a.raw(asm::wsr(0, sr::WINDOWBASE));
    a.raw(asm::RSYNC);
    a.raw(asm::wsr(0, sr::SAR));
    a.raw(asm::wsr(0, sr::BR));
    for f in 0..16 {
        a.inst(Inst::Wfr {
            r: FReg::new(f).expect("register"),
            s: Reg::A0,
        });
    }
    a.inst(movi(Reg::A0, 1));
    a.raw(asm::wsr(0, sr::WINDOWSTART));
    a.to(ps, |o| Inst::L32r {
        t: Reg::A2,
        offset: o,
    });
    a.raw(asm::wsr(2, sr::PS));
    a.raw(asm::RSYNC);
}

/// The harness's code: the reset vector, the stub that runs the cases (at `main_at`), the
/// vectors and fault handler (at [`VECBASE`]), and the return address of the call of a case
/// (where the simulator stops).
pub(crate) struct Stub {
    pub(crate) reset: Vec<u8>,
    pub(crate) main_at: u32,
    pub(crate) main: Vec<u8>,
    pub(crate) vectors: Vec<u8>,
    pub(crate) case_return: u32,
}

fn movi(t: Reg, imm: i32) -> Inst {
    Inst::Movi { t, imm }
}

fn l32i(t: Reg, s: Reg, offset: u32) -> Inst {
    Inst::Mem {
        op: MemOp::L32i,
        t,
        s,
        offset,
    }
}

fn s32i(t: Reg, s: Reg, offset: u32) -> Inst {
    Inst::Mem {
        op: MemOp::S32i,
        t,
        s,
        offset,
    }
}

fn addi(t: Reg, s: Reg, imm: i32) -> Inst {
    Inst::Addi { t, s, imm }
}

/// Loads the address of the table entry of the case being run (the cursor has moved past it)
/// into `into`, through `a2`.
fn current_entry(a: &mut Asm, cursor: Label, into: Reg) {
    a.to(cursor, |o| Inst::L32r {
        t: Reg::A2,
        offset: o,
    });
    a.inst(l32i(into, Reg::A2, 0));
    a.inst(addi(into, into, -(ENTRY_SIZE as i32)));
}

/// `simcall` write(1, `a4`, `a5`).
fn write_stdout(a: &mut Asm) {
    a.inst(movi(Reg::A2, 4));
    a.inst(movi(Reg::A3, 1));
    a.inst(Inst::Simcall);
}

/// The window vectors: `_WindowOverflow4/8/12` and `_WindowUnderflow4/8/12` as every Xtensa
/// runtime (ESP-IDF included) writes them.
fn window_vectors(a: &mut Asm) {
    use asm::{l32e, s32e};
    a.pad_to(VECBASE);
    for r in 0..4 {
        a.raw(s32e(r, 5, -16 + 4 * r as i32));
    }
    a.raw(asm::RFWO);
    a.pad_to(VECBASE + 0x40);
    for r in 0..4 {
        a.raw(l32e(r, 5, -16 + 4 * r as i32));
    }
    a.raw(asm::RFWU);
    for (at, callee_sp, extra) in [(0x80, 9, 4), (0x100, 13, 8)] {
        a.pad_to(VECBASE + at);
        a.raw(s32e(0, callee_sp, -16));
        a.raw(l32e(0, 1, -12));
        for r in 1..4 {
            a.raw(s32e(r, callee_sp, -16 + 4 * r as i32));
        }
        for n in 0..extra {
            a.raw(s32e(4 + n, 0, -16 - 4 * (extra - n) as i32));
        }
        a.raw(asm::RFWO);
        a.pad_to(VECBASE + at + 0x40);
        let last = 3 + extra;
        for r in 0..3 {
            a.raw(l32e(r, callee_sp, -16 + 4 * r as i32));
        }
        a.raw(l32e(last, 1, -12));
        a.raw(l32e(3, callee_sp, -4));
        for n in 0..extra {
            a.raw(l32e(4 + n, last, -16 - 4 * (extra - n) as i32));
        }
        a.raw(asm::RFWU);
    }
}

/// The harness for cases whose entry points share the 1 GiB region of `main_at` (where the
/// stub goes: [`LOW_STUB`] or [`HIGH_STUB`]).
pub(crate) fn build(main_at: u32) -> Stub {
    let (main, case_return, report) = main_section(main_at);
    Stub {
        reset: reset_vector(main_at),
        main_at,
        main,
        vectors: vector_section(report),
        case_return,
    }
}

/// The reset vector: jumps to the stub.
fn reset_vector(main_at: u32) -> Vec<u8> {
    let mut r = Asm::new(RESET);
    let (start, main_lit) = (r.label(), r.label());
    r.to(start, |o| Inst::J { offset: o });
    r.pad_to(RESET + 4);
    r.bind(main_lit);
    r.word(main_at + 0x40);
    r.bind(start);
    r.to(main_lit, |o| Inst::L32r {
        t: Reg::A0,
        offset: o,
    });
    r.inst(Inst::Jx { s: Reg::A0 });
    r.finish()
}

/// The stub: set-up, then per case: clear the registers, copy its segments into place, zero its
/// stack, call it like `Sim::call8` does, and report. Returns the code, the return address of
/// the call and the address of the report code (where the fault handler continues).
fn main_section(main_at: u32) -> (Vec<u8>, u32, u32) {
    let mut a = Asm::new(main_at);
    let (ps, ps_excm, vecbase, cursor) = (a.label(), a.label(), a.label(), a.label());
    a.bind(ps);
    a.word(PS);
    a.bind(ps_excm);
    a.word(PS | PS_EXCM);
    a.bind(vecbase);
    a.word(VECBASE);
    a.bind(cursor);
    a.word(CURSOR);
    a.pad_to(main_at + 0x40);
    // Windowed mode, the vectors, the FPU enabled.
    a.to(ps, |o| Inst::L32r {
        t: Reg::A2,
        offset: o,
    });
    a.raw(asm::wsr(2, sr::PS));
    a.to(vecbase, |o| Inst::L32r {
        t: Reg::A2,
        offset: o,
    });
    a.raw(asm::wsr(2, sr::VECBASE));
    a.inst(movi(Reg::A2, 1));
    a.raw(asm::wsr(2, sr::CPENABLE));
    let (next, done, report) = (a.label(), a.label(), a.label());
    a.bind(next);
    clear_state(&mut a, ps, ps_excm);
    a.to(cursor, |o| Inst::L32r {
        t: Reg::A3,
        offset: o,
    });
    a.inst(l32i(Reg::A4, Reg::A3, 0));
    a.inst(l32i(Reg::A9, Reg::A4, entry::FUNCTION));
    a.to(done, |o| Inst::BranchZ {
        op: BranchZOp::Beqz,
        s: Reg::A9,
        offset: o,
    });
    a.inst(addi(Reg::A5, Reg::A4, ENTRY_SIZE as i32));
    a.inst(s32i(Reg::A5, Reg::A3, 0));
    copy_segments(&mut a);
    zero_stack(&mut a);
    // The root frame, as `Sim::call8` makes it.
    a.inst(l32i(Reg::A6, Reg::A4, entry::STACK_TOP));
    a.inst(addi(Reg::A1, Reg::A6, -(crate::ROOT_FRAME as i32)));
    a.inst(addi(Reg::A7, Reg::A1, -12));
    a.inst(s32i(Reg::A6, Reg::A7, 0));
    for i in 0..6u8 {
        let r = Reg::new(10 + i).expect("a10..a15");
        a.inst(l32i(r, Reg::A4, entry::ARGS + 4 * u32::from(i)));
    }
    for r in [0, 2, 3, 4, 5, 6, 7] {
        a.inst(movi(Reg::new(r).expect("register"), 0));
    }
    a.inst(Inst::Callx {
        op: CallxOp::Callx8,
        s: Reg::A9,
    });
    let case_return = a.here();
    current_entry(&mut a, cursor, Reg::A6);
    a.inst(movi(Reg::A5, 0));
    a.inst(s32i(Reg::A5, Reg::A6, entry::RECORD));
    a.inst(s32i(Reg::A10, Reg::A6, entry::RECORD + 4));
    a.bind(report);
    report_case(&mut a);
    a.to(next, |o| Inst::J { offset: o });
    a.bind(done);
    a.inst(movi(Reg::A2, 1));
    a.inst(movi(Reg::A3, 0));
    a.inst(Inst::Simcall);
    let report_at = a.address(report);
    let code = a.finish();
    assert!(code.len() as u32 <= STUB_SIZE, "the stub outgrew its space");
    (code, case_return, report_at)
}

/// Copies the segments of the table entry in a4 from their staged copies into place.
fn copy_segments(a: &mut Asm) {
    let (segment, word, word_done, done) = (a.label(), a.label(), a.label(), a.label());
    a.inst(l32i(Reg::A5, Reg::A4, entry::SEGMENTS));
    a.inst(l32i(Reg::A6, Reg::A5, 0));
    a.inst(addi(Reg::A5, Reg::A5, 4));
    a.bind(segment);
    a.to(done, |o| Inst::BranchZ {
        op: BranchZOp::Beqz,
        s: Reg::A6,
        offset: o,
    });
    a.inst(l32i(Reg::A7, Reg::A5, 0));
    a.inst(l32i(Reg::A8, Reg::A5, 4));
    a.inst(l32i(Reg::A10, Reg::A5, 8));
    a.bind(word);
    a.to(word_done, |o| Inst::BranchZ {
        op: BranchZOp::Beqz,
        s: Reg::A10,
        offset: o,
    });
    a.inst(l32i(Reg::A11, Reg::A7, 0));
    a.inst(s32i(Reg::A11, Reg::A8, 0));
    a.inst(addi(Reg::A7, Reg::A7, 4));
    a.inst(addi(Reg::A8, Reg::A8, 4));
    a.inst(addi(Reg::A10, Reg::A10, -4));
    a.to(word, |o| Inst::J { offset: o });
    a.bind(word_done);
    a.inst(addi(Reg::A5, Reg::A5, 12));
    a.inst(addi(Reg::A6, Reg::A6, -1));
    a.to(segment, |o| Inst::J { offset: o });
    a.bind(done);
}

/// Zeroes the stack of the table entry in a4.
fn zero_stack(a: &mut Asm) {
    let (word, done) = (a.label(), a.label());
    a.inst(l32i(Reg::A7, Reg::A4, entry::STACK_BASE));
    a.inst(l32i(Reg::A10, Reg::A4, entry::STACK_SIZE));
    a.inst(movi(Reg::A11, 0));
    a.bind(word);
    a.to(done, |o| Inst::BranchZ {
        op: BranchZOp::Beqz,
        s: Reg::A10,
        offset: o,
    });
    a.inst(s32i(Reg::A11, Reg::A7, 0));
    a.inst(addi(Reg::A7, Reg::A7, 4));
    a.inst(addi(Reg::A10, Reg::A10, -4));
    a.to(word, |o| Inst::J { offset: o });
    a.bind(done);
}

/// Writes the record, the segments and the stack of the table entry in a6 to standard output.
fn report_case(a: &mut Asm) {
    let (segment, done) = (a.label(), a.label());
    a.inst(addi(Reg::A4, Reg::A6, entry::RECORD as i32));
    a.inst(movi(Reg::A5, 16));
    write_stdout(a);
    a.inst(l32i(Reg::A7, Reg::A6, entry::SEGMENTS));
    a.inst(l32i(Reg::A8, Reg::A7, 0));
    a.inst(addi(Reg::A7, Reg::A7, 4));
    a.bind(segment);
    a.to(done, |o| Inst::BranchZ {
        op: BranchZOp::Beqz,
        s: Reg::A8,
        offset: o,
    });
    a.inst(l32i(Reg::A4, Reg::A7, 4));
    a.inst(l32i(Reg::A5, Reg::A7, 8));
    write_stdout(a);
    a.inst(addi(Reg::A7, Reg::A7, 12));
    a.inst(addi(Reg::A8, Reg::A8, -1));
    a.to(segment, |o| Inst::J { offset: o });
    a.bind(done);
    a.inst(l32i(Reg::A4, Reg::A6, entry::STACK_BASE));
    a.inst(l32i(Reg::A5, Reg::A6, entry::STACK_SIZE));
    write_stdout(a);
}

/// The window vectors, the exception vectors, and the fault handler: it records the cause and
/// PC, makes window 0 the only live one again (with every register cleared), leaves the
/// exception mode and continues at `report`.
fn vector_section(report: u32) -> Vec<u8> {
    let mut a = Asm::new(VECBASE);
    window_vectors(&mut a);
    let fault = a.label();
    for vector in [0x300, 0x340, 0x3c0] {
        a.pad_to(VECBASE + vector);
        a.to(fault, |o| Inst::J { offset: o });
    }
    a.pad_to(FAULT_HANDLER);
    let (ps, ps_excm, cursor, report_lit) = (a.label(), a.label(), a.label(), a.label());
    a.bind(ps);
    a.word(PS);
    a.bind(ps_excm);
    a.word(PS | PS_EXCM);
    a.bind(cursor);
    a.word(CURSOR);
    a.bind(report_lit);
    a.word(report);
    a.bind(fault);
    current_entry(&mut a, cursor, Reg::A4);
    a.raw(asm::rsr(2, sr::EXCCAUSE));
    a.raw(asm::rsr(3, sr::EPC1));
    a.inst(movi(Reg::A5, 1));
    a.inst(s32i(Reg::A5, Reg::A4, entry::RECORD));
    a.inst(s32i(Reg::A2, Reg::A4, entry::RECORD + 8));
    a.inst(s32i(Reg::A3, Reg::A4, entry::RECORD + 12));
    clear_state(&mut a, ps, ps_excm);
    current_entry(&mut a, cursor, Reg::A6);
    a.to(report_lit, |o| Inst::L32r {
        t: Reg::A0,
        offset: o,
    });
    a.inst(Inst::Jx { s: Reg::A0 });
    let code = a.finish();
    assert!(
        VECBASE + code.len() as u32 <= CURSOR,
        "the vectors outgrew their space"
    );
    code
}
