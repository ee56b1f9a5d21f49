//! `bs run [PATH…]`: compile, link for the board's memory map, load, run, and report output and
//! run-time errors with their source location.

use crate::board::{self, Board};
use crate::{compile, deps, project, report};
use device::client::RunOutcome;
use device::heap::HeapStats;
use incremental::target::Target;
use std::io::Write;
use std::path::PathBuf;

/// What to report after each program besides its output.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reports {
    /// A collection on the device and a [`heap_line`] on standard error.
    pub heap_stats: bool,
    /// The instructions the program executed (`instructions: N` on standard error), on boards
    /// that count them.
    pub instructions: bool,
}

/// Runs each target in `paths` (default: the current directory) on one device, in order;
/// returns whether every program compiled and ran without error, reporting after each
/// program what `reports` asks for.
pub fn run(
    paths: &[PathBuf],
    board_name: Option<&str>,
    heap_size: Option<u32>,
    reports: Reports,
    release: bool,
    options: deps::Options,
) -> miette::Result<bool> {
    let mut resolver = deps::Resolver::new(options);
    let targets = if paths.is_empty() {
        vec![project::resolve(None, release, &mut resolver)?]
    } else {
        paths
            .iter()
            .map(|p| project::resolve(Some(p), release, &mut resolver))
            .collect::<miette::Result<Vec<_>>>()?
    };
    let board_name = board_name.unwrap_or(&targets[0].board);
    let mut board = board::start(board_name, heap_size.or(targets[0].heap_size))?;
    if reports.instructions && !board.runs_xtensa() {
        return Err(miette::miette!(
            help = "instructions are counted by the simulated boards: --board esp32-sim",
            "the {} board does not count instructions",
            board.name()
        ));
    }
    board.interrupt_on_ctrl_c()?;
    let mut all_ok = true;
    for (i, target) in targets.iter().enumerate() {
        if i > 0 {
            board.reset().map_err(|e| board::device_error(&e))?;
        }
        all_ok &= run_one(&mut board, target, reports, release, options.verbose)?;
    }
    Ok(all_ok)
}

/// Compiles and runs one target on `board` (then reports what `reports` asks for); with
/// `release`, builds its release image and boots that.
fn run_one(
    board: &mut Board,
    target: &project::Target,
    reports: Reports,
    release: bool,
    verbose: bool,
) -> miette::Result<bool> {
    // Compiled for the board that runs it (which `--board` may have chosen over the manifest's).
    let target = &project::Target {
        board: board.name().to_string(),
        ..target.clone()
    };
    let program = compile::Program::load(target)?;
    let link_target = target.link_target(board.link_target());
    let image = if release {
        let Some(built) = super::build::release_image(&program, target, &link_target, verbose)?
        else {
            return Ok(false);
        };
        board.boot(&built.bytes)?;
        built.release.image
    } else {
        let Some((image, _)) = super::build::link(&program, target, &link_target, verbose)? else {
            return Ok(false);
        };
        board.load(&image).map_err(|e| board::device_error(&e))?;
        image
    };
    let before = if reports.heap_stats {
        Some(board.heap_stats().map_err(|e| board::device_error(&e))?)
    } else {
        None
    };
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let outcome = board
        .run(&image, |stream, bytes| {
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
    let ok = report_outcome(&program, &image, outcome);
    if reports.instructions {
        let n = board.instructions().map_err(|e| board::device_error(&e))?;
        let _ = stdout.lock().flush();
        eprintln!("instructions: {n}");
    }
    if let Some(before) = before {
        let after = board.collect().map_err(|e| board::device_error(&e))?;
        // The collection just made is not the program's.
        let caused = after.collections.saturating_sub(before.collections + 1);
        let _ = stdout.lock().flush();
        eprintln!("{}", heap_line(&after, caused));
    }
    Ok(ok)
}

/// Compiles `program` for `board`'s instruction set and links it for the board; compile errors
/// are printed (and give `None`).
pub fn build_image(
    program: &mut compile::Program,
    board: &Board,
) -> miette::Result<Option<incremental::link::Image>> {
    program.db.set_target(if board.runs_xtensa() {
        Target::Xtensa
    } else {
        Target::X64
    });
    let built = incremental::build::build(&program.db, program.entry, &board.link_target());
    super::build::reported(program, built)
}

/// The `--heap-stats` line: `after` is the statistics right after a collection with only the
/// permanent roots, `collections` the number of collections the program caused.
pub fn heap_line(after: &HeapStats, collections: u32) -> String {
    let plural = |n: u32, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "heap: {} ({}) live after collection; peak {} of {} bytes; {}",
        plural(after.live_objects, "object", "objects"),
        plural(after.in_use, "byte", "bytes"),
        after.peak,
        after.heap_size,
        plural(collections, "collection", "collections"),
    )
}

/// Prints a run-time error with its source location; returns whether the run completed.
fn report_outcome(
    program: &compile::Program,
    image: &incremental::link::Image,
    outcome: RunOutcome,
) -> bool {
    match outcome {
        RunOutcome::Completed => true,
        RunOutcome::RuntimeError {
            code_addr, message, ..
        } => {
            eprint!(
                "{}",
                runtime_error_text(program, image, &message, code_addr)
            );
            false
        }
    }
}

/// The report of a run-time error: its message and the source line of `code_addr`.
pub fn runtime_error_text(
    program: &compile::Program,
    image: &incremental::link::Image,
    message: &str,
    code_addr: u32,
) -> String {
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
    report::runtime_error(message, location)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heap_line_counts_objects_bytes_and_collections() {
        let stats = |live_objects, in_use| HeapStats {
            heap_size: 8192,
            in_use,
            free: 8192 - in_use,
            live_objects,
            collections: 42,
            peak: 8176,
        };
        assert_eq!(
            heap_line(&stats(3, 112), 41),
            "heap: 3 objects (112 bytes) live after collection; peak 8176 of 8192 bytes; 41 collections"
        );
        assert_eq!(
            heap_line(&stats(1, 8), 1),
            "heap: 1 object (8 bytes) live after collection; peak 8176 of 8192 bytes; 1 collection"
        );
        assert_eq!(
            heap_line(&stats(0, 0), 0),
            "heap: 0 objects (0 bytes) live after collection; peak 8176 of 8192 bytes; 0 collections"
        );
    }
}
