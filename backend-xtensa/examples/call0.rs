//! `cargo run --release -p backend-xtensa --example call0 -- PROGRAM.elf`: runs a statically
//! linked call0-ABI program (such as a benchmark's C version built with `xtensa-lx106-elf-gcc`,
//! see `scripts/xtensa-bench`) from its ELF entry point in the Xtensa simulator and prints
//! `instructions: N`, the instructions it executed until its entry function returned.
//!
//! Memory: one 16 MiB region from 0x4000_0000 holds the program (link it there) and its stack,
//! which starts at the top.

use std::process::ExitCode;
use xtensa_sim::{Access, Config, NanRule, RegionSpec, Sim, Stop};

/// The program's region.
const BASE: u32 = 0x4000_0000;
const SIZE: u32 = 16 << 20;
/// The return address of the entry function: stops the run.
const RETURN: u32 = BASE + SIZE;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: call0 PROGRAM.elf");
        return ExitCode::from(2);
    };
    match run(&path) {
        Ok(n) => {
            println!("instructions: {n}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("call0: {path}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Loads the ELF's segments, calls its entry with the call0 ABI and counts instructions.
fn run(path: &str) -> Result<u64, String> {
    let elf = std::fs::read(path).map_err(|e| e.to_string())?;
    let config = Config {
        regions: vec![RegionSpec {
            name: "ram",
            base: BASE,
            size: SIZE,
            access: Access::Any,
            executable: true,
        }],
        physical_registers: 64,
        stack_limit: None,
        intercept: RETURN..RETURN + 4,
        nan_rule: NanRule::FirstOperand,
    };
    let mut sim = Sim::new(&config).map_err(|e| e.to_string())?;
    let entry = load(&elf, &mut sim)?;
    sim.set_reg(0, RETURN);
    sim.set_reg(1, BASE + SIZE - 64);
    sim.set_pc(entry);
    match sim.run(u64::MAX) {
        Ok(Stop::Intercepted(_)) => Ok(sim.instructions()),
        Ok(Stop::OutOfFuel) => Err("ran out of fuel".into()),
        Err(fault) => Err(format!("fault: {fault}")),
    }
}

/// Loads every `PT_LOAD` segment of a 32-bit little-endian ELF file; returns the entry point.
fn load(elf: &[u8], sim: &mut Sim) -> Result<u32, String> {
    let u16_at = |at: usize| -> Result<u32, String> {
        let b = elf.get(at..at + 2).ok_or("truncated ELF file")?;
        Ok(u16::from_le_bytes([b[0], b[1]]) as u32)
    };
    let u32_at = |at: usize| -> Result<u32, String> {
        let b = elf.get(at..at + 4).ok_or("truncated ELF file")?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    if elf.get(..6) != Some(&[0x7f, b'E', b'L', b'F', 1, 1]) {
        return Err("not a 32-bit little-endian ELF file".into());
    }
    let entry = u32_at(24)?;
    let (phoff, phentsize, phnum) = (u32_at(28)? as usize, u16_at(42)? as usize, u16_at(44)?);
    for i in 0..phnum as usize {
        let ph = phoff + i * phentsize;
        if u32_at(ph)? != 1 {
            continue;
        }
        let (offset, addr) = (u32_at(ph + 4)? as usize, u32_at(ph + 12)?);
        let (filesz, memsz) = (u32_at(ph + 16)? as usize, u32_at(ph + 20)? as usize);
        let mut bytes =
            elf.get(offset..offset + filesz).ok_or("a segment lies outside the file")?.to_vec();
        bytes.resize(memsz, 0);
        sim.memory.write(addr, &bytes).map_err(|e| format!("segment at {addr:#x}: {e}"))?;
    }
    Ok(entry)
}
