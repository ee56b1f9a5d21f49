//! The release linker: the whole program at fixed addresses, without the functions `<start>`
//! cannot reach, with every static call direct. x86-64 code calls through the function table
//! (`call qword [r14 + disp32]`, 7 bytes); here each such call becomes a two-byte no-op and
//! `call rel32` (7 bytes too, so return addresses stay where they were). Xtensa code compiled
//! for release ([`Calls::Direct`](crate::target::Calls)) has a `call8` for each call, whose
//! offset is filled in here. The function table keeps only the entries that calls by slot
//! still need: the functions that descriptors name (closures, the methods a virtual call in
//! the program can dispatch to, and the `any` adapters a call through `any` can reach) and the
//! built-in adapters.
//!
//! Calls that can recurse still go through the table: a call from `f` to `g` where `g` can call
//! `f` again (the two are in one cycle of the static call graph). An interrupted run diverts the
//! table (`device::divert`), and generated code polls only at loop back-edges, so every endless
//! recursion must pass through the table; calls through descriptors (closures, methods) always
//! do. On x86-64 those calls stay table calls; on Xtensa each is a `call8` to a thunk that
//! continues through the callee's table entry (`thunks.rs`).

mod globals;
mod inline;
mod pool;
mod quiet_calls;
mod thunks;

use crate::build::{BuildError, ModuleArtifact, START, link_inputs};
use crate::db::{self, Compiler, SourceFile};
use crate::link::{self, ClassLayout, Image, LinkError, LinkInput, LinkTarget};
use crate::shadow::Shadow;
use crate::target::Code;
use backend_x64::Reloc;
use backend_xtensa::Reloc as XtensaReloc;
use device::abi;
use ir::DataSymbol;
pub use pool::POOL_NAME;
use pool::Pool;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use thunks::{THUNKS_NAME, Thunks};

/// The bytes of `call qword [r14 + disp32]` before the displacement.
const TABLE_CALL: [u8; 3] = [0x41, 0xFF, 0x96];
/// A two-byte no-op (`xchg ax, ax`) and the opcode of `call rel32`.
const DIRECT_CALL: [u8; 3] = [0x66, 0x90, 0xE8];

/// A linked release program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// What to load (only the slots that calls by slot need).
    pub image: Image,
    /// Every function kept: name, the address of its code and size in bytes, in address
    /// order; for Xtensa, the image's literal pool too (named [`pool::POOL_NAME`]).
    pub functions: Vec<(String, u32, u32)>,
    /// The functions dropped as unreachable.
    pub dropped: Vec<String>,
}

