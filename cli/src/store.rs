//! The content-addressed store under `$BS_HOME/store` (default: `bluescript/` in the user's cache
//! directory): each entry is `<hash>-<name>`, a directory or file that never changes once
//! written, because its name is the hash of what it holds (fetched sources) or of everything
//! it was made from (build artifacts). `$BS_HOME/projects` lists the projects that use the store,
//! for `bs gc`.
//!
//! Writes are atomic: an entry is made in `store/.tmp/` and renamed into place, so a failure
//! halfway leaves no half-written entry.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The temporary directory inside the store (same file system, so renames are atomic).
const TMP: &str = ".tmp";

/// The store and the project registry.
#[derive(Debug, Clone)]
pub struct Store {
    home: PathBuf,
}

/// Why the store could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// There is no `$BS_HOME` and no cache directory.
    #[error("cannot find a place for the store: set BS_HOME to a directory")]
    NoHome,
    /// A file operation failed.
    #[error("{what} `{}`: {source}", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// On which path.
        path: PathBuf,
        /// The failure.
        source: std::io::Error,
    },
}

/// `Err(StoreError::Io)` for `what` on `path`.
pub fn io_error(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> StoreError {
    let path = path.to_path_buf();
    move |source| StoreError::Io { what, path, source }
}

impl Store {
    /// The store of `$BS_HOME`, or of `bluescript/` in the user's cache directory.
    pub fn open() -> Result<Store, StoreError> {
        let home = match std::env::var_os("BS_HOME") {
            Some(home) if !home.is_empty() => PathBuf::from(home),
            _ => dirs::cache_dir()
                .ok_or(StoreError::NoHome)?
                .join("bluescript"),
        };
        Ok(Store { home })
    }

    /// The directory holding the entries.
    pub fn root(&self) -> PathBuf {
        self.home.join("store")
    }

    /// The entry `<hash>-<name>` (which may not exist).
    pub fn entry(&self, hash: &str, name: &str) -> PathBuf {
        self.root().join(format!("{hash}-{name}"))
    }

    /// A new, empty temporary path in the store (not created), to build an entry in.
    pub fn temp_path(&self) -> Result<PathBuf, StoreError> {
        let dir = self.root().join(TMP);
        std::fs::create_dir_all(&dir).map_err(io_error("cannot create", &dir))?;
        static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        Ok(dir.join(format!("{}-{n}-{nanos}", std::process::id())))
    }

    /// Moves `temp` (made under [`Store::temp_path`]) to the entry `<hash>-<name>`; when that
    /// entry exists already, `temp` is deleted instead (both hold the same thing).
    pub fn install(&self, temp: &Path, hash: &str, name: &str) -> Result<PathBuf, StoreError> {
        let entry = self.entry(hash, name);
        if entry.exists() {
            remove_tree(temp)?;
            return Ok(entry);
        }
        match std::fs::rename(temp, &entry) {
            Ok(()) => Ok(entry),
            // Another `bs` installed the same entry in the meantime.
            Err(_) if entry.exists() => {
                remove_tree(temp)?;
                Ok(entry)
            }
            Err(e) => Err(io_error("cannot move into the store", &entry)(e)),
        }
    }

    /// Writes `bytes` as the file entry `<hash>-<name>`, atomically.
    pub fn write_file(&self, hash: &str, name: &str, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        let temp = self.temp_path()?;
        let mut file = std::fs::File::create(&temp).map_err(io_error("cannot create", &temp))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(io_error("cannot write", &temp))?;
        self.install(&temp, hash, name)
    }

    /// The file that lists the projects using this store.
    fn registry(&self) -> PathBuf {
        self.home.join("projects")
    }

    /// The projects registered with [`Store::register`], as listed.
    pub fn projects(&self) -> Result<Vec<PathBuf>, StoreError> {
        let path = self.registry();
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(text
                .lines()
                .filter(|l| !l.is_empty())
                .map(PathBuf::from)
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(io_error("cannot read", &path)(e)),
        }
    }

    /// Records that the project in `dir` uses the store, so that `bs gc` keeps what it needs.
    pub fn register(&self, dir: &Path) -> Result<(), StoreError> {
        let dir = dir.canonicalize().map_err(io_error("cannot find", dir))?;
        let mut projects = self.projects()?;
        if projects.contains(&dir) {
            return Ok(());
        }
        projects.push(dir);
        self.set_projects(&projects)
    }

    /// Replaces the list of registered projects (atomically).
    pub fn set_projects(&self, projects: &[PathBuf]) -> Result<(), StoreError> {
        let mut text = String::new();
        for p in projects {
            text.push_str(&p.display().to_string());
            text.push('\n');
        }
        std::fs::create_dir_all(&self.home).map_err(io_error("cannot create", &self.home))?;
        let temp = self.temp_path()?;
        std::fs::write(&temp, text).map_err(io_error("cannot write", &temp))?;
        let path = self.registry();
        std::fs::rename(&temp, &path).map_err(io_error("cannot write", &path))
    }

    /// The names of every entry in the store (temporary files not included).
    pub fn entries(&self) -> Result<Vec<String>, StoreError> {
        let root = self.root();
        let read = match std::fs::read_dir(&root) {
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error("cannot read", &root)(e)),
        };
        let mut names = Vec::new();
        for entry in read {
            let entry = entry.map_err(io_error("cannot read", &root))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != TMP {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    /// Deletes the entry called `name`.
    pub fn delete(&self, name: &str) -> Result<(), StoreError> {
        remove_tree(&self.root().join(name))
    }

    /// Deletes the temporary files of builds that did not finish.
    pub fn clear_temporaries(&self) -> Result<(), StoreError> {
        remove_tree(&self.root().join(TMP))
    }
}

/// Removes a file or a directory tree; a missing one is fine.
pub fn remove_tree(path: &Path) -> Result<(), StoreError> {
    let result = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => Err(e),
        Ok(meta) if meta.is_dir() => {
            make_writable(path).and_then(|()| std::fs::remove_dir_all(path))
        }
        Ok(_) => std::fs::remove_file(path),
    };
    result.map_err(io_error("cannot delete", path))
}

/// Git writes its objects read-only; directories must be writable to delete what is in them.
fn make_writable(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            make_writable(&entry.path())?;
        }
    }
    let mut perms = std::fs::metadata(dir)?.permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(dir, perms)
}

