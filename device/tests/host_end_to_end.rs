//! End-to-end tests of the host board: spawn `bs-device-host`, load hand-assembled x86-64
//! functions and drive them with the client.
#![cfg(all(target_arch = "x86_64", target_os = "linux", feature = "host"))]

use std::process::Command;

use device::abi::host::{CTX_FUNCTIONS, CTX_NATIVES, CTX_STACK_LIMIT};
use device::abi::{ErrorKind, KIND_STRING, Native};
use device::client::{ClientError, DeviceClient, RunOutcome};
use device::protocol::message::HostMessage;

mod common;

use common::{Client, run};

fn start(args: &[&str]) -> Client {
    common::start(env!("CARGO_BIN_EXE_bs-device-host"), args)
}

/// A tiny x86-64 assembler for the few instructions these tests need.
#[derive(Default)]
struct Asm(Vec<u8>);

impl Asm {
    fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.extend_from_slice(b);
        self
    }
    /// `sub rsp, 8` (align the stack for calls).
    fn enter(&mut self) -> &mut Self {
        self.bytes(&[0x48, 0x83, 0xEC, 0x08])
    }
    /// `add rsp, 8; ret`.
    fn leave(&mut self) -> &mut Self {
        self.bytes(&[0x48, 0x83, 0xC4, 0x08, 0xC3])
    }
    /// `mov edi, imm32`.
    fn edi(&mut self, v: u32) -> &mut Self {
        self.bytes(&[0xBF]).bytes(&v.to_le_bytes())
    }
    /// `mov esi, imm32`.
    fn esi(&mut self, v: u32) -> &mut Self {
        self.bytes(&[0xBE]).bytes(&v.to_le_bytes())
    }
    /// `mov eax, bits(x); movd xmmN, eax`.
    fn xmm(&mut self, n: u8, x: f32) -> &mut Self {
        self.bytes(&[0xB8])
            .bytes(&x.to_bits().to_le_bytes())
            .bytes(&[0x66, 0x0F, 0x6E, 0xC0 | (n << 3)])
    }
    /// `mov edi, eax`.
    fn edi_from_eax(&mut self) -> &mut Self {
        self.bytes(&[0x89, 0xC7])
    }
    /// `call qword [r14 + disp32]`.
    fn call_ctx(&mut self, disp: i32) -> &mut Self {
        self.bytes(&[0x41, 0xFF, 0x96]).bytes(&disp.to_le_bytes())
    }
    fn call_native(&mut self, n: Native) -> &mut Self {
        self.call_ctx(CTX_NATIVES + 8 * n as i32)
    }
    fn call_slot(&mut self, slot: u32) -> &mut Self {
        self.call_ctx(CTX_FUNCTIONS + 8 * slot as i32)
    }
    /// `cmp rsp, [r14 + CTX_STACK_LIMIT]; ja +7; call RaiseStackOverflow`.
    fn stack_check(&mut self) -> &mut Self {
        self.bytes(&[0x49, 0x3B, 0x66, CTX_STACK_LIMIT as u8, 0x77, 0x07])
            .call_native(Native::RaiseStackOverflow)
    }
    fn len(&self) -> u32 {
        self.0.len() as u32
    }
}

/// Loaded test program: entry addresses.
struct Program {
    print42: u32,
    raise: u32,
    raise_return: u32,
    recurse: u32,
    strings: u32,
    unset: u32,
}

fn load_program(client: &mut Client) -> Program {
    let map = client.info().map;
    let code = map.code_base;
    // Static string "hello" at the start of the data region.
    let hello = map.data_base;
    let mut data = Vec::new();
    data.extend_from_slice(&KIND_STRING.to_le_bytes());
    data.extend_from_slice(&5u32.to_le_bytes());
    data.extend_from_slice(b"hello\0\0\0");
    client.load(hello, &data).unwrap();

    let mut a = Asm::default();
    a.enter()
        .edi(42)
        .call_native(Native::PrintInt)
        .edi(1)
        .call_native(Native::PrintEnd)
        .leave();
    let print42 = code;
    client.load(print42, &a.0).unwrap();

    let mut a = Asm::default();
    a.enter()
        .edi(5)
        .esi(3)
        .call_native(Native::RaiseIndexOutOfRange);
    let raise_return = code + 0x100 + a.len();
    a.leave();
    let raise = code + 0x100;
    client.load(raise, &a.0).unwrap();

    let mut a = Asm::default();
    a.enter().stack_check().call_slot(0).leave();
    let recurse = code + 0x200;
    client.load(recurse, &a.0).unwrap();
    client.set_slot(0, recurse).unwrap();

    // print(hello + hello) to stdout; print(hello) to stderr.
    let mut a = Asm::default();
    a.enter()
        .edi(hello)
        .esi(hello)
        .call_native(Native::StringConcat)
        .edi_from_eax()
        .call_native(Native::PrintRef)
        .edi(1)
        .call_native(Native::PrintEnd)
        .edi(hello)
        .call_native(Native::PrintRef)
        .edi(2)
        .call_native(Native::PrintEnd)
        .leave();
    let strings = code + 0x300;
    client.load(strings, &a.0).unwrap();

    let mut a = Asm::default();
    a.enter().call_slot(5).leave();
    let unset = code + 0x400;
    client.load(unset, &a.0).unwrap();

    Program {
        print42,
        raise,
        raise_return,
        recurse,
        strings,
        unset,
    }
}

