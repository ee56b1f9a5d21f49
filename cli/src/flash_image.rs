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

    /// The whole image as one file from flash address 0, the gaps erased flash (0xFF): what
    /// `espflash write-bin 0 FILE` or `esptool.py write_flash 0 FILE` would write.
    pub fn merged(&self) -> Vec<u8> {
        let end = self
            .segments
            .iter()
            .map(|(addr, bytes)| *addr as usize + bytes.len())
            .max()
            .unwrap_or(0);
        let mut out = vec![0xFF; end];
        for (addr, bytes) in &self.segments {
            out[*addr as usize..*addr as usize + bytes.len()].copy_from_slice(bytes);
        }
        out
    }
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

    fn partitions() -> std::path::PathBuf {
        let path = std::env::temp_dir().join(format!("bs-partitions-{}.csv", std::process::id()));
        std::fs::write(&path, partition_table()).unwrap();
        path
    }

    #[test]
    fn the_image_holds_each_part_at_its_address() {
        let bsimg = b"BSIMAGE\0 pretend image bytes...".to_vec();
        let image = FlashImage::new(Chip::Esp32, &firmware(), &partitions(), &bsimg).unwrap();
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
        let s3 = FlashImage::new(Chip::Esp32s3, &firmware(), &partitions(), &bsimg).unwrap();
        assert_eq!(s3.segments[0].0, 0, "the ESP32-S3 boots from address 0");
    }

    #[test]
    fn bad_inputs_are_errors() {
        let err = FlashImage::new(Chip::Esp32, b"not an elf", &partitions(), &[]).unwrap_err();
        assert!(matches!(err, FlashImageError::Firmware(_)), "{err}");
        let mut arm = firmware();
        arm[18] = 40; // EM_ARM
        let err = FlashImage::new(Chip::Esp32, &arm, &partitions(), &[]).unwrap_err();
        assert!(err.to_string().contains("machine 40"), "{err}");
        let huge = vec![0; layout::IMAGE_SIZE as usize + 4];
        let err = FlashImage::new(Chip::Esp32, &firmware(), &partitions(), &huge).unwrap_err();
        assert!(err.to_string().contains("`bsimg` partition"), "{err}");
    }
}
