//! The literal pool of an Xtensa release image: every word that release code loads with `l32r`
//! (constants, addresses of data and of function-table entries), each distinct word once, in
//! one pool at the start of the code region. Xtensa code compiled for release has no pools of
//! its own ([`backend_xtensa::Reloc::Pooled`]); here each of its `l32r`s is pointed at its
//! word. `l32r` reaches 256 KiB back, so the code after the pool must end within that.

use crate::build::BuildError;
use crate::link::{LinkError, LinkInput};
use crate::shadow::Shadow;
use backend_xtensa::{PoolLiteral, Reloc};
use ir::DataSymbol;
use std::collections::BTreeMap;

/// What a word of the pool holds, named program-wide (so that equal words of different
/// functions are one).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Word {
    /// A constant.
    Constant(u32),
    /// The address of a function's function-table entry.
    Slot(String),
    /// The address of a data symbol.
    Data(DataSymbol),
}

/// The words of the pool, in address order, each with its index.
#[derive(Debug, Default)]
pub struct Pool {
    index: BTreeMap<Word, u32>,
}

/// The name of the pool in a release image's list of functions (`bs inspect`).
pub const POOL_NAME: &str = "<literals>";

/// The pooled `l32r`s of `f` and the words they load.
fn pooled(f: &LinkInput) -> impl Iterator<Item = (Reloc, Word)> + '_ {
    let relocs = f.code.as_xtensa().map(|c| &c.relocs[..]).unwrap_or(&[]);
    relocs.iter().filter_map(move |r| {
        let Reloc::Pooled { literal, .. } = *r else {
            return None;
        };
        let word = match literal {
            PoolLiteral::Word(w) => Word::Constant(w),
            PoolLiteral::Slot(n) => Word::Slot(f.ir.callees[n as usize].clone()),
            PoolLiteral::Data(n) => Word::Data(f.ir.symbols[n as usize].clone()),
        };
        Some((*r, word))
    })
}

impl Pool {
    /// The pool of the words `functions` load (empty for x86-64 code) and of the addresses of
    /// the function-table entries of `entries`.
    pub fn of<'a>(functions: &[LinkInput], entries: impl Iterator<Item = &'a String>) -> Pool {
        let mut words: Vec<Word> = functions
            .iter()
            .flat_map(|f| pooled(f).map(|(_, w)| w))
            .chain(entries.map(|name| Word::Slot(name.clone())))
            .collect();
        words.sort();
        words.dedup();
        let index = words.into_iter().zip(0..).collect();
        Pool { index }
    }

    /// The address of the word holding the address of `function`'s function-table entry, when
    /// the pool is at `at`.
    pub fn slot_literal(&self, function: &str, at: u32) -> Option<u32> {
        let i = self.index.get(&Word::Slot(function.to_string()))?;
        Some(at + 4 * i)
    }

    /// Its size in bytes.
    pub fn size(&self) -> u32 {
        4 * self.index.len() as u32
    }

    /// Its bytes, once `linked` (the shadow machine after the link) gives every address.
    pub fn bytes(&self, linked: &Shadow) -> Result<Vec<u8>, BuildError> {
        let mut out = vec![0; self.size() as usize];
        for (word, &i) in &self.index {
            let value = match word {
                Word::Constant(w) => *w,
                Word::Slot(name) => {
                    let slot = linked.slots.get(name).copied().ok_or_else(|| {
                        BuildError::Link(LinkError::MissingFunction {
                            caller: POOL_NAME.into(),
                            callee: name.clone(),
                        })
                    })?;
                    backend_xtensa::slot_address(slot)
                        .map_err(|e| super::reloc_error(POOL_NAME, &e.to_string()))?
                }
                Word::Data(sym) => linked.data.get(sym).copied().ok_or_else(|| {
                    super::reloc_error(POOL_NAME, "a data symbol it holds has no address")
                })?,
            };
            let at = 4 * i as usize;
            out[at..at + 4].copy_from_slice(&value.to_le_bytes());
        }
        Ok(out)
    }

    /// Points every pooled `l32r` of `f`'s code `bytes` (loaded at `base`) at its word in this
    /// pool, which is at address `at`.
    pub fn retarget(
        &self,
        f: &LinkInput,
        bytes: &mut [u8],
        base: u32,
        at: u32,
    ) -> Result<(), BuildError> {
        for (reloc, word) in pooled(f) {
            let literal = at + 4 * self.index[&word];
            reloc
                .patch_l32r(bytes, base, literal)
                .map_err(|e| super::reloc_error(&f.name, &e.to_string()))?;
        }
        Ok(())
    }
}
