//! The differential harness: runs machine code in `qemu-system-xtensa` (machine `sim`, core
//! `de233_fpu`, semihosting) and in the simulator, and reports what each case left behind, so
//! that tests can compare the two.
//!
//! A [`Program`] is a windowed function (`entry` … `retw`) with its arguments, the memory it
//! starts with (its [`Segment`]s: code, data, tables, at any addresses QEMU's RAM has, the
//! ESP32's included) and a stack. It is called as [`Sim::call8`](crate::Sim::call8) calls
//! (arguments in `a2..a7`, the root frame's `a0` and `a2..a7` zero), and its
//! [`ProgramOutcome`] is the returned `a2` or the exception it raised, plus every segment and
//! the whole stack afterwards (window spills included). A [`Case`] is the simple form: code and
//! a data block placed by the batch layout of [`layout`] ([`run_qemu`], [`run_sim`]).
//!
//! In QEMU a generated ELF image runs a stub (`stub.rs`) from the reset vector: it sets up
//! windowed mode and the FPU, installs the window vectors every Xtensa runtime uses (those the
//! simulator models) and a fault handler, and runs the cases one after another: it zeroes
//! every register (all 32 physical address registers, FP, booleans, SAR, as a fresh simulator
//! has them, since a window spill stores registers a frame never wrote), copies the case's
//! segments into place, zeroes its stack, calls it, and writes the outcome to standard output
//! with `simcall`. One QEMU process runs up to [`MAX_BATCH`] cases.
//!
//! `de233_fpu` is an LX7 with 32 physical address registers and the DFPU; [`run_sim`] runs the
//! cases with 32 registers and [`NanRule::LastOperandQuieted`] to match it. It has no
//! `muluh`/`mulsh`, so cases must not use them, and its RAM takes any access, so the ESP32's
//! word-only instruction RAM is not modelled here.

mod asm;
pub mod layout;
mod stub;

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

pub use layout::{MAX_BATCH, code_base, data_base, stack_base};

use crate::{Access, Config, NanRule, RegionSpec, Sim, Stop};

/// Memory a case starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The first address, 4-aligned.
    pub addr: u32,
    /// The bytes, a multiple of 4.
    pub bytes: Vec<u8>,
    /// Whether it holds code (the simulator caches decoded instructions for it).
    pub code: bool,
}

/// One function to run, with the memory it starts with at the addresses it wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// The memory it starts with; segments must not overlap each other or the stack and must
    /// lie in `layout::HARNESS_END..layout::RAM_END`, outside the high stub.
    pub segments: Vec<Segment>,
    /// The address of the function's `entry`.
    pub entry: u32,
    /// The arguments, `a2..a7` of the function.
    pub args: [u32; 6],
    /// The stack's lowest address, 4-aligned; zeroed before the call.
    pub stack_base: u32,
    /// The stack's size in bytes, a multiple of 4 (the root frame takes its top
    /// [`ROOT_FRAME`](crate::ROOT_FRAME) bytes).
    pub stack_size: u32,
}

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// It returned this `a2`.
    Returned(u32),
    /// It raised an exception: `EXCCAUSE` and the faulting PC.
    Fault {
        /// The exception cause.
        cause: u32,
        /// The PC of the faulting instruction.
        pc: u32,
    },
    /// It ran out of the simulator's instruction budget (QEMU has none).
    OutOfFuel,
    /// It was not run: its code or data does not fit the batch layout.
    Invalid,
}

/// What a [`Program`] left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramOutcome {
    /// How it ended.
    pub status: Status,
    /// Each segment's bytes afterwards, in the program's order.
    pub segments: Vec<Vec<u8>>,
    /// Its whole stack afterwards.
    pub stack: Vec<u8>,
}

/// A function in the batch layout: the `i`-th case of a list (counting from 0 again every
/// [`MAX_BATCH`] cases) has its code at [`code_base`]`(i)`, its data at [`data_base`]`(i)` and
/// its stack at [`stack_base`]`(i)`; code that uses absolute addresses must be built for those.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Machine code; at most [`layout::CODE_STRIDE`] bytes.
    pub code: Vec<u8>,
    /// The byte offset of the function's `entry` in `code`.
    pub entry: u32,
    /// The arguments, `a2..a7` of the function.
    pub args: [u32; 6],
    /// The initial data block; at most [`layout::DATA_STRIDE`] bytes, a multiple of 4.
    pub data: Vec<u8>,
}

/// What a [`Case`] left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// Its data block afterwards.
    pub data: Vec<u8>,
    /// Its whole stack afterwards.
    pub stack: Vec<u8>,
}

