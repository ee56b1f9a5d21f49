//! Encodings checked against an independent assembler: GNU `as` for the ESP8266's lx106 core
//! (Debian package `binutils-xtensa-lx106`). It knows the core ISA, the narrow forms, `mull`
//! and the debug instructions, but not the windowed ABI, the FP coprocessor, min/max,
//! `muluh`/`mulsh` or division (those are checked in `known_words.rs`).
//!
//! Each test prints every instruction with [`Inst::display_at`], assembles the listing with
//! `--no-transform` (so that `as` neither widens nor narrows anything), links it at its address
//! so that every PC-relative operand is resolved, and compares the bytes with [`encode`]'s.
//! This checks the encoder and, since `as` reads our output, the printer too.

mod common;

use std::path::PathBuf;
use std::process::Command;

use backend_xtensa::*;
use common::{Rng, in_lx106, random, samples};

const BASE: u32 = 0x0010_0000;
const INSTALL: &str =
    "install Debian's `binutils-xtensa-lx106` (apt-get install binutils-xtensa-lx106)";

/// Runs one of the cross binutils, failing the test with install instructions if it is missing.
fn run(tool: &str, args: &[&str]) {
    let output = Command::new(tool)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} ({e}): {INSTALL}"));
    assert!(
        output.status.success(),
        "{tool} {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Assembles `code` at [`BASE`] with GNU `as` and returns the bytes of its text section.
fn gnu_assemble(name: &str, code: &[Inst]) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("backend-xtensa-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |file: &str| -> String { dir.join(file).to_str().unwrap().to_owned() };
    let mut source = String::from(".text\n.begin no-transform\n");
    let mut pc = BASE;
    for inst in code {
        source += &format!("  {}\n", inst.display_at(pc));
        pc += encode(inst).unwrap().len() as u32;
    }
    source += ".end no-transform\n";
    std::fs::write(path("code.S"), &source).unwrap();
    run("xtensa-lx106-elf-as", &["--no-transform", "-o", &path("code.o"), &path("code.S")]);
    let text = format!("-Ttext={BASE:#x}");
    let entry = format!("{BASE:#x}");
    let (object, elf) = (path("code.o"), path("code.elf"));
    run("xtensa-lx106-elf-ld", &["--no-relax", &text, "-e", &entry, "-o", &elf, &object]);
    run("xtensa-lx106-elf-objcopy", &["-O", "binary", "-j", ".text", &elf, &path("code.bin")]);
    let bytes = std::fs::read(path("code.bin")).unwrap();
    let _ = std::fs::remove_dir_all(PathBuf::from(&dir));
    bytes
}

/// Compares our bytes for `code` with GNU `as`'s, naming every instruction that differs.
fn check_against_gnu_as(name: &str, code: &[Inst]) {
    let ours: Vec<Vec<u8>> = code.iter().map(|i| encode(i).unwrap().as_bytes().to_vec()).collect();
    let theirs = gnu_assemble(name, code);
    let mut at = 0;
    let mut wrong = Vec::new();
    for (inst, bytes) in code.iter().zip(&ours) {
        let gnu = theirs.get(at..at + bytes.len()).unwrap_or(&[]);
        if gnu != bytes.as_slice() {
            let pc = BASE + at as u32;
            wrong
                .push(format!("{pc:#x} {}: ours {bytes:02x?}, as {gnu:02x?}", inst.display_at(pc)));
        }
        at += bytes.len();
    }
    assert!(wrong.is_empty(), "{} of {} differ:\n{}", wrong.len(), code.len(), wrong.join("\n"));
    assert_eq!(theirs.len(), at, "as produced a different length");
}

#[test]
fn every_lx106_instruction_at_its_boundaries_matches_gnu_as() {
    let code: Vec<Inst> = samples().into_iter().filter(in_lx106).collect();
    assert!(code.len() > 300);
    check_against_gnu_as("samples", &code);
}

#[test]
fn random_lx106_instructions_match_gnu_as() {
    let mut rng = Rng::new(0x5eed_00a5);
    let code: Vec<Inst> =
        std::iter::repeat_with(|| random(&mut rng)).filter(in_lx106).take(5000).collect();
    check_against_gnu_as("random", &code);
}

#[test]
fn relative_display_means_the_same_to_gnu_as() {
    // `.+N` labels, as `Display` prints them, for every PC-relative instruction whose operand
    // does not depend on the instruction's alignment.
    let code: Vec<Inst> = samples()
        .into_iter()
        .filter(in_lx106)
        .filter(|i| i.target(0).is_some() && !matches!(i, Inst::Call { .. } | Inst::L32r { .. }))
        .collect();
    let dir = std::env::temp_dir().join(format!("backend-xtensa-{}-relative", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source: String = code.iter().map(|i| format!("  {i}\n")).collect();
    let source = format!(".text\n.begin no-transform\n{source}.end no-transform\n");
    let (src, obj) = (dir.join("rel.S"), dir.join("rel.o"));
    std::fs::write(&src, source).unwrap();
    let (src, obj) = (src.to_str().unwrap(), obj.to_str().unwrap());
    run("xtensa-lx106-elf-as", &["--no-transform", "-o", obj, src]);
    let (elf, bin) = (dir.join("rel.elf"), dir.join("rel.bin"));
    let (elf, bin) = (elf.to_str().unwrap(), bin.to_str().unwrap());
    let text = format!("-Ttext={BASE:#x}");
    run("xtensa-lx106-elf-ld", &["--no-relax", &text, "-e", "0", "-o", elf, obj]);
    run("xtensa-lx106-elf-objcopy", &["-O", "binary", "-j", ".text", elf, bin]);
    let theirs = std::fs::read(bin).unwrap();
    let ours: Vec<u8> = code.iter().flat_map(|i| encode(i).unwrap().as_bytes().to_vec()).collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(ours, theirs);
}
