//! The compiler reuses query results across edits: checked by counting executed queries in
//! salsa's event log, not by timing.

use backend_x64::MachineCode;
use incremental::build;
use incremental::db::{self, Compiler, FunctionName, SourceFile};
use incremental::modules::{self, Loader, Module};
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
        .as_x64()
        .expect("host code")
        .clone()
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

/// Modules held in memory, by path (`./name` names `name.bs`).
struct Memory(Vec<(&'static str, String)>);

impl Loader for Memory {
    fn load(&mut self, _importer: &str, specifier: &str) -> Result<Module, String> {
        let path = format!("{}.bs", specifier.trim_start_matches("./"));
        let (_, text) = self
            .0
            .iter()
            .find(|(p, _)| *p == path)
            .ok_or_else(|| format!("no module `{path}`"))?;
        Ok(Module {
            identity: path.clone(),
            path,
            text: text.clone(),
        })
    }
}

const UTIL: &str = "function helper(x: integer): integer { return x + 1 }\n\
export function f(x: integer): integer { return helper(x) }\n";

const MAIN: &str = "import { f } from './util'\n\
function g(): integer { return f(1) }\n\
print(g())\n";

#[test]
fn editing_a_module_rechecks_its_importers_only_when_its_interface_changes() {
    let mut db = Compiler::default();
    let entry = Module {
        identity: "main.bs".into(),
        path: "main.bs".into(),
        text: MAIN.into(),
    };
    let main = modules::load(&mut db, entry, &mut Memory(vec![("util.bs", UTIL.into())]));
    let order = modules::init_order(&db, main);
    assert_eq!(order.len(), 2);
    let util = order[0];
    compile_all(&db, util);
    compile_all(&db, main);
    db.start_logging();
    // A private body: only `helper` is checked again; `util.bs`'s interface is recomputed but
    // equal, so nothing of `main.bs` runs again, not even its signatures.
    util.set_text(&mut db).to(UTIL.replace("x + 1", "x + 2"));
    compile_all(&db, util);
    compile_all(&db, main);
    let log = db.take_log();
    assert_eq!(count(&log, "check_function"), 1, "{log:#?}");
    assert_eq!(count(&log, "signatures"), 1, "{log:#?}");
    // An exported signature: `main.bs` is checked again and sees the change.
    util.set_text(&mut db)
        .to(UTIL.replace("f(x: integer)", "f(x: integer, y: integer)"));
    let errors = build::check(&db, main);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].file, "main.bs");
    assert!(
        errors[0].message.contains("takes 2 arguments"),
        "{errors:#?}"
    );
}