impl Case {
    /// The program this case is as the `index`-th of a batch.
    pub fn program(&self, index: usize) -> Program {
        let index = index % MAX_BATCH;
        let mut code = self.code.clone();
        code.resize(code.len().next_multiple_of(4), 0);
        Program {
            segments: vec![
                Segment {
                    addr: code_base(index),
                    bytes: code,
                    code: true,
                },
                Segment {
                    addr: data_base(index),
                    bytes: self.data.clone(),
                    code: false,
                },
            ],
            entry: code_base(index) + self.entry,
            args: self.args,
            stack_base: stack_base(index),
            stack_size: layout::STACK_STRIDE,
        }
    }

    /// What is wrong with this case's sizes, if anything.
    fn check(&self) -> Result<(), String> {
        if self.code.len() > layout::CODE_STRIDE as usize {
            return Err(format!(
                "{} bytes of code do not fit in a case's slot",
                self.code.len()
            ));
        }
        if self.data.len() > layout::DATA_STRIDE as usize || !self.data.len().is_multiple_of(4) {
            return Err(format!(
                "{} bytes of data are not whole words in a case's slot",
                self.data.len()
            ));
        }
        Ok(())
    }
}

impl ProgramOutcome {
    /// The outcome of the case whose program this ran.
    fn into_case(self) -> Outcome {
        Outcome {
            status: self.status,
            data: self.segments.into_iter().nth(1).unwrap_or_default(),
            stack: self.stack,
        }
    }
}

/// The programs of `cases`, checked.
fn programs(cases: &[Case]) -> Result<Vec<Program>, QemuError> {
    cases
        .iter()
        .enumerate()
        .map(|(index, case)| {
            case.check()
                .map(|()| case.program(index))
                .map_err(|reason| QemuError::BadCase { index, reason })
        })
        .collect()
}

/// Runs the cases in QEMU (see [`run_programs_in_qemu`]).
pub fn run_qemu(cases: &[Case]) -> Result<Vec<Outcome>, QemuError> {
    let outcomes = run_programs_in_qemu(&programs(cases)?)?;
    Ok(outcomes
        .into_iter()
        .map(ProgramOutcome::into_case)
        .collect())
}

/// Runs the cases in the simulator, configured like QEMU's `de233_fpu`. A case whose code or
/// data does not fit its slot ends with [`Status::Invalid`].
pub fn run_sim(cases: &[Case]) -> Vec<Outcome> {
    run_sim_with(cases, 32)
}

/// Runs the cases in the simulator with `physical_registers` address registers (32 or 64; with
/// the ESP32's 64, window spills happen later, so only the stacks may differ from QEMU's).
pub fn run_sim_with(cases: &[Case], physical_registers: u32) -> Vec<Outcome> {
    cases
        .iter()
        .enumerate()
        .map(|(index, case)| match case.check() {
            Ok(()) => run_sim_program(&case.program(index), physical_registers).into_case(),
            Err(_) => Outcome {
                status: Status::Invalid,
                data: Vec::new(),
                stack: Vec::new(),
            },
        })
        .collect()
}

/// Why QEMU could not run a batch.
#[derive(Debug, thiserror::Error)]
pub enum QemuError {
    /// A case's memory is misaligned, overlaps, or lies outside the usable RAM.
    #[error("case {index}: {reason}")]
    BadCase {
        /// The case's index in the list.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// `qemu-system-xtensa` could not be started.
    #[error(
        "cannot run qemu-system-xtensa ({0}); install it with `apt-get install qemu-system-misc`"
    )]
    Spawn(std::io::Error),
    /// Writing the image or reading QEMU's output failed.
    #[error("i/o error around qemu-system-xtensa: {0}")]
    Io(#[from] std::io::Error),
    /// QEMU stopped without reporting every case.
    #[error("qemu-system-xtensa reported {got} of {expected} bytes ({status}): {stderr}")]
    Truncated {
        /// Bytes expected.
        expected: usize,
        /// Bytes received.
        got: usize,
        /// QEMU's exit status.
        status: std::process::ExitStatus,
        /// QEMU's standard error.
        stderr: String,
    },
}

/// The simulator's instruction budget per case.
pub const SIM_FUEL: u64 = 100_000_000;

/// The stub that can call `entry` (`retw` keeps the top two PC bits).
fn stub_for(entry: u32) -> u32 {
    if entry >> 30 == 0 {
        layout::LOW_STUB
    } else {
        layout::HIGH_STUB
    }
}