/// Links the program of `modules` (in initialization order) from their `artifacts` for
/// release on `target`.
pub fn link_release(
    db: &Compiler,
    modules: &[SourceFile],
    artifacts: &[ModuleArtifact],
    target: &LinkTarget,
) -> Result<Release, BuildError> {
    let artifacts: Vec<&ModuleArtifact> = artifacts.iter().collect();
    let (inputs, classes) = link_inputs(db, modules, &artifacts)?;
    let builtins = abi::BUILTIN_METHODS.len();
    let first = reachable(&inputs, &classes, builtins);
    let inputs = inline::inline_small_calls(db, inputs, &first.functions, &first.by_slot);
    let reach = reachable(&inputs, &classes, builtins);
    let kept: Vec<LinkInput> = inputs
        .iter()
        .filter(|f| reach.functions.contains(&f.name))
        .cloned()
        .collect();
    let kept = transform_and_recompile(db, kept, |kept| {
        globals::promote_run_once_globals(kept);
        globals::mark_globals_set_once(kept);
        quiet_calls::mark_quiet_calls(kept);
    });
    let dropped = inputs
        .iter()
        .filter(|f| !reach.functions.contains(&f.name))
        .map(|f| f.name.clone())
        .collect();
    let graph: Vec<(&str, &[String])> = kept
        .iter()
        .map(|f| (f.name.as_str(), &f.ir.callees[..]))
        .collect();
    let cycle = call_cycles(&graph);
    let mut by_slot = reach.by_slot;
    // The built-in adapters keep the fixed slots the runtime knows (0, 1, …, kept or not);
    // then the kept functions, then the dropped adapters, whose slots stay unloaded.
    let mut slots = Shadow::new(*target);
    let builtin_names = inputs[..builtins.min(inputs.len())].iter().map(|f| &f.name);
    let kept_names = kept.iter().map(|f| &f.name);
    for name in builtin_names.chain(kept_names).chain(&reach.unloaded) {
        slots.slot_for(name).map_err(BuildError::Link)?;
    }
    // Xtensa release code's literals go in one pool, before all code, then the thunks of the
    // calls that can recurse.
    let thunks = Thunks::of(&kept, &cycle);
    let pool = Pool::of(&kept, thunks.callees());
    let pool_at = slots.next_code;
    slots.next_code += pool.size();
    let thunks_at = slots.next_code;
    slots.next_code += thunks.size();
    let (mut image, linked) =
        link::link_onto(&slots, &kept, &classes, START).map_err(BuildError::Link)?;
    // Each function is loaded at its own address.
    let address: BTreeMap<&str, u32> = kept
        .iter()
        .zip(&image.slots)
        .map(|(f, &(_, addr))| (f.name.as_str(), addr))
        .collect();
    let mut functions = Vec::new();
    for (i, f) in kept.iter().enumerate() {
        let base = address[f.name.as_str()] - f.code.entry();
        let load = image
            .loads
            .iter_mut()
            .find(|(addr, _)| *addr == base)
            .ok_or_else(|| reloc_error(&f.name, "its code is not in the image"))?;
        // A call of a function in `f`'s cycle goes through its thunk on Xtensa.
        let callee = |n: u32| {
            let name = &f.ir.callees[n as usize];
            let thunk = cycle[i]
                .contains(name.as_str())
                .then(|| thunks.address(name, thunks_at))
                .flatten();
            thunk
                .or_else(|| address.get(name.as_str()).copied())
                .ok_or_else(|| {
                    BuildError::Link(LinkError::MissingFunction {
                        caller: f.name.clone(),
                        callee: name.clone(),
                    })
                })
        };
        make_calls_direct(f, &mut load.1, base, callee, &cycle[i], &mut by_slot)?;
        pool.retarget(f, &mut load.1, base, pool_at)?;
        functions.push((f.name.clone(), base, f.code.bytes().len() as u32));
    }
    let first_code = image
        .loads
        .iter()
        .position(|&(addr, _)| addr >= target.memory.code_base)
        .unwrap_or(image.loads.len());
    if thunks.size() > 0 {
        let bytes = thunks.bytes(thunks_at, &pool, pool_at)?;
        image.loads.insert(first_code, (thunks_at, bytes));
        image.code_bytes += thunks.size();
        functions.push((THUNKS_NAME.to_string(), thunks_at, thunks.size()));
    }
    if pool.size() > 0 {
        image
            .loads
            .insert(first_code, (pool_at, pool.bytes(&linked)?));
        image.code_bytes += pool.size();
        functions.push((POOL_NAME.to_string(), pool_at, pool.size()));
    }
    // `link_onto` set one slot per kept function, in their order.
    image.slots = kept
        .iter()
        .zip(&image.slots)
        .filter(|(f, _)| by_slot.contains(&f.name))
        .map(|(_, &slot)| slot)
        .collect();
    functions.sort_by_key(|&(_, addr, _)| addr);
    Ok(Release {
        image,
        functions,
        dropped,
    })
}

/// `functions` after `transform` changed their IR, each changed one compiled again for the
/// database's target (once, whatever changed it). A function whose new IR does not compile
/// keeps its old IR and code, which are correct: they only keep more cells and roots.
fn transform_and_recompile(
    db: &Compiler,
    mut functions: Vec<LinkInput>,
    transform: impl FnOnce(&mut [LinkInput]),
) -> Vec<LinkInput> {
    let before: Vec<Arc<ir::Function>> = functions.iter().map(|f| f.ir.clone()).collect();
    transform(&mut functions);
    let (target, calls) = (db::code_target(db), db::code_calls(db));
    for (f, old) in functions.iter_mut().zip(before) {
        if Arc::ptr_eq(&f.ir, &old) {
            continue;
        }
        match target.compile(&f.ir, calls) {
            Ok(code) => f.code = code,
            Err(_) => f.ir = old,
        }
    }
    functions
}

