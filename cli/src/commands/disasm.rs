//! `bs disasm FILE [FUNCTION…] [--board B] [--release]`: the machine code the board would get
//! for each function (or the named ones), with the source line of each stretch of code before
//! it; with `--release`, the code of the project's release image, at its addresses.
//!
//! Xtensa code (the ESP32 boards) is listed with `backend-xtensa`'s disassembler, from the
//! function's first instruction (its literal pool comes first). Code generators only keep source
//! locations for calls, so a source line heads the instructions that lead up to and make a
//! call (or raise an error).

use crate::{compile, deps, project};
use incremental::db::{self, FunctionName};
use incremental::target::Target;
use std::fmt::Write as _;
use std::path::Path;

/// Prints the disassembly of the functions of the program at `path` named in `names` (all when
/// empty), compiled for `board` (default: the manifest's); returns whether it compiled.
pub fn run(
    path: &Path,
    names: &[String],
    board: Option<&str>,
    release: bool,
    options: deps::Options,
) -> miette::Result<bool> {
    let target = project::resolve(Some(path), release, &mut deps::Resolver::new(options))?;
    let board = board.unwrap_or(&target.board);
    let code_target = Target::for_board(board).ok_or_else(|| {
        miette::miette!(
            help = "the boards are: host, esp32-sim, esp32, esp32s3",
            "unknown board `{board}`"
        )
    })?;
    if code_target == Target::X64 {
        let help = format!(
            "list the Xtensa code instead: `bs disasm {} --board esp32-sim`",
            path.display()
        );
        return Err(miette::miette!(
            help = help,
            "disassembling x86-64 code (the `{board}` board) is not supported yet"
        ));
    }
    let target = project::Target {
        board: board.to_string(),
        ..target
    };
    let mut program = compile::Program::load(&target)?;
    program.db.set_target(code_target);
    if release {
        return release_listing(&mut program, &target, names, options.verbose);
    }
    let diags = incremental::build::check(&program.db, program.entry);
    if !diags.is_empty() {
        crate::report::print_diagnostics(program.name(), &diags, |f| program.text(f));
        return Ok(false);
    }
    let mut found = vec![false; names.len()];
    let mut out = String::new();
    for &file in &program.modules {
        for name in db::function_names(&program.db, file).iter() {
            if !names.is_empty() && !names.contains(name) {
                continue;
            }
            if let Some(i) = names.iter().position(|n| n == name) {
                found[i] = true;
            }
            let interned = FunctionName::new(&program.db, name.clone());
            let (Some(ir), Some(code)) = (
                db::located_ir(&program.db, file, interned),
                db::compile_function(&program.db, file, interned),
            ) else {
                continue;
            };
            let code = code.as_ref().map_err(|e| {
                miette::miette!(
                    help = "this is a compiler bug; please report it",
                    "code generation failed: {e}"
                )
            })?;
            let Some(xtensa) = code.as_xtensa() else {
                continue;
            };
            let sites = xtensa
                .call_sites
                .iter()
                .filter_map(|site| Some((site.return_offset, *ir.locs.get(site.loc.0 as usize)?)));
            let _ = writeln!(
                out,
                "{}: {} bytes of code, {} of literals",
                ir.name,
                xtensa.code.len() as u32 - xtensa.start,
                xtensa.start
            );
            let code = &xtensa.code[xtensa.start as usize..];
            listing(&mut out, &program, code, xtensa.start, sites);
        }
    }
    unknown_names(&target, names, &found)?;
    print!("{out}");
    Ok(true)
}

/// The error for the first of `names` not `found`, if any.
fn unknown_names(target: &project::Target, names: &[String], found: &[bool]) -> miette::Result<()> {
    match found.iter().position(|f| !f) {
        Some(i) => Err(miette::miette!(
            help = "name a top-level function, a method as `Class.method`, or `<main>`",
            "`{}` has no function `{}`",
            target.display,
            names[i]
        )),
        None => Ok(()),
    }
}

