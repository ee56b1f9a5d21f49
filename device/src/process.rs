//! What every device process (`bs-device-host`, `bs-device-esp32-sim`) shares: its command
//! line.

use std::process::ExitCode;

/// The options of a device process; `None` leaves the board's default.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// `--heap-size BYTES`.
    pub heap_size: Option<u32>,
    /// `--function-slots N`.
    pub function_slots: Option<u32>,
    /// `--gc-stress`: collect garbage before every allocation.
    pub gc_stress: bool,
}

/// The options part of the usage line.
pub const USAGE: &str = "[--heap-size BYTES] [--function-slots N] [--gc-stress]";

/// Parses the arguments after the program name; `Ok(None)` for `--help`.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Result<u32, String> {
            let v = args.next().ok_or_else(|| format!("{name} needs a value"))?;
            v.parse()
                .map_err(|_| format!("{name}: `{v}` is not a number"))
        };
        match arg.as_str() {
            "--heap-size" => options.heap_size = Some(number("--heap-size")?),
            "--function-slots" => options.function_slots = Some(number("--function-slots")?),
            "--gc-stress" => options.gc_stress = true,
            "--help" | "-h" => return Ok(None),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Some(options))
}

/// The `main` of device process `name`: parses the command line and calls `serve` with the
/// options; exit code 2 for a bad command line, 1 when `serve` fails.
pub fn main<E: std::fmt::Display>(
    name: &str,
    serve: impl FnOnce(Options) -> Result<(), E>,
) -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok(Some(options)) => match serve(options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{name}: {e}");
                ExitCode::FAILURE
            }
        },
        Ok(None) => {
            println!("usage: {name} {USAGE}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{name}: {e}\nusage: {name} {USAGE}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn options_parse_and_bad_ones_are_explained() {
        assert_eq!(
            parse(args("--heap-size 4096 --gc-stress")),
            Ok(Some(Options {
                heap_size: Some(4096),
                function_slots: None,
                gc_stress: true
            }))
        );
        assert_eq!(parse(args("--help")), Ok(None));
        assert_eq!(
            parse(args("--heap-size lots")),
            Err("--heap-size: `lots` is not a number".into())
        );
        assert_eq!(
            parse(args("--function-slots")),
            Err("--function-slots needs a value".into())
        );
        assert_eq!(
            parse(args("--fast")),
            Err("unknown argument `--fast`".into())
        );
    }
}
