//! Encodings of the instructions GNU `as` for lx106 does not know (windowed ABI, FP
//! coprocessor, boolean branches, min/max, `muluh`/`mulsh`, division), checked against words
//! built by hand from the Xtensa configuration tables of two other cores:
//!
//! - QEMU's `target/xtensa/core-de233_fpu/xtensa-modules.c.inc` (the core QEMU's `sim` machine
//!   runs for our differential tests): the `Opcode_<name>_Slot_inst_encode` functions give each
//!   opcode's fixed bits, the `Field_<f>_Slot_inst_set` functions the field positions
//!   (t 4–7, s 8–11, r 12–15, n 4–5, m 6–7, imm8 16–23, imm12 12–23, offset 6–23);
//! - Espressif's ESP32 overlay, `xtensa-overlays/xtensa_esp32/binutils/bfd/xtensa-modules.c`,
//!   which has the same opcode words for all of these (it is where `lsip`/`ssip` and the
//!   absence of `salt`/`saltu` on ESP32 were checked).
//!
//! Each word below is `fixed bits | fields` with the operands shown; nothing here is computed
//! by the crate under test.

use backend_xtensa::*;

/// (instruction, GNU syntax, expected little-endian word).
fn table() -> Vec<(Inst, &'static str, u32)> {
    use Reg as A;
    let (a1, a2, a3, a4, a8, a15) = (A::A1, A::A2, A::A3, A::A4, A::A8, A::A15);
    let (f0, f1, f2, f3, f15) = (FReg::F0, FReg::F1, FReg::F2, FReg::F3, FReg::F15);
    let (b0, b1, b3) = (BReg::B0, BReg::B1, BReg::B3);
    let rrr = |op, r, s, t| Inst::Rrr { op, r, s, t };
    let fp = |op, r, s, t| Inst::Fp { op, r, s, t };
    let cmp = |op, r, s, t| Inst::FpCmp { op, r, s, t };
    vec![
        // Windowed ABI. entry: 0x36 | s << 8 | (frame / 8) << 12.
        (Inst::Entry { s: a1, frame: 32 }, "entry a1, 32", 0x004136),
        (Inst::Entry { s: a1, frame: 32760 }, "entry a1, 32760", 0xfff136),
        (Inst::Retw, "retw", 0x000090),
        (Inst::RetwN, "retw.n", 0xf01d),
        // call4/8/12: 0x15/0x25/0x35 | (offset / 4 − 1) << 6.
        (Inst::Call { op: CallOp::Call4, offset: 4 }, "call4 .+4", 0x000015),
        (Inst::Call { op: CallOp::Call8, offset: 16 }, "call8 .+16", 0x0000e5),
        (Inst::Call { op: CallOp::Call12, offset: -524_284 }, "call12 .-524284", 0x800035),
        (Inst::Call { op: CallOp::Call8, offset: 524_288 }, "call8 .+524288", 0x7fffe5),
        // callx4/8/12: 0xd0/0xe0/0xf0 | s << 8.
        (Inst::Callx { op: CallxOp::Callx4, s: a3 }, "callx4 a3", 0x0003d0),
        (Inst::Callx { op: CallxOp::Callx8, s: a8 }, "callx8 a8", 0x0008e0),
        (Inst::Callx { op: CallxOp::Callx12, s: a15 }, "callx12 a15", 0x000ff0),
        // movsp at, as: 0x1000 | s << 8 | t << 4.
        (Inst::Movsp { t: a1, s: a2 }, "movsp a1, a2", 0x001210),
        // MUL32 / DIV32 / min-max: fixed | r << 12 | s << 8 | t << 4.
        (rrr(RrrOp::Mull, a2, a3, a4), "mull a2, a3, a4", 0x822340),
        (rrr(RrrOp::Muluh, a2, a3, a4), "muluh a2, a3, a4", 0xa22340),
        (rrr(RrrOp::Mulsh, a2, a3, a4), "mulsh a2, a3, a4", 0xb22340),
        (rrr(RrrOp::Quos, a2, a3, a4), "quos a2, a3, a4", 0xd22340),
        (rrr(RrrOp::Quou, a2, a3, a4), "quou a2, a3, a4", 0xc22340),
        (rrr(RrrOp::Rems, a2, a3, a4), "rems a2, a3, a4", 0xf22340),
        (rrr(RrrOp::Remu, a2, a3, a4), "remu a2, a3, a4", 0xe22340),
        (rrr(RrrOp::Min, a2, a3, a4), "min a2, a3, a4", 0x432340),
        (rrr(RrrOp::Max, a2, a3, a4), "max a2, a3, a4", 0x532340),
        (rrr(RrrOp::Minu, a2, a3, a4), "minu a2, a3, a4", 0x632340),
        (rrr(RrrOp::Maxu, a2, a3, a4), "maxu a2, a3, a4", 0x732340),
        (rrr(RrrOp::Quos, a15, A::A0, a1), "quos a15, a0, a1", 0xd2f010),
        // FP loads and stores: fixed | (offset / 4) << 16 | s << 8 | t << 4.
        (Inst::FpMem { op: FpMemOp::Lsi, t: f1, s: a2, offset: 8 }, "lsi f1, a2, 8", 0x020213),
        (
            Inst::FpMem { op: FpMemOp::Ssi, t: f15, s: a1, offset: 1020 },
            "ssi f15, a1, 1020",
            0xff41f3,
        ),
        (Inst::FpMem { op: FpMemOp::Lsip, t: f0, s: a3, offset: 4 }, "lsip f0, a3, 4", 0x018303),
        (Inst::FpMem { op: FpMemOp::Ssip, t: f2, s: a3, offset: 0 }, "ssip f2, a3, 0", 0x00c323),
        // FP arithmetic: fixed | r << 12 | s << 8 | t << 4.
        (fp(FpOp::AddS, f1, f2, f3), "add.s f1, f2, f3", 0x0a1230),
        (fp(FpOp::SubS, f1, f2, f3), "sub.s f1, f2, f3", 0x1a1230),
        (fp(FpOp::MulS, f1, f2, f3), "mul.s f1, f2, f3", 0x2a1230),
        (fp(FpOp::MaddS, f1, f2, f3), "madd.s f1, f2, f3", 0x4a1230),
        (fp(FpOp::MsubS, f1, f2, f3), "msub.s f1, f2, f3", 0x5a1230),
        (Inst::FpUnary { op: FpUnaryOp::MovS, r: f1, s: f2 }, "mov.s f1, f2", 0xfa1200),
        (Inst::FpUnary { op: FpUnaryOp::AbsS, r: f1, s: f2 }, "abs.s f1, f2", 0xfa1210),
        (Inst::FpUnary { op: FpUnaryOp::NegS, r: f1, s: f2 }, "neg.s f1, f2", 0xfa1260),
        (Inst::Wfr { r: f1, s: a2 }, "wfr f1, a2", 0xfa1250),
        (Inst::Rfr { r: a1, s: f2 }, "rfr a1, f2", 0xfa1240),
        // Conversions: fixed | r << 12 | s << 8 | scale << 4.
        (
            Inst::IntToFp { op: IntToFpOp::FloatS, r: f1, s: a2, scale: 3 },
            "float.s f1, a2, 3",
            0xca1230,
        ),
        (
            Inst::IntToFp { op: IntToFpOp::UfloatS, r: f1, s: a2, scale: 3 },
            "ufloat.s f1, a2, 3",
            0xda1230,
        ),
        (
            Inst::FpToInt { op: FpToIntOp::TruncS, r: a1, s: f2, scale: 3 },
            "trunc.s a1, f2, 3",
            0x9a1230,
        ),
        (
            Inst::FpToInt { op: FpToIntOp::UtruncS, r: a1, s: f2, scale: 3 },
            "utrunc.s a1, f2, 3",
            0xea1230,
        ),
        (
            Inst::FpToInt { op: FpToIntOp::RoundS, r: a1, s: f2, scale: 3 },
            "round.s a1, f2, 3",
            0x8a1230,
        ),
        (
            Inst::FpToInt { op: FpToIntOp::FloorS, r: a1, s: f2, scale: 3 },
            "floor.s a1, f2, 3",
            0xaa1230,
        ),
        (
            Inst::FpToInt { op: FpToIntOp::CeilS, r: a1, s: f2, scale: 3 },
            "ceil.s a1, f2, 3",
            0xba1230,
        ),
        // Compares into boolean registers: fixed | br << 12 | fs << 8 | ft << 4.
        (cmp(FpCmpOp::UnS, b1, f2, f3), "un.s b1, f2, f3", 0x1b1230),
        (cmp(FpCmpOp::OeqS, b1, f2, f3), "oeq.s b1, f2, f3", 0x2b1230),
        (cmp(FpCmpOp::UeqS, b1, f2, f3), "ueq.s b1, f2, f3", 0x3b1230),
        (cmp(FpCmpOp::OltS, b1, f2, f3), "olt.s b1, f2, f3", 0x4b1230),
        (cmp(FpCmpOp::UltS, b1, f2, f3), "ult.s b1, f2, f3", 0x5b1230),
        (cmp(FpCmpOp::OleS, b1, f2, f3), "ole.s b1, f2, f3", 0x6b1230),
        (cmp(FpCmpOp::UleS, b1, f2, f3), "ule.s b1, f2, f3", 0x7b1230),
        // Conditional FP moves: fixed | fr << 12 | fs << 8 | (at or bt) << 4.
        (
            Inst::FpMovA { op: FpMovAOp::MoveqzS, r: f1, s: f2, t: a3 },
            "moveqz.s f1, f2, a3",
            0x8b1230,
        ),
        (
            Inst::FpMovA { op: FpMovAOp::MovnezS, r: f1, s: f2, t: a3 },
            "movnez.s f1, f2, a3",
            0x9b1230,
        ),
        (
            Inst::FpMovA { op: FpMovAOp::MovltzS, r: f1, s: f2, t: a3 },
            "movltz.s f1, f2, a3",
            0xab1230,
        ),
        (
            Inst::FpMovA { op: FpMovAOp::MovgezS, r: f1, s: f2, t: a3 },
            "movgez.s f1, f2, a3",
            0xbb1230,
        ),
        (Inst::FpMovB { op: FpMovBOp::MovfS, r: f1, s: f2, t: b3 }, "movf.s f1, f2, b3", 0xcb1230),
        (Inst::FpMovB { op: FpMovBOp::MovtS, r: f1, s: f2, t: b3 }, "movt.s f1, f2, b3", 0xdb1230),
        // bt/bf: 0x1076/0x0076 | s << 8 | (offset − 4) << 16.
        (Inst::BranchBool { op: BranchBoolOp::Bt, s: b3, offset: 12 }, "bt b3, .+12", 0x081376),
        (Inst::BranchBool { op: BranchBoolOp::Bf, s: b0, offset: -124 }, "bf b0, .-124", 0x800076),
    ]
}