/// Makes every call of `f`'s code `bytes` (loaded at `base`) to another BlueScript function
/// direct: `callee(n)` is the address to call for `f.ir.callees[n]`. The functions in
/// `recursive` (those that can call `f` again) are still called through the table, and their
/// names join `by_slot`: on x86-64 those calls stay table calls; on Xtensa `callee(n)` is their
/// table-call thunk.
fn make_calls_direct(
    f: &LinkInput,
    bytes: &mut [u8],
    base: u32,
    callee: impl Fn(u32) -> Result<u32, BuildError>,
    recursive: &BTreeSet<&str>,
    by_slot: &mut BTreeSet<String>,
) -> Result<(), BuildError> {
    match &f.code {
        Code::X64(code) => {
            for reloc in &code.relocs {
                if let Reloc::Slot { offset, callee: n } = *reloc {
                    let name = &f.ir.callees[n as usize];
                    if recursive.contains(name.as_str()) {
                        by_slot.insert(name.clone());
                        continue;
                    }
                    make_direct(bytes, offset as usize, base, callee(n)?)
                        .map_err(|e| reloc_error(&f.name, e))?;
                }
            }
        }
        Code::Xtensa(code) => {
            for reloc in &code.relocs {
                match *reloc {
                    XtensaReloc::Call { callee: n, .. } => {
                        let name = &f.ir.callees[n as usize];
                        if recursive.contains(name.as_str()) {
                            by_slot.insert(name.clone());
                        }
                        reloc
                            .patch_call(bytes, base, callee(n)?)
                            .map_err(|e| reloc_error(&f.name, &e.to_string()))?
                    }
                    XtensaReloc::NativeCall { native, .. } => reloc
                        .patch_call(bytes, base, backend_xtensa::native_entry(native))
                        .map_err(|e| reloc_error(&f.name, &e.to_string()))?,
                    XtensaReloc::Slot { .. } => {
                        return Err(reloc_error(
                            &f.name,
                            "it was compiled with calls through the function table",
                        ));
                    }
                    XtensaReloc::Data { .. } | XtensaReloc::Pooled { .. } => {}
                }
            }
        }
    }
    Ok(())
}

/// For each function of the call graph `graph` (names and the names they call), the callees
/// that can call it again, directly or through others: the callees in its strongly connected
/// component (Tarjan's algorithm, iteratively, so that long call chains need no deep Rust
/// stack).
fn call_cycles<'a>(graph: &[(&'a str, &'a [String])]) -> Vec<BTreeSet<&'a str>> {
    let index: BTreeMap<&str, usize> = graph
        .iter()
        .enumerate()
        .map(|(i, &(name, _))| (name, i))
        .collect();
    let edges: Vec<Vec<usize>> = graph
        .iter()
        .map(|(_, callees)| {
            let known = callees.iter().filter_map(|c| index.get(c.as_str()));
            known.copied().collect()
        })
        .collect();
    let n = graph.len();
    let (mut order, mut low, mut component) = (vec![usize::MAX; n], vec![0; n], vec![0; n]);
    let (mut on_stack, mut stack, mut next, mut components) = (vec![false; n], vec![], 0, 0);
    for root in 0..n {
        if order[root] != usize::MAX {
            continue;
        }
        // (function, next edge to follow)
        let mut path = vec![(root, 0)];
        order[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut e)) = path.last_mut() {
            if let Some(&w) = edges[v].get(*e) {
                *e += 1;
                if order[w] == usize::MAX {
                    order[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    path.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(order[w]);
                }
                continue;
            }
            path.pop();
            if let Some(&(parent, _)) = path.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == order[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component[w] = components;
                    if w == v {
                        break;
                    }
                }
                components += 1;
            }
        }
    }
    (0..n)
        .map(|v| {
            let same = edges[v].iter().filter(|&&w| component[w] == component[v]);
            same.map(|&w| graph[w].0).collect()
        })
        .collect()
}

fn reloc_error(function: &str, why: &str) -> BuildError {
    BuildError::Link(LinkError::Reloc(format!("`{function}`: {why}")))
}

/// Rewrites the table call whose displacement is at `offset` in `code` (placed at `base`) into
/// a direct call to `target`.
fn make_direct(code: &mut [u8], offset: usize, base: u32, target: u32) -> Result<(), &'static str> {
    let start = offset
        .checked_sub(TABLE_CALL.len())
        .ok_or("a slot relocation at the start of the code")?;
    if code.get(start..offset) != Some(&TABLE_CALL[..]) || code.len() < offset + 4 {
        return Err("a slot relocation that is not a table call");
    }
    let end = base as i64 + offset as i64 + 4;
    let rel = i32::try_from(target as i64 - end).map_err(|_| "a call out of rel32 range")?;
    code[start..offset].copy_from_slice(&DIRECT_CALL);
    code[offset..offset + 4].copy_from_slice(&rel.to_le_bytes());
    Ok(())
}

