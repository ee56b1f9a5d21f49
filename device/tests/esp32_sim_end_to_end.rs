//! End-to-end tests of the esp32-sim board: spawn `bs-device-esp32-sim`, load hand-assembled
//! Xtensa functions (windowed ABI, natives through the native vector, calls through the
//! function table) and drive them with the client.
#![cfg(feature = "esp32-sim")]

use std::process::Command;

use backend_xtensa::{BranchZOp, CallxOp, Inst, MemOp, Reg, RrrOp, encode};
use device::abi::esp32::{FUNCTION_TABLE, MAX_HEAP_SIZE, NATIVE_VECTOR};
use device::abi::{ErrorKind, KIND_STRING, Native};
use device::client::{ClientError, DeviceClient, RunOutcome};
use device::protocol::message::HostMessage;

mod common;

use common::{Client, run};

fn start(args: &[&str]) -> Client {
    common::start(env!("CARGO_BIN_EXE_bs-device-esp32-sim"), args)
}

/// A windowed function: a literal pool, then `entry a1, 32`, the body and `retw`.
struct Func {
    pool: Vec<u32>,
    body: Vec<Step>,
}

enum Step {
    Inst(Inst),
    /// `l32r` of a pool word.
    Lit(Reg, usize),
}

impl Func {
    fn new() -> Func {
        Func {
            pool: Vec::new(),
            body: vec![Step::Inst(Inst::Entry {
                s: Reg::A1,
                frame: 32,
            })],
        }
    }
    fn inst(&mut self, i: Inst) -> &mut Self {
        self.body.push(Step::Inst(i));
        self
    }
    fn lit(&mut self, r: Reg, value: u32) -> &mut Self {
        self.pool.push(value);
        self.body.push(Step::Lit(r, self.pool.len() - 1));
        self
    }
    fn movi(&mut self, r: Reg, imm: i32) -> &mut Self {
        self.inst(Inst::Movi { t: r, imm })
    }
    /// `callx8` of native `n` with the arguments already in `a10..`.
    fn native(&mut self, n: Native) -> &mut Self {
        self.lit(Reg::A8, NATIVE_VECTOR + 4 * n as u32)
            .inst(Inst::Callx {
                op: CallxOp::Callx8,
                s: Reg::A8,
            })
    }
    /// `callx8` of function-table slot `slot`.
    fn slot(&mut self, slot: u32) -> &mut Self {
        self.lit(Reg::A8, FUNCTION_TABLE + 4 * slot)
            .inst(Inst::Mem {
                op: MemOp::L32i,
                t: Reg::A8,
                s: Reg::A8,
                offset: 0,
            })
            .inst(Inst::Callx {
                op: CallxOp::Callx8,
                s: Reg::A8,
            })
    }
    /// The address of the next instruction, for a function loaded at `base`.
    fn here(&self, base: u32) -> u32 {
        self.assemble(base).0.len() as u32 + base
    }
    /// The bytes at `base` (4-aligned) and the entry point.
    fn assemble(&self, base: u32) -> (Vec<u8>, u32) {
        let mut bytes: Vec<u8> = self.pool.iter().flat_map(|w| w.to_le_bytes()).collect();
        let entry = base + bytes.len() as u32;
        for step in &self.body {
            let pc = base + bytes.len() as u32;
            let inst = match *step {
                Step::Inst(i) => i,
                Step::Lit(t, k) => Inst::L32r {
                    t,
                    offset: backend_xtensa::l32r_offset(pc, base + 4 * k as u32),
                },
            };
            bytes.extend_from_slice(encode(&inst).expect("encodable").as_bytes());
        }
        (bytes, entry)
    }
    /// Appends `retw`; the bytes to load at `base` (whole words, as instruction RAM takes
    /// them) and the entry point.
    fn finish(&mut self, base: u32) -> (Vec<u8>, u32) {
        self.inst(Inst::Retw);
        let (mut bytes, entry) = self.assemble(base);
        bytes.resize(bytes.len().next_multiple_of(4), 0);
        (bytes, entry)
    }
    /// Appends `retw`, loads the function at `base` and returns its entry point.
    fn load(&mut self, client: &mut Client, base: u32) -> u32 {
        let (bytes, entry) = self.finish(base);
        client.load(base, &bytes).unwrap();
        entry
    }
}

