//! Resolving git dependencies against `bluescript.lock` and the store: a locked dependency
//! whose files are in the store needs no network; anything else is fetched with git, hashed
//! and moved into the store as `<sha256>-<name>`. The files of a dependency must always hash
//! to what the lock says, in the store or freshly fetched; otherwise it was tampered with.

use crate::git;
use crate::lock::{LOCK, Lock, Locked};
use crate::manifest::{Dependency, GitReference, Manifest};
use crate::store::{self, Store};
use std::collections::BTreeMap;
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
    /// Say where each dependency and build artifact comes from (store hits, fetches).
    #[arg(long, short)]
    pub verbose: bool,
}

/// Resolves the git dependencies of one project at a time: [`Resolver::begin`], then
/// [`Resolver::fetch`] for each, then [`Resolver::finish`].
pub struct Resolver {
    options: Options,
    store: Option<Store>,
    /// The project's lock as it was read.
    old: Option<Lock>,
    /// The entries this resolution used.
    new: Lock,
    /// Directories already resolved in this resolution.
    done: BTreeMap<(String, String, GitReference), (PathBuf, String)>,
}

impl Resolver {
    /// A resolver with `options`.
    pub fn new(options: Options) -> Resolver {
        Resolver {
            options,
            store: None,
            old: None,
            new: Lock::default(),
            done: BTreeMap::new(),
        }
    }

    /// Starts resolving the dependencies of the project of `root`.
    pub fn begin(&mut self, root: &Manifest) -> miette::Result<()> {
        let path = root.dir().join(LOCK);
        self.old = Lock::read(&path).map_err(|e| miette::miette!("{e}"))?;
        self.new = Lock::default();
        self.done.clear();
        Ok(())
    }

    /// Checks the resolution of the project of `root` against its lock and writes the lock
    /// when it changed (with `--locked`, a change is an error). A project with git
    /// dependencies is registered with the store, for `bs gc`.
    pub fn finish(&mut self, root: &Manifest) -> miette::Result<()> {
        let path = root.dir().join(LOCK);
        let old = self.old.take();
        if old.as_ref() == Some(&self.new) || (old.is_none() && self.new.packages.is_empty()) {
            return Ok(());
        }
        if self.options.locked {
            let why = if old.is_none() {
                "is missing"
            } else {
                "would change"
            };
            return Err(miette::miette!(
                help = "run the command without `--locked` to update it",
                "`{}` {why}, and `--locked` forbids that",
                path.display()
            ));
        }
        std::fs::write(&path, self.new.to_text())
            .map_err(|e| miette::miette!("cannot write `{}`: {e}", path.display()))?;
        if !self.new.packages.is_empty() {
            self.store()?
                .register(root.dir())
                .map_err(|e| miette::miette!("{e}"))?;
        }
        Ok(())
    }

    /// The store, opened on first use.
    fn store(&mut self) -> miette::Result<&Store> {
        let store = match self.store.take() {
            Some(store) => store,
            None => Store::open().map_err(|e| miette::miette!("{e}"))?,
        };
        Ok(self.store.insert(store))
    }

    /// The directory holding `dep` of `manifest`, a git dependency on `url` at `reference`,
    /// and how messages show it: `NAME@HASH` (the first 16 digits of its content hash), the
    /// same in every project and store location.
    pub fn fetch(
        &mut self,
        manifest: &Manifest,
        dep: &Dependency,
        url: &str,
        reference: &GitReference,
    ) -> miette::Result<(PathBuf, String)> {
        let key = (dep.name.clone(), url.to_string(), reference.clone());
        if let Some(done) = self.done.get(&key) {
            return Ok(done.clone());
        }
        let fail = |message: String| manifest.error_at(dep.span.clone(), &message);
        let locked = self
            .old
            .as_ref()
            .and_then(|l| l.find(&dep.name, url, reference))
            .cloned();
        let entry = match locked {
            Some(entry) => {
                self.locked_files(&entry).map_err(fail)?;
                entry
            }
            None if self.options.locked => {
                return Err(fail(format!(
                    "dependency `{}` is not in `{LOCK}`, and `--locked` forbids adding it; \
                     run without `--locked`",
                    dep.name
                )));
            }
            None if self.options.offline => {
                return Err(fail(format!(
                    "dependency `{}` is not in `{LOCK}`, and `--offline` forbids fetching it; \
                     run without `--offline`",
                    dep.name
                )));
            }
            None => self.fetch_new(&dep.name, url, reference).map_err(fail)?,
        };
        let dir = self.store()?.entry(&entry.sha256, &entry.name);
        let display = format!("{}@{}", entry.name, &entry.sha256[..16]);
        self.new.packages.push(entry);
        self.new.packages.sort();
        self.done.insert(key, (dir.clone(), display.clone()));
        Ok((dir, display))
    }

