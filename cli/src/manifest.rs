//! The project manifest, `bluescript.toml`: every field read into a typed value and checked;
//! unknown keys and bad values are errors that point into the file.

use miette::{LabeledSpan, MietteDiagnostic, NamedSource, Report};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml_edit::{Item, TableLike};

/// The manifest file name.
pub const MANIFEST: &str = "bluescript.toml";

/// The boards a manifest may name.
pub const KNOWN_BOARDS: &[&str] = &["host", "esp32-sim", "esp32", "esp32s3"];

/// The boards that are flashed with a runtime firmware (`board.firmware`).
pub const FLASHED_BOARDS: &[&str] = &["esp32", "esp32s3"];

/// The smallest heap, code or data size a manifest may ask for, in bytes.
const MIN_SIZE: i64 = 4096;
/// The largest heap, code or data size a manifest may ask for, in bytes.
const MAX_SIZE: i64 = 256 * 1024 * 1024;

/// A parsed and checked manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The manifest file.
    pub path: PathBuf,
    /// `[package]`.
    pub package: PackageInfo,
    /// `[board]`.
    pub board: BoardConfig,
    /// `[dependencies]`, in file order.
    pub dependencies: Vec<Dependency>,
    /// `[profile.dev]`.
    pub dev: Profile,
    /// `[profile.release]`.
    pub release: Profile,
    /// The file name shown in errors and the file's text.
    source: (String, String),
}

/// `[package]`: what the project is and where its code is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageInfo {
    /// Letters, digits, `-` and `_`.
    pub name: String,
    /// `MAJOR.MINOR.PATCH`, optionally followed by `-PRE` or `+BUILD`.
    pub version: String,
    /// The entry file, relative to the manifest's directory.
    pub entry: String,
    /// The source directory, relative to the manifest's directory: `'pkg/sub'` imports
    /// `sub.bs` in it. Default: the entry file's directory.
    pub source: String,
}

/// `[board]`: the board and its memory configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardConfig {
    /// One of [`KNOWN_BOARDS`].
    pub name: String,
    /// The heap size in bytes.
    pub heap_size: Option<u32>,
    /// The most code space the program may use, in bytes.
    pub code_size: Option<u32>,
    /// The most data space (globals and static data) the program may use, in bytes.
    pub data_size: Option<u32>,
    /// The runtime firmware ELF for `esp32`/`esp32s3`.
    pub firmware: Option<Firmware>,
}

/// `board.firmware`: the device runtime's firmware ELF for a board in [`FLASHED_BOARDS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firmware {
    /// The path as written, relative to the manifest's directory.
    pub path: String,
    /// The span of the value in the manifest, for errors.
    pub span: Range<usize>,
}

/// `[profile.dev]` or `[profile.release]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The heap size in bytes for builds in this profile (overrides `board.heap-size`).
    pub heap_size: Option<u32>,
}

/// One entry of `[dependencies]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The name imports use (`import … from 'NAME'`).
    pub name: String,
    /// Where it comes from.
    pub source: DependencySource,
    /// The span of its entry in the manifest, for errors.
    pub span: Range<usize>,
}

/// Where a dependency's files come from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DependencySource {
    /// A directory, relative to the manifest that names it.
    Path(String),
    /// A git repository at one revision.
    Git {
        /// The repository URL (`https://…`, `file://…`, `ssh://…` or a local path).
        url: String,
        /// Which revision.
        reference: GitReference,
    },
}

/// Which revision of a git dependency.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GitReference {
    /// The repository's default branch.
    DefaultBranch,
    /// `branch = "…"`.
    Branch(String),
    /// `tag = "…"`.
    Tag(String),
    /// `rev = "…"`: a commit (full or abbreviated hash).
    Rev(String),
}

impl GitReference {
    /// What `git` resolves to a commit: `HEAD`, a branch, `refs/tags/TAG` or a commit.
    pub fn describe(&self) -> String {
        match self {
            GitReference::DefaultBranch => "the default branch".into(),
            GitReference::Branch(b) => format!("branch `{b}`"),
            GitReference::Tag(t) => format!("tag `{t}`"),
            GitReference::Rev(r) => format!("revision `{r}`"),
        }
    }
}

