//! Inlining for release images: a release image is the whole program and is never patched, so
//! a call of a small function (a known callee, not one that can call the caller again) may be
//! replaced by the callee's body ([`ir::inline`]), and the caller compiled again for the
//! board. Development builds never inline: there, a patched callee must reach every caller.

use super::call_cycles;
use crate::db::{self, Compiler};
use crate::link::LinkInput;
use ir::{Callee, Function, Inst};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The most instructions (and block ends) a callee may have to be inlined.
const MAX_CALLEE_SIZE: usize = 12;

/// The most instructions inlining may add to one caller.
const MAX_GROWTH: usize = 400;

/// `inputs` with the calls of small functions inlined into the functions of `reachable`, each
/// changed function compiled again for the database's target. A function whose inlined form
/// does not compile keeps its code.
pub fn inline_small_calls(
    db: &Compiler,
    mut inputs: Vec<LinkInput>,
    reachable: &BTreeSet<String>,
) -> Vec<LinkInput> {
    let original: BTreeMap<String, Arc<Function>> = inputs
        .iter()
        .map(|f| (f.name.clone(), f.ir.clone()))
        .collect();
    let graph: Vec<(&str, &[String])> = inputs
        .iter()
        .filter(|f| reachable.contains(&f.name))
        .map(|f| (f.name.as_str(), &f.ir.callees[..]))
        .collect();
    let cycles: BTreeMap<String, BTreeSet<String>> = graph
        .iter()
        .zip(call_cycles(&graph))
        .map(|((name, _), cycle)| {
            let cycle = cycle.into_iter().map(str::to_string).collect();
            (name.to_string(), cycle)
        })
        .collect();
    let (target, calls) = (db::code_target(db), db::code_calls(db));
    for f in inputs.iter_mut() {
        let Some(cycle) = cycles.get(&f.name) else {
            continue;
        };
        let inlinable = |name: &str| -> Option<&Arc<Function>> {
            let callee = original.get(name)?;
            let ok = name != f.name
                && !cycle.contains(name)
                && ir::inline::size(callee) <= MAX_CALLEE_SIZE;
            ok.then_some(callee)
        };
        let Some(ir) = inline_into(&f.ir, inlinable) else {
            continue;
        };
        if let Ok(code) = target.compile(&ir, calls) {
            f.ir = Arc::new(ir);
            f.code = code;
        }
    }
    inputs
}

/// `f` with the calls of the callees `inlinable` gives inlined (not those in code that was
/// inlined itself), while it grows by at most [`MAX_GROWTH`]; `None` when nothing was inlined.
fn inline_into<'a>(
    f: &Function,
    inlinable: impl Fn(&str) -> Option<&'a Arc<Function>>,
) -> Option<Function> {
    let mut out = f.clone();
    let limit = ir::inline::size(f) + MAX_GROWTH;
    // The caller's own blocks, and the blocks that continue them after an inlined call.
    let mut scan: Vec<usize> = (0..out.blocks.len()).rev().collect();
    let mut changed = false;
    while let Some(b) = scan.pop() {
        let call = out.blocks[b]
            .insts
            .iter()
            .enumerate()
            .find_map(|(i, inst)| {
                let Inst::Call {
                    callee: Callee::Slot(n),
                    ..
                } = inst
                else {
                    return None;
                };
                inlinable(&out.callees[*n as usize]).map(|callee| (i, callee))
            });
        let Some((i, callee)) = call else {
            continue;
        };
        if ir::inline::size(&out) + ir::inline::size(callee) > limit {
            break;
        }
        ir::inline::inline_call(&mut out, b, i, callee);
        changed = true;
        scan.push(out.blocks.len() - 1);
    }
    ir::inline::drop_unused_callees(&mut out);
    changed.then_some(out)
}
