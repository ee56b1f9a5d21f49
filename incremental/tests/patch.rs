//! The patch planner: linking a program against the shadow machine loads only what the device
//! does not hold yet, keeps every slot and data address, and refuses what cannot be patched.

use device::memory::MemoryMap;
use incremental::build::{self, BuildError};
use incremental::db::{Compiler, SourceFile};
use incremental::link::{Image, LinkTarget};
use incremental::shadow::Shadow;
use salsa::Setter;

const PROGRAM: &str = "let count = 0\n\
function tick(): integer { count += 1; return count }\n\
function label(n: integer): string { return \"n=\" + n }\n\
print(label(tick()))\n";

fn target() -> LinkTarget {
    LinkTarget {
        memory: MemoryMap::host(1 << 16),
        slots: 4096,
    }
}

fn plan(db: &Compiler, file: SourceFile, shadow: &Shadow) -> (Image, Shadow) {
    build::build_onto(db, file, shadow).expect("builds")
}

#[test]
fn the_same_program_again_loads_nothing() {
    let db = Compiler::default();
    let file = SourceFile::new(&db, "main.bs".into(), PROGRAM.into(), 0);
    let (first, shadow) = plan(&db, file, &Shadow::new(target()));
    assert!(!first.slots.is_empty() && first.code_bytes > 0);
    let (again, after) = plan(&db, file, &shadow);
    assert!(again.loads.is_empty(), "{:?}", again.loads);
    assert!(again.slots.is_empty() && again.roots.is_empty());
    assert_eq!(again.entry, first.entry);
    assert_eq!(after, shadow);
}

#[test]
fn an_edited_body_loads_that_function_into_its_old_slot() {
    let mut db = Compiler::default();
    let file = SourceFile::new(&db, "main.bs".into(), PROGRAM.into(), 0);
    let (_, shadow) = plan(&db, file, &Shadow::new(target()));
    let before = shadow.loaded("label@main.bs").unwrap().clone();
    file.set_text(&mut db)
        .to(PROGRAM.replace("\"n=\" + n", "\"count \" + n"));
    let (patch, after) = plan(&db, file, &shadow);
    let now = after.loaded("label@main.bs").unwrap();
    // One function (the new string constant is data); the slot is the same, the code new.
    assert_eq!(patch.slots, [(patch.slots[0].0, now.addr)]);
    assert_ne!(now.addr, before.addr);
    assert_eq!(patch.loads.len(), 2, "a string and the code");
    assert_eq!(patch.code_bytes, now.size);
    assert!(patch.roots.is_empty(), "no new global");
    assert_eq!(
        after.loaded("tick@main.bs"),
        shadow.loaded("tick@main.bs"),
        "untouched functions stay where they are"
    );
}

#[test]
fn a_changed_global_type_or_class_layout_cannot_be_patched() {
    let mut db = Compiler::default();
    let src = "class P { x: integer; constructor() { this.x = 1 } }\nlet p = new P()\nlet g = 1\nprint(p.x + g)\n";
    let file = SourceFile::new(&db, "main.bs".into(), src.into(), 0);
    let (_, shadow) = plan(&db, file, &Shadow::new(target()));
    file.set_text(&mut db)
        .to(src.replace("let g = 1", "let g = 1.5"));
    let Err(BuildError::Unpatchable(reason)) = build::build_onto(&db, file, &shadow) else {
        panic!("a global's type changed")
    };
    assert!(reason.contains("global `g`"), "{reason}");
    file.set_text(&mut db).to(src.replace(
        "x: integer; constructor() { this.x = 1 }",
        "x: integer; y: integer; constructor() { this.x = 1; this.y = 2 }",
    ));
    let Err(BuildError::Unpatchable(reason)) = build::build_onto(&db, file, &shadow) else {
        panic!("a class layout changed")
    };
    assert!(reason.contains("class `P`"), "{reason}");
}

