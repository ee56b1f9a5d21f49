//! Resolving dependencies that are not local paths.

use crate::manifest::{Dependency, Manifest};
use crate::project::Fetcher;
use std::path::PathBuf;

/// How dependencies may be resolved.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct Options {
    /// Fail if `bluescript.lock` is missing or would change.
    #[arg(long)]
    pub locked: bool,
    /// Never touch the network: use only what the store already holds.
    #[arg(long)]
    pub offline: bool,
}

/// Resolves git dependencies.
pub struct Resolver {
    #[allow(dead_code)]
    options: Options,
}

impl Resolver {
    /// A resolver with `options`.
    pub fn new(options: Options) -> Resolver {
        Resolver { options }
    }
}

impl Fetcher for Resolver {
    fn fetch(&mut self, manifest: &Manifest, dep: &Dependency) -> miette::Result<PathBuf> {
        Err(manifest.error_at(
            dep.span.clone(),
            &format!(
                "dependency `{}`: git dependencies are not supported yet",
                dep.name
            ),
        ))
    }
}
