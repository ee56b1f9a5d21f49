//! The release linker: the whole program at fixed addresses, without the functions `<start>`
//! cannot reach, with every static call direct. x86-64 code calls through the function table
//! (`call qword [r14 + disp32]`, 7 bytes); here each such call becomes a two-byte no-op and
//! `call rel32` (7 bytes too, so return addresses stay where they were). Xtensa code compiled
//! for release ([`Calls::Direct`](crate::target::Calls)) has a `call8` for each call, whose
//! offset is filled in here. The function table keeps only the entries that calls by slot
//! still need: the functions that descriptors name (closures, methods, their `any` adapters)
//! and the built-in adapters.

use crate::build::{BuildError, ModuleArtifact, START, link_inputs};
use crate::db::{Compiler, SourceFile};
use crate::link::{self, ClassLayout, Image, LinkError, LinkInput, LinkTarget};
use crate::target::Code;
use backend_x64::Reloc;
use backend_xtensa::Reloc as XtensaReloc;
use device::abi;
use ir::DataSymbol;
use std::collections::{BTreeMap, BTreeSet};

/// The bytes of `call qword [r14 + disp32]` before the displacement.
const TABLE_CALL: [u8; 3] = [0x41, 0xFF, 0x96];
/// A two-byte no-op (`xchg ax, ax`) and the opcode of `call rel32`.
const DIRECT_CALL: [u8; 3] = [0x66, 0x90, 0xE8];

/// A linked release program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    /// What to load (only the slots that calls by slot need).
    pub image: Image,
    /// Every function kept: name, the address of its code (for Xtensa, of its literal pool
    /// before its entry) and size in bytes, in address order.
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
    let (reachable, by_slot) = reachable(&inputs, &classes, builtins);
    let kept: Vec<LinkInput> = inputs
        .iter()
        .filter(|f| reachable.contains(&f.name))
        .cloned()
        .collect();
    let dropped = inputs
        .iter()
        .filter(|f| !reachable.contains(&f.name))
        .map(|f| f.name.clone())
        .collect();
    let mut image = link::link(&kept, &classes, START, target).map_err(BuildError::Link)?;
    // `link` gives slot i to function i and loads each function at its own address.
    let address: BTreeMap<&str, u32> = kept
        .iter()
        .zip(&image.slots)
        .map(|(f, &(_, addr))| (f.name.as_str(), addr))
        .collect();
    let mut functions = Vec::new();
    for f in &kept {
        let base = address[f.name.as_str()] - f.code.entry();
        let load = image
            .loads
            .iter_mut()
            .find(|(addr, _)| *addr == base)
            .ok_or_else(|| reloc_error(&f.name, "its code is not in the image"))?;
        let callee = |n: u32| {
            let name = &f.ir.callees[n as usize];
            address.get(name.as_str()).copied().ok_or_else(|| {
                BuildError::Link(LinkError::MissingFunction {
                    caller: f.name.clone(),
                    callee: name.clone(),
                })
            })
        };
        make_calls_direct(f, &mut load.1, base, callee)?;
        functions.push((f.name.clone(), base, f.code.bytes().len() as u32));
    }
    image.slots.retain(|&(slot, _)| {
        kept.get(slot as usize)
            .is_some_and(|f| by_slot.contains(&f.name))
    });
    functions.sort_by_key(|&(_, addr, _)| addr);
    Ok(Release {
        image,
        functions,
        dropped,
    })
}