/// The SHA-256 of a directory's content, in lowercase hex. Defined as the hash of, for each
/// file and symbolic link below `dir` (except a top-level `.git`), in byte order of their paths
/// relative to `dir` with `/` separators: a kind byte (`f` for a file, `l` for a link), the path,
/// a zero byte, the content's length as 8 little-endian bytes, and the content (a link's
/// content is its target). Nothing else counts: no times, owners or permissions.
pub fn hash_dir(dir: &Path) -> Result<String, StoreError> {
    let mut files = Vec::new();
    collect(dir, "", &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
    for (rel, kind) in files {
        let path = dir.join(&rel);
        let content = match kind {
            b'l' => std::fs::read_link(&path)
                .map(|t| t.to_string_lossy().into_owned().into_bytes())
                .map_err(io_error("cannot read", &path))?,
            _ => std::fs::read(&path).map_err(io_error("cannot read", &path))?,
        };
        hasher.update([kind]);
        hasher.update(rel.as_bytes());
        hasher.update([0]);
        hasher.update((content.len() as u64).to_le_bytes());
        hasher.update(&content);
    }
    Ok(hex(&hasher.finalize()))
}

/// Adds every file and link below `dir/rel` to `out` as `(relative path, kind)`.
fn collect(dir: &Path, rel: &str, out: &mut Vec<(String, u8)>) -> Result<(), StoreError> {
    let here = dir.join(rel);
    for entry in std::fs::read_dir(&here).map_err(io_error("cannot read", &here))? {
        let entry = entry.map_err(io_error("cannot read", &here))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if rel.is_empty() && name == ".git" {
            continue;
        }
        let path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let kind = entry
            .file_type()
            .map_err(io_error("cannot read", &entry.path()))?;
        if kind.is_dir() {
            collect(dir, &path, out)?;
        } else if kind.is_symlink() {
            out.push((path, b'l'));
        } else {
            out.push((path, b'f'));
        }
    }
    Ok(())
}

/// The SHA-256 of `bytes` in lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lowercase hex digits of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("bs-store-unit-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_content_hash_sees_paths_and_bytes_only() {
        let a = temp("hash-a");
        let b = temp("hash-b");
        for dir in [&a, &b] {
            std::fs::create_dir_all(dir.join("src")).unwrap();
        }
        // Written in different orders, with a `.git` directory in one only.
        std::fs::write(a.join("src/x.bs"), "x").unwrap();
        std::fs::write(a.join("bluescript.toml"), "t").unwrap();
        std::fs::write(b.join("bluescript.toml"), "t").unwrap();
        std::fs::write(b.join("src/x.bs"), "x").unwrap();
        std::fs::create_dir_all(b.join(".git")).unwrap();
        std::fs::write(b.join(".git/HEAD"), "ref").unwrap();
        assert_eq!(hash_dir(&a).unwrap(), hash_dir(&b).unwrap());
        // The same bytes under another name, or other bytes, hash differently.
        std::fs::rename(b.join("src/x.bs"), b.join("src/y.bs")).unwrap();
        assert_ne!(hash_dir(&a).unwrap(), hash_dir(&b).unwrap());
        std::fs::rename(b.join("src/y.bs"), b.join("src/x.bs")).unwrap();
        std::fs::write(b.join("src/x.bs"), "X").unwrap();
        assert_ne!(hash_dir(&a).unwrap(), hash_dir(&b).unwrap());
        // Moving bytes between a path and the content cannot collide.
        let c = temp("hash-c");
        let d = temp("hash-d");
        std::fs::write(c.join("ab"), "c").unwrap();
        std::fs::write(d.join("a"), "bc").unwrap();
        assert_ne!(hash_dir(&c).unwrap(), hash_dir(&d).unwrap());
        // The empty directory: the SHA-256 of nothing.
        let e = temp("hash-e");
        assert_eq!(hash_dir(&e).unwrap(), sha256_hex(b""));
    }

    #[test]
    fn install_moves_into_place_once() {
        let home = temp("install");
        let store = Store { home: home.clone() };
        let first = store.write_file("abc", "thing", b"one").unwrap();
        assert_eq!(first, home.join("store/abc-thing"));
        // A second write of the same entry keeps the first and leaves no temporary behind.
        store.write_file("abc", "thing", b"one").unwrap();
        assert_eq!(std::fs::read(&first).unwrap(), b"one");
        assert_eq!(store.entries().unwrap(), ["abc-thing"]);
        assert_eq!(
            std::fs::read_dir(home.join("store/.tmp")).unwrap().count(),
            0
        );
    }
}
