//! The linker: places compiled functions and their data symbols in the device's memory, assigns
//! function-table slots, patches relocations, and produces the load plan plus the source map
//! that turns a faulting code address back into a source location.

use crate::target::{Code, RelocTarget};
use device::abi;
use device::memory::MemoryMap;
use imbl::OrdMap;
use ir::{DataSymbol, RuntimeType, SourceLoc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

pub use crate::shadow::{Loaded, Shadow};

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
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct LinkInput {
    /// The function's name (unique in the program).
    pub name: String,
    /// Its IR.
    pub ir: Arc<ir::Function>,
    /// Its machine code.
    pub code: Code,
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
    /// Maps return addresses of calls to source locations (of everything loaded so far).
    pub source_map: SourceMap,
    /// The bytes of machine code among `loads` (the functions loaded are `slots`).
    pub code_bytes: u32,
    /// The address of every global's cell, by qualified name (the host writes some before a
    /// run, such as the test selection of `bs test`).
    pub globals: OrdMap<String, u32>,
}

/// Code addresses of call sites and the source locations they came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SourceMap {
    pub(crate) sites: OrdMap<u32, SourceLoc>,
}

impl SourceMap {
    /// The source location of the call whose return address is `addr`.
    pub fn lookup(&self, addr: u32) -> Option<SourceLoc> {
        self.sites.get(&addr).copied()
    }

    /// Every call's return address and source location, in address order.
    pub fn sites(&self) -> impl Iterator<Item = (u32, SourceLoc)> + '_ {
        self.sites.iter().map(|(&addr, &loc)| (addr, loc))
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
    /// A class already on the device has a different layout now.
    #[error("the layout of class `{0}` changed")]
    ClassChanged(String),
}

/// Links `functions` for a fresh device; `classes` gives the layout of every class whose
/// descriptor they refer to; `entry` names the function to run.
pub fn link(
    functions: &[LinkInput],
    classes: &BTreeMap<String, ClassLayout>,
    entry: &str,
    target: &LinkTarget,
) -> Result<Image, LinkError> {
    link_onto(&Shadow::new(*target), functions, classes, entry).map(|(image, _)| image)
}

/// Links `functions` against what `shadow` says the device holds: functions keep their slots,
/// data symbols their addresses, and a function whose code is already loaded is not loaded
/// again. Returns the patch (only what is new) and the shadow machine as it will be once the
/// device has applied it. The entry function may be left out of `functions` when it is
/// loaded already.
pub fn link_onto(
    shadow: &Shadow,
    functions: &[LinkInput],
    classes: &BTreeMap<String, ClassLayout>,
    entry: &str,
) -> Result<(Image, Shadow), LinkError> {
    let mut next = shadow.clone();
    let map = next.target.memory;
    for f in functions {
        next.slot_for(&f.name)?;
    }
    for (key, layout) in classes {
        let placed = next
            .data
            .contains_key(&DataSymbol::ClassDescriptor(key.clone()));
        match next.classes.get(key) {
            Some(old) if placed && old != layout => {
                return Err(LinkError::ClassChanged(layout.name.clone()));
            }
            _ => {
                next.classes.insert(key.clone(), layout.clone());
            }
        }
    }
    let cx = DataContext {
        classes: &next.classes,
        slot_of: &next.slots,
    };
    // The very code and IR linked before (the shadow machine holds them, so their addresses
    // are never reused): same bytes, same symbols, same call sites; nothing to do.
    let unchanged = |f: &LinkInput| {
        next.loaded.get(&next.slots[&f.name]).is_some_and(|loaded| {
            loaded.linked.code.same(&f.code) && Arc::ptr_eq(&loaded.linked.ir, &f.ir)
        })
    };
    let (same, changed): (Vec<&LinkInput>, Vec<&LinkInput>) =
        functions.iter().partition(|f| unchanged(f));
    let data = DataLayout::place(&changed, &cx, &next.data, next.next_data, &map)?;
    let mut image = Image {
        loads: data.loads,
        slots: Vec::new(),
        roots: data.roots.clone(),
        entry: 0,
        source_map: SourceMap::default(),
        code_bytes: 0,
        globals: OrdMap::new(),
    };
    let mut entry_addr = same
        .iter()
        .find(|f| f.name == entry)
        .and_then(|f| Some((f, next.loaded.get(&next.slots[&f.name])?)))
        .map(|(f, loaded)| loaded.addr + f.code.entry());
    for f in changed {
        let slot = next.slots[&f.name];
        let bytes = relocate(f, &next.slots, &data.addresses)?;
        let entry_offset = f.code.entry();
        let version = version_of(&bytes);
        let base = match next.loaded.get_mut(&slot) {
            Some(loaded) if loaded.version == version => {
                loaded.linked = f.clone();
                loaded.addr
            }
            _ => {
                let base = next.next_code;
                let end = base.saturating_add((bytes.len() as u32).next_multiple_of(16));
                if end - map.code_base > map.code_size {
                    return Err(LinkError::TooLarge {
                        what: "code",
                        need: end - map.code_base,
                        have: map.code_size,
                    });
                }
                next.next_code = end;
                next.loaded.insert(
                    slot,
                    Loaded {
                        name: f.name.clone(),
                        addr: base,
                        size: bytes.len() as u32,
                        version,
                        linked: f.clone(),
                    },
                );
                image.slots.push((slot, base + entry_offset));
                image.code_bytes += bytes.len() as u32;
                image.loads.push((base, bytes));
                base
            }
        };
        for (return_offset, loc) in f.code.call_sites() {
            if let Some(loc) = f.ir.locs.get(loc.0 as usize) {
                next.source_map.sites.insert(base + return_offset, *loc);
            }
        }
        if f.name == entry {
            entry_addr = Some(base + entry_offset);
        }
    }
    let loaded_entry = || {
        let loaded = next.loaded(entry)?;
        Some(loaded.addr + loaded.linked.code.entry())
    };
    image.entry = entry_addr
        .or_else(loaded_entry)
        .ok_or_else(|| LinkError::MissingFunction {
            caller: "the program".into(),
            callee: entry.to_string(),
        })?;
    next.data = data.addresses;
    next.next_data = data.end;
    next.roots.extend(data.roots);
    next.global_cells.extend(data.globals);
    image.globals = next.global_cells.clone();
    image.source_map = next.source_map.clone();
    Ok((image, next))
}

