//! The table-call thunks of an Xtensa release image ([`backend_xtensa::table_call_thunk`]):
//! one for each function that a call within a cycle of the call graph calls. Such a call is a
//! `call8` to the callee's thunk, which continues through the callee's function-table entry, so
//! that an interrupt (which diverts the table) stops every recursion, as on x86-64, where those
//! calls stay table calls. The thunks follow the literal pool, which holds their entries'
//! addresses.

use super::pool::Pool;
use crate::build::BuildError;
use crate::link::LinkInput;
use backend_xtensa::{Reloc, TABLE_CALL_THUNK_SIZE};
use std::collections::{BTreeMap, BTreeSet};

/// The thunks of an image, by callee, in address order.
#[derive(Debug, Default)]
pub struct Thunks {
    index: BTreeMap<String, u32>,
}

/// The name of the thunks in a release image's list of functions (`bs inspect`).
pub const THUNKS_NAME: &str = "<table calls>";

impl Thunks {
    /// The thunks the Xtensa functions `kept` need, where `cycles[i]` holds the callees of
    /// `kept[i]` that can call it again.
    pub fn of(kept: &[LinkInput], cycles: &[BTreeSet<&str>]) -> Thunks {
        let mut names = BTreeSet::new();
        for (f, cycle) in kept.iter().zip(cycles) {
            let Some(code) = f.code.as_xtensa() else {
                continue;
            };
            for r in &code.relocs {
                if let Reloc::Call { callee, .. } = *r {
                    let name = &f.ir.callees[callee as usize];
                    if cycle.contains(name.as_str()) {
                        names.insert(name.clone());
                    }
                }
            }
        }
        Thunks {
            index: names.into_iter().zip(0..).collect(),
        }
    }

    /// The functions called through a thunk.
    pub fn callees(&self) -> impl Iterator<Item = &String> {
        self.index.keys()
    }

    /// Their size in bytes.
    pub fn size(&self) -> u32 {
        TABLE_CALL_THUNK_SIZE * self.index.len() as u32
    }

    /// The address of `callee`'s thunk, when the thunks are at `at`.
    pub fn address(&self, callee: &str, at: u32) -> Option<u32> {
        self.index
            .get(callee)
            .map(|&i| at + TABLE_CALL_THUNK_SIZE * i)
    }

    /// Their bytes at address `at`, loading the entries' addresses from `pool` at `pool_at`.
    pub fn bytes(&self, at: u32, pool: &Pool, pool_at: u32) -> Result<Vec<u8>, BuildError> {
        let mut out = Vec::new();
        for (name, &i) in &self.index {
            let literal = pool
                .slot_literal(name, pool_at)
                .ok_or_else(|| super::reloc_error(THUNKS_NAME, "a thunk's entry is not pooled"))?;
            let thunk = backend_xtensa::table_call_thunk(at + TABLE_CALL_THUNK_SIZE * i, literal)
                .map_err(|e| super::reloc_error(THUNKS_NAME, &e.to_string()))?;
            out.extend(thunk);
        }
        Ok(out)
    }
}