    /// Makes sure the store holds the files `entry` pins, fetching them when it does not (and
    /// the network may be used); files that do not hash to the pinned hash are an error.
    fn locked_files(&mut self, entry: &Locked) -> Result<(), String> {
        let verbose = self.options.verbose;
        let offline = self.options.offline;
        let store = self.store().map_err(|e| e.to_string())?.clone();
        let dir = store.entry(&entry.sha256, &entry.name);
        if dir.is_dir() {
            let hash = store::hash_dir(&dir).map_err(|e| e.to_string())?;
            if hash != entry.sha256 {
                return Err(format!(
                    "the files of dependency `{}` in `{}` have changed: their SHA-256 is {hash}, \
                     `{LOCK}` says {}; the dependency was tampered with. Delete that directory \
                     and `bs` fetches it again",
                    entry.name,
                    dir.display(),
                    entry.sha256
                ));
            }
            if verbose {
                eprintln!("store hit: {} ({})", entry.name, dir.display());
            }
            return Ok(());
        }
        if offline {
            return Err(format!(
                "dependency `{}` is not in the store, and `--offline` forbids fetching it",
                entry.name
            ));
        }
        let reference = GitReference::Rev(entry.rev.clone());
        let (temp, rev, hash) = fetch_files(&store, &entry.name, &entry.git, &reference)?;
        if hash != entry.sha256 {
            let _ = store::remove_tree(&temp);
            return Err(format!(
                "dependency `{}` at commit {rev} has SHA-256 {hash}, but `{LOCK}` says {}: the \
                 repository's content changed under the same commit or the lock was edited. \
                 If you trust the repository, delete the entry from `{LOCK}`",
                entry.name, entry.sha256
            ));
        }
        store
            .install(&temp, &hash, &entry.name)
            .map_err(|e| e.to_string())?;
        Ok(())
    }

    /// Fetches a dependency the lock does not know yet and moves it into the store.
    fn fetch_new(
        &mut self,
        name: &str,
        url: &str,
        reference: &GitReference,
    ) -> Result<Locked, String> {
        let store = self.store().map_err(|e| e.to_string())?.clone();
        let (temp, rev, sha256) = fetch_files(&store, name, url, reference)?;
        store
            .install(&temp, &sha256, name)
            .map_err(|e| e.to_string())?;
        Ok(Locked {
            name: name.to_string(),
            git: url.to_string(),
            reference: reference.clone(),
            rev,
            sha256,
        })
    }
}

/// Clones `url` into a temporary directory of the store and checks out `reference`: returns
/// the directory (files only), the commit and the content hash.
fn fetch_files(
    store: &Store,
    name: &str,
    url: &str,
    reference: &GitReference,
) -> Result<(PathBuf, String, String), String> {
    eprintln!("Fetching {name} from {url} ({})", reference.describe());
    let temp = store.temp_path().map_err(|e| e.to_string())?;
    let result = (|| -> Result<(String, String), String> {
        git::clone(url, &temp).map_err(|e| e.to_string())?;
        let rev = git::resolve(&temp, reference).map_err(|e| e.to_string())?;
        git::checkout_files(&temp, &rev).map_err(|e| e.to_string())?;
        let hash = store::hash_dir(&temp).map_err(|e| e.to_string())?;
        Ok((rev, hash))
    })();
    match result {
        Ok((rev, hash)) => Ok((temp, rev, hash)),
        Err(e) => {
            let _ = store::remove_tree(&temp);
            Err(format!("dependency `{name}`: {e}"))
        }
    }
}