/// What is wrong with a program's memory, if anything.
fn check(case: &Program) -> Result<(), String> {
    if case.entry >> 30 > 1 {
        return Err(format!("entry {:#010x} is outside QEMU's RAM", case.entry));
    }
    let mut ranges: Vec<(u32, u64, &str)> = case
        .segments
        .iter()
        .map(|s| (s.addr, s.bytes.len() as u64, "segment"))
        .collect();
    ranges.push((case.stack_base, u64::from(case.stack_size), "stack"));
    for (i, &(addr, len, what)) in ranges.iter().enumerate() {
        let end = u64::from(addr) + len;
        if addr % 4 != 0 || len % 4 != 0 {
            return Err(format!("{what} at {addr:#010x} is not whole aligned words"));
        }
        if addr < layout::HARNESS_END || end > u64::from(layout::RAM_END) {
            return Err(format!(
                "{what} at {addr:#010x} is outside the RAM cases may use"
            ));
        }
        let high = u64::from(layout::HIGH_STUB);
        if u64::from(addr) < high + u64::from(layout::STUB_SIZE) && high < end {
            return Err(format!(
                "{what} at {addr:#010x} overlaps the harness's stub"
            ));
        }
        for &(other, other_len, _) in &ranges[i + 1..] {
            if u64::from(addr) < u64::from(other) + other_len && u64::from(other) < end {
                return Err(format!(
                    "{what} at {addr:#010x} overlaps memory at {other:#010x}"
                ));
            }
        }
    }
    Ok(())
}

/// Checks every program.
fn check_all(cases: &[Program]) -> Result<(), QemuError> {
    for (index, case) in cases.iter().enumerate() {
        check(case).map_err(|reason| QemuError::BadCase { index, reason })?;
    }
    Ok(())
}

/// Runs the programs in QEMU, [`MAX_BATCH`] per process (and a new process where the entry
/// points change 1 GiB region).
pub fn run_programs_in_qemu(cases: &[Program]) -> Result<Vec<ProgramOutcome>, QemuError> {
    check_all(cases)?;
    let mut out = Vec::with_capacity(cases.len());
    let mut rest = cases;
    while let Some(first) = rest.first() {
        let stub = stub_for(first.entry);
        let n = rest
            .iter()
            .take(MAX_BATCH)
            .take_while(|c| stub_for(c.entry) == stub)
            .count();
        out.extend(run_batch(&rest[..n], stub)?);
        rest = &rest[n..];
    }
    Ok(out)
}

/// Runs the programs in the simulator with `physical_registers` address registers (32, like
/// QEMU's `de233_fpu`, or the ESP32's 64).
pub fn run_programs_in_sim(
    cases: &[Program],
    physical_registers: u32,
) -> Result<Vec<ProgramOutcome>, QemuError> {
    check_all(cases)?;
    Ok(cases
        .iter()
        .map(|case| run_sim_program(case, physical_registers))
        .collect())
}

/// Runs a checked program in the simulator.
fn run_sim_program(case: &Program, physical_registers: u32) -> ProgramOutcome {
    let ret = stub::build(stub_for(case.entry)).case_return;
    let region = |base, size, executable| RegionSpec {
        name: "case",
        base,
        size,
        access: Access::Any,
        executable,
    };
    let mut regions: Vec<RegionSpec> = case
        .segments
        .iter()
        .map(|s| region(s.addr, s.bytes.len() as u32, s.code))
        .collect();
    regions.push(region(case.stack_base, case.stack_size, false));
    let config = Config {
        regions,
        physical_registers,
        stack_limit: None,
        intercept: ret..ret + 1,
        nan_rule: NanRule::LastOperandQuieted,
    };
    // `check` made the regions disjoint and whole words, so building and loading succeed.
    let mut sim = Sim::new(&config).expect("checked regions");
    for s in &case.segments {
        sim.memory.write(s.addr, &s.bytes).expect("checked segment");
    }
    let top = case.stack_base + case.stack_size;
    sim.call8(case.entry, ret, top, &case.args)
        .expect("checked stack");
    let status = match sim.run(SIM_FUEL) {
        Ok(Stop::Intercepted(_)) => Status::Returned(sim.reg(10)),
        Ok(Stop::OutOfFuel) => Status::OutOfFuel,
        Err(fault) => Status::Fault {
            cause: fault.exccause().unwrap_or(u32::MAX),
            pc: fault.pc(),
        },
    };
    // The regions exist: these reads cannot fail.
    let mut read = |addr, len: usize| {
        let mut bytes = vec![0; len];
        let _ = sim.memory.read(addr, &mut bytes);
        bytes
    };
    let segments = case
        .segments
        .iter()
        .map(|s| read(s.addr, s.bytes.len()))
        .collect();
    let stack = read(case.stack_base, case.stack_size as usize);
    ProgramOutcome {
        status,
        segments,
        stack,
    }
}