impl Manifest {
    /// Reads and checks the manifest at `path`.
    pub fn read(path: &Path) -> miette::Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| miette::miette!("cannot read `{}`: {e}", path.display()))?;
        Manifest::parse(path, text)
    }

    /// Checks `text`, the contents of the manifest at `path`.
    pub fn parse(path: &Path, text: String) -> miette::Result<Manifest> {
        let name = path.display().to_string();
        let doc = toml_edit::Document::parse(text.clone()).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            error(&name, &text, span, e.message().to_string(), None)
        })?;
        let r = Reader {
            file: &name,
            text: &text,
        };
        let root = doc.as_table();
        r.check_keys(
            root,
            &["package", "board", "dependencies", "profile"],
            "the manifest",
        )?;
        let package = match root.get("package") {
            Some(item) => r.package(item)?,
            None => {
                return Err(miette::miette!(
                    help = "add `[package]` with `name = \"…\"` (see bluescript.toml.example)",
                    "`{name}` has no `[package]` table"
                ));
            }
        };
        let board = r.board(root.get("board"))?;
        let dependencies = match root.get("dependencies") {
            Some(item) => r.dependencies(item)?,
            None => Vec::new(),
        };
        let (dev, release) = r.profiles(root.get("profile"))?;
        Ok(Manifest {
            path: path.to_path_buf(),
            package,
            board,
            dependencies,
            dev,
            release,
            source: (name, text),
        })
    }

    /// The directory holding the manifest (`.` for a bare `bluescript.toml`).
    pub fn dir(&self) -> &Path {
        match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        }
    }

    /// The profile named `release` or `dev`.
    pub fn profile(&self, release: bool) -> &Profile {
        if release { &self.release } else { &self.dev }
    }

    /// The runtime firmware ELF `board.firmware` names, if it does; a path that is not a file
    /// is an error pointing at it in the manifest.
    pub fn firmware(&self) -> miette::Result<Option<PathBuf>> {
        let Some(firmware) = &self.board.firmware else {
            return Ok(None);
        };
        let path = self.dir().join(&firmware.path);
        if !path.is_file() {
            return Err(error(
                &self.source.0,
                &self.source.1,
                firmware.span.clone(),
                format!("the runtime firmware `{}` is not a file", path.display()),
                Some("`board.firmware` is the runtime firmware's ELF, relative to this manifest"),
            ));
        }
        Ok(Some(path))
    }

    /// An error about the bytes `span` of the manifest.
    pub fn error_at(&self, span: Range<usize>, message: &str) -> Report {
        error(
            &self.source.0,
            &self.source.1,
            span,
            message.to_string(),
            Some(HELP),
        )
    }
}

const HELP: &str = "see bluescript.toml.example for every field and its allowed values";

/// Reads typed values out of a parsed manifest, with errors that point into its text.
struct Reader<'a> {
    file: &'a str,
    text: &'a str,
}

