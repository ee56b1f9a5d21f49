//! Helpers shared by the integration tests.

use incremental::build;
use incremental::db::{Compiler, SourceFile};
use incremental::link::LinkTarget;
use incremental::release::{Release, link_release};

/// The release link for `target` of the program whose entry file is `file`, compiled for the
/// database's target.
pub fn release_of(db: &Compiler, file: SourceFile, target: &LinkTarget) -> Release {
    let modules = incremental::modules::init_order(db, file);
    let artifacts: Vec<_> = modules
        .iter()
        .map(|&m| build::compile_module(db, m).expect("compiles"))
        .collect();
    link_release(db, &modules, &artifacts, target).expect("links")
}
