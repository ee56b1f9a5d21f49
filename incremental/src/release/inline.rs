//! Inlining for release images: a release image is the whole program and is never patched, so
//! a call of a small function, or of one called from that place only (a known callee, not one
//! that can call the caller again), may be replaced by the callee's body ([`ir::inline`]), and the caller compiled again for the
//! board. Development builds never inline: there, a patched callee must reach every caller.

use super::call_cycles;
use crate::build::START;
use crate::db::{self, Compiler};
use crate::link::LinkInput;
use ir::{Callee, Function, Inst};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The most instructions (and block ends) a callee may have to be inlined.
const MAX_CALLEE_SIZE: usize = 12;

/// The most a callee called from one place only may have: inlining it removes it, so the image
/// only loses the call and the callee's entry and return.
const MAX_SINGLE_CALLEE_SIZE: usize = 200;

/// The most instructions inlining may add to one caller.
const MAX_GROWTH: usize = 400;

/// `inputs` with the calls of small functions, and of functions called from one place only
/// that nothing calls by slot (`by_slot`), inlined into the functions of `reachable`, each
/// changed function compiled again for the database's target. A function whose inlined form
/// does not compile keeps its code.
pub fn inline_small_calls(
    db: &Compiler,
    mut inputs: Vec<LinkInput>,
    reachable: &BTreeSet<String>,
    by_slot: &BTreeSet<String>,
) -> Vec<LinkInput> {
    // Callees are done before their callers, so that a caller inlines a callee with what
    // was inlined into it.
    let mut current: BTreeMap<String, Arc<Function>> = inputs
        .iter()
        .map(|f| (f.name.clone(), f.ir.clone()))
        .collect();
    let order = callees_first(&current, reachable);
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
    let mut call_sites: BTreeMap<&str, usize> = BTreeMap::new();
    for f in inputs.iter().filter(|f| reachable.contains(&f.name)) {
        for inst in f.ir.blocks.iter().flat_map(|b| &b.insts) {
            if let Inst::Call {
                callee: Callee::Slot(n),
                ..
            } = inst
            {
                *call_sites.entry(&f.ir.callees[*n as usize]).or_default() += 1;
            }
        }
    }
    let single: BTreeSet<String> = call_sites
        .into_iter()
        .filter(|&(name, n)| n == 1 && !by_slot.contains(name))
        .map(|(name, _)| name.to_string())
        .collect();
    let (target, calls) = (db::code_target(db), db::code_calls(db));
    let position: BTreeMap<String, usize> = inputs
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.clone(), i))
        .collect();
    for name in order {
        let (Some(&i), Some(cycle)) = (position.get(&name), cycles.get(&name)) else {
            continue;
        };
        let f = &mut inputs[i];
        let inlinable = |name: &str| -> Option<&Arc<Function>> {
            let callee = current.get(name)?;
            let limit = if single.contains(name) {
                MAX_SINGLE_CALLEE_SIZE
            } else {
                MAX_CALLEE_SIZE
            };
            let ok = name != f.name && !cycle.contains(name) && ir::inline::size(callee) <= limit;
            ok.then_some(callee)
        };
        let Some(ir) = inline_into(&f.ir, inlinable) else {
            continue;
        };
        if let Ok(code) = target.compile(&ir, calls) {
            f.ir = Arc::new(ir);
            f.code = code;
            current.insert(name, f.ir.clone());
        }
    }
    inputs
}

/// The names of the `reachable` functions of `functions`, each after the functions it calls
/// (but those that call it back: a depth-first post-order from `<start>` and then the rest).
fn callees_first(
    functions: &BTreeMap<String, Arc<Function>>,
    reachable: &BTreeSet<String>,
) -> Vec<String> {
    let mut order = Vec::new();
    let mut visited: BTreeSet<&str> = BTreeSet::new();
    let roots = std::iter::once(START).chain(reachable.iter().map(String::as_str));
    for root in roots {
        // (function, whether its callees are done)
        let mut stack = vec![(root, false)];
        while let Some((name, done)) = stack.pop() {
            if done {
                order.push(name.to_string());
                continue;
            }
            if !reachable.contains(name) || !visited.insert(name) {
                continue;
            }
            stack.push((name, true));
            if let Some(f) = functions.get(name) {
                stack.extend(f.callees.iter().rev().map(|c| (c.as_str(), false)));
            }
        }
    }
    order
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
