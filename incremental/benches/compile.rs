//! `cargo bench -p incremental --bench compile`, in process, on generated projects
//! (`testsuite::generate`):
//! - cold build time (parse, check, lower, generate x86-64 code in parallel with rayon, link)
//!   of 1,000, 2,000 and 20,000 lines;
//! - a one-function edit at 2,000 and 20,000 lines: the time from setting the edited text to
//!   the planned patch against the shadow machine (what `bs watch` does per save, without the
//!   file system and the device).

use device::memory::MemoryMap;
use incremental::build;
use incremental::db::{Compiler, SourceFile};
use incremental::link::LinkTarget;
use incremental::modules::{self, InMemory, Module};
use incremental::shadow::Shadow;
use salsa::{Durability, Setter};
use std::time::Instant;

/// The allocator `bs` uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TARGET: LinkTarget = LinkTarget {
    memory: MemoryMap::host(4 << 20),
    slots: 4096,
};

/// Loads a generated project of about `lines` lines into a fresh database; returns it, its
/// entry file and its line count.
fn load(lines: usize) -> (Compiler, SourceFile, usize) {
    let files = testsuite::generate::project(lines, None);
    let total = files.iter().map(|(_, t)| t.lines().count()).sum();
    let mut db = Compiler::default();
    let entry = Module {
        identity: files[0].0.clone(),
        path: files[0].0.clone(),
        text: files[0].1.clone(),
    };
    let entry = modules::load(&mut db, entry, &mut InMemory(files));
    (db, entry, total)
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn cold_build(lines: usize, runs: usize) {
    let mut times = Vec::new();
    let mut total = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let (db, entry, count) = load(lines);
        let image = build::build(&db, entry, &TARGET).expect("the generated project compiles");
        times.push(start.elapsed().as_secs_f64() * 1e3);
        assert!(image.code_bytes > 0);
        total = count;
    }
    let best = times.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "cold build of a generated {total}-line project: median {:.1} ms, best {best:.1} ms",
        median(times)
    );
}

/// Edits one function of module `m0.bs` again and again (each edit changes its length the
/// first time, then keeps it), as `bs watch` would: the edited file volatile, the rest settled,
/// the patch planned by the query over the device input, which each patch then updates.
fn one_function_edit(lines: usize, edits: usize) {
    let (mut db, entry, total) = load(lines);
    let order = modules::init_order(&db, entry);
    modules::settle(&mut db, &order);
    db.set_device(Shadow::new(TARGET));
    let loaded = build::plan(&db, entry)
        .expect("the project compiles")
        .after
        .clone();
    db.set_device(loaded);
    let m0 = *order
        .iter()
        .find(|m| m.path(&db) == "m0.bs")
        .expect("m0.bs");
    let original = testsuite::generate::module(0);
    let mut times = Vec::new();
    for edit in 1..=edits {
        let edited = original.replace(
            &testsuite::generate::function(7, 7),
            &testsuite::generate::function(7, 1000 + edit),
        );
        let start = Instant::now();
        m0.set_text(&mut db)
            .with_durability(Durability::LOW)
            .to(edited);
        let patch = build::plan(&db, entry).expect("the edit compiles");
        times.push(start.elapsed().as_secs_f64() * 1e3);
        assert_eq!(patch.image.slots.len(), 1);
        let acknowledged = patch.after.clone();
        db.set_device(acknowledged);
    }
    println!(
        "one-function edit in a generated {total}-line project, to the planned patch: median {:.2} ms",
        median(times)
    );
}

fn main() {
    for (lines, runs) in [(1_000, 15), (2_000, 9), (20_000, 5)] {
        cold_build(lines, runs);
    }
    for lines in [2_000, 20_000] {
        one_function_edit(lines, 21);
    }
}
