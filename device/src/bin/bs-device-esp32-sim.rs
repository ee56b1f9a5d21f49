//! The `esp32-sim` device as a process: serves the device protocol on standard input and
//! output, running Xtensa code in the simulator.
//!
//! Usage: `bs-device-esp32-sim [--heap-size BYTES] [--function-slots N] [--gc-stress]`

use std::process::ExitCode;

use device::esp32_sim::{Esp32SimConfig, serve};

const USAGE: &str =
    "usage: bs-device-esp32-sim [--heap-size BYTES] [--function-slots N] [--gc-stress]";

fn main() -> ExitCode {
    let mut config = Esp32SimConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u32, String> {
            let v = args.next().ok_or_else(|| format!("{name} needs a value"))?;
            v.parse()
                .map_err(|_| format!("{name}: `{v}` is not a number"))
        };
        let parsed = match arg.as_str() {
            "--heap-size" => number("--heap-size").map(|n| config.heap_size = n),
            "--function-slots" => number("--function-slots").map(|n| config.function_slots = n),
            "--gc-stress" => {
                config.gc_stress = true;
                Ok(())
            }
            "--help" | "-h" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown argument `{other}`\n{USAGE}")),
        };
        if let Err(e) = parsed {
            eprintln!("bs-device-esp32-sim: {e}");
            return ExitCode::from(2);
        }
    }
    match serve(std::io::stdin(), std::io::stdout(), config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bs-device-esp32-sim: {e}");
            ExitCode::FAILURE
        }
    }
}
