//! The differential harness: runs machine code in `qemu-system-xtensa` (machine `sim`, core
//! `de233_fpu`, semihosting) and in the simulator, and reports what each case left behind, so
//! that tests can compare the two.
//!
//! A [`Case`] is a windowed function (`entry` … `retw`) with its arguments and an initial data
//! block. Case `i` of a batch has its code at [`code_base`]`(i)`, its data at
//! [`data_base`]`(i)` and its own stack (see [`layout`]); code that uses absolute addresses
//! must be built for those. Each case is called as [`Sim::call8`](crate::Sim::call8) calls
//! (arguments in `a2..a7`, the root frame's `a0` and `a2..a7` zero), and its [`Outcome`] is
//! the returned `a2` or the exception it raised, plus its data block and its whole stack
//! afterwards (window spills included).
//!
//! In QEMU a generated ELF image runs a stub (`stub.rs`) from the reset vector: it sets up
//! windowed mode and the FPU, installs the window vectors every Xtensa runtime uses (those the
//! simulator models) and a fault handler, calls the cases one after another, and writes each
//! outcome to standard output with `simcall`. Before each case it zeroes every register (all
//! 32 physical address registers, FP, booleans, SAR), as a fresh simulator has them, since a
//! window spill stores registers a frame never wrote. One QEMU process runs up to [`MAX_BATCH`] cases.
//!
//! `de233_fpu` is an LX7 with 32 physical address registers and the DFPU; the simulator runs
//! the cases with 32 registers and [`NanRule::LastOperandQuieted`] to match it. It has no
//! `muluh`/`mulsh`, so cases must not use them.

mod asm;
mod elf;
pub mod layout;
mod stub;

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

pub use layout::{MAX_BATCH, code_base, data_base, stack_base};

use crate::{Access, Config, NanRule, RegionSpec, Sim, Stop};

/// One function to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// Machine code, loaded at [`code_base`] of the case's index; at most
    /// [`layout::CODE_STRIDE`] bytes.
    pub code: Vec<u8>,
    /// The byte offset of the function's `entry` in `code`.
    pub entry: u32,
    /// The arguments, `a2..a7` of the function.
    pub args: [u32; 6],
    /// The initial data block at [`data_base`]; at most [`layout::DATA_STRIDE`] bytes.
    pub data: Vec<u8>,
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
}

/// What a case left behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// Its data block afterwards.
    pub data: Vec<u8>,
    /// Its whole stack afterwards.
    pub stack: Vec<u8>,
}

