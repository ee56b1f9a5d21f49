//! The linker: places compiled functions and their data symbols in the device's memory, assigns
//! function-table slots, patches relocations, and produces the load plan plus the source map
//! that turns a faulting code address back into a source location.

use backend_x64::{MachineCode, Reloc};
use device::abi;
use device::memory::MemoryMap;
use ir::{DataSymbol, SourceLoc};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The device a program is linked for: its memory map (as it reported it in the handshake) and
/// its number of function-table slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkTarget {
    /// Where code and data may go.
    pub memory: MemoryMap,
    /// Number of function-table slots.
    pub slots: u32,
}

/// One function ready to link: its IR (for symbols and callees) and machine code.
pub struct LinkInput {
    /// The function's name (unique in the program).
    pub name: String,
    /// Its IR.
    pub ir: Arc<ir::Function>,
    /// Its machine code.
    pub code: Arc<MachineCode>,
}

/// Everything to send to a device to run a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Bytes to load at device addresses (data first, then code).
    pub loads: Vec<(u32, Vec<u8>)>,
    /// Function-table slots to set: `(slot, code address)`.
    pub slots: Vec<(u32, u32)>,
    /// Global root ranges: `(address, word count)`.
    pub roots: Vec<(u32, u32)>,
    /// The code address of the entry function.
    pub entry: u32,
    /// Maps return addresses of calls to source locations.
    pub source_map: SourceMap,
}

/// Code addresses of call sites and the source locations they came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceMap {
    sites: BTreeMap<u32, SourceLoc>,
}

impl SourceMap {
    /// The source location of the call whose return address is `addr`.
    pub fn lookup(&self, addr: u32) -> Option<SourceLoc> {
        self.sites.get(&addr).copied()
    }
}

/// Why linking failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// The program does not fit in a region.
    #[error("the program's {what} ({need} bytes) does not fit in the device's {have} bytes")]
    TooLarge {
        /// `code` or `data`.
        what: &'static str,
        /// Bytes needed.
        need: u32,
        /// Bytes available.
        have: u32,
    },
    /// More functions than function-table slots.
    #[error("the program has {0} functions but the device has only {1} function slots")]
    TooManyFunctions(u32, u32),
    /// A call to a function that is not part of the program.
    #[error("`{caller}` calls `{callee}`, which is not compiled")]
    MissingFunction {
        /// The calling function.
        caller: String,
        /// The missing one.
        callee: String,
    },
    /// A relocation could not be applied.
    #[error("relocation failed: {0}")]
    Reloc(String),
}

/// Links `functions` for a fresh device; `entry` names the function to run.
pub fn link(functions: &[LinkInput], entry: &str, target: &LinkTarget) -> Result<Image, LinkError> {
    let map = &target.memory;
    if functions.len() as u32 > target.slots {
        return Err(LinkError::TooManyFunctions(
            functions.len() as u32,
            target.slots,
        ));
    }
    let data = DataLayout::place(functions, map)?;
    let mut code_addr = BTreeMap::new();
    let mut next = map.code_base;
    for f in functions {
        code_addr.insert(f.name.as_str(), next);
        next += (f.code.code.len() as u32).next_multiple_of(16);
    }
    let code_used = next - map.code_base;
    if code_used > map.code_size {
        return Err(LinkError::TooLarge {
            what: "code",
            need: code_used,
            have: map.code_size,
        });
    }
    let slot_of: BTreeMap<&str, u32> = functions
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i as u32))
        .collect();
    let mut image = Image {
        loads: data.loads,
        slots: Vec::new(),
        roots: data.roots,
        entry: 0,
        source_map: SourceMap::default(),
    };
    for f in functions {
        let base = code_addr[f.name.as_str()];
        let mut bytes = f.code.code.clone();
        for reloc in &f.code.relocs {
            let target = match *reloc {
                Reloc::Slot { callee, .. } => {
                    let name = &f.ir.callees[callee as usize];
                    *slot_of
                        .get(name.as_str())
                        .ok_or_else(|| LinkError::MissingFunction {
                            caller: f.name.clone(),
                            callee: name.clone(),
                        })?
                }
                Reloc::Data { sym, .. } => data.addresses[&f.ir.symbols[sym as usize]],
            };
            reloc
                .patch(&mut bytes, target)
                .map_err(|e| LinkError::Reloc(e.to_string()))?;
        }
        for site in &f.code.call_sites {
            if let Some(loc) = f.ir.locs.get(site.loc.0 as usize) {
                image
                    .source_map
                    .sites
                    .insert(base + site.return_offset, *loc);
            }
        }
        image.slots.push((slot_of[f.name.as_str()], base));
        image.loads.push((base, bytes));
    }
    image.entry = *code_addr
        .get(entry)
        .ok_or_else(|| LinkError::MissingFunction {
            caller: "the program".into(),
            callee: entry.to_string(),
        })?;
    Ok(image)
}

