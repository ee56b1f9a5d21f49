//! `bs inspect IMAGE`: what a release image (`.bsimg`) or a flashable image (`.flash.bin`)
//! holds.

use std::path::Path;

/// Prints the sections, functions and input hashes of the release image at `path`, or the
/// partitions, firmware segments and release image of the flashable image there.
pub fn run(path: &Path) -> miette::Result<()> {
    let bytes = std::fs::read(path)
        .map_err(|e| miette::miette!("cannot read `{}`: {e}", path.display()))?;
    let text = if bytes.starts_with(&device::image::MAGIC) {
        crate::bsimg::describe(&bytes).map_err(|e| e.to_string())
    } else {
        crate::flash_image::describe(&bytes)
    };
    let text = text.map_err(|e| {
        miette::miette!(
            help = "build it again with `bs build --release`",
            "`{}`: {e}",
            path.display()
        )
    })?;
    print!("{text}");
    Ok(())
}
