//! `bs run [PATH…]`: compile, link for the board's memory map, load, run, and report output and
//! run-time errors with their source location.

use crate::board::{self, Board};
use crate::session::{Compiled, Session};
use crate::{compile, project, report};
use device::heap::HeapStats;
use incremental::build::{self, BuildError};
use std::io::Write;
use std::path::PathBuf;

/// Runs each target in `paths` (default: the current directory) on one device, in order, as
/// one session: each program sees the globals and functions of the ones before it, and a
/// function defined again (with the same signature) replaces the earlier one for every caller.
/// Returns whether every program compiled and ran without error. With `heap_stats`, each
/// program that ran is followed by a collection on the device and a [`heap_line`] on standard
/// error.
pub fn run(
    paths: &[PathBuf],
    board_name: Option<&str>,
    heap_size: Option<u32>,
    heap_stats: bool,
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
    let board = board::start(board_name, heap_size.or(targets[0].heap_size))?;
    board.interrupt_on_ctrl_c()?;
    let mut session = Session::start(board);
    let mut all_ok = true;
    for target in &targets {
        all_ok &= run_one(&mut session, target, heap_stats)?;
    }
    Ok(all_ok)
}

/// Compiles and runs one target in `session` (then reports the heap, with `heap_stats`).
fn run_one(
    session: &mut Session,
    target: &project::Target,
    heap_stats: bool,
) -> miette::Result<bool> {
    let mut program = compile::Program::load(target)?;
    let (image, next) = match session.compile(&mut program)? {
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
    let board = session.board();
    let before = if heap_stats {
        Some(board.heap_stats().map_err(|e| board::device_error(&e))?)
    } else {
        None
    };
    let ok = session.execute(&image)?;
    if let Some(before) = before {
        let after = session
            .board()
            .collect()
            .map_err(|e| board::device_error(&e))?;
        // The collection just made is not the program's.
        let caused = after.collections.saturating_sub(before.collections + 1);
        let _ = std::io::stdout().lock().flush();
        eprintln!("{}", heap_line(&after, caused));
    }
    Ok(ok)
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

/// Compiles `program` and links it for a fresh `board`; compile errors are printed (and give
/// `None`).
pub fn build_image(
    program: &compile::Program,
    board: &Board,
) -> miette::Result<Option<incremental::link::Image>> {
    match build::build(&program.db, program.entry, &board.link_target()) {
        Ok(image) => Ok(Some(image)),
        Err(e) => report_build_error(program, e).map(|()| None),
    }
}

/// Prints the compile errors of `program` (`Ok`), or turns a failure that is not the
/// program's fault into an error.
pub fn report_build_error(program: &compile::Program, e: BuildError) -> miette::Result<()> {
    match e {
        BuildError::Diagnostics(diags) => {
            report::print_diagnostics(program.name(), &diags, |f| program.text(f));
            Ok(())
        }
        BuildError::Codegen(e) => Err(miette::miette!(
            help = "this is a compiler bug; please report it",
            "code generation failed: {e}"
        )),
        BuildError::Link(e) => Err(miette::miette!(
            help = "raise the board's memory sizes in bluescript.toml",
            "{e}"
        )),
        BuildError::Unpatchable(e) => Err(miette::miette!(help = "restart the session", "{e}")),
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
