//! End-to-end tests of flashable ESP32 images through the real `bs`: `bs build --release` with
//! `board.firmware` writes `target/release/NAME.flash.bin`, read back here against the
//! documented layout (`device::abi::esp32::flash`) and ESP-IDF's app image format; and `bs
//! flash` up to opening the serial port (there is no board here).

mod common;

use backend_xtensa::{Inst, Reg, encode};
use common::{bs, bs_err, bs_ok, temp_dir, write_files};
use device::abi::esp32::flash as layout;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Where the test firmware's code runs: instruction RAM, and code mapped from flash.
const IRAM: u32 = 0x4008_0400;
const IROM: u32 = 0x400D_0020;

/// Code for the test firmware: `movi a2, 42` then an endless loop.
fn firmware_code() -> Vec<u8> {
    [
        Inst::Movi {
            t: Reg::A2,
            imm: 42,
        },
        Inst::J { offset: 0 },
        Inst::Nop,
    ]
    .iter()
    .flat_map(|i| encode(i).unwrap().as_bytes().to_vec())
    .collect()
}

/// A small valid Xtensa ELF standing in for the runtime firmware: code in instruction RAM
/// (the entry point), code in flash and a word of data in data RAM.
fn firmware_elf() -> Vec<u8> {
    let code = firmware_code();
    xtensa_sim::elf::executable(
        IRAM,
        &[
            (IRAM, &code),
            (IROM, &code),
            (0x3FFB_0000, &0x1234_5678u32.to_le_bytes()),
        ],
    )
}

/// An `esp32` project named `blink` whose manifest names `fw/runtime.elf`, in `dir`.
fn esp32_project(dir: &Path) {
    write_files(
        dir,
        &[
            (
                "bluescript.toml",
                "[package]\nname = \"blink\"\n\n[board]\nname = \"esp32\"\nfirmware = \"fw/runtime.elf\"\n",
            ),
            (
                "src/main.bs",
                "function twice(n: integer): integer { return n * 2 }\nprint(twice(21))\n",
            ),
        ],
    );
    std::fs::create_dir_all(dir.join("fw")).unwrap();
    std::fs::write(dir.join("fw/runtime.elf"), firmware_elf()).unwrap();
}

