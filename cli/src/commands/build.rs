//! `bs build [PATH] [--release]`: compile and link a project, reusing the compiled modules the
//! store holds and storing the others; with `--release`, write its release image. Also the
//! compile-and-link steps `bs run` shares.

use crate::artifacts::{self, KeyBase, Usage};
use crate::flash_image::{self, FlashImage};
use crate::manifest::Manifest;
use crate::store::Store;
use crate::{bsimg, compile, deps, project, report};
use incremental::build::{BuildError, ModuleArtifact};
use incremental::link::{Image, LinkTarget};
use incremental::release::{self, Release};
use incremental::target::{Calls, Target};
use std::path::{Path, PathBuf};

/// The file in the project in `dir` that lists the store entries its last build in `profile`
/// used.
pub fn last_build(dir: &Path, profile: &str) -> PathBuf {
    dir.join("target").join(format!("bs-last-build.{profile}"))
}

/// Builds the project at `path` for its board and prints what it made; `release` writes the
/// release image.
pub fn run(path: Option<&Path>, release: bool, options: deps::Options) -> miette::Result<bool> {
    let mut resolver = deps::Resolver::new(options);
    let target = project::resolve(path, release, &mut resolver)?;
    let mut program = compile::Program::load(&target)?;
    let link_target =
        target.link_target(crate::board::link_target(&target.board, target.heap_size)?);
    if release {
        let Some(built) = release_image(&mut program, &target, &link_target, options.verbose)?
        else {
            return Ok(false);
        };
        let (code, data) = image_sizes(&built.release.image, &link_target);
        if options.verbose {
            for name in &built.release.dropped {
                eprintln!("dropped (unreachable): {name}");
            }
        }
        println!(
            "Built {} (release): {}, {} bytes; {} functions ({} unreachable dropped), {code} bytes of code, {data} bytes of data",
            built.name,
            built.path.display(),
            built.bytes.len(),
            built.release.functions.len(),
            built.release.dropped.len(),
        );
        if let Some(flash) = &built.flash {
            println!(
                "Flash image: {}, {} bytes (firmware and release image; `bs flash` writes it)",
                flash.path.display(),
                flash.image.size()
            );
        }
        return Ok(true);
    }
    let Some((image, usage)) = link(&program, &target, &link_target, options.verbose)? else {
        return Ok(false);
    };
    let (code, data) = image_sizes(&image, &link_target);
    let from_store = usage.map_or(String::new(), |u| {
        format!(" ({} from the store, {} compiled)", u.hits, u.compiled)
    });
    println!(
        "Built {} (dev): {} modules{from_store}, {} functions, {code} bytes of code, {data} bytes of data",
        project_name(&target),
        program.modules.len(),
        image.slots.len(),
    );
    Ok(true)
}

/// The project's name (the entry file's path for a single file).
fn project_name(target: &project::Target) -> &str {
    target
        .manifest
        .as_ref()
        .map_or(target.display.as_str(), |m| m.package.name.as_str())
}

/// Compiles and links `program` (of `target`) for development on `link_target`. Prints the
/// compile errors and returns `None` when there are some.
pub fn link(
    program: &compile::Program,
    target: &project::Target,
    link_target: &LinkTarget,
    verbose: bool,
) -> miette::Result<Option<(Image, Option<Usage>)>> {
    let Some((artifacts, usage)) = compile_modules(program, target, "dev", verbose)? else {
        return Ok(None);
    };
    let linked =
        incremental::build::link_modules(&program.db, &program.modules, &artifacts, link_target);
    Ok(reported(program, linked)?.map(|image| (image, usage)))
}

/// A release image written to disk.
pub struct Built {
    /// The project's name.
    pub name: String,
    /// The linked program.
    pub release: Release,
    /// The image file's bytes.
    pub bytes: Vec<u8>,
    /// Where they were written: `target/release/<name>.bsimg` in the project.
    pub path: PathBuf,
    /// The flashable image, for a flashed board whose manifest names its runtime firmware.
    pub flash: Option<Flash>,
}

/// A flashable image written to disk.
pub struct Flash {
    /// What goes where in the board's flash.
    pub image: FlashImage,
    /// Where it was written as one file: `target/release/<name>.flash.bin` in the project.
    pub path: PathBuf,
}

