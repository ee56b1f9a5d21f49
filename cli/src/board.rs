//! Talking to boards: starting a board's device process, sending a linked image and running
//! it, and serving as that device process (`bs device-host`, `bs device-esp32-sim`).

use device::client::{ClientError, DeviceClient, Interrupter, RunOutcome};
use device::heap::HeapStats;
use incremental::link::{Image, LinkTarget};
use std::os::unix::process::CommandExt;
use std::process::{ChildStdin, ChildStdout, Command};

/// The boards this version can run on, and the `bs` subcommand that serves each.
const BOARDS: &[(&str, &str)] = &[("host", "device-host"), ("esp32-sim", "device-esp32-sim")];

/// Whether `name` is a board this version can run on.
pub fn is_board(name: &str) -> bool {
    BOARDS.iter().any(|(board, _)| *board == name)
}

/// A connected board.
pub struct Board {
    client: DeviceClient<ChildStdout, ChildStdin>,
}

/// Starts board `name` (each board is this executable in a `device-…` role).
pub fn start(name: &str, heap_size: Option<u32>) -> miette::Result<Board> {
    if name == "esp32" {
        return match serial_ports().first() {
            None => {
                eprintln!("no esp32 is connected: running on the esp32-sim board");
                start("esp32-sim", heap_size)
            }
            Some(port) => Err(miette::miette!(
                help = "run on the simulator with `--board esp32-sim`",
                "not supported yet: running on an esp32 over serial (found {})",
                port.display()
            )),
        };
    }
    if crate::manifest::KNOWN_BOARDS.contains(&name) && !is_board(name) {
        return Err(miette::miette!(
            help = "run on the `esp32-sim` or `host` board for now: `--board esp32-sim`",
            "the board `{name}` is not supported yet"
        ));
    }
    let Some(&(_, role)) = BOARDS.iter().find(|(board, _)| *board == name) else {
        let names: Vec<&str> = BOARDS.iter().map(|(board, _)| *board).collect();
        return Err(miette::miette!(
            help = format!("the boards are: {}", names.join(", ")),
            "unknown board `{name}`"
        ));
    };
    let max_heap = device::abi::esp32::MAX_HEAP_SIZE;
    if let Some(h) = heap_size.filter(|&h| name == "esp32-sim" && h > max_heap) {
        return Err(miette::miette!(
            help = format!("choose a heap of at most {max_heap} bytes"),
            "a heap of {h} bytes does not fit in the esp32-sim board's PSRAM arena"
        ));
    }
    let exe = std::env::current_exe()
        .map_err(|e| miette::miette!("cannot find the `bs` executable: {e}"))?;
    let mut command = Command::new(exe);
    command.arg(role);
    // Its own process group, so that Ctrl-C in the terminal reaches only `bs`, which interrupts
    // the program instead of losing the device.
    command.process_group(0);
    if let Some(h) = heap_size {
        command.arg("--heap-size").arg(h.to_string());
    }
    let client = DeviceClient::spawn(command).map_err(|e| device_error(&e))?;
    Ok(Board { client })
}

/// What the linker needs to know about board `name` with a heap of `heap_size` bytes (default:
/// the board's), without starting it: the same as a started board's [`Board::link_target`].
pub fn link_target(name: &str, heap_size: Option<u32>) -> miette::Result<LinkTarget> {
    if matches!(name, "esp32-sim" | "esp32" | "esp32s3") {
        use device::abi::esp32::{FUNCTION_SLOTS, MAX_HEAP_SIZE};
        return Ok(LinkTarget {
            memory: device::memory::MemoryMap::esp32(heap_size.unwrap_or(MAX_HEAP_SIZE)),
            slots: FUNCTION_SLOTS,
        });
    }
    if name != "host" {
        return Err(miette::miette!(
            help = "build for the `host` board for now",
            "building for the board `{name}` is not supported yet"
        ));
    }
    let config = device::host::HostConfig::default();
    Ok(LinkTarget {
        memory: device::memory::MemoryMap::host(heap_size.unwrap_or(config.heap_size)),
        slots: config.function_slots,
    })
}

/// The USB-serial devices an ESP32 board would appear as (`/dev/ttyUSB*`, `/dev/ttyACM*`).
pub fn serial_ports() -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir("/dev") else {
        return Vec::new();
    };
    let mut ports: Vec<_> = entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            name.starts_with("ttyUSB") || name.starts_with("ttyACM")
        })
        .map(|e| e.path())
        .collect();
    ports.sort();
    ports
}

/// The message for a failure to talk to the device.
pub fn device_error(e: &ClientError) -> miette::Report {
    miette::miette!(
        help = "this is a bug in `bs` or the device runtime; please report it",
        "device error: {e}"
    )
}

