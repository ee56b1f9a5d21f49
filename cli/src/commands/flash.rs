//! `bs flash [PATH] [--port P]`: builds a project's release and flashable images and writes
//! the flashable one to an `esp32`/`esp32s3` board over serial with espflash.

use crate::commands::build;
use crate::manifest::FLASHED_BOARDS;
use crate::{board, compile, deps, project};
use espflash::connection::{Connection, ResetAfterOperation, ResetBeforeOperation};
use espflash::flasher::Flasher;
use espflash::image_format::Segment;
use espflash::target::ProgressCallbacks;
use serialport::{SerialPortType, UsbPortInfo};
use std::borrow::Cow;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The baud rate the ESP32 ROM bootloader talks at first.
const ROM_BAUD: u32 = 115_200;

/// Builds the project at `path` and flashes it to the board on `port` (default: the only
/// USB-serial device). Returns `false` when the program has compile errors.
pub fn run(
    path: Option<&Path>,
    port: Option<&Path>,
    options: deps::Options,
) -> miette::Result<bool> {
    let mut resolver = deps::Resolver::new(options);
    let target = project::resolve(path, true, &mut resolver)?;
    if !FLASHED_BOARDS.contains(&target.board.as_str()) {
        return Err(miette::miette!(
            help = "`bs run --release` boots the release image on this board",
            "only the `esp32` and `esp32s3` boards are flashed, not `{}`",
            target.board
        ));
    }
    let Some(manifest) = &target.manifest else {
        return Err(miette::miette!(
            help = "create a project with `bs new NAME` and set `board.name = \"esp32\"`",
            "only projects with a `bluescript.toml` are flashed"
        ));
    };
    if manifest.board.firmware.is_none() {
        let help = format!(
            "set `board.firmware` to the runtime firmware's ELF: `firmware = \"path/to/runtime.elf\"` in `[board]` of `{}`",
            manifest.path.display()
        );
        return Err(miette::miette!(
            help = help,
            "the manifest names no runtime firmware to flash"
        ));
    }
    let mut program = compile::Program::load(&target)?;
    let link_target = target.link_target(board::link_target(&target.board, target.heap_size)?);
    let Some(built) = build::release_image(&mut program, &target, &link_target, options.verbose)?
    else {
        return Ok(false);
    };
    let Some(flash) = built.flash else {
        return Err(miette::miette!(
            "no flashable image was made for the {}",
            target.board
        ));
    };
    let size = flash.image.size();
    println!(
        "Built {} (release): {}, {size} bytes",
        built.name,
        flash.path.display()
    );
    let port = choose_port(port.map(Path::to_path_buf), board::serial_ports())?;
    let mut flasher = connect(&port, &target.board)?;
    let segments: Vec<Segment<'_>> = flash
        .image
        .segments
        .iter()
        .map(|(addr, bytes)| Segment {
            addr: *addr,
            data: Cow::Borrowed(bytes),
        })
        .collect();
    flasher
        .write_bins_to_flash(&segments, &mut Progress::new())
        .map_err(|e| miette::miette!("flashing `{}` failed: {e}", port.display()))?;
    println!(
        "Flashed {} to the {} on {}",
        built.name,
        target.board,
        port.display()
    );
    Ok(true)
}

/// The serial port to flash through: `given`, or the only one of `found`.
fn choose_port(given: Option<PathBuf>, found: Vec<PathBuf>) -> miette::Result<PathBuf> {
    if let Some(port) = given {
        return Ok(port);
    }
    let mut found = found;
    match found.len() {
        0 => Err(miette::miette!(
            help = "connect the board over USB, or name its port: `bs flash --port /dev/ttyUSB0`",
            "no serial device found (looked for /dev/ttyUSB* and /dev/ttyACM*)"
        )),
        1 => Ok(found.remove(0)),
        _ => Err(miette::miette!(
            help = "name the board's port with `--port`",
            "several serial devices found: {}",
            found
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Opens `port` and connects to the ROM bootloader of the `board` on it (resetting the chip
/// into it through DTR and RTS).
fn connect(port: &Path, board: &str) -> miette::Result<Flasher> {
    let name = port.to_string_lossy();
    let serial = serialport::new(name.as_ref(), ROM_BAUD)
        .flow_control(serialport::FlowControl::None)
        .open_native()
        .map_err(|e| {
            miette::miette!(
                help = "check that the board is connected and that you may use the port",
                "cannot open the serial port `{name}`: {e}"
            )
        })?;
    let connection = Connection::new(
        serial,
        usb_info(&name),
        ResetAfterOperation::HardReset,
        ResetBeforeOperation::DefaultReset,
        ROM_BAUD,
    );
    Flasher::connect(
        connection,
        true,
        true,
        true,
        crate::flash_image::chip(board),
        None,
    )
    .map_err(|e| {
        miette::miette!(
            help = "hold the board's BOOT button while pressing RESET, then try again",
            "cannot connect to the {board}'s bootloader on `{name}`: {e}"
        )
    })
}

/// The USB identity of the serial port `name` where the system tells it (espflash resets a
/// chip's built-in USB serial differently).
fn usb_info(name: &str) -> UsbPortInfo {
    let unknown = UsbPortInfo {
        vid: 0,
        pid: 0,
        serial_number: None,
        manufacturer: None,
        product: None,
    };
    // serialport's enumeration needs sysfs (it panics without it).
    if !Path::new("/sys/class/tty").is_dir() {
        return unknown;
    }
    serialport::available_ports()
        .unwrap_or_default()
        .into_iter()
        .find_map(|p| match p.port_type {
            SerialPortType::UsbPort(info) if p.port_name == name => Some(info),
            _ => None,
        })
        .unwrap_or(unknown)
}

/// Progress of each flashed segment on standard error, on a terminal only.
struct Progress {
    terminal: bool,
    addr: u32,
    total: usize,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            terminal: std::io::stderr().is_terminal(),
            addr: 0,
            total: 0,
        }
    }
}

impl ProgressCallbacks for Progress {
    fn init(&mut self, addr: u32, total: usize) {
        (self.addr, self.total) = (addr, total);
    }

    fn update(&mut self, current: usize) {
        if self.terminal {
            let (addr, total) = (self.addr, self.total.max(1));
            eprint!("\r  {addr:#08x}: {:>3}%", current * 100 / total);
        }
    }

    fn verifying(&mut self) {}

    fn finish(&mut self, skipped: bool) {
        if self.terminal {
            let what = if skipped {
                "unchanged, skipped"
            } else {
                "written"
            };
            eprintln!("\r  {:#08x}: {what}", self.addr);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_is_the_one_given_or_the_only_one_found() {
        let tty = |n: &str| PathBuf::from(format!("/dev/{n}"));
        assert_eq!(
            choose_port(Some(tty("ttyS1")), vec![tty("ttyUSB0")]).unwrap(),
            tty("ttyS1")
        );
        assert_eq!(
            choose_port(None, vec![tty("ttyACM0")]).unwrap(),
            tty("ttyACM0")
        );
        let none = choose_port(None, vec![]).unwrap_err().to_string();
        assert!(none.contains("no serial device found"), "{none}");
        let two = choose_port(None, vec![tty("ttyUSB0"), tty("ttyUSB1")]).unwrap_err();
        assert!(
            two.to_string().contains("/dev/ttyUSB0, /dev/ttyUSB1"),
            "{two}"
        );
    }
}
