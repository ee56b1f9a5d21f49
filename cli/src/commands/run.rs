//! `bs run [PATH…]`: compile, link for the board's memory map, load, run, and report output and
//! run-time errors with their source location.

use crate::board::{self, Board};
use crate::{compile, project, report};
use device::client::RunOutcome;
use incremental::build::{self, BuildError};
use std::io::Write;
use std::path::PathBuf;

/// Runs each target in `paths` (default: the current directory) on one device, in order;
/// returns whether every program compiled and ran without error.
pub fn run(
    paths: &[PathBuf],
    board_name: Option<&str>,
    heap_size: Option<u32>,
) -> miette::Result<bool> {
    let targets = if paths.is_empty() {
        vec![project::resolve(None)?]
    } else {
        paths
            .iter()
            .map(|p| project::resolve(Some(p)))
            .collect::<miette::Result<Vec<_>>>()?
    };
    let board_name = board_name.unwrap_or(&targets[0].board);
    let mut board = board::start(board_name, heap_size.or(targets[0].heap_size))?;
    let mut all_ok = true;
    for (i, target) in targets.iter().enumerate() {
        if i > 0 {
            board.reset().map_err(|e| board::device_error(&e))?;
        }
        all_ok &= run_one(&mut board, target)?;
    }
    Ok(all_ok)
}

/// Compiles and runs one target on `board`.
fn run_one(board: &mut Board, target: &project::Target) -> miette::Result<bool> {
    let program = compile::Program::load(target)?;
    let image = match build::build(&program.db, program.entry, &board.link_target()) {
        Ok(image) => image,
        Err(BuildError::Diagnostics(diags)) => {
            report::print_diagnostics(program.name(), &diags, |f| program.text(f));
            return Ok(false);
        }
        Err(BuildError::Codegen(e)) => {
            return Err(miette::miette!(
                help = "this is a compiler bug; please report it",
                "code generation failed: {e}"
            ));
        }
        Err(BuildError::Link(e)) => {
            return Err(miette::miette!(
                help = "raise the board's memory sizes in bluescript.toml",
                "{e}"
            ));
        }
    };
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let outcome = board
        .run_image(&image, |stream, bytes| {
            // Output goes out as it arrives; a closed pipe is no reason to stop the device.
            let _ = if stream == device::abi::STREAM_STDERR as u8 {
                stderr.lock().write_all(bytes)
            } else {
                stdout
                    .lock()
                    .write_all(bytes)
                    .and_then(|()| stdout.lock().flush())
            };
        })
        .map_err(|e| board::device_error(&e))?;
    match outcome {
        RunOutcome::Completed => Ok(true),
        RunOutcome::RuntimeError {
            code_addr, message, ..
        } => {
            let db = &program.db;
            let location = image.source_map.lookup(code_addr).and_then(|loc| {
                let file = program.module(loc.file)?;
                Some((
                    file.path(db).as_str(),
                    file.text(db).as_str(),
                    loc.start,
                    loc.end,
                ))
            });
            eprint!("{}", report::runtime_error(&message, location));
            Ok(false)
        }
    }
}