/// Makes every call of `f`'s code `bytes` (loaded at `base`) to another BlueScript function
/// direct: `callee(n)` is the entry address of `f.ir.callees[n]`.
fn make_calls_direct(
    f: &LinkInput,
    bytes: &mut [u8],
    base: u32,
    callee: impl Fn(u32) -> Result<u32, BuildError>,
) -> Result<(), BuildError> {
    match &f.code {
        Code::X64(code) => {
            for reloc in &code.relocs {
                if let Reloc::Slot { offset, callee: n } = *reloc {
                    make_direct(bytes, offset as usize, base, callee(n)?)
                        .map_err(|e| reloc_error(&f.name, e))?;
                }
            }
        }
        Code::Xtensa(code) => {
            for reloc in &code.relocs {
                match *reloc {
                    XtensaReloc::Call { callee: n, .. } => reloc
                        .patch_call(bytes, base, callee(n)?)
                        .map_err(|e| reloc_error(&f.name, &e.to_string()))?,
                    XtensaReloc::Slot { .. } => {
                        return Err(reloc_error(
                            &f.name,
                            "it was compiled with calls through the function table",
                        ));
                    }
                    XtensaReloc::Data { .. } => {}
                }
            }
        }
    }
    Ok(())
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

/// The functions `<start>` reaches (through calls and through the descriptors their data
/// names), and among them those called by slot. The first `builtins` inputs (the built-in
/// adapters, which the runtime calls by their fixed slots) are always kept.
fn reachable(
    inputs: &[LinkInput],
    classes: &BTreeMap<String, ClassLayout>,
    builtins: usize,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let by_name: BTreeMap<&str, &LinkInput> = inputs.iter().map(|f| (f.name.as_str(), f)).collect();
    let mut by_slot: BTreeSet<String> = inputs[..builtins.min(inputs.len())]
        .iter()
        .map(|f| f.name.clone())
        .collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut work: Vec<String> = by_slot.iter().cloned().chain([START.to_string()]).collect();
    let mut symbols_seen: BTreeSet<DataSymbol> = BTreeSet::new();
    while let Some(name) = work.pop() {
        let Some(f) = by_name.get(name.as_str()) else {
            continue;
        };
        if !seen.insert(name) {
            continue;
        }
        work.extend(f.ir.callees.iter().cloned());
        let mut symbols = f.ir.symbols.clone();
        while let Some(sym) = symbols.pop() {
            if symbols_seen.contains(&sym) {
                continue;
            }
            let (names, refs) = symbol_refs(&sym, classes);
            symbols.extend(refs);
            symbols_seen.insert(sym);
            for n in names {
                by_slot.insert(n.clone());
                work.push(n);
            }
        }
    }
    (seen, by_slot)
}

/// The functions data symbol `sym` names by slot, and the symbols its data refers to (as the
/// linker lays them out).
fn symbol_refs(
    sym: &DataSymbol,
    classes: &BTreeMap<String, ClassLayout>,
) -> (Vec<String>, Vec<DataSymbol>) {
    match sym {
        DataSymbol::Global { .. } | DataSymbol::Str(_) | DataSymbol::InterruptFlag => {
            (Vec::new(), Vec::new())
        }
        DataSymbol::ArrayDescriptor { elem_type, .. } => {
            (Vec::new(), elem_type.aux_symbol().into_iter().collect())
        }
        DataSymbol::FunctionDescriptor(f) => (vec![f.entry.clone(), f.adapter.clone()], Vec::new()),
        DataSymbol::StaticClosure(f) => {
            (Vec::new(), vec![DataSymbol::FunctionDescriptor(f.clone())])
        }
        DataSymbol::ClassDescriptor(key) => {
            let Some(class) = classes.get(key) else {
                return (Vec::new(), Vec::new());
            };
            let names = class
                .methods
                .iter()
                .flat_map(|m| [m.entry.clone(), m.adapter.clone()])
                .collect();
            let refs = class
                .superclass
                .iter()
                .map(|s| DataSymbol::ClassDescriptor(s.clone()))
                .chain(class.fields.iter().filter_map(|(_, t)| t.aux_symbol()))
                .collect();
            (names, refs)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        make_calls_direct(&direct, &mut bytes, base, |_| Ok(entry)).unwrap();
        let listing = backend_xtensa::disasm(&bytes[direct.code.entry() as usize..], entry);
        let calls = format!(" call8 {entry:#x}");
        assert_eq!(listing.matches(&calls).count(), 2, "{listing}");

        let table = input(Calls::Table);
        let mut bytes = table.code.bytes().to_vec();
        let err = make_calls_direct(&table, &mut bytes, base, |_| Ok(entry)).unwrap_err();
        assert!(
            matches!(&err, BuildError::Link(LinkError::Reloc(why)) if why.contains("through the function table")),
            "{err:?}"
        );
    }
}
