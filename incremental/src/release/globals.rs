//! Globals as locals, for release images: a release image is the whole program, so the linker
//! knows which code names each global. A global of a number or boolean that only a function
//! that runs once names (`<start>`, or a module's `<main>`: the top-level code and the globals
//! it alone uses, such as a loop counter or a benchmark's result) needs no cell:
//! [`ir::promote`] makes it a var of that function, which is then compiled again. Globals that
//! hold objects keep their cells, so that what the program leaves behind stays reachable as in
//! development (`--heap-stats` counts it). Development builds keep every cell: a later REPL
//! cell or an edited function may name the global.
//!
//! A global holding objects that the program assigns once, where the code that runs once
//! assigns it outside loops (`const bench = new Sieve()`), keeps what it was assigned alive for
//! good: each function that loads it is marked so ([`ir::Function::globals_set_once`]) and
//! needs no GC root for what it loads from it.

use crate::build::START;
use crate::db::MAIN;
use crate::link::LinkInput;
use ir::{DataSymbol, Function};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Makes every untraced global that one function of `inputs` that runs once alone names a var
/// of that function (its IR only: the caller compiles what changed).
pub fn promote_run_once_globals(inputs: &mut [LinkInput]) {
    let mut named_by: BTreeMap<&DataSymbol, Vec<usize>> = BTreeMap::new();
    for (i, f) in inputs.iter().enumerate() {
        for sym in &f.ir.symbols {
            if matches!(sym, DataSymbol::Global { traced: false, .. }) {
                named_by.entry(sym).or_default().push(i);
            }
        }
    }
    let mut promote: BTreeMap<usize, Vec<DataSymbol>> = BTreeMap::new();
    for (sym, users) in named_by {
        if let [only] = users[..]
            && runs_once(&inputs[only].name)
        {
            promote.entry(only).or_default().push(sym.clone());
        }
    }
    for (i, globals) in promote {
        let mut ir = Function::clone(&inputs[i].ir);
        let mut changed = false;
        for global in &globals {
            changed |= ir::promote::global_to_local(&mut ir, global);
        }
        if changed {
            inputs[i].ir = Arc::new(ir);
        }
    }
}

/// Marks in each function of `inputs` the traced globals the whole program assigns at most
/// once, in a function that runs once and outside its loops (the IR only: the caller compiles
/// what changed).
pub fn mark_globals_set_once(inputs: &mut [LinkInput]) {
    let functions: Vec<(&str, &Function)> =
        inputs.iter().map(|f| (f.name.as_str(), &*f.ir)).collect();
    let once = globals_set_once(&functions);
    for f in inputs.iter_mut() {
        let set_once: Vec<u32> = (0..f.ir.symbols.len() as u32)
            .filter(|&s| once.contains(&f.ir.symbols[s as usize]))
            .collect();
        if !set_once.is_empty() {
            let mut ir = Function::clone(&f.ir);
            ir.globals_set_once = set_once;
            f.ir = Arc::new(ir);
        }
    }
}

/// The traced globals that `functions` (the whole program, by name) store at most once, in a
/// function that runs once and outside its loops.
fn globals_set_once(functions: &[(&str, &Function)]) -> BTreeSet<DataSymbol> {
    // Per global: the stores seen so far, or `None` once one is in a loop, in a function that
    // may run many times, or unknown (the cell's address escapes).
    let mut stores: BTreeMap<&DataSymbol, Option<usize>> = BTreeMap::new();
    for &(name, f) in functions {
        let in_loops = ir::analysis::in_loops(f);
        let once_outside_loops = |blocks: &[ir::BlockId]| {
            runs_once(name) && blocks.iter().all(|b| !in_loops[b.0 as usize])
        };
        for (sym, global) in f.symbols.iter().enumerate() {
            if !matches!(global, DataSymbol::Global { traced: true, .. }) {
                continue;
            }
            let count = stores.entry(global).or_insert(Some(0));
            *count = match (*count, ir::analysis::cell_stores(f, sym as u32)) {
                (Some(n), Some(blocks)) if blocks.is_empty() || once_outside_loops(&blocks) => {
                    Some(n + blocks.len())
                }
                _ => None,
            };
        }
    }
    stores
        .into_iter()
        .filter(|(_, n)| n.is_some_and(|n| n <= 1))
        .map(|(global, _)| global.clone())
        .collect()
}

/// Whether the function named `name` runs once per run of the image: `<start>` and each
/// module's top-level code.
fn runs_once(name: &str) -> bool {
    name == START
        || name
            .strip_prefix(MAIN)
            .is_some_and(|rest| rest.starts_with('@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_start_and_top_level_code_run_once() {
        assert!(runs_once("<start>"));
        assert!(runs_once("<main>@app.bs"));
        assert!(!runs_once("main@app.bs"));
        assert!(!runs_once("<main>x@app.bs"));
        assert!(!runs_once("C.m@app.bs"));
    }

    /// `g = value` (or only a load of `g` when `store` is false) in the first block of a
    /// function, inside a loop when `looped`.
    fn touching(global: &DataSymbol, store: bool, looped: bool) -> Function {
        use ir::builder::Builder;
        let (mut b, _) = Builder::new(&[], None);
        let sym = b.symbol(global.clone());
        let addr = b.var(ir::Ty::I32);
        b.push(ir::Inst::SymAddr { dst: addr, sym });
        let value = b.load(ir::Width::W32, ir::Ty::Ref, addr, 0);
        if store {
            b.store(ir::Width::W32, value, addr, 0);
        }
        if looped {
            b.term(ir::Terminator::Jump(ir::BlockId(0)));
        }
        b.finish()
    }

    #[test]
    fn a_global_stored_once_by_top_level_code_outside_loops_is_set_once() {
        let global = |name: &str| DataSymbol::Global {
            name: name.into(),
            traced: true,
        };
        let (bench, twice, looped, elsewhere) = (
            global("bench"),
            global("twice"),
            global("looped"),
            global("elsewhere"),
        );
        let program = [
            ("<main>@app.bs", touching(&bench, true, false)),
            ("run@app.bs", touching(&bench, false, false)),
            ("<main>@app.bs", touching(&twice, true, false)),
            ("<start>", touching(&twice, true, false)),
            ("<start>", touching(&looped, true, true)),
            ("run@app.bs", touching(&elsewhere, true, false)),
        ];
        let functions: Vec<(&str, &Function)> = program.iter().map(|(n, f)| (*n, f)).collect();
        assert_eq!(globals_set_once(&functions), BTreeSet::from([bench]));
    }
}
