//! The encoder and decoder agree with each other, reject what does not fit, and print GNU
//! syntax. (Agreement with independent encoders is in `gnu_as.rs` and `known_words.rs`.)

mod common;

use backend_xtensa::*;
use common::{Rng, random, samples};

fn round_trip(inst: &Inst) {
    let encoded = encode(inst).unwrap_or_else(|e| panic!("{inst:?}: {e}"));
    assert_eq!(encoded.len() as u32, inst.size(), "{inst:?}");
    assert_eq!(
        decode(encoded.as_bytes()),
        Some((*inst, encoded.len())),
        "{inst} encodes as {:06x}",
        encoded.word()
    );
}

#[test]
fn every_instruction_at_its_boundaries_round_trips() {
    let samples = samples();
    assert!(samples.len() > 400);
    for inst in &samples {
        round_trip(inst);
    }
}

#[test]
fn random_instructions_round_trip() {
    let mut rng = Rng::new(0x5eed_0001);
    for _ in 0..200_000 {
        round_trip(&random(&mut rng));
    }
}

#[test]
fn whatever_decodes_encodes_back_to_the_same_bytes() {
    let mut rng = Rng::new(0x5eed_0002);
    let mut decoded = 0;
    for _ in 0..200_000 {
        let bytes = rng.next().to_le_bytes();
        if let Some((inst, len)) = decode(&bytes[..3]) {
            decoded += 1;
            let encoded = encode(&inst).unwrap_or_else(|e| panic!("{inst:?}: {e}"));
            assert_eq!(encoded.as_bytes(), &bytes[..len], "{inst}");
        }
    }
    assert!(decoded > 50_000, "only {decoded} random words decoded");
}

#[test]
fn too_few_bytes_or_unknown_opcodes_do_not_decode() {
    assert_eq!(decode(&[]), None);
    assert_eq!(decode(&[0x40, 0x23]), None); // a 3-byte add cut short
    assert_eq!(decode(&[0x0d]), None);
    assert_eq!(decode(&[0x0e, 0, 0]), None); // op0 14: no FLIX on ESP32
    assert_eq!(decode(&[0x00, 0x00, 0x00]), None); // ill
    assert_eq!(decode(&[0x00, 0x50, 0x00]), None); // syscall
    assert_eq!(decode(&[0x6d, 0xf0]), None); // ill.n
    assert_eq!(decode(&[0x80, 0x01, 0x00]), None); // ret with a nonzero s field
}

