//! `bs build [PATH]`: compile and link a project, reusing the compiled modules the store holds
//! and storing the others; and the compile-and-link step `bs run` shares.

use crate::artifacts::{self, KeyBase, Usage};
use crate::store::Store;
use crate::{compile, deps, project, report};
use incremental::build::BuildError;
use incremental::link::{Image, LinkTarget};
use std::path::Path;

/// The file in a project's `target/` that lists the store entries its last build used.
pub const LAST_BUILD: &str = "target/bs-last-build";

/// Builds the project at `path` for its board (development profile) and prints what it made.
pub fn run(path: Option<&Path>, options: deps::Options) -> miette::Result<bool> {
    let mut resolver = deps::Resolver::new(options);
    let target = project::resolve(path, false, &mut resolver)?;
    let program = compile::Program::load(&target)?;
    let link_target =
        target.link_target(crate::board::link_target(&target.board, target.heap_size)?);
    let Some((image, usage)) = link(&program, &target, &link_target, options.verbose)? else {
        return Ok(false);
    };
    let (code, data) = image_sizes(&image, &link_target);
    let name = target
        .manifest
        .as_ref()
        .map_or(target.display.as_str(), |m| m.package.name.as_str());
    let from_store = usage.map_or(String::new(), |u| {
        format!(" ({} from the store, {} compiled)", u.hits, u.compiled)
    });
    println!(
        "Built {name} (dev): {} modules{from_store}, {} functions, {code} bytes of code, {data} bytes of data",
        program.modules.len(),
        image.slots.len(),
    );
    Ok(true)
}

/// Compiles and links `program` (of `target`) for `link_target`: through the store for a
/// project (then recording the entries used in the project's [`LAST_BUILD`] and registering
/// the project, for `bs gc`), directly for a single file. Prints the compile errors and
/// returns `None` when there are some.
pub fn link(
    program: &compile::Program,
    target: &project::Target,
    link_target: &LinkTarget,
    verbose: bool,
) -> miette::Result<Option<(Image, Option<Usage>)>> {
    let result = match &target.manifest {
        None => incremental::build::build(&program.db, program.entry, link_target)
            .map(|image| (image, None)),
        Some(manifest) => {
            let store = Store::open().map_err(|e| miette::miette!("{e}"))?;
            let base = KeyBase {
                board: target.board.clone(),
                profile: "dev",
            };
            let built = artifacts::build(program, link_target, &base, &store, verbose);
            if let Ok((_, usage)) = &built {
                record_build(&store, manifest.dir(), usage)?;
            }
            built.map(|(image, usage)| (image, Some(usage)))
        }
    };
    match result {
        Ok(built) => Ok(Some(built)),
        Err(BuildError::Diagnostics(diags)) => {
            report::print_diagnostics(program.name(), &diags, |f| program.text(f));
            Ok(None)
        }
        Err(BuildError::Codegen(e)) => Err(miette::miette!(
            help = "this is a compiler bug; please report it",
            "code generation failed: {e}"
        )),
        Err(BuildError::Link(e)) => Err(miette::miette!(
            help = "raise the board's memory sizes in bluescript.toml",
            "{e}"
        )),
    }
}

/// Writes the store entries a build of the project in `dir` used to its [`LAST_BUILD`], and
/// registers the project with the store.
fn record_build(store: &Store, dir: &Path, usage: &Usage) -> miette::Result<()> {
    let path = dir.join(LAST_BUILD);
    let mut text = usage.entries.join("\n");
    text.push('\n');
    std::fs::create_dir_all(dir.join("target"))
        .and_then(|()| std::fs::write(&path, text))
        .map_err(|e| miette::miette!("cannot write `{}`: {e}", path.display()))?;
    store.register(dir).map_err(|e| miette::miette!("{e}"))
}

/// The bytes of code and of data an image loads.
pub fn image_sizes(image: &Image, target: &LinkTarget) -> (usize, usize) {
    let code_base = target.memory.code_base;
    image
        .loads
        .iter()
        .fold((0, 0), |(code, data), (addr, bytes)| {
            if *addr >= code_base {
                (code + bytes.len(), data)
            } else {
                (code, data + bytes.len())
            }
        })
}
