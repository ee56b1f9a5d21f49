//! The host device as a process: serves the device protocol on standard input and output.
//!
//! Usage: `bs-device-host [--heap-size BYTES] [--function-slots N] [--gc-stress]`

#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn main() -> std::process::ExitCode {
    use device::host::{HostConfig, serve};
    use std::process::ExitCode;

    let mut config = HostConfig::default();
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
                println!(
                    "usage: bs-device-host [--heap-size BYTES] [--function-slots N] [--gc-stress]"
                );
                return ExitCode::SUCCESS;
            }
            other => Err(format!("unknown argument `{other}`")),
        };
        if let Err(e) = parsed {
            eprintln!("bs-device-host: {e}");
            return ExitCode::from(2);
        }
    }
    match serve(std::io::stdin(), std::io::stdout(), config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bs-device-host: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn main() -> std::process::ExitCode {
    eprintln!("bs-device-host: the host board needs Linux on x86-64");
    std::process::ExitCode::FAILURE
}