#[test]
fn operands_out_of_range_are_typed_errors() {
    use EncodeError::*;
    let a2 = Reg::A2;
    let out_of_range = |inst: Inst| match encode(&inst) {
        Err(OutOfRange { .. }) => {}
        other => panic!("{inst:?}: {other:?}"),
    };
    out_of_range(Inst::Movi { t: a2, imm: 2048 });
    out_of_range(Inst::Movi { t: a2, imm: -2049 });
    out_of_range(Inst::Addi { t: a2, s: a2, imm: 128 });
    out_of_range(Inst::Addmi { t: a2, s: a2, imm: 32768 });
    out_of_range(Inst::Slli { r: a2, s: a2, sa: 0 });
    out_of_range(Inst::Slli { r: a2, s: a2, sa: 32 });
    out_of_range(Inst::Srli { r: a2, t: a2, sa: 16 });
    out_of_range(Inst::Srai { r: a2, t: a2, sa: 32 });
    out_of_range(Inst::Ssai { sa: 32 });
    out_of_range(Inst::Extui { r: a2, t: a2, shift: 0, bits: 17 });
    out_of_range(Inst::Extui { r: a2, t: a2, shift: 0, bits: 0 });
    out_of_range(Inst::Extui { r: a2, t: a2, shift: 20, bits: 13 });
    out_of_range(Inst::Mem { op: MemOp::L32i, t: a2, s: a2, offset: 1024 });
    out_of_range(Inst::Mem { op: MemOp::L8ui, t: a2, s: a2, offset: 256 });
    out_of_range(Inst::L32r { t: a2, offset: 0 });
    out_of_range(Inst::L32r { t: a2, offset: -262_148 });
    out_of_range(Inst::Branch { op: BranchOp::Beq, s: a2, t: a2, offset: 132 });
    out_of_range(Inst::Branch { op: BranchOp::Beq, s: a2, t: a2, offset: -125 });
    out_of_range(Inst::BranchZ { op: BranchZOp::Beqz, s: a2, offset: 2052 });
    out_of_range(Inst::BranchBit { op: BranchBitOp::Bbsi, s: a2, bit: 32, offset: 4 });
    out_of_range(Inst::J { offset: 131_076 });
    out_of_range(Inst::Call { op: CallOp::Call8, offset: 524_292 });
    out_of_range(Inst::Entry { s: Reg::A1, frame: 32768 });
    out_of_range(Inst::Break { s: 16, t: 0 });
    out_of_range(Inst::FpMem { op: FpMemOp::Lsi, t: FReg::F0, s: a2, offset: 1024 });
    out_of_range(Inst::FpToInt { op: FpToIntOp::TruncS, r: a2, s: FReg::F0, scale: 16 });
    out_of_range(Inst::AddiN { r: a2, s: a2, imm: 0 });
    out_of_range(Inst::AddiN { r: a2, s: a2, imm: 16 });
    out_of_range(Inst::L32iN { t: a2, s: a2, offset: 64 });
    out_of_range(Inst::MoviN { s: a2, imm: 96 });
    out_of_range(Inst::BranchZN { op: BranchZNOp::BnezN, s: a2, offset: 3 });
    out_of_range(Inst::BranchZN { op: BranchZNOp::BnezN, s: a2, offset: 68 });

    let misaligned = |inst: Inst| match encode(&inst) {
        Err(Misaligned { .. }) => {}
        other => panic!("{inst:?}: {other:?}"),
    };
    misaligned(Inst::Addmi { t: a2, s: a2, imm: 100 });
    misaligned(Inst::Mem { op: MemOp::L16si, t: a2, s: a2, offset: 3 });
    misaligned(Inst::Mem { op: MemOp::S32i, t: a2, s: a2, offset: 2 });
    misaligned(Inst::L32r { t: a2, offset: -6 });
    misaligned(Inst::Call { op: CallOp::Call0, offset: 6 });
    misaligned(Inst::Entry { s: Reg::A1, frame: 20 });
    misaligned(Inst::S32iN { t: a2, s: a2, offset: 2 });

    assert_eq!(
        encode(&Inst::BranchImm { op: BranchImmOp::Beqi, s: a2, imm: 9, offset: 8 }),
        Err(NotInTable { mnemonic: "beqi", value: 9, table: &B4CONST })
    );
    let message = encode(&Inst::Movi { t: a2, imm: 4096 }).unwrap_err().to_string();
    assert_eq!(message, "movi: immediate 4096 is out of range -2048..=2047");
}

#[test]
fn pc_relative_helpers_follow_the_isa() {
    // Branches: target = pc + 4 + imm, operand = target - pc.
    assert_eq!(branch_offset(0x4008_0003, 0x4008_0010), 13);
    let beq = Inst::Branch { op: BranchOp::Beq, s: Reg::A2, t: Reg::A3, offset: 13 };
    assert_eq!(beq.target(0x4008_0003), Some(0x4008_0010));
    // Calls: target = (pc & !3) + 4 + (imm18 << 2), operand = target - (pc & !3).
    assert_eq!(call_offset(0x4008_0007, 0x4008_0100), 0x100 - 4);
    let call = Inst::Call { op: CallOp::Call8, offset: 0xfc };
    assert_eq!(call.target(0x4008_0007), Some(0x4008_0100));
    assert_eq!(encode(&call).unwrap().word(), (0xfc / 4 - 1) << 6 | 0x25);
    // l32r: literal = ((pc + 3) & !3) + (one-extended imm16 << 2).
    assert_eq!(l32r_offset(0x4008_0005, 0x4008_0000), -8);
    let l32r = Inst::L32r { t: Reg::A2, offset: -8 };
    assert_eq!(l32r.target(0x4008_0005), Some(0x4008_0000));
    assert_eq!(encode(&l32r).unwrap().word(), 0xfffe21);
}

