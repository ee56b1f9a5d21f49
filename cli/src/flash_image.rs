//! Flashable images for the `esp32` and `esp32s3` boards: the runtime firmware ELF made into an
//! ESP-IDF app image by espflash, with espflash's second-stage bootloader, the partition table
//! of [`device::abi::esp32::flash`], and the program's `.bsimg` at the start of its `bsimg`
//! data partition. The same inputs give the same bytes.

use device::abi::esp32::flash as layout;
use espflash::flasher::{FlashData, FlashSettings};
use espflash::image_format::idf::IdfBootloaderFormat;
use espflash::target::{Chip, XtalFrequency};
use std::path::Path;

/// The ELF `e_machine` of Xtensa code.
const EM_XTENSA: u16 = 94;

/// Why a flashable image could not be made.
#[derive(Debug, thiserror::Error)]
pub enum FlashImageError {
    /// espflash refused the firmware (not an ELF, no loadable sections, too large for the app
    /// partition, …).
    #[error("{0}")]
    Firmware(#[from] espflash::Error),
    /// The firmware is an ELF for another processor.
    #[error("it is an ELF for another processor (machine {machine}), not an Xtensa one")]
    NotXtensa {
        /// The ELF header's `e_machine`.
        machine: u16,
    },
    /// The release image does not fit in its partition.
    #[error(
        "the release image is {size} bytes, more than the {} bytes of the `{}` partition",
        layout::IMAGE_SIZE,
        layout::IMAGE_PARTITION
    )]
    ImageTooLarge {
        /// The image's size in bytes.
        size: usize,
    },
}

/// The chip a board is flashed as: `esp32` and `esp32s3` are.
pub fn chip(board: &str) -> Option<Chip> {
    match board {
        "esp32" => Some(Chip::Esp32),
        "esp32s3" => Some(Chip::Esp32s3),
        _ => None,
    }
}

/// The partition table in ESP-IDF's CSV form (the table of [`device::abi::esp32::flash`]).
pub fn partition_table() -> String {
    format!(
        "# The partition table of a BlueScript board (see device/src/abi.rs, `esp32::flash`).\n\
         # Name,   Type, SubType,   Offset,   Size\n\
         nvs,      data, nvs,       0x9000,   0x6000\n\
         phy_init, data, phy,       0xf000,   0x1000\n\
         factory,  app,  factory,   {:#x}, {:#x}\n\
         {},    data, undefined, {:#x}, {:#x}\n",
        layout::APP_OFFSET,
        layout::APP_SIZE,
        layout::IMAGE_PARTITION,
        layout::IMAGE_OFFSET,
        layout::IMAGE_SIZE,
    )
}

/// What is written to a board's flash: `(flash address, bytes)` in address order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlashImage {
    /// The bootloader, the partition table, the firmware's app image and the release image.
    pub segments: Vec<(u32, Vec<u8>)>,
}

impl FlashImage {
    /// Makes the image for `chip` of the runtime firmware ELF `firmware` and the release image
    /// `bsimg`; `partitions` is a file holding [`partition_table`] (espflash reads it from a
    /// file).
    pub fn new(
        chip: Chip,
        firmware: &[u8],
        partitions: &Path,
        bsimg: &[u8],
    ) -> Result<FlashImage, FlashImageError> {
        // espflash takes any 32-bit ELF; the chips run Xtensa code only.
        if let Some(&[m0, m1]) = firmware
            .starts_with(b"\x7fELF")
            .then(|| firmware.get(18..20))
            .flatten()
        {
            let machine = u16::from_le_bytes([m0, m1]);
            if machine != EM_XTENSA {
                return Err(FlashImageError::NotXtensa { machine });
            }
        }
        if bsimg.len() > layout::IMAGE_SIZE as usize {
            return Err(FlashImageError::ImageTooLarge { size: bsimg.len() });
        }
        let flash = FlashData::new(
            FlashSettings::default(),
            0,
            None,
            chip,
            XtalFrequency::default(),
        );
        let app = IdfBootloaderFormat::new(
            firmware,
            &flash,
            Some(partitions),
            None,
            Some(layout::PARTITION_TABLE),
            None,
        )?;
        let mut segments: Vec<(u32, Vec<u8>)> = app
            .flash_segments()
            .map(|s| (s.addr, s.data.into_owned()))
            .collect();
        segments.push((layout::IMAGE_OFFSET, bsimg.to_vec()));
        segments.sort_by_key(|(addr, _)| *addr);
        Ok(FlashImage { segments })
    }