struct Program {
    print42: u32,
    raise: u32,
    raise_return: u32,
    sum: u32,
    recurse: u32,
    strings: u32,
    unset: u32,
    unset_return: u32,
    narrow_iram: u32,
}

fn load_program(client: &mut Client) -> Program {
    let map = client.info().map;
    let code = map.code_base;
    let hello = map.data_base;
    let mut data = Vec::new();
    data.extend_from_slice(&KIND_STRING.to_le_bytes());
    data.extend_from_slice(&5u32.to_le_bytes());
    data.extend_from_slice(b"hello\0\0\0");
    client.load(hello, &data).unwrap();

    let print42 = Func::new()
        .movi(Reg::A10, 42)
        .native(Native::PrintInt)
        .movi(Reg::A10, 1)
        .native(Native::PrintEnd)
        .load(client, code);

    let mut f = Func::new();
    f.movi(Reg::A10, 5)
        .movi(Reg::A11, 3)
        .native(Native::RaiseIndexOutOfRange);
    let raise_return = f.here(code + 0x100);
    let raise = f.load(client, code + 0x100);

    // sum(n) = n == 0 ? 0 : n + sum(n - 1), through slot 1; run: print(sum(1000)).
    let sum_fn = Func::new()
        // Over the next six 3-byte instructions to the final `retw` (a2 is 0 there).
        .inst(Inst::BranchZ {
            op: BranchZOp::Beqz,
            s: Reg::A2,
            offset: 21,
        })
        .inst(Inst::Addi {
            t: Reg::A10,
            s: Reg::A2,
            imm: -1,
        })
        .slot(1)
        .inst(Inst::Rrr {
            op: RrrOp::Add,
            r: Reg::A2,
            s: Reg::A2,
            t: Reg::A10,
        })
        .inst(Inst::Retw)
        .load(client, code + 0x200);
    client.set_slot(1, sum_fn).unwrap();
    let sum = Func::new()
        .movi(Reg::A10, 1000)
        .slot(1)
        .native(Native::PrintInt)
        .movi(Reg::A10, 1)
        .native(Native::PrintEnd)
        .load(client, code + 0x300);

    // Endless recursion through slot 0.
    let recurse = Func::new().slot(0).load(client, code + 0x400);
    client.set_slot(0, recurse).unwrap();

    // print(hello + hello) to stdout; print(hello) to stderr.
    let strings = Func::new()
        .lit(Reg::A10, hello)
        .lit(Reg::A11, hello)
        .native(Native::StringConcat)
        .native(Native::PrintRef)
        .movi(Reg::A10, 1)
        .native(Native::PrintEnd)
        .lit(Reg::A10, hello)
        .native(Native::PrintRef)
        .movi(Reg::A10, 2)
        .native(Native::PrintEnd)
        .load(client, code + 0x500);

    let mut f = Func::new();
    f.slot(5);
    let unset_return = f.here(code + 0x600);
    let unset = f.load(client, code + 0x600);

    // A byte load from instruction RAM, which the ESP32 refuses.
    let narrow_iram = Func::new()
        .lit(Reg::A9, code)
        .inst(Inst::Mem {
            op: MemOp::L8ui,
            t: Reg::A9,
            s: Reg::A9,
            offset: 0,
        })
        .load(client, code + 0x700);

    Program {
        print42,
        raise,
        raise_return,
        sum,
        recurse,
        strings,
        unset,
        unset_return,
        narrow_iram,
    }
}

#[test]
fn handshake_reports_the_esp32_memory_map() {
    let client = start(&["--heap-size", "65536"]);
    let info = client.info();
    assert_eq!(info.board, "esp32-sim");
    assert_eq!(info.map, device::memory::MemoryMap::esp32(65536));
    assert_eq!(info.function_slots, 4096);
}