/// Why QEMU could not run a batch.
#[derive(Debug, thiserror::Error)]
pub enum QemuError {
    /// A case's code or data is larger than its slot.
    #[error("case {0}: code or data larger than its slot (see xtensa_sim::qemu::layout)")]
    TooLarge(usize),
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

/// Runs the cases in QEMU, [`MAX_BATCH`] per process.
pub fn run_qemu(cases: &[Case]) -> Result<Vec<Outcome>, QemuError> {
    let mut out = Vec::with_capacity(cases.len());
    for batch in cases.chunks(MAX_BATCH) {
        out.extend(run_batch(batch)?);
    }
    Ok(out)
}

/// Runs the cases in the simulator, configured like QEMU's `de233_fpu`.
pub fn run_sim(cases: &[Case]) -> Vec<Outcome> {
    let ret = stub::build().case_return;
    cases
        .iter()
        .enumerate()
        .map(|(i, case)| run_sim_case(i, case, ret))
        .collect()
}

fn run_sim_case(i: usize, case: &Case, ret: u32) -> Outcome {
    let region = |name, base, size, executable| RegionSpec {
        name,
        base,
        size,
        access: Access::Any,
        executable,
    };
    let config = Config {
        regions: vec![
            region("code", code_base(i), layout::CODE_STRIDE, true),
            region("data", data_base(i), layout::DATA_STRIDE, false),
            region("stack", stack_base(i), layout::STACK_STRIDE, false),
        ],
        physical_registers: 32,
        stack_limit: None,
        intercept: ret..ret + 1,
        nan_rule: NanRule::LastOperandQuieted,
    };
    let mut sim = Sim::new(&config).expect("the harness's regions are disjoint");
    let loaded = sim
        .memory
        .write(code_base(i), &case.code)
        .and_then(|()| sim.memory.write(data_base(i), &case.data))
        .and_then(|()| {
            let top = stack_base(i) + layout::STACK_STRIDE;
            sim.call8(code_base(i) + case.entry, ret, top, &case.args)
        });
    let status = match loaded.map(|()| sim.run(SIM_FUEL)) {
        Err(_) => Status::Fault {
            cause: u32::MAX,
            pc: 0,
        },
        Ok(Ok(Stop::Intercepted(_))) => Status::Returned(sim.reg(10)),
        Ok(Ok(Stop::OutOfFuel)) => Status::OutOfFuel,
        Ok(Err(fault)) => Status::Fault {
            cause: fault.exccause().unwrap_or(u32::MAX),
            pc: fault.pc(),
        },
    };
    let mut data = vec![0; case.data.len()];
    let mut stack = vec![0; layout::STACK_STRIDE as usize];
    // The regions exist: these reads cannot fail.
    let _ = sim.memory.read(data_base(i), &mut data);
    let _ = sim.memory.read(stack_base(i), &mut stack);
    Outcome {
        status,
        data,
        stack,
    }
}

/// The ELF image that runs `cases` (at most [`MAX_BATCH`]).
fn image(cases: &[Case]) -> Result<Vec<u8>, QemuError> {
    let stub = stub::build();
    let mut table = Vec::new();
    let mut code = Vec::new();
    let mut data = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        if case.code.len() > layout::CODE_STRIDE as usize
            || case.data.len() > layout::DATA_STRIDE as usize
        {
            return Err(QemuError::TooLarge(i));
        }
        code.resize(i * layout::CODE_STRIDE as usize, 0);
        code.extend_from_slice(&case.code);
        data.resize(i * layout::DATA_STRIDE as usize, 0);
        data.extend_from_slice(&case.data);
        let mut entry = [0u32; 16];
        entry[0] = code_base(i) + case.entry;
        entry[1] = stack_base(i) + layout::STACK_STRIDE;
        entry[2..8].copy_from_slice(&case.args);
        entry[8] = data_base(i);
        entry[9] = case.data.len() as u32;
        entry[10] = stack_base(i);
        entry[11] = layout::STACK_STRIDE;
        table.extend(entry.iter().flat_map(|w| w.to_le_bytes()));
    }
    table.extend_from_slice(&[0; layout::ENTRY_SIZE as usize]);
    let mut low = stub.low;
    low.resize((layout::CURSOR - layout::STUB) as usize, 0);
    low.extend_from_slice(&layout::TABLE.to_le_bytes());
    low.resize((layout::TABLE - layout::STUB) as usize, 0);
    low.extend_from_slice(&table);
    Ok(elf::executable(
        layout::RESET,
        &[
            (layout::RESET, &stub.reset),
            (layout::STUB, &low),
            (layout::CODE, &code),
            (layout::DATA, &data),
        ],
    ))
}

/// A file name in the temporary directory unique to this process and call.
fn temp_path() -> PathBuf {
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("xtensa-sim-{}-{n}.elf", std::process::id()))
}

fn run_batch(cases: &[Case]) -> Result<Vec<Outcome>, QemuError> {
    let path = temp_path();
    std::fs::write(&path, image(cases)?)?;
    let result = run_image(&path, cases);
    let _ = std::fs::remove_file(&path);
    result
}

fn run_image(path: &std::path::Path, cases: &[Case]) -> Result<Vec<Outcome>, QemuError> {
    let mut child = Command::new("qemu-system-xtensa")
        .args([
            "-M",
            "sim",
            "-cpu",
            "de233_fpu",
            "-semihosting",
            "-nographic",
        ])
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
        .map(|c| 16 + c.data.len() + layout::STACK_STRIDE as usize)
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
            Outcome {
                status,
                data: take(case.data.len()),
                stack: take(layout::STACK_STRIDE as usize),
            }
        })
        .collect())
}
