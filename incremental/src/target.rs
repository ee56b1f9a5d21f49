//! The code generator a board needs, and one function's machine code for either.
//!
//! The `host` board runs x86-64 code ([`backend_x64`]); the ESP32 boards (`esp32-sim`, `esp32`,
//! `esp32s3`) run Xtensa code ([`backend_xtensa`]). The linker sees both through [`Code`]:
//! bytes, the offset of the entry point, call sites and relocations.

use ir::LocId;
use std::sync::Arc;

/// How compiled code calls other BlueScript functions: through the function table
/// (development, so that patches can swap a function) or directly (release images). Only the
/// Xtensa code generator emits direct calls itself (`call8` relocations the release linker
/// resolves); x86-64 code always calls through the table, and the release linker rewrites
/// those calls in place.
pub use backend_xtensa::Calls;

/// An instruction set the compiler generates code for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Target {
    /// x86-64 for the `host` board.
    #[default]
    X64,
    /// Xtensa LX6/LX7 (windowed ABI) for the ESP32 boards.
    Xtensa,
}

impl Target {
    /// The target of board `name`; `None` for an unknown board.
    pub fn for_board(name: &str) -> Option<Target> {
        match name {
            "host" => Some(Target::X64),
            "esp32-sim" | "esp32" | "esp32s3" => Some(Target::Xtensa),
            _ => None,
        }
    }

    /// Compiles `f` for this target with `calls`; the error names the function.
    pub fn compile(self, f: &ir::Function, calls: Calls) -> Result<Code, String> {
        let name = |e: &dyn std::fmt::Display| format!("{}: {e}", f.name);
        match self {
            Target::X64 => backend_x64::compile(f)
                .map(|c| Code::X64(Arc::new(c)))
                .map_err(|e| name(&e)),
            Target::Xtensa => backend_xtensa::compile_with_calls(f, calls)
                .map(|c| Code::Xtensa(Arc::new(c)))
                .map_err(|e| name(&e)),
        }
    }
}

/// What a relocation in a function's code refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelocTarget {
    /// The function-table slot of [`ir::Function::callees`]`[n]`.
    Slot(u32),
    /// The address of [`ir::Function::symbols`]`[n]`.
    Data(u32),
    /// A direct call of [`ir::Function::callees`]`[n]` (code compiled with [`Calls::Direct`]):
    /// only the release linker resolves it, once every function has its address.
    Call(u32),
    /// A direct call of a native (code compiled with [`Calls::Direct`]): only the release
    /// linker resolves it, once the function has its address.
    NativeCall,
    /// An `l32r` of a word of the image's literal pool (code compiled with
    /// [`Calls::Direct`]): only the release linker resolves it, once the pool is laid out.
    Pooled,
}

/// One function's machine code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Code {
    /// x86-64 code.
    X64(Arc<backend_x64::MachineCode>),
    /// Xtensa code.
    Xtensa(Arc<backend_xtensa::MachineCode>),
}

impl Code {
    /// Whether `other` is this very code (the same compiled value, not merely equal bytes).
    pub fn same(&self, other: &Code) -> bool {
        match (self, other) {
            (Code::X64(a), Code::X64(b)) => Arc::ptr_eq(a, b),
            (Code::Xtensa(a), Code::Xtensa(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// The bytes to load.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Code::X64(c) => &c.code,
            Code::Xtensa(c) => &c.code,
        }
    }

    /// The offset of the entry point within [`Code::bytes`] (Xtensa code starts with its
    /// literal pool).
    pub fn entry(&self) -> u32 {
        match self {
            Code::X64(_) => 0,
            Code::Xtensa(c) => c.entry,
        }
    }

    /// Every call site: the offset right after the call and its source location.
    pub fn call_sites(&self) -> Vec<(u32, LocId)> {
        match self {
            Code::X64(c) => c
                .call_sites
                .iter()
                .map(|s| (s.return_offset, s.loc))
                .collect(),
            Code::Xtensa(c) => c
                .call_sites
                .iter()
                .map(|s| (s.return_offset, s.loc))
                .collect(),
        }
    }

    /// What each relocation refers to, in order.
    pub fn reloc_targets(&self) -> Vec<RelocTarget> {
        match self {
            Code::X64(c) => c
                .relocs
                .iter()
                .map(|r| match *r {
                    backend_x64::Reloc::Slot { callee, .. } => RelocTarget::Slot(callee),
                    backend_x64::Reloc::Data { sym, .. } => RelocTarget::Data(sym),
                })
                .collect(),
            Code::Xtensa(c) => c
                .relocs
                .iter()
                .map(|r| match *r {
                    backend_xtensa::Reloc::Slot { callee, .. } => RelocTarget::Slot(callee),
                    backend_xtensa::Reloc::Data { sym, .. } => RelocTarget::Data(sym),
                    backend_xtensa::Reloc::Call { callee, .. } => RelocTarget::Call(callee),
                    backend_xtensa::Reloc::NativeCall { .. } => RelocTarget::NativeCall,
                    backend_xtensa::Reloc::Pooled { .. } => RelocTarget::Pooled,
                })
                .collect(),
        }
    }

    /// Patches relocation `i` in `bytes` (a copy of [`Code::bytes`]) with `value`: the slot
    /// number or the data address.
    pub fn patch(&self, bytes: &mut [u8], i: usize, value: u32) -> Result<(), String> {
        match self {
            Code::X64(c) => c.relocs[i].patch(bytes, value).map_err(|e| e.to_string()),
            Code::Xtensa(c) => c.relocs[i].patch(bytes, value).map_err(|e| e.to_string()),
        }
    }

    /// The x86-64 code, if this is.
    pub fn as_x64(&self) -> Option<&Arc<backend_x64::MachineCode>> {
        match self {
            Code::X64(c) => Some(c),
            Code::Xtensa(_) => None,
        }
    }

    /// The Xtensa code, if this is.
    pub fn as_xtensa(&self) -> Option<&Arc<backend_xtensa::MachineCode>> {
        match self {
            Code::Xtensa(c) => Some(c),
            Code::X64(_) => None,
        }
    }
}