#[test]
fn heaps_larger_than_the_psram_arena_are_refused() {
    let out = Command::new(env!("CARGO_BIN_EXE_bs-device-esp32-sim"))
        .args(["--heap-size", &(MAX_HEAP_SIZE + 4).to_string()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("does not fit") && stderr.contains(&MAX_HEAP_SIZE.to_string()),
        "{stderr}"
    );
}

#[test]
fn runs_code_reports_errors_and_stays_up() {
    let mut client = start(&[]);
    let p = load_program(&mut client);

    assert_eq!(
        run(&mut client, p.print42),
        (RunOutcome::Completed, vec![(1, "42\n".into())])
    );
    // entry, movi, l32r, callx8, movi, l32r, callx8, retw: the natives are not counted.
    assert_eq!(client.instructions().unwrap(), 8);

    assert_eq!(
        run(&mut client, p.raise),
        (
            RunOutcome::RuntimeError {
                kind: ErrorKind::IndexOutOfRange,
                code_addr: p.raise_return,
                message: "array index out of range: 5 (length 3)".into(),
            },
            vec![]
        )
    );

    // 1000 nested windowed calls: the register window overflows and underflows.
    assert_eq!(
        run(&mut client, p.sum),
        (RunOutcome::Completed, vec![(1, "500500\n".into())])
    );
    assert!(client.instructions().unwrap() > 1000 * 7);

    let (outcome, _) = run(&mut client, p.recurse);
    assert_eq!(
        outcome,
        RunOutcome::RuntimeError {
            kind: ErrorKind::StackOverflow,
            // Just after the `entry` that would have gone below the stack limit.
            code_addr: p.recurse + device::abi::esp32::ENTRY_FAULT_OFFSET,
            message: "stack overflow".into(),
        }
    );

    assert_eq!(
        run(&mut client, p.unset).0,
        RunOutcome::RuntimeError {
            kind: ErrorKind::TypeError,
            code_addr: p.unset_return,
            message: "call of a function that is not loaded".into(),
        }
    );

    let (outcome, _) = run(&mut client, p.narrow_iram);
    assert!(
        matches!(&outcome, RunOutcome::RuntimeError { kind: ErrorKind::TypeError, message, .. }
            if message.starts_with("the Xtensa code faulted: load/store error")),
        "{outcome:?}"
    );

    assert_eq!(
        run(&mut client, p.print42),
        (RunOutcome::Completed, vec![(1, "42\n".into())])
    );
}

#[test]
fn natives_allocate_print_to_both_streams_and_collect() {
    let mut client = start(&["--heap-size", "4096"]);
    let p = load_program(&mut client);
    common::strings_are_collected(&mut client, p.strings);
}

#[test]
fn float_natives_take_and_return_bits_in_address_registers() {
    let mut client = start(&[]);
    let code = client.info().map.code_base;
    let entry = Func::new()
        .lit(Reg::A10, 2.0f32.to_bits())
        .native(Native::MathSqrt)
        .native(Native::PrintFloat)
        .native(Native::PrintSpace)
        .lit(Reg::A10, 1.0f32.to_bits())
        .lit(Reg::A11, 0.0f32.to_bits())
        .native(Native::MathAtan2)
        .native(Native::PrintFloat)
        .movi(Reg::A10, 1)
        .native(Native::PrintEnd)
        .load(&mut client, code);
    assert_eq!(
        run(&mut client, entry),
        (
            RunOutcome::Completed,
            vec![(1, "1.414214 1.570796\n".into())]
        )
    );
}

#[cfg(all(feature = "host", target_arch = "x86_64", target_os = "linux"))]
#[test]
fn the_host_board_does_not_count_instructions() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bs-device-host"));
    cmd.arg("--heap-size").arg("65536");
    let mut client = DeviceClient::spawn(cmd).unwrap();
    let e = client.instructions().unwrap_err();
    assert!(
        matches!(&e, ClientError::Device(m) if m.contains("does not count instructions")),
        "{e}"
    );
}

/// Starts a run of `entry`, interrupts it, and returns how it ended.
fn run_interrupted(client: &mut Client, entry: u32) -> RunOutcome {
    send_run(client, entry);
    client.interrupter().interrupt().unwrap();
    client.finish_run(|_, _| {}).unwrap()
}

