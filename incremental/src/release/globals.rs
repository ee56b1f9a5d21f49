//! Globals as locals, for release images: a release image is the whole program, so the linker
//! knows which code names each global. A global of a number or boolean that only a function
//! that runs once names (`<start>`, or a module's `<main>`: the top-level code and the globals
//! it alone uses, such as a loop counter or a benchmark's result) needs no cell:
//! [`ir::promote`] makes it a var of that function, which is then compiled again. Globals that
//! hold objects keep their cells, so that what the program leaves behind stays reachable as in
//! development (`--heap-stats` counts it). Development builds keep every cell: a later REPL
//! cell or an edited function may name the global.

use crate::build::START;
use crate::db::MAIN;
use crate::link::LinkInput;
use ir::{DataSymbol, Function};
use std::collections::BTreeMap;
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
}