#[test]
fn a_later_program_of_a_session_links_against_the_earlier_one() {
    let db = Compiler::default();
    let first = SourceFile::new(&db, "a.bs".into(), PROGRAM.into(), 0);
    let (_, shadow) = plan(&db, first, &Shadow::new(target()));
    let second = SourceFile::builder(
        "b.bs".into(),
        "function label(n: integer): string { return \"#\" + n }\nprint(label(count))\n".into(),
        1,
    )
    .prelude(shadow.names().clone())
    .new(&db);
    let (patch, after) = plan(&db, second, &shadow);
    // `label` takes over the old slot; `count` is the old global (no new root range).
    assert_eq!(
        after.loaded("label@b.bs").map(|l| l.addr),
        after.loaded("label@a.bs").map(|l| l.addr)
    );
    assert!(patch.roots.is_empty());
    // The one new slot is `b.bs`'s top-level code.
    assert_eq!(
        after.memory_use().slots_used,
        shadow.memory_use().slots_used + 1
    );
}

#[test]
fn the_patch_is_a_query_over_the_device_input_which_changes_on_acknowledgement() {
    let mut db = Compiler::default();
    let file = SourceFile::new(&db, "main.bs".into(), PROGRAM.into(), 0);
    db.set_device(Shadow::new(target()));
    let first = build::plan(&db, file).expect("builds").clone();
    assert!(!first.image.slots.is_empty());
    db.start_logging();
    // Nothing changed: the planned patch is the query's memo.
    let again = build::plan(&db, file).expect("builds");
    assert_eq!(again.image, first.image);
    let log = db.take_log();
    assert!(!log.iter().any(|q| q.starts_with("patch(")), "{log:#?}");
    // An edit before the device acknowledged: still planned against the empty device.
    file.set_text(&mut db)
        .to(PROGRAM.replace("\"n=\" + n", "\"count \" + n"));
    let unacknowledged = build::plan(&db, file).expect("builds").clone();
    assert_eq!(unacknowledged.image.slots.len(), first.image.slots.len());
    // The device acknowledged it: the input changes, and the next edit is one function.
    db.set_device(unacknowledged.after.clone());
    assert_eq!(db.device(), Some(&unacknowledged.after));
    let nothing = build::plan(&db, file).expect("builds");
    assert!(nothing.image.loads.is_empty() && nothing.image.slots.is_empty());
    file.set_text(&mut db)
        .to(PROGRAM.replace("\"n=\" + n", "\"number \" + n"));
    let edit = build::plan(&db, file).expect("builds");
    assert_eq!(edit.image.slots.len(), 1, "{:?}", edit.image.slots);
    let log = db.take_log();
    assert_eq!(
        log.iter().filter(|q| q.starts_with("patch(")).count(),
        3,
        "{log:#?}"
    );
}

#[test]
fn planning_without_a_device_is_an_error_not_a_panic() {
    let db = Compiler::default();
    let file = SourceFile::new(&db, "main.bs".into(), PROGRAM.into(), 0);
    assert!(matches!(
        build::plan(&db, file),
        Err(BuildError::Codegen(message)) if message.contains("set_device")
    ));
}

#[test]
fn a_later_program_infers_results_from_the_earlier_ones_globals() {
    let db = Compiler::default();
    let first = SourceFile::new(&db, "a.bs".into(), "let x = 1\n".into(), 0);
    let (_, shadow) = plan(&db, first, &Shadow::new(target()));
    let second = SourceFile::builder(
        "b.bs".into(),
        "function f(a: integer) { return a + x }\nprint(f(2))\n".into(),
        1,
    )
    .prelude(shadow.names().clone())
    .new(&db);
    let sigs = incremental::db::signatures(&db, second);
    assert_eq!(
        format!("{:?}", sigs.functions.get("f@b.bs").map(|s| &s.ret)),
        "Some(Integer)"
    );
    plan(&db, second, &shadow);
}