/// The ELF image that runs `cases` (at most [`MAX_BATCH`], checked, all callable from the
/// stub at `stub_at`).
fn image(cases: &[Program], stub_at: u32) -> Vec<u8> {
    let stub = stub::build(stub_at);
    let mut table = Vec::new();
    let mut lists = Vec::new();
    let mut staging = Vec::new();
    for case in cases {
        let list_at = layout::SEGMENT_LISTS + lists.len() as u32;
        lists.extend((case.segments.len() as u32).to_le_bytes());
        for s in &case.segments {
            let staged = layout::STAGING + staging.len() as u32;
            staging.extend_from_slice(&s.bytes);
            for w in [staged, s.addr, s.bytes.len() as u32] {
                lists.extend(w.to_le_bytes());
            }
        }
        let mut entry = [0u32; (layout::ENTRY_SIZE / 4) as usize];
        let word = |offset: u32| (offset / 4) as usize;
        entry[word(layout::entry::FUNCTION)] = case.entry;
        entry[word(layout::entry::STACK_TOP)] = case.stack_base + case.stack_size;
        entry[word(layout::entry::ARGS)..word(layout::entry::ARGS) + 6].copy_from_slice(&case.args);
        entry[word(layout::entry::SEGMENTS)] = list_at;
        entry[word(layout::entry::STACK_BASE)] = case.stack_base;
        entry[word(layout::entry::STACK_SIZE)] = case.stack_size;
        table.extend(entry.iter().flat_map(|w| w.to_le_bytes()));
    }
    table.extend_from_slice(&[0; layout::ENTRY_SIZE as usize]);
    crate::elf::executable(
        layout::RESET,
        &[
            (layout::RESET, &stub.reset),
            (stub.main_at, &stub.main),
            (layout::VECBASE, &stub.vectors),
            (layout::CURSOR, &layout::TABLE.to_le_bytes()),
            (layout::TABLE, &table),
            (layout::SEGMENT_LISTS, &lists),
            (layout::STAGING, &staging),
        ],
    )
}

/// A file name in the temporary directory unique to this process and call.
fn temp_path() -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("xtensa-sim-{}-{n}.elf", std::process::id()))
}

fn run_batch(cases: &[Program], stub_at: u32) -> Result<Vec<ProgramOutcome>, QemuError> {
    let path = temp_path();
    std::fs::write(&path, image(cases, stub_at))?;
    let result = run_image(&path, cases);
    let _ = std::fs::remove_file(&path);
    result
}

fn run_image(path: &std::path::Path, cases: &[Program]) -> Result<Vec<ProgramOutcome>, QemuError> {
    let mut child = Command::new("qemu-system-xtensa")
        .args([
            "-M",
            "sim",
            "-cpu",
            "de233_fpu",
            "-semihosting",
            "-nographic",
        ])
        .args(["-m", &format!("{}M", layout::RAM_MIB)])
        .args(["-monitor", "none", "-serial", "none", "-kernel"])
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(QemuError::Spawn)?;
    let mut stdout = Vec::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .expect("piped")
        .read_to_end(&mut stdout)?;
    child
        .stderr
        .take()
        .expect("piped")
        .read_to_string(&mut stderr)?;
    let status = child.wait()?;
    let expected: usize = cases
        .iter()
        .map(|c| {
            let segments: usize = c.segments.iter().map(|s| s.bytes.len()).sum();
            16 + segments + c.stack_size as usize
        })
        .sum();
    if stdout.len() != expected {
        return Err(QemuError::Truncated {
            expected,
            got: stdout.len(),
            status,
            stderr,
        });
    }
    let mut rest = &stdout[..];
    let mut take = |n: usize| {
        let (head, tail) = rest.split_at(n);
        rest = tail;
        head.to_vec()
    };
    Ok(cases
        .iter()
        .map(|case| {
            let record = take(16);
            let word = |i: usize| u32::from_le_bytes(record[4 * i..4 * i + 4].try_into().unwrap());
            let status = if word(0) == 0 {
                Status::Returned(word(1))
            } else {
                Status::Fault {
                    cause: word(2),
                    pc: word(3),
                }
            };
            ProgramOutcome {
                status,
                segments: case.segments.iter().map(|s| take(s.bytes.len())).collect(),
                stack: take(case.stack_size as usize),
            }
        })
        .collect())
}