    /// The bytes from flash address 0 to the end of the last segment.
    pub fn size(&self) -> usize {
        self.segments
            .iter()
            .map(|(addr, bytes)| *addr as usize + bytes.len())
            .max()
            .unwrap_or(0)
    }

    /// The whole image as one file from flash address 0, the gaps erased flash (0xFF): what
    /// `espflash write-bin 0 FILE` or `esptool.py write_flash 0 FILE` would write.
    pub fn merged(&self) -> Vec<u8> {
        let mut out = vec![0xFF; self.size()];
        for (addr, bytes) in &self.segments {
            out[*addr as usize..*addr as usize + bytes.len()].copy_from_slice(bytes);
        }
        out
    }
}

/// One entry of a binary partition table.
struct Partition {
    name: String,
    kind: u8,
    subtype: u8,
    offset: u32,
    size: u32,
}

/// The entries of the binary partition table `bytes` (32 bytes each, magic 0xAA 0x50), up to
/// its end marker.
fn partitions(bytes: &[u8]) -> Vec<Partition> {
    let word = |e: &[u8], at: usize| u32::from_le_bytes([e[at], e[at + 1], e[at + 2], e[at + 3]]);
    bytes
        .chunks_exact(32)
        .take_while(|e| e[..2] == [0xAA, 0x50])
        .map(|e| Partition {
            name: e[12..28]
                .iter()
                .take_while(|&&b| b != 0)
                .map(|&b| char::from(b))
                .collect(),
            kind: e[2],
            subtype: e[3],
            offset: word(e, 4),
            size: word(e, 8),
        })
        .collect()
}

/// What `bs inspect` prints about the flash image `bytes` (a `.flash.bin`): its partitions,
/// the segments of the app image in the app partition, and the release image in its
/// partition. An error when there is no partition table where [`layout::PARTITION_TABLE`] says.
pub fn describe(bytes: &[u8]) -> Result<String, String> {
    use std::fmt::Write;
    let at = layout::PARTITION_TABLE as usize;
    let table = partitions(bytes.get(at..).unwrap_or_default());
    if table.is_empty() {
        return Err(format!(
            "neither a release image (no `BSIMAGE` magic) nor a flashable image (no partition table at {at:#x})"
        ));
    }
    let mut out = String::new();
    let _ = writeln!(out, "flash image: {} bytes", bytes.len());
    let _ = writeln!(out, "partitions (table at {at:#x}):");
    for p in &table {
        let kind = match p.kind {
            0 => "app",
            1 => "data",
            _ => "custom",
        };
        let _ = writeln!(
            out,
            "  {:<10} {kind:<6} subtype {:#04x} at {:#010x}, {} bytes",
            p.name, p.subtype, p.offset, p.size
        );
    }
    for p in &table {
        let Some(part) = bytes.get(p.offset as usize..) else {
            continue;
        };
        if p.kind == 0 && part.first() == Some(&0xE9) {
            let _ = writeln!(out, "app image in `{}`:", p.name);
            out.push_str(&describe_app(part));
        } else if p.name == layout::IMAGE_PARTITION {
            let _ = writeln!(out, "release image in `{}`:", p.name);
            let text = device::image::length(part)
                .map_err(|e| e.to_string())
                .and_then(|len| crate::bsimg::describe(&part[..len]).map_err(|e| e.to_string()))
                .unwrap_or_else(|e| format!("{e}\n"));
            for line in text.lines() {
                let _ = writeln!(out, "  {line}");
            }
        }
    }
    Ok(out)
}

