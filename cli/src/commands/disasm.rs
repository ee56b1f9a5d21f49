//! `bs disasm FILE [FUNCTION…] [--board B]`: the machine code the board would get for each
//! function (or the named ones), with the source line of each stretch of code before it.
//!
//! Xtensa code (the ESP32 boards) is listed with `backend-xtensa`'s disassembler, from the
//! function's first instruction (its literal pool comes first). Code generators only keep source
//! locations for calls, so a source line heads the instructions that lead up to and make a
//! call (or raise an error).

use crate::{compile, deps, project};
use incremental::db::{self, FunctionName};
use incremental::target::{Code, Target};
use std::fmt::Write as _;
use std::path::Path;

/// Prints the disassembly of the functions of the program at `path` named in `names` (all when
/// empty), compiled for `board` (default: the manifest's); returns whether it compiled.
pub fn run(
    path: &Path,
    names: &[String],
    board: Option<&str>,
    options: deps::Options,
) -> miette::Result<bool> {
    let target = project::resolve(Some(path), false, &mut deps::Resolver::new(options))?;
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
    let mut program = compile::Program::load(&target)?;
    program.db.set_target(code_target);
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
            listing(&mut out, &program, ir, code);
        }
    }
    if let Some(i) = found.iter().position(|f| !f) {
        return Err(miette::miette!(
            help = "name a top-level function, a method as `Class.method`, or `<main>`",
            "`{}` has no function `{}`",
            target.display,
            names[i]
        ));
    }
    print!("{out}");
    Ok(true)
}

/// Appends the listing of one function: a header, then its instructions, each stretch headed
/// by the source line of the call that ends it.
fn listing(out: &mut String, program: &compile::Program, ir: &ir::Function, code: &Code) {
    let Some(xtensa) = code.as_xtensa() else {
        return;
    };
    let _ = writeln!(
        out,
        "{}: {} bytes of code, {} of literals",
        ir.name,
        xtensa.code.len() as u32 - xtensa.start,
        xtensa.start
    );
    let text = backend_xtensa::disasm(&xtensa.code[xtensa.start as usize..], xtensa.start);
    // Each call site's line heads the code from the previous call site to it.
    let mut sites = xtensa.call_sites.iter().peekable();
    let mut last_line = None;
    let mut at_start = true;
    for line in text.lines() {
        let addr = line
            .split(':')
            .next()
            .and_then(|a| u32::from_str_radix(a.trim(), 16).ok())
            .unwrap_or(0);
        while sites.peek().is_some_and(|s| s.return_offset <= addr) {
            sites.next();
            at_start = true;
        }
        if at_start {
            at_start = false;
            if let Some(site) = sites.peek()
                && let Some(source) = source_line(program, ir, site.loc)
                && last_line.as_ref() != Some(&source)
            {
                let _ = writeln!(out, "  ; {source}");
                last_line = Some(source);
            }
        }
        let _ = writeln!(out, "  {line}");
    }
    out.push('\n');
}

/// `file:line: text` of the source location `loc` of `ir`.
fn source_line(program: &compile::Program, ir: &ir::Function, loc: ir::LocId) -> Option<String> {
    let loc = ir.locs.get(loc.0 as usize)?;
    let module = program.module(loc.file)?;
    let text = module.text(&program.db);
    let (line, _) = syntax::line_col(text, loc.start);
    let source = text.lines().nth(line as usize - 1)?.trim();
    Some(format!("{}:{line}: {source}", module.path(&program.db)))
}
