//! The shadow machine: the host's exact mirror of what a device holds — where code and data
//! are, which function-table slot each function has and which version of its code the slot
//! runs, the class layouts behind the descriptors on the device, the global root ranges, the
//! globals and their types, and the names a session has defined so far. The linker
//! ([`crate::link::link_onto`]) plans a patch against it and returns the shadow machine as it
//! will be once the device has applied the patch; the caller keeps that one only after the
//! device acknowledges.

use crate::build::ModuleArtifact;
use crate::check::Interface;
use crate::link::{ClassLayout, LinkError, LinkInput, LinkTarget, SourceMap};
use crate::types::Type;
use imbl::OrdMap;
use ir::DataSymbol;
use std::sync::Arc;

/// What a device holds, as the host knows it. Its maps are persistent (`imbl`), so that the
/// shadow machine after a patch shares everything the patch did not change with the one before:
/// planning a patch costs what the patch changes, not the size of the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shadow {
    pub(crate) target: LinkTarget,
    /// The first free code address.
    pub(crate) next_code: u32,
    /// The first free data address.
    pub(crate) next_data: u32,
    /// The first slot never given out.
    pub(crate) next_slot: u32,
    /// Function (program-wide name) → its slot. A redefinition in a later program of a
    /// session shares the slot of the definition it replaces.
    pub(crate) slots: OrdMap<String, u32>,
    /// Slot → the code it runs.
    pub(crate) loaded: OrdMap<u32, Loaded>,
    /// Every data symbol on the device and its address.
    pub(crate) data: OrdMap<DataSymbol, u32>,
    /// The layout of every class whose descriptor may be on the device.
    pub(crate) classes: OrdMap<String, ClassLayout>,
    /// Global root ranges registered with the device.
    pub(crate) roots: Vec<(u32, u32)>,
    /// Return addresses of every call site loaded → source locations.
    pub(crate) source_map: SourceMap,
    /// The globals of the programs loaded, by program-wide name, and their types.
    pub(crate) globals: OrdMap<String, Type>,
    /// The names the programs of a session defined, as later programs see them.
    pub(crate) names: Interface,
    /// The address of every global's cell, by program-wide name.
    pub(crate) global_cells: OrdMap<String, u32>,
    /// Module path → the very artifact whose functions were linked last (a module whose
    /// artifact is still that one has nothing to patch).
    pub(crate) modules: OrdMap<String, Arc<ModuleArtifact>>,
}

/// The code one slot runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The function's program-wide name.
    pub name: String,
    /// Where its code is.
    pub addr: u32,
    /// Its size in bytes.
    pub size: u32,
    /// A fingerprint of its linked bytes.
    pub version: u64,
    /// What it was linked from (an unchanged function is recognized by these very values).
    pub linked: LinkInput,
}

/// What the host knows about the device's memory use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryUse {
    /// Bytes of code loaded (replaced versions included: their space is not reused).
    pub code_used: u32,
    /// Size of the code region.
    pub code_size: u32,
    /// Bytes of static data (globals, strings, descriptors).
    pub data_used: u32,
    /// Size of the data region.
    pub data_size: u32,
    /// Function-table slots in use.
    pub slots_used: u32,
    /// Function-table slots.
    pub slots: u32,
}

impl Shadow {
    /// A device that holds nothing yet.
    pub fn new(target: LinkTarget) -> Shadow {
        Shadow {
            target,
            next_code: target.memory.code_base,
            next_data: target.memory.data_base,
            next_slot: 0,
            slots: OrdMap::new(),
            loaded: OrdMap::new(),
            data: OrdMap::new(),
            classes: OrdMap::new(),
            roots: Vec::new(),
            source_map: SourceMap::default(),
            globals: OrdMap::new(),
            names: Interface::default(),
            global_cells: OrdMap::new(),
            modules: OrdMap::new(),
        }
    }

    /// The device this mirrors.
    pub fn target(&self) -> LinkTarget {
        self.target
    }

    /// The names earlier programs of the session defined (what a new program sees without
    /// importing it).
    pub fn names(&self) -> &Interface {
        &self.names
    }

    /// The source locations of the call sites of all code loaded (replaced versions included).
    pub fn source_map(&self) -> &SourceMap {
        &self.source_map
    }

    /// The code and data the device holds.
    pub fn memory_use(&self) -> MemoryUse {
        let map = &self.target.memory;
        MemoryUse {
            code_used: self.next_code - map.code_base,
            code_size: map.code_size,
            data_used: self.next_data - map.data_base,
            data_size: map.linkable_data_size(),
            slots_used: self.next_slot,
            slots: self.target.slots,
        }
    }

    /// The version of the code slot of `function` runs, if it is loaded.
    pub fn loaded(&self, function: &str) -> Option<&Loaded> {
        self.loaded.get(self.slots.get(function)?)
    }

    /// Whether `artifact` is the very artifact of module `path` linked last.
    pub(crate) fn has_linked(&self, path: &str, artifact: &Arc<ModuleArtifact>) -> bool {
        self.modules
            .get(path)
            .is_some_and(|linked| Arc::ptr_eq(linked, artifact))
    }

    /// The slot of `function`, given out now if it has none.
    pub(crate) fn slot_for(&mut self, function: &str) -> Result<u32, LinkError> {
        if let Some(slot) = self.slots.get(function) {
            return Ok(*slot);
        }
        if self.next_slot >= self.target.slots {
            return Err(LinkError::TooManyFunctions(
                self.next_slot + 1,
                self.target.slots,
            ));
        }
        let slot = self.next_slot;
        self.next_slot += 1;
        self.slots.insert(function.to_string(), slot);
        Ok(slot)
    }

    /// Makes `function` share the slot of `replaced` (a redefinition in a later program of a
    /// session): callers of either call the newest code.
    pub(crate) fn alias_slot(&mut self, function: &str, replaced: &str) {
        if let Some(slot) = self.slots.get(replaced).copied() {
            self.slots.insert(function.to_string(), slot);
        }
    }

    /// Makes global `name` share the storage of `replaced`.
    pub(crate) fn alias_global(&mut self, name: DataSymbol, replaced: &DataSymbol) {
        if let Some(addr) = self.data.get(replaced).copied() {
            if let DataSymbol::Global { name, .. } = &name {
                self.global_cells.insert(name.clone(), addr);
            }
            self.data.insert(name, addr);
        }
    }
}