/// Compiles (with direct calls) and links `program` (of `target`, a project) for release on
/// `link_target` and writes its image. Prints the compile errors and returns `None` when there
/// are some.
pub fn release_image(
    program: &mut compile::Program,
    target: &project::Target,
    link_target: &LinkTarget,
    verbose: bool,
) -> miette::Result<Option<Built>> {
    let Some(manifest) = &target.manifest else {
        return Err(miette::miette!(
            help = "create a project with `bs new NAME`, or run the file without `--release`",
            "release images are built from a project with a `bluescript.toml`"
        ));
    };
    let Some(code) = Target::for_board(&target.board) else {
        return Err(miette::miette!("unknown board `{}`", target.board));
    };
    program.db.set_calls(Calls::Direct);
    let Some((artifacts, _)) = compile_modules(program, target, "release", verbose)? else {
        return Ok(None);
    };
    let linked = release::link_release(&program.db, &program.modules, &artifacts, link_target);
    let Some(release) = reported(program, linked)? else {
        return Ok(None);
    };
    let db = &program.db;
    let inputs = bsimg::inputs(
        artifacts::compiler_identity().unwrap_or("unknown"),
        &target.board,
        program
            .modules
            .iter()
            .map(|m| (m.path(db).as_str(), m.text(db).as_str())),
    );
    let bytes = bsimg::encode(&release, bsimg::architecture(code), link_target, &inputs);
    let name = manifest.package.name.clone();
    let dir = manifest.dir().join("target/release");
    let path = dir.join(format!("{name}.bsimg"));
    write_file(&path, &bytes)?;
    let flash = flash_image(manifest, &target.board, &bytes)?;
    Ok(Some(Built {
        name,
        release,
        bytes,
        path,
        flash,
    }))
}

/// For a flashed board whose manifest names the runtime firmware: makes the flashable image of
/// the firmware and the release image `bsimg`, and writes it with its partition table to
/// `target/release`.
fn flash_image(manifest: &Manifest, board: &str, bsimg: &[u8]) -> miette::Result<Option<Flash>> {
    let (Some(chip), Some(firmware)) = (flash_image::chip(board), manifest.firmware()?) else {
        return Ok(None);
    };
    let elf = std::fs::read(&firmware)
        .map_err(|e| miette::miette!("cannot read `{}`: {e}", firmware.display()))?;
    let dir = manifest.dir().join("target/release");
    let partitions = dir.join("partitions.csv");
    write_file(&partitions, flash_image::partition_table().as_bytes())?;
    let image = FlashImage::new(chip, &elf, &partitions, bsimg).map_err(|e| {
        miette::miette!(
            help = "`board.firmware` must be the runtime firmware's ELF for this chip",
            "cannot make a flashable image of `{}`: {e}",
            firmware.display()
        )
    })?;
    let path = dir.join(format!("{}.flash.bin", manifest.package.name));
    write_file(&path, &image.merged())?;
    Ok(Some(Flash { image, path }))
}

/// Writes `bytes` to `path` (creating its directory) through a temporary file, so that a
/// reader never sees half a file.
fn write_file(path: &Path, bytes: &[u8]) -> miette::Result<()> {
    let temp = path.with_file_name(format!(
        ".{}.tmp",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
        .and_then(|()| std::fs::write(&temp, bytes))
        .and_then(|()| std::fs::rename(&temp, path))
        .map_err(|e| miette::miette!("cannot write `{}`: {e}", path.display()))
}

/// The compiled modules of `program` in `profile`: through the store for a project (then
/// recording the entries used in the project's [`last_build`] file and registering the
/// project, for `bs gc`), directly for a single file. Prints the compile errors and returns `None`
/// when there are some.
pub fn compile_modules(
    program: &compile::Program,
    target: &project::Target,
    profile: &'static str,
    verbose: bool,
) -> miette::Result<Option<(Vec<ModuleArtifact>, Option<Usage>)>> {
    let compiled = match &target.manifest {
        None => match incremental::build::check(&program.db, program.entry) {
            diags if !diags.is_empty() => Err(BuildError::Diagnostics(diags)),
            _ => program
                .modules
                .iter()
                .map(|&file| incremental::build::compile_module(&program.db, file))
                .collect::<Result<Vec<_>, _>>()
                .map(|artifacts| (artifacts, None)),
        },
        Some(manifest) => {
            let store = Store::open().map_err(|e| miette::miette!("{e}"))?;
            let base = KeyBase {
                board: target.board.clone(),
                profile,
            };
            let built = artifacts::compile(program, &base, &store, verbose);
            if let Ok((_, usage)) = &built {
                record_build(&store, manifest.dir(), profile, usage)?;
            }
            built.map(|(artifacts, usage)| (artifacts, Some(usage)))
        }
    };
    reported(program, compiled)
}

/// `result`, with compile errors printed (then `None`) and other build errors as reports.
pub fn reported<T>(
    program: &compile::Program,
    result: Result<T, BuildError>,
) -> miette::Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
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
        Err(BuildError::Unpatchable(e)) => {
            Err(miette::miette!(help = "restart the session", "{e}"))
        }
    }
}

/// Writes the store entries a build of the project in `dir` in `profile` used to its
/// [`last_build`] file, and registers the project with the store.
fn record_build(store: &Store, dir: &Path, profile: &str, usage: &Usage) -> miette::Result<()> {
    let path = last_build(dir, profile);
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
