//! Compiled modules kept in the store between builds. A module's artifact is keyed by the
//! SHA-256 of everything its compiled code depends on: the compiler (its version and the hash
//! of the `bs` executable), the board, the profile, the module's path, number and text, and the
//! keys of the modules it imports (so, transitively, their sources). A build whose inputs are
//! unchanged, in this project or in another one with the same dependency, loads the artifact
//! instead of compiling the module.

use crate::compile::Program;
use crate::store::{self, Store};
use incremental::build::{self, BuildError, ModuleArtifact};
use incremental::db::{Resolution, SourceFile};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::OnceLock;

/// The version of the artifact format and key definition.
const FORMAT: &str = "bluescript-module-artifact-v1";

/// What a build with the store did.
#[derive(Debug, Default)]
pub struct Usage {
    /// Modules loaded from the store.
    pub hits: usize,
    /// Modules compiled (and then stored).
    pub compiled: usize,
    /// The store entries the build used.
    pub entries: Vec<String>,
}

/// What every module key of one build shares.
pub struct KeyBase {
    /// The board name.
    pub board: String,
    /// `dev` or `release`.
    pub profile: &'static str,
}

/// Compiles the modules of `program`, in initialization order, loading those whose artifacts
/// are in `store` and storing the others. With `verbose`, says which modules came from the
/// store.
pub fn compile(
    program: &Program,
    base: &KeyBase,
    store: &Store,
    verbose: bool,
) -> Result<(Vec<ModuleArtifact>, Usage), BuildError> {
    let db = &program.db;
    let Some(identity) = compiler_identity() else {
        // Without knowing which compiler this is, stored artifacts cannot be trusted.
        let artifacts = program
            .modules
            .iter()
            .map(|&file| build::compile_module(db, file))
            .collect::<Result<Vec<_>, _>>()?;
        let compiled = artifacts.len();
        return Ok((
            artifacts,
            Usage {
                compiled,
                ..Usage::default()
            },
        ));
    };
    let mut keys: HashMap<SourceFile, String> = HashMap::new();
    let mut usage = Usage::default();
    let mut artifacts = Vec::new();
    let mut diagnostics = Vec::new();
    // Initialization order puts every module after the modules it imports.
    for &file in &program.modules {
        let key = module_key(program, file, base, identity, &keys);
        keys.insert(file, key.clone());
        let name = entry_name(file.path(db));
        let entry = store.entry(&key, &name);
        let stored = std::fs::read(&entry).ok().and_then(|bytes| {
            let artifact = unseal(&bytes).and_then(|json| serde_json::from_slice(json).ok());
            if artifact.is_none() {
                eprintln!(
                    "warning: the stored module `{}` is damaged; compiling it again",
                    entry.display()
                );
            }
            artifact
        });
        let artifact = match stored {
            Some(artifact) => {
                if verbose {
                    eprintln!("store hit: module {} ({key})", file.path(db));
                }
                usage.hits += 1;
                artifact
            }
            None => match build::compile_module(db, file) {
                Ok(artifact) => {
                    usage.compiled += 1;
                    // A store that cannot be written only costs the next build time.
                    let written = serde_json::to_vec(&artifact).ok().map(|json| {
                        // A damaged entry is replaced.
                        let _ = store.delete(&format!("{key}-{name}"));
                        store.write_file(&key, &name, &seal(&json))
                    });
                    if let Some(Err(e)) = written {
                        eprintln!("warning: {e}");
                    }
                    artifact
                }
                Err(BuildError::Diagnostics(d)) => {
                    diagnostics.extend(d);
                    continue;
                }
                Err(e) => return Err(e),
            },
        };
        usage.entries.push(format!("{key}-{name}"));
        artifacts.push(artifact);
    }
    if !diagnostics.is_empty() {
        return Err(BuildError::Diagnostics(diagnostics));
    }
    Ok((artifacts, usage))
}

/// A stored artifact: the SHA-256 of its JSON in hex, a newline, and the JSON, so that an
/// entry changed after it was written is noticed.
fn seal(json: &[u8]) -> Vec<u8> {
    let mut out = store::sha256_hex(json).into_bytes();
    out.push(b'\n');
    out.extend_from_slice(json);
    out
}

/// The JSON of a stored artifact whose hash matches it.
fn unseal(bytes: &[u8]) -> Option<&[u8]> {
    let (hash, json) = bytes.split_at_checked(64)?;
    let json = json.strip_prefix(b"\n")?;
    (hash == store::sha256_hex(json).as_bytes()).then_some(json)
}

/// The store entry name of a module at `path`: its file name, as `<stem>.bsmod`.
fn entry_name(path: &str) -> String {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.strip_suffix(".bs").unwrap_or(file);
    let clean: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{clean}.bsmod")
}

/// The key of `file`'s artifact; `keys` holds those of the modules it imports.
fn module_key(
    program: &Program,
    file: SourceFile,
    base: &KeyBase,
    identity: &str,
    keys: &HashMap<SourceFile, String>,
) -> String {
    let db = &program.db;
    let mut h = Sha256::new();
    let mut field = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field(FORMAT.as_bytes());
    field(identity.as_bytes());
    field(base.board.as_bytes());
    field(base.profile.as_bytes());
    field(file.path(db).as_bytes());
    field(&file.index(db).to_le_bytes());
    field(file.text(db).as_bytes());
    // Imports are a sorted map: the order is fixed.
    for (specifier, resolution) in file.imports(db) {
        field(specifier.as_bytes());
        match resolution {
            Resolution::Module(m) => {
                field(keys.get(m).map_or(b"cycle".as_slice(), |k| k.as_bytes()))
            }
            Resolution::Error(e) => field(format!("{e:?}").as_bytes()),
        }
    }
    store::hex(&h.finalize())
}

/// This compiler: its version and the SHA-256 of the running `bs` executable, so that a
/// rebuilt compiler never reuses another's artifacts (none when the executable cannot be read).
pub fn compiler_identity() -> Option<&'static str> {
    static IDENTITY: OnceLock<Option<String>> = OnceLock::new();
    IDENTITY
        .get_or_init(|| {
            let exe = std::env::current_exe().and_then(std::fs::read).ok()?;
            Some(format!(
                "bs {} {}",
                env!("CARGO_PKG_VERSION"),
                store::sha256_hex(&exe)
            ))
        })
        .as_deref()
}

#[cfg(test)]
mod tests {
    use super::entry_name;

    #[test]
    fn a_sealed_artifact_must_match_its_hash() {
        let sealed = super::seal(b"{\"a\":1}");
        assert_eq!(super::unseal(&sealed), Some(&b"{\"a\":1}"[..]));
        let mut changed = sealed.clone();
        *changed.last_mut().unwrap() = b']';
        assert_eq!(super::unseal(&changed), None);
        assert_eq!(super::unseal(b"short"), None);
    }

    #[test]
    fn entry_names_are_plain_file_names() {
        assert_eq!(entry_name("src/main.bs"), "main.bsmod");
        assert_eq!(entry_name("../geo/lib/shapes 2.bs"), "shapes_2.bsmod");
        assert_eq!(entry_name("x"), "x.bsmod");
    }
}