impl Reader<'_> {
    fn error(&self, span: Option<Range<usize>>, message: String) -> Report {
        error(
            self.file,
            self.text,
            span.unwrap_or(0..0),
            message,
            Some(HELP),
        )
    }

    /// `item` as a table (a `[table]` or an inline `{ … }`).
    fn table<'i>(&self, item: &'i Item, what: &str) -> miette::Result<&'i dyn TableLike> {
        item.as_table_like()
            .ok_or_else(|| self.error(item.span(), format!("`{what}` must be a table")))
    }

    /// Fails on the first key of `table` that is not in `allowed`.
    fn check_keys(
        &self,
        table: &dyn TableLike,
        allowed: &[&str],
        what: &str,
    ) -> miette::Result<()> {
        for (key, _) in table.iter() {
            if !allowed.contains(&key) {
                let span = table.get_key_value(key).and_then(|(k, _)| k.span());
                let expected = allowed
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(self.error(
                    span,
                    format!("unknown key `{key}` in {what}; the keys are {expected}"),
                ));
            }
        }
        Ok(())
    }

    fn string(&self, item: &Item, what: &str) -> miette::Result<String> {
        item.as_str()
            .map(str::to_string)
            .ok_or_else(|| self.error(item.span(), format!("`{what}` must be a string")))
    }

    fn optional_string(
        &self,
        table: &dyn TableLike,
        key: &str,
        what: &str,
    ) -> miette::Result<Option<String>> {
        table
            .get(key)
            .map(|item| self.string(item, &format!("{what}.{key}")))
            .transpose()
    }

    /// A size in bytes between [`MIN_SIZE`] and [`MAX_SIZE`].
    fn size(&self, table: &dyn TableLike, key: &str, what: &str) -> miette::Result<Option<u32>> {
        let Some(item) = table.get(key) else {
            return Ok(None);
        };
        match item.as_integer() {
            Some(n) if (MIN_SIZE..=MAX_SIZE).contains(&n) => Ok(Some(n as u32)),
            _ => Err(self.error(
                item.span(),
                format!(
                    "`{what}.{key}` must be a number of bytes between {MIN_SIZE} and {MAX_SIZE}"
                ),
            )),
        }
    }

    fn package(&self, item: &Item) -> miette::Result<PackageInfo> {
        let table = self.table(item, "package")?;
        self.check_keys(
            table,
            &["name", "version", "entry", "source"],
            "`[package]`",
        )?;
        let Some(name_item) = table.get("name") else {
            return Err(self.error(
                item.span(),
                "`[package]` needs a `name`, such as `name = \"blink\"`".into(),
            ));
        };
        let name = self.string(name_item, "package.name")?;
        if !is_valid_name(&name) {
            return Err(self.error(
                name_item.span(),
                format!("`{name}` is not a valid package name: use letters, digits, `-` and `_`"),
            ));
        }
        let version = match table.get("version") {
            None => "0.1.0".to_string(),
            Some(v) => {
                let version = self.string(v, "package.version")?;
                if !is_valid_version(&version) {
                    return Err(self.error(
                        v.span(),
                        format!("`{version}` is not a version: write `MAJOR.MINOR.PATCH`, such as `0.1.0`"),
                    ));
                }
                version
            }
        };
        let entry = self
            .optional_string(table, "entry", "package")?
            .unwrap_or_else(|| "src/main.bs".into());
        let source = self
            .optional_string(table, "source", "package")?
            .unwrap_or_else(|| match entry.rsplit_once('/') {
                Some((dir, _)) => dir.to_string(),
                None => ".".to_string(),
            });
        for (key, value) in [("entry", &entry), ("source", &source)] {
            if Path::new(value).is_absolute() {
                let span = table.get(key).and_then(Item::span);
                return Err(self.error(
                    span,
                    format!("`package.{key}` must be a path relative to the manifest"),
                ));
            }
        }
        Ok(PackageInfo {
            name,
            version,
            entry,
            source,
        })
    }

    fn board(&self, item: Option<&Item>) -> miette::Result<BoardConfig> {
        let mut board = BoardConfig {
            name: "host".into(),
            heap_size: None,
            code_size: None,
            data_size: None,
            firmware: None,
        };
        let Some(item) = item else {
            return Ok(board);
        };
        let table = self.table(item, "board")?;
        self.check_keys(
            table,
            &["name", "heap-size", "code-size", "data-size", "firmware"],
            "`[board]`",
        )?;
        if let Some(name_item) = table.get("name") {
            let name = self.string(name_item, "board.name")?;
            if !KNOWN_BOARDS.contains(&name.as_str()) {
                return Err(self.error(
                    name_item.span(),
                    format!(
                        "unknown board `{name}`; the boards are {}",
                        KNOWN_BOARDS.join(", ")
                    ),
                ));
            }
            board.name = name;
        }
        board.heap_size = self.size(table, "heap-size", "board")?;
        board.code_size = self.size(table, "code-size", "board")?;
        board.data_size = self.size(table, "data-size", "board")?;
        if let Some(item) = table.get("firmware") {
            board.firmware = Some(self.firmware(item, &board.name)?);
        }
        Ok(board)
    }

    /// `board.firmware` of a board named `board`: a relative path, for a flashed board only.
    fn firmware(&self, item: &Item, board: &str) -> miette::Result<Firmware> {
        let path = self.string(item, "board.firmware")?;
        let span = item.span().unwrap_or(0..0);
        if !FLASHED_BOARDS.contains(&board) {
            return Err(error(
                self.file,
                self.text,
                span,
                format!("`board.firmware` is for the boards that are flashed, not for `{board}`"),
                Some("set `name = \"esp32\"` (or \"esp32s3\") in `[board]`, or remove `firmware`"),
            ));
        }
        if path.is_empty() || Path::new(&path).is_absolute() {
            return Err(self.error(
                Some(span),
                "`board.firmware` must be a path relative to the manifest".into(),
            ));
        }
        Ok(Firmware { path, span })
    }

    fn dependencies(&self, item: &Item) -> miette::Result<Vec<Dependency>> {
        let table = self.table(item, "dependencies")?;
        let mut deps = Vec::new();
        for (name, entry) in table.iter() {
            let key_span = table.get_key_value(name).and_then(|(k, _)| k.span());
            if !is_valid_name(name) {
                return Err(self.error(
                    key_span,
                    format!(
                        "`{name}` is not a valid dependency name: use letters, digits, `-` and `_`"
                    ),
                ));
            }
            let what = format!("dependencies.{name}");
            let Some(fields) = entry.as_table_like() else {
                return Err(self.error(
                    entry.span(),
                    format!(
                        "dependency `{name}` needs a path or a git repository: \
                         `{name} = {{ path = \"../{name}\" }}` or `{name} = {{ git = \"URL\", tag = \"v1\" }}`"
                    ),
                ));
            };
            self.check_keys(
                fields,
                &["path", "git", "rev", "tag", "branch"],
                &format!("dependency `{name}`"),
            )?;
            let path = self.optional_string(fields, "path", &what)?;
            let git = self.optional_string(fields, "git", &what)?;
            let refs: Vec<(&str, String)> = ["rev", "tag", "branch"]
                .into_iter()
                .filter_map(|k| fields.get(k).map(|i| (k, i)))
                .map(|(k, i)| {
                    let value = self.string(i, &format!("{what}.{k}"))?;
                    // Git would read a leading `-` as an option.
                    if value.is_empty() || value.starts_with('-') {
                        return Err(
                            self.error(i.span(), format!("`{what}.{k}` must name a git {k}"))
                        );
                    }
                    Ok((k, value))
                })
                .collect::<miette::Result<_>>()?;
            let span = entry.span().or(key_span).unwrap_or(0..0);
            let source = match (path, git) {
                (Some(path), None) if refs.is_empty() => DependencySource::Path(path),
                (Some(_), None) => {
                    return Err(self.error(
                        Some(span),
                        format!(
                            "dependency `{name}`: `{}` goes with `git`, not with `path`",
                            refs[0].0
                        ),
                    ));
                }
                (None, Some(url)) if refs.len() <= 1 => {
                    let reference = match refs.into_iter().next() {
                        None => GitReference::DefaultBranch,
                        Some(("rev", r)) => GitReference::Rev(r),
                        Some(("tag", t)) => GitReference::Tag(t),
                        Some((_, b)) => GitReference::Branch(b),
                    };
                    DependencySource::Git { url, reference }
                }
                (None, Some(_)) => {
                    return Err(self.error(
                        Some(span),
                        format!(
                            "dependency `{name}`: give at most one of `rev`, `tag` and `branch`"
                        ),
                    ));
                }
                (Some(_), Some(_)) => {
                    return Err(self.error(
                        Some(span),
                        format!("dependency `{name}` has both `path` and `git`; keep one"),
                    ));
                }
                (None, None) => {
                    return Err(self.error(
                        Some(span),
                        format!(
                            "dependency `{name}` needs a path or a git repository: \
                             `{name} = {{ path = \"../{name}\" }}` or `{name} = {{ git = \"URL\", tag = \"v1\" }}`"
                        ),
                    ));
                }
            };
            deps.push(Dependency {
                name: name.to_string(),
                source,
                span,
            });
        }
        Ok(deps)
    }

    fn profiles(&self, item: Option<&Item>) -> miette::Result<(Profile, Profile)> {
        let Some(item) = item else {
            return Ok(Default::default());
        };
        let table = self.table(item, "profile")?;
        self.check_keys(table, &["dev", "release"], "`[profile]`")?;
        let read = |name: &str| -> miette::Result<Profile> {
            let Some(item) = table.get(name) else {
                return Ok(Profile::default());
            };
            let what = format!("profile.{name}");
            let t = self.table(item, &what)?;
            self.check_keys(t, &["heap-size"], &format!("`[{what}]`"))?;
            Ok(Profile {
                heap_size: self.size(t, "heap-size", &what)?,
            })
        };
        Ok((read("dev")?, read("release")?))
    }
}

