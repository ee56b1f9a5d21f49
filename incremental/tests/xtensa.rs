//! The ESP32 boards' target: the database generates Xtensa code once told to, recompiling what
//! was compiled for the other target, and the linker places it for the ESP32 memory map.

mod common;

use device::abi::esp32::{CODE_BASE, FUNCTION_SLOTS, NATIVE_VECTOR, RUN_RETURN};
use device::memory::MemoryMap;
use incremental::build;
use incremental::db::{self, Compiler, FunctionName, SourceFile};
use incremental::link::LinkTarget;
use incremental::target::{Calls, Code, Target};

const PROGRAM: &str = "function fib(n: integer): integer { if (n < 2) return n; return fib(n - 1) + fib(n - 2) }\n\
let x = 2.5\n\
print(fib(10), x / 2, \"text\")\n";

fn code(db: &Compiler, file: SourceFile, name: &str) -> Code {
    let n = FunctionName::new(db, name.to_string());
    db::compile_function(db, file, n)
        .clone()
        .expect("compiled")
        .expect("no codegen error")
}

#[test]
fn boards_choose_their_target() {
    assert_eq!(Target::for_board("host"), Some(Target::X64));
    for board in ["esp32-sim", "esp32", "esp32s3"] {
        assert_eq!(Target::for_board(board), Some(Target::Xtensa));
    }
    assert_eq!(Target::for_board("arduino"), None);
}

#[test]
fn switching_the_target_recompiles_for_it() {
    let mut db = Compiler::default();
    let file = SourceFile::new(&db, "main.bs".into(), PROGRAM.into(), 0);
    assert!(matches!(code(&db, file, "fib"), Code::X64(_)));
    db.set_target(Target::Xtensa);
    let fib = code(&db, file, "fib");
    let xtensa = fib.as_xtensa().expect("Xtensa code");
    let listing = backend_xtensa::disasm(&xtensa.code[xtensa.entry as usize..], 0);
    assert!(
        listing.lines().next().unwrap().contains("entry a1"),
        "{listing}"
    );
    assert!(listing.contains("callx8"), "{listing}");
    db.set_target(Target::X64);
    assert!(matches!(code(&db, file, "fib"), Code::X64(_)));
}

#[test]
fn xtensa_programs_link_for_the_esp32_map() {
    let mut db = Compiler::default();
    db.set_target(Target::Xtensa);
    let file = SourceFile::new(&db, "main.bs".into(), PROGRAM.into(), 0);
    let target = LinkTarget {
        memory: MemoryMap::esp32(1 << 20),
        slots: FUNCTION_SLOTS,
    };
    let image = build::build(&db, file, &target).expect("links");
    // Every slot holds the address of an `entry` instruction inside a loaded code block.
    for &(_, addr) in &image.slots {
        assert!(addr >= CODE_BASE);
        let (base, bytes) = image
            .loads
            .iter()
            .find(|(b, bytes)| (*b..*b + bytes.len() as u32).contains(&addr))
            .expect("loaded");
        let (inst, _) = backend_xtensa::decode(&bytes[(addr - base) as usize..]).unwrap();
        assert!(
            matches!(inst, backend_xtensa::Inst::Entry { .. }),
            "{inst:?}"
        );
    }
    assert!(image.slots.iter().any(|&(_, a)| a == image.entry));
}

