//! The BlueScript front end's first layer: lexer, automatic semicolon insertion and an
//! error-resilient recursive-descent parser producing an owned [`ast::SourceFile`].
//!
//! This crate knows nothing of types or machine code. [`parse`] never fails and never panics: it
//! always returns a tree, plus the syntax errors it recovered from. Constructs that TypeScript has
//! but BlueScript does not support yet (`switch`, template literals, object literals, …) parse into
//! [`ast::Expr::Unsupported`] / [`ast::Stmt::Unsupported`] nodes without an error, so that the
//! checker can report them by name.
//!
//! Trees are at most [`MAX_TREE_DEPTH`] nodes deep (deeper input is reported as `E0107` and
//! replaced by an error node), so later passes may recurse over them freely.
//!
//! # Error codes
//! | code | meaning |
//! |---|---|
//! | `E0101` | unexpected token (a stray `}` or `)`) |
//! | `E0102` | expected a specific token (`;`, `)`, `=>`, …) but found another |
//! | `E0103` | unterminated string literal |
//! | `E0104` | unterminated block comment |
//! | `E0105` | invalid number literal |
//! | `E0106` | unknown character |
//! | `E0107` | nesting too deep |
//! | `E0108` | unterminated template literal |
//! | `E0109` | integer literal too large for 64 bits |
//! | `E0110` | invalid escape sequence |
//! | `E0111` | `export` not at the top level |
//! | `E0112` | invalid assignment or `++`/`--` target |
//! | `E0113` | expected an expression |
//! | `E0114` | expected a type |
//! | `E0115` | expected a name |
//! | `E0116` | a bracket is still open at the end of the file |
//! | `E0117` | TypeScript syntax with no place in the language (optional parameters, accessors, …) |
//! | `E0118` | `-x ** y` needs parentheses |
//! | `E0119` | too many errors; the rest are not shown |

#![warn(missing_docs)]

pub mod ast;
mod depth;
mod diag;
pub mod lexer;
mod parser;
pub mod visit;

pub use depth::MAX_TREE_DEPTH;

#[cfg(test)]
mod tests;

/// Parses one source file. Never fails: the result always has a tree, and the errors are in
/// source order.
pub fn parse(text: &str) -> Parse {
    parse_at(text, 0)
}

/// Parses `text` as the part of a larger text that starts at byte `base`: every span (in the tree
/// and in the errors) is `base` further on than its offset in `text`. This is how one function or
/// statement is parsed again on its own with positions that do not depend on what precedes it in
/// its file. Line and column numbers inside error messages count from the start of `text`.
pub fn parse_at(text: &str, base: u32) -> Parse {
    let (mut tokens, mut lex_errors) = lexer::lex(text);
    let shift = |span: Span| Span::new(span.start + base, span.end + base);
    for token in &mut tokens {
        token.span = shift(token.span);
    }
    for error in &mut lex_errors {
        error.span = shift(error.span);
    }
    parser::parse_tokens(text, base, tokens, lex_errors)
}

/// The 1-based line and column of byte `offset` in `text`; the column counts characters, not bytes.
/// Offsets past the end map to the end; an offset inside a character counts from that character.
pub fn line_col(text: &str, offset: u32) -> (u32, u32) {
    let mut offset = (offset as usize).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let col = before[line_start..].chars().count() + 1;
    (line as u32, col as u32)
}

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
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A syntax error the parser recovered from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SyntaxError {
    /// A stable error code such as `E0101` (syntax errors use `E01xx`; see the crate docs).
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
