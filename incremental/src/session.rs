//! Sessions: the programs run one after another on one device (`bs run a.bs b.bs`, REPL
//! cells) share what they define. A later program sees the names of the earlier ones without
//! importing them (its entry file's [`crate::db::SourceFile::prelude`]); a function it defines
//! again, with the same signature, takes over the old one's slot, so that every existing caller
//! calls the new code; a global it declares again keeps the old one's storage.

use crate::check::items::adapter_name;
use crate::check::{Interface, Signatures};
use crate::shadow::Shadow;
use ir::DataSymbol;

/// Points the names of `prelude` that the entry file (signatures `sigs`) defines again at the
/// old definitions' slots and storage in `shadow`.
pub fn take_over_redefinitions(shadow: &mut Shadow, prelude: &Interface, sigs: &Signatures) {
    for (local, old) in &prelude.exports {
        let Some(new) = sigs.scope.get(local) else {
            continue;
        };
        if new == old {
            continue;
        }
        if sigs.functions.contains_key(new) {
            shadow.alias_slot(new, old);
            shadow.alias_slot(&adapter_name(new), &adapter_name(old));
        } else if sigs.globals.contains_key(new) {
            for traced in [false, true] {
                let global = |name: &String| DataSymbol::Global {
                    name: name.clone(),
                    traced,
                };
                shadow.alias_global(global(new), &global(old));
            }
        }
    }
}

/// The names a session has after a program whose entry file saw `prelude` and has signatures
/// `sigs`: the earlier names, replaced by and extended with every name the entry file wrote
/// at top level (its own items and its imports).
pub fn names_after(prelude: &Interface, sigs: &Signatures) -> Interface {
    let mut names = prelude.clone();
    names.module = String::new();
    names
        .exports
        .extend(sigs.scope.iter().map(|(l, q)| (l.clone(), q.clone())));
    let mut own = sigs.clone();
    own.scope.clear();
    own.diagnostics.clear();
    names.items.merge(&own);
    names
}