/// A release link of Xtensa code compiled with direct calls: every `call8` goes to a native's
/// vector entry or to the `entry` of a kept function, except `fib`'s calls of itself, which
/// go to its table-call thunk (so that an interrupt stops the recursion), and no function
/// keeps a table call.
#[test]
fn xtensa_release_programs_call_directly() {
    let mut db = Compiler::default();
    db.set_target(Target::Xtensa);
    db.set_calls(Calls::Direct);
    let file = SourceFile::new(&db, "main.bs".into(), PROGRAM.into(), 0);
    let target = LinkTarget {
        memory: MemoryMap::esp32(1 << 20),
        slots: FUNCTION_SLOTS,
    };
    let release = common::release_of(&db, file, &target);
    let (fib_at, fib_size) = fib_code(&release);
    // The one thunk: `l32r a9` of fib's table entry, `l32i.n a9, a9, 0`, `jx a9`; fib keeps its
    // slot.
    let fib_thunk = release
        .functions
        .iter()
        .find(|(name, _, _)| name == "<table calls>")
        .map(|&(_, at, size)| {
            assert_eq!(size, backend_xtensa::TABLE_CALL_THUNK_SIZE);
            at
        });
    let fib_entry = fib_at + fib_code_entry(&release);
    assert!(release.image.slots.iter().any(|&(_, a)| a == fib_entry));
    let (mut calls, mut natives) = (0, 0);
    for (base, bytes) in release.image.loads.iter().filter(|(b, _)| *b >= CODE_BASE) {
        let mut at = 0;
        while at + 3 <= bytes.len() {
            let pc = base + at as u32;
            match backend_xtensa::decode(&bytes[at..]) {
                Some((inst @ backend_xtensa::Inst::Call { .. }, len))
                    if (NATIVE_VECTOR..RUN_RETURN).contains(&inst.target(pc).unwrap()) =>
                {
                    // A native, straight at its vector entry: the printing here.
                    let to = inst.target(pc).unwrap();
                    assert_eq!(to % 4, 0);
                    natives += 1;
                    at += len;
                }
                Some((inst @ backend_xtensa::Inst::Call { .. }, len)) => {
                    let to = inst.target(pc).unwrap();
                    let (callee, code) = release
                        .image
                        .loads
                        .iter()
                        .find(|(b, c)| (*b..*b + c.len() as u32).contains(&to))
                        .expect("a call into loaded code");
                    let (entry, _) =
                        backend_xtensa::decode(&code[(to - callee) as usize..]).unwrap();
                    let from_fib = (fib_at..fib_at + fib_size).contains(&pc);
                    if from_fib {
                        assert_eq!(Some(to), fib_thunk, "fib calls itself through its thunk");
                    } else {
                        assert!(
                            matches!(entry, backend_xtensa::Inst::Entry { .. }),
                            "{entry:?}"
                        );
                    }
                    calls += 1;
                    at += len;
                }
                Some((_, len)) => at += len,
                None => at += 1,
            }
        }
    }
    assert!(calls >= 3, "fib twice, main once: {calls}");
    assert!(natives >= 3, "print's natives: {natives}");
    // fib's two calls of itself are `call8`s, and it calls nothing else (calls carry no
    // interrupt poll).
    let listing = backend_xtensa::disasm(&fib_bytes(&release), fib_at);
    assert_eq!(listing.matches(" call8 ").count(), 2, "{listing}");
    assert_eq!(listing.matches(" callx8 ").count(), 0, "{listing}");
}

/// Where `fib`'s code is in `release`, and its size.
fn fib_code(release: &incremental::release::Release) -> (u32, u32) {
    let (_, at, size) = release
        .functions
        .iter()
        .find(|(name, _, _)| name.starts_with("fib"))
        .expect("fib is kept");
    (*at, *size)
}

/// The offset of `fib`'s `entry` in its code in `release`.
fn fib_code_entry(release: &incremental::release::Release) -> u32 {
    let bytes = fib_bytes(release);
    let mut at = 0;
    loop {
        let (inst, len) = backend_xtensa::decode(&bytes[at..]).expect("decodes");
        if matches!(inst, backend_xtensa::Inst::Entry { .. }) {
            return at as u32;
        }
        at += len;
    }
}

/// `fib`'s linked code in `release`.
fn fib_bytes(release: &incremental::release::Release) -> Vec<u8> {
    let (at, _) = fib_code(release);
    release
        .image
        .loads
        .iter()
        .find(|(b, _)| *b == at)
        .expect("loaded")
        .1
        .clone()
}

/// The numbers of the ESP32 contract that `backend-xtensa` repeats (it cannot depend on the
/// device crate) equal the device's.
#[test]
fn the_code_generator_agrees_with_the_device_abi() {
    use backend_xtensa::abi;
    use device::abi::Native;
    use device::abi::esp32;
    assert_eq!(abi::NATIVE_VECTOR, esp32::NATIVE_VECTOR);
    assert_eq!(abi::NATIVE_SLOTS, esp32::NATIVE_SLOTS);
    assert_eq!(abi::FUNCTION_TABLE, esp32::FUNCTION_TABLE);
    assert_eq!(abi::FUNCTION_SLOTS, esp32::FUNCTION_SLOTS);
    assert_eq!(abi::CTX_SHADOW_SP, esp32::CTX_SHADOW_SP);
    assert_eq!(abi::CTX_SHADOW_SP + 4, esp32::CTX_SHADOW_LIMIT);
    assert_eq!(abi::RAISE_STACK_OVERFLOW, Native::RaiseStackOverflow as u32);
    assert_eq!(abi::FLOAT_DIV, Native::FloatDiv as u32);
    assert_eq!(abi::ENTRY_FAULT_OFFSET, esp32::ENTRY_FAULT_OFFSET);
}
