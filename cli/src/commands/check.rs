//! `bs check [PATH]`: report compile errors without running anything.

use crate::{compile, deps, project};
use std::path::Path;

/// Checks the target at `path`; the error count decides the exit code.
pub fn run(path: Option<&Path>, options: deps::Options) -> miette::Result<bool> {
    let target = project::resolve(path, false, &mut deps::Resolver::new(options))?;
    let program = compile::Program::load(&target)?;
    let diags = incremental::build::check(&program.db, program.entry);
    if diags.is_empty() {
        println!("{}: no errors", target.display);
        return Ok(true);
    }
    crate::report::print_diagnostics(program.name(), &diags, |f| program.text(f));
    Ok(false)
}
