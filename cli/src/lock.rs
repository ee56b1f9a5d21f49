//! `bluescript.lock`: every git dependency of a project, transitively, pinned to the commit it
//! resolved to and the SHA-256 of its files ([`crate::store::hash_dir`]). Written by `bs` when
//! resolution changes it; entries sorted, so the same resolution gives the same file.
//!
//! ```toml
//! version = 1
//!
//! [[package]]
//! name = "sensors"
//! git = "https://example.org/sensors.git"
//! reference = "tag=v1.2.0"
//! rev = "4f1c…"
//! sha256 = "9a0b…"
//! ```

use crate::manifest::GitReference;
use std::path::Path;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};

/// The lock file name, next to the manifest.
pub const LOCK: &str = "bluescript.lock";

/// The format version this `bs` writes and reads.
const VERSION: i64 = 1;

/// A lock file's content.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    /// Sorted by name, repository and reference.
    pub packages: Vec<Locked>,
}

/// One pinned git dependency.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Locked {
    /// The dependency's name in the manifest that declares it.
    pub name: String,
    /// The repository URL.
    pub git: String,
    /// The reference the manifest gives.
    pub reference: GitReference,
    /// The commit it resolved to (40 hex digits).
    pub rev: String,
    /// The SHA-256 of the files at that commit.
    pub sha256: String,
}

/// Why a lock file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("`{path}` is not a valid lock file: {reason}; delete it and `bs` writes a new one")]
pub struct LockError {
    /// The file.
    pub path: String,
    /// What is wrong.
    pub reason: String,
}

impl Lock {
    /// Reads the lock file at `path`; a missing file is an empty lock.
    pub fn read(path: &Path) -> Result<Option<Lock>, LockError> {
        let bad = |reason: String| LockError {
            path: path.display().to_string(),
            reason,
        };
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(bad(e.to_string())),
        };
        Lock::parse(&text).map(Some).map_err(bad)
    }

    /// Parses a lock file's text.
    pub fn parse(text: &str) -> Result<Lock, String> {
        let doc: DocumentMut = text.parse().map_err(|e| format!("{e}"))?;
        if doc.get("version").and_then(Item::as_integer) != Some(VERSION) {
            return Err(format!("it needs `version = {VERSION}`"));
        }
        let mut packages = Vec::new();
        if let Some(item) = doc.get("package") {
            let tables = item
                .as_array_of_tables()
                .ok_or("`package` must be `[[package]]` tables")?;
            for table in tables {
                let field = |key: &str| {
                    table
                        .get(key)
                        .and_then(Item::as_str)
                        .map(str::to_string)
                        .ok_or(format!("a package has no `{key}` string"))
                };
                let hex = |key: &str, len: usize| {
                    let v = field(key)?;
                    if v.len() == len && v.bytes().all(|b| b.is_ascii_hexdigit()) {
                        Ok(v)
                    } else {
                        Err(format!("`{key}` must be {len} hex digits"))
                    }
                };
                packages.push(Locked {
                    name: field("name")?,
                    git: field("git")?,
                    reference: parse_reference(&field("reference")?)?,
                    rev: hex("rev", 40)?,
                    sha256: hex("sha256", 64)?,
                });
            }
        }
        packages.sort();
        Ok(Lock { packages })
    }

    /// The lock file's text.
    pub fn to_text(&self) -> String {
        let mut doc = DocumentMut::new();
        doc.insert("version", value(VERSION));
        let mut tables = ArrayOfTables::new();
        let mut packages = self.packages.clone();
        packages.sort();
        for p in packages {
            let mut t = Table::new();
            t.insert("name", value(p.name));
            t.insert("git", value(p.git));
            t.insert("reference", value(reference_text(&p.reference)));
            t.insert("rev", value(p.rev));
            t.insert("sha256", value(p.sha256));
            tables.push(t);
        }
        if !tables.is_empty() {
            doc.insert("package", Item::ArrayOfTables(tables));
        }
        format!(
            "# Written by `bs`: every git dependency pinned to a commit and the SHA-256 of its\n\
             # files. Keep it under version control; do not edit it by hand.\n{doc}"
        )
    }

    /// The entry for dependency `name` from `git` at `reference`.
    pub fn find(&self, name: &str, git: &str, reference: &GitReference) -> Option<&Locked> {
        self.packages
            .iter()
            .find(|p| p.name == name && p.git == git && &p.reference == reference)
    }
}

/// `default`, `rev=…`, `tag=…` or `branch=…`.
fn reference_text(reference: &GitReference) -> String {
    match reference {
        GitReference::DefaultBranch => "default".into(),
        GitReference::Rev(r) => format!("rev={r}"),
        GitReference::Tag(t) => format!("tag={t}"),
        GitReference::Branch(b) => format!("branch={b}"),
    }
}

fn parse_reference(text: &str) -> Result<GitReference, String> {
    match text.split_once('=') {
        None if text == "default" => Ok(GitReference::DefaultBranch),
        Some(("rev", r)) => Ok(GitReference::Rev(r.into())),
        Some(("tag", t)) => Ok(GitReference::Tag(t.into())),
        Some(("branch", b)) => Ok(GitReference::Branch(b.into())),
        _ => Err(format!("`{text}` is not a reference")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_reads_back_what_was_written_in_sorted_order() {
        let entry = |name: &str, reference| Locked {
            name: name.into(),
            git: format!("file:///r/{name}"),
            reference,
            rev: "a".repeat(40),
            sha256: "b".repeat(64),
        };
        let lock = Lock {
            packages: vec![
                entry("zeta", GitReference::Branch("main".into())),
                entry("alpha", GitReference::DefaultBranch),
                entry("mid", GitReference::Tag("v1".into())),
                entry("rev", GitReference::Rev("abc123".into())),
            ],
        };
        let text = lock.to_text();
        let back = Lock::parse(&text).unwrap();
        let names: Vec<_> = back.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["alpha", "mid", "rev", "zeta"]);
        assert_eq!(back.to_text(), text);
        assert!(text.contains("reference = \"tag=v1\""), "{text}");
        assert!(Lock::parse("version = 2\n").is_err());
        assert!(Lock::parse("version = 1\n[[package]]\nname = \"x\"\n").is_err());
        let short = text.replacen(&"b".repeat(64), "bbb", 1);
        assert!(Lock::parse(&short).unwrap_err().contains("64 hex digits"));
    }
}