/// Sends the request to run `entry` (the run's replies are read with `finish_run`).
fn send_run(client: &mut Client, entry: u32) {
    let mut frame = Vec::new();
    HostMessage::Run { entry }.write(&mut frame).unwrap();
    client.send_raw(&frame).unwrap();
}

#[test]
fn an_endless_loop_is_interrupted() {
    let mut client = start(&[]);
    let p = load_program(&mut client);
    // Poll the interrupt flag as generated code does, then raise.
    let flag = client.info().map.interrupt_flag();
    let mut f = Func::new();
    f.lit(Reg::A9, flag)
        .inst(Inst::Mem {
            op: MemOp::L32i,
            t: Reg::A8,
            s: Reg::A9,
            offset: 0,
        })
        .inst(Inst::BranchZ {
            op: BranchZOp::Beqz,
            s: Reg::A8,
            offset: -3,
        })
        .native(Native::RaiseInterrupted);
    let at = client.info().map.code_base + 0x800;
    let raise_return = f.here(at);
    let endless = f.load(&mut client, at);
    for _ in 0..2 {
        assert_eq!(
            run_interrupted(&mut client, endless),
            RunOutcome::RuntimeError {
                kind: ErrorKind::Interrupted,
                code_addr: raise_return,
                message: "interrupted".into(),
            }
        );
        // The flag is clear again for the next run.
        assert_eq!(
            run(&mut client, p.print42),
            (RunOutcome::Completed, vec![(1, "42\n".into())])
        );
    }
}

/// A release image of Xtensa code boots (its entry calls a function with `call8`, as release
/// code does); an image of x86-64 code is refused with a clear message, and the device stays
/// up for the next image.
#[test]
fn boots_a_release_image_of_xtensa_code_and_refuses_one_of_x86_64() {
    use backend_xtensa::{CallOp, call_offset};
    use device::image::{self, Architecture, write::Writer};
    let mut client = start(&[]);
    let base = client.info().map.code_base;
    let mut print = Func::new();
    print
        .movi(Reg::A10, 42)
        .native(Native::PrintInt)
        .movi(Reg::A10, 1)
        .native(Native::PrintEnd)
        .inst(Inst::Retw);
    let (print_code, print_entry) = print.assemble(base + 64);
    let mut entry = Func::new();
    // `entry` is 3 bytes: the `call8` is at base + 3.
    let call = Inst::Call {
        op: CallOp::Call8,
        offset: call_offset(base + 3, print_entry),
    };
    let (mut code, entry_addr) = entry.inst(call).inst(Inst::Retw).assemble(base);
    code.resize(64, 0);
    code.extend_from_slice(&print_code);
    code.resize(code.len().next_multiple_of(4), 0);
    let header = common::image_header(&client, Architecture::Xtensa, entry_addr);
    let xtensa = Writer::new(header)
        .section(image::SECTION_CODE, base, code)
        .finish();
    let err = common::refusal_of(&mut client, header, Architecture::X86_64);
    assert!(
        err.contains("it holds x86-64 code, but this board runs Xtensa code"),
        "{err}"
    );
    client.boot(&xtensa).expect("an Xtensa image boots");
    assert_eq!(
        run(&mut client, entry_addr),
        (RunOutcome::Completed, vec![(1, "42\n".into())])
    );
}

/// `print(n); time.delay(1)`, at `base`: its bytes and entry point.
fn print_and_wait(n: i32, base: u32) -> (Vec<u8>, u32) {
    Func::new()
        .movi(Reg::A10, n)
        .native(Native::PrintInt)
        .movi(Reg::A10, 1)
        .native(Native::PrintEnd)
        .movi(Reg::A10, 1)
        .native(Native::TimeDelay)
        .finish(base)
}