/// The machine code of `f` with its relocations resolved.
fn relocate(
    f: &LinkInput,
    slot_of: &OrdMap<String, u32>,
    addresses: &OrdMap<DataSymbol, u32>,
) -> Result<Vec<u8>, LinkError> {
    let mut bytes = f.code.bytes().to_vec();
    for (i, reloc) in f.code.reloc_targets().into_iter().enumerate() {
        let target = match reloc {
            RelocTarget::Slot(callee) => {
                let name = &f.ir.callees[callee as usize];
                *slot_of
                    .get(name.as_str())
                    .ok_or_else(|| LinkError::MissingFunction {
                        caller: f.name.clone(),
                        callee: name.clone(),
                    })?
            }
            RelocTarget::Data(sym) => addresses[&f.ir.symbols[sym as usize]],
            // Resolved by the release linker once every function has its address.
            RelocTarget::Call(_) | RelocTarget::NativeCall | RelocTarget::Pooled => continue,
        };
        f.code
            .patch(&mut bytes, i, target)
            .map_err(LinkError::Reloc)?;
    }
    Ok(bytes)
}

/// A fingerprint of linked machine code: equal code is not loaded again.
fn version_of(bytes: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// A class's run-time layout, as its descriptor shows it to the runtime.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ClassLayout {
    /// The class name users see (`Point`).
    pub name: String,
    /// The superclass's qualified name, if any.
    pub superclass: Option<String>,
    /// Every instance field, inherited ones first: its name and run-time type.
    pub fields: Vec<(String, RuntimeType)>,
    /// The method table (vtable), inherited entries first, overrides in place.
    pub methods: Vec<MethodEntry>,
}

/// One entry of a class's method table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MethodEntry {
    /// The method name.
    pub name: String,
    /// Its number of parameters (without `this`).
    pub arity: u32,
    /// The function implementing it for this class (`this`, typed arguments).
    pub entry: String,
    /// Its `any` adapter (`this`, `any` arguments → `any`).
    pub adapter: String,
}

/// Where every data symbol goes, and the bytes to load there.
struct DataLayout {
    /// Every symbol's address, those placed before included.
    addresses: OrdMap<DataSymbol, u32>,
    loads: Vec<(u32, Vec<u8>)>,
    roots: Vec<(u32, u32)>,
    /// The globals placed now and their cells' addresses.
    globals: Vec<(String, u32)>,
    /// The first free data address after the new symbols.
    end: u32,
}

/// What the data layout needs to resolve references from symbols to the rest of the program.
struct DataContext<'a> {
    classes: &'a OrdMap<String, ClassLayout>,
    slot_of: &'a OrdMap<String, u32>,
}

