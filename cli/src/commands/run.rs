//! `bs run [PATH…]`: compile, link for the board's memory map, load, run, and report output and
//! run-time errors with their source location.

use crate::board::{self, Board};
use crate::session::{Compiled, Session};
use crate::{compile, deps, project, report};
use device::client::RunOutcome;
use device::heap::HeapStats;
use incremental::build::BuildError;
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

/// Runs each target in `paths` (default: the current directory) on one device, in order, as
/// one session: each program sees the globals and functions of the ones before it, and a
/// function defined again (with the same signature) replaces the earlier one for every caller.
/// Returns whether every program compiled and ran without error, reporting after each program
/// what `reports` asks for. With `release`, each program's release image is built and booted
/// instead (a release image replaces everything on the device, so there is no session). With
/// `gc_stress`, the device collects garbage before every allocation and overwrites what it
/// frees, so that a missing GC root shows at once.
pub fn run(
    paths: &[PathBuf],
    board_name: Option<&str>,
    heap_size: Option<u32>,
    reports: Reports,
    release: bool,
    gc_stress: bool,
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
    if gc_stress {
        board.set_gc_stress().map_err(|e| board::device_error(&e))?;
    }
    if reports.instructions && !board.runs_xtensa() {
        return Err(miette::miette!(
            help = "instructions are counted by the simulated boards: --board esp32-sim",
            "the {} board does not count instructions",
            board.name()
        ));
    }
    board.interrupt_on_ctrl_c()?;
    let link_target = targets[0].link_target(board.link_target());
    let mut session = Session::start(board, link_target);
    let mut all_ok = true;
    for target in &targets {
        all_ok &= if release {
            run_release(session.board(), target, reports, options.verbose)?
        } else {
            run_one(&mut session, target, reports, options.verbose)?
        };
    }
    Ok(all_ok)
}

/// Compiles and runs one target in `session` (then reports what `reports` asks for). The first
/// program of a session that is a project compiles its modules through the store.
fn run_one(
    session: &mut Session,
    target: &project::Target,
    reports: Reports,
    verbose: bool,
) -> miette::Result<bool> {
    // Compiled for the board that runs it (which `--board` may have chosen over the manifest's).
    let target = &project::Target {
        board: session.board().name().to_string(),
        ..target.clone()
    };
    let mut program = compile::Program::load(target)?;
    let compiled = if session.state().is_fresh() && target.manifest.is_some() {
        let Some((artifacts, _)) = super::build::compile_modules(&program, target, "dev", verbose)?
        else {
            return Ok(false);
        };
        session.state().compile_from(&mut program, &artifacts)?
    } else {
        session.compile(&mut program)?
    };
    let (image, next) = match compiled {
        Compiled::Patch(image, next) => (image, next),
        Compiled::Unpatchable(reason) => {
            eprintln!(
                "error: {reason}; a program of a session cannot change what an earlier one defined"
            );
            return Ok(false);
        }
        Compiled::Failed => return Ok(false),
    };
    session.apply(program, &image, *next)?;
    let before = heap_before(session.board(), reports)?;
    let ok = session.execute(&image)?;
    report_after(session.board(), reports, before)?;
    Ok(ok)
}

/// Builds the release image of one target, boots it on `board` and runs it (then reports what
/// `reports` asks for).
fn run_release(
    board: &mut Board,
    target: &project::Target,
    reports: Reports,
    verbose: bool,
) -> miette::Result<bool> {
    let target = &project::Target {
        board: board.name().to_string(),
        ..target.clone()
    };
    let mut program = compile::Program::load(target)?;
    let link_target = target.link_target(board.link_target());
    let Some(built) = super::build::release_image(&mut program, target, &link_target, verbose)?
    else {
        return Ok(false);
    };
    board.boot(&built.bytes)?;
    let image = built.release.image;
    let before = heap_before(board, reports)?;
    let outcome = board
        .run(&image, crate::session::print_output)
        .map_err(|e| board::device_error(&e))?;
    let ok = report_outcome(&program, &image, outcome);
    report_after(board, reports, before)?;
    Ok(ok)
}

/// The heap statistics before a run, when `reports` asks for the heap line.
fn heap_before(board: &mut Board, reports: Reports) -> miette::Result<Option<HeapStats>> {
    if reports.heap_stats {
        Ok(Some(
            board.heap_stats().map_err(|e| board::device_error(&e))?,
        ))
    } else {
        Ok(None)
    }
}

/// Prints what `reports` asks for after a run: the instructions it executed and the heap
/// line (`before` is the statistics from [`heap_before`]).
fn report_after(
    board: &mut Board,
    reports: Reports,
    before: Option<HeapStats>,
) -> miette::Result<()> {
    if reports.instructions {
        let n = board.instructions().map_err(|e| board::device_error(&e))?;
        let _ = std::io::stdout().lock().flush();
        eprintln!("instructions: {n}");
    }
    if let Some(before) = before {
        let after = board.collect().map_err(|e| board::device_error(&e))?;
        // The collection just made is not the program's.
        let caused = after.collections.saturating_sub(before.collections + 1);
        let _ = std::io::stdout().lock().flush();
        eprintln!("{}", heap_line(&after, caused));
    }
    Ok(())
}

/// Compiles `program` for `board`'s instruction set and links it for the board; compile errors
/// are printed (and give `None`).
pub fn build_image(
    program: &mut compile::Program,
    board: &Board,
) -> miette::Result<Option<incremental::link::Image>> {
    program.db.set_target(code_target(board));
    let built = incremental::build::build(&program.db, program.entry, &board.link_target());
    super::build::reported(program, built)
}

/// The instruction set of `board`.
pub fn code_target(board: &Board) -> Target {
    if board.runs_xtensa() {
        Target::Xtensa
    } else {
        Target::X64
    }
}

/// Prints the compile errors of `program` (`Ok`), or turns a failure that is not the
/// program's fault into an error.
pub fn report_build_error(program: &compile::Program, e: BuildError) -> miette::Result<()> {
    super::build::reported::<()>(program, Err(e)).map(|_| ())
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
                runtime_error_text(program, &image.source_map, &message, code_addr)
            );
            false
        }
    }
}

/// The report of a run-time error: its message and the source line of `code_addr`.
pub fn runtime_error_text(
    program: &compile::Program,
    source_map: &incremental::link::SourceMap,
    message: &str,
    code_addr: u32,
) -> String {
    let db = &program.db;
    let location = source_map.lookup(code_addr).and_then(|loc| {
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
