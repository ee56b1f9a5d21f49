//! `cargo bench -p incremental --bench compile`: cold compile time (parse, check, lower,
//! generate x86-64 code, link) of a generated 1,000-line program, in process.

use device::memory::MemoryMap;
use incremental::build;
use incremental::db::{Compiler, SourceFile};
use incremental::link::LinkTarget;
use std::time::Instant;

/// A program of `functions` functions of about ten lines each, plus top-level code calling them.
fn generate(functions: usize) -> String {
    let mut s = String::new();
    for i in 0..functions {
        s.push_str(&format!(
            "function f{i}(n: integer, xs: integer[]): integer {{\n\
             \x20   let total = {i}\n\
             \x20   for (let k = 0; k < n; k++) {{\n\
             \x20       if (k % 3 == 0) total += xs[k % xs.length] * 2\n\
             \x20       else total -= k >> 1\n\
             \x20   }}\n\
             \x20   let label = \"f{i}:\" + total\n\
             \x20   if (label.length > 100) return -1\n\
             \x20   return total + (n as float * 1.5) as integer\n\
             }}\n"
        ));
    }
    s.push_str("let xs = [1, 2, 3, 4]\nlet sum = 0\n");
    for i in 0..functions {
        s.push_str(&format!("sum += f{i}({i}, xs)\n"));
    }
    s.push_str("print(sum)\n");
    s
}

fn main() {
    let target = LinkTarget {
        memory: MemoryMap::host(4 << 20),
        slots: 4096,
    };
    let text = generate(98);
    let lines = text.lines().count();
    let mut times = Vec::new();
    for _ in 0..15 {
        let start = Instant::now();
        let db = Compiler::default();
        let file = SourceFile::new(&db, "gen.bs".into(), text.clone(), 0);
        let image = build::build(&db, file, &target).expect("the generated program compiles");
        times.push(start.elapsed().as_secs_f64() * 1e3);
        assert!(image.loads.iter().map(|(_, b)| b.len()).sum::<usize>() > 0);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "cold compile of a generated {lines}-line program: median {:.2} ms, best {:.2} ms",
        times[times.len() / 2],
        times[0]
    );
}