impl DataContext<'_> {
    fn class(&self, key: &str) -> Result<&ClassLayout, LinkError> {
        self.classes
            .get(key)
            .ok_or_else(|| LinkError::Reloc(format!("class `{key}` has no layout")))
    }

    fn slot(&self, function: &str) -> Result<u32, LinkError> {
        self.slot_of
            .get(function)
            .copied()
            .ok_or_else(|| LinkError::MissingFunction {
                caller: "a descriptor".into(),
                callee: function.to_string(),
            })
    }

    /// The symbols `sym`'s bytes refer to.
    fn dependencies(&self, sym: &DataSymbol) -> Result<Vec<DataSymbol>, LinkError> {
        let string = |s: &str| DataSymbol::Str(s.as_bytes().to_vec());
        Ok(match sym {
            DataSymbol::Global { .. } | DataSymbol::Str(_) | DataSymbol::InterruptFlag => {
                Vec::new()
            }
            DataSymbol::ArrayDescriptor {
                type_name,
                elem_type,
                ..
            } => {
                let mut deps = vec![string(type_name)];
                deps.extend(elem_type.aux_symbol());
                deps
            }
            DataSymbol::ClassDescriptor(key) => {
                let class = self.class(key)?;
                let mut deps = vec![string(&class.name)];
                deps.extend(class.superclass.clone().map(DataSymbol::ClassDescriptor));
                for (name, ty) in &class.fields {
                    deps.push(string(name));
                    deps.extend(ty.aux_symbol());
                }
                deps.extend(class.methods.iter().map(|m| string(&m.name)));
                deps
            }
            DataSymbol::FunctionDescriptor(f) => vec![string(&f.type_name)],
            DataSymbol::StaticClosure(f) => vec![DataSymbol::FunctionDescriptor(f.clone())],
        })
    }

    /// The size in bytes of `sym`'s data.
    fn size(&self, sym: &DataSymbol) -> Result<u32, LinkError> {
        Ok(match sym {
            DataSymbol::Global { .. } => 4,
            DataSymbol::Str(s) => (8 + s.len() as u32).next_multiple_of(4),
            DataSymbol::ArrayDescriptor { .. } => abi::DESC_SIZE,
            DataSymbol::ClassDescriptor(key) => {
                let class = self.class(key)?;
                abi::CLASS_METHODS as u32
                    + abi::METHOD_ENTRY_SIZE * class.methods.len() as u32
                    + abi::FIELD_ENTRY_SIZE * class.fields.len() as u32
            }
            DataSymbol::FunctionDescriptor(f) => {
                abi::FUNC_CAPTURE_TRACED as u32 + 4 * f.captures.len() as u32
            }
            DataSymbol::StaticClosure(_) => 8,
            // The board's word, never placed (see `DataLayout::place`).
            DataSymbol::InterruptFlag => 0,
        })
    }

    /// Appends `sym`'s bytes, placed at `at`, given every symbol's address.
    fn write(
        &self,
        sym: &DataSymbol,
        at: u32,
        addresses: &OrdMap<DataSymbol, u32>,
        out: &mut Vec<u8>,
    ) -> Result<(), LinkError> {
        let addr = |s: DataSymbol| addresses[&s];
        let string = |s: &str| addresses[&DataSymbol::Str(s.as_bytes().to_vec())];
        let mut words: Vec<u32> = Vec::new();
        match sym {
            DataSymbol::Global { .. } => words.push(0),
            DataSymbol::Str(s) => {
                push_string(out, s);
                return Ok(());
            }
            DataSymbol::ArrayDescriptor {
                elem_kind,
                type_name,
                elem_type,
            } => {
                let (kind, aux) = runtime_type_words(elem_type, addresses);
                words.extend([*elem_kind, string(type_name), kind, aux]);
            }
            DataSymbol::ClassDescriptor(key) => {
                let class = self.class(key)?;
                let fields_at = at
                    + abi::CLASS_METHODS as u32
                    + abi::METHOD_ENTRY_SIZE * class.methods.len() as u32;
                words.extend([
                    class
                        .superclass
                        .clone()
                        .map_or(0, |s| addr(DataSymbol::ClassDescriptor(s))),
                    string(&class.name),
                    class.fields.len() as u32,
                    fields_at,
                    class.methods.len() as u32,
                ]);
                for m in &class.methods {
                    words.extend([
                        string(&m.name),
                        m.arity,
                        self.slot(&m.entry)?,
                        self.slot(&m.adapter)?,
                    ]);
                }
                for (name, ty) in &class.fields {
                    let (kind, aux) = runtime_type_words(ty, addresses);
                    words.extend([string(name), kind, aux]);
                }
            }
            DataSymbol::FunctionDescriptor(f) => {
                words.extend([
                    string(&f.type_name),
                    f.arity,
                    self.slot(&f.entry)?,
                    self.slot(&f.adapter)?,
                    f.captures.len() as u32,
                ]);
                words.extend(f.captures.iter().map(|t| *t as u32));
            }
            DataSymbol::StaticClosure(f) => {
                words.extend([
                    abi::STATIC_CLOSURE_HEADER,
                    addr(DataSymbol::FunctionDescriptor(f.clone())),
                ]);
            }
            // The board's word, never placed (see `DataLayout::place`).
            DataSymbol::InterruptFlag => {}
        }
        out.extend(words.iter().flat_map(|w| w.to_le_bytes()));
        Ok(())
    }
}