/// Where every data symbol goes, and the bytes to load there.
struct DataLayout {
    addresses: BTreeMap<DataSymbol, u32>,
    loads: Vec<(u32, Vec<u8>)>,
    roots: Vec<(u32, u32)>,
}

impl DataLayout {
    fn place(functions: &[LinkInput], map: &MemoryMap) -> Result<DataLayout, LinkError> {
        // Every descriptor names its type with a string, which must be placed too.
        let mut symbols: Vec<DataSymbol> = functions
            .iter()
            .flat_map(|f| f.ir.symbols.iter().cloned())
            .collect();
        let names: Vec<DataSymbol> = symbols
            .iter()
            .filter_map(|s| match s {
                DataSymbol::ArrayDescriptor { type_name, .. } => {
                    Some(DataSymbol::Str(type_name.clone().into_bytes()))
                }
                _ => None,
            })
            .collect();
        symbols.extend(names);
        // Traced globals first so that they form one root range; then other globals, strings,
        // and descriptors (which refer to strings placed before them).
        let category = |s: &DataSymbol| match s {
            DataSymbol::Global { traced: true, .. } => 0,
            DataSymbol::Global { traced: false, .. } => 1,
            DataSymbol::Str(_) => 2,
            DataSymbol::ArrayDescriptor { .. } => 3,
        };
        symbols.sort_by(|a, b| (category(a), a).cmp(&(category(b), b)));
        symbols.dedup();
        let mut addresses: BTreeMap<DataSymbol, u32> = BTreeMap::new();
        let mut bytes: Vec<u8> = Vec::new();
        let mut traced = 0u32;
        for sym in symbols {
            let addr = map.data_base + bytes.len() as u32;
            match &sym {
                DataSymbol::Global { traced: t, .. } => {
                    traced += *t as u32;
                    bytes.extend_from_slice(&0u32.to_le_bytes());
                }
                DataSymbol::Str(s) => push_string(&mut bytes, s),
                DataSymbol::ArrayDescriptor {
                    elem_kind,
                    type_name,
                } => {
                    let name_addr = addresses[&DataSymbol::Str(type_name.clone().into_bytes())];
                    bytes.extend_from_slice(&elem_kind.to_le_bytes());
                    bytes.extend_from_slice(&name_addr.to_le_bytes());
                }
            }
            addresses.insert(sym, addr);
        }
        if bytes.len() as u32 > map.data_size {
            return Err(LinkError::TooLarge {
                what: "data",
                need: bytes.len() as u32,
                have: map.data_size,
            });
        }
        let roots = if traced > 0 {
            vec![(map.data_base, traced)]
        } else {
            Vec::new()
        };
        let loads = if bytes.is_empty() {
            Vec::new()
        } else {
            vec![(map.data_base, bytes)]
        };
        Ok(DataLayout {
            addresses,
            loads,
            roots,
        })
    }
}

/// Appends a static string object (header, length, bytes, padding to 4).
fn push_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&abi::STATIC_STRING_HEADER.to_le_bytes());
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}
