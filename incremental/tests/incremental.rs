//! The compiler reuses query results across edits: checked by counting executed queries in
//! salsa's event log, not by timing.

use backend_x64::MachineCode;
use incremental::build;
use incremental::db::{self, Compiler, FunctionName, SourceFile};
use incremental::modules::{self, InMemory, Module};
use salsa::Setter;
use std::collections::BTreeMap;
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

/// Salsa's log names a query by an id of its arguments, given out in the order of first use:
/// compiles each function of `file` on its own, in order, first thing in the database, and
/// returns which function every logged query execution belongs to.
fn compile_each(db: &Compiler, file: SourceFile) -> BTreeMap<String, String> {
    let names = {
        let fresh = Compiler::default();
        let copy = SourceFile::new(&fresh, file.path(db).clone(), file.text(db).clone(), 0);
        db::function_names(&fresh, copy).clone()
    };
    db.start_logging();
    let mut owner = BTreeMap::new();
    for name in names {
        let n = FunctionName::new(db, name.clone());
        assert!(
            db::compile_function(db, file, n)
                .as_ref()
                .is_some_and(|c| c.is_ok())
        );
        owner.extend(db.take_log().into_iter().map(|e| (e, name.clone())));
    }
    compile_all(db, file);
    owner
}

/// The functions for which `query` ran, according to `log`, sorted.
fn ran_for(owner: &BTreeMap<String, String>, log: &[String], query: &str) -> Vec<String> {
    let mut names: Vec<String> = log
        .iter()
        .filter(|e| e.starts_with(&format!("{query}(")))
        .map(|e| owner.get(e).cloned().unwrap_or_else(|| e.clone()))
        .collect();
    names.sort();
    names
}

#[test]
fn a_longer_body_regenerates_the_code_of_that_function_only() {
    let mut db = Compiler::default();
    let file = SourceFile::new(&db, "main.bs".into(), PROGRAM.into(), 0);
    let owner = compile_each(&db, file);
    let before_main = code(&db, file, "<main>");
    db.start_logging();
    // Longer text in `a` moves `b` and `<main>`, whose positions are their own: code
    // generation runs for `a` alone.
    file.set_text(&mut db)
        .to(PROGRAM.replace("x + 1", "x + 1000 + 1"));
    compile_all(&db, file);
    let log = db.take_log();
    assert_eq!(ran_for(&owner, &log, "compile_function"), ["a"], "{log:#?}");
    assert!(Arc::ptr_eq(&before_main, &code(&db, file, "<main>")));
}

#[test]
fn a_comment_or_whitespace_edit_regenerates_no_code_and_moves_error_locations() {
    let mut db = Compiler::default();
    let file = SourceFile::new(&db, "main.bs".into(), PROGRAM.into(), 0);
    compile_all(&db, file);
    let main_loc = |db: &Compiler| {
        let main = FunctionName::new(db, "<main>".to_string());
        let f = db::located_ir(db, file, main).clone().unwrap();
        f.locs.iter().map(|l| l.start).max().unwrap()
    };
    let loc_before = main_loc(&db);
    db.start_logging();
    let prefix = "// a comment\n\n   ";
    file.set_text(&mut db).to(format!(
        "{prefix}{}",
        PROGRAM.replace("{ return", "{   return")
    ));
    compile_all(&db, file);
    let log = db.take_log();
    assert_eq!(count(&log, "compile_function"), 0, "{log:#?}");
    // What run-time errors report comes from the lowered IR, which moved with the text.
    let loc_after = main_loc(&db);
    let moved = prefix.len() + 2 * PROGRAM.matches("{ return").count();
    assert_eq!(loc_after, loc_before + moved as u32);
}

const LATER: &str = "let g = 2\n\
function a(x: integer): integer { return x + 1 }\n\
function b(x: integer): integer { return a(x) * g }\n\
function c(x: integer): integer { return b(x) - 1 }\n";