/// A run-time type as the runtime reads it: the kind word (with the nullable flag) and the aux
/// word.
fn runtime_type_words(ty: &RuntimeType, addresses: &OrdMap<DataSymbol, u32>) -> (u32, u32) {
    let aux = ty.aux_symbol().map_or(0, |s| addresses[&s]);
    (runtime_type_kind(ty), aux)
}

/// The kind word (`TYPE_*`, with the nullable flag) of a run-time type.
pub fn runtime_type_kind(ty: &RuntimeType) -> u32 {
    let nullable = |n: bool| if n { abi::TYPE_NULLABLE } else { 0 };
    match ty {
        RuntimeType::Int => abi::TYPE_INT,
        RuntimeType::Float => abi::TYPE_FLOAT,
        RuntimeType::Bool => abi::TYPE_BOOL,
        RuntimeType::Any => abi::TYPE_ANY,
        RuntimeType::String { nullable: n } => abi::TYPE_STRING | nullable(*n),
        RuntimeType::Array { nullable: n, .. } => abi::TYPE_ARRAY | nullable(*n),
        RuntimeType::Instance { nullable: n, .. } => abi::TYPE_INSTANCE | nullable(*n),
        RuntimeType::Function { nullable: n, .. } => abi::TYPE_FUNCTION | nullable(*n),
        RuntimeType::Object { nullable: n } => abi::TYPE_OBJECT | nullable(*n),
    }
}

impl DataLayout {
    /// Places, from `start` on, every symbol the functions use (and everything those refer
    /// to) that `placed` has no address for yet.
    fn place(
        functions: &[&LinkInput],
        cx: &DataContext,
        placed: &OrdMap<DataSymbol, u32>,
        start: u32,
        map: &MemoryMap,
    ) -> Result<DataLayout, LinkError> {
        let mut symbols: BTreeSet<DataSymbol> = BTreeSet::new();
        let mut work: Vec<DataSymbol> = functions
            .iter()
            .flat_map(|f| f.ir.symbols.iter().cloned())
            .collect();
        while let Some(sym) = work.pop() {
            if symbols.contains(&sym) || placed.contains_key(&sym) {
                continue;
            }
            work.extend(cx.dependencies(&sym)?);
            symbols.insert(sym);
        }
        let mut addresses = placed.clone();
        // The board's own word: not placed, at the address the board reported.
        if symbols.remove(&DataSymbol::InterruptFlag) {
            addresses.insert(DataSymbol::InterruptFlag, map.interrupt_flag());
        }
        // Traced globals first so that they form one root range; then everything else.
        let (traced, rest): (Vec<DataSymbol>, Vec<DataSymbol>) = symbols
            .into_iter()
            .partition(|s| matches!(s, DataSymbol::Global { traced: true, .. }));
        let traced_count = traced.len() as u32;
        let ordered: Vec<DataSymbol> = traced.into_iter().chain(rest).collect();
        let mut size = 0u32;
        for sym in &ordered {
            addresses.insert(sym.clone(), start + size);
            size = size.saturating_add(cx.size(sym)?);
        }
        let used = (start - map.data_base).saturating_add(size);
        if used > map.linkable_data_size() {
            return Err(LinkError::TooLarge {
                what: "data",
                need: used,
                have: map.linkable_data_size(),
            });
        }
        let mut bytes: Vec<u8> = Vec::with_capacity(size as usize);
        for sym in &ordered {
            cx.write(sym, addresses[sym], &addresses, &mut bytes)?;
        }
        debug_assert_eq!(bytes.len() as u32, size);
        let roots = if traced_count > 0 {
            vec![(start, traced_count)]
        } else {
            Vec::new()
        };
        let loads = if bytes.is_empty() {
            Vec::new()
        } else {
            vec![(start, bytes)]
        };
        let globals = ordered
            .iter()
            .filter_map(|sym| match sym {
                DataSymbol::Global { name, .. } => Some((name.clone(), addresses[sym])),
                _ => None,
            })
            .collect();
        Ok(DataLayout {
            addresses,
            loads,
            roots,
            globals,
            end: start + size,
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