/// Builds the release image of `program` (writing it, as `bs build --release` does) and
/// prints the code of its functions named in `names` (all when empty; a name matches with or
/// without its `@module`); returns whether it compiled. Functions the image dropped or inlined
/// everywhere are not there to list.
fn release_listing(
    program: &mut compile::Program,
    target: &project::Target,
    names: &[String],
    verbose: bool,
) -> miette::Result<bool> {
    let link_target =
        target.link_target(crate::board::link_target(&target.board, target.heap_size)?);
    let Some(built) = super::build::release_image(program, target, &link_target, verbose)? else {
        return Ok(false);
    };
    let image = &built.release.image;
    let mut found = vec![false; names.len()];
    let mut out = String::new();
    for (name, addr, size) in &built.release.functions {
        let short = name.split('@').next().unwrap_or(name);
        let wanted = names.iter().position(|n| n == name || n == short);
        if !names.is_empty() && wanted.is_none() {
            continue;
        }
        if let Some(i) = wanted {
            found[i] = true;
        }
        let Some(code) = image.loads.iter().find_map(|(start, bytes)| {
            let from = addr.checked_sub(*start)? as usize;
            bytes.get(from..from + *size as usize)
        }) else {
            continue;
        };
        let _ = writeln!(out, "{name}: {size} bytes at {addr:#010x}");
        if name == incremental::release::POOL_NAME {
            literal_words(&mut out, code, *addr);
        } else {
            listing(&mut out, program, code, *addr, image.source_map.sites());
        }
    }
    unknown_names(target, names, &found)?;
    print!("{out}");
    Ok(true)
}

/// Appends the words of a release image's literal pool `bytes` (whose first byte is at `base`).
fn literal_words(out: &mut String, bytes: &[u8], base: u32) {
    for (i, word) in bytes.chunks_exact(4).enumerate() {
        let value = u32::from_le_bytes(word.try_into().expect("chunks of four bytes"));
        let _ = writeln!(out, "  {:08x}:  .word {value:#010x}", base + 4 * i as u32);
    }
    out.push('\n');
}

/// Appends the listing of the instructions of `code` (whose first byte is at `base`), each
/// stretch headed by the source line of the call that ends it (`sites`: return addresses and
/// locations, in address order).
fn listing(
    out: &mut String,
    program: &compile::Program,
    code: &[u8],
    base: u32,
    sites: impl Iterator<Item = (u32, ir::SourceLoc)>,
) {
    let text = backend_xtensa::disasm(code, base);
    // Each call site's line heads the code from the previous call site to it.
    let mut sites = sites.peekable();
    let mut last_line = None;
    let mut at_start = true;
    for line in text.lines() {
        let addr = line
            .split(':')
            .next()
            .and_then(|a| u32::from_str_radix(a.trim(), 16).ok())
            .unwrap_or(0);
        while sites.peek().is_some_and(|&(ret, _)| ret <= addr) {
            sites.next();
            at_start = true;
        }
        if at_start {
            at_start = false;
            if let Some(&(_, loc)) = sites.peek()
                && let Some(source) = source_line(program, loc)
                && last_line.as_ref() != Some(&source)
            {
                let _ = writeln!(out, "  ; {source}");
                last_line = Some(source);
            }
        }
        let native = called_native(line).map(|n| format!("  ; {n:?}"));
        let _ = writeln!(out, "  {line}{}", native.unwrap_or_default());
    }
    out.push('\n');
}

/// The native a listed `call8` calls straight at its vector entry (release code), if it does.
fn called_native(line: &str) -> Option<device::abi::Native> {
    use device::abi::esp32::{NATIVE_VECTOR, RUN_RETURN};
    let target = line.split("call8 0x").nth(1)?;
    let target = u32::from_str_radix(target.trim(), 16).ok()?;
    let id = (NATIVE_VECTOR..RUN_RETURN)
        .contains(&target)
        .then(|| (target - NATIVE_VECTOR) / 4)?;
    device::abi::Native::from_id(id)
}

/// `file:line: text` of the source location `loc`.
fn source_line(program: &compile::Program, loc: ir::SourceLoc) -> Option<String> {
    let module = program.module(loc.file)?;
    let text = module.text(&program.db);
    let (line, _) = syntax::line_col(text, loc.start);
    let source = text.lines().nth(line as usize - 1)?.trim();
    Some(format!("{}:{line}: {source}", module.path(&program.db)))
}