/// What `<start>` reaches: the functions it can run and, among them, those called by slot; and
/// the functions that descriptors name but no call in the program can reach by slot (`any`
/// adapters, and method entries that no virtual call dispatches to), whose slots stay
/// unloaded.
struct Reach {
    functions: BTreeSet<String>,
    by_slot: BTreeSet<String>,
    unloaded: Vec<String>,
}

/// The functions `<start>` reaches (through calls and through the descriptors their data
/// names), and among them those called by slot. The first `builtins` inputs are the built-in
/// adapters, which the runtime hands out by their fixed slots for the methods of arrays and
/// strings called on `any` values ([`abi::BUILTIN_METHODS`]): adapters like the others.
///
/// A descriptor's `any` adapter runs only when the runtime's dispatch hands out its slot: a
/// method's for `x.name(…)` on an `any` value (`Native::AnyMethod`), a function value's for a
/// call of an `any` value (`Native::AnyFunction`). So a method adapter is kept only when some
/// reachable function calls `AnyMethod` and names a string equal to the method's name (the
/// name `AnyMethod` receives is always such a constant of the caller), and a function value's
/// adapter only when some reachable function calls `AnyFunction`. Likewise a method's entry
/// is reached through its class descriptor only by a virtual call of its index in the method
/// table (calls of methods that no subclass overrides are direct). The others keep a slot of
/// their own that is never loaded: if one were called after all, the runtime would raise
/// "call of a function that is not loaded", never run stray code.
fn reachable(
    inputs: &[LinkInput],
    classes: &BTreeMap<String, ClassLayout>,
    builtins: usize,
) -> Reach {
    let by_name: BTreeMap<&str, &LinkInput> = inputs.iter().map(|f| (f.name.as_str(), f)).collect();
    let mut by_slot: BTreeSet<String> = BTreeSet::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut work: Vec<String> = vec![START.to_string()];
    let mut symbols_seen: BTreeSet<DataSymbol> = BTreeSet::new();
    let mut dynamic = DynamicCalls::default();
    let mut pending: BTreeMap<String, Dispatch> = inputs[..builtins.min(inputs.len())]
        .iter()
        .zip(abi::BUILTIN_METHODS)
        .map(|(f, m)| (f.name.clone(), Dispatch::Method(m.name.as_bytes().to_vec())))
        .collect();
    loop {
        while let Some(name) = work.pop() {
            let Some(f) = by_name.get(name.as_str()) else {
                continue;
            };
            if !seen.insert(name) {
                continue;
            }
            dynamic.note(&f.ir);
            dynamic.note_virtual_calls(&f.ir);
            work.extend(f.ir.callees.iter().cloned());
            let mut symbols = f.ir.symbols.clone();
            while let Some(sym) = symbols.pop() {
                if symbols_seen.contains(&sym) {
                    continue;
                }
                let refs = symbol_refs(&sym, classes);
                symbols.extend(refs.symbols);
                symbols_seen.insert(sym);
                for n in refs.entries {
                    by_slot.insert(n.clone());
                    work.push(n);
                }
                pending.extend(refs.adapters);
            }
        }
        let needed: Vec<String> = pending
            .iter()
            .filter(|(_, how)| dynamic.reaches(how))
            .map(|(n, _)| n.clone())
            .collect();
        if needed.is_empty() {
            break;
        }
        for n in needed {
            pending.remove(&n);
            by_slot.insert(n.clone());
            work.push(n);
        }
    }
    let unloaded = pending
        .into_keys()
        .filter(|n| !seen.contains(n) && by_name.contains_key(n.as_str()))
        .collect();
    Reach {
        functions: seen,
        by_slot,
        unloaded,
    }
}

/// How a function that a descriptor names by slot is reached: by the runtime's dispatch (an
/// `any` adapter) or by a virtual call (a method's entry).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Dispatch {
    /// `x.name(…)` on an `any` value, for a method of this name.
    Method(Vec<u8>),
    /// A call of an `any` value holding a function.
    Function,
    /// A virtual call of the method at this index of a class's method table.
    Virtual(i32),
}

/// The calls through `any` and the virtual calls that the reachable functions make.
#[derive(Debug, Default)]
struct DynamicCalls {
    /// The strings named by functions that call methods of `any` values.
    method_names: BTreeSet<Vec<u8>>,
    /// Whether some function calls an `any` value.
    functions: bool,
    /// The method-table indices of the virtual calls.
    virtual_indices: BTreeSet<i32>,
    /// Whether some call by slot number takes its slot from where this cannot tell (then
    /// every method entry may be called).
    unknown: bool,
}

