//! Fetching git dependencies with the `git` command-line tool: clone a repository, find the
//! commit a reference names, check it out.
//!
//! The command-line tool rather than a library: it is on every developer's machine already,
//! speaks every transport and credential helper the user has set up, and adds no native build
//! dependency (libgit2, OpenSSL) to `bs`.

use crate::manifest::GitReference;
use std::path::Path;
use std::process::Command;

/// Why a git operation failed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// `git` could not be started.
    #[error("cannot run `git` ({0}); install git to use git dependencies")]
    Missing(std::io::Error),
    /// `git` ran and failed.
    #[error("`git {args}` failed: {message}")]
    Failed {
        /// The arguments.
        args: String,
        /// What git wrote to standard error.
        message: String,
    },
}

/// Runs `git ARGS` (in `dir`, if given) and returns its standard output, trimmed.
fn git(dir: Option<&Path>, args: &[&str]) -> Result<String, GitError> {
    let mut command = Command::new("git");
    if let Some(dir) = dir {
        command.arg("-C").arg(dir);
    }
    // Bytes as committed (no line-ending conversion), and never a password prompt.
    command
        .args([
            "-c",
            "core.autocrlf=false",
            "-c",
            "advice.detachedHead=false",
        ])
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null());
    let out = command.output().map_err(GitError::Missing)?;
    if !out.status.success() {
        return Err(GitError::Failed {
            args: args.join(" "),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Clones `url` into `into` (which must not exist), without checking anything out.
pub fn clone(url: &str, into: &Path) -> Result<(), GitError> {
    let into = into.to_string_lossy();
    // `--`: a URL is never an option.
    git(
        None,
        &["clone", "--quiet", "--no-checkout", "--", url, &into],
    )
    .map(drop)
}

/// The full hash of the commit `reference` names in the clone `repo`.
pub fn resolve(repo: &Path, reference: &GitReference) -> Result<String, GitError> {
    let spec = match reference {
        GitReference::DefaultBranch => "HEAD".to_string(),
        GitReference::Branch(b) => format!("refs/remotes/origin/{b}"),
        GitReference::Tag(t) => format!("refs/tags/{t}"),
        GitReference::Rev(r) => r.clone(),
    };
    git(
        Some(repo),
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{spec}^{{commit}}"),
        ],
    )
    .map_err(|_| GitError::Failed {
        args: format!("rev-parse {spec}"),
        message: format!("the repository has no {}", reference.describe()),
    })
}

/// Checks out `commit` in the clone `repo` and deletes its `.git`, leaving the files only.
pub fn checkout_files(repo: &Path, commit: &str) -> Result<(), GitError> {
    git(Some(repo), &["checkout", "--quiet", "--detach", commit])?;
    let dot_git = repo.join(".git");
    crate::store::remove_tree(&dot_git).map_err(|e| GitError::Failed {
        args: "checkout".into(),
        message: e.to_string(),
    })
}