/// The entry point and segments of the ESP app image `bytes` starts with.
fn describe_app(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let word = |at: usize| {
        bytes
            .get(at..at + 4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let mut out = String::new();
    let (Some(entry), Some(&count)) = (word(4), bytes.get(1)) else {
        return "  truncated\n".into();
    };
    let _ = writeln!(out, "  entry {entry:#010x}, {count} segments");
    let mut at = 24usize;
    for _ in 0..count {
        let (Some(addr), Some(len)) = (word(at), word(at + 4)) else {
            out.push_str("  truncated\n");
            break;
        };
        let _ = writeln!(out, "  {addr:#010x} {len:>8} bytes");
        at = at.saturating_add(8).saturating_add(len as usize);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use backend_xtensa::{Inst, encode};

    /// A firmware ELF: an endless loop in instruction RAM and a word of data in data RAM.
    fn firmware() -> Vec<u8> {
        let code: Vec<u8> = [Inst::J { offset: 0 }, Inst::Nop, Inst::Nop]
            .iter()
            .flat_map(|i| encode(i).unwrap().as_bytes().to_vec())
            .collect();
        xtensa_sim::elf::executable(
            0x4008_0400,
            &[(0x4008_0400, &code), (0x3FFB_0000, &[1, 2, 3, 4])],
        )
    }

    /// The partition table in a file, written once: tests run in parallel, and one must not
    /// read the file while another rewrites it.
    fn partition_file() -> std::path::PathBuf {
        static FILE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
        FILE.get_or_init(|| {
            let path =
                std::env::temp_dir().join(format!("bs-partitions-{}.csv", std::process::id()));
            std::fs::write(&path, partition_table()).unwrap();
            path
        })
        .clone()
    }

    #[test]
    fn the_image_holds_each_part_at_its_address() {
        let bsimg = b"BSIMAGE\0 pretend image bytes...".to_vec();
        let image = FlashImage::new(Chip::Esp32, &firmware(), &partition_file(), &bsimg).unwrap();
        let addrs: Vec<u32> = image.segments.iter().map(|(a, _)| *a).collect();
        assert_eq!(
            addrs,
            [
                0x1000,
                layout::PARTITION_TABLE,
                layout::APP_OFFSET,
                layout::IMAGE_OFFSET
            ]
        );
        let merged = image.merged();
        let at = layout::IMAGE_OFFSET as usize;
        assert_eq!(&merged[at..], &bsimg[..]);
        assert_eq!(
            merged[layout::APP_OFFSET as usize],
            0xE9,
            "an ESP app image"
        );
        assert!(merged[..0x1000].iter().all(|&b| b == 0xFF));
        let s3 = FlashImage::new(Chip::Esp32s3, &firmware(), &partition_file(), &bsimg).unwrap();
        assert_eq!(s3.segments[0].0, 0, "the ESP32-S3 boots from address 0");
    }

    #[test]
    fn a_flash_image_describes_its_parts() {
        let bsimg = device::image::write::Writer::new(device::image::Header {
            architecture: device::image::Architecture::Xtensa,
            runtime_version: 1,
            code_base: 0x4008_0200,
            data_base: 0x3F80_0000,
            entry: 0x4008_0200,
        })
        .section(device::image::SECTION_CODE, 0x4008_0200, vec![0; 8])
        .finish();
        let image = FlashImage::new(Chip::Esp32, &firmware(), &partition_file(), &bsimg).unwrap();
        let text = describe(&image.merged()).unwrap();
        for part in [
            "partitions (table at 0x8000):",
            "  factory    app    subtype 0x00 at 0x00010000, 2031616 bytes",
            "  bsimg      data   subtype 0x06 at 0x00200000, 1048576 bytes",
            "app image in `factory`:\n  entry 0x40080400,",
            "  0x40080400       12 bytes",
            "release image in `bsimg`:\n  image: ",
            "    code     0x40080200        8 bytes",
        ] {
            assert!(text.contains(part), "`{part}` missing in:\n{text}");
        }
        assert!(describe(&bsimg).unwrap_err().contains("no partition table"));
        // A release image cut short is described as such, not a panic.
        let cut = image.merged()[..layout::IMAGE_OFFSET as usize + 20].to_vec();
        assert!(describe(&cut).unwrap().contains("  the image is truncated"));
    }

    #[test]
    fn bad_inputs_are_errors() {
        let err = FlashImage::new(Chip::Esp32, b"not an elf", &partition_file(), &[]).unwrap_err();
        assert!(matches!(err, FlashImageError::Firmware(_)), "{err}");
        let mut arm = firmware();
        arm[18] = 40; // EM_ARM
        let err = FlashImage::new(Chip::Esp32, &arm, &partition_file(), &[]).unwrap_err();
        assert!(err.to_string().contains("machine 40"), "{err}");
        let huge = vec![0; layout::IMAGE_SIZE as usize + 4];
        let err = FlashImage::new(Chip::Esp32, &firmware(), &partition_file(), &huge).unwrap_err();
        assert!(err.to_string().contains("`bsimg` partition"), "{err}");
    }
}
