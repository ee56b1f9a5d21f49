//! The host device as a process: serves the device protocol on standard input and output.
//!
//! Usage: `bs-device-host [--heap-size BYTES] [--function-slots N] [--gc-stress]`

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn main() -> std::process::ExitCode {
    use device::host::{HostConfig, serve};

    device::process::main("bs-device-host", |options| {
        let default = HostConfig::default();
        let config = HostConfig {
            heap_size: options.heap_size.unwrap_or(default.heap_size),
            function_slots: options.function_slots.unwrap_or(default.function_slots),
            gc_stress: options.gc_stress,
        };
        serve(std::io::stdin(), std::io::stdout(), config)
    })
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn main() -> std::process::ExitCode {
    eprintln!("bs-device-host: the host board needs Linux on x86-64");
    std::process::ExitCode::FAILURE
}