#[test]
fn handshake_reports_the_host_memory_map() {
    let client = start(&["--heap-size", "65536"]);
    let info = client.info();
    assert_eq!(info.board, "host");
    assert_eq!(info.version, device::protocol::VERSION);
    assert_eq!(info.map, device::memory::MemoryMap::host(65536));
    assert_eq!(info.function_slots, 4096);
    assert_eq!(info.max_payload, device::protocol::MAX_PAYLOAD as u32);
}

#[test]
fn runs_code_reports_errors_and_stays_up() {
    let mut client = start(&[]);
    let p = load_program(&mut client);

    assert_eq!(
        run(&mut client, p.print42),
        (RunOutcome::Completed, vec![(1, "42\n".into())])
    );

    let (outcome, out) = run(&mut client, p.raise);
    assert!(out.is_empty());
    assert_eq!(
        outcome,
        RunOutcome::RuntimeError {
            kind: ErrorKind::IndexOutOfRange,
            code_addr: p.raise_return,
            message: "array index out of range: 5 (length 3)".into(),
        }
    );

    assert_eq!(
        run(&mut client, p.print42),
        (RunOutcome::Completed, vec![(1, "42\n".into())])
    );

    let (outcome, _) = run(&mut client, p.recurse);
    let RunOutcome::RuntimeError {
        kind,
        code_addr,
        message,
    } = outcome
    else {
        panic!("expected a stack overflow, got {outcome:?}");
    };
    assert_eq!(
        (kind, message.as_str()),
        (ErrorKind::StackOverflow, "stack overflow")
    );
    // The stack check's call of RaiseStackOverflow returns to the slot call that follows it.
    assert_eq!(code_addr, p.recurse + 4 + 6 + 7);

    let (outcome, _) = run(&mut client, p.unset);
    assert!(
        matches!(&outcome, RunOutcome::RuntimeError { kind: ErrorKind::TypeError, message, .. }
            if message == "call of a function that is not loaded"),
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
fn corrupt_frames_get_an_error_and_the_next_frame_works() {
    let mut client = start(&[]);
    let p = load_program(&mut client);
    let mut frame = Vec::new();
    HostMessage::Run { entry: p.print42 }
        .write(&mut frame)
        .unwrap();
    frame[9] ^= 0x40;
    client.send_raw(&frame).unwrap();
    match client.expect_ack() {
        Err(ClientError::Device(m)) => assert_eq!(m, "corrupt frame: checksum mismatch"),
        other => panic!("expected an error reply, got {other:?}"),
    }
    // Garbage is reported once the next frame start shows where it ends; that frame is served.
    let mut bytes = b"junk".to_vec();
    HostMessage::SetSlot {
        slot: 1,
        addr: p.print42,
    }
    .write(&mut bytes)
    .unwrap();
    client.send_raw(&bytes).unwrap();
    match client.expect_ack() {
        Err(ClientError::Device(m)) => {
            assert_eq!(m, "corrupt frame: skipped 4 bytes without a frame start")
        }
        other => panic!("expected an error reply, got {other:?}"),
    }
    client.expect_ack().unwrap();
    assert_eq!(
        run(&mut client, p.print42),
        (RunOutcome::Completed, vec![(1, "42\n".into())])
    );

    let e = client.load(0x1000_0000, b"x").unwrap_err();
    assert!(
        matches!(&e, ClientError::Device(m) if m.starts_with("address out of range")),
        "{e}"
    );
    let e = client.set_slot(4096, p.print42).unwrap_err();
    assert!(
        matches!(&e, ClientError::Device(m) if m.contains("out of range")),
        "{e}"
    );
}

#[test]
fn float_natives_take_and_return_xmm_registers() {
    let mut client = start(&[]);
    let code = client.info().map.code_base;
    // print(Math.sqrt(2.0), Math.atan2(1.0, 0.0), Math.round(-2.5))
    let mut a = Asm::default();
    a.enter()
        .xmm(0, 2.0)
        .call_native(Native::MathSqrt)
        .call_native(Native::PrintFloat)
        .call_native(Native::PrintSpace)
        .xmm(0, 1.0)
        .xmm(1, 0.0)
        .call_native(Native::MathAtan2)
        .call_native(Native::PrintFloat)
        .call_native(Native::PrintSpace)
        .xmm(0, -2.5)
        .call_native(Native::MathRound)
        .call_native(Native::PrintFloat)
        .edi(1)
        .call_native(Native::PrintEnd)
        .leave();
    client.load(code, &a.0).unwrap();
    assert_eq!(
        run(&mut client, code),
        (
            RunOutcome::Completed,
            vec![(1, "1.414214 1.570796 -2.000000\n".into())]
        )
    );
}

#[test]
fn big_loads_are_chunked() {
    let mut client = start(&[]);
    let map = client.info().map;
    let big = vec![0xC3u8; 200_000];
    client.load(map.code_base + 0x1000, &big).unwrap();
    let mut a = Asm::default();
    a.enter().call_ctx(CTX_FUNCTIONS).leave();
    client.load(map.code_base, &a.0).unwrap();
    client
        .set_slot(0, map.code_base + 0x1000 + 199_999)
        .unwrap();
    assert_eq!(
        run(&mut client, map.code_base),
        (RunOutcome::Completed, vec![])
    );
}

#[test]
fn a_process_that_is_no_device_is_reported_closed() {
    let e = DeviceClient::spawn(Command::new("true"))
        .err()
        .expect("handshake fails");
    assert!(matches!(e, ClientError::Closed), "{e}");
}

#[test]
fn boots_a_checked_release_image_and_refuses_a_corrupt_one() {
    use device::image::{self, Header, write::Writer};
    let mut client = start(&[]);
    let map = client.info().map;
    let code_base = map.code_base;
    // `f` prints 42 through the native table; the entry calls it through slot 3.
    let mut f = Asm::default();
    f.enter().edi(42).call_native(Native::PrintInt).leave();
    let f_addr = code_base + 64;
    let mut entry = Asm::default();
    entry.enter().call_ctx(CTX_FUNCTIONS + 8 * 3).leave();
    let mut code = entry.0.clone();
    code.resize(64, 0xCC);
    code.extend_from_slice(&f.0);
    let header = common::image_header(&client, image::Architecture::X86_64, code_base);
    let good = Writer::new(header)
        .section(image::SECTION_CODE, code_base, code)
        .pairs(image::SECTION_SLOTS, &[(3, f_addr)])
        .finish();

    // A corrupt image is refused before anything is loaded, and the device stays up.
    let mut corrupt = good.clone();
    corrupt[image::HEADER_LEN + 20] ^= 0x01;
    let err = client.boot(&corrupt).unwrap_err().to_string();
    assert!(err.contains("corrupt"), "{err}");
    let moved = Writer::new(Header {
        code_base: code_base + 0x1000,
        ..header
    })
    .finish();
    let err = client.boot(&moved).unwrap_err().to_string();
    assert!(err.contains("another memory map"), "{err}");
    let err = common::refusal_of(&mut client, header, image::Architecture::Xtensa);
    assert!(
        err.contains("it holds Xtensa code, but this board runs x86-64 code"),
        "{err}"
    );

    client.boot(&good).expect("a good image boots");
    let (outcome, output) = run(&mut client, code_base);
    assert!(matches!(outcome, RunOutcome::Completed), "{outcome:?}");
    assert_eq!(output, [(1, "42".to_string())]);

    // An image larger than a frame is staged in pieces.
    let big = Writer::new(header)
        .section(image::SECTION_DATA, map.data_base, vec![7; 200_000])
        .section(image::SECTION_CODE, code_base, {
            let mut code = entry.0.clone();
            code.resize(64, 0xCC);
            code.extend_from_slice(&f.0);
            code
        })
        .pairs(image::SECTION_SLOTS, &[(3, f_addr)])
        .finish();
    assert!(big.len() > device::protocol::MAX_PAYLOAD);
    client.boot(&big).expect("a big image boots");
    let (outcome, output) = run(&mut client, code_base);
    assert!(matches!(outcome, RunOutcome::Completed), "{outcome:?}");
    assert_eq!(output, [(1, "42".to_string())]);

    // Anything else between staging and booting abandons the staged image.
    let request = |client: &mut Client, msg: HostMessage<'_>| {
        let mut frame = Vec::new();
        msg.write(&mut frame).unwrap();
        client.send_raw(&frame).unwrap();
        client.expect_ack()
    };
    let stage = HostMessage::Stage {
        offset: 0,
        bytes: &good,
    };
    request(&mut client, stage).unwrap();
    client.heap_stats().unwrap();
    let boot = HostMessage::Boot {
        len: good.len() as u32,
    };
    let err = request(&mut client, boot).unwrap_err().to_string();
    assert!(err.contains("no image is staged"), "{err}");
}

/// Loads at `at` an endless loop that polls the interrupt flag as generated code does
/// (`mov eax, [r15 + flag]; test eax, eax; jz loop; call RaiseInterrupted`) and returns the
/// address that raising call returns to.
fn load_polling_loop(client: &mut Client, at: u32) -> u32 {
    let flag = client.info().map.interrupt_flag();
    let mut a = Asm::default();
    a.enter()
        .bytes(&[0x41, 0x8B, 0x87])
        .bytes(&flag.to_le_bytes())
        .bytes(&[0x85, 0xC0, 0x74, 0xF5])
        .call_native(Native::RaiseInterrupted);
    let raise_return = at + a.len();
    a.leave();
    client.load(at, &a.0).unwrap();
    raise_return
}

#[test]
fn an_endless_loop_is_interrupted_and_other_requests_are_refused_meanwhile() {
    let mut client = start(&[]);
    let p = load_program(&mut client);
    let endless = client.info().map.code_base + 0x500;
    let raise_return = load_polling_loop(&mut client, endless);
    let mut frames = Vec::new();
    HostMessage::Run { entry: endless }
        .write(&mut frames)
        .unwrap();
    // A slot set outside a staged patch (`StageSlot` and `Commit`) is refused during a run.
    HostMessage::SetSlot {
        slot: 0,
        addr: p.print42,
    }
    .write(&mut frames)
    .unwrap();
    let mut corrupt = Vec::new();
    HostMessage::HeapStats.write(&mut corrupt).unwrap();
    corrupt[8] ^= 1;
    frames.extend(corrupt);
    client.send_raw(&frames).unwrap();
    // Both refusals come while the program still runs: only the interrupt below stops it.
    let refusal = |r: Result<(), ClientError>| match r {
        Err(ClientError::Device(m)) => m,
        other => panic!("expected an error reply, got {other:?}"),
    };
    assert_eq!(
        refusal(client.expect_ack()),
        "`SetSlot` is not allowed while a program runs (only `Interrupt` and patches are)"
    );
    assert_eq!(
        refusal(client.expect_ack()),
        "corrupt frame: checksum mismatch"
    );
    client.interrupter().interrupt().unwrap();
    assert_eq!(
        client.finish_run(|_, _| {}).unwrap(),
        RunOutcome::RuntimeError {
            kind: ErrorKind::Interrupted,
            code_addr: raise_return,
            message: "interrupted".into(),
        }
    );
    // The device is ready, the flag is clear again, and an interrupt between runs does nothing.
    client.interrupter().interrupt().unwrap();
    assert_eq!(
        run(&mut client, p.print42),
        (RunOutcome::Completed, vec![(1, "42\n".into())])
    );
    let mut out = Vec::new();
    HostMessage::Run { entry: endless }.write(&mut out).unwrap();
    client.send_raw(&out).unwrap();
    client.interrupter().interrupt().unwrap();
    assert!(matches!(
        client.finish_run(|_, _| {}).unwrap(),
        RunOutcome::RuntimeError {
            kind: ErrorKind::Interrupted,
            ..
        }
    ));
}

#[test]
fn a_device_whose_input_ends_during_an_endless_run_interrupts_it_and_exits() {
    use device::protocol::frame::FrameReader;
    use device::protocol::message::DeviceMessage;
    use std::io::{Read, Write};
    use std::process::Stdio;

    let map = device::memory::MemoryMap::host(device::host::HostConfig::default().heap_size);
    let flag = map.interrupt_flag();
    let mut a = Asm::default();
    a.enter()
        .bytes(&[0x41, 0x8B, 0x87])
        .bytes(&flag.to_le_bytes())
        .bytes(&[0x85, 0xC0, 0x74, 0xF5])
        .call_native(Native::RaiseInterrupted)
        .leave();
    let mut input = Vec::new();
    for msg in [
        HostMessage::Load {
            addr: map.code_base,
            bytes: &a.0,
        },
        HostMessage::Run {
            entry: map.code_base,
        },
    ] {
        msg.write(&mut input).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_bs-device-host"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("device starts");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&input).unwrap();
    // The end of input reaches the device while the loop runs (or before it starts, when it is
    // served as soon as the run begins).
    drop(stdin);
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    assert!(child.wait().unwrap().success());
    let mut reader = FrameReader::new(vec![0u8; 1 << 16]);
    let mut rest = &out[..];
    let ack = reader.read_frame(&mut rest).unwrap();
    assert_eq!(
        DeviceMessage::decode::<()>(ack).unwrap(),
        DeviceMessage::Ack
    );
    let end = reader.read_frame(&mut rest).unwrap();
    assert!(matches!(
        DeviceMessage::decode::<()>(end).unwrap(),
        DeviceMessage::RuntimeError {
            kind: ErrorKind::Interrupted,
            ..
        }
    ));
}
