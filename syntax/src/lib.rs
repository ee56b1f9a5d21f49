//! The BlueScript front end's first layer: lexer, automatic semicolon insertion and an
//! error-resilient recursive-descent parser producing an owned [`ast::SourceFile`].
//!
//! This crate knows nothing of types or machine code. [`parse`] never fails and never panics: it
//! always returns a tree, plus the syntax errors it recovered from.

pub mod ast;

/// A half-open byte range `start..end` into one source file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    /// Offset of the first byte.
    pub start: u32,
    /// Offset one past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end`.
    pub fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both `self` and `other`.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// A syntax error the parser recovered from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SyntaxError {
    /// A stable error code such as `E0101` (syntax errors use `E01xx`).
    pub code: &'static str,
    /// What is wrong, in one sentence.
    pub message: String,
    /// Where.
    pub span: Span,
    /// What to do about it, where that helps.
    pub hint: Option<String>,
}

/// The result of parsing one file: always a tree, plus the errors recovered from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Parse {
    /// The (possibly partial) syntax tree.
    pub file: ast::SourceFile,
    /// Syntax errors in source order; empty when the file is well formed.
    pub errors: Vec<SyntaxError>,
}