#[test]
fn encodings_match_the_qemu_and_esp32_opcode_tables() {
    for (inst, text, word) in table() {
        let encoded = encode(&inst).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(encoded.word(), word, "{text}: ours {:06x}, table {word:06x}", encoded.word());
        let narrow = word <= 0xffff && word & 15 >= 8;
        assert_eq!(encoded.len(), if narrow { 2 } else { 3 }, "{text}");
        assert_eq!(decode(encoded.as_bytes()), Some((inst, encoded.len())), "{text}");
        assert_eq!(inst.to_string(), text);
    }
}

#[test]
fn every_instruction_gnu_as_cannot_check_is_in_the_table() {
    // A guard against adding an lx106-unknown instruction without a known word for it.
    let table = table();
    let mnemonic = |i: &Inst| i.to_string().split(' ').next().unwrap().to_owned();
    let covered: std::collections::HashSet<String> =
        table.iter().map(|(i, _, _)| mnemonic(i)).collect();
    let needed = [
        "entry", "retw", "retw.n", "call4", "call8", "call12", "callx4", "callx8", "callx12",
        "movsp", "muluh", "mulsh", "quos", "quou", "rems", "remu", "min", "max", "minu", "maxu",
        "lsi", "ssi", "lsip", "ssip", "add.s", "sub.s", "mul.s", "madd.s", "msub.s", "mov.s",
        "abs.s", "neg.s", "wfr", "rfr", "float.s", "ufloat.s", "trunc.s", "utrunc.s", "round.s",
        "floor.s", "ceil.s", "un.s", "oeq.s", "ueq.s", "olt.s", "ult.s", "ole.s", "ule.s",
        "moveqz.s", "movnez.s", "movltz.s", "movgez.s", "movf.s", "movt.s", "bt", "bf",
    ];
    for name in needed {
        assert!(covered.contains(name), "{name} has no known word");
    }
}
