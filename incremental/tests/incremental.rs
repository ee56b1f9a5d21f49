//! The compiler reuses query results across edits: checked by counting executed queries in
//! salsa's event log, not by timing.

use backend_x64::MachineCode;
use incremental::db::{self, Compiler, FunctionName, SourceFile};
use salsa::Setter;
use std::sync::Arc;

const PROGRAM: &str = "function a(x: integer): integer { return x + 1 }\n\
function b(x: integer): integer { return a(x) * 2 }\n\
print(b(3))\n";

/// Compiles every function of `file`.
fn compile_all(db: &Compiler, file: SourceFile) {
    assert!(db::diagnostics(db, file).is_empty());
    for name in db::function_names(db, file) {
        let n = FunctionName::new(db, name.clone());
        assert!(
            db::compile_function(db, file, n)
                .as_ref()
                .is_some_and(|c| c.is_ok())
        );
    }
}

/// How many executions of `query` the log holds.
fn count(log: &[String], query: &str) -> usize {
    log.iter()
        .filter(|e| e.starts_with(&format!("{query}(")))
        .count()
}

/// The machine code of function `name`, shared with the database.
fn code(db: &Compiler, file: SourceFile, name: &str) -> Arc<MachineCode> {
    let n = FunctionName::new(db, name.to_string());
    db::compile_function(db, file, n)
        .clone()
        .expect("compiled")
        .expect("no codegen error")
}

#[test]
fn editing_one_body_recompiles_only_that_function() {
    let mut db = Compiler::default();
    let file = SourceFile::new(&db, "main.bs".into(), PROGRAM.into(), 0);
    compile_all(&db, file);
    let (before_a, before_b, before_main) = (
        code(&db, file, "a"),
        code(&db, file, "b"),
        code(&db, file, "<main>"),
    );
    db.start_logging();
    // Change the body of the last function (`<main>` keeps its text and position).
    let edited = PROGRAM.replace("a(x) * 2", "a(x) * 3");
    file.set_text(&mut db).to(edited);
    compile_all(&db, file);
    let log = db.take_log();
    for query in ["check_function", "lower_function", "compile_function"] {
        assert_eq!(count(&log, query), 1, "{query}: {log:#?}");
    }
    // The one function recompiled is `b`: `a` and `<main>` still share their old code.
    assert!(Arc::ptr_eq(&before_a, &code(&db, file, "a")));
    assert!(Arc::ptr_eq(&before_main, &code(&db, file, "<main>")));
    assert!(!Arc::ptr_eq(&before_b, &code(&db, file, "b")));
}

#[test]
fn an_unchanged_text_reruns_nothing() {
    let mut db = Compiler::default();
    let file = SourceFile::new(&db, "main.bs".into(), PROGRAM.into(), 0);
    compile_all(&db, file);
    db.start_logging();
    file.set_text(&mut db).to(PROGRAM.into());
    compile_all(&db, file);
    let log = db.take_log();
    assert_eq!(count(&log, "check_function"), 0, "{log:#?}");
    assert_eq!(count(&log, "compile_function"), 0, "{log:#?}");
}
