//! `cargo bench -p incremental --bench compile`: cold build time (parse, check, lower, generate
//! x86-64 code in parallel with rayon, link) of generated projects of 1,000, 2,000 and 20,000
//! lines (`testsuite::generate`), in process.

use device::memory::MemoryMap;
use incremental::build;
use incremental::db::Compiler;
use incremental::link::LinkTarget;
use incremental::modules::{self, InMemory, Module};
use std::time::Instant;

fn main() {
    let target = LinkTarget {
        memory: MemoryMap::host(4 << 20),
        slots: 4096,
    };
    for (lines, runs) in [(1_000, 15), (2_000, 9), (20_000, 5)] {
        let files = testsuite::generate::project(lines, None);
        let total: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
        let mut times = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            let mut db = Compiler::default();
            let entry = Module {
                identity: files[0].0.clone(),
                path: files[0].0.clone(),
                text: files[0].1.clone(),
            };
            let entry = modules::load(&mut db, entry, &mut InMemory(files.clone()));
            let image = build::build(&db, entry, &target).expect("the generated project compiles");
            times.push(start.elapsed().as_secs_f64() * 1e3);
            assert!(image.code_bytes > 0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "cold build of a generated {total}-line project ({} files): median {:.1} ms, best {:.1} ms",
            files.len(),
            times[times.len() / 2],
            times[0]
        );
    }
}