impl Board {
    /// The board's name, as its device reported it.
    pub fn name(&self) -> &str {
        &self.client.info().board
    }

    /// Whether the board runs Xtensa code (the ESP32 boards) rather than x86-64.
    pub fn runs_xtensa(&self) -> bool {
        self.name().starts_with("esp32")
    }

    /// Makes the device collect garbage before every allocation and overwrite what it frees.
    pub fn set_gc_stress(&mut self) -> Result<(), ClientError> {
        self.client.set_gc_stress(true)
    }

    /// How many instructions the latest run executed (boards that count them).
    pub fn instructions(&mut self) -> Result<u64, ClientError> {
        self.client.instructions()
    }

    /// What the linker needs to know about this device.
    pub fn link_target(&self) -> LinkTarget {
        let info = self.client.info();
        LinkTarget {
            memory: info.map,
            slots: info.function_slots,
        }
    }

    /// A handle that interrupts the running program from another thread.
    pub fn interrupter(&self) -> Interrupter<ChildStdin> {
        self.client.interrupter()
    }

    /// A handle that patches the running program from another thread.
    pub fn patcher(&self) -> device::patcher::Patcher<ChildStdin> {
        self.client.patcher()
    }

    /// The largest request payload the device accepts.
    pub fn max_payload(&self) -> usize {
        self.client.info().max_payload as usize
    }

    /// Makes Ctrl-C interrupt the programs this board runs (see [`crate::interrupt`]).
    pub fn interrupt_on_ctrl_c(&self) -> miette::Result<()> {
        crate::interrupt::install(self.interrupter(), self.client.process_id())
    }

    /// Writes one 32-bit word to the data region (a global the host sets before a run).
    pub fn write_word(&mut self, addr: u32, value: u32) -> Result<(), ClientError> {
        self.client.load(addr, &value.to_le_bytes())
    }

    /// Loads `image` into the device (code, data, function slots, roots) without running it.
    /// The code and data go where nothing refers to them yet; the slot swaps are then
    /// committed all at once, so that a failure part-way leaves the device running what it
    /// ran before.
    pub fn load(&mut self, image: &Image) -> Result<(), ClientError> {
        for (addr, bytes) in &image.loads {
            self.client.load(*addr, bytes)?;
        }
        for swaps in image.slots.chunks(device::patch::MAX_STAGED_SWAPS) {
            self.client.swap_slots(swaps)?;
        }
        for &(addr, count) in &image.roots {
            self.client.add_roots(addr, count)?;
        }
        Ok(())
    }

    /// Runs the entry point of an image already loaded, passing output to `on_output`.
    pub fn run(
        &mut self,
        image: &Image,
        on_output: impl FnMut(u8, &[u8]),
    ) -> Result<RunOutcome, ClientError> {
        self.client.run(image.entry, on_output)
    }

    /// Boots the release image `bytes` (a `.bsimg` file): the device checks it and loads it
    /// in place of its program state.
    pub fn boot(&mut self, bytes: &[u8]) -> miette::Result<()> {
        self.client.boot(bytes).map_err(|e| match e {
            ClientError::Device(message) => {
                miette::miette!("the device refused the release image: {message}")
            }
            other => device_error(&other),
        })
    }

    /// The device's heap statistics since its last reset (the peak use among them).
    pub fn heap_stats(&mut self) -> Result<HeapStats, ClientError> {
        self.client.heap_stats()
    }

    /// Makes the device collect garbage with only its permanent roots (the globals of every
    /// module and the static data) and returns the statistics after that collection.
    pub fn collect(&mut self) -> Result<HeapStats, ClientError> {
        self.client.collect()
    }

    /// Clears the device's program state (code, data, heap and its statistics) for the next
    /// program.
    pub fn reset(&mut self) -> Result<(), ClientError> {
        self.client.reset()
    }
}

/// Serves the device protocol on standard input and output as the esp32-sim board.
pub fn serve_esp32_sim(heap_size: Option<u32>) -> miette::Result<()> {
    let options = device::process::Options {
        heap_size,
        ..Default::default()
    };
    device::esp32_sim::serve(std::io::stdin(), std::io::stdout(), options)
        .map_err(|e| miette::miette!("esp32-sim device stopped: {e}"))
}

/// Serves the device protocol on standard input and output as the host board.
pub fn serve_host(heap_size: Option<u32>) -> miette::Result<()> {
    let mut config = device::host::HostConfig::default();
    if let Some(h) = heap_size {
        config.heap_size = h;
    }
    device::host::serve(std::io::stdin(), std::io::stdout(), config)
        .map_err(|e| miette::miette!("host device stopped: {e}"))
}
