//! `bs gc`: delete what no registered project needs from the store. A project needs the
//! dependency sources its `bluescript.lock` pins and the compiled modules its last build in
//! each profile used (`target/bs-last-build.dev`, `target/bs-last-build.release`). Projects that no longer exist are forgotten.

use super::build::last_build;
use crate::lock::{LOCK, Lock};
use crate::manifest::MANIFEST;
use crate::store::Store;
use std::collections::BTreeSet;
use std::path::Path;

/// Collects the store's garbage and says what it deleted.
pub fn run() -> miette::Result<()> {
    let store = Store::open().map_err(|e| miette::miette!("{e}"))?;
    let projects: Vec<_> = store
        .projects()
        .map_err(|e| miette::miette!("{e}"))?
        .into_iter()
        .filter(|p| p.join(MANIFEST).is_file())
        .collect();
    let mut needed = BTreeSet::new();
    for project in &projects {
        needed.extend(needs(project)?);
    }
    let mut deleted = 0;
    for entry in store.entries().map_err(|e| miette::miette!("{e}"))? {
        if !needed.contains(&entry) {
            store.delete(&entry).map_err(|e| miette::miette!("{e}"))?;
            deleted += 1;
        }
    }
    store
        .clear_temporaries()
        .map_err(|e| miette::miette!("{e}"))?;
    store
        .set_projects(&projects)
        .map_err(|e| miette::miette!("{e}"))?;
    println!(
        "Deleted {deleted} store entries; kept {} for {} projects",
        needed.len(),
        projects.len()
    );
    Ok(())
}

/// The store entries the project in `dir` needs.
fn needs(dir: &Path) -> miette::Result<Vec<String>> {
    let lock = Lock::read(&dir.join(LOCK)).map_err(|e| miette::miette!("{e}"))?;
    let mut needed: Vec<String> = lock
        .into_iter()
        .flat_map(|l| l.packages)
        .map(|p| format!("{}-{}", p.sha256, p.name))
        .collect();
    for profile in ["dev", "release"] {
        if let Ok(text) = std::fs::read_to_string(last_build(dir, profile)) {
            needed.extend(text.lines().filter(|l| !l.is_empty()).map(str::to_string));
        }
    }
    Ok(needed)
}
