//! Calls that are no safepoints, for release images: a release image is the whole program and
//! is never patched, so the linker can tell which functions never collect garbage (they call
//! no native that allocates, call nothing through the table by number, and call only such
//! functions). A call of one needs no GC roots for what is live across it or passed to it
//! ([`ir::Function::callees_without_gc`]), nor does a call of a native that never collects
//! ([`ir::Function::natives_without_gc`]); each function that makes such calls is marked so
//! and compiled again. Development builds cannot know it: a patched callee may start allocating.

use crate::link::LinkInput;
use device::abi::Native;
use ir::{Callee, Function, Inst};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Marks in the IR of each function of `inputs` the calls of functions and natives that never
/// collect garbage (the caller compiles what changed).
pub fn mark_calls_without_gc(inputs: &mut [LinkInput]) {
    let functions: Vec<(&str, &Function)> =
        inputs.iter().map(|f| (f.name.as_str(), &*f.ir)).collect();
    let quiet: BTreeSet<String> = functions_without_gc(&functions)
        .into_iter()
        .map(str::to_string)
        .collect();
    for f in inputs.iter_mut() {
        let without_gc: Vec<u32> = (0..f.ir.callees.len() as u32)
            .filter(|&n| quiet.contains(f.ir.callees[n as usize].as_str()))
            .collect();
        let natives: BTreeSet<u32> = calls(&f.ir)
            .filter_map(|callee| match *callee {
                Callee::Native(n) if quiet_native(n) => Some(n),
                _ => None,
            })
            .collect();
        if without_gc.is_empty() && natives.is_empty() {
            continue;
        }
        let mut ir = Function::clone(&f.ir);
        ir.callees_without_gc = without_gc;
        ir.natives_without_gc = natives.into_iter().collect();
        f.ir = Arc::new(ir);
    }
}

/// What each call of `f` calls.
fn calls(f: &Function) -> impl Iterator<Item = &Callee> {
    f.blocks
        .iter()
        .flat_map(|b| &b.insts)
        .filter_map(|inst| match inst {
            Inst::Call { callee, .. } => Some(callee),
            _ => None,
        })
}

/// Whether native `n` never collects garbage.
fn quiet_native(n: u32) -> bool {
    Native::from_id(n).is_some_and(Native::never_collects)
}

/// The names of the `functions` that never collect garbage: the largest set of functions
/// whose every call is of a native that never collects or of a member of the set.
fn functions_without_gc<'a>(functions: &[(&'a str, &'a Function)]) -> BTreeSet<&'a str> {
    let by_name: BTreeMap<&str, &Function> = functions.iter().copied().collect();
    let mut quiet: BTreeSet<&str> = by_name.keys().copied().collect();
    loop {
        let collecting: Vec<&str> = quiet
            .iter()
            .copied()
            .filter(|name| !only_quiet_calls(by_name[name], &quiet))
            .collect();
        if collecting.is_empty() {
            return quiet;
        }
        for name in collecting {
            quiet.remove(name);
        }
    }
}

/// Whether every call `f` makes is of a native that never collects or of a function in `quiet`.
fn only_quiet_calls(f: &Function, quiet: &BTreeSet<&str>) -> bool {
    calls(f).all(|callee| match *callee {
        Callee::Native(n) => quiet_native(n),
        Callee::Slot(n) => quiet.contains(f.callees[n as usize].as_str()),
        Callee::Dynamic(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ir::{Block, LocId, Terminator, Ty};

    /// A function calling `calls` (a name for a BlueScript function, a number for a native) in
    /// one block.
    fn function(calls: &[&str]) -> Function {
        let mut f = Function::empty("f", None);
        let mut insts = Vec::new();
        for call in calls {
            let callee = match call.parse::<u32>() {
                Ok(n) => Callee::Native(n),
                Err(_) => {
                    f.callees.push(call.to_string());
                    Callee::Slot(f.callees.len() as u32 - 1)
                }
            };
            insts.push(Inst::Call {
                dst: None,
                callee,
                args: vec![],
                loc: LocId(0),
            });
        }
        f.vars.push(Ty::I32);
        f.blocks.push(Block {
            insts,
            term: Terminator::Return(None),
        });
        f
    }

    #[test]
    fn a_function_collects_when_anything_it_can_call_allocates() {
        let print = (Native::PrintInt as u32).to_string();
        let concat = (Native::StringConcat as u32).to_string();
        let program = [
            ("leaf", function(&[&print])),
            ("calls_leaf", function(&["leaf", "leaf"])),
            ("even", function(&["odd", &print])),
            ("odd", function(&["even"])),
            ("allocates", function(&[&concat])),
            ("calls_allocating", function(&["leaf", "allocates"])),
            ("cycle_a", function(&["cycle_b"])),
            ("cycle_b", function(&["cycle_a", "allocates"])),
            ("calls_missing", function(&["nowhere"])),
        ];
        let functions: Vec<(&str, &Function)> = program.iter().map(|(n, f)| (*n, f)).collect();
        let quiet = functions_without_gc(&functions);
        assert_eq!(
            quiet.into_iter().collect::<Vec<_>>(),
            ["calls_leaf", "even", "leaf", "odd"]
        );
    }
}
