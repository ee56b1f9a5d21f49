//! `bs inspect IMAGE`: what a release image holds.

use std::path::Path;

/// Prints the sections, functions and input hashes of the image at `path`.
pub fn run(path: &Path) -> miette::Result<()> {
    let bytes = std::fs::read(path)
        .map_err(|e| miette::miette!("cannot read `{}`: {e}", path.display()))?;
    let text = crate::bsimg::describe(&bytes).map_err(|e| {
        miette::miette!(
            help = "build it again with `bs build --release`",
            "`{}`: {e}",
            path.display()
        )
    })?;
    print!("{text}");
    Ok(())
}