/// Loads at `base` a function that calls slot `slot` for ever: no poll anywhere, so only the
/// diverted function table can stop it. Returns its entry and the call's return address.
fn call_for_ever(client: &mut Client, slot: u32, base: u32) -> (u32, u32) {
    let mut f = Func::new();
    f.movi(Reg::A2, 0);
    let before = f.here(base);
    f.slot(slot);
    let call_return = f.here(base);
    // The call's literal moved the code after the pool by a word.
    let top = before + 4;
    f.inst(Inst::BranchZ {
        op: BranchZOp::Beqz,
        s: Reg::A2,
        offset: top as i32 - call_return as i32,
    });
    (f.load(client, base), call_return)
}

#[test]
fn an_endless_run_of_calls_is_interrupted_at_a_call_and_the_table_comes_back() {
    let mut client = start(&[]);
    let code = client.info().map.code_base;
    let (one, one_entry) = Func::new().finish(code);
    client.load(code, &one).unwrap();
    client.set_slot(2, one_entry).unwrap();
    let (endless, call_return) = call_for_ever(&mut client, 2, code + 0x100);
    assert_eq!(
        run_interrupted(&mut client, endless),
        RunOutcome::RuntimeError {
            kind: ErrorKind::Interrupted,
            code_addr: call_return,
            message: "interrupted".into(),
        }
    );
    // Slot 2 is the function again: a run that calls it once completes.
    let once = Func::new().slot(2).load(&mut client, code + 0x200);
    assert_eq!(run(&mut client, once), (RunOutcome::Completed, vec![]));
}

#[test]
fn a_patch_sent_during_a_run_takes_effect_at_the_next_call() {
    let mut client = start(&[]);
    let code = client.info().map.code_base;
    let (one, one_entry) = print_and_wait(1, code);
    client.load(code, &one).unwrap();
    client.set_slot(2, one_entry).unwrap();
    let (endless, call_return) = call_for_ever(&mut client, 2, code + 0x100);
    // The new version goes where nothing refers to yet, during the run.
    let two_at = code + 0x200;
    let (two, two_entry) = print_and_wait(2, two_at);

    let patcher = client.patcher();
    let interrupter = client.interrupter();
    let (seen_one, wait_one) = std::sync::mpsc::channel();
    // A patch that fails stops the run too, so that the test fails instead of hanging.
    let stop = client.interrupter();
    let patching = std::thread::spawn(move || {
        wait_one.recv().unwrap();
        let max = device::protocol::MAX_PAYLOAD;
        let applied = patcher.apply(&[(two_at, &two[..])], &[(2, two_entry)], max);
        if !matches!(applied, Ok(device::patcher::PatchOutcome::Applied)) {
            stop.interrupt().unwrap();
        }
        applied
    });
    send_run(&mut client, endless);
    let mut lines = Vec::new();
    let outcome = client
        .finish_run(|_, bytes| {
            let line = String::from_utf8_lossy(bytes).into_owned();
            if line == "1\n" && lines.is_empty() {
                seen_one.send(()).unwrap();
            }
            if line == "2\n" && !lines.contains(&line) {
                interrupter.interrupt().unwrap();
            }
            lines.push(line);
        })
        .unwrap();
    let applied = patching.join().unwrap().unwrap();
    assert!(
        matches!(applied, device::patcher::PatchOutcome::Applied),
        "{applied:?}"
    );
    // The old version printed until the patch, the new one from then on.
    let first_two = lines
        .iter()
        .position(|l| l == "2\n")
        .expect("the new version ran");
    assert!(first_two > 0);
    assert!(lines[..first_two].iter().all(|l| l == "1\n"), "{lines:?}");
    assert!(lines[first_two..].iter().all(|l| l == "2\n"), "{lines:?}");
    // Interrupted in the delay of the new version or at the next call of slot 2.
    let RunOutcome::RuntimeError {
        kind: ErrorKind::Interrupted,
        code_addr,
        ..
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    assert!(
        code_addr == call_return || (two_at..two_at + 0x100).contains(&code_addr),
        "{code_addr:#x}"
    );
    // The patch stays: slot 2 runs the new version.
    let once = Func::new().slot(2).load(&mut client, code + 0x300);
    assert_eq!(
        run(&mut client, once),
        (RunOutcome::Completed, vec![(1, "2\n".into())])
    );
}