/// Letters, digits, `-` and `_`, not starting with `-`.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `MAJOR.MINOR.PATCH` with an optional `-PRE` or `+BUILD` suffix.
fn is_valid_version(version: &str) -> bool {
    let core = version.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// A diagnostic about `span` of the manifest `file` whose text is `text`.
fn error(
    file: &str,
    text: &str,
    span: Range<usize>,
    message: String,
    help: Option<&str>,
) -> Report {
    let mut d = MietteDiagnostic::new(message)
        .with_code("E0001")
        .with_label(LabeledSpan::at(span, "here"));
    if let Some(h) = help {
        d = d.with_help(h);
    }
    Report::new(d).with_source_code(NamedSource::new(file, text.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> miette::Result<Manifest> {
        Manifest::parse(Path::new("bluescript.toml"), text.to_string())
    }

    /// The message and the text the error's label points at.
    fn failure(text: &str) -> (String, String) {
        let report = parse(text).expect_err("the manifest is rejected");
        let label = report
            .labels()
            .and_then(|mut l| l.next())
            .expect("the error points into the file");
        let at = &text[label.offset()..label.offset() + label.len()];
        (report.to_string(), at.to_string())
    }

    #[test]
    fn every_field_is_read() {
        let m = parse(
            r#"
[package]
name = "demo"
version = "1.2.3-beta"
entry = "lib/app.bs"
source = "lib"

[board]
name = "esp32"
heap-size = 65536
code-size = 131072
data-size = 8192
firmware = "fw/runtime.elf"

[dependencies]
geo = { path = "../geo" }
net = { git = "file:///repos/net", tag = "v1" }
log = { git = "https://example.org/log.git" }

[profile.dev]
heap-size = 8192

[profile.release]
heap-size = 16384
"#,
        )
        .unwrap();
        assert_eq!(m.package.name, "demo");
        assert_eq!(m.package.version, "1.2.3-beta");
        assert_eq!(m.package.source, "lib");
        assert_eq!(m.board.name, "esp32");
        assert_eq!(
            (m.board.heap_size, m.board.code_size, m.board.data_size),
            (Some(65536), Some(131072), Some(8192))
        );
        let firmware = m.board.firmware.as_ref().map(|f| f.path.as_str());
        assert_eq!(firmware, Some("fw/runtime.elf"));
        let sources: Vec<_> = m.dependencies.iter().map(|d| d.source.clone()).collect();
        assert_eq!(
            sources,
            [
                DependencySource::Path("../geo".into()),
                DependencySource::Git {
                    url: "file:///repos/net".into(),
                    reference: GitReference::Tag("v1".into())
                },
                DependencySource::Git {
                    url: "https://example.org/log.git".into(),
                    reference: GitReference::DefaultBranch
                },
            ]
        );
        assert_eq!(m.dev.heap_size, Some(8192));
        assert_eq!(m.release.heap_size, Some(16384));
    }

    #[test]
    fn defaults_fill_what_is_left_out() {
        let m = parse("[package]\nname = \"x\"\n").unwrap();
        assert_eq!(m.package.version, "0.1.0");
        assert_eq!(m.package.entry, "src/main.bs");
        assert_eq!(m.package.source, "src");
        assert_eq!(m.board.name, "host");
        assert!(m.dependencies.is_empty());
        assert_eq!(m.release, Profile::default());
    }

    #[test]
    fn bad_fields_point_at_the_offending_text() {
        let cases = [
            (
                "[package]\nname = \"x\"\ncolour = 1\n",
                "unknown key `colour`",
                "colour",
            ),
            (
                "[package]\nname = \"x\"\n[boards]\n",
                "unknown key `boards`",
                "boards",
            ),
            (
                "[package]\nname = \"a b\"\n",
                "not a valid package name",
                "\"a b\"",
            ),
            (
                "[package]\nname = \"x\"\nversion = \"1.0\"\n",
                "is not a version",
                "\"1.0\"",
            ),
            (
                "[package]\nname = \"x\"\n[board]\nname = \"esp99\"\n",
                "unknown board `esp99`",
                "\"esp99\"",
            ),
            (
                "[package]\nname = \"x\"\n[board]\nheap-size = 12\n",
                "`board.heap-size` must be",
                "12",
            ),
            (
                "[package]\nname = \"x\"\n[board]\ncode-size = \"big\"\n",
                "`board.code-size` must be",
                "\"big\"",
            ),
            (
                "[package]\nname = \"x\"\n[dependencies]\na = { path = \"p\", tag = \"v\" }\n",
                "goes with `git`",
                "{ path = \"p\", tag = \"v\" }",
            ),
            (
                "[package]\nname = \"x\"\n[dependencies]\na = { git = \"u\", tag = \"v\", rev = \"r\" }\n",
                "at most one of",
                "{ git = \"u\", tag = \"v\", rev = \"r\" }",
            ),
            (
                "[package]\nname = \"x\"\n[dependencies]\na = { git = \"u\", version = \"1\" }\n",
                "unknown key `version` in dependency `a`",
                "version",
            ),
            (
                "[package]\nname = \"x\"\n[dependencies]\na = \"1.0\"\n",
                "needs a path or a git repository",
                "\"1.0\"",
            ),
            (
                "[package]\nname = \"x\"\n[profile.test]\n",
                "unknown key `test` in `[profile]`",
                "test",
            ),
            (
                "[package]\nname = \"x\"\n[profile.release]\nopt = 3\n",
                "unknown key `opt`",
                "opt",
            ),
            (
                "[package]\nname = 3\n",
                "`package.name` must be a string",
                "3",
            ),
            (
                "[package]\nname = \"x\"\n[board]\nfirmware = \"fw.elf\"\n",
                "`board.firmware` is for the boards that are flashed, not for `host`",
                "\"fw.elf\"",
            ),
            (
                "[package]\nname = \"x\"\n[board]\nname = \"esp32\"\nfirmware = \"/fw.elf\"\n",
                "`board.firmware` must be a path relative",
                "\"/fw.elf\"",
            ),
            (
                "[package]\nname = \"x\"\n[dependencies]\na = { git = \"u\", rev = \"--upload-pack=x\" }\n",
                "must name a git rev",
                "\"--upload-pack=x\"",
            ),
        ];
        for (text, message, at) in cases {
            let (got, got_at) = failure(text);
            assert!(got.contains(message), "{text}: {got}");
            assert_eq!(got_at.trim(), at, "{text}");
        }
    }

    #[test]
    fn a_manifest_without_package_is_an_error() {
        let err = parse("[board]\nname = \"host\"\n").unwrap_err().to_string();
        assert!(err.contains("has no `[package]`"), "{err}");
    }

    #[test]
    fn the_example_manifest_is_valid_and_shows_every_field() {
        let example = include_str!("../../bluescript.toml.example");
        let m = parse(example).unwrap();
        assert_eq!(m.package.name, "demo");
        // Every key, commented out or not, is documented.
        for key in [
            "name",
            "version",
            "entry",
            "source",
            "heap-size",
            "code-size",
            "data-size",
            "firmware",
            "path",
            "git",
            "rev",
            "tag",
            "branch",
            "[profile.dev]",
            "[profile.release]",
        ] {
            assert!(example.contains(key), "`{key}` is not documented");
        }
        // With its commented-out lines switched on (the dependencies left out, since they
        // would need real packages), it is still valid.
        let uncommented: String = example
            .lines()
            .map(|l| {
                l.strip_prefix("# ")
                    .filter(|l| l.starts_with("heap-size") || l.starts_with("firmware"))
                    .unwrap_or(if l == "name = \"host\"" {
                        "name = \"esp32\""
                    } else {
                        l
                    })
            })
            .collect::<Vec<_>>()
            .join("\n");
        let m = parse(&uncommented).unwrap();
        assert_eq!(m.release.heap_size, Some(65536));
        assert!(m.board.firmware.is_some());
    }

    #[test]
    fn the_firmware_must_be_a_file_next_to_the_manifest() {
        let dir = std::env::temp_dir().join(format!("bs-manifest-fw-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("fw")).unwrap();
        std::fs::write(dir.join("fw/runtime.elf"), b"\x7fELF").unwrap();
        let text =
            "[package]\nname = \"x\"\n[board]\nname = \"esp32s3\"\nfirmware = \"fw/runtime.elf\"\n";
        let m = Manifest::parse(&dir.join(MANIFEST), text.into()).unwrap();
        assert_eq!(m.firmware().unwrap(), Some(dir.join("fw/runtime.elf")));
        let missing = text.replace("runtime.elf", "missing.elf");
        let m = Manifest::parse(&dir.join(MANIFEST), missing.clone()).unwrap();
        let report = m.firmware().unwrap_err();
        assert!(report.to_string().contains("is not a file"), "{report}");
        let label = report.labels().and_then(|mut l| l.next()).unwrap();
        assert_eq!(
            &missing[label.offset()..label.offset() + label.len()],
            "\"fw/missing.elf\""
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn versions_and_names() {
        assert!(is_valid_version("0.1.0") && is_valid_version("10.20.30+build.5"));
        assert!(!is_valid_version("1.x.0") && !is_valid_version("1..0"));
        assert!(is_valid_name("geo_2-d") && !is_valid_name("-x") && !is_valid_name("a.b"));
    }
}
