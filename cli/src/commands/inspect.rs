//! `bs inspect IMAGE`: what a release image holds; and `bs flash`, which needs tooling this
//! version does not have.

use crate::{deps, project};
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

/// `bs flash`: checks the project, then says what is missing.
pub fn flash(path: Option<&Path>) -> miette::Result<()> {
    let target = project::resolve(
        path,
        true,
        &mut deps::Resolver::new(deps::Options::default()),
    )?;
    let firmware = target
        .manifest
        .as_ref()
        .and_then(|m| m.board.firmware.clone());
    let why = match (target.board.as_str(), firmware) {
        ("esp32" | "esp32s3", None) => {
            "the manifest names no runtime firmware: set `board.firmware` to the runtime's ELF"
        }
        ("esp32" | "esp32s3", Some(_)) => {
            "writing flashable images and flashing with espflash are not supported yet"
        }
        _ => "only `esp32` and `esp32s3` boards are flashed; run `bs run --release` on this board",
    };
    Err(miette::miette!(
        help = "use `bs build --release` and `bs run --release` on the host board for now",
        "cannot flash the `{}` board: {why}",
        target.board
    ))
}
