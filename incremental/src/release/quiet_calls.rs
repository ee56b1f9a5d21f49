//! Quiet calls, for release images: a release image is the whole program and is never
//! patched, so the linker can tell which functions never collect garbage (they call no native
//! that allocates, call nothing through the table by number, and call only such functions),
//! and which of those never store into an object word either (no store through a `Ref` or
//! `Any` address, here or in what they call; natives that never collect never store into
//! objects, by the runtime's contract, [`Native::never_collects`]).
//!
//! A call of a function that never collects needs no GC roots for what is live across it or
//! passed to it ([`ir::Function::callees_without_gc`]), nor does a call of a native that
//! never collects ([`ir::Function::natives_without_gc`]). A loop whose calls are all of
//! functions that also never store into objects ([`ir::Function::callees_without_stores`])
//! can keep the object words it reads in registers. Each function that makes such calls is
//! marked so and compiled again. Development builds cannot know any of it: a patched callee
//! may start allocating or storing.

use crate::link::LinkInput;
use device::abi::Native;
use ir::{Callee, Function, Inst, Ty};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Marks in the IR of each function of `inputs` the calls of functions and natives that never
/// collect garbage, and of functions that never store into objects either (the caller
/// compiles what changed).
pub fn mark_quiet_calls(inputs: &mut [LinkInput]) {
    let functions: Vec<(&str, &Function)> =
        inputs.iter().map(|f| (f.name.as_str(), &*f.ir)).collect();
    let owned =
        |set: BTreeSet<&str>| -> BTreeSet<String> { set.into_iter().map(str::to_string).collect() };
    let without_gc = owned(largest_quiet_set(&functions, |_| true));
    let without_stores = owned(largest_quiet_set(&functions, stores_no_objects));
    for f in inputs.iter_mut() {
        let among = |set: &BTreeSet<String>| -> Vec<u32> {
            (0..f.ir.callees.len() as u32)
                .filter(|&n| set.contains(f.ir.callees[n as usize].as_str()))
                .collect()
        };
        let (callees_gc, callees_stores) = (among(&without_gc), among(&without_stores));
        let natives: BTreeSet<u32> = calls(&f.ir)
            .filter_map(|callee| match *callee {
                Callee::Native(n) if quiet_native(n) => Some(n),
                _ => None,
            })
            .collect();
        if callees_gc.is_empty() && natives.is_empty() {
            continue;
        }
        let mut ir = Function::clone(&f.ir);
        ir.callees_without_gc = callees_gc;
        ir.callees_without_stores = callees_stores;
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

/// Whether native `n` never collects garbage (nor stores into objects).
fn quiet_native(n: u32) -> bool {
    Native::from_id(n).is_some_and(Native::never_collects)
}

/// Whether `f` itself never stores into an object word (its stores through `I32` addresses
/// write elements and globals).
fn stores_no_objects(f: &Function) -> bool {
    let insts = || f.blocks.iter().flat_map(|b| &b.insts);
    insts().all(|inst| !matches!(*inst, Inst::Store { addr, .. } if f.ty(addr) != Ty::I32))
}

/// The names of the largest set of `functions` that are `quiet` themselves and whose every
/// call is of a native that never collects or of a member of the set.
fn largest_quiet_set<'a>(
    functions: &[(&'a str, &'a Function)],
    quiet: impl Fn(&Function) -> bool,
) -> BTreeSet<&'a str> {
    let by_name: BTreeMap<&str, &Function> = functions.iter().copied().collect();
    let mut set: BTreeSet<&str> = by_name
        .iter()
        .filter(|(_, f)| quiet(f))
        .map(|(name, _)| *name)
        .collect();
    loop {
        let noisy: Vec<&str> = set
            .iter()
            .copied()
            .filter(|name| !only_quiet_calls(by_name[name], &set))
            .collect();
        if noisy.is_empty() {
            return set;
        }
        for name in noisy {
            set.remove(name);
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
        let quiet = largest_quiet_set(&functions, |_| true);
        assert_eq!(
            quiet.into_iter().collect::<Vec<_>>(),
            ["calls_leaf", "even", "leaf", "odd"]
        );
    }

    #[test]
    fn a_function_stores_into_objects_when_it_or_what_it_calls_does() {
        let print = (Native::PrintInt as u32).to_string();
        // `f.items[0] = 1` writes an element (through an `I32` address); `f.count = 1`, a field.
        let storing = |addr_ty: Ty| {
            let mut f = function(&[&print]);
            f.vars = vec![addr_ty];
            f.blocks[0].insts.push(Inst::Store {
                width: ir::Width::W32,
                src: ir::Var(0),
                addr: ir::Var(0),
                offset: 4,
            });
            f
        };
        let program = [
            ("element", storing(Ty::I32)),
            ("field", storing(Ty::Ref)),
            ("calls_field", function(&["element", "field"])),
            ("calls_element", function(&["element"])),
        ];
        let functions: Vec<(&str, &Function)> = program.iter().map(|(n, f)| (*n, f)).collect();
        let without_stores = largest_quiet_set(&functions, stores_no_objects);
        assert_eq!(
            without_stores.into_iter().collect::<Vec<_>>(),
            ["calls_element", "element"]
        );
        let without_gc = largest_quiet_set(&functions, |_| true);
        assert_eq!(without_gc.len(), 4);
    }
}