#[test]
fn a_longer_body_rechecks_and_relowers_no_later_function() {
    let mut db = Compiler::default();
    let file = SourceFile::new(&db, "main.bs".into(), LATER.into(), 0);
    let owner = compile_each(&db, file);
    let located = |db: &Compiler, name: &str| {
        let n = FunctionName::new(db, name.to_string());
        let f = db::located_ir(db, file, n).clone().expect("lowered");
        f.locs
            .iter()
            .map(|l| l.start)
            .max()
            .expect("b has locations")
    };
    let b_before = located(&db, "b");
    db.start_logging();
    let longer = LATER.replace("x + 1", "x + 1000 + 1");
    file.set_text(&mut db).to(longer.clone());
    compile_all(&db, file);
    let log = db.take_log();
    // `b` and `c` moved: positions inside a function are relative to its start, so only `a`
    // is checked, lowered and compiled again.
    for query in ["check_function", "lower_function", "compile_function"] {
        assert_eq!(ran_for(&owner, &log, query), ["a"], "{query}: {log:#?}");
    }
    // The call sites of `b` (what run-time errors report) moved with the text.
    assert_eq!(located(&db, "b"), b_before + "1000 + ".len() as u32);
    // So do diagnostics in a function that moved.
    file.set_text(&mut db)
        .to(longer.replace("b(x) - 1", "b(x) - true"));
    let errors = db::diagnostics(&db, file).clone();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let at = longer.find("b(x) - 1").expect("c's body") as u32;
    assert!(
        errors[0].span.start >= at && errors[0].span.end <= at + "b(x) - true".len() as u32,
        "{errors:#?}"
    );
}

const CLASS_BELOW: &str = "function a(x: integer): integer { return x + 1 }\n\
class C { n: integer; constructor() { this.n = 1 } get(): integer { return this.n } }\n\
function b(c: C): integer { return c.get() + a(1) }\n\
print(b(new C()))\n";

#[test]
fn a_class_that_moved_and_the_top_level_code_below_are_not_checked_again() {
    let mut db = Compiler::default();
    let file = SourceFile::new(&db, "main.bs".into(), CLASS_BELOW.into(), 0);
    let owner = compile_each(&db, file);
    let main_calls = |db: &Compiler| {
        let main = FunctionName::new(db, "<main>".to_string());
        let f = db::located_ir(db, file, main).clone().expect("lowered");
        f.locs
            .iter()
            .map(|l| l.start)
            .max()
            .expect("<main> has locations")
    };
    let main_before = main_calls(&db);
    db.start_logging();
    let longer = CLASS_BELOW.replace("x + 1", "x + 1000 + 1");
    file.set_text(&mut db).to(longer.clone());
    compile_all(&db, file);
    let log = db.take_log();
    // The constructor, the methods and the top-level statements have positions of their own:
    // only `a`, whose body changed, is checked, lowered and compiled again.
    for query in ["check_function", "lower_function", "compile_function"] {
        assert_eq!(ran_for(&owner, &log, query), ["a"], "{query}: {log:#?}");
    }
    // The top-level code's locations (what its run-time errors report) moved with the text.
    assert_eq!(main_calls(&db), main_before + "1000 + ".len() as u32);
    // So do the constructor's diagnostics.
    file.set_text(&mut db)
        .to(longer.replace("this.n = 1", "this.n = true"));
    let errors = db::diagnostics(&db, file).clone();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let at = longer.find("this.n = 1").expect("the constructor") as u32;
    assert!(
        errors[0].span.start >= at && errors[0].span.end <= at + "this.n = true".len() as u32,
        "{errors:#?}"
    );
}

const CALLERS: &str = "function a(x: integer): integer { return x + 1 }\n\
function b(x: integer): integer { return a(x) * 2 }\n\
function c(x: integer): integer { return x * 3 }\n\
let g = 4\n\
print(b(3) + c(g))\n";

#[test]
fn a_changed_signature_rechecks_exactly_its_callers() {
    let mut db = Compiler::default();
    let file = SourceFile::new(&db, "main.bs".into(), CALLERS.into(), 0);
    let owner = compile_each(&db, file);
    db.start_logging();
    let edited = CALLERS.replace(
        "(x: integer): integer { return x + 1 }",
        "(x: float): integer { return 1 }",
    );
    file.set_text(&mut db).to(edited.clone());
    compile_all(&db, file);
    let log = db.take_log();
    // `a` itself and its one caller `b`; not `c`, and not `<main>`, which calls `b` only.
    assert_eq!(
        ran_for(&owner, &log, "check_function"),
        ["a", "b"],
        "{log:#?}"
    );
    // A global's type: only the top-level code, which declares and reads it.
    file.set_text(&mut db)
        .to(edited.replace("let g = 4", "let g: any = 4"));
    compile_all(&db, file);
    let log = db.take_log();
    assert_eq!(
        ran_for(&owner, &log, "check_function"),
        ["<main>"],
        "{log:#?}"
    );
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
    let main = modules::load(
        &mut db,
        entry,
        &mut InMemory(vec![("util.bs".into(), UTIL.into())]),
    );
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
