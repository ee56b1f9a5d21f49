//! `bs check [PATH]`: report compile errors without running anything.

use crate::{compile, project};
use std::path::Path;

/// Checks the target at `path`; the error count decides the exit code.
pub fn run(path: Option<&Path>) -> miette::Result<bool> {
    let target = project::resolve(path)?;
    let source = compile::Source::load(&target)?;
    let (db, file) = source.database();
    let diags = incremental::build::check(&db, file);
    if diags.is_empty() {
        println!("{}: no errors", target.display);
        return Ok(true);
    }
    crate::report::print_diagnostics(&diags, &source.text);
    Ok(false)
}