#[test]
fn display_is_gnu_syntax() {
    let cases: &[(Inst, &str)] = &[
        (Inst::Rrr { op: RrrOp::Add, r: Reg::A2, s: Reg::A3, t: Reg::A4 }, "add a2, a3, a4"),
        (Inst::Mem { op: MemOp::L32i, t: Reg::A2, s: Reg::A1, offset: 8 }, "l32i a2, a1, 8"),
        (
            Inst::Branch { op: BranchOp::Beq, s: Reg::A2, t: Reg::A3, offset: 12 },
            "beq a2, a3, .+12",
        ),
        (Inst::BranchZ { op: BranchZOp::Bnez, s: Reg::A2, offset: -4 }, "bnez a2, .-4"),
        (
            Inst::BranchImm { op: BranchImmOp::Bltui, s: Reg::A9, imm: 65536, offset: 8 },
            "bltui a9, 65536, .+8",
        ),
        (
            Inst::BranchBit { op: BranchBitOp::Bbsi, s: Reg::A5, bit: 31, offset: 4 },
            "bbsi a5, 31, .+4",
        ),
        (Inst::L32r { t: Reg::A2, offset: -4 }, "l32r a2, .-4"),
        (Inst::Call { op: CallOp::Call8, offset: 16 }, "call8 .+16"),
        (Inst::Entry { s: Reg::A1, frame: 32 }, "entry a1, 32"),
        (Inst::mov(Reg::A2, Reg::A3), "or a2, a3, a3"),
        (Inst::Extui { r: Reg::A2, t: Reg::A3, shift: 4, bits: 8 }, "extui a2, a3, 4, 8"),
        (
            Inst::FpCmp { op: FpCmpOp::OltS, r: BReg::B0, s: FReg::F1, t: FReg::F2 },
            "olt.s b0, f1, f2",
        ),
        (
            Inst::FpMovB { op: FpMovBOp::MovtS, r: FReg::F0, s: FReg::F1, t: BReg::B2 },
            "movt.s f0, f1, b2",
        ),
        (
            Inst::FpToInt { op: FpToIntOp::TruncS, r: Reg::A2, s: FReg::F3, scale: 0 },
            "trunc.s a2, f3, 0",
        ),
        (Inst::MoviN { s: Reg::A2, imm: -32 }, "movi.n a2, -32"),
        (Inst::BranchZN { op: BranchZNOp::BeqzN, s: Reg::A2, offset: 10 }, "beqz.n a2, .+10"),
        (Inst::RetwN, "retw.n"),
        (Inst::Break { s: 1, t: 14 }, "break 1, 14"),
    ];
    for (inst, text) in cases {
        assert_eq!(inst.to_string(), *text);
    }
    let beq = Inst::Branch { op: BranchOp::Beq, s: Reg::A2, t: Reg::A3, offset: 12 };
    assert_eq!(beq.display_at(0x4008_0000).to_string(), "beq a2, a3, 0x4008000c");
}

#[test]
fn disasm_lists_address_bytes_and_instruction() {
    let code = [
        Inst::Entry { s: Reg::A1, frame: 32 },
        Inst::Rrr { op: RrrOp::Add, r: Reg::A2, s: Reg::A3, t: Reg::A4 },
        Inst::BranchZN { op: BranchZNOp::BnezN, s: Reg::A2, offset: 6 },
        Inst::MoviN { s: Reg::A2, imm: -1 },
        Inst::RetwN,
    ];
    let mut bytes: Vec<u8> =
        code.iter().flat_map(|i| encode(i).unwrap().as_bytes().to_vec()).collect();
    bytes.push(0xff);
    let expected = "\
40080000:  36 41 00   entry a1, 32
40080003:  40 23 80   add a2, a3, a4
40080006:  cc 22      bnez.n a2, 0x4008000c
40080008:  7c f2      movi.n a2, -1
4008000a:  1d f0      retw.n
4008000c:  ff         .byte 0xff
";
    assert_eq!(disasm(&bytes, 0x4008_0000), expected);
}