impl DynamicCalls {
    /// Adds the calls through `any` of function `f`.
    fn note(&mut self, f: &ir::Function) {
        let natives = f
            .blocks
            .iter()
            .flat_map(|b| &b.insts)
            .filter_map(|i| match i {
                ir::Inst::Call {
                    callee: ir::Callee::Native(n),
                    ..
                } => Some(*n),
                _ => None,
            });
        for n in natives {
            if n == abi::Native::AnyMethod as u32 {
                let strings = f.symbols.iter().filter_map(|s| match s {
                    DataSymbol::Str(bytes) => Some(bytes.clone()),
                    _ => None,
                });
                self.method_names.extend(strings);
            } else if n == abi::Native::AnyFunction as u32 {
                self.functions = true;
            }
        }
    }

    /// Adds the method-table indices of `f`'s virtual calls: each call by slot number whose
    /// slot is loaded from a class descriptor's method table (as lowering does for a method
    /// call that dispatches). Closures' slots (from their descriptors' [`abi::FUNC_SLOT`]) and
    /// the adapters' (the results of `AnyMethod` and `AnyFunction`) name no method entry;
    /// anything else makes every entry reachable.
    fn note_virtual_calls(&mut self, f: &ir::Function) {
        let insts = || f.blocks.iter().flat_map(|b| &b.insts);
        let slots: BTreeSet<ir::Var> = insts()
            .filter_map(|i| match i {
                ir::Inst::Call {
                    callee: ir::Callee::Dynamic(v),
                    ..
                } => Some(*v),
                _ => None,
            })
            .collect();
        let adapter_slot =
            |n: u32| n == abi::Native::AnyMethod as u32 || n == abi::Native::AnyFunction as u32;
        for inst in insts().filter(|i| i.def().is_some_and(|d| slots.contains(&d))) {
            match *inst {
                ir::Inst::Load { offset, .. } if offset == abi::FUNC_SLOT => {}
                ir::Inst::Load { offset, .. } if offset >= abi::CLASS_METHODS => {
                    let at = offset - abi::CLASS_METHODS - abi::METHOD_SLOT;
                    let size = abi::METHOD_ENTRY_SIZE as i32;
                    if at >= 0 && at % size == 0 {
                        self.virtual_indices.insert(at / size);
                    } else {
                        self.unknown = true;
                    }
                }
                ir::Inst::Call {
                    callee: ir::Callee::Native(n),
                    ..
                } if adapter_slot(n) => {}
                _ => self.unknown = true,
            }
        }
    }

    /// Whether these calls can reach a function dispatched `how`.
    fn reaches(&self, how: &Dispatch) -> bool {
        match how {
            Dispatch::Method(name) => self.method_names.contains(name),
            Dispatch::Function => self.functions,
            Dispatch::Virtual(index) => self.unknown || self.virtual_indices.contains(index),
        }
    }
}

/// What a data symbol's bytes refer to.
struct SymbolRefs {
    /// Functions named by slot that typed code calls (closure entries).
    entries: Vec<String>,
    /// Functions named by slot that only some calls reach (`any` adapters, method entries),
    /// and how.
    adapters: Vec<(String, Dispatch)>,
    /// Other data symbols.
    symbols: Vec<DataSymbol>,
}

