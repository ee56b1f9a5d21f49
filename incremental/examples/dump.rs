//! `cargo run --release -p incremental --example dump -- FILE.bs [NAME…]`: prints the IR (as
//! lowered, then as every backend optimizes it) and the x86-64 disassembly (through `objdump`)
//! of every function of FILE.bs whose name contains one of the NAMEs (default: all), for
//! reading what the compiler makes of a program.

use incremental::db::{self, Compiler, FunctionName, SourceFile};
use std::io::Write;
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: dump FILE.bs [NAME…]");
        return ExitCode::FAILURE;
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cannot read `{path}`: {e}");
            return ExitCode::FAILURE;
        }
    };
    let db = Compiler::default();
    let file = SourceFile::new(&db, path.into(), text, 0);
    let diags = db::diagnostics(&db, file);
    if !diags.is_empty() {
        eprintln!("{diags:#?}");
        return ExitCode::FAILURE;
    }
    let wanted = &args[1..];
    let mut out = std::io::stdout().lock();
    for name in db::function_names(&db, file) {
        if !wanted.is_empty() && !wanted.iter().any(|w| name.contains(w.as_str())) {
            continue;
        }
        let n = FunctionName::new(&db, name.clone());
        let Some(f) = db::lower_function(&db, file, n).as_ref() else {
            continue;
        };
        let code = match db::compile_function(&db, file, n)
            .as_ref()
            .map(|c| c.as_ref())
        {
            Some(Ok(code)) => disassemble(code.bytes()),
            Some(Err(e)) => format!("code generation failed: {e}"),
            None => String::new(),
        };
        let mut optimized = ir::Function::clone(f);
        ir::opt::optimize(&mut optimized);
        // A closed pipe (`dump … | head`) ends the listing quietly.
        if writeln!(out, "==== {name}\n{f}\n== optimized\n{optimized}\n{code}").is_err() {
            break;
        }
    }
    ExitCode::SUCCESS
}

/// `code` disassembled by `objdump`, or why not.
fn disassemble(code: &[u8]) -> String {
    let bin = std::env::temp_dir().join(format!("bs-dump-{}.bin", std::process::id()));
    if let Err(e) = std::fs::write(&bin, code) {
        return format!("cannot write `{}`: {e}", bin.display());
    }
    let out = Command::new("objdump")
        .args(["-D", "-b", "binary", "-m", "i386:x86-64", "-M", "intel"])
        .arg(&bin)
        .output();
    let _ = std::fs::remove_file(&bin);
    match out {
        Ok(o) => String::from_utf8_lossy(&o.stdout)
            .lines()
            .skip_while(|l| !l.contains("<.data>"))
            .skip(1)
            .collect::<Vec<_>>()
            .join("\n"),
        Err(e) => format!("cannot run objdump: {e}"),
    }
}
