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

/// The stub's code, and the return address of the call of a case (the address the simulator
/// stops at).
pub(crate) struct Stub {
    pub(crate) reset: Vec<u8>,
    pub(crate) low: Vec<u8>,
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

pub(crate) fn build() -> Stub {
    // The reset vector jumps to the stub in RAM, which must share the cases' 1 GiB region:
    // `retw` keeps the top two bits of the PC.
    let mut r = Asm::new(RESET);
    let start = r.label();
    let main_lit = r.label();
    r.to(start, |o| Inst::J { offset: o });
    r.pad_to(RESET + 4);
    r.bind(main_lit);
    r.word(STUB + 0x40);
    r.bind(start);
    r.to(main_lit, |o| Inst::L32r {
        t: Reg::A0,
        offset: o,
    });
    r.inst(Inst::Jx { s: Reg::A0 });
    let reset = r.finish();

    let mut a = Asm::new(STUB);
    let (ps, ps_excm, vecbase, cursor) = (a.label(), a.label(), a.label(), a.label());
    a.bind(ps);
    a.word(PS);
    a.bind(ps_excm);
    a.word(PS | PS_EXCM);
    a.bind(vecbase);
    a.word(VECBASE);
    a.bind(cursor);
    a.word(CURSOR);
    a.pad_to(STUB + 0x40);
    // Windowed mode, a single live window at 0, the FPU enabled.
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
    a.raw(asm::wsr(2, sr::WINDOWSTART));
    a.raw(asm::wsr(2, sr::CPENABLE));
    a.inst(movi(Reg::A2, 0));
    a.raw(asm::wsr(2, sr::WINDOWBASE));
    a.raw(asm::RSYNC);
    let (next, done, report) = (a.label(), a.label(), a.label());
    a.bind(next);
    clear_state(&mut a, ps, ps_excm);
    a.to(cursor, |o| Inst::L32r {
        t: Reg::A3,
        offset: o,
    });
    a.inst(l32i(Reg::A4, Reg::A3, 0));
    a.inst(l32i(Reg::A9, Reg::A4, 0));
    a.to(done, |o| Inst::BranchZ {
        op: BranchZOp::Beqz,
        s: Reg::A9,
        offset: o,
    });
    a.inst(addi(Reg::A5, Reg::A4, ENTRY_SIZE as i32));
    a.inst(s32i(Reg::A5, Reg::A3, 0));
    // The root frame, as `Sim::call8` makes it.
    a.inst(l32i(Reg::A6, Reg::A4, 4));
    a.inst(addi(Reg::A1, Reg::A6, -(crate::ROOT_FRAME as i32)));
    a.inst(addi(Reg::A7, Reg::A1, -12));
    a.inst(s32i(Reg::A6, Reg::A7, 0));
    for i in 0..6u8 {
        let r = Reg::new(10 + i).expect("a10..a15");
        a.inst(l32i(r, Reg::A4, 8 + 4 * u32::from(i)));
    }
    for r in [0, 2, 3, 4, 5, 6, 7] {
        a.inst(movi(Reg::new(r).expect("register"), 0));
    }
    a.inst(Inst::Callx {
        op: CallxOp::Callx8,
        s: Reg::A9,
    });
    let case_return = a.here();
    a.to(cursor, |o| Inst::L32r {
        t: Reg::A3,
        offset: o,
    });
    a.inst(l32i(Reg::A6, Reg::A3, 0));
    a.inst(addi(Reg::A6, Reg::A6, -(ENTRY_SIZE as i32)));
    a.inst(movi(Reg::A5, 0));
    a.inst(s32i(Reg::A5, Reg::A6, ENTRY_RECORD));
    a.inst(s32i(Reg::A10, Reg::A6, ENTRY_RECORD + 4));
    // Report the record, the data and the stack of the entry in a6.
    a.bind(report);
    a.inst(addi(Reg::A4, Reg::A6, ENTRY_RECORD as i32));
    a.inst(movi(Reg::A5, 16));
    write_stdout(&mut a);
    a.inst(l32i(Reg::A4, Reg::A6, 32));
    a.inst(l32i(Reg::A5, Reg::A6, 36));
    write_stdout(&mut a);
    a.inst(l32i(Reg::A4, Reg::A6, 40));
    a.inst(l32i(Reg::A5, Reg::A6, 44));
    write_stdout(&mut a);
    a.to(next, |o| Inst::J { offset: o });
    a.bind(done);
    a.inst(movi(Reg::A2, 1));
    a.inst(movi(Reg::A3, 0));
    a.inst(Inst::Simcall);

    window_vectors(&mut a);
    let fault = a.label();
    for vector in [0x300, 0x340, 0x3c0] {
        a.pad_to(VECBASE + vector);
        a.to(fault, |o| Inst::J { offset: o });
    }
    // A fault: record the cause and PC, make window 0 the only live one again, leave the
    // exception mode and report.
    a.pad_to(FAULT_HANDLER);
    a.bind(fault);
    a.raw(asm::rsr(2, sr::EXCCAUSE));
    a.raw(asm::rsr(3, sr::EPC1));
    a.to(cursor, |o| Inst::L32r {
        t: Reg::A4,
        offset: o,
    });
    a.inst(l32i(Reg::A4, Reg::A4, 0));
    a.inst(addi(Reg::A4, Reg::A4, -(ENTRY_SIZE as i32)));
    a.inst(movi(Reg::A5, 1));
    a.inst(s32i(Reg::A5, Reg::A4, ENTRY_RECORD));
    a.inst(s32i(Reg::A2, Reg::A4, ENTRY_RECORD + 8));
    a.inst(s32i(Reg::A3, Reg::A4, ENTRY_RECORD + 12));
    a.inst(movi(Reg::A5, 0));
    a.raw(asm::wsr(5, sr::WINDOWBASE));
    a.raw(asm::RSYNC);
    a.inst(movi(Reg::A2, 1));
    a.raw(asm::wsr(2, sr::WINDOWSTART));
    a.to(ps, |o| Inst::L32r {
        t: Reg::A2,
        offset: o,
    });
    a.raw(asm::wsr(2, sr::PS));
    a.raw(asm::RSYNC);
    a.to(cursor, |o| Inst::L32r {
        t: Reg::A3,
        offset: o,
    });
    a.inst(l32i(Reg::A6, Reg::A3, 0));
    a.inst(addi(Reg::A6, Reg::A6, -(ENTRY_SIZE as i32)));
    a.to(report, |o| Inst::J { offset: o });
    Stub {
        reset,
        low: a.finish(),
        case_return,
    }
}
