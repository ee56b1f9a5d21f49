//! The ESP32 boards' target: the database generates Xtensa code once told to, recompiling what
//! was compiled for the other target, and the linker places it for the ESP32 memory map.

use device::abi::esp32::{CODE_BASE, FUNCTION_SLOTS};
use device::memory::MemoryMap;
use incremental::build;
use incremental::db::{self, Compiler, FunctionName, SourceFile};
use incremental::link::LinkTarget;
use incremental::target::{Code, Target};

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
}
