//! Globals as locals, for release images: a release image is the whole program, so the linker
//! knows which code names each global. A global of a number or boolean that only a function
//! that runs once names (`<start>`, or a module's `<main>`: the top-level code and the globals
//! it alone uses, such as a loop counter or a benchmark's result) needs no cell:
//! [`ir::promote`] makes it a var of that function, which is then compiled again. Globals that
//! hold objects keep their cells, so that what the program leaves behind stays reachable as in
//! development (`--heap-stats` counts it). Development builds keep every cell: a later REPL
//! cell or an edited function may name the global.

use crate::build::START;
use crate::db::{self, Compiler, MAIN};
use crate::link::LinkInput;
use ir::{DataSymbol, Function};
use std::collections::BTreeMap;
use std::sync::Arc;

/// `inputs` with every untraced global that one function that runs once alone names made a
/// var of that function, and that function compiled again. A function whose new form does not compile
/// keeps its code and its cells.
pub fn promote_run_once_globals(db: &Compiler, mut inputs: Vec<LinkInput>) -> Vec<LinkInput> {
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
    let (target, calls) = (db::code_target(db), db::code_calls(db));
    for (i, globals) in promote {
        let f = &mut inputs[i];
        let mut ir = Function::clone(&f.ir);
        let mut changed = false;
        for global in &globals {
            changed |= ir::promote::global_to_local(&mut ir, global);
        }
        if !changed {
            continue;
        }
        if let Ok(code) = target.compile(&ir, calls) {
            f.ir = Arc::new(ir);
            f.code = code;
        }
    }
    inputs
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
