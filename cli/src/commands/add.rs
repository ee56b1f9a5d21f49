//! `bs add` and `bs remove`: editing `[dependencies]` of the manifest in place, so that its
//! comments, order and formatting survive.

use crate::deps;
use crate::manifest::{GitReference, MANIFEST, Manifest, is_valid_name};
use crate::project;
use std::path::Path;
use toml_edit::{DocumentMut, InlineTable, Item, Table, Value};

/// Where a dependency added with `bs add` comes from, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `--path P`.
    Path(String),
    /// `--git URL` with at most one of `--rev`, `--tag`, `--branch`.
    Git {
        /// The repository.
        url: String,
        /// The revision.
        reference: GitReference,
    },
}

/// The source of `bs add`'s options (clap has checked that exactly one of `path` and `git` is
/// given, and at most one of `rev`, `tag` and `branch`, only with `git`).
pub fn source(
    path: Option<String>,
    git: Option<String>,
    rev: Option<String>,
    tag: Option<String>,
    branch: Option<String>,
) -> Source {
    match (path, git) {
        (Some(p), _) => Source::Path(p),
        (None, url) => Source::Git {
            url: url.unwrap_or_default(),
            reference: match (rev, tag, branch) {
                (Some(r), _, _) => GitReference::Rev(r),
                (_, Some(t), _) => GitReference::Tag(t),
                (_, _, Some(b)) => GitReference::Branch(b),
                _ => GitReference::DefaultBranch,
            },
        },
    }
}

/// Adds (or replaces) the dependency `name` in the manifest of the project in `dir`, then
/// resolves the project's dependencies so that `bluescript.lock` records it; when they cannot
/// be resolved, the manifest is left as it was.
pub fn add(dir: &Path, name: &str, source: &Source, options: deps::Options) -> miette::Result<()> {
    if !is_valid_name(name) {
        return Err(miette::miette!(
            help = "use letters, digits, `-` and `_`",
            "`{name}` is not a valid dependency name"
        ));
    }
    let path = project::manifest_path(dir)?;
    let mut doc = edit(&path)?;
    let before = doc.to_string();
    let deps = dependencies_table(&mut doc, &path)?;
    let value = Value::InlineTable(entry(source));
    match deps.get_mut(name) {
        // Replacing keeps the key where it is, with its comments.
        Some(item) => *item = Item::Value(value),
        None => {
            deps.insert(name, Item::Value(value));
        }
    }
    let manifest = save(&path, &doc)?;
    if let Err(e) = project::resolve(Some(&path), false, &mut deps::Resolver::new(options)) {
        // A dependency that cannot be used is not added: the manifest is left as it was.
        std::fs::write(&path, before)
            .map_err(|e| miette::miette!("cannot write `{}`: {e}", path.display()))?;
        return Err(e.wrap_err(format!("`{name}` was not added to `{MANIFEST}`")));
    }
    let what = match source {
        Source::Path(p) => format!("path `{p}`"),
        Source::Git { url, reference } => format!("`{url}` ({})", reference.describe()),
    };
    println!("Added `{name}` from {what} to `{}`", manifest.package.name);
    Ok(())
}

/// Removes the dependency `name` from the manifest of the project in `dir`.
pub fn remove(dir: &Path, name: &str) -> miette::Result<()> {
    let path = project::manifest_path(dir)?;
    let mut doc = edit(&path)?;
    let removed = doc
        .get_mut("dependencies")
        .and_then(Item::as_table_like_mut)
        .and_then(|deps| deps.remove(name));
    if removed.is_none() {
        return Err(miette::miette!(
            help = "`bs remove` takes a name listed under `[dependencies]`",
            "`{}` has no dependency `{name}`",
            path.display()
        ));
    }
    let manifest = save(&path, &doc)?;
    println!("Removed `{name}` from `{}`", manifest.package.name);
    Ok(())
}

/// The manifest at `path`, checked, as an editable document.
fn edit(path: &Path) -> miette::Result<DocumentMut> {
    let manifest = Manifest::read(path)?;
    std::fs::read_to_string(&manifest.path)
        .map_err(|e| miette::miette!("cannot read `{}`: {e}", path.display()))?
        .parse::<DocumentMut>()
        .map_err(|e| miette::miette!("`{}` is not valid TOML: {e}", path.display()))
}

/// `[dependencies]` of `doc`, created at the end when it is missing.
fn dependencies_table<'d>(
    doc: &'d mut DocumentMut,
    path: &Path,
) -> miette::Result<&'d mut dyn toml_edit::TableLike> {
    doc.entry("dependencies")
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| miette::miette!("`dependencies` in `{}` is not a table", path.display()))
}

/// The inline table `{ path = "…" }` or `{ git = "…", tag = "…" }`.
fn entry(source: &Source) -> InlineTable {
    let mut table = InlineTable::new();
    match source {
        Source::Path(p) => {
            table.insert("path", p.as_str().into());
        }
        Source::Git { url, reference } => {
            table.insert("git", url.as_str().into());
            let pinned = match reference {
                GitReference::DefaultBranch => None,
                GitReference::Rev(r) => Some(("rev", r)),
                GitReference::Tag(t) => Some(("tag", t)),
                GitReference::Branch(b) => Some(("branch", b)),
            };
            if let Some((key, value)) = pinned {
                table.insert(key, value.as_str().into());
            }
        }
    }
    table.fmt();
    table
}

/// Writes `doc` to `path` once it is a valid manifest; returns that manifest.
fn save(path: &Path, doc: &DocumentMut) -> miette::Result<Manifest> {
    let text = doc.to_string();
    let manifest = Manifest::parse(path, text.clone())?;
    std::fs::write(path, text)
        .map_err(|e| miette::miette!("cannot write `{}`: {e}", path.display()))?;
    Ok(manifest)
}
