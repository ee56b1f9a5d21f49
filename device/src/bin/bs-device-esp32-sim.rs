//! The `esp32-sim` device as a process: serves the device protocol on standard input and
//! output, running Xtensa code in the simulator.
//!
//! Usage: `bs-device-esp32-sim [--heap-size BYTES] [--function-slots N] [--gc-stress]`

fn main() -> std::process::ExitCode {
    device::process::main("bs-device-esp32-sim", |options| {
        device::esp32_sim::serve(std::io::stdin(), std::io::stdout(), options)
    })
}