/// What data symbol `sym` refers to (as the linker lays it out).
fn symbol_refs(sym: &DataSymbol, classes: &BTreeMap<String, ClassLayout>) -> SymbolRefs {
    let mut refs = SymbolRefs {
        entries: Vec::new(),
        adapters: Vec::new(),
        symbols: Vec::new(),
    };
    match sym {
        DataSymbol::Global { .. } | DataSymbol::Str(_) | DataSymbol::InterruptFlag => {}
        DataSymbol::ArrayDescriptor { elem_type, .. } => {
            refs.symbols.extend(elem_type.aux_symbol());
        }
        DataSymbol::FunctionDescriptor(f) => {
            refs.entries.push(f.entry.clone());
            refs.adapters.push((f.adapter.clone(), Dispatch::Function));
        }
        DataSymbol::StaticClosure(f) => {
            refs.symbols.push(DataSymbol::FunctionDescriptor(f.clone()));
        }
        DataSymbol::ClassDescriptor(key) => {
            let Some(class) = classes.get(key) else {
                return refs;
            };
            for (index, m) in class.methods.iter().enumerate() {
                refs.adapters
                    .push((m.entry.clone(), Dispatch::Virtual(index as i32)));
                let how = Dispatch::Method(m.name.as_bytes().to_vec());
                refs.adapters.push((m.adapter.clone(), how));
            }
            refs.symbols.extend(
                class
                    .superclass
                    .iter()
                    .map(|s| DataSymbol::ClassDescriptor(s.clone()))
                    .chain(class.fields.iter().filter_map(|(_, t)| t.aux_symbol())),
            );
        }
    }
    refs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_calls_that_can_recurse_are_in_a_cycle() {
        let names = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let (main, fib, even, odd, leaf) = (
            names(&["fib", "even", "leaf"]),
            names(&["fib", "fib", "leaf"]),
            names(&["odd", "leaf"]),
            names(&["even"]),
            names(&[]),
        );
        let graph = [
            ("main", &main[..]),
            ("fib", &fib[..]),
            ("even", &even[..]),
            ("odd", &odd[..]),
            ("leaf", &leaf[..]),
        ];
        let cycles = call_cycles(&graph);
        let set = |xs: &[&'static str]| xs.iter().copied().collect::<BTreeSet<_>>();
        assert_eq!(cycles[0], set(&[]), "main calls into cycles but is in none");
        assert_eq!(cycles[1], set(&["fib"]));
        assert_eq!(cycles[2], set(&["odd"]));
        assert_eq!(cycles[3], set(&["even"]));
        assert_eq!(cycles[4], set(&[]));
    }

    #[test]
    fn a_table_call_becomes_a_no_op_and_a_direct_call_of_the_same_length() {
        // nop; call qword [r14 + 0x1234]; ret
        let mut code = vec![0x90, 0x41, 0xFF, 0x96, 0x34, 0x12, 0, 0, 0xC3];
        make_direct(&mut code, 4, 0x4000_0000, 0x4000_0100).unwrap();
        // The call ends at 0x4000_0008, as the table call did: 0x100 - 8 = 0xF8.
        assert_eq!(code, [0x90, 0x66, 0x90, 0xE8, 0xF8, 0, 0, 0, 0xC3]);
        // Backwards.
        let mut code = vec![0x41, 0xFF, 0x96, 0, 0, 0, 0];
        make_direct(&mut code, 3, 0x4000_0100, 0x4000_0000).unwrap();
        assert_eq!(&code[3..], (-0x107i32).to_le_bytes());
    }

    #[test]
    fn anything_but_a_table_call_is_refused() {
        let mut code = vec![0x48, 0x8B, 0x86, 0, 0, 0, 0];
        assert!(make_direct(&mut code, 3, 0, 0).is_err());
        assert!(make_direct(&mut code, 1, 0, 0).is_err());
        let mut short = vec![0x41, 0xFF, 0x96, 0];
        assert!(make_direct(&mut short, 3, 0, 0).is_err());
    }

    /// Xtensa code compiled for release has its `call8`s filled in; code compiled with table
    /// calls (whose slots a release image may not keep) is refused.
    #[test]
    fn xtensa_calls_are_filled_in_and_table_calls_refused() {
        use crate::target::{Calls, Target};
        let ir = std::sync::Arc::new(ir::builder::fib());
        let input = |calls| LinkInput {
            name: "fib".into(),
            ir: ir.clone(),
            code: Target::Xtensa.compile(&ir, calls).unwrap(),
        };
        let base = abi::esp32::CODE_BASE;
        let direct = input(Calls::Direct);
        let entry = base + direct.code.entry();
        let mut bytes = direct.code.bytes().to_vec();
        make_calls_direct(
            &direct,
            &mut bytes,
            base,
            |_| Ok(entry),
            &BTreeSet::new(),
            &mut BTreeSet::new(),
        )
        .unwrap();
        let listing = backend_xtensa::disasm(&bytes[direct.code.entry() as usize..], entry);
        let calls = format!(" call8 {entry:#x}");
        assert_eq!(listing.matches(&calls).count(), 2, "{listing}");

        let table = input(Calls::Table);
        let mut bytes = table.code.bytes().to_vec();
        let err = make_calls_direct(
            &table,
            &mut bytes,
            base,
            |_| Ok(entry),
            &BTreeSet::new(),
            &mut BTreeSet::new(),
        )
        .unwrap_err();
        assert!(
            matches!(&err, BuildError::Link(LinkError::Reloc(why)) if why.contains("through the function table")),
            "{err:?}"
        );
    }
}