fn word(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// The partitions of the ESP-IDF partition table `bytes`: `(name, type, subtype, offset, size)`.
fn partitions(bytes: &[u8]) -> Vec<(String, u8, u8, u32, u32)> {
    bytes
        .chunks(32)
        .take_while(|entry| entry[..2] == [0xAA, 0x50])
        .map(|e| {
            let name = e[12..28]
                .iter()
                .take_while(|&&b| b != 0)
                .map(|&b| b as char);
            (name.collect(), e[2], e[3], word(e, 4), word(e, 8))
        })
        .collect()
}

/// Reads the ESP app image at the start of `bytes` (magic 0xE9, a 24-byte header, segments of
/// `(address, length, data)`, a checksum byte at the end of a 16-byte block, the SHA-256 of all
/// before it), checks its checksum and digest, and returns its entry and segments.
fn app_image(bytes: &[u8]) -> (u32, Vec<(u32, &[u8])>) {
    assert_eq!(bytes[0], 0xE9, "the magic of an ESP image");
    assert_eq!(bytes[23], 1, "a SHA-256 digest is appended");
    let mut at = 24;
    let mut segments = Vec::new();
    let mut checksum = 0xEF;
    for _ in 0..bytes[1] {
        let (addr, len) = (word(bytes, at), word(bytes, at + 4) as usize);
        let data = &bytes[at + 8..at + 8 + len];
        checksum = data.iter().fold(checksum, |c, b| c ^ b);
        segments.push((addr, data));
        at += 8 + len;
    }
    let end = (at + 1).next_multiple_of(16);
    assert_eq!(bytes[end - 1], checksum, "the checksum byte");
    let digest: [u8; 32] = Sha256::digest(&bytes[..end]).into();
    assert_eq!(bytes[end..end + 32], digest, "the appended SHA-256");
    (word(bytes, 4), segments)
}

#[test]
fn release_builds_write_a_flashable_image_with_the_firmware_and_the_program() {
    let dir = temp_dir("flash-image");
    let (a, b) = (dir.join("a/blink"), dir.join("elsewhere/b/blink"));
    esp32_project(&a);
    esp32_project(&b);
    let out = bs_ok(&a, &dir.join("home-a"), &["build", "--release"]);
    assert!(out.contains("target/release/blink.flash.bin"), "{out}");
    bs_ok(&b, &dir.join("home-b"), &["build", "--release"]);
    let flash = std::fs::read(a.join("target/release/blink.flash.bin")).unwrap();
    assert_eq!(
        flash,
        std::fs::read(b.join("target/release/blink.flash.bin")).unwrap(),
        "the same inputs give the same bytes in another directory"
    );

    // The bootloader, at the ESP32's boot address.
    assert_eq!(flash[0x1000], 0xE9);
    // The partition table, as documented.
    let table = partitions(&flash[layout::PARTITION_TABLE as usize..]);
    assert_eq!(
        table,
        [
            ("nvs".to_string(), 1, 2, 0x9000, 0x6000),
            ("phy_init".to_string(), 1, 1, 0xF000, 0x1000),
            (
                "factory".to_string(),
                0,
                0,
                layout::APP_OFFSET,
                layout::APP_SIZE
            ),
            (
                layout::IMAGE_PARTITION.to_string(),
                1,
                layout::IMAGE_SUBTYPE,
                layout::IMAGE_OFFSET,
                layout::IMAGE_SIZE
            ),
        ]
    );
    // The firmware as an app image: its entry point and its code at its addresses.
    let (entry, segments) = app_image(&flash[layout::APP_OFFSET as usize..]);
    assert_eq!(entry, IRAM);
    let code = firmware_code();
    for addr in [IRAM, IROM] {
        assert!(
            segments
                .iter()
                .any(|(at, data)| *at == addr && data.starts_with(&code)),
            "the code at {addr:#x} is in the image: {:x?}",
            segments
                .iter()
                .map(|(a, d)| (a, d.len()))
                .collect::<Vec<_>>()
        );
    }
    // The program's release image, at the start of its partition, and nothing after it.
    let bsimg = std::fs::read(a.join("target/release/blink.bsimg")).unwrap();
    assert_eq!(&bsimg[..8], b"BSIMAGE\0");
    assert_eq!(&flash[layout::IMAGE_OFFSET as usize..], &bsimg[..]);

    // `bs inspect` shows the parts, down to the program's functions.
    let shown = bs_ok(
        &a,
        &dir.join("home-a"),
        &["inspect", "target/release/blink.flash.bin"],
    );
    for part in [
        "app image in `factory`:\n  entry 0x40080400, ",
        "release image in `bsimg`:",
        "architecture: Xtensa",
        "<start>",
    ] {
        assert!(shown.contains(part), "`{part}` missing in:\n{shown}");
    }

    // The ESP32-S3 boots its bootloader from address 0, and its app image names the chip.
    let manifest = std::fs::read_to_string(b.join("bluescript.toml")).unwrap();
    std::fs::write(
        b.join("bluescript.toml"),
        manifest.replace("\"esp32\"", "\"esp32s3\""),
    )
    .unwrap();
    bs_ok(&b, &dir.join("home-b"), &["build", "--release"]);
    let s3 = std::fs::read(b.join("target/release/blink.flash.bin")).unwrap();
    assert_eq!(s3[0], 0xE9);
    let chip_id = |image: &[u8]| u16::from_le_bytes([image[12], image[13]]);
    let app = layout::APP_OFFSET as usize;
    assert_eq!((chip_id(&flash[app..]), chip_id(&s3[app..])), (0, 9));
    app_image(&s3[app..]);

    // A broken firmware is an error that names it.
    std::fs::write(a.join("fw/runtime.elf"), b"not an ELF").unwrap();
    let err = bs_err(&a, &dir.join("home-a"), &["build", "--release"]);
    assert!(err.contains("cannot make a flashable image of"), "{err}");
    assert!(err.contains("runtime.elf"), "{err}");
}

#[test]
fn a_missing_firmware_points_into_the_manifest() {
    let dir = temp_dir("flash-missing");
    esp32_project(&dir);
    std::fs::remove_file(dir.join("fw/runtime.elf")).unwrap();
    let err = bs_err(&dir, &dir.join("home"), &["build", "--release"]);
    assert!(err.contains("is not a file"), "{err}");
    assert!(err.contains("firmware = \"fw/runtime.elf\""), "{err}");
}

#[test]
fn flash_builds_then_needs_a_serial_port() {
    let dir = temp_dir("flash-port");
    esp32_project(&dir);
    let home = dir.join("home");
    // /dev/null is not a serial port: the image is built, then opening the port fails.
    let out = bs(&dir, &home, &["flash", "--port", "/dev/null"]);
    assert!(!out.status.success());
    let (stdout, stderr) = (common::text(&out.stdout), common::text(&out.stderr));
    assert!(stdout.contains("blink.flash.bin"), "{stdout}");
    assert!(
        stderr.contains("cannot open the serial port `/dev/null`"),
        "{stderr}"
    );
    let err = bs_err(&dir, &home, &["flash", "--port", "/dev/no-such-tty"]);
    assert!(err.contains("cannot open the serial port"), "{err}");
    // Without `--port`, the USB-serial devices are looked for; never flash a board that
    // happens to be connected to the machine running the tests.
    let connected = std::fs::read_dir("/dev").unwrap().any(|e| {
        let name = e.unwrap().file_name();
        let name = name.to_string_lossy();
        name.starts_with("ttyUSB") || name.starts_with("ttyACM")
    });
    if !connected {
        let err = bs_err(&dir, &home, &["flash"]);
        assert!(err.contains("no serial device found"), "{err}");
        assert!(err.contains("--port"), "{err}");
    }
}

#[test]
fn flash_explains_what_it_needs() {
    let dir = temp_dir("flash-needs");
    let home = dir.join("home");
    write_files(
        &dir,
        &[
            ("host/bluescript.toml", "[package]\nname = \"h\"\n"),
            ("host/src/main.bs", "print(1)\n"),
            (
                "bare/bluescript.toml",
                "[package]\nname = \"e\"\n[board]\nname = \"esp32\"\n",
            ),
            ("bare/src/main.bs", "print(1)\n"),
        ],
    );
    let err = bs_err(&dir.join("host"), &home, &["flash"]);
    assert!(
        err.contains("only the `esp32` and `esp32s3` boards are flashed"),
        "{err}"
    );
    let err = bs_err(&dir.join("bare"), &home, &["flash"]);
    assert!(err.contains("names no runtime firmware"), "{err}");
    let help = bs_ok(&dir, &home, &["flash", "--help"]);
    assert!(
        help.contains("Examples:") && help.contains("--port"),
        "{help}"
    );
}
